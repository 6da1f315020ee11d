//! Known advisories, where `cargo audit` cannot fetch its database: every crate of Cargo.lock
//! against the RustSec advisories kept in audit/rustsec.toml (how it is made and refreshed is in
//! that file and in docs/SECURITY.md).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use semver::{Version, VersionReq};
use serde::Deserialize;

#[derive(Deserialize)]
struct Snapshot {
    taken: String,
    checked: BTreeSet<String>,
    advisory: Vec<Advisory>,
}

#[derive(Deserialize)]
struct Advisory {
    id: String,
    package: String,
    informational: String,
    withdrawn: String,
    title: String,
    patched: Vec<String>,
    unaffected: Vec<String>,
}

#[derive(Deserialize)]
struct Lock {
    package: Vec<Locked>,
}

#[derive(Deserialize)]
struct Locked {
    name: String,
    version: String,
    source: Option<String>,
}

fn read<T: serde::de::DeserializeOwned>(path: &str) -> T {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let text = std::fs::read_to_string(root.join(path)).unwrap();
    toml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// RustSec writes `>=0.4.20` and `^ 0.3.1` alike; semver wants no space after the operator.
fn req(text: &str) -> VersionReq {
    let tight: String = text
        .split(',')
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(", ");
    let tight = ["^ ", "~ ", ">= ", "<= ", "> ", "< ", "= "]
        .iter()
        .fold(tight, |s, op| s.replace(op, op.trim_end()));
    VersionReq::parse(&tight).unwrap_or_else(|e| panic!("version range {text:?}: {e}"))
}

impl Advisory {
    /// Whether the version is affected: neither patched nor unaffected.
    fn affects(&self, v: &Version) -> bool {
        let safe = |ranges: &[String]| ranges.iter().any(|r| req(r).matches(v));
        !safe(&self.patched) && !safe(&self.unaffected)
    }
}

#[test]
fn no_locked_crate_has_a_known_advisory() {
    let snap: Snapshot = read("audit/rustsec.toml");
    let lock: Lock = read("Cargo.lock");
    let registry: Vec<&Locked> = lock.package.iter().filter(|p| p.source.is_some()).collect();
    let unchecked: BTreeSet<&str> = registry
        .iter()
        .map(|p| p.name.as_str())
        .filter(|n| !snap.checked.contains(*n))
        .collect();
    assert!(
        unchecked.is_empty(),
        "crates in Cargo.lock that audit/rustsec.toml has not looked up: {unchecked:?} \
         (look them up in rustsec/advisory-db and add them to `checked`)"
    );
    let mut by_crate: BTreeMap<&str, Vec<&Advisory>> = BTreeMap::new();
    for a in &snap.advisory {
        by_crate.entry(a.package.as_str()).or_default().push(a);
    }
    let (mut vulnerable, mut warnings) = (Vec::new(), Vec::new());
    for p in &registry {
        let v = Version::parse(&p.version).unwrap();
        for a in by_crate.get(p.name.as_str()).into_iter().flatten() {
            if !a.withdrawn.is_empty() || !a.affects(&v) {
                continue;
            }
            let line = format!("{} {} {}: {}", p.name, p.version, a.id, a.title);
            if a.informational.is_empty() {
                vulnerable.push(line);
            } else {
                warnings.push(format!("{line} ({})", a.informational));
            }
        }
    }
    // Unsound or unmaintained crates fail too: the issue asks for zero known advisories, except
    // those accepted one by one with a reason (audit/accepted.toml), each still applying.
    let accepted: Accepted = read("audit/accepted.toml");
    let listed = |line: &String| {
        accepted
            .accepted
            .iter()
            .any(|a| line.starts_with(&format!("{} ", a.package)) && line.contains(&a.id))
    };
    let found: Vec<String> = [vulnerable, warnings].concat();
    let open: Vec<&String> = found.iter().filter(|l| !listed(l)).collect();
    assert!(
        open.is_empty(),
        "advisories as of {}:\n{}",
        snap.taken,
        open.iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    for a in &accepted.accepted {
        assert!(
            a.reason.len() > 40 && !a.reviewed.is_empty(),
            "{} needs its reason and the day it was reviewed",
            a.id
        );
        assert!(
            found
                .iter()
                .any(|l| l.starts_with(&format!("{} ", a.package)) && l.contains(&a.id)),
            "{} {} no longer applies: take it off audit/accepted.toml",
            a.package,
            a.id
        );
    }
}

#[derive(Deserialize)]
struct Accepted {
    accepted: Vec<AcceptedAdvisory>,
}

#[derive(Deserialize)]
struct AcceptedAdvisory {
    id: String,
    package: String,
    reason: String,
    reviewed: String,
}

#[test]
fn the_ranges_read_as_cargo_audit_reads_them() {
    let a = Advisory {
        id: "RUSTSEC-2025-0023".into(),
        package: "tokio".into(),
        informational: String::new(),
        withdrawn: String::new(),
        title: String::new(),
        patched: vec![">= 1.38.2, < 1.39.0".into(), ">=1.44.2".into()],
        unaffected: vec!["< 0.2.5".into(), "^ 0.3.1".into()],
    };
    let affected = |v: &str| a.affects(&Version::parse(v).unwrap());
    assert!(affected("1.38.1") && affected("1.40.0") && affected("0.2.5"));
    assert!(!affected("1.38.3") && !affected("1.44.2") && !affected("0.2.4"));
    assert!(!affected("0.3.9") && affected("0.4.0"));
}
