//! The HTML side: the page context every template gets, rendering, the error page, static assets,
//! and the pages that belong to no domain (home, language, health).

pub mod assets;
pub mod confirm;
pub mod documents;
pub mod excel;
pub mod filetype;
pub mod home;
pub mod nul;
pub mod pages;
pub mod paging;
pub mod stream;
pub mod tone;
pub mod upload;
pub mod when;

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};

use crate::auth::middleware::CsrfToken;
use crate::auth::{Capability, CurrentUser};
use crate::error::ErrorPayload;
use crate::i18n::{Lang, Msg};

/// A link of the top navigation.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    pub current: bool,
}

/// What every page template needs: language, CSRF token, the user, navigation, a flash message.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    pub csrf: String,
    pub user: Option<CurrentUser>,
    pub nav: Vec<NavItem>,
    pub flash: Option<String>,
}

/// Flash messages a redirect may ask for with `?ok=KEY`.
const FLASHES: &[&str] = &[
    "saved",
    "created",
    "password_reset",
    "deactivated",
    "signed_out",
    "deleted",
    "registered",
    "class_submitted",
    "class_approved",
    "class_returned",
    "class_started",
    "class_closed",
    "withdrawn",
    "card_reissued",
    "plan_saved",
    "entry_booked",
    "entry_reversed",
    "rule_saved",
    "batch_approved",
    "batch_paid",
];

impl Ctx {
    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    /// The name of a role, in the page's language.
    pub fn role(&self, role: &crate::auth::Role) -> String {
        self.lang.t(&role.label_key())
    }

    pub fn is_en(&self) -> bool {
        self.lang == Lang::En
    }

    /// The tone (`ok`, `warn`, `bad`, `info`, `muted`) of a state, for `badge badge-{tone}`.
    pub fn tone(&self, kind: &str, value: &str) -> &'static str {
        tone::of(kind, value).as_str()
    }

    /// A person's name as recorded; the platform's own account (`system`) in the page's words.
    pub fn who(&self, name: &str) -> String {
        if name == "system" {
            self.lang.t("actor.system")
        } else {
            name.to_string()
        }
    }

    /// An instant in a sentence, Beijing time: `7月20日 08:07`.
    pub fn prose_time(&self, t: &(impl when::Stamp + ?Sized)) -> String {
        when::prose(t, self.lang)
    }

    /// An instant in a table, Beijing time: `2026-07-20 08:07`.
    pub fn table_time(&self, t: &(impl when::Stamp + ?Sized)) -> String {
        when::table(t)
    }

    fn build(
        lang: Lang,
        csrf: String,
        user: Option<CurrentUser>,
        path: &str,
        ok: Option<&str>,
    ) -> Ctx {
        let mut nav = Vec::new();
        if let Some(u) = &user {
            let mut add = |href: &'static str, key: &str| {
                let current = if href == "/" {
                    path == "/"
                } else {
                    path.starts_with(href)
                };
                nav.push(NavItem {
                    href,
                    label: lang.t(key),
                    current,
                });
            };
            add("/", "nav.home");
            if u.scope(Capability::ViewClasses).is_some()
                || u.scope(Capability::SubmitPlans).is_some()
            {
                add("/programmes", "nav.programmes");
            }
            if u.scope(Capability::ViewOrgs).is_some() {
                add("/orgs", "nav.orgs");
            }
            if u.scope(Capability::ManageUsers).is_some() {
                add("/users", "nav.users");
            }
            if u.scope(Capability::Supervise).is_some() {
                add("/incidents", "nav.incidents");
            }
            if u.scope(Capability::Supervise).is_some() || u.has_role(crate::auth::Role::Inspector)
            {
                add("/inspections", "nav.inspections");
            }
            if u.has_role(crate::auth::Role::Parent) {
                add("/children", "nav.children");
            }
            add("/calendar", "nav.calendar");
            if u.scope(Capability::ReadAudit).is_some() {
                add("/audit", "nav.audit");
            }
        }
        let flash = ok
            .filter(|k| FLASHES.contains(k))
            .map(|k| lang.t(&format!("flash.{k}")));
        Ctx {
            lang,
            csrf,
            user,
            nav,
            flash,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let lang = Lang::from_parts(parts);
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .cloned()
            .unwrap_or_default()
            .0;
        let user = parts.extensions.get::<CurrentUser>().cloned();
        let ok = parts.uri.query().and_then(|q| {
            serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                .ok()?
                .into_iter()
                .find(|(k, _)| k == "ok")
                .map(|(_, v)| v)
        });
        Ok(Ctx::build(
            lang,
            csrf,
            user,
            parts.uri.path(),
            ok.as_deref(),
        ))
    }
}

/// Renders a template as an HTML 200 response.
pub fn render<T: Template>(page: &T) -> Result<Response, crate::AppError> {
    Ok(Html(page.render()?).into_response())
}

/// Renders a template with a status (a form shown again with its errors: 422).
pub fn render_status<T: Template>(
    status: StatusCode,
    page: &T,
) -> Result<Response, crate::AppError> {
    Ok((status, Html(page.render()?)).into_response())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    ctx: Ctx,
    status: u16,
    message: String,
    fields: Vec<(String, String)>,
    request_id: Option<&'a str>,
}

/// The error page in the user's language; never a stack trace, SQL text or file path.
pub fn error_page(
    lang: Lang,
    status: StatusCode,
    p: &ErrorPayload,
    request_id: Option<&str>,
) -> Response {
    let page = ErrorPage {
        ctx: Ctx::build(lang, String::new(), None, "", None),
        status: status.as_u16(),
        message: p.msg.render(lang),
        fields: p
            .fields
            .iter()
            .map(|f| (lang.t(&format!("field.{}", f.field)), f.msg.render(lang)))
            .chain(
                p.checks
                    .iter()
                    .map(|c| (lang.t("field.checks"), Msg::new(c).render(lang))),
            )
            .collect(),
        request_id: status.is_server_error().then_some(request_id).flatten(),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => status.into_response(),
    }
}

/// A form field's error message, if validation flagged it (templates call this).
pub fn field_error(errors: &[crate::error::FieldError], field: &str, lang: Lang) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.msg.render(lang))
}

/// The address people reach this server at, for links printed on paper (QR links, certificates):
/// `TUOGUAN_PUBLIC_URL`, else the scheme and `Host` the request came with.
pub fn public_base(state: &crate::AppState, headers: &axum::http::HeaderMap) -> String {
    if let Some(url) = state.config.public_url.as_deref() {
        return url.trim_end_matches('/').to_string();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("127.0.0.1:8080");
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}
