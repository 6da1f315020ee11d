//! 师资 — a class's staff roster: role, phone, and the record that the check required for people
//! working with minors (入职查询, Minors Protection Law art. 62) was done. One person (by mobile
//! number) is on one active roster at a time unless marked part-time.

use serde::{Deserialize, Serialize};
use tuoguan_domain::Phone;
use tuoguan_domain::operating_days::ranges_overlap;

use super::{Class, ClassStatus, service};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::{Capability, CurrentUser, Visible};
use crate::db::{Db, Tx};
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;
use crate::ids::{ClassId, StaffId};
use crate::{on_db, on_tx};

/// Staff roles; `leader` is the class's 负责人.
pub const STAFF_ROLES: [&str; 6] = StaffRole::NAMES;

crate::closed_set! {
    /// What a member of staff does in a class.
    pub enum StaffRole {
        Leader = "leader",
        Teacher = "teacher",
        UnionStaff = "union_staff",
        Volunteer = "volunteer",
        WorkStudy = "work_study",
        SafetyOfficer = "safety_officer",
    }
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct Staff {
    pub id: StaffId,
    #[serde(skip)]
    pub class_id: ClassId,
    pub name: String,
    #[schema(value_type = StaffRole)]
    pub role: String,
    pub phone: String,
    pub part_time: bool,
    /// Date the check for people working with minors was done (YYYY-MM-DD).
    pub check_done_on: Option<String>,
    /// Who did the check.
    pub check_done_by: Option<String>,
    pub active: bool,
    #[serde(skip)]
    pub created_at: i64,
}

/// A person added to the roster.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct StaffInput {
    pub name: String,
    #[schema(value_type = StaffRole)]
    pub role: String,
    pub phone: String,
    #[serde(default)]
    pub part_time: bool,
    #[serde(default)]
    pub check_done_on: Option<String>,
    #[serde(default)]
    pub check_done_by: Option<String>,
}

/// A change to a roster entry (record the check, leave the roster).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct StaffPatch {
    #[serde(default)]
    pub check_done_on: Option<String>,
    #[serde(default)]
    pub check_done_by: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub part_time: Option<bool>,
}

const COLS: &str =
    "id, class_id, name, role, phone, part_time, check_done_on, check_done_by, active, created_at";

/// The roster of a class already read through a scoped query.
pub async fn roster(db: &Db, c: &Class) -> sqlx::Result<Vec<Staff>> {
    let sql = format!(
        "SELECT {COLS} FROM staff WHERE class_id = $1 ORDER BY active DESC, created_at, id"
    );
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(c.id).fetch_all(p).await)
}

/// The rosters of several classes in one query (the home page's paperwork items), by class.
pub async fn rosters(
    db: &Db,
    classes: &[ClassId],
) -> sqlx::Result<std::collections::HashMap<ClassId, Vec<Staff>>> {
    let mut out: std::collections::HashMap<ClassId, Vec<Staff>> = Default::default();
    if classes.is_empty() {
        return Ok(out);
    }
    let rows: Vec<Staff> =
        crate::db::Sql::new(&format!("SELECT {COLS} FROM staff WHERE class_id IN ("))
            .list(classes.iter().copied())
            .push(") ORDER BY class_id, active DESC, created_at, id")
            .fetch_all(db)
            .await?;
    for s in rows {
        out.entry(s.class_id).or_default().push(s);
    }
    Ok(out)
}

async fn insert(tx: &mut Tx, s: &Staff) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO staff (id, class_id, name, role, phone, part_time, check_done_on, check_done_by, \
        active, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,TRUE,$9)";
    on_tx!(tx, x => sqlx::query(SQL).bind(s.id).bind(s.class_id).bind(&s.name).bind(&s.role).bind(&s.phone)
        .bind(s.part_time).bind(&s.check_done_on).bind(&s.check_done_by).bind(s.created_at)
        .execute(&mut *x).await.map(|_| ()))
}

async fn update(tx: &mut Tx, s: &Staff) -> sqlx::Result<()> {
    const SQL: &str = "UPDATE staff SET part_time = $2, check_done_on = $3, check_done_by = $4, active = $5 WHERE id = $1";
    on_tx!(tx, x => sqlx::query(SQL).bind(s.id).bind(s.part_time).bind(&s.check_done_on).bind(&s.check_done_by)
        .bind(s.active).execute(&mut *x).await.map(|_| ()))
}

/// Other active, full-time roster entries of the same person in classes not closed, with their
/// classes' names and dates (the platform-wide check that one person is not in two places).
async fn other_rosters(
    db: &Db,
    phone: &str,
    class_id: &ClassId,
) -> sqlx::Result<Vec<(bool, String, String, String)>> {
    const SQL: &str = "SELECT s.part_time, c.name, c.start_date, c.end_date FROM staff s JOIN classes c ON c.id = s.class_id \
        WHERE s.phone = $1 AND s.active = TRUE AND c.id <> $2 AND c.status <> 'closed'";
    on_db!(db, p => sqlx::query_as(SQL).bind(phone).bind(class_id).fetch_all(p).await)
}

/// The class, if the user keeps its roster.
async fn managed(
    state: &AppState,
    user: &CurrentUser,
    class_id: &ClassId,
) -> Result<Visible<Class>, AppError> {
    let c = service::visible(state, user, class_id).await?;
    let ok = user
        .scope(Capability::ManageStaff)
        .is_some_and(|s| s.contains(&c.host_path));
    if !ok {
        return Err(AppError::Forbidden);
    }
    if c.status() == ClassStatus::Closed {
        return Err(AppError::Conflict(Msg::new("class.not_editable")));
    }
    Ok(c)
}

fn check_date(v: &Option<String>, errors: &mut Vec<FieldError>) -> Option<String> {
    let v = v.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    match chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        Ok(d) if d <= crate::calendar::today() => Some(d.to_string()),
        _ => {
            errors.push(FieldError::new("check_done_on", "staff.check_date_invalid"));
            None
        }
    }
}

async fn overlap_error(
    state: &AppState,
    c: &Class,
    phone: &str,
    part_time: bool,
) -> Result<Option<AppError>, AppError> {
    if part_time {
        return Ok(None);
    }
    let (start, end) = c.dates()?;
    for (other_part_time, name, s, e) in other_rosters(&state.db, phone, &c.id).await? {
        let (Ok(s), Ok(e)) = (
            chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d"),
            chrono::NaiveDate::parse_from_str(&e, "%Y-%m-%d"),
        ) else {
            continue;
        };
        if !other_part_time && ranges_overlap(start, end, s, e) {
            let msg = Msg::new("staff.on_other_roster").arg("class", name);
            return Ok(Some(AppError::Validation(vec![FieldError {
                field: "phone",
                msg,
            }])));
        }
    }
    Ok(None)
}

pub async fn add(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    class_id: &ClassId,
    input: &StaffInput,
) -> Result<Staff, AppError> {
    let c = managed(state, user, class_id).await?;
    let mut errors = Vec::new();
    let name = input.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 50 {
        errors.push(FieldError::new("name", "class.required"));
    }
    if !STAFF_ROLES.contains(&input.role.trim()) {
        errors.push(FieldError::new("role", "staff.role_invalid"));
    }
    let phone = match Phone::parse(&input.phone) {
        Ok(p) => p.as_str().to_string(),
        Err(e) => {
            errors.push(FieldError::new("phone", e.code()));
            String::new()
        }
    };
    let check_done_on = check_date(&input.check_done_on, &mut errors);
    let check_done_by = input
        .check_done_by
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if check_done_on.is_some() != check_done_by.is_some() {
        errors.push(FieldError::new("check_done_by", "staff.check_incomplete"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    if let Some(e) = overlap_error(state, &c, &phone, input.part_time).await? {
        return Err(e);
    }
    let s = Staff {
        id: StaffId::new(),
        class_id: c.id,
        name,
        role: input.role.trim().into(),
        phone,
        part_time: input.part_time,
        check_done_on,
        check_done_by,
        active: true,
        created_at: crate::now(),
    };
    let mut tx = state.db.begin().await?;
    insert(&mut tx, &s).await?;
    audit::record(
        &mut tx,
        &Entry::by(user, "staff.add", "class")
            .target(c.id)
            .detail(format!("{} ({})", s.name, s.role)),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(s)
}

pub async fn change(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    class_id: &ClassId,
    staff_id: &StaffId,
    patch: &StaffPatch,
) -> Result<Staff, AppError> {
    let c = managed(state, user, class_id).await?;
    let current = roster(&state.db, &c)
        .await?
        .into_iter()
        .find(|s| s.id == *staff_id)
        .ok_or(AppError::NotFound)?;
    let mut errors = Vec::new();
    let mut next = current.clone();
    if patch.check_done_on.is_some() || patch.check_done_by.is_some() {
        next.check_done_on = check_date(&patch.check_done_on, &mut errors);
        next.check_done_by = patch
            .check_done_by
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        if next.check_done_on.is_none() || next.check_done_by.is_none() {
            errors.push(FieldError::new("check_done_by", "staff.check_incomplete"));
        }
    }
    if let Some(a) = patch.active {
        next.active = a;
    }
    if let Some(p) = patch.part_time {
        next.part_time = p;
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let rejoins = next.active && (!current.active || (current.part_time && !next.part_time));
    if rejoins && let Some(e) = overlap_error(state, &c, &next.phone, next.part_time).await? {
        return Err(e);
    }
    let mut tx = state.db.begin().await?;
    update(&mut tx, &next).await?;
    audit::record(
        &mut tx,
        &Entry::by(user, "staff.update", "class")
            .target(c.id)
            .detail(next.name.clone()),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(next)
}

/// What a running class lacks (i18n keys): a 负责人, or a completed check for every active person.
pub fn flags(staff: &[Staff]) -> Vec<&'static str> {
    let active: Vec<&Staff> = staff.iter().filter(|s| s.active).collect();
    let mut out = Vec::new();
    if !active.iter().any(|s| s.role == "leader") {
        out.push("staff.no_leader");
    }
    if active.iter().any(|s| s.check_done_on.is_none()) {
        out.push("staff.check_missing");
    }
    out
}
