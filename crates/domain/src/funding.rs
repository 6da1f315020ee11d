//! 资金 — money (SPEC §9; seed 003 §三.7–8, seed 000 Beijing, Henan, Jiangxi, Xiamen): the sources a
//! class is paid from and the categories it spends on, amounts in integer fen (分) parsed from and
//! shown as yuan without ever passing through floating point, the rule that union money does not
//! buy children's accident insurance, the parent-fee check (公益性、非营利性: a fee never above the
//! cost the other sources leave), and subsidy rules as data: record-based gates, a fixed amount or
//! tiers by class size, and an optional capped pool that a batch fills in order.

use serde::{Deserialize, Serialize};

use crate::class_checks::{Venue, named_enum};
use crate::evaluation::{Criterion, Satisfaction};

/// Where a class's money comes from (经费来源).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// 单位行政 — the unit's administration.
    UnitAdmin,
    /// 基层工会 — the grassroots union's own funds.
    GrassrootsUnion,
    /// 县(区)总工会补助 — the county or district federation's subsidy.
    CountyUnion,
    /// 市总工会补助 — the city federation's subsidy.
    CityUnion,
    /// 省总工会补助 — the province federation's subsidy.
    ProvinceUnion,
    /// 职工福利费 — the employee welfare fund.
    WelfareFund,
    /// 家长缴费 — parents' fees.
    ParentFees,
    /// 社会捐赠 — donations.
    Donations,
}

named_enum!(Source {
    UnitAdmin => "unit_admin",
    GrassrootsUnion => "grassroots_union",
    CountyUnion => "county_union",
    CityUnion => "city_union",
    ProvinceUnion => "province_union",
    WelfareFund => "welfare_fund",
    ParentFees => "parent_fees",
    Donations => "donations",
});

impl Source {
    /// Union money (工会经费): the grassroots union's and every federation's subsidy.
    pub fn is_union(self) -> bool {
        matches!(
            self,
            Source::GrassrootsUnion
                | Source::CountyUnion
                | Source::CityUnion
                | Source::ProvinceUnion
        )
    }
}

/// What a class spends on (支出类别).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 工作人员及志愿者补贴 — staff and volunteers' allowances.
    Allowances,
    /// 餐饮 — food.
    Food,
    /// 教具材料 — materials.
    Materials,
    /// 意外伤害保险 — the children's accident insurance.
    Insurance,
    /// 场地 — the venue.
    Venue,
    /// 购买服务 — purchased services.
    Services,
    /// 其他 — anything else.
    Other,
}

named_enum!(Category {
    Allowances => "allowances",
    Food => "food",
    Materials => "materials",
    Insurance => "insurance",
    Venue => "venue",
    Services => "services",
    Other => "other",
});

/// The most one amount may be: 100 million yuan, in fen (far above any class or pool, far below
/// where a sum of a nation's entries could overflow an i64).
pub const MAX_FEN: i64 = 10_000_000_000;

/// Why a yuan amount was refused; each is an i18n key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum YuanError {
    /// Not a number of yuan with at most two decimals ("1234.56", "1,234.5", "¥80").
    #[error("money.not_amount")]
    NotAmount,
    /// Zero or less where an amount is needed, or above [`MAX_FEN`].
    #[error("money.out_of_range")]
    OutOfRange,
}

impl YuanError {
    pub fn key(self) -> &'static str {
        match self {
            YuanError::NotAmount => "money.not_amount",
            YuanError::OutOfRange => "money.out_of_range",
        }
    }
}

/// Parses yuan as people type them — `1234.56`, `1,234.5`, `¥80`, `80元`, full-width digits
/// included — into fen, exactly: at most two decimals, never through floating point. Zero is
/// allowed (a plan line may be nothing); a negative amount is not.
pub fn parse_yuan(text: &str) -> Result<i64, YuanError> {
    let s: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' => '.',
            c => c,
        })
        .filter(|c| !matches!(c, ',' | '，' | ' ' | '¥' | '￥'))
        .collect();
    let s = s.strip_suffix('元').unwrap_or(&s);
    if s.starts_with('-') {
        return Err(YuanError::OutOfRange);
    }
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(frac) || frac.len() > 2 || whole.len() > 12 {
        return Err(match whole.len() > 12 && digits(whole) {
            true => YuanError::OutOfRange,
            false => YuanError::NotAmount,
        });
    }
    let whole: i64 = whole.parse().map_err(|_| YuanError::NotAmount)?;
    let frac: i64 = format!("{frac:0<2}")
        .parse()
        .map_err(|_| YuanError::NotAmount)?;
    let fen = whole * 100 + frac;
    match fen > MAX_FEN {
        true => Err(YuanError::OutOfRange),
        false => Ok(fen),
    }
}

/// Fen shown as yuan with thousands separators and two decimals: `1234567` → `12,345.67`
/// (negative amounts, a counter-entry's, with a leading minus).
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", abs % 100)
}

/// The venue checklist complete (设施齐全): every item ticked, cameras included, and the venue in
/// no prohibited place.
pub fn facilities_complete(v: &Venue) -> bool {
    v.independent
        && v.building_fire_supervision_safe
        && v.away_from_hazards
        && v.ventilation_and_light
        && v.cameras
        && !(v.in_production_plant
            || v.in_basement
            || v.in_warehouse
            || v.illegal_or_dangerous_building)
}

/// Whether paying `category` from `source` is refused: union money does not buy the children's
/// accident insurance unless the programme allows it (seed 003 §三.7).
pub fn insurance_refused(source: Source, category: Category, union_may_insure: bool) -> bool {
    category == Category::Insurance && source.is_union() && !union_may_insure
}

/// Parents' fees set against the cost (seed 000 Jiangxi: 公益性、非营利性). The class's planned
/// spending is the cost; what its other sources plan to give leaves `uncovered`; the fee times the
/// children must not exceed it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeCheck {
    /// The fee per child for the season, in fen.
    pub fee_fen: i64,
    /// The children it is charged to: those enrolled, or the class's places before any is.
    pub children: i64,
    /// fee × children, in fen.
    pub fees_fen: i64,
    /// Planned spending (every category), in fen.
    pub cost_fen: i64,
    /// Planned from every source but parents' fees, in fen.
    pub other_sources_fen: i64,
    /// cost − other sources, never below 0, in fen.
    pub uncovered_fen: i64,
    /// The fees exceed what the other sources leave uncovered: flagged, never refused (a plan
    /// may be half-written).
    pub above_cost: bool,
}

/// The fee check of a class.
pub fn fee_check(fee_fen: i64, children: i64, cost_fen: i64, other_sources_fen: i64) -> FeeCheck {
    let fees_fen = fee_fen.saturating_mul(children.max(0));
    let uncovered_fen = (cost_fen - other_sources_fen).max(0);
    FeeCheck {
        fee_fen,
        children,
        fees_fen,
        cost_fen,
        other_sources_fen,
        uncovered_fen,
        above_cost: fee_fen > 0 && fees_fen > uncovered_fen,
    }
}

/// How a subsidy rule sets its amount.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = SubsidyKind))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// A fixed amount to every class meeting the gates (Beijing).
    Criteria,
    /// An amount by class size (Xiamen: 20–29 children X, 30–49 Y, 50 and more Z).
    Tiers,
    /// A fixed award to every model class named in the programme, from a capped pool (Henan:
    /// 100 classes from 1,000,000 yuan).
    ModelAward,
}

named_enum!(RuleKind {
    Criteria => "criteria",
    Tiers => "tiers",
    ModelAward => "model_award",
});

/// A tier: classes of at least `min_children` (up to the next tier's minimum) get `amount_fen`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    pub min_children: u32,
    /// In fen.
    pub amount_fen: i64,
}

/// A subsidy rule (补助规则), as data. Every gate left empty (or false) is not checked; the gates
/// read the same records as the model-class criteria.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleTerms {
    pub kind: RuleKind,
    /// At least this many children enrolled (Beijing: 30).
    #[serde(default)]
    pub min_children: Option<u32>,
    /// At least this many operating working days (Beijing: 20).
    #[serde(default)]
    pub min_operating_days: Option<u32>,
    /// At least this attendance, whole percent (Beijing: 70): 69.99% fails 70.
    #[serde(default)]
    pub min_attendance_pct: Option<u32>,
    /// The venue checklist complete (设施齐全): every required item ticked, no prohibited place.
    #[serde(default)]
    pub facilities: bool,
    /// No safety incident in the season.
    #[serde(default)]
    pub no_incident: bool,
    /// At least this satisfaction, whole percent, with the programme's minimum of responses.
    #[serde(default)]
    pub min_satisfaction_pct: Option<u32>,
    /// For `criteria` and `model_award`: the amount per class, in fen.
    #[serde(default)]
    pub amount_fen: Option<i64>,
    /// For `tiers`: the tiers, ascending by `min_children`.
    #[serde(default)]
    pub tiers: Vec<Tier>,
    /// The pool the rule pays from, in fen; absent: no cap (required for `model_award`).
    #[serde(default)]
    pub pool_fen: Option<i64>,
}

/// Every i18n key [`RuleTerms::validate`] can return.
pub const RULE_ERRORS: [&str; 6] = [
    "subsidy.amount_needed",
    "subsidy.tiers_needed",
    "subsidy.tiers_order",
    "subsidy.pool_needed",
    "subsidy.pct_range",
    "money.out_of_range",
];

impl RuleTerms {
    /// Beijing (seed 000): ≥ 30 children, ≥ 20 working days, ≥ 70% attendance, facilities
    /// complete, no incident, satisfaction ≥ `min_satisfaction_pct`, `amount_fen` each.
    pub fn beijing(amount_fen: i64, min_satisfaction_pct: u32) -> RuleTerms {
        RuleTerms {
            kind: RuleKind::Criteria,
            min_children: Some(30),
            min_operating_days: Some(20),
            min_attendance_pct: Some(70),
            facilities: true,
            no_incident: true,
            min_satisfaction_pct: Some(min_satisfaction_pct),
            amount_fen: Some(amount_fen),
            tiers: Vec::new(),
            pool_fen: None,
        }
    }

    /// Every field wrong, as (field, i18n key).
    pub fn validate(&self) -> Result<(), Vec<(&'static str, &'static str)>> {
        let mut errors = Vec::new();
        let fen_ok = |f: i64| (1..=MAX_FEN).contains(&f);
        let needs_amount = self.kind != RuleKind::Tiers;
        match self.amount_fen {
            None if needs_amount => errors.push(("amount_fen", "subsidy.amount_needed")),
            Some(f) if !fen_ok(f) => errors.push(("amount_fen", "money.out_of_range")),
            _ => {}
        }
        if self.kind == RuleKind::Tiers {
            if self.tiers.is_empty() || self.tiers.len() > 10 {
                errors.push(("tiers", "subsidy.tiers_needed"));
            } else if self
                .tiers
                .windows(2)
                .any(|w| w[0].min_children >= w[1].min_children)
                || self.tiers[0].min_children == 0
            {
                errors.push(("tiers", "subsidy.tiers_order"));
            } else if self.tiers.iter().any(|t| !fen_ok(t.amount_fen)) {
                errors.push(("tiers", "money.out_of_range"));
            }
        }
        match self.pool_fen {
            None if self.kind == RuleKind::ModelAward => {
                errors.push(("pool_fen", "subsidy.pool_needed"))
            }
            Some(f) if !fen_ok(f) => errors.push(("pool_fen", "money.out_of_range")),
            _ => {}
        }
        let pct = |p: Option<u32>| p.is_some_and(|p| !(1..=100).contains(&p));
        if pct(self.min_attendance_pct) {
            errors.push(("min_attendance_pct", "subsidy.pct_range"));
        }
        if pct(self.min_satisfaction_pct) {
            errors.push(("min_satisfaction_pct", "subsidy.pct_range"));
        }
        if self.min_children.is_some_and(|n| !(1..=500).contains(&n)) {
            errors.push(("min_children", "rules.class_size_range"));
        }
        if self
            .min_operating_days
            .is_some_and(|n| !(1..=250).contains(&n))
        {
            errors.push(("min_operating_days", "rules.operating_days_range"));
        }
        match errors.is_empty() {
            true => Ok(()),
            false => Err(errors),
        }
    }
}

/// What the records say of a class, as the gates read it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SubsidyFacts {
    pub children: u32,
    pub operating_days: u32,
    /// Child-days expected and present.
    pub expected: u32,
    pub present: u32,
    pub facilities_complete: bool,
    pub safety_incidents: u32,
    pub satisfaction: Option<Satisfaction>,
    /// Named a model class in the programme.
    pub named_model: bool,
}

/// Each gate's verdict with its figures, whether the class qualifies, and its amount (0 when it
/// does not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub criteria: Vec<Criterion>,
    pub qualifies: bool,
    pub amount_fen: i64,
}

fn bp(part: u32, whole: u32) -> Option<u32> {
    (whole > 0).then(|| u32::try_from(u64::from(part) * 10_000 / u64::from(whole)).unwrap_or(0))
}

fn pct_text(bp: Option<u32>) -> String {
    bp.map_or_else(|| "—".into(), |b| format!("{}.{:02}%", b / 100, b % 100))
}

/// The class under the rule: every gate in a fixed order, then the tier (for `tiers`).
pub fn evaluate(rule: &RuleTerms, f: &SubsidyFacts) -> Evaluation {
    let mut out = Vec::new();
    let mut c = |code: &str, pass: bool, actual: String, required: String| {
        out.push(Criterion {
            code: code.into(),
            pass,
            actual,
            required,
        })
    };
    let yes = |b: bool| if b { "yes" } else { "no" }.to_string();
    if rule.kind == RuleKind::ModelAward {
        c(
            "subsidy.model_class",
            f.named_model,
            yes(f.named_model),
            "yes".into(),
        );
    }
    if let Some(min) = rule.min_children {
        c(
            "subsidy.children",
            f.children >= min,
            f.children.to_string(),
            min.to_string(),
        );
    }
    if let Some(min) = rule.min_operating_days {
        let days = f.operating_days;
        c(
            "subsidy.operating_days",
            days >= min,
            days.to_string(),
            min.to_string(),
        );
    }
    if let Some(min) = rule.min_attendance_pct {
        let rate = bp(f.present, f.expected);
        let pass = rate.is_some_and(|r| r >= min * 100);
        c(
            "subsidy.attendance",
            pass,
            pct_text(rate),
            format!("{min}%"),
        );
    }
    if rule.facilities {
        let ok = f.facilities_complete;
        c("subsidy.facilities", ok, yes(ok), "yes".into());
    }
    if rule.no_incident {
        let n = f.safety_incidents;
        c("subsidy.no_incident", n == 0, n.to_string(), "0".into());
    }
    if let Some(min) = rule.min_satisfaction_pct {
        let (pass, shown) = match f.satisfaction {
            Some(s) if s.insufficient => (false, format!("insufficient:{}", s.responses)),
            Some(s) => (
                s.rate_bp.is_some_and(|r| r >= min * 100),
                pct_text(s.rate_bp),
            ),
            None => (false, "—".into()),
        };
        c("subsidy.satisfaction", pass, shown, format!("{min}%"));
    }
    let amount = match rule.kind {
        RuleKind::Tiers => {
            let tier = rule
                .tiers
                .iter()
                .rev()
                .find(|t| f.children >= t.min_children);
            let least = rule.tiers.first().map_or(0, |t| t.min_children);
            c(
                "subsidy.tier",
                tier.is_some(),
                f.children.to_string(),
                least.to_string(),
            );
            tier.map_or(0, |t| t.amount_fen)
        }
        _ => rule.amount_fen.unwrap_or(0),
    };
    let qualifies = out.iter().all(|c| c.pass);
    Evaluation {
        criteria: out,
        qualifies,
        amount_fen: if qualifies { amount } else { 0 },
    }
}

/// What a batch does with one class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Approved for this amount.
    Paid(i64),
    /// A gate failed (the evaluation says which).
    Failed,
    /// It qualified, but the pool left could not pay it: neither it nor any class after it in
    /// the batch's order is paid (first come, first served; no class jumps the queue because it
    /// asks for less).
    PoolExhausted,
}

/// The outcomes of a batch, in the order given (the batch's order: rank, then name), from what
/// is left of the pool (`None`: no cap).
pub fn allocate(pool_left: Option<i64>, evaluations: &[Evaluation]) -> Vec<Outcome> {
    let mut left = pool_left;
    let mut exhausted = false;
    evaluations
        .iter()
        .map(|e| {
            if !e.qualifies {
                return Outcome::Failed;
            }
            match left {
                _ if exhausted => Outcome::PoolExhausted,
                Some(l) if e.amount_fen > l => {
                    exhausted = true;
                    Outcome::PoolExhausted
                }
                Some(l) => {
                    left = Some(l - e.amount_fen);
                    Outcome::Paid(e.amount_fen)
                }
                None => Outcome::Paid(e.amount_fen),
            }
        })
        .collect()
}

#[cfg(test)]
#[path = "funding_tests.rs"]
mod tests;
