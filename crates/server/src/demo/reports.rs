//! Last summer's July report gone up the tree: the hospital's and the power company's unions
//! submitted theirs and 东城区 approved them, marked its other units missing and submitted its own,
//! which waits for the city (`city_admin` approves it and reads the roll-up).

use anyhow::Context;

use super::{app_err, system};
use crate::audit::Client;
use crate::auth::{CurrentUser, Grant, Role};

use crate::ids::{GrantId, OrgId};
use crate::orgs::Org;
use crate::programmes::submissions::{self, SubmissionInput};

/// The platform acting with `role` at `org` (audited as `system`).
fn acting(org: &Org, role: Role) -> CurrentUser {
    let mut me = system();
    me.grants = vec![Grant {
        id: GrantId::SYSTEM,
        role,
        org_id: Some(org.id),
        org_path: Some(org.path.clone()),
        org_name: Some(org.name.clone()),
    }];
    me
}

pub(super) async fn july(
    state: &crate::app::AppState,
    district: &Org,
    units: &[Org],
) -> anyhow::Result<()> {
    let client = Client::default();
    let p = crate::programmes::service::list(state, &system())
        .await
        .map_err(app_err)?
        .into_iter()
        .find(|p| p.year == 2026 && p.season().as_str() == "summer")
        .context("last summer's programme")?;
    let m = crate::programmes::milestones_of(&state.db, std::slice::from_ref(&p))
        .await?
        .into_iter()
        .find(|m| m.kind == "monthly_report" && m.due_date == "2026-07-31")
        .context("July's report")?;
    let send = |narrative: &str| SubmissionInput {
        narrative: narrative.into(),
        submit: true,
        ..Default::default()
    };
    let reviewer = acting(district, Role::FederationAdmin);
    for (unit, words) in [
        (
            &units[0],
            "七月托管班按计划运行，家长反馈良好；已落实每日安全巡查和配餐留样。",
        ),
        (&units[1], "七月托管班运行平稳，八月中旬结束。"),
    ] {
        let me = acting(unit, Role::GrassrootsAdmin);
        let s = submissions::save(state, &me, &client, &p.id, &m.id, &send(words))
            .await
            .map_err(app_err)?;
        submissions::review(state, &reviewer, &client, &s.id, true, "")
            .await
            .map_err(app_err)?;
    }
    let taken: Vec<OrgId> = units[..2].iter().map(|u| u.id).collect();
    for unit in units
        .iter()
        .filter(|u| u.parent_id == Some(district.id) && !taken.contains(&u.id))
    {
        crate::reports::service::mark_missing(
            state,
            &reviewer,
            &client,
            (&p.id, &m.id),
            &unit.id,
            "本月未开班",
        )
        .await
        .map_err(app_err)?;
    }
    let words = "东城区七月共两个托管班运行，其余基层工会本月未开班。";
    submissions::save(state, &reviewer, &client, &p.id, &m.id, &send(words))
        .await
        .map_err(app_err)?;
    Ok(())
}
