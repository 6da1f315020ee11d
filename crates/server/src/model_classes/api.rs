//! JSON API of model classes: applications, reviewers and scores, the public notice, objections,
//! the naming and the certificate.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    Application, HandlingInput, ModelApplyInput, Notice, NoticeInput, Objection, ObjectionInput,
    Overview, Reviewer, ReviewerInput, ScoreInput, certificate, notices, service,
};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::CurrentUser;
use crate::error::{AppError, Json};
use crate::ids::{ClassId, IdPath, ModelApplicationId, NoticeId, ObjectionId, ProgrammeId};
use crate::programmes::service as programmes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_overview))
        .routes(routes!(assign_reviewer))
        .routes(routes!(apply))
        .routes(routes!(get_application))
        .routes(routes!(score))
        .routes(routes!(get_certificate))
        .routes(routes!(publish_notice))
        .routes(routes!(get_notice))
        .routes(routes!(add_objection))
        .routes(routes!(handle_objection))
        .routes(routes!(name_classes))
}

/// The programme's model-class applications the caller reads, each with every data criterion
/// (pass/fail with its figures), the reviewers' scores, the mean and the rank; the reviewers, the
/// notice and, for the federation naming, the objections.
#[utoipa::path(get, path = "/api/v1/programmes/{id}/model-classes", tag = "model_classes",
    security(("bearer" = [])), params(("id" = String, Path, description = "programme id")),
    responses((status = 200, body = Overview), (status = 401), (status = 404)))]
async fn get_overview(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<ProgrammeId>,
) -> Result<Json<Overview>, AppError> {
    let p = programmes::visible(&state, &user, &id).await?;
    Ok(Json(service::overview(&state, &user, &p).await?))
}

/// The federation naming assigns an expert reviewer of its area (a user with the expert
/// reviewer role in its subtree) to the programme's applications.
#[utoipa::path(post, path = "/api/v1/programmes/{id}/model-reviewers", tag = "model_classes",
    security(("bearer" = [])), params(("id" = String, Path, description = "programme id")),
    request_body = ReviewerInput,
    responses((status = 200, body = Vec<Reviewer>), (status = 400), (status = 401),
        (status = 403), (status = 404), (status = 422)))]
async fn assign_reviewer(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ProgrammeId>,
    Json(input): Json<ReviewerInput>,
) -> Result<Json<Vec<Reviewer>>, AppError> {
    let p = programmes::visible(&state, &user, &id).await?;
    Ok(Json(
        service::assign(&state, &user, &client, &p, &input.user_id).await?,
    ))
}

/// The class's unit applies, once the class has closed (409 before, or a second time).
#[utoipa::path(post, path = "/api/v1/classes/{id}/model-application", tag = "model_classes",
    security(("bearer" = [])), params(("id" = String, Path, description = "class id")),
    request_body = ModelApplyInput,
    responses((status = 201, body = Application), (status = 400), (status = 401),
        (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn apply(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ClassId>,
    Json(input): Json<ModelApplyInput>,
) -> Result<(StatusCode, Json<Application>), AppError> {
    let aid = service::apply(&state, &user, &client, &id, &input).await?;
    let (_, a) = service::get(&state, &user, &aid).await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// One application with its criteria and scores.
#[utoipa::path(get, path = "/api/v1/model-applications/{id}", tag = "model_classes",
    security(("bearer" = [])), params(("id" = String, Path, description = "application id")),
    responses((status = 200, body = Application), (status = 401), (status = 404)))]
async fn get_application(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<ModelApplicationId>,
) -> Result<Json<Application>, AppError> {
    Ok(Json(service::get(&state, &user, &id).await?.1))
}

/// An assigned reviewer scores against the rubric (safety 30, content 25, staffing 15, families
/// 15, example 15); again to revise, until the notice is published.
#[utoipa::path(put, path = "/api/v1/model-applications/{id}/score", tag = "model_classes",
    security(("bearer" = [])), params(("id" = String, Path, description = "application id")),
    request_body = ScoreInput,
    responses((status = 200, body = Application), (status = 400), (status = 401),
        (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn score(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ModelApplicationId>,
    Json(input): Json<ScoreInput>,
) -> Result<Json<Application>, AppError> {
    Ok(Json(
        service::score(&state, &user, &client, &id, &input).await?,
    ))
}

/// The certificate of a named class, as PDF with its Chinese fonts embedded (409 before naming).
#[utoipa::path(get, path = "/api/v1/model-applications/{id}/certificate.pdf",
    tag = "model_classes", security(("bearer" = [])),
    params(("id" = String, Path, description = "application id")),
    responses((status = 200, description = "the certificate (application/pdf)"), (status = 401),
        (status = 404), (status = 409)))]
async fn get_certificate(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    IdPath(id): IdPath<ModelApplicationId>,
) -> Result<Response, AppError> {
    certificate::response(&state, &user, &headers, &id).await
}

/// The federation publishes its public notice (公示): the applications it proposes (by default
/// the best-ranked eligible ones within the programme's quota), from today for 5–30 days.
#[utoipa::path(post, path = "/api/v1/programmes/{id}/model-notice", tag = "model_classes",
    security(("bearer" = [])), params(("id" = String, Path, description = "programme id")),
    request_body = NoticeInput,
    responses((status = 201, body = Notice), (status = 400), (status = 401), (status = 403),
        (status = 404), (status = 409), (status = 422)))]
async fn publish_notice(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ProgrammeId>,
    Json(input): Json<NoticeInput>,
) -> Result<(StatusCode, Json<Notice>), AppError> {
    let p = programmes::visible(&state, &user, &id).await?;
    let n = notices::publish(&state, &user, &client, &p, &input).await?;
    Ok((StatusCode::CREATED, Json(n)))
}

/// A public notice, without an account: the classes proposed, their hosts, ranks and mean scores,
/// and the period; nothing personal.
#[utoipa::path(get, path = "/api/v1/notices/{id}", tag = "model_classes",
    params(("id" = String, Path, description = "notice id")),
    responses((status = 200, body = Notice), (status = 404)))]
async fn get_notice(
    State(state): State<AppState>,
    IdPath(id): IdPath<NoticeId>,
) -> Result<Json<Notice>, AppError> {
    Ok(Json(notices::public(&state, &id).await?))
}

/// The federation records an objection received during the notice.
#[utoipa::path(post, path = "/api/v1/notices/{id}/objections", tag = "model_classes",
    security(("bearer" = [])), params(("id" = String, Path, description = "notice id")),
    request_body = ObjectionInput,
    responses((status = 201, body = Vec<Objection>), (status = 400), (status = 401),
        (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn add_objection(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<NoticeId>,
    Json(input): Json<ObjectionInput>,
) -> Result<(StatusCode, Json<Vec<Objection>>), AppError> {
    let list = notices::object(&state, &user, &client, &id, &input).await?;
    Ok((StatusCode::CREATED, Json(list)))
}

/// The federation records how it handled an objection (once): upheld keeps the class from
/// being named.
#[utoipa::path(post, path = "/api/v1/objections/{id}/handling", tag = "model_classes",
    security(("bearer" = [])), params(("id" = String, Path, description = "objection id")),
    request_body = HandlingInput,
    responses((status = 200, body = Vec<Objection>), (status = 400), (status = 401),
        (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn handle_objection(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ObjectionId>,
    Json(input): Json<HandlingInput>,
) -> Result<Json<Vec<Objection>>, AppError> {
    Ok(Json(
        notices::handle(&state, &user, &client, &id, &input).await?,
    ))
}

/// After the notice's period, with every objection handled, names the classes proposed that
/// have no upheld objection and pass every criterion (checked again), each with a certificate
/// number; once.
#[utoipa::path(post, path = "/api/v1/notices/{id}/naming", tag = "model_classes",
    security(("bearer" = [])), params(("id" = String, Path, description = "notice id")),
    responses((status = 200, body = Notice), (status = 401), (status = 403), (status = 404),
        (status = 409)))]
async fn name_classes(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<NoticeId>,
) -> Result<Json<Notice>, AppError> {
    Ok(Json(notices::name(&state, &user, &client, &id).await?))
}
