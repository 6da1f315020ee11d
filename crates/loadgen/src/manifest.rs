//! What a generated country is: its scale (presets or counts from the command line) and the
//! manifest the generator writes beside the database, which every benchmark reads (the users to
//! sign in as, the sample classes, the rows written by table).

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

/// How big a tree to generate.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Scale {
    pub provinces: usize,
    pub cities: usize,
    pub districts: usize,
    pub units: usize,
    pub children: usize,
    /// Operating days with attendance (of the 30 in the summer window).
    pub days: usize,
}

impl Scale {
    /// `national`, `province`, `small`, or `P,C,D,U,CHILDREN[,DAYS]`.
    pub fn parse(s: &str) -> anyhow::Result<Scale> {
        let preset = |p, c, d, u, k| Scale {
            provinces: p,
            cities: c,
            districts: d,
            units: u,
            children: k,
            days: 20,
        };
        let scale = match s {
            "national" => preset(31, 300, 3_000, 30_000, 1_000_000),
            "province" => preset(1, 10, 100, 1_000, 33_000),
            "small" => preset(2, 4, 8, 40, 1_400),
            custom => {
                let n: Vec<usize> = custom
                    .split(',')
                    .map(|x| x.trim().parse())
                    .collect::<Result<_, _>>()
                    .with_context(|| {
                        format!(
                            "scale {custom:?}: national, province, small or P,C,D,U,CHILDREN[,DAYS]"
                        )
                    })?;
                if n.len() < 5 {
                    bail!("scale {custom:?}: give P,C,D,U,CHILDREN[,DAYS]");
                }
                Scale {
                    days: n.get(5).copied().unwrap_or(20),
                    ..preset(n[0], n[1], n[2], n[3], n[4])
                }
            }
        };
        let levels = [scale.provinces, scale.cities, scale.districts, scale.units];
        if levels.contains(&0) || levels.windows(2).any(|w| w[1] < w[0]) {
            bail!("each level needs at least one organisation and as many as the level above");
        }
        if scale.children < scale.units + BIG_CLASS || !(1..=30).contains(&scale.days) {
            bail!("at least one child per class ({BIG_CLASS} in the first) and 1–30 days");
        }
        Ok(scale)
    }

    /// Children of class `i`: the first has [`BIG_CLASS`], the rest share the remainder evenly.
    pub fn children_of(&self, i: usize) -> usize {
        if i == 0 {
            return BIG_CLASS;
        }
        let (rest, classes) = (self.children - BIG_CLASS, self.units - 1);
        rest / classes + usize::from(i - 1 < rest % classes)
    }
}

/// Children in the first class: the roster export benchmark's 50-child class.
pub const BIG_CLASS: usize = 50;

/// One class of the write sample: enough for the check-in load on the days left without attendance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SampleClass {
    pub id: String,
    pub username: String,
    pub children: Vec<String>,
}

/// What the read benchmark needs to know about a generated database.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub scale: Scale,
    pub programme_id: String,
    pub national_id: String,
    pub province_id: String,
    pub city_id: String,
    /// The 50-child class, hosted by unit 0 under city 0.
    pub class_id: String,
    pub national_user: String,
    pub province_user: String,
    pub city_user: String,
    pub unit_user: String,
    pub staff_user: String,
    /// A guardian of the 50-child class (none in a manifest from before).
    #[serde(default)]
    pub parent_user: String,
    pub password: String,
    /// Operating days without attendance, for the check-in load.
    pub free_days: Vec<String>,
    pub sample: Vec<SampleClass>,
    /// Last year's programme of the same season (none in a manifest from before issue 16).
    #[serde(default)]
    pub previous_programme_id: String,
    /// The programme's July report (none in a manifest from before issue 16).
    #[serde(default)]
    pub report_milestone_id: String,
    pub generated_secs: f64,
    pub rows: Counts,
}

/// Rows written, by table.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Counts {
    pub orgs: usize,
    pub users: usize,
    pub classes: usize,
    pub children: usize,
    pub guardians: usize,
    pub applications: usize,
    pub attendance: usize,
    pub logs: usize,
    pub incidents: usize,
    /// Units' reports against the programme's milestones (a manifest from before has none).
    #[serde(default)]
    pub submissions: usize,
    /// Classes given a budget (issue 18; a manifest from before has none).
    #[serde(default)]
    pub budgets: usize,
    /// Ledger entries of this season's classes (issue 18).
    #[serde(default)]
    pub ledger_entries: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_add_up_and_every_child_has_a_class() {
        let s = Scale::parse("national").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (s.provinces, s.cities, s.districts, s.units),
            (31, 300, 3_000, 30_000)
        );
        let total: usize = (0..s.units).map(|i| s.children_of(i)).sum();
        assert_eq!(total, 1_000_000);
        assert_eq!(s.children_of(0), 50);
        assert!(
            Scale::parse("3,2,4,5,100").is_err(),
            "fewer cities than provinces"
        );
        assert!(Scale::parse("huge").is_err());
    }
}
