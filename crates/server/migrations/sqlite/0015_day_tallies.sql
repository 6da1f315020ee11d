-- Child-days by day (issue 16): for every class and day, the child-days expected and the children
-- checked in; and the same summed for every organisation's subtree and programme. A dashboard
-- draws a season's line and its subordinates' attendance from these rows instead of the
-- attendance table. Operating days come from the working-day calendar, which SQL alone does not
-- compute: the server fills both tables when it starts after this migration
-- (`pending_rebuilds`), then keeps them in the transaction of every write that moves them.

CREATE TABLE class_day_tallies (
    class_id  TEXT NOT NULL REFERENCES classes(id),
    day       TEXT NOT NULL,
    expected  BIGINT NOT NULL,
    present   BIGINT NOT NULL,
    PRIMARY KEY (class_id, day)
);

CREATE TABLE day_tallies (
    programme_id  TEXT NOT NULL REFERENCES programmes(id),
    org_id        TEXT NOT NULL REFERENCES orgs(id),
    day           TEXT NOT NULL,
    expected      BIGINT NOT NULL,
    present       BIGINT NOT NULL,
    PRIMARY KEY (programme_id, org_id, day)
);

-- Work the server does once, after the migrations that ask for it.
CREATE TABLE pending_rebuilds (
    name  TEXT PRIMARY KEY
);
INSERT INTO pending_rebuilds (name) VALUES ('day_tallies');
