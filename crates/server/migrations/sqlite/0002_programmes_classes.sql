-- Programmes (专案), milestone submissions (work plans, reports), classes (托管班) with their
-- lifecycle, closure/extra days, staff roster, uploaded files, and the notification outbox.

CREATE TABLE programmes (
    id                    TEXT PRIMARY KEY,
    org_id                TEXT NOT NULL REFERENCES orgs(id),
    name                  TEXT NOT NULL,
    season                TEXT NOT NULL,
    year                  BIGINT NOT NULL,
    start_date            TEXT NOT NULL,
    end_date              TEXT NOT NULL,
    target_units          BIGINT NOT NULL,
    target_families       BIGINT NOT NULL,
    target_model_classes  BIGINT NOT NULL,
    rules                 TEXT NOT NULL,
    reminder_days         BIGINT NOT NULL,
    theme                 TEXT NOT NULL DEFAULT '',
    copied_from           TEXT,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX programmes_org ON programmes(org_id);

CREATE TABLE milestones (
    id            TEXT PRIMARY KEY,
    programme_id  TEXT NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    due_date      TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX milestones_programme ON milestones(programme_id);

CREATE TABLE submissions (
    id             TEXT PRIMARY KEY,
    milestone_id   TEXT NOT NULL REFERENCES milestones(id) ON DELETE CASCADE,
    org_id         TEXT NOT NULL REFERENCES orgs(id),
    version        BIGINT NOT NULL,
    status         TEXT NOT NULL,
    objectives     TEXT NOT NULL DEFAULT '',
    measures       TEXT NOT NULL DEFAULT '',
    funding        TEXT NOT NULL DEFAULT '',
    supervision    TEXT NOT NULL DEFAULT '',
    narrative      TEXT NOT NULL DEFAULT '',
    submitted_at   BIGINT,
    submitted_by   TEXT,
    decided_at     BIGINT,
    decided_by     TEXT,
    comment        TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (milestone_id, org_id, version)
);
CREATE INDEX submissions_org ON submissions(org_id);

CREATE TABLE classes (
    id                    TEXT PRIMARY KEY,
    programme_id          TEXT NOT NULL REFERENCES programmes(id),
    host_org_id           TEXT NOT NULL REFERENCES orgs(id),
    name                  TEXT NOT NULL,
    address               TEXT NOT NULL,
    start_date            TEXT NOT NULL,
    end_date              TEXT NOT NULL,
    daily_start           TEXT NOT NULL,
    daily_end             TEXT NOT NULL,
    capacity              BIGINT NOT NULL,
    model                 TEXT NOT NULL,
    management            TEXT NOT NULL,
    partners              TEXT NOT NULL DEFAULT '',
    partner_agreement     BOOLEAN NOT NULL DEFAULT FALSE,
    qualification_review  BOOLEAN NOT NULL DEFAULT FALSE,
    venue                 TEXT NOT NULL,
    food                  TEXT NOT NULL,
    rules_in_force        TEXT NOT NULL DEFAULT '',
    status                TEXT NOT NULL,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX classes_programme ON classes(programme_id);
CREATE INDEX classes_host ON classes(host_org_id);

CREATE TABLE class_events (
    id           TEXT PRIMARY KEY,
    class_id     TEXT NOT NULL REFERENCES classes(id),
    action       TEXT NOT NULL,
    from_status  TEXT,
    to_status    TEXT NOT NULL,
    actor_id     TEXT,
    actor_name   TEXT,
    comment      TEXT NOT NULL DEFAULT '',
    at           BIGINT NOT NULL
);
CREATE INDEX class_events_class ON class_events(class_id);

CREATE TABLE class_days (
    class_id  TEXT NOT NULL REFERENCES classes(id),
    day       TEXT NOT NULL,
    kind      TEXT NOT NULL,
    reason    TEXT NOT NULL,
    PRIMARY KEY (class_id, day)
);

CREATE TABLE staff (
    id             TEXT PRIMARY KEY,
    class_id       TEXT NOT NULL REFERENCES classes(id),
    name           TEXT NOT NULL,
    role           TEXT NOT NULL,
    phone          TEXT NOT NULL,
    part_time      BOOLEAN NOT NULL DEFAULT FALSE,
    check_done_on  TEXT,
    check_done_by  TEXT,
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    created_at     BIGINT NOT NULL
);
CREATE INDEX staff_class ON staff(class_id);
CREATE INDEX staff_phone ON staff(phone);

CREATE TABLE files (
    id            TEXT PRIMARY KEY,
    class_id      TEXT NOT NULL REFERENCES classes(id),
    kind          TEXT NOT NULL,
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    data          BLOB NOT NULL,
    uploaded_by   TEXT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX files_class ON files(class_id);

CREATE TABLE outbox (
    id           TEXT PRIMARY KEY,
    dedupe_key   TEXT NOT NULL UNIQUE,
    org_id       TEXT REFERENCES orgs(id),
    user_id      TEXT,
    channel      TEXT NOT NULL,
    subject      TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    sent_at      BIGINT
);
