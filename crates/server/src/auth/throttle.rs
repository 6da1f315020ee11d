//! Sign-in throttling by client address (OWASP ASVS V6.3), in memory, one per server instance.
//!
//! Failed sign-ins are counted per (address, username) and per address. Five failures on one
//! username, or twenty on any usernames, within 15 minutes shut that address out for 15 minutes;
//! nobody else is affected, so an attacker cannot lock the owner of an account out, and an
//! unknown username counts exactly like a known one (its answers do not tell which names exist).
//! Only failures count: successful sign-ins never trip it. The counts die with the process, which
//! is the price of not writing on every failure; argon2's cost per guess stays.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures on one username from one address that shut the address out of that username.
pub const PER_USERNAME: u32 = 5;
/// Failures on any usernames from one address that shut the address out of every one.
pub const PER_ADDRESS: u32 = 20;
/// The span failures are counted over, and how long a shut-out lasts.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Past this many tracked keys, those with nothing left to remember are dropped.
const PRUNE_ABOVE: usize = 10_000;
/// Usernames are keyed on at most this many characters (a long guess costs no more memory).
const NAME_CHARS: usize = 64;

/// Failures of one key in the present window.
#[derive(Debug, Clone, Copy)]
struct Count {
    failures: u32,
    since: Instant,
    shut_until: Option<Instant>,
}

impl Count {
    fn new(now: Instant) -> Count {
        Count {
            failures: 0,
            since: now,
            shut_until: None,
        }
    }

    /// Time left of a shut-out, if one is in force.
    fn shut_for(&self, now: Instant) -> Option<Duration> {
        self.shut_until
            .filter(|until| *until > now)
            .map(|until| until - now)
    }

    /// Counts a failure; true when it shuts the key out.
    fn fail(&mut self, now: Instant, limit: u32) -> bool {
        if self.shut_for(now).is_none() && now.duration_since(self.since) >= WINDOW {
            *self = Count::new(now);
        }
        self.failures += 1;
        if self.failures >= limit {
            *self = Count {
                failures: 0,
                since: now,
                shut_until: Some(now + WINDOW),
            };
            return true;
        }
        false
    }

    /// Still worth keeping: shut out, or failures in a window not yet over.
    fn live(&self, now: Instant) -> bool {
        self.shut_for(now).is_some() || now.duration_since(self.since) < WINDOW
    }
}

#[derive(Debug, Default)]
struct Counts {
    by_address: HashMap<String, Count>,
    by_name: HashMap<(String, String), Count>,
}

/// The counts of failed sign-ins of this server instance.
#[derive(Debug, Default)]
pub struct Throttle {
    counts: Mutex<Counts>,
}

fn name_key(address: &str, username: &str) -> (String, String) {
    (
        address.to_string(),
        username.chars().take(NAME_CHARS).collect(),
    )
}

impl Throttle {
    /// Seconds this address must still wait before trying `username`, if it is shut out.
    pub fn refused_for(&self, address: &str, username: &str) -> Option<i64> {
        let now = Instant::now();
        let counts = self.lock();
        let by_address = counts.by_address.get(address).and_then(|c| c.shut_for(now));
        let by_name = counts
            .by_name
            .get(&name_key(address, username))
            .and_then(|c| c.shut_for(now));
        let left = by_address.max(by_name)?;
        Some(i64::try_from(left.as_secs()).unwrap_or(i64::MAX).max(1))
    }

    /// Counts a failed sign-in; true when it shut the address out (of the name or of all).
    pub fn failed(&self, address: &str, username: &str) -> bool {
        let now = Instant::now();
        let mut counts = self.lock();
        if counts.by_address.len() + counts.by_name.len() > PRUNE_ABOVE {
            counts.by_address.retain(|_, c| c.live(now));
            counts.by_name.retain(|_, c| c.live(now));
        }
        let by_name = counts
            .by_name
            .entry(name_key(address, username))
            .or_insert_with(|| Count::new(now))
            .fail(now, PER_USERNAME);
        let by_address = counts
            .by_address
            .entry(address.to_string())
            .or_insert_with(|| Count::new(now))
            .fail(now, PER_ADDRESS);
        by_name || by_address
    }

    /// A successful sign-in forgets the failures on that name from that address (not the
    /// address's own count: signing in to one's own account must not reset a guesser).
    pub fn succeeded(&self, address: &str, username: &str) {
        self.lock().by_name.remove(&name_key(address, username));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counts> {
        // A panic while counting leaves plain counters behind: still usable.
        self.counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_on_one_name_shut_out_that_address_from_that_name_only() {
        let t = Throttle::default();
        for _ in 0..PER_USERNAME - 1 {
            assert!(!t.failed("a", "li"));
            assert_eq!(t.refused_for("a", "li"), None);
        }
        assert!(t.failed("a", "li"));
        assert!(t.refused_for("a", "li").is_some_and(|s| s > 14 * 60));
        assert_eq!(t.refused_for("b", "li"), None, "another address");
        assert_eq!(t.refused_for("a", "wang"), None, "another name");
    }

    #[test]
    fn twenty_failures_on_any_names_shut_out_the_address() {
        let t = Throttle::default();
        for i in 0..PER_ADDRESS {
            assert_eq!(t.refused_for("a", &format!("u{i}")), None);
            t.failed("a", &format!("u{i}"));
        }
        assert!(t.refused_for("a", "anyone").is_some());
        assert_eq!(t.refused_for("b", "anyone"), None);
    }

    #[test]
    fn a_success_forgets_the_name_but_not_the_address() {
        let t = Throttle::default();
        for _ in 0..PER_USERNAME - 1 {
            t.failed("a", "li");
        }
        t.succeeded("a", "li");
        assert!(!t.failed("a", "li"), "counting starts again");
        let counts = t.lock();
        assert_eq!(counts.by_address["a"].failures, PER_USERNAME);
    }

    #[test]
    fn a_window_past_its_end_starts_again() {
        let now = Instant::now();
        let mut c = Count::new(now);
        for _ in 0..PER_USERNAME - 1 {
            c.fail(now, PER_USERNAME);
        }
        assert!(
            !c.fail(now + WINDOW, PER_USERNAME),
            "the old failures are over"
        );
        assert_eq!(c.failures, 1);
    }
}
