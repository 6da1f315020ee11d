//! A parent's account and their children: self-registration, adding a child with the separate
//! consent, reading (audited), correcting, exporting and deleting a child's data, revealing a
//! full ID number, and the authorised pickup persons.

use serde::{Deserialize, Serialize};
use tuoguan_domain::IdNumber;
use tuoguan_domain::enrolment::{self, RawCell, RosterRow, parse_row};

use super::store::{self, Child, Guardian, Pickup};
use super::{Access, NOTICE_VERSION};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::{Capability, CurrentUser};
use crate::db::Tx;
use crate::error::{AppError, FieldError};
use crate::ids::{ChildId, GuardianId};

/// A child as a guardian enters it (and corrects it: PATCH takes the same fields).
#[derive(Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ChildInput {
    pub name: String,
    #[schema(value_type = tuoguan_domain::enrolment::Gender)]
    pub gender: String,
    /// YYYY-MM-DD
    pub birth_date: String,
    pub school: String,
    /// K, 1–6
    #[schema(value_type = super::GradeName)]
    pub grade: String,
    /// Optional resident ID number (18 characters)
    #[serde(default)]
    pub id_number: Option<String>,
    /// Health notes and allergies
    #[serde(default)]
    pub health_notes: Option<String>,
    /// Emergency contacts besides the guardian
    #[serde(default)]
    pub emergency: Option<String>,
    /// The guardian's relationship to the child (父亲, 母亲, …)
    #[serde(default)]
    pub relationship: String,
    /// The guardian's separate consent to processing the child's personal information, given
    /// after reading the privacy notice of version `NOTICE_VERSION`. Required when adding.
    #[serde(default)]
    pub consent: bool,
}

impl std::fmt::Debug for ChildInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChildInput")
            .field("grade", &self.grade)
            .finish_non_exhaustive()
    }
}

/// A guardian of a child, as the child's record shows them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GuardianLink {
    pub name: String,
    pub phone: String,
    pub relationship: String,
}

/// A consent on record.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsentView {
    pub notice_version: String,
    #[schema(value_type = super::Channel)]
    pub channel: String,
    pub at: String,
}

/// A child's record (儿童信息). The ID number is masked; health notes are shown to the guardian
/// and to the class's staff, who need them.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ChildView {
    pub id: ChildId,
    pub name: String,
    #[schema(value_type = tuoguan_domain::enrolment::Gender)]
    pub gender: String,
    pub birth_date: String,
    pub school: String,
    #[schema(value_type = super::GradeName)]
    pub grade: String,
    /// e.g. 110105********002X
    pub id_number_masked: Option<String>,
    pub health_notes: Option<String>,
    pub emergency: String,
    pub guardians: Vec<GuardianLink>,
    pub consents: Vec<ConsentView>,
    pub pickups: Vec<Pickup>,
    pub applications: Vec<super::applications::ApplicationView>,
    /// The data was deleted at the guardian's request or after the retention period.
    pub anonymised: bool,
}

/// What a guardian downloads (数据导出): the record with the full ID number.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ChildExport {
    #[serde(flatten)]
    pub child: ChildView,
    pub id_number: Option<String>,
    pub exported_at: String,
}

fn aad_id(child_id: &ChildId) -> String {
    format!("children.id_number:{child_id}")
}

fn aad_health(child_id: &ChildId) -> String {
    format!("children.health:{child_id}")
}

/// The guardian record of a parent's account; 403 for an account that is not a parent.
pub async fn my_guardian(state: &AppState, user: &CurrentUser) -> Result<Guardian, AppError> {
    store::guardian_of_user(&state.db, &user.id)
        .await?
        .ok_or(AppError::Forbidden)
}

pub(super) fn text_field(
    v: &str,
    max: usize,
    field: &'static str,
    key: &'static str,
    errors: &mut Vec<FieldError>,
) -> String {
    let v = v.trim();
    if v.is_empty() || v.chars().count() > max {
        errors.push(FieldError::new(field, key));
    }
    v.to_string()
}

/// Validates a child entered by a guardian with the same rules as a roster row.
fn validate(g: &Guardian, input: &ChildInput) -> Result<RosterRow, AppError> {
    let t = |s: &str| RawCell::Text(s.to_string());
    let opt = |s: &Option<String>| s.as_deref().map(t).unwrap_or(RawCell::Empty);
    let cells = [
        t(&input.name),
        t(&input.gender),
        t(&input.birth_date),
        t(&input.school),
        t(&input.grade),
        opt(&input.id_number),
        t(&g.name),
        t(&g.phone),
        t(&input.relationship),
        t(&g.employer),
        opt(&input.health_notes),
        RawCell::Empty,
    ];
    let mut errors: Vec<FieldError> = match parse_row(&cells, crate::calendar::today()) {
        Ok(row) => {
            if input.emergency.as_deref().unwrap_or("").chars().count() > 500 {
                return Err(AppError::field("emergency", "roster.too_long"));
            }
            return Ok(row);
        }
        Err(list) => list
            .into_iter()
            .map(|e| FieldError::new(e.column, e.code))
            .collect(),
    };
    errors.dedup_by(|a, b| a.field == b.field);
    Err(AppError::Validation(errors))
}

/// A child row from a validated roster row; the ID number and health notes are sealed.
pub fn child_from_row(state: &AppState, row: &RosterRow, now: i64) -> Result<Child, AppError> {
    let id = ChildId::new();
    let mut c = Child {
        id,
        name: String::new(),
        gender: String::new(),
        birth_date: String::new(),
        school: String::new(),
        grade: String::new(),
        id_sealed: None,
        id_masked: None,
        health_sealed: None,
        emergency: String::new(),
        dedupe_index: None,
        created_at: now,
        updated_at: now,
        anonymised_at: None,
    };
    apply_row(state, &mut c, row)?;
    Ok(c)
}

fn apply_row(state: &AppState, c: &mut Child, row: &RosterRow) -> Result<(), AppError> {
    c.name = row.name.clone();
    c.gender = row.gender.as_str().to_string();
    c.birth_date = row.birth_date.to_string();
    c.school = row.school.clone();
    c.grade = row.grade.as_str().to_string();
    c.id_sealed = match &row.id_number {
        Some(n) => Some(state.data_key.seal(&aad_id(&c.id), n.as_str())?),
        None => None,
    };
    c.id_masked = row.id_number.as_ref().map(IdNumber::masked);
    c.health_sealed = match row.health_notes.as_str() {
        "" => None,
        notes => Some(state.data_key.seal(&aad_health(&c.id), notes)?),
    };
    let key = enrolment::dedupe_key(row);
    c.dedupe_index = Some(state.data_key.blind_index("child", &key));
    Ok(())
}

/// Adds a child to a parent's account; the consent is recorded in the same transaction, before
/// the record exists for anyone else.
pub async fn add(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    input: &ChildInput,
    channel: &str,
) -> Result<Child, AppError> {
    let g = my_guardian(state, user).await?;
    let row = validate(&g, input);
    if !input.consent {
        let mut errors = match &row {
            Err(AppError::Validation(e)) => e.clone(),
            _ => Vec::new(),
        };
        errors.push(FieldError::new("consent", "child.consent_required"));
        return Err(AppError::Validation(errors));
    }
    let row = row?;
    let now = crate::now();
    let mut c = child_from_row(state, &row, now)?;
    c.emergency = input.emergency.as_deref().unwrap_or("").trim().to_string();
    let mut tx = state.db.begin().await?;
    store::insert_child(&mut tx, &c).await?;
    store::link(&mut tx, &c.id, &g.id, row.relationship.as_str()).await?;
    store::insert_consent(&mut tx, &c.id, &g.id, channel, &user.id, now).await?;
    audit::record(
        &mut tx,
        &Entry::by(user, "child.create", "child")
            .target(c.id)
            .detail(format!("consent to notice {NOTICE_VERSION} via {channel}")),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(c)
}

/// A child the user may see, and how; 404 otherwise.
pub async fn visible(
    state: &AppState,
    user: &CurrentUser,
    id: &ChildId,
) -> Result<(Child, Access), AppError> {
    let view = user.scope(Capability::ViewClasses);
    let (c, guardian) = store::visible_child(&state.db, &user.id, view.as_ref(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        c,
        if guardian {
            Access::Guardian
        } else {
            Access::Unit
        },
    ))
}

/// Whether the user may change a child reached as `access`: its guardian, or a unit that
/// manages enrolment for one of the child's classes.
async fn may_change(
    state: &AppState,
    user: &CurrentUser,
    c: &Child,
    access: Access,
) -> Result<bool, AppError> {
    if access == Access::Guardian {
        return Ok(true);
    }
    let Some(scope) = user.scope(Capability::ManageEnrolment) else {
        return Ok(false);
    };
    Ok(
        store::visible_child(&state.db, &user.id, Some(&scope), &c.id)
            .await?
            .is_some(),
    )
}

fn open_health(state: &AppState, c: &Child) -> Result<Option<String>, AppError> {
    c.health_sealed
        .as_deref()
        .map(|s| {
            state
                .data_key
                .open(&aad_health(&c.id), s)
                .map_err(|_| AppError::Internal(anyhow::anyhow!("a sealed field did not open")))
        })
        .transpose()
}

/// The full record of a child (audited as a view).
pub async fn detail(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &ChildId,
) -> Result<(ChildView, Access), AppError> {
    let (c, access) = visible(state, user, id).await?;
    let view = build_view(state, &c).await?;
    let entry = Entry::by(user, "child.view", "child").target(c.id);
    state.journal.record(&entry, client).await?;
    Ok((view, access))
}

async fn build_view(state: &AppState, c: &Child) -> Result<ChildView, AppError> {
    let guardians = store::guardians_of(&state.db, &c.id).await?;
    let consents = store::consents_of(&state.db, &c.id).await?;
    let pickups = store::pickups_of(&state.db, &c.id).await?;
    let apps = store::applications_of_child(&state.db, &c.id).await?;
    Ok(ChildView {
        id: c.id,
        name: c.name.clone(),
        gender: c.gender.clone(),
        birth_date: c.birth_date.clone(),
        school: c.school.clone(),
        grade: c.grade.clone(),
        id_number_masked: c.id_masked.clone(),
        health_notes: open_health(state, c)?,
        emergency: c.emergency.clone(),
        guardians: guardians
            .into_iter()
            .map(|(name, phone, relationship)| GuardianLink {
                name,
                phone,
                relationship,
            })
            .collect(),
        consents: consents
            .into_iter()
            .map(|(notice_version, channel, at)| ConsentView {
                notice_version,
                channel,
                at: crate::web::pages::rfc3339(at),
            })
            .collect(),
        pickups,
        applications: apps
            .iter()
            .map(super::applications::ApplicationView::new)
            .collect(),
        anonymised: c.anonymised_at.is_some(),
    })
}

/// The full ID number (身份证号查看): roles that need it, audited.
pub async fn reveal(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &ChildId,
) -> Result<Option<String>, AppError> {
    let (c, access) = visible(state, user, id).await?;
    let allowed = access == Access::Guardian
        || match user.scope(Capability::RevealIds) {
            Some(s) => store::visible_child(&state.db, &user.id, Some(&s), &c.id)
                .await?
                .is_some(),
            None => false,
        };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    let plain = open_id(state, &c)?;
    let entry = Entry::by(user, "child.reveal", "child").target(c.id);
    state.journal.record(&entry, client).await?;
    Ok(plain)
}

fn open_id(state: &AppState, c: &Child) -> Result<Option<String>, AppError> {
    c.id_sealed
        .as_deref()
        .map(|s| {
            state
                .data_key
                .open(&aad_id(&c.id), s)
                .map_err(|_| AppError::Internal(anyhow::anyhow!("a sealed field did not open")))
        })
        .transpose()
}

/// The guardian's download of everything kept about the child (audited).
pub async fn export(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &ChildId,
) -> Result<ChildExport, AppError> {
    let (c, access) = visible(state, user, id).await?;
    if access != Access::Guardian {
        return Err(AppError::NotFound);
    }
    let child = build_view(state, &c).await?;
    let id_number = open_id(state, &c)?;
    let entry = Entry::by(user, "child.export", "child").target(c.id);
    state.journal.record(&entry, client).await?;
    Ok(ChildExport {
        child,
        id_number,
        exported_at: crate::web::pages::rfc3339(crate::now()),
    })
}

/// Corrects a child's record (the guardian, or a unit managing one of its classes).
pub async fn correct(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &ChildId,
    input: &ChildInput,
) -> Result<Child, AppError> {
    let (mut c, access) = visible(state, user, id).await?;
    if c.anonymised_at.is_some() {
        return Err(AppError::NotFound);
    }
    if !may_change(state, user, &c, access).await? {
        return Err(AppError::Forbidden);
    }
    // The row is checked with the first guardian's name and phone, as when it was entered.
    let first = store::guardians_of(&state.db, &c.id).await?;
    let (gname, gphone, rel) = first.into_iter().next().unwrap_or_default();
    let g = Guardian {
        id: GuardianId::new(),
        user_id: None,
        name: gname,
        phone: gphone,
        employer: "-".into(),
        member: false,
        priorities: String::new(),
        created_at: 0,
        updated_at: 0,
    };
    let mut input = input.clone();
    if input.relationship.trim().is_empty() {
        input.relationship = rel;
    }
    let row = validate(&g, &input)?;
    apply_row(state, &mut c, &row)?;
    c.emergency = input.emergency.as_deref().unwrap_or("").trim().to_string();
    c.updated_at = crate::now();
    let mut tx = state.db.begin().await?;
    store::update_child(&mut tx, &c).await?;
    audit::record(
        &mut tx,
        &Entry::by(user, "child.update", "child").target(c.id),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(c)
}

/// Removes a child's personal data and keeps the counts: the name becomes 已删除, sealed fields,
/// the school, contacts, pickup persons and guardian links go, the birth date keeps its year; the
/// child's applications keep their status where the class has closed, and are withdrawn elsewhere.
pub async fn anonymise(tx: &mut Tx, c: &mut Child, now: i64, reason: &str) -> Result<(), AppError> {
    let year = c.birth_date.get(..4).unwrap_or("2000").to_string();
    c.name = "已删除".into();
    c.birth_date = format!("{year}-01-01");
    c.school = String::new();
    c.id_sealed = None;
    c.id_masked = None;
    c.health_sealed = None;
    c.emergency = String::new();
    c.dedupe_index = None;
    c.updated_at = now;
    c.anonymised_at = Some(now);
    store::update_child(tx, c).await?;
    store::delete_pickups(tx, &c.id).await?;
    super::applications::withdraw_open_for_deletion(tx, &c.id, reason, now).await?;
    Ok(())
}

/// The guardian's request to delete the child's data (删除).
pub async fn delete(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &ChildId,
) -> Result<(), AppError> {
    let (mut c, access) = visible(state, user, id).await?;
    if access != Access::Guardian || c.anonymised_at.is_some() {
        return Err(AppError::NotFound);
    }
    let now = crate::now();
    let mut tx = state.db.begin().await?;
    anonymise(&mut tx, &mut c, now, "deleted at the guardian's request").await?;
    crate::enrolment::store::unlink_all(&mut tx, &c.id).await?;
    audit::record(
        &mut tx,
        &Entry::by(user, "child.delete", "child").target(c.id),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The children on a parent's account.
pub async fn mine(state: &AppState, user: &CurrentUser) -> Result<Vec<Child>, AppError> {
    Ok(store::children_of_user(&state.db, &user.id).await?)
}

/// The ID number on record, for a correction form that leaves the field empty (never shown).
pub async fn reveal_for_correction(
    state: &AppState,
    user: &CurrentUser,
    id: &ChildId,
) -> Result<Option<String>, AppError> {
    let (c, _) = visible(state, user, id).await?;
    open_id(state, &c)
}
