//! A parent's own account (家长注册): self-registration with the mobile number as username, a
//! `parent` grant without an organisation, and the guardian record their children hang from.

use serde::Deserialize;
use tuoguan_domain::enrolment::Priority;
use tuoguan_domain::{Phone, check_password};

use super::children::text_field;
use super::store::{self, Guardian};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::Role;
use crate::error::{AppError, FieldError};
use crate::ids::{GrantId, GuardianId, UserId};

/// A parent registering themselves (家长注册): the mobile number is the username.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ParentSignup {
    pub phone: String,
    pub name: String,
    pub password: String,
    /// The employer (工作单位), as the parent writes it.
    pub employer: String,
    #[serde(default)]
    pub member: bool,
    /// Priority categories: dual_worker, needy_worker, single_parent, several_children,
    /// model_worker, advanced_worker, new_employment, sanitation
    #[serde(default)]
    pub priorities: Vec<String>,
}

fn priorities_of(list: &[String], errors: &mut Vec<FieldError>) -> String {
    let mut keys = Vec::new();
    for p in list.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        match Priority::parse(p) {
            Some(p) => keys.push(p.as_str()),
            None => errors.push(FieldError::new("priorities", "roster.priority")),
        }
    }
    keys.sort();
    keys.dedup();
    keys.join(",")
}

/// Creates a parent's account and guardian record (self-registration, no sign-in needed).
pub async fn register(
    state: &AppState,
    client: &Client,
    input: &ParentSignup,
) -> Result<Guardian, AppError> {
    let mut errors = Vec::new();
    let phone = match Phone::parse(&input.phone) {
        Ok(p) => p.as_str().to_string(),
        Err(e) => {
            errors.push(FieldError::new("phone", e.code()));
            String::new()
        }
    };
    let name = text_field(&input.name, 50, "name", "roster.name_length", &mut errors);
    let employer = text_field(
        &input.employer,
        100,
        "employer",
        "roster.required",
        &mut errors,
    );
    if let Err(e) = check_password(&input.password, &phone) {
        errors.push(FieldError::new("password", e.code()));
    }
    let priorities = priorities_of(&input.priorities, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let hash = state.hasher.hash(&input.password).await?;
    let now = crate::now();
    let user_id = UserId::new();
    let g = Guardian {
        id: GuardianId::new(),
        user_id: Some(user_id),
        name,
        phone,
        employer,
        member: input.member,
        priorities,
        created_at: now,
        updated_at: now,
    };
    let row = crate::users::NewUserRow {
        id: &user_id,
        username: &g.phone,
        display_name: &g.name,
        password_hash: &hash,
        org_id: None,
        now,
    };
    let mut tx = state.db.begin().await?;
    if let Err(e) = crate::users::insert(&mut tx, &row).await {
        if crate::db::is_unique_violation(&e) {
            return Err(AppError::field("phone", "parent.phone_taken"));
        }
        return Err(e.into());
    }
    let grant = GrantId::new();
    crate::users::insert_role(&mut tx, &grant, &user_id, Role::Parent.as_str(), None, now).await?;
    store::insert_guardian(&mut tx, &g).await?;
    let entry = Entry {
        actor_id: Some(&user_id),
        actor_name: Some(&g.name),
        action: "parent.register",
        target_type: "user",
        target_id: Some(user_id.to_string()),
        detail: String::new(),
    };
    audit::record(&mut tx, &entry, client).await?;
    tx.commit().await?;
    Ok(g)
}
