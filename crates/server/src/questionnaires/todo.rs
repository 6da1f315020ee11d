//! What waits to be answered, for the home page: a guardian's enrolments and a host unit's classes
//! whose questionnaire is open and unanswered. They are asked for from the class's last ten days
//! (or once it closed) until the programme's last day; the form itself opens at the class's start.

use chrono::{Days, NaiveDate};

use crate::app::AppState;
use crate::auth::{Capability, CurrentUser, Role};
use crate::db::Sql;
use crate::error::AppError;
use crate::ids::{ApplicationId, ClassId};

/// How long before a class's last day its questionnaire is asked for.
const ASK_DAYS_BEFORE_END: u64 = 9;

fn days(today: NaiveDate) -> (String, String) {
    let ask_from = today
        .checked_add_days(Days::new(ASK_DAYS_BEFORE_END))
        .unwrap_or(today);
    (today.to_string(), ask_from.to_string())
}

/// The caller's children's enrolments with a guardians' questionnaire to answer.
pub async fn guardian(
    state: &AppState,
    user: &CurrentUser,
    today: NaiveDate,
) -> Result<Vec<ApplicationId>, AppError> {
    if !user.has_role(Role::Parent) {
        return Ok(Vec::new());
    }
    let (today, ask) = days(today);
    Ok(Sql::new(
        "SELECT a.id FROM applications a JOIN child_guardians cg ON cg.child_id = a.child_id \
         JOIN guardians g ON g.id = cg.guardian_id JOIN classes c ON c.id = a.class_id \
         JOIN programmes p ON p.id = c.programme_id \
         WHERE a.status = 'enrolled' AND c.status IN ('running', 'closed') \
         AND (c.status = 'closed' OR c.end_date <= ",
    )
    .bind(ask)
    .push(") AND p.end_date >= ")
    .bind(today)
    .push(
        " AND NOT EXISTS (SELECT 1 FROM questionnaire_responses r WHERE r.application_id = a.id \
           AND r.audience = 'guardian') AND g.user_id = ",
    )
    .bind(user.id)
    .push(" ORDER BY c.end_date, a.id")
    .fetch_all::<(ApplicationId,)>(&state.db)
    .await?
    .into_iter()
    .map(|(id,)| id)
    .collect())
}

/// The classes of the caller's host units with the host's questionnaire to answer.
pub async fn host(
    state: &AppState,
    user: &CurrentUser,
    today: NaiveDate,
) -> Result<Vec<ClassId>, AppError> {
    let Some(scope) = user.scope(Capability::RegisterClasses) else {
        return Ok(Vec::new());
    };
    let (today, ask) = days(today);
    Ok(Sql::new(
        "SELECT c.id FROM classes c JOIN orgs h ON h.id = c.host_org_id \
         JOIN programmes p ON p.id = c.programme_id \
         WHERE c.status IN ('running', 'closed') AND (c.status = 'closed' OR c.end_date <= ",
    )
    .bind(ask)
    .push(") AND p.end_date >= ")
    .bind(today)
    .push(
        " AND NOT EXISTS (SELECT 1 FROM questionnaire_responses r WHERE r.class_id = c.id \
           AND r.audience = 'host') AND ",
    )
    .scope("h.path", &scope)
    .push(" ORDER BY c.end_date, c.id LIMIT 1000")
    .fetch_all::<(ClassId,)>(&state.db)
    .await?
    .into_iter()
    .map(|(id,)| id)
    .collect())
}
