//! The city's inspections of the season running today: its sample drawn from a published seed and
//! the first class given to 刘洋 (`inspector`), who has it to do; a second class added by hand after
//! a parent's complaint, inspected, with a finding its unit has to fix — so the inspector, the
//! city and the unit each find something on their home page.

use anyhow::Context;
use chrono::NaiveDate;

use super::{app_err, system};
use crate::auth::{AuthVia, CurrentUser, Grant, Role};
use crate::inspections::checklist::{self, Item, LineInput, RecordInput};
use crate::inspections::{AddInput, AssignInput, DrawInput, service};
use crate::orgs::Org;

pub(super) async fn load(
    state: &crate::app::AppState,
    city: &Org,
    day: NaiveDate,
) -> anyhow::Result<()> {
    let client = crate::audit::Client::default();
    let today = day.to_string();
    let p = crate::programmes::service::list(state, &system())
        .await
        .map_err(app_err)?
        .into_iter()
        .filter(|p| p.start_date <= today && today <= p.end_date)
        .max_by(|a, b| a.start_date.cmp(&b.start_date))
        .context("the season running today")?;
    let admin = super::reports::acting(city, Role::FederationAdmin);
    let seed_text = format!("{}年督导抽查 {} {today}", p.year, city.name);
    let input = DrawInput {
        org_id: Some(city.id),
        seed_text,
    };
    let plan = service::draw(state, &admin, &client, &p.id, &input)
        .await
        .map_err(app_err)?;
    const SQL: &str = "SELECT id FROM users WHERE username = 'inspector'";
    let id: crate::ids::UserId =
        crate::on_db!(&state.db, c => sqlx::query_scalar(SQL).fetch_one(c).await)
            .context("inspector")?;
    let liu = CurrentUser {
        id,
        username: "inspector".into(),
        display_name: "刘洋".into(),
        home_org_id: Some(city.id),
        grants: vec![Grant {
            id: crate::ids::GrantId::SYSTEM,
            role: Role::Inspector,
            org_id: Some(city.id),
            org_path: Some(city.path.clone()),
            org_name: Some(city.name.clone()),
        }],
        session_id: String::new(),
        via: AuthVia::Bearer,
    };
    let to_liu = AssignInput {
        inspector_id: Some(liu.id),
    };
    let first = plan.inspections.first().context("a drawn class")?;
    service::assign(state, &admin, &client, &first.id, &to_liu)
        .await
        .map_err(app_err)?;
    let Some(other) = plan
        .candidates
        .iter()
        .find(|c| first.class_id != c.class_id)
    else {
        return Ok(());
    };
    let class_id = other.class_id.parse().context("class id")?;
    let reason = "家长反映午餐分量不足，专项复查".to_string();
    let added = service::add(
        state,
        &admin,
        &client,
        &plan.id,
        &AddInput { class_id, reason },
    )
    .await
    .map_err(app_err)?;
    service::assign(state, &admin, &client, &added.id, &to_liu)
        .await
        .map_err(app_err)?;
    let deadline = (day + chrono::Days::new(7)).to_string();
    let lines = Item::NAMES
        .iter()
        .map(|item| match *item {
            "food" => LineInput {
                item: item.to_string(),
                result: "fail".into(),
                note: "留样记录不全，午餐分量偏少".into(),
                deadline: Some(deadline.clone()),
            },
            _ => LineInput {
                item: item.to_string(),
                result: "pass".into(),
                note: String::new(),
                deadline: None,
            },
        })
        .collect();
    let record = RecordInput {
        lines,
        summary: "整体规范，餐食管理需改进。".into(),
    };
    let lang = crate::i18n::Lang::Zh;
    checklist::record(state, &liu, &client, &added.id, &record, lang)
        .await
        .map_err(app_err)?;
    Ok(())
}
