//! Uploads are what their bytes say: class documents, pickup photos and roster files are typed by
//! their content, a name with another type's extension is refused (422 on the field, with the
//! fix), and stored files leave as attachments named after their content, sandboxed, not sniffed.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::both;
use crate::roster_import::{csv, good};
use crate::support::web::{WebSession, csrf_of};
use crate::support::{Backend, TestApp, error_fields};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0];
const WEBP: &[u8] = b"RIFF\x1a\0\0\0WEBPVP8L\x0d\0\0\0";
/// A PDF signature with a page behind it: what a browser would render if it were let.
const PDF_HTML: &[u8] = b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>";

async fn upload_document(
    app: &TestApp,
    token: &str,
    class: &str,
    name: &str,
    bytes: &[u8],
    lang: &str,
) -> (StatusCode, Value) {
    let form = Form::new().text("kind", "rules").part(
        "file",
        Part::bytes(bytes.to_vec()).file_name(name.to_string()),
    );
    let res = app
        .http
        .post(app.url(&format!("/api/v1/classes/{class}/files")))
        .bearer_auth(token)
        .header("accept-language", lang)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

both!(
    a_class_document_is_typed_by_its_bytes_and_leaves_sandboxed,
    documents
);
async fn documents(b: Backend) {
    let app = TestApp::spawn(b).await;
    let unit = app.token("hospital_admin").await;
    let class = crate::attendance::hospital_class(&app).await;
    // A PDF named as a page: refused, saying what it is and what to call it, in either language.
    let (status, err) = upload_document(&app, &unit, &class, "制度.html", PDF_HTML, "zh-CN").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(error_fields(&err), ["file"]);
    let msg = err["error"]["fields"]["file"].as_str().unwrap();
    assert!(
        msg.contains("PDF") && msg.contains(".pdf") && msg.contains("扩展名"),
        "{msg}"
    );
    let (_, err) = upload_document(&app, &unit, &class, "rules.html", PDF_HTML, "en").await;
    assert!(
        err["error"]["fields"]["file"]
            .as_str()
            .unwrap()
            .contains("Rename the file to end in .pdf"),
        "{err}"
    );
    // A PNG named .jpg, a JPEG named .pdf: refused as well.
    for (name, bytes) in [("照片.jpg", PNG), ("制度.pdf", JPEG)] {
        let (status, err) = upload_document(&app, &unit, &class, name, bytes, "zh-CN").await;
        assert_eq!(
            (status, error_fields(&err)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["file".to_string()]),
            "{name}"
        );
    }
    // Named as what it is (any case), or not named at all: kept, named after its content.
    let mut stored = Vec::new();
    for (name, bytes, want) in [
        ("制度.PDF", PDF_HTML, "制度.PDF"),
        ("制度", PDF_HTML, "制度.pdf"),
        ("场地.jpeg", JPEG, "场地.jpeg"),
    ] {
        let (status, meta) = upload_document(&app, &unit, &class, name, bytes, "zh-CN").await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {meta}");
        assert_eq!(meta["name"], want);
        stored.push((meta, bytes));
    }
    let (meta, bytes) = &stored[1];
    assert_eq!(meta["content_type"], "application/pdf");
    let url = app.url(&format!(
        "/api/v1/classes/{class}/files/{}",
        meta["id"].as_str().unwrap()
    ));
    let res = app.http.get(&url).bearer_auth(&unit).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers();
    assert_eq!(h["content-type"], "application/pdf");
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("sandbox") && csp.contains("default-src 'none'"),
        "the download's own CSP: {csp}"
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    let disposition = h["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"export.pdf\"")
            && disposition.ends_with(".pdf"),
        "{disposition}"
    );
    assert_eq!(&res.bytes().await.unwrap()[..], *bytes);
    // Pages keep the site's policy.
    let res = app.http.get(app.url("/login")).send().await.unwrap();
    assert!(
        res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
}

/// The demo parent's child and a new pickup person of theirs: (token, child, pickup).
async fn parent_with_pickup(app: &TestApp) -> (String, String, String) {
    let mine = app.token("parent").await;
    let (_, kids) = app.get("/api/v1/children", &mine).await;
    let child = kids[0]["id"].as_str().unwrap().to_string();
    let body = json!({"name": "孙大伟", "relationship": "祖父", "phone": "13700005678"});
    let (status, p) = app
        .post(&format!("/api/v1/children/{child}/pickups"), &mine, body)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    (mine, child, p["id"].as_str().unwrap().to_string())
}

both!(
    a_pickup_photo_is_typed_by_its_bytes_not_its_declared_type,
    photos
);
async fn photos(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (mine, child, pickup) = parent_with_pickup(&app).await;
    let url = app.url(&format!("/api/v1/children/{child}/pickups/{pickup}/photo"));
    let put = |bytes: &'static [u8], declared: &'static str| {
        app.http
            .put(&url)
            .bearer_auth(&mine)
            .header("content-type", declared)
            .body(bytes)
            .send()
    };
    // A page declared as a JPEG is not a photo.
    let res = put(b"<html><script>alert(1)</script>", "image/jpeg")
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&res.json().await.unwrap()), ["photo"]);
    let res = put(PDF_HTML, "image/png").await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // What the bytes are is what is stored and served, whatever was declared.
    for (bytes, declared, served, ext) in [
        (PNG, "image/jpeg", "image/png", "png"),
        (WEBP, "application/octet-stream", "image/webp", "webp"),
        (JPEG, "text/html", "image/jpeg", "jpg"),
    ] {
        let res = put(bytes, declared).await.unwrap();
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "{served}");
        let res = app.http.get(&url).bearer_auth(&mine).send().await.unwrap();
        let h = res.headers();
        assert_eq!(h["content-type"], served);
        assert_eq!(
            h["content-disposition"],
            format!("attachment; filename=\"photo.{ext}\"").as_str()
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert!(
            h["content-security-policy"]
                .to_str()
                .unwrap()
                .starts_with("sandbox")
        );
        assert_eq!(&res.bytes().await.unwrap()[..], bytes);
    }
    // The guardian's form: a JPEG named .png is refused on the photo field; named .jpg it is kept.
    let s = WebSession::login(&app, "parent").await;
    let page = s.get(&format!("/children/{child}")).await.1;
    let post = |name: &'static str| {
        let form = Form::new()
            .text("name", "孙二伟")
            .text("relationship", "舅舅")
            .text("phone", "13700005679")
            .part(
                "photo",
                Part::bytes(JPEG.to_vec())
                    .file_name(name)
                    .mime_str("image/png")
                    .unwrap(),
            );
        s.http
            .post(app.url(&format!("/children/{child}/pickups")))
            .header("x-csrf-token", csrf_of(&page))
            .multipart(form)
            .send()
    };
    let res = post("孙二伟.png").await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text().await.unwrap().contains(".jpg"),
        "the fix is named"
    );
    let res = post("孙二伟.jpg").await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

both!(a_roster_file_named_as_another_type_is_refused, roster_names);
async fn roster_names(b: Backend) {
    let app = TestApp::spawn(b).await;
    let unit = app.token("hospital_admin").await;
    let class = crate::enrolment::approved_class(&app, "扩展名班", 40).await;
    let text = csv(&[good(1)]).into_bytes();
    let res = app
        .http
        .get(app.url(&format!("/api/v1/classes/{class}/roster/template")))
        .bearer_auth(&unit)
        .send()
        .await
        .unwrap();
    let workbook = res.bytes().await.unwrap().to_vec();
    for (name, bytes) in [
        ("名单.xlsx", &text),
        ("名单.csv", &workbook),
        ("名单.xls", &text),
        ("名单.html", &text),
    ] {
        let (status, err) =
            crate::roster_import::upload(&app, &unit, &class, name, bytes.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {err}");
        assert_eq!(error_fields(&err), ["file"], "{name}");
        assert!(
            err["error"]["fields"]["file"]
                .as_str()
                .unwrap()
                .contains(".xlsx"),
            "{err}"
        );
    }
    let (status, report) =
        crate::roster_import::upload(&app, &unit, &class, "名单.CSV", text).await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
}
