//! The scope sweep's request bodies: for each operation of the API, a plausible body aimed at the
//! sweep's targets (`scope_sweep::Targets`), so a refusal is the scope's and not the body's.

use serde_json::{Value, json};

use crate::scope_sweep::Targets;

/// A plausible body for each operation, aimed at the target.
pub(crate) fn body_for(path: &str, method: &str, t: &Targets) -> Option<Value> {
    Some(match (method, path) {
        ("post", "/api/v1/orgs") => {
            json!({"parent_id": t.org, "name": "渗透测试工会", "kind": "grassroots", "unit_type": "other"})
        }
        ("patch", "/api/v1/orgs/{id}") => json!({"name": "被改名", "active": false}),
        ("post", "/api/v1/users") => {
            json!({"username": "intruder", "display_name": "x", "password": "Intruder-pass-1", "org_id": t.org, "roles": [{"role": "federation_admin", "org_id": t.org}]})
        }
        ("patch", "/api/v1/users/{id}") => json!({"active": false}),
        ("post", "/api/v1/users/{id}/password") => json!({"password": "Intruder-pass-1"}),
        ("post", "/api/v1/users/{id}/roles") => {
            json!({"role": "grassroots_admin", "org_id": t.org})
        }
        ("put", "/api/v1/calendar/days/{date}") => json!({"kind": "holiday", "name": "假"}),
        ("put", "/api/v1/calendar/years/{year}") => json!({"days": []}),
        ("post", "/api/v1/auth/token") => {
            json!({"username": "hospital_admin", "password": "guess-guess-guess"})
        }
        ("post", "/api/v1/programmes") => {
            json!({"org_id": t.org, "season": "summer", "year": 2027, "start_date": "2027-07-01", "end_date": "2027-08-31"})
        }
        ("post", "/api/v1/programmes/{id}/copy") => {
            json!({"season": "summer", "year": 2027, "start_date": "2027-07-01", "end_date": "2027-08-31"})
        }
        ("post", "/api/v1/programmes/{id}/milestones/{milestone_id}/submissions") => {
            json!({"org_id": t.org, "narrative": "x", "submit": true})
        }
        ("post", "/api/v1/programmes/{id}/milestones/{milestone_id}/missing") => {
            json!({"org_id": t.org, "reason": "x"})
        }
        ("post", "/api/v1/programmes/{id}/inspection-plan") => {
            json!({"org_id": t.org, "seed_text": "x"})
        }
        ("post", "/api/v1/inspection-plans/{id}/inspections") => {
            json!({"class_id": t.class, "reason": "x"})
        }
        ("put", "/api/v1/inspections/{id}/inspector") => json!({"inspector_id": null}),
        ("post", "/api/v1/inspections/{id}/record") => json!({"lines": [], "summary": "x"}),
        ("post", "/api/v1/rectifications/{id}/fix")
        | ("post", "/api/v1/rectifications/{id}/close")
        | ("post", "/api/v1/rectifications/{id}/reopen") => json!({"note": "x"}),
        ("put", "/api/v1/programmes/{id}/questionnaires/{audience}") => {
            json!({"title": "被改", "overall": "x", "questions": [], "comment_prompt": "x"})
        }
        ("post", "/api/v1/applications/{id}/questionnaire")
        | ("post", "/api/v1/classes/{id}/host-questionnaire")
        | ("post", "/api/v1/questionnaire-links/{token}") => {
            json!({"overall": "very_dissatisfied", "answers": [], "comment": "x"})
        }
        ("post", "/api/v1/programmes/{id}/model-reviewers") => json!({"user_id": t.user}),
        ("post", "/api/v1/classes/{id}/model-application") => json!({"statement": "x"}),
        ("put", "/api/v1/model-applications/{id}/score") => json!({"items": [1, 1, 1, 1, 1]}),
        ("post", "/api/v1/programmes/{id}/model-notice") => json!({"days": 5}),
        ("post", "/api/v1/notices/{id}/objections") => {
            json!({"application_id": t.model, "summary": "x", "received_on": "2026-10-02"})
        }
        ("post", "/api/v1/objections/{id}/handling") => json!({"upheld": true, "handling": "x"}),
        ("post", "/api/v1/inspections/redraw") => {
            json!({"seed_text": "x", "coverage_pct": 10, "candidates": []})
        }
        ("post", "/api/v1/submissions/{id}/approve")
        | ("post", "/api/v1/submissions/{id}/return") => json!({"comment": "x"}),
        ("post", "/api/v1/classes") => {
            json!({"programme_id": t.programme, "host_org_id": t.org, "name": "x", "address": "x", "start_date": "2026-07-06", "end_date": "2026-08-14", "daily_start": "08:00", "daily_end": "17:00", "capacity": 20, "model": "in_unit", "management": "union_staff", "food": {"mode": "no_meals"}})
        }
        ("patch", "/api/v1/classes/{id}") => json!({"name": "被改名"}),
        ("post", "/api/v1/classes/{id}/return") => json!({"comment": "x"}),
        ("post", "/api/v1/classes/{id}/staff") => {
            json!({"name": "x", "role": "teacher", "phone": "13900000000"})
        }
        ("patch", "/api/v1/classes/{id}/staff/{staff_id}") => json!({"active": false}),
        ("post", "/api/v1/classes/{id}/days") => {
            json!({"day": "2026-07-08", "kind": "closure", "reason": "台风"})
        }
        ("post", "/api/v1/parents") => {
            json!({"phone": "13655550000", "name": "x", "password": "Intruder-pass-1", "employer": "x"})
        }
        ("post", "/api/v1/children") | ("patch", "/api/v1/children/{id}") => {
            json!({"name": "被改名", "gender": "male", "birth_date": "2017-01-01", "school": "x", "grade": "3", "relationship": "父亲", "consent": true})
        }
        ("post", "/api/v1/children/{id}/pickups") => {
            json!({"name": "x", "relationship": "x", "phone": "13700000000"})
        }
        ("post", "/api/v1/applications") => json!({"child_id": t.child, "class_id": t.class}),
        ("post", "/api/v1/applications/{id}/decision") => {
            json!({"decision": "withdraw", "reason": "x"})
        }
        ("post", "/api/v1/applications/{id}/agreement") => json!({"version": "2026-1"}),
        ("put", "/api/v1/applications/{id}/insurance") => {
            json!({"insurer": "x", "policy_no": "x", "valid_from": "2026-07-01", "valid_to": "2026-08-31", "payer": "guardian"})
        }
        ("put", "/api/v1/applications/{id}/attends-from") => json!({"attends_from": "2026-07-06"}),
        ("post", "/api/v1/classes/{id}/lottery") => json!({"seed_text": "x"}),
        ("post", "/api/v1/lottery/rerun") => json!({"seed": "1", "places": 1, "applicants": []}),
        ("post", "/api/v1/classes/{id}/attendance") => {
            json!({"child_id": t.child, "action": "check_in", "day": "2026-07-20"})
        }
        ("post", "/api/v1/classes/{id}/logs") => {
            json!({"kind": "cleaning", "day": "2026-07-20", "officer": "x", "areas": "x"})
        }
        ("post", "/api/v1/classes/{id}/incidents") => {
            json!({"occurred_at": "2026-07-20T10:00", "kind": "injury", "severity": "minor", "description": "x", "actions": "x"})
        }
        ("post", "/api/v1/classes/{id}/schedule") => {
            json!({"weekday": 1, "starts": "08:00", "ends": "09:00", "activity": "play"})
        }
        _ => return crate::scope_sweep_funding::body_for(path, method),
    })
}
