//! CPU time of a process from `/proc/PID/stat` (Linux), to tell whether a run was bound by the
//! two cores the server and the load generator share rather than by the disk.

/// Clock ticks per second of `/proc` times (USER_HZ, 100 on Linux).
pub const TICKS: f64 = 100.0;

/// User + system CPU seconds used so far by `pid`, or by this process when `None`; `None` where
/// `/proc` cannot be read.
pub fn seconds(pid: Option<u32>) -> Option<f64> {
    let path = match pid {
        Some(p) => format!("/proc/{p}/stat"),
        None => "/proc/self/stat".to_string(),
    };
    let stat = std::fs::read_to_string(path).ok()?;
    // The command name is in parentheses and may hold spaces: count fields after the last ')'.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name and state.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / TICKS)
}

/// (busy, total) jiffies of the whole machine so far, from the first line of `/proc/stat`.
pub fn machine() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let v: Vec<f64> = line
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    let total: f64 = v.iter().take(8).sum();
    // idle and iowait are the 4th and 5th numbers.
    let idle = v.get(3)? + v.get(4).unwrap_or(&0.0);
    Some((total - idle, total))
}

/// The share of all cores the machine was busy between two [`machine`] readings, in percent
/// of one core (so 200 is two cores fully busy).
pub fn machine_percent(
    before: Option<(f64, f64)>,
    after: Option<(f64, f64)>,
    cores: usize,
) -> Option<f64> {
    let ((b0, t0), (b1, t1)) = (before?, after?);
    (t1 > t0).then(|| 100.0 * cores as f64 * (b1 - b0) / (t1 - t0))
}

/// CPU used between two readings over `secs` of wall time, in percent of one core.
pub fn percent(before: Option<f64>, after: Option<f64>, secs: f64) -> Option<f64> {
    match (before, after) {
        (Some(b), Some(a)) if secs > 0.0 => Some(100.0 * (a - b) / secs),
        _ => None,
    }
}

/// Peak resident memory of `pid` in MB (`VmHWM` of `/proc/PID/status`), while it runs.
pub fn peak_rss_mb(pid: Option<u32>) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_its_own_cpu_time() {
        let before = seconds(None);
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = x.wrapping_add(i * i);
        }
        assert!(x > 0);
        let after = seconds(None);
        assert!(after >= before && before.is_some());
        assert_eq!(percent(Some(1.0), Some(2.0), 2.0), Some(50.0));
        assert_eq!(percent(None, Some(2.0), 2.0), None);
        assert!(machine().is_some());
        assert_eq!(
            machine_percent(Some((1.0, 10.0)), Some((6.0, 20.0)), 2),
            Some(100.0)
        );
    }
}
