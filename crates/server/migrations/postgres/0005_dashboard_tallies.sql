-- Pre-aggregated dashboard figures (issue 6). For every organisation, the active organisations of
-- its subtree by kind (itself included); for every programme and organisation, the classes of its subtree by status, the
-- places of approved, running and closed classes, and the units hosting one of those. Kept up to
-- date in the transaction of every class and organisation write (src/dashboard/tallies.rs), so a
-- dashboard reads one row per subordinate unit instead of the whole subtree. Filled here from what
-- is already stored.

-- Organisations of some kinds inside a subtree (where a unit may move to) without walking it all.
CREATE INDEX orgs_kind_path ON orgs(kind, path);

CREATE TABLE org_tallies (
    org_id      TEXT PRIMARY KEY REFERENCES orgs(id),
    national    BIGINT NOT NULL,
    province    BIGINT NOT NULL,
    city        BIGINT NOT NULL,
    district    BIGINT NOT NULL,
    grassroots  BIGINT NOT NULL
);

CREATE TABLE class_tallies (
    programme_id   TEXT NOT NULL REFERENCES programmes(id),
    org_id         TEXT NOT NULL REFERENCES orgs(id),
    draft          BIGINT NOT NULL,
    submitted      BIGINT NOT NULL,
    returned       BIGINT NOT NULL,
    approved       BIGINT NOT NULL,
    running        BIGINT NOT NULL,
    closed         BIGINT NOT NULL,
    capacity       BIGINT NOT NULL,
    participating  BIGINT NOT NULL,
    PRIMARY KEY (programme_id, org_id)
);

INSERT INTO org_tallies (org_id, national, province, city, district, grassroots)
SELECT a.id,
       (SELECT COUNT(*) FROM orgs u WHERE u.path >= a.path AND u.path < a.path || '~' AND u.kind = 'national' AND u.active = TRUE),
       (SELECT COUNT(*) FROM orgs u WHERE u.path >= a.path AND u.path < a.path || '~' AND u.kind = 'province' AND u.active = TRUE),
       (SELECT COUNT(*) FROM orgs u WHERE u.path >= a.path AND u.path < a.path || '~' AND u.kind = 'city' AND u.active = TRUE),
       (SELECT COUNT(*) FROM orgs u WHERE u.path >= a.path AND u.path < a.path || '~' AND u.kind = 'district' AND u.active = TRUE),
       (SELECT COUNT(*) FROM orgs u WHERE u.path >= a.path AND u.path < a.path || '~' AND u.kind = 'grassroots' AND u.active = TRUE)
FROM orgs a;

INSERT INTO class_tallies (programme_id, org_id, draft, submitted, returned, approved, running, closed,
                           capacity, participating)
SELECT c.programme_id, a.id,
       SUM(CASE WHEN c.status = 'draft' THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.status = 'submitted' THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.status = 'returned' THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.status = 'approved' THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.status = 'running' THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.status = 'closed' THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.status IN ('approved', 'running', 'closed') THEN c.capacity ELSE 0 END),
       COUNT(DISTINCT CASE WHEN c.status IN ('approved', 'running', 'closed') THEN c.host_org_id END)
FROM orgs a
JOIN orgs h ON h.path >= a.path AND h.path < a.path || '~'
JOIN classes c ON c.host_org_id = h.id
GROUP BY c.programme_id, a.id;
