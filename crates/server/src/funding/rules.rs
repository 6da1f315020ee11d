//! Subsidy rules (补助规则) as data on a programme, written by the federation that opened it, and
//! which classes qualify under each now: every approved, running or closed class of the
//! programme in the federation's area not yet approved under the rule, its evidence read from
//! the records in one grouped query per figure its gates read, over the whole programme at once
//! (`model_classes::facts::subsidy_facts`), the amount, and what is left of the pool, filled in
//! order.

use tuoguan_domain::Venue;
use tuoguan_domain::funding::{
    self, Evaluation, RuleKind, RuleTerms, Source, SubsidyFacts, allocate, evaluate,
};

use super::{Line, Outcome, Qualification, RuleInput, SubsidyRule, reads};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::{CurrentUser, Scope};
use crate::db::{Db, Sql};
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;
use crate::ids::{ClassId, OrgId, ProgrammeId, SubsidyRuleId};
use crate::model_classes::facts::{self, Dates, Reach, Wanted};
use crate::orgs::OrgKind;
use crate::programmes::{Programme, service as programmes};
use crate::{on_db, on_tx};

/// Whether the caller runs the programme's money: the federation that opened it.
pub fn manages(user: &CurrentUser, p: &Programme) -> bool {
    crate::questionnaires::templates::edits(user, p)
}

/// The part of the programme's area whose money the caller reads: all of it for the federation
/// running it, else their own funds scope within it; 404 for someone with none.
pub fn area(user: &CurrentUser, p: &Programme) -> Result<Scope, AppError> {
    if manages(user, p) {
        return Ok(Scope::Subtrees(vec![p.org_path.clone()]));
    }
    let scope = reads(user).ok_or(AppError::NotFound)?.within(&p.org_path);
    match &scope {
        Scope::Subtrees(roots) if roots.is_empty() => Err(AppError::NotFound),
        _ => Ok(scope),
    }
}

#[derive(sqlx::FromRow)]
struct RuleRow {
    id: SubsidyRuleId,
    programme_id: ProgrammeId,
    org_id: OrgId,
    name: String,
    source: String,
    terms: String,
    approved_fen: i64,
    batches: i64,
}

const SELECT: &str = "SELECT r.id, r.programme_id, r.org_id, r.name, r.source, r.terms, \
    CAST(COALESCE((SELECT SUM(l.amount_fen) FROM subsidy_lines l \
        WHERE l.rule_id = r.id AND l.outcome = 'approved'), 0) AS BIGINT) AS approved_fen, \
    (SELECT COUNT(*) FROM subsidy_batches b WHERE b.rule_id = r.id) AS batches \
    FROM subsidy_rules r";

impl RuleRow {
    fn rule(self) -> Result<SubsidyRule, AppError> {
        let bad = |e: String| AppError::Internal(anyhow::anyhow!("subsidy rule {}: {e}", self.id));
        let terms: RuleTerms = serde_json::from_str(&self.terms).map_err(|e| bad(e.to_string()))?;
        let source = Source::parse(&self.source).ok_or_else(|| bad(self.source.clone()))?;
        Ok(SubsidyRule {
            pool_left_fen: terms.pool_fen.map(|p| p - self.approved_fen),
            id: self.id,
            programme_id: self.programme_id,
            org_id: self.org_id,
            name: self.name,
            source,
            terms,
            approved_fen: self.approved_fen,
            batches: self.batches,
        })
    }
}

/// The programme's rules (anyone reading its money).
pub async fn of_programme(
    state: &AppState,
    user: &CurrentUser,
    id: &ProgrammeId,
) -> Result<(Programme, Vec<SubsidyRule>), AppError> {
    let p = programmes::visible(state, user, id).await?;
    area(user, &p)?;
    let sql = format!("{SELECT} WHERE r.programme_id = $1 ORDER BY r.created_at, r.id");
    let rows: Vec<RuleRow> = on_db!(&state.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(p.id).fetch_all(c).await)?;
    let mut rules = Vec::with_capacity(rows.len());
    for row in rows {
        rules.push(narrowed(state, user, &p, row.rule()?).await?);
    }
    Ok((p, rules))
}

/// What a reader below the federation sees of a rule: what it approved in their area, and no
/// pool (whose use would tell them the other classes' amounts). The federation sees it whole.
async fn narrowed(
    state: &AppState,
    user: &CurrentUser,
    p: &Programme,
    rule: SubsidyRule,
) -> Result<SubsidyRule, AppError> {
    if manages(user, p) {
        return Ok(rule);
    }
    let (_, approved_fen) = approved_in(&state.db, &rule.id, &area(user, p)?).await?;
    Ok(SubsidyRule {
        approved_fen,
        pool_left_fen: None,
        ..rule
    })
}

/// The classes approved under the rule whose hosts lie in `scope`, and their amounts.
async fn approved_in(
    db: &Db,
    rule: &SubsidyRuleId,
    scope: &crate::auth::Scope,
) -> Result<(i64, i64), AppError> {
    let (n, fen): (i64, i64) = crate::db::Sql::new(
        "SELECT COUNT(*), CAST(COALESCE(SUM(l.amount_fen), 0) AS BIGINT) FROM subsidy_lines l \
         JOIN classes c ON c.id = l.class_id JOIN orgs h ON h.id = c.host_org_id \
         WHERE l.outcome = 'approved' AND l.rule_id = ",
    )
    .bind(rule)
    .push(" AND ")
    .scope("h.path", scope)
    .fetch_one(db)
    .await?;
    Ok((n, fen))
}

/// A rule the caller reads, with its programme; 404 otherwise.
pub async fn get(
    state: &AppState,
    user: &CurrentUser,
    id: &SubsidyRuleId,
) -> Result<(Programme, SubsidyRule), AppError> {
    let rule = one(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let p = programmes::visible(state, user, &rule.programme_id).await?;
    area(user, &p)?;
    let rule = narrowed(state, user, &p, rule).await?;
    Ok((p, rule))
}

pub(super) async fn one(db: &Db, id: &SubsidyRuleId) -> Result<Option<SubsidyRule>, AppError> {
    let sql = format!("{SELECT} WHERE r.id = $1");
    let row: Option<RuleRow> = on_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    row.map(RuleRow::rule).transpose()
}

/// The source a federation's subsidy is booked under by default: its own level's.
fn default_source(kind: OrgKind) -> Source {
    match kind {
        OrgKind::District | OrgKind::Grassroots => Source::CountyUnion,
        OrgKind::City => Source::CityUnion,
        OrgKind::Province | OrgKind::National => Source::ProvinceUnion,
    }
}

/// The terms' field as the error names it.
fn term_field(f: &str) -> &'static str {
    match f {
        "amount_fen" => "terms.amount_fen",
        "tiers" => "terms.tiers",
        "pool_fen" => "terms.pool_fen",
        "min_attendance_pct" => "terms.min_attendance_pct",
        "min_satisfaction_pct" => "terms.min_satisfaction_pct",
        "min_children" => "terms.min_children",
        "min_operating_days" => "terms.min_operating_days",
        _ => "terms",
    }
}

async fn checked(state: &AppState, p: &Programme, input: &RuleInput) -> Result<Source, AppError> {
    let mut errors = Vec::new();
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError::new("name", "subsidy.name_needed"));
    }
    if let Err(fields) = input.terms.validate() {
        errors.extend(
            fields
                .into_iter()
                .map(|(f, k)| FieldError::new(term_field(f), k)),
        );
    }
    let org = crate::orgs::get(&state.db, &Scope::All, &p.org_id).await?;
    let source = match input.source {
        Some(s) => s,
        None => default_source(org.map_or(OrgKind::City, |o| o.kind)),
    };
    if !source.is_union() || source == Source::GrassrootsUnion {
        errors.push(FieldError::new("source", "subsidy.source_federation"));
    }
    match errors.is_empty() {
        true => Ok(source),
        false => Err(AppError::Validation(errors)),
    }
}

fn terms_json(t: &RuleTerms) -> Result<String, AppError> {
    serde_json::to_string(t).map_err(|e| AppError::Internal(e.into()))
}

/// The federation running the programme writes a rule.
pub async fn create(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &ProgrammeId,
    input: &RuleInput,
) -> Result<SubsidyRule, AppError> {
    let p = programmes::visible(state, user, id).await?;
    if !manages(user, &p) {
        return Err(AppError::Forbidden);
    }
    let source = checked(state, &p, input).await?;
    let rid = SubsidyRuleId::new();
    let now = crate::now();
    let mut tx = state.db.begin().await?;
    const SQL: &str = "INSERT INTO subsidy_rules (id, programme_id, org_id, name, source, terms, \
        created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8)";
    on_tx!(&mut tx, x => sqlx::query(SQL).bind(rid).bind(p.id).bind(p.org_id)
        .bind(input.name.trim()).bind(source.as_str()).bind(terms_json(&input.terms)?)
        .bind(&user.username).bind(now).execute(&mut *x).await.map(|_| ()))?;
    let entry = Entry::by(user, "subsidy.rule", "programme").target(p.id);
    audit::record(
        &mut tx,
        &entry.detail(format!("{rid} {}", input.name.trim())),
        client,
    )
    .await?;
    tx.commit().await?;
    one(&state.db, &rid).await?.ok_or(AppError::NotFound)
}

/// Rewrites a rule until its first batch is approved (409 after: the batches say what it was).
pub async fn update(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &SubsidyRuleId,
    input: &RuleInput,
) -> Result<SubsidyRule, AppError> {
    let (p, rule) = get(state, user, id).await?;
    if !manages(user, &p) {
        return Err(AppError::Forbidden);
    }
    let source = checked(state, &p, input).await?;
    let mut tx = state.db.begin().await?;
    const SQL: &str = "UPDATE subsidy_rules SET name = $2, source = $3, terms = $4, updated_at = $5 \
        WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM subsidy_batches b WHERE b.rule_id = $1)";
    let changed = on_tx!(&mut tx, x => sqlx::query(SQL).bind(rule.id).bind(input.name.trim())
        .bind(source.as_str()).bind(terms_json(&input.terms)?).bind(crate::now())
        .execute(&mut *x).await.map(|r| r.rows_affected()))?;
    if changed == 0 {
        return Err(AppError::Conflict(Msg::new("subsidy.rule_frozen")));
    }
    let entry = Entry::by(user, "subsidy.rule_edit", "programme").target(p.id);
    audit::record(&mut tx, &entry.detail(rule.id.to_string()), client).await?;
    tx.commit().await?;
    one(&state.db, &rule.id).await?.ok_or(AppError::NotFound)
}

/// A class the rule looks at.
#[derive(sqlx::FromRow)]
struct Candidate {
    id: ClassId,
    name: String,
    host_name: String,
    host_path: String,
    start_date: String,
    end_date: String,
    #[sqlx(try_from = "crate::db::JsonText")]
    venue: Venue,
    certificate_no: Option<String>,
}

/// The figures the rule's gates read (a tier is chosen by the children).
fn wanted(t: &RuleTerms) -> Wanted {
    Wanted {
        children: t.min_children.is_some() || t.kind == RuleKind::Tiers,
        operating_days: t.min_operating_days.is_some(),
        attendance: t.min_attendance_pct.is_some(),
        incidents: t.no_incident,
        satisfaction: t.min_satisfaction_pct.is_some(),
    }
}

/// Every class under the rule now, in the batch's order (named model classes by certificate
/// number, then by district and name), each with its evaluation and outcome — the pool filled
/// over all of them — and the host path, so the caller can show those in their area.
pub(super) async fn evaluate_all(
    state: &AppState,
    p: &Programme,
    rule: &SubsidyRule,
) -> Result<Vec<(Line, String)>, AppError> {
    evaluate_in(state, p, rule, None).await
}

/// The classes under the rule in `within` (`None`: all of them). Without a pool a class's
/// outcome depends on no other class, so an area is evaluated alone — a province's 1,000 classes
/// by their ids rather than the country's 30,000; with a pool every class before it in the order
/// counts, so the whole programme is, whatever `within` (its figures read for all of it at once:
/// one grouped query per figure the rule reads).
async fn evaluate_in(
    state: &AppState,
    p: &Programme,
    rule: &SubsidyRule,
    within: Option<&Scope>,
) -> Result<Vec<(Line, String)>, AppError> {
    // The pool as stored (a reader below the federation is handed the rule without it).
    let pool_left = match rule.terms.pool_fen {
        Some(_) => one(&state.db, &rule.id)
            .await?
            .and_then(|r| r.pool_left_fen),
        None => None,
    };
    let within = within.filter(|_| rule.terms.pool_fen.is_none());
    let q = Sql::new(
        "SELECT c.id, c.name, h.name AS host_name, h.path AS host_path, c.start_date, \
         c.end_date, c.venue, m.certificate_no FROM classes c JOIN orgs h ON h.id = c.host_org_id \
         LEFT JOIN model_applications m ON m.class_id = c.id AND m.status = 'named' \
         WHERE c.status IN ('approved', 'running', 'closed') AND c.programme_id = ",
    )
    .bind(p.id)
    .push(
        " AND NOT EXISTS (SELECT 1 FROM subsidy_lines l WHERE l.class_id = c.id \
         AND l.outcome = 'approved' AND l.rule_id = ",
    )
    .bind(rule.id)
    .push(")");
    let q = match within {
        Some(scope) => q.push(" AND ").scope("h.path", scope),
        None => q,
    };
    let classes: Vec<Candidate> = q
        .push(
            " ORDER BY CASE WHEN m.certificate_no IS NULL THEN 1 ELSE 0 END, m.certificate_no, \
             h.path, c.name, c.id",
        )
        .fetch_all(&state.db)
        .await?;
    let min = p.rules()?.min_satisfaction_responses;
    let dates: Vec<Dates> = classes
        .iter()
        .map(|c| Dates {
            class_id: c.id,
            start: c.start_date.clone(),
            end: c.end_date.clone(),
        })
        .collect();
    let reach = match within {
        Some(_) => Reach::Ids,
        None => Reach::Programme(p.id),
    };
    let found = facts::subsidy_facts(state, reach, min, wanted(&rule.terms), &dates).await?;
    let evaluations: Vec<Evaluation> = classes
        .iter()
        .map(|c| {
            let m = found.get(&c.id).cloned().unwrap_or_default();
            let f = SubsidyFacts {
                children: m.children,
                operating_days: m.operating_days,
                expected: m.expected,
                present: m.present,
                facilities_complete: funding::facilities_complete(&c.venue),
                safety_incidents: m.safety_incidents,
                satisfaction: m.satisfaction,
                named_model: c.certificate_no.is_some(),
            };
            evaluate(&rule.terms, &f)
        })
        .collect();
    let outcomes = allocate(pool_left, &evaluations);
    Ok(classes
        .into_iter()
        .zip(evaluations.into_iter().zip(outcomes))
        .map(|(c, (e, o))| {
            let (outcome, amount_fen) = match o {
                funding::Outcome::Paid(a) => (Outcome::Approved, a),
                funding::Outcome::Failed => (Outcome::Failed, 0),
                funding::Outcome::PoolExhausted => (Outcome::PoolExhausted, 0),
            };
            let line = Line {
                class_id: c.id,
                class_name: c.name,
                host_name: c.host_name,
                criteria: e.criteria,
                outcome,
                amount_fen,
            };
            (line, c.host_path)
        })
        .collect())
}

/// Which classes qualify under the rule now, as the caller may see them.
pub async fn qualification(
    state: &AppState,
    user: &CurrentUser,
    id: &SubsidyRuleId,
) -> Result<Qualification, AppError> {
    let (p, rule) = get(state, user, id).await?;
    let scope = area(user, &p)?;
    let within = (!manages(user, &p)).then_some(&scope);
    let all = evaluate_in(state, &p, &rule, within).await?;
    // The figures of the lines the reader sees: the whole area for the federation, the reader's
    // own classes below it (the pool is filled over all of them either way).
    let lines: Vec<_> = all
        .into_iter()
        .filter(|(_, path)| scope.contains(path))
        .map(|(l, _)| l)
        .collect();
    let total_fen = lines.iter().map(|l| l.amount_fen).sum();
    let approved_count = lines
        .iter()
        .filter(|l| l.outcome == Outcome::Approved)
        .count() as i64;
    let (already_approved, _) = approved_in(&state.db, &rule.id, &scope).await?;
    Ok(Qualification {
        rule,
        lines,
        total_fen,
        approved_count,
        already_approved,
    })
}

/// The kind's i18n key (pages).
pub fn kind_key(kind: RuleKind) -> &'static str {
    match kind {
        RuleKind::Criteria => "subsidy.kind.criteria",
        RuleKind::Tiers => "subsidy.kind.tiers",
        RuleKind::ModelAward => "subsidy.kind.model_award",
    }
}
