//! Results of a programme's questionnaires for the caller's scope: each class's satisfaction rate
//! (or "insufficient responses"), its host's overall rating, the same per host unit, and the
//! comments — never with who wrote them.

use std::collections::HashMap;

use serde::Serialize;
use tuoguan_domain::evaluation::{Rating, Satisfaction, satisfaction_of};

use super::{Audience, parse_rating};
use crate::app::AppState;
use crate::auth::{Capability, CurrentUser, Scope};
use crate::db::{Db, Sql};
use crate::error::AppError;
use crate::ids::{ClassId, OrgId, ProgrammeId};
use crate::programmes::Programme;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClassResult {
    pub class_id: ClassId,
    pub class_name: String,
    pub host_org_id: OrgId,
    pub host_name: String,
    /// Children enrolled: the guardians who may answer.
    pub enrolled: i64,
    /// The guardians' responses and rate.
    pub guardian: Satisfaction,
    /// The host unit's overall rating, once it answered.
    pub host: Option<Rating>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitResult {
    pub org_id: OrgId,
    pub name: String,
    pub classes: i64,
    pub enrolled: i64,
    pub guardian: Satisfaction,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Comment {
    pub class_id: ClassId,
    pub class_name: String,
    pub audience: Audience,
    pub comment: String,
    pub at: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Results {
    pub programme_id: ProgrammeId,
    /// Below this many responses a class shows "insufficient responses", not a rate.
    pub min_responses: u32,
    /// The rate a model class needs (SPEC §2: 90%, Anhui).
    pub min_satisfaction_pct: u32,
    pub total: Satisfaction,
    pub classes: Vec<ClassResult>,
    pub units: Vec<UnitResult>,
    /// The latest 500 comments.
    pub comments: Vec<Comment>,
}

/// (responses, satisfied) of the guardians' questionnaire per class of the programme whose host
/// lies in `scope`: one grouped query.
pub async fn guardian_counts(
    db: &Db,
    programme: &ProgrammeId,
    scope: &Scope,
) -> sqlx::Result<HashMap<ClassId, (u32, u32)>> {
    let rows: Vec<(ClassId, i64, i64)> = Sql::new(
        "SELECT r.class_id, COUNT(*), SUM(CASE WHEN r.overall IN ('very_satisfied', 'satisfied') \
         THEN 1 ELSE 0 END) FROM questionnaire_responses r JOIN classes c ON c.id = r.class_id \
         JOIN orgs h ON h.id = c.host_org_id WHERE r.audience = 'guardian' AND r.programme_id = ",
    )
    .bind(*programme)
    .push(" AND ")
    .scope("h.path", scope)
    .push(" GROUP BY r.class_id")
    .fetch_all(db)
    .await?;
    let n = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
    Ok(rows
        .into_iter()
        .map(|(c, total, sat)| (c, (n(total), n(sat))))
        .collect())
}

#[derive(sqlx::FromRow)]
struct ClassRow {
    id: ClassId,
    name: String,
    host_org_id: OrgId,
    host_name: String,
    enrolled: i64,
    host_overall: Option<String>,
}

/// The results of the programme's questionnaires for what the caller sees.
pub async fn of_programme(
    state: &AppState,
    user: &CurrentUser,
    p: &Programme,
) -> Result<Results, AppError> {
    let scope = user
        .scope(Capability::ViewClasses)
        .ok_or(AppError::Forbidden)?;
    let rules = p.rules()?;
    let min = rules.min_satisfaction_responses;
    let classes: Vec<ClassRow> = Sql::new(
        "SELECT c.id, c.name, c.host_org_id, h.name AS host_name, \
         (SELECT COUNT(*) FROM applications a WHERE a.class_id = c.id AND a.status = 'enrolled') \
         AS enrolled, (SELECT r.overall FROM questionnaire_responses r WHERE r.class_id = c.id \
         AND r.audience = 'host') AS host_overall \
         FROM classes c JOIN orgs h ON h.id = c.host_org_id \
         WHERE c.status IN ('running', 'closed') AND c.programme_id = ",
    )
    .bind(p.id)
    .push(" AND ")
    .scope("h.path", &scope)
    .push(" ORDER BY h.name, c.name, c.id")
    .fetch_all(&state.db)
    .await?;
    let counts = guardian_counts(&state.db, &p.id, &scope).await?;
    let (mut all, mut all_sat) = (0, 0);
    let mut units: Vec<UnitResult> = Vec::new();
    let mut unit_counts: Vec<(u32, u32)> = Vec::new();
    let mut out = Vec::with_capacity(classes.len());
    for c in classes {
        let (n, sat) = counts.get(&c.id).copied().unwrap_or((0, 0));
        (all, all_sat) = (all + n, all_sat + sat);
        match units.last_mut() {
            Some(u) if u.org_id == c.host_org_id => {
                u.classes += 1;
                u.enrolled += c.enrolled;
                let last = unit_counts.last_mut().expect("one count per unit");
                *last = (last.0 + n, last.1 + sat);
            }
            _ => {
                units.push(UnitResult {
                    org_id: c.host_org_id,
                    name: c.host_name.clone(),
                    classes: 1,
                    enrolled: c.enrolled,
                    guardian: satisfaction_of(0, 0, min),
                });
                unit_counts.push((n, sat));
            }
        }
        out.push(ClassResult {
            class_id: c.id,
            class_name: c.name,
            host_org_id: c.host_org_id,
            host_name: c.host_name,
            enrolled: c.enrolled,
            guardian: satisfaction_of(n, sat, min),
            host: c.host_overall.as_deref().and_then(parse_rating),
        });
    }
    for (u, (n, sat)) in units.iter_mut().zip(unit_counts) {
        u.guardian = satisfaction_of(n, sat, min);
    }
    let names: HashMap<ClassId, String> = out
        .iter()
        .map(|c| (c.class_id, c.class_name.clone()))
        .collect();
    Ok(Results {
        programme_id: p.id,
        min_responses: min,
        min_satisfaction_pct: rules.min_satisfaction_pct,
        total: satisfaction_of(all, all_sat, min),
        comments: comments(&state.db, &p.id, &scope, &names).await?,
        classes: out,
        units,
    })
}

async fn comments(
    db: &Db,
    programme: &ProgrammeId,
    scope: &Scope,
    names: &HashMap<ClassId, String>,
) -> sqlx::Result<Vec<Comment>> {
    let rows: Vec<(ClassId, String, String, i64)> = Sql::new(
        "SELECT r.class_id, r.audience, r.comment, r.created_at FROM questionnaire_responses r \
         JOIN classes c ON c.id = r.class_id JOIN orgs h ON h.id = c.host_org_id \
         WHERE r.comment <> '' AND r.programme_id = ",
    )
    .bind(*programme)
    .push(" AND ")
    .scope("h.path", scope)
    .push(" ORDER BY r.created_at DESC, r.id LIMIT 500")
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(class_id, audience, comment, at)| {
            Some(Comment {
                class_name: names.get(&class_id)?.clone(),
                class_id,
                audience: Audience::parse(&audience)?,
                comment,
                at,
            })
        })
        .collect())
}
