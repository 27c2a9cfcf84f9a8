//! Sets of write numbers as sorted, disjoint half-open ranges. Writes are numbered in the
//! order they are acknowledged; a database copy holds a few ranges of them (a prefix, then
//! what it received after a failover), so loss is counted exactly without one object per write.

use serde::{Serialize, Serializer};
use smallvec::SmallVec;

/// Almost every set is one range (a copy's prefix, one log backup's writes): that one is kept
/// inline, so building a set allocates nothing.
type Ranges = SmallVec<[(u64, u64); 1]>;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct RangeSet(Ranges);

/// The ranges copied as a slice: `SmallVec`'s own `clone` extends an empty vector element
/// by element (growing it once a set has spilled), for the same ranges.
impl Clone for RangeSet {
    fn clone(&self) -> Self {
        RangeSet(Ranges::from_slice(&self.0))
    }
}

/// Serialized as the list of ranges, exactly as when the ranges were a `Vec`.
impl Serialize for RangeSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct("RangeSet", self.0.as_slice())
    }
}

impl RangeSet {
    pub fn new() -> Self {
        RangeSet(Ranges::new())
    }

    pub fn ranges(&self) -> &[(u64, u64)] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }

    pub fn len(&self) -> u64 {
        self.0.iter().map(|(a, b)| b - a).sum()
    }

    /// Add `[a, b)`. Appending right after the last range (the common case) allocates nothing.
    #[inline]
    pub fn add(&mut self, a: u64, b: u64) {
        // The workload's writes extend the last range, or start a copy's `unbacked` again
        // after a log backup took it: that much is inlined where it is called (several
        // times per job run), the rest is not.
        match self.0.last_mut() {
            Some(last) if last.1 == a && a < b => last.1 = b,
            None if a < b => self.0.push((a, b)),
            _ => self.add_other(a, b),
        }
    }

    fn add_other(&mut self, a: u64, b: u64) {
        if a >= b {
            return;
        }
        if let Some(last) = self.0.last_mut() {
            if last.1 == a {
                last.1 = b;
                return;
            }
            if last.1 < a {
                self.0.push((a, b));
                return;
            }
        } else {
            self.0.push((a, b));
            return;
        }
        self.0.push((a, b));
        self.normalize();
    }

    /// Inlined: a restored log backup's one range usually extends the copy's last.
    #[inline]
    pub fn union_with(&mut self, other: &RangeSet) {
        for &(a, b) in &other.0 {
            self.add(a, b);
        }
    }

    fn normalize(&mut self) {
        self.0.sort_unstable();
        let mut out = Ranges::with_capacity(self.0.len());
        for &(a, b) in &self.0 {
            match out.last_mut() {
                Some(l) if a <= l.1 => l.1 = l.1.max(b),
                _ => out.push((a, b)),
            }
        }
        self.0 = out;
    }

    /// The part of `self` not in `other`.
    pub fn minus(&self, other: &RangeSet) -> RangeSet {
        let mut out = Ranges::new();
        for &(mut a, b) in &self.0 {
            for &(c, d) in &other.0 {
                if d <= a || c >= b {
                    continue;
                }
                if c > a {
                    out.push((a, c));
                }
                a = a.max(d);
                if a >= b {
                    break;
                }
            }
            if a < b {
                out.push((a, b));
            }
        }
        RangeSet(out)
    }

    pub fn contains_all(&self, other: &RangeSet) -> bool {
        other.minus(self).is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_merges_and_minus_counts_exactly() {
        let mut s = RangeSet::new();
        s.add(0, 10);
        s.add(10, 20);
        s.add(30, 40);
        s.add(15, 35);
        assert_eq!(s.ranges(), &[(0, 40)]);
        let mut held = RangeSet::new();
        held.add(0, 12);
        held.add(20, 25);
        let lost = s.minus(&held);
        assert_eq!(lost.ranges(), &[(12, 20), (25, 40)]);
        assert_eq!(lost.len(), 23);
        assert!(s.contains_all(&held));
        assert!(!held.contains_all(&s));
    }

    #[test]
    fn a_clone_has_the_same_ranges_inline_or_spilled() {
        let mut s = RangeSet::new();
        assert_eq!(s.clone(), s);
        for k in 0..5 {
            s.add(10 * k, 10 * k + 5);
            let c = s.clone();
            assert_eq!(c, s);
            assert_eq!(c.ranges().len(), k as usize + 1);
            assert_eq!(c.ranges(), s.ranges());
        }
    }
}
