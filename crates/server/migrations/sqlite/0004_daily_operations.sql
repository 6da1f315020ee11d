-- Daily operations (SPEC §6): the attendance of each child-day with every tap behind it, the
-- Idempotency-Key store, pickup cards, the daily logs (patrols, ventilation and disinfection,
-- meals, cleaning, drills), incidents with the children involved, and the weekly schedule.

-- The enrolment span (在托期间) of a child in a class: from the day the unit enrolled them
-- (NULL: enrolled before the class began) to the day they were withdrawn.
ALTER TABLE applications ADD COLUMN enrolled_on TEXT;
ALTER TABLE applications ADD COLUMN left_on TEXT;

-- One row per child and operating day that has anything recorded (出勤).
CREATE TABLE attendance (
    class_id         TEXT NOT NULL REFERENCES classes(id),
    day              TEXT NOT NULL,
    child_id         TEXT NOT NULL REFERENCES children(id),
    in_at            BIGINT,
    in_by            TEXT NOT NULL DEFAULT '',
    in_user          TEXT,
    out_at           BIGINT,
    out_person_id    TEXT,
    out_by           TEXT NOT NULL DEFAULT '',
    out_user         TEXT,
    absent_reason    TEXT,
    corrected        BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at       BIGINT NOT NULL,
    PRIMARY KEY (class_id, day, child_id)
);
CREATE INDEX attendance_child ON attendance(child_id, day);

-- Every tap, accepted, merged or refused, with who made it and when (the history behind a row).
CREATE TABLE attendance_events (
    id           TEXT PRIMARY KEY,
    class_id     TEXT NOT NULL REFERENCES classes(id),
    day          TEXT NOT NULL,
    child_id     TEXT NOT NULL REFERENCES children(id),
    action       TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    refusal      TEXT,
    at           BIGINT NOT NULL,
    person       TEXT NOT NULL DEFAULT '',
    person_id    TEXT,
    note         TEXT NOT NULL DEFAULT '',
    correction   BOOLEAN NOT NULL DEFAULT FALSE,
    user_id      TEXT NOT NULL,
    user_name    TEXT NOT NULL,
    recorded_at  BIGINT NOT NULL
);
CREATE INDEX attendance_events_class ON attendance_events(class_id, day);

-- Answers already given, by the user's Idempotency-Key: a repeated request gets the same answer.
CREATE TABLE idempotency_keys (
    user_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    status       BIGINT NOT NULL,
    body         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);

-- Pickup cards (接送卡): the short code printed as a QR code; a reissued card revokes the old code.
CREATE TABLE pickup_cards (
    code        TEXT PRIMARY KEY,
    child_id    TEXT NOT NULL REFERENCES children(id),
    issued_at   BIGINT NOT NULL,
    issued_by   TEXT,
    revoked_at  BIGINT
);
CREATE INDEX pickup_cards_child ON pickup_cards(child_id);

-- Daily logs: safety patrol, ventilation and disinfection, meals, cleaning, emergency drills.
CREATE TABLE class_logs (
    id          TEXT PRIMARY KEY,
    class_id    TEXT NOT NULL REFERENCES classes(id),
    kind        TEXT NOT NULL,
    day         TEXT NOT NULL,
    at          BIGINT NOT NULL,
    officer     TEXT NOT NULL,
    details     TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX class_logs_class ON class_logs(class_id, day);

-- Incidents (事故/不良事件), reported to the federation the moment they are recorded.
CREATE TABLE incidents (
    id                    TEXT PRIMARY KEY,
    class_id              TEXT NOT NULL REFERENCES classes(id),
    occurred_at           BIGINT NOT NULL,
    kind                  TEXT NOT NULL,
    severity              TEXT NOT NULL,
    safety                BOOLEAN NOT NULL,
    description           TEXT NOT NULL,
    actions               TEXT NOT NULL,
    guardian_informed_at  BIGINT,
    guardian_informed_how TEXT NOT NULL DEFAULT '',
    reported_at           BIGINT NOT NULL,
    reported_by           TEXT NOT NULL,
    acknowledged_at       BIGINT,
    acknowledged_by       TEXT
);
CREATE INDEX incidents_class ON incidents(class_id);

CREATE TABLE incident_children (
    incident_id  TEXT NOT NULL REFERENCES incidents(id),
    child_id     TEXT NOT NULL REFERENCES children(id),
    PRIMARY KEY (incident_id, child_id)
);

-- The weekly schedule (一日安排): weekday 1 (Monday) to 7, times as HH:MM.
CREATE TABLE schedule_items (
    id          TEXT PRIMARY KEY,
    class_id    TEXT NOT NULL REFERENCES classes(id),
    weekday     BIGINT NOT NULL,
    starts      TEXT NOT NULL,
    ends        TEXT NOT NULL,
    activity    TEXT NOT NULL,
    title       TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE INDEX schedule_items_class ON schedule_items(class_id);
