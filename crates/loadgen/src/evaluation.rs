//! Issue 17's targets on a generated country (`--evaluation-bench`): a province's inspection
//! sample drawn (under 1 s), every model-class criterion of a city's applications computed (under
//! 1 s), and certificates typeset as PDF (under 1 s) while many clients download them, with the
//! server's memory under 300 MB. The applications, the naming and the notice are written in SQL
//! beside the server (`evaluation_data.rs`) and taken back at the end.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::Serialize;

use crate::evaluation_data::{self as data, Prepared};
use crate::manifest::Manifest;
use crate::readbench::{Measured, Target};
use crate::report::Throughput;

/// How much load: `clients` at once, `draws` inspection samples, `requests` overview GETs from
/// all clients, `seconds` of certificate downloads from all clients.
#[derive(Debug, Clone, Copy)]
pub struct Amounts {
    pub clients: usize,
    pub draws: usize,
    pub requests: usize,
    pub seconds: f64,
}

/// One inspection sample drawn.
#[derive(Debug, Clone, Serialize)]
pub struct Draw {
    pub province: String,
    /// Running classes the sample was drawn from.
    pub running: usize,
    pub sampled: usize,
    pub ms: f64,
}

/// Everything the evaluation benchmark measured.
#[derive(Debug, Clone, Serialize)]
pub struct EvaluationReport {
    pub backend: String,
    pub scale: crate::manifest::Scale,
    pub clients: usize,
    pub draws: Vec<Draw>,
    /// Applications of the city, each with every criterion.
    pub applications: usize,
    /// The city's overview, one request at a time.
    pub criteria_alone: Throughput,
    /// The city's overview, from every client at once.
    pub criteria: Measured,
    /// The first certificate after the start, which loads the fonts.
    pub certificate_first_ms: f64,
    pub certificate_alone: Throughput,
    pub certificate_bytes: usize,
    pub certificates: Throughput,
    pub certificate_errors: usize,
    pub certificate_first_error: Option<String>,
    /// CPU the server spent per certificate under load, in ms.
    pub certificate_server_cpu_ms: Option<f64>,
    pub rss_before_certificates_mb: Option<f64>,
    pub server_peak_rss_mb: Option<f64>,
}

/// One GET, which must answer 200 with a body: its time and the body.
async fn get(
    http: &reqwest::Client,
    url: &str,
    token: &str,
) -> anyhow::Result<(Duration, Vec<u8>)> {
    let t0 = Instant::now();
    let res = http.get(url).bearer_auth(token).send().await?;
    let status = res.status();
    let body = res.bytes().await?;
    let took = t0.elapsed();
    if !status.is_success() || body.is_empty() {
        bail!(
            "GET {url}: HTTP {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    Ok((took, body.to_vec()))
}

/// `n` GETs one after another.
async fn alone(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    n: usize,
) -> anyhow::Result<Throughput> {
    let started = Instant::now();
    let mut lat = Vec::with_capacity(n);
    for _ in 0..n {
        lat.push(get(http, url, token).await?.0);
    }
    Ok(Throughput::new(lat, started.elapsed()))
}

/// Draws the inspection sample of `draws` provinces (the first again and again, its plan taken
/// back between, when the country has fewer), one at a time, as the national federation's admin.
async fn draws(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    db: &tuoguan::db::Db,
    m: &Manifest,
    n: usize,
) -> anyhow::Result<Vec<Draw>> {
    let provinces = data::provinces(db, n).await?;
    anyhow::ensure!(!provinces.is_empty(), "the country has no province");
    let url = format!(
        "{base}/api/v1/programmes/{}/inspection-plan",
        m.programme_id
    );
    let mut out = Vec::new();
    for i in 0..n {
        let (id, name) = &provinces[i % provinces.len()];
        data::forget_plan(db, &m.programme_id, id).await?;
        let body = serde_json::json!({
            "org_id": id,
            "seed_text": format!("2026年督导抽查 {name} 第{i}次"),
        });
        let t0 = Instant::now();
        let res = http
            .post(&url)
            .bearer_auth(token)
            .json(&body)
            .send()
            .await?;
        let status = res.status();
        let text = res.text().await?;
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        if status.as_u16() != 201 {
            bail!("drawing the sample of {name}: HTTP {status}: {text}");
        }
        let plan: serde_json::Value = serde_json::from_str(&text)?;
        let len = |k: &str| plan[k].as_array().map_or(0, Vec::len);
        let d = Draw {
            province: name.clone(),
            running: len("candidates"),
            sampled: len("inspections"),
            ms,
        };
        eprintln!(
            "draw {name}: {} of {} running, {:.0} ms",
            d.sampled, d.running, d.ms
        );
        out.push(d);
    }
    Ok(out)
}

/// Every client downloads the certificate again and again for `seconds`: latencies and errors.
async fn certificate_load(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    clients: usize,
    seconds: f64,
) -> anyhow::Result<(Throughput, Vec<String>)> {
    let (url, token): (Arc<str>, Arc<str>) = (Arc::from(url), Arc::from(token));
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (http, url, token) = (http.clone(), url.clone(), token.clone());
        tasks.spawn(async move {
            let (mut lat, mut errors) = (Vec::new(), Vec::new());
            while Instant::now() < deadline {
                match get(&http, &url, &token).await {
                    Ok((took, body)) if body.starts_with(b"%PDF") => lat.push(took),
                    Ok((_, body)) => errors.push(format!("not a PDF: {} bytes", body.len())),
                    Err(e) => errors.push(e.to_string()),
                }
            }
            (lat, errors)
        });
    }
    let (mut lat, mut errors) = (Vec::new(), Vec::new());
    while let Some(done) = tasks.join_next().await {
        let (l, e) = done.context("a client panicked")?;
        lat.extend(l);
        errors.extend(e);
    }
    Ok((Throughput::new(lat, started.elapsed()), errors))
}

/// Starts the server on a generated country, draws the samples, writes the city's applications,
/// measures the overview and the certificates, then takes back what it wrote.
pub async fn bench(
    http: &reqwest::Client,
    launch: crate::server::Launch<'_>,
    m: &Manifest,
    amounts: Amounts,
) -> anyhow::Result<EvaluationReport> {
    let Amounts {
        clients,
        draws: n_draws,
        requests,
        seconds,
    } = amounts;
    let backend = format!("{:?}", tuoguan::db::Backend::from_url(launch.database_url)?);
    let db = tuoguan::db::Db::connect(launch.database_url, 2).await?;
    data::reset(&db, m).await?;
    let srv = crate::server::Server::start(launch, http).await?;
    eprintln!("server up at {} (log {})", srv.base, srv.log.display());
    let users = [m.national_user.clone(), m.city_user.clone()];
    let tokens = crate::server::tokens(http, &srv.base, &users, &m.password).await?;
    let (national, city) = (&tokens[&m.national_user], &tokens[&m.city_user]);

    let draws = draws(http, &srv.base, national, &db, m, n_draws).await?;

    let Prepared {
        applications,
        named,
    } = data::prepare(&db, m).await?;
    eprintln!("{applications} applications of the city, {named} named");
    let path = format!("/api/v1/programmes/{}/model-classes", m.programme_id);
    let url = format!("{}{path}", srv.base);
    let (_, body) = get(http, &url, city).await?;
    let overview: serde_json::Value = serde_json::from_slice(&body)?;
    let listed = overview["applications"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let with_criteria = listed
        .iter()
        .filter(|a| a["criteria"].as_array().is_some_and(|c| !c.is_empty()))
        .count();
    if listed.len() != applications || with_criteria != applications {
        bail!(
            "the city's overview lists {} applications, {with_criteria} with criteria, not {applications}",
            listed.len()
        );
    }
    let criteria_alone = alone(http, &url, city, 20).await?;
    let target = Target {
        name: "model-class overview of a city (API)",
        path,
        user: m.city_user.clone(),
    };
    let criteria =
        crate::readbench::measure(http, &srv.base, city, &target, clients, requests, srv.pid())
            .await?;
    eprintln!(
        "overview of {applications} applications: alone p50 {:.1} ms; {clients} clients p50 {:.1} ms, p99 {:.1} ms",
        criteria_alone.p50_ms, criteria.latency.p50_ms, criteria.latency.p99_ms
    );

    let url = format!(
        "{}/api/v1/model-applications/{named}/certificate.pdf",
        srv.base
    );
    let (first, pdf) = get(http, &url, city).await?;
    anyhow::ensure!(pdf.starts_with(b"%PDF"), "the certificate is not a PDF");
    let certificate_alone = alone(http, &url, city, 10).await?;
    let rss_before_certificates_mb = crate::cpu::peak_rss_mb(srv.pid());
    let cpu_before = crate::cpu::seconds(srv.pid());
    let (certificates, errors) = certificate_load(http, &url, city, clients, seconds).await?;
    let certificate_server_cpu_ms = match (cpu_before, crate::cpu::seconds(srv.pid())) {
        (Some(b), Some(a)) if certificates.count > 0 => {
            Some(1000.0 * (a - b) / certificates.count as f64)
        }
        _ => None,
    };
    eprintln!(
        "certificates: first {:.0} ms, alone p50 {:.0} ms; {clients} clients p50 {:.0} ms, p99 {:.0} ms, {} errors",
        first.as_secs_f64() * 1000.0,
        certificate_alone.p50_ms,
        certificates.p50_ms,
        certificates.p99_ms,
        errors.len()
    );
    let server_peak_rss_mb = crate::cpu::peak_rss_mb(srv.pid());
    srv.stop().await?;
    data::reset(&db, m).await?;
    db.close().await;
    Ok(EvaluationReport {
        backend,
        scale: m.scale,
        clients,
        draws,
        applications,
        criteria_alone,
        criteria,
        certificate_first_ms: first.as_secs_f64() * 1000.0,
        certificate_alone,
        certificate_bytes: pdf.len(),
        certificates,
        certificate_errors: errors.len(),
        certificate_first_error: errors.into_iter().next(),
        certificate_server_cpu_ms,
        rss_before_certificates_mb,
        server_peak_rss_mb,
    })
}

impl EvaluationReport {
    /// Every answer was the one expected (the targets are judged by the reader).
    pub fn ok(&self) -> bool {
        self.criteria.errors == 0 && self.certificate_errors == 0 && self.certificates.count > 0
    }

    pub fn text(&self) -> String {
        use std::fmt::Write;
        let s = &self.scale;
        let mb = |v: Option<f64>| v.map_or("unknown".into(), |m| format!("{m:.0} MB"));
        let cpu = |v: Option<f64>| v.map_or("?".into(), |m| format!("{m:.1}"));
        let mut out = format!(
            "\n{} · {} provinces, {} cities, {} units, {} children\n\n\
             | measure | n | p50 ms | p99 ms | max ms | note |\n|---|---|---|---|---|---|\n",
            self.backend, s.provinces, s.cities, s.units, s.children
        );
        let mut row = |what: &str, t: &Throughput, note: String| {
            let _ = writeln!(
                out,
                "| {what} | {} | {:.1} | {:.1} | {:.1} | {note} |",
                t.count, t.p50_ms, t.p99_ms, t.max_ms
            );
        };
        let lat: Vec<Duration> = self
            .draws
            .iter()
            .map(|d| Duration::from_secs_f64(d.ms / 1000.0))
            .collect();
        let running: Vec<String> = self.draws.iter().map(|d| d.running.to_string()).collect();
        row(
            "inspection sample of a province, one at a time",
            &Throughput::new(lat, Duration::ZERO),
            format!("running classes: {}", running.join(", ")),
        );
        row(
            "model-class criteria of a city, one at a time",
            &self.criteria_alone,
            format!("{} applications", self.applications),
        );
        let c = &self.criteria;
        row(
            &format!("model-class criteria of a city, {} clients", self.clients),
            &c.latency,
            format!(
                "{:.0}/s, server CPU {} ms/req, {} bytes, {} errors",
                c.latency.per_sec,
                cpu(c.server_cpu_ms),
                c.bytes,
                c.errors
            ),
        );
        row(
            "certificate PDF, one at a time",
            &self.certificate_alone,
            format!(
                "the first (fonts loaded) {:.0} ms; {} bytes",
                self.certificate_first_ms, self.certificate_bytes
            ),
        );
        row(
            &format!("certificate PDF, {} clients", self.clients),
            &self.certificates,
            format!(
                "{:.1}/s over {:.0} s, server CPU {} ms/req, {} errors{}",
                self.certificates.per_sec,
                self.certificates.secs,
                cpu(self.certificate_server_cpu_ms),
                self.certificate_errors,
                self.certificate_first_error
                    .as_deref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            ),
        );
        let _ = writeln!(
            out,
            "\nserver peak resident memory: {} before the certificate load, {} at the end",
            mb(self.rss_before_certificates_mb),
            mb(self.server_peak_rss_mb)
        );
        for d in &self.draws {
            let _ = writeln!(
                out,
                "draw {}: {} of {} running classes sampled in {:.1} ms",
                d.province, d.sampled, d.running, d.ms
            );
        }
        out
    }
}
