-- The home page's to-do counts (issue 15), read from indexes instead of scans of a subtree.
-- Incidents waiting for the federation's acknowledgement: the few that wait, not every incident.
CREATE INDEX incidents_unacknowledged ON incidents(class_id) WHERE acknowledged_at IS NULL;
-- A unit's running and approved classes (the class teacher's roll, the unit's paperwork).
CREATE INDEX classes_host_status ON classes(host_org_id, status);
-- Classes waiting for approval under a federation: its own tally rows (the key leads with the
-- programme, so without this every programme's rows of every org were read).
CREATE INDEX class_tallies_org ON class_tallies(org_id);
