//! The OpenAPI document of `/api/v1`: its header, the bearer scheme, and the error answers every
//! operation can give, added in one place so that no operation documents fewer than it answers.

use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::Ref;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::error::{ErrorBody, ErrorCode, ErrorDetail, FailedCheck};

#[derive(OpenApi)]
#[openapi(
    info(title = "tuoguan 职工子女爱心托管 API", version = "1",
         description = "JSON API of tuoguan. Authenticate with `POST /api/v1/auth/token` and send `Authorization: Bearer TOKEN`. Errors are `{\"error\": {\"code\", \"message\", \"fields\"?, \"checks\"?, \"request_id\"?}}` (schema `ErrorBody`)."),
    components(schemas(ErrorBody, ErrorDetail, ErrorCode, FailedCheck)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let comps = api.components.get_or_insert_with(Default::default);
        comps.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The one route that answers without a token.
const PUBLIC: &[&str] = &["/api/v1/auth/token"];

/// Adds to every operation the error answers the middleware and extractors can give, and the
/// error body to every error answer an operation already lists. Run after all routes are merged.
pub fn document_errors(api: &mut utoipa::openapi::OpenApi) {
    for (path, item) in api.paths.paths.iter_mut() {
        let public = PUBLIC.contains(&path.as_str());
        let with_id = path.contains('{');
        let ops = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in ops.into_iter().flatten() {
            document_operation(op, public, with_id);
        }
    }
}

fn document_operation(op: &mut Operation, public: bool, with_id: bool) {
    let checked_input =
        op.request_body.is_some() || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let mut add = |code: &str, what: &str| {
        op.responses
            .responses
            .entry(code.to_string())
            .or_insert_with(|| error_response(what));
    };
    add(
        "400",
        "malformed request: a body, query or header that cannot be read",
    );
    add("500", "internal error; the body carries a request id");
    if !public {
        add("401", "no valid bearer token");
        add("403", "the caller's roles do not give this capability");
    }
    if with_id {
        add(
            "404",
            "no such record in the caller's scope (a malformed id is one too)",
        );
    }
    if checked_input {
        add(
            "422",
            "a field or parameter is invalid; `fields` names each and what to do",
        );
    }
    for (code, r) in op.responses.responses.iter_mut() {
        if let (true, RefOr::T(r)) = (code.starts_with('4') || code.starts_with('5'), r) {
            r.content.insert(
                "application/json".to_string(),
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build()
                    .into(),
            );
            if code == "401" {
                r.headers.insert(
                    "WWW-Authenticate".to_string(),
                    HeaderBuilder::new()
                        .description(Some("Bearer realm=\"tuoguan\""))
                        .build()
                        .into(),
                );
            }
        }
    }
}

fn error_response(what: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(ResponseBuilder::new().description(what).build())
}
