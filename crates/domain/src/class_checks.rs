//! The approval checks of a class (托管班审核, PRODUCT.md §4; seed 003 §三.4 场地, §三.5 餐饮, §三.7
//! 协议与资质).
//!
//! [`approval_checks`] lists every finding as an i18n key with a level: a [`Level::Block`]
//! finding stops the federation approving the class, a [`Level::Warn`] finding is shown to the
//! reviewer. [`running_warnings`] re-runs the same checks on a running class, as warnings only.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Adds `ALL`, `as_str` and `parse` to a fieldless enum with stable snake_case names (also used
/// by the programme module).
macro_rules! named_enum {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every variant, in declaration order.
            pub const ALL: [$ty; [$($name),+].len()] = [$($ty::$variant),+];

            /// The stable snake_case name used in the API and the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }

            /// Parses the name of `as_str` (surrounding whitespace and ASCII case are ignored).
            pub fn parse(s: &str) -> Option<$ty> {
                let s = s.trim();
                $ty::ALL.into_iter().find(|v| v.as_str().eq_ignore_ascii_case(s))
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// A stored name read back: an unknown one is an error, never a default.
        impl TryFrom<String> for $ty {
            type Error = $crate::class_checks::UnknownName;
            fn try_from(value: String) -> Result<$ty, Self::Error> {
                $ty::parse(&value).ok_or($crate::class_checks::UnknownName {
                    kind: stringify!($ty),
                    value,
                })
            }
        }
    };
}

/// A name outside an enum's set (a stored value this build does not know).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} '{value}'")]
pub struct UnknownName {
    pub kind: &'static str,
    pub value: String,
}
pub(crate) use named_enum;

/// How a class is run (模式), seed 003 §二.2.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassModel {
    /// 单位自办, opened by the unit alone.
    InUnit,
    /// 联合开办, jointly with neighbouring units, street, community, park or building.
    Joint,
    /// 依托学校或托管机构, relying on a school or a care institution.
    SchoolOrInstitution,
    /// 购买服务, purchased from a third-party provider.
    PurchasedService,
}

named_enum!(ClassModel {
    InUnit => "in_unit",
    Joint => "joint",
    SchoolOrInstitution => "school_or_institution",
    PurchasedService => "purchased_service",
});

/// Who manages a class (管理方式), seed 003 §二.3.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Management {
    /// 工会人员自行管理, the union's own staff.
    UnionStaff,
    /// 职工志愿者或社会志愿者, employee or social volunteers.
    Volunteers,
    /// 专业机构 (购买社会服务), a professional institution by purchased service.
    ProfessionalInstitution,
}

named_enum!(Management {
    UnionStaff => "union_staff",
    Volunteers => "volunteers",
    ProfessionalInstitution => "professional_institution",
});

/// The venue checklist (场地), seed 003 §三.4. For the prohibited places (`in_*`,
/// `illegal_or_dangerous_building`) `true` means the venue IS in such a place.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Venue {
    /// 相对独立的场地.
    pub independent: bool,
    /// 房屋、消防和监护安全.
    pub building_fire_supervision_safe: bool,
    /// 远离污染区和危险源.
    pub away_from_hazards: bool,
    /// In a production plant (生产厂房): prohibited.
    pub in_production_plant: bool,
    /// In a basement or semi-basement (地下、半地下室): prohibited.
    pub in_basement: bool,
    /// In a warehouse (仓库): prohibited.
    pub in_warehouse: bool,
    /// In an illegal or dangerous building (违法或危险建筑): prohibited.
    pub illegal_or_dangerous_building: bool,
    /// 良好的通风采光.
    pub ventilation_and_light: bool,
    /// 监控设备 (recommended).
    pub cameras: bool,
    /// Floor area (面积) in square metres, when recorded.
    pub floor_area_m2: Option<u32>,
}

/// How children are fed (餐饮方式), seed 003 §三.5.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FoodMode {
    /// 自行配餐, self-catering under the class's own food-service licence.
    SelfCatering,
    /// 配餐企业, a licensed caterer under a catering agreement.
    Caterer,
    /// 不供餐, no meals.
    NoMeals,
}

named_enum!(FoodMode {
    SelfCatering => "self_catering",
    Caterer => "caterer",
    NoMeals => "no_meals",
});

/// A class's food arrangements (餐饮). The licence (餐饮服务许可证 / 食品经营许可证) is the class's
/// own when self-catering and the caterer's otherwise; `licence_expiry` is its last valid day
/// (有效期至).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Food {
    /// How children are fed.
    pub mode: FoodMode,
    /// The caterer's name (配餐企业名称), for [`FoodMode::Caterer`].
    pub caterer_name: Option<String>,
    /// The licence number (许可证编号).
    #[serde(default)]
    pub licence_no: Option<String>,
    /// The licence's last valid day (有效期至).
    #[serde(default)]
    pub licence_expiry: Option<NaiveDate>,
    /// Whether the catering agreement (配餐协议) is signed, for [`FoodMode::Caterer`].
    #[serde(default)]
    pub catering_agreement: bool,
}

/// The facts of a class that the approval checks read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassFacts {
    /// The model (模式).
    pub model: ClassModel,
    /// Partner units listed, for a joint class (联合开办单位).
    pub partner_units: usize,
    /// Whether the partner agreement (合作协议) is signed.
    pub partner_agreement: bool,
    /// Whether the provider's qualification review (资质审核) is done, for purchased service.
    pub qualification_review: bool,
    /// The venue checklist.
    pub venue: Venue,
    /// The food arrangements.
    pub food: Food,
    /// First day of the class.
    pub start: NaiveDate,
    /// Last day of the class.
    pub end: NaiveDate,
    /// Places (托管规模).
    pub capacity: u32,
    /// Rules in force recorded (规章制度).
    pub rules_in_force: usize,
}

/// Whether a finding stops approval.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Cannot be approved until fixed.
    Block,
    /// Shown to the reviewer; does not stop approval.
    Warn,
}

/// One finding (审核意见): an i18n key such as `check.venue_basement` and its level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The i18n key, one of [`CHECK_CODES`].
    pub code: &'static str,
    /// Block or warn.
    pub level: Level,
}

/// Every code the checks can return: the blocking ones first, in output order, then the warnings.
pub const CHECK_CODES: [&str; 21] = [
    "check.venue_plant",
    "check.venue_basement",
    "check.venue_warehouse",
    "check.venue_illegal",
    "check.venue_unsafe",
    "check.venue_hazards",
    "check.food_licence_missing",
    "check.food_licence_expired",
    "check.caterer_missing",
    "check.catering_agreement_missing",
    "check.partners_missing",
    "check.partner_agreement_missing",
    "check.qualification_review_missing",
    "check.dates_reversed",
    "check.capacity_zero",
    "check.no_cameras",
    "check.venue_not_independent",
    "check.ventilation",
    "check.rules_missing",
    "check.food_licence_expiring",
    "check.capacity_below_minimum",
];

/// A licence expiring within this many days after today is warned about.
const EXPIRING_WITHIN_DAYS: i64 = 30;

/// The checks with their natural levels; the licence must stay valid through `valid_through`.
fn checks(f: &ClassFacts, today: NaiveDate, valid_through: NaiveDate, min: u32) -> Vec<Check> {
    let (v, food) = (&f.venue, &f.food);
    let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
    let serves = food.mode != FoodMode::NoMeals;
    let caterer = food.mode == FoodMode::Caterer;
    // A licence is recorded when it has both a number and an expiry date.
    let expiry = food.licence_expiry.filter(|_| !blank(&food.licence_no));
    let no_licence = serves && expiry.is_none();
    let expired = serves && expiry.is_some_and(|e| e < valid_through);
    let days_left = expiry.map(|e| (e - today).num_days());
    let expiring = serves && !expired && days_left.is_some_and(|n| n <= EXPIRING_WITHIN_DAYS);
    let no_caterer = caterer && blank(&food.caterer_name);
    let no_agreement = caterer && !food.catering_agreement;
    let joint = f.model == ClassModel::Joint;
    let no_partners = joint && f.partner_units == 0;
    let no_partner_agreement = joint && !f.partner_agreement;
    let no_review = f.model == ClassModel::PurchasedService && !f.qualification_review;
    let small = f.capacity > 0 && f.capacity < min;
    let block = [
        (v.in_production_plant, "check.venue_plant"),
        (v.in_basement, "check.venue_basement"),
        (v.in_warehouse, "check.venue_warehouse"),
        (v.illegal_or_dangerous_building, "check.venue_illegal"),
        (!v.building_fire_supervision_safe, "check.venue_unsafe"),
        (!v.away_from_hazards, "check.venue_hazards"),
        (no_licence, "check.food_licence_missing"),
        (expired, "check.food_licence_expired"),
        (no_caterer, "check.caterer_missing"),
        (no_agreement, "check.catering_agreement_missing"),
        (no_partners, "check.partners_missing"),
        (no_partner_agreement, "check.partner_agreement_missing"),
        (no_review, "check.qualification_review_missing"),
        (f.end < f.start, "check.dates_reversed"),
        (f.capacity == 0, "check.capacity_zero"),
    ];
    let warn = [
        (!v.cameras, "check.no_cameras"),
        (!v.independent, "check.venue_not_independent"),
        (!v.ventilation_and_light, "check.ventilation"),
        (f.rules_in_force == 0, "check.rules_missing"),
        (expiring, "check.food_licence_expiring"),
        (small, "check.capacity_below_minimum"),
    ];
    let found = |level| move |(hit, code): (bool, _)| hit.then_some(Check { code, level });
    let blocks = block.into_iter().filter_map(found(Level::Block));
    blocks
        .chain(warn.into_iter().filter_map(found(Level::Warn)))
        .collect()
}

/// Every approval finding (审核检查) for a class, blocking ones first, each code at most once.
///
/// The food licence must be valid at `today` and through the class's last day (it is
/// `check.food_licence_expired` when its last valid day is before `max(today, end)`), and is
/// warned about when it ends within 30 days after today. `min_class_size` is the programme's
/// minimum class size (capacity below it warns; capacity 0 blocks instead).
pub fn approval_checks(f: &ClassFacts, today: NaiveDate, min_class_size: u32) -> Vec<Check> {
    checks(f, today, today.max(f.end), min_class_size)
}

/// True when no finding blocks approval (可以通过).
pub fn approvable(checks: &[Check]) -> bool {
    !checks.iter().any(|c| c.level == Level::Block)
}

/// The findings shown on a running class (运行中提醒): the same checks as [`approval_checks`],
/// but the food licence is judged at `today` only, and every finding is a warning. Capacity is
/// not compared with a minimum here (the class has already been approved).
pub fn running_warnings(f: &ClassFacts, today: NaiveDate) -> Vec<Check> {
    checks(f, today, today, 0)
        .into_iter()
        .map(|c| Check {
            level: Level::Warn,
            ..c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// A summer 2026 class that passes everything: 20 places with a licensed caterer.
    fn good() -> ClassFacts {
        ClassFacts {
            model: ClassModel::InUnit,
            partner_units: 0,
            partner_agreement: false,
            qualification_review: false,
            venue: Venue {
                independent: true,
                building_fire_supervision_safe: true,
                away_from_hazards: true,
                ventilation_and_light: true,
                cameras: true,
                floor_area_m2: Some(120),
                ..Venue::default()
            },
            food: Food {
                mode: FoodMode::Caterer,
                caterer_name: Some("平安配餐有限公司".into()),
                licence_no: Some("JY13502060012345".into()),
                licence_expiry: Some(d("2027-12-31")),
                catering_agreement: true,
            },
            start: d("2026-07-06"),
            end: d("2026-08-14"),
            capacity: 20,
            rules_in_force: 5,
        }
    }

    const TODAY: &str = "2026-06-15";

    type Edit = fn(&mut ClassFacts);

    fn codes(f: &ClassFacts) -> Vec<(&'static str, Level)> {
        approval_checks(f, d(TODAY), 20)
            .iter()
            .map(|c| (c.code, c.level))
            .collect()
    }

    #[test]
    fn names_round_trip() {
        for m in ClassModel::ALL {
            assert_eq!(ClassModel::parse(m.as_str()), Some(m));
        }
        for m in Management::ALL {
            assert_eq!(Management::parse(m.as_str()), Some(m));
        }
        for m in FoodMode::ALL {
            assert_eq!(FoodMode::parse(m.as_str()), Some(m));
        }
        assert_eq!(ClassModel::parse(" JOINT "), Some(ClassModel::Joint));
        assert_eq!(Management::parse("staff"), None);
    }

    #[test]
    fn a_good_class_passes() {
        assert_eq!(codes(&good()), []);
        assert!(approvable(&approval_checks(&good(), d(TODAY), 20)));
        // No meals: nothing about licences, caterers or agreements.
        let mut f = good();
        f.food.mode = FoodMode::NoMeals;
        (
            f.food.caterer_name,
            f.food.licence_no,
            f.food.catering_agreement,
        ) = (None, None, false);
        assert_eq!(codes(&f), []);
    }

    /// [`good`] with the one fact that should raise `code` and nothing else.
    fn failing(code: &str) -> ClassFacts {
        let mut f = good();
        match code {
            "check.venue_plant" => f.venue.in_production_plant = true,
            "check.venue_basement" => f.venue.in_basement = true,
            "check.venue_warehouse" => f.venue.in_warehouse = true,
            "check.venue_illegal" => f.venue.illegal_or_dangerous_building = true,
            "check.venue_unsafe" => f.venue.building_fire_supervision_safe = false,
            "check.venue_hazards" => f.venue.away_from_hazards = false,
            "check.food_licence_missing" => f.food.licence_no = None,
            "check.food_licence_expired" => f.food.licence_expiry = Some(d("2026-06-14")),
            "check.caterer_missing" => f.food.caterer_name = None,
            "check.catering_agreement_missing" => f.food.catering_agreement = false,
            "check.partners_missing" => (f.model, f.partner_agreement) = (ClassModel::Joint, true),
            "check.partner_agreement_missing" => {
                (f.model, f.partner_units) = (ClassModel::Joint, 2)
            }
            "check.qualification_review_missing" => f.model = ClassModel::PurchasedService,
            "check.dates_reversed" => f.end = d("2026-07-05"),
            "check.capacity_zero" => f.capacity = 0,
            "check.no_cameras" => f.venue.cameras = false,
            "check.venue_not_independent" => f.venue.independent = false,
            "check.ventilation" => f.venue.ventilation_and_light = false,
            "check.rules_missing" => f.rules_in_force = 0,
            // Covers the class (ending 10 Jul) but ends 30 days after today.
            "check.food_licence_expiring" => {
                (f.end, f.food.licence_expiry) = (d("2026-07-10"), Some(d("2026-07-15")))
            }
            "check.capacity_below_minimum" => f.capacity = 19,
            _ => panic!("no fact for {code}"),
        }
        f
    }

    #[test]
    fn each_check_fires_on_its_own_fact() {
        // CHECK_CODES lists the 15 blocking checks first.
        for (i, code) in CHECK_CODES.into_iter().enumerate() {
            let level = if i < 15 { Level::Block } else { Level::Warn };
            let checks = approval_checks(&failing(code), d(TODAY), 20);
            assert_eq!(checks, [Check { code, level }], "{code}");
            assert_eq!(approvable(&checks), level == Level::Warn, "{code}");
        }
        // More facts behind the licence checks.
        let cases: [(Edit, &str); 4] = [
            (
                |f| f.food.licence_no = Some(" ".into()),
                "check.food_licence_missing",
            ),
            (
                |f| f.food.licence_expiry = None,
                "check.food_licence_missing",
            ),
            // Valid today, but lapses the day before the class's last day.
            (
                |f| f.food.licence_expiry = Some(d("2026-08-13")),
                "check.food_licence_expired",
            ),
            (|f| f.end = d("2026-06-01"), "check.dates_reversed"),
        ];
        for (edit, code) in cases {
            let mut f = good();
            edit(&mut f);
            assert_eq!(codes(&f), [(code, Level::Block)], "{code}");
        }
    }

    #[test]
    fn licence_edges_and_model_scope() {
        // The last valid day equal to the class's last day covers the class.
        let mut f = good();
        f.food.licence_expiry = Some(f.end);
        assert_eq!(codes(&f), []);
        // Self-catering needs the licence but not a caterer or an agreement.
        f.food = Food {
            mode: FoodMode::SelfCatering,
            caterer_name: None,
            licence_no: Some("JY1".into()),
            licence_expiry: Some(d("2027-01-01")),
            catering_agreement: false,
        };
        assert_eq!(codes(&f), []);
        f.food.licence_no = None;
        assert_eq!(codes(&f), [("check.food_licence_missing", Level::Block)]);
        // Partner and review facts only matter for their own models.
        let f = ClassFacts {
            model: ClassModel::SchoolOrInstitution,
            ..good()
        };
        assert_eq!(codes(&f), []);
        // Blocking findings come first, whatever the field order.
        let mut f = good();
        f.venue.cameras = false;
        f.capacity = 0;
        assert_eq!(
            codes(&f),
            [
                ("check.capacity_zero", Level::Block),
                ("check.no_cameras", Level::Warn)
            ]
        );
    }

    #[test]
    fn running_warnings_judge_the_licence_today() {
        let running = |f: &ClassFacts, today| {
            let checks = running_warnings(f, d(today));
            assert!(approvable(&checks), "warnings only");
            checks.iter().map(|c| c.code).collect::<Vec<_>>()
        };
        let mut f = good();
        // Lapses on 13 Aug, before the class ends: blocks approval, but only warns while running.
        f.food.licence_expiry = Some(d("2026-08-13"));
        assert_eq!(running(&f, "2026-07-20"), ["check.food_licence_expiring"]);
        assert_eq!(running(&f, "2026-08-13"), ["check.food_licence_expiring"]);
        assert_eq!(running(&f, "2026-08-14"), ["check.food_licence_expired"]);
        // Blocking facts are reported as warnings; no minimum class size while running.
        (f.venue.in_basement, f.capacity) = (true, 5);
        let all = running(&f, "2026-08-14");
        assert_eq!(all, ["check.venue_basement", "check.food_licence_expired"]);
    }
}
