//! The read model of one class: what its page and its JSON twin show, built once by the domain.

use serde::Serialize;

use super::service;
use super::staff::{self, Staff};
use super::store::{self, ClassDay, ClassEvent};
use super::{Class, ClassView, files};
use crate::app::AppState;
use crate::auth::{CurrentUser, Visible};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::ids::ClassId;
use crate::programmes::{Programme, service as programmes};

/// A finding of the approval checks.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckView {
    pub code: String,
    #[schema(value_type = tuoguan_domain::class_checks::Level)]
    pub level: String,
    pub message: String,
}

/// A class with everything its page shows.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClassDetail {
    #[serde(flatten)]
    pub class: ClassView,
    pub checks: Vec<CheckView>,
    /// What a running class lacks: no 负责人, a missing check for people working with minors.
    pub staff_flags: Vec<String>,
    pub history: Vec<ClassEvent>,
    pub days: Vec<ClassDay>,
    pub files: Vec<files::FileMeta>,
}

/// What the class page and `GET /api/v1/classes/{id}` show, read once: the class (through the
/// caller's scope), its programme, its roster, and the detail both render.
pub struct ClassRead {
    pub class: Visible<Class>,
    pub programme: Programme,
    pub roster: Vec<Staff>,
    pub detail: ClassDetail,
    /// The findings as the domain gives them, for the approval screen's lines.
    pub found: Vec<tuoguan_domain::class_checks::Check>,
}

/// Reads a class and everything its page shows, each row once.
pub async fn read(
    state: &AppState,
    user: &CurrentUser,
    id: &ClassId,
    lang: Lang,
) -> Result<ClassRead, AppError> {
    let c = service::visible(state, user, id).await?;
    let p = programmes::visible(state, user, &c.programme_id).await?;
    let checks = service::checks(state, &c, &p).await?;
    let roster = staff::roster(&state.db, &c).await?;
    let detail = ClassDetail {
        checks: checks
            .iter()
            .map(|k| CheckView {
                code: k.code.to_string(),
                level: format!("{:?}", k.level).to_lowercase(),
                message: lang.t(k.code),
            })
            .collect(),
        // A running (or about to run) class is flagged for what its roster lacks.
        staff_flags: if matches!(
            c.status(),
            super::ClassStatus::Approved | super::ClassStatus::Running
        ) {
            staff::flags(&roster)
                .into_iter()
                .map(|k| lang.t(k))
                .collect()
        } else {
            Vec::new()
        },
        history: store::events(&state.db, &c).await?,
        days: store::days(&state.db, &c).await?,
        files: files::list(&state.db, &c).await?,
        class: service::view(state, &c, &p).await?,
    };
    Ok(ClassRead {
        class: c,
        programme: p,
        roster,
        detail,
        found: checks,
    })
}
