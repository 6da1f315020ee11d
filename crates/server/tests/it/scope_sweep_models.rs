//! The scope sweep's model-class targets: an application of 示例市's closed class, a notice
//! proposing it and an objection, for siblings to aim at.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::TestApp;

/// The closed power class applies to be a model class; a notice proposing it and an objection
/// are written as the city would have (the class fails a criterion, so no notice could name it).
pub(crate) async fn model_class_of(app: &TestApp, programme: &str) -> (String, String, String) {
    let power = app.token("power_admin").await;
    let path = format!("/api/v1/classes?programme_id={programme}");
    let (_, classes) = app.get(&path, &power).await;
    let class = classes
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "closed")
        .expect("a closed class")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/v1/classes/{class}/model-application");
    let (status, a) = app.post(&path, &power, json!({"statement": "申报"})).await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    let model = a["id"].as_str().unwrap().to_string();
    let (notice, objection) = (tuoguan::new_id(), tuoguan::new_id());
    let city = app.org_id("示例市总工会").await;
    let entries = json!([{"application_id": model, "class_name": a["class_name"], "host_name": a["host_name"], "rank": 1, "mean_score": 9000}]);
    let sql = format!(
        "INSERT INTO model_notices (id, programme_id, org_id, level, title, entries, starts_on, \
         ends_on, published_by, published_at) VALUES ('{notice}', '{programme}', '{city}', 'city', \
         '公示', '{entries}', '2026-10-01', '2026-10-07', 'x', 0)"
    );
    let objected = format!(
        "INSERT INTO model_objections (id, notice_id, application_id, summary, received_on, \
         recorded_by, recorded_at) VALUES ('{objection}', '{notice}', '{model}', '反映', \
         '2026-10-02', 'x', 0)"
    );
    for sql in [sql, objected] {
        tuoguan::on_db!(&app.state.db, c => sqlx::query(sqlx::AssertSqlSafe(sql)).execute(c).await.map(|_| ()))
            .unwrap();
    }
    (model, notice, objection)
}
