-- Children, guardians and enrolment (SPEC §5, §14): guardians (a parent's account or an imported
-- guardian), children with sealed ID numbers and health notes, consents, pickup persons,
-- applications to classes with the care agreement and the accident insurance, lottery draws and
-- roster imports.

CREATE TABLE guardians (
    id               TEXT PRIMARY KEY,
    user_id          TEXT UNIQUE REFERENCES users(id),
    name             TEXT NOT NULL,
    phone            TEXT NOT NULL,
    employer         TEXT NOT NULL DEFAULT '',
    member           BOOLEAN NOT NULL DEFAULT FALSE,
    priorities       TEXT NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX guardians_phone ON guardians(phone);

CREATE TABLE children (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    gender           TEXT NOT NULL,
    birth_date       TEXT NOT NULL,
    school           TEXT NOT NULL,
    grade            TEXT NOT NULL,
    id_sealed        TEXT,
    id_masked        TEXT,
    health_sealed    TEXT,
    emergency        TEXT NOT NULL DEFAULT '',
    dedupe_index     TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    anonymised_at    BIGINT
);
CREATE INDEX children_dedupe ON children(dedupe_index);

CREATE TABLE child_guardians (
    child_id         TEXT NOT NULL REFERENCES children(id),
    guardian_id      TEXT NOT NULL REFERENCES guardians(id),
    relationship     TEXT NOT NULL,
    PRIMARY KEY (child_id, guardian_id)
);
CREATE INDEX child_guardians_guardian ON child_guardians(guardian_id);

CREATE TABLE consents (
    id               TEXT PRIMARY KEY,
    child_id         TEXT NOT NULL REFERENCES children(id),
    guardian_id      TEXT NOT NULL REFERENCES guardians(id),
    notice_version   TEXT NOT NULL,
    channel          TEXT NOT NULL,
    recorded_by      TEXT,
    at               BIGINT NOT NULL
);
CREATE INDEX consents_child ON consents(child_id);

CREATE TABLE pickup_persons (
    id               TEXT PRIMARY KEY,
    child_id         TEXT NOT NULL REFERENCES children(id),
    name             TEXT NOT NULL,
    relationship     TEXT NOT NULL,
    phone            TEXT NOT NULL,
    photo            BLOB,
    photo_type       TEXT,
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    created_at       BIGINT NOT NULL
);
CREATE INDEX pickup_persons_child ON pickup_persons(child_id);

CREATE TABLE applications (
    id                  TEXT PRIMARY KEY,
    child_id            TEXT NOT NULL REFERENCES children(id),
    class_id            TEXT NOT NULL REFERENCES classes(id),
    status              TEXT NOT NULL,
    reason              TEXT NOT NULL DEFAULT '',
    priority            BOOLEAN NOT NULL DEFAULT FALSE,
    kindergarten        BOOLEAN NOT NULL DEFAULT FALSE,
    agreement_version   TEXT,
    agreement_by        TEXT,
    agreement_channel   TEXT,
    agreement_at        BIGINT,
    insurer             TEXT,
    policy_no           TEXT,
    insured_from        TEXT,
    insured_to          TEXT,
    insurance_payer     TEXT,
    import_id           TEXT,
    applied_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE UNIQUE INDEX applications_child_class ON applications(child_id, class_id);
CREATE INDEX applications_class ON applications(class_id, status);

CREATE TABLE lottery_draws (
    id                  TEXT PRIMARY KEY,
    class_id            TEXT NOT NULL REFERENCES classes(id),
    seed_text           TEXT NOT NULL,
    seed                TEXT NOT NULL,
    places              BIGINT NOT NULL,
    kindergarten_places BIGINT NOT NULL,
    applicants          TEXT NOT NULL,
    result              TEXT NOT NULL,
    drawn_by            TEXT NOT NULL,
    drawn_at            BIGINT NOT NULL
);
CREATE INDEX lottery_draws_class ON lottery_draws(class_id);

CREATE TABLE roster_imports (
    id                  TEXT PRIMARY KEY,
    class_id            TEXT NOT NULL REFERENCES classes(id),
    file_sha256         TEXT NOT NULL,
    file_name           TEXT NOT NULL,
    rows_total          BIGINT NOT NULL,
    rows_created        BIGINT NOT NULL,
    imported_by         TEXT NOT NULL,
    at                  BIGINT NOT NULL
);
