//! The season before (issue 16): last year's programme of the same federation and season, so the
//! dashboards compare year on year. Copied in SQL from this year's: the hosts of about half the
//! classes ran one last summer too, now closed, with about three in four of this year's children.
//! A copied row's id is its original's with the first digit changed (`e…`): still a UUID, and
//! never one of this year's, which all begin with `0` (time-ordered, from 2026).

use tuoguan::db::Tx;

/// Copies `programme_id` as last year's. Returns the copy's id and (classes, applications).
pub async fn write(tx: &mut Tx, programme_id: &str) -> anyhow::Result<(String, (u64, u64))> {
    let half = "substr(c.id, 36, 1) IN ('0', '2', '4', '6', '8', 'a', 'c', 'e')";
    let most = "substr(a.id, 36, 1) NOT IN ('3', '7', 'b', 'f')";
    let programme = format!(
        "INSERT INTO programmes (id, org_id, name, season, year, start_date, end_date, target_units, \
         target_families, target_model_classes, rules, reminder_days, created_at, updated_at) \
         SELECT 'e' || substr(id, 2), org_id, replace(name, '2026', '2025'), season, year - 1, \
         replace(start_date, '2026', '2025'), replace(end_date, '2026', '2025'), target_units, \
         target_families, target_model_classes, rules, reminder_days, created_at, updated_at \
         FROM programmes WHERE id = '{programme_id}'"
    );
    let classes = format!(
        "INSERT INTO classes (id, programme_id, host_org_id, name, address, start_date, end_date, \
         daily_start, daily_end, capacity, model, management, venue, food, status, created_at, updated_at) \
         SELECT 'e' || substr(c.id, 2), 'e' || substr(c.programme_id, 2), c.host_org_id, c.name, c.address, \
         replace(c.start_date, '2026', '2025'), replace(c.end_date, '2026', '2025'), c.daily_start, \
         c.daily_end, c.capacity, c.model, c.management, c.venue, c.food, 'closed', c.created_at, c.updated_at \
         FROM classes c WHERE c.programme_id = '{programme_id}' AND {half}"
    );
    let applications = format!(
        "INSERT INTO applications (id, child_id, class_id, status, priority, applied_at, updated_at) \
         SELECT 'e' || substr(a.id, 2), a.child_id, 'e' || substr(a.class_id, 2), 'enrolled', a.priority, \
         a.applied_at - 31536000, a.updated_at FROM applications a JOIN classes c ON c.id = a.class_id \
         WHERE c.programme_id = '{programme_id}' AND {half} AND a.status = 'enrolled' AND {most}"
    );
    let run = |sql: String| sqlx::AssertSqlSafe(sql);
    let (classes, applications) = tuoguan::on_tx!(tx, x => {
        sqlx::query(run(programme)).execute(&mut *x).await?;
        let c = sqlx::query(run(classes)).execute(&mut *x).await?.rows_affected();
        let a = sqlx::query(run(applications)).execute(&mut *x).await?.rows_affected();
        Ok::<_, sqlx::Error>((c, a))
    })?;
    Ok((format!("e{}", &programme_id[1..]), (classes, applications)))
}
