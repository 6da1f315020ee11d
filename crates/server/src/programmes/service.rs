//! Opening, copying and reading programmes.

use chrono::{Datelike, NaiveDate};
use tuoguan_domain::programme::{
    MilestoneKind, ProgrammeRules, Season, Targets, default_milestones,
};

use super::store::{self, ProgrammeFilter};
use super::{CopyProgramme, Milestone, MilestoneInput, NewProgramme, Programme};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::{Capability, CurrentUser, Scope};
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;
use crate::ids::{MilestoneId, OrgId, ProgrammeId};
use crate::orgs;

/// The programmes a user sees: opened in their subtree, or by a federation above them.
pub fn filter_for(user: &CurrentUser) -> ProgrammeFilter {
    let scope = user
        .scope(Capability::ViewClasses)
        .or_else(|| user.scope(Capability::ViewOrgs));
    let ancestors = if scope == Some(Scope::All) {
        Vec::new()
    } else {
        user.ancestor_ids()
    };
    ProgrammeFilter {
        scope: scope.unwrap_or(Scope::Subtrees(Vec::new())),
        ancestors,
    }
}

pub async fn visible(
    state: &AppState,
    user: &CurrentUser,
    id: &ProgrammeId,
) -> Result<Programme, AppError> {
    store::get(&state.db, &filter_for(user), id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn list(state: &AppState, user: &CurrentUser) -> Result<Vec<Programme>, AppError> {
    Ok(store::list(&state.db, &filter_for(user)).await?)
}

fn date(s: &str, field: &'static str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
    if d.is_none() {
        errors.push(FieldError::new(field, "calendar.date_invalid"));
    }
    d
}

/// Default name: "2026年暑期职工子女爱心托管服务专案".
fn default_name(season: Season, year: i64) -> String {
    let s = match season {
        Season::Summer => "暑期",
        Season::Winter => "寒假",
        Season::AfterSchool => "课后",
    };
    format!("{year}年{s}职工子女爱心托管服务专案")
}

fn rules_errors(rules: &ProgrammeRules) -> Vec<FieldError> {
    match rules.validate() {
        Ok(()) => Vec::new(),
        Err(list) => list
            .into_iter()
            .map(|(field, key)| FieldError {
                field,
                msg: Msg::new(key),
            })
            .collect(),
    }
}

/// The federation a programme is opened by: the given one, or the caller's own federation.
async fn opening_org(
    state: &AppState,
    user: &CurrentUser,
    org_id: Option<&OrgId>,
) -> Result<crate::orgs::Org, AppError> {
    let scope = user.require(Capability::OpenProgrammes)?;
    let id = match org_id {
        Some(id) => *id,
        None => user
            .acting_orgs(Capability::OpenProgrammes)
            .first()
            .and_then(|g| g.org_id)
            .ok_or_else(|| AppError::field("org_id", "programme.org_required"))?,
    };
    let org = orgs::get(&state.db, &scope, &id)
        .await?
        .ok_or_else(|| AppError::field("org_id", "programme.org_required"))?;
    if !org.kind().is_federation() || !org.active {
        return Err(AppError::field("org_id", "programme.org_not_federation"));
    }
    Ok(org)
}

pub async fn open(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    input: &NewProgramme,
) -> Result<Programme, AppError> {
    open_from(state, user, client, input, None).await
}

async fn open_from(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    input: &NewProgramme,
    copied_from: Option<ProgrammeId>,
) -> Result<Programme, AppError> {
    let org = opening_org(state, user, input.org_id.as_ref()).await?;
    let mut errors = Vec::new();
    let season = Season::parse(input.season.trim());
    if season.is_none() {
        errors.push(FieldError::new("season", "programme.season_invalid"));
    }
    if !(2000..=2100).contains(&input.year) {
        errors.push(FieldError::new("year", "calendar.year_invalid"));
    }
    let start = date(&input.start_date, "start_date", &mut errors);
    let end = date(&input.end_date, "end_date", &mut errors);
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        errors.push(FieldError::new("end_date", "calendar.range_reversed"));
    }
    let rules = match (
        &input.rules,
        input.preset.as_deref().filter(|p| !p.is_empty()),
    ) {
        (Some(r), _) => r.clone(),
        (None, Some(name)) => ProgrammeRules::preset(name).unwrap_or_else(|| {
            errors.push(FieldError::new("preset", "programme.preset_invalid"));
            ProgrammeRules::seed_003()
        }),
        (None, None) => ProgrammeRules::seed_003(),
    };
    errors.extend(rules_errors(&rules));
    let targets = input.targets.unwrap_or_else(Targets::seed_003);
    let reminder_days = input.reminder_days.unwrap_or(7);
    if !(0..=60).contains(&reminder_days) {
        errors.push(FieldError::new(
            "reminder_days",
            "programme.reminder_days_range",
        ));
    }
    let mut milestones = Vec::new();
    match (&input.milestones, season) {
        (Some(list), _) => {
            for MilestoneInput { kind, due_date } in list {
                match (
                    MilestoneKind::parse(kind.trim()),
                    NaiveDate::parse_from_str(due_date.trim(), "%Y-%m-%d"),
                ) {
                    (Some(k), Ok(d)) => milestones.push((k, d)),
                    _ => errors.push(FieldError::new("milestones", "programme.milestone_invalid")),
                }
            }
        }
        (None, Some(s)) => milestones = default_milestones(s, input.year as i32),
        (None, None) => {}
    }
    let (Some(season), Some(start), Some(end), true) = (season, start, end, errors.is_empty())
    else {
        return Err(AppError::Validation(errors));
    };
    let name = input
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    let name = name.unwrap_or_else(|| default_name(season, input.year));
    if name.chars().count() > 100 {
        return Err(AppError::field("name", "org.name_too_long"));
    }
    let now = crate::now();
    let p = Programme {
        id: ProgrammeId::new(),
        org_id: org.id,
        org_name: org.name.clone(),
        org_path: org.path.clone(),
        name,
        season,
        year: input.year,
        start_date: start.to_string(),
        end_date: end.to_string(),
        target_units: targets.units.into(),
        target_families: targets.families.into(),
        target_model_classes: targets.model_classes.into(),
        rules: serde_json::to_string(&rules).map_err(|e| AppError::Internal(e.into()))?,
        reminder_days,
        theme: input.theme.clone().unwrap_or_default().trim().to_string(),
        copied_from,
        created_at: now,
        updated_at: now,
    };
    let action = if p.copied_from.is_some() {
        "programme.copy"
    } else {
        "programme.open"
    };
    save(state, user, client, p, milestones, action).await
}

async fn save(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    p: Programme,
    milestones: Vec<(MilestoneKind, NaiveDate)>,
    action: &'static str,
) -> Result<Programme, AppError> {
    let mut tx = state.db.begin().await?;
    store::insert(&mut tx, &p).await?;
    for (kind, due) in milestones {
        let m = Milestone {
            id: MilestoneId::new(),
            programme_id: p.id,
            kind: kind.as_str().into(),
            due_date: due.to_string(),
        };
        store::insert_milestone(&mut tx, &m, p.created_at).await?;
    }
    let detail = format!("{} ({}, {} {})", p.name, p.org_name, p.season, p.year);
    audit::record(
        &mut tx,
        &Entry::by(user, action, "programme")
            .target(p.id)
            .detail(detail),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(p)
}

/// Starts next season from this one: same federation, targets, rules and reminder lead; milestones
/// moved to the new year (same day and month) for the same season, else the new season's defaults.
pub async fn copy(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &ProgrammeId,
    input: &CopyProgramme,
) -> Result<Programme, AppError> {
    let src = visible(state, user, id).await?;
    // Seeing a programme is not opening one: refused unless the caller may open at its federation;
    // a database failure stays a 500.
    let org = opening_org(state, user, Some(&src.org_id))
        .await
        .map_err(|e| match e {
            AppError::Internal(e) => AppError::Internal(e),
            _ => AppError::Forbidden,
        })?;
    // The year is checked again with the rest by `open`; here it only must not overflow the move.
    if !(2000..=2100).contains(&input.year) {
        return Err(AppError::field("year", "calendar.year_invalid"));
    }
    let milestones = if Season::parse(input.season.trim()) == Some(src.season()) {
        let diff = i32::try_from(input.year - src.year).unwrap_or(0);
        let moved = store::milestones(&state.db, &src)
            .await?
            .into_iter()
            .filter_map(|m| {
                let d = NaiveDate::parse_from_str(&m.due_date, "%Y-%m-%d").ok()?;
                let y = d.year() + diff;
                let nd = NaiveDate::from_ymd_opt(y, d.month(), d.day())
                    .or_else(|| NaiveDate::from_ymd_opt(y, d.month(), 28))?;
                Some(MilestoneInput {
                    kind: m.kind,
                    due_date: nd.to_string(),
                })
            });
        Some(moved.collect())
    } else {
        None
    };
    let new = NewProgramme {
        org_id: Some(org.id),
        name: input.name.clone(),
        season: input.season.clone(),
        year: input.year,
        start_date: input.start_date.clone(),
        end_date: input.end_date.clone(),
        targets: Some(src.targets()),
        preset: None,
        rules: Some(src.rules()?),
        reminder_days: Some(src.reminder_days),
        theme: Some(src.theme.clone()),
        milestones,
    };
    open_from(state, user, client, &new, Some(src.id)).await
}
