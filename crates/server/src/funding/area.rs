//! The money page of a programme's area (`/programmes/{id}/money`): received and spent by source
//! and category, the units below, the subsidy rules; and the ledger workbook for the browser.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use tuoguan_domain::funding::{Category, RuleKind, Source, yuan};

use super::routes::aside;
use super::{Funds, SubsidyRule, budget, export, rules};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::ids::{IdPath, ProgrammeId};
use crate::programmes::Programme;
use crate::web::{Ctx, render_status};

#[derive(Template)]
#[template(path = "funding/programme.html")]
struct ProgrammePage {
    ctx: Ctx,
    p: Programme,
    f: Funds,
    rules: Vec<SubsidyRule>,
    manages: bool,
    errors: Vec<String>,
}

impl ProgrammePage {
    fn y(&self, fen: &i64) -> String {
        yuan(*fen)
    }
    fn source(&self, s: &Source) -> String {
        self.ctx.t(&format!("source.{s}"))
    }
    fn category(&self, c: &Category) -> String {
        self.ctx.t(&format!("category.{c}"))
    }
    fn kind(&self, k: &RuleKind) -> String {
        self.ctx.t(rules::kind_key(*k))
    }
    /// "（2 批）" after a figure.
    fn count(&self, n: &i64, unit: &str) -> String {
        aside(self.ctx.lang, format!("{n} {}", self.ctx.t(unit)))
    }
    fn pool_left(&self, r: &SubsidyRule) -> String {
        r.pool_left_fen.map_or_else(|| "—".into(), yuan)
    }
}

#[derive(serde::Deserialize)]
pub(super) struct OrgQuery {
    #[serde(default)]
    org_id: Option<String>,
}

pub(super) async fn programme_view(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: &ProgrammeId,
    org: Option<&crate::ids::OrgId>,
    refused: Option<(StatusCode, Vec<String>)>,
) -> Result<Response, AppError> {
    let (p, f) = budget::funds(state, user, id, org).await?;
    let (_, rules) = rules::of_programme(state, user, id).await?;
    let (status, errors) = refused.unwrap_or((StatusCode::OK, Vec::new()));
    let page = ProgrammePage {
        manages: rules::manages(user, &p),
        ctx,
        p,
        f,
        rules,
        errors,
    };
    render_status(status, &page)
}

pub(super) async fn programme_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ProgrammeId>,
    Query(q): Query<OrgQuery>,
) -> Result<Response, AppError> {
    let org = match q.org_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(o) => Some(crate::ids::OrgId::parse(o).ok_or(AppError::NotFound)?),
    };
    programme_view(&state, ctx, &user, &id, org.as_ref(), None).await
}

pub(super) async fn workbook(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    lang: Lang,
    IdPath(id): IdPath<ProgrammeId>,
    Query(q): Query<super::api::LedgerQuery>,
) -> Result<Response, AppError> {
    export::download(&state, &user, &client, lang, &id, &q).await
}
