//! The CSRF sweep: every state-changing form of the HTML side, posted by the system admin (who may
//! do all of them) without its token, with a wrong token, and with a valid token from another
//! site's page, is refused with 403 — and nothing changes. The uploads carry their token in the
//! URL and are swept too.

use reqwest::StatusCode;

use crate::both;
use crate::scope_sweep::{assert_unchanged, pdf_form, setup};
use crate::scope_sweep_pages::{page_posts, page_uploads};
use crate::support::web::{WebSession, csrf_of};
use crate::support::{Backend, TestApp};

both!(every_form_refuses_a_post_without_its_csrf_token, csrf_sweep);
async fn csrf_sweep(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (t, _) = setup(&app).await;
    let admin = WebSession::login(&app, "admin").await;
    let token = csrf_of(&admin.get("/").await.1);
    let posts = page_posts(&t);
    assert!(posts.len() >= 30, "{} forms", posts.len());
    for (path, fields) in &posts {
        let url = format!("{}{path}", app.base);
        let res = admin.http.post(&url).form(fields).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "no token: POST {path}");
        let (status, _) = admin
            .post_form_with(
                path,
                "forged-forged-forged-forged-forged",
                &fields
                    .iter()
                    .map(|(k, v)| (*k, v.as_str()))
                    .collect::<Vec<_>>(),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "wrong token: POST {path}");
        let mut with_token = vec![("_csrf", token.clone())];
        with_token.extend(fields.iter().map(|(k, v)| (*k, v.clone())));
        let res = admin
            .http
            .post(&url)
            .header("origin", "https://evil.example")
            .form(&with_token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::FORBIDDEN,
            "another site: POST {path}"
        );
    }
    for upload in page_uploads(&t) {
        let res = admin
            .http
            .post(format!("{}{upload}", app.base))
            .multipart(pdf_form())
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::FORBIDDEN,
            "upload without token: {upload}"
        );
    }
    assert_unchanged(&app, &t).await;
}
