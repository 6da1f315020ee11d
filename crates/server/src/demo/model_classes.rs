//! Last year's model class: the hospital's 2025 summer class, closed, with 24 children enrolled
//! and every day of its season recorded, re-inspected before applying (every line passed), rated
//! by 20 guardians (18 satisfied or very satisfied: 90.00%) and by its host; it applied, 陈静
//! (`expert`) scored it, the city published its notice, handled the one objection received, and
//! named it with certificate 市级示范〔2025〕第001号. Everything dated in 2025, so the demo reads
//! the same on whatever day it is loaded.

use anyhow::Context;

use crate::app::AppState;
use crate::db::Tx;
use crate::ids::{ApplicationId, ClassId, ModelApplicationId, NoticeId, ProgrammeId, UserId};
use crate::model_classes::{Entry, HonourLevel};
use crate::orgs::Org;
use crate::questionnaires::{Audience, templates};
use crate::{on_db, on_tx};

/// The demo's model class: enrolled with more children than the others, its season recorded in
/// full (`enrolment::demo`, `attendance::demo`).
pub const EXEMPLARY: &str = "医院职工子女暑期托管班（2025）";

/// A moment of 2025 in China (UTC+8), as stored.
fn at(day: &str, hour: u32) -> i64 {
    let d = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("a demo date");
    d.and_hms_opt(hour, 0, 0)
        .expect("a demo hour")
        .and_utc()
        .timestamp()
        - 8 * 3600
}

async fn user(state: &AppState, username: &str) -> anyhow::Result<UserId> {
    const SQL: &str = "SELECT id FROM users WHERE username = $1";
    on_db!(&state.db, c => sqlx::query_scalar(SQL).bind(username).fetch_one(c).await)
        .with_context(|| format!("demo user {username}"))
}

async fn exec(tx: &mut Tx, sql: &'static str, args: Vec<crate::db::Arg>) -> anyhow::Result<()> {
    crate::db::Sql::with_args(sql, args).execute(tx).await?;
    Ok(())
}

pub(super) async fn load(state: &AppState, city: &Org) -> anyhow::Result<()> {
    const FIND: &str = "SELECT id, programme_id FROM classes WHERE name = $1";
    let found: Option<(ClassId, ProgrammeId)> =
        on_db!(&state.db, c => sqlx::query_as(FIND).bind(EXEMPLARY).fetch_optional(c).await)?;
    let Some((class, programme)) = found else {
        return Ok(());
    };
    let (inspector, expert, admin) = (
        user(state, "inspector").await?,
        user(state, "expert").await?,
        user(state, "city_admin").await?,
    );
    const ENROLLED: &str =
        "SELECT id FROM applications WHERE class_id = $1 AND status = 'enrolled' ORDER BY id";
    let enrolled: Vec<ApplicationId> =
        on_db!(&state.db, c => sqlx::query_scalar(ENROLLED).bind(class).fetch_all(c).await)?;
    let mut tx = state.db.begin().await?;
    use crate::db::Arg as A;
    let t = |s: &str| A::from(s);
    let id = A::from;
    // The work-study student's check, completed before the application.
    exec(
        &mut tx,
        "UPDATE staff SET check_done_on = '2025-08-20', check_done_by = '区教育局系统查询' \
         WHERE check_done_on IS NULL AND class_id = $1",
        vec![id(class.to_string())],
    )
    .await?;
    // Re-inspected before applying: every line passed.
    let plan = crate::new_id();
    exec(
        &mut tx,
        "INSERT INTO inspection_plans (id, programme_id, org_id, seed_text, coverage_pct, \
         candidates, drawn_by, drawn_at) VALUES ($1, $2, $3, $4, 10, '[]', '李秀英', $5)",
        vec![
            id(plan.clone()),
            id(programme.to_string()),
            id(city.id.to_string()),
            t("2025年暑期督导抽查 示例市总工会"),
            A::from(at("2025-07-20", 9)),
        ],
    )
    .await?;
    let inspection = crate::new_id();
    exec(
        &mut tx,
        "INSERT INTO inspections (id, plan_id, class_id, origin, reason, inspector_id, status, \
         created_at, inspected_at, inspected_by, summary) VALUES ($1, $2, $3, 'added', \
         '示范托管班申报前复查', $4, 'done', $5, $6, '刘洋', '各项均符合要求。')",
        vec![
            id(inspection.clone()),
            id(plan),
            id(class.to_string()),
            id(inspector.to_string()),
            A::from(at("2025-07-20", 9)),
            A::from(at("2025-08-06", 15)),
        ],
    )
    .await?;
    for item in crate::inspections::checklist::Item::NAMES {
        exec(
            &mut tx,
            "INSERT INTO inspection_items (inspection_id, item, result, note, evidence) \
             VALUES ($1, $2, 'pass', '', '')",
            vec![id(inspection.clone()), t(item)],
        )
        .await?;
    }
    // The guardians' questionnaire (the default, version 1) and twenty answers; the host's.
    let (qid, q) = templates::answered_version(&mut tx, &programme, Audience::Guardian)
        .await
        .map_err(super::app_err)?;
    let ratings = [("very_satisfied", 10), ("satisfied", 8), ("neutral", 2)]
        .into_iter()
        .flat_map(|(r, n)| std::iter::repeat_n(r, n));
    let comments = [
        "孩子每天都很开心，老师很负责。",
        "希望明年继续开班。",
        "午餐可以再丰富一些。",
    ];
    for (k, (app, overall)) in enrolled.iter().zip(ratings).enumerate() {
        let answers = serde_json::to_string(&vec![overall; q.questions.len()])?;
        let comment = comments.get(k % 7).copied().unwrap_or("");
        exec(
            &mut tx,
            "INSERT INTO questionnaire_responses (id, questionnaire_id, programme_id, audience, \
             class_id, application_id, respondent_id, channel, overall, answers, comment, \
             created_at) VALUES ($1, $2, $3, 'guardian', $4, $5, NULL, 'link', $6, $7, $8, $9)",
            vec![
                id(crate::new_id()),
                id(qid.clone()),
                id(programme.to_string()),
                id(class.to_string()),
                id(app.to_string()),
                t(overall),
                id(answers),
                t(comment),
                A::from(at("2025-08-25", 18) + k as i64 * 600),
            ],
        )
        .await?;
    }
    let (hid, h) = templates::answered_version(&mut tx, &programme, Audience::Host)
        .await
        .map_err(super::app_err)?;
    exec(
        &mut tx,
        "INSERT INTO questionnaire_responses (id, questionnaire_id, programme_id, audience, \
         class_id, application_id, respondent_id, channel, overall, answers, comment, created_at) \
         VALUES ($1, $2, $3, 'host', $4, NULL, NULL, 'account', 'very_satisfied', $5, \
         '职工反映好，单位将继续提供场地。', $6)",
        vec![
            id(crate::new_id()),
            id(hid),
            id(programme.to_string()),
            id(class.to_string()),
            id(serde_json::to_string(&vec![
                "very_satisfied";
                h.questions.len()
            ])?),
            A::from(at("2025-08-29", 10)),
        ],
    )
    .await?;
    // The application, 陈静's scores, the notice, one objection handled, the naming.
    let application = ModelApplicationId::new();
    exec(
        &mut tx,
        "INSERT INTO model_applications (id, programme_id, class_id, statement, status, \
         applied_by, applied_at, named_at, certificate_no) VALUES ($1, $2, $3, $4, 'named', \
         $5, $6, $7, '市级示范〔2025〕第001号')",
        vec![
            id(application.to_string()),
            id(programme.to_string()),
            id(class.to_string()),
            t(
                "本班依托医院职工之家开设，配备专职负责人和医护志愿者，每日安全巡查、午间测温，\
               开设急救知识、劳模讲堂等课程，家长满意度高。",
            ),
            id(user(state, "hospital_admin").await?.to_string()),
            A::from(at("2025-09-02", 10)),
            A::from(at("2025-10-28", 16)),
        ],
    )
    .await?;
    exec(
        &mut tx,
        "INSERT INTO model_reviewers (programme_id, user_id, assigned_by, assigned_at) \
         VALUES ($1, $2, $3, $4)",
        vec![
            id(programme.to_string()),
            id(expert.to_string()),
            id(admin.to_string()),
            A::from(at("2025-09-10", 9)),
        ],
    )
    .await?;
    exec(
        &mut tx,
        "INSERT INTO model_scores (application_id, reviewer_id, scores, total, comment, \
         scored_at) VALUES ($1, $2, '[28,23,14,14,13]', 92, '安全管理规范，课程有特色。', $3)",
        vec![
            id(application.to_string()),
            id(expert.to_string()),
            A::from(at("2025-10-10", 15)),
        ],
    )
    .await?;
    let notice = NoticeId::new();
    let entries = vec![Entry {
        application_id: application,
        class_name: EXEMPLARY.into(),
        host_name: String::new(),
        rank: 1,
        mean_score: 9200,
    }];
    const HOST: &str = "SELECT o.name FROM classes c JOIN orgs o ON o.id = c.host_org_id \
        WHERE c.id = $1";
    let host: String =
        on_tx!(&mut tx, c => sqlx::query_scalar(HOST).bind(class).fetch_one(&mut *c).await)?;
    let entries: Vec<Entry> = entries
        .into_iter()
        .map(|e| Entry {
            host_name: host.clone(),
            ..e
        })
        .collect();
    const PNAME: &str = "SELECT name FROM programmes WHERE id = $1";
    let pname: String =
        on_tx!(&mut tx, c => sqlx::query_scalar(PNAME).bind(programme).fetch_one(&mut *c).await)?;
    exec(
        &mut tx,
        "INSERT INTO model_notices (id, programme_id, org_id, level, title, entries, starts_on, \
         ends_on, published_by, published_at, named_at) VALUES ($1, $2, $3, $4, $5, $6, \
         '2025-10-20', '2025-10-26', $7, $8, $9)",
        vec![
            id(notice.to_string()),
            id(programme.to_string()),
            id(city.id.to_string()),
            t(HonourLevel::City.as_str()),
            id(format!(
                "关于{pname}拟命名{}的公示",
                HonourLevel::City.title()
            )),
            id(serde_json::to_string(&entries)?),
            id(admin.to_string()),
            A::from(at("2025-10-20", 9)),
            A::from(at("2025-10-28", 16)),
        ],
    )
    .await?;
    exec(
        &mut tx,
        "INSERT INTO model_objections (id, notice_id, application_id, summary, received_on, \
         recorded_by, recorded_at, upheld, handling, handled_by, handled_at) VALUES ($1, $2, $3, \
         '来电反映托管班午餐菜品较单一。', '2025-10-22', $4, $5, FALSE, \
         '经核查，菜谱由合作餐饮单位按营养标准制定并每周公示；已请托管班增加菜品。不影响命名。', $4, $6)",
        vec![id(crate::new_id()), id(notice.to_string()), id(application.to_string()),
            id(admin.to_string()), A::from(at("2025-10-22", 11)),
            A::from(at("2025-10-24", 16))],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
