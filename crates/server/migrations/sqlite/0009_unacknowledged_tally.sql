-- Incidents waiting for the federation's acknowledgement, kept per programme and organisation
-- subtree like the class figures (issue 15): a federation's home page reads its own row instead
-- of joining every waiting incident of the country to its class and host. Kept up to date in the
-- transaction that reports or acknowledges an incident (src/dashboard/tallies.rs).
ALTER TABLE class_tallies ADD COLUMN unacknowledged BIGINT NOT NULL DEFAULT 0;

-- Filled from what is stored: each waiting incident walks up from its class's host, and every
-- organisation it reaches counts it in the class's programme.
UPDATE class_tallies SET unacknowledged = w.n
FROM (
    WITH RECURSIVE up(programme_id, org) AS (
        SELECT c.programme_id, c.host_org_id FROM incidents i JOIN classes c ON c.id = i.class_id
        WHERE i.acknowledged_at IS NULL
        UNION ALL
        SELECT up.programme_id, o.parent_id FROM up JOIN orgs o ON o.id = up.org
        WHERE o.parent_id IS NOT NULL
    )
    SELECT programme_id, org, COUNT(*) AS n FROM up GROUP BY programme_id, org
) w
WHERE class_tallies.programme_id = w.programme_id AND class_tallies.org_id = w.org;
