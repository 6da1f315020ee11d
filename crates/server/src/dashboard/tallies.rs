//! Pre-aggregated dashboard figures (issue 6): the subtree totals of every organisation, kept in
//! `org_tallies` (active organisations by kind) and `class_tallies` (classes by status, places and
//! participating units, per programme). Every class and organisation write refreshes the rows of
//! the organisation it touches and of each ancestor, deepest first, inside its own transaction:
//! one row is its own classes plus the rows of its direct children, so a refresh costs one upsert
//! per level and a dashboard reads one row per subordinate unit, whatever the size of the tree.
//! [`recounted`] computes the same figures from scratch; a test holds the two equal.

use std::collections::HashMap;
use std::sync::LazyLock;

use sqlx::AssertSqlSafe;

use crate::db::{Db, Sql, Tx};
use crate::ids::{ClassId, MilestoneId, OrgId, ProgrammeId};
use crate::{on_db, on_tx};

use super::reach;

/// The class figures of one organisation's subtree in one programme.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ClassTally {
    pub programme_id: ProgrammeId,
    pub org_id: OrgId,
    pub draft: i64,
    pub submitted: i64,
    pub returned: i64,
    pub approved: i64,
    pub running: i64,
    pub closed: i64,
    /// Places in approved, running and closed classes.
    pub capacity: i64,
    /// Units hosting at least one approved, running or closed class.
    pub participating: i64,
    /// Incidents of its classes waiting for the federation's acknowledgement.
    pub unacknowledged: i64,
    /// Children helped: each counted once in the programme, in one host's subtree ([`reach`]).
    pub children: i64,
    /// Families helped, counted as children are.
    pub families: i64,
    /// Incidents of its classes, acknowledged or not.
    pub incidents: i64,
    /// Of those, safety incidents (a class with one cannot be a model class).
    pub safety_incidents: i64,
}

impl ClassTally {
    /// The figures of an organisation with no class below it in the programme.
    pub fn none(programme_id: ProgrammeId, org_id: OrgId) -> ClassTally {
        ClassTally {
            programme_id,
            org_id,
            draft: 0,
            submitted: 0,
            returned: 0,
            approved: 0,
            running: 0,
            closed: 0,
            capacity: 0,
            participating: 0,
            unacknowledged: 0,
            children: 0,
            families: 0,
            incidents: 0,
            safety_incidents: 0,
        }
    }

    /// Classes in the order of [`crate::classes::ClassStatus::ALL`].
    pub fn by_status(&self) -> [i64; 6] {
        [
            self.draft,
            self.submitted,
            self.returned,
            self.approved,
            self.running,
            self.closed,
        ]
    }

    fn is_empty(&self) -> bool {
        self.by_status() == [0; 6]
            && self.capacity == 0
            && self.participating == 0
            && self.unacknowledged == 0
            && self.children == 0
            && self.families == 0
            && self.incidents == 0
    }
}

/// Active organisations of each kind in one organisation's subtree, itself included.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OrgTally {
    pub org_id: OrgId,
    pub national: i64,
    pub province: i64,
    pub city: i64,
    pub district: i64,
    /// Active grassroots units: the dashboard's "units".
    pub grassroots: i64,
}

impl OrgTally {
    /// Counts in the order of [`crate::orgs::OrgKind::ALL`].
    pub fn by_kind(&self) -> [i64; 5] {
        [
            self.national,
            self.province,
            self.city,
            self.district,
            self.grassroots,
        ]
    }
}

const ORG_COLS: &str = "org_id, national, province, city, district, grassroots";

const CLASS_COLS: &str = "programme_id, org_id, draft, submitted, returned, approved, running, closed, \
                          capacity, participating, unacknowledged, children, families, incidents, \
                          safety_incidents";

const MILESTONE_COLS: &str = "milestone_id, org_id, done";

/// Reports done for one milestone in one organisation's subtree: the active organisations (itself
/// included) whose latest version is submitted or approved.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MilestoneTally {
    pub milestone_id: MilestoneId,
    pub org_id: OrgId,
    pub done: i64,
}

/// The latest version of a unit's submission for a milestone, submitted or approved (`x`).
const DONE: &str = "x.status IN ('submitted', 'approved') AND NOT EXISTS (SELECT 1 FROM submissions n \
    WHERE n.org_id = x.org_id AND n.milestone_id = x.milestone_id AND n.version > x.version)";

/// One organisation's reports done for a milestone: its own, when active, plus its children's rows.
fn refresh_milestone_sql() -> String {
    format!(
        "INSERT INTO milestone_tallies (milestone_id, org_id, done) \
         SELECT $1, $2, CAST(COALESCE(SUM(s.n), 0) AS BIGINT) \
         FROM (SELECT t.done AS n FROM milestone_tallies t JOIN orgs o ON o.id = t.org_id \
               WHERE t.milestone_id = $1 AND o.parent_id = $2 \
               UNION ALL \
               SELECT COUNT(*) FROM submissions x JOIN orgs o ON o.id = x.org_id \
               WHERE x.milestone_id = $1 AND x.org_id = $2 AND o.active = TRUE AND {DONE}) s \
         WHERE TRUE \
         ON CONFLICT (milestone_id, org_id) DO UPDATE SET done = excluded.done"
    )
}

/// Reports done of every milestone and organisation, counted from scratch: each done pair walks up
/// from its organisation.
fn recount_milestones_sql() -> String {
    format!(
        "WITH RECURSIVE up(milestone_id, org) AS ( \
             SELECT x.milestone_id, x.org_id FROM submissions x JOIN orgs o ON o.id = x.org_id \
             WHERE o.active = TRUE AND {DONE} \
             UNION ALL \
             SELECT up.milestone_id, o.parent_id FROM up JOIN orgs o ON o.id = up.org \
             WHERE o.parent_id IS NOT NULL) \
         SELECT milestone_id, org AS org_id, CAST(COUNT(*) AS BIGINT) AS done FROM up \
         GROUP BY milestone_id, org"
    )
}

/// One organisation's counts: itself when active, plus its children's rows.
const REFRESH_ORGS: &str = "INSERT INTO org_tallies (org_id, national, province, city, district, grassroots) \
    SELECT $1, CAST(COALESCE(SUM(s.national), 0) AS BIGINT), CAST(COALESCE(SUM(s.province), 0) AS BIGINT), \
        CAST(COALESCE(SUM(s.city), 0) AS BIGINT), CAST(COALESCE(SUM(s.district), 0) AS BIGINT), \
        CAST(COALESCE(SUM(s.grassroots), 0) AS BIGINT) \
    FROM (SELECT t.national, t.province, t.city, t.district, t.grassroots \
          FROM org_tallies t JOIN orgs o ON o.id = t.org_id WHERE o.parent_id = $1 \
          UNION ALL \
          SELECT CASE WHEN kind = 'national' THEN 1 ELSE 0 END, CASE WHEN kind = 'province' THEN 1 ELSE 0 END, \
                 CASE WHEN kind = 'city' THEN 1 ELSE 0 END, CASE WHEN kind = 'district' THEN 1 ELSE 0 END, \
                 CASE WHEN kind = 'grassroots' THEN 1 ELSE 0 END \
          FROM orgs WHERE id = $1 AND active = TRUE) s \
    WHERE TRUE \
    ON CONFLICT (org_id) DO UPDATE SET national = excluded.national, province = excluded.province, \
        city = excluded.city, district = excluded.district, grassroots = excluded.grassroots";

/// One organisation's class figures in a programme: its own classes plus its children's rows.
fn refresh_classes_sql() -> String {
    format!(
        "INSERT INTO class_tallies (programme_id, org_id, draft, submitted, returned, \
        approved, running, closed, capacity, participating, unacknowledged, children, families, \
        incidents, safety_incidents) \
    SELECT $1, $2, CAST(COALESCE(SUM(s.draft), 0) AS BIGINT), CAST(COALESCE(SUM(s.submitted), 0) AS BIGINT), \
        CAST(COALESCE(SUM(s.returned), 0) AS BIGINT), CAST(COALESCE(SUM(s.approved), 0) AS BIGINT), \
        CAST(COALESCE(SUM(s.running), 0) AS BIGINT), CAST(COALESCE(SUM(s.closed), 0) AS BIGINT), \
        CAST(COALESCE(SUM(s.capacity), 0) AS BIGINT), CAST(COALESCE(SUM(s.participating), 0) AS BIGINT), \
        CAST(COALESCE(SUM(s.unacknowledged), 0) AS BIGINT), CAST(COALESCE(SUM(s.children), 0) AS BIGINT), \
        CAST(COALESCE(SUM(s.families), 0) AS BIGINT), CAST(COALESCE(SUM(s.incidents), 0) AS BIGINT), \
        CAST(COALESCE(SUM(s.safety_incidents), 0) AS BIGINT) \
    FROM (SELECT t.draft, t.submitted, t.returned, t.approved, t.running, t.closed, t.capacity, t.participating, \
                 t.unacknowledged, t.children, t.families, t.incidents, t.safety_incidents \
          FROM class_tallies t JOIN orgs o ON o.id = t.org_id WHERE t.programme_id = $1 AND o.parent_id = $2 \
          UNION ALL \
          SELECT SUM(CASE WHEN status = 'draft' THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN status = 'submitted' THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN status = 'returned' THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN status = 'approved' THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN status = 'running' THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN status IN ('approved', 'running', 'closed') THEN capacity ELSE 0 END), \
                 MAX(CASE WHEN status IN ('approved', 'running', 'closed') THEN 1 ELSE 0 END), \
                 (SELECT COUNT(*) FROM classes k CROSS JOIN incidents i WHERE k.programme_id = $1 \
                  AND k.host_org_id = $2 AND i.class_id = k.id AND i.acknowledged_at IS NULL), \
                 {children}, {families}, \
                 (SELECT COUNT(*) FROM classes k CROSS JOIN incidents i WHERE k.programme_id = $1 \
                  AND k.host_org_id = $2 AND i.class_id = k.id), \
                 (SELECT COUNT(*) FROM classes k CROSS JOIN incidents i WHERE k.programme_id = $1 \
                  AND k.host_org_id = $2 AND i.class_id = k.id AND i.safety = TRUE) \
          FROM classes WHERE programme_id = $1 AND host_org_id = $2) s \
    WHERE TRUE \
    ON CONFLICT (programme_id, org_id) DO UPDATE SET draft = excluded.draft, submitted = excluded.submitted, \
        returned = excluded.returned, approved = excluded.approved, running = excluded.running, \
        closed = excluded.closed, capacity = excluded.capacity, participating = excluded.participating, \
        unacknowledged = excluded.unacknowledged, children = excluded.children, families = excluded.families, \
        incidents = excluded.incidents, safety_incidents = excluded.safety_incidents",
        children = reach::own_children_sql(),
        families = reach::own_families_sql(),
    )
}

/// Organisations of every organisation's subtree, counted from scratch: each active organisation
/// walks up its parents (one indexed step a level), and every organisation counts who reached it.
const RECOUNT_ORGS: &str = "WITH RECURSIVE up(member, kind, org) AS ( \
        SELECT id, kind, id FROM orgs WHERE active = TRUE \
        UNION ALL \
        SELECT up.member, up.kind, o.parent_id FROM up JOIN orgs o ON o.id = up.org WHERE o.parent_id IS NOT NULL) \
    SELECT a.id AS org_id, \
        CAST(SUM(CASE WHEN up.kind = 'national' THEN 1 ELSE 0 END) AS BIGINT) AS national, \
        CAST(SUM(CASE WHEN up.kind = 'province' THEN 1 ELSE 0 END) AS BIGINT) AS province, \
        CAST(SUM(CASE WHEN up.kind = 'city' THEN 1 ELSE 0 END) AS BIGINT) AS city, \
        CAST(SUM(CASE WHEN up.kind = 'district' THEN 1 ELSE 0 END) AS BIGINT) AS district, \
        CAST(SUM(CASE WHEN up.kind = 'grassroots' THEN 1 ELSE 0 END) AS BIGINT) AS grassroots \
    FROM orgs a LEFT JOIN up ON up.org = a.id GROUP BY a.id";

/// Class figures of every organisation and programme, counted from scratch: each host walks up
/// its parents, and every organisation it reaches counts its classes.
const RECOUNT_CLASSES_TEMPLATE: &str = "WITH RECURSIVE up(host, org) AS ( \
        SELECT DISTINCT host_org_id, host_org_id FROM classes \
        UNION ALL \
        SELECT up.host, o.parent_id FROM up JOIN orgs o ON o.id = up.org WHERE o.parent_id IS NOT NULL) \
    SELECT c.programme_id, up.org AS org_id, \
        CAST(SUM(CASE WHEN c.status = 'draft' THEN 1 ELSE 0 END) AS BIGINT) AS draft, \
        CAST(SUM(CASE WHEN c.status = 'submitted' THEN 1 ELSE 0 END) AS BIGINT) AS submitted, \
        CAST(SUM(CASE WHEN c.status = 'returned' THEN 1 ELSE 0 END) AS BIGINT) AS returned, \
        CAST(SUM(CASE WHEN c.status = 'approved' THEN 1 ELSE 0 END) AS BIGINT) AS approved, \
        CAST(SUM(CASE WHEN c.status = 'running' THEN 1 ELSE 0 END) AS BIGINT) AS running, \
        CAST(SUM(CASE WHEN c.status = 'closed' THEN 1 ELSE 0 END) AS BIGINT) AS closed, \
        CAST(SUM(CASE WHEN c.status IN ('approved', 'running', 'closed') THEN c.capacity ELSE 0 END) AS BIGINT) AS capacity, \
        CAST(COUNT(DISTINCT CASE WHEN c.status IN ('approved', 'running', 'closed') THEN c.host_org_id END) AS BIGINT) \
            AS participating, \
        CAST(COALESCE(SUM(w.n), 0) AS BIGINT) AS unacknowledged, \
        CAST(COALESCE(SUM(r.children), 0) AS BIGINT) AS children, \
        CAST(COALESCE(SUM(r.families), 0) AS BIGINT) AS families, \
        CAST(COALESCE(SUM(a.n), 0) AS BIGINT) AS incidents, \
        CAST(COALESCE(SUM(a.s), 0) AS BIGINT) AS safety_incidents \
    FROM up JOIN classes c ON c.host_org_id = up.host \
    LEFT JOIN {reach} r ON r.class_id = c.id \
    LEFT JOIN (SELECT class_id, COUNT(*) AS n FROM incidents WHERE acknowledged_at IS NULL GROUP BY class_id) w \
        ON w.class_id = c.id \
    LEFT JOIN (SELECT class_id, COUNT(*) AS n, SUM(CASE WHEN safety THEN 1 ELSE 0 END) AS s FROM incidents \
               GROUP BY class_id) a ON a.class_id = c.id \
    GROUP BY c.programme_id, up.org";

static RECOUNT_CLASSES: LazyLock<String> =
    LazyLock::new(|| RECOUNT_CLASSES_TEMPLATE.replace("{reach}", reach::RECOUNT_BY_CLASS));

static REFRESH_CLASSES: LazyLock<String> = LazyLock::new(refresh_classes_sql);

/// The ids on a materialised path, deepest first: `/a/b/c/` gives c, b, a.
fn deepest_first(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).rev().collect()
}

/// Refreshes the organisation counts of the organisation at `path` and of its ancestors.
pub async fn refresh_orgs(tx: &mut Tx, path: &str) -> sqlx::Result<()> {
    for id in deepest_first(path) {
        on_tx!(tx, x => sqlx::query(REFRESH_ORGS).bind(id).execute(&mut *x).await.map(|_| ()))?;
    }
    Ok(())
}

/// Refreshes the class figures of `programme_id` for the organisation at `path` and its ancestors.
pub async fn refresh_classes(
    tx: &mut Tx,
    programme_id: &ProgrammeId,
    path: &str,
) -> sqlx::Result<()> {
    for id in deepest_first(path) {
        on_tx!(tx, x => sqlx::query(AssertSqlSafe(REFRESH_CLASSES.as_str())).bind(programme_id).bind(id).execute(&mut *x).await.map(|_| ()))?;
        for sql in super::days::REFRESH_ORG {
            on_tx!(tx, x => sqlx::query(sql).bind(programme_id).bind(id).execute(&mut *x).await.map(|_| ()))?;
        }
        super::funds::refresh_org(tx, programme_id, id).await?;
    }
    Ok(())
}

/// Refreshes the reports done of `milestone_id` for the organisation at `path` and its ancestors.
pub async fn refresh_milestone(
    tx: &mut Tx,
    milestone_id: &MilestoneId,
    path: &str,
) -> sqlx::Result<()> {
    let sql = refresh_milestone_sql();
    for id in deepest_first(path) {
        on_tx!(tx, x => sqlx::query(AssertSqlSafe(sql.clone())).bind(milestone_id).bind(id).execute(&mut *x).await.map(|_| ()))?;
    }
    Ok(())
}

/// After a unit's submission for a milestone was written (a version added, submitted, decided).
pub async fn submission_changed(
    tx: &mut Tx,
    milestone_id: &MilestoneId,
    org_id: &OrgId,
) -> sqlx::Result<()> {
    match path_of(tx, org_id).await? {
        Some(path) => refresh_milestone(tx, milestone_id, &path).await,
        None => Ok(()),
    }
}

async fn path_of(tx: &mut Tx, org_id: &OrgId) -> sqlx::Result<Option<String>> {
    const SQL: &str = "SELECT path FROM orgs WHERE id = $1";
    on_tx!(tx, x => sqlx::query_scalar(SQL).bind(org_id).fetch_optional(&mut *x).await)
}

/// After a class was written: refreshes its host's chain, and `former_host`'s when it moved.
pub async fn class_changed(
    tx: &mut Tx,
    class_id: &ClassId,
    former_host: Option<&OrgId>,
) -> sqlx::Result<()> {
    const SQL: &str = "SELECT c.programme_id, o.path, c.host_org_id FROM classes c \
                       JOIN orgs o ON o.id = c.host_org_id WHERE c.id = $1";
    let row: Option<(ProgrammeId, String, OrgId)> =
        on_tx!(tx, x => sqlx::query_as(SQL).bind(class_id).fetch_optional(&mut *x).await)?;
    let Some((programme_id, path, host)) = row else {
        return Ok(());
    };
    refresh_classes(tx, &programme_id, &path).await?;
    if let Some(former) = former_host.filter(|f| **f != host)
        && let Some(old) = path_of(tx, former).await?
    {
        refresh_classes(tx, &programme_id, &old).await?;
    }
    Ok(())
}

/// After an organisation was added, renamed, (de)activated or moved: refreshes the chains above
/// it (`former_parent`: where it hung before a move) in every programme with classes below it.
pub async fn org_changed(
    tx: &mut Tx,
    org_id: &OrgId,
    former_parent: Option<&OrgId>,
) -> sqlx::Result<()> {
    let Some(path) = path_of(tx, org_id).await? else {
        return Ok(());
    };
    let mut paths = vec![path];
    if let Some(p) = former_parent
        && let Some(old) = path_of(tx, p).await?
    {
        paths.push(old);
    }
    const PROGRAMMES: &str = "SELECT programme_id FROM class_tallies WHERE org_id = $1";
    let programmes: Vec<ProgrammeId> =
        on_tx!(tx, x => sqlx::query_scalar(PROGRAMMES).bind(org_id).fetch_all(&mut *x).await)?;
    // Milestones with reports done below it, or with its own submissions (its activity counts).
    const MILESTONES: &str = "SELECT milestone_id FROM milestone_tallies WHERE org_id = $1 \
        UNION SELECT milestone_id FROM submissions WHERE org_id = $1";
    let milestones: Vec<MilestoneId> =
        on_tx!(tx, x => sqlx::query_scalar(MILESTONES).bind(org_id).fetch_all(&mut *x).await)?;
    for path in &paths {
        refresh_orgs(tx, path).await?;
        for p in &programmes {
            refresh_classes(tx, p, path).await?;
        }
        for m in &milestones {
            refresh_milestone(tx, m, path).await?;
        }
    }
    Ok(())
}

/// Replaces every tally by a recount: for data written around the services (bulk loads).
pub async fn rebuild(tx: &mut Tx) -> sqlx::Result<()> {
    let units = format!("INSERT INTO org_tallies ({ORG_COLS}) {RECOUNT_ORGS}");
    let classes = format!(
        "INSERT INTO class_tallies ({CLASS_COLS}) {}",
        RECOUNT_CLASSES.as_str()
    );
    let milestones = format!(
        "INSERT INTO milestone_tallies ({MILESTONE_COLS}) {}",
        recount_milestones_sql()
    );
    reach::fill_family_keys(tx).await?;
    on_tx!(tx, x => {
        sqlx::query("DELETE FROM org_tallies").execute(&mut *x).await?;
        sqlx::query("DELETE FROM class_tallies").execute(&mut *x).await?;
        sqlx::query("DELETE FROM milestone_tallies").execute(&mut *x).await?;
        sqlx::query(AssertSqlSafe(units)).execute(&mut *x).await?;
        sqlx::query(AssertSqlSafe(classes)).execute(&mut *x).await?;
        sqlx::query(AssertSqlSafe(milestones)).execute(&mut *x).await?;
        Ok::<(), sqlx::Error>(())
    })?;
    super::funds::rebuild(tx).await?;
    super::days::rebuild(tx).await
}

/// Every tally as stored, or as a recount gives it: organisations, classes, milestones.
pub type AllTallies = (Vec<OrgTally>, Vec<ClassTally>, Vec<MilestoneTally>);

/// The tables as stored (class and milestone rows that are all zero left out), in key order.
pub async fn stored(db: &Db) -> sqlx::Result<AllTallies> {
    let units = format!("SELECT {ORG_COLS} FROM org_tallies ORDER BY org_id");
    let classes = format!("SELECT {CLASS_COLS} FROM class_tallies ORDER BY programme_id, org_id");
    let milestones = format!(
        "SELECT {MILESTONE_COLS} FROM milestone_tallies WHERE done <> 0 ORDER BY milestone_id, org_id"
    );
    let (u, c, m): AllTallies = on_db!(db, p => (
        sqlx::query_as(AssertSqlSafe(units)).fetch_all(p).await?,
        sqlx::query_as(AssertSqlSafe(classes)).fetch_all(p).await?,
        sqlx::query_as(AssertSqlSafe(milestones)).fetch_all(p).await?,
    ));
    Ok((u, c.into_iter().filter(|t| !t.is_empty()).collect(), m))
}

/// The tables as a from-scratch recount would fill them, in the order of [`stored`].
pub async fn recounted(db: &Db) -> sqlx::Result<AllTallies> {
    let units = format!("{RECOUNT_ORGS} ORDER BY 1");
    let classes = format!("{} ORDER BY 1, 2", RECOUNT_CLASSES.as_str());
    let milestones = format!("{} ORDER BY 1, 2", recount_milestones_sql());
    let (u, c, m): AllTallies = on_db!(db, p => (
        sqlx::query_as(AssertSqlSafe(units)).fetch_all(p).await?,
        sqlx::query_as(AssertSqlSafe(classes)).fetch_all(p).await?,
        sqlx::query_as(AssertSqlSafe(milestones)).fetch_all(p).await?,
    ));
    Ok((u, c.into_iter().filter(|t| !t.is_empty()).collect(), m))
}

/// Reports done of `milestones` in the subtrees of `roots` (the sum of their stored rows).
pub async fn done_of(db: &Db, roots: &[OrgId], milestones: &[MilestoneId]) -> sqlx::Result<i64> {
    if roots.is_empty() || milestones.is_empty() {
        return Ok(0);
    }
    Sql::new(
        "SELECT CAST(COALESCE(SUM(done), 0) AS BIGINT) FROM milestone_tallies WHERE org_id IN (",
    )
    .list(roots.iter().copied())
    .push(") AND milestone_id IN (")
    .list(milestones.iter().copied())
    .push(")")
    .fetch_scalar(db)
    .await
}

/// Reports done of `milestones` in each of `roots`' subtrees (absent: none done).
pub async fn done_by_root(
    db: &Db,
    roots: &[OrgId],
    milestones: &[MilestoneId],
) -> sqlx::Result<HashMap<OrgId, i64>> {
    if roots.is_empty() || milestones.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(OrgId, i64)> = Sql::new(
        "SELECT org_id, CAST(SUM(done) AS BIGINT) FROM milestone_tallies WHERE org_id IN (",
    )
    .list(roots.iter().copied())
    .push(") AND milestone_id IN (")
    .list(milestones.iter().copied())
    .push(") GROUP BY org_id")
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().collect())
}

/// The stored class figures of `org_ids` in `programme_id` (absent: no class below).
pub async fn class_figures(
    db: &Db,
    programme_id: &ProgrammeId,
    org_ids: &[OrgId],
) -> sqlx::Result<HashMap<OrgId, ClassTally>> {
    if org_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<ClassTally> = Sql::new(&format!(
        "SELECT {CLASS_COLS} FROM class_tallies WHERE programme_id = "
    ))
    .bind(programme_id)
    .push(" AND org_id IN (")
    .list(org_ids.iter().copied())
    .push(")")
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|t| (t.org_id, t)).collect())
}

/// The stored organisation counts of `org_ids`.
pub async fn org_figures(db: &Db, org_ids: &[OrgId]) -> sqlx::Result<HashMap<OrgId, OrgTally>> {
    if org_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<OrgTally> = Sql::new(&format!(
        "SELECT {ORG_COLS} FROM org_tallies WHERE org_id IN ("
    ))
    .list(org_ids.iter().copied())
    .push(")")
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|t| (t.org_id, t)).collect())
}

/// The organisation counts of everything inside `scope` by kind (in the order of
/// [`crate::orgs::OrgKind::ALL`]): the sum of its roots' rows.
pub async fn org_figures_of_scope(db: &Db, scope: &crate::auth::Scope) -> sqlx::Result<[i64; 5]> {
    use crate::auth::Scope;
    let rows: Vec<OrgTally> = match scope {
        Scope::All => {
            let sql = format!(
                "SELECT {ORG_COLS} FROM org_tallies t JOIN orgs o ON o.id = t.org_id WHERE o.parent_id IS NULL"
            );
            on_db!(db, p => sqlx::query_as(AssertSqlSafe(sql)).fetch_all(p).await?)
        }
        Scope::Subtrees(roots) => {
            let ids: Vec<OrgId> = roots.iter().filter_map(|r| OrgId::of_path(r)).collect();
            org_figures(db, &ids).await?.into_values().collect()
        }
    };
    Ok(rows.iter().fold([0; 5], |mut sum, t| {
        for (s, n) in sum.iter_mut().zip(t.by_kind()) {
            *s += n;
        }
        sum
    }))
}

/// What waits for a federation in one programme: classes to approve, incidents to acknowledge.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Pending {
    pub programme_id: ProgrammeId,
    /// Classes submitted for approval.
    pub submitted: i64,
    /// Incidents not yet acknowledged.
    pub unacknowledged: i64,
}

/// What waits in `scope`, per programme with anything waiting: the sum of the scope's roots'
/// maintained rows (one row per root and programme, whatever the subtree's size).
pub async fn pending_of_scope(db: &Db, scope: &crate::auth::Scope) -> sqlx::Result<Vec<Pending>> {
    use crate::auth::Scope;
    const SUMS: &str = "SELECT t.programme_id, CAST(SUM(t.submitted) AS BIGINT) AS submitted, \
        CAST(SUM(t.unacknowledged) AS BIGINT) AS unacknowledged FROM class_tallies t ";
    let q = match scope {
        Scope::All => {
            Sql::new(SUMS).push("JOIN orgs o ON o.id = t.org_id WHERE o.parent_id IS NULL")
        }
        Scope::Subtrees(roots) => {
            let ids: Vec<OrgId> = roots.iter().filter_map(|r| OrgId::of_path(r)).collect();
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            Sql::new(SUMS)
                .push("WHERE t.org_id IN (")
                .list(ids)
                .push(")")
        }
    };
    let rows: Vec<Pending> = q
        .push(" GROUP BY t.programme_id ORDER BY t.programme_id")
        .fetch_all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|p| p.submitted > 0 || p.unacknowledged > 0)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::deepest_first;

    #[test]
    fn path_ids_come_deepest_first() {
        assert_eq!(deepest_first("/a/b/c/"), ["c", "b", "a"]);
        assert!(deepest_first("/").is_empty());
    }
}
