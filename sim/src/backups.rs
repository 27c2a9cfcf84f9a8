//! Backup files and the statements that make and use them: BACKUP DATABASE / LOG to the
//! share, RESTORE DATABASE from it, and the RESTORE LOG loop shared by F3 and the restore
//! job, all under the one log-restore rule of `lsn`.

use crate::assumptions::{LogEndingAtRedo, Name, RestoreOverOtherDatabase};
use crate::lsn::{check_log_restore, LogRuleError, Lsn};
use crate::ranges::RangeSet;
use crate::runbook::Action;
use crate::sqlerror::{sql, Failure, OsError, SqlError, Statement};
use crate::topology::{Db, Dc, Instance};
use crate::world::*;

/// 3201 with OS error 53: the share cannot be reached from where the statement runs.
pub(crate) fn share_unreachable(w: &World, st: Statement) -> Failure {
    sql(
        SqlError::E3201 {
            device: share_path(w),
            os_error: OsError::NetworkPath,
        },
        st,
    )
}

pub fn share_path(w: &World) -> String {
    let host = match w.share_dc {
        Dc::Dc1 => "fs-dc1",
        Dc::Dc2 => "fs-dc2",
        Dc::Third => "fs-site3",
    };
    format!("\\\\{host}\\logship")
}

pub(crate) fn newest_full_on_share(w: &World, db: Db) -> Option<usize> {
    w.files.iter().rposition(|f| {
        f.database == db && f.kind == BackupKind::Full && f.on_share == FileState::Readable
    })
}

/// Whether a BACKUP (DATABASE, or LOG by hand) can open the database: one error per
/// condition, whichever statement asks. A mirror copy is RESTORING too, but SQL Server
/// answers 954 for it ("acting as a mirror database"), for BACKUP DATABASE and BACKUP LOG
/// alike (database-mirroring-and-backup: "Backup and restore of the mirror database are not
/// allowed").
pub(crate) fn backup_source(w: &World, i: Instance, db: Db, st: Statement) -> Result<(), Failure> {
    let c = w.db(i, db);
    if c.role() == Some(MirrorRole::Mirror) && c.state != DbState::Absent {
        return Err(sql(SqlError::E954 { db }, st));
    }
    match c.state {
        DbState::Absent => return Err(sql(SqlError::E911 { db }, st)),
        DbState::Restoring => return Err(sql(SqlError::E927 { db }, st)),
        DbState::Standby => return Err(sql(SqlError::E3036 { db }, st)),
        DbState::Online => {}
    }
    if !c.available {
        return Err(sql(SqlError::E955 { db }, st));
    }
    Ok(())
}

/// 3202 with OS error 112: the share's disk is full, the backup file cannot be written.
fn share_full(w: &World, name: String, st: Statement) -> Failure {
    sql(
        SqlError::E3202 {
            device: format!("{}\\{name}", share_path(w)),
            os_error: OsError::DiskFull,
        },
        st,
    )
}

/// BACKUP DATABASE to the share: the file holds every write of the copy.
pub(crate) fn take_full_backup(w: &mut World, i: Instance, db: Db) -> Result<u32, Failure> {
    backup_source(w, i, db, Statement::BackupDatabase)?;
    if !w.share_reachable(i.dc()) {
        return Err(share_unreachable(w, Statement::BackupDatabase));
    }
    if w.share_full {
        let name = format!("{db}_full_{:04}.bak", w.files.len() + 1);
        return Err(share_full(w, name, Statement::BackupDatabase));
    }
    let c = w.db_mut(i, db);
    c.lsn = Lsn(c.lsn.0 + LSN_PER_BACKUP);
    c.has_full_backup = true;
    let (lsn, writes) = (c.lsn, c.writes.clone());
    let prev = w
        .files
        .iter()
        .rev()
        .find(|f| f.kind == BackupKind::Full && f.source == i)
        .map(|f| f.checkpoint_lsn)
        .unwrap_or(Lsn::ZERO);
    let id = w.files.len() as u32 + 1;
    w.files.push(BackupFile {
        id,
        database: db,
        kind: BackupKind::Full,
        first_lsn: lsn,
        last_lsn: Lsn(lsn.0 + 1),
        checkpoint_lsn: lsn,
        database_backup_lsn: prev,
        created_at: w.now,
        source: i,
        writes,
        on_share: FileState::Readable,
        in_copy_folder: FileState::Absent,
    });
    Ok(id)
}

/// BACKUP LOG to the share: the writes since the previous log backup.
pub fn take_log_backup(w: &mut World, i: Instance, db: Db) -> Result<u32, Failure> {
    let c = w.db(i, db);
    if !c.has_full_backup {
        return Err(sql(SqlError::E4214, Statement::BackupLog));
    }
    if !w.share_reachable(i.dc()) {
        return Err(share_unreachable(w, Statement::BackupLog));
    }
    // The share is on another machine: a full local disk does not stop the backup; a full
    // share does (3202).
    if w.share_full {
        let name = format!("{db}_{:04}.trn", w.files.len() + 1);
        return Err(share_full(w, name, Statement::BackupLog));
    }
    Ok(append_log_backup(w, i, db))
}

/// The part of [`take_log_backup`] after its checks: the file and the new backup point.
/// For callers that know the checks pass (`jobs::Pending`, between two events).
#[inline]
pub(crate) fn append_log_backup(w: &mut World, i: Instance, db: Db) -> u32 {
    let c = w.db_mut(i, db);
    c.lsn = Lsn(c.lsn.0 + LSN_PER_BACKUP);
    let first = c.log_backup_from;
    let last = c.lsn;
    let writes = std::mem::take(&mut c.unbacked);
    c.log_backup_from = last;
    // The synchronous mirror's log has the same backup point.
    if let Some(m) = c.mirroring {
        if m.role == MirrorRole::Principal && m.state == MirrorState::Synchronized {
            let mc = w.db_mut(m.partner, db);
            mc.unbacked.clear();
            mc.log_backup_from = last;
            mc.lsn = last;
        }
    }
    let id = w.files.len() as u32 + 1;
    w.files.push(BackupFile {
        id,
        database: db,
        kind: BackupKind::Log,
        first_lsn: first,
        last_lsn: last,
        checkpoint_lsn: first,
        database_backup_lsn: Lsn::ZERO,
        created_at: w.now,
        source: i,
        writes,
        on_share: FileState::Readable,
        in_copy_folder: FileState::Absent,
    });
    id
}

pub(crate) fn restore_full(
    w: &mut World,
    i: Instance,
    db: Db,
    fi: usize,
    replace: bool,
    recovery: bool,
) -> Result<(), Failure> {
    if w.db(i, db).mirroring.is_some() {
        return Err(sql(SqlError::E3104 { db }, Statement::RestoreDatabase));
    }
    if db == Db::Mgc && w.sessions_for_exclusive_access(i) > 0 {
        w.coverage.hit_3101 = true;
        return Err(sql(SqlError::E3101, Statement::RestoreDatabase));
    }
    let c = w.db(i, db);
    // REPLACE overrides both checks (restore-statements-transact-sql.md, REPLACE option):
    // 3159, an ONLINE database whose tail is not backed up; 3154, a backup of another
    // database (family) than the existing one. Which SQL Server raises first when both
    // apply is not documented: assumption `restore_over_other_database`.
    let tail_not_backed_up = c.state == DbState::Online && !replace;
    let other_database =
        c.state != DbState::Absent && !replace && family(c.lsn) != family(w.files[fi].last_lsn);
    let e3154 = SqlError::E3154 { db };
    let e3159 = SqlError::E3159 { db };
    match (tail_not_backed_up, other_database) {
        (true, true) => {
            w.used.note(Name::RestoreOverOtherDatabase);
            let e = match w.assumptions.restore_over_other_database {
                RestoreOverOtherDatabase::E3159First => e3159,
                RestoreOverOtherDatabase::E3154First => e3154,
            };
            return Err(sql(e, Statement::RestoreDatabase));
        }
        (true, false) => return Err(sql(e3159, Statement::RestoreDatabase)),
        (false, true) => return Err(sql(e3154, Statement::RestoreDatabase)),
        (false, false) => {}
    }
    if !w.share_reachable(i.dc()) {
        return Err(share_unreachable(w, Statement::RestoreDatabase));
    }
    if w.inst(i).disk_full {
        w.used.note(Name::DiskFullScope);
        return Err(sql(SqlError::E3257, Statement::RestoreDatabase));
    }
    let f = &w.files[fi];
    let (writes, last) = (f.writes.clone(), f.last_lsn);
    let c = w.db_mut(i, db);
    c.writes = writes;
    c.unbacked = RangeSet::new();
    c.lsn = last;
    c.log_backup_from = last;
    // The restored database continues the chain of the backup it came from: BACKUP LOG
    // works without a new full backup (how log-shipping roles are reversed:
    // change-roles-between-primary-and-secondary-log-shipping-servers-sql-server.md).
    c.has_full_backup = true;
    c.state = if recovery {
        DbState::Online
    } else {
        DbState::Restoring
    };
    Ok(())
}

/// RESTORE LOG needs the database to exist (3118), not be recovered (3117) and not be
/// mirrored (3104).
pub(crate) fn log_restorable(w: &World, i: Instance, db: Db) -> Result<(), Failure> {
    let c = w.db(i, db);
    match c.state {
        DbState::Absent => Err(sql(SqlError::E3118 { db }, Statement::RestoreLog)),
        DbState::Online => Err(sql(SqlError::E3117, Statement::RestoreLog)),
        _ if c.mirroring.is_some() => Err(sql(SqlError::E3104 { db }, Statement::RestoreLog)),
        DbState::Restoring | DbState::Standby => Ok(()),
    }
}

/// The restore loop of F3 and of the restore job: logs in the copy folder, in LSN order;
/// applied ones are skipped, a gap stops with 4305, an unreadable file with 3201.
/// Returns (restored, skipped).
pub fn restore_logs_from_copy_folder(
    w: &mut World,
    i: Instance,
    db: Db,
) -> Result<(u32, u32), Failure> {
    log_restorable(w, i, db)?;
    // Logs already covered (or empty) are skipped whatever the order; only the rest are
    // sorted, which keeps the restore job's frequent no-op runs free of allocation.
    let redo0 = w.db(i, db).lsn;
    let (mut restored, mut skipped) = (0, 0);
    // The candidates, on the stack while they are few (a restore job run has one or two).
    let mut few = [0usize; 16];
    let mut n = 0;
    let mut many: Vec<usize> = Vec::new();
    // Files before live_from are in neither place (a cache; see World::live_from).
    for (k, f) in w.files.iter().enumerate().skip(w.live_from) {
        if f.database != db || f.kind != BackupKind::Log || f.in_copy_folder == FileState::Absent {
            continue;
        }
        if f.last_lsn <= redo0 || crate::lsn::is_empty_log(f.first_lsn, f.last_lsn) {
            skipped += 1;
        } else if n < few.len() {
            few[n] = k;
            n += 1;
        } else {
            many.push(k);
        }
    }
    let order: &mut [usize] = if many.is_empty() {
        &mut few[..n]
    } else {
        many.extend_from_slice(&few[..n]);
        &mut many
    };
    order.sort_by_key(|&k| (w.files[k].first_lsn, w.files[k].last_lsn, w.files[k].id));
    for &k in order.iter() {
        if w.files[k].last_lsn <= w.db(i, db).lsn {
            skipped += 1;
            continue;
        }
        roll_forward(w, i, db, k)?;
        restored += 1;
        let (id, created, now) = (w.files[k].id, w.files[k].created_at, w.now);
        if let Some(s) = w.inst_mut(i).ls_secondary.as_mut() {
            s.last_restored_file = Some(id);
            s.last_restored_latency_min = Some((now - created) / 60);
        }
    }
    if skipped > 0 {
        w.coverage.log_file_skipped = true;
    }
    Ok((restored, skipped))
}

/// One `RESTORE LOG ... WITH NORECOVERY` of file `k` onto a RESTORING copy: 3201 if the
/// file cannot be read, 4305/4326 by the log-restore rule; otherwise its writes are in the
/// copy and the redo point moves to its last LSN.
pub(crate) fn roll_forward(w: &mut World, i: Instance, db: Db, k: usize) -> Result<Lsn, Failure> {
    let f = &w.files[k];
    if f.in_copy_folder == FileState::Unreadable {
        return Err(sql(
            SqlError::E3201 {
                device: f.file_name(),
                os_error: OsError::AccessDenied,
            },
            Statement::RestoreLog,
        ));
    }
    let (first, last) = (f.first_lsn, f.last_lsn);
    let redo = w.db(i, db).lsn;
    if last == redo && first < redo {
        // A log ending exactly at the redo point: assumption `log_ending_at_redo`.
        w.used.note(Name::LogEndingAtRedo);
        if w.assumptions.log_ending_at_redo == LogEndingAtRedo::NoOp {
            return Ok(redo);
        }
    }
    let f = &w.files[k];
    let c = &mut w.instances[i.index()].dbs[db.index()];
    match check_log_restore(c.lsn, f.first_lsn, f.last_lsn) {
        Ok(next) => {
            apply_log(c, f);
            Ok(next)
        }
        Err(e) => {
            if matches!(e, LogRuleError::TooRecent { .. }) {
                w.coverage.hit_4305 = true;
            }
            Err(sql(e.into(), Statement::RestoreLog))
        }
    }
}

/// A log backup restored onto `c` (the log rule passed): its writes, and the redo point at
/// its last LSN (`check_log_restore`'s `Ok`).
#[inline]
pub(crate) fn apply_log(c: &mut DbCopy, f: &BackupFile) {
    c.writes.union_with(&f.writes);
    c.lsn = f.last_lsn;
}

/// The longest log chain from `redo` through files reachable from DC2 (on a share that DC2
/// reaches, or in the copy folder), readable: what F3 could have reached at best.
pub fn best_reachable_redo(w: &World, db: Db, redo: Lsn) -> Lsn {
    let share_ok = w.share_reachable(Dc::Dc2);
    let reachable = |f: &&BackupFile| {
        f.database == db
            && f.kind == BackupKind::Log
            && (f.in_copy_folder == FileState::Readable
                || (share_ok && f.on_share == FileState::Readable))
    };
    // Files are kept in id order, and their LSNs usually rise with it: then the id order
    // is already the sort's order, and the chain is walked without collecting and sorting.
    let key = |f: &BackupFile| (f.first_lsn, f.last_lsn, f.id);
    if w.files.iter().filter(reachable).map(key).is_sorted() {
        return log_chain(redo, w.files.iter().filter(reachable));
    }
    let mut cands: Vec<&BackupFile> = w.files.iter().filter(reachable).collect();
    cands.sort_by_key(|f| key(f));
    log_chain(redo, cands)
}

/// The redo point after `files`, in order, each restored where the log rule allows it.
fn log_chain<'f>(redo: Lsn, files: impl IntoIterator<Item = &'f BackupFile>) -> Lsn {
    files.into_iter().fold(redo, |r, f| {
        check_log_restore(r, f.first_lsn, f.last_lsn).unwrap_or(r)
    })
}

/// The backup files a copy (F2) or log-restore (F3) step will touch, as (files, writes they
/// hold), for its duration; (0, 0) for any other step.
pub fn preview_files(w: &World, a: &Action) -> (u64, u64) {
    let pick = |keep: &dyn Fn(&BackupFile) -> bool| {
        w.files
            .iter()
            .filter(|f| keep(f))
            .fold((0, 0), |(n, writes), f| (n + 1, writes + f.writes.len()))
    };
    match a {
        Action::CopyUncopiedFiles { instance } if w.share_reachable(instance.dc()) => {
            pick(&|f| f.on_share == FileState::Readable && f.in_copy_folder == FileState::Absent)
        }
        Action::RestoreUnappliedLogs { instance, database } => {
            let r = w.db(*instance, *database).lsn;
            pick(&|f| {
                f.kind == BackupKind::Log && f.in_copy_folder != FileState::Absent && f.last_lsn > r
            })
        }
        _ => (0, 0),
    }
}
