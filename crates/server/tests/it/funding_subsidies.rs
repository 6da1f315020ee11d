//! Subsidy rules and batches (issue 18, SPEC §9) as stories on the demo's 2025 programme: the city
//! writes a rule by class size and a model-class award, each from a pool smaller than what
//! qualifies, so the pool runs out in the middle of the batch (those lines listed, not paid);
//! approves once (a repeat with its key answers the same batch, without it there is nothing left
//! to approve, and a total that moved is caught); pays into the classes' ledgers once; reverses a
//! payment, which frees the line to be paid again. The unit reads its own line and approves
//! nothing; the neighbouring city finds none of it.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::funding::{
    HOSPITAL_2025, POWER_2025, assert_kept_figures_recount, budget, class_id, fen, ledger, line,
    summer,
};
use crate::support::{Backend, TestApp, error_fields, post_keyed, tokens};

fn lines(v: &Value) -> Vec<(String, String, i64)> {
    v["lines"]
        .as_array()
        .unwrap_or_else(|| panic!("lines: {v}"))
        .iter()
        .map(|l| {
            let name = l["class_name"].as_str().unwrap().to_string();
            (
                name,
                l["outcome"].as_str().unwrap().to_string(),
                fen(&l["amount_fen"]),
            )
        })
        .collect()
}

fn of(v: &Value, class: &str) -> Value {
    v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["class_name"] == class)
        .unwrap_or_else(|| panic!("{class} in {v}"))
        .clone()
}

/// The city-union money the class has received (its budget's line).
async fn from_city(app: &TestApp, class: &str, token: &str) -> i64 {
    let b = budget(app, class, token).await;
    fen(&line(&b["sources"], "city_union")["received_fen"])
}

both!(
    a_rule_by_class_size_fills_its_pool_in_order_and_its_batch_is_paid_into_the_ledgers,
    tiers
);
async fn tiers(b: Backend) {
    let app = TestApp::spawn_on(b, tuoguan::calendar::today()).await;
    let [city, hosp, power, district, other] = tokens(
        &app,
        [
            "city_admin",
            "hospital_admin",
            "power_admin",
            "dongcheng_admin",
            "linjiang_admin",
        ],
    )
    .await;
    let pid = summer(&app, &city, 2025).await;
    let hospital = class_id(&app, &city, &pid, HOSPITAL_2025).await;
    let rules = format!("/api/v1/programmes/{pid}/subsidy-rules");

    // Refused terms name their field.
    let bad = |terms: Value| json!({"name": "规模补助", "terms": terms});
    for (body, field) in [
        (
            bad(
                json!({"kind": "tiers", "tiers": [{"min_children": 20, "amount_fen": 1}, {"min_children": 5, "amount_fen": 2}]}),
            ),
            "terms.tiers",
        ),
        (bad(json!({"kind": "tiers", "tiers": []})), "terms.tiers"),
        (
            bad(json!({"kind": "model_award", "amount_fen": 100})),
            "terms.pool_fen",
        ),
        (bad(json!({"kind": "criteria"})), "terms.amount_fen"),
        (
            bad(json!({"kind": "criteria", "amount_fen": 1, "min_attendance_pct": 101})),
            "terms.min_attendance_pct",
        ),
        (
            json!({"name": " ", "terms": {"kind": "criteria", "amount_fen": 1}}),
            "name",
        ),
        (
            json!({"name": "x", "source": "parent_fees", "terms": {"kind": "criteria", "amount_fen": 1}}),
            "source",
        ),
    ] {
        let (status, e) = app.post(&rules, &city, body.clone()).await;
        assert_eq!(
            (status, error_fields(&e)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec![field.to_string()]),
            "{body}: {e}"
        );
    }

    // 1,000 yuan from 5 children, 3,000 from 20, from a pool of 3,500: the hospital's 24 children
    // come first (a named model class) and take 3,000; the power class's 1,000 does not fit.
    let rule = json!({"name": "2025年暑期托管班规模补助", "terms": {"kind": "tiers",
        "tiers": [{"min_children": 5, "amount_fen": 100_000}, {"min_children": 20, "amount_fen": 300_000}],
        "pool_fen": 350_000}});
    // Only the federation that opened the programme writes, approves and pays its rules.
    for token in [&hosp, &district] {
        let (status, _) = app.post(&rules, token, rule.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        app.post(&rules, &other, rule.clone()).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, r) = app.post(&rules, &city, rule.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    assert_eq!(r["source"], "city_union", "the city's own level by default");
    assert_eq!(
        [&r["pool_left_fen"], &r["approved_fen"], &r["batches"]].map(fen),
        [350_000, 0, 0]
    );
    let rid = r["id"].as_str().unwrap().to_string();
    let qualification = format!("/api/v1/subsidy-rules/{rid}/qualification");
    let (status, q) = app.get(&qualification, &city).await;
    assert_eq!(status, StatusCode::OK, "{q}");
    assert_eq!(
        lines(&q),
        [
            (HOSPITAL_2025.to_string(), "approved".to_string(), 300_000),
            (POWER_2025.to_string(), "pool_exhausted".to_string(), 0),
        ]
    );
    let tier = |l: &Value| {
        l["criteria"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == "subsidy.tier")
            .cloned()
            .unwrap()
    };
    assert_eq!(tier(&of(&q, HOSPITAL_2025))["actual"], "24");
    assert_eq!(
        tier(&of(&q, POWER_2025))["pass"],
        true,
        "it qualifies, the pool is short"
    );
    assert_eq!(
        [&q["total_fen"], &q["approved_count"]].map(fen),
        [300_000, 1]
    );
    // Each unit sees its own line only; the neighbouring city sees nothing.
    for (token, name) in [(&hosp, HOSPITAL_2025), (&power, POWER_2025)] {
        let (status, mine) = app.get(&qualification, token).await;
        assert_eq!(status, StatusCode::OK, "{mine}");
        let names: Vec<String> = lines(&mine).into_iter().map(|l| l.0).collect();
        assert_eq!(names, [name]);
    }

    // Approving: only the city; a total that moved is caught; a repeat with its key is the same.
    let batches = format!("/api/v1/subsidy-rules/{rid}/batches");
    for token in [&hosp, &district] {
        let (status, _) = app.post(&batches, token, json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        app.post(&batches, &other, json!({})).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, e) = app
        .post(&batches, &city, json!({"expected_total_fen": 299_999}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{e}");
    let seen = json!({"expected_total_fen": 300_000});
    let (status, batch) = post_keyed(&app, &batches, &city, "approve-size-1", seen.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{batch}");
    let (status, repeat) = post_keyed(&app, &batches, &city, "approve-size-1", seen).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(repeat, batch, "the same batch");
    let (_, as_read) = app
        .get(
            &format!("/api/v1/subsidy-batches/{}", batch["id"].as_str().unwrap()),
            &city,
        )
        .await;
    assert_eq!(as_read, batch, "the answer is the batch as read");
    assert_eq!(
        [&batch["number"], &batch["total_fen"], &batch["paid_fen"]].map(fen),
        [1, 300_000, 0]
    );
    assert_eq!(lines(&batch), lines(&q), "the lines as qualified");
    let (status, e) = app.post(&batches, &city, json!({})).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "the pool left pays nobody: {e}"
    );
    let (_, all) = app.get(&batches, &city).await;
    assert_eq!(all.as_array().unwrap().len(), 1);
    let (_, r) = app.get(&rules, &city).await;
    let r = r
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == rid.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        [&r["approved_fen"], &r["pool_left_fen"], &r["batches"]].map(fen),
        [300_000, 50_000, 1]
    );
    let edit = json!({"name": "改", "terms": rule["terms"]});
    let path = format!("/api/v1/subsidy-rules/{rid}");
    assert_eq!(
        app.call(Method::PUT, &path, Some(&city), Some(edit))
            .await
            .0,
        StatusCode::CONFLICT
    );

    // The neighbouring city finds neither rule, qualification, batches, batch nor funds.
    let bid = batch["id"].as_str().unwrap().to_string();
    let batch_path = format!("/api/v1/subsidy-batches/{bid}");
    for path in [
        qualification.clone(),
        batches.clone(),
        batch_path.clone(),
        rules.clone(),
        format!("/api/v1/programmes/{pid}/funds"),
    ] {
        let (status, body) = app.get(&path, &other).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    let (status, _) = app
        .call(
            Method::PUT,
            &path,
            Some(&other),
            Some(json!({"name": "x", "terms": rule["terms"]})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Paying: only the city, only approved lines, on a real day with a voucher.
    let payments = format!("{batch_path}/payments");
    let pay = json!({"paid_on": "2025-09-30", "voucher_no": "市工财-2025-0930"});
    for token in [&hosp, &district] {
        let (status, _) = app.post(&payments, token, pay.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        app.post(&payments, &other, pay.clone()).await.0,
        StatusCode::NOT_FOUND
    );
    let tomorrow = (tuoguan::calendar::today() + chrono::Days::new(1)).to_string();
    let short = of(&batch, POWER_2025)["id"].clone();
    for (body, field) in [
        (json!({"paid_on": tomorrow, "voucher_no": "v"}), "paid_on"),
        (
            json!({"paid_on": "2025-09-30", "voucher_no": " "}),
            "voucher_no",
        ),
        (
            json!({"paid_on": "2025-09-30", "voucher_no": "v", "line_ids": [short]}),
            "line_ids",
        ),
    ] {
        let (status, e) = app.post(&payments, &city, body.clone()).await;
        assert_eq!(
            (status, error_fields(&e)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec![field.to_string()]),
            "{body}: {e}"
        );
    }
    let before = from_city(&app, &hospital, &hosp).await;
    assert_eq!(before, 1_000_000, "the demo's subsidy");
    let (status, paid) = post_keyed(&app, &payments, &city, "pay-size-1", pay.clone()).await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    assert_eq!(fen(&paid["paid_fen"]), 300_000);
    let (status, repeat) = post_keyed(&app, &payments, &city, "pay-size-1", pay.clone()).await;
    assert_eq!(status, StatusCode::OK, "the same answer again: {repeat}");
    assert_eq!(repeat, paid);
    let (status, as_read) = app.get(&batch_path, &city).await;
    assert_eq!(
        (status, &as_read),
        (StatusCode::OK, &paid),
        "the answer is the batch as read"
    );
    let line_id = of(&paid, HOSPITAL_2025)["id"].clone();
    let payment = of(&paid, HOSPITAL_2025)["payment"].clone();
    assert_eq!(
        (
            &payment["direction"],
            &payment["source"],
            fen(&payment["amount_fen"])
        ),
        (&json!("receipt"), &json!("city_union"), 300_000)
    );
    assert_eq!(
        (&payment["occurred_on"], &payment["subsidy_line_id"]),
        (&json!("2025-09-30"), &line_id)
    );
    assert!(
        of(&paid, POWER_2025)["payment"].is_null(),
        "not paid: {paid}"
    );
    let entries = ledger(&app, &hospital, &hosp).await;
    assert!(
        entries.iter().any(|e| e["id"] == payment["id"]),
        "in the class's ledger"
    );
    assert_eq!(from_city(&app, &hospital, &hosp).await, before + 300_000);
    let (status, e) = app.post(&payments, &city, pay.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "paid once: {e}");

    // A payment is reversed by the city that paid it (not the unit), and may be paid again.
    let reverse = format!(
        "/api/v1/ledger-entries/{}/reverse",
        payment["id"].as_str().unwrap()
    );
    let reason = json!({"reason": "凭证号录错，重新支付"});
    assert_eq!(
        app.post(&reverse, &hosp, reason.clone()).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(&reverse, &other, reason.clone()).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, counter) = app.post(&reverse, &city, reason.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{counter}");
    assert_eq!(fen(&counter["amount_fen"]), -300_000);
    assert_eq!(from_city(&app, &hospital, &hosp).await, before);
    let (_, freed) = app.get(&batch_path, &city).await;
    assert!(of(&freed, HOSPITAL_2025)["payment"].is_null(), "{freed}");
    assert_eq!(fen(&freed["paid_fen"]), 0);
    let again = json!({"paid_on": "2025-10-08", "voucher_no": "市工财-2025-1008"});
    let (status, repaid) = app.post(&payments, &city, again).await;
    assert_eq!(status, StatusCode::OK, "{repaid}");
    let second = of(&repaid, HOSPITAL_2025)["payment"].clone();
    assert_ne!(second["id"], payment["id"]);
    assert_eq!(second["occurred_on"], "2025-10-08");
    assert_eq!(fen(&repaid["paid_fen"]), 300_000);
    assert_eq!(from_city(&app, &hospital, &hosp).await, before + 300_000);
    assert_eq!(
        app.post(&reverse, &city, reason).await.0,
        StatusCode::CONFLICT
    );
    let (_, f) = app
        .get(&format!("/api/v1/programmes/{pid}/funds"), &city)
        .await;
    let b = budget(&app, &hospital, &hosp).await;
    assert_eq!(f["received_fen"], b["received_fen"], "kept up the tree");
    assert_eq!(
        fen(&line(&f["sources"], "city_union")["received_fen"]),
        before + 300_000
    );
    assert_kept_figures_recount(&app).await;
}

both!(
    a_model_class_award_pays_the_named_classes_in_certificate_order_until_its_pool_runs_out,
    model_award
);
async fn model_award(b: Backend) {
    let app = TestApp::spawn_on(b, tuoguan::calendar::today()).await;
    let [city, other] = tokens(&app, ["city_admin", "linjiang_admin"]).await;
    let pid = summer(&app, &city, 2025).await;
    let power = class_id(&app, &city, &pid, POWER_2025).await;
    let rules = format!("/api/v1/programmes/{pid}/subsidy-rules");

    // 5,000 yuan a model class from 4,000: the one named class does not fit, the other is not named.
    let award = |pool: i64| {
        json!({"name": "2025年示范托管班奖补", "terms": {"kind": "model_award",
            "amount_fen": 500_000, "pool_fen": pool}})
    };
    let (status, r) = app.post(&rules, &city, award(400_000)).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let rid = r["id"].as_str().unwrap().to_string();
    let qualification = format!("/api/v1/subsidy-rules/{rid}/qualification");
    let (_, q) = app.get(&qualification, &city).await;
    assert_eq!(
        lines(&q),
        [
            (HOSPITAL_2025.to_string(), "pool_exhausted".to_string(), 0),
            (POWER_2025.to_string(), "failed".to_string(), 0),
        ]
    );
    let named = |l: &Value| {
        l["criteria"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == "subsidy.model_class")
            .unwrap()["pass"]
            .clone()
    };
    assert_eq!(named(&of(&q, POWER_2025)), false);
    let batches = format!("/api/v1/subsidy-rules/{rid}/batches");
    let (status, e) = app.post(&batches, &city, json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "nobody would be paid: {e}");

    // The power class named too (certificate 002), and the pool raised to 7,000: the hospital
    // (001) is paid, the power class's 5,000 no longer fits.
    let sql = format!(
        "INSERT INTO model_applications (id, programme_id, class_id, statement, status, \
         applied_by, applied_at, named_at, certificate_no) VALUES ('{}', '{pid}', '{power}', \
         '申报', 'named', 'power_admin', 0, 0, '市级示范〔2025〕第002号')",
        tuoguan::new_id()
    );
    tuoguan::on_db!(&app.state.db, c => sqlx::query(sqlx::AssertSqlSafe(sql)).execute(c).await.map(|_| ()))
        .unwrap();
    let path = format!("/api/v1/subsidy-rules/{rid}");
    assert_eq!(
        app.call(Method::PUT, &path, Some(&other), Some(award(700_000)))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (status, r) = app
        .call(Method::PUT, &path, Some(&city), Some(award(700_000)))
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(fen(&r["pool_left_fen"]), 700_000);
    let (_, q) = app.get(&qualification, &city).await;
    let expected = [
        (HOSPITAL_2025.to_string(), "approved".to_string(), 500_000),
        (POWER_2025.to_string(), "pool_exhausted".to_string(), 0),
    ];
    assert_eq!(lines(&q), expected);
    assert_eq!(named(&of(&q, POWER_2025)), true);
    let (status, batch) = app
        .post(&batches, &city, json!({"expected_total_fen": 500_000}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{batch}");
    assert_eq!(lines(&batch), expected);
    assert_eq!(fen(&batch["total_fen"]), 500_000);
    let (status, _) = app.post(&batches, &city, json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "2,000 left pays no 5,000");
    let pay = json!({"paid_on": "2025-10-10", "voucher_no": "市工财-2025-1010"});
    let payments = format!(
        "/api/v1/subsidy-batches/{}/payments",
        batch["id"].as_str().unwrap()
    );
    let (status, paid) = app.post(&payments, &city, pay).await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    assert_eq!(fen(&paid["paid_fen"]), 500_000);
    assert!(of(&paid, POWER_2025)["payment"].is_null());
    let power_ledger = ledger(&app, &power, &city).await;
    assert!(
        power_ledger.is_empty(),
        "the exhausted line is not paid: {power_ledger:?}"
    );
    assert_kept_figures_recount(&app).await;
}
