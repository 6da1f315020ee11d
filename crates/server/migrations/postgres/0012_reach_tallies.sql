-- Children and families helped, kept per programme and organisation subtree with the class figures
-- (issue 16): the dashboard's "families helped" was a constant 0. A child counts once per
-- programme, at the class it first applied to among those it was enrolled in; a family (children
-- whose guardians share a phone number) counts once, at its first child's class. So the rows of a
-- subtree add up to its total, as in an official's spreadsheet, and a child or family in two
-- classes is never counted twice (docs/REPORTS.md).

-- The family a child belongs to: among the guardians whose phone is the smallest of the child's
-- guardians' phones, the first recorded (guardian ids are time-ordered). A child without a guardian
-- on record is a family of its own. No phone number is copied here.
ALTER TABLE children ADD COLUMN family_key TEXT;
UPDATE children SET family_key = COALESCE(
    (SELECT MIN(g2.id) FROM guardians g2 WHERE g2.phone =
        (SELECT MIN(g.phone) FROM child_guardians cg JOIN guardians g ON g.id = cg.guardian_id
         WHERE cg.child_id = children.id)),
    children.id);
CREATE INDEX children_family ON children(family_key);

ALTER TABLE class_tallies ADD COLUMN children BIGINT NOT NULL DEFAULT 0;
ALTER TABLE class_tallies ADD COLUMN families BIGINT NOT NULL DEFAULT 0;

-- Filled from what is stored: each child's (and each family's) first application walks up from
-- its class's host, and every organisation it reaches counts it in the class's programme.
UPDATE class_tallies SET children = w.children, families = w.families
FROM (
    WITH RECURSIVE firsts AS (
        SELECT k.programme_id, k.host_org_id AS host,
               ROW_NUMBER() OVER (PARTITION BY k.programme_id, ap.child_id
                                  ORDER BY ap.applied_at, ap.id) AS crn,
               ROW_NUMBER() OVER (PARTITION BY k.programme_id, COALESCE(ch.family_key, ch.id)
                                  ORDER BY ap.applied_at, ap.id) AS frn
        FROM applications ap JOIN classes k ON k.id = ap.class_id JOIN children ch ON ch.id = ap.child_id
        WHERE ap.status = 'enrolled' OR ap.left_on IS NOT NULL
    ),
    up(programme_id, org, fam) AS (
        SELECT programme_id, host, CASE WHEN frn = 1 THEN 1 ELSE 0 END FROM firsts WHERE crn = 1
        UNION ALL
        SELECT up.programme_id, o.parent_id, up.fam FROM up JOIN orgs o ON o.id = up.org
        WHERE o.parent_id IS NOT NULL
    )
    SELECT programme_id, org, COUNT(*) AS children, SUM(fam) AS families FROM up
    GROUP BY programme_id, org
) w
WHERE class_tallies.programme_id = w.programme_id AND class_tallies.org_id = w.org;
