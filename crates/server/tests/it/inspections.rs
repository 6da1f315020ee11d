//! Inspection plans (issue 17, SPEC §10): the city draws its sample of the running classes from a
//! published seed — the share rounded up, each district its part — and anyone re-draws it from
//! what the plan publishes; a district draws its own; classes are added by hand with a reason;
//! each inspection goes to an inspector of the federation's area, who then sees it and only it.
//! Nobody outside the tree reads a plan.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::support::{Backend, TestApp, error_fields};

fn ids(v: &Value, key: &str) -> BTreeSet<String> {
    let items = v.as_array().unwrap_or_else(|| panic!("a list: {v}"));
    items
        .iter()
        .map(|x| x[key].as_str().unwrap().to_string())
        .collect()
}

async fn inspecting(b: Backend) {
    let app = TestApp::spawn(b).await;
    let [city, dc, hosp, inspector, sibling] = [
        "city_admin",
        "dongcheng_admin",
        "hospital_admin",
        "inspector",
        "linjiang_admin",
    ]
    .map(|u| app.token(u));
    let [city, dc, hosp, inspector, sibling] = [
        city.await,
        dc.await,
        hosp.await,
        inspector.await,
        sibling.await,
    ];
    let (pid, _) = crate::reports::july(&app, &city).await;
    let plan_path = format!("/api/v1/programmes/{pid}/inspection-plan");

    // Nothing is drawn yet; the seed text is required.
    assert_eq!(app.get(&plan_path, &city).await.0, StatusCode::NOT_FOUND);
    let (s, e) = app
        .post(&plan_path, &city, json!({"seed_text": "  "}))
        .await;
    assert_eq!(
        (s, error_fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["seed_text".into()])
    );

    // The city draws: a tenth of its running classes rounded up, each district its part.
    let seed_text = "2026年督导抽查 示例市总工会 10月15日";
    let (s, plan) = app
        .post(&plan_path, &city, json!({"seed_text": seed_text}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{plan}");
    let (_, classes) = app
        .get(&format!("/api/v1/classes?programme_id={pid}"), &city)
        .await;
    let running: BTreeSet<String> = classes
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "running")
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ids(&plan["candidates"], "class_id"),
        running,
        "drawn from every running class"
    );
    let sampled = ids(&plan["inspections"], "class_id");
    let n = running.len();
    assert_eq!(sampled.len(), (n * 10).div_ceil(100).max(1), "{n} running");
    let by_strata: u64 = plan["strata"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["sampled"].as_u64().unwrap())
        .sum();
    assert_eq!(by_strata as usize, sampled.len());
    assert!(
        plan["strata"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| !s["name"].as_str().unwrap().is_empty())
    );
    assert_eq!(plan["coverage"]["met"], true, "{}", plan["coverage"]);
    assert_eq!(plan["coverage"]["target_pct"], 10);

    // Anyone re-draws it from what the plan publishes, and gets the same classes.
    let redraw = json!({"seed_text": plan["seed_text"], "coverage_pct": plan["coverage_pct"],
        "candidates": plan["candidates"]});
    let (s, again) = app
        .call(
            Method::POST,
            "/api/v1/inspections/redraw",
            None,
            Some(redraw),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again["seed"], plan["seed"]);
    let redrawn: BTreeSet<String> = again["class_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert_eq!(redrawn, sampled);

    // Once per federation; a unit cannot draw; outside the tree nobody reads it.
    let (s, _) = app
        .post(&plan_path, &city, json!({"seed_text": "再抽一次"}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = app.post(&plan_path, &hosp, json!({"seed_text": "x"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let plan_id = plan["id"].as_str().unwrap();
    for token in [&sibling, &hosp] {
        let (s, _) = app
            .get(&format!("/api/v1/inspection-plans/{plan_id}"), token)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }

    // The district draws its own, from its own classes only.
    let (s, own) = app
        .post(&plan_path, &dc, json!({"seed_text": "东城区 2026"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{own}");
    let mine = ids(&own["candidates"], "class_id");
    assert!(!mine.is_empty() && mine.is_subset(&running) && mine.len() < running.len());
    assert_eq!(app.get(&plan_path, &dc).await.1["id"], own["id"]);

    // By hand: a class not drawn, with its reason.
    let add = format!("/api/v1/inspection-plans/{plan_id}/inspections");
    let extra = running
        .difference(&sampled)
        .next()
        .expect("a class not drawn")
        .clone();
    let (s, e) = app
        .post(&add, &city, json!({"class_id": extra, "reason": ""}))
        .await;
    assert_eq!(
        (s, error_fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["reason".into()])
    );
    let (s, added) = app
        .post(
            &add,
            &city,
            json!({"class_id": extra, "reason": "家长投诉：午餐不足"}),
        )
        .await;
    assert_eq!(
        (s, added["origin"].as_str()),
        (StatusCode::CREATED, Some("added")),
        "{added}"
    );
    let (s, _) = app
        .post(&add, &city, json!({"class_id": extra, "reason": "再次"}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = app
        .post(&add, &dc, json!({"class_id": extra, "reason": "x"}))
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "the district does not change the city's plan"
    );

    // Assigned to the city's inspector, who sees that inspection and no other.
    let first = plan["inspections"][0]["id"].as_str().unwrap();
    let assign = format!("/api/v1/inspections/{first}/inspector");
    let hospital_admin = app.user_id("hospital_admin").await;
    let (s, e) = app
        .call(
            Method::PUT,
            &assign,
            Some(&city),
            Some(json!({"inspector_id": hospital_admin})),
        )
        .await;
    assert_eq!(
        (s, error_fields(&e)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["inspector_id".into()]
        )
    );
    let liu = app.user_id("inspector").await;
    let (s, done) = app
        .call(
            Method::PUT,
            &assign,
            Some(&city),
            Some(json!({"inspector_id": liu})),
        )
        .await;
    assert_eq!(
        (s, done["inspector_name"].as_str()),
        (StatusCode::OK, Some("刘洋")),
        "{done}"
    );
    let (_, list) = app.get("/api/v1/inspections", &inspector).await;
    assert_eq!(ids(&list, "id"), BTreeSet::from([first.to_string()]));
    assert_eq!(
        app.get(&format!("/api/v1/inspections/{first}"), &inspector)
            .await
            .0,
        StatusCode::OK
    );
    let other = added["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/inspections/{other}"), &inspector)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/api/v1/inspections/{first}"), &sibling)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (s, _) = app
        .call(
            Method::PUT,
            &assign,
            Some(&sibling),
            Some(json!({"inspector_id": null})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The plan counts the class added by hand toward coverage.
    let (_, now) = app
        .get(&format!("/api/v1/inspection-plans/{plan_id}"), &city)
        .await;
    assert_eq!(
        now["coverage"]["covered"].as_u64().unwrap() as usize,
        sampled.len() + 1
    );
    assert_eq!(now["coverage"]["running"].as_u64().unwrap() as usize, n);
}

both!(
    a_federation_draws_its_sample_and_assigns_its_inspectors,
    inspecting
);
