//! Large files against the server's memory (issue 6: "memory stays bounded; imports and exports
//! stream"): every client uploads a roster file of nearly 8 MiB (the limit) and downloads a
//! 10 MiB class document, `rounds` times each, all at once. The roster has 20,000 rows whose ID
//! numbers are all wrong, so each upload is read and checked to the end and refused (422) without
//! writing; the document is uploaded once, then downloaded. The read benchmark reports the
//! server's peak memory after this.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;
use tuoguan_domain::enrolment::TEMPLATE_HEADERS;

use crate::report::Throughput;

/// Size of the document every client downloads.
const DOCUMENT: usize = 10 << 20;

/// What the file load measured.
#[derive(Debug, Clone, Serialize)]
pub struct FileLoad {
    pub roster_bytes: usize,
    pub uploads: Throughput,
    pub document_bytes: usize,
    pub downloads: Throughput,
    /// Answers other than the expected 422 (upload) and 200 with the whole file (download).
    pub errors: usize,
    pub first_error: Option<String>,
}

/// A CSV roster in the template's columns: 20,000 rows of about 400 bytes, every ID number
/// failing its check digit.
pub fn roster() -> Vec<u8> {
    let mut out = TEMPLATE_HEADERS.join(",");
    out.push('\n');
    let school = "示例市第一实验小学".repeat(12);
    for i in 0..20_000u32 {
        out.push_str(&format!(
            "测试{i},男,2017-03-08,{school},三年级,11010120170308{:04},家长{i},1380000{:04},父亲,,,\n",
            i % 10_000,
            i % 10_000
        ));
    }
    out.into_bytes()
}

/// Uploads the document once, then runs the load from `clients` clients.
pub async fn run(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    class_id: &str,
    clients: usize,
    rounds: usize,
) -> anyhow::Result<FileLoad> {
    let auth = Arc::new(format!("Bearer {token}"));
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.resize(DOCUMENT, b' ');
    let form = reqwest::multipart::Form::new().text("kind", "other").part(
        "file",
        reqwest::multipart::Part::bytes(pdf).file_name("规章制度.pdf"),
    );
    let res = http
        .post(format!("{base}/api/v1/classes/{class_id}/files"))
        .header("authorization", &*auth)
        .multipart(form)
        .send()
        .await?;
    anyhow::ensure!(
        res.status().is_success(),
        "document upload: HTTP {}",
        res.status()
    );
    let meta: serde_json::Value = res.json().await?;
    let file_id = meta["id"].as_str().context("no document id")?.to_string();
    let roster = Arc::new(roster());
    let upload_url = Arc::new(format!("{base}/api/v1/classes/{class_id}/roster/import"));
    let download_url = Arc::new(format!("{base}/api/v1/classes/{class_id}/files/{file_id}"));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (http, auth, roster) = (http.clone(), auth.clone(), roster.clone());
        let (upload_url, download_url) = (upload_url.clone(), download_url.clone());
        tasks.push(tokio::spawn(async move {
            let mut seen = (Vec::new(), Vec::new(), Vec::<String>::new());
            for _ in 0..rounds {
                let t0 = Instant::now();
                let form = reqwest::multipart::Form::new()
                    .text("consent_attested", "true")
                    .part(
                        "file",
                        reqwest::multipart::Part::bytes(roster.to_vec()).file_name("名单.csv"),
                    );
                let r = http
                    .post(&*upload_url)
                    .header("authorization", &*auth)
                    .multipart(form)
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status().as_u16() == 422 => {
                        let _ = r.bytes().await;
                    }
                    Ok(r) => seen.2.push(format!("roster upload: HTTP {}", r.status())),
                    Err(e) => seen.2.push(format!("roster upload: {e}")),
                }
                seen.0.push(t0.elapsed());
                let t0 = Instant::now();
                let r = http
                    .get(&*download_url)
                    .header("authorization", &*auth)
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status().is_success() => match r.bytes().await {
                        Ok(b) if b.len() == DOCUMENT => {}
                        Ok(b) => seen.2.push(format!("download: {} bytes", b.len())),
                        Err(e) => seen.2.push(format!("download: {e}")),
                    },
                    Ok(r) => seen.2.push(format!("download: HTTP {}", r.status())),
                    Err(e) => seen.2.push(format!("download: {e}")),
                }
                seen.1.push(t0.elapsed());
            }
            seen
        }));
    }
    let (mut up, mut down, mut errors) = (Vec::<Duration>::new(), Vec::new(), Vec::new());
    for t in tasks {
        let (u, d, e) = t.await.context("a client panicked")?;
        up.extend(u);
        down.extend(d);
        errors.extend(e);
    }
    let elapsed = started.elapsed();
    Ok(FileLoad {
        roster_bytes: roster.len(),
        uploads: Throughput::new(up, elapsed),
        document_bytes: DOCUMENT,
        downloads: Throughput::new(down, elapsed),
        errors: errors.len(),
        first_error: errors.into_iter().next(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_roster_is_just_under_the_limit() {
        let n = super::roster().len();
        assert!((7 << 20..8 << 20).contains(&n), "{n} bytes");
    }
}
