//! SQL of the enrolment to-dos on the home pages: a unit's applications waiting, per class.

use crate::auth::Scope;
use crate::db::{Db, Sql};
use crate::ids::ClassId;

/// Per class not closed whose host lies in `scope`: (class, name, applications waiting for a
/// decision, accepted ones whose paperwork is not complete). The scope's hosts lead (path index),
/// then `classes_host_status` and `applications_class`: a unit's few classes, never a subtree scan.
pub async fn waiting_by_class(
    db: &Db,
    scope: &Scope,
) -> sqlx::Result<Vec<(ClassId, String, i64, i64)>> {
    Sql::new(
        "SELECT c.id, c.name, \
         CAST(SUM(CASE WHEN a.status = 'applied' THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN a.status = 'accepted' THEN 1 ELSE 0 END) AS BIGINT) \
         FROM orgs o CROSS JOIN classes c CROSS JOIN applications a \
         WHERE c.host_org_id = o.id AND a.class_id = c.id AND c.status <> 'closed' \
         AND a.status IN ('applied', 'accepted') AND ",
    )
    .scope("o.path", scope)
    .push(" GROUP BY c.id, c.name ORDER BY c.name, c.id LIMIT 50")
    .fetch_all(db)
    .await
}
