//! The season before (issue 16): last year's programme of the same federation and season, so the
//! dashboards compare year on year. Copied in SQL from this year's: the hosts of about half the
//! classes ran one last summer too, now closed, with about three in four of this year's children.
//! A copied row's id is its original's with the first digit changed (`e…`): still a UUID, and
//! never one of this year's, which all begin with `0` (time-ordered, from 2026). Their budgets and
//! ledgers are copied too, a year earlier.

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
    // Their money too (issue 18): the budget and the ledger a year earlier.
    let copied = format!(
        "JOIN classes c ON c.id = t.class_id WHERE c.programme_id = '{programme_id}' AND {half}"
    );
    let money = [
        format!(
            "INSERT INTO class_budgets (class_id, fee_fen, updated_by, updated_at) \
             SELECT 'e' || substr(t.class_id, 2), t.fee_fen, t.updated_by, t.updated_at - 31536000 \
             FROM class_budgets t {copied}"
        ),
        format!(
            "INSERT INTO budget_lines (class_id, line, planned_fen) \
             SELECT 'e' || substr(t.class_id, 2), t.line, t.planned_fen FROM budget_lines t {copied}"
        ),
        format!(
            "INSERT INTO ledger_entries (id, class_id, programme_id, direction, source, category, \
             amount_fen, occurred_on, counterparty, voucher_no, summary, reverses, recorded_by, recorded_at) \
             SELECT 'e' || substr(t.id, 2), 'e' || substr(t.class_id, 2), 'e' || substr(t.programme_id, 2), \
             t.direction, t.source, t.category, t.amount_fen, replace(t.occurred_on, '2026', '2025'), \
             t.counterparty, t.voucher_no, t.summary, 'e' || substr(t.reverses, 2), t.recorded_by, \
             t.recorded_at - 31536000 FROM ledger_entries t {copied} ORDER BY t.recorded_at, t.id"
        ),
    ];
    let run = |sql: String| sqlx::AssertSqlSafe(sql);
    let (classes, applications) = tuoguan::on_tx!(tx, x => {
        sqlx::query(run(programme)).execute(&mut *x).await?;
        let c = sqlx::query(run(classes)).execute(&mut *x).await?.rows_affected();
        let a = sqlx::query(run(applications)).execute(&mut *x).await?.rows_affected();
        for sql in &money {
            sqlx::query(run(sql.clone())).execute(&mut *x).await?;
        }
        Ok::<_, sqlx::Error>((c, a))
    })?;
    Ok((format!("e{}", &programme_id[1..]), (classes, applications)))
}
