//! Roster import and export (all or nothing, every bad row reported, GBK, Excel floats, duplicate
//! rows, re-imports, the kindergarten share), and the protection of children's data at rest and
//! in logs.

use std::io::Write;
use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tuoguan_domain::enrolment::TEMPLATE_HEADERS;

use crate::both;
use crate::enrolment::{PARENT_PHONE, apply, approved_class, child, id_number, parent};
use crate::support::{Backend, TestApp};

/// A roster row: name, birth date (YYYY-MM-DD), grade, ID number, guardian phone.
pub fn row(name: &str, birth: &str, grade: &str, id: &str, phone: &str) -> Vec<String> {
    [
        name,
        "男",
        birth,
        "示例市实验小学",
        grade,
        id,
        "林国强",
        phone,
        "父亲",
        "示例市第一人民医院",
        "",
        "",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// A valid row number `i` (grade 3, distinct ID and phone).
pub fn good(i: u32) -> Vec<String> {
    row(
        &format!("测试{i}"),
        "2017-03-08",
        "3",
        &id_number("20170308", i),
        &format!("1371111{i:04}"),
    )
}

pub fn csv(rows: &[Vec<String>]) -> String {
    let mut out = TEMPLATE_HEADERS.join(",");
    for r in rows {
        out.push('\n');
        out.push_str(&r.join(","));
    }
    out.push('\n');
    out
}

pub async fn upload(
    app: &TestApp,
    token: &str,
    class: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let form = reqwest::multipart::Form::new()
        .text("consent_attested", "true")
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    let res = app
        .http
        .post(app.url(&format!("/api/v1/classes/{class}/roster/import")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn count(app: &TestApp, token: &str, class: &str) -> usize {
    let (_, list) = app
        .get(&format!("/api/v1/classes/{class}/applications"), token)
        .await;
    list.as_array().unwrap().len()
}

both!(
    a_roster_imports_all_or_nothing_and_again_without_duplicates,
    import
);
async fn import(b: Backend) {
    let app = TestApp::spawn(b).await;
    let unit = app.token("hospital_admin").await;
    let class = approved_class(&app, "导入班", 30).await;
    // Two bad rows and a duplicate: nothing is written and each is reported with its row.
    let mut bad_id = good(2);
    bad_id[5] = "110101201703080000".into();
    let mut bad_phone = good(3);
    bad_phone[7] = "12345".into();
    let rows = vec![good(1), bad_id, bad_phone, good(1)];
    let (status, err) = upload(&app, &unit, &class, "名单.csv", csv(&rows).into_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let found: Vec<(u64, &str)> = err["error"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_u64().unwrap(), r["column"].as_str().unwrap()))
        .collect();
    assert_eq!(
        found,
        vec![(3, "id_number"), (4, "guardian_phone"), (5, "name")]
    );
    assert!(
        err["error"]["rows"][0]["message"]
            .as_str()
            .unwrap()
            .contains("校验位")
    );
    assert!(
        err["error"]["rows"][2]["message"]
            .as_str()
            .unwrap()
            .contains("第 2 行")
    );
    assert_eq!(count(&app, &unit, &class).await, 0);
    // A good file; then the same file again adds nobody.
    let rows: Vec<_> = (1..=5).map(good).collect();
    let (status, rep) = upload(&app, &unit, &class, "名单.csv", csv(&rows).into_bytes()).await;
    assert_eq!(
        (status, rep["created"].as_u64()),
        (StatusCode::CREATED, Some(5)),
        "{rep}"
    );
    let (status, rep) = upload(&app, &unit, &class, "名单.csv", csv(&rows).into_bytes()).await;
    assert_eq!(
        (status, rep["created"].as_u64(), rep["unchanged"].as_u64()),
        (StatusCode::CREATED, Some(0), Some(5))
    );
    assert_eq!(count(&app, &unit, &class).await, 5);
    // GBK (as Excel on a Chinese Windows saves CSV), with one more child.
    let more: Vec<_> = (1..=6).map(good).collect();
    let text = csv(&more);
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let (status, rep) = upload(&app, &unit, &class, "名单.csv", gbk.into_owned()).await;
    assert_eq!(
        (status, rep["created"].as_u64()),
        (StatusCode::CREATED, Some(1)),
        "{rep}"
    );
    // An .xlsx whose ID column Excel stored as numbers is refused with the row and the reason.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in TEMPLATE_HEADERS.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in good(7).iter().enumerate() {
        sheet.write_string(1, c as u16, v).unwrap();
    }
    sheet.write_number(1, 5, 110101201703080000.0).unwrap();
    let (status, err) = upload(
        &app,
        &unit,
        &class,
        "名单.xlsx",
        book.save_to_buffer().unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["rows"][0]["row"], 2);
    assert!(
        err["error"]["rows"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Excel"),
        "{err}"
    );
    // The template downloads, and the roster exports with masked numbers (audited).
    let res = app
        .http
        .get(app.url(&format!("/api/v1/classes/{class}/roster/template")))
        .bearer_auth(&unit)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .http
        .get(app.url(&format!("/api/v1/classes/{class}/roster.xlsx")))
        .bearer_auth(&unit)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap();
    use calamine::Reader;
    let mut x = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = x.worksheet_range_at(0).unwrap().unwrap();
    let text = format!("{:?}", range.rows().collect::<Vec<_>>());
    assert!(
        text.contains("测试6") && text.contains("110101********"),
        "{text}"
    );
    assert!(!text.contains(&id_number("20170308", 6)));
    assert_eq!(app.audit("roster.export").await.len(), 1);
    // Without the consent attestation nothing is read.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(csv(&[good(8)]).into_bytes()).file_name("a.csv"),
    );
    let res = app
        .http
        .post(app.url(&format!("/api/v1/classes/{class}/roster/import")))
        .bearer_auth(&unit)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A sibling unit cannot import into the class.
    let (status, _) = upload(
        &app,
        &app.token("power_admin").await,
        &class,
        "a.csv",
        csv(&[good(9)]).into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

both!(
    the_kindergarten_share_is_ten_percent_of_capacity,
    kindergarten
);
async fn kindergarten(b: Backend) {
    let app = TestApp::spawn(b).await;
    let unit = app.token("hospital_admin").await;
    // Capacity 10 → 1, 20 → 2, 25 → 2, 30 → 3 kindergarten places.
    for (capacity, places) in [(10, 1u32), (20, 2), (25, 2), (30, 3)] {
        let class = approved_class(&app, &format!("幼儿{capacity}"), capacity).await;
        let k = |i: u32| {
            let n = capacity as u32 * 100 + i;
            let serial = capacity as u32 * 4 + i;
            row(
                &format!("幼{n}"),
                "2020-09-01",
                "幼儿园",
                &id_number("20200901", serial),
                &format!("1372222{n:04}"),
            )
        };
        let rows: Vec<_> = (0..=places).map(k).collect();
        let (status, err) = upload(&app, &unit, &class, "k.csv", csv(&rows).into_bytes()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "capacity {capacity}: {err}"
        );
        let bad = err["error"]["rows"].as_array().unwrap();
        assert_eq!(bad.len(), 1, "{err}");
        assert_eq!(bad[0]["row"].as_u64(), Some(u64::from(places) + 2));
        let rows: Vec<_> = (0..places).map(k).collect();
        let (status, rep) = upload(&app, &unit, &class, "k.csv", csv(&rows).into_bytes()).await;
        assert_eq!(
            (status, rep["created"].as_u64()),
            (StatusCode::CREATED, Some(u64::from(places))),
            "{rep}"
        );
    }
    // Capacity: one row more than the places is refused on that row.
    let class = approved_class(&app, "满员班", 3).await;
    let rows: Vec<_> = (20..24).map(good).collect();
    let (status, err) = upload(&app, &unit, &class, "c.csv", csv(&rows).into_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["rows"][0]["row"], 5);
    // Overlap: the same children in another class on the same dates.
    let rows: Vec<_> = (20..23).map(good).collect();
    assert_eq!(
        upload(&app, &unit, &class, "c.csv", csv(&rows).into_bytes())
            .await
            .0,
        StatusCode::CREATED
    );
    let other = approved_class(&app, "同期班", 10).await;
    let (status, err) = upload(&app, &unit, &other, "c.csv", csv(&rows[..1]).into_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(err.to_string().contains("满员班"), "{err}");
}

/// Collects everything the app logs (every level, every target) for the rest of this process.
fn capture_logs() -> Arc<Mutex<Vec<u8>>> {
    #[derive(Clone)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Arc::new(Mutex::new(Vec::new()));
    let sink = Sink(buf.clone());
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("one subscriber per test process");
    buf
}

both!(
    id_numbers_health_notes_and_phones_stay_out_of_logs_and_the_database_file,
    protection
);
async fn protection(b: Backend) {
    let logs = capture_logs();
    let app = TestApp::spawn(b).await;
    let unit = app.token("hospital_admin").await;
    let class = approved_class(&app, "保护班", 10).await;
    let me = parent(&app, PARENT_PHONE).await;
    let secret_id = id_number("20170308", 77);
    let (_, c) = app
        .post("/api/v1/children", &me, child("林小雨", Some(&secret_id)))
        .await;
    let child_id = c["id"].as_str().unwrap().to_string();
    let a = apply(&app, &me, &child_id, &class).await;
    let path = format!("/api/v1/applications/{a}/decision");
    assert_eq!(
        app.post(&path, &unit, json!({"decision": "accept"}))
            .await
            .0,
        StatusCode::OK
    );
    app.post(
        &format!("/api/v1/children/{child_id}/reveal"),
        &unit,
        json!({}),
    )
    .await;
    app.get(&format!("/api/v1/children/{child_id}/export"), &me)
        .await;
    let rows: Vec<_> = (60..63).map(good).collect();
    let (status, _) = upload(&app, &unit, &class, "r.csv", csv(&rows).into_bytes()).await;
    assert_eq!(status, StatusCode::CREATED);
    let mut bad = good(64);
    bad[5] = format!("{}0", &id_number("20170308", 64)[..17]);
    upload(&app, &unit, &class, "r.csv", csv(&[bad]).into_bytes()).await;
    // A wrong password for the parent's account is logged without the number either.
    app.call(
        reqwest::Method::POST,
        "/api/v1/auth/token",
        None,
        Some(json!({"username": PARENT_PHONE, "password": "wrong-password-1"})),
    )
    .await;
    let mut secrets: Vec<String> =
        vec![secret_id.clone(), PARENT_PHONE.into(), "青霉素过敏".into()];
    secrets.extend((60..65).map(|i| id_number("20170308", i)));
    secrets.extend((60..63).map(|i| format!("1371111{i:04}")));
    let text = String::from_utf8_lossy(&logs.lock().unwrap()).to_string();
    assert!(
        text.len() > 1000,
        "the capture saw the requests: {} bytes",
        text.len()
    );
    for s in &secrets {
        assert!(!text.contains(s.as_str()), "the logs hold {s}");
    }
    // The SQLite file (and its write-ahead log) holds no ID number or health note in clear.
    if let Some(path) = app.db.url.strip_prefix("sqlite://") {
        let mut raw = std::fs::read(path).unwrap();
        raw.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
        let hay = String::from_utf8_lossy(&raw);
        for s in secrets.iter().filter(|s| !s.starts_with("13")) {
            assert!(!hay.contains(s.as_str()), "the database file holds {s}");
        }
        assert!(
            hay.contains("110101********"),
            "the masked number is stored"
        );
    }
}

both!(
    a_roster_of_more_rows_than_one_statement_carries_goes_in_whole,
    many_statements
);
async fn many_statements(b: Backend) {
    let app = TestApp::spawn(b).await;
    let unit = app.token("hospital_admin").await;
    let class = approved_class(&app, "千人班", 500).await;
    // More children than a class may hold (as the benchmark does): three statements per table.
    let n = 1_201;
    let sql = format!("UPDATE classes SET capacity = {n} WHERE id = '{class}'");
    tuoguan::on_db!(&app.state.db, p => sqlx::query(sqlx::AssertSqlSafe(sql)).execute(p).await.map(|_| ()))
        .unwrap();
    let rows: Vec<_> = (0..n)
        .map(|i| {
            let birth = format!("2017030{}", 1 + i / 900);
            let born = format!("2017-03-0{}", 1 + i / 900);
            let id = id_number(&birth, 1 + i % 900);
            row(&format!("孩子{i}"), &born, "3", &id, &format!("1371{i:07}"))
        })
        .collect();
    let (status, rep) = upload(&app, &unit, &class, "名单.csv", csv(&rows).into_bytes()).await;
    assert_eq!(status, StatusCode::CREATED, "{rep}");
    assert_eq!(
        (rep["rows"].as_u64(), rep["created"].as_u64()),
        (Some(n.into()), Some(n.into()))
    );
    for (table, sql) in [
        (
            "applications",
            "SELECT COUNT(*) FROM applications WHERE class_id = $1",
        ),
        (
            "children",
            "SELECT COUNT(*) FROM children c JOIN applications a ON a.child_id = c.id WHERE a.class_id = $1 AND c.id_sealed IS NOT NULL",
        ),
        (
            "links",
            "SELECT COUNT(*) FROM child_guardians g JOIN applications a ON a.child_id = g.child_id WHERE a.class_id = $1",
        ),
        (
            "consents",
            "SELECT COUNT(*) FROM consents c JOIN applications a ON a.child_id = c.child_id WHERE a.class_id = $1 AND c.channel = 'paper'",
        ),
    ] {
        let found: i64 = tuoguan::on_db!(&app.state.db, p => sqlx::query_scalar(sql).bind(&class).fetch_one(p).await)
            .unwrap();
        assert_eq!(found, i64::from(n), "{table}");
    }
    assert_eq!(app.audit("roster.import").await.len(), 1);
    // The same file again adds nobody.
    let (status, rep) = upload(&app, &unit, &class, "名单.csv", csv(&rows).into_bytes()).await;
    assert_eq!(
        (status, rep["unchanged"].as_u64()),
        (StatusCode::CREATED, Some(n.into()))
    );
}

both!(
    a_file_over_the_limit_stops_being_read_and_changes_nothing,
    over_the_limit
);
async fn over_the_limit(b: Backend) {
    let app = TestApp::spawn(b).await;
    let unit = app.token("hospital_admin").await;
    let class = approved_class(&app, "上限班", 30).await;
    // 8 MiB and one byte: refused while it arrives.
    let mut big = csv(&[good(1)]).into_bytes();
    big.resize((8 << 20) + 1, b'\n');
    let (status, err) = upload(&app, &unit, &class, "大.csv", big).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert!(err.to_string().contains("文件过大"), "{err}");
    // A small workbook that would unpack to more than 64 MiB (a zip bomb) is not opened.
    let bomb = {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_level(Some(1));
        zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
        let zeros = vec![b' '; 1 << 20];
        for _ in 0..65 {
            zip.write_all(&zeros).unwrap();
        }
        zip.finish().unwrap().into_inner()
    };
    assert!(bomb.len() < 1 << 20, "{} bytes packed", bomb.len());
    let (status, err) = upload(&app, &unit, &class, "炸弹.xlsx", bomb).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["rows"][0]["column"], "file", "{err}");
    assert!(err.to_string().contains("文件过大"), "{err}");
    // 600 bad rows: the first 500 are listed, one line counts the rest, the message all of them.
    let bad: Vec<_> = (1..=600)
        .map(|i| {
            let mut r = good(i);
            r[7] = "12345".into();
            r
        })
        .collect();
    let (status, err) = upload(&app, &unit, &class, "名单.csv", csv(&bad).into_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let rows = err["error"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 501);
    assert_eq!(rows[499]["row"], 501);
    assert!(
        rows[500]["message"]
            .as_str()
            .unwrap()
            .contains("另有 100 处"),
        "{}",
        rows[500]
    );
    let message = err["error"]["message"].as_str().unwrap();
    assert!(message.contains("有 600 处"), "{message}");
    // Nothing was written, and a good file still goes in.
    assert_eq!(count(&app, &unit, &class).await, 0);
    let (status, rep) = upload(
        &app,
        &unit,
        &class,
        "名单.csv",
        csv(&[good(1)]).into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{rep}");
    assert_eq!(count(&app, &unit, &class).await, 1);
}
