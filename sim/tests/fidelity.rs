//! SQL Server's rules where the model once said what SQL Server would not (issue 8), each
//! with the page of the MicrosoftDocs/sql-docs repository it rests on, and the assumptions
//! where no page decides.

mod common;
use common::*;
use sim::assumptions::Name;
use sim::fault::{Fault, Job};
use sim::jobs::{self, JobOutcome};
use sim::outage::apply;
use sim::sqlerror::{Failure, OsError};
use sim::topology::{Db, Dc, Instance};
use sim::world::{BackupKind, DbState, FileState, MirrorRole, MirrorState, World};

fn world_with(json_assumptions: &str) -> World {
    World::new(&scenario(&format!(
        r#"{{"name":"t","assumptions":{json_assumptions}}}"#
    )))
}

/// Two log backups shipped to the copy folder; the restore job has applied neither.
fn shipped(w: &mut World) {
    at(w, 900);
    jobs::run(w, Job::Backup, 1 << 40);
    at(w, 1800);
    jobs::run(w, Job::Backup, 1 << 40);
    jobs::run(w, Job::Copy, 1 << 40);
}

// docs/relational-databases/backup-restore/backup-and-restore-interoperability-and-coexistence-sql-server.md:
// "Backup of the principal database is allowed, but BACKUP LOG WITH NORECOVERY is not allowed."
#[test]
fn tail_log_backup_on_a_mirrored_principal_is_refused() {
    let mut w = world();
    let f = act(&mut w, r#"{"kind":"backup_tail_log","instance":"primary"}"#).unwrap_err();
    assert_eq!(f.number(), Some(1468));
    assert!(f
        .render()
        .contains("involved in a database mirroring session"));
    assert!(f.render().contains("BACKUP LOG is terminating abnormally."));
    // No impossible RESTORING principal is left behind.
    let p = w.db(Instance::Primary, Db::Mgc);
    assert_eq!(p.state, DbState::Online);
    assert_eq!(p.role(), Some(MirrorRole::Principal));
    // Without mirroring the tail-log backup works and leaves the database RESTORING.
    act(
        &mut w,
        r#"{"kind":"remove_mirroring","instance":"primary","database":"mgc"}"#,
    )
    .unwrap();
    act(&mut w, r#"{"kind":"backup_tail_log","instance":"primary"}"#).unwrap();
    assert_eq!(w.db(Instance::Primary, Db::Mgc).state, DbState::Restoring);
}

// docs/database-engine/log-shipping/fail-over-to-a-log-shipping-secondary-sql-server.md and
// change-roles-between-primary-and-secondary-log-shipping-servers-sql-server.md: the
// recovered secondary becomes the primary and its log backups continue the chain.
#[test]
fn a_recovered_secondary_continues_its_log_chain() {
    let mut w = world();
    shipped(&mut w);
    act(&mut w, r#"{"kind":"restore_unapplied_logs"}"#).unwrap();
    act(&mut w, r#"{"kind":"kill_sessions_and_recover"}"#).unwrap();
    let redo = w.db(Instance::Backup, Db::Mgc).lsn;
    // No new full backup: BACKUP LOG works (no 4214), starting where recovery ended.
    let id = sim::backups::take_log_backup(&mut w, Instance::Backup, Db::Mgc).unwrap();
    let f = &w.files[id as usize - 1];
    assert_eq!(f.kind, BackupKind::Log);
    assert_eq!(f.first_lsn, redo);
}

// docs/t-sql/statements/restore-statements-transact-sql.md (RESTORE ... WITH RECOVERY from a
// full backup) then BACKUP LOG: the restored database has a current database backup.
#[test]
fn a_database_restored_from_a_full_backup_can_back_up_its_log() {
    let mut w = world();
    act(
        &mut w,
        r#"{"kind":"backup_full_to_share","instance":"primary"}"#,
    )
    .unwrap();
    act(
        &mut w,
        r#"{"kind":"remove_mirroring","instance":"primary","database":"mgc"}"#,
    )
    .unwrap();
    act(&mut w, r#"{"kind":"stop_chat_services"}"#).unwrap();
    act(
        &mut w,
        r#"{"kind":"restore_full_from_share","instance":"primary"}"#,
    )
    .unwrap();
    assert!(sim::backups::take_log_backup(&mut w, Instance::Primary, Db::Mgc).is_ok());
}

// docs/relational-databases/errors-events/mssqlserver-9002-database-engine-error.md: a full
// log stops the database accepting writes, so they are never acknowledged (and not lost).
#[test]
fn a_full_disk_on_the_principal_stops_writes_but_not_backups_to_the_share() {
    let mut w = world();
    at(&mut w, 60);
    let before = w.acknowledged().len();
    apply(
        &mut w,
        &Fault::DiskFull {
            instance: Instance::Primary,
        },
    );
    at(&mut w, 660);
    assert_eq!(w.acknowledged().len(), before, "no write acknowledged");
    assert!(w.used.contains(Name::DiskFullScope));
    // The share is another machine: the log backup job still succeeds.
    assert!(matches!(
        jobs::run(&mut w, Job::Backup, 1 << 40),
        JobOutcome::BackedUp { .. }
    ));
    apply(
        &mut w,
        &Fault::DiskFreed {
            instance: Instance::Primary,
        },
    );
    at(&mut w, 720);
    assert_eq!(w.acknowledged().len(), before + 600);
}

// database-engine-events-and-errors-3000-3999.md: 3202 "Write on "%ls" failed: %ls" and 3257
// "There is insufficient free space on disk volume ...".
#[test]
fn disk_full_errors_are_3202_for_a_backup_and_3257_for_a_restore() {
    let mut w = world();
    at(&mut w, 900);
    apply(&mut w, &Fault::ShareFull);
    match jobs::run(&mut w, Job::Backup, 1 << 40) {
        JobOutcome::Failed { failure, .. } => {
            assert_eq!(failure.number(), Some(3202));
            assert!(failure.render().contains(
                "Write on \"\\\\fs-dc2\\logship\\mgc_0001.trn\" failed: 112(There is not enough space on the disk.)"
            ), "{}", failure.render());
        }
        other => panic!("expected 3202, got {other:?}"),
    }
    apply(&mut w, &Fault::ShareFreed);
    act(
        &mut w,
        r#"{"kind":"backup_full_to_share","instance":"primary"}"#,
    )
    .unwrap();
    apply(
        &mut w,
        &Fault::DiskFull {
            instance: Instance::BackupMirror,
        },
    );
    let f = act(
        &mut w,
        r#"{"kind":"restore_full_from_share","instance":"backup-mirror","recovery":false}"#,
    )
    .unwrap_err();
    assert_eq!(f.number(), Some(3257));
    assert!(f
        .render()
        .contains("insufficient free space on disk volume"));
}

// docs/tools/sqllogship-application.md: the copy job copies (it deletes nothing); -restore
// restores and then deletes old files in the destination; the backup job deletes old files
// on the share.
#[test]
fn retention_backup_job_cleans_the_share_restore_job_the_copy_folder_copy_job_nothing() {
    let mut w = world();
    shipped(&mut w);
    at(&mut w, 2700);
    let retention = 1000; // files created at 900 are older than 2700 - 1000
    jobs::run(&mut w, Job::Copy, retention);
    assert!(
        w.files
            .iter()
            .all(|f| f.in_copy_folder == FileState::Readable),
        "the copy job deletes nothing"
    );
    jobs::run(&mut w, Job::Restore, retention);
    assert_eq!(w.files[0].in_copy_folder, FileState::Absent);
    assert_eq!(w.files[1].in_copy_folder, FileState::Readable);
    assert_eq!(
        w.files[0].on_share,
        FileState::Readable,
        "only the backup job cleans the share"
    );
    jobs::run(&mut w, Job::Backup, retention);
    assert_eq!(w.files[0].on_share, FileState::Absent);
}

// docs/database-engine/database-mirroring/mirroring-states-sql-server.md (SYNCHRONIZING) and
// quorum-how-a-witness-affects-database-availability-database-mirroring.md: automatic
// failover needs a SYNCHRONIZED mirror.
#[test]
fn no_automatic_failover_while_the_mirror_is_synchronizing() {
    let mut w = world();
    apply(
        &mut w,
        &Fault::InstanceDown {
            instance: Instance::Mirror,
        },
    );
    at(&mut w, 300);
    apply(
        &mut w,
        &Fault::InstanceUp {
            instance: Instance::Mirror,
        },
    );
    assert_eq!(
        w.db(Instance::Mirror, Db::Mgc).mirroring.unwrap().state,
        MirrorState::Synchronizing
    );
    // The principal fails before the mirror has caught up: no failover.
    apply(
        &mut w,
        &Fault::InstanceDown {
            instance: Instance::Primary,
        },
    );
    assert_eq!(
        w.db(Instance::Mirror, Db::Mgc).role(),
        Some(MirrorRole::Mirror)
    );
    assert!(!w.coverage.mirror_took_over);
}

// Msg 3201 belongs to BACKUP/RESTORE (mssqlserver-3201-database-engine-error.md); a file
// copy reports the operating system's error (53: the network path was not found).
#[test]
fn the_copy_job_fails_with_the_os_error_not_3201() {
    let mut w = world();
    at(&mut w, 900);
    jobs::run(&mut w, Job::Backup, 1 << 40);
    apply(&mut w, &Fault::ShareDown);
    match jobs::run(&mut w, Job::Copy, 1 << 40) {
        JobOutcome::Failed { failure, .. } => {
            assert_eq!(failure.number(), None, "not a SQL Server message");
            assert!(matches!(
                failure,
                Failure::Os {
                    os_error: OsError::NetworkPath,
                    ..
                }
            ));
            assert!(failure
                .render()
                .starts_with("ERROR 53 (0x00000035) Accessing"));
            assert!(failure
                .render()
                .ends_with("The network path was not found."));
        }
        other => panic!("expected a failure, got {other:?}"),
    }
}

// database-engine-events-and-errors-5000-5999.md: 5011 (level 14) "User does not have
// permission to alter database '%.*ls', the database does not exist, ..." then 5069 "ALTER
// DATABASE statement failed." (not 911, which is USE's message).
#[test]
fn alter_database_on_a_missing_database_is_5011_then_5069() {
    let mut w = world();
    let f = act(
        &mut w,
        r#"{"kind":"remove_mirroring","instance":"backup","database":"mgccomp"}"#,
    )
    .unwrap_err();
    assert_eq!(f.number(), Some(5011));
    let text = f.render();
    assert!(text.starts_with("Msg 5011, Level 14, State 1, Line 1\nUser does not have permission to alter database 'mgccomp', the database does not exist"), "{text}");
    assert!(
        text.ends_with("Msg 5069, Level 16, State 1, Line 1\nALTER DATABASE statement failed."),
        "{text}"
    );
}

// One condition, one error: a mirror copy answers 954 ("acting as a mirror database") to
// BACKUP DATABASE and BACKUP LOG alike (database-mirroring-and-backup: "Backup and restore of
// the mirror database are not allowed").
#[test]
fn backup_of_a_mirror_copy_is_954_whatever_the_statement() {
    let mut w = world();
    for a in [
        r#"{"kind":"backup_full_to_share","instance":"mirror"}"#,
        r#"{"kind":"backup_tail_log","instance":"mirror"}"#,
    ] {
        assert_eq!(err_no(act(&mut w, a)), 954, "{a}");
    }
}

// docs/relational-databases/system-catalog-views/sys-databases-transact-sql.md: a standby
// copy is ONLINE with is_in_standby = 1; RESTORE LOG ... WITH NORECOVERY
// (restore-statements-arguments-transact-sql.md) leaves it RESTORING.
#[test]
fn standby_shows_online_with_is_in_standby_and_norecovery_leaves_restoring() {
    let mut w = World::new(&scenario(r#"{"name":"t","log_shipping":{"standby":true}}"#));
    let ob = sim::observe::observe(&w);
    let b = ob
        .instances
        .iter()
        .find(|i| i.instance == Instance::Backup)
        .unwrap();
    assert_eq!(b.databases[0].state_desc, "ONLINE");
    assert!(b.databases[0].is_in_standby);
    shipped(&mut w);
    act(&mut w, r#"{"kind":"restore_unapplied_logs"}"#).unwrap();
    assert_eq!(w.db(Instance::Backup, Db::Mgc).state, DbState::Restoring);
}

// No document decides whether a log that ends exactly at the redo LSN is an error or a
// no-op: assumption log_ending_at_redo, noted when a run meets it.
#[test]
fn a_log_ending_exactly_at_the_redo_point_follows_its_assumption() {
    for (setting, ok) in [("error_4326", false), ("no_op", true)] {
        let mut w = world_with(&format!(r#"{{"log_ending_at_redo":"{setting}"}}"#));
        shipped(&mut w);
        act(&mut w, r#"{"kind":"restore_unapplied_logs"}"#).unwrap();
        let redo = w.db(Instance::Backup, Db::Mgc).lsn;
        // The newest log ends exactly at the redo point now.
        assert_eq!(w.files[1].last_lsn, redo);
        let r = act(&mut w, r#"{"kind":"restore_log_file","newest":0}"#);
        assert_eq!(r.is_ok(), ok, "{setting}: {r:?}");
        if !ok {
            assert_eq!(err_no(r), 4326);
        }
        assert_eq!(w.db(Instance::Backup, Db::Mgc).lsn, redo);
        assert!(w.used.contains(Name::LogEndingAtRedo));
    }
}

// 3159 and 3154 are both documented (restore-statements-transact-sql.md, REPLACE option);
// which one SQL Server raises first when both apply is not: assumption
// restore_over_other_database.
#[test]
fn restore_of_another_database_over_an_online_one_follows_its_assumption() {
    for (setting, number) in [("3159_first", 3159), ("3154_first", 3154)] {
        let mut w = world_with(&format!(r#"{{"restore_over_other_database":"{setting}"}}"#));
        // The backup's mgc (the old family) is backed up; DC1 is rebuilt (a new family).
        act(&mut w, r#"{"kind":"kill_sessions_and_recover"}"#).unwrap();
        act(&mut w, r#"{"kind":"backup_full_to_share"}"#).unwrap();
        apply(&mut w, &Fault::DcDown { dc: Dc::Dc1 });
        apply(&mut w, &Fault::Dc1Rebuilt { mirrored: false });
        act(&mut w, r#"{"kind":"stop_chat_services"}"#).unwrap();
        let f = act(
            &mut w,
            r#"{"kind":"restore_full_from_share","instance":"primary","replace":false}"#,
        );
        assert_eq!(err_no(f), number, "{setting}");
        assert!(w.used.contains(Name::RestoreOverOtherDatabase));
    }
}

// Gap 9: the cmdlet reference says a removed server keeps its clients; that it keeps its
// session on mgc is inferred (assumption inactive_server_session). SQL Server's part, 3101
// while any session uses the database, is certain.
#[test]
fn b5s_3101_rests_on_the_inactive_server_session_assumption() {
    for (setting, number) in [("keeps", Some(3101)), ("closes", None)] {
        let mut w = world_with(&format!(r#"{{"inactive_server_session":"{setting}"}}"#));
        act(&mut w, r#"{"kind":"kill_sessions_and_recover"}"#).unwrap();
        act(&mut w, r#"{"kind":"set_pool_state","state":"FailedOver"}"#).unwrap();
        assert!(w.sessions_on(Instance::Backup) > 0);
        act(&mut w, r#"{"kind":"set_active_servers","servers":"clear"}"#).unwrap();
        act(&mut w, r#"{"kind":"backup_full_to_share"}"#).unwrap();
        let r = act(
            &mut w,
            r#"{"kind":"restore_full_from_share","instance":"backup","recovery":false}"#,
        );
        assert_eq!(
            r.as_ref().err().and_then(|f| f.number()),
            number,
            "{setting}"
        );
        assert!(w.used.contains(Name::InactiveServerSession), "{setting}");
    }
}
