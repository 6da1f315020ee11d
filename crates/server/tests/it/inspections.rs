//! Inspection plans (issue 17, SPEC §10): the city draws its sample of the running classes from a
//! published seed — the share rounded up, each district its part — and anyone re-draws it from
//! what the plan publishes; a district draws its own; classes are added by hand with a reason;
//! each inspection goes to an inspector of the federation's area, who then sees it and only it.
//! Nobody outside the tree reads a plan.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::support::web::WebSession;
use crate::support::{Backend, TestApp, error_fields, ids, tokens};

async fn inspecting(b: Backend) {
    let app = TestApp::spawn(b).await;
    let [city, dc, hosp, inspector, sibling] = tokens(
        &app,
        [
            "city_admin",
            "dongcheng_admin",
            "hospital_admin",
            "inspector",
            "linjiang_admin",
        ],
    )
    .await;
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

/// The city's plan drawn and its first inspection assigned to 刘洋: (inspection, class).
async fn assigned(app: &TestApp, city: &str) -> (String, String) {
    let (pid, _) = crate::reports::july(app, city).await;
    let path = format!("/api/v1/programmes/{pid}/inspection-plan");
    let (s, plan) = app.post(&path, city, json!({"seed_text": "抽查"})).await;
    assert_eq!(s, StatusCode::CREATED, "{plan}");
    let first = plan["inspections"][0].clone();
    let id = first["id"].as_str().unwrap().to_string();
    let liu = app.user_id("inspector").await;
    let assign = format!("/api/v1/inspections/{id}/inspector");
    let (s, _) = app
        .call(
            Method::PUT,
            &assign,
            Some(city),
            Some(json!({"inspector_id": liu})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    (id, first["class_id"].as_str().unwrap().to_string())
}

/// Every line of the checklist passed, but `fail`'s (line, deadline), failed with a finding.
pub(crate) fn lines(fail: Option<(&str, &str)>) -> Value {
    let items = [
        "venue",
        "fire",
        "food",
        "epidemic",
        "records",
        "agreements",
        "insurance",
        "staff_checks",
    ];
    let lines: Vec<Value> = items
        .iter()
        .map(|item| match fail {
            Some((f, deadline)) if f == *item => {
                json!({"item": item, "result": "fail", "note": "消防通道堆放杂物", "deadline": deadline})
            }
            _ => json!({"item": item, "result": "pass"}),
        })
        .collect();
    json!(lines)
}

async fn rectifying(b: Backend) {
    let app = TestApp::spawn(b).await;
    let [city, hosp, power, inspector, sibling] = tokens(
        &app,
        [
            "city_admin",
            "hospital_admin",
            "power_admin",
            "inspector",
            "linjiang_admin",
        ],
    )
    .await;
    let (id, _class) = assigned(&app, &city).await;

    // The checklist comes prefilled from the records.
    let (s, list) = app
        .get(&format!("/api/v1/inspections/{id}/checklist"), &inspector)
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let got: Vec<&str> = list["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["item"].as_str().unwrap())
        .collect();
    assert_eq!(
        got,
        [
            "venue",
            "fire",
            "food",
            "epidemic",
            "records",
            "agreements",
            "insurance",
            "staff_checks"
        ]
    );
    let agreements = &list["lines"][5];
    assert!(
        agreements["evidence"].as_str().unwrap().contains("在托"),
        "{agreements}"
    );
    assert!(agreements["suggested"].is_string());

    // Photos: the inspector's, checked by their bytes; the federation reads them.
    let photos = format!("/api/v1/inspections/{id}/photos");
    let jpeg = b"\xFF\xD8\xFF\xE0 venue photo".to_vec();
    let send = |token: &str, bytes: Vec<u8>, name: &str| {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
        let form = reqwest::multipart::Form::new().part("file", part);
        app.http
            .post(app.url(&photos))
            .bearer_auth(token.to_string())
            .multipart(form)
            .send()
    };
    assert_eq!(
        send(&city, jpeg.clone(), "现场.jpg")
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    let res = send(&inspector, b"MZ not a photo".to_vec(), "现场.jpg")
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = send(&inspector, jpeg.clone(), "现场.jpg").await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let photo: Value = res.json().await.unwrap();
    let url = format!("{photos}/{}", photo["id"].as_str().unwrap());
    let res = app
        .http
        .get(app.url(&url))
        .bearer_auth(&city)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().to_vec(), jpeg);
    assert_eq!(app.get(&url, &sibling).await.0, StatusCode::NOT_FOUND);

    // Recorded by its inspector only, every line once, a failed line with a finding and deadline.
    let record = format!("/api/v1/inspections/{id}/record");
    let today = chrono::Utc::now().date_naive();
    let week = (today + chrono::Days::new(7)).to_string();
    let (s, _) = app
        .post(&record, &city, json!({"lines": lines(None)}))
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the federation does not record for its inspector"
    );
    let (s, e) = app
        .post(
            &record,
            &inspector,
            json!({"lines": lines(Some(("fire", "2020-01-01")))}),
        )
        .await;
    assert_eq!(
        (s, error_fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["deadline".into()])
    );
    let mut short = lines(None);
    short.as_array_mut().unwrap().pop();
    let (s, e) = app.post(&record, &inspector, json!({"lines": short})).await;
    assert_eq!(
        (s, error_fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["lines".into()])
    );
    let body =
        json!({"lines": lines(Some(("fire", &week))), "summary": "整体良好，消防通道需清理。"});
    let (s, done) = app.post(&record, &inspector, body.clone()).await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["inspection"]["status"], "done");
    let tasks = done["rectifications"].as_array().unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(
        (tasks[0]["item"].as_str(), tasks[0]["status"].as_str()),
        (Some("fire"), Some("open"))
    );
    assert_eq!(tasks[0]["overdue"], false);
    assert_eq!(
        app.post(&record, &inspector, body).await.0,
        StatusCode::CONFLICT
    );
    let task = tasks[0]["id"].as_str().unwrap().to_string();
    let city_org = app.org_id("示例市总工会").await;
    let pid = done["inspection"]["programme_id"].as_str().unwrap();
    let board = format!("/api/v1/orgs/{city_org}/dashboard?programme_id={pid}");
    let (_, d) = app.get(&board, &city).await;
    let open = |d: &Value| {
        (
            d["totals"]["rectifications_open"].clone(),
            d["totals"]["rectifications_overdue"].clone(),
        )
    };
    assert_eq!(open(&d), (json!(1), json!(0)), "the dashboard counts it");

    // The class's unit sees it and fixes it; a neighbour or a sibling does not.
    let (_, mine) = app.get("/api/v1/rectifications", &hosp).await;
    assert_eq!(ids(&mine, "id"), BTreeSet::from([task.clone()]));
    let (_, none) = app.get("/api/v1/rectifications", &sibling).await;
    assert_eq!(none, json!([]));
    let fix = format!("/api/v1/rectifications/{task}/fix");
    let (s, e) = app.post(&fix, &hosp, json!({"note": " "})).await;
    assert_eq!(
        (s, error_fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["note".into()])
    );
    assert_eq!(
        app.post(&fix, &power, json!({"note": "x"})).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post(&fix, &sibling, json!({"note": "x"})).await.0,
        StatusCode::NOT_FOUND
    );
    let close = format!("/api/v1/rectifications/{task}/close");
    assert_eq!(
        app.post(&close, &inspector, json!({})).await.0,
        StatusCode::CONFLICT,
        "not fixed yet"
    );
    let evidence = format!("/api/v1/rectifications/{task}/evidence");
    let give = |token: &str| {
        let png = b"\x89PNG\r\n\x1a\n cleared".to_vec();
        let part = reqwest::multipart::Part::bytes(png).file_name("通道.png");
        let form = reqwest::multipart::Form::new().part("file", part);
        let req = app
            .http
            .post(app.url(&evidence))
            .bearer_auth(token.to_string());
        req.multipart(form).send()
    };
    let status = give(&inspector).await.unwrap().status();
    assert_eq!(status, StatusCode::FORBIDDEN, "the unit gives it");
    assert_eq!(give(&hosp).await.unwrap().status(), StatusCode::CREATED);
    let (s, fixed) = app
        .post(&fix, &hosp, json!({"note": "已清理消防通道，附照片存档。"}))
        .await;
    assert_eq!(
        (s, fixed["status"].as_str()),
        (StatusCode::OK, Some("fixed")),
        "{fixed}"
    );

    // The inspector reopens it with a reason, the unit fixes again, the inspector closes it.
    let reopen = format!("/api/v1/rectifications/{task}/reopen");
    let (s, e) = app.post(&reopen, &inspector, json!({"note": ""})).await;
    assert_eq!(
        (s, error_fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["note".into()])
    );
    assert_eq!(
        app.post(&close, &hosp, json!({})).await.0,
        StatusCode::FORBIDDEN
    );
    let (s, again) = app
        .post(&reopen, &inspector, json!({"note": "楼梯间仍有杂物"}))
        .await;
    assert_eq!(
        (s, again["status"].as_str()),
        (StatusCode::OK, Some("open"))
    );
    assert_eq!(
        app.post(&fix, &hosp, json!({"note": "楼梯间已清空"}))
            .await
            .0,
        StatusCode::OK
    );
    let shown = app.get("/api/v1/rectifications", &inspector).await.1;
    assert_eq!(
        shown[0]["evidence"][0]["name"], "通道.png",
        "the inspector sees it"
    );
    let (s, closed) = app
        .post(&close, &inspector, json!({"note": "复查合格"}))
        .await;
    assert_eq!(
        (s, closed["status"].as_str()),
        (StatusCode::OK, Some("closed")),
        "{closed}"
    );
    let status = give(&hosp).await.unwrap().status();
    assert_eq!(status, StatusCode::CONFLICT, "closed: no more evidence");
    assert_eq!(
        open(&app.get(&board, &city).await.1),
        (json!(0), json!(0)),
        "closed"
    );
    let (_, city_view) = app.get("/api/v1/rectifications", &city).await;
    assert_eq!(
        city_view[0]["status"], "closed",
        "the federation follows it"
    );
}

both!(
    an_inspection_is_recorded_and_its_finding_fixed_reopened_and_closed,
    rectifying
);

/// The pages' forms refuse on the page, naming the fix: the draw without a seed text, a class
/// added without a reason, a checklist with lines left out.
async fn refusing_on_the_page(b: Backend) {
    let app = TestApp::spawn(b).await;
    let city = app.token("city_admin").await;
    let (pid, _) = crate::reports::july(&app, &city).await;
    let web = WebSession::login(&app, "city_admin").await;
    let page = format!("/programmes/{pid}/inspections");
    let (s, html) = web.post_form(&page, &page, &[("seed_text", " ")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("field-error") && html.contains("种子"),
        "{html}"
    );
    let (id, _) = assigned(&app, &city).await;
    let (_, plan) = app
        .get(&format!("/api/v1/programmes/{pid}/inspection-plan"), &city)
        .await;
    let other = plan["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["class_id"].as_str().unwrap().to_string())
        .find(|c| *c != plan["inspections"][0]["class_id"])
        .expect("a class not drawn");
    let add = format!(
        "/inspection-plans/{}/inspections",
        plan["id"].as_str().unwrap()
    );
    let (s, html) = web
        .post_form(&page, &add, &[("class_id", &other), ("reason", "")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("添加的原因"), "{html}");
    let inspector = WebSession::login(&app, "inspector").await;
    let checklist = format!("/inspections/{id}");
    let (s, html) = inspector
        .post_form(&checklist, &checklist, &[("result_fire", "pass")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("checklist-errors") && html.matches("请选择“合格”").count() == 1,
        "{html}"
    );
    assert!(
        html.contains("id=\"checklist-form\""),
        "the form comes back to finish"
    );
}

both!(
    the_inspection_forms_refuse_on_the_page,
    refusing_on_the_page
);
