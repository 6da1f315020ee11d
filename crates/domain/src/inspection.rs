//! 督导抽查 — the year's inspection sample (SPEC §10, seed 000 Anhui: each inspecting federation
//! covers at least 10% of its running classes, at least one, every year). The sample is drawn so
//! that anyone holding the seed and the published list of running classes re-draws it, as the
//! enrolment lottery is (`enrolment::lottery`, whose seed and generator it uses):
//!
//! 1. **Seed**: `lottery::seed_from` of the published text (FNV-1a 64).
//! 2. **Classes**: each running class with its **stratum** (the district it lies in), sorted by
//!    stratum, then by class id (byte order); a class listed twice counts once.
//! 3. **Size**: `n = ceil(N × coverage% / 100)`, at least 1 and at most `N` (`N` classes running).
//! 4. **Allocation** (largest remainder): stratum `s` of `N_s` classes gets `floor(N_s × n / N)`;
//!    the places left go one each to the strata with the largest remainder `N_s × n mod N`, ties
//!    to the earlier stratum in the sorted order.
//! 5. **Draw**: one SplitMix64 generator with `state = seed`, through the strata in order; in each,
//!    a partial Fisher–Yates from the front: `for i in 0..k: j = i + index below (N_s − i); swap(i, j)`;
//!    the stratum's first `k` classes are sampled.
//!
//! The same in Python (it reproduces the tests below), with `below` as in the lottery:
//!
//! ```python
//! def sample(seed, pct, classes):  # classes: {id: stratum}
//!     N = len(classes)
//!     if N == 0: return []
//!     n = min(N, max(1, -(-N * pct // 100)))
//!     strata = sorted(set(classes.values()))
//!     size = {s: sum(1 for c in classes if classes[c] == s) for s in strata}
//!     quota = {s: size[s] * n // N for s in strata}
//!     left = n - sum(quota.values())
//!     for s in sorted(strata, key=lambda s: (-(size[s] * n % N), strata.index(s)))[:left]:
//!         quota[s] += 1
//!     picked = []
//!     for s in strata:
//!         group = sorted(c for c in classes if classes[c] == s)
//!         for i in range(quota[s]):
//!             j = i + below(len(group) - i)
//!             group[i], group[j] = group[j], group[i]
//!         picked += group[:quota[s]]
//!     return picked
//! ```

use serde::{Deserialize, Serialize};

use crate::enrolment::lottery::SplitMix64;

/// The default share of running classes a federation inspects each year (Anhui: 10%).
pub const DEFAULT_COVERAGE_PCT: u32 = 10;

/// A running class in the draw: its id and the district (stratum) it lies in.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Candidate {
    /// The stratum: the district the class's host lies in (its id), published with the draw.
    pub stratum: String,
    /// The class's id.
    pub class_id: String,
}

/// How many classes a stratum had and how many of them were drawn.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stratum {
    pub stratum: String,
    pub running: u32,
    pub sampled: u32,
}

/// A drawn sample: the classes in draw order (stratum by stratum) and each stratum's share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    pub class_ids: Vec<String>,
    pub strata: Vec<Stratum>,
}

/// Classes to sample among `running` for `coverage_pct`: the share rounded up, at least one, at
/// most all (none when nothing runs).
pub fn sample_size(running: usize, coverage_pct: u32) -> usize {
    if running == 0 {
        return 0;
    }
    let wanted = (running * coverage_pct as usize).div_ceil(100);
    wanted.clamp(1, running)
}

/// Draws the sample (see the module documentation). Deterministic: the same seed, coverage and
/// set of classes give the same sample whatever the input order.
pub fn draw(seed: u64, coverage_pct: u32, candidates: &[Candidate]) -> Sample {
    let mut all = candidates.to_vec();
    all.sort();
    all.dedup_by(|a, b| a.class_id == b.class_id);
    let total = all.len();
    let n = sample_size(total, coverage_pct);
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for c in all {
        match groups.last_mut() {
            Some((s, ids)) if *s == c.stratum => ids.push(c.class_id),
            _ => groups.push((c.stratum, vec![c.class_id])),
        }
    }
    let quotas = allocate(&groups.iter().map(|g| g.1.len()).collect::<Vec<_>>(), n);
    let mut rng = SplitMix64(seed);
    let mut class_ids = Vec::with_capacity(n);
    let mut strata = Vec::with_capacity(groups.len());
    for ((stratum, mut ids), k) in groups.into_iter().zip(quotas) {
        for i in 0..k {
            let j = i + rng.below((ids.len() - i) as u64) as usize;
            ids.swap(i, j);
        }
        strata.push(Stratum {
            stratum,
            running: u32::try_from(ids.len()).unwrap_or(u32::MAX),
            sampled: u32::try_from(k).unwrap_or(u32::MAX),
        });
        class_ids.extend(ids.into_iter().take(k));
    }
    Sample { class_ids, strata }
}

/// Largest-remainder allocation of `n` among strata of these sizes (ties to the earlier stratum).
fn allocate(sizes: &[usize], n: usize) -> Vec<usize> {
    let total: usize = sizes.iter().sum();
    if total == 0 {
        return vec![0; sizes.len()];
    }
    let mut quotas: Vec<usize> = sizes.iter().map(|s| s * n / total).collect();
    let left = n - quotas.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(sizes[i] * n % total), i));
    for &i in order.iter().take(left) {
        quotas[i] += 1;
    }
    quotas
}

/// Coverage so far as a whole percentage (rounded down, so "10%" is never shown for 9.9%), of
/// `covered` classes among `running`; `None` when nothing runs.
pub fn coverage_pct(covered: usize, running: usize) -> Option<u32> {
    (running > 0).then(|| u32::try_from(covered.min(running) * 100 / running).unwrap_or(100))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrolment::lottery::seed_from;

    fn classes(per_stratum: &[(&str, usize)]) -> Vec<Candidate> {
        per_stratum
            .iter()
            .flat_map(|(s, n)| {
                (0..*n).map(move |i| Candidate {
                    stratum: s.to_string(),
                    class_id: format!("{s}-c{i:03}"),
                })
            })
            .collect()
    }

    #[test]
    fn the_sample_is_a_tenth_rounded_up_and_never_empty() {
        assert_eq!(
            [0, 1, 9, 10, 11, 25, 100, 101].map(|n| sample_size(n, 10)),
            [0, 1, 1, 1, 2, 3, 10, 11]
        );
        assert_eq!(sample_size(3, 100), 3);
        assert_eq!(sample_size(3, 0), 1, "at least one class a year");
        for n in [9, 10, 11, 25] {
            let s = draw(7, 10, &classes(&[("d1", n)]));
            assert_eq!(s.class_ids.len(), sample_size(n, 10), "{n} running");
        }
    }

    #[test]
    fn each_district_gets_its_share_by_largest_remainder() {
        // 25 classes, 3 to draw: 12·3/25 = 1.44, 8·3/25 = 0.96, 5·3/25 = 0.6 → 1, 0, 0, then the
        // two places left to the largest remainders (0.96, 0.6).
        let s = draw(1, 10, &classes(&[("a", 12), ("b", 8), ("c", 5)]));
        let shares: Vec<(String, u32, u32)> = s
            .strata
            .iter()
            .map(|x| (x.stratum.clone(), x.running, x.sampled))
            .collect();
        assert_eq!(
            shares,
            [("a".into(), 12, 1), ("b".into(), 8, 1), ("c".into(), 5, 1)]
        );
        assert_eq!(
            allocate(&[10, 10], 1),
            [1, 0],
            "a tie goes to the earlier district"
        );
        assert_eq!(allocate(&[30, 10, 60], 10), [3, 1, 6]);
        for (stratum, picked) in s.strata.iter().zip(s.class_ids.iter()) {
            assert!(
                picked.starts_with(&stratum.stratum),
                "drawn within its district"
            );
        }
    }

    #[test]
    fn the_same_seed_and_list_give_the_same_sample_in_any_order() {
        let list = classes(&[("东城", 40), ("西城", 25), ("南区", 12)]);
        let seed = seed_from("2026年督导抽查 示例市");
        let first = draw(seed, 10, &list);
        let mut shuffled = list.clone();
        shuffled.reverse();
        shuffled.push(list[3].clone()); // listed twice counts once
        assert_eq!(draw(seed, 10, &shuffled), first);
        assert_eq!(first.class_ids.len(), 8);
        assert_ne!(draw(seed + 1, 10, &list).class_ids, first.class_ids);
        // Only classes of the list are ever drawn, each once.
        let mut ids = first.class_ids.clone();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 8);
        assert!(ids.iter().all(|id| list.iter().any(|c| &c.class_id == id)));
    }

    #[test]
    fn the_draw_matches_the_published_python() {
        // What the Python of the module documentation answers for these seeds and lists.
        let two = classes(&[("a", 6), ("b", 5)]);
        assert_eq!(draw(42, 10, &two).class_ids, ["a-c001", "b-c001"]);
        let three = classes(&[("a", 12), ("b", 8), ("c", 5)]);
        assert_eq!(
            draw(1, 10, &three).class_ids,
            ["a-c005", "b-c007", "c-c000"]
        );
        assert_eq!(
            draw(1, 40, &three).class_ids,
            [
                "a-c005", "a-c009", "a-c002", "a-c000", "a-c003", "b-c000", "b-c001", "b-c005",
                "c-c000", "c-c003"
            ]
        );
    }

    #[test]
    fn coverage_is_rounded_down() {
        assert_eq!(coverage_pct(0, 0), None);
        assert_eq!(coverage_pct(1, 11), Some(9));
        assert_eq!(coverage_pct(2, 11), Some(18));
        assert_eq!(coverage_pct(12, 10), Some(100));
    }
}
