-- Questionnaires (issue 17, SPEC §11, seed 000 Beijing): the 家长测评表 (guardians) and 主办单位测评表
-- (host units) of a programme. The federation that opened it edits them; each edit is a new
-- version, and a response keeps the version it answered. Every version asks an overall rating
-- (five levels), which the satisfaction rate counts, then its own rating questions and a comment.

CREATE TABLE questionnaires (
    id             TEXT PRIMARY KEY,
    programme_id   TEXT NOT NULL REFERENCES programmes(id),
    audience       TEXT NOT NULL,
    version        BIGINT NOT NULL,
    title          TEXT NOT NULL,
    overall        TEXT NOT NULL,
    questions      TEXT NOT NULL,
    comment_prompt TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    UNIQUE (programme_id, audience, version)
);

-- One response per enrolment (a guardian's, from their account or the enrolment's QR link) and one
-- per class (its host's). Real-name: the response is tied to the enrolment, never shown with it.
CREATE TABLE questionnaire_responses (
    id               TEXT PRIMARY KEY,
    questionnaire_id TEXT NOT NULL REFERENCES questionnaires(id),
    programme_id     TEXT NOT NULL REFERENCES programmes(id),
    audience         TEXT NOT NULL,
    class_id         TEXT NOT NULL REFERENCES classes(id),
    application_id   TEXT REFERENCES applications(id),
    respondent_id    TEXT,
    channel          TEXT NOT NULL,
    overall          TEXT NOT NULL,
    answers          TEXT NOT NULL,
    comment          TEXT NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL
);
CREATE UNIQUE INDEX questionnaire_responses_enrolment
    ON questionnaire_responses(application_id) WHERE audience = 'guardian';
CREATE UNIQUE INDEX questionnaire_responses_host
    ON questionnaire_responses(class_id) WHERE audience = 'host';
CREATE INDEX questionnaire_responses_programme ON questionnaire_responses(programme_id, class_id);

-- The QR link of an enrolment: the token's SHA-256 only (the token itself is derived with the data
-- key when the class prints its sheet, so a sheet printed twice gives the same links).
CREATE TABLE questionnaire_links (
    token_hash     TEXT PRIMARY KEY,
    application_id TEXT NOT NULL UNIQUE REFERENCES applications(id),
    created_at     BIGINT NOT NULL
);
