-- Inspection plans (issue 17, SPEC §10): each inspecting federation draws, for a programme, a
-- sample of the running classes in its subtree (at least the programme's coverage, at least one),
-- stratified by district, from a published seed; `candidates` keeps the list it was drawn from, so
-- anyone can re-draw it (crates/domain/src/inspection.rs). Classes can be added by hand with a
-- reason (a complaint, a follow-up); each inspection is assigned to an inspector.

CREATE TABLE inspection_plans (
    id            TEXT PRIMARY KEY,
    programme_id  TEXT NOT NULL REFERENCES programmes(id),
    org_id        TEXT NOT NULL REFERENCES orgs(id),
    seed_text     TEXT NOT NULL,
    coverage_pct  BIGINT NOT NULL,
    candidates    TEXT NOT NULL,
    drawn_by      TEXT NOT NULL,
    drawn_at      BIGINT NOT NULL,
    UNIQUE (programme_id, org_id)
);

CREATE TABLE inspections (
    id            TEXT PRIMARY KEY,
    plan_id       TEXT NOT NULL REFERENCES inspection_plans(id),
    class_id      TEXT NOT NULL REFERENCES classes(id),
    origin        TEXT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    inspector_id  TEXT REFERENCES users(id),
    status        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    inspected_at  BIGINT,
    inspected_by  TEXT,
    summary       TEXT NOT NULL DEFAULT '',
    UNIQUE (plan_id, class_id)
);
CREATE INDEX inspections_inspector ON inspections(inspector_id);
CREATE INDEX inspections_class ON inspections(class_id);

-- What the inspector found, item by item (the checklist of SPEC §10), and when the inspection
-- was recorded (on `inspections`); a failed item becomes a rectification task (整改) with a deadline, which the
-- class's unit fixes with its evidence and the inspector closes or reopens.
CREATE TABLE inspection_items (
    inspection_id  TEXT NOT NULL REFERENCES inspections(id),
    item           TEXT NOT NULL,
    result         TEXT NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    evidence       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (inspection_id, item)
);

CREATE TABLE rectifications (
    id             TEXT PRIMARY KEY,
    inspection_id  TEXT NOT NULL REFERENCES inspections(id),
    class_id       TEXT NOT NULL REFERENCES classes(id),
    item           TEXT NOT NULL,
    finding        TEXT NOT NULL,
    deadline       TEXT NOT NULL,
    status         TEXT NOT NULL,
    fix_note       TEXT NOT NULL DEFAULT '',
    fixed_at       BIGINT,
    fixed_by       TEXT,
    closed_at      BIGINT,
    closed_by      TEXT,
    comment        TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL
);
CREATE INDEX rectifications_class ON rectifications(class_id);
CREATE INDEX rectifications_inspection ON rectifications(inspection_id);
CREATE INDEX rectifications_due ON rectifications(status, deadline);

-- Photos the inspector takes (the state of the venue, a finding), and the evidence a class gives
-- of a fix (`rectification_id` set), stored in chunks as every document is (src/web/documents.rs).
CREATE TABLE inspection_photos (
    id                 TEXT PRIMARY KEY,
    inspection_id      TEXT NOT NULL REFERENCES inspections(id),
    rectification_id   TEXT REFERENCES rectifications(id),
    name           TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    size           BIGINT NOT NULL,
    uploaded_by    TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX inspection_photos_inspection ON inspection_photos(inspection_id);

CREATE TABLE inspection_photo_chunks (
    file_id  TEXT NOT NULL REFERENCES inspection_photos(id),
    seq      BIGINT NOT NULL,
    data     BYTEA NOT NULL,
    PRIMARY KEY (file_id, seq)
);
