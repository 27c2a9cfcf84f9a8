//! What each runbook action does to the world: its preconditions, as SQL Server and the
//! cmdlets check them, and its effects (model.md "Runbook steps").

use crate::lsn::Lsn;
use crate::ranges::RangeSet;
use crate::runbook::{Action, ActiveSelection};
use crate::sqlerror::{sql, CmdletError, Failure, OsError, SqlError, Statement};
use crate::topology::{server_dc, Db, Dc, Instance, PoolState, SERVER_COUNT};
use crate::world::*;
use serde::Serialize;
use smallvec::SmallVec;

use crate::assumptions::Name;
use crate::backups::{
    backup_source, log_restorable, newest_full_on_share, restore_full,
    restore_logs_from_copy_folder, roll_forward, share_path, share_unreachable, take_full_backup,
    take_log_backup,
};

/// What a successful step did, in a form cheap to keep and easy to print.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    SecondaryRemoved {
        instance: Instance,
    },
    FilesCopied {
        files: u32,
    },
    LogsRestored {
        files: u32,
        skipped: u32,
        redo_lsn: Lsn,
    },
    Recovered {
        instance: Instance,
        lsn: Lsn,
    },
    TailBackedUp {
        file: u32,
    },
    PoolStateSet {
        state: PoolState,
    },
    MirrorInstalled {
        principal: Instance,
        mirror: Instance,
    },
    ActiveServersSet {
        /// Inline (at most eight servers): a fuzz case sets the list twice per phase and
        /// never prints it. Serialized as the list it is.
        active: SmallVec<[u8; SERVER_COUNT]>,
    },
    ServicesStopped {
        servers: u32,
    },
    ServicesStarted {
        servers: u32,
    },
    CmsFailedOver {
        to: Dc,
    },
    MirroringRemoved {
        instance: Instance,
        database: Db,
    },
    FullBackupTaken {
        file: u32,
        lsn: Lsn,
    },
    FullRestored {
        instance: Instance,
        file: u32,
        recovery: bool,
    },
    LogShippingConfigured {
        primary: Instance,
        secondary: Instance,
        file: u32,
    },
    PrimaryConfigRemoved {
        instance: Instance,
    },
    Waited {
        seconds: u64,
    },
}

/// The operator reaches an instance that is running in a data center that is up.
fn reach(w: &World, i: Instance) -> Result<(), Failure> {
    if w.inst(i).up && w.dc_is_up(i.dc()) {
        Ok(())
    } else {
        Err(Failure::Cmdlet(CmdletError::InstanceUnreachable(i)))
    }
}

fn cms(w: &mut World) -> Result<(), Failure> {
    if w.cms_reachable() {
        Ok(())
    } else {
        w.used.note(Name::CmsLocation);
        Err(Failure::Cmdlet(CmdletError::CmsUnreachable))
    }
}

/// RESTORE LOG ... WITH NORECOVERY (F3, or by hand) leaves the database RESTORING, also
/// one that was in STANDBY (restore-statements-arguments-transact-sql.md, NORECOVERY).
fn after_norecovery(w: &mut World, i: Instance, db: Db, restored: u32) {
    let c = w.db_mut(i, db);
    if restored > 0 && c.state == DbState::Standby {
        c.state = DbState::Restoring;
    }
}

pub fn apply(w: &mut World, a: &Action) -> Result<Effect, Failure> {
    let r = apply_inner(w, a);
    w.reconcile_after(touched(a));
    r
}

/// What an action may change of what `World::reconcile` reads, whether it succeeds or not
/// (a failed step changes at most what the step does).
fn touched(a: &Action) -> Touched {
    use Action::*;
    match a {
        // Log-shipping configuration, files, and a copy's backup chain (its LSN, writes and
        // whether it has a full backup), which only a mirror catching up reads.
        DeleteLogShippingSecondary { .. }
        | DeleteLogShippingPrimary { .. }
        | CopyUncopiedFiles { .. }
        | BackupFullToShare { .. }
        | Wait { .. } => Touched::Nothing,
        SetPoolState { .. }
        | SetActiveServers { .. }
        | StopChatServices { .. }
        | StartChatServices { .. }
        | FailoverCms { .. } => Touched::Servers,
        // A copy's state or mirroring.
        RestoreUnappliedLogs { .. }
        | KillSessionsAndRecover { .. }
        | BackupTailLog { .. }
        | InstallMirrorDatabase { .. }
        | RemoveMirroring { .. }
        | RestoreFullFromShare { .. }
        | ConfigureLogShipping { .. }
        | RestoreLogFile { .. } => Touched::Copies,
    }
}

fn apply_inner(w: &mut World, a: &Action) -> Result<Effect, Failure> {
    use Action::*;
    match a {
        DeleteLogShippingSecondary { instance, database } => {
            reach(w, *instance)?;
            let inst = w.inst_mut(*instance);
            match inst.ls_secondary {
                Some(c) if c.database == *database => {
                    // Removes the configuration, the copy and restore jobs and their history;
                    // the database itself stays RESTORING.
                    inst.ls_secondary = None;
                    Ok(Effect::SecondaryRemoved { instance: *instance })
                }
                _ => Err(Failure::Cmdlet(CmdletError::NotConfigured(
                    "sp_delete_log_shipping_secondary_database: the database is not a log shipping secondary database on this instance.",
                ))),
            }
        }
        CopyUncopiedFiles { instance } => {
            reach(w, *instance)?;
            // A file copy (robocopy) fails with the operating system's error, not Msg 3201.
            if !w.share_reachable(instance.dc()) {
                return Err(Failure::Os {
                    os_error: OsError::NetworkPath,
                    accessing: format!("Source Directory {}\\", share_path(w)),
                });
            }
            if w.inst(*instance).disk_full {
                w.used.note(Name::DiskFullScope);
                return Err(Failure::Os {
                    os_error: OsError::DiskFull,
                    accessing: format!("Destination Directory {}\\", crate::jobs::COPY_FOLDER),
                });
            }
            let mut n = 0;
            let mut unreadable = None;
            for f in w.files.iter_mut() {
                if f.in_copy_folder == FileState::Absent {
                    match f.on_share {
                        FileState::Readable => {
                            f.in_copy_folder = FileState::Readable;
                            n += 1;
                        }
                        FileState::Unreadable => unreadable = Some(f.file_name()),
                        FileState::Absent => {}
                    }
                }
            }
            if let Some(name) = unreadable {
                return Err(Failure::Os {
                    os_error: OsError::AccessDenied,
                    accessing: format!("Source File {}\\{name}", share_path(w)),
                });
            }
            Ok(Effect::FilesCopied { files: n })
        }
        RestoreUnappliedLogs { instance, database } => {
            reach(w, *instance)?;
            let (files, skipped) = restore_logs_from_copy_folder(w, *instance, *database)?;
            after_norecovery(w, *instance, *database, files);
            Ok(Effect::LogsRestored {
                files,
                skipped,
                redo_lsn: w.db(*instance, *database).lsn,
            })
        }
        KillSessionsAndRecover { instance, database } => {
            reach(w, *instance)?;
            let db = *database;
            let c = w.db(*instance, db);
            match c.state {
                DbState::Absent => {
                    return Err(sql(SqlError::E3118 { db }, Statement::RestoreDatabase))
                }
                DbState::Online => return Err(sql(SqlError::E3153, Statement::RestoreDatabase)),
                DbState::Restoring | DbState::Standby => {}
            }
            if c.mirroring.is_some() {
                return Err(sql(SqlError::E3104 { db }, Statement::RestoreDatabase));
            }
            // sp_who2 + KILL: every session on the copy is ended first.
            for s in w.servers_mut().iter_mut() {
                if s.conn == Some(*instance) {
                    s.conn = None;
                }
            }
            let c = w.db_mut(*instance, db);
            c.state = DbState::Online;
            c.unbacked = RangeSet::new();
            c.log_backup_from = c.lsn;
            // The recovered database continues the log chain it restored: BACKUP LOG works
            // without a new full backup (fail-over-to-a-log-shipping-secondary-sql-server.md,
            // change-roles-between-primary-and-secondary-log-shipping-servers-sql-server.md).
            c.has_full_backup = true;
            let lsn = c.lsn;
            if *instance == Instance::Backup {
                w.coverage.backup_recovered = true;
            }
            Ok(Effect::Recovered {
                instance: *instance,
                lsn,
            })
        }
        BackupTailLog { instance, database } => {
            reach(w, *instance)?;
            let db = *database;
            backup_source(w, *instance, db, Statement::BackupLog)?;
            // "Backup of the principal database is allowed, but BACKUP LOG WITH NORECOVERY
            // is not allowed" while a mirroring session is active
            // (backup-and-restore-interoperability-and-coexistence-sql-server.md). 1468 is
            // SQL Server's message for an operation refused on a mirrored database; the
            // documents do not name the number for this statement.
            if w.db(*instance, db).mirroring.is_some() {
                return Err(sql(SqlError::E1468 { db }, Statement::BackupLog));
            }
            if !w.share_reachable(instance.dc()) {
                return Err(share_unreachable(w, Statement::BackupLog));
            }
            let id = take_log_backup(w, *instance, db)?;
            let c = w.db_mut(*instance, db);
            c.state = DbState::Restoring;
            Ok(Effect::TailBackedUp { file: id })
        }
        SetPoolState { state } => {
            cms(w)?;
            w.pool_state = *state;
            Ok(Effect::PoolStateSet { state: *state })
        }
        InstallMirrorDatabase {
            instance,
            mirror,
            database,
            drop_existing,
        } => {
            reach(w, *instance)?;
            reach(w, *mirror).map_err(|_| {
                Failure::Cmdlet(CmdletError::MirrorSetupFailed(
                    "the mirror instance is not reachable",
                ))
            })?;
            if !w.dcs_connected(instance.dc(), mirror.dc()) {
                return Err(Failure::Cmdlet(CmdletError::MirrorSetupFailed(
                    "the mirror cannot reach the principal on port 5022",
                )));
            }
            let seed = w.mirror_seed_share_dc;
            if !(w.dcs_connected(instance.dc(), seed) && w.dcs_connected(mirror.dc(), seed)) {
                return Err(Failure::Cmdlet(CmdletError::MirrorSetupFailed(
                    "the -FileShare used to seed the mirror is not reachable from both instances",
                )));
            }
            let db = *database;
            let c = w.db(*instance, db);
            if c.state != DbState::Online {
                return Err(Failure::Cmdlet(CmdletError::MirrorSetupFailed(
                    "the database is not online on the primary",
                )));
            }
            if c.mirroring.is_some() {
                return Err(sql(SqlError::E3104 { db }, Statement::RestoreDatabase));
            }
            if w.db(*mirror, db).state != DbState::Absent && !drop_existing {
                return Err(Failure::Cmdlet(CmdletError::MirrorSetupFailed(
                    "the database already exists on the mirror; use -DropExistingDatabasesOnMirror",
                )));
            }
            let witness = false;
            let mut m = c.clone();
            m.state = DbState::Restoring;
            // The cmdlet returns once the session is established (its work time covers the
            // seeding and the first synchronization).
            m.mirroring = Some(Mirroring::new(MirrorRole::Mirror, *instance, witness));
            *w.db_mut(*mirror, db) = m;
            let p = w.db_mut(*instance, db);
            p.mirroring = Some(Mirroring::new(MirrorRole::Principal, *mirror, witness));
            p.has_full_backup = true;
            Ok(Effect::MirrorInstalled {
                principal: *instance,
                mirror: *mirror,
            })
        }
        SetActiveServers { servers } => {
            cms(w)?;
            let mut next = [false; SERVER_COUNT];
            match servers {
                ActiveSelection::Clear => {}
                ActiveSelection::Dc(dc) => {
                    for (n, a) in next.iter_mut().enumerate() {
                        *a = server_dc((n + 1) as u8) == *dc;
                    }
                }
                ActiveSelection::Servers(list) => {
                    for &n in list {
                        if !(1..=SERVER_COUNT as u8).contains(&n) {
                            return Err(Failure::Cmdlet(CmdletError::NoSuchServer(n)));
                        }
                        next[(n - 1) as usize] = true;
                    }
                }
                ActiveSelection::Swap => {
                    for (n, a) in next.iter_mut().enumerate() {
                        *a = !w.servers[n].active;
                    }
                }
            }
            for (s, a) in w.servers_mut().iter_mut().zip(next) {
                // A removed server keeps the connections it has (cmdlet reference, gap 9).
                s.active = a;
            }
            Ok(Effect::ActiveServersSet {
                active: active_servers(w),
            })
        }
        StopChatServices { dc } => {
            let mut n = 0;
            for (i, s) in w.servers_mut().iter_mut().enumerate() {
                if dc.is_none_or(|d| server_dc((i + 1) as u8) == d) && s.up && s.service {
                    s.service = false;
                    s.clients = false;
                    s.conn = None;
                    n += 1;
                }
            }
            Ok(Effect::ServicesStopped { servers: n })
        }
        StartChatServices { dc } => {
            let mut n = 0;
            for (i, s) in w.servers_mut().iter_mut().enumerate() {
                if dc.is_none_or(|d| server_dc((i + 1) as u8) == d) && s.up && !s.service {
                    s.service = true;
                    n += 1;
                }
            }
            Ok(Effect::ServicesStarted { servers: n })
        }
        FailoverCms { to } => {
            if !w.dc_is_up(*to) {
                return Err(Failure::Cmdlet(CmdletError::NotConfigured(
                    "Invoke-CsManagementServerFailover: the backup pool's data center is down.",
                )));
            }
            w.cms_dc = *to;
            w.cms_up = true;
            Ok(Effect::CmsFailedOver { to: *to })
        }
        RemoveMirroring { instance, database } => {
            reach(w, *instance)?;
            let db = *database;
            let c = w.db(*instance, db);
            if c.state == DbState::Absent {
                // ALTER DATABASE on a database that does not exist: 5011, then 5069.
                return Err(sql(SqlError::E5011 { db }, Statement::AlterDatabase));
            }
            let Some(m) = c.mirroring else {
                return Err(sql(SqlError::E1416 { db }, Statement::Other));
            };
            w.db_mut(*instance, db).mirroring = None;
            // The partner's copy loses mirroring too and stays RESTORING (stale, gap 6).
            if let Some(pm) = w
                .db(m.partner, db)
                .mirroring
                .filter(|x| x.partner == *instance)
            {
                let pc = w.db_mut(m.partner, db);
                pc.mirroring = None;
                // A former principal that never rejoined holds a stale copy: it is left as
                // the mirror it would have become (RESTORING), not as a second ONLINE mgc.
                if pm.former_principal {
                    pc.state = DbState::Restoring;
                }
            }
            Ok(Effect::MirroringRemoved {
                instance: *instance,
                database: db,
            })
        }
        BackupFullToShare { instance, database } => {
            reach(w, *instance)?;
            let id = take_full_backup(w, *instance, *database)?;
            let lsn = w.db(*instance, *database).lsn;
            Ok(Effect::FullBackupTaken { file: id, lsn })
        }
        RestoreFullFromShare {
            instance,
            database,
            replace,
            recovery,
        } => {
            reach(w, *instance)?;
            let db = *database;
            let Some(fi) = newest_full_on_share(w, db) else {
                return Err(sql(
                    SqlError::E3201 {
                        device: format!("{}\\{db}_full.bak", share_path(w)),
                        os_error: OsError::NotFound,
                    },
                    Statement::RestoreDatabase,
                ));
            };
            restore_full(w, *instance, db, fi, *replace, *recovery)?;
            let id = w.files[fi].id;
            if *recovery && *instance == Instance::Primary {
                w.coverage.failed_back = true;
            }
            Ok(Effect::FullRestored {
                instance: *instance,
                file: id,
                recovery: *recovery,
            })
        }
        ConfigureLogShipping {
            instance,
            secondary,
            database,
        } => {
            reach(w, *instance)?;
            reach(w, *secondary)?;
            let db = *database;
            let fid = take_full_backup(w, *instance, db)?;
            let fi = w.files.len() - 1;
            w.used.note(Name::SecondaryInitReplace);
            if !w.share_reachable(secondary.dc()) {
                return Err(share_unreachable(w, Statement::RestoreDatabase));
            }
            // SSMS initializes the secondary: RESTORE ... WITH NORECOVERY (overwriting).
            restore_full(w, *secondary, db, fi, true, false)?;
            w.inst_mut(*instance).ls_primary = Some(LsPrimary {
                database: db,
                backup_job_enabled: true,
            });
            w.inst_mut(*secondary).ls_secondary = Some(LsSecondary {
                database: db,
                primary: *instance,
                last_copied_file: Some(fid),
                last_restored_file: Some(fid),
                last_restored_latency_min: Some(0),
            });
            w.files[fi].in_copy_folder = FileState::Readable;
            Ok(Effect::LogShippingConfigured {
                primary: *instance,
                secondary: *secondary,
                file: fid,
            })
        }
        DeleteLogShippingPrimary { instance, database } => {
            reach(w, *instance)?;
            let inst = w.inst_mut(*instance);
            match inst.ls_primary {
                Some(c) if c.database == *database => {
                    inst.ls_primary = None;
                    Ok(Effect::PrimaryConfigRemoved { instance: *instance })
                }
                _ => Err(Failure::Cmdlet(CmdletError::NotConfigured(
                    "sp_delete_log_shipping_primary_database: the database is not a log shipping primary on this instance.",
                ))),
            }
        }
        RestoreLogFile {
            instance,
            database,
            newest,
        } => {
            reach(w, *instance)?;
            let db = *database;
            log_restorable(w, *instance, db)?;
            let Some(k) = (0..w.files.len())
                .rev()
                .filter(|&k| {
                    let f = &w.files[k];
                    f.database == db
                        && f.kind == BackupKind::Log
                        && f.in_copy_folder != FileState::Absent
                })
                .nth(*newest as usize)
            else {
                return Err(sql(
                    SqlError::E3201 {
                        device: format!("<copy folder>\\{db}_newest_{newest}.trn"),
                        os_error: OsError::NotFound,
                    },
                    Statement::RestoreLog,
                ));
            };
            let next = roll_forward(w, *instance, db, k)?;
            after_norecovery(w, *instance, db, 1);
            Ok(Effect::LogsRestored {
                files: 1,
                skipped: 0,
                redo_lsn: next,
            })
        }
        Wait { seconds } => Ok(Effect::Waited { seconds: *seconds }),
    }
}

pub fn active_list(w: &World) -> Vec<u8> {
    active_servers(w).to_vec()
}

/// The active servers' numbers, in order.
fn active_servers(w: &World) -> SmallVec<[u8; SERVER_COUNT]> {
    // Filled in place and handed over whole: `collect` pushed one by one, each push
    // testing whether the inline buffer had spilled.
    let mut buf = [0u8; SERVER_COUNT];
    let mut len = 0;
    for (n, s) in w.servers.iter().enumerate() {
        buf[len] = (n + 1) as u8;
        len += usize::from(s.active);
    }
    SmallVec::from_buf_and_len(buf, len)
}
