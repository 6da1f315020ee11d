-- Compiled reports (issue 16): the preparation, monthly and summary reports compile their figures
-- from the records; when a unit submits one, the figures it saw are kept here, frozen, with the
-- moment they were taken, so later changes to the records never alter a submitted report. A
-- federation's report sums its subordinates' approved reports; a subordinate that will not report
-- is marked missing with a reason by the level above, and its federation may then submit.

CREATE TABLE report_snapshots (
    submission_id  TEXT PRIMARY KEY REFERENCES submissions(id) ON DELETE CASCADE,
    figures        TEXT NOT NULL,
    taken_at       BIGINT NOT NULL
);

CREATE TABLE report_exemptions (
    milestone_id  TEXT NOT NULL REFERENCES milestones(id) ON DELETE CASCADE,
    org_id        TEXT NOT NULL REFERENCES orgs(id),
    reason        TEXT NOT NULL,
    marked_by     TEXT NOT NULL,
    marked_at     BIGINT NOT NULL,
    PRIMARY KEY (milestone_id, org_id)
);
