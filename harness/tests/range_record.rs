//! The range's recording replays exactly: drive the model backend through the documented
//! failover (T-SQL through the range's parser, cmdlets as the console applies them),
//! including statements SQL Server refuses, record the session, replay the recording with
//! the engine (and with `drill run`), and compare every step's outcome and error, the
//! RTO/RPO measures and the final state.

use harness::range::backend::{select_unavailable, Clock, ModelBackend};
use harness::range::reply::{Backend, Login, Reply, Session};
use harness::range::{record, tsql};
use sim::live::Live;
use sim::runbook::Action;
use sim::scenario::PhaseRunbook;
use sim::topology::{Db, Dc, Instance, PoolState};
use sim::world::{BackupKind, FileState};
use std::path::Path;

const BACKUP: usize = 3;

fn login() -> Login {
    Login {
        user: "drill".into(),
        password: "secret".into(),
        database: String::new(),
        app_name: "test".into(),
        host_name: "test".into(),
    }
}

fn errors(replies: &[Reply]) -> Vec<i32> {
    replies
        .iter()
        .filter_map(|r| match r {
            Reply::Message(m) if m.class > 10 => Some(m.number),
            _ => None,
        })
        .collect()
}

fn range(file: &str) -> (ModelBackend, Session) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios")
        .join(file);
    let l = harness::load::load(Some(&path)).expect("scenario loads");
    let b = ModelBackend::new(
        Live::new(&l.scenario),
        Clock::new(0.0),
        "drill",
        "secret",
        tsql::parse_batch,
        select_unavailable,
    );
    let s = b.login(BACKUP, &login()).expect("login");
    (b, s)
}

fn advance(b: &ModelBackend, s: u64) {
    b.lock().clock.advance(s);
}

/// Log backups in the copy folder not yet restored on backup, oldest first.
fn unrestored(b: &ModelBackend) -> Vec<String> {
    let st = b.lock();
    let w = st.live.world();
    let redo = w.db(Instance::Backup, Db::Mgc).lsn;
    let mut v: Vec<_> = w
        .files
        .iter()
        .filter(|f| {
            f.kind == BackupKind::Log
                && f.in_copy_folder == FileState::Readable
                && f.last_lsn > redo
        })
        .map(|f| (f.first_lsn, f.file_name()))
        .collect();
    v.sort();
    v.into_iter().map(|(_, n)| n).collect()
}

#[test]
fn a_recorded_failover_replays_exactly() {
    let (b, mut s) = range("full-cycle.json");
    // DC1 goes down at 01:01:00, before the copy job (01:02:00) fetched the 01:00 log
    // backup; the operator removes log shipping at 01:01:40, so F2 and F3 have work.
    advance(&b, 3700);
    let r = b.batch(
        BACKUP,
        &mut s,
        "exec sp_delete_log_shipping_secondary_database N'mgc'",
        &[],
    );
    assert_eq!(errors(&r), Vec::<i32>::new(), "{r:?}");
    advance(&b, 90);
    b.act(
        "robocopy (copy uncopied files)",
        &Action::CopyUncopiedFiles {
            instance: Instance::Backup,
        },
    )
    .expect("F2 copies");
    advance(&b, 120);
    let files = unrestored(&b);
    assert!(!files.is_empty(), "the copy brought logs to restore");
    // A log the restore job applied long ago is too early (4326), then 3013.
    let old = b
        .lock()
        .live
        .world()
        .files
        .iter()
        .find(|f| f.kind == BackupKind::Log)
        .unwrap()
        .file_name();
    assert_ne!(files[0], old);
    let sql = format!("RESTORE LOG [mgc] FROM DISK = N'D:\\LogShipCopy\\{old}' WITH NORECOVERY");
    let r = b.batch(BACKUP, &mut s, &sql, &[]);
    assert_eq!(errors(&r), vec![4326, 3013], "{r:?}");
    // A file that is nowhere: 3201, then 3013.
    let r = b.batch(
        BACKUP,
        &mut s,
        "RESTORE LOG mgc FROM DISK = 'D:\\LogShipCopy\\nothere.trn' WITH NORECOVERY",
        &[],
    );
    assert_eq!(errors(&r), vec![3201, 3013], "{r:?}");
    for f in &files {
        advance(&b, 30);
        let sql =
            format!("restore log mgc\n  from disk = 'D:\\LogShipCopy\\{f}'\n  with norecovery;");
        let r = b.batch(BACKUP, &mut s, &sql, &[]);
        assert_eq!(errors(&r), Vec::<i32>::new(), "{r:?}");
        assert!(r.iter().any(|x| matches!(x, Reply::Message(m) if m.number == 3014 && m.text.starts_with("RESTORE LOG successfully processed"))));
    }
    advance(&b, 60);
    let r = b.batch(BACKUP, &mut s, "RESTORE DATABASE mgc WITH RECOVERY", &[]);
    assert_eq!(errors(&r), Vec::<i32>::new(), "{r:?}");
    // Recovery twice: 3153 then 3013, as SQL Server.
    let r = b.batch(BACKUP, &mut s, "RESTORE DATABASE mgc WITH RECOVERY", &[]);
    assert_eq!(errors(&r), vec![3153, 3013]);
    // The CMS is failed over to DC2 at 01:10 (a fault): F5 needs it.
    advance(&b, 600);
    b.act(
        "Set-CsPersistentChatState -PoolState FailedOver",
        &Action::SetPoolState {
            state: PoolState::FailedOver,
        },
    )
    .expect("F5");
    advance(&b, 600);
    b.act(
        "Install-CsMirrorDatabase",
        &Action::InstallMirrorDatabase {
            instance: Instance::Backup,
            mirror: Instance::BackupMirror,
            database: Db::Mgc,
            drop_existing: false,
        },
    )
    .expect("F6");
    advance(&b, 90);
    b.act(
        "Set-CsPersistentChatActiveServer -ActiveServers DC2",
        &Action::SetActiveServers {
            servers: sim::runbook::ActiveSelection::Dc(Dc::Dc2),
        },
    )
    .expect("F7");

    let st = b.lock();
    let live = &st.live;
    let m = live.measures();
    assert!(
        m.service_restored_at_s.is_some(),
        "the session restored service"
    );
    let rec = record::recording(live);
    assert!(rec.inexact.is_empty(), "{:?}", rec.inexact);
    let PhaseRunbook::Inline(rb) = &rec.scenario.phases[0].runbook else {
        panic!("inline runbook")
    };
    let report = sim::engine::run(
        &rec.scenario,
        &[(**rb).clone()],
        sim::engine::Options { record: true },
    );
    let taken = live.taken();
    assert_eq!(report.steps.len(), taken.len());
    let step_entries: Vec<_> = report
        .timeline
        .iter()
        .filter(|e| e.kind == "step")
        .collect();
    for (k, t) in taken.iter().enumerate() {
        assert_eq!(report.steps[k].end_s, t.t_s, "step {k} time");
        assert_eq!(report.steps[k].ok, t.result.is_ok(), "step {k} outcome");
        assert_eq!(
            step_entries[k].error.as_ref().and_then(|e| e.number),
            t.result.as_ref().err().and_then(|f| f.number()),
            "step {k} error"
        );
    }
    assert_eq!(report.outage_start_s, m.outage_start_s);
    assert_eq!(report.service_restored_at_s, m.service_restored_at_s);
    assert_eq!(report.failover_rpo_writes_lost, m.failover_rpo_writes_lost);
    assert_eq!(report.failover_rpo_seconds, m.failover_rpo_seconds);
    // The state right after the last action, byte for byte.
    let last = step_entries.last().unwrap().observed.as_ref().unwrap();
    assert_eq!(
        serde_json::to_value(last).unwrap(),
        serde_json::to_value(live.observe()).unwrap()
    );

    // And the file replays with `drill run`: same RTO.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("session.json");
    record::write(live, &file).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_drill"))
        .args(["run", file.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("drill run --json");
    let rto = m.service_restored_at_s.unwrap() - m.outage_start_s.unwrap();
    assert_eq!(
        v["rto_seconds"],
        serde_json::json!(rto),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
