//! The rules of class registration and the lifecycle, shared by the HTML and JSON handlers.

use chrono::NaiveDate;
use tuoguan_domain::class_checks::{
    Check, ClassFacts, FoodMode, approvable, approval_checks, running_warnings,
};

use super::store::{self, ClassEvent};
use super::{
    Class, ClassInput, ClassStatus, ClassView, Listed, RULE_KINDS, parse_management, parse_model,
};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::{Capability, CurrentUser, Scope, Visible};
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;
use crate::ids::ClassId;
use crate::orgs;
use crate::programmes::{Programme, service as programmes};

/// A class the user may see, or 404: one in their ViewClasses scope, or, for an inspector, one
/// of the classes assigned to them (issue 17: an inspector sees those and no other).
pub async fn visible(
    state: &AppState,
    user: &CurrentUser,
    id: &ClassId,
) -> Result<Visible<Class>, AppError> {
    if let Some(scope) = user.scope(Capability::ViewClasses)
        && let Some(c) = find(state, &scope, id).await?
    {
        return Ok(c);
    }
    if user.has_role(crate::auth::Role::Inspector)
        && crate::inspections::service::assigned(state, user, id).await?
    {
        return in_scope(state, &Scope::All, id).await;
    }
    Err(AppError::NotFound)
}

/// A class whose host lies in `scope`, if any.
pub async fn find(
    state: &AppState,
    scope: &Scope,
    id: &ClassId,
) -> Result<Option<Visible<Class>>, AppError> {
    Ok(store::get(&state.db, scope, id).await?.map(super::vouch))
}

/// A class whose host lies in `scope` (the scope of the capability the caller acts with), or 404.
pub async fn in_scope(
    state: &AppState,
    scope: &Scope,
    id: &ClassId,
) -> Result<Visible<Class>, AppError> {
    store::get(&state.db, scope, id)
        .await?
        .map(super::vouch)
        .ok_or(AppError::NotFound)
}

/// One page of the classes of a programme the user may see.
pub async fn of_programme(
    state: &AppState,
    user: &CurrentUser,
    p: &Programme,
    offset: i64,
    limit: i64,
) -> Result<Vec<Listed>, AppError> {
    let scope = user
        .scope(Capability::ViewClasses)
        .unwrap_or(Scope::Subtrees(Vec::new()));
    Ok(store::of_programme(&state.db, &scope, &p.id, offset, limit).await?)
}

/// The classes in `statuses` whose hosts lie in `scope` (the scope the caller acts with), at most
/// `limit`, the soonest first: a unit's running classes for its home page.
pub async fn with_status_in(
    state: &AppState,
    scope: &Scope,
    statuses: &[ClassStatus],
    limit: i64,
) -> Result<Vec<Visible<Class>>, AppError> {
    let names: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    Ok(store::with_status_in(&state.db, scope, &names, limit)
        .await?
        .into_iter()
        .map(super::vouch)
        .collect())
}

/// The classes of programme `p` hosted by `host` itself, approved, running or closed, that lie in
/// `scope` (a report's own records).
pub async fn hosted_by(
    state: &AppState,
    scope: &Scope,
    p: &Programme,
    host: &crate::ids::OrgId,
) -> Result<Vec<Visible<Class>>, AppError> {
    let statuses = [
        ClassStatus::Approved,
        ClassStatus::Running,
        ClassStatus::Closed,
    ]
    .map(|s| s.as_str());
    Ok(store::hosted(&state.db, scope, &p.id, host, &statuses)
        .await?
        .into_iter()
        .map(super::vouch)
        .collect())
}

pub fn parse_day(s: &str, field: &'static str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
    if d.is_none() {
        errors.push(FieldError::new(field, "calendar.date_invalid"));
    }
    d
}

fn valid_time(s: &str) -> bool {
    chrono::NaiveTime::parse_from_str(s.trim(), "%H:%M").is_ok()
}

/// Checks a registration against the programme; returns the row to store.
async fn validated(
    state: &AppState,
    user: &CurrentUser,
    p: &Programme,
    input: &ClassInput,
) -> Result<Class, AppError> {
    let scope = user.require(Capability::RegisterClasses)?;
    let mut errors = Vec::new();
    let host_id = input.host_org_id.or_else(|| {
        user.acting_orgs(Capability::RegisterClasses)
            .first()
            .and_then(|g| g.org_id)
    });
    let host = match &host_id {
        Some(id) => orgs::get(&state.db, &scope, id).await?,
        None => None,
    };
    match &host {
        Some(h) if !h.active => errors.push(FieldError::new("host_org_id", "org.parent_inactive")),
        Some(h) if !h.path.starts_with(&p.org_path) => errors.push(FieldError::new(
            "host_org_id",
            "class.host_outside_programme",
        )),
        Some(_) => {}
        None => errors.push(FieldError::new("host_org_id", "user.org_not_found")),
    }
    let text = |v: &str, field: &'static str, max: usize, errors: &mut Vec<FieldError>| {
        let t = v.trim().to_string();
        if t.is_empty() || t.chars().count() > max {
            errors.push(FieldError::new(
                field,
                if t.is_empty() {
                    "class.required"
                } else {
                    "class.too_long"
                },
            ));
        }
        t
    };
    let name = text(&input.name, "name", 100, &mut errors);
    let address = text(&input.address, "address", 200, &mut errors);
    let start = parse_day(&input.start_date, "start_date", &mut errors);
    let end = parse_day(&input.end_date, "end_date", &mut errors);
    let (ps, pe) = (p.start_date.as_str(), p.end_date.as_str());
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            errors.push(FieldError::new("end_date", "calendar.range_reversed"));
        } else if s.to_string().as_str() < ps || e.to_string().as_str() > pe {
            errors.push(FieldError {
                field: "start_date",
                msg: Msg::new("class.outside_programme")
                    .arg("from", ps)
                    .arg("to", pe),
            });
        }
    }
    if !valid_time(&input.daily_start) {
        errors.push(FieldError::new("daily_start", "class.time_invalid"));
    }
    if !valid_time(&input.daily_end) || input.daily_end.trim() <= input.daily_start.trim() {
        errors.push(FieldError::new("daily_end", "class.time_invalid"));
    }
    if !(1..=500).contains(&input.capacity) {
        errors.push(FieldError::new("capacity", "class.capacity_range"));
    }
    if parse_model(&input.model).is_none() {
        errors.push(FieldError::new("model", "class.model_invalid"));
    }
    if parse_management(&input.management).is_none() {
        errors.push(FieldError::new("management", "class.management_invalid"));
    }
    let partners: Vec<String> = input
        .partners
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if partners.iter().any(|s| s.chars().count() > 100) || partners.len() > 20 {
        errors.push(FieldError::new("partners", "class.too_long"));
    }
    let food = &input.food;
    if food.mode == FoodMode::Caterer
        && food
            .caterer_name
            .as_deref()
            .is_some_and(|n| n.chars().count() > 100)
    {
        errors.push(FieldError::new("food", "class.too_long"));
    }
    let rules: Vec<String> = input
        .rules_in_force
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if rules.iter().any(|r| !RULE_KINDS.contains(&r.as_str())) {
        errors.push(FieldError::new("rules_in_force", "class.rule_invalid"));
    }
    let Some(host) = host.filter(|_| errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let now = crate::now();
    Ok(Class {
        id: ClassId::new(),
        programme_id: p.id,
        host_org_id: host.id,
        host_name: host.name,
        host_path: host.path,
        name,
        address,
        start_date: input.start_date.trim().into(),
        end_date: input.end_date.trim().into(),
        daily_start: input.daily_start.trim().into(),
        daily_end: input.daily_end.trim().into(),
        capacity: input.capacity,
        model: input.model.trim().into(),
        management: input.management.trim().into(),
        partners,
        partner_agreement: input.partner_agreement,
        qualification_review: input.qualification_review,
        venue: input.venue.clone(),
        food: input.food.clone(),
        rules_in_force: rules,
        status: ClassStatus::Draft,
        created_at: now,
        updated_at: now,
    })
}

pub async fn register(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    input: &ClassInput,
) -> Result<Class, AppError> {
    let p = programmes::visible(state, user, &input.programme_id)
        .await
        .map_err(|e| match e {
            // Only "not there for you" is the field's fault; a database failure stays a 500.
            AppError::NotFound => AppError::field("programme_id", "class.programme_not_found"),
            e => e,
        })?;
    let c = validated(state, user, &p, input).await?;
    let mut tx = state.db.begin().await?;
    store::insert(&mut tx, &c).await?;
    let e = event("register", None, ClassStatus::Draft, user, "");
    store::add_event(&mut tx, &c.id, &e, &user.id).await?;
    audit::record(
        &mut tx,
        &Entry::by(user, "class.register", "class")
            .target(c.id)
            .detail(format!("{} @ {}", c.name, c.host_name)),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(c)
}

/// Applies a partial change (any fields of [`ClassInput`]) to a draft or returned class.
pub async fn update(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &ClassId,
    patch: serde_json::Value,
) -> Result<Class, AppError> {
    let current = editable(state, user, id).await?;
    let mut merged = serde_json::to_value(ClassInput::from_class(&current))
        .map_err(|e| AppError::Internal(e.into()))?;
    let (Some(base), serde_json::Value::Object(changes)) = (merged.as_object_mut(), patch) else {
        return Err(AppError::BadRequest(Msg::new("error.json_syntax")));
    };
    for (k, v) in changes {
        if k != "programme_id" {
            base.insert(k, v);
        }
    }
    let input: ClassInput = serde_json::from_value(merged).map_err(|e| {
        AppError::BadRequest(Msg::new("error.json_data").arg("detail", e.to_string()))
    })?;
    let p = programmes::visible(state, user, &current.programme_id).await?;
    let next = Class {
        id: current.id,
        status: current.status,
        created_at: current.created_at,
        ..validated(state, user, &p, &input).await?
    };
    let mut tx = state.db.begin().await?;
    store::update(&mut tx, &next).await?;
    audit::record(
        &mut tx,
        &Entry::by(user, "class.update", "class")
            .target(next.id)
            .detail(next.name.clone()),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(next)
}

/// A class the user's unit may edit: in scope for RegisterClasses and still a draft or returned.
async fn editable(
    state: &AppState,
    user: &CurrentUser,
    id: &ClassId,
) -> Result<Visible<Class>, AppError> {
    let c = visible(state, user, id).await?;
    let scope = user
        .scope(Capability::RegisterClasses)
        .ok_or(AppError::Forbidden)?;
    if !scope.contains(&c.host_path) {
        return Err(AppError::Forbidden);
    }
    if !c.status().editable() {
        return Err(AppError::Conflict(Msg::new("class.not_editable")));
    }
    Ok(c)
}

fn event(
    action: &str,
    from: Option<ClassStatus>,
    to: ClassStatus,
    user: &CurrentUser,
    comment: &str,
) -> ClassEvent {
    ClassEvent {
        action: action.into(),
        from_status: from.map(|s| s.as_str().into()),
        to_status: to.as_str().into(),
        actor_name: Some(user.username.clone()),
        comment: comment.into(),
        at: crate::now(),
    }
}

/// The steps of a class's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Submit,
    Approve,
    Return,
    Start,
    Close,
}

impl Action {
    pub fn parse(s: &str) -> Option<Action> {
        Some(match s {
            "submit" => Action::Submit,
            "approve" => Action::Approve,
            "return" => Action::Return,
            "start" => Action::Start,
            "close" => Action::Close,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Approve => "approve",
            Action::Return => "return",
            Action::Start => "start",
            Action::Close => "close",
        }
    }

    /// (allowed from, to)
    fn edge(self) -> (&'static [ClassStatus], ClassStatus) {
        use ClassStatus::*;
        match self {
            Action::Submit => (&[Draft, Returned], Submitted),
            Action::Approve => (&[Submitted], Approved),
            Action::Return => (&[Submitted], Returned),
            Action::Start => (&[Approved], Running),
            Action::Close => (&[Running], Closed),
        }
    }
}

/// True when `action` can follow `status`.
pub fn allowed_from(action: Action, status: ClassStatus) -> bool {
    action.edge().0.contains(&status)
}

/// Whether the user may take `action` on `c`: the host unit submits, starts and closes; only a
/// federation *above* the host approves or returns (never the host itself).
pub fn may(user: &CurrentUser, c: &Class, action: Action) -> bool {
    let host = user
        .scope(Capability::RegisterClasses)
        .is_some_and(|s| s.contains(&c.host_path));
    let above = user
        .scope(Capability::Supervise)
        .is_some_and(|s| s.strictly_contains(&c.host_path));
    match action {
        Action::Submit => host,
        Action::Approve | Action::Return => above,
        Action::Start | Action::Close => host || above,
    }
}

/// The facts the approval checks read.
pub async fn facts(state: &AppState, c: &Class) -> Result<ClassFacts, AppError> {
    let (start, end) = c.dates()?;
    let rule_files = super::files::count_rules(&state.db, c).await?;
    Ok(ClassFacts {
        model: parse_model(&c.model)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("bad model")))?,
        partner_units: c.partner_list().len(),
        partner_agreement: c.partner_agreement,
        qualification_review: c.qualification_review,
        venue: c.venue(),
        food: c.food(),
        start,
        end,
        capacity: u32::try_from(c.capacity).unwrap_or(0),
        rules_in_force: c.rule_list().len() + rule_files,
    })
}

/// The findings shown on the approval screen (blocking first), or while running the warnings.
pub async fn checks(state: &AppState, c: &Class, p: &Programme) -> Result<Vec<Check>, AppError> {
    let f = facts(state, c).await?;
    let today = crate::calendar::today();
    Ok(if c.status() == ClassStatus::Running {
        running_warnings(&f, today)
    } else {
        let mut found = approval_checks(&f, today, p.rules()?.min_class_size);
        // A class without a 负责人 on its roster has nobody answerable for the children: it is
        // not approved (issue 15). The roster is the class's own record, so the rule lives here
        // beside the registration checks; a running class is flagged by `staff::flags` instead.
        let roster = super::staff::roster(&state.db, c).await?;
        if !roster.iter().any(|s| s.active && s.role == "leader") {
            found.insert(
                0,
                Check {
                    code: "check.no_leader",
                    level: tuoguan_domain::class_checks::Level::Block,
                },
            );
        }
        found
    })
}

pub async fn transition(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &ClassId,
    action: Action,
    comment: &str,
) -> Result<Visible<Class>, AppError> {
    let c = visible(state, user, id).await?;
    if !may(user, &c, action) {
        return Err(AppError::Forbidden);
    }
    let (from, to) = action.edge();
    let status = c.status();
    if !from.contains(&status) {
        return Err(AppError::Conflict(
            Msg::new("class.wrong_state").arg_key("status", status_key(status)),
        ));
    }
    let comment = comment.trim();
    if action == Action::Return && comment.is_empty() {
        return Err(AppError::field("comment", "submission.comment_required"));
    }
    if action == Action::Approve {
        let p = programmes::visible(state, user, &c.programme_id).await?;
        let found = checks(state, &c, &p).await?;
        if !approvable(&found) {
            let blocking = found
                .iter()
                .filter(|k| k.level == tuoguan_domain::class_checks::Level::Block)
                .map(|k| k.code)
                .collect();
            return Err(AppError::ChecksFailed(blocking));
        }
    }
    let mut tx = state.db.begin().await?;
    if !store::set_status(&mut tx, &c.id, status.as_str(), to.as_str(), crate::now()).await? {
        return Err(AppError::Conflict(Msg::new("class.changed_meanwhile")));
    }
    store::add_event(
        &mut tx,
        &c.id,
        &event(action.as_str(), Some(status), to, user, comment),
        &user.id,
    )
    .await?;
    let detail = format!(
        "{}: {} → {}{}",
        c.name,
        status.as_str(),
        to.as_str(),
        if comment.is_empty() {
            String::new()
        } else {
            format!(" ({comment})")
        }
    );
    audit::record(
        &mut tx,
        &Entry::by(user, class_action(action), "class")
            .target(c.id)
            .detail(detail),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(super::vouch(Class {
        status: to,
        ..c.into_inner()
    }))
}

fn class_action(a: Action) -> &'static str {
    match a {
        Action::Submit => "class.submit",
        Action::Approve => "class.approve",
        Action::Return => "class.return",
        Action::Start => "class.start",
        Action::Close => "class.close",
    }
}

/// i18n key of a status name.
pub fn status_key(s: ClassStatus) -> &'static str {
    match s {
        ClassStatus::Draft => "class_status.draft",
        ClassStatus::Submitted => "class_status.submitted",
        ClassStatus::Returned => "class_status.returned",
        ClassStatus::Approved => "class_status.approved",
        ClassStatus::Running => "class_status.running",
        ClassStatus::Closed => "class_status.closed",
    }
}

/// The JSON view of a class with its operating days against the programme minimum.
pub async fn view(state: &AppState, c: &Class, p: &Programme) -> Result<ClassView, AppError> {
    let cal = super::days::calendar_for(state, &c.start_date, &c.end_date).await?;
    let days = store::days(&state.db, c).await?;
    let operating = match &cal {
        Some(cal) => Some(super::days::operating_days(cal, c, &days)?),
        None => None,
    };
    let min = p.rules()?.min_operating_days;
    Ok(ClassView {
        id: c.id,
        host_name: c.host_name.clone(),
        status: c.status(),
        registration: ClassInput::from_class(c),
        operating_days: operating,
        min_operating_days: min,
        meets_min_operating_days: operating.is_some_and(|d| d >= min),
        created_at: crate::web::pages::rfc3339(c.created_at),
        updated_at: crate::web::pages::rfc3339(c.updated_at),
    })
}
