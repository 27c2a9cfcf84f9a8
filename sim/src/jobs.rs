//! The log-shipping jobs on their schedules: backup on the principal (it deletes old files
//! on the share), copy (it deletes nothing) and restore (it deletes old files in the copy
//! folder) on the secondary (sqlserver-semantics.md 4; docs/tools/sqllogship-application.md).

use crate::assumptions::{MirrorLogShippingConfig, Name};
use crate::backups::{restore_logs_from_copy_folder, share_path, take_log_backup};
use crate::fault::Job;
use crate::lsn::check_log_restore;
use crate::sqlerror::{Failure, OsError, SqlError, Statement};
use crate::topology::{Db, Dc, Instance};
use crate::workload::Writers;
use crate::world::*;

/// The copy job's destination folder on the backup instance (its path is the operator's).
pub(crate) const COPY_FOLDER: &str = "<copy folder on sql-backup>";

/// What one job run did (kept for the timeline only when it did something).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobOutcome {
    /// Nothing to do, or the job does not exist (deleted, never configured).
    Idle,
    BackedUp {
        instance: Instance,
        file: u32,
    },
    Copied {
        files: u32,
    },
    Restored {
        files: u32,
    },
    Failed {
        instance: Instance,
        failure: Failure,
    },
}

pub fn run(w: &mut World, job: Job, retention_s: u64) -> JobOutcome {
    let out = match job {
        Job::Backup => backup(w, retention_s),
        Job::Copy => copy(w),
        Job::Restore => restore(w, retention_s),
    };
    // Jobs change files, redo points and msdb fields only, none of which `reconcile`
    // derives anything from; skipping it keeps the hot loop short.
    out
}

fn failing(w: &World, job: Job) -> bool {
    w.job_failing[job as usize]
}

/// The instances the backup job runs on (each with a primary configuration takes part).
pub(crate) const BACKUP_INSTANCES: [Instance; 4] = [
    Instance::Primary,
    Instance::Mirror,
    Instance::Backup,
    Instance::BackupMirror,
];

/// The database `i`'s backup job backs up, if it runs there at all: a primary
/// configuration with the job enabled, the instance and its data center up, the database
/// available. (Whether it then succeeds is the job's own business.)
pub(crate) fn backup_source(w: &World, i: Instance) -> Option<Db> {
    let inst = w.inst(i);
    let cfg = inst.ls_primary?;
    (cfg.backup_job_enabled && inst.up && w.dc_is_up(i.dc()) && inst.db(cfg.database).available)
        .then_some(cfg.database)
}

fn backup(w: &mut World, retention_s: u64) -> JobOutcome {
    // The job runs on every instance with a primary configuration; only a principal's succeeds.
    let mut out = JobOutcome::Idle;
    if w.assumptions.mirror_log_shipping_config == MirrorLogShippingConfig::NotConfigured
        && w.db(Instance::Mirror, Db::Mgc).available
    {
        // The mirror serves mgc and, under this setting, takes no log backups.
        w.used.note(Name::MirrorLogShippingConfig);
    }
    for i in BACKUP_INSTANCES {
        let Some(db) = backup_source(w, i) else {
            continue;
        };
        // The share is on another machine: a full local disk does not stop the backup
        // (a full share does, in take_log_backup).
        if failing(w, Job::Backup) {
            out = JobOutcome::Failed {
                instance: i,
                failure: Failure::Sql(
                    SqlError::E3201 {
                        device: share_path(w),
                        os_error: OsError::AccessDenied,
                    },
                    Statement::BackupLog,
                ),
            };
            continue;
        }
        if i == Instance::Mirror {
            // Gap 21: the mirror's own backup job continues the chain.
            w.used.note(Name::MirrorLogShippingConfig);
        }
        w.used.note(Name::LogShippingSchedule);
        match take_log_backup(w, i, db) {
            Ok(file) => out = JobOutcome::BackedUp { instance: i, file },
            Err(failure) => {
                out = JobOutcome::Failed {
                    instance: i,
                    failure,
                }
            }
        }
        if w.share_reachable(i.dc()) {
            share_retention(w, retention_s);
        }
    }
    out
}

/// The backup job's "delete files older than" on the share: the files it deletes, as
/// indices into `w.files` (the oldest live ones, a range).
#[inline]
fn share_retention(w: &mut World, retention_s: u64) -> std::ops::Range<usize> {
    let horizon = w.now.saturating_sub(retention_s);
    let from = w.live_from;
    let gone = older_than(w, horizon);
    for f in gone.iter_mut() {
        f.on_share = FileState::Absent;
    }
    let end = from + gone.len();
    skip_gone(w);
    from..end
}

pub(crate) fn secondary_ready(w: &World) -> Option<Db> {
    let b = w.inst(Instance::Backup);
    let cfg = b.ls_secondary?;
    (b.up && w.dc_is_up(Dc::Dc2)).then_some(cfg.database)
}

/// The copy job (sqllogship -copy): copies new files from the share into the copy folder and
/// deletes nothing (docs/tools/sqllogship-application.md).
fn copy(w: &mut World) -> JobOutcome {
    if let Some(out) = copy_blocked(w) {
        return out;
    }
    let mut n = 0;
    let mut last = None;
    let from = w.live_from;
    for f in w.files[from..].iter_mut() {
        if copy_candidate(f) {
            f.in_copy_folder = FileState::Readable;
            n += 1;
            last = Some(f.id);
        }
    }
    if let (Some(id), Some(cfg)) = (last, w.inst_mut(Instance::Backup).ls_secondary.as_mut()) {
        cfg.last_copied_file = Some(id);
    }
    if n == 0 {
        JobOutcome::Idle
    } else {
        JobOutcome::Copied { files: n }
    }
}

/// What the copy job copies: a log backup on the share, not in the copy folder.
fn copy_candidate(f: &BackupFile) -> bool {
    f.kind == BackupKind::Log
        && f.on_share == FileState::Readable
        && f.in_copy_folder == FileState::Absent
}

/// The copy job's outcome when it copies nothing whatever the files (not configured, or
/// failing), None when it goes on to copy.
fn copy_blocked(w: &mut World) -> Option<JobOutcome> {
    let Some(_db) = secondary_ready(w) else {
        return Some(JobOutcome::Idle);
    };
    // The copy job copies files: it fails with the operating system's error, not a SQL one.
    let fail = |w: &World, os_error| JobOutcome::Failed {
        instance: Instance::Backup,
        failure: Failure::Os {
            os_error,
            accessing: share_path(w),
        },
    };
    if failing(w, Job::Copy) {
        return Some(fail(w, OsError::AccessDenied));
    }
    if !w.share_reachable(Dc::Dc2) {
        return Some(fail(w, OsError::NetworkPath));
    }
    if !w.agent_share_read || !w.agent_copy_write {
        return Some(fail(w, OsError::AccessDenied));
    }
    if w.inst(Instance::Backup).disk_full {
        w.used.note(Name::DiskFullScope);
        return Some(JobOutcome::Failed {
            instance: Instance::Backup,
            failure: Failure::Os {
                os_error: OsError::DiskFull,
                accessing: COPY_FOLDER.into(),
            },
        });
    }
    None
}

/// The restore job (sqllogship -restore): restores what is new, then deletes files in the
/// copy folder older than the retention (docs/tools/sqllogship-application.md).
fn restore(w: &mut World, retention_s: u64) -> JobOutcome {
    let Some(db) = secondary_ready(w) else {
        return JobOutcome::Idle;
    };
    if failing(w, Job::Restore) {
        return JobOutcome::Failed {
            instance: Instance::Backup,
            failure: Failure::Sql(
                SqlError::E3201 {
                    device: share_path(w),
                    os_error: OsError::AccessDenied,
                },
                Statement::RestoreLog,
            ),
        };
    }
    let out = match restore_logs_from_copy_folder(w, Instance::Backup, db) {
        Ok((0, _)) => JobOutcome::Idle,
        Ok((files, _)) => JobOutcome::Restored { files },
        // sqllogship reports an ONLINE secondary as a failure, like any other error.
        Err(failure) => JobOutcome::Failed {
            instance: Instance::Backup,
            failure,
        },
    };
    let horizon = w.now.saturating_sub(retention_s);
    for f in older_than(w, horizon) {
        f.in_copy_folder = FileState::Absent;
    }
    skip_gone(w);
    out
}

/// The files created before `horizon` and not yet gone from both places: files are
/// appended as they are made and the clock never goes back, so the retention never looks
/// at the newer ones, nor at those before `live_from`.
pub(crate) fn older_than(w: &mut World, horizon: u64) -> &mut [BackupFile] {
    debug_assert!(w
        .files
        .windows(2)
        .all(|p| p[0].created_at <= p[1].created_at));
    let from = w.live_from;
    // Most runs delete nothing: the oldest live file is not old enough. Read only, so the
    // files stay shared with the world's copies and keep their hash.
    if w.files.get(from).is_none_or(|f| f.created_at >= horizon) {
        return &mut [];
    }
    // A scan from the oldest, not a binary search: a run usually deletes one file, and
    // its caller visits each deleted one anyway. The same prefix (the files are in order).
    let n = from
        + w.files[from..]
            .iter()
            .take_while(|f| f.created_at < horizon)
            .count();
    &mut w.files[from..n]
}

/// Move `live_from` past the files gone from both the share and the copy folder: no job,
/// step or fault brings such a file back, so no scan needs to see it again.
pub(crate) fn skip_gone(w: &mut World) {
    let gone =
        |f: &BackupFile| f.on_share == FileState::Absent && f.in_copy_folder == FileState::Absent;
    while w.files.get(w.live_from).is_some_and(gone) {
        w.live_from += 1;
    }
}

/// What the restore job tries to restore: a log backup of `db` in the copy folder that goes
/// past the redo point `redo` (`backups::restore_logs_from_copy_folder` skips the others).
fn restore_candidate(f: &BackupFile, db: Db, redo: crate::lsn::Lsn) -> bool {
    f.database == db
        && f.kind == BackupKind::Log
        && f.in_copy_folder != FileState::Absent
        && f.last_lsn > redo
        && !crate::lsn::is_empty_log(f.first_lsn, f.last_lsn)
}

/// The files the copy and the restore job would act on, kept run by run while only the
/// three jobs change the world (between two other events), so that their runs need not scan
/// the record: the event loop's fast way through log shipping on differing schedules
/// (`engine`). Each run below does what [`run`] does, path by path; `scan` first.
#[derive(Clone, Debug, Default)]
pub(crate) struct Pending {
    /// Every file [`copy_candidate`] holds for, in file order.
    copy: Vec<usize>,
    /// Every file [`restore_candidate`] holds for (the secondary's database, its redo point).
    restore: Vec<usize>,
    /// What the runs' paths depend on, from `scan`.
    fixed: Fixed,
}

/// What decides each job's path through its run and that no job run changes: instances up,
/// configurations, jobs failing, the share and the agent's rights, databases' states,
/// availability and mirroring (the jobs change files, redo points, log backup points,
/// `unbacked` writes and msdb fields only). Worked out once by `Pending::scan`, for every
/// run up to the next other event, instead of once per run.
#[derive(Clone, Copy, Debug, Default)]
struct Fixed {
    /// Who takes the writes the backup runs acknowledge first.
    writers: Writers,
    backup: BackupPath,
    copy: CopyPath,
    /// The restore job gets to its restore loop: the secondary's database, and whether it
    /// can restore logs (`backups::log_restorable`); None when the run does nothing (not
    /// configured, or failing: its outcome is not kept).
    restore: Option<(Db, bool)>,
}

/// What a backup run does (`backup_path`).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) enum BackupPath {
    /// [`run`] as it is: several instances back up, or none, or the backup fails.
    #[default]
    General,
    /// One instance backs up, and `backups::take_log_backup`'s checks pass; the notes the
    /// run makes.
    One {
        source: Instance,
        db: Db,
        note_mirror: bool,
    },
}

/// What a copy run does, its checks passed or not (`copy_path`).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) enum CopyPath {
    /// `copy_blocked`: the run copies nothing.
    #[default]
    Blocked,
    /// `copy_blocked` on the copy folder's full disk: nothing copied, the scope noted.
    BlockedDiskFull,
    /// It copies the pending files; the secondary's database.
    Copies(Option<Db>),
}

/// Whether a backup run takes exactly one backup, which succeeds.
pub(crate) fn backup_path(w: &World) -> BackupPath {
    if w.job_failing[Job::Backup as usize] {
        return BackupPath::General;
    }
    let mut one = None;
    for i in BACKUP_INSTANCES {
        let Some(db) = backup_source(w, i) else {
            continue;
        };
        if one.is_some() {
            return BackupPath::General;
        }
        one = Some((i, db));
    }
    let Some((source, db)) = one else {
        return BackupPath::General;
    };
    // `take_log_backup` succeeds (and the share's retention runs: the share is reachable).
    if !w.db(source, db).has_full_backup || !w.share_reachable(source.dc()) || w.share_full {
        return BackupPath::General;
    }
    let note_mirror = source == Instance::Mirror
        || (w.assumptions.mirror_log_shipping_config == MirrorLogShippingConfig::NotConfigured
            && w.db(Instance::Mirror, Db::Mgc).available);
    BackupPath::One {
        source,
        db,
        note_mirror,
    }
}

/// `copy_blocked` without its side effect (the note, made by each blocked run).
pub(crate) fn copy_path(w: &World) -> CopyPath {
    if secondary_ready(w).is_none()
        || failing(w, Job::Copy)
        || !w.share_reachable(Dc::Dc2)
        || !w.agent_share_read
        || !w.agent_copy_write
    {
        return CopyPath::Blocked;
    }
    if w.inst(Instance::Backup).disk_full {
        return CopyPath::BlockedDiskFull;
    }
    CopyPath::Copies(w.inst(Instance::Backup).ls_secondary.map(|c| c.database))
}

/// Whether a restore run gets to its restore loop: the secondary's database, and whether it
/// can restore logs (`backups::log_restorable`); None when it does nothing (not
/// configured, or failing).
pub(crate) fn restore_path(w: &World) -> Option<(Db, bool)> {
    let db = secondary_ready(w)?;
    if failing(w, Job::Restore) {
        return None;
    }
    Some((
        db,
        crate::backups::log_restorable(w, Instance::Backup, db).is_ok(),
    ))
}

impl Pending {
    /// Empty, with room for the files a run keeps pending (a few dozen log backups at
    /// most, mostly fewer): one allocation per list instead of growing it run by run.
    pub(crate) fn reset(&mut self, n: usize) {
        self.copy.clear();
        self.restore.clear();
        self.copy.reserve(n);
        self.restore.reserve(n);
    }

    /// The lists from the record as it is, and the runs' paths.
    pub(crate) fn scan(&mut self, w: &World) {
        self.fixed = Fixed {
            writers: w.write_split(),
            backup: backup_path(w),
            copy: copy_path(w),
            restore: restore_path(w),
        };
        self.copy.clear();
        self.restore.clear();
        let target = w.inst(Instance::Backup).ls_secondary.map(|c| c.database);
        for (k, f) in w.files.iter().enumerate().skip(w.live_from) {
            if copy_candidate(f) {
                self.copy.push(k);
            }
            if let Some(db) = target {
                if restore_candidate(f, db, w.db(Instance::Backup, db).lsn) {
                    self.restore.push(k);
                }
            }
        }
    }

    /// A backup run at `t`, with the workload up to it as the event loop advances it: [`run`]
    /// itself; it appends the backups it takes (copy candidates) and its retention deletes
    /// files from the share (no longer candidates).
    pub(crate) fn backup(&mut self, w: &mut World, t: u64, retention_s: u64) {
        w.advance_workload_with(t, self.fixed.writers);
        w.now = t;
        if let BackupPath::One {
            source,
            db,
            note_mirror,
        } = self.fixed.backup
        {
            // `backup` on its one instance: the notes, the backup (a copy candidate), the
            // share's retention (the candidates it deletes are the oldest: a prefix).
            if note_mirror {
                w.used.note(Name::MirrorLogShippingConfig);
            }
            w.used.note(Name::LogShippingSchedule);
            crate::backups::append_log_backup(w, source, db);
            self.copy.push(w.files.len() - 1);
            let gone = share_retention(w, retention_s);
            if !gone.is_empty() {
                let n = self.copy.partition_point(|&k| k < gone.end);
                self.copy.drain(..n);
            }
            return;
        }
        let n0 = w.files.len();
        run(w, Job::Backup, retention_s);
        self.copy
            .retain(|&k| w.files[k].on_share == FileState::Readable);
        self.copy
            .extend((n0..w.files.len()).filter(|&k| copy_candidate(&w.files[k])));
    }

    /// A copy run (`copy`): the pending files, in file order.
    pub(crate) fn copy(&mut self, w: &mut World) {
        let db = match self.fixed.copy {
            CopyPath::Blocked => return,
            CopyPath::BlockedDiskFull => {
                w.used.note(Name::DiskFullScope);
                return;
            }
            CopyPath::Copies(db) => db,
        };
        // Most runs on differing schedules find nothing new.
        let Some(&newest) = self.copy.last() else {
            return;
        };
        let target = db.map(|db| (db, w.db(Instance::Backup, db).lsn));
        let files = &mut *w.files;
        for &k in &self.copy {
            let f = &mut files[k];
            f.in_copy_folder = FileState::Readable;
            if target.is_some_and(|(db, redo)| restore_candidate(f, db, redo)) {
                self.restore.push(k);
            }
        }
        // The last file copied: the list is in file order.
        let id = files[newest].id;
        self.copy.clear();
        if let Some(cfg) = w.inst_mut(Instance::Backup).ls_secondary.as_mut() {
            cfg.last_copied_file = Some(id);
        }
    }

    /// A restore run (`restore`): the pending files in LSN order, as
    /// `backups::restore_logs_from_copy_folder` takes them, then the retention.
    pub(crate) fn restore(&mut self, w: &mut World, retention_s: u64) {
        let Some((db, restorable)) = self.fixed.restore else {
            return;
        };
        if restorable {
            if w.coverage.log_file_skipped {
                // Every pending file goes past the redo point: a restore run takes out those
                // it passed, and nothing else moves the redo point between two events.
                debug_assert!({
                    let redo = w.db(Instance::Backup, db).lsn;
                    self.restore.iter().all(|&k| w.files[k].last_lsn > redo)
                });
                if self.restore.len() > 1 {
                    self.restore.sort_by_key(|&k| {
                        let f = &w.files[k];
                        (f.first_lsn, f.last_lsn, f.id)
                    });
                }
                let mut all = true;
                // The last file restored: msdb keeps only the last one's.
                let mut done = None;
                for &k in &self.restore {
                    // Skipped files (covered by an earlier one) only set a flag set already.
                    if w.files[k].last_lsn <= w.db(Instance::Backup, db).lsn {
                        continue;
                    }
                    let f = &w.files[k];
                    let c = &mut w.instances[Instance::Backup.index()].dbs[db.index()];
                    if f.in_copy_folder == FileState::Readable
                        && check_log_restore(c.lsn, f.first_lsn, f.last_lsn).is_ok()
                    {
                        // `roll_forward`'s success: readable, past the redo point (so not a
                        // log ending at it), and the log rule passes.
                        crate::backups::apply_log(c, f);
                    } else if crate::backups::roll_forward(w, Instance::Backup, db, k).is_err() {
                        all = false;
                        break;
                    }
                    done = Some(k);
                }
                if let Some(k) = done {
                    let (id, created, now) = (w.files[k].id, w.files[k].created_at, w.now);
                    if let Some(s) = w.inst_mut(Instance::Backup).ls_secondary.as_mut() {
                        s.last_restored_file = Some(id);
                        s.last_restored_latency_min = Some((now - created) / 60);
                    }
                }
                if all {
                    // Each file was restored (the redo point is its last LSN) or skipped.
                    self.restore.clear();
                } else {
                    let redo = w.db(Instance::Backup, db).lsn;
                    self.restore.retain(|&k| w.files[k].last_lsn > redo);
                }
            } else {
                // Whether a file is skipped, which sets the flag, needs the whole folder.
                let _ = restore_logs_from_copy_folder(w, Instance::Backup, db);
                let redo = w.db(Instance::Backup, db).lsn;
                self.restore.retain(|&k| w.files[k].last_lsn > redo);
            }
        }
        // The retention: out of the copy folder, and back among the copy job's candidates
        // if still on the share. (Most runs delete nothing.)
        let horizon = w.now.saturating_sub(retention_s);
        let from = w.live_from;
        let gone = older_than(w, horizon);
        if gone.is_empty() {
            return;
        }
        for (o, f) in gone.iter_mut().enumerate() {
            let k = from + o;
            if f.in_copy_folder != FileState::Absent {
                f.in_copy_folder = FileState::Absent;
                if copy_candidate(f) {
                    if let Err(pos) = self.copy.binary_search(&k) {
                        self.copy.insert(pos, k);
                    }
                }
            }
        }
        skip_gone(w);
        self.restore
            .retain(|&k| w.files[k].in_copy_folder != FileState::Absent);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    /// A world with log backups on the share that the copy job has not copied yet.
    fn world() -> World {
        let s = serde_json::from_str::<Scenario>(r#"{"name": "t", "seed": 1}"#).unwrap();
        let mut w = World::new(&s);
        for k in 1..=3 {
            w.now = 900 * k;
            run(&mut w, Job::Backup, 86_400);
        }
        w
    }

    /// `Pending`'s copy and restore runs leave the world as `run`'s do, msdb's fields
    /// included (no report shows those), before a file was ever skipped and after (the
    /// restore run's own loop).
    #[test]
    fn pending_runs_leave_the_world_as_the_jobs_do() {
        for skipped in [false, true] {
            pending_runs_as_the_jobs(skipped);
        }
    }

    fn pending_runs_as_the_jobs(skipped: bool) {
        let mut by_run = world();
        by_run.coverage.log_file_skipped = skipped;
        let mut pending_w = by_run.clone();
        let waiting = by_run.files.iter().filter(|f| copy_candidate(f)).count();
        assert!(waiting >= 2, "several files to copy in one run: {waiting}");
        let mut p = Pending::default();
        p.scan(&pending_w);
        for (job, now) in [(Job::Copy, 3_000), (Job::Restore, 3_100)] {
            by_run.now = now;
            pending_w.now = now;
            run(&mut by_run, job, 86_400);
            match job {
                Job::Copy => p.copy(&mut pending_w),
                _ => p.restore(&mut pending_w, 86_400),
            }
            assert_eq!(
                format!("{pending_w:?}"),
                format!("{by_run:?}"),
                "after {job:?}"
            );
        }
        let newest = by_run.files.last().map(|f| f.id);
        let cfg = by_run
            .inst(Instance::Backup)
            .ls_secondary
            .expect("a secondary");
        assert_eq!(cfg.last_copied_file, newest, "the newest file copied");
        assert_eq!(cfg.last_restored_file, newest, "and restored");
    }
}
