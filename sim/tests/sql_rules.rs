//! SQL Server's rules as the model applies them: every error number the model raises, with
//! SQL Server's text, and the LSN rule with 23-digit LSNs.

mod common;
use common::*;
use sim::fault::{Fault, Job};
use sim::jobs;
use sim::lsn::Lsn;
use sim::sqlerror::{SqlError, Statement};
use sim::topology::{Db, Instance};
use sim::world::{BackupKind, DbState};

/// Ship two log backups to the backup instance's copy folder and restore the first only.
fn shipped_world() -> sim::world::World {
    let mut w = world();
    at(&mut w, 900);
    jobs::run(&mut w, Job::Backup, 1 << 40);
    at(&mut w, 1800);
    jobs::run(&mut w, Job::Backup, 1 << 40);
    jobs::run(&mut w, Job::Copy, 1 << 40);
    w
}

#[test]
fn lsns_have_23_digits_and_the_chain_continues() {
    let w = shipped_world();
    let logs: Vec<_> = w
        .files
        .iter()
        .filter(|f| f.kind == BackupKind::Log)
        .collect();
    assert_eq!(logs.len(), 2);
    assert_eq!(logs[0].last_lsn.to_string().len(), 23);
    assert!(sim::lsn::continues_chain(
        logs[0].last_lsn,
        logs[1].first_lsn
    ));
}

#[test]
fn e4305_when_a_log_is_too_recent() {
    let mut w = shipped_world();
    // The newest log (index 0) begins after the redo point: a gap.
    let redo = w.db(Instance::Backup, Db::Mgc).lsn;
    let first = w.files[1].first_lsn;
    let r = act(&mut w, r#"{"kind":"restore_log_file","newest":0}"#);
    let f = r.unwrap_err();
    assert_eq!(f.number(), Some(4305));
    let text = f.render();
    assert!(text.contains(&format!("The log in this backup set begins at LSN {first}, which is too recent to apply to the database. An earlier log backup that includes LSN {redo} can be restored.")), "{text}");
    assert!(text
        .contains("Msg 3013, Level 16, State 1, Line 1\nRESTORE LOG is terminating abnormally."));
    assert_eq!(
        w.db(Instance::Backup, Db::Mgc).lsn,
        redo,
        "a failed restore changes nothing"
    );
}

#[test]
fn e4326_when_a_log_is_already_applied() {
    let mut w = shipped_world();
    act(&mut w, r#"{"kind":"restore_log_file","newest":1}"#).unwrap();
    let redo = w.db(Instance::Backup, Db::Mgc).lsn;
    let r = act(&mut w, r#"{"kind":"restore_log_file","newest":1}"#);
    let f = r.unwrap_err();
    assert_eq!(f.number(), Some(4326));
    assert!(f.render().contains(&format!(
        "A more recent log backup that includes LSN {redo} can be restored."
    )));
}

#[test]
fn f3_restores_in_sequence_and_skips_applied_logs() {
    let mut w = shipped_world();
    act(&mut w, r#"{"kind":"restore_log_file","newest":1}"#).unwrap();
    let e = act(&mut w, r#"{"kind":"restore_unapplied_logs"}"#).unwrap();
    match e {
        sim::steps::Effect::LogsRestored {
            files,
            skipped,
            redo_lsn,
        } => {
            assert_eq!((files, skipped), (1, 1));
            assert_eq!(redo_lsn, w.files[1].last_lsn);
        }
        other => panic!("{other:?}"),
    }
    // Every write of both logs is now in the backup copy.
    let held = &w.db(Instance::Backup, Db::Mgc).writes;
    assert!(held.contains_all(&w.files[0].writes) && held.contains_all(&w.files[1].writes));
}

#[test]
fn e3117_restore_log_onto_an_online_database() {
    let mut w = world();
    assert_eq!(
        err_no(act(
            &mut w,
            r#"{"kind":"restore_unapplied_logs","instance":"primary"}"#
        )),
        3117
    );
}

#[test]
fn e3153_recovery_of_a_recovered_database() {
    let mut w = world();
    act(&mut w, r#"{"kind":"kill_sessions_and_recover"}"#).unwrap();
    assert_eq!(w.db(Instance::Backup, Db::Mgc).state, DbState::Online);
    assert_eq!(
        err_no(act(&mut w, r#"{"kind":"kill_sessions_and_recover"}"#)),
        3153
    );
}

#[test]
fn e3118_restore_onto_a_missing_database() {
    let mut w = world();
    assert_eq!(
        err_no(act(
            &mut w,
            r#"{"kind":"restore_unapplied_logs","instance":"backup-mirror"}"#
        )),
        3118
    );
}

#[test]
fn e3104_restore_over_a_mirrored_database() {
    let mut w = world();
    // B4 on the primary while it is still mirrored.
    at(&mut w, 60);
    act(
        &mut w,
        r#"{"kind":"backup_full_to_share","instance":"primary"}"#,
    )
    .unwrap();
    assert_eq!(
        err_no(act(
            &mut w,
            r#"{"kind":"restore_full_from_share","instance":"primary"}"#
        )),
        3104
    );
}

#[test]
fn e3159_restore_over_an_online_database_without_replace() {
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
    let f = act(
        &mut w,
        r#"{"kind":"restore_full_from_share","instance":"primary","replace":false}"#,
    )
    .unwrap_err();
    assert_eq!(f.number(), Some(3159));
    assert!(f
        .render()
        .contains("The tail of the log for the database \"mgc\" has not been backed up."));
}

#[test]
fn e3101_restore_while_chat_servers_are_connected() {
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
    assert!(w.sessions_on(Instance::Primary) > 0);
    assert_eq!(
        err_no(act(
            &mut w,
            r#"{"kind":"restore_full_from_share","instance":"primary"}"#
        )),
        3101
    );
    // Stopping the services drops the sessions, and the same restore then works.
    act(&mut w, r#"{"kind":"stop_chat_services"}"#).unwrap();
    act(
        &mut w,
        r#"{"kind":"restore_full_from_share","instance":"primary"}"#,
    )
    .unwrap();
}

#[test]
fn e3201_backup_to_an_unreachable_share() {
    let mut w = world();
    sim::outage::apply(&mut w, &Fault::ShareDown);
    let f = act(
        &mut w,
        r#"{"kind":"backup_full_to_share","instance":"primary"}"#,
    )
    .unwrap_err();
    assert_eq!(f.number(), Some(3201));
    assert!(f.render().contains("Cannot open backup device '\\\\fs-dc2\\logship'. Operating system error 53(The network path was not found.)."));
}

#[test]
fn e927_backup_of_a_restoring_database_and_e954_of_a_mirror() {
    let mut w = world();
    assert_eq!(
        err_no(act(
            &mut w,
            r#"{"kind":"backup_full_to_share","instance":"backup"}"#
        )),
        927
    );
    assert_eq!(
        err_no(act(
            &mut w,
            r#"{"kind":"backup_full_to_share","instance":"mirror"}"#
        )),
        954
    );
}

#[test]
fn e955_principal_without_quorum() {
    let mut w = world();
    // With a witness, a principal that loses both mirror and witness cannot serve.
    sim::outage::apply(
        &mut w,
        &Fault::InstanceDown {
            instance: Instance::Mirror,
        },
    );
    sim::outage::apply(
        &mut w,
        &Fault::InstanceDown {
            instance: Instance::Witness,
        },
    );
    assert!(!w.db(Instance::Primary, Db::Mgc).available);
    assert!(!w.serving());
    assert_eq!(
        err_no(act(
            &mut w,
            r#"{"kind":"backup_full_to_share","instance":"primary"}"#
        )),
        955
    );
}

#[test]
fn e4214_log_backup_without_a_full_backup() {
    // mgccomp was created and never backed up (a recovered copy continues a chain; this
    // database has none).
    let mut w = world();
    assert_eq!(
        err_no(act(
            &mut w,
            r#"{"kind":"backup_tail_log","instance":"primary","database":"mgccomp"}"#
        )),
        4214
    );
}

#[test]
fn e3036_backup_of_a_standby_database() {
    let mut w =
        sim::world::World::new(&scenario(r#"{"name":"t","log_shipping":{"standby":true}}"#));
    assert_eq!(w.db(Instance::Backup, Db::Mgc).state, DbState::Standby);
    let f = act(
        &mut w,
        r#"{"kind":"backup_full_to_share","instance":"backup"}"#,
    )
    .unwrap_err();
    assert_eq!(f.number(), Some(3036));
    assert!(f.render().contains("is in warm-standby state"));
}

#[test]
fn every_required_error_number_has_sql_servers_text() {
    let db = Db::Mgc;
    let l = Lsn(17126658000000314600037);
    let all = [
        (
            SqlError::E4305 { first: l, redo: l },
            4305,
            "too recent to apply",
        ),
        (
            SqlError::E4326 { last: l, redo: l },
            4326,
            "too early to apply",
        ),
        (SqlError::E3117, 3117, "no files are ready to rollforward"),
        (SqlError::E3153, 3153, "already fully recovered"),
        (SqlError::E3159 { db }, 3159, "tail of the log"),
        (
            SqlError::E3101,
            3101,
            "Exclusive access could not be obtained",
        ),
        (
            SqlError::E3104 { db },
            3104,
            "configured for database mirroring",
        ),
        (
            SqlError::E3201 {
                device: "x".into(),
                os_error: sim::sqlerror::OsError::NotFound,
            },
            3201,
            "Cannot open backup device 'x'",
        ),
        (
            SqlError::E3118 { db },
            3118,
            "does not exist. RESTORE can only create",
        ),
        (SqlError::E927 { db }, 927, "in the middle of a restore"),
        (SqlError::E954 { db }, 954, "acting as a mirror database"),
        (SqlError::E955 { db }, 955, "lacks quorum"),
        (SqlError::E4214, 4214, "no current database backup"),
        (SqlError::E3036 { db }, 3036, "warm-standby state"),
    ];
    for (e, n, text) in all {
        assert_eq!(e.number(), n);
        assert!(e.message().contains(text), "{n}: {}", e.message());
        assert!(e
            .render(Statement::RestoreDatabase)
            .starts_with(&format!("Msg {n}, Level")));
    }
}
