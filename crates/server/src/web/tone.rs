//! Status colours (docs/UI.md): every state a page shows maps to one of five tones, and the badge
//! carries the tone as a CSS class (`badge badge-ok` …) beside the state's word — colour is never
//! the only signal.

/// How a state should read at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Done, fine, running.
    Ok,
    /// Needs someone's attention soon.
    Warn,
    /// Wrong, refused, overdue, serious.
    Bad,
    /// Waiting on the other side, in progress.
    Info,
    /// Nothing to do: finished, not begun, neutral.
    Muted,
}

impl Tone {
    /// The suffix of the CSS class (`badge-ok`, `tone-ok`).
    pub fn as_str(self) -> &'static str {
        match self {
            Tone::Ok => "ok",
            Tone::Warn => "warn",
            Tone::Bad => "bad",
            Tone::Info => "info",
            Tone::Muted => "muted",
        }
    }
}

/// The tone of `value` among the states of `kind` (`class_status`, `application`, `roll`,
/// `submission`, `milestone`, `severity`, `log_kind`, `incident`, `check`); unknown is muted.
pub fn of(kind: &str, value: &str) -> Tone {
    use Tone::*;
    match (kind, value) {
        ("class_status", "running" | "approved") => Ok,
        ("class_status", "submitted") => Info,
        ("class_status", "returned") => Warn,
        ("class_status", _) => Muted,
        ("application", "accepted" | "enrolled") => Ok,
        ("application", "applied") => Info,
        ("application", "waitlisted") => Warn,
        ("application", "rejected") => Bad,
        ("application", _) => Muted,
        ("roll", "present") => Ok,
        ("roll", "collected") => Info,
        ("roll", "absent") => Warn,
        ("roll", "refused") => Bad,
        ("roll", _) => Muted,
        ("submission" | "milestone", "approved") => Ok,
        ("submission" | "milestone", "submitted") => Info,
        ("submission" | "milestone", "returned") => Warn,
        ("milestone", "overdue") => Bad,
        ("submission" | "milestone", _) => Muted,
        ("severity", "minor") => Info,
        ("severity", "moderate") => Warn,
        ("severity", "serious") => Bad,
        ("log_kind", "missing") => Warn,
        ("log_kind", _) => Info,
        ("incident", "acknowledged") => Ok,
        ("incident", "unacknowledged" | "late") => Warn,
        ("incident", "safety") => Bad,
        ("check", "block") => Bad,
        ("check", "warn") => Warn,
        ("check", "pass") => Ok,
        ("inspection", "planned") => Info,
        ("inspection", "done") => Ok,
        ("checklist", "pass") => Ok,
        ("checklist", "fail") => Bad,
        ("rectification", "open") => Warn,
        ("rectification", "overdue") => Bad,
        ("rectification", "fixed") => Info,
        ("rectification", "closed") => Ok,
        _ => Muted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_state_has_the_tone_of_its_meaning() {
        let cases = [
            ("class_status", "draft", Tone::Muted),
            ("class_status", "submitted", Tone::Info),
            ("class_status", "returned", Tone::Warn),
            ("class_status", "approved", Tone::Ok),
            ("class_status", "running", Tone::Ok),
            ("class_status", "closed", Tone::Muted),
            ("application", "applied", Tone::Info),
            ("application", "accepted", Tone::Ok),
            ("application", "waitlisted", Tone::Warn),
            ("application", "rejected", Tone::Bad),
            ("application", "enrolled", Tone::Ok),
            ("application", "withdrawn", Tone::Muted),
            ("roll", "expected", Tone::Muted),
            ("roll", "present", Tone::Ok),
            ("roll", "collected", Tone::Info),
            ("roll", "absent", Tone::Warn),
            ("submission", "draft", Tone::Muted),
            ("submission", "returned", Tone::Warn),
            ("milestone", "overdue", Tone::Bad),
            ("milestone", "not_started", Tone::Muted),
            ("severity", "serious", Tone::Bad),
            ("log_kind", "meal", Tone::Info),
            ("log_kind", "missing", Tone::Warn),
            ("incident", "unacknowledged", Tone::Warn),
            ("check", "block", Tone::Bad),
            ("nonsense", "x", Tone::Muted),
        ];
        for (kind, value, tone) in cases {
            assert_eq!(of(kind, value), tone, "{kind} {value}");
        }
    }
}
