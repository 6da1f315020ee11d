//! Priority categories (优先类别) of guardians, PRODUCT.md §5 (seed 000 Henan, and common practice):
//! when applications exceed places, children of these families are drawn first.

use serde::{Deserialize, Serialize};

/// A priority category of a guardian's family.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// 双职工, both parents are workers.
    DualWorker,
    /// 困难职工, a worker in hardship.
    NeedyWorker,
    /// 单亲, a single parent.
    SingleParent,
    /// 多孩, a family with several children.
    SeveralChildren,
    /// 劳模, a model worker.
    ModelWorker,
    /// 先进工作者, an advanced worker.
    AdvancedWorker,
    /// 新就业形态, new forms of employment (couriers, ride-hailing drivers, …).
    NewFormEmployment,
    /// 环卫, a sanitation worker.
    Sanitation,
}

/// `(variant, snake_case name, Chinese name, further Chinese spellings accepted by parse)`.
const NAMES: [(Priority, &str, &str, &[&str]); 8] = [
    (
        Priority::DualWorker,
        "dual_worker",
        "双职工",
        &["双职工家庭"],
    ),
    (
        Priority::NeedyWorker,
        "needy_worker",
        "困难职工",
        &["困难职工家庭"],
    ),
    (
        Priority::SingleParent,
        "single_parent",
        "单亲",
        &["单亲家庭"],
    ),
    (
        Priority::SeveralChildren,
        "several_children",
        "多孩",
        &["多孩家庭", "多子女"],
    ),
    (Priority::ModelWorker, "model_worker", "劳模", &["劳动模范"]),
    (
        Priority::AdvancedWorker,
        "advanced_worker",
        "先进工作者",
        &[],
    ),
    (
        Priority::NewFormEmployment,
        "new_form_employment",
        "新就业形态",
        &["新就业形态劳动者"],
    ),
    (Priority::Sanitation, "sanitation", "环卫", &["环卫工人"]),
];

impl Priority {
    /// Every category, in declaration order.
    pub const ALL: [Priority; 8] = [
        Priority::DualWorker,
        Priority::NeedyWorker,
        Priority::SingleParent,
        Priority::SeveralChildren,
        Priority::ModelWorker,
        Priority::AdvancedWorker,
        Priority::NewFormEmployment,
        Priority::Sanitation,
    ];

    /// The stable snake_case name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        NAMES[self as usize].1
    }

    /// The Chinese name as printed on the roster template, e.g. `双职工`.
    pub fn zh(self) -> &'static str {
        NAMES[self as usize].2
    }

    /// Parses the snake_case name (ASCII case ignored), the Chinese name, or a longer Chinese
    /// spelling such as `双职工家庭` or `劳动模范`. Surrounding whitespace is ignored.
    pub fn parse(s: &str) -> Option<Priority> {
        let s = s.trim();
        NAMES
            .iter()
            .find(|(_, name, zh, more)| {
                name.eq_ignore_ascii_case(s) || *zh == s || more.contains(&s)
            })
            .map(|n| n.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (i, p) in Priority::ALL.into_iter().enumerate() {
            assert_eq!(NAMES[i].0, p);
            assert_eq!(Priority::parse(p.as_str()), Some(p));
            assert_eq!(Priority::parse(p.zh()), Some(p));
        }
        let cases = [
            (" Dual_Worker ", Some(Priority::DualWorker)),
            ("劳动模范", Some(Priority::ModelWorker)),
            ("单亲家庭", Some(Priority::SingleParent)),
            ("环卫工人", Some(Priority::Sanitation)),
            ("军人", None),
            ("", None),
        ];
        for (input, want) in cases {
            assert_eq!(Priority::parse(input), want, "{input:?}");
        }
    }
}
