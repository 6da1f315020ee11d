-- Model classes (issue 17, SPEC §12): a closed class applies; the federation that opened the
-- programme assigns expert reviewers, who score each application against the rubric; it ranks,
-- publishes a public notice (公示) of the classes it proposes for a set period, records the
-- objections received and how each was handled, then names the classes — within the programme's
-- quota, none failing a data criterion — each with a numbered certificate.

CREATE TABLE model_applications (
    id             TEXT PRIMARY KEY,
    programme_id   TEXT NOT NULL REFERENCES programmes(id),
    class_id       TEXT NOT NULL UNIQUE REFERENCES classes(id),
    statement      TEXT NOT NULL,
    status         TEXT NOT NULL,
    applied_by     TEXT NOT NULL,
    applied_at     BIGINT NOT NULL,
    named_at       BIGINT,
    certificate_no TEXT,
    not_named_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX model_applications_programme ON model_applications(programme_id);
CREATE UNIQUE INDEX model_applications_certificate ON model_applications(programme_id, certificate_no);

CREATE TABLE model_reviewers (
    programme_id  TEXT NOT NULL REFERENCES programmes(id),
    user_id       TEXT NOT NULL REFERENCES users(id),
    assigned_by   TEXT NOT NULL,
    assigned_at   BIGINT NOT NULL,
    PRIMARY KEY (programme_id, user_id)
);

CREATE TABLE model_scores (
    application_id TEXT NOT NULL REFERENCES model_applications(id),
    reviewer_id    TEXT NOT NULL REFERENCES users(id),
    scores         TEXT NOT NULL,
    total          BIGINT NOT NULL,
    comment        TEXT NOT NULL DEFAULT '',
    scored_at      BIGINT NOT NULL,
    PRIMARY KEY (application_id, reviewer_id)
);

-- The notice freezes what it published (`entries`: class, host, rank, mean score) so that the
-- public page says what was said, whatever changes after.
CREATE TABLE model_notices (
    id            TEXT PRIMARY KEY,
    programme_id  TEXT NOT NULL UNIQUE REFERENCES programmes(id),
    org_id        TEXT NOT NULL REFERENCES orgs(id),
    level         TEXT NOT NULL,
    title         TEXT NOT NULL,
    entries       TEXT NOT NULL,
    starts_on     TEXT NOT NULL,
    ends_on       TEXT NOT NULL,
    published_by  TEXT NOT NULL,
    published_at  BIGINT NOT NULL,
    named_at      BIGINT
);

CREATE TABLE model_objections (
    id             TEXT PRIMARY KEY,
    notice_id      TEXT NOT NULL REFERENCES model_notices(id),
    application_id TEXT NOT NULL REFERENCES model_applications(id),
    summary        TEXT NOT NULL,
    received_on    TEXT NOT NULL,
    recorded_by    TEXT NOT NULL,
    recorded_at    BIGINT NOT NULL,
    upheld         BOOLEAN,
    handling       TEXT NOT NULL DEFAULT '',
    handled_by     TEXT,
    handled_at     BIGINT
);
CREATE INDEX model_objections_notice ON model_objections(notice_id);
