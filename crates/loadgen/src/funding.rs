//! Issue 18's targets on a generated country (`--funding-bench`): which of a province's classes
//! qualify under a subsidy rule, with the evidence, under 2 s; the programme's whole ledger
//! exported as .xlsx while the server stays under 300 MB. First, on the fresh server, the national
//! federation downloads the programme's ledger workbook, counted as it arrives, while the
//! server's resident memory is sampled. Then the national federation (which runs the programme)
//! writes two rules through the API — gates read from the records and a fixed amount, without a
//! pool and with one paying half the province's classes — and the province's federation lists
//! the qualification of each, one request at a time, and the national federation the whole
//! country's. The rules are taken back at the end (and before a run).

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::Serialize;
use tuoguan::db::{Db, Sql};

use crate::manifest::Manifest;
use crate::report::Throughput;

/// The name every rule of the benchmark begins with (what [`reset`] takes back).
const RULE_NAME: &str = "压测补助";

/// How much to measure: `runs` qualifications of the province per rule, `exports` downloads.
#[derive(Debug, Clone, Copy)]
pub struct Amounts {
    pub runs: usize,
    pub exports: usize,
}

/// One rule's qualification, as the province's federation and as the country's.
#[derive(Debug, Clone, Serialize)]
pub struct Qualified {
    pub rule: String,
    /// The province's approved, running or closed classes.
    pub province_classes: usize,
    /// Lines the province was shown, and how many of them would be paid.
    pub lines: usize,
    pub paid: usize,
    pub bytes: usize,
    /// The first request after the rule was written (not in `province`).
    pub first_ms: f64,
    pub province: Throughput,
    /// CPU the server spent per request of the province (on SQLite with the database's work).
    pub province_server_cpu_ms: Option<f64>,
    /// The national federation's view of the same rule: every class of the country.
    pub country_lines: usize,
    pub country_bytes: usize,
    pub country: Throughput,
}

/// One download of the ledger workbook.
#[derive(Debug, Clone, Serialize)]
pub struct Export {
    pub first_byte_ms: f64,
    pub total_ms: f64,
    pub bytes: u64,
    /// The server's resident memory when the download began, and the most seen when sampled
    /// every 50 ms during it.
    pub rss_start_mb: Option<f64>,
    pub rss_max_mb: Option<f64>,
    /// The server's peak resident memory (`VmHWM`) before and after the download.
    pub peak_before_mb: Option<f64>,
    pub peak_after_mb: Option<f64>,
    /// CPU the server spent on it, in seconds.
    pub server_cpu_s: Option<f64>,
}

/// Everything the funding benchmark measured.
#[derive(Debug, Clone, Serialize)]
pub struct FundingReport {
    pub backend: String,
    pub scale: crate::manifest::Scale,
    /// Ledger entries of the programme, and the classes they belong to.
    pub entries: i64,
    pub classes_with_entries: i64,
    pub rules: Vec<Qualified>,
    pub exports: Vec<Export>,
    pub server_peak_rss_mb: Option<f64>,
}

/// Every rule of the benchmark taken back.
pub async fn reset(db: &Db, m: &Manifest) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    Sql::new("DELETE FROM subsidy_rules WHERE programme_id = ")
        .bind(m.programme_id.as_str())
        .push(" AND name LIKE ")
        .bind(format!("{RULE_NAME}%"))
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// `GET` answering 200: its time and body.
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
    if !status.is_success() {
        bail!(
            "GET {url}: HTTP {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(500)])
        );
    }
    Ok((took, body.to_vec()))
}

/// The national federation writes a rule; its id.
async fn create_rule(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    m: &Manifest,
    name: &str,
    pool_fen: Option<i64>,
) -> anyhow::Result<String> {
    // The generated classes were checked in on 20 of their 30 operating days (the rest are left
    // for the check-in load), so their attendance is about 60%.
    let body = serde_json::json!({
        "name": name,
        "terms": {
            "kind": "criteria",
            "min_children": 20,
            "min_operating_days": 15,
            "min_attendance_pct": 55,
            "facilities": true,
            "no_incident": true,
            "amount_fen": 1_000_000,
            "pool_fen": pool_fen,
        }
    });
    let url = format!("{base}/api/v1/programmes/{}/subsidy-rules", m.programme_id);
    let res = http
        .post(&url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?;
    let status = res.status();
    let text = res.text().await?;
    if status.as_u16() != 201 {
        bail!("writing the rule {name}: HTTP {status}: {text}");
    }
    let rule: serde_json::Value = serde_json::from_str(&text)?;
    rule["id"]
        .as_str()
        .map(str::to_string)
        .context("the rule written has no id")
}

/// (lines, lines paid) of a qualification.
fn lines_of(body: &[u8]) -> anyhow::Result<(usize, usize)> {
    let q: serde_json::Value = serde_json::from_slice(body)?;
    let lines = q["lines"].as_array().context("no lines")?;
    let paid = lines.iter().filter(|l| l["outcome"] == "approved").count();
    if let Some(l) = lines.first()
        && l["criteria"].as_array().is_none_or(Vec::is_empty)
    {
        bail!("a line without its criteria: {l}");
    }
    Ok((lines.len(), paid))
}

/// Measures one rule's qualification.
async fn qualification(
    http: &reqwest::Client,
    base: &str,
    (province, national): (&str, &str),
    rule: &str,
    name: &str,
    province_classes: usize,
    (runs, pid): (usize, Option<u32>),
) -> anyhow::Result<Qualified> {
    let url = format!("{base}/api/v1/subsidy-rules/{rule}/qualification");
    let (first, body) = get(http, &url, province).await?;
    let (lines, paid) = lines_of(&body)?;
    if lines != province_classes {
        bail!("the province is shown {lines} lines, not its {province_classes} classes");
    }
    let started = Instant::now();
    let cpu_before = crate::cpu::seconds(pid);
    let mut lat = Vec::with_capacity(runs);
    for _ in 0..runs {
        lat.push(get(http, &url, province).await?.0);
    }
    let province_t = Throughput::new(lat, started.elapsed());
    let province_server_cpu_ms = match (cpu_before, crate::cpu::seconds(pid)) {
        (Some(b), Some(a)) if runs > 0 => Some(1000.0 * (a - b) / runs as f64),
        _ => None,
    };
    eprintln!(
        "{name}: the province's {lines} lines ({paid} paid, {} bytes): first {:.0} ms, p50 {:.0} ms, max {:.0} ms, server CPU {:.0} ms each",
        body.len(),
        first.as_secs_f64() * 1000.0,
        province_t.p50_ms,
        province_t.max_ms,
        province_server_cpu_ms.unwrap_or(0.0)
    );
    let started = Instant::now();
    let mut lat = Vec::new();
    let mut country = (0, 0);
    for _ in 0..3 {
        let (took, body) = get(http, &url, national).await?;
        lat.push(took);
        country = (lines_of(&body)?.0, body.len());
    }
    let country_t = Throughput::new(lat, started.elapsed());
    eprintln!(
        "{name}: the country's {} lines ({} bytes): p50 {:.0} ms, max {:.0} ms",
        country.0, country.1, country_t.p50_ms, country_t.max_ms
    );
    Ok(Qualified {
        rule: name.to_string(),
        province_classes,
        lines,
        paid,
        bytes: body.len(),
        first_ms: first.as_secs_f64() * 1000.0,
        province: province_t,
        province_server_cpu_ms,
        country_lines: country.0,
        country_bytes: country.1,
        country: country_t,
    })
}

/// Resident memory of `pid` now (`VmRSS`), in MB.
fn rss_mb(pid: Option<u32>) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Downloads the programme's ledger workbook as the national federation, counting the bytes as
/// they arrive and sampling the server's memory.
async fn export(base: &str, token: &str, m: &Manifest, pid: Option<u32>) -> anyhow::Result<Export> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(1800))
        .build()?;
    let url = format!("{base}/api/v1/programmes/{}/ledger.xlsx", m.programme_id);
    let peak_before_mb = crate::cpu::peak_rss_mb(pid);
    let rss_start_mb = rss_mb(pid);
    let cpu_before = crate::cpu::seconds(pid);
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        tokio::spawn(async move {
            let mut max: Option<f64> = None;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                if let Some(now) = rss_mb(pid) {
                    max = Some(max.map_or(now, |m| m.max(now)));
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            max
        })
    };
    let t0 = Instant::now();
    let mut res = http.get(&url).bearer_auth(token).send().await?;
    let status = res.status();
    if !status.is_success() {
        bail!("GET {url}: HTTP {status}: {}", res.text().await?);
    }
    let (mut bytes, mut first, mut head, mut tail) = (0u64, None, Vec::new(), Vec::new());
    while let Some(chunk) = res.chunk().await? {
        first.get_or_insert_with(|| t0.elapsed());
        bytes += chunk.len() as u64;
        if head.len() < 4 {
            head.extend_from_slice(&chunk[..chunk.len().min(4)]);
        }
        tail.extend_from_slice(&chunk);
        let keep = tail.len().saturating_sub(64);
        tail.drain(..keep);
    }
    let total = t0.elapsed();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let rss_max_mb = sampler.await.unwrap_or(None);
    // A zip ends with its end-of-central-directory record ("PK\5\6" and 18 bytes or more).
    let eocd = tail.windows(4).any(|w| w == b"PK\x05\x06");
    if !head.starts_with(b"PK") || !eocd {
        bail!("the ledger export ({bytes} bytes) is not a whole .xlsx");
    }
    let e = Export {
        first_byte_ms: first.unwrap_or_default().as_secs_f64() * 1000.0,
        total_ms: total.as_secs_f64() * 1000.0,
        bytes,
        rss_start_mb,
        rss_max_mb,
        peak_before_mb,
        peak_after_mb: crate::cpu::peak_rss_mb(pid),
        server_cpu_s: match (cpu_before, crate::cpu::seconds(pid)) {
            (Some(b), Some(a)) => Some(a - b),
            _ => None,
        },
    };
    eprintln!(
        "ledger export: {} bytes in {:.1} s (first byte {:.1} s), server RSS max {:.0} MB",
        e.bytes,
        e.total_ms / 1000.0,
        e.first_byte_ms / 1000.0,
        e.rss_max_mb.unwrap_or(0.0)
    );
    Ok(e)
}

/// Starts the server on a generated country, writes the rules, measures the qualifications and
/// the export, then takes the rules back.
pub async fn bench(
    http: &reqwest::Client,
    launch: crate::server::Launch<'_>,
    m: &Manifest,
    amounts: Amounts,
) -> anyhow::Result<FundingReport> {
    let backend = format!("{:?}", tuoguan::db::Backend::from_url(launch.database_url)?);
    let db = Db::connect(launch.database_url, 2).await?;
    reset(&db, m).await?;
    let p = m.programme_id.as_str();
    let (entries, classes_with_entries): (i64, i64) = Sql::new(
        "SELECT COUNT(*), COUNT(DISTINCT class_id) FROM ledger_entries WHERE programme_id = ",
    )
    .bind(p)
    .fetch_one(&db)
    .await?;
    if entries == 0 {
        bail!("the country has no ledger: generate it again (issue 18 gave classes budgets)");
    }
    let path: String = Sql::new("SELECT path FROM orgs WHERE id = ")
        .bind(m.province_id.as_str())
        .fetch_scalar(&db)
        .await?;
    let province_classes: i64 = Sql::new(
        "SELECT COUNT(*) FROM classes c JOIN orgs o ON o.id = c.host_org_id WHERE c.programme_id = ",
    )
    .bind(p)
    .push(" AND c.status IN ('approved', 'running', 'closed') AND o.path LIKE ")
    .bind(format!("{path}%"))
    .fetch_scalar(&db)
    .await?;
    let srv = crate::server::Server::start(launch, http).await?;
    eprintln!("server up at {} (log {})", srv.base, srv.log.display());
    let users = [m.national_user.clone(), m.province_user.clone()];
    let tokens = crate::server::tokens(http, &srv.base, &users, &m.password).await?;
    let (national, province) = (&tokens[&m.national_user], &tokens[&m.province_user]);
    let province_classes = usize::try_from(province_classes).unwrap_or(0);
    // The export first, on the fresh server: its memory is the export's.
    let mut exports = Vec::new();
    for _ in 0..amounts.exports {
        exports.push(export(&srv.base, national, m, srv.pid()).await?);
    }
    let mut rules = Vec::new();
    let kinds = [
        (format!("{RULE_NAME}：无资金池"), None),
        // Pays half of the first province's classes (the first in the order), then runs out.
        (
            format!("{RULE_NAME}：资金池"),
            Some(1_000_000 * (province_classes as i64 / 2).max(1)),
        ),
    ];
    for (name, pool) in kinds {
        let id = create_rule(http, &srv.base, national, m, &name, pool).await?;
        let q = qualification(
            http,
            &srv.base,
            (province, national),
            &id,
            &name,
            province_classes,
            (amounts.runs, srv.pid()),
        )
        .await?;
        rules.push(q);
    }
    let server_peak_rss_mb = crate::cpu::peak_rss_mb(srv.pid());
    srv.stop().await?;
    reset(&db, m).await?;
    db.close().await;
    Ok(FundingReport {
        backend,
        scale: m.scale,
        entries,
        classes_with_entries,
        rules,
        exports,
        server_peak_rss_mb,
    })
}

impl FundingReport {
    /// Every answer was the one expected (the targets are judged by the reader).
    pub fn ok(&self) -> bool {
        !self.rules.is_empty() && self.rules.iter().all(|r| r.lines == r.province_classes)
    }

    pub fn text(&self) -> String {
        use std::fmt::Write;
        let s = &self.scale;
        let mb = |v: Option<f64>| v.map_or("unknown".into(), |m| format!("{m:.0} MB"));
        let mut out = format!(
            "\n{} · {} provinces, {} cities, {} units, {} children; {} ledger entries of {} classes\n\n\
             | measure | n | p50 ms | max ms | note |\n|---|---|---|---|---|\n",
            self.backend,
            s.provinces,
            s.cities,
            s.units,
            s.children,
            self.entries,
            self.classes_with_entries
        );
        for r in &self.rules {
            let _ = writeln!(
                out,
                "| qualification of a province, {} | {} | {:.1} | {:.1} | {} classes, {} paid, {} bytes; the first {:.0} ms; server CPU {} ms each |",
                r.rule,
                r.province.count,
                r.province.p50_ms,
                r.province.max_ms,
                r.lines,
                r.paid,
                r.bytes,
                r.first_ms,
                r.province_server_cpu_ms
                    .map_or("?".into(), |c| format!("{c:.0}"))
            );
            let _ = writeln!(
                out,
                "| qualification of the country, {} | {} | {:.1} | {:.1} | {} classes, {} bytes |",
                r.rule,
                r.country.count,
                r.country.p50_ms,
                r.country.max_ms,
                r.country_lines,
                r.country_bytes
            );
        }
        for e in &self.exports {
            let _ = writeln!(
                out,
                "| ledger .xlsx of the programme (national) | 1 | {:.1} | {:.1} | {} bytes, first byte {:.0} ms, server CPU {} s, RSS {} at the start, {} at most, peak {} → {} |",
                e.total_ms,
                e.total_ms,
                e.bytes,
                e.first_byte_ms,
                e.server_cpu_s.map_or("?".into(), |c| format!("{c:.1}")),
                mb(e.rss_start_mb),
                mb(e.rss_max_mb),
                mb(e.peak_before_mb),
                mb(e.peak_after_mb)
            );
        }
        let _ = writeln!(
            out,
            "\nserver peak resident memory at the end: {}",
            mb(self.server_peak_rss_mb)
        );
        out
    }
}
