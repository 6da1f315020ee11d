//! The API document types what the handlers accept and answer: a client generated from
//! `/api/openapi.json` must know every closed set of values and the shape of every object, and
//! every status an operation can answer.

use serde_json::Value;

/// Property names that always hold one of a closed set of values in this API.
const CLOSED: &[&str] = &[
    "kind",
    "status",
    "model",
    "management",
    "decision",
    "payer",
    "gender",
    "grade",
    "season",
    "role",
    "level",
    "mode",
    "food_mode",
    "outcome",
    "refusal",
    "reason",
    "from_status",
    "to_status",
    "channel",
    "code",
    "rules_in_force",
    "severity",
    "activity",
    "guardian_informed_how",
    "absent_reason",
    "payer",
    "insurance_payer",
    "unit_type",
    "action",
];

/// `(schema or operation, property)` pairs that are named like a closed set but are open text,
/// each with the reason.
const OPEN: &[(&str, &str)] = &[
    // Free text of a closure day or an absence: what happened, in the unit's words.
    ("ClassDay", "reason"),
    // A check's code is the i18n key of the finding; the set grows with the rules.
    ("FailedCheck", "code"),
    ("CheckView", "code"),
    // Free text: why an application was refused or withdrawn, in the unit's or family's words.
    ("ApplicationView", "reason"),
    ("DecisionInput", "reason"),
    // Free text: why a subordinate is marked missing from a report, in the federation's words.
    ("MissingInput", "reason"),
    ("UnitLine", "reason"),
    // Free text: why a class was added to an inspection plan by hand (a complaint, a follow-up).
    ("AddInput", "reason"),
    ("Inspection", "reason"),
    // Free text: why a ledger entry is reversed by a counter-entry (冲销原因).
    ("ReverseInput", "reason"),
    // Audit actions are dotted codes (`login.ok`, `class.approve`) that grow with every domain;
    // the filter matches a prefix (`class.`), so any text is a valid query.
    ("AuditView", "action"),
    ("GET /api/v1/audit", "action"),
    // A pickup card's printed code: random, not a set.
    ("CardView", "code"),
    ("GET /api/v1/pickup-cards/{code}", "code"),
];

fn doc() -> Value {
    let (_, api) = tuoguan::app::api();
    serde_json::to_value(&api).expect("the document serialises")
}

/// Resolves a `$ref` to its schema.
fn resolve<'a>(doc: &'a Value, s: &'a Value) -> &'a Value {
    match s["$ref"].as_str() {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            &doc["components"]["schemas"][name]
        }
        None => s,
    }
}

/// True when `s` (or what it refers to) is a string with an `enum`, or a reference to one.
fn typed_string(doc: &Value, s: &Value) -> bool {
    let s = resolve(doc, s);
    if s["enum"].is_array() {
        return true;
    }
    if let Some(all) = s["oneOf"].as_array().or(s["anyOf"].as_array()) {
        return all
            .iter()
            .all(|x| x["type"] == "null" || typed_string(doc, x));
    }
    if let Some(items) = s.get("items") {
        return typed_string(doc, items);
    }
    false
}

fn is_string(s: &Value) -> bool {
    match &s["type"] {
        Value::String(t) => t == "string",
        Value::Array(ts) => ts.iter().any(|t| t == "string"),
        _ => false,
    }
}

/// Walks a schema and collects every untyped object and every closed-set string property.
fn walk(doc: &Value, owner: &str, s: &Value, out: &mut Vec<String>, depth: usize) {
    if depth > 12 || s.get("$ref").is_some() {
        return;
    }
    let is_object = match &s["type"] {
        Value::String(t) => t == "object",
        Value::Array(ts) => ts.iter().any(|t| t == "object"),
        _ => false,
    };
    let has_shape = s["properties"].is_object()
        || s["additionalProperties"].is_object()
        || s["allOf"].is_array()
        || s["oneOf"].is_array();
    if is_object && !has_shape {
        out.push(format!("{owner}: an untyped object"));
    }
    if let Some(props) = s["properties"].as_object() {
        for (name, p) in props {
            let open = OPEN.iter().any(|(o, n)| *o == owner && n == name);
            let items = p.get("items").unwrap_or(&Value::Null);
            let stringy = is_string(p) || is_string(items);
            if CLOSED.contains(&name.as_str()) && stringy && !open && !typed_string(doc, p) {
                out.push(format!(
                    "{owner}.{name}: a string of a closed set without an enum"
                ));
            }
            if let Some(d) = p["description"].as_str()
                && stringy
                && !typed_string(doc, p)
                && lists_values(d)
            {
                out.push(format!("{owner}.{name}: values listed in prose ({d})"));
            }
            walk(doc, &format!("{owner}.{name}"), p, out, depth + 1);
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(x) = s.get(key).filter(|x| x.is_object()) {
            walk(doc, owner, x, out, depth + 1);
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for x in s[key].as_array().into_iter().flatten() {
            walk(doc, owner, x, out, depth + 1);
        }
    }
}

/// "in_unit, joint, school" or "closure or extra": a description that lists the accepted values.
fn lists_values(d: &str) -> bool {
    let first = d.lines().next().unwrap_or("");
    let words: Vec<&str> = first
        .split([',', '|', '/'])
        .flat_map(|w| w.split(" or "))
        .map(str::trim)
        .collect();
    words.len() >= 2
        && words.iter().all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())
        })
}

#[test]
fn every_closed_set_and_every_object_is_typed_in_the_document() {
    let doc = doc();
    let mut out = Vec::new();
    for (name, s) in doc["components"]["schemas"].as_object().unwrap() {
        walk(&doc, name, s, &mut out, 0);
    }
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let here = format!("{} {path}", method.to_uppercase());
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap_or("");
                let s = &p["schema"];
                let open = OPEN.iter().any(|(o, n)| *o == here && *n == name);
                if CLOSED.contains(&name) && is_string(s) && !open && !typed_string(&doc, s) {
                    out.push(format!(
                        "{here} ?{name}: a string of a closed set without an enum"
                    ));
                }
            }
            let bodies = op["requestBody"]["content"]
                .as_object()
                .into_iter()
                .flatten()
                .chain(
                    op["responses"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .flat_map(|(_, r)| r["content"].as_object().into_iter().flatten()),
                );
            for (media, c) in bodies {
                if media.contains("json") {
                    walk(&doc, &here, &c["schema"], &mut out, 0);
                }
            }
        }
    }
    assert!(
        out.is_empty(),
        "{} problems:\n{}",
        out.len(),
        out.join("\n")
    );
}

#[test]
fn every_operation_documents_the_statuses_it_can_answer() {
    let doc = doc();
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let here = format!("{} {path}", method.to_uppercase());
            let documented = |code: &str| op["responses"].get(code).is_some();
            let public = path == "/api/v1/auth/token";
            let mut want = vec!["400", "500"];
            if !public {
                want.extend(["401", "403"]);
            }
            if path.contains('{') {
                want.push("404");
            }
            if op.get("requestBody").is_some() {
                want.push("422");
            }
            for code in want {
                if !documented(code) {
                    out.push(format!("{here}: {code} undocumented"));
                }
            }
            for (code, r) in op["responses"].as_object().unwrap() {
                let error = code.starts_with('4') || code.starts_with('5');
                let body = &r["content"]["application/json"]["schema"]["$ref"];
                if error && body != "#/components/schemas/ErrorBody" {
                    out.push(format!("{here}: {code} without the error body"));
                }
            }
            if op["requestBody"]["content"]
                .as_object()
                .into_iter()
                .flatten()
                .any(|(_, c)| {
                    c["schema"]["oneOf"]
                        .as_array()
                        .is_some_and(|o| o.iter().any(|x| x["type"] == "null"))
                })
            {
                out.push(format!("{here}: a null body is documented"));
            }
        }
    }
    assert!(
        out.is_empty(),
        "{} problems:\n{}",
        out.len(),
        out.join("\n")
    );
}

#[test]
fn no_object_carries_a_property_twice() {
    // A flattened struct that repeats a field of its parent serialises the key twice: JSON
    // parsers keep one of them, generated clients refuse the document.
    let doc = doc();
    let mut out = Vec::new();
    for (name, s) in doc["components"]["schemas"].as_object().unwrap() {
        let mut seen = std::collections::BTreeSet::new();
        let parts: Vec<&Value> = match s["allOf"].as_array() {
            Some(all) => all.iter().map(|x| resolve(&doc, x)).collect(),
            None => vec![s],
        };
        for part in parts {
            for key in part["properties"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, _)| k)
            {
                if !seen.insert(key.clone()) {
                    out.push(format!("{name}.{key}"));
                }
            }
        }
    }
    assert!(out.is_empty(), "repeated: {}", out.join(", "));
}

/// Two types of one name would be one schema in the document, the second silently replacing the
/// first (`Level` of the class checks and of model classes did): every type the document names is
/// named once, or renamed with `#[schema(as = …)]`.
#[test]
fn no_two_schemas_share_a_name() {
    fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                let t = line.trim_start();
                let Some(rest) = t
                    .strip_prefix("pub struct ")
                    .or_else(|| t.strip_prefix("pub enum "))
                else {
                    continue;
                };
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                // The attributes above the item, up to the previous blank line or item.
                let above: Vec<&str> = lines[..i]
                    .iter()
                    .rev()
                    .take_while(|l| {
                        let l = l.trim_start();
                        l.starts_with("#[")
                            || l.starts_with("///")
                            || l.starts_with("crate::closed_set")
                    })
                    .copied()
                    .collect();
                let closed = i >= 2
                    && lines[..i]
                        .iter()
                        .rev()
                        .take(12)
                        .any(|l| l.contains("closed_set!"))
                    && lines[..i]
                        .iter()
                        .rev()
                        .take_while(|l| !l.trim().is_empty() || l.contains("closed_set"))
                        .any(|l| l.contains("closed_set!"));
                let schema = above.iter().any(|l| l.contains("ToSchema")) || closed;
                if !schema {
                    continue;
                }
                let renamed = above
                    .iter()
                    .find_map(|l| l.split("schema(as = ").nth(1))
                    .map(|r| r.trim_end_matches([')', ']']).to_string());
                out.push((renamed.unwrap_or(name), path.display().to_string()));
            }
        }
    }
    let mut found = Vec::new();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    walk(&root.join("src"), &mut found);
    walk(&root.join("../domain/src"), &mut found);
    let mut by_name: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for (name, file) in &found {
        by_name.entry(name).or_default().push(file);
    }
    let twice: Vec<_> = by_name.iter().filter(|(_, f)| f.len() > 1).collect();
    assert!(
        found.len() > 50,
        "found {} schemas: is the source where it was?",
        found.len()
    );
    assert!(twice.is_empty(), "schemas named twice: {twice:?}");
}
