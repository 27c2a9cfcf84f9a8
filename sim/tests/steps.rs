//! Each runbook step's preconditions and effects.

mod common;
use common::*;
use sim::fault::{Fault, Job};
use sim::jobs::{self, JobOutcome};
use sim::outage::apply;
use sim::topology::{Db, Dc, Instance, PoolState};
use sim::world::{DbState, FileState};

/// DC1 lost one minute after a log backup that the copy job has not copied yet.
fn after_dc1_outage(share: &str) -> sim::world::World {
    let mut w = sim::world::World::new(&scenario(&format!(
        r#"{{"name":"t","topology":{{"share":"{share}"}}}}"#
    )));
    for t in [900u64, 1800] {
        at(&mut w, t);
        jobs::run(&mut w, Job::Backup, 1 << 40);
        at(&mut w, t + 120);
        jobs::run(&mut w, Job::Copy, 1 << 40);
        at(&mut w, t + 240);
        jobs::run(&mut w, Job::Restore, 1 << 40);
    }
    at(&mut w, 2700);
    jobs::run(&mut w, Job::Backup, 1 << 40);
    at(&mut w, 2760);
    apply(&mut w, &Fault::DcDown { dc: Dc::Dc1 });
    apply(&mut w, &Fault::CmsFailover { to: Dc::Dc2 });
    w
}

#[test]
fn f1_removes_the_secondary_configuration_and_jobs_but_not_the_database() {
    let mut w = after_dc1_outage("DC2");
    act(&mut w, r#"{"kind":"delete_log_shipping_secondary"}"#).unwrap();
    assert!(w.inst(Instance::Backup).ls_secondary.is_none());
    assert_eq!(w.db(Instance::Backup, Db::Mgc).state, DbState::Restoring);
    assert_eq!(
        jobs::run(&mut w, Job::Copy, 1 << 40),
        JobOutcome::Idle,
        "the copy job is gone"
    );
    assert_eq!(
        jobs::run(&mut w, Job::Restore, 1 << 40),
        JobOutcome::Idle,
        "the restore job is gone"
    );
    // Gap 3: the primary-side configuration is never removed.
    assert!(w.inst(Instance::Primary).ls_primary.is_some());
    assert!(
        act(&mut w, r#"{"kind":"delete_log_shipping_secondary"}"#).is_err(),
        "nothing left to delete"
    );
}

#[test]
fn f2_f3_f4_recover_every_shipped_write_when_the_share_is_in_dc2() {
    let mut w = after_dc1_outage("DC2");
    let shipped: u64 = w.files.iter().map(|f| f.writes.len()).sum();
    act(&mut w, r#"{"kind":"delete_log_shipping_secondary"}"#).unwrap();
    assert!(matches!(
        act(&mut w, r#"{"kind":"copy_uncopied_files"}"#).unwrap(),
        sim::steps::Effect::FilesCopied { files: 1 }
    ));
    act(&mut w, r#"{"kind":"restore_unapplied_logs"}"#).unwrap();
    act(&mut w, r#"{"kind":"kill_sessions_and_recover"}"#).unwrap();
    let b = w.db(Instance::Backup, Db::Mgc);
    assert_eq!(b.state, DbState::Online);
    assert_eq!(b.writes.len(), shipped);
    // Writes after the last log backup were acknowledged but never shipped.
    assert_eq!(w.acknowledged().len() - shipped, 600);
}

#[test]
fn f2_fails_when_the_share_is_in_dc1() {
    let mut w = after_dc1_outage("DC1");
    // A file copy reports the operating system's error (53), not a SQL Server message.
    let f = act(&mut w, r#"{"kind":"copy_uncopied_files"}"#).unwrap_err();
    assert_eq!(f.number(), None);
    assert!(
        f.render().starts_with("ERROR 53 (0x00000035)"),
        "{}",
        f.render()
    );
    assert!(w
        .files
        .iter()
        .any(|f| f.in_copy_folder == FileState::Absent));
}

#[test]
fn f5_points_the_servers_at_backup_and_needs_the_cms() {
    let mut w = after_dc1_outage("DC2");
    apply(&mut w, &Fault::CmsDown);
    act(&mut w, r#"{"kind":"kill_sessions_and_recover"}"#).unwrap();
    assert!(act(&mut w, r#"{"kind":"set_pool_state","state":"FailedOver"}"#).is_err());
    apply(&mut w, &Fault::CmsUp);
    act(&mut w, r#"{"kind":"set_pool_state","state":"FailedOver"}"#).unwrap();
    assert_eq!(w.pool_state, PoolState::FailedOver);
    // 2+2 layout: servers 5 and 6 in DC2 were active and now write to backup.
    assert!(w.serving());
    assert!(w.writers().all(|(_, c)| c == Instance::Backup));
}

#[test]
fn f6_mirrors_backup_and_refuses_a_stale_mirror_copy() {
    let mut w = after_dc1_outage("DC2");
    act(&mut w, r#"{"kind":"kill_sessions_and_recover"}"#).unwrap();
    act(&mut w, r#"{"kind":"install_mirror_database"}"#).unwrap();
    assert_eq!(
        w.db(Instance::BackupMirror, Db::Mgc).state,
        DbState::Restoring
    );
    act(&mut w, r#"{"kind":"remove_mirroring","database":"mgc"}"#).unwrap();
    // Gap 6: the stale copy stays on the backup mirror; mirroring again needs -DropExistingDatabasesOnMirror.
    assert!(act(&mut w, r#"{"kind":"install_mirror_database"}"#).is_err());
    act(
        &mut w,
        r#"{"kind":"install_mirror_database","drop_existing":true}"#,
    )
    .unwrap();
}

#[test]
fn f7_and_b1_set_the_active_list_and_removed_servers_keep_their_clients() {
    let mut w = after_dc1_outage("DC2");
    act(&mut w, r#"{"kind":"kill_sessions_and_recover"}"#).unwrap();
    act(&mut w, r#"{"kind":"set_pool_state","state":"FailedOver"}"#).unwrap();
    let set = act(
        &mut w,
        r#"{"kind":"set_active_servers","servers":{"dc":"DC2"}}"#,
    )
    .unwrap();
    assert_eq!(sim::steps::active_list(&w), vec![5, 6, 7, 8]);
    // The effect keeps its list inline, and serializes it as the list it is.
    assert_eq!(
        serde_json::to_string(&set).unwrap(),
        r#"{"effect":"active_servers_set","active":[5,6,7,8]}"#
    );
    act(&mut w, r#"{"kind":"set_active_servers","servers":"clear"}"#).unwrap();
    assert!(sim::steps::active_list(&w).is_empty());
    // Gap 9: clearing the list does not drop existing connections; writes go on, though
    // no new client can connect.
    assert!(!w.serving());
    assert!(w.writers().next().is_some());
    act(&mut w, r#"{"kind":"stop_chat_services"}"#).unwrap();
    assert!(w.writers().next().is_none());
    assert_eq!(
        err_no_cmdlet(act(
            &mut w,
            r#"{"kind":"set_active_servers","servers":{"servers":[9]}}"#
        )),
        "pchat9"
    );
}

fn err_no_cmdlet(r: Result<sim::steps::Effect, sim::sqlerror::Failure>) -> String {
    r.unwrap_err()
        .render()
        .split_whitespace()
        .find(|x| x.starts_with("pchat"))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn b3_b4_b5_move_the_database_home_and_restart_log_shipping() {
    let mut w = after_dc1_outage("DC2");
    act(&mut w, r#"{"kind":"kill_sessions_and_recover"}"#).unwrap();
    act(&mut w, r#"{"kind":"set_pool_state","state":"FailedOver"}"#).unwrap();
    at(&mut w, 4000);
    apply(&mut w, &Fault::Dc1Rebuilt { mirrored: false });
    assert_eq!(
        w.db(Instance::Primary, Db::Mgc).writes.len(),
        0,
        "Topology Builder recreated mgc empty"
    );
    act(&mut w, r#"{"kind":"stop_chat_services"}"#).unwrap();
    act(&mut w, r#"{"kind":"backup_full_to_share"}"#).unwrap();
    act(&mut w, r#"{"kind":"restore_full_from_share"}"#).unwrap();
    assert_eq!(
        w.db(Instance::Primary, Db::Mgc).writes,
        w.db(Instance::Backup, Db::Mgc).writes
    );
    act(&mut w, r#"{"kind":"configure_log_shipping"}"#).unwrap();
    assert_eq!(w.db(Instance::Backup, Db::Mgc).state, DbState::Restoring);
    assert_eq!(
        w.inst(Instance::Backup).ls_secondary.unwrap().primary,
        Instance::Primary
    );
    // The next log backup of the primary reaches backup and is restored.
    act(&mut w, r#"{"kind":"set_pool_state","state":"Normal"}"#).unwrap();
    act(
        &mut w,
        r#"{"kind":"set_active_servers","servers":{"dc":"DC1"}}"#,
    )
    .unwrap();
    act(&mut w, r#"{"kind":"start_chat_services"}"#).unwrap();
    assert!(w.serving());
    at(&mut w, 5000);
    assert!(matches!(
        jobs::run(&mut w, Job::Backup, 1 << 40),
        JobOutcome::BackedUp {
            instance: Instance::Primary,
            ..
        }
    ));
    assert!(matches!(
        jobs::run(&mut w, Job::Copy, 1 << 40),
        JobOutcome::Copied { .. }
    ));
    assert!(matches!(
        jobs::run(&mut w, Job::Restore, 1 << 40),
        JobOutcome::Restored { files: 1 }
    ));
}
