//! The scope sweep of the HTML pages: every page and form, asked by users of every role from the
//! sibling city about real objects of 示例市, answers 403/404 and leaks nothing; anonymous callers
//! are sent to the sign-in page. The API half is `scope_sweep.rs`.

use reqwest::StatusCode;

use crate::both;
use crate::scope_sweep::{SECRETS, Targets, assert_unchanged, pdf_form, setup};
use crate::support::web::WebSession;
use crate::support::{Backend, TestApp};

both!(no_page_leaks_across_organisations, sweep_pages);
async fn sweep_pages(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (t, siblings) = setup(&app).await;
    let gets = page_gets(&t);
    let posts = page_posts(&t);
    let anon = WebSession::new(&app.base);
    for path in &gets {
        let (status, location) = anon.get(path).await;
        // A questionnaire link is answered without an account: one nobody was given is nobody's.
        // A public notice (公示) is read by anyone.
        let expected = if path.starts_with("/q/") {
            StatusCode::NOT_FOUND
        } else if path.starts_with("/notices/") {
            StatusCode::OK
        } else {
            StatusCode::SEE_OTHER
        };
        assert_eq!(status, expected, "anonymous {path}");
        assert!(!location.contains("黄丽"));
    }
    let refused = [
        StatusCode::FORBIDDEN,
        StatusCode::NOT_FOUND,
        StatusCode::UNPROCESSABLE_ENTITY,
    ];
    for (role, username) in &siblings {
        let s = WebSession::login(&app, username).await;
        for path in &gets {
            let (status, html) = s.get(path).await;
            let public = path.starts_with("/notices/") && status == StatusCode::OK;
            assert!(
                public || [StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&status),
                "{role} GET {path}: {status}"
            );
            for secret in SECRETS {
                assert!(!html.contains(secret), "{role} GET {path} leaked {secret}");
            }
        }
        for (path, fields) in &posts {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (status, html) = s.post_form("/", path, &f).await;
            assert!(refused.contains(&status), "{role} POST {path}: {status}");
            for secret in SECRETS {
                assert!(!html.contains(secret), "{role} POST {path} leaked {secret}");
            }
        }
        let csrf = crate::support::web::csrf_of(&s.get("/").await.1);
        for upload in page_uploads(&t) {
            let url = format!("{}{upload}?_csrf={csrf}", app.base);
            let res = s.http.post(url).multipart(pdf_form()).send().await.unwrap();
            assert!(
                [StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&res.status()),
                "{role} upload {upload}: {}",
                res.status()
            );
        }
    }
    assert_unchanged(&app, &t).await;
}

/// Every page and download that shows an object, aimed at real objects of 示例市.
pub(crate) fn page_gets(t: &Targets) -> Vec<String> {
    let (p, c) = (&t.programme, &t.class);
    let mut gets = vec![
        format!("/orgs/{}", t.org),
        format!("/users/{}", t.user),
        "/audit".into(),
        format!("/programmes/{p}"),
        format!("/programmes/{p}/milestones"),
        format!("/programmes/{p}/milestones/{}", t.milestone),
        format!(
            "/programmes/{p}/milestones/{}/report?org_id={}",
            t.report, t.org
        ),
        format!(
            "/programmes/{p}/milestones/{}/report.xlsx?org_id={}",
            t.report, t.org
        ),
        format!("/programmes/{p}/inspections"),
        format!("/inspections/{}", t.inspection),
        format!("/inspections/{}/photos/{}", t.inspected, t.photo),
        format!(
            "/rectifications/{}/evidence/{}",
            t.rectification, t.evidence
        ),
        format!("/programmes/{p}/dashboard"),
        format!("/programmes/{p}/dashboard.xlsx"),
        format!("/classes/new?programme_id={p}"),
        format!("/classes/{c}"),
        format!("/classes/{c}/edit"),
        format!("/classes/{c}/files/{}", t.file),
        format!(
            "/programmes/{p}/milestones/{}/attachments/{}",
            t.report, t.attachment
        ),
        format!("/submissions/{}", t.submission),
        format!("/children/{}", t.child),
        format!("/children/{}/edit", t.child),
        format!("/children/{}/export.json", t.child),
        format!("/children/{}/pickups/{}/photo", t.child, t.pickup),
        format!("/applications/{}", t.application),
        format!("/classes/{c}/enrolment"),
        format!("/classes/{c}/roster.xlsx"),
        format!("/classes/{c}/roster-template.xlsx"),
        format!("/classes/{c}/roll"),
        format!("/classes/{c}/roll?day=2026-07-08"),
        format!("/classes/{c}/roll/manifest.webmanifest"),
        format!("/classes/{c}/cards"),
        format!("/c/{}", t.card),
        format!("/classes/{c}/attendance?month=2026-07"),
        format!("/classes/{c}/attendance.xlsx?month=2026-07"),
        format!("/children/{}/attendance", t.child),
        format!("/classes/{c}/logs"),
        format!("/classes/{c}/incidents"),
        format!("/classes/{c}/schedule"),
        format!("/programmes/{p}/questionnaires"),
        format!("/programmes/{p}/questionnaires.xlsx"),
        format!("/programmes/{p}/questionnaires/guardian"),
        format!("/applications/{}/questionnaire", t.application),
        format!("/classes/{c}/host-questionnaire"),
        format!("/classes/{c}/questionnaire-links"),
        format!("/q/{}", crate::scope_sweep::NO_LINK),
        format!("/programmes/{p}/model-classes"),
        format!("/classes/{c}/model-application"),
        format!("/model-applications/{}", t.model),
        format!("/model-applications/{}/certificate.pdf", t.model),
        format!("/notices/{}", t.notice),
    ];
    gets.extend(crate::scope_sweep_funding::page_gets(t));
    gets
}

/// Uploads (multipart forms), swept separately with a file attached.
pub(crate) fn page_uploads(t: &Targets) -> Vec<String> {
    let mut uploads = vec![
        format!("/classes/{}/files", t.class),
        format!(
            "/programmes/{}/milestones/{}/attachments",
            t.programme, t.report
        ),
        format!("/inspections/{}/photos", t.inspected),
        format!("/rectifications/{}/evidence", t.rectification),
        format!("/classes/{}/enrolment/import", t.class),
        format!("/children/{}/pickups", t.child),
    ];
    uploads.extend(crate::scope_sweep_funding::page_uploads(t));
    uploads
}

/// `.route("…"` paths of the server's own source: the router's table, read where it is written
/// (axum cannot list its routes).
fn routes_in_source() -> Vec<String> {
    fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for part in text.split(".route(").skip(1) {
                    let rest = part.trim_start();
                    if let Some(r) = rest.strip_prefix('"')
                        && let Some(end) = r.find('"')
                    {
                        out.push(r[..end].to_string());
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut out,
    );
    out.sort();
    out.dedup();
    out
}

/// True when `path` (query left out) is an instance of the route `pattern`.
fn instance_of(pattern: &str, path: &str) -> bool {
    let path = path.split('?').next().unwrap_or_default();
    let (a, b): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    a.len() == b.len()
        && a.iter().zip(&b).all(|(p, s)| {
            if p.starts_with('{') {
                !s.is_empty()
            } else {
                p == s
            }
        })
}

/// Every route of the HTML side that names an object is in the sweep: a new page or form that is
/// not swept fails here, so the sweep's lists cannot fall behind the router. Routes without an
/// object in the path are lists scoped by the caller (or public), `/static/` is the bundle, and
/// the JSON side is walked from the OpenAPI document by `scope_sweep.rs`.
#[test]
fn every_object_route_of_the_pages_is_swept() {
    let t = Targets::placeholder();
    let mut swept = page_gets(&t);
    swept.extend(page_posts(&t).into_iter().map(|(path, _)| path));
    swept.extend(page_uploads(&t));
    let routes = routes_in_source();
    assert!(
        routes.len() > 50,
        "found {} routes: is the source where it was?",
        routes.len()
    );
    let missing: Vec<&String> = routes
        .iter()
        .filter(|r| r.contains('{') && !r.starts_with("/api/") && !r.starts_with("/static/"))
        .filter(|r| !swept.iter().any(|p| instance_of(r, p)))
        .collect();
    assert!(
        missing.is_empty(),
        "routes the scope sweep does not visit: {missing:?}"
    );
}

/// Every state-changing form of the HTML side, aimed at real objects of 示例市, with plausible
/// fields (shared by the scope sweep and the CSRF sweep).
pub(crate) fn page_posts(t: &Targets) -> Vec<(String, Vec<(&'static str, String)>)> {
    let (p, c) = (&t.programme, &t.class);
    let mut posts = vec![
        (
            format!("/orgs/{}", t.org),
            vec![("action", "rename".into()), ("name", "被改名".into())],
        ),
        (
            format!("/orgs/{}", t.org),
            vec![("action", "deactivate".into())],
        ),
        (
            "/orgs".into(),
            vec![
                ("parent_id", t.org.clone()),
                ("name", "渗透测试工会".into()),
                ("kind", "grassroots".into()),
                ("unit_type", "other".into()),
            ],
        ),
        (
            format!("/users/{}", t.user),
            vec![
                ("action", "password".into()),
                ("password", "Intruder-pass-1".into()),
            ],
        ),
        (
            format!("/users/{}", t.user),
            vec![("action", "deactivate".into())],
        ),
        (
            format!("/users/{}", t.user),
            vec![("action", "deactivate".into()), ("confirm", "1".into())],
        ),
        (
            format!("/users/{}", t.user),
            vec![
                ("action", "remove_role".into()),
                ("grant_id", t.grant.clone()),
            ],
        ),
        (
            "/calendar/days".into(),
            vec![
                ("date", "2026-10-09".into()),
                ("kind", "holiday".into()),
                ("name", "假".into()),
            ],
        ),
        ("/calendar/days/2026-10-01/delete".into(), vec![]),
        (
            "/calendar/years/2026".into(),
            vec![("csv", "2026-01-01,holiday,元旦".into())],
        ),
        (
            format!("/classes/{c}/action"),
            vec![("action", "close".into())],
        ),
        // The confirmed form of each step that asks first (issue 15): the same scope rules.
        (
            format!("/classes/{c}/action"),
            vec![("action", "close".into()), ("confirm", "1".into())],
        ),
        (
            format!("/classes/{c}/edit"),
            vec![
                ("programme_id", p.clone()),
                ("name", "被改名".into()),
                ("capacity", "20".into()),
                ("food_mode", "no_meals".into()),
            ],
        ),
        (
            format!("/classes/{c}/staff"),
            vec![
                ("name", "x".into()),
                ("role", "teacher".into()),
                ("phone", "13900000000".into()),
            ],
        ),
        (
            format!("/classes/{c}/staff/{}", t.staff),
            vec![("action", "leave".into())],
        ),
        (
            format!("/classes/{c}/days"),
            vec![
                ("day", "2026-07-08".into()),
                ("kind", "closure".into()),
                ("reason", "x".into()),
            ],
        ),
        (format!("/classes/{c}/days/2026-07-08/delete"), vec![]),
        (
            "/classes/new".into(),
            vec![
                ("programme_id", p.clone()),
                ("host_org_id", t.org.clone()),
                ("name", "x".into()),
                ("capacity", "20".into()),
                ("food_mode", "no_meals".into()),
            ],
        ),
        (
            format!("/programmes/{p}/copy"),
            vec![
                ("season", "summer".into()),
                ("year", "2027".into()),
                ("start_date", "2027-07-01".into()),
                ("end_date", "2027-08-31".into()),
            ],
        ),
        (
            format!("/programmes/{p}/milestones/{}", t.milestone),
            vec![("narrative", "x".into()), ("submit", "1".into())],
        ),
        (
            format!("/submissions/{}", t.submission),
            vec![("decision", "approve".into())],
        ),
        (
            format!("/programmes/{p}/milestones/{}/missing", t.report),
            vec![("org_id", t.org.clone()), ("reason", "x".into())],
        ),
        (
            format!(
                "/programmes/{p}/milestones/{}/missing/{}/delete",
                t.report, t.org
            ),
            Vec::new(),
        ),
        (
            format!(
                "/programmes/{p}/milestones/{}/attachments/{}/delete",
                t.report, t.attachment
            ),
            Vec::new(),
        ),
        (
            format!("/programmes/{p}/inspections"),
            vec![("org_id", t.org.clone()), ("seed_text", "x".into())],
        ),
        (
            format!("/inspection-plans/{}/inspections", t.plan),
            vec![("class_id", c.clone()), ("reason", "x".into())],
        ),
        (
            format!("/inspections/{}/inspector", t.inspection),
            vec![("inspector_id", String::new())],
        ),
        (
            format!("/inspections/{}", t.inspection),
            vec![("result_fire", "pass".into()), ("summary", "x".into())],
        ),
        (
            format!("/rectifications/{}/fix", t.rectification),
            vec![("note", "x".into())],
        ),
        (
            format!("/rectifications/{}/close", t.rectification),
            vec![("note", "x".into())],
        ),
        (
            format!("/programmes/{p}/questionnaires/guardian"),
            vec![
                ("title", "被改".into()),
                ("overall", "x".into()),
                ("comment_prompt", "x".into()),
            ],
        ),
        (
            format!("/applications/{}/questionnaire", t.application),
            vec![("overall", "very_dissatisfied".into())],
        ),
        (
            format!("/classes/{c}/host-questionnaire"),
            vec![("overall", "very_dissatisfied".into())],
        ),
        (
            format!("/q/{}", crate::scope_sweep::NO_LINK),
            vec![("overall", "very_dissatisfied".into())],
        ),
        (
            format!("/programmes/{p}/model-reviewers"),
            vec![("user_id", t.user.clone())],
        ),
        (
            format!("/programmes/{p}/model-notice"),
            vec![("days", "5".into())],
        ),
        (
            format!("/classes/{c}/model-application"),
            vec![("statement", "x".into())],
        ),
        (
            format!("/model-applications/{}/score", t.model),
            vec![("safety", "1".into())],
        ),
        (
            format!("/notices/{}/objections", t.notice),
            vec![
                ("application_id", t.model.clone()),
                ("summary", "x".into()),
                ("received_on", "2026-10-02".into()),
            ],
        ),
        (format!("/notices/{}/naming", t.notice), vec![]),
        (
            format!("/objections/{}/handling", t.objection),
            vec![("upheld", "yes".into()), ("handling", "x".into())],
        ),
        (format!("/children/{}/reveal", t.child), vec![]),
        (format!("/children/{}/delete", t.child), vec![]),
        (
            format!("/children/{}/pickups/{}/remove", t.child, t.pickup),
            vec![],
        ),
        (
            format!("/children/{}/edit", t.child),
            vec![("name", "被改名".into()), ("grade", "3".into())],
        ),
        (
            "/applications".into(),
            vec![("child_id", t.child.clone()), ("class_id", c.clone())],
        ),
        (
            format!("/applications/{}/decision", t.application),
            vec![("decision", "withdraw".into())],
        ),
        (
            format!("/applications/{}/decision", t.application),
            vec![("decision", "reject".into()), ("confirm", "1".into())],
        ),
        (
            format!("/applications/{}/decision", t.application),
            vec![("decision", "withdraw".into()), ("confirm", "1".into())],
        ),
        (
            format!("/applications/{}/agreement", t.application),
            vec![("version", "2026-1".into())],
        ),
        (
            format!("/applications/{}/insurance", t.application),
            vec![
                ("insurer", "x".into()),
                ("policy_no", "x".into()),
                ("valid_from", "2026-07-01".into()),
                ("valid_to", "2026-08-31".into()),
                ("payer", "guardian".into()),
            ],
        ),
        (
            format!("/applications/{}/attends-from", t.application),
            vec![("attends_from", "2026-07-06".into())],
        ),
        (
            format!("/classes/{c}/enrolment/lottery"),
            vec![("seed_text", "x".into())],
        ),
        (
            format!("/classes/{c}/roll/tap"),
            vec![
                ("child_id", t.child.clone()),
                ("action", "check_in".into()),
                ("day", "2026-07-20".into()),
            ],
        ),
        // The roll's offline queue posts JSON here; a form body must be refused just the same.
        (
            format!("/classes/{c}/roll/taps"),
            vec![("child_id", t.child.clone()), ("action", "check_in".into())],
        ),
        (format!("/children/{}/card/reissue", t.child), vec![]),
        (
            format!("/children/{}/card/reissue", t.child),
            vec![("confirm", "1".into())],
        ),
        (
            format!("/classes/{c}/logs"),
            vec![
                ("kind", "cleaning".into()),
                ("day", "2026-07-20".into()),
                ("officer", "x".into()),
                ("areas", "x".into()),
            ],
        ),
        (
            format!("/classes/{c}/incidents"),
            vec![
                ("occurred_at", "2026-07-20T10:00".into()),
                ("kind", "injury".into()),
                ("severity", "minor".into()),
                ("description", "x".into()),
                ("actions", "x".into()),
            ],
        ),
        (format!("/incidents/{}/acknowledge", t.incident), vec![]),
        (
            format!("/classes/{c}/schedule"),
            vec![
                ("weekday", "1".into()),
                ("starts", "08:00".into()),
                ("ends", "09:00".into()),
                ("activity", "play".into()),
            ],
        ),
        (format!("/classes/{c}/schedule/{}/delete", t.item), vec![]),
    ];
    posts.extend(crate::scope_sweep_funding::page_posts(t));
    posts
}
