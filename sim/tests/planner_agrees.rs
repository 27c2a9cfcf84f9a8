//! One rule, two users: the model's F3 (restore the copy folder's unapplied logs) and the
//! restore planner, given the same files and redo point, choose the same logs and stop at
//! the same gap.

mod common;
use common::*;
use proptest::prelude::*;
use sim::backups::restore_logs_from_copy_folder;
use sim::fault::Job;
use sim::jobs;
use sim::plan::{plan, BackupRecord, BackupType, PlanOptions, Timestamp};
use sim::sqlerror::{Failure, SqlError};
use sim::topology::{Db, Instance};
use sim::world::{BackupKind, FileState, World};

fn ts(t: u64) -> Timestamp {
    Timestamp {
        year: 2026,
        month: 1,
        day: 1,
        hour: (t / 3600) as u8,
        minute: (t / 60 % 60) as u8,
        second: (t % 60) as u8,
        nanos: 0,
    }
}

/// The copy folder as msdb history would list it.
fn copy_folder_history(w: &World) -> Vec<BackupRecord> {
    w.files
        .iter()
        .filter(|f| f.kind == BackupKind::Log && f.in_copy_folder == FileState::Readable)
        .map(|f| BackupRecord {
            database_name: "mgc".into(),
            server_name: f.source.host().into(),
            backup_type: BackupType::Log,
            backup_set_uuid: format!("00000000-0000-0000-0000-{:012}", f.id),
            first_lsn: f.first_lsn,
            last_lsn: f.last_lsn,
            checkpoint_lsn: f.checkpoint_lsn,
            database_backup_lsn: f.database_backup_lsn,
            differential_base_lsn: None,
            backup_start_date: ts(f.created_at),
            backup_finish_date: ts(f.created_at),
            is_copy_only: false,
            physical_device_name: Some(f.file_name()),
            first_recovery_fork_guid: None,
            last_recovery_fork_guid: None,
        })
        .collect()
}

/// `cycles` log backups copied to the copy folder, the first `restored` of them restored by
/// the job, then the files in `missing` deleted from the copy folder.
fn world_with(cycles: u64, restored: u64, missing: &[bool]) -> World {
    let mut w = world();
    for c in 1..=cycles {
        at(&mut w, c * 900);
        jobs::run(&mut w, Job::Backup, 1 << 40);
        jobs::run(&mut w, Job::Copy, 1 << 40);
        if c == restored {
            jobs::run(&mut w, Job::Restore, 1 << 40);
        }
    }
    for (f, gone) in w.files.iter_mut().zip(missing) {
        if *gone {
            f.in_copy_folder = FileState::Absent;
        }
    }
    w
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]
    #[test]
    fn model_f3_and_planner_agree(cycles in 1u64..12, restored in 0u64..12, missing in proptest::collection::vec(proptest::bool::weighted(0.2), 12)) {
        let mut w = world_with(cycles, restored, &missing);
        let redo = w.db(Instance::Backup, Db::Mgc).lsn;
        let history = copy_folder_history(&w);
        let p = plan(&history, &PlanOptions { database: Some("mgc".into()), redo_start_lsn: Some(redo), ..Default::default() }).unwrap();
        let before = w.db(Instance::Backup, Db::Mgc).lsn;
        let model = restore_logs_from_copy_folder(&mut w, Instance::Backup, Db::Mgc);
        let after = w.db(Instance::Backup, Db::Mgc).lsn;
        match model {
            Ok((n, _)) => {
                prop_assert!(p.gap.is_none(), "planner saw a gap the model did not: {:?}", p.gap);
                prop_assert_eq!(p.restore_sequence.len() as u32, n);
                prop_assert_eq!(p.final_redo_lsn.unwrap_or(before), after);
            }
            Err(Failure::Sql(SqlError::E4305 { first, redo: at_redo }, _)) => {
                let gap = p.gap.as_ref().expect("the model hit 4305, so the planner must report a gap");
                prop_assert_eq!(gap.error(), SqlError::E4305 { first, redo: at_redo });
                prop_assert_eq!(p.final_redo_lsn.unwrap_or(before), after);
            }
            Err(other) => prop_assert!(false, "unexpected model failure {:?}", other),
        }
    }
}

#[test]
fn both_branches_are_reached() {
    // Log 3 of 4 deleted: the model stops with 4305 after log 2; the planner reports the gap.
    let mut w = world_with(4, 1, &[false, false, true, false]);
    let redo = w.db(Instance::Backup, Db::Mgc).lsn;
    let p = plan(
        &copy_folder_history(&w),
        &PlanOptions {
            database: Some("mgc".into()),
            redo_start_lsn: Some(redo),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(p.restore_sequence.len(), 1);
    let gap = p.gap.expect("a gap");
    let err = restore_logs_from_copy_folder(&mut w, Instance::Backup, Db::Mgc).unwrap_err();
    assert_eq!(err.number(), Some(4305));
    assert_eq!(
        err,
        Failure::Sql(gap.error(), sim::sqlerror::Statement::RestoreLog)
    );
    // Nothing deleted: both restore logs 2-4.
    let mut w = world_with(4, 1, &[false; 4]);
    let redo = w.db(Instance::Backup, Db::Mgc).lsn;
    let p = plan(
        &copy_folder_history(&w),
        &PlanOptions {
            database: Some("mgc".into()),
            redo_start_lsn: Some(redo),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(p.restore_sequence.len(), 3);
    assert_eq!(
        restore_logs_from_copy_folder(&mut w, Instance::Backup, Db::Mgc)
            .unwrap()
            .0,
        3
    );
}
