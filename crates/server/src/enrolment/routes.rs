//! The unit's enrolment page of a class: applications with quick decisions, the roster import
//! (with its row report), template and export downloads, and the lottery with published draws.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{
    Form, Router,
    routing::{get, post},
};
use serde::Deserialize;

use super::applications::{self, ApplicationView};
use super::import::{self, ImportError, RowProblemView};
use super::lottery::{self, PublishedDraw};
use super::roster_file::read_roster_upload;
use super::{Decision, Status, export};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::CurrentUser;
use crate::classes::Class;
use crate::error::{AppError, FieldError};
use crate::i18n::Lang;
use crate::ids::{ApplicationId, ClassId, IdPath};
use crate::web::upload::import_turns;
use crate::web::{Ctx, excel, field_error, render, render_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/classes/{id}/enrolment", get(show))
        .route(
            "/classes/{id}/enrolment/import",
            post(import_roster).layer((
                import_turns(),
                DefaultBodyLimit::max(import::MAX_FILE as usize + 64 * 1024),
            )),
        )
        .route("/classes/{id}/enrolment/lottery", post(draw))
        .route("/classes/{id}/roster-template.xlsx", get(template))
        .route("/classes/{id}/roster.xlsx", get(export))
}

#[derive(Template)]
#[template(path = "enrolment/class.html")]
struct EnrolmentPage {
    ctx: Ctx,
    c: Class,
    apps: Vec<ApplicationView>,
    taken: usize,
    k_places: u32,
    manages: bool,
    draws: Vec<(PublishedDraw, bool)>,
    problems: Vec<RowProblemView>,
    /// Problems of the refused file, also those past the listed ones.
    problem_total: usize,
    imported: Option<String>,
    errors: Vec<FieldError>,
}

impl EnrolmentPage {
    fn status(&self, s: &Status) -> String {
        self.ctx.t(applications::status_key(*s))
    }
    fn grade(&self, g: &str) -> String {
        super::parent_routes::grade_label(&self.ctx, g)
    }
    fn taken_line(&self) -> String {
        self.ctx.lang.tf(
            "enrolment.taken",
            &[
                ("taken", self.taken.to_string()),
                ("capacity", self.c.capacity.to_string()),
                ("k", self.k_places.to_string()),
            ],
        )
    }
    fn quick(&self, a: &ApplicationView) -> Vec<&'static str> {
        [
            ("accept", Decision::Accept),
            ("waitlist", Decision::Waitlist),
            ("enrol", Decision::Enrol),
        ]
        .into_iter()
        .filter(|(_, d)| self.manages && d.allowed_from(a.status))
        .map(|(n, _)| n)
        .collect()
    }
    fn draw_line(&self, d: &PublishedDraw) -> String {
        self.ctx.lang.tf(
            "enrolment.draw_result",
            &[
                ("seed_text", d.seed_text.clone()),
                ("seed", d.seed.clone()),
                ("places", d.places.to_string()),
                ("admitted", d.admitted.len().to_string()),
                ("waitlist", d.waitlist.len().to_string()),
            ],
        )
    }
    fn name_of(&self, app_id: &str) -> String {
        let id = ApplicationId::parse(app_id);
        self.apps
            .iter()
            .find(|a| Some(a.id) == id)
            .map(|a| a.child_name.clone())
            .unwrap_or_else(|| app_id.to_string())
    }
    fn err(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field, self.ctx.lang)
    }
    fn rejected_line(&self) -> String {
        self.ctx
            .lang
            .tf("import.rejected", &[("n", self.problem_total.to_string())])
    }
    fn error_messages(&self) -> Vec<String> {
        self.errors
            .iter()
            .map(|e| e.msg.render(self.ctx.lang))
            .collect()
    }
}

async fn page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: &ClassId,
    problems: Vec<RowProblemView>,
    imported: Option<String>,
    errors: Vec<FieldError>,
) -> Result<EnrolmentPage, AppError> {
    let (c, list) = applications::of_class(state, user, id).await?;
    let manages = applications::manages(state, user, &c.id).await?;
    let draws = lottery::of_class(state, user, &c.id)
        .await?
        .into_iter()
        .map(|d| {
            let ok = lottery::verify(&d);
            (d, ok)
        })
        .collect();
    let p = crate::programmes::service::visible(state, user, &c.programme_id).await?;
    let k_places = p
        .rules()?
        .kindergarten_places(u32::try_from(c.capacity).unwrap_or(0));
    let apps: Vec<ApplicationView> = list.iter().map(ApplicationView::new).collect();
    Ok(EnrolmentPage {
        ctx,
        taken: apps.iter().filter(|a| a.status.holds_place()).count(),
        c,
        apps,
        k_places,
        manages,
        draws,
        problems,
        problem_total: 0,
        imported,
        errors,
    })
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
) -> Result<Response, AppError> {
    render(&page(&state, ctx, &user, &id, Vec::new(), None, Vec::new()).await?)
}

async fn import_roster(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ClassId>,
    form: Multipart,
) -> Result<Response, AppError> {
    let lang: Lang = ctx.lang;
    let r = match read_roster_upload(form).await {
        Ok(up) => import::import(&state, &user, &client, &id, up.file, up.consent_attested).await,
        Err(e) => Err(ImportError::App(e)),
    };
    match r {
        Ok(rep) => {
            let msg = lang.tf(
                "enrolment.imported",
                &[
                    ("rows", rep.rows.to_string()),
                    ("created", rep.created.to_string()),
                    ("unchanged", rep.unchanged.to_string()),
                ],
            );
            render(&page(&state, ctx, &user, &id, Vec::new(), Some(msg), Vec::new()).await?)
        }
        Err(ImportError::Rows { listed, total }) => {
            let views = listed.iter().map(|r| r.view(lang)).collect();
            let mut refused = page(&state, ctx, &user, &id, views, None, Vec::new()).await?;
            refused.problem_total = total;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &refused)
        }
        Err(ImportError::App(AppError::Validation(errors))) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&state, ctx, &user, &id, Vec::new(), None, errors).await?,
        ),
        Err(ImportError::App(e)) => Err(e),
    }
}

#[derive(Debug, Deserialize)]
struct DrawForm {
    #[serde(default)]
    seed_text: String,
}

async fn draw(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ClassId>,
    Form(f): Form<DrawForm>,
) -> Result<Response, AppError> {
    match lottery::run(&state, &user, &client, &id, Some(&f.seed_text)).await {
        Ok(_) => Ok(Redirect::to(&format!("/classes/{id}/enrolment?ok=saved")).into_response()),
        Err(AppError::Conflict(msg)) => render_status(
            StatusCode::CONFLICT,
            &page(
                &state,
                ctx,
                &user,
                &id,
                Vec::new(),
                None,
                vec![FieldError {
                    field: "seed_text",
                    msg,
                }],
            )
            .await?,
        ),
        Err(AppError::Validation(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&state, ctx, &user, &id, Vec::new(), None, errors).await?,
        ),
        Err(e) => Err(e),
    }
}

async fn template(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
) -> Result<Response, AppError> {
    crate::classes::service::visible(&state, &user, &id).await?;
    Ok(excel::download(
        export::template(ctx.lang)?,
        "名单模板.xlsx",
    )?)
}

async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ClassId>,
) -> Result<Response, AppError> {
    let (c, book) = export::export(&state, &user, &client, &id, ctx.lang).await?;
    Ok(excel::download(book, &format!("{} 名单.xlsx", c.name))?)
}
