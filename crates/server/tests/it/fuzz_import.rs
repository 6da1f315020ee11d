//! Bad files, generated: the roster importer receives random bytes, truncated and bit-flipped
//! workbooks, broken CSV (unbalanced quotes, NUL bytes, a 1 MB field, thousands of columns,
//! GBK-looking garbage) under .xlsx, .csv and other names. Nothing may answer 5xx or panic, every
//! refusal is the JSON error body of PRODUCT.md §15, and nothing is imported. Seeded, so a failure
//! names a case that can be re-run.

use reqwest::StatusCode;

use crate::both;
use crate::enrolment::approved_class;
use crate::fuzz::Rng;
use crate::roster_import::{csv, good, upload};
use crate::support::{Backend, TestApp};

/// Random sizes and bytes from `fuzz.rs`'s seeded generator.
trait Bytes {
    fn upto(&mut self, n: u64) -> usize;
    fn bytes(&mut self, n: usize) -> Vec<u8>;
}

impl Bytes for Rng {
    fn upto(&mut self, n: u64) -> usize {
        self.below(n) as usize
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// The malformed files of case `i`: (file name, bytes).
fn case(rng: &mut Rng, i: usize, template: &[u8], good_csv: &str) -> (String, Vec<u8>) {
    match i % 8 {
        0 => ("random.xlsx".into(), {
            let n = rng.upto(65_536);
            rng.bytes(n)
        }),
        1 => ("random.csv".into(), {
            let n = rng.upto(65_536);
            rng.bytes(n)
        }),
        2 => (
            "truncated.xlsx".into(),
            template[..rng.upto(template.len() as u64)].to_vec(),
        ),
        3 => {
            let mut t = template.to_vec();
            for _ in 0..(1 + rng.upto(20)) {
                let at = rng.upto(t.len() as u64);
                t[at] ^= 1 << rng.upto(8);
            }
            ("flipped.xlsx".into(), t)
        }
        4 => {
            let mut s = good_csv.to_string();
            s.push_str("\"unbalanced,quote\n\0\0nul,bytes\n");
            ("quotes.csv".into(), s.into_bytes())
        }
        5 => {
            let mut s = good_csv.lines().next().unwrap_or("").to_string();
            s.push('\n');
            s.push_str(&"x".repeat(1 << 20));
            s.push('\n');
            ("huge-field.csv".into(), s.into_bytes())
        }
        6 => {
            let row: Vec<String> = (0..5000).map(|k| format!("c{k}")).collect();
            (
                "wide.csv".into(),
                format!("{}\n{}\n", row.join(","), row.join(",")).into_bytes(),
            )
        }
        _ => {
            let names = ["roster.pdf", "roster", "roster.xls", "名单.xlsx.csv"];
            let n = rng.upto(4096);
            (names[rng.upto(4)].into(), rng.bytes(n))
        }
    }
}

both!(the_roster_importer_survives_broken_files, import_fuzz);
async fn import_fuzz(b: Backend) {
    let app = TestApp::spawn(b).await;
    let unit = app.token("hospital_admin").await;
    let class = approved_class(&app, "导入模糊测试班", 40).await;
    let res = app
        .http
        .get(app.url(&format!("/api/v1/classes/{class}/roster/template")))
        .bearer_auth(&unit)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let template = res.bytes().await.unwrap().to_vec();
    let good_csv = csv(&[good(1), good(2)]);
    let mut rng = Rng(0x7475_6f67_7561_6e05);
    for i in 0..48 {
        let (name, bytes) = case(&mut rng, i, &template, &good_csv);
        let (status, body) = upload(&app, &unit, &class, &name, bytes).await;
        assert!(
            !status.is_server_error() && status != StatusCode::OK,
            "case {i} ({name}): {status} {body}"
        );
        assert!(
            body["error"]["code"].is_string() && body["error"]["message"].is_string(),
            "case {i} ({name}): not the error body: {status} {body}"
        );
    }
    let (_, apps) = app
        .get(&format!("/api/v1/classes/{class}/applications"), &unit)
        .await;
    assert_eq!(
        apps.as_array().map(Vec::len),
        Some(0),
        "nothing imported: {apps}"
    );
}
