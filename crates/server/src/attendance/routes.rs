//! Pages of the door: the roll on a phone (its page and taps in `roll_page.rs`; with
//! `static/roll.js` the taps queue on the phone and survive a lost connection), pickup cards,
//! the scan link, the month grid and a child's attendance for the guardian.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{
    Form, Router,
    routing::{get, post},
};
use serde::Deserialize;

use super::family::{self, ChildClass};
use super::grid::day_heading;
use super::metrics::{self, Mark, MonthGrid};
use super::roll::{self, RollChild};
use super::{DayQuery, MonthQuery};
use super::{cards, grid, roll_page};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::CurrentUser;
use crate::classes::{Class, service::visible};
use crate::error::{AppError, Query};
use crate::i18n::Lang;
use crate::ids::{ChildId, ClassId, IdPath};
use crate::web::{Ctx, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(roll_page::router())
        .route(
            "/classes/{id}/roll/manifest.webmanifest",
            get(super::pwa::manifest),
        )
        .route("/roll-sw.js", get(super::pwa::service_worker))
        .route("/classes/{id}/cards", get(cards_page))
        .route("/children/{id}/card/reissue", post(reissue))
        .route("/c/{code}", get(scan))
        .route("/classes/{id}/attendance", get(grid_page))
        .route("/classes/{id}/attendance.xlsx", get(grid_xlsx))
        .route("/children/{id}/attendance", get(child_page))
}

#[derive(Template)]
#[template(path = "attendance/cards.html")]
struct CardsPage {
    ctx: Ctx,
    c: Class,
    cards: Vec<(RollChild, String, String)>,
}

impl CardsPage {
    fn reissue_consequence(&self, child: &str) -> String {
        reissue_consequence(self.ctx.lang, child)
    }
}

async fn cards_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    headers: HeaderMap,
    IdPath(id): IdPath<ClassId>,
) -> Result<Response, AppError> {
    let c = super::operated(&state, &user, &id).await?;
    let roll = roll::roll(&state, &c, crate::calendar::today()).await?;
    let codes = cards::ensure_for_class(&state, &c.id, &user.id).await?;
    let origin = origin(&headers, state.config.secure_cookies);
    let mut list = Vec::new();
    for child in roll.children {
        if let Some((_, code)) = codes.iter().find(|(ch, _)| *ch == child.child_id) {
            let svg = cards::qr_svg(&format!("{origin}/c/{code}"))?;
            list.push((child, code.clone(), svg));
        }
    }
    render(&CardsPage {
        ctx,
        c: c.into_inner(),
        cards: list,
    })
}

/// `http(s)://host` of this request, for links printed on paper.
fn origin(headers: &HeaderMap, secure: bool) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    format!("{}://{host}", if secure { "https" } else { "http" })
}

#[derive(Debug, Deserialize)]
struct ReissueForm {
    class_id: Option<String>,
    /// `1` once the user confirmed: the old card stops working.
    #[serde(default)]
    confirm: Option<String>,
}

/// What reissuing a child's card means: the old card stops working at once.
pub fn reissue_consequence(lang: Lang, child: &str) -> String {
    lang.tf("confirm.reissue", &[("child", child.to_string())])
}

async fn reissue(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ChildId>,
    Form(f): Form<ReissueForm>,
) -> Result<Response, AppError> {
    let class = f.class_id.filter(|c| !c.is_empty());
    if !crate::web::confirm::confirmed(&f.confirm) {
        let name = cards::child_name(&state, &user, &id).await?;
        return crate::web::confirm::ConfirmPage {
            title: ctx.t("cards.reissue"),
            consequence: reissue_consequence(ctx.lang, &name),
            action: format!("/children/{id}/card/reissue"),
            fields: vec![("class_id".into(), class.clone().unwrap_or_default())],
            confirm_label: ctx.t("cards.reissue"),
            back: match &class {
                Some(c) => format!("/classes/{c}/cards#card-{id}"),
                None => format!("/children/{id}"),
            },
            ctx,
        }
        .render();
    }
    cards::reissue(&state, &user, &client, &id).await?;
    let back = match class {
        Some(c) => format!("/classes/{c}/cards?ok=card_reissued#card-{id}"),
        None => format!("/children/{id}?ok=card_reissued"),
    };
    Ok(Redirect::to(&back).into_response())
}

/// A phone's camera opened a card's link: to the child on the roll of the staff's class.
async fn scan(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let (child, _, classes) = cards::holder(&state, &user, &code).await?;
    let class = classes.first().ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&format!("/classes/{class}/roll#c-{child}")).into_response())
}

#[derive(Template)]
#[template(path = "attendance/grid.html")]
struct GridPage {
    ctx: Ctx,
    c: Class,
    g: MonthGrid,
    summary: metrics::Summary,
    prev: String,
    next: String,
}

impl GridPage {
    fn heading(&self, d: &str) -> String {
        day_heading(d)
    }
    fn sign(&self, m: &Mark) -> &'static str {
        m.sign()
    }
    fn rate_line(&self) -> String {
        let key = if self.g.rate.meets_rule {
            "grid.meets"
        } else {
            "grid.fails"
        };
        self.ctx.lang.tf(
            key,
            &[
                ("rate", self.g.rate.rate.clone().unwrap_or("—".into())),
                ("present", self.g.rate.present.to_string()),
                ("expected", self.g.rate.expected.to_string()),
                ("pct", self.g.min_attendance_pct.to_string()),
            ],
        )
    }
}

fn shift_month(month: &str, by: i32) -> String {
    let Some((first, _)) = metrics::month_bounds(month) else {
        return month.to_string();
    };
    let shifted = if by < 0 {
        first.pred_opt()
    } else {
        metrics::month_bounds(month).and_then(|(_, last)| last.succ_opt())
    };
    shifted.map_or(month.to_string(), |d| d.format("%Y-%m").to_string())
}

async fn grid_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, AppError> {
    let c = visible(&state, &user, &id).await?;
    let m = grid::month_for(&c, q.month.as_deref());
    let g = metrics::month(&state, &c, &m, crate::calendar::today()).await?;
    let summary = metrics::summary(&state, &c, crate::calendar::today()).await?;
    render(&GridPage {
        ctx,
        prev: shift_month(&m, -1),
        next: shift_month(&m, 1),
        c: c.into_inner(),
        g,
        summary,
    })
}

async fn grid_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    lang: Lang,
    IdPath(id): IdPath<ClassId>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, AppError> {
    let c = visible(&state, &user, &id).await?;
    grid::download(&state, &c, q.month.as_deref(), lang).await
}

#[derive(Template)]
#[template(path = "attendance/child.html")]
struct ChildPage {
    ctx: Ctx,
    child_id: ChildId,
    classes: Vec<ChildClass>,
}

impl ChildPage {
    fn reason(&self, r: &Option<String>) -> String {
        r.as_deref()
            .map(|r| self.ctx.t(&format!("roll.reason_{r}")))
            .unwrap_or_default()
    }
    fn status(&self, s: &str) -> String {
        self.ctx.t(&format!("roll.status_{s}"))
    }
}

async fn child_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ChildId>,
    _q: Query<DayQuery>,
) -> Result<Response, AppError> {
    let classes = family::of_child(&state, &user, &id).await?;
    render(&ChildPage {
        ctx,
        child_id: id,
        classes,
    })
}
