//! The log-shipping jobs on their schedules: backup on the principal (it deletes old files
//! on the share), copy (it deletes nothing) and restore (it deletes old files in the copy
//! folder) on the secondary (sqlserver-semantics.md 4; docs/tools/sqllogship-application.md).

use crate::assumptions::{MirrorLogShippingConfig, Name};
use crate::backups::{restore_logs_from_copy_folder, share_path, take_log_backup};
use crate::fault::Job;
use crate::sqlerror::{Failure, OsError, SqlError, Statement};
use crate::topology::{Db, Dc, Instance};
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

fn backup(w: &mut World, retention_s: u64) -> JobOutcome {
    // The job runs on every instance with a primary configuration; only a principal's succeeds.
    let mut out = JobOutcome::Idle;
    if w.assumptions.mirror_log_shipping_config == MirrorLogShippingConfig::NotConfigured
        && w.db(Instance::Mirror, Db::Mgc).available
    {
        // The mirror serves mgc and, under this setting, takes no log backups.
        w.used.note(Name::MirrorLogShippingConfig);
    }
    for i in [
        Instance::Primary,
        Instance::Mirror,
        Instance::Backup,
        Instance::BackupMirror,
    ] {
        let inst = w.inst(i);
        let Some(cfg) = inst.ls_primary else { continue };
        if !cfg.backup_job_enabled || !inst.up || !w.dc_is_up(i.dc()) {
            continue;
        }
        let c = inst.db(cfg.database);
        if !c.available {
            continue;
        }
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
        match take_log_backup(w, i, cfg.database) {
            Ok(file) => out = JobOutcome::BackedUp { instance: i, file },
            Err(failure) => {
                out = JobOutcome::Failed {
                    instance: i,
                    failure,
                }
            }
        }
        // "Delete files older than" on the share.
        if w.share_reachable(i.dc()) {
            let horizon = w.now.saturating_sub(retention_s);
            for f in older_than(w, horizon) {
                f.on_share = FileState::Absent;
            }
            skip_gone(w);
        }
    }
    out
}

pub(crate) fn secondary_ready(w: &World) -> Option<Db> {
    let b = w.inst(Instance::Backup);
    let cfg = b.ls_secondary?;
    (b.up && w.dc_is_up(Dc::Dc2)).then_some(cfg.database)
}

/// The copy job (sqllogship -copy): copies new files from the share into the copy folder and
/// deletes nothing (docs/tools/sqllogship-application.md).
fn copy(w: &mut World) -> JobOutcome {
    let Some(_db) = secondary_ready(w) else {
        return JobOutcome::Idle;
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
        return fail(w, OsError::AccessDenied);
    }
    if !w.share_reachable(Dc::Dc2) {
        return fail(w, OsError::NetworkPath);
    }
    if !w.agent_share_read || !w.agent_copy_write {
        return fail(w, OsError::AccessDenied);
    }
    if w.inst(Instance::Backup).disk_full {
        w.used.note(Name::DiskFullScope);
        return JobOutcome::Failed {
            instance: Instance::Backup,
            failure: Failure::Os {
                os_error: OsError::DiskFull,
                accessing: COPY_FOLDER.into(),
            },
        };
    }
    let mut n = 0;
    let mut last = None;
    let from = w.live_from;
    for f in w.files[from..].iter_mut() {
        if f.kind == BackupKind::Log
            && f.on_share == FileState::Readable
            && f.in_copy_folder == FileState::Absent
        {
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
    let n = w.files.partition_point(|f| f.created_at < horizon);
    let from = w.live_from.min(n);
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
