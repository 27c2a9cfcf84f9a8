//! Quiet periods in closed form: while no fault, step or phase start is pending and every
//! log-shipping job run would leave the world as it is (the jobs have nothing to do, or fail
//! the same way each time), the runs up to the next thing that matters are accounted at once
//! instead of one event each: their count, the jobs' next runs and their order, the work
//! done, and the workload the backup runs would have advanced. A 60-day wait costs what a
//! 1-day one does.
//!
//! What "leave the world as it is" means is read off `jobs`: each predicate below mirrors
//! one job's code path by path, and answers "no change" only where that path writes
//! nothing (flags it sets must already be set). Time enters a job only through retention
//! ("delete files older than"), so the restore job's quiet period ends when the oldest file
//! in the copy folder comes of age.

use crate::assumptions::{MirrorLogShippingConfig, Name};
use crate::fault::Job;
use crate::jobs::{backup_path, copy_path, restore_path, BackupPath, CopyPath};
use crate::lsn::{check_log_restore, is_empty_log, LogRuleError};
use crate::topology::{Db, Instance};
use crate::world::{BackupKind, FileState, World};

/// The earliest simulated time at which a run of any log-shipping job could change `w`,
/// assuming nothing else changes it first; `now` if a run now would. `u64::MAX`: never.
pub fn jobs_quiet_until(w: &World, retention_s: u64) -> u64 {
    if !backup_quiet(w) || !copy_quiet(w) {
        return w.now;
    }
    restore_quiet_until(w, retention_s)
}

/// The backup job (`jobs::backup`) changes nothing: every instance with a primary
/// configuration is skipped (disabled, down, database unavailable) or fails on the job
/// failing (which writes nothing and deletes nothing).
pub(crate) fn backup_quiet(w: &World) -> bool {
    if w.assumptions.mirror_log_shipping_config == MirrorLogShippingConfig::NotConfigured
        && w.db(Instance::Mirror, Db::Mgc).available
        && !w.used.contains(Name::MirrorLogShippingConfig)
    {
        return false;
    }
    for i in crate::jobs::BACKUP_INSTANCES {
        if crate::jobs::backup_source(w, i).is_none() {
            continue;
        }
        if w.job_failing[Job::Backup as usize] {
            continue;
        }
        // It would take a log backup (or try to, and then apply the retention).
        return false;
    }
    true
}

/// The copy job (`jobs::copy`) changes nothing: not configured, failing, or nothing new.
fn copy_quiet(w: &World) -> bool {
    match copy_path(w) {
        CopyPath::Blocked => return true,
        CopyPath::BlockedDiskFull => return w.used.contains(Name::DiskFullScope),
        CopyPath::Copies(_) => {}
    }
    !w.files[w.live_from..].iter().any(|f| {
        f.kind == BackupKind::Log
            && f.on_share == FileState::Readable
            && f.in_copy_folder == FileState::Absent
    })
}

/// Until when the restore job (`jobs::restore`) changes nothing: it restores nothing (no
/// new log, or the next one fails without a trace), and its retention deletes nothing
/// before the oldest file in the copy folder is older than the retention.
fn restore_quiet_until(w: &World, retention_s: u64) -> u64 {
    let Some((db, restorable)) = restore_path(w) else {
        return u64::MAX;
    };
    if restorable {
        // `backups::restore_logs_from_copy_folder`: skipped files set a flag, the first new
        // log in LSN order is restored (a change) or fails (3201 unreadable, 4305/4326).
        let redo = w.db(Instance::Backup, db).lsn;
        let mut skipped = false;
        let mut first: Option<&crate::world::BackupFile> = None;
        for f in &w.files[w.live_from..] {
            if f.database != db
                || f.kind != BackupKind::Log
                || f.in_copy_folder == FileState::Absent
            {
                continue;
            }
            if f.last_lsn <= redo || is_empty_log(f.first_lsn, f.last_lsn) {
                skipped = true;
            } else if first
                .is_none_or(|g| (f.first_lsn, f.last_lsn, f.id) < (g.first_lsn, g.last_lsn, g.id))
            {
                first = Some(f);
            }
        }
        match first {
            None if skipped && !w.coverage.log_file_skipped => return w.now,
            None => {}
            Some(f) if f.in_copy_folder == FileState::Unreadable => {}
            Some(f) => match check_log_restore(redo, f.first_lsn, f.last_lsn) {
                Ok(_) => return w.now,
                Err(LogRuleError::TooRecent { .. }) if !w.coverage.hit_4305 => return w.now,
                Err(_) => {}
            },
        }
    }
    // The retention runs after the restore, whatever its outcome: a file goes when
    // created_at < now - retention_s. The oldest file in the copy folder goes first, and
    // the files are in creation order: the first one found is the oldest.
    w.files[w.live_from..]
        .iter()
        .find(|f| f.in_copy_folder != FileState::Absent)
        .map_or(u64::MAX, |f| {
            f.created_at.saturating_add(retention_s).saturating_add(1)
        })
}

/// Steady log shipping: the source a period of the three jobs (backup, then copy, then
/// restore, each once) would ship from, when each such period does exactly this and nothing
/// else: the backup job takes one log backup on that instance (the only one it runs on) and
/// succeeds; the copy job copies that file and nothing else; the restore job restores it
/// and nothing else. Checked here once; none of it is changed by such a period, so it holds
/// for every period until the next event. `None`: not steady, play the runs one by one.
pub fn steady_source(w: &World) -> Option<(Instance, Db)> {
    // The backup job (`jobs::backup`): exactly one instance takes the backup and succeeds,
    // and every note it makes is made already.
    let BackupPath::One {
        source: p,
        db,
        note_mirror,
    } = backup_path(w)
    else {
        return None;
    };
    if (note_mirror && !w.used.contains(Name::MirrorLogShippingConfig))
        || !w.used.contains(Name::LogShippingSchedule)
    {
        return None;
    }
    let c = w.db(p, db);
    // The copy job (`jobs::copy`) runs and can copy.
    if !matches!(copy_path(w), CopyPath::Copies(Some(d)) if d == db) {
        return None;
    }
    // The restore job (`jobs::restore`) runs, and its loop restores onto the point where
    // the next log backup begins (skipped files set a flag already set).
    let redo = w.db(Instance::Backup, db).lsn;
    if restore_path(w) != Some((db, true))
        || !w.coverage.log_file_skipped
        || redo != c.log_backup_from
    {
        return None;
    }
    // Nothing else waits to be copied or restored. (Nor will anything: a file leaves the
    // copy folder at a restore run, `retention_s` after it was made, and the share at the
    // next backup run, before the next copy run could copy it again; see `ship_period`.)
    let waiting = w.files[w.live_from..].iter().any(|f| {
        f.kind == BackupKind::Log
            && ((f.on_share == FileState::Readable && f.in_copy_folder == FileState::Absent)
                || (f.database == db
                    && f.in_copy_folder != FileState::Absent
                    && f.last_lsn > redo
                    && !is_empty_log(f.first_lsn, f.last_lsn)))
    });
    (!waiting).then_some((p, db))
}

/// One steady period from [`steady_source`]: the backup run at `b` (the workload advanced
/// to it, as the event loop does for a backup run), the copy run at `c`, the restore run
/// at `r` (`b < c < r`). The retention of these runs is left to [`retention`], once for
/// all periods: it deletes by age only, and with `r - b` shorter than the retention a file
/// it deletes is not one a later run of the period reads. False if the backup failed
/// (never, after `steady_source`).
pub fn ship_period(w: &mut World, (p, db): (Instance, Db), b: u64, c: u64, r: u64) -> bool {
    w.now = b;
    w.advance_workload(b);
    let Ok(id) = crate::backups::take_log_backup(w, p, db) else {
        return false;
    };
    let k = id as usize - 1;
    w.now = c;
    w.files[k].in_copy_folder = FileState::Readable;
    if let Some(cfg) = w.inst_mut(Instance::Backup).ls_secondary.as_mut() {
        cfg.last_copied_file = Some(id);
    }
    w.now = r;
    if crate::backups::roll_forward(w, Instance::Backup, db, k).is_err() {
        return false;
    }
    if let Some(s) = w.inst_mut(Instance::Backup).ls_secondary.as_mut() {
        s.last_restored_file = Some(id);
        s.last_restored_latency_min = Some((r - b) / 60);
    }
    true
}

/// The retention of the last backup run (on the share, at `b`) and restore run (in the copy
/// folder, at `r`) of steady periods: each deletes what is older than its horizon, so the
/// last ones delete all that the earlier ones did.
pub fn retention(w: &mut World, b: u64, r: u64, retention_s: u64) {
    for f in crate::jobs::older_than(w, b.saturating_sub(retention_s)) {
        f.on_share = FileState::Absent;
    }
    for f in crate::jobs::older_than(w, r.saturating_sub(retention_s)) {
        f.in_copy_folder = FileState::Absent;
    }
    crate::jobs::skip_gone(w);
}

/// One job's schedule as the event loop keeps it: next run (time, scheduling sequence) and
/// its interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub next: (u64, u64),
    pub interval: u64,
}

/// The runs of the three jobs strictly before `end`, accounted at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// Runs per job.
    pub runs: [u64; 3],
    /// Each job's next run after them, with the sequence number the event loop would have
    /// given it (`seq` is the loop's counter before the runs).
    pub next: [(u64, u64); 3],
    /// The loop's counter after them.
    pub seq: u64,
    /// The time of the last of them (the simulated clock after them).
    pub last_t: u64,
}

/// Which of job `j`'s and job `k`'s runs at the same time `t` (both at or after their next
/// runs) the event loop takes first: ties go by scheduling sequence, and a run is scheduled
/// when its job's previous run is processed, so the order follows the previous runs'.
fn runs_first(s: &[Schedule; 3], j: usize, k: usize, t: u64) -> bool {
    let (fj, fk) = (t == s[j].next.0, t == s[k].next.0);
    match (fj, fk) {
        (true, true) => s[j].next.1 < s[k].next.1,
        // A run scheduled before the quiet period precedes every run scheduled in it.
        (true, false) => true,
        (false, true) => false,
        (false, false) => {
            let (pj, pk) = (t - s[j].interval, t - s[k].interval);
            if pj != pk {
                pj < pk
            } else if s[j].next.0 != s[k].next.0 {
                // Equal intervals: going back, the one whose first run is later reaches it
                // first, and that run was scheduled before the period.
                s[j].next.0 > s[k].next.0
            } else {
                s[j].next.1 < s[k].next.1
            }
        }
    }
}

/// The runs of the three jobs before `end` in closed form (no iteration over them).
/// Intervals must be at least 1.
pub fn skip_runs(s: &[Schedule; 3], seq: u64, end: u64) -> Skipped {
    // Each job's runs and the time of its last one, from one division each (the last run is
    // `q` intervals after the first; 0 when it has none, which no time before it equals).
    let mut runs = [0u64; 3];
    let mut last = [0u64; 3];
    for j in 0..3 {
        let (t, i) = (s[j].next.0, s[j].interval);
        if t < end {
            let q = (end - 1 - t) / i;
            runs[j] = q + 1;
            last[j] = t + q * i;
        }
    }
    let total = runs[0] + runs[1] + runs[2];
    let mut next = [s[0].next, s[1].next, s[2].next];
    for j in 0..3 {
        if runs[j] == 0 {
            continue;
        }
        let lj = last[j];
        // Runs processed up to and including j's last one: all of j's, and of each other
        // job those before lj, plus the one at lj if it comes first.
        let mut done = runs[j];
        for k in 0..3 {
            if k == j || runs[k] == 0 || s[k].next.0 > lj {
                continue;
            }
            // One division for both: k's runs before lj (the quotient rounded up, at most
            // its runs) and whether one falls on lj (no remainder, within its runs).
            let (d, ik) = (lj - s[k].next.0, s[k].interval);
            let (q, r) = (d / ik, d % ik);
            done += (q + u64::from(r != 0)).min(runs[k]);
            if r == 0 && q < runs[k] && runs_first(s, k, j, lj) {
                done += 1;
            }
        }
        next[j] = (lj + s[j].interval, seq + done);
    }
    Skipped {
        runs,
        next,
        seq: seq + total,
        last_t: last[0].max(last[1]).max(last[2]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The event loop's way: take the earliest (time, seq), reschedule it with the next seq.
    fn skip_by_iterating(s: &[Schedule; 3], mut seq: u64, end: u64) -> Skipped {
        let mut next = [s[0].next, s[1].next, s[2].next];
        let mut runs = [0; 3];
        let mut last_t = 0;
        loop {
            let (j, &(t, _)) = next
                .iter()
                .enumerate()
                .min_by_key(|(_, k)| **k)
                .expect("three jobs");
            if t >= end {
                break;
            }
            runs[j] += 1;
            last_t = t;
            seq += 1;
            next[j] = (t + s[j].interval, seq);
        }
        Skipped {
            runs,
            next,
            seq,
            last_t,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// The closed form gives the same counts, next runs and sequence numbers as playing
        /// the runs one by one, ties included (small intervals and offsets make many).
        #[test]
        fn closed_form_matches_the_event_loop(
            ts in proptest::array::uniform3(0u64..40),
            is in proptest::array::uniform3(1u64..12),
            order in 0usize..6,
            span in 0u64..200,
        ) {
            let perms = [[1, 2, 3], [1, 3, 2], [2, 1, 3], [2, 3, 1], [3, 1, 2], [3, 2, 1]];
            let s: [Schedule; 3] = std::array::from_fn(|j| Schedule {
                next: (ts[j], perms[order][j]),
                interval: is[j],
            });
            let end = ts.iter().min().copied().unwrap_or(0) + span;
            prop_assert_eq!(skip_runs(&s, 3, end), skip_by_iterating(&s, 3, end));
        }
    }

    #[test]
    fn a_sixty_day_wait_is_counted_not_played() {
        // 15-minute jobs (docs tutorial), copy 2 and restore 4 minutes after the backup.
        let s = [
            Schedule {
                next: (900, 1),
                interval: 900,
            },
            Schedule {
                next: (120, 2),
                interval: 900,
            },
            Schedule {
                next: (240, 3),
                interval: 900,
            },
        ];
        let end = 60 * 86_400;
        let k = skip_runs(&s, 3, end);
        assert_eq!(k.runs, [5759, 5760, 5760]);
        assert_eq!(k, skip_by_iterating(&s, 3, end));
    }
}
