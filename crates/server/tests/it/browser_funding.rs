//! Money in Chromium (issue 18), budget to subsidy: the hospital's unit opens its running class's
//! money from the class page, plans the season in yuan as people type them (`1,234.50`), books a
//! food payment with its receipt uploaded from the phone's file picker, is refused union money for
//! the children's insurance (the page names the rule and keeps what was typed), books it from the
//! right money after all and then reverses it with a reason; the city writes a subsidy rule the
//! class meets, sees the class approved with its evidence, approves the batch and records the
//! payment; the unit sees the subsidy received under 市总工会补助. Then the same pages on a 360 px
//! phone: nothing wider than the screen, axe clean.

use fantoccini::{Client, Locator};
use serde_json::json;

use crate::both;
use crate::browser::{browser, click, fill, shot, sign_in, sign_out, tag, text, wait_text};
use crate::support::{Backend, TestApp};

/// How much wider than the window the page is (0 when it fits).
async fn overflow(c: &Client) -> i64 {
    c.execute(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
        vec![],
    )
    .await
    .unwrap()
    .as_i64()
    .unwrap()
}

/// Buttons, and links and toggles in lists, cards and breadcrumbs, shorter than 44 px on a phone
/// (docs/UI.md), as browser_phone.rs measures them, with the reverse toggles of the ledger.
async fn small_targets(c: &Client) -> Vec<String> {
    let v = c
        .execute(
            "const sel = 'main button, main [role=button], main li > a, main td a, main td summary, \
                         nav[aria-label=breadcrumb] a, #menu > summary, body > header button';
             return [...document.querySelectorAll(sel)]
               .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
               .map(e => e.tagName + ' ' + e.textContent.trim().slice(0, 20) + ' '
                         + Math.round(e.getBoundingClientRect().height));",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

/// On a phone: nothing wider than the screen, every tap target a thumb's, axe clean.
async fn phone_check(c: &Client, name: &str) {
    let wide = overflow(c).await;
    assert!(wide <= 2, "{name}: {wide} px wider than a 360 px phone");
    let small = small_targets(c).await;
    assert!(
        small.is_empty(),
        "{name}: tap targets under 44 px: {small:?}"
    );
    shot(c, name).await;
}

/// Confirms a consequential step in the page's dialog (static/confirm.js), checking what it says.
async fn confirm(c: &Client, says: &str) {
    let text = wait_text(c, "#confirm-dialog-text", |t| !t.is_empty()).await;
    assert!(text.contains(says), "the dialog says {text:?}");
    click(c, "#confirm-dialog-yes").await;
}

/// A field's current value.
async fn value(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// The id of the first ledger row whose text holds `needle`.
async fn ledger_row(c: &Client, needle: &str) -> String {
    let js = "const rows = document.querySelectorAll('#ledger tbody tr'); \
              for (const r of rows) { if (r.textContent.includes(arguments[0])) return r.id; } \
              return null;";
    let id = c.execute(js, vec![json!(needle)]).await.unwrap();
    id.as_str()
        .unwrap_or_else(|| panic!("no ledger row with {needle:?}"))
        .to_string()
}

/// The text of a row's cell under a column (cards under 640 px keep the same cells).
async fn cell(c: &Client, row: &str, label: &str) -> String {
    text(c, &format!("{row} td[data-label=\"{label}\"]")).await
}

/// A one-page receipt scan, written where the browser's file picker can read it.
fn receipt_file() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tuoguan-receipt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("receipt-food.pdf");
    std::fs::write(
        &path,
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
          2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
    )
    .unwrap();
    path
}

async fn journey(b: Backend) {
    let app = TestApp::spawn_on(b, tuoguan::calendar::today()).await;
    let tag = tag(b);
    let city = app.token("city_admin").await;
    let (pid, cid) = crate::questionnaires::living(&app, &city).await;
    let class_money = format!("/classes/{cid}/money");

    // The unit opens the class's money from the class's page.
    let (_driver, c) = browser(1280, 1000).await;
    sign_in(&c, &app, "hospital_admin").await;
    c.goto(&app.url(&format!("/classes/{cid}"))).await.unwrap();
    click(&c, "#money-link").await;
    wait_text(&c, "h1", |t| t == "经费").await;
    // The demo's first receipt of the season is there.
    assert!(
        text(&c, "#ledger").await.contains("15,000.00"),
        "the demo's receipt"
    );

    // It plans the season in yuan, typed as people type them.
    for (field, v) in [
        ("#plan-fee", "180"),
        ("#plan-src_unit_admin", "15,000"),
        ("#plan-src_grassroots_union", "10,000.00"),
        ("#plan-src_city_union", "5,000"),
        ("#plan-src_parent_fees", "4000"),
        ("#plan-cat_allowances", "14,000"),
        ("#plan-cat_food", "12,000"),
        ("#plan-cat_materials", "1,234.50"),
        ("#plan-cat_insurance", "800"),
        ("#plan-cat_services", "4,765.50"),
        ("#plan-cat_other", "1,200"),
    ] {
        fill(&c, field, v).await;
    }
    // A line typed the European way is refused, named, marked, and kept as typed.
    fill(&c, "#plan-cat_materials", "1.234,50").await;
    click(&c, "#save-plan").await;
    let refused = wait_text(&c, "#plan #money-errors", |t| !t.is_empty()).await;
    assert!(refused.starts_with("教具材料："), "{refused}");
    assert_eq!(value(&c, "#plan-cat_materials").await, "1.234,50");
    assert_eq!(value(&c, "#plan-cat_food").await, "12,000");
    let marked = c
        .find(Locator::Css("#plan-cat_materials[aria-invalid=true]"))
        .await;
    assert!(marked.is_ok(), "the refused line is marked");
    assert!(c.current_url().await.unwrap().as_str().ends_with("#plan"));
    fill(&c, "#plan-cat_materials", "1,234.50").await;
    click(&c, "#save-plan").await;
    wait_text(&c, "main .flash.ok", |t| t.contains("预算已保存")).await;
    let sources = text(&c, "#sources tfoot").await;
    assert!(sources.contains("34,000.00"), "planned income: {sources}");
    let categories = text(&c, "#categories tfoot").await;
    assert!(
        categories.contains("34,000.00"),
        "planned spending: {categories}"
    );
    assert_eq!(
        cell(&c, "#category-materials", "预算").await,
        "1,234.50",
        "the yuan typed with a separator"
    );
    assert_eq!(cell(&c, "#source-city_union", "预算").await, "5,000.00");
    assert!(text(&c, "#fee-check").await.contains("180.00"));
    assert_eq!(value(&c, "#plan-cat_materials").await, "1234.50");

    // A food payment with its receipt, uploaded through the file input.
    click(&c, "#entry-form input[name=direction][value=payment]").await;
    fill(&c, "#entry-amount", "860.50").await;
    fill(&c, "#entry-source", "unit_admin").await;
    fill(&c, "#entry-category", "food").await;
    fill(&c, "#entry-counterparty", "示例市放心餐饮配送有限公司").await;
    fill(&c, "#entry-voucher", "付-本期-001").await;
    fill(&c, "#entry-summary", "第一周配餐").await;
    let receipt = receipt_file();
    c.find(Locator::Css("#entry-file"))
        .await
        .unwrap()
        .send_keys(receipt.to_str().unwrap())
        .await
        .unwrap();
    click(&c, "#book-entry").await;
    wait_text(&c, "main .flash.ok", |t| t.contains("已记账")).await;
    let food = ledger_row(&c, "第一周配餐").await;
    let url = c.current_url().await.unwrap();
    assert_eq!(
        url.fragment(),
        Some(food.as_str()),
        "the page opens on the entry"
    );
    let row = text(&c, &format!("#{food}")).await;
    assert!(
        row.contains("860.50") && row.contains("餐饮 · 单位行政") && row.contains("付-本期-001"),
        "{row}"
    );
    let link = c
        .find(Locator::Css(&format!("#{food} a[href$='/receipt']")))
        .await
        .expect("the receipt's link");
    assert_eq!(link.text().await.unwrap(), "receipt-food.pdf");
    assert!(link.attr("download").await.unwrap().is_some(), "downloads");
    let href = link.attr("href").await.unwrap().unwrap();
    assert_eq!(cell(&c, "#category-food", "已支").await, "860.50");
    assert_eq!(cell(&c, "#source-unit_admin", "用于支出").await, "860.50");
    assert_eq!(text(&c, "#spent-total").await, "860.50");
    shot(&c, &format!("{tag}-71-money-class")).await;
    // The receipt comes back as it was uploaded, to whoever reads the class's money.
    let session = crate::support::web::WebSession::login(&app, "hospital_admin").await;
    let (status, body) = session.get(&href).await;
    assert_eq!(status, 200);
    assert!(body.starts_with("%PDF-1.4"), "the receipt's bytes");

    // Union money for the children's insurance: refused, the rule named, the form kept.
    fill(&c, "#entry-amount", "320").await;
    fill(&c, "#entry-source", "grassroots_union").await;
    fill(&c, "#entry-category", "insurance").await;
    fill(&c, "#entry-counterparty", "示例人寿保险公司").await;
    fill(&c, "#entry-voucher", "付-本期-002").await;
    fill(&c, "#entry-summary", "托管儿童意外伤害保险").await;
    click(&c, "#book-entry").await;
    // The refusal stands by the form, where the page opens, the field it is about marked.
    let refused = wait_text(&c, "#book #money-errors", |t| !t.is_empty()).await;
    assert!(
        refused.contains("工会经费不得用于支付托管儿童意外伤害保险") && refused.contains("三.7"),
        "{refused}"
    );
    assert!(c.current_url().await.unwrap().as_str().ends_with("#book"));
    let marked = c
        .find(Locator::Css("#entry-source[aria-invalid=true]"))
        .await;
    assert!(marked.is_ok(), "the source is marked");
    assert_eq!(value(&c, "#entry-amount").await, "320");
    assert_eq!(value(&c, "#entry-source").await, "grassroots_union");
    assert_eq!(value(&c, "#entry-category").await, "insurance");
    assert_eq!(value(&c, "#entry-summary").await, "托管儿童意外伤害保险");
    assert_eq!(value(&c, "#entry-voucher").await, "付-本期-002");
    assert!(
        !text(&c, "#ledger").await.contains("托管儿童意外伤害保险"),
        "nothing booked"
    );
    shot(&c, &format!("{tag}-71a-money-refused")).await;

    // Booked from the unit's money after all; then found to be paid twice, and reversed.
    fill(&c, "#entry-source", "unit_admin").await;
    click(&c, "#book-entry").await;
    wait_text(&c, "main .flash.ok", |t| t.contains("已记账")).await;
    assert_eq!(cell(&c, "#category-insurance", "已支").await, "320.00");
    let twice = ledger_row(&c, "托管儿童意外伤害保险").await;
    click(&c, &format!("#{twice} details.reverse summary")).await;
    fill(
        &c,
        &format!("#{twice} input[name=reason]"),
        "保险费已由医院统一支付，重复记账",
    )
    .await;
    click(&c, &format!("#{twice} details.reverse button[type=submit]")).await;
    wait_text(&c, "main .flash.ok", |t| t.contains("已冲销")).await;
    let ledger = text(&c, "#ledger").await;
    assert!(
        ledger.contains("保险费已由医院统一支付，重复记账") && ledger.contains("已冲销"),
        "{ledger}"
    );
    assert!(ledger.contains("-320.00"), "the counter-entry: {ledger}");
    assert_eq!(cell(&c, "#category-insurance", "已支").await, "0.00");
    assert_eq!(text(&c, "#spent-total").await, "860.50");
    assert!(
        c.find(Locator::Css(&format!("#{twice} details.reverse")))
            .await
            .is_err(),
        "a reversed entry is not reversed again"
    );
    sign_out(&c).await;

    // The city writes a rule the class meets and opens it.
    sign_in(&c, &app, "city_admin").await;
    c.goto(&app.url(&format!("/programmes/{pid}")))
        .await
        .unwrap();
    click(&c, "#money-link").await;
    wait_text(&c, "h1", |t| t == "经费").await;
    let units = text(&c, "#funds-below").await;
    assert!(units.contains("东城区总工会"), "{units}");
    shot(&c, &format!("{tag}-72a-money-programme")).await;
    click(&c, "#new-rule summary").await;
    fill(&c, "#rule-name", "本期托管班运行补助").await;
    click(&c, "#rule-form input[name=kind][value=criteria]").await;
    fill(&c, "#rule-min-children", "1").await;
    fill(&c, "#rule-amount", "5,000").await;
    click(&c, "#save-rule").await;
    wait_text(&c, "#rule-name", |t| t == "本期托管班运行补助").await;
    assert!(text(&c, "#rule-terms").await.contains("每班 5,000.00 元"));
    assert!(text(&c, "h1 + p, hgroup p").await.contains("市总工会补助"));
    let line = text(&c, &format!("#line-{cid}")).await;
    assert!(
        line.contains("予以补助") && line.contains("达标 在托人数") && line.contains("5,000.00"),
        "{line}"
    );
    let evidence = cell(&c, &format!("#line-{cid}"), "依据（记录数据 / 标准）").await;
    assert!(
        evidence.contains("/ 1"),
        "the figure and the bar: {evidence}"
    );
    let total = text(&c, "#qualify-total").await;
    shot(&c, &format!("{tag}-72-money-rule")).await;

    // Without JavaScript, approving first answers with a page that asks, and approves nothing.
    let rule_path = c.current_url().await.unwrap().path().to_string();
    let web = crate::support::web::WebSession::login(&app, "city_admin").await;
    let (status, page) = web
        .post_form(
            &rule_path,
            &format!("{rule_path}/batches"),
            &[("expected_total_fen", "1000000")],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("id=\"confirm-form\"") && page.contains("不能撤销"),
        "{page}"
    );
    c.refresh().await.unwrap();
    wait_text(&c, "#approved-so-far", |t| t == "0.00").await;
    // It approves the batch and records the payment, each asked first with its numbers.
    click(&c, "#approve-batch").await;
    let says = format!("合计 {total} 元");
    wait_text(&c, "#confirm-dialog-text", |t| t.contains(&says)).await;
    shot(&c, &format!("{tag}-72b-money-approve-confirm")).await;
    confirm(&c, "不能撤销").await;
    wait_text(&c, "#batch-title", |t| t.contains("批次 1")).await;
    assert_eq!(text(&c, "#batch-total").await, total);
    assert_eq!(text(&c, "#batch-paid").await, "0.00");
    let line = text(&c, &format!("#batch-line-{cid}")).await;
    assert!(
        line.contains("予以补助") && line.contains("待拨付"),
        "{line}"
    );
    let batch_url = c.current_url().await.unwrap().to_string();
    fill(&c, "#voucher-no", "市工财-2026-1207").await;
    click(&c, "#record-payment").await;
    confirm(&c, &format!("合计 {total} 元")).await;
    // The flash names the step: the approval's is on the page until the payment's replaces it.
    wait_text(&c, "main .flash.ok", |t| t.contains("拨付已登记")).await;
    assert_eq!(text(&c, "#batch-paid").await, total);
    let line = text(&c, &format!("#batch-line-{cid}")).await;
    assert!(
        line.contains("已拨付") && line.contains("市工财-2026-1207"),
        "{line}"
    );
    assert!(
        c.find(Locator::Css("#pay-form")).await.is_err(),
        "nothing left to pay"
    );
    shot(&c, &format!("{tag}-73-money-batch")).await;
    sign_out(&c).await;

    // The unit sees the subsidy received under 市总工会补助.
    sign_in(&c, &app, "hospital_admin").await;
    c.goto(&app.url(&class_money)).await.unwrap();
    assert_eq!(cell(&c, "#source-city_union", "已收").await, "5,000.00");
    assert_eq!(cell(&c, "#source-city_union", "预算").await, "5,000.00");
    let paid = ledger_row(&c, "市工财-2026-1207").await;
    let row = text(&c, &format!("#{paid}")).await;
    assert!(
        row.contains("5,000.00") && row.contains("市总工会补助"),
        "{row}"
    );
    assert!(
        c.find(Locator::Css(&format!("#{paid} details.reverse")))
            .await
            .is_err(),
        "the unit does not reverse the city's payment"
    );
    assert_eq!(text(&c, "#received-total").await, "20,000.00");
    shot(&c, &format!("{tag}-71b-money-class-received")).await;
    // The same page in English: every word a locale's, brackets as English writes them.
    click(&c, "#lang-switch").await;
    wait_text(&c, "h1", |t| t == "Funds").await;
    let totals = text(&c, "#money-totals").await;
    assert!(totals.contains("Received (planned 34,000.00)"), "{totals}");
    assert!(
        text(&c, "#source-city_union")
            .await
            .contains("City union subsidy")
    );
    let main = text(&c, "main").await;
    for key in [
        "money.",
        "source.",
        "category.",
        "ledger.",
        "budget.",
        "direction.",
    ] {
        assert!(!main.contains(key), "a raw key {key} on the page");
    }
    shot(&c, &format!("{tag}-71c-money-class-english")).await;
    click(&c, "#lang-switch").await;
    wait_text(&c, "h1", |t| t == "经费").await;
    drop(c);

    // The same pages on a phone.
    let (_driver, c) = browser(360, 780).await;
    sign_in(&c, &app, "hospital_admin").await;
    c.goto(&app.url(&class_money)).await.unwrap();
    wait_text(&c, "h1", |t| t == "经费").await;
    // A table row reads as a card: its cells one under the other, the label beside the figure.
    let card = c
        .execute(
            "const r = document.querySelector('#source-city_union'); \
             return [getComputedStyle(r).display, r.getBoundingClientRect().width];",
            vec![],
        )
        .await
        .unwrap();
    assert_ne!(card[0], json!("table-row"), "a card under 640 px");
    assert!(card[1].as_f64().unwrap() <= 360.0, "{card}");
    phone_check(&c, &format!("{tag}-74-money-phone")).await;
    c.goto(&app.url(&format!("/programmes/{pid}/money")))
        .await
        .unwrap();
    wait_text(&c, "h1", |t| t == "经费").await;
    phone_check(&c, &format!("{tag}-74a-money-unit-phone")).await;
    sign_out(&c).await;
    sign_in(&c, &app, "city_admin").await;
    for (path, name) in [
        (
            format!("/programmes/{pid}/money"),
            "74b-money-programme-phone",
        ),
        (batch_url.clone(), "74d-money-batch-phone"),
    ] {
        let url = match path.starts_with("http") {
            true => path,
            false => app.url(&path),
        };
        c.goto(&url).await.unwrap();
        wait_text(&c, "h1", |t| !t.is_empty()).await;
        phone_check(&c, &format!("{tag}-{name}")).await;
    }
    click(&c, "nav[aria-label=breadcrumb] li:nth-child(2) a").await;
    wait_text(&c, "#rule-name", |t| t == "本期托管班运行补助").await;
    phone_check(&c, &format!("{tag}-74c-money-rule-phone")).await;

    // Last summer's rule: a class that failed its gates reads as such, with its figures.
    let (_, all) = app.get("/api/v1/programmes", &city).await;
    let summer = all
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["year"] == 2025)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    c.goto(&app.url(&format!("/programmes/{summer}/money")))
        .await
        .unwrap();
    wait_text(&c, "#rule-list", |t| t.contains("2025年暑期托管班达标补助")).await;
    click(&c, "#rule-list a").await;
    wait_text(&c, "#rule-name", |t| t.contains("2025年暑期")).await;
    phone_check(&c, &format!("{tag}-74e-money-rule-2025-phone")).await;
    click(&c, "#batch-list a").await;
    let lines = wait_text(&c, "#batch-lines", |t| t.contains("未达标")).await;
    assert!(
        lines.contains("已拨付") && lines.contains("市工财-2025-0920"),
        "{lines}"
    );
    phone_check(&c, &format!("{tag}-74f-money-batch-2025-phone")).await;
    let _ = std::fs::remove_dir_all(receipt.parent().unwrap());
}
both!(money_from_budget_to_subsidy_in_the_browser, journey);
