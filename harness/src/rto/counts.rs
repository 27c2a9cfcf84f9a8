//! Percentiles of a campaign in bounded memory: how many runs gave each value (values are
//! whole seconds or whole writes, so many runs share one). Exact while at most
//! [`MAX_DISTINCT`] different values have been seen; beyond that, values are kept in buckets
//! of 11 significant bits (relative width 1/1024), so memory never exceeds about 60,000
//! entries however many runs there are. A percentile then reports its bucket's lower bound,
//! at most 0.1 % below the exact value (never below the exact minimum). The minimum, the
//! maximum, "never" and the count over a target are always exact.

use std::collections::BTreeMap;

/// "Never" (service lost and not restored): sorts after every value, never bucketed.
pub const NEVER: u64 = u64::MAX;
/// Distinct values kept exactly before bucketing starts.
pub const MAX_DISTINCT: usize = 65_536;
/// Significant bits kept per bucket once bucketing starts (relative error < 2^-10).
const BITS: u32 = 11;

/// The runs that gave one value (or one bucket of values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    pub count: u64,
    /// The lowest and highest run index with this value.
    pub first_run: u64,
    pub last_run: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    cells: BTreeMap<u64, Cell>,
    n: u64,
    min: Option<u64>,
    max: Option<u64>,
    bucketed: bool,
}

/// The lower bound of `v`'s bucket: `v` with all but its 11 highest significant bits cleared.
pub fn bucket(v: u64) -> u64 {
    if v == NEVER || v < (1 << BITS) {
        return v;
    }
    let drop = (63 - v.leading_zeros()) + 1 - BITS;
    v & !((1u64 << drop) - 1)
}

impl Counts {
    pub fn add(&mut self, v: u64, run: u64) {
        self.add_cell(
            v,
            Cell {
                count: 1,
                first_run: run,
                last_run: run,
            },
        );
        self.min = Some(self.min.map_or(v, |m| m.min(v)));
        self.max = Some(self.max.map_or(v, |m| m.max(v)));
    }

    fn add_cell(&mut self, v: u64, c: Cell) {
        let key = if self.bucketed { bucket(v) } else { v };
        self.n += c.count;
        self.cells
            .entry(key)
            .and_modify(|e| {
                e.count += c.count;
                e.first_run = e.first_run.min(c.first_run);
                e.last_run = e.last_run.max(c.last_run);
            })
            .or_insert(c);
        if !self.bucketed && self.cells.len() > MAX_DISTINCT {
            self.rebucket();
        }
    }

    fn rebucket(&mut self) {
        self.bucketed = true;
        let old = std::mem::take(&mut self.cells);
        self.n = 0;
        for (k, c) in old {
            self.add_cell(k, c);
        }
    }

    /// Add another campaign part's counts (the result does not depend on the order).
    pub fn merge(&mut self, other: &Counts) {
        if other.bucketed && !self.bucketed {
            self.rebucket();
        }
        for (&k, &c) in &other.cells {
            self.add_cell(k, c);
        }
        for v in [other.min, other.max].into_iter().flatten() {
            self.min = Some(self.min.map_or(v, |m| m.min(v)));
            self.max = Some(self.max.map_or(v, |m| m.max(v)));
        }
    }

    pub fn len(&self) -> u64 {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Whether values are in buckets (percentiles within 0.1 %) rather than exact.
    pub fn bucketed(&self) -> bool {
        self.bucketed
    }

    /// The value (or bucket) at nearest rank `p` percent and its cell: the smallest value
    /// with at least p% of the runs at or below it.
    pub fn at_rank(&self, p: f64) -> Option<(u64, Cell)> {
        if self.n == 0 {
            return None;
        }
        let rank = ((p / 100.0) * self.n as f64).ceil().max(1.0) as u64;
        let rank = rank.min(self.n);
        let mut seen = 0;
        for (&k, &c) in &self.cells {
            seen += c.count;
            if seen >= rank {
                return Some((k, c));
            }
        }
        None
    }

    /// Nearest-rank percentile; `None` for "never". Exact unless [`Counts::bucketed`].
    pub fn percentile(&self, p: f64) -> Option<u64> {
        let v = if p <= 0.0 {
            self.min?
        } else if p >= 100.0 {
            self.max?
        } else {
            let (k, _) = self.at_rank(p)?;
            match (k, self.min) {
                (NEVER, _) => NEVER,
                (k, Some(m)) => k.max(m),
                (k, None) => k,
            }
        };
        (v != NEVER).then_some(v)
    }

    /// Runs with a value above `target` (never counts as above): exact only while the
    /// counts are not bucketed, so campaigns count it as they go (see `campaign::Tally`).
    pub fn over(&self, target: u64) -> u64 {
        self.cells
            .range(target.saturating_add(1)..)
            .map(|(_, c)| c.count)
            .sum()
    }

    /// (value or bucket, runs) in increasing order, "never" left out: for histograms.
    pub fn values(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.cells
            .iter()
            .filter(|(k, _)| **k != NEVER)
            .map(|(k, c)| (*k, c.count))
    }

    /// The highest value's cell (ties: its last run).
    pub fn last(&self) -> Option<(u64, Cell)> {
        self.cells.iter().next_back().map(|(k, c)| (*k, *c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Nearest rank over the sorted values, as the campaign computed it before the counts.
    fn sorted_rank(v: &[u64], p: f64) -> Option<u64> {
        let mut s = v.to_vec();
        s.sort_unstable();
        let rank = ((p / 100.0) * s.len() as f64).ceil().max(1.0) as usize;
        let x = s[rank.min(s.len()) - 1];
        (x != NEVER).then_some(x)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn exact_counts_match_sorting(v in prop::collection::vec(prop_oneof![0u64..5000, Just(NEVER)], 1..300), split in 0usize..300) {
            // Two parts merged, as two worker threads would.
            let split = split.min(v.len());
            let (mut a, mut b) = (Counts::default(), Counts::default());
            for (i, &x) in v.iter().enumerate() {
                if i < split { a.add(x, i as u64) } else { b.add(x, i as u64) }
            }
            a.merge(&b);
            for p in [0.0, 50.0, 90.0, 95.0, 99.0, 100.0] {
                prop_assert_eq!(a.percentile(p), sorted_rank(&v, p));
            }
            prop_assert_eq!(a.over(1000), v.iter().filter(|&&x| x > 1000).count() as u64);
        }

        #[test]
        fn bucket_is_within_one_1024th_below(v in any::<u64>()) {
            let b = bucket(v);
            prop_assert!(b <= v);
            if v != NEVER {
                prop_assert!((v - b) as u128 * 1024 <= v as u128);
            }
        }
    }

    #[test]
    fn many_distinct_values_stay_bounded_and_close() {
        let mut c = Counts::default();
        let n = 3 * MAX_DISTINCT as u64;
        // Spread values: every one distinct, 0..~2e9.
        for i in 0..n {
            c.add(i * 10_007, i);
        }
        assert!(c.bucketed());
        assert!(c.cells.len() <= MAX_DISTINCT, "{}", c.cells.len());
        assert_eq!(c.len(), n);
        assert_eq!(c.percentile(0.0), Some(0));
        assert_eq!(c.percentile(100.0), Some((n - 1) * 10_007));
        let exact = (n / 2 - 1) * 10_007; // rank n/2 (1-based) is value index n/2 - 1
        let got = c.percentile(50.0).unwrap();
        assert!(
            got <= exact && (exact - got) * 1024 <= exact,
            "{got} vs {exact}"
        );
    }
}
