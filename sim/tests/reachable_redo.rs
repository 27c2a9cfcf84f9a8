//! `best_reachable_redo` walks the files in id order when their LSNs rise with it (the
//! usual case) instead of collecting and sorting them: pinned against the sorted walk on
//! random sets of log backups, in id order and shuffled.

mod common;
use common::*;
use sim::backups::best_reachable_redo;
use sim::fault::Fault;
use sim::lsn::{check_log_restore, Lsn};
use sim::ranges::RangeSet;
use sim::rng::Rng;
use sim::topology::{Db, Dc, Instance};
use sim::world::{BackupFile, BackupKind, FileState, World};

/// The definition: every reachable log backup in (first, last, id) order, each restored
/// when the log rule allows it; and whether they were in that order already (the walk in id
/// order applies).
fn reference(w: &World, db: Db, redo: Lsn) -> (Lsn, bool) {
    let share_ok = w.share_reachable(Dc::Dc2);
    let mut cands: Vec<&BackupFile> = w
        .files
        .iter()
        .filter(|f| {
            f.database == db
                && f.kind == BackupKind::Log
                && (f.in_copy_folder == FileState::Readable
                    || (share_ok && f.on_share == FileState::Readable))
        })
        .collect();
    let in_order = cands.is_sorted_by_key(|f| (f.first_lsn, f.last_lsn, f.id));
    cands.sort_by_key(|f| (f.first_lsn, f.last_lsn, f.id));
    let chain = cands.iter().fold(redo, |r, f| {
        check_log_restore(r, f.first_lsn, f.last_lsn).unwrap_or(r)
    });
    (chain, in_order)
}

fn state(rng: &mut Rng) -> FileState {
    [
        FileState::Absent,
        FileState::Readable,
        FileState::Unreadable,
    ][rng.below(3) as usize]
}

/// A chain of log backups with some overlaps, gaps and other kinds and databases mixed in.
fn files(rng: &mut Rng) -> Vec<BackupFile> {
    let mut lsn = 100u128;
    (1..=rng.below(12) as u32 + 1)
        .map(|id| {
            let first = if rng.below(4) == 0 {
                lsn - rng.below(40) as u128
            } else {
                lsn
            };
            let last = first + rng.below(50) as u128;
            lsn = last + u128::from(rng.below(5) == 0) * 10;
            BackupFile {
                id,
                database: if rng.below(6) == 0 {
                    Db::Mgccomp
                } else {
                    Db::Mgc
                },
                kind: if rng.below(8) == 0 {
                    BackupKind::Full
                } else {
                    BackupKind::Log
                },
                first_lsn: Lsn(first),
                last_lsn: Lsn(last),
                checkpoint_lsn: Lsn(first),
                database_backup_lsn: Lsn(0),
                created_at: u64::from(id) * 300,
                source: Instance::Primary,
                writes: RangeSet::new(),
                on_share: state(rng),
                in_copy_folder: state(rng),
            }
        })
        .collect()
}

#[test]
fn id_order_walk_is_the_sorted_walk() {
    let mut w = world();
    let mut rng = Rng::new(14);
    let (mut sorted, mut shuffled) = (0, 0);
    for case in 0..4000 {
        let mut fs = files(&mut rng);
        if case % 2 == 1 {
            // Fisher-Yates: the ids no longer follow the LSNs.
            for i in (1..fs.len()).rev() {
                fs.swap(i, rng.below(i as u64 + 1) as usize);
            }
        }
        *w.files = fs;
        // The share reachable from DC2 or not, in turns of four cases.
        let share = if case % 8 < 4 {
            Fault::ShareUp
        } else {
            Fault::ShareDown
        };
        sim::outage::apply(&mut w, &share);
        let redo = Lsn(80 + u128::from(rng.below(120)));
        for db in [Db::Mgc, Db::Mgccomp] {
            let (chain, in_order) = reference(&w, db, redo);
            assert_eq!(
                best_reachable_redo(&w, db, redo),
                chain,
                "case {case}, {db:?}, redo {redo:?}"
            );
            if in_order {
                sorted += 1
            } else {
                shuffled += 1
            }
        }
    }
    // Both paths were taken many times (counted on the reachable files, which decide).
    assert!(
        sorted > 1000 && shuffled > 1000,
        "{sorted} sorted, {shuffled} shuffled"
    );
}
