//! Values by order (the reduced key's sixth reduction, docs/explore.md "Reductions"): the
//! LSNs and write numbers a state holds, fed as what the engine can still tell apart of
//! them. Two paths that made a different number of writes (a principal down for a while,
//! a log backup not taken) hold the same files and copies with every later number shifted;
//! the rules compare those numbers and measure few of them, so most of the shift is not
//! observable and the reduced key feeds numbers that leave it out. What the engine does
//! with them, audited by grep over `sim/src`:
//!
//! - **LSNs** are compared (`lsn::check_log_restore`, `f.last_lsn > redo`, sorting,
//!   `family`), assigned (a restore sets a copy's LSN to a file's `last_lsn`, a mirror to
//!   its principal's, a log backup the copy's `log_backup_from` to its LSN), and added to
//!   only on a copy: writes (`LSN_PER_WRITE` each) and backups (`LSN_PER_BACKUP`) raise a
//!   copy's LSN, and a full backup's `last_lsn` is its copy's plus one. Every comparison
//!   and assignment is between values of one database (a restore reads files of its own
//!   database); a database created anew starts a family above every other
//!   (`World::new_origin`). So the LSNs of one database in one family (a domain) matter
//!   by order, except that a copy's LSN can climb past a value above it, after a number of
//!   writes its distance decides. A copy's LSN is only ever set to a copy's value, the newest
//!   readable full's `last_lsn` on the share (a restore of it), a log file's `last_lsn` above the copy's
//!   own, or a fresh family's origin: it never goes below `m`, the least of the copies'
//!   LSNs and of the `last_lsn` of the full a restore would read, in its domain. Values at or above `m` are fed as
//!   their distance above it (exact), values below it by rank: a climbing copy can only
//!   pass values at or above `m`, whose distances are kept, and values below `m` are only
//!   compared again.
//! - **Write numbers** are fresh (`World::next_write` and up, above every held one), moved
//!   between sets (a backup takes a copy's unbacked writes, a restore adds a file's), and
//!   compared as sets (`minus`, `contains_all`, emptiness). They are measured only by the
//!   steps that copy or restore log files (`timing::work_s` counts a file's writes for the
//!   step's duration: `CopyUncopiedFiles`, `RestoreUnappliedLogs`, `RestoreLogFile`) and by
//!   reports (RPO figures, a violation's message). Once no such step is left in the plans
//!   (the step in progress and every later one; a deviation only reorders, repeats, skips
//!   or retargets steps at or after the next position), write numbers matter by order
//!   alone and are fed by rank; before, exactly.
//!
//! [`Canonical::of`] gives the values `canon::world` feeds, in one walk of them with the
//! files' part kept between keys; [`Relabel`] maps each value plainly, and [`apply`] gives
//! with it the same world for the reference key (`Stepper::canonical_reduced`).

use crate::files::FilesOrder;
use crate::lsn::Lsn;
use crate::ranges::RangeSet;
use crate::topology::{Db, Instance};
use crate::world::{family, World, FAMILY_SPAN};
use smallvec::SmallVec;
use std::sync::Arc;

/// The canonical value of each LSN (by database) and write number of a world, as a table:
/// the plain form, for the reference key ([`apply`]); the key itself is fed
/// [`Canonical`]'s.
pub struct Relabel {
    /// (`key(database, value)`, canonical), sorted, one entry a value.
    lsns: Vec<(u128, u128)>,
    /// The held write numbers, sorted and distinct: a number's canonical value is its
    /// index. None: exact (a step that measures writes is still ahead).
    writes: Option<Vec<u64>>,
}

/// A step action that measures the writes in backup files (its duration counts them).
pub fn measures_writes(a: &crate::runbook::Action) -> bool {
    use crate::runbook::Action::*;
    matches!(
        a,
        CopyUncopiedFiles { .. } | RestoreUnappliedLogs { .. } | RestoreLogFile { .. }
    )
}

/// The bits of an LSN in a key (an LSN is below 10^25, under 2^84).
const VALUE: u128 = (1 << 100) - 1;
const _: () = assert!(crate::lsn::LSN_MAX <= VALUE);

/// An LSN of database `db` (its index) as one number: the database above the value.
fn key(db: usize, v: Lsn) -> u128 {
    ((db as u128) << 100) | v.0
}

/// Whether instance `i`'s copies never climb again: DC1's primary and mirror while DC1 is
/// down for good (`dc1_frozen`, `Stepper::dc1_frozen`). They are then no floors.
fn frozen(i: usize, dc1_frozen: bool) -> bool {
    dc1_frozen && (i == Instance::Primary.index() || i == Instance::Mirror.index())
}

/// The files' LSNs and write numbers (`Files::order_of`): files gone for good are left
/// out (the reduced key feeds only their id: `dead::gone`).
fn files_order(w: &World) -> FilesOrder {
    let mut lsns = SmallVec::with_capacity(2 * w.files.len());
    let mut floors = SmallVec::new();
    let mut writes = SmallVec::with_capacity(2 * w.files.len());
    // The full a restore reads is the newest readable one of its database on the share
    // (`backups::newest_full_on_share`; `ConfigureLogShipping` restores the one it has
    // just taken). Those fulls only ever lose their oldest (the retention) or all of them
    // (the share lost, DC1 rebuilt with the share there), and a full never turns
    // unreadable: a later restore reads this one or one taken later (a copy's LSN plus
    // one).
    let newest: [Option<usize>; 2] =
        [Db::Mgc, Db::Mgccomp].map(|db| crate::backups::newest_full_on_share(w, db));
    let restored = super::dead::restored(w);
    for (k, f) in w.files.iter().enumerate() {
        if super::dead::gone(f, &restored) {
            continue;
        }
        let d = f.database.index();
        lsns.push(key(d, f.first_lsn));
        lsns.push(key(d, f.last_lsn));
        if newest.contains(&Some(k)) {
            floors.push(key(d, f.last_lsn));
        }
        for &(a, b) in f.writes.ranges() {
            writes.push(a);
            writes.push(b);
        }
    }
    lsns.sort_unstable();
    lsns.dedup();
    writes.sort_unstable();
    writes.dedup();
    FilesOrder {
        lsns,
        floors,
        writes,
    }
}

impl Relabel {
    /// The relabelling of `w`'s values, made from the world alone (not the files' kept
    /// part): `measured_ahead` when a step that measures writes is still ahead (write
    /// numbers then stay exact). Files gone for good are left out (the reduced key feeds
    /// only their id: `dead::gone`). With `dc1_frozen` (`Stepper::dc1_frozen`), the copies
    /// of DC1's primary and mirror never climb again and are not floors.
    pub fn of(w: &World, measured_ahead: bool, dc1_frozen: bool) -> Relabel {
        let fo = files_order(w);
        let mut vals = fo.lsns.into_vec();
        let mut floors = fo.floors.into_vec();
        for (i, inst) in w.instances.iter().enumerate() {
            let frozen = frozen(i, dc1_frozen);
            for (d, c) in inst.dbs.iter().enumerate() {
                vals.push(key(d, c.lsn));
                vals.push(key(d, c.log_backup_from));
                if !frozen {
                    floors.push(key(d, c.lsn));
                }
            }
        }
        vals.sort_unstable();
        vals.dedup();
        let mut lsns = Vec::with_capacity(vals.len());
        for &k in &vals {
            // The domain: the database and the family.
            let v = k & VALUE;
            let lo = family(Lsn(v)) * FAMILY_SPAN;
            let (klo, khi) = (k - v + lo, k - v + lo + FAMILY_SPAN);
            let domain = || vals.iter().copied().filter(|x| (klo..khi).contains(x));
            let floor = floors
                .iter()
                .copied()
                .filter(|x| (klo..khi).contains(x))
                .min();
            let c = match floor {
                Some(m) if k >= m => lo + domain().filter(|&x| x < m).count() as u128 + (k - m),
                _ => lo + domain().filter(|&x| x < k).count() as u128,
            };
            lsns.push((k, c));
        }
        let writes = (!measured_ahead).then(|| {
            let mut ws = fo.writes.into_vec();
            each_write(w, |x| ws.push(x));
            ws.sort_unstable();
            ws.dedup();
            ws
        });
        Relabel { lsns, writes }
    }

    /// The canonical value of `v`, an LSN of database `db` (its index).
    pub fn lsn(&self, db: usize, v: Lsn) -> u128 {
        let k = key(db, v);
        match self.lsns.binary_search_by(|&(x, _)| x.cmp(&k)) {
            Ok(i) => self.lsns[i].1,
            Err(_) => unreachable!("an LSN the relabelling did not collect: {db} {v}"),
        }
    }

    /// The canonical value of write number `x`.
    pub fn write(&self, x: u64) -> u64 {
        match &self.writes {
            None => x,
            Some(ws) => match ws.binary_search(&x) {
                Ok(i) => i as u64,
                Err(_) => unreachable!("a write number the relabelling did not collect: {x}"),
            },
        }
    }

    fn set(&self, r: &RangeSet) -> RangeSet {
        let mut out = RangeSet::new();
        for &(a, b) in r.ranges() {
            out.add(self.write(a), self.write(b));
        }
        out
    }
}

/// The canonical values the reduced key feeds ([`super::canon::world`]), made in one walk
/// of the sorted values with no table to look them up in: the copies' LSNs by slot, every
/// write number outside the files in the order [`each_write`] gives them, and the files'
/// own values (looked up only when the files' kept hash is made again). The same values as
/// [`Relabel`], the plain form [`apply`] uses for the reference key; the search's tests
/// check the two keys partition the states alike. Filled in place ([`Canonical::fill`]):
/// it is 2.3 KB (its inline vectors), and the key is made millions of times.
#[derive(Default)]
pub struct Canonical {
    /// Per instance and database: the copy's LSN and `log_backup_from`.
    pub copies: [[(u128, u128); 2]; 5],
    /// The write numbers outside the files, in [`each_write`]'s order: by rank, or exact
    /// while a step that measures writes is ahead.
    pub writes: SmallVec<[u64; 48]>,
    /// The acknowledged writes' ranges ([`super::dead::acked`]) among `writes`.
    pub acked: usize,
    fo: Option<Arc<FilesOrder>>,
    /// The canonical value of each of `fo.lsns`, and of `fo.writes` when `ranked`.
    file_lsns: SmallVec<[u128; 64]>,
    file_writes: SmallVec<[u64; 64]>,
    ranked: bool,
}

/// Slots of a copy's two LSNs: (instance * 2 + database) * 2, plus 1 for
/// `log_backup_from`; the low bits of a sort key below the value.
const SLOT_BITS: u32 = 5;
const _: () = assert!(20 <= 1 << SLOT_BITS);
const _: () = assert!(VALUE.leading_zeros() > SLOT_BITS + 2);

/// The bits of a write number's place in `Canonical::writes` when sorted in one word.
const PLACE_BITS: u32 = 12;

/// Every write number a world holds outside its files, in the order the reduced key feeds
/// them: each instance's databases' `writes` then `unbacked` bounds, the acknowledged
/// writes as a set, `acked_failed_over`, `next_write`. Returns the acknowledged ranges.
pub fn each_write(w: &World, mut f: impl FnMut(u64)) -> usize {
    fn ranges(r: &RangeSet, f: &mut impl FnMut(u64)) {
        for &(a, b) in r.ranges() {
            f(a);
            f(b);
        }
    }
    for inst in w.instances.iter() {
        for c in &inst.dbs {
            ranges(&c.writes, &mut f);
            ranges(&c.unbacked, &mut f);
        }
    }
    let mut acked = 0;
    for (a, b) in super::dead::acked(&w.acks) {
        f(a);
        f(b);
        acked += 1;
    }
    ranges(&w.acked_failed_over, &mut f);
    f(w.next_write);
    acked
}

impl Canonical {
    /// `w`'s canonical values, as [`Relabel::of`] gives them (`restored`:
    /// [`super::dead::restored`] of `w`).
    pub fn fill(
        &mut self,
        w: &World,
        measured_ahead: bool,
        dc1_frozen: bool,
        restored: [Option<u32>; 5],
    ) {
        let fo = w.files.order_of(restored, |_| files_order(w));
        // The copies' LSN keys with their slot in the low bits (sorting plain numbers),
        // each database's ten apart (its keys are all below the next's: two sorts of ten,
        // not one of twenty); and the floors: the fulls a restore reads and the copies'
        // LSNs but those of frozen instances.
        let mut copies = [0u128; 20];
        let mut floors: SmallVec<[u128; 16]> = SmallVec::from_slice(&fo.floors);
        for (i, inst) in w.instances.iter().enumerate() {
            let frozen = frozen(i, dc1_frozen);
            for (d, c) in inst.dbs.iter().enumerate() {
                let slot = 2 * (2 * i + d);
                copies[10 * d + 2 * i] = key(d, c.lsn) << SLOT_BITS | slot as u128;
                copies[10 * d + 2 * i + 1] =
                    key(d, c.log_backup_from) << SLOT_BITS | (slot + 1) as u128;
                if !frozen {
                    floors.push(key(d, c.lsn));
                }
            }
        }
        copies[..10].sort_unstable();
        copies[10..].sort_unstable();
        floors.sort_unstable();
        let mut by_slot = [0u128; 20];
        self.file_lsns.clear();
        let fl = &fo.lsns;
        let copy = |j: usize| copies[j] >> SLOT_BITS;
        let (mut i, mut j, mut p) = (0, 0, 0);
        // The domain (a database and a family) being walked: its keys below `khi`, its
        // family's origin `lo`, its floor, the values seen in it and those below the floor.
        let (mut khi, mut lo, mut floor, mut rank, mut below) = (0u128, 0u128, None, 0u128, None);
        while i < fl.len() || j < copies.len() {
            let k = if j == copies.len() || (i < fl.len() && fl[i] <= copy(j)) {
                fl[i]
            } else {
                copy(j)
            };
            if k >= khi {
                // One division a domain: u128 division is slow.
                let v0 = k & VALUE;
                lo = family(Lsn(v0)) * FAMILY_SPAN;
                let klo = k - v0 + lo;
                khi = klo + FAMILY_SPAN;
                while p < floors.len() && floors[p] < klo {
                    p += 1;
                }
                floor = floors.get(p).copied().filter(|&m| m < khi);
                rank = 0;
                below = None;
            }
            let c = match floor {
                Some(m) if k >= m => lo + *below.get_or_insert(rank) + (k - m),
                _ => lo + rank,
            };
            rank += 1;
            if i < fl.len() && fl[i] == k {
                self.file_lsns.push(c);
                i += 1;
            }
            while j < copies.len() && copy(j) == k {
                by_slot[(copies[j] & ((1 << SLOT_BITS) - 1)) as usize] = c;
                j += 1;
            }
        }
        for (i, dbs) in self.copies.iter_mut().enumerate() {
            for (d, c) in dbs.iter_mut().enumerate() {
                *c = (by_slot[4 * i + 2 * d], by_slot[4 * i + 2 * d + 1]);
            }
        }
        self.writes.clear();
        self.acked = each_write(w, |x| self.writes.push(x));
        self.ranked = !measured_ahead;
        self.file_writes.clear();
        if self.ranked {
            // Each number's rank among every number held, the files' and the rest: sorted
            // with its place in `writes` in the low bits.
            // One word each when the numbers leave room for the place (they count writes:
            // millions at most), two otherwise.
            let small = self.writes.len() <= 1 << PLACE_BITS
                && self.writes.iter().all(|&x| x < 1 << (64 - PLACE_BITS));
            if small {
                let mut sorted: SmallVec<[u64; 48]> = self
                    .writes
                    .iter()
                    .enumerate()
                    .map(|(s, &x)| x << PLACE_BITS | s as u64)
                    .collect();
                sorted.sort_unstable();
                self.rank_writes(&fo.writes, &sorted, |e| {
                    (e >> PLACE_BITS, (e & ((1 << PLACE_BITS) - 1)) as usize)
                });
            } else {
                let mut sorted: SmallVec<[u128; 48]> = self
                    .writes
                    .iter()
                    .enumerate()
                    .map(|(s, &x)| u128::from(x) << 64 | s as u128)
                    .collect();
                sorted.sort_unstable();
                self.rank_writes(&fo.writes, &sorted, |e| {
                    ((e >> 64) as u64, e as u64 as usize)
                });
            }
        }
        self.fo = Some(fo);
    }

    /// Each write number's rank among the files' (`fw`, sorted and distinct) and the rest
    /// (`sorted`: each entry a number and its place in `writes`, by `split`).
    fn rank_writes<E: Copy>(
        &mut self,
        fw: &[u64],
        sorted: &[E],
        split: impl Fn(E) -> (u64, usize),
    ) {
        let at = |j: usize| split(sorted[j]).0;
        let (mut i, mut j, mut rank) = (0, 0, 0u64);
        while i < fw.len() || j < sorted.len() {
            let x = if j == sorted.len() || (i < fw.len() && fw[i] <= at(j)) {
                fw[i]
            } else {
                at(j)
            };
            if i < fw.len() && fw[i] == x {
                self.file_writes.push(rank);
                i += 1;
            }
            while j < sorted.len() && at(j) == x {
                self.writes[split(sorted[j]).1] = rank;
                j += 1;
            }
            rank += 1;
        }
    }

    fn fo(&self) -> &FilesOrder {
        self.fo.as_deref().expect("filled")
    }

    /// Where a file's LSN `v` (of database `db`, its index) is among the files' sorted
    /// values: what the files' kept hash holds of it, the canonical values being fed after
    /// ([`Canonical::feed_files`]).
    pub fn lsn_place(&self, db: usize, v: Lsn) -> u64 {
        match self.fo().lsns.binary_search(&key(db, v)) {
            Ok(i) => i as u64,
            Err(_) => unreachable!("an LSN of a file not gone that the files' order lacks"),
        }
    }

    /// Where a file's write number `x` is among the files' sorted ones.
    pub fn write_place(&self, x: u64) -> u64 {
        match self.fo().writes.binary_search(&x) {
            Ok(i) => i as u64,
            Err(_) => unreachable!("a write number of a file the files' order lacks"),
        }
    }

    /// The canonical value of each of the files' sorted LSNs and write numbers (those
    /// exact while a step that measures writes is ahead): with each file's places in them
    /// (the files' kept hash), each file's canonical values.
    pub fn feed_files(&self, h: &mut super::canon::Hasher) {
        h.u64(self.file_lsns.len() as u64);
        for &c in &self.file_lsns {
            h.lsn(c);
        }
        h.bools(&[self.ranked]);
        let fw = &self.fo().writes;
        h.u64(fw.len() as u64);
        for (k, &x) in fw.iter().enumerate() {
            h.u64(if self.ranked { self.file_writes[k] } else { x });
        }
    }
}

/// `w` (already with its dead values canonical: `dead::reduced`) with every LSN and write
/// number replaced by its canonical value: the reference form of what `canon::world` feeds.
pub fn apply(w: &mut World, measured_ahead: bool, dc1_frozen: bool) {
    let r = Relabel::of(w, measured_ahead, dc1_frozen);
    for inst in w.instances.iter_mut() {
        for (k, c) in inst.dbs.iter_mut().enumerate() {
            c.lsn = Lsn(r.lsn(k, c.lsn));
            c.log_backup_from = Lsn(r.lsn(k, c.log_backup_from));
            c.writes = r.set(&c.writes);
            c.unbacked = r.set(&c.unbacked);
        }
    }
    let restored = super::dead::restored(w);
    let gone: Vec<bool> = w
        .files
        .iter()
        .map(|f| super::dead::gone(f, &restored))
        .collect();
    for (f, g) in w.files.iter_mut().zip(gone) {
        if g {
            continue;
        }
        let d = f.database.index();
        f.first_lsn = Lsn(r.lsn(d, f.first_lsn));
        f.last_lsn = Lsn(r.lsn(d, f.last_lsn));
        f.writes = r.set(&f.writes);
    }
    for a in w.acks.iter_mut() {
        a.first_write = r.write(a.first_write);
        a.end_write = r.write(a.end_write);
    }
    w.acked_failed_over = r.set(&w.acked_failed_over);
    w.next_write = r.write(w.next_write);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use crate::topology::Instance;
    use crate::world::FileState;

    /// A world that took a full backup, wrote for `first_s` seconds, took a log backup
    /// (restored on the secondary when `restored`), then wrote 600 s more. The full is
    /// deleted from the share when `full_gone` (the retention).
    fn world(first_s: u64, restored: bool, full_gone: bool) -> World {
        let s = serde_json::from_str::<Scenario>(r#"{"name": "t", "seed": 1}"#).unwrap();
        let mut w = World::new(&s);
        let (p, mgc) = (Instance::Primary, Db::Mgc);
        crate::backups::take_full_backup(&mut w, p, mgc).unwrap();
        w.now = first_s;
        w.advance_workload(first_s);
        crate::backups::append_log_backup(&mut w, p, mgc);
        if restored {
            let f = w.files.last().unwrap().clone();
            let c = w.db_mut(Instance::Backup, mgc);
            crate::backups::apply_log(c, &f);
        }
        if full_gone {
            for f in w.files.iter_mut() {
                if f.kind == crate::world::BackupKind::Full {
                    f.on_share = FileState::Absent;
                }
            }
        }
        w.now = first_s + 600;
        w.advance_workload(first_s + 600);
        w
    }

    /// The world as the reduced key sees it, its clock left out (the two worlds took their
    /// log backup at different seconds; the search compares states at one second).
    fn seen(w: &World, measured_ahead: bool) -> String {
        seen_frozen(w, measured_ahead, false)
    }

    fn seen_frozen(w: &World, measured_ahead: bool, dc1_frozen: bool) -> String {
        let mut r = crate::explore::dead::reduced(w);
        apply(&mut r, measured_ahead, dc1_frozen);
        format!("{:?}", timeless(&r))
    }

    /// `w` with its clock and the files' creation times left out.
    fn timeless(w: &World) -> World {
        let mut w = w.clone();
        w.now = 0;
        w.advanced_to = 0;
        for f in w.files.iter_mut() {
            f.created_at = 0;
        }
        w
    }

    /// `w` with the mirror's copy left below the gap, as DC1's copies are after the
    /// disaster.
    fn low(mut w: World) -> World {
        let first = w.files.last().unwrap().first_lsn;
        w.db_mut(Instance::Mirror, Db::Mgc).lsn = first;
        w
    }

    #[test]
    fn a_gap_in_the_writes_is_fed_alike_only_where_no_rule_can_tell() {
        // 300 s of writes before the log backup against 900 s: the log file, every later
        // write number and LSN differ.
        let (a, b) = (world(300, true, true), world(900, true, true));
        assert!(a.next_write < b.next_write, "the gap holds writes");
        assert_ne!(format!("{:?}", a.files), format!("{:?}", b.files));
        // Below the least copy (the secondary restored the log) and with no step left that
        // measures writes: alike.
        assert_eq!(seen(&a, false), seen(&b, false));
        // A step that measures writes is ahead (a copy or restore of the log file): apart.
        assert_ne!(seen(&a, true), seen(&b, true));
        // The secondary still below the log file: its redo point could climb past the
        // file's LSNs by a number of writes the gap decides: apart.
        let (a, b) = (world(300, false, true), world(900, false, true));
        assert_ne!(seen(&a, false), seen(&b, false));
        // The full a restore would read lies below the gap: a copy restored from it climbs
        // past the gap's LSNs: apart.
        let (a, b) = (world(300, true, false), world(900, true, false));
        assert_ne!(seen(&a, false), seen(&b, false));
    }

    #[test]
    fn a_copy_in_a_dc1_down_for_good_is_no_floor() {
        // The mirror's copy left below the gap (as DC1's copies are after the disaster):
        // it is the least copy, and the gap above it is kept exact, unless DC1 is down for
        // good (its copies never climb again).
        let (a, b) = (low(world(300, true, true)), low(world(900, true, true)));
        assert_ne!(seen_frozen(&a, false, false), seen_frozen(&b, false, false));
        assert_eq!(seen_frozen(&a, false, true), seen_frozen(&b, false, true));
    }

    /// The fast key (`canon::world`: the files' places kept in their hash, the canonical
    /// values fed after) tells apart exactly the worlds the reference tells apart, over
    /// the pairs the order tests build around a gap in the writes.
    #[test]
    fn the_fast_key_tells_apart_what_the_reference_does() {
        let fast = |w: &World, ahead: bool, frozen: bool| {
            let mut h = crate::explore::canon::Hasher::new();
            crate::explore::canon::world(&mut h, &timeless(w), true, ahead, frozen);
            h.finish()
        };
        let mut worlds = Vec::new();
        for (restored, full_gone) in [(true, true), (false, true), (true, false)] {
            worlds.push((
                world(300, restored, full_gone),
                world(900, restored, full_gone),
            ));
        }
        worlds.push((low(world(300, true, true)), low(world(900, true, true))));
        // A log file above the secondary's redo point one LSN shorter, every copy alike:
        // only the files' canonical values tell the two apart.
        let long = world(900, false, true);
        let mut short = long.clone();
        let log = short.files.last_mut().unwrap();
        log.first_lsn = Lsn(log.first_lsn.0 + 1);
        assert!(log.first_lsn < log.last_lsn);
        assert!(long.db(Instance::Backup, Db::Mgc).lsn < log.first_lsn);
        worlds.push((long, short));
        let mut apart = 0;
        for (a, b) in &worlds {
            for (ahead, frozen) in [(false, false), (true, false), (false, true)] {
                let reference = seen_frozen(a, ahead, frozen) == seen_frozen(b, ahead, frozen);
                assert_eq!(fast(a, ahead, frozen) == fast(b, ahead, frozen), reference);
                apart += usize::from(!reference);
            }
        }
        assert!(apart > 0 && apart < 15, "{apart} of 15 pairs apart");
    }

    /// The key's values (`Canonical`, one walk, the files' part kept) are the reference
    /// table's (`Relabel`), value by value, in every mode the order tests use.
    #[test]
    fn the_keys_values_are_the_reference_tables() {
        for (first, restored, full_gone) in
            [(300, true, true), (900, false, true), (900, true, false)]
        {
            let w = world(first, restored, full_gone);
            for (ahead, frozen) in [(false, false), (true, false), (false, true), (true, true)] {
                let r = Relabel::of(&w, ahead, frozen);
                let mut c = Canonical::default();
                c.fill(&w, ahead, frozen, crate::explore::dead::restored(&w));
                for (i, inst) in w.instances.iter().enumerate() {
                    for (d, copy) in inst.dbs.iter().enumerate() {
                        let want = (r.lsn(d, copy.lsn), r.lsn(d, copy.log_backup_from));
                        assert_eq!(c.copies[i][d], want, "instance {i}, database {d}");
                    }
                }
                let mut plain = Vec::new();
                let acked = each_write(&w, |x| plain.push(r.write(x)));
                assert_eq!(c.writes.as_slice(), plain.as_slice());
                assert_eq!(c.acked, acked);
                let lsn = |d: usize, v: Lsn| c.file_lsns[c.lsn_place(d, v) as usize];
                let write = |x: u64| {
                    if ahead {
                        x
                    } else {
                        c.file_writes[c.write_place(x) as usize]
                    }
                };
                for f in w
                    .files
                    .iter()
                    .filter(|f| !crate::explore::dead::gone(f, &crate::explore::dead::restored(&w)))
                {
                    let d = f.database.index();
                    assert_eq!(lsn(d, f.first_lsn), r.lsn(d, f.first_lsn));
                    assert_eq!(lsn(d, f.last_lsn), r.lsn(d, f.last_lsn));
                    for &(a, b) in f.writes.ranges() {
                        assert_eq!((write(a), write(b)), (r.write(a), r.write(b)));
                    }
                }
            }
        }
    }

    #[test]
    fn canonical_values_keep_order_family_and_distances_above_the_floor() {
        let w = world(900, true, true);
        let r = Relabel::of(&w, false, false);
        let mut lsns: Vec<(usize, Lsn)> = Vec::new();
        for inst in w.instances.iter() {
            for (k, c) in inst.dbs.iter().enumerate() {
                lsns.push((k, c.lsn));
                lsns.push((k, c.log_backup_from));
            }
        }
        for f in w
            .files
            .iter()
            .filter(|f| !crate::explore::dead::gone(f, &crate::explore::dead::restored(&w)))
        {
            lsns.push((f.database.index(), f.first_lsn));
            lsns.push((f.database.index(), f.last_lsn));
        }
        for &(d, x) in &lsns {
            assert_eq!(family(Lsn(r.lsn(d, x))), family(x), "family kept");
            for &(e, y) in &lsns {
                if d == e {
                    assert_eq!(r.lsn(d, x).cmp(&r.lsn(e, y)), x.cmp(&y), "order kept");
                }
            }
        }
        // The primary and its synchronized mirror sit at the top: their distance to the
        // secondary's redo point (the floor) is kept exactly.
        let (p, s) = (
            w.db(Instance::Primary, Db::Mgc).lsn,
            w.db(Instance::Backup, Db::Mgc).lsn,
        );
        assert!(p > s);
        assert_eq!(r.lsn(0, p) - r.lsn(0, s), p.0 - s.0);
        // Write numbers by rank: 0, 1, 2, ... in order.
        let x = w.next_write;
        assert!(r.write(x) < x && r.write(0) == 0);
    }
}
