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
//! `Relabel::of` maps each value; `canon::world` feeds the mapped values and
//! [`apply`] gives the same world for the reference key (`Stepper::canonical_reduced`).

use crate::files::FilesOrder;
use crate::lsn::Lsn;
use crate::ranges::RangeSet;
use crate::topology::{Db, Instance};
use crate::world::{family, World, FAMILY_SPAN};

/// The canonical value of each LSN (by database) and write number of a world.
pub struct Relabel {
    /// (`key(database, value)`, canonical), sorted, one entry a value; empty: identity.
    lsns: Vec<(u128, u128)>,
    /// The held write numbers, sorted and distinct: a number's canonical value is its
    /// index. None: exact (a step that measures writes is still ahead).
    writes: Option<Vec<u64>>,
    identity: bool,
    files_image: u128,
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

/// The files' LSNs and write numbers (`Files::order_of`): files gone for good are left
/// out (the reduced key feeds only their id: `dead::gone`).
fn files_order(w: &World) -> FilesOrder {
    let mut lsns = Vec::with_capacity(2 * w.files.len());
    let mut floors = Vec::with_capacity(2);
    let mut writes = Vec::with_capacity(2 * w.files.len());
    // The full a restore reads is the newest readable one of its database on the share
    // (`backups::newest_full_on_share`; `ConfigureLogShipping` restores the one it has
    // just taken). Those fulls only ever lose their oldest (the retention) or all of them
    // (the share lost, DC1 rebuilt with the share there), and a full never turns
    // unreadable: a later restore reads this one or one taken later (a copy's LSN plus
    // one).
    let newest: [Option<usize>; 2] =
        [Db::Mgc, Db::Mgccomp].map(|db| crate::backups::newest_full_on_share(w, db));
    for (k, f) in w.files.iter().enumerate() {
        if super::dead::gone(w, f) {
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

/// Two sorted lists as one, sorted, each value once.
fn merged<T: Ord + Copy>(a: &[T], b: &[T]) -> Vec<T> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let x = if j == b.len() || (i < a.len() && a[i] <= b[j]) {
            i += 1;
            a[i - 1]
        } else {
            j += 1;
            b[j - 1]
        };
        if out.last() != Some(&x) {
            out.push(x);
        }
    }
    out
}

impl Relabel {
    /// Every value as it is (the unreduced key).
    pub fn identity() -> Relabel {
        Relabel {
            lsns: Vec::new(),
            writes: None,
            identity: true,
            files_image: 0,
        }
    }

    pub fn is_identity(&self) -> bool {
        self.identity
    }

    /// The relabelling of `w`'s values: `measured_ahead` when a step that measures writes
    /// is still ahead (write numbers then stay exact). Files gone for good are left out
    /// (the reduced key feeds only their id: `dead::gone`).
    /// With `dc1_frozen` (`Stepper::dc1_frozen`), the copies of DC1's primary and mirror
    /// never climb again and are not floors.
    pub fn of(w: &World, measured_ahead: bool, dc1_frozen: bool) -> Relabel {
        let keep_writes = !measured_ahead;
        // The files' part, kept with them (`Files::order_of`).
        let fo = w
            .files
            .order_of(super::dead::restored(w), |_| files_order(w));
        // An LSN of database d as one number, `key(d, v)`, sorted by database then value
        // (sorting and searching u128s, not pairs: this runs for every key).
        let mut copies: Vec<u128> = Vec::with_capacity(24);
        // The floor of each domain: the copies' LSNs and the last LSN of the full a restore
        // would read.
        let mut floors: Vec<u128> = fo.floors.clone();
        let mut more_writes: Vec<u64> = Vec::with_capacity(32);
        let ranges = |r: &RangeSet, out: &mut Vec<u64>| {
            for &(a, b) in r.ranges() {
                out.push(a);
                out.push(b);
            }
        };
        for (i, inst) in w.instances.iter().enumerate() {
            let frozen =
                dc1_frozen && (i == Instance::Primary.index() || i == Instance::Mirror.index());
            for (d, c) in inst.dbs.iter().enumerate() {
                copies.push(key(d, c.lsn));
                copies.push(key(d, c.log_backup_from));
                if !frozen {
                    floors.push(key(d, c.lsn));
                }
                if keep_writes {
                    ranges(&c.writes, &mut more_writes);
                    ranges(&c.unbacked, &mut more_writes);
                }
            }
        }
        let writes = keep_writes.then(|| {
            for (a, b) in super::dead::acked(&w.acks) {
                more_writes.push(a);
                more_writes.push(b);
            }
            ranges(&w.acked_failed_over, &mut more_writes);
            more_writes.push(w.next_write);
            more_writes.sort_unstable();
            merged(&fo.writes, &more_writes)
        });
        copies.sort_unstable();
        let vals = merged(&fo.lsns, &copies);
        floors.sort_unstable();
        let mut lsns = Vec::with_capacity(vals.len());
        let mut i = 0;
        while i < vals.len() {
            // One domain: a database and a family, the keys from `lo` to below `hi`. One
            // division a domain: u128 division is slow.
            let v0 = vals[i] & VALUE;
            let lo = family(Lsn(v0)) * FAMILY_SPAN;
            let (klo, khi) = (vals[i] - v0 + lo, vals[i] - v0 + lo + FAMILY_SPAN);
            let end = i + vals[i..].iter().take_while(|&&k| k < khi).count();
            let floor = floors.iter().copied().find(|k| (klo..khi).contains(k));
            let below = vals[i..end]
                .iter()
                .take_while(|&&k| floor.is_none_or(|m| k < m))
                .count() as u128;
            for (rank, &k) in vals[i..end].iter().enumerate() {
                let c = match floor {
                    Some(m) if k >= m => lo + below + (k - m),
                    _ => lo + rank as u128,
                };
                lsns.push((k, c));
            }
            i = end;
        }
        // What the key gives the files' values, as one hash: the files' kept hash holds
        // while it is unchanged (both lists are sorted, so each is a walk).
        let mut h = super::canon::Hasher::new();
        let mut j = 0;
        for &k in &fo.lsns {
            while lsns[j].0 < k {
                j += 1;
            }
            h.u128(lsns[j].1);
        }
        h.u64(u64::MAX);
        h.bools(&[writes.is_some()]);
        if let Some(ws) = &writes {
            let mut j = 0;
            for &x in &fo.writes {
                while ws[j] < x {
                    j += 1;
                }
                h.u64(j as u64);
            }
        }
        Relabel {
            lsns,
            writes,
            identity: false,
            files_image: h.finish() | 1,
        }
    }

    /// A hash of the canonical values of the files' LSNs and write numbers (0: identity).
    pub fn files_image(&self) -> u128 {
        self.files_image
    }

    /// The canonical value of `v`, an LSN of database `db` (its index).
    pub fn lsn(&self, db: usize, v: Lsn) -> u128 {
        if self.identity {
            return v.0;
        }
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
    let gone: Vec<bool> = w.files.iter().map(|f| super::dead::gone(w, f)).collect();
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
        r.now = 0;
        r.advanced_to = 0;
        for f in r.files.iter_mut() {
            f.created_at = 0;
        }
        format!("{r:?}")
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
        let low = |mut w: World| {
            let first = w.files.last().unwrap().first_lsn;
            w.db_mut(Instance::Mirror, Db::Mgc).lsn = first;
            w
        };
        let (a, b) = (low(world(300, true, true)), low(world(900, true, true)));
        assert_ne!(seen_frozen(&a, false, false), seen_frozen(&b, false, false));
        assert_eq!(seen_frozen(&a, false, true), seen_frozen(&b, false, true));
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
            .filter(|f| !crate::explore::dead::gone(&w, f))
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
