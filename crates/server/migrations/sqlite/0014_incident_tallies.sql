-- Incidents on the dashboard (issue 16): every incident of a subtree's classes in a programme and
-- the safety ones among them, kept in class_tallies beside those waiting for acknowledgement, so a
-- dashboard reads them from one row per subordinate instead of counting incidents.
ALTER TABLE class_tallies ADD COLUMN incidents BIGINT NOT NULL DEFAULT 0;
ALTER TABLE class_tallies ADD COLUMN safety_incidents BIGINT NOT NULL DEFAULT 0;

WITH RECURSIVE up(host, org) AS (
    SELECT DISTINCT host_org_id, host_org_id FROM classes
    UNION ALL
    SELECT up.host, o.parent_id FROM up JOIN orgs o ON o.id = up.org WHERE o.parent_id IS NOT NULL
), counts AS (
    SELECT c.programme_id, up.org, COUNT(i.id) AS n,
           SUM(CASE WHEN i.safety THEN 1 ELSE 0 END) AS s
    FROM up JOIN classes c ON c.host_org_id = up.host JOIN incidents i ON i.class_id = c.id
    GROUP BY c.programme_id, up.org
)
UPDATE class_tallies SET
    incidents = COALESCE((SELECT n FROM counts WHERE counts.programme_id = class_tallies.programme_id
                          AND counts.org = class_tallies.org_id), 0),
    safety_incidents = COALESCE((SELECT s FROM counts WHERE counts.programme_id = class_tallies.programme_id
                                 AND counts.org = class_tallies.org_id), 0);
