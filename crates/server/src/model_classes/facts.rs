//! What the records say of the classes applying, read in one pass: one grouped query per kind of
//! figure for all of them (the enrolment, the child-days kept by the day tallies, the
//! questionnaires, incidents, inspections and rectifications, staff checks, closure days), then
//! every criterion of `tuoguan_domain::evaluation::criteria` under the programme's rules. No query
//! runs per class. A subsidy rule reads the figures its gates need of every class of a programme
//! at once ([`subsidy_facts`]): each query then names the programme, not a list of ids.

use std::collections::HashMap;

use chrono::NaiveDate;
use tuoguan_domain::evaluation::{Criterion, ModelFacts, criteria, satisfaction_of};

use crate::app::AppState;
use crate::db::{Db, Sql};
use crate::error::AppError;
use crate::ids::{ClassId, ProgrammeId};
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

/// The classes a grouped query reads: these, or every approved, running or closed class of a
/// programme (a whole country's in one query, where a list of ids would need thirty).
#[derive(Clone, Copy)]
enum Which<'a> {
    Ids(&'a [ClassId]),
    Programme(ProgrammeId),
}

impl Which<'_> {
    /// `q` restricted to the classes (`q` ends in a condition).
    fn restrict(self, q: Sql) -> Sql {
        match self {
            Which::Ids(ids) => q
                .push(" AND class_id IN (")
                .list(ids.iter().copied())
                .push(")"),
            Which::Programme(p) => q
                .push(" AND class_id IN (SELECT id FROM classes WHERE programme_id = ")
                .bind(p)
                .push(" AND status IN ('approved', 'running', 'closed'))"),
        }
    }
}

/// `SELECT … WHERE <cond> AND class_id IN (…) GROUP BY class_id`, keyed by class.
async fn grouped<T: crate::db::Row>(
    db: &Db,
    select: &str,
    which: Which<'_>,
) -> sqlx::Result<Vec<T>> {
    which
        .restrict(Sql::new(select))
        .push(" GROUP BY class_id")
        .fetch_all(db)
        .await
}

/// Which figures a subsidy rule's gates read.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wanted {
    pub children: bool,
    pub operating_days: bool,
    pub attendance: bool,
    pub incidents: bool,
    pub satisfaction: bool,
}

/// Where a subsidy rule's classes are read: among every approved, running or closed class of the
/// programme (one query per figure, whatever the size of the country), or by their ids (a part
/// of it, such as a province's thousand classes; a thousand ids a query).
#[derive(Debug, Clone, Copy)]
pub enum Reach {
    Programme(ProgrammeId),
    Ids,
}

/// Ids in one query when a subsidy rule reads classes by their ids.
const PASS: usize = 1000;

/// The figures in `wanted` of `classes` (a satisfaction rate needs `min_responses`), one grouped
/// query per figure, read as `reach` says; the dates of `classes` give their operating days. The
/// figures not wanted stay zero.
pub async fn subsidy_facts(
    state: &AppState,
    reach: Reach,
    min_responses: u32,
    wanted: Wanted,
    classes: &[Dates],
) -> Result<HashMap<ClassId, ModelFacts>, AppError> {
    match reach {
        Reach::Programme(p) => {
            subsidy_pass(state, Which::Programme(p), min_responses, wanted, classes).await
        }
        Reach::Ids => {
            let mut facts = HashMap::with_capacity(classes.len());
            for part in classes.chunks(PASS) {
                let ids: Vec<ClassId> = part.iter().map(|c| c.class_id).collect();
                let which = Which::Ids(&ids);
                facts.extend(subsidy_pass(state, which, min_responses, wanted, part).await?);
            }
            Ok(facts)
        }
    }
}

async fn subsidy_pass(
    state: &AppState,
    which: Which<'_>,
    min_responses: u32,
    wanted: Wanted,
    classes: &[Dates],
) -> Result<HashMap<ClassId, ModelFacts>, AppError> {
    if classes.is_empty() {
        return Ok(HashMap::new());
    }
    let db = &state.db;
    let mut facts: HashMap<ClassId, ModelFacts> = classes
        .iter()
        .map(|c| (c.class_id, ModelFacts::default()))
        .collect();
    // The three large figures at once, each on its own connection: the enrolment's count (the
    // index (class_id, status) answers it without reading the rows), the child-days, incidents.
    let enrolled = async {
        match wanted.children {
            true => {
                let sql = "SELECT class_id, COUNT(*) FROM applications WHERE status = 'enrolled'";
                grouped::<(ClassId, i64)>(db, sql, which).await
            }
            false => Ok(Vec::new()),
        }
    };
    let days = async {
        match wanted.attendance {
            true => day_totals(db, which).await,
            false => Ok(Vec::new()),
        }
    };
    let incidents = async {
        match wanted.incidents {
            true => safety_incidents(db, which).await,
            false => Ok(Vec::new()),
        }
    };
    let (enrolled, days, incidents) = tokio::try_join!(enrolled, days, incidents)?;
    for (id, total) in enrolled {
        if let Some(f) = facts.get_mut(&id) {
            f.children = n(total);
        }
    }
    for (id, expected, present) in days {
        if let Some(f) = facts.get_mut(&id) {
            (f.expected, f.present) = (n(expected), n(present));
        }
    }
    for (id, safety) in incidents {
        if let Some(f) = facts.get_mut(&id) {
            f.safety_incidents = n(safety);
        }
    }
    if wanted.satisfaction {
        satisfaction(db, which, min_responses, &mut facts).await?;
    }
    if wanted.operating_days {
        for (id, days) in operating_days(state, classes, which).await? {
            if let Some(f) = facts.get_mut(&id) {
                f.operating_days = days;
            }
        }
    }
    Ok(facts)
}

async fn day_totals(db: &Db, which: Which<'_>) -> sqlx::Result<Vec<(ClassId, i64, i64)>> {
    grouped(
        db,
        // Summed as integers (a day's figures are small): PostgreSQL's sum of BIGINT keeps a
        // numeric state, whose size makes it sort a whole country's rows instead of hashing them.
        "SELECT class_id, CAST(SUM(CAST(expected AS INTEGER)) AS BIGINT), \
         CAST(SUM(CAST(present AS INTEGER)) AS BIGINT) FROM class_day_tallies WHERE 1 = 1",
        which,
    )
    .await
}

async fn safety_incidents(db: &Db, which: Which<'_>) -> sqlx::Result<Vec<(ClassId, i64)>> {
    grouped(
        db,
        "SELECT class_id, SUM(CASE WHEN safety THEN 1 ELSE 0 END) FROM incidents WHERE 1 = 1",
        which,
    )
    .await
}

/// The guardians' satisfaction of each class in `facts` (a rate needs `min` responses).
async fn satisfaction(
    db: &Db,
    which: Which<'_>,
    min: u32,
    facts: &mut HashMap<ClassId, ModelFacts>,
) -> sqlx::Result<()> {
    let select = "SELECT class_id, COUNT(*), SUM(CASE WHEN overall IN ('very_satisfied', 'satisfied') \
         THEN 1 ELSE 0 END) FROM questionnaire_responses WHERE audience = 'guardian'";
    let q = match which {
        // The programme's responses by their index, then their classes.
        Which::Programme(p) => Sql::new(select).push(" AND programme_id = ").bind(p),
        Which::Ids(_) => Sql::new(select),
    };
    let rated: Vec<(ClassId, i64, i64)> = which
        .restrict(q)
        .push(" GROUP BY class_id")
        .fetch_all(db)
        .await?;
    let counts: HashMap<ClassId, (u32, u32)> = rated
        .into_iter()
        .map(|(id, total, satisfied)| (id, (n(total), n(satisfied))))
        .collect();
    for (id, f) in facts.iter_mut() {
        let (responses, satisfied) = counts.get(id).copied().unwrap_or((0, 0));
        f.satisfaction = Some(satisfaction_of(responses, satisfied, min));
    }
    Ok(())
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
/// grouped query per kind of figure: the model-class criteria read these.
pub async fn facts_of(
    state: &AppState,
    min_responses: u32,
    classes: &[Dates],
) -> Result<HashMap<ClassId, ModelFacts>, AppError> {
    if classes.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<ClassId> = classes.iter().map(|c| c.class_id).collect();
    let which = Which::Ids(&ids);
    let db = &state.db;
    let mut facts: HashMap<ClassId, ModelFacts> =
        ids.iter().map(|id| (*id, ModelFacts::default())).collect();
    let enrolled: Vec<(ClassId, i64, i64, i64, i64)> = grouped(
        db,
        "SELECT class_id, COUNT(*), SUM(CASE WHEN kindergarten THEN 1 ELSE 0 END), \
         COUNT(agreement_at), COUNT(insurer) FROM applications WHERE status = 'enrolled'",
        which,
    )
    .await?;
    for (id, total, kg, agreed, insured) in enrolled {
        let f = facts.entry(id).or_default();
        f.children = n(total);
        f.kindergarten = n(kg);
        f.missing_agreements = n(total - agreed);
        f.missing_insurance = n(total - insured);
    }
    for (id, expected, present) in day_totals(db, which).await? {
        let f = facts.entry(id).or_default();
        (f.expected, f.present) = (n(expected), n(present));
    }
    for (id, safety) in safety_incidents(db, which).await? {
        facts.entry(id).or_default().safety_incidents = n(safety);
    }
    let inspected: Vec<(ClassId, i64)> = grouped(
        db,
        "SELECT class_id, COUNT(*) FROM inspections WHERE inspected_at IS NOT NULL",
        which,
    )
    .await?;
    for (id, _) in inspected {
        facts.entry(id).or_default().inspected = true;
    }
    let open: Vec<(ClassId, i64)> = grouped(
        db,
        "SELECT class_id, COUNT(*) FROM rectifications WHERE status <> 'closed'",
        which,
    )
    .await?;
    for (id, count) in open {
        facts.entry(id).or_default().open_rectifications = n(count);
    }
    let staff: Vec<(ClassId, i64, i64)> = grouped(
        db,
        "SELECT class_id, COUNT(*), COUNT(check_done_on) FROM staff WHERE active",
        which,
    )
    .await?;
    for (id, total, checked) in staff {
        facts.entry(id).or_default().unchecked_staff = n(total - checked);
    }
    satisfaction(db, which, min_responses, &mut facts).await?;
    for (id, days) in operating_days(state, classes, which).await? {
        facts.entry(id).or_default().operating_days = days;
    }
    Ok(facts)
}

/// Operating days of each class: working days of its dates (one calendar for all), minus its
/// closures, plus its extra days (one query for all, `which` classes).
async fn operating_days(
    state: &AppState,
    classes: &[Dates],
    which: Which<'_>,
) -> Result<Vec<(ClassId, u32)>, AppError> {
    let from = classes.iter().map(|c| c.start.as_str()).min().unwrap_or("");
    let to = classes.iter().map(|c| c.end.as_str()).max().unwrap_or("");
    let Some(cal) = crate::classes::days::calendar_for(state, from, to).await? else {
        // A year the calendar holds no data for counts no day: the criterion shows it failing.
        return Ok(Vec::new());
    };
    let rows: Vec<(ClassId, String, String)> = which
        .restrict(Sql::new(
            "SELECT class_id, day, kind FROM class_days WHERE 1 = 1",
        ))
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
