//! Incidents (事故/不良事件): recorded by the class with the children involved, the actions taken
//! and how the guardians were told. Recording is reporting: the federations above see it in
//! their incident list at once, and one that supervises the class acknowledges it. A safety
//! incident marks the class for the rest of the programme (no model-class title).

use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};

use super::store::{self, IncidentRow};
use super::{INCIDENT_KINDS, INFORMED_HOW, SEVERITIES, is_safety_kind};
use crate::app::AppState;
use crate::attendance::{clock, date_of, operated, parse_at};
use crate::audit::{self, Client, Entry};
use crate::auth::{Capability, CurrentUser};
use crate::error::{AppError, FieldError};
use crate::idempotency::{Key, Stored};
use crate::ids::{ChildId, ClassId, IncidentId};

/// Hours within which an incident should reach the federation (see docs/OPERATIONS.md): an
/// incident recorded later than this after it happened is shown as reported late.
pub const REPORT_HOURS: i64 = 24;

/// A new incident.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IncidentInput {
    /// When it happened: `YYYY-MM-DDTHH:MM`, Beijing time.
    pub occurred_at: String,
    /// The children involved (ids on the class's roll).
    #[serde(default)]
    pub child_ids: Vec<ChildId>,
    #[schema(value_type = super::IncidentKind)]
    pub kind: String,
    #[schema(value_type = super::Severity)]
    pub severity: String,
    pub description: String,
    /// What was done (first aid, hospital, …).
    pub actions: String,
    /// When the guardians were told (`YYYY-MM-DDTHH:MM`); empty if not yet.
    #[serde(default)]
    pub guardian_informed_at: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<super::InformedHow>)]
    pub guardian_informed_how: Option<String>,
}

/// An incident as listed.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IncidentView {
    pub id: IncidentId,
    pub class_id: ClassId,
    pub class_name: String,
    pub host_name: String,
    pub occurred_at: String,
    pub occurred_day: String,
    #[schema(value_type = super::IncidentKind)]
    pub kind: String,
    #[schema(value_type = super::Severity)]
    pub severity: String,
    pub safety: bool,
    pub description: String,
    pub actions: String,
    pub children: Vec<String>,
    pub guardian_informed_at: Option<String>,
    /// Set with `guardian_informed_at`.
    #[schema(value_type = Option<super::InformedHow>)]
    pub guardian_informed_how: Option<String>,
    pub reported_at: String,
    /// Recorded more than [`REPORT_HOURS`] after it happened.
    pub reported_late: bool,
    pub acknowledged: bool,
}

fn view(r: IncidentRow, children: Vec<String>) -> IncidentView {
    IncidentView {
        occurred_at: clock(r.occurred_at),
        occurred_day: date_of(r.occurred_at)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        reported_late: r.reported_at - r.occurred_at > REPORT_HOURS * 3600,
        reported_at: format!(
            "{} {}",
            date_of(r.reported_at)
                .map(|d| d.to_string())
                .unwrap_or_default(),
            clock(r.reported_at)
        ),
        guardian_informed_at: r.guardian_informed_at.map(clock),
        acknowledged: r.acknowledged_at.is_some(),
        id: r.id,
        class_id: r.class_id,
        class_name: r.class_name,
        host_name: r.host_name,
        kind: r.kind,
        severity: r.severity,
        safety: r.safety,
        description: r.description,
        actions: r.actions,
        children,
        guardian_informed_how: Some(r.guardian_informed_how).filter(|h| !h.is_empty()),
    }
}

fn validate(i: &IncidentInput) -> Result<(i64, Option<i64>), AppError> {
    let mut errors = Vec::new();
    let now = crate::now();
    let at = parse_at(i.occurred_at.trim()).filter(|t| *t <= now + 300);
    if at.is_none() {
        errors.push(FieldError::new("occurred_at", "attendance.at_invalid"));
    }
    if !INCIDENT_KINDS.contains(&i.kind.as_str()) {
        errors.push(FieldError::new("kind", "incidents.kind_invalid"));
    }
    if !SEVERITIES.contains(&i.severity.as_str()) {
        errors.push(FieldError::new("severity", "incidents.severity_invalid"));
    }
    for (v, f) in [(&i.description, "description"), (&i.actions, "actions")] {
        let n = v.trim().chars().count();
        if n == 0 || n > 2000 {
            errors.push(FieldError::new(f, "incidents.text_required"));
        }
    }
    let informed = match i.guardian_informed_at.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) => {
            let v = parse_at(t);
            if v.is_none() {
                errors.push(FieldError::new(
                    "guardian_informed_at",
                    "attendance.at_invalid",
                ));
            }
            v
        }
    };
    let how = i.guardian_informed_how.as_deref().unwrap_or("").trim();
    if informed.is_some() && !INFORMED_HOW.contains(&how) {
        errors.push(FieldError::new(
            "guardian_informed_how",
            "incidents.how_invalid",
        ));
    }
    if i.child_ids.len() > 100 {
        errors.push(FieldError::new("child_ids", "incidents.children_invalid"));
    }
    match (at, errors.is_empty()) {
        (Some(at), true) => Ok((at, informed)),
        _ => Err(AppError::Validation(errors)),
    }
}

/// Records (and thereby reports) an incident; idempotent with a key.
pub async fn report(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    class_id: &ClassId,
    headers: &HeaderMap,
    input: &IncidentInput,
) -> Result<Stored, AppError> {
    let key = Key::from_request(headers, user, &format!("POST incidents {class_id}"), input)?;
    if let Some(k) = &key
        && let Some(stored) = k.lookup(&state.db).await?
    {
        return Ok(stored);
    }
    let c = operated(state, user, class_id).await?;
    let (at, informed) = validate(input)?;
    let day = date_of(at).map(|d| d.to_string()).unwrap_or_default();
    for child in &input.child_ids {
        if !crate::attendance::enrolled_on(state, &c, child, &day).await? {
            return Err(AppError::field("child_ids", "incidents.children_invalid"));
        }
    }
    let row = IncidentRow {
        id: IncidentId::new(),
        class_id: c.id,
        class_name: c.name.clone(),
        host_name: c.host_name.clone(),
        occurred_at: at,
        kind: input.kind.clone(),
        severity: input.severity.clone(),
        safety: is_safety_kind(&input.kind),
        description: input.description.trim().to_string(),
        actions: input.actions.trim().to_string(),
        guardian_informed_at: informed,
        guardian_informed_how: input.guardian_informed_how.clone().unwrap_or_default(),
        reported_at: crate::now(),
        reported_by: user.display_name.clone(),
        acknowledged_at: None,
        acknowledged_by: None,
    };
    let mut tx = state.db.begin().await?;
    if let Some(k) = &key
        && let Some(stored) = k.lookup_in(&mut tx).await?
    {
        return Ok(stored);
    }
    store::insert_incident(&mut tx, &row).await?;
    let mut ids = input.child_ids.clone();
    ids.sort();
    ids.dedup();
    for child in &ids {
        store::insert_incident_child(&mut tx, &row.id, child).await?;
    }
    audit::record(
        &mut tx,
        &Entry::by(user, "incident.report", "incident").target(row.id),
        client,
    )
    .await?;
    let stored = Stored::json(StatusCode::CREATED, &view(row, Vec::new()))?;
    if let Some(k) = &key {
        k.remember(&mut tx, &stored).await?;
    }
    tx.commit().await?;
    Ok(stored)
}

/// Incidents the user may see (a class's, or all in their scope).
pub async fn list(
    state: &AppState,
    user: &CurrentUser,
    class_id: Option<&ClassId>,
) -> Result<Vec<IncidentView>, AppError> {
    // A class's incidents are an object (404 outside it); the list of all is a capability (403).
    let scope = match class_id {
        Some(_) => user
            .scope(Capability::ViewClasses)
            .ok_or(AppError::NotFound)?,
        None => user.require(Capability::ViewClasses)?,
    };
    let rows = store::incidents(&state.db, &scope, class_id, None).await?;
    let ids: Vec<IncidentId> = rows.iter().map(|r| r.id).collect();
    let involved = store::children_of_incidents(&state.db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let children = involved
                .iter()
                .filter(|(i, _)| *i == r.id)
                .map(|(_, name)| name.clone())
                .collect();
            view(r, children)
        })
        .collect())
}

/// The federation acknowledges an incident of a class it supervises.
pub async fn acknowledge(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &IncidentId,
) -> Result<IncidentView, AppError> {
    let view_scope = user
        .scope(Capability::ViewClasses)
        .ok_or(AppError::NotFound)?;
    let r = store::incidents(&state.db, &view_scope, None, Some(id))
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)?;
    let c = crate::classes::service::visible(state, user, &r.class_id).await?;
    let supervises = user
        .scope(Capability::Supervise)
        .is_some_and(|s| s.strictly_contains(&c.host_path));
    if !supervises {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.begin().await?;
    store::acknowledge(&mut tx, id, &user.display_name, crate::now()).await?;
    audit::record(
        &mut tx,
        &Entry::by(user, "incident.acknowledge", "incident").target(id),
        client,
    )
    .await?;
    tx.commit().await?;
    let r = store::incidents(&state.db, &view_scope, None, Some(id))
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)?;
    let children = store::incident_children(&state.db, id)
        .await?
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    Ok(view(r, children))
}
