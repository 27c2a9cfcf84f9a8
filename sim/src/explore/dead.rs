//! Dead values (the reduced key's fourth reduction, docs/explore.md "Reductions"): fields of
//! the world that no later transition, invariant, liveness check or `sometimes` property
//! reads before it overwrites them. Two states that differ only there play the same futures
//! with the same verdicts, so the reduced key feeds a canonical value instead (SPIN's
//! dead-variable reduction). Every reader was audited by grep over `sim/src`:
//!
//! - `Mirroring::since` is read once, by `World::reconcile_mirroring`, of the principal's
//!   session while it is SYNCHRONIZING; every entry into SYNCHRONIZING writes it on both
//!   partners first (a rejoin, or DISCONNECTED -> SYNCHRONIZING), and `Mirroring::new`
//!   starts SYNCHRONIZED. Dead outside SYNCHRONIZING.
//! - `LsSecondary::last_copied_file` and `last_restored_latency_min` are written by the
//!   copy and restore runs and by F-steps, and read only by `observe` (a step's record for
//!   `drill run`'s report and `drill replay`), never by a rule or an invariant.
//! - `BackupFile::checkpoint_lsn` is read only to set the next full backup's
//!   `database_backup_lsn`, which nothing in the engine reads (the restore planner
//!   `sim::plan`, which does, is not part of a run).
//! - `AckSegment::t0`/`t1` (when writes were acknowledged) feed the RPO in seconds, a
//!   report figure; the acknowledged writes as a set feed `writes_lost` (coverage) and stay.
//!   How the set is cut into segments is dead too (only `ack_time`, for the RPO, reads it).
//! - A backup file gone from both the share and the copy folder comes back by no job, step
//!   or fault (`jobs::skip_gone`); every scan filters on `on_share` / `in_copy_folder`. Only
//!   its position (its id: the next file's id is `files.len() + 1`) and, when it is the
//!   secondary's `last_restored_file`, what `dr_posture_restored` reads of it (kind,
//!   source, writes) stay.

use crate::world::*;

/// `since` as the reduced key sees it.
pub fn since(m: &Mirroring) -> u64 {
    if m.state == MirrorState::Synchronizing {
        m.since
    } else {
        0
    }
}

/// A file nothing can read again but through its id (see the module's comment):
/// `restored` is [`restored`] of its world.
pub fn gone(f: &BackupFile, restored: &[Option<u32>; 5]) -> bool {
    f.on_share == FileState::Absent
        && f.in_copy_folder == FileState::Absent
        && !restored.contains(&Some(f.id))
}

/// The file each instance's secondary configuration last restored (by index): what
/// `dr_posture_restored` reads, so such a file stays live when it is gone (`gone`).
pub fn restored(w: &World) -> [Option<u32>; 5] {
    std::array::from_fn(|k| {
        w.instances[k]
            .ls_secondary
            .and_then(|s| s.last_restored_file)
    })
}

/// The acknowledged writes as a set: the segments merged where they touch.
pub fn acked(acks: &[AckSegment]) -> impl Iterator<Item = (u64, u64)> + '_ {
    let mut it = acks.iter().peekable();
    std::iter::from_fn(move || {
        let s = it.next()?;
        let (a, mut b) = (s.first_write, s.end_write);
        while let Some(n) = it.peek() {
            if n.first_write != b {
                break;
            }
            b = n.end_write;
            it.next();
        }
        Some((a, b))
    })
}

/// The world with every dead value canonical: the reference form of what the reduced key
/// feeds (`Stepper::canonical_reduced` prints it; `canon::world` feeds the same values).
pub fn reduced(w: &World) -> World {
    let mut r = w.clone();
    for i in r.instances.iter_mut() {
        for d in i.dbs.iter_mut() {
            if let Some(m) = d.mirroring.as_mut() {
                m.since = since(m);
            }
        }
        if let Some(s) = i.ls_secondary.as_mut() {
            s.last_copied_file = None;
            s.last_restored_latency_min = None;
        }
    }
    let restored = restored(w);
    let gone: Vec<bool> = w.files.iter().map(|f| gone(f, &restored)).collect();
    for (f, g) in r.files.iter_mut().zip(gone) {
        f.checkpoint_lsn = crate::lsn::Lsn::ZERO;
        f.database_backup_lsn = crate::lsn::Lsn::ZERO;
        if g {
            *f = placeholder(f.id);
        }
    }
    r.acks = acked(&w.acks)
        .map(|(a, b)| AckSegment {
            first_write: a,
            end_write: b,
            t0: 0,
            t1: 0,
        })
        .collect();
    r
}

/// What stands for a gone file: its id only.
fn placeholder(id: u32) -> BackupFile {
    BackupFile {
        id,
        database: crate::topology::Db::Mgc,
        kind: BackupKind::Log,
        first_lsn: crate::lsn::Lsn::ZERO,
        last_lsn: crate::lsn::Lsn::ZERO,
        checkpoint_lsn: crate::lsn::Lsn::ZERO,
        database_backup_lsn: crate::lsn::Lsn::ZERO,
        created_at: 0,
        source: crate::topology::Instance::Primary,
        writes: crate::ranges::RangeSet::new(),
        on_share: FileState::Absent,
        in_copy_folder: FileState::Absent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::Instance;

    fn seg(a: u64, b: u64, t0: u64, t1: u64) -> AckSegment {
        AckSegment {
            first_write: a,
            end_write: b,
            t0,
            t1,
        }
    }

    #[test]
    fn acknowledged_writes_as_a_set_whatever_the_segments() {
        // Cut at another second (a pause in the workload) but the same writes: one range.
        let a = [seg(0, 10, 0, 60), seg(10, 30, 120, 240)];
        let b = [seg(0, 30, 0, 180)];
        assert_eq!(acked(&a).collect::<Vec<_>>(), vec![(0, 30)]);
        assert_eq!(acked(&a).collect::<Vec<_>>(), acked(&b).collect::<Vec<_>>());
        // A gap in the writes stays a gap.
        let c = [seg(0, 10, 0, 60), seg(11, 30, 60, 180)];
        assert_eq!(acked(&c).collect::<Vec<_>>(), vec![(0, 10), (11, 30)]);
        assert_eq!(acked(&[]).count(), 0);
    }

    #[test]
    fn since_is_kept_only_while_synchronizing() {
        let mut m = Mirroring::new(MirrorRole::Principal, Instance::Mirror, true);
        m.since = 1800;
        assert_eq!(since(&m), 0);
        m.state = MirrorState::Synchronizing;
        assert_eq!(since(&m), 1800);
        m.state = MirrorState::Disconnected;
        assert_eq!(since(&m), 0);
    }
}
