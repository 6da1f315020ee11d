//! Attachments of a unit's report (issue 16): the hospital's union attaches its stamped scan to the
//! July report — checked by its bytes, once per Idempotency-Key — submits, is returned, swaps the
//! file and resubmits; each version keeps the files it went up with. Its district reads and
//! downloads them but cannot change them; nobody beside or outside the tree sees them; nothing
//! changes once a version is sent; at most 20 at a time; the page's form does the same.

use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::support::web::{WebSession, csrf_of};
use crate::support::{Backend, TestApp, error_fields};

const SCAN: &[u8] = b"%PDF-1.4\n%\xe7\xab\xa0 stamped scan of the July report";
const PHOTO: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR photo";

fn form(bytes: &[u8], name: &str, org: Option<&str>) -> Form {
    let part = Part::bytes(bytes.to_vec()).file_name(name.to_string());
    let f = Form::new().part("file", part);
    match org {
        Some(o) => f.text("org_id", o.to_string()),
        None => f,
    }
}

async fn upload(
    app: &TestApp,
    path: &str,
    token: &str,
    f: Form,
    key: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = app.http.post(app.url(path)).bearer_auth(token).multipart(f);
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn names(list: &Value) -> Vec<String> {
    let items = list.as_array().unwrap_or_else(|| panic!("a list: {list}"));
    items
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_string())
        .collect()
}

async fn attaching(b: Backend) {
    let app = TestApp::spawn(b).await;
    let [city, dc, hosp, power, sibling] = [
        "city_admin",
        "dongcheng_admin",
        "hospital_admin",
        "power_admin",
        "linjiang_admin",
    ]
    .map(|u| app.token(u));
    let [city, dc, hosp, power, sibling] =
        [city.await, dc.await, hosp.await, power.await, sibling.await];
    let (pid, mid) = crate::reports::july(&app, &city).await;
    let hospital = app.org_id("示例市第一人民医院工会").await;
    let base = format!("/api/v1/programmes/{pid}/milestones/{mid}");
    let files = format!("{base}/attachments");

    // Checked by the bytes: not a PDF, or a picture named as a PDF, is refused on the field.
    for (bytes, name) in [
        (&b"MZ\x90\x00 a program"[..], "报表.pdf"),
        (PHOTO, "报表.pdf"),
    ] {
        let (s, e) = upload(&app, &files, &hosp, form(bytes, name, None), None).await;
        assert_eq!(
            (s, error_fields(&e)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["file".into()])
        );
    }
    // Sent twice under one key, it is stored once.
    let scan = || form(SCAN, "../七月报表（盖章）.pdf", None);
    let (s, a) = upload(&app, &files, &hosp, scan(), Some("scan-1")).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(
        (a["name"].as_str(), a["content_type"].as_str()),
        (Some("七月报表（盖章）.pdf"), Some("application/pdf"))
    );
    let (s, again) = upload(&app, &files, &hosp, scan(), Some("scan-1")).await;
    assert_eq!(
        (s, again["id"].clone()),
        (StatusCode::CREATED, a["id"].clone())
    );
    let (s, e) = upload(
        &app,
        &files,
        &hosp,
        form(PHOTO, "照片.png", None),
        Some("scan-1"),
    )
    .await;
    assert_eq!(
        (s, error_fields(&e)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["Idempotency-Key".into()]
        )
    );
    let (_, list) = app.get(&files, &hosp).await;
    assert_eq!(names(&list), ["七月报表（盖章）.pdf"]);
    let scan_url = format!("{files}/{}", a["id"].as_str().unwrap());

    // The district reads and downloads them; beside or outside the tree, nobody does.
    let (s, list) = app.get(&format!("{files}?org_id={hospital}"), &dc).await;
    assert_eq!(
        (s, names(&list)),
        (StatusCode::OK, vec!["七月报表（盖章）.pdf".to_string()])
    );
    let res = app
        .http
        .get(app.url(&scan_url))
        .bearer_auth(&dc)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.bytes().await.unwrap(), SCAN);
    for token in [&power, &sibling] {
        assert_eq!(
            app.get(&format!("{files}?org_id={hospital}"), token)
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(app.get(&scan_url, token).await.0, StatusCode::NOT_FOUND);
        let (s, _) = app.call(Method::DELETE, &scan_url, Some(token), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    // Only the unit changes them.
    let (s, _) = app.call(Method::DELETE, &scan_url, Some(&dc), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = upload(
        &app,
        &files,
        &dc,
        form(SCAN, "x.pdf", Some(&hospital)),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // A photo added and taken off again.
    let (s, photo) = upload(&app, &files, &hosp, form(PHOTO, "活动照片", None), None).await;
    assert_eq!(
        (s, photo["name"].as_str()),
        (StatusCode::CREATED, Some("活动照片.png"))
    );
    let photo_url = format!("{files}/{}", photo["id"].as_str().unwrap());
    assert_eq!(
        app.call(Method::DELETE, &photo_url, Some(&hosp), None)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.call(Method::DELETE, &photo_url, Some(&hosp), None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // Submitted: the report carries the scan, and nothing changes while it waits.
    let save = format!("{base}/submissions");
    let text = json!({"narrative": "七月按时开班，报表盖章件见附件。", "submit": true});
    let (s, v1) = app.post(&save, &hosp, text.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v1}");
    let (_, r) = app.get(&format!("{base}/report"), &hosp).await;
    assert_eq!(names(&r["attachments"]), ["七月报表（盖章）.pdf"]);
    let (s, _) = upload(&app, &files, &hosp, form(PHOTO, "迟到.png", None), None).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(
        app.call(Method::DELETE, &scan_url, Some(&hosp), None)
            .await
            .0,
        StatusCode::CONFLICT
    );

    // Returned: the unit swaps the scan for a fuller one and resubmits; each version keeps its own.
    let v1_id = v1["id"].as_str().unwrap();
    let (s, _) = app
        .post(
            &format!("/api/v1/submissions/{v1_id}/return"),
            &dc,
            json!({"comment": "请附巡查记录"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        app.call(Method::DELETE, &scan_url, Some(&hosp), None)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let (s, _) = upload(
        &app,
        &files,
        &hosp,
        form(SCAN, "七月报表及巡查记录.pdf", None),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, v2) = app.post(&save, &hosp, text).await;
    assert_eq!(s, StatusCode::OK, "{v2}");
    let (_, r) = app
        .get(&format!("{base}/report?org_id={hospital}"), &dc)
        .await;
    assert_eq!(names(&r["attachments"]), ["七月报表及巡查记录.pdf"]);
    let web = WebSession::login(&app, "dongcheng_admin").await;
    let (_, first) = web.get(&format!("/submissions/{v1_id}")).await;
    assert!(
        first.contains("七月报表（盖章）.pdf") && !first.contains("巡查记录.pdf"),
        "v1 keeps its scan"
    );
    let (_, second) = web
        .get(&format!("/submissions/{}", v2["id"].as_str().unwrap()))
        .await;
    assert!(second.contains("七月报表及巡查记录.pdf") && !second.contains("（盖章）"));
    assert_eq!(
        app.get(&scan_url, &dc).await.0,
        StatusCode::OK,
        "a file a version went with stays readable"
    );

    // The report's .xlsx names them.
    let xlsx = format!("/programmes/{pid}/milestones/{mid}/report.xlsx?org_id={hospital}");
    let bytes = web
        .http
        .get(app.url(&xlsx))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    assert!(
        sheet
            .cells()
            .any(|(_, _, v)| *v == "附件：七月报表及巡查记录.pdf")
    );
}

both!(
    a_report_carries_its_attachments_version_by_version,
    attaching
);

/// The page's form: an upload and a refusal shown on the field, and the limit of 20.
async fn attaching_on_the_page(b: Backend) {
    let app = TestApp::spawn(b).await;
    let city = app.token("city_admin").await;
    let hosp = app.token("hospital_admin").await;
    let (pid, mid) = crate::reports::july(&app, &city).await;
    let web = WebSession::login(&app, "hospital_admin").await;
    let page = format!("/programmes/{pid}/milestones/{mid}");
    let (s, html) = web.get(&page).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("id=\"attachment-form\"") && html.contains("id=\"attachments-none\""));
    let csrf = csrf_of(&html);
    let post = |bytes: &'static [u8], name: &'static str, token: Option<&str>| {
        let url = match token {
            Some(t) => app.url(&format!("{page}/attachments?_csrf={t}")),
            None => app.url(&format!("{page}/attachments")),
        };
        web.http.post(url).multipart(form(bytes, name, None)).send()
    };
    let res = post(SCAN, "七月报表.pdf", None).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "no CSRF token");
    let res = post(SCAN, "七月报表.pdf", Some(&csrf)).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = post(b"GIF89a not accepted", "动图.gif", Some(&csrf))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("id=\"attachment-error\"") && html.contains("PDF"),
        "{html}"
    );
    assert!(
        html.contains("七月报表.pdf"),
        "the stored one is still listed"
    );

    // Removing from the page.
    let (_, list) = app
        .get(
            &format!("/api/v1/programmes/{pid}/milestones/{mid}/attachments"),
            &hosp,
        )
        .await;
    let id = list[0]["id"].as_str().unwrap().to_string();
    let (s, _) = web
        .post_form(&page, &format!("{page}/attachments/{id}/delete"), &[])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);

    // Twenty at a time, then the field says so.
    let api = format!("/api/v1/programmes/{pid}/milestones/{mid}/attachments");
    for i in 0..20 {
        let (s, _) = upload(
            &app,
            &api,
            &hosp,
            form(SCAN, &format!("{i}.pdf"), None),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let (s, e) = upload(&app, &api, &hosp, form(SCAN, "21.pdf", None), None).await;
    assert_eq!(
        (s, error_fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["file".into()])
    );
}

both!(
    the_submission_page_attaches_and_refuses_on_the_field,
    attaching_on_the_page
);
