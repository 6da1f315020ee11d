//! The rules of inspection plans: who draws (a federation admin, for a federation at or below the
//! programme's), from what (the running classes of its subtree, by district), who adds and
//! assigns, and who reads (the federations above the plan; an inspector, their assignments).

use std::collections::HashMap;

use tuoguan_domain::enrolment::lottery::seed_from;
use tuoguan_domain::inspection::{self as sample, Candidate};

use super::store::{self, PlanRow};
use super::{
    AddInput, AssignInput, Coverage, DrawInput, Inspection, InspectorOption, PlanView, RedrawInput,
    RedrawResult, StratumView,
};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::{Capability, CurrentUser, Scope};
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;
use crate::ids::{ClassId, InspectionId, InspectionPlanId, OrgId, ProgrammeId};
use crate::orgs::{self, Org};
use crate::programmes::{Programme, service as programmes};

/// The federation a plan is drawn or read for: `org_id`, or the caller's first organisation they
/// supervise; in the caller's Supervise scope and at or below the programme's federation (404).
async fn federation(
    state: &AppState,
    user: &CurrentUser,
    p: &Programme,
    org_id: Option<&OrgId>,
) -> Result<Org, AppError> {
    let scope = user
        .scope(Capability::Supervise)
        .ok_or(AppError::NotFound)?;
    let first = || {
        let grants = user.acting_orgs(Capability::Supervise);
        grants.iter().find_map(|g| g.org_id)
    };
    let id = org_id.copied().or_else(first).unwrap_or(p.org_id);
    let org = orgs::get(&state.db, &scope, &id).await?;
    org.filter(|o| o.path.starts_with(&p.org_path))
        .ok_or(AppError::NotFound)
}

/// The running classes of the programme in the federation's subtree, each with its district: the
/// district on the host's path, else the unit directly below the federation (or the federation).
async fn candidates(
    state: &AppState,
    p: &Programme,
    org: &Org,
) -> Result<Vec<Candidate>, AppError> {
    let districts: HashMap<String, String> = store::districts(&state.db, &org.path)
        .await?
        .into_iter()
        .map(|(id, name)| (id.to_string(), name))
        .collect();
    let own = org.id.to_string();
    let running = store::running(&state.db, &p.id, &org.path).await?;
    Ok(running
        .into_iter()
        .map(|(class, host_path)| {
            let below = host_path[org.path.len()..]
                .split('/')
                .filter(|s| !s.is_empty());
            let segments: Vec<&str> = below.collect();
            let stratum = segments
                .iter()
                .find(|s| districts.contains_key(**s))
                .or(segments.first())
                .map_or(own.clone(), |s| s.to_string());
            Candidate {
                stratum,
                class_id: class.to_string(),
            }
        })
        .collect())
}

/// Draws the federation's sample for the programme (once: a plan stands as drawn).
pub async fn draw(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    programme_id: &ProgrammeId,
    input: &DrawInput,
) -> Result<PlanView, AppError> {
    let p = programmes::visible(state, user, programme_id).await?;
    let org = federation(state, user, &p, input.org_id.as_ref()).await?;
    let mut errors = Vec::new();
    if org.kind == crate::orgs::OrgKind::Grassroots {
        errors.push(FieldError::new("org_id", "inspection.not_federation"));
    }
    let seed_text = input.seed_text.trim().to_string();
    if seed_text.is_empty() || seed_text.chars().count() > 200 {
        errors.push(FieldError::new("seed_text", "inspection.seed_text"));
    }
    let list = candidates(state, &p, &org).await?;
    if list.is_empty() && errors.is_empty() {
        errors.push(FieldError::new("org_id", "inspection.none_running"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    if store::plan_of(&state.db, &p.id, &org.id).await?.is_some() {
        return Err(AppError::Conflict(Msg::new("inspection.plan_exists")));
    }
    let pct = p.rules()?.inspection_coverage_pct;
    let drawn = sample::draw(seed_from(&seed_text), pct, &list);
    let plan = PlanRow {
        id: InspectionPlanId::new(),
        programme_id: p.id,
        org_id: org.id,
        org_name: org.name.clone(),
        org_path: org.path.clone(),
        seed_text,
        coverage_pct: i64::from(pct),
        candidates: serde_json::to_string(&list).map_err(|e| AppError::Internal(e.into()))?,
        drawn_by: user.display_name.clone(),
        drawn_at: crate::now(),
    };
    let classes: Vec<ClassId> = drawn
        .class_ids
        .iter()
        .filter_map(|c| c.parse().ok())
        .collect();
    let mut tx = state.db.begin().await?;
    store::insert_plan(&mut tx, &plan).await?;
    store::insert_sampled(&mut tx, &plan.id, &classes, plan.drawn_at).await?;
    let detail = format!(
        "{} {}: {} of {}",
        org.name,
        plan.seed_text,
        classes.len(),
        list.len()
    );
    let entry = Entry::by(user, "inspection.draw", "inspection_plan").target(plan.id);
    audit::record(&mut tx, &entry.detail(detail), client).await?;
    tx.commit().await?;
    view(state, plan).await
}

/// A plan the caller may read: its federation lies in their Supervise or ViewOrgs scope.
pub async fn visible_plan(
    state: &AppState,
    user: &CurrentUser,
    id: &InspectionPlanId,
) -> Result<PlanRow, AppError> {
    let plan = store::plan(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let reads = |c| {
        user.scope(c)
            .is_some_and(|s: Scope| s.contains(&plan.org_path))
    };
    match reads(Capability::Supervise) || reads(Capability::ViewOrgs) {
        true => Ok(plan),
        false => Err(AppError::NotFound),
    }
}

/// The federation's plan for the programme (the caller's own federation by default), or 404.
pub async fn plan_for(
    state: &AppState,
    user: &CurrentUser,
    programme_id: &ProgrammeId,
    org_id: Option<&OrgId>,
) -> Result<Option<PlanView>, AppError> {
    let p = programmes::visible(state, user, programme_id).await?;
    let org = federation(state, user, &p, org_id).await?;
    match store::plan_of(&state.db, &p.id, &org.id).await? {
        Some(plan) => Ok(Some(view(state, plan).await?)),
        None => Ok(None),
    }
}

/// The plan with its sample, each district's share and the coverage so far.
pub async fn view(state: &AppState, plan: PlanRow) -> Result<PlanView, AppError> {
    let list: Vec<Candidate> =
        serde_json::from_str(&plan.candidates).map_err(|e| AppError::Internal(e.into()))?;
    let pct = u32::try_from(plan.coverage_pct).unwrap_or(sample::DEFAULT_COVERAGE_PCT);
    let drawn = sample::draw(seed_from(&plan.seed_text), pct, &list);
    let ids: Vec<String> = drawn.strata.iter().map(|s| s.stratum.clone()).collect();
    let names: HashMap<String, String> = store::org_names(&state.db, &ids)
        .await?
        .into_iter()
        .collect();
    // Strata are organisations' ids (the districts of `candidates`).
    let strata = drawn
        .strata
        .iter()
        .filter_map(|s| {
            Some(StratumView {
                name: names.get(&s.stratum).cloned().unwrap_or_default(),
                org_id: s.stratum.parse().ok()?,
                running: s.running,
                sampled: s.sampled,
            })
        })
        .collect();
    let inspections = store::rows_of_plan(&state.db, &plan.id).await?;
    let running = store::running(&state.db, &plan.programme_id, &plan.org_path).await?;
    let running_now: std::collections::HashSet<ClassId> = running.iter().map(|(c, _)| *c).collect();
    let covered = inspections
        .iter()
        .filter(|i| running_now.contains(&i.class_id))
        .count();
    let total = running_now.len();
    let coverage = Coverage {
        running: u32::try_from(total).unwrap_or(u32::MAX),
        covered: u32::try_from(covered).unwrap_or(u32::MAX),
        pct: sample::coverage_pct(covered, total),
        target_pct: pct,
        met: total == 0 || (covered >= 1 && covered * 100 >= total * pct as usize),
    };
    Ok(PlanView {
        id: plan.id,
        programme_id: plan.programme_id,
        org_id: plan.org_id,
        org_name: plan.org_name,
        seed: seed_from(&plan.seed_text).to_string(),
        seed_text: plan.seed_text,
        coverage_pct: pct,
        candidates: list,
        strata,
        inspections,
        coverage,
        drawn_by: plan.drawn_by,
        drawn_at: plan.drawn_at,
    })
}

/// 404 unless the caller supervises the plan's federation.
fn supervises(user: &CurrentUser, plan: &PlanRow) -> Result<(), AppError> {
    let scope = user
        .scope(Capability::Supervise)
        .ok_or(AppError::NotFound)?;
    match scope.contains(&plan.org_path) {
        true => Ok(()),
        false => Err(AppError::NotFound),
    }
}

/// Adds a class to the plan by hand, with its reason (a complaint, a follow-up).
pub async fn add(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    plan_id: &InspectionPlanId,
    input: &AddInput,
) -> Result<Inspection, AppError> {
    let plan = store::plan(&state.db, plan_id)
        .await?
        .ok_or(AppError::NotFound)?;
    supervises(user, &plan)?;
    let reason = input.reason.trim().to_string();
    let mut errors = Vec::new();
    if reason.is_empty() || reason.chars().count() > 500 {
        errors.push(FieldError::new("reason", "inspection.reason"));
    }
    let scope = Scope::Subtrees(vec![plan.org_path.clone()]);
    let class = crate::classes::service::find(state, &scope, &input.class_id).await?;
    let fits = class.as_ref().is_some_and(|c| {
        c.programme_id == plan.programme_id && matches!(c.status.as_str(), "approved" | "running")
    });
    if !fits {
        errors.push(FieldError::new("class_id", "inspection.class_invalid"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let mut tx = state.db.begin().await?;
    let now = crate::now();
    let added = store::insert_added(&mut tx, &plan.id, &input.class_id, &reason, now).await?;
    let Some(id) = added else {
        return Err(AppError::Conflict(Msg::new("inspection.already_planned")));
    };
    let entry = Entry::by(user, "inspection.add", "inspection").target(id);
    audit::record(&mut tx, &entry.detail(reason), client).await?;
    tx.commit().await?;
    get(state, user, &id).await
}

/// Assigns an inspection to an inspector of the federation's subtree (or takes it back).
pub async fn assign(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &InspectionId,
    input: &AssignInput,
) -> Result<Inspection, AppError> {
    let path = store::plan_path_of(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let scope = user
        .scope(Capability::Supervise)
        .ok_or(AppError::NotFound)?;
    if !scope.contains(&path) {
        return Err(AppError::NotFound);
    }
    if let Some(who) = &input.inspector_id {
        let known = store::inspectors(&state.db, &path).await?;
        if !known.iter().any(|i| i.id == *who) {
            return Err(AppError::field(
                "inspector_id",
                "inspection.not_an_inspector",
            ));
        }
    }
    let mut tx = state.db.begin().await?;
    store::assign(&mut tx, id, input.inspector_id.as_ref()).await?;
    let detail = input
        .inspector_id
        .map(|u| u.to_string())
        .unwrap_or_default();
    let entry = Entry::by(user, "inspection.assign", "inspection").target(*id);
    audit::record(&mut tx, &entry.detail(detail), client).await?;
    tx.commit().await?;
    get(state, user, id).await
}

/// The inspectors a plan's inspections may be assigned to.
pub async fn inspectors(
    state: &AppState,
    plan: &PlanView,
) -> Result<Vec<InspectorOption>, AppError> {
    let org = orgs::get(&state.db, &Scope::All, &plan.org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(store::inspectors(&state.db, &org.path).await?)
}

/// The inspections assigned to the caller, and those of plans of federations they supervise.
pub async fn mine(state: &AppState, user: &CurrentUser) -> Result<Vec<Inspection>, AppError> {
    let scope = user.scope(Capability::Supervise);
    Ok(store::rows_for(&state.db, &user.id, scope.as_ref(), None).await?)
}

/// One inspection: assigned to the caller or of a plan they supervise, else 404.
pub async fn get(
    state: &AppState,
    user: &CurrentUser,
    id: &InspectionId,
) -> Result<Inspection, AppError> {
    let scope = user.scope(Capability::Supervise);
    let rows = store::rows_for(&state.db, &user.id, scope.as_ref(), Some(id)).await?;
    rows.into_iter().next().ok_or(AppError::NotFound)
}

/// Re-draws a published sample from its seed text, share and list of running classes.
pub fn redraw(input: &RedrawInput) -> Result<RedrawResult, AppError> {
    let mut errors = Vec::new();
    if input.seed_text.is_empty() {
        errors.push(FieldError::new("seed_text", "inspection.seed_text"));
    }
    if !(1..=100).contains(&input.coverage_pct) {
        errors.push(FieldError::new("coverage_pct", "rules.coverage_range"));
    }
    if input.candidates.len() > 200_000 {
        errors.push(FieldError::new("candidates", "inspection.too_many"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let seed = seed_from(&input.seed_text);
    let drawn = sample::draw(seed, input.coverage_pct, &input.candidates);
    Ok(RedrawResult {
        seed: seed.to_string(),
        class_ids: drawn.class_ids,
        strata: drawn.strata,
    })
}

/// Whether the caller is the inspector of an inspection of the class.
pub async fn assigned(
    state: &AppState,
    user: &CurrentUser,
    class: &ClassId,
) -> Result<bool, AppError> {
    Ok(store::assigned(&state.db, &user.id, class).await?)
}

/// How many inspections assigned to the caller are still to do (the inspector's home page).
pub async fn planned_for(state: &AppState, user: &CurrentUser) -> Result<i64, AppError> {
    Ok(store::planned_for(&state.db, &user.id).await?)
}

/// The published list of a plan with each class's name, host and district, and whether it is in
/// the plan (one query for the names).
pub async fn listed(
    state: &AppState,
    plan: &PlanView,
) -> Result<Vec<super::routes::Listed>, AppError> {
    let ids: Vec<String> = plan.candidates.iter().map(|c| c.class_id.clone()).collect();
    let names: HashMap<String, (String, String)> = store::class_names(&state.db, &ids)
        .await?
        .into_iter()
        .map(|(id, name, host)| (id, (name, host)))
        .collect();
    let district = |id: &str| {
        plan.strata
            .iter()
            .find(|s| s.org_id.to_string() == id)
            .map(|s| s.name.clone())
    };
    let planned: std::collections::HashSet<String> = plan
        .inspections
        .iter()
        .map(|i| i.class_id.to_string())
        .collect();
    Ok(plan
        .candidates
        .iter()
        .map(|c| {
            let (name, host) = names.get(&c.class_id).cloned().unwrap_or_default();
            super::routes::Listed {
                name,
                host,
                district: district(&c.stratum).unwrap_or_default(),
                planned: planned.contains(&c.class_id),
                class_id: c.class_id.clone(),
            }
        })
        .collect())
}
