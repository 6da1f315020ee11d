//! The attendance rate and the month grid through the API: expected child-days over the
//! class's operating days, a check-in moving both figures, each child's rate adding up to the
//! class's, and the sign-in sheet (.xlsx) read back cell by cell.

use reqwest::StatusCode;
use serde_json::Value;

use crate::attendance::{check_in, hospital_class, tap};
use crate::both;
use crate::support::{Backend, TestApp};

both!(
    the_rate_counts_enrolled_operating_days_and_the_grid_exports_as_a_sign_in_sheet,
    rates
);
async fn rates(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.token("class_staff").await;
    let city = app.token("city_admin").await;
    let class = hospital_class(&app).await;
    let (s, m) = app
        .get(&format!("/api/v1/classes/{class}/metrics"), &city)
        .await;
    assert_eq!(s, StatusCode::OK, "{m}");
    // 2026-07-06 … 2026-08-14: six weeks of working days, all passed.
    assert_eq!(m["operating_days"], 30);
    assert_eq!(m["operating_days_so_far"], 30);
    let enrolled = m["enrolled"].as_u64().unwrap();
    assert_eq!(
        m["attendance"]["expected"].as_u64().unwrap(),
        enrolled * 30,
        "{m}"
    );
    assert_eq!(
        m["attendance"]["meets_rule"], false,
        "two weeks of thirty days recorded"
    );
    let (s, g) = app
        .get(
            &format!("/api/v1/classes/{class}/attendance?month=2026-07"),
            &city,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{g}");
    let days = g["days"].as_array().unwrap();
    assert_eq!(days.len(), 20, "operating days of July from the 6th");
    assert_eq!(days[0], "2026-07-06");
    let marks = |g: &Value| -> usize {
        g["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["marks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|m| *m == "present")
                    .count()
            })
            .sum()
    };
    let present = marks(&g);
    assert_eq!(g["present"].as_u64().unwrap() as usize, present);
    assert_eq!(
        m["attendance"]["present"].as_u64().unwrap() as usize,
        present,
        "all presences are in July"
    );
    // One more check-in moves both figures by one child-day.
    let child = g["rows"][0]["child_id"].as_str().unwrap();
    let (s, _) = tap(
        &app,
        &staff,
        &class,
        None,
        check_in(child, "2026-07-22", "08:00"),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, m2) = app
        .get(&format!("/api/v1/classes/{class}/metrics"), &city)
        .await;
    assert_eq!(
        m2["attendance"]["present"].as_u64().unwrap() as usize,
        present + 1
    );
    let (_, g2) = app
        .get(
            &format!("/api/v1/classes/{class}/attendance?month=2026-07"),
            &city,
        )
        .await;
    assert_eq!(
        g2["rows"][0]["marks"][12], "present",
        "2026-07-22 is the 13th operating day"
    );
    let expected_rate = {
        let (p, e) = (
            present as u64 + 1,
            m2["attendance"]["expected"].as_u64().unwrap(),
        );
        let bp = (2 * p * 10_000 + e) / (2 * e);
        format!("{}.{:02}%", bp / 100, bp % 100)
    };
    assert_eq!(m2["attendance"]["rate"], expected_rate.as_str());
    // The sheet: title, a header per day with its weekday, a line per child, totals.
    let res = app
        .http
        .get(app.url(&format!(
            "/api/v1/classes/{class}/attendance.xlsx?month=2026-07"
        )))
        .bearer_auth(&city)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap().to_vec();
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let cell = |r: u32, c: u32| {
        sheet
            .get_value((r, c))
            .map(|v| v.to_string())
            .unwrap_or_default()
    };
    assert!(
        cell(0, 0).contains("医院职工子女暑期爱心托管班"),
        "{}",
        cell(0, 0)
    );
    assert_eq!(
        (cell(3, 0), cell(3, 1), cell(3, 2)),
        ("序号".into(), "姓名".into(), "7/6 一".into())
    );
    let rows = g2["rows"].as_array().unwrap();
    for (i, row) in rows.iter().enumerate() {
        let r = 4 + i as u32;
        assert_eq!(cell(r, 1), row["name"].as_str().unwrap());
        for (d, mark) in row["marks"].as_array().unwrap().iter().enumerate() {
            let sign = match mark.as_str().unwrap() {
                "present" => "√",
                "ill" => "病",
                "leave" => "事",
                "absent" => "缺",
                "not_enrolled" => "—",
                _ => "",
            };
            assert_eq!(cell(r, 2 + d as u32), sign, "row {i} day {d}");
        }
        assert_eq!(cell(r, 22), row["present"].to_string());
    }
    assert_eq!(cell(4 + rows.len() as u32, 1), "合计");
    // Each child's figures add up to the class's.
    let (s, sum) = app
        .get(
            &format!("/api/v1/classes/{class}/attendance/summary"),
            &city,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{sum}");
    let kids = sum["children"].as_array().unwrap();
    let total: u64 = kids.iter().map(|k| k["present"].as_u64().unwrap()).sum();
    assert_eq!(total, sum["present"].as_u64().unwrap());
    assert!(
        kids.iter()
            .all(|k| k["expected"] == 30 && k["meets_rule"] == false)
    );
    // Sibling organisations see nothing of it.
    let power = app.token("power_admin").await;
    for path in [
        format!("/api/v1/classes/{class}/metrics"),
        format!("/api/v1/classes/{class}/attendance?month=2026-07"),
    ] {
        let (s, _) = app.get(&path, &power).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
    }
}
