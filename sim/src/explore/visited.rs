//! The visited set: a flat open-addressing table of 128-bit state keys, each with the most
//! faults left any path reached it with (for the subsumption reduction; 0 when unused).
//! Membership and that value only: nothing iterates it, so no order leaks into results.

pub struct Visited {
    keys: Vec<u128>,
    left: Vec<u8>,
    len: usize,
    mask: usize,
}

/// The empty slot. A state whose key is 0 is stored as 1 (one more 128-bit collision
/// chance, as any other pair of keys).
const EMPTY: u128 = 0;

/// What [`Visited::insert`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    /// A new key.
    New,
    /// Known, but only with fewer faults left: recorded with these now.
    MoreLeft,
    /// Known with at least as many faults left.
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
            keys: vec![EMPTY; cap],
            left: vec![0; cap],
            len: 0,
            mask: cap - 1,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn slot(&self, key: u128) -> usize {
        let mut i = (key as u64 ^ (key >> 64) as u64) as usize & self.mask;
        loop {
            let k = self.keys[i];
            if k == key || k == EMPTY {
                return i;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Record `key` reached with `left` faults left.
    pub fn insert(&mut self, key: u128, left: u8) -> Seen {
        let key = if key == EMPTY { 1 } else { key };
        let i = self.slot(key);
        if self.keys[i] == key {
            if self.left[i] >= left {
                return Seen::Covered;
            }
            self.left[i] = left;
            return Seen::MoreLeft;
        }
        self.keys[i] = key;
        self.left[i] = left;
        self.len += 1;
        // At most three quarters full: linear probing stays short.
        if self.len * 4 > self.keys.len() * 3 {
            self.grow();
        }
        Seen::New
    }

    fn grow(&mut self) {
        let mut bigger = Visited::with_capacity(self.keys.len() * 2);
        for (k, l) in self.keys.iter().zip(&self.left) {
            if *k != EMPTY {
                let i = bigger.slot(*k);
                bigger.keys[i] = *k;
                bigger.left[i] = *l;
            }
        }
        bigger.len = self.len;
        *self = bigger;
    }
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
            assert_eq!(v.insert(k, 1), Seen::New);
        }
        assert_eq!(v.len(), 5000);
        for &k in &keys {
            assert_eq!(v.insert(k, 1), Seen::Covered);
            assert_eq!(v.insert(k, 0), Seen::Covered);
        }
        assert_eq!(v.insert(keys[3], 2), Seen::MoreLeft);
        assert_eq!(v.insert(keys[3], 2), Seen::Covered);
        assert_eq!(v.insert(0, 0), Seen::New);
        assert_eq!(v.insert(0, 0), Seen::Covered);
        assert_eq!(v.len(), 5001);
    }
}
