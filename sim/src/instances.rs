//! The world's five SQL instances: shared between a state and its copies until one of them
//! writes an instance, and each with the explorer's hash of it while it is unchanged.
//!
//! The explorer copies a state for every successor and keeps a level of them in memory, but
//! the instances are three fifths of the engine's bytes and a successor writes 0.7 of them
//! on average (none in 58 % of the successors of the K=1 search over the corrected full
//! cycle, at most two in 96 %). So a copy shares each instance with its original until either writes it, and
//! each instance keeps the hash the explorer last made of it: the key rehashes only the
//! instances written since. The instances are reachable mutably only through [`IndexMut`]
//! and [`Instances::iter_mut`], which take the instance for this world alone and forget
//! its hash, so no write reaches a shared instance or keeps a stale hash.

use crate::world::SqlInstance;
use std::cell::Cell;
use std::fmt;
use std::ops::{Index, IndexMut};
use std::sync::Arc;

pub struct Instances {
    all: [Arc<SqlInstance>; 5],
    /// Bit i ([`own`]): this world holds the only reference to instance i, so a write needs
    /// no check of the reference count (an atomic operation, at every write of a
    /// `drill run`). Cleared in both worlds when one is copied: the only way an instance
    /// gets shared. Bit 8 + i ([`hashed`]): `hashes[i]` is instance i's hash as it is now,
    /// in mode `mode`. One word: a write reads both in one load, and the common write (to
    /// an instance this world alone holds, with no hash kept: every write of `drill run`
    /// and `drill fuzz`) stores nothing. (Two fields, each stored and loaded by every
    /// write, stalled the loads: a tenth of `Sim::play`'s samples when they were bytes.)
    bits: Cell<u32>,
    /// The hash's kind (the explorer's exact or reduced key), as its caller numbers it.
    mode: Cell<u8>,
    hashes: [Cell<u128>; 5],
}

/// Every instance's [`own`] bit.
const EVERY: u32 = 0b1_1111;

/// Instance i's bit of [`Instances::bits`]: this world holds the only reference to it.
const fn own(i: usize) -> u32 {
    1 << i
}

/// Instance i's bit of [`Instances::bits`]: its hash is kept.
const fn hashed(i: usize) -> u32 {
    1 << (8 + i)
}

impl Instances {
    pub fn new(all: [SqlInstance; 5]) -> Instances {
        Instances {
            all: all.map(Arc::new),
            bits: Cell::new(EVERY),
            mode: Cell::new(0),
            hashes: Default::default(),
        }
    }

    pub fn iter(&self) -> Iter<'_> {
        self.all
            .iter()
            .map(inner as fn(&Arc<SqlInstance>) -> &SqlInstance)
    }

    /// Every instance, mutably: each one taken for this world alone, its hash forgotten.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut SqlInstance> {
        for a in &mut self.all {
            Arc::make_mut(a);
        }
        self.bits.set(EVERY);
        self.all
            .iter_mut()
            .map(|a| Arc::get_mut(a).expect("made this world's alone above"))
    }

    /// Instance `i`'s hash in `mode`: the one kept while it is unchanged, else `hash` of it
    /// (kept for next time).
    pub fn hash_of(&self, i: usize, mode: u8, hash: impl FnOnce(&SqlInstance) -> u128) -> u128 {
        if self.mode.get() != mode {
            self.mode.set(mode);
            self.bits.set(self.bits.get() & EVERY);
        }
        if self.bits.get() & hashed(i) != 0 {
            return self.hashes[i].get();
        }
        let h = hash(&self.all[i]);
        self.hashes[i].set(h);
        self.bits.set(self.bits.get() | hashed(i));
        h
    }

    /// Before a write to instance `i`: taken for this world alone, its kept hash forgotten.
    /// Out of line: the explorer's path, not the run's.
    #[inline(never)]
    fn take_alone(&mut self, i: usize) {
        if self.bits.get() & own(i) == 0 {
            // Copies the instance if another world still shares it.
            Arc::make_mut(&mut self.all[i]);
        }
        self.bits.set((self.bits.get() & !hashed(i)) | own(i));
    }

    /// Where the instances lie in memory (each instance is a block of its own), for the
    /// explorer's prefetch hints.
    pub fn blocks(&self) -> impl Iterator<Item = *const u8> + '_ {
        self.all.iter().map(|a| Arc::as_ptr(a).cast())
    }
}

fn inner(a: &Arc<SqlInstance>) -> &SqlInstance {
    a
}

pub type Iter<'a> =
    std::iter::Map<std::slice::Iter<'a, Arc<SqlInstance>>, fn(&Arc<SqlInstance>) -> &SqlInstance>;

impl Clone for Instances {
    fn clone(&self) -> Instances {
        // Both now share every instance; the hashes hold for both.
        let kept = self.bits.get() & !EVERY;
        self.bits.set(kept);
        Instances {
            all: self.all.clone(),
            bits: Cell::new(kept),
            mode: self.mode.clone(),
            hashes: self.hashes.clone(),
        }
    }
}

impl Index<usize> for Instances {
    type Output = SqlInstance;
    fn index(&self, i: usize) -> &SqlInstance {
        &self.all[i]
    }
}

impl IndexMut<usize> for Instances {
    #[inline]
    fn index_mut(&mut self, i: usize) -> &mut SqlInstance {
        // Instance i's two bits, brought down to bits 0 and 8: own set, hashed clear.
        if (self.bits.get() >> i) & (own(0) | hashed(0)) != own(0) {
            self.take_alone(i);
        }
        // SAFETY: the bit says this world holds the only reference to the instance: it is
        // set only by `take_alone` after `make_mut` made it so (or `iter_mut`, after the
        // same for each), and cleared in this world and its copy
        // whenever the world is copied, the only way a reference to an instance is made
        // (the field is private, and no `Weak` is ever made). `&mut self` excludes every
        // other borrow of this world's instances.
        unsafe { &mut *Arc::as_ptr(&self.all[i]).cast_mut() }
    }
}

impl<'a> IntoIterator for &'a Instances {
    type Item = &'a SqlInstance;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// The instances alone, as the array they are (the sharing and the hashes are not the
/// world's state).
impl fmt::Debug for Instances {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.all.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use crate::world::World;

    fn instances() -> Instances {
        World::new(&serde_json::from_str::<Scenario>(r#"{"name": "t", "seed": 1}"#).unwrap())
            .instances
    }

    /// A count of the hashes made, and each instance hashed as its `up` flag.
    fn up(calls: &Cell<u32>) -> impl Fn(&SqlInstance) -> u128 + '_ {
        |i| {
            calls.set(calls.get() + 1);
            u128::from(i.up)
        }
    }

    #[test]
    fn a_kept_hash_is_used_until_its_instance_is_borrowed_mutably() {
        let mut is = instances();
        let calls = Cell::new(0);
        for i in 0..5 {
            assert_eq!(is.hash_of(i, 1, up(&calls)), 1);
        }
        assert_eq!(calls.get(), 5);
        for i in 0..5 {
            assert_eq!(is.hash_of(i, 1, up(&calls)), 1);
        }
        assert_eq!(calls.get(), 5, "nothing changed: every hash kept");
        is[3].up = false;
        for i in 0..5 {
            assert_eq!(is.hash_of(i, 1, up(&calls)), u128::from(i != 3));
        }
        assert_eq!(calls.get(), 6, "only the instance written is hashed again");
        // A copy keeps the hashes, and forgets its own on its own writes.
        let mut copy = is.clone();
        for i in copy.iter_mut() {
            i.up = true;
        }
        for i in 0..5 {
            assert_eq!(copy.hash_of(i, 1, up(&calls)), 1);
            assert_eq!(is.hash_of(i, 1, up(&calls)), u128::from(i != 3));
        }
        assert_eq!(
            calls.get(),
            11,
            "every instance of the copy, none of the original"
        );
        // Another mode hashes every instance again.
        assert_eq!(is.hash_of(0, 2, up(&calls)), 1);
        assert_eq!(is.hash_of(1, 2, up(&calls)), 1);
        assert_eq!(calls.get(), 13);
    }

    #[test]
    fn a_copy_shares_each_instance_until_one_of_the_two_writes_it() {
        let shared = |x: &Instances, y: &Instances, k: usize| std::ptr::eq(&x[k], &y[k]);
        let mut a = instances();
        let mut b = a.clone();
        assert!((0..5).all(|k| shared(&a, &b, k)));
        // The copy writes: it alone sees the write, and shares the rest.
        b[2].up = false;
        assert!(a[2].up && !b[2].up);
        assert!(!shared(&a, &b, 2));
        assert!([0, 1, 3, 4].into_iter().all(|k| shared(&a, &b, k)));
        // The original writes: the copy keeps the old instance.
        a[0].disk_full = true;
        assert!(!b[0].disk_full);
        // A copy of a copy: a write to it reaches neither of the others.
        let mut c = b.clone();
        c[4].disk_full = true;
        assert!(!a[4].disk_full && !b[4].disk_full);
        // Every instance written through `iter_mut`, after a copy: none reaches the copy.
        let d = a.clone();
        for i in a.iter_mut() {
            i.up = false;
        }
        assert_eq!(d.iter().filter(|i| i.up).count(), 5);
        assert!(a.iter().all(|i| !i.up));
        // Written with its copy gone: in place, nothing copied.
        drop(d);
        drop(a.clone());
        let at: *const SqlInstance = &a[1];
        a[1].disk_full = true;
        assert!(std::ptr::eq(at, &a[1]));
    }

    #[test]
    fn debug_is_the_array_alone() {
        let is = instances();
        let array: [SqlInstance; 5] = std::array::from_fn(|k| is[k].clone());
        assert_eq!(format!("{is:?}"), format!("{array:?}"));
    }
}
