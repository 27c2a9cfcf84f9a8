//! Sets of write numbers as sorted, disjoint half-open ranges. Writes are numbered in the
//! order they are acknowledged; a database copy holds a few ranges of them (a prefix, then
//! what it received after a failover), so loss is counted exactly without one object per write.

use serde::{Serialize, Serializer};

/// The ranges in order: `init`, then `last` unless the set is empty. Almost every set is one
/// range (a copy's prefix, one log backup's writes), and the workload extends the last one
/// several times per job run: kept in its own field, that is a comparison and a store, with
/// no test of where the ranges live (a one-element `SmallVec` tested it on every access), and
/// building a set allocates nothing.
#[derive(Clone, Default)]
pub struct RangeSet {
    /// The ranges before `last` (empty unless the set has two or more).
    init: Init,
    /// The last range; the set is empty when it is empty (`last.0 == last.1`, `init` empty).
    last: (u64, u64),
}

/// The ranges before the last: none in almost every set, so one pointer (a `Vec` is three
/// words, a slice two, and the backup files each hold a set the jobs scan). Shared, not
/// copied: an engine's sets are cloned with every instance it changes (`Arc::make_mut` of
/// the instance), and the explorer clones millions of engines, while a set's ranges before
/// the last change only when a range starts apart from the last (a failover's gap). A boxed
/// `Vec` was two allocations a clone.
#[allow(clippy::rc_buffer)] // one pointer, not the two of Arc<[_]>
#[derive(Clone, Default)]
struct Init(Option<std::sync::Arc<Vec<(u64, u64)>>>);

impl Init {
    fn as_slice(&self) -> &[(u64, u64)] {
        self.0.as_deref().map_or(&[], Vec::as_slice)
    }

    fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    fn clear(&mut self) {
        self.0 = None;
    }

    fn push(&mut self, r: (u64, u64)) {
        std::sync::Arc::make_mut(self.0.get_or_insert_with(Default::default)).push(r);
    }

    fn take(&mut self) -> Vec<(u64, u64)> {
        self.0
            .take()
            .map_or_else(Vec::new, std::sync::Arc::unwrap_or_clone)
    }
}

/// Never an empty vector: `is_empty` is a test of the pointer.
impl From<Vec<(u64, u64)>> for Init {
    fn from(v: Vec<(u64, u64)>) -> Init {
        Init((!v.is_empty()).then(|| std::sync::Arc::new(v)))
    }
}

/// The ranges of a [`RangeSet`], in order.
#[derive(Clone)]
pub struct Ranges<'a> {
    init: std::slice::Iter<'a, (u64, u64)>,
    last: Option<&'a (u64, u64)>,
}

impl<'a> Iterator for Ranges<'a> {
    type Item = &'a (u64, u64);

    fn next(&mut self) -> Option<Self::Item> {
        self.init.next().or_else(|| self.last.take())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.init.len() + usize::from(self.last.is_some());
        (n, Some(n))
    }
}

impl ExactSizeIterator for Ranges<'_> {}

/// Equal when they hold the same ranges (an empty set's `last` may be any empty range).
impl PartialEq for RangeSet {
    fn eq(&self, other: &Self) -> bool {
        self.ranges().eq(other.ranges())
    }
}

impl Eq for RangeSet {}

/// As when the ranges were a `SmallVec` (`RangeSet([(0, 10)])`).
impl std::fmt::Debug for RangeSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        struct List<'a>(&'a RangeSet);
        impl std::fmt::Debug for List<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_list().entries(self.0.ranges()).finish()
            }
        }
        f.debug_tuple("RangeSet").field(&List(self)).finish()
    }
}

/// Serialized as the list of ranges, exactly as when the ranges were a `Vec` (a slice
/// serializes as `collect_seq` of its elements, with its exact length).
impl Serialize for RangeSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Seq<'a>(&'a RangeSet);
        impl Serialize for Seq<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.ranges())
            }
        }
        s.serialize_newtype_struct("RangeSet", &Seq(self))
    }
}

impl RangeSet {
    pub fn new() -> Self {
        RangeSet::default()
    }

    /// The ranges, in order.
    pub fn ranges(&self) -> Ranges<'_> {
        Ranges {
            init: self.init.as_slice().iter(),
            last: (self.last.0 < self.last.1).then_some(&self.last),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.last.0 == self.last.1
    }

    pub fn clear(&mut self) {
        self.init.clear();
        self.last = (0, 0);
    }

    pub fn len(&self) -> u64 {
        self.ranges().map(|(a, b)| b - a).sum()
    }

    /// Add `[a, b)`. Appending right after the last range (the common case) allocates nothing.
    #[inline]
    pub fn add(&mut self, a: u64, b: u64) {
        // The workload's writes extend the last range, or start a copy's `unbacked` again
        // after a log backup took it: that much is inlined where it is called (several
        // times per job run), the rest is not. (An empty set's `last` ending at `a` is
        // extended to `[a, b)` as well: the same set.)
        if a < b {
            if self.last.1 == a {
                self.last.1 = b;
                return;
            }
            if self.is_empty() {
                self.last = (a, b);
                return;
            }
        }
        self.add_other(a, b);
    }

    /// `add` past its inlined cases: an empty range, or `[a, b)` neither extending the last
    /// range nor starting an empty set.
    fn add_other(&mut self, a: u64, b: u64) {
        if a >= b {
            return;
        }
        if self.last.1 < a {
            self.push_after(a, b);
            return;
        }
        self.normalize_with(a, b);
    }

    /// Inlined: a restored log backup's one range usually extends the copy's last.
    #[inline]
    pub fn union_with(&mut self, other: &RangeSet) {
        if other.init.is_empty() {
            if !other.is_empty() {
                self.add(other.last.0, other.last.1);
            }
            return;
        }
        for &(a, b) in other.ranges() {
            self.add(a, b);
        }
    }

    /// The set with `[a, b)` added where it overlaps or precedes the last range: sorted and
    /// merged again.
    fn normalize_with(&mut self, a: u64, b: u64) {
        let mut all = self.init.take();
        all.push(self.last);
        all.push((a, b));
        all.sort_unstable();
        let mut out: Vec<(u64, u64)> = Vec::with_capacity(all.len());
        for &(a, b) in &all {
            match out.last_mut() {
                Some(l) if a <= l.1 => l.1 = l.1.max(b),
                _ => out.push((a, b)),
            }
        }
        self.last = out.pop().unwrap_or((0, 0));
        self.init = out.into();
    }

    /// Append `[a, b)`, non-empty and after every range of the set (not adjacent to the last).
    fn push_after(&mut self, a: u64, b: u64) {
        if !self.is_empty() {
            self.init.push(self.last);
        }
        self.last = (a, b);
    }

    /// The part of `self` not in `other`.
    pub fn minus(&self, other: &RangeSet) -> RangeSet {
        let mut out = RangeSet::new();
        for &(mut a, b) in self.ranges() {
            for &(c, d) in other.ranges() {
                if d <= a || c >= b {
                    continue;
                }
                if c > a {
                    out.push_after(a, c);
                }
                a = a.max(d);
                if a >= b {
                    break;
                }
            }
            if a < b {
                out.push_after(a, b);
            }
        }
        out
    }

    pub fn contains_all(&self, other: &RangeSet) -> bool {
        other.minus(self).is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn list(s: &RangeSet) -> Vec<(u64, u64)> {
        s.ranges().copied().collect()
    }

    /// The ranges before the last are shared between clones: growing one set leaves its
    /// clones as they were.
    #[test]
    fn a_clone_keeps_its_ranges_when_the_original_changes() {
        let mut a = RangeSet::new();
        a.add(0, 10);
        a.add(20, 30);
        let b = a.clone();
        a.add(40, 50);
        let c = a.clone();
        a.add(5, 25);
        assert_eq!(list(&a), [(0, 30), (40, 50)]);
        assert_eq!(list(&b), [(0, 10), (20, 30)]);
        assert_eq!(list(&c), [(0, 10), (20, 30), (40, 50)]);
        assert_eq!(list(&c.minus(&b)), [(40, 50)]);
        assert_eq!(list(&c.minus(&RangeSet::new())), list(&c));
    }

    #[test]
    fn add_merges_and_minus_counts_exactly() {
        let mut s = RangeSet::new();
        s.add(0, 10);
        s.add(10, 20);
        s.add(30, 40);
        s.add(15, 35);
        assert_eq!(list(&s), [(0, 40)]);
        let mut held = RangeSet::new();
        held.add(0, 12);
        held.add(20, 25);
        let lost = s.minus(&held);
        assert_eq!(list(&lost), [(12, 20), (25, 40)]);
        assert_eq!(lost.len(), 23);
        assert!(s.contains_all(&held));
        assert!(!held.contains_all(&s));
    }

    #[test]
    fn a_clone_has_the_same_ranges_one_or_several() {
        let mut s = RangeSet::new();
        assert_eq!(s.clone(), s);
        for k in 0..5 {
            s.add(10 * k, 10 * k + 5);
            let c = s.clone();
            assert_eq!(c, s);
            assert_eq!(c.ranges().len(), k as usize + 1);
            assert_eq!(list(&c), list(&s));
        }
    }

    #[test]
    fn serialized_and_shown_as_the_list_of_ranges() {
        let mut s = RangeSet::new();
        assert_eq!(serde_json::to_string(&s).unwrap(), "[]");
        assert_eq!(format!("{s:?}"), "RangeSet([])");
        s.add(3, 7);
        assert_eq!(serde_json::to_string(&s).unwrap(), "[[3,7]]");
        assert_eq!(format!("{s:?}"), "RangeSet([(3, 7)])");
        s.add(9, 12);
        assert_eq!(serde_json::to_string(&s).unwrap(), "[[3,7],[9,12]]");
        assert_eq!(format!("{s:?}"), "RangeSet([(3, 7), (9, 12)])");
        assert_eq!(s.ranges().last(), Some(&(9, 12)));
    }

    /// The writes of `s`, one by one.
    fn members(s: &RangeSet) -> std::collections::BTreeSet<u64> {
        s.ranges().flat_map(|&(a, b)| a..b).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]
        /// Against a set of single writes: the same members after any additions (empty,
        /// adjacent, overlapping, before the last), sorted disjoint non-adjacent ranges, and
        /// `minus`, `union_with`, `len`, `contains_all` and equality agree with it.
        #[test]
        fn the_ranges_are_the_set_of_writes(
            adds in proptest::collection::vec((0u64..60, 0u64..12), 0..12),
            others in proptest::collection::vec((0u64..60, 0u64..12), 0..6),
            clear_at in 0usize..16,
        ) {
            let mut s = RangeSet::new();
            let mut m = std::collections::BTreeSet::new();
            for (k, &(a, n)) in adds.iter().enumerate() {
                if k == clear_at {
                    s.clear();
                    m.clear();
                }
                s.add(a, a + n);
                m.extend(a..a + n);
            }
            let mut o = RangeSet::new();
            for &(a, n) in &others {
                o.add(a, a + n);
            }
            prop_assert_eq!(members(&s), m.clone());
            let l = list(&s);
            prop_assert!(l.iter().all(|&(a, b)| a < b));
            prop_assert!(l.windows(2).all(|p| p[0].1 < p[1].0));
            prop_assert_eq!(s.is_empty(), m.is_empty());
            prop_assert_eq!(s.len(), m.len() as u64);
            let om = members(&o);
            let diff: std::collections::BTreeSet<u64> = m.difference(&om).copied().collect();
            prop_assert_eq!(members(&s.minus(&o)), diff.clone());
            prop_assert_eq!(s.contains_all(&o), om.is_subset(&m));
            let mut u = s.clone();
            u.union_with(&o);
            let um: std::collections::BTreeSet<u64> = m.union(&om).copied().collect();
            prop_assert_eq!(members(&u), um);
            // Equal sets are equal however they were built.
            let mut r = RangeSet::new();
            for &(a, b) in &l {
                r.add(a, b);
            }
            prop_assert_eq!(&r, &s);
            prop_assert_eq!(s == o, m == om);
        }
    }
}
