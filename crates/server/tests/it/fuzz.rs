//! Bad input, generated: every operation of the OpenAPI document receives malformed and random JSON
//! bodies, odd ids and odd query strings from a signed-in system admin (who passes every scope check,
//! so the input reaches the deepest code). Nothing may answer 5xx, and every error is the JSON body
//! of PRODUCT.md §15. The generator is seeded, so a failure names a case that can be re-run.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::support::{Backend, TestApp};

/// SplitMix64: a tiny, seeded, reproducible generator.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const STRINGS: &[&str] = &[
    "",
    " ",
    "null",
    "0",
    "-1",
    "9999999999999999999999",
    "2026-02-30",
    "2026-13-01",
    "1900-01-01",
    "9999-12-31",
    "summer",
    "grassroots",
    "federation_admin",
    "in_unit",
    "caterer",
    "closure",
    "'; DROP TABLE orgs; --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "\u{0}",
    "👨‍👩‍👧",
    "示例市总工会",
    "11010519491231002X",
    "13800138000",
];

fn string(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => "字".repeat(rng.below(5000) as usize),
        _ => STRINGS[rng.below(STRINGS.len() as u64) as usize].to_string(),
    }
}

fn value(rng: &mut Rng, depth: u32) -> Value {
    match rng.below(if depth > 3 { 6 } else { 8 }) {
        0 => Value::Null,
        1 => json!(rng.below(2) == 0),
        2 => json!(rng.next() as i64),
        3 => json!((rng.next() as f64) / 3.0),
        4 | 5 => json!(string(rng)),
        6 => Value::Array((0..rng.below(4)).map(|_| value(rng, depth + 1)).collect()),
        _ => object(rng, depth + 1, &[]),
    }
}

/// An object with some of the operation's real field names (so validation code runs) and noise.
fn object(rng: &mut Rng, depth: u32, fields: &[String]) -> Value {
    let mut m = serde_json::Map::new();
    for f in fields {
        if rng.below(3) > 0 {
            m.insert(f.clone(), value(rng, depth + 1));
        }
    }
    for _ in 0..rng.below(3) {
        m.insert(
            string(rng).chars().take(20).collect(),
            value(rng, depth + 1),
        );
    }
    Value::Object(m)
}

/// Field names of an operation's request body, from the OpenAPI document.
fn body_fields(doc: &Value, op: &Value) -> Vec<String> {
    let schema = &op["requestBody"]["content"]["application/json"]["schema"];
    let schema = match schema["$ref"].as_str() {
        Some(r) => &doc["components"]["schemas"][r.rsplit('/').next().unwrap_or("")],
        None => schema,
    };
    schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

both!(random_and_malformed_input_never_gets_a_5xx, fuzz);
async fn fuzz(b: Backend) {
    let app = TestApp::spawn(b).await;
    let admin = app.token("admin").await;
    let (_, doc) = app.call(Method::GET, "/api/openapi.json", None, None).await;
    let real_ids = [
        app.org_id("东城区总工会").await,
        app.user_id("hospital_admin").await,
        "not-a-uuid".into(),
        "%2e%2e".into(),
    ];
    let http = reqwest::Client::new();
    let mut rng = Rng(0x7475_6f67_7561_6e21);
    let mut cases = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if path == "/api/v1/auth/token" && method == "delete" {
                continue;
            }
            let fields = body_fields(&doc, op);
            for round in 0..12 {
                let id = &real_ids[rng.below(real_ids.len() as u64) as usize];
                let mut url = path
                    .replace("{year}", "2026")
                    .replace("{date}", "2026-10-01")
                    .replace("{day}", "2026-07-08");
                while let (Some(a), Some(z)) = (url.find('{'), url.find('}')) {
                    url.replace_range(a..=z, id);
                }
                let query: String = (0..rng.below(3))
                    .map(|i| {
                        format!(
                            "{}q{i}={}",
                            if i == 0 { "?" } else { "&" },
                            urlencode(&string(&mut rng).chars().take(100).collect::<String>())
                        )
                    })
                    .collect();
                let full = format!("{}{url}{query}", app.base);
                let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let mut req = http.request(m, &full).bearer_auth(&admin);
                let body = match round % 4 {
                    0 => Some(object(&mut rng, 0, &fields).to_string()),
                    1 => Some(value(&mut rng, 0).to_string()),
                    2 => Some("{\"broken\": [1, 2".to_string()),
                    _ => None,
                };
                if let Some(b) = &body {
                    req = req
                        .header("content-type", "application/json")
                        .body(b.clone());
                }
                let short: String = full.chars().take(200).collect();
                let res = req
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{method} {short}: {e}"));
                let status = res.status();
                let text = res.text().await.unwrap_or_default();
                let shown: String = body.as_deref().unwrap_or("").chars().take(300).collect();
                let brief: String = text.chars().take(500).collect();
                assert!(
                    status < StatusCode::INTERNAL_SERVER_ERROR,
                    "{method} {short} with {shown}: {status} {brief}"
                );
                if status.is_client_error() {
                    let v: Value = serde_json::from_str(&text)
                        .unwrap_or_else(|_| panic!("{method} {short}: not JSON: {brief}"));
                    assert!(
                        v["error"]["message"].is_string(),
                        "{method} {short}: {brief}"
                    );
                    assert!(
                        text.chars().count() < 2000,
                        "{method} {short}: the error echoes the input: {brief}"
                    );
                }
                cases += 1;
            }
        }
    }
    assert!(cases >= 500, "{cases} cases");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
