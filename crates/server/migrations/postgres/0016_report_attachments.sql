-- Attachments of a unit's milestone submission (issue 16): the signed scan of a report, photos
-- of the season, a plan as PDF. They belong to the unit's submission for the milestone while it is
-- being written; submitting a version records which of them went with it, so a returned report
-- revised with other files still shows what each version carried. Removing one while editing only
-- marks it removed: a version sent before keeps it. Bytes are stored in 256 KiB chunks as the
-- class documents are (src/web/documents.rs).

CREATE TABLE submission_files (
    id            TEXT PRIMARY KEY,
    milestone_id  TEXT NOT NULL REFERENCES milestones(id) ON DELETE CASCADE,
    org_id        TEXT NOT NULL REFERENCES orgs(id),
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    uploaded_by   TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    removed_at    BIGINT,
    removed_by    TEXT
);
CREATE INDEX submission_files_unit ON submission_files(milestone_id, org_id);

CREATE TABLE submission_file_chunks (
    file_id  TEXT NOT NULL REFERENCES submission_files(id) ON DELETE CASCADE,
    seq      BIGINT NOT NULL,
    data     BYTEA NOT NULL,
    PRIMARY KEY (file_id, seq)
);

CREATE TABLE submission_files_sent (
    submission_id  TEXT NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    file_id        TEXT NOT NULL REFERENCES submission_files(id) ON DELETE CASCADE,
    PRIMARY KEY (submission_id, file_id)
);
CREATE INDEX submission_files_sent_file ON submission_files_sent(file_id);
