-- Class documents in pieces (issue 6: memory stays bounded). A document of up to 10 MiB was one
-- BLOB, read and written whole, several copies at once; it is now stored as 256 KiB chunks that an
-- upload writes and a download sends one at a time (src/classes/files.rs). Documents stored before
-- this migration become one chunk each, read whole as before.
CREATE TABLE file_chunks (
    file_id  TEXT NOT NULL REFERENCES files(id),
    seq      BIGINT NOT NULL,
    data     BYTEA NOT NULL,
    PRIMARY KEY (file_id, seq)
);

INSERT INTO file_chunks (file_id, seq, data) SELECT id, 0, data FROM files;
UPDATE files SET data = ''::bytea;
