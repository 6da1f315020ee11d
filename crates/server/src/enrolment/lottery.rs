//! 摇号 — the seeded draw when a class's applications exceed its free places. The seed text,
//! the applicant list and the ordered result are stored and published to everyone who sees the
//! class; `POST /api/v1/lottery/rerun` and `tuoguan lottery FILE` re-run any published draw.

use serde::{Deserialize, Serialize};
use tuoguan_domain::enrolment::{Applicant, Draw, draw, seed_from};

use super::{Status, applications, store};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::{Capability, CurrentUser};
use crate::error::AppError;
use crate::ids::ClassId;
use crate::{on_db, on_tx};

/// A published draw: everything needed to re-run it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PublishedDraw {
    pub id: String,
    pub class_id: ClassId,
    /// The text the seed was taken from (FNV-1a 64 of its UTF-8 bytes).
    pub seed_text: String,
    /// The seed, as a decimal string (a u64 exceeds JSON's safe integers).
    pub seed: String,
    pub places: u32,
    pub kindergarten_places: u32,
    /// The applicants, by application id, with their priority and kindergarten flags.
    pub applicants: Vec<Applicant>,
    /// The draw order; then the admitted and the waiting list, in draw order.
    pub order: Vec<String>,
    pub admitted: Vec<String>,
    pub waitlist: Vec<String>,
    pub drawn_at: String,
}

/// What a re-run takes: the seed (or its text), the places and the applicants.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct RerunInput {
    #[serde(default)]
    pub seed_text: Option<String>,
    /// Decimal u64; used when no seed text is given.
    #[serde(default)]
    pub seed: Option<String>,
    pub places: u32,
    #[serde(default)]
    pub kindergarten_places: u32,
    pub applicants: Vec<Applicant>,
}

/// The result of a re-run.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RerunResult {
    pub seed: String,
    pub order: Vec<String>,
    pub admitted: Vec<String>,
    pub waitlist: Vec<String>,
}

/// Re-runs a draw from its inputs; a seed that is not a u64 is named.
pub fn rerun(input: &RerunInput) -> Result<RerunResult, AppError> {
    let seed = match (&input.seed_text, &input.seed) {
        (Some(t), _) => seed_from(t),
        (None, Some(s)) => s
            .trim()
            .parse::<u64>()
            .map_err(|_| AppError::field("seed", "lottery.seed_invalid"))?,
        (None, None) => return Err(AppError::field("seed", "lottery.seed_invalid")),
    };
    if input.applicants.len() > 100_000 {
        return Err(AppError::field("applicants", "lottery.too_many"));
    }
    let d = draw(
        seed,
        input.places,
        input.kindergarten_places,
        &input.applicants,
    );
    Ok(result(&d))
}

fn result(d: &Draw) -> RerunResult {
    RerunResult {
        seed: d.seed.to_string(),
        order: d.order.clone(),
        admitted: d.admitted.clone(),
        waitlist: d.waitlist.clone(),
    }
}

/// Checks a published draw by re-running it: true when the result is the same.
pub fn verify(p: &PublishedDraw) -> bool {
    let input = RerunInput {
        seed_text: Some(p.seed_text.clone()),
        seed: None,
        places: p.places,
        kindergarten_places: p.kindergarten_places,
        applicants: p.applicants.clone(),
    };
    rerun(&input).is_ok_and(|r| {
        r.seed == p.seed
            && r.order == p.order
            && r.admitted == p.admitted
            && r.waitlist == p.waitlist
    })
}

#[derive(sqlx::FromRow)]
struct DrawRow {
    id: String,
    class_id: ClassId,
    seed_text: String,
    seed: String,
    places: i64,
    kindergarten_places: i64,
    applicants: String,
    result: String,
    drawn_at: i64,
}

#[derive(Serialize, Deserialize)]
struct Outcome {
    order: Vec<String>,
    admitted: Vec<String>,
    waitlist: Vec<String>,
}

fn published(r: DrawRow) -> Result<PublishedDraw, AppError> {
    let applicants =
        serde_json::from_str(&r.applicants).map_err(|e| AppError::Internal(e.into()))?;
    let o: Outcome = serde_json::from_str(&r.result).map_err(|e| AppError::Internal(e.into()))?;
    Ok(PublishedDraw {
        id: r.id,
        class_id: r.class_id,
        seed_text: r.seed_text,
        seed: r.seed,
        places: u32::try_from(r.places).unwrap_or(0),
        kindergarten_places: u32::try_from(r.kindergarten_places).unwrap_or(0),
        applicants,
        order: o.order,
        admitted: o.admitted,
        waitlist: o.waitlist,
        drawn_at: crate::web::pages::rfc3339(r.drawn_at),
    })
}

/// The draws of a class the user may see, newest first.
pub async fn of_class(
    state: &AppState,
    user: &CurrentUser,
    class_id: &ClassId,
) -> Result<Vec<PublishedDraw>, AppError> {
    let c = crate::classes::service::visible(state, user, class_id).await?;
    const SQL: &str = "SELECT id, class_id, seed_text, seed, places, kindergarten_places, applicants, result, drawn_at \
                       FROM lottery_draws WHERE class_id = $1 ORDER BY drawn_at DESC, id DESC";
    let rows: Vec<DrawRow> =
        on_db!(&state.db, p => sqlx::query_as(SQL).bind(c.id).fetch_all(p).await)?;
    rows.into_iter().map(published).collect()
}

/// Draws lots among the class's `applied` applications for its free places: the admitted are
/// accepted, the others wait-listed. Applicants who could not take a place for another reason
/// (grade, another class on the same dates, no guardian) stay `applied` and are not drawn.
pub async fn run(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    class_id: &ClassId,
    seed_text: Option<&str>,
) -> Result<PublishedDraw, AppError> {
    let scope = user.require(Capability::ManageEnrolment)?;
    let c = crate::classes::service::in_scope(state, &scope, class_id).await?;
    let seed_text = match seed_text.map(str::trim).filter(|s| !s.is_empty()) {
        Some(t) if t.chars().count() <= 200 => t.to_string(),
        Some(_) => return Err(AppError::field("seed_text", "roster.too_long")),
        None => crate::new_id(),
    };
    let apps = store::applications_of_class(&state.db, &c.id).await?;
    let mut tx = state.db.begin().await?;
    store::lock_class(&mut tx, &c.id).await?;
    let mut pool = Vec::new();
    for a in apps.iter().filter(|a| a.status() == Status::Applied) {
        let child = store::child_in(&mut tx, &a.child_id).await?;
        let blocking = applications::ineligible(&mut tx, a, &child)
            .await?
            .into_iter()
            .any(|e| {
                !matches!(
                    e.msg.key,
                    "enrolment.class_full" | "enrolment.kindergarten_full"
                )
            });
        if !blocking {
            pool.push(a);
        }
    }
    if pool.is_empty() {
        return Err(AppError::Conflict(crate::i18n::Msg::new(
            "lottery.no_applicants",
        )));
    }
    let rules: tuoguan_domain::ProgrammeRules =
        serde_json::from_str(&store::rules_of_class(&mut tx, &c.id).await?)
            .map_err(|e| AppError::Internal(e.into()))?;
    let (taken, k_taken) = store::class_load(&mut tx, &c.id, None).await?;
    let capacity = u32::try_from(c.capacity).unwrap_or(0);
    let places = capacity.saturating_sub(u32::try_from(taken).unwrap_or(u32::MAX));
    let k_places = rules
        .kindergarten_places(capacity)
        .saturating_sub(u32::try_from(k_taken).unwrap_or(u32::MAX));
    let applicants: Vec<Applicant> = pool
        .iter()
        .map(|a| Applicant {
            // The draw is published and re-run as text (the UUID's lowercase form).
            id: a.id.to_string(),
            priority: a.priority,
            kindergarten: a.kindergarten,
        })
        .collect();
    let seed = seed_from(&seed_text);
    let d = draw(seed, places, k_places, &applicants);
    let now = crate::now();
    for a in pool {
        let to = if d.admitted.contains(&a.id.to_string()) {
            Status::Accepted
        } else {
            Status::Waitlisted
        };
        let mut a = a.clone();
        a.status = to;
        a.updated_at = now;
        store::update_application(&mut tx, &a).await?;
    }
    let outcome = Outcome {
        order: d.order.clone(),
        admitted: d.admitted.clone(),
        waitlist: d.waitlist.clone(),
    };
    let row = DrawRow {
        id: crate::new_id(),
        class_id: c.id,
        seed_text,
        seed: seed.to_string(),
        places: i64::from(places),
        kindergarten_places: i64::from(k_places),
        applicants: serde_json::to_string(&applicants).map_err(|e| AppError::Internal(e.into()))?,
        result: serde_json::to_string(&outcome).map_err(|e| AppError::Internal(e.into()))?,
        drawn_at: now,
    };
    const SQL: &str = "INSERT INTO lottery_draws (id, class_id, seed_text, seed, places, kindergarten_places, \
        applicants, result, drawn_by, drawn_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)";
    on_tx!(&mut tx, x => sqlx::query(SQL).bind(&row.id).bind(row.class_id).bind(&row.seed_text).bind(&row.seed)
        .bind(row.places).bind(row.kindergarten_places).bind(&row.applicants).bind(&row.result).bind(user.id)
        .bind(row.drawn_at).execute(&mut *x).await.map(|_| ()))?;
    audit::record(
        &mut tx,
        &Entry::by(user, "lottery.draw", "class")
            .target(c.id)
            .detail(format!(
                "{} applicants, {} places",
                applicants.len(),
                places
            )),
        client,
    )
    .await?;
    tx.commit().await?;
    published(row)
}
