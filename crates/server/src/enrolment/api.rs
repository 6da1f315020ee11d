//! JSON API of parents, children, applications, roster import/export and the lottery.

use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::applications::{self, ApplicationView, Insurance};
use super::children::{self, ChildExport, ChildInput, ChildView};
use super::import::{self, ImportError, ImportReport};
use super::lottery::{self, PublishedDraw, RerunInput, RerunResult};
use super::parents::{self, ParentSignup};
use super::pickups::{self, PickupInput, photo_response};
use super::roster_file::read_roster_upload;
use super::store::{OpenClass, Pickup};
use super::{Decision, export, paperwork, store};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::CurrentUser;
use crate::error::{AppError, Json};
use crate::i18n::{Lang, Msg};
use crate::ids::{ApplicationId, ChildId, ClassId, IdPath, PickupId};
use crate::web::excel;
use crate::web::upload::{file_turns, import_turns};

pub fn router() -> OpenApiRouter<AppState> {
    let import = OpenApiRouter::new().routes(routes!(import_roster)).layer((
        import_turns(),
        DefaultBodyLimit::max(import::MAX_FILE as usize + 64 * 1024),
    ));
    OpenApiRouter::new()
        .routes(routes!(register_parent))
        .routes(routes!(list_children, add_child))
        .routes(routes!(get_child, correct_child, delete_child))
        .routes(routes!(export_child))
        .routes(routes!(reveal_id))
        .routes(routes!(add_pickup))
        .routes(routes!(remove_pickup))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(put_pickup_photo, get_pickup_photo))
                .layer(file_turns()),
        )
        .routes(routes!(open_classes))
        .routes(routes!(apply))
        .routes(routes!(get_application))
        .routes(routes!(decide))
        .routes(routes!(sign_agreement))
        .routes(routes!(record_insurance))
        .routes(routes!(set_attends_from))
        .routes(routes!(class_applications))
        .routes(routes!(roster_template))
        .routes(routes!(export_roster))
        .routes(routes!(list_draws, draw_lots))
        .routes(routes!(rerun_draw))
        .merge(import)
}

/// A parent's new account.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ParentAccount {
    /// The username to sign in with: the mobile number.
    pub username: String,
    pub name: String,
}

/// Registers a parent (no sign-in needed); sign in afterwards with the phone number as username.
#[utoipa::path(post, path = "/api/v1/parents", tag = "enrolment", request_body = ParentSignup,
    responses((status = 201, body = ParentAccount), (status = 422)))]
async fn register_parent(
    State(state): State<AppState>,
    client: Client,
    Json(input): Json<ParentSignup>,
) -> Result<(StatusCode, Json<ParentAccount>), AppError> {
    let g = parents::register(&state, &client, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(ParentAccount {
            username: g.phone,
            name: g.name,
        }),
    ))
}

/// A child in the parent's list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChildSummary {
    pub id: ChildId,
    pub name: String,
    #[schema(value_type = super::GradeName)]
    pub grade: String,
    pub id_number_masked: Option<String>,
}

/// The children on the signed-in parent's account.
#[utoipa::path(get, path = "/api/v1/children", tag = "enrolment", security(("bearer" = [])),
    responses((status = 200, body = [ChildSummary])))]
async fn list_children(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Vec<ChildSummary>>, AppError> {
    let list = children::mine(&state, &user).await?;
    Ok(Json(
        list.into_iter()
            .map(|c| ChildSummary {
                id: c.id,
                name: c.name,
                grade: c.grade,
                id_number_masked: c.id_masked,
            })
            .collect(),
    ))
}

/// Adds a child to the parent's account; `consent: true` records the separate consent to the
/// privacy notice's current version, without which nothing is stored.
#[utoipa::path(post, path = "/api/v1/children", tag = "enrolment", security(("bearer" = [])), request_body = ChildInput,
    responses((status = 201, body = ChildView), (status = 403), (status = 422)))]
async fn add_child(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Json(input): Json<ChildInput>,
) -> Result<(StatusCode, Json<ChildView>), AppError> {
    let c = children::add(&state, &user, &client, &input, "api").await?;
    let (view, _) = children::detail(&state, &user, &client, &c.id).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// A child's record (audited as a view); the ID number is masked.
#[utoipa::path(get, path = "/api/v1/children/{id}", tag = "enrolment", security(("bearer" = [])),
    params(("id" = String, Path, description = "child id")), responses((status = 200, body = ChildView), (status = 404)))]
async fn get_child(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ChildId>,
) -> Result<Json<ChildView>, AppError> {
    Ok(Json(children::detail(&state, &user, &client, &id).await?.0))
}

/// Corrects a child's record (all fields, as when adding; `consent` is not needed).
#[utoipa::path(patch, path = "/api/v1/children/{id}", tag = "enrolment", security(("bearer" = [])),
    params(("id" = String, Path, description = "child id")), request_body = ChildInput,
    responses((status = 200, body = ChildView), (status = 404), (status = 422)))]
async fn correct_child(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ChildId>,
    Json(input): Json<ChildInput>,
) -> Result<Json<ChildView>, AppError> {
    let c = children::correct(&state, &user, &client, &id, &input).await?;
    Ok(Json(
        children::detail(&state, &user, &client, &c.id).await?.0,
    ))
}

/// Deletes the child's personal data at the guardian's request (anonymised; counts stay).
#[utoipa::path(delete, path = "/api/v1/children/{id}", tag = "enrolment", security(("bearer" = [])),
    params(("id" = String, Path, description = "child id")), responses((status = 204), (status = 404)))]
async fn delete_child(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ChildId>,
) -> Result<StatusCode, AppError> {
    children::delete(&state, &user, &client, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Everything kept about the child, for its guardian (audited).
#[utoipa::path(get, path = "/api/v1/children/{id}/export", tag = "enrolment", security(("bearer" = [])),
    params(("id" = String, Path, description = "child id")), responses((status = 200, body = ChildExport), (status = 404)))]
async fn export_child(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ChildId>,
) -> Result<Response, AppError> {
    let data = children::export(&state, &user, &client, &id).await?;
    let mut res = Json(data).into_response();
    res.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"child.json\""),
    );
    Ok(res)
}

/// A full ID number.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Revealed {
    pub id_number: Option<String>,
}

/// Reveals a child's full ID number (guardian, grassroots admin, class manager; audited).
#[utoipa::path(post, path = "/api/v1/children/{id}/reveal", tag = "enrolment", security(("bearer" = [])),
    params(("id" = String, Path, description = "child id")), responses((status = 200, body = Revealed), (status = 403), (status = 404)))]
async fn reveal_id(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ChildId>,
) -> Result<Json<Revealed>, AppError> {
    let id_number = children::reveal(&state, &user, &client, &id).await?;
    Ok(Json(Revealed { id_number }))
}

/// Adds an authorised pickup person (guardian).
#[utoipa::path(post, path = "/api/v1/children/{id}/pickups", tag = "enrolment", security(("bearer" = [])),
    params(("id" = String, Path, description = "child id")), request_body = PickupInput,
    responses((status = 201, body = Pickup), (status = 404), (status = 422)))]
async fn add_pickup(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ChildId>,
    Json(input): Json<PickupInput>,
) -> Result<(StatusCode, Json<Pickup>), AppError> {
    let p = pickups::add_pickup(&state, &user, &client, &id, &input, None).await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// Withdraws a pickup person's authorisation.
#[utoipa::path(delete, path = "/api/v1/children/{id}/pickups/{pickup_id}", tag = "enrolment", security(("bearer" = [])),
    params(("id" = String, Path, description = "child id"), ("pickup_id" = String, Path, description = "pickup person id")),
    responses((status = 204), (status = 404)))]
async fn remove_pickup(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath((id, pickup_id)): IdPath<(ChildId, PickupId)>,
) -> Result<StatusCode, AppError> {
    pickups::remove_pickup(&state, &user, &client, &id, &pickup_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets a pickup person's photo: the body is a PNG, JPEG or WebP (up to 2 MiB), its type taken
/// from its bytes.
#[utoipa::path(put, path = "/api/v1/children/{id}/pickups/{pickup_id}/photo", tag = "enrolment", security(("bearer" = [])),
    params(("id" = String, Path, description = "child id"), ("pickup_id" = String, Path, description = "pickup person id")),
    request_body(content_type = "image/jpeg", content = Vec<u8>),
    responses((status = 204), (status = 404), (status = 422)))]
async fn put_pickup_photo(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath((id, pickup_id)): IdPath<(ChildId, PickupId)>,
    body: axum::body::Body,
) -> Result<StatusCode, AppError> {
    // Read here up to the photo limit, past the app-wide 1 MiB one: a larger body is the same
    // field error as a wrong type, not a bare 413.
    let body = axum::body::to_bytes(body, pickups::MAX_PHOTO + 1)
        .await
        .map_err(|_| AppError::field("photo", "pickup.photo_invalid"))?;
    pickups::set_photo(&state, &user, &client, &id, &pickup_id, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A pickup person's photo (guardian and the class's staff).
#[utoipa::path(get, path = "/api/v1/children/{id}/pickups/{pickup_id}/photo", tag = "enrolment", security(("bearer" = [])),
    params(("id" = String, Path, description = "child id"), ("pickup_id" = String, Path, description = "pickup person id")),
    responses((status = 200, description = "the photo"), (status = 404)))]
async fn get_pickup_photo(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath((id, pickup_id)): IdPath<(ChildId, PickupId)>,
) -> Result<Response, AppError> {
    let (data, _) = pickups::pickup_photo(&state, &user, &id, &pickup_id).await?;
    Ok(photo_response(data))
}

/// Classes open for applications (approved or running, not ended).
#[utoipa::path(get, path = "/api/v1/enrolment/classes", tag = "enrolment", security(("bearer" = [])),
    responses((status = 200, body = [OpenClass])))]
async fn open_classes(
    State(state): State<AppState>,
    _user: CurrentUser,
) -> Result<Json<Vec<OpenClass>>, AppError> {
    let today = crate::calendar::today().to_string();
    Ok(Json(store::open_classes(&state.db, &today).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ApplyInput {
    pub child_id: ChildId,
    pub class_id: ClassId,
}

/// A guardian applies for their child to an open class.
#[utoipa::path(post, path = "/api/v1/applications", tag = "enrolment", security(("bearer" = [])), request_body = ApplyInput,
    responses((status = 201, body = ApplicationView), (status = 404), (status = 409), (status = 422)))]
async fn apply(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Json(input): Json<ApplyInput>,
) -> Result<(StatusCode, Json<ApplicationView>), AppError> {
    let a = applications::apply(&state, &user, &client, &input.child_id, &input.class_id).await?;
    Ok((StatusCode::CREATED, Json(ApplicationView::new(&a))))
}

/// An application (the child's guardian, or the class's unit).
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "enrolment", security(("bearer" = [])),
    params(("id" = String, Path, description = "application id")), responses((status = 200, body = ApplicationView), (status = 404)))]
async fn get_application(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<ApplicationId>,
) -> Result<Json<ApplicationView>, AppError> {
    let (a, _) = applications::visible(&state, &user, &id).await?;
    Ok(Json(ApplicationView::new(&a)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DecisionInput {
    #[schema(value_type = super::Decision)]
    pub decision: String,
    /// Required to reject.
    #[serde(default)]
    pub reason: String,
}

/// The unit accepts, wait-lists, rejects, enrols or withdraws; the guardian may withdraw. An
/// enrolment that lacks the consent, the agreement or valid insurance names what is missing.
#[utoipa::path(post, path = "/api/v1/applications/{id}/decision", tag = "enrolment", security(("bearer" = [])),
    params(("id" = String, Path, description = "application id")), request_body = DecisionInput,
    responses((status = 200, body = ApplicationView), (status = 404), (status = 409), (status = 422)))]
async fn decide(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ApplicationId>,
    Json(input): Json<DecisionInput>,
) -> Result<Json<ApplicationView>, AppError> {
    let d = Decision::parse(input.decision.trim())
        .ok_or_else(|| AppError::field("decision", "application.decision_invalid"))?;
    applications::decide(&state, &user, &client, &id, d, &input.reason).await?;
    let (a, _) = applications::visible(&state, &user, &id).await?;
    Ok(Json(ApplicationView::new(&a)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AgreementInput {
    /// The version of the agreement text being signed (must be the current one).
    pub version: String,
}

/// Signs the care agreement (guardian, click-through) or records a paper one (unit).
#[utoipa::path(post, path = "/api/v1/applications/{id}/agreement", tag = "enrolment", security(("bearer" = [])),
    params(("id" = String, Path, description = "application id")), request_body = AgreementInput,
    responses((status = 200, body = ApplicationView), (status = 404), (status = 422)))]
async fn sign_agreement(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ApplicationId>,
    Json(input): Json<AgreementInput>,
) -> Result<Json<ApplicationView>, AppError> {
    paperwork::sign_agreement(&state, &user, &client, &id, &input.version).await?;
    let (a, _) = applications::visible(&state, &user, &id).await?;
    Ok(Json(ApplicationView::new(&a)))
}

/// Records the child's accident insurance.
#[utoipa::path(put, path = "/api/v1/applications/{id}/insurance", tag = "enrolment", security(("bearer" = [])),
    params(("id" = String, Path, description = "application id")), request_body = Insurance,
    responses((status = 200, body = ApplicationView), (status = 404), (status = 422)))]
async fn record_insurance(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ApplicationId>,
    Json(input): Json<Insurance>,
) -> Result<Json<ApplicationView>, AppError> {
    paperwork::record_insurance(&state, &user, &client, &id, &input).await?;
    let (a, _) = applications::visible(&state, &user, &id).await?;
    Ok(Json(ApplicationView::new(&a)))
}

/// The unit sets the day from which an enrolled child attends (在托起始日): the roll, corrections
/// and the attendance rate count from it. Setting the same day again changes nothing.
#[utoipa::path(put, path = "/api/v1/applications/{id}/attends-from", tag = "enrolment", security(("bearer" = [])),
    params(("id" = String, Path, description = "application id")), request_body = super::span::AttendsFrom,
    responses((status = 200, body = ApplicationView), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn set_attends_from(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ApplicationId>,
    Json(input): Json<super::span::AttendsFrom>,
) -> Result<Json<ApplicationView>, AppError> {
    let a = super::span::set(&state, &user, &client, &id, &input.attends_from).await?;
    Ok(Json(ApplicationView::new(&a)))
}

/// A class's applications (masked ID numbers).
#[utoipa::path(get, path = "/api/v1/classes/{id}/applications", tag = "enrolment", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id")), responses((status = 200, body = [ApplicationView]), (status = 404)))]
async fn class_applications(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
) -> Result<Json<Vec<ApplicationView>>, AppError> {
    let (_, list) = applications::of_class(&state, &user, &id).await?;
    Ok(Json(list.iter().map(ApplicationView::new).collect()))
}

/// The roster template (.xlsx; every column is text).
#[utoipa::path(get, path = "/api/v1/classes/{id}/roster/template", tag = "enrolment", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id")), responses((status = 200, description = "the template"), (status = 404)))]
async fn roster_template(
    State(state): State<AppState>,
    user: CurrentUser,
    lang: Lang,
    IdPath(id): IdPath<ClassId>,
) -> Result<Response, AppError> {
    crate::classes::service::visible(&state, &user, &id).await?;
    Ok(excel::download(export::template(lang)?, "名单模板.xlsx")?)
}

/// The class's roster as .xlsx (masked ID numbers; audited).
#[utoipa::path(get, path = "/api/v1/classes/{id}/roster.xlsx", tag = "enrolment", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id")), responses((status = 200, description = "the roster"), (status = 404)))]
async fn export_roster(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    lang: Lang,
    IdPath(id): IdPath<ClassId>,
) -> Result<Response, AppError> {
    let (c, book) = export::export(&state, &user, &client, &id, lang).await?;
    Ok(excel::download(book, &format!("{} 名单.xlsx", c.name))?)
}

/// Imports a roster (multipart: `file` .xlsx or .csv, `consent_attested` = true). All or
/// nothing: a file with a bad row answers 422 with its bad rows in `error.rows` (the first 500, then
/// a line counting the rest; `error.message` counts them all).
#[utoipa::path(post, path = "/api/v1/classes/{id}/roster/import", tag = "enrolment", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id")), request_body(content_type = "multipart/form-data", content = Object),
    responses((status = 201, body = ImportReport), (status = 404), (status = 422)))]
async fn import_roster(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    lang: Lang,
    IdPath(id): IdPath<ClassId>,
    form: Multipart,
) -> Result<Response, AppError> {
    let upload = read_roster_upload(form).await?;
    let r = import::import(
        &state,
        &user,
        &client,
        &id,
        upload.file,
        upload.consent_attested,
    )
    .await;
    match r {
        Ok(report) => Ok((StatusCode::CREATED, Json(report)).into_response()),
        Err(ImportError::App(e)) => Err(e),
        Err(ImportError::Rows { listed, total }) => Ok(rows_rejected(&listed, total, lang)),
    }
}

/// 422 with the standard error envelope, the listed bad rows and the count of all of them.
pub fn rows_rejected(rows: &[import::RowProblem], total: usize, lang: Lang) -> Response {
    let message = Msg::new("import.rejected").arg("n", total).render(lang);
    let rows: Vec<_> = rows.iter().map(|r| r.view(lang)).collect();
    let body =
        serde_json::json!({"error": {"code": "import_rejected", "message": message, "rows": rows}});
    (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response()
}

/// The class's published draws, newest first.
#[utoipa::path(get, path = "/api/v1/classes/{id}/lottery", tag = "enrolment", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id")), responses((status = 200, body = [PublishedDraw]), (status = 404)))]
async fn list_draws(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
) -> Result<Json<Vec<PublishedDraw>>, AppError> {
    Ok(Json(lottery::of_class(&state, &user, &id).await?))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = LotteryDrawInput)]
pub struct DrawInput {
    /// A text published beforehand (e.g. the date and the day's lottery numbers); a random one
    /// when empty. The seed is its FNV-1a 64 hash.
    #[serde(default)]
    pub seed_text: Option<String>,
}

/// Draws lots among the class's applications for its free places (priority applicants first).
#[utoipa::path(post, path = "/api/v1/classes/{id}/lottery", tag = "enrolment", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id")), request_body = DrawInput,
    responses((status = 201, body = PublishedDraw), (status = 404), (status = 409)))]
async fn draw_lots(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ClassId>,
    Json(input): Json<DrawInput>,
) -> Result<(StatusCode, Json<PublishedDraw>), AppError> {
    let d = lottery::run(&state, &user, &client, &id, input.seed_text.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(d)))
}

/// Re-runs a draw from its published seed, places and applicants; anyone may call it.
#[utoipa::path(post, path = "/api/v1/lottery/rerun", tag = "enrolment", request_body = RerunInput,
    responses((status = 200, body = RerunResult), (status = 422)))]
async fn rerun_draw(Json(input): Json<RerunInput>) -> Result<Json<RerunResult>, AppError> {
    Ok(Json(lottery::rerun(&input)?))
}
