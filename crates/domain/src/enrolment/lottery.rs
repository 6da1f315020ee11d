//! The allocation lottery (摇号) when applications exceed places, PRODUCT.md §5: priority applicants
//! first, then an auditable seeded draw. Jiangmen drew 400 places from 1,100 applications so.
//!
//! Everything is published so that anyone holding the seed and the applicant list can re-run a
//! draw, in any language, and get the same result:
//!
//! 1. **Seed**: a `u64`, or [`seed_from`] a published text: FNV-1a 64 of its UTF-8 bytes (offset
//!    basis `0xcbf29ce484222325`, prime `0x100000001b3`; per byte `h ^= b; h *= prime` mod 2⁶⁴).
//! 2. **Applicants** are sorted by id (byte order of UTF-8, which is code-point order). An id
//!    listed twice counts once, priority if any copy is, kindergarten if any copy is.
//! 3. **Generator**: SplitMix64 (Steele, Lea & Flood 2014), with `state = seed` and, per draw,
//!    `state += 0x9E3779B97F4A7C15; z = state; z = (z ^ z>>30) * 0xBF58476D1CE4E5B9;
//!    z = (z ^ z>>27) * 0x94D049BB133111EB; return z ^ z>>31`, all mod 2⁶⁴.
//! 4. **Uniform index** below `n`: draw `x` until `x >= 2⁶⁴ mod n`, then take `x mod n` (no bias).
//! 5. **Shuffle** (Fisher–Yates): the priority applicants, then with the same generator
//!    continuing the others, each as `for i = n-1 down to 1: j = index below i+1; swap(i, j)`.
//!    The draw order is the shuffled priority list followed by the shuffled other list.
//! 6. **Admission**: walk the order; admit while places remain, except that a kindergarten
//!    applicant is wait-listed once the kindergarten places are used. Everyone not admitted is
//!    on the waiting list, in draw order.
//!
//! The same in Python, for the published notice (it reproduces the tests below):
//!
//! ```python
//! M = 2**64
//! def draw(seed, places, k_places, applicants):  # applicants: {id: (priority, kindergarten)}
//!     state = seed
//!     def below(n):
//!         nonlocal state
//!         while True:
//!             state = (state + 0x9E3779B97F4A7C15) % M
//!             z = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) % M
//!             z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) % M
//!             x = z ^ (z >> 31)
//!             if x >= M % n: return x % n
//!     order = []
//!     for first in (True, False):
//!         group = [i for i in sorted(applicants) if applicants[i][0] == first]
//!         for i in range(len(group) - 1, 0, -1):
//!             j = below(i + 1)
//!             group[i], group[j] = group[j], group[i]
//!         order += group
//!     admitted, waitlist, k = [], [], 0
//!     for i in order:
//!         kg = applicants[i][1]
//!         if len(admitted) < places and not (kg and k >= k_places):
//!             admitted.append(i); k += kg
//!         else:
//!             waitlist.append(i)
//!     return order, admitted, waitlist
//! ```

use serde::{Deserialize, Serialize};

/// One application in the draw (摇号申请).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    /// The application's id, as published with the draw (no personal data).
    pub id: String,
    /// Whether the family holds at least one [`Priority`](super::Priority) category.
    pub priority: bool,
    /// Whether the child is a kindergarten child (counts against the kindergarten places).
    pub kindergarten: bool,
}

/// The result of a draw (摇号结果), published with its seed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draw {
    /// The seed the draw used.
    pub seed: u64,
    /// Places on offer.
    pub places: u32,
    /// Of those, at most this many for kindergarten children.
    pub kindergarten_places: u32,
    /// Every applicant id in draw order.
    pub order: Vec<String>,
    /// The ids admitted, in draw order.
    pub admitted: Vec<String>,
    /// The ids wait-listed (候补), in draw order.
    pub waitlist: Vec<String>,
}

/// FNV-1a 64 offset basis.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
/// FNV-1a 64 prime.
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// A seed from a published string, e.g. `"2026-06-20 暑期一班"` or numbers read out in public:
/// FNV-1a 64 of its exact UTF-8 bytes (no trimming), so anyone can recompute it.
pub fn seed_from(text: &str) -> u64 {
    text.bytes().fold(FNV_OFFSET, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(FNV_PRIME)
    })
}

/// The SplitMix64 generator of the module documentation.
pub(crate) struct SplitMix64(pub(crate) u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform index in `0..n` (`n > 0`) by rejecting the `2⁶⁴ mod n` lowest values.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        let reject = n.wrapping_neg() % n; // 2⁶⁴ mod n
        loop {
            let x = self.next_u64();
            if x >= reject {
                return x % n;
            }
        }
    }

    /// Fisher–Yates, from the last element down.
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

/// Draws `places` places among `applicants` with `seed` (see the module documentation).
///
/// Deterministic: the same seed and the same set of applicants give the same draw whatever the
/// input order. Priority applicants come first (shuffled among themselves), then the rest
/// (shuffled); walking that order admits until `places` are filled, wait-listing kindergarten
/// applicants once `kindergarten_places` are used.
pub fn draw(seed: u64, places: u32, kindergarten_places: u32, applicants: &[Applicant]) -> Draw {
    let mut sorted: Vec<&Applicant> = applicants.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let mut unique: Vec<Applicant> = Vec::with_capacity(sorted.len());
    for a in sorted {
        match unique.last_mut() {
            Some(last) if last.id == a.id => {
                last.priority |= a.priority;
                last.kindergarten |= a.kindergarten;
            }
            _ => unique.push(a.clone()),
        }
    }
    let (mut first, mut rest): (Vec<Applicant>, Vec<Applicant>) =
        unique.into_iter().partition(|a| a.priority);
    let mut rng = SplitMix64(seed);
    rng.shuffle(&mut first);
    rng.shuffle(&mut rest);

    let (mut admitted, mut waitlist, mut k_used) = (Vec::new(), Vec::new(), 0u32);
    let mut order = Vec::with_capacity(first.len() + rest.len());
    for a in first.into_iter().chain(rest) {
        let room = admitted.len() < places as usize;
        if room && !(a.kindergarten && k_used >= kindergarten_places) {
            k_used += u32::from(a.kindergarten);
            admitted.push(a.id.clone());
        } else {
            waitlist.push(a.id.clone());
        }
        order.push(a.id);
    }
    Draw {
        seed,
        places,
        kindergarten_places,
        order,
        admitted,
        waitlist,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// `n` applicants `A0001`…; every `priority_every`-th is priority, every `k_every`-th is in
    /// kindergarten (0 = none).
    fn applicants(n: usize, priority_every: usize, k_every: usize) -> Vec<Applicant> {
        let every = |i: usize, k: usize| k != 0 && i.is_multiple_of(k);
        (1..=n)
            .map(|i| Applicant {
                id: format!("A{i:04}"),
                priority: every(i, priority_every),
                kindergarten: every(i, k_every),
            })
            .collect()
    }

    fn is_priority(list: &[Applicant], id: &str) -> bool {
        list.iter().any(|a| a.id == id && a.priority)
    }

    #[test]
    fn splitmix64_and_fnv1a_reference_values() {
        // Published test vectors of both algorithms.
        let mut rng = SplitMix64(1_234_567);
        let got: Vec<u64> = (0..5).map(|_| rng.next_u64()).collect();
        let want = [
            6_457_827_717_110_365_317,
            3_203_168_211_198_807_973,
            9_817_491_932_198_370_423,
            4_593_380_528_125_082_431,
            16_408_922_859_458_223_821,
        ];
        assert_eq!(got, want);
        assert_eq!(SplitMix64(0).next_u64(), 0xE220_A839_7B1D_CDAF);
        let fnv = [
            ("", 0xcbf2_9ce4_8422_2325),
            ("a", 0xaf63_dc4c_8601_ec8c),
            ("foobar", 0x8594_4171_f739_67e8),
        ];
        for (text, want) in fnv {
            assert_eq!(seed_from(text), want, "{text:?}");
        }
        assert_ne!(
            seed_from("2026-06-20 暑期一班"),
            seed_from("2026-06-20 暑期二班")
        );
    }

    #[test]
    fn reproducible_whatever_the_input_order() {
        let list = applicants(50, 7, 9);
        let once = draw(42, 20, 2, &list);
        assert_eq!(draw(42, 20, 2, &list), once);
        let mut reversed = list.clone();
        reversed.reverse();
        assert_eq!(draw(42, 20, 2, &reversed), once);
        let mut rotated = list.clone();
        rotated.rotate_left(17);
        rotated.push(list[3].clone()); // a duplicate counts once
        assert_eq!(draw(42, 20, 2, &rotated), once);
        let other = draw(43, 20, 2, &list);
        assert_ne!(other.order, once.order);
        assert_eq!(other.admitted.len(), 20);
    }

    #[test]
    fn priority_applicants_come_first() {
        // 12 priority applicants (every 5th) among 60.
        let list = applicants(60, 5, 0);
        // (places, priority admitted, priority wait-listed)
        for (places, admitted, waiting) in [(15, 12, 0), (12, 12, 0), (5, 5, 7)] {
            let result = draw(seed_from("2026-06-20"), places, 0, &list);
            let flags: Vec<bool> = result
                .order
                .iter()
                .map(|id| is_priority(&list, id))
                .collect();
            assert!(flags[..12].iter().all(|&p| p) && !flags[12..].contains(&true));
            let count = |ids: &[String]| ids.iter().filter(|id| is_priority(&list, id)).count();
            let got = (count(&result.admitted), count(&result.waitlist));
            assert_eq!(got, (admitted, waiting), "{places}");
        }
    }

    /// Jiangmen: 400 places, 1,100 applications.
    #[test]
    fn jiangmen_shape() {
        let list = applicants(1100, 0, 0);
        let result = draw(seed_from("江门 2025 暑期"), 400, 0, &list);
        assert_eq!((result.admitted.len(), result.waitlist.len()), (400, 700));
        assert_eq!(result.order.len(), 1100);
        let all: HashSet<&String> = result.admitted.iter().chain(&result.waitlist).collect();
        assert_eq!(all.len(), 1100);
        assert_eq!(result.order[..400], result.admitted[..]);
        assert_eq!(result.order[400..], result.waitlist[..]);
        // Pinned, as computed by the Python reference of the module documentation.
        assert_eq!(result.order[..3], ["A0062", "A0127", "A0850"]);
    }

    #[test]
    fn kindergarten_cap() {
        // Every 3rd of 40 is in kindergarten (13 children); capacity 25 allows 2.
        let list = applicants(40, 0, 3);
        let is_k = |id: &String| list.iter().any(|a| &a.id == id && a.kindergarten);
        for seed in 0..20 {
            let result = draw(seed, 25, 2, &list);
            assert_eq!(result.admitted.len(), 25, "{seed}");
            assert_eq!(result.admitted.iter().filter(|id| is_k(id)).count(), 2);
            assert_eq!(result.waitlist.iter().filter(|id| is_k(id)).count(), 11);
        }
        // More places than applicants: everyone but the kindergarten overflow gets in.
        let result = draw(7, 100, 2, &list);
        assert_eq!((result.admitted.len(), result.waitlist.len()), (29, 11));
        assert!(draw(7, 0, 0, &list).admitted.is_empty());
        assert_eq!(draw(7, 5, 0, &[]).order, Vec::<String>::new());
    }

    /// Pins the algorithm: any change to the order of a published draw must fail here.
    #[test]
    fn golden_draw() {
        let list = applicants(20, 4, 0);
        let seed = seed_from("2026-06-20 暑期一班");
        let result = draw(seed, 8, 0, &list);
        assert_eq!(seed, 15_859_986_052_695_870_360);
        assert_eq!(
            result.order[..5],
            ["A0016", "A0008", "A0020", "A0012", "A0004"]
        );
        // The generator goes on into the non-priority applicants.
        assert_eq!(result.admitted[5..], ["A0017", "A0010", "A0013"]);
        assert_eq!(result.waitlist[..3], ["A0007", "A0018", "A0001"]);
    }
}
