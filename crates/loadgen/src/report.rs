//! Figures: throughput with latency percentiles (nearest rank over the sorted samples), the whole
//! run's report as a text table or JSON, and the verdict against the targets.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::raw::Raw;

/// Events per second over a run, and the latency of each event.
#[derive(Debug, Clone, Serialize)]
pub struct Throughput {
    pub count: u64,
    pub secs: f64,
    pub per_sec: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// The `p`-th percentile (0–100) of sorted samples, nearest rank; zero when there are none.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

impl Throughput {
    pub fn new(mut latencies: Vec<Duration>, elapsed: Duration) -> Throughput {
        latencies.sort_unstable();
        let secs = elapsed.as_secs_f64();
        let count = latencies.len() as u64;
        Throughput {
            count,
            secs,
            per_sec: if secs > 0.0 { count as f64 / secs } else { 0.0 },
            p50_ms: ms(percentile(&latencies, 50.0)),
            p90_ms: ms(percentile(&latencies, 90.0)),
            p99_ms: ms(percentile(&latencies, 99.0)),
            max_ms: ms(latencies.last().copied().unwrap_or_default()),
        }
    }
}

/// Everything one run measured.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub backend: String,
    pub clients: usize,
    pub pool: u32,
    pub classes: usize,
    pub children_per_class: usize,
    pub days: usize,
    pub raw: Raw,
    pub raw_limit_per_sec: f64,
    pub checkins: Throughput,
    pub ratio: f64,
    /// Answers other than 200/201 by kind (`409`, `422`, `5xx`, `connection`, …).
    pub errors: BTreeMap<String, u64>,
    /// A few of those answers, for diagnosis.
    pub error_samples: Vec<String>,
    pub replays: u64,
    pub replay_mismatches: u64,
    pub rows_found: i64,
    pub target_ratio_met: bool,
    pub target_p99_met: bool,
    /// CPU of the server and of this generator during the load, in percent of one core.
    pub cpu_server_pct: Option<f64>,
    pub cpu_loadgen_pct: Option<f64>,
    /// The whole machine (server, generator, PostgreSQL, anything else), same unit.
    pub cpu_machine_pct: Option<f64>,
    pub cores: usize,
    /// The server's peak resident memory (MB) at the end of the load.
    pub server_peak_rss_mb: Option<f64>,
}

impl Report {
    /// True when the data is consistent: every acknowledged check-in is in the table and every
    /// replay got the first answer back.
    pub fn consistent(&self) -> bool {
        u64::try_from(self.rows_found).ok() == Some(self.checkins.count)
            && self.replay_mismatches == 0
    }

    /// The text table.
    pub fn text(&self) -> String {
        let row = |name: &str, t: &Throughput| {
            format!(
                "{name:<30} {:>9.1} {:>8} {:>8.2} {:>8.2} {:>8.2} {:>8.2}\n",
                t.per_sec, t.count, t.p50_ms, t.p90_ms, t.p99_ms, t.max_ms
            )
        };
        let mut s = format!(
            "== check-in load, {}: {} clients, server pool {}, {} classes × {} children, {} days\n",
            self.backend, self.clients, self.pool, self.classes, self.children_per_class, self.days
        );
        s += &format!(
            "{:<30} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8}\n",
            "", "per s", "count", "p50 ms", "p90 ms", "p99 ms", "max ms"
        );
        s += &row("raw commits, sequential", &self.raw.sequential);
        s += &row(
            &format!("raw commits, {} tasks", self.clients),
            &self.raw.concurrent,
        );
        s += &row("acknowledged check-ins", &self.checkins);
        s += &format!(
            "ratio check-ins / raw limit ({:.1}/s): {:.2}  (target ≥ 0.50: {}; p99 < 50 ms: {})\n",
            self.raw_limit_per_sec,
            self.ratio,
            yes(self.target_ratio_met),
            yes(self.target_p99_met)
        );
        let errors: Vec<String> = self
            .errors
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        s += &format!(
            "errors: {}\n",
            if errors.is_empty() {
                "none".to_string()
            } else {
                errors.join(", ")
            }
        );
        if let (Some(srv), Some(gen_), Some(all)) = (
            self.cpu_server_pct,
            self.cpu_loadgen_pct,
            self.cpu_machine_pct,
        ) {
            s += &format!(
                "CPU during the load, % of one core: server {srv:.0}, load generator {gen_:.0}, \
                 whole machine {all:.0} of {}\n",
                self.cores * 100
            );
        }
        if let Some(mb) = self.server_peak_rss_mb {
            s += &format!("server peak resident memory: {mb:.0} MB\n");
        }
        for e in &self.error_samples {
            s += &format!("  e.g. {e}\n");
        }
        s += &format!(
            "replays: {} sent, {} mismatched\nrows with in_at: {} (acknowledged {}): {}\n",
            self.replays,
            self.replay_mismatches,
            self.rows_found,
            self.checkins.count,
            if self.consistent() {
                "consistent"
            } else {
                "MISMATCH"
            }
        );
        s
    }
}

fn yes(b: bool) -> &'static str {
    if b { "met" } else { "NOT met" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&v, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&v, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&v, 100.0), Duration::from_millis(100));
        assert_eq!(percentile(&v[..1], 99.0), Duration::from_millis(1));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }

    #[test]
    fn throughput_counts_per_second() {
        let t = Throughput::new(vec![Duration::from_millis(2); 10], Duration::from_secs(2));
        assert_eq!(t.count, 10);
        assert!((t.per_sec - 5.0).abs() < 1e-9);
        assert!((t.p99_ms - 2.0).abs() < 1e-9);
    }
}
