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
    UNIQUE (plan_id, class_id)
);
CREATE INDEX inspections_inspector ON inspections(inspector_id);
CREATE INDEX inspections_class ON inspections(class_id);
