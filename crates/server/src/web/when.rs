//! Times as people in China read them (docs/UI.md): Beijing time (UTC+8, no daylight saving, so no
//! time-zone database), `7月20日 08:07` in prose and `2026-07-20 08:07` in tables. The JSON API keeps
//! RFC 3339 in UTC; only HTML goes through here.

use chrono::{DateTime, Datelike, FixedOffset};

use crate::i18n::Lang;

/// Something that names an instant: epoch seconds, or an RFC 3339 text (as the views shared with the
/// API carry). Options and references pass through; nothing or an unreadable text shows as empty.
pub trait Stamp {
    fn epoch(&self) -> Option<i64>;
}

impl Stamp for i64 {
    fn epoch(&self) -> Option<i64> {
        Some(*self)
    }
}

impl Stamp for str {
    fn epoch(&self) -> Option<i64> {
        DateTime::parse_from_rfc3339(self.trim())
            .ok()
            .map(|t| t.timestamp())
    }
}

impl Stamp for String {
    fn epoch(&self) -> Option<i64> {
        self.as_str().epoch()
    }
}

impl<T: Stamp + ?Sized> Stamp for &T {
    fn epoch(&self) -> Option<i64> {
        (**self).epoch()
    }
}

impl<T: Stamp> Stamp for Option<T> {
    fn epoch(&self) -> Option<i64> {
        self.as_ref().and_then(Stamp::epoch)
    }
}

fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

fn local(t: &(impl Stamp + ?Sized)) -> Option<DateTime<FixedOffset>> {
    DateTime::from_timestamp(t.epoch()?, 0).map(|u| u.with_timezone(&beijing()))
}

/// In a table or list: `2026-07-20 08:07`.
pub fn table(t: &(impl Stamp + ?Sized)) -> String {
    local(t)
        .map(|l| l.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// In a sentence: `7月20日 08:07` (`20 Jul 08:07`), with the year when it is not this year's.
pub fn prose(t: &(impl Stamp + ?Sized), lang: Lang) -> String {
    prose_at(t, lang, crate::now())
}

fn prose_at(t: &(impl Stamp + ?Sized), lang: Lang, now: i64) -> String {
    let Some(l) = local(t) else {
        return String::new();
    };
    let this_year = local(&now).map(|n| n.year()) == Some(l.year());
    match (lang, this_year) {
        (Lang::Zh, true) => l.format("%-m月%-d日 %H:%M").to_string(),
        (Lang::Zh, false) => l.format("%Y年%-m月%-d日 %H:%M").to_string(),
        (Lang::En, true) => l.format("%-d %b %H:%M").to_string(),
        (Lang::En, false) => l.format("%-d %b %Y %H:%M").to_string(),
    }
}

/// A clock time only: `08:07`.
pub fn clock(t: &(impl Stamp + ?Sized)) -> String {
    local(t)
        .map(|l| l.format("%H:%M").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-07-20 00:07:00 UTC is 08:07 in Beijing.
    const T: i64 = 1_784_506_020;
    const NOW: i64 = 1_790_000_000; // later in 2026

    #[test]
    fn an_instant_reads_in_beijing_time() {
        assert_eq!(table(&T), "2026-07-20 08:07");
        assert_eq!(clock(&T), "08:07");
        assert_eq!(prose_at(&T, Lang::Zh, NOW), "7月20日 08:07");
        assert_eq!(prose_at(&T, Lang::En, NOW), "20 Jul 08:07");
        let next_year = NOW + 365 * 86_400;
        assert_eq!(prose_at(&T, Lang::Zh, next_year), "2026年7月20日 08:07");
        assert_eq!(prose_at(&T, Lang::En, next_year), "20 Jul 2026 08:07");
    }

    #[test]
    fn rfc3339_texts_and_options_are_read_too() {
        assert_eq!(table("2026-07-20T00:07:00Z"), "2026-07-20 08:07");
        assert_eq!(
            table(&"2026-12-01T22:43:38Z".to_string()),
            "2026-12-02 06:43"
        );
        assert_eq!(table(&Some(T)), "2026-07-20 08:07");
        assert_eq!(table(&None::<i64>), "");
        assert_eq!(table("not a time"), "");
    }
}
