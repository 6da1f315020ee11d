//! Questionnaires (issue 17, SPEC §11): the city edits the 家长测评表 into a new version; a guardian
//! answers from their account, others through their enrolment's QR link without an account —
//! once each, the link naming the class and nothing of the child, dead once the programme is over
//! (410); the host unit answers its own; the results show "insufficient responses" below the
//! programme's minimum and the rate from it on, each federation and unit for its own scope.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::support::{Backend, TestApp, error_fields, tokens};

/// The living season's programme (its dates contain today) and its running class at the hospital.
pub(crate) async fn living(app: &TestApp, city: &str) -> (String, String) {
    let today = tuoguan::calendar::today().to_string();
    let (_, programmes) = app.get("/api/v1/programmes", city).await;
    let p = programmes
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            p["start_date"].as_str() <= Some(&today) && p["end_date"].as_str() >= Some(&today)
        })
        .unwrap_or_else(|| panic!("a programme running today: {programmes}"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, classes) = app
        .get(&format!("/api/v1/classes?programme_id={p}"), city)
        .await;
    let c = classes
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "running" && c["name"].as_str().unwrap().contains("医院"))
        .unwrap_or_else(|| panic!("the hospital's running class: {classes}"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    (p, c)
}

fn answer(overall: &str, n: usize, comment: &str) -> Value {
    json!({"overall": overall, "answers": vec!["satisfied"; n], "comment": comment})
}

fn token_of(slip: &Value) -> String {
    let url = slip["url"].as_str().unwrap();
    url.rsplit_once("/q/").unwrap().1.to_string()
}

async fn public(
    app: &TestApp,
    method: Method,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let path = format!("/api/v1/questionnaire-links/{token}");
    app.call(method, &path, None, body).await
}

async fn answering(b: Backend) {
    let app = TestApp::spawn_on(b, tuoguan::calendar::today()).await;
    let [city, dc, hosp, power, parent] = tokens(
        &app,
        [
            "city_admin",
            "dongcheng_admin",
            "hospital_admin",
            "power_admin",
            "parent",
        ],
    )
    .await;
    let (pid, cid) = living(&app, &city).await;

    // The platform's form until the city edits it; only the federation that opened it edits.
    let form = format!("/api/v1/programmes/{pid}/questionnaires/guardian");
    let (s, q) = app.get(&form, &parent).await;
    assert_eq!((s, q["version"].as_i64()), (StatusCode::OK, Some(1)), "{q}");
    assert_eq!(q["questions"].as_array().unwrap().len(), 5);
    let edited = json!({"title": "家长测评表（2026）", "overall": "总体评价",
        "questions": ["安全", "时间", "课程"], "comment_prompt": "意见建议"});
    for t in [&hosp, &dc] {
        let (s, _) = app
            .call(Method::PUT, &form, Some(t), Some(edited.clone()))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    let many: Vec<String> = (0..21).map(|i| format!("第{i}题")).collect();
    let bad = json!({"title": " ", "overall": "总体", "questions": many, "comment_prompt": "意见"});
    let (s, e) = app.call(Method::PUT, &form, Some(&city), Some(bad)).await;
    assert_eq!(
        (s, error_fields(&e)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["questions".into(), "title".into()]
        )
    );
    let (s, q) = app
        .call(Method::PUT, &form, Some(&city), Some(edited))
        .await;
    assert_eq!((s, q["version"].as_i64()), (StatusCode::OK, Some(2)), "{q}");
    let (s, _) = app
        .get(
            &format!("/api/v1/programmes/{pid}/questionnaires/nobody"),
            &city,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The parent's enrolment in the hospital's class.
    let (_, apps) = app
        .get(&format!("/api/v1/classes/{cid}/applications"), &hosp)
        .await;
    let (_, children) = app.get("/api/v1/children", &parent).await;
    let mine: Vec<&str> = children
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    let own = apps
        .as_array()
        .unwrap()
        .iter()
        .find(|a| mine.contains(&a["child_id"].as_str().unwrap()) && a["status"] == "enrolled")
        .unwrap_or_else(|| panic!("the parent's enrolment: {apps}"));
    let own_id = own["id"].as_str().unwrap();
    let path = format!("/api/v1/applications/{own_id}/questionnaire");
    let (s, a) = app.get(&path, &parent).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert_eq!(
        (a["open"].as_bool(), a["answered"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(a["questionnaire"]["version"], 2);
    assert_eq!(
        app.get(&path, &hosp).await.0,
        StatusCode::FORBIDDEN,
        "the unit does not answer for a family"
    );
    assert_eq!(app.get(&path, &power).await.0, StatusCode::NOT_FOUND);
    let (s, e) = app.post(&path, &parent, answer("satisfied", 2, "")).await;
    assert_eq!(
        (s, error_fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["answers".into()])
    );
    let (s, r) = app
        .post(&path, &parent, answer("satisfied", 3, "老师很负责"))
        .await;
    assert_eq!(
        (s, r["version"].as_i64()),
        (StatusCode::CREATED, Some(2)),
        "{r}"
    );
    assert_eq!(
        app.post(&path, &parent, answer("satisfied", 3, "")).await.0,
        StatusCode::CONFLICT
    );
    // The same on the page: the form once answered says so, whatever is sent.
    let page = format!("/applications/{own_id}/questionnaire");
    let web = crate::support::web::WebSession::login(&app, "parent").await;
    let full = [
        ("overall", "satisfied"),
        ("a0", "satisfied"),
        ("a1", "satisfied"),
        ("a2", "neutral"),
    ];
    let (s, html) = web.post_form(&page, &page, &full).await;
    assert!(
        s == StatusCode::CONFLICT && html.contains("questionnaire-done"),
        "{s}"
    );

    // The class's QR slips: for whoever runs it; the federation reads the class but prints none.
    let slips_path = format!("/api/v1/classes/{cid}/questionnaire-links");
    assert_eq!(app.get(&slips_path, &city).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.get(&slips_path, &power).await.0, StatusCode::NOT_FOUND);
    let (s, slips) = app.get(&slips_path, &hosp).await;
    assert_eq!(s, StatusCode::OK, "{slips}");
    let slips = slips.as_array().unwrap().clone();
    let enrolled = apps
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["status"] == "enrolled")
        .count();
    assert_eq!(slips.len(), enrolled, "one slip per enrolled child");
    let (_, again) = app.get(&slips_path, &hosp).await;
    assert_eq!(
        again.as_array().unwrap()[0]["url"],
        slips[0]["url"],
        "a sheet printed twice gives the same links"
    );
    let own_slip = slips
        .iter()
        .find(|s| s["application_id"] == own["id"])
        .unwrap();
    assert_eq!(own_slip["answered"], true);
    let (s, _) = public(
        &app,
        Method::POST,
        &token_of(own_slip),
        Some(answer("satisfied", 3, "")),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "the link and the account are the same enrolment"
    );

    // Through a link: the class's name and nothing of the child; once; a made-up token is nobody.
    let others: Vec<&Value> = slips.iter().filter(|s| s["answered"] == false).collect();
    let (first, child) = (
        token_of(others[0]),
        others[0]["child_name"].as_str().unwrap(),
    );
    let (s, a) = public(&app, Method::GET, &first, None).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert!(a["class_name"].as_str().unwrap().contains("医院"));
    assert!(
        !a.to_string().contains(child),
        "the link names no child: {a}"
    );
    let (s, _) = public(
        &app,
        Method::POST,
        &first,
        Some(answer("very_satisfied", 3, "希望延长时间")),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = public(
        &app,
        Method::POST,
        &first,
        Some(answer("very_satisfied", 3, "")),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "a link answers once");
    // On the link's page, a question left out is named and nothing is written.
    let anon = crate::support::web::WebSession::new(&app.base);
    let slip_page = format!("/q/{}", token_of(others[9]));
    let (s, html) = anon
        .post_form(&slip_page, &slip_page, &[("overall", "satisfied")])
        .await;
    assert!(
        s == StatusCode::UNPROCESSABLE_ENTITY && html.contains("请为每一题选择"),
        "{s}"
    );
    assert_eq!(
        public(&app, Method::GET, &"0".repeat(32), None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        public(&app, Method::GET, "not-a-token", None).await.0,
        StatusCode::NOT_FOUND
    );

    // The host unit answers for its class; a federation does not, a sibling does not see it.
    let host_path = format!("/api/v1/classes/{cid}/host-questionnaire");
    let (s, h) = app.get(&host_path, &hosp).await;
    assert_eq!(
        (s, h["questionnaire"]["title"].as_str()),
        (StatusCode::OK, Some("主办单位测评表"))
    );
    let n = h["questionnaire"]["questions"].as_array().unwrap().len();
    assert_eq!(
        app.post(&host_path, &city, answer("satisfied", n, ""))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(&host_path, &power, answer("satisfied", n, ""))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post(&host_path, &hosp, answer("satisfied", n, "场地需要扩大"))
            .await
            .0,
        StatusCode::CREATED
    );
    assert_eq!(
        app.post(&host_path, &hosp, answer("satisfied", n, ""))
            .await
            .0,
        StatusCode::CONFLICT
    );

    // Two responses: below the minimum of ten, no rate.
    let results = format!("/api/v1/programmes/{pid}/questionnaire-results");
    let row = |r: &Value| {
        r["classes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["class_id"] == cid.as_str())
            .cloned()
    };
    let (s, r) = app.get(&results, &city).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let c = row(&r).unwrap();
    assert_eq!(
        (
            c["guardian"]["responses"].as_i64(),
            c["guardian"]["insufficient"].as_bool()
        ),
        (Some(2), Some(true))
    );
    assert!(c["guardian"]["rate_bp"].is_null());
    assert_eq!(c["host"], "satisfied");
    let comments: Vec<&str> = r["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["comment"].as_str().unwrap())
        .collect();
    assert!(
        comments.contains(&"老师很负责") && comments.contains(&"场地需要扩大"),
        "{comments:?}"
    );
    assert!(!r.to_string().contains(child), "results name no child");

    // Eight more through links, one of them neutral: 9 of 10 satisfied, 90.00%.
    for (i, s) in others[1..9].iter().enumerate() {
        let overall = if i == 0 { "neutral" } else { "satisfied" };
        let (st, _) = public(
            &app,
            Method::POST,
            &token_of(s),
            Some(answer(overall, 3, "")),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED);
    }
    let (_, r) = app.get(&results, &dc).await;
    assert!(row(&r).is_some(), "东城区 reads the classes of its subtree");
    let other = app.token("linjiang_admin").await;
    assert_eq!(
        app.get(&results, &other).await.0,
        StatusCode::NOT_FOUND,
        "another city: not its programme"
    );
    let (_, r) = app.get(&results, &hosp).await;
    let c = row(&r).unwrap();
    assert_eq!(
        (
            c["guardian"]["responses"].as_i64(),
            c["guardian"]["satisfied"].as_i64()
        ),
        (Some(10), Some(9))
    );
    assert_eq!(
        (
            c["guardian"]["rate_bp"].as_i64(),
            c["guardian"]["insufficient"].as_bool()
        ),
        (Some(9000), Some(false))
    );
    let (_, r) = app.get(&results, &power).await;
    assert!(
        row(&r).is_none(),
        "a sibling unit sees its own classes only"
    );

    // The same as an official hands it on: the .xlsx of the results.
    let web = crate::support::web::WebSession::login(&app, "city_admin").await;
    let res = web
        .http
        .get(app.url(&format!("/programmes/{pid}/questionnaires.xlsx")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap();
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let line = rows
        .iter()
        .find(|r| r[0].contains("医院"))
        .unwrap_or_else(|| panic!("{rows:?}"));
    assert_eq!(
        line[3..6],
        ["10".to_string(), "9".into(), "90.00%".into()],
        "{line:?}"
    );

    // Last summer's programme is over: its links are gone (410), its form closed.
    let (_, programmes) = app.get("/api/v1/programmes", &city).await;
    let summer = programmes
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["season"] == "summer")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, classes) = app
        .get(&format!("/api/v1/classes?programme_id={summer}"), &hosp)
        .await;
    let old = classes.as_array().unwrap()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, old_slips) = app
        .get(&format!("/api/v1/classes/{old}/questionnaire-links"), &hosp)
        .await;
    assert_eq!(s, StatusCode::OK, "{old_slips}");
    let old_token = token_of(&old_slips.as_array().unwrap()[0]);
    assert_eq!(
        public(&app, Method::GET, &old_token, None).await.0,
        StatusCode::GONE
    );
    let (s, e) = public(
        &app,
        Method::POST,
        &old_token,
        Some(answer("satisfied", 3, "")),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::GONE, Some("gone"))
    );
}
both!(answering_questionnaires, answering);
