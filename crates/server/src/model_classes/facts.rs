//! What the records say of the classes applying, read in one pass: one grouped query per kind of
//! figure for all of them (the enrolment, the child-days kept by the day tallies, the
//! questionnaires, incidents, inspections and rectifications, staff checks, closure days), then
//! every criterion of `tuoguan_domain::evaluation::criteria` under the programme's rules. No query
//! runs per class.

use std::collections::HashMap;

use chrono::NaiveDate;
use tuoguan_domain::evaluation::{Criterion, ModelFacts, criteria, satisfaction_of};

use crate::app::AppState;
use crate::db::{Db, Sql};
use crate::error::AppError;
use crate::ids::ClassId;
use crate::programmes::Programme;

/// A class applying: its id and its dates (YYYY-MM-DD).
pub struct Dates {
    pub class_id: ClassId,
    pub start: String,
    pub end: String,
}

fn n(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

/// `SELECT … WHERE <cond> AND class_id IN (…) GROUP BY class_id`, keyed by class.
async fn grouped<T: crate::db::Row>(
    db: &Db,
    select: &str,
    ids: &[ClassId],
) -> sqlx::Result<Vec<T>> {
    Sql::new(select)
        .push(" AND class_id IN (")
        .list(ids.iter().copied())
        .push(") GROUP BY class_id")
        .fetch_all(db)
        .await
}

/// The criteria of each class, under the programme's rules.
pub async fn criteria_of(
    state: &AppState,
    p: &Programme,
    classes: &[Dates],
) -> Result<HashMap<ClassId, Vec<Criterion>>, AppError> {
    let rules = p.rules()?;
    let facts = facts_of(state, rules.min_satisfaction_responses, classes).await?;
    Ok(facts
        .into_iter()
        .map(|(id, f)| (id, criteria(&f, &rules)))
        .collect())
}

/// What the records say of each class (a satisfaction rate needs `min_responses`), in one
/// grouped query per kind of figure: the model-class criteria and the subsidy rules read these.
pub async fn facts_of(
    state: &AppState,
    min_responses: u32,
    classes: &[Dates],
) -> Result<HashMap<ClassId, ModelFacts>, AppError> {
    if classes.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<ClassId> = classes.iter().map(|c| c.class_id).collect();
    let db = &state.db;
    let mut facts: HashMap<ClassId, ModelFacts> =
        ids.iter().map(|id| (*id, ModelFacts::default())).collect();
    let enrolled: Vec<(ClassId, i64, i64, i64, i64)> = grouped(
        db,
        "SELECT class_id, COUNT(*), SUM(CASE WHEN kindergarten THEN 1 ELSE 0 END), \
         COUNT(agreement_at), COUNT(insurer) FROM applications WHERE status = 'enrolled'",
        &ids,
    )
    .await?;
    for (id, total, kg, agreed, insured) in enrolled {
        let f = facts.entry(id).or_default();
        f.children = n(total);
        f.kindergarten = n(kg);
        f.missing_agreements = n(total - agreed);
        f.missing_insurance = n(total - insured);
    }
    let days: Vec<(ClassId, i64, i64)> = grouped(
        db,
        "SELECT class_id, CAST(SUM(expected) AS BIGINT), CAST(SUM(present) AS BIGINT) \
         FROM class_day_tallies WHERE 1 = 1",
        &ids,
    )
    .await?;
    for (id, expected, present) in days {
        let f = facts.entry(id).or_default();
        (f.expected, f.present) = (n(expected), n(present));
    }
    let incidents: Vec<(ClassId, i64)> = grouped(
        db,
        "SELECT class_id, SUM(CASE WHEN safety THEN 1 ELSE 0 END) FROM incidents WHERE 1 = 1",
        &ids,
    )
    .await?;
    for (id, safety) in incidents {
        facts.entry(id).or_default().safety_incidents = n(safety);
    }
    let inspected: Vec<(ClassId, i64)> = grouped(
        db,
        "SELECT class_id, COUNT(*) FROM inspections WHERE inspected_at IS NOT NULL",
        &ids,
    )
    .await?;
    for (id, _) in inspected {
        facts.entry(id).or_default().inspected = true;
    }
    let open: Vec<(ClassId, i64)> = grouped(
        db,
        "SELECT class_id, COUNT(*) FROM rectifications WHERE status <> 'closed'",
        &ids,
    )
    .await?;
    for (id, count) in open {
        facts.entry(id).or_default().open_rectifications = n(count);
    }
    let staff: Vec<(ClassId, i64, i64)> = grouped(
        db,
        "SELECT class_id, COUNT(*), COUNT(check_done_on) FROM staff WHERE active",
        &ids,
    )
    .await?;
    for (id, total, checked) in staff {
        facts.entry(id).or_default().unchecked_staff = n(total - checked);
    }
    let min = min_responses;
    let rated: Vec<(ClassId, i64, i64)> = grouped(
        db,
        "SELECT class_id, COUNT(*), SUM(CASE WHEN overall IN ('very_satisfied', 'satisfied') \
         THEN 1 ELSE 0 END) FROM questionnaire_responses WHERE audience = 'guardian'",
        &ids,
    )
    .await?;
    let counts: HashMap<ClassId, (u32, u32)> = rated
        .into_iter()
        .map(|(id, total, satisfied)| (id, (n(total), n(satisfied))))
        .collect();
    for (id, f) in facts.iter_mut() {
        let (responses, satisfied) = counts.get(id).copied().unwrap_or((0, 0));
        f.satisfaction = Some(satisfaction_of(responses, satisfied, min));
    }
    for (id, days) in operating_days(state, classes).await? {
        facts.entry(id).or_default().operating_days = days;
    }
    Ok(facts)
}

/// Operating days of each class: working days of its dates (one calendar for all), minus its
/// closures, plus its extra days (one query for all).
async fn operating_days(
    state: &AppState,
    classes: &[Dates],
) -> Result<Vec<(ClassId, u32)>, AppError> {
    let from = classes.iter().map(|c| c.start.as_str()).min().unwrap_or("");
    let to = classes.iter().map(|c| c.end.as_str()).max().unwrap_or("");
    let Some(cal) = crate::classes::days::calendar_for(state, from, to).await? else {
        // A year the calendar holds no data for counts no day: the criterion shows it failing.
        return Ok(Vec::new());
    };
    let ids: Vec<ClassId> = classes.iter().map(|c| c.class_id).collect();
    let rows: Vec<(ClassId, String, String)> =
        Sql::new("SELECT class_id, day, kind FROM class_days WHERE class_id IN (")
            .list(ids)
            .push(")")
            .fetch_all(&state.db)
            .await?;
    let mut marked: HashMap<ClassId, (Vec<NaiveDate>, Vec<NaiveDate>)> = HashMap::new();
    for (id, day, kind) in rows {
        let Ok(d) = NaiveDate::parse_from_str(&day, "%Y-%m-%d") else {
            continue;
        };
        let e = marked.entry(id).or_default();
        match kind.as_str() {
            "closure" => e.0.push(d),
            "extra" => e.1.push(d),
            _ => {}
        }
    }
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    Ok(classes
        .iter()
        .filter_map(|c| {
            let (start, end) = (date(&c.start)?, date(&c.end)?);
            let (closures, extras) = marked.remove(&c.class_id).unwrap_or_default();
            let days = tuoguan_domain::operating_days::operating_days(
                &cal, start, end, &closures, &extras,
            );
            Some((c.class_id, days))
        })
        .collect())
}
