//! `AppError`: the one error type handlers return, and the middleware that renders it — as the JSON
//! error body of PRODUCT.md §15 under `/api`, as a page in the user's language elsewhere.

use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

use crate::i18n::{Lang, Msg};

/// A field that failed validation and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub msg: Msg,
}

impl FieldError {
    pub fn new(field: &'static str, key: &'static str) -> FieldError {
        FieldError {
            field,
            msg: Msg::new(key),
        }
    }
}

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("not signed in")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("csrf check failed")]
    Csrf,
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    #[error("bad request")]
    BadRequest(Msg),
    #[error("conflict")]
    Conflict(Msg),
    /// What was asked existed and has expired (a questionnaire link after its programme).
    #[error("gone")]
    Gone(Msg),
    #[error("too many attempts")]
    RateLimited { retry_after_secs: i64 },
    /// A step refused by checks of the record (a class's approval checks): every failing check,
    /// by its i18n key, which is also its code.
    #[error("checks failed")]
    ChecksFailed(Vec<&'static str>),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl AppError {
    /// One invalid field.
    pub fn field(field: &'static str, key: &'static str) -> AppError {
        AppError::Validation(vec![FieldError::new(field, key)])
    }

    fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            AppError::Validation(_) | AppError::ChecksFailed(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn payload(&self) -> ErrorPayload {
        use ErrorCode as C;
        let (code, msg) = match self {
            AppError::NotFound => (C::NotFound, Msg::new("error.not_found")),
            AppError::Unauthorized => (C::Unauthorized, Msg::new("error.unauthorized")),
            AppError::Forbidden => (C::Forbidden, Msg::new("error.forbidden")),
            AppError::Csrf => (C::Csrf, Msg::new("error.csrf")),
            AppError::InvalidCredentials => {
                (C::InvalidCredentials, Msg::new("error.invalid_credentials"))
            }
            AppError::Validation(_) => (C::Validation, Msg::new("error.validation")),
            AppError::ChecksFailed(_) => (C::ChecksFailed, Msg::new("error.checks_failed")),
            AppError::BadRequest(m) => (C::BadRequest, m.clone()),
            AppError::Conflict(m) => (C::Conflict, m.clone()),
            AppError::Gone(m) => (C::Gone, m.clone()),
            AppError::RateLimited { retry_after_secs } => (
                C::RateLimited,
                Msg::new("error.rate_limited").arg("minutes", (retry_after_secs + 59) / 60),
            ),
            AppError::Internal(_) => (C::Internal, Msg::new("error.internal")),
        };
        let fields = match self {
            AppError::Validation(f) => f.clone(),
            _ => Vec::new(),
        };
        let checks = match self {
            AppError::ChecksFailed(c) => c.clone(),
            _ => Vec::new(),
        };
        ErrorPayload {
            status: self.status(),
            code,
            msg,
            fields,
            checks,
        }
    }
}

/// What went wrong, as a machine reads it (`error.code` of every error body).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    NotFound,
    Unauthorized,
    Forbidden,
    Csrf,
    InvalidCredentials,
    Validation,
    ChecksFailed,
    BadRequest,
    Conflict,
    Gone,
    RateLimited,
    MethodNotAllowed,
    TooLarge,
    UnsupportedMediaType,
    Internal,
}

/// What the rendering middleware needs to write the error in the caller's language.
#[derive(Debug, Clone)]
pub struct ErrorPayload {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub msg: Msg,
    pub fields: Vec<FieldError>,
    /// The failing checks of [`AppError::ChecksFailed`], by code.
    pub checks: Vec<&'static str>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(e) = &self {
            // The span carries the request id; the user sees only a generic message with it.
            tracing::error!(error = format!("{e:#}"), "internal error");
        }
        let mut res = self.status().into_response();
        if let AppError::RateLimited { retry_after_secs } = &self
            && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res.extensions_mut().insert(self.payload());
        res
    }
}

/// The body of every error answer under `/api` (PRODUCT.md §15).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// In the caller's language (`Accept-Language`, zh-CN first).
    pub message: String,
    /// With `validation`: each invalid field and what to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<std::collections::BTreeMap<&'static str, String>>,
    /// With `checks_failed`: every check that blocks the step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<Vec<FailedCheck>>,
    /// With `internal`: quote it when reporting the problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// One check that blocks a step.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FailedCheck {
    pub code: &'static str,
    pub message: String,
}

impl ErrorDetail {
    /// The JSON detail of `payload` in `lang`.
    pub fn new(payload: &ErrorPayload, lang: Lang, request_id: Option<String>) -> ErrorDetail {
        let fields = (!payload.fields.is_empty()).then(|| {
            payload
                .fields
                .iter()
                .map(|f| (f.field, f.msg.render(lang)))
                .collect()
        });
        let checks = (!payload.checks.is_empty()).then(|| {
            payload
                .checks
                .iter()
                .map(|c| FailedCheck {
                    code: c,
                    message: Msg::new(c).render(lang),
                })
                .collect()
        });
        ErrorDetail {
            code: payload.code,
            message: payload.msg.render(lang),
            fields,
            checks,
            request_id: payload
                .status
                .is_server_error()
                .then_some(request_id)
                .flatten(),
        }
    }
}

fn fallback_payload(status: StatusCode) -> ErrorPayload {
    use ErrorCode as C;
    let (code, key) = match status {
        StatusCode::NOT_FOUND => (C::NotFound, "error.not_found"),
        StatusCode::METHOD_NOT_ALLOWED => (C::MethodNotAllowed, "error.method_not_allowed"),
        StatusCode::PAYLOAD_TOO_LARGE => (C::TooLarge, "error.too_large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (C::UnsupportedMediaType, "error.media_type"),
        StatusCode::UNAUTHORIZED => (C::Unauthorized, "error.unauthorized"),
        StatusCode::FORBIDDEN => (C::Forbidden, "error.forbidden"),
        s if s.is_server_error() => (C::Internal, "error.internal"),
        _ => (C::BadRequest, "error.bad_request"),
    };
    ErrorPayload {
        status,
        code,
        msg: Msg::new(key),
        fields: Vec::new(),
        checks: Vec::new(),
    }
}

/// True for a response a handler rendered itself (a form shown again with its errors).
fn already_rendered(res: &Response) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html") || ct.starts_with("application/json"))
}

/// Turns every error response — ours, axum's rejections, unknown routes — into a localised JSON
/// body under `/api` or an HTML page elsewhere. A 401 on a page becomes a redirect to sign-in.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let lang = Lang::from_parts(&parts);
    let path = parts.uri.path().to_string();
    let target = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let request_id = parts
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let res = next.run(Request::from_parts(parts, body)).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let api = path.starts_with("/api/");
    let payload = match res.extensions().get::<ErrorPayload>() {
        Some(p) => p.clone(),
        None if already_rendered(&res) => return challenge(api, res),
        None => fallback_payload(status),
    };
    let retry_after = res.headers().get(header::RETRY_AFTER).cloned();
    let mut out = if api {
        let body = ErrorBody {
            error: ErrorDetail::new(&payload, lang, request_id),
        };
        (status, axum::Json(body)).into_response()
    } else if status == StatusCode::UNAUTHORIZED {
        let next = serde_urlencoded::to_string([("next", target.as_str())]).unwrap_or_default();
        Redirect::to(&format!("/login?{next}")).into_response()
    } else {
        crate::web::error_page(lang, status, &payload, request_id.as_deref())
    };
    if let Some(v) = retry_after {
        out.headers_mut().insert(header::RETRY_AFTER, v);
    }
    challenge(api, out)
}

/// Every 401 of the API says how to authenticate (RFC 9110 §11.6.1): a bearer token.
fn challenge(api: bool, mut res: Response) -> Response {
    if api && res.status() == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"tuoguan\""),
        );
    }
    res
}

/// `axum::Json` whose rejection is an [`AppError`] naming what is wrong with the body.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

impl From<axum::extract::rejection::JsonRejection> for AppError {
    fn from(r: axum::extract::rejection::JsonRejection) -> Self {
        use axum::extract::rejection::JsonRejection as J;
        match r {
            J::JsonDataError(e) => {
                AppError::BadRequest(Msg::new("error.json_data").arg("detail", e.body_text()))
            }
            J::JsonSyntaxError(_) => AppError::BadRequest(Msg::new("error.json_syntax")),
            J::MissingJsonContentType(_) => {
                AppError::BadRequest(Msg::new("error.json_content_type"))
            }
            _ => AppError::BadRequest(Msg::new("error.bad_request")),
        }
    }
}

/// `axum::extract::Query` with an [`AppError`] rejection.
#[derive(Debug, Clone, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct Query<T>(pub T);

impl From<axum::extract::rejection::QueryRejection> for AppError {
    fn from(r: axum::extract::rejection::QueryRejection) -> Self {
        AppError::BadRequest(Msg::new("error.query").arg("detail", r.body_text()))
    }
}

use axum::extract::FromRequestParts;

impl AppError {
    /// What a refusal says on the form it came from: the status and each message in `lang`, for
    /// a field error (422) or a conflict (409); `None` for anything a page cannot answer itself.
    pub fn on_form(&self, lang: crate::i18n::Lang) -> Option<(StatusCode, Vec<String>)> {
        match self {
            AppError::Validation(f) => Some((
                StatusCode::UNPROCESSABLE_ENTITY,
                f.iter().map(|f| f.msg.render(lang)).collect(),
            )),
            AppError::Conflict(m) => Some((StatusCode::CONFLICT, vec![m.render(lang)])),
            _ => None,
        }
    }
}
