//! The approval screen's checks (issue 15, PRODUCT.md "The approval screen"): every check —
//! blocking, warning and passed — with its evidence ("负责人：未登记", "场地安全检查表：已上传
//! 2026-06-01"), built from the findings of [`super::service::checks`] and the records they read.

use tuoguan_domain::class_checks::{Check, FoodMode, Level};

use super::Class;
use super::files::FileMeta;
use super::staff::Staff;
use crate::i18n::Lang;

/// One line of the approval screen.
#[derive(Debug, Clone)]
pub struct ReviewLine {
    /// `block`, `warn`, `pass` or `info` (documents: not a rule, what is on file).
    pub level: &'static str,
    /// What was checked, or the finding.
    pub text: String,
    /// What the records say.
    pub evidence: String,
}

impl ReviewLine {
    /// The badge class of the line's level (the design language's names).
    pub fn badge(&self) -> &'static str {
        match self.level {
            "block" => "badge badge-bad",
            "warn" => "badge badge-warn",
            "pass" => "badge badge-ok",
            _ => "badge badge-muted",
        }
    }
}

/// The groups of checks, each with the finding codes that belong to it.
const GROUPS: [(&str, &[&str]); 7] = [
    ("review.leader", &["check.no_leader"]),
    (
        "review.venue",
        &[
            "check.venue_plant",
            "check.venue_basement",
            "check.venue_warehouse",
            "check.venue_illegal",
            "check.venue_unsafe",
            "check.venue_hazards",
            "check.no_cameras",
            "check.venue_not_independent",
            "check.ventilation",
        ],
    ),
    (
        "review.food",
        &[
            "check.food_licence_missing",
            "check.food_licence_expired",
            "check.food_licence_expiring",
            "check.caterer_missing",
            "check.catering_agreement_missing",
        ],
    ),
    (
        "review.agreements",
        &[
            "check.partners_missing",
            "check.partner_agreement_missing",
            "check.qualification_review_missing",
        ],
    ),
    ("review.dates", &["check.dates_reversed"]),
    (
        "review.capacity",
        &["check.capacity_zero", "check.capacity_below_minimum"],
    ),
    ("review.rules", &["check.rules_missing"]),
];

fn yes_no(lang: Lang, v: bool) -> String {
    lang.t(if v { "review.yes" } else { "review.no" })
}

fn or_missing(lang: Lang, v: &Option<String>) -> String {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| lang.t("review.not_recorded"))
}

/// The evidence of a finding, or of its group when it passed.
fn evidence(lang: Lang, code: &str, c: &Class, roster: &[Staff], rules: usize) -> String {
    let v = &c.venue;
    let food = &c.food;
    let q = |key: &str, answer: bool| format!("{}：{}", lang.t(key), yes_no(lang, answer));
    let licence = || {
        lang.tf(
            "review.licence",
            &[
                ("no", or_missing(lang, &food.licence_no)),
                (
                    "expiry",
                    food.licence_expiry
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| lang.t("review.not_recorded")),
                ),
            ],
        )
    };
    match code {
        "check.no_leader" | "review.leader" => {
            let leaders: Vec<&str> = roster
                .iter()
                .filter(|s| s.active && s.role == "leader")
                .map(|s| s.name.as_str())
                .collect();
            let names = if leaders.is_empty() {
                lang.t("review.not_recorded")
            } else {
                leaders.join("、")
            };
            format!("{}：{names}", lang.t("staff_role.leader"))
        }
        "check.venue_plant" => q("venue.in_production_plant", v.in_production_plant),
        "check.venue_basement" => q("venue.in_basement", v.in_basement),
        "check.venue_warehouse" => q("venue.in_warehouse", v.in_warehouse),
        "check.venue_illegal" => q(
            "venue.illegal_or_dangerous_building",
            v.illegal_or_dangerous_building,
        ),
        "check.venue_unsafe" => q(
            "venue.building_fire_supervision_safe",
            v.building_fire_supervision_safe,
        ),
        "check.venue_hazards" => q("venue.away_from_hazards", v.away_from_hazards),
        "check.no_cameras" => q("venue.cameras", v.cameras),
        "check.venue_not_independent" => q("venue.independent", v.independent),
        "check.ventilation" => q("venue.ventilation_and_light", v.ventilation_and_light),
        "review.venue" => lang.tf(
            "review.venue_ok",
            &[(
                "area",
                v.floor_area_m2
                    .map(|a| a.to_string())
                    .unwrap_or_else(|| lang.t("review.not_recorded")),
            )],
        ),
        "check.food_licence_missing"
        | "check.food_licence_expired"
        | "check.food_licence_expiring" => licence(),
        "check.caterer_missing" | "check.catering_agreement_missing" => lang.tf(
            "review.caterer",
            &[
                ("name", or_missing(lang, &food.caterer_name)),
                ("signed", yes_no(lang, food.catering_agreement)),
            ],
        ),
        "review.food" => {
            let mode = lang.t(&format!("food_mode.{}", food.mode.as_str()));
            if food.mode == FoodMode::NoMeals {
                mode
            } else {
                format!("{mode} · {}", licence())
            }
        }
        "check.partners_missing" | "check.partner_agreement_missing" => lang.tf(
            "review.partners",
            &[
                ("n", c.partners.len().to_string()),
                ("signed", yes_no(lang, c.partner_agreement)),
            ],
        ),
        "check.qualification_review_missing" => format!(
            "{}：{}",
            lang.t("review.qualification"),
            yes_no(lang, c.qualification_review)
        ),
        "review.agreements" => lang.t(&format!("model.{}", c.model)),
        "check.dates_reversed" | "review.dates" => format!("{} — {}", c.start_date, c.end_date),
        "check.capacity_zero" | "check.capacity_below_minimum" | "review.capacity" => {
            lang.tf("review.places", &[("n", c.capacity.to_string())])
        }
        _ => lang.tf("review.rules_n", &[("n", rules.to_string())]),
    }
}

/// Every line of the approval screen: the findings (blocking first, then warnings), then each
/// group that passed, then the people's checks and the documents on file.
pub fn lines(
    lang: Lang,
    c: &Class,
    found: &[Check],
    roster: &[Staff],
    files: &[FileMeta],
) -> Vec<ReviewLine> {
    let rules = c.rules_in_force.len() + files.iter().filter(|f| f.kind == "rules").count();
    let mut out: Vec<ReviewLine> = Vec::new();
    for level in [Level::Block, Level::Warn] {
        for k in found.iter().filter(|k| k.level == level) {
            out.push(ReviewLine {
                level: if level == Level::Block {
                    "block"
                } else {
                    "warn"
                },
                text: lang.t(k.code),
                evidence: evidence(lang, k.code, c, roster, rules),
            });
        }
    }
    for (group, codes) in GROUPS {
        if !found.iter().any(|k| codes.contains(&k.code)) {
            out.push(ReviewLine {
                level: "pass",
                text: lang.t(group),
                evidence: evidence(lang, group, c, roster, rules),
            });
        }
    }
    let active: Vec<&Staff> = roster.iter().filter(|s| s.active).collect();
    let unchecked = active.iter().filter(|s| s.check_done_on.is_none()).count();
    out.push(ReviewLine {
        level: if active.is_empty() || unchecked > 0 {
            "warn"
        } else {
            "pass"
        },
        text: lang.t("review.staff_checks"),
        evidence: lang.tf(
            "review.staff_checks_n",
            &[
                ("n", active.len().to_string()),
                ("missing", unchecked.to_string()),
            ],
        ),
    });
    out.push(ReviewLine {
        level: "info",
        text: lang.t("review.documents"),
        evidence: if files.is_empty() {
            lang.t("review.no_documents")
        } else {
            files
                .iter()
                .map(|f| {
                    lang.tf(
                        "review.document",
                        &[
                            ("kind", lang.t(&format!("file_kind.{}", f.kind))),
                            ("date", day_of(f.created_at)),
                        ],
                    )
                })
                .collect::<Vec<_>>()
                .join("；")
        },
    });
    out
}

/// The Beijing date of a stored timestamp (`2026-06-01`).
fn day_of(ts: i64) -> String {
    crate::attendance::date_of(ts)
        .map(|d| d.to_string())
        .unwrap_or_default()
}
