//! JSON API of questionnaires: the templates, the answers (account and QR link) and the results.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::links::{self, Slip};
use super::results::{self, Results};
use super::{Answering, Audience, Questionnaire, QuestionnaireInput, Receipt, ResponseInput};
use super::{responses, templates};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::CurrentUser;
use crate::error::{AppError, Json};
use crate::ids::{ApplicationId, ClassId, IdPath, ProgrammeId};
use crate::programmes::service as programmes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_questionnaire, put_questionnaire))
        .routes(routes!(get_results))
        .routes(routes!(get_guardian, answer_guardian))
        .routes(routes!(get_host, answer_host))
        .routes(routes!(get_slips))
        .routes(routes!(get_by_link, answer_by_link))
}

/// The version in force of the programme's questionnaire for an audience.
#[utoipa::path(get, path = "/api/v1/programmes/{id}/questionnaires/{audience}",
    tag = "questionnaires", security(("bearer" = [])),
    params(("id" = String, Path, description = "programme id"),
        ("audience" = Audience, Path, description = "guardian or host")),
    responses((status = 200, body = Questionnaire), (status = 401), (status = 404)))]
async fn get_questionnaire(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath((id, audience)): IdPath<(ProgrammeId, Audience)>,
) -> Result<Json<Questionnaire>, AppError> {
    let p = programmes::visible(&state, &user, &id).await?;
    Ok(Json(templates::current(&state.db, &p.id, audience).await?))
}

/// Writes a new version of the questionnaire (the federation that opened the programme, or one
/// above). Responses already given keep the version they answered.
#[utoipa::path(put, path = "/api/v1/programmes/{id}/questionnaires/{audience}",
    tag = "questionnaires", security(("bearer" = [])),
    params(("id" = String, Path, description = "programme id"),
        ("audience" = Audience, Path, description = "guardian or host")),
    request_body = QuestionnaireInput,
    responses((status = 200, body = Questionnaire), (status = 400), (status = 401),
        (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn put_questionnaire(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath((id, audience)): IdPath<(ProgrammeId, Audience)>,
    Json(input): Json<QuestionnaireInput>,
) -> Result<Json<Questionnaire>, AppError> {
    let p = programmes::visible(&state, &user, &id).await?;
    let q = templates::save(&state, &user, &client, &p, audience, &input).await?;
    Ok(Json(q))
}

/// Results for the caller's scope: per class and host unit, the guardians' satisfaction rate
/// ("insufficient responses" below the programme's minimum), the host's rating, the comments.
#[utoipa::path(get, path = "/api/v1/programmes/{id}/questionnaire-results",
    tag = "questionnaires", security(("bearer" = [])),
    params(("id" = String, Path, description = "programme id")),
    responses((status = 200, body = Results), (status = 401), (status = 403), (status = 404)))]
async fn get_results(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<ProgrammeId>,
) -> Result<Json<Results>, AppError> {
    let p = programmes::visible(&state, &user, &id).await?;
    Ok(Json(results::of_programme(&state, &user, &p).await?))
}

/// The guardians' questionnaire for the caller's child's enrolment.
#[utoipa::path(get, path = "/api/v1/applications/{id}/questionnaire", tag = "questionnaires",
    security(("bearer" = [])), params(("id" = String, Path, description = "application id")),
    responses((status = 200, body = Answering), (status = 401), (status = 403), (status = 404)))]
async fn get_guardian(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<ApplicationId>,
) -> Result<Json<Answering>, AppError> {
    let t = responses::for_guardian(&state, &user, &id).await?;
    Ok(Json(responses::answering(&state, &t).await?))
}

/// The guardian answers, once per enrolment, while the class runs or after it closed, until the
/// programme's last day (409 outside, or when already answered).
#[utoipa::path(post, path = "/api/v1/applications/{id}/questionnaire", tag = "questionnaires",
    security(("bearer" = [])), params(("id" = String, Path, description = "application id")),
    request_body = ResponseInput,
    responses((status = 201, body = Receipt), (status = 400), (status = 401), (status = 403),
        (status = 404), (status = 409), (status = 422)))]
async fn answer_guardian(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ApplicationId>,
    Json(input): Json<ResponseInput>,
) -> Result<(StatusCode, Json<Receipt>), AppError> {
    let t = responses::for_guardian(&state, &user, &id).await?;
    let receipt = responses::answer(&state, &user, &client, &t, &input).await?;
    Ok((StatusCode::CREATED, Json(receipt)))
}

/// The host unit's questionnaire for one of its classes.
#[utoipa::path(get, path = "/api/v1/classes/{id}/host-questionnaire", tag = "questionnaires",
    security(("bearer" = [])), params(("id" = String, Path, description = "class id")),
    responses((status = 200, body = Answering), (status = 401), (status = 403), (status = 404)))]
async fn get_host(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
) -> Result<Json<Answering>, AppError> {
    let t = responses::for_host(&state, &user, &id).await?;
    Ok(Json(responses::answering(&state, &t).await?))
}

/// The host unit answers for its class, once.
#[utoipa::path(post, path = "/api/v1/classes/{id}/host-questionnaire", tag = "questionnaires",
    security(("bearer" = [])), params(("id" = String, Path, description = "class id")),
    request_body = ResponseInput,
    responses((status = 201, body = Receipt), (status = 400), (status = 401), (status = 403),
        (status = 404), (status = 409), (status = 422)))]
async fn answer_host(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ClassId>,
    Json(input): Json<ResponseInput>,
) -> Result<(StatusCode, Json<Receipt>), AppError> {
    let t = responses::for_host(&state, &user, &id).await?;
    let receipt = responses::answer(&state, &user, &client, &t, &input).await?;
    Ok((StatusCode::CREATED, Json(receipt)))
}

/// The class's QR slips: one link per enrolled child, for the staff to hand over.
#[utoipa::path(get, path = "/api/v1/classes/{id}/questionnaire-links", tag = "questionnaires",
    security(("bearer" = [])), params(("id" = String, Path, description = "class id")),
    responses((status = 200, body = Vec<Slip>), (status = 401), (status = 403), (status = 404)))]
async fn get_slips(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    IdPath(id): IdPath<ClassId>,
) -> Result<Json<Vec<Slip>>, AppError> {
    let base = crate::web::public_base(&state, &headers);
    Ok(Json(links::sheet(&state, &user, &id, &base).await?.1))
}

/// What a QR link opens, without an account: the class's name and the questionnaire (410 once
/// the programme is over).
#[utoipa::path(get, path = "/api/v1/questionnaire-links/{token}", tag = "questionnaires",
    params(("token" = String, Path, description = "the link's token")),
    responses((status = 200, body = Answering), (status = 404), (status = 410)))]
async fn get_by_link(
    State(state): State<AppState>,
    IdPath(token): IdPath<String>,
) -> Result<Json<Answering>, AppError> {
    let t = links::resolve(&state, &token).await?;
    if t.expired_on(crate::calendar::today()) {
        return Err(AppError::Gone(crate::i18n::Msg::new(
            "questionnaire.link_expired",
        )));
    }
    Ok(Json(responses::answering(&state, &t).await?))
}

/// Answers through a QR link: once per enrolment (409 after), until the programme's last day (410).
#[utoipa::path(post, path = "/api/v1/questionnaire-links/{token}", tag = "questionnaires",
    params(("token" = String, Path, description = "the link's token")),
    request_body = ResponseInput,
    responses((status = 201, body = Receipt), (status = 400), (status = 404), (status = 409),
        (status = 410), (status = 422)))]
async fn answer_by_link(
    State(state): State<AppState>,
    IdPath(token): IdPath<String>,
    Json(input): Json<ResponseInput>,
) -> Result<(StatusCode, Json<Receipt>), AppError> {
    let t = links::resolve(&state, &token).await?;
    let receipt = responses::answer_by_link(&state, &t, &input).await?;
    Ok((StatusCode::CREATED, Json(receipt)))
}
