//! The yearly surveillance plan (SCHEME §5.3), without I/O: which labeled products the
//! certification body evaluates this year.
//!
//! - **Reports first.** Products that triaged reports marked for surveillance are drawn by
//!   weighted sampling without replacement, the weight being the sum of their reports' risk
//!   weights, up to `capacity` products. Successive draws with exact integer arithmetic (draw a
//!   point in `[0, total weight)`, take the product whose span holds it, remove it, repeat): the
//!   same distribution as Efraimidis–Spirakis keys, and bit-for-bit the same on every platform,
//!   as no floating point is involved.
//! - **Then test purchases.** A uniform random sample of `random_sample` self-declared ★1 labels
//!   not already picked (partial Fisher–Yates).
//!
//! Reproducible by anyone from the published seed: the RNG is ChaCha20 seeded with
//! `SHA-256("tekigo-surveillance/1" || YEAR || SEED)` (the year as four decimal digits, all
//! UTF-8, no separators), and candidates are sorted by label number before any draw, so the
//! order they are given in does not matter. Never `thread_rng`.

mod store;

pub use store::{EVIDENCE_MAX, Evidence, EvidenceKind, PublishedPlan, SurveillanceCase, check_evidence};

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::labels::rules::Assurance;

/// The domain separation prefix of the seed derivation; a change of algorithm changes it.
pub const SEED_DOMAIN: &str = "tekigo-surveillance/1";

/// A labeled product that may be picked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub label_number: String,
    pub level: String,
    pub assurance: Assurance,
    /// The sum of the risk weights of triaged reports marked for surveillance (0: none).
    pub report_weight: u32,
}

/// Why a product is in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// Reports to the desk, weighted by risk.
    Report,
    /// A random test purchase of a self-declared ★1 product.
    Random,
}

impl Reason {
    pub fn name(self) -> &'static str {
        match self {
            Reason::Report => "report",
            Reason::Random => "random",
        }
    }

    pub fn parse(text: &str) -> Option<Reason> {
        [Reason::Report, Reason::Random].into_iter().find(|r| r.name() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pick {
    pub label_number: String,
    pub reason: Reason,
    /// The report weight the product was drawn with (0 for a random pick).
    pub weight: u32,
}

/// A published plan: everything needed to check it was drawn as stated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub year: i16,
    pub seed: String,
    /// How the RNG seed is derived from the year and the seed, in words.
    pub derivation: String,
    /// The derived RNG seed, hex.
    pub rng_seed: String,
    pub capacity: usize,
    pub random_sample: usize,
    /// Products with reports among the candidates, and ★1 self-declared candidates.
    pub reported_candidates: usize,
    pub random_candidates: usize,
    /// Report picks in the order drawn, then random picks in the order drawn.
    pub picks: Vec<Pick>,
}

/// The 32-byte RNG seed of `year` and `seed`.
pub fn rng_seed(year: i16, seed: &str) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(SEED_DOMAIN.as_bytes());
    hash.update(format!("{year:04}").as_bytes());
    hash.update(seed.as_bytes());
    hash.finalize().into()
}

/// A uniform integer in `0..n` (`n > 0`), without modulo bias (rejection sampling).
fn below(rng: &mut ChaCha20Rng, n: u64) -> u64 {
    let limit = u64::MAX - u64::MAX % n;
    loop {
        let x = rng.next_u64();
        if x < limit {
            return x % n;
        }
    }
}

/// The plan for `year` from `seed` over `candidates`.
pub fn plan(year: i16, seed: &str, candidates: &[Candidate], capacity: usize, random_sample: usize) -> Plan {
    let derived = rng_seed(year, seed);
    let mut rng = ChaCha20Rng::from_seed(derived);
    // Sorted by label number (one entry per label: the largest weight if given twice), so the
    // input order cannot change the draw.
    let mut sorted: Vec<&Candidate> = candidates.iter().collect();
    sorted.sort_by(|a, b| a.label_number.cmp(&b.label_number).then(b.report_weight.cmp(&a.report_weight)));
    sorted.dedup_by(|later, earlier| later.label_number == earlier.label_number);

    let mut picks = Vec::new();
    let mut reported: Vec<&Candidate> = sorted.iter().copied().filter(|c| c.report_weight > 0).collect();
    let reported_candidates = reported.len();
    while picks.len() < capacity && !reported.is_empty() {
        let total: u64 = reported.iter().map(|c| u64::from(c.report_weight)).sum();
        let mut point = below(&mut rng, total);
        let mut index = 0;
        for (i, candidate) in reported.iter().enumerate() {
            let weight = u64::from(candidate.report_weight);
            if point < weight {
                index = i;
                break;
            }
            point -= weight;
        }
        let chosen = reported.remove(index);
        picks.push(Pick {
            label_number: chosen.label_number.clone(),
            reason: Reason::Report,
            weight: chosen.report_weight,
        });
    }

    let mut pool: Vec<&Candidate> = sorted
        .iter()
        .copied()
        .filter(|c| c.level == "1" && c.assurance == Assurance::SelfDeclared)
        .filter(|c| !picks.iter().any(|p| p.label_number == c.label_number))
        .collect();
    let random_candidates = pool.len();
    for i in 0..random_sample.min(pool.len()) {
        let j = i + below(&mut rng, (pool.len() - i) as u64) as usize;
        pool.swap(i, j);
        picks.push(Pick { label_number: pool[i].label_number.clone(), reason: Reason::Random, weight: 0 });
    }

    Plan {
        year,
        seed: seed.to_owned(),
        derivation: format!(
            "ChaCha20 seeded with SHA-256(\"{SEED_DOMAIN}\" || \"{year:04}\" || seed), UTF-8, no separators; \
             candidates sorted by label number; report picks by successive weighted draws without replacement, \
             then a uniform sample (partial Fisher-Yates) of self-declared ★1 labels not yet picked"
        ),
        rng_seed: derived.iter().map(|b| format!("{b:02x}")).collect(),
        capacity,
        random_sample,
        reported_candidates,
        random_candidates,
        picks,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn candidate(n: u32, level: &str, assurance: Assurance, weight: u32) -> Candidate {
        Candidate {
            label_number: format!("JC{level}-2026-{n:06}"),
            level: level.into(),
            assurance,
            report_weight: weight,
        }
    }

    /// Twenty ★1 self-declared, five ★3 third-party; nine with reports (eight ★1, one ★3).
    fn fixed() -> Vec<Candidate> {
        let mut out: Vec<Candidate> = (1..=20)
            .map(|n| candidate(n, "1", Assurance::SelfDeclared, [0, 0, 3, 0, 1, 0, 0, 2][n as usize % 8]))
            .collect();
        out.extend((21..=25).map(|n| candidate(n, "3", Assurance::ThirdParty, u32::from(n == 23) * 3)));
        out
    }

    #[test]
    fn the_same_seed_gives_the_same_plan() {
        let first = plan(2026, "2026-04-01 Nikkei 225 close 39,000.12", &fixed(), 3, 4);
        for _ in 0..5 {
            assert_eq!(plan(2026, "2026-04-01 Nikkei 225 close 39,000.12", &fixed(), 3, 4), first);
        }
        insta::assert_json_snapshot!(first);
    }

    #[test]
    fn a_different_seed_or_year_gives_a_different_plan() {
        let a = plan(2026, "seed-a", &fixed(), 3, 4);
        let b = plan(2026, "seed-b", &fixed(), 3, 4);
        let c = plan(2027, "seed-a", &fixed(), 3, 4);
        assert_ne!(a.picks, b.picks);
        assert_ne!(a.picks, c.picks);
        assert_ne!(a.rng_seed, b.rng_seed);
    }

    #[test]
    fn picks_are_distinct_and_kinds_respected() {
        let p = plan(2026, "x", &fixed(), 10, 100);
        let mut numbers: Vec<&str> = p.picks.iter().map(|p| p.label_number.as_str()).collect();
        numbers.sort_unstable();
        numbers.dedup();
        assert_eq!(numbers.len(), p.picks.len());
        // Every reported product fits within capacity 10: all 9 drawn.
        assert_eq!(p.picks.iter().filter(|p| p.reason == Reason::Report).count(), 9);
        // Random picks only among ★1 self-declared: 20 minus the 8 reported ones.
        let random: Vec<&Pick> = p.picks.iter().filter(|p| p.reason == Reason::Random).collect();
        assert_eq!(random.len(), 12);
        assert!(random.iter().all(|p| p.label_number.starts_with("JC1-")));
    }

    #[test]
    fn weights_change_how_often_a_product_is_drawn() {
        // Two reported products, weights 3 and 1, one slot: over 2,000 fixed seeds the heavy one
        // should win about 3/4 of the time. With 2,000 trials, σ ≈ 19: the bounds are ~6σ wide.
        let candidates =
            vec![candidate(1, "1", Assurance::SelfDeclared, 3), candidate(2, "1", Assurance::SelfDeclared, 1)];
        let heavy_wins = (0..2000)
            .filter(|i| plan(2026, &format!("trial-{i}"), &candidates, 1, 0).picks[0].label_number == "JC1-2026-000001")
            .count();
        assert!((1380..=1620).contains(&heavy_wins), "{heavy_wins} of 2000");
        // Equal weights: about half.
        let even = vec![candidate(1, "1", Assurance::SelfDeclared, 2), candidate(2, "1", Assurance::SelfDeclared, 2)];
        let first_wins = (0..2000)
            .filter(|i| plan(2026, &format!("trial-{i}"), &even, 1, 0).picks[0].label_number == "JC1-2026-000001")
            .count();
        assert!((880..=1120).contains(&first_wins), "{first_wins} of 2000");
    }

    proptest::proptest! {
        /// However the candidates are ordered, the plan is the same.
        #[test]
        fn input_order_does_not_matter(
            order in proptest::sample::subsequence((0..25usize).collect::<Vec<_>>(), 25).prop_shuffle(),
            seed in "[a-z0-9]{1,12}",
        ) {
            let base = fixed();
            let shuffled: Vec<Candidate> = order.iter().map(|&i| base[i].clone()).collect();
            prop_assert_eq!(plan(2026, &seed, &shuffled, 3, 4), plan(2026, &seed, &base, 3, 4));
        }
    }
}
