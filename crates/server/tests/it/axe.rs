//! axe-core in the browser tests (docs/UI.md): every page a test screenshots is scanned, and a
//! `critical` or `serious` violation fails the test with its rule and the elements it names.
//! axe is vendored in `tests/it/vendor/` and injected through WebDriver; the binary never serves it.

use fantoccini::Client;
use serde::Deserialize;
use serde_json::json;

const AXE: &str = include_str!("vendor/axe.min.js");

/// Runs axe on the current page and returns the critical and serious violations, or why it could
/// not run.
const RUN: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ["violations"] })
  .then(r => done(r.violations
    .filter(v => v.impact === "critical" || v.impact === "serious")
    .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                 targets: v.nodes.slice(0, 8).map(n => n.target.join(" ") + " — " + (n.failureSummary || "").split("\n").slice(1, 2).join("")) }))))
  .catch(e => done([{ id: "axe-error", impact: "critical", help: String(e), targets: [] }]));
"#;

#[derive(Debug, Deserialize)]
pub(crate) struct Violation {
    pub id: String,
    pub impact: String,
    pub help: String,
    pub targets: Vec<String>,
}

/// The critical and serious violations of the page the browser shows.
pub(crate) async fn violations(c: &Client) -> Vec<Violation> {
    let loaded = c
        .execute("return typeof window.axe === 'object';", vec![])
        .await
        .unwrap();
    if loaded != json!(true) {
        c.execute(&format!("{AXE}\n;window.axe = axe; return true;"), vec![])
            .await
            .unwrap_or_else(|e| panic!("injecting axe-core: {e}"));
    }
    let found = c.execute_async(RUN, vec![]).await.unwrap();
    serde_json::from_value(found).unwrap()
}

/// Panics when the page has a critical or serious violation, naming each.
pub(crate) async fn assert_clean(c: &Client, page: &str) {
    let found = violations(c).await;
    if !found.is_empty() {
        let list: Vec<String> = found
            .iter()
            .map(|v| {
                format!(
                    "  {} ({}): {}\n    {}",
                    v.id,
                    v.impact,
                    v.help,
                    v.targets.join("\n    ")
                )
            })
            .collect();
        let url = c
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        panic!("axe on {page} ({url}):\n{}", list.join("\n"));
    }
}
