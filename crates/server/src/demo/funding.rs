//! The demo's money (issue 18). Last summer's hospital class (2025) planned its season by source
//! and category (a 300-yuan fee for its 24 children, within the cost the other sources leave),
//! booked what it received and spent with receipts (one payment booked wrong and reversed), and
//! the city's rule 「2025年暑期托管班达标补助」 (the seed 003 bar: 20 children, 20 days, 75%
//! attendance, facilities complete, no incident, 90% satisfied; 10,000 yuan a class) approved it
//! in one batch — the power company's class listed as failing, with its reasons — paid on
//! 2025-09-20, seen as received in the class's budget. This season's running class has its plan
//! and its first receipt, dated the day the demo is loaded. All through the services.

use anyhow::Context;
use axum::http::HeaderMap;
use tuoguan_domain::funding::{Category, RuleKind, RuleTerms, Source};

use super::app_err;
use super::reports::acting;
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::Role;
use crate::funding::{
    ApproveInput, BudgetInput, CategoryAmount, Direction, EntryInput, PaymentInput, ReverseInput,
    RuleInput, SourceAmount, batches, budget, ledger, rules,
};
use crate::ids::{ClassId, LedgerEntryId, ProgrammeId, SubsidyBatchId};
use crate::on_db;
use crate::orgs::Org;
use crate::web::upload::Spooled;

/// Yuan as fen.
const fn y(yuan: i64) -> i64 {
    yuan * 100
}

fn plan(fee: i64, sources: &[(Source, i64)], categories: &[(Category, i64)]) -> BudgetInput {
    BudgetInput {
        fee_fen: y(fee),
        sources: sources
            .iter()
            .map(|(source, v)| SourceAmount {
                source: *source,
                planned_fen: y(*v),
            })
            .collect(),
        categories: categories
            .iter()
            .map(|(category, v)| CategoryAmount {
                category: *category,
                planned_fen: y(*v),
            })
            .collect(),
    }
}

/// One entry: (day, receipt or payment, source, category, fen, counterparty, voucher, summary).
type Line<'a> = (
    &'a str,
    Direction,
    Source,
    Option<Category>,
    i64,
    &'a str,
    &'a str,
    &'a str,
);

const HOSPITAL_2025: &[Line<'static>] = {
    use Category as C;
    use Direction::{Payment as P, Receipt as R};
    use Source as S;
    &[
        (
            "2025-06-28",
            R,
            S::UnitAdmin,
            None,
            y(20_000),
            "市第一人民医院",
            "收-2025-001",
            "单位行政拨付托管经费",
        ),
        (
            "2025-06-30",
            R,
            S::GrassrootsUnion,
            None,
            y(15_000),
            "市第一人民医院工会",
            "收-2025-002",
            "院工会拨付托管经费",
        ),
        (
            "2025-07-01",
            R,
            S::ParentFees,
            None,
            y(7_200),
            "家长",
            "收-2025-003",
            "家长缴费 24 人 × 300 元",
        ),
        (
            "2025-07-01",
            P,
            S::UnitAdmin,
            Some(C::Insurance),
            y(1_200),
            "示例人寿保险公司",
            "付-2025-001",
            "托管儿童意外伤害保险 24 人",
        ),
        (
            "2025-07-31",
            P,
            S::UnitAdmin,
            Some(C::Food),
            y(9_360),
            "示例市放心餐饮配送有限公司",
            "付-2025-002",
            "七月配餐",
        ),
        (
            "2025-07-31",
            P,
            S::GrassrootsUnion,
            Some(C::Allowances),
            y(11_000),
            "工作人员及志愿者",
            "付-2025-003",
            "七月工作人员及志愿者补贴",
        ),
        (
            "2025-08-05",
            P,
            S::GrassrootsUnion,
            Some(C::Materials),
            356_050,
            "示例文具店",
            "付-2025-004",
            "手工材料、绘本等教具",
        ),
        (
            "2025-08-10",
            P,
            S::ParentFees,
            Some(C::Food),
            y(100),
            "示例市放心餐饮配送有限公司",
            "付-2025-005",
            "八月加餐",
        ),
        (
            "2025-08-29",
            P,
            S::UnitAdmin,
            Some(C::Food),
            y(8_640),
            "示例市放心餐饮配送有限公司",
            "付-2025-006",
            "八月配餐",
        ),
        (
            "2025-08-29",
            P,
            S::ParentFees,
            Some(C::Allowances),
            y(7_000),
            "工作人员及志愿者",
            "付-2025-007",
            "八月工作人员及志愿者补贴",
        ),
    ]
};

async fn class_named(
    state: &AppState,
    name: &str,
) -> anyhow::Result<Option<(ClassId, ProgrammeId)>> {
    const SQL: &str = "SELECT id, programme_id FROM classes WHERE name = $1";
    Ok(on_db!(&state.db, c => sqlx::query_as(SQL).bind(name).fetch_optional(c).await)?)
}

fn receipt_pdf(name: &str) -> anyhow::Result<Spooled> {
    Ok(Spooled::from_bytes(name, &super::reports::one_page_pdf())?)
}

/// Books `lines` for the class as its unit; returns the entries' ids in order.
async fn book(
    state: &AppState,
    unit: &Org,
    class: &ClassId,
    lines: &[Line<'_>],
) -> anyhow::Result<Vec<LedgerEntryId>> {
    let me = acting(unit, Role::GrassrootsAdmin);
    let client = Client::default();
    let mut ids = Vec::new();
    for (day, direction, source, category, fen, who, voucher, summary) in lines {
        let input = EntryInput {
            direction: *direction,
            source: *source,
            category: *category,
            amount_fen: *fen,
            occurred_on: (*day).into(),
            counterparty: (*who).into(),
            voucher_no: (*voucher).into(),
            summary: (*summary).into(),
        };
        let stored = ledger::add(state, &me, &client, &HeaderMap::new(), (class, &input))
            .await
            .map_err(app_err)
            .with_context(|| format!("demo entry {summary}"))?;
        let v: serde_json::Value = serde_json::from_str(&stored.body)?;
        let id: LedgerEntryId = v["id"].as_str().context("entry id")?.parse()?;
        if *direction == Direction::Payment && *fen >= y(1_000) {
            let file = receipt_pdf(&format!("{voucher}.pdf"))?;
            ledger::attach(state, &me, &client, &id, file)
                .await
                .map_err(app_err)?;
        }
        ids.push(id);
    }
    Ok(ids)
}

pub(super) async fn load(
    state: &AppState,
    city: &Org,
    units: &[Org],
    day: chrono::NaiveDate,
) -> anyhow::Result<()> {
    let client = Client::default();
    let hospital = &units[0];
    let Some((class, programme)) = class_named(state, super::model_classes::EXEMPLARY).await?
    else {
        return Ok(());
    };
    let me = acting(hospital, Role::GrassrootsAdmin);
    let season = plan(
        300,
        &[
            (Source::UnitAdmin, 22_000),
            (Source::GrassrootsUnion, 15_000),
            (Source::CityUnion, 10_000),
            (Source::ParentFees, 7_200),
        ],
        &[
            (Category::Allowances, 24_000),
            (Category::Food, 18_000),
            (Category::Materials, 4_000),
            (Category::Insurance, 1_200),
            (Category::Services, 6_000),
            (Category::Other, 1_000),
        ],
    );
    budget::put(state, &me, &client, &class, &season)
        .await
        .map_err(app_err)?;
    let ids = book(state, hospital, &class, HOSPITAL_2025).await?;
    // The 100 yuan of 8 August was booked against the wrong money: reversed.
    let reason = ReverseInput {
        reason: "误记：加餐由供餐企业赠送，未实际支付".into(),
    };
    ledger::reverse(state, &me, &client, &HeaderMap::new(), (&ids[7], &reason))
        .await
        .map_err(app_err)?;

    // The city's subsidy, approved and paid.
    let admin = acting(city, Role::FederationAdmin);
    let rule = RuleInput {
        name: "2025年暑期托管班达标补助".into(),
        source: None,
        terms: RuleTerms {
            kind: RuleKind::Criteria,
            min_children: Some(20),
            min_operating_days: Some(20),
            min_attendance_pct: Some(75),
            facilities: true,
            no_incident: true,
            min_satisfaction_pct: Some(90),
            amount_fen: Some(y(10_000)),
            tiers: Vec::new(),
            pool_fen: Some(y(200_000)),
        },
    };
    let rule = rules::create(state, &admin, &client, &programme, &rule)
        .await
        .map_err(app_err)?;
    let stored = batches::approve(
        state,
        &admin,
        &client,
        &HeaderMap::new(),
        (&rule.id, &ApproveInput::default()),
    )
    .await
    .map_err(app_err)
    .context("demo subsidy batch")?;
    let v: serde_json::Value = serde_json::from_str(&stored.body)?;
    let batch: SubsidyBatchId = v["id"].as_str().context("batch id")?.parse()?;
    let pay = PaymentInput {
        paid_on: "2025-09-20".into(),
        voucher_no: "市工财-2025-0920".into(),
        line_ids: Vec::new(),
    };
    batches::pay(state, &admin, &client, &HeaderMap::new(), (&batch, &pay))
        .await
        .map_err(app_err)?;

    // This season's running class: its plan and its first receipt, today.
    let running = running_class(state, &hospital.id).await?;
    if let Some(running) = running {
        let now = plan(
            200,
            &[
                (Source::UnitAdmin, 15_000),
                (Source::GrassrootsUnion, 10_000),
                (Source::ParentFees, 4_000),
            ],
            &[
                (Category::Allowances, 14_000),
                (Category::Food, 12_000),
                (Category::Materials, 2_000),
                (Category::Insurance, 800),
                (Category::Other, 1_200),
            ],
        );
        budget::put(state, &me, &client, &running, &now)
            .await
            .map_err(app_err)?;
        let today = day.to_string();
        let first: [Line<'_>; 1] = [(
            &today,
            Direction::Receipt,
            Source::UnitAdmin,
            None,
            y(15_000),
            "市第一人民医院",
            "收-本期-001",
            "单位行政拨付本期托管经费",
        )];
        book(state, hospital, &running, &first).await?;
    }
    Ok(())
}

/// The hospital's class running today, if any (the living season's).
async fn running_class(
    state: &AppState,
    host: &crate::ids::OrgId,
) -> anyhow::Result<Option<ClassId>> {
    const SQL: &str = "SELECT id FROM classes WHERE host_org_id = $1 AND status = 'running' \
        ORDER BY start_date DESC LIMIT 1";
    Ok(on_db!(&state.db, c => sqlx::query_scalar(SQL).bind(host).fetch_optional(c).await)?)
}
