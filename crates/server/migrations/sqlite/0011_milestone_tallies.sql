-- Reports done per milestone and organisation subtree (issue 15): how many active organisations of
-- the subtree (itself included) have their latest version for the milestone submitted or approved.
-- The home page's "reports overdue" is the units of the scope times the milestones past due, less
-- these: one row per scope root and milestone instead of counting the subtree's organisations and
-- submissions on every visit. Kept up to date in the transaction of every submission write and
-- organisation change (src/dashboard/tallies.rs), like the class figures.
CREATE TABLE milestone_tallies (
    milestone_id  TEXT NOT NULL REFERENCES milestones(id) ON DELETE CASCADE,
    org_id        TEXT NOT NULL REFERENCES orgs(id),
    done          BIGINT NOT NULL,
    PRIMARY KEY (milestone_id, org_id)
);

-- Filled from what is stored: each done pair walks up from its organisation.
INSERT INTO milestone_tallies (milestone_id, org_id, done)
WITH RECURSIVE up(milestone_id, org) AS (
    SELECT x.milestone_id, x.org_id FROM submissions x JOIN orgs o ON o.id = x.org_id
    WHERE o.active = TRUE AND x.status IN ('submitted', 'approved')
      AND NOT EXISTS (SELECT 1 FROM submissions n WHERE n.org_id = x.org_id
                      AND n.milestone_id = x.milestone_id AND n.version > x.version)
    UNION ALL
    SELECT up.milestone_id, o.parent_id FROM up JOIN orgs o ON o.id = up.org
    WHERE o.parent_id IS NOT NULL
)
SELECT milestone_id, org, COUNT(*) FROM up GROUP BY milestone_id, org;
