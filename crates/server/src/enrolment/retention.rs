//! Retention (保存期限, PRODUCT.md §14): once every class a child applied to has been closed for longer
//! than its programme's `retention_days`, the child's personal data is anonymised; applications
//! and their statuses stay, so the counts of past programmes stay right. Runs with the hourly jobs.

use std::collections::{HashMap, HashSet};

use chrono::{Days, NaiveDate};
use tuoguan_domain::ProgrammeRules;

use super::{children, store};
use crate::app::AppState;
use crate::ids::{ChildId, ClassId};
use crate::on_db;

/// Classes closed for longer than their programme's retention period on `today`.
async fn expired_classes(state: &AppState, today: NaiveDate) -> sqlx::Result<HashSet<ClassId>> {
    const SQL: &str = "SELECT c.id, c.end_date, p.rules FROM classes c JOIN programmes p ON p.id = c.programme_id \
                       WHERE c.status = 'closed'";
    let rows: Vec<(ClassId, String, String)> =
        on_db!(&state.db, p => sqlx::query_as(SQL).fetch_all(p).await)?;
    Ok(rows
        .into_iter()
        .filter(|(_, end, rules)| {
            let days = serde_json::from_str::<ProgrammeRules>(rules)
                .map(|r| r.retention_days)
                .unwrap_or(365);
            NaiveDate::parse_from_str(end, "%Y-%m-%d")
                .ok()
                .and_then(|e| e.checked_add_days(Days::new(u64::from(days))))
                .is_some_and(|limit| limit < today)
        })
        .map(|(id, ..)| id)
        .collect())
}

/// Anonymises the children whose every class has expired; returns how many.
pub async fn run(state: &AppState, today: NaiveDate) -> anyhow::Result<u64> {
    let expired = expired_classes(state, today).await?;
    if expired.is_empty() {
        return Ok(0);
    }
    // A page of children at a time, each with all its applications: a national country's 1.4
    // million applications read at once took 250 MB. A child without applications is never due.
    const PAGE: &str = "SELECT ch.id, a.class_id FROM children ch LEFT JOIN applications a \
        ON a.child_id = ch.id WHERE ch.id IN (SELECT id FROM children WHERE anonymised_at IS NULL \
        AND id > $1 ORDER BY id LIMIT 20000)";
    let mut due: Vec<ChildId> = Vec::new();
    let mut after = String::new();
    loop {
        let rows: Vec<(ChildId, Option<ClassId>)> =
            on_db!(&state.db, p => sqlx::query_as(PAGE).bind(&after).fetch_all(p).await)?;
        let Some(last) = rows.iter().map(|r| r.0).max() else {
            break;
        };
        let mut classes_of: HashMap<ChildId, Vec<ClassId>> = HashMap::new();
        for (child, class) in rows {
            if let Some(class) = class {
                classes_of.entry(child).or_default().push(class);
            }
        }
        due.extend(
            classes_of
                .into_iter()
                .filter(|(_, cs)| cs.iter().all(|c| expired.contains(c)))
                .map(|(child, _)| child),
        );
        after = last.to_string();
    }
    let now = crate::now();
    let mut done = 0;
    for chunk in due.chunks(200) {
        let mut tx = state.db.begin().await?;
        for id in chunk {
            let mut c = store::child_in(&mut tx, id).await?;
            children::anonymise(&mut tx, &mut c, now, "retention period over")
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            store::unlink_all(&mut tx, id).await?;
            done += 1;
        }
        let entry = crate::audit::Entry {
            actor_id: None,
            actor_name: Some("system"),
            action: "child.retention",
            target_type: "child",
            target_id: None,
            detail: format!(
                "{} children anonymised after the retention period",
                chunk.len()
            ),
        };
        let client = crate::audit::Client {
            ip: None,
            request_id: None,
        };
        crate::audit::record(&mut tx, &entry, &client).await?;
        tx.commit().await?;
    }
    Ok(done)
}
