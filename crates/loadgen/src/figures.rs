//! What the read benchmark checks of a generated country's figures, besides timing its pages:
//! the national dashboard counts what was generated (and last year), and below province size every
//! kept figure equals a recount from the records.

use std::collections::HashMap;

use anyhow::Context;

use crate::manifest::Manifest;

/// True when the national dashboard's totals are the generated units, running classes and places.
pub async fn national(
    http: &reqwest::Client,
    base: &str,
    tokens: &HashMap<String, String>,
    m: &Manifest,
) -> anyhow::Result<bool> {
    let token = tokens.get(&m.national_user).context("no national token")?;
    let url = format!(
        "{base}/api/v1/orgs/{}/dashboard?programme_id={}",
        m.national_id, m.programme_id
    );
    let d: serde_json::Value = http
        .get(url)
        .bearer_auth(token)
        .send()
        .await?
        .json()
        .await?;
    let t = &d["totals"];
    let units = m.scale.units as i64;
    Ok(t["units"].as_i64() == Some(units)
        && t["classes"][4].as_i64() == Some(units)
        && t["participating_units"].as_i64() == Some(units)
        && t["capacity"].as_i64() == Some(m.scale.children as i64)
        && d["rows"].as_array().map(Vec::len) == Some(m.scale.provinces)
        && last_year_compared(&d, m))
}

/// The season before is beside this one (issue 16): two years, the earlier with children, and this
/// year's child-days by day counted.
fn last_year_compared(d: &serde_json::Value, m: &Manifest) -> bool {
    if m.previous_programme_id.is_empty() {
        return true;
    }
    let years = d["years"].as_array().cloned().unwrap_or_default();
    years.len() == 2
        && years[0]["programme_id"] == m.previous_programme_id.as_str()
        && years[0]["children"].as_i64().is_some_and(|n| n > 0)
        && d["days"].as_array().is_some_and(|v| !v.is_empty())
}

/// Whether every kept figure (organisations, classes, reports done, child-days by day) equals a
/// recount from the records, after the reads and check-ins. Done below province size only: the
/// recount of a national country takes minutes.
pub async fn recount_matches(url: &str, m: &Manifest) -> anyhow::Result<bool> {
    if m.scale.units > 2_000 {
        return Ok(true);
    }
    let db = tuoguan::db::Db::connect(url, 2).await?;
    let stored = tuoguan::dashboard::tallies::stored(&db).await?;
    let again = tuoguan::dashboard::tallies::recounted(&db).await?;
    let drift = tuoguan::dashboard::days::drift(&db).await?;
    db.close().await;
    if !drift.is_empty() {
        eprintln!(
            "child-days by day differ from a recount: {:?}",
            &drift[..drift.len().min(5)]
        );
    }
    Ok(stored == again && drift.is_empty())
}
