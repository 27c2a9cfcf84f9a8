//! The visited set: a flat open-addressing table of state keys (112 of their 128 bits),
//! each with what the paths that reached it had left (faults, deviations) for the
//! subsumption reduction. Membership and that value only: nothing iterates it, so no order
//! leaks into results.
//!
//! A visit with f faults and d deviations left covers every later one with f' <= f and
//! d' <= d (component-wise). Two visits may be incomparable ((2, 0) then (1, 1)): the
//! second is expanded, and the table then keeps the union of what both cover, not one
//! pair (keeping the component-wise maximum (2, 1) would skip a later (2, 1) visit that
//! no earlier one covers; keeping only the last would expand a later (2, 0) again). The
//! union of down-closed sets is kept exactly as, per d = 0..=3, the most faults left of
//! any visit with at least d deviations left: four nibbles.

pub struct Visited {
    /// Per slot, a state's key in the low 112 bits and its value in the top 16: one load
    /// per probe (a key and its value in two arrays were two cache misses per insert). An
    /// occupied slot's value is never 0 (every visit records at least one nibble), so 0 is
    /// the empty slot. 112 bits of key: at 10^9 states the chance of any collision is
    /// about 10^-16.
    slots: Vec<u128>,
    len: usize,
    mask: usize,
}

const EMPTY: u128 = 0;
const KEY: u128 = (1 << 112) - 1;

/// What [`Visited::insert`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    /// A new key.
    New,
    /// Known, but no earlier visit had at least as many faults and deviations left:
    /// recorded with these now.
    MoreLeft,
    /// Known with at least as many faults and deviations left.
    Covered,
}

impl Default for Visited {
    fn default() -> Self {
        Visited::new()
    }
}

impl Visited {
    pub fn new() -> Visited {
        Visited::with_capacity(1 << 10)
    }

    fn with_capacity(cap: usize) -> Visited {
        let cap = cap.next_power_of_two();
        Visited {
            slots: vec![EMPTY; cap],
            len: 0,
            mask: cap - 1,
        }
    }

    /// Distinct keys inserted.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn home(&self, key: u128) -> usize {
        (key as u64 ^ (key >> 64) as u64) as usize & self.mask
    }

    /// The slot holding `key` (its low 112 bits), or the empty slot where it would go.
    fn slot(&self, key: u128) -> usize {
        let mut i = self.home(key);
        loop {
            let e = self.slots[i];
            if e == EMPTY || e & KEY == key {
                return i;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Ask the processor to start loading the slot where `key` would be looked up first
    /// (a hint: the search calls it a few keys ahead of their inserts).
    pub fn prefetch(&self, key: u128) {
        let i = self.home(key & KEY);
        super::search::prefetch(self.slots.as_ptr().wrapping_add(i).cast(), 16);
    }

    /// Record `key` reached with `faults` faults and `devs` deviations left.
    pub fn insert(&mut self, key: u128, faults: u32, devs: u32) -> Seen {
        let key = key & KEY;
        let i = self.slot(key);
        let e = self.slots[i];
        if e != EMPTY {
            let v = (e >> 112) as u16;
            if covers(v, faults, devs) {
                return Seen::Covered;
            }
            self.slots[i] = key | u128::from(record(v, faults, devs)) << 112;
            return Seen::MoreLeft;
        }
        self.slots[i] = key | u128::from(record(0, faults, devs)) << 112;
        self.len += 1;
        // At most three quarters full: linear probing stays short.
        if self.len * 4 > self.slots.len() * 3 {
            self.grow();
        }
        Seen::New
    }

    /// The value recorded for `key` (tests).
    #[cfg(test)]
    fn value(&self, key: u128) -> u16 {
        (self.slots[self.slot(key & KEY)] >> 112) as u16
    }

    fn grow(&mut self) {
        let mut bigger = Visited::with_capacity(self.slots.len() * 2);
        for &e in &self.slots {
            if e != EMPTY {
                let i = bigger.slot(e & KEY);
                bigger.slots[i] = e;
            }
        }
        bigger.len = self.len;
        *self = bigger;
    }
}

/// Deviations left tracked exactly: 0 to 3 (the command line's D is at most 3).
const DEV_SLOTS: u32 = 4;

/// Whether the recorded visits cover one with `faults` and `devs` left: some visit had at
/// least `devs` deviations and at least `faults` faults left. Nibble d holds 1 + the most
/// faults left among visits with at least d deviations left (0: none). A visit beyond the
/// nibbles (more than 14 faults or 3 deviations left) is never covered: sound, only
/// expanded again.
fn covers(v: u16, faults: u32, devs: u32) -> bool {
    devs < DEV_SLOTS && faults < 15 && u32::from(v >> (4 * devs) & 0xF) > faults
}

/// `v` with a visit of `faults` and `devs` left added: it covers every d <= devs. Clamped
/// down (a visit recorded as covering less than it does: sound, only expanded again).
fn record(mut v: u16, faults: u32, devs: u32) -> u16 {
    let f = faults.min(14) as u16 + 1;
    for d in 0..=devs.min(DEV_SLOTS - 1) {
        let shift = 4 * d;
        if (v >> shift & 0xF) < f {
            v = v & !(0xF << shift) | f << shift;
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_every_key_through_growth_and_the_most_faults_left() {
        let mut v = Visited::new();
        // Keys sharing their low bits probe into one another.
        let keys: Vec<u128> = (1..5001u128).map(|i| i << 70 | (i % 7)).collect();
        for &k in &keys {
            assert_eq!(v.insert(k, 1, 0), Seen::New);
        }
        assert_eq!(v.len(), 5000);
        for &k in &keys {
            assert_eq!(v.insert(k, 1, 0), Seen::Covered);
            assert_eq!(v.insert(k, 0, 0), Seen::Covered);
        }
        assert_eq!(v.insert(keys[3], 2, 0), Seen::MoreLeft);
        assert_eq!(v.insert(keys[3], 2, 0), Seen::Covered);
        assert_eq!(v.insert(0, 0, 0), Seen::New);
        assert_eq!(v.insert(0, 0, 0), Seen::Covered);
        assert_eq!(v.len(), 5001);
    }

    /// Incomparable visits: each is expanded, and afterwards exactly what one of them
    /// covers is covered (the union), not their component-wise maximum.
    #[test]
    fn keeps_the_union_of_incomparable_visits() {
        let mut v = Visited::new();
        assert_eq!(v.insert(7, 2, 0), Seen::New);
        assert_eq!(v.insert(7, 1, 1), Seen::MoreLeft);
        assert_eq!(v.insert(7, 2, 0), Seen::Covered);
        assert_eq!(v.insert(7, 1, 1), Seen::Covered);
        assert_eq!(v.insert(7, 0, 1), Seen::Covered);
        // Neither visit had 2 faults and 1 deviation left.
        assert_eq!(v.insert(7, 2, 1), Seen::MoreLeft);
        assert_eq!(v.insert(7, 2, 1), Seen::Covered);
        // Nibbles: d=0 holds 1 + 2, d=1 holds 1 + 2 now.
        assert_eq!(v.value(7), 0x33);
        // More deviations left than any visit: expanded.
        assert_eq!(v.insert(7, 0, 2), Seen::MoreLeft);
        assert_eq!(v.insert(7, 0, 3), Seen::MoreLeft);
        assert_eq!(v.insert(7, 0, 3), Seen::Covered);
        // Beyond the tracked slots: never covered.
        assert_eq!(v.insert(7, 0, 4), Seen::MoreLeft);
        assert_eq!(v.insert(7, 0, 4), Seen::MoreLeft);
        assert_eq!(v.insert(7, 15, 0), Seen::MoreLeft);
    }
}
