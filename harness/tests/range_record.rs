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

/// Random sessions (actions of the failover and failback runbooks, in random order, at
/// random times, several in the same second, some on the second a job or fault is due)
/// on every shipped scenario: each replays exactly, step by step and in its final state.
#[test]
fn random_sessions_replay_exactly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let mut seed: u64 = 0x5eed;
    let mut next = move |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let mut cases = 0;
    for file in [
        "full-cycle.json",
        "dc1-outage-share-dc1.json",
        "dc1-outage-share-dc2.json",
        "primary-crash.json",
    ] {
        let l = harness::load::load(Some(&dir.join(file))).unwrap();
        // The documented failover and failback, whatever the scenario plays.
        let full = harness::load::load(Some(&dir.join("full-cycle.json"))).unwrap();
        let pool: Vec<Action> = full
            .runbooks
            .iter()
            .flat_map(|rb| rb.steps.iter().map(|s| s.action.clone()))
            .collect();
        for _ in 0..15 {
            cases += 1;
            let mut live = Live::new(&l.scenario);
            let mut t = 0u64;
            for _ in 0..(3 + next(8)) {
                // Gaps that land on job and fault times (multiples of minutes) and ties.
                t += match next(6) {
                    0 => 0,
                    1 => 60 * next(30),
                    2 => 900,
                    3 => 3600 + 60 * next(60),
                    // Onto a log-shipping job's second, jobs having run since the last
                    // action: the engine plays the step before those jobs.
                    4 => {
                        let at = (t / 900 + 2 + next(3)) * 900 + [0, 120, 240][next(3) as usize];
                        at - t
                    }
                    _ => next(2000),
                };
                live.advance_to(t);
                let a = &pool[next(pool.len() as u64) as usize];
                let _ = live.act("random", a);
            }
            let rec = record::recording(&live);
            let PhaseRunbook::Inline(rb) = &rec.scenario.phases[0].runbook else {
                panic!("inline runbook")
            };
            let report = sim::engine::run(
                &rec.scenario,
                &[(**rb).clone()],
                sim::engine::Options { record: true },
            );
            let steps: Vec<_> = report
                .timeline
                .iter()
                .filter(|e| e.kind == "step")
                .collect();
            let taken = live.taken();
            assert_eq!(steps.len(), taken.len(), "{file}");
            for (k, tk) in taken.iter().enumerate() {
                assert_eq!(report.steps[k].end_s, tk.t_s, "{file} step {k}");
                assert_eq!(
                    steps[k].error.as_ref().map(|e| e.message.clone()),
                    tk.result.as_ref().err().map(|f| f.render()),
                    "{file} step {k} {:?}",
                    tk.action
                );
            }
            assert_eq!(
                serde_json::to_value(steps.last().unwrap().observed.as_ref().unwrap()).unwrap(),
                serde_json::to_value(live.observe()).unwrap(),
                "{file}: final state"
            );
            let m = live.measures();
            // The replay goes on after the session's last action (to the liveness bound):
            // what happens after it the session never saw.
            match m.outage_start_s {
                Some(_) => assert_eq!(report.outage_start_s, m.outage_start_s, "{file}"),
                None => assert!(report.outage_start_s.is_none_or(|o| o > t), "{file}"),
            }
            if m.service_restored_at_s.is_some() {
                assert_eq!(
                    report.service_restored_at_s, m.service_restored_at_s,
                    "{file}"
                );
                assert_eq!(
                    report.failover_rpo_writes_lost, m.failover_rpo_writes_lost,
                    "{file}"
                );
            }
        }
    }
    assert_eq!(cases, 60);
}

/// Random sessions that also say phases ended (`end-phase`, as `drill replay --range`
/// does), on the second of an action, a job or a fault, or between: each replays exactly
/// with the faults timed from those ends (DC1 rebuilt), step by step and in its state.
#[test]
fn random_sessions_with_phase_ends_replay_exactly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let mut seed: u64 = 0xe4d;
    let mut next = move |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let full = harness::load::load(Some(&dir.join("full-cycle.json"))).unwrap();
    let pool: Vec<Action> = full
        .runbooks
        .iter()
        .flat_map(|rb| rb.steps.iter().map(|s| s.action.clone()))
        .collect();
    let mut rebuilds = 0;
    for file in ["full-cycle.json", "full-cycle-corrected.json"] {
        let l = harness::load::load(Some(&dir.join(file))).unwrap();
        for _ in 0..20 {
            let mut live = Live::new(&l.scenario);
            let mut t = 0u64;
            let mut phase = 0usize;
            for _ in 0..(4 + next(8)) {
                t += match next(6) {
                    0 => 0,
                    1 => 60 * next(30),
                    2 => 900,
                    3 => 3600 + 60 * next(60),
                    // Onto a log-shipping job's second (see random_sessions_replay_exactly).
                    4 => {
                        let at = (t / 900 + 2 + next(3)) * 900 + [0, 120, 240][next(3) as usize];
                        at - t
                    }
                    _ => next(2000),
                };
                live.advance_to(t);
                if next(4) == 0 && phase < l.scenario.phases.len() {
                    live.end_phase(phase);
                    phase += 1;
                } else {
                    let a = &pool[next(pool.len() as u64) as usize];
                    let _ = live.act("random", a);
                }
            }
            // The session ends with an action, so its state is the replay's after it.
            let a = &pool[next(pool.len() as u64) as usize];
            let _ = live.act("random", a);
            let rec = record::recording(&live);
            assert!(rec.inexact.is_empty(), "{:?}", rec.inexact);
            let runbooks: Vec<sim::runbook::Runbook> = rec
                .scenario
                .phases
                .iter()
                .map(|p| match &p.runbook {
                    PhaseRunbook::Inline(rb) => (**rb).clone(),
                    _ => panic!("inline runbook"),
                })
                .collect();
            let report = sim::engine::run(
                &rec.scenario,
                &runbooks,
                sim::engine::Options { record: true },
            );
            let steps: Vec<_> = report
                .timeline
                .iter()
                .filter(|e| e.kind == "step")
                .collect();
            let actions: Vec<_> = steps
                .iter()
                .filter(|e| e.id.as_deref().is_some_and(|i| i.starts_with('R')))
                .collect();
            let taken = live.taken().to_vec();
            assert_eq!(actions.len(), taken.len(), "{file}");
            for (k, tk) in taken.iter().enumerate() {
                assert_eq!(actions[k].t_s, tk.t_s, "{file} step {k}");
                assert_eq!(
                    actions[k].error.as_ref().map(|e| e.message.clone()),
                    tk.result.as_ref().err().map(|f| f.render()),
                    "{file} step {k} {:?}",
                    tk.action
                );
            }
            // Faults the range fired from a phase end fire in the replay at the same second.
            for (at, what) in live
                .drain_happened()
                .iter()
                .filter(|h| h.what.contains("rebuilt"))
                .map(|h| (h.t_s, h.what.clone()))
            {
                rebuilds += 1;
                assert!(
                    report
                        .timeline
                        .iter()
                        .any(|e| e.kind == "fault" && e.t_s == at && e.title.contains("rebuilt")),
                    "{file}: {what} at {at}"
                );
            }
            assert_eq!(
                serde_json::to_value(actions.last().unwrap().observed.as_ref().unwrap()).unwrap(),
                serde_json::to_value(live.observe()).unwrap(),
                "{file}: final state"
            );
        }
    }
    assert!(rebuilds > 0, "some session saw DC1 rebuilt");
}

/// The tie the phase start decides: a restore job due on the second a phase ends (after
/// an earlier action) runs, in the engine, after the phase's closing wait step but before
/// the next phase starts; so when the next action lands on the job's next run, 15 min
/// later, the job runs first (it restores the 01:00 log backup) and the recovery after it.
/// The range orders it the same way, and the recording replays to the same state.
#[test]
fn a_job_due_when_a_phase_ends_keeps_its_order_in_the_replay() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let l = harness::load::load(Some(&dir.join("dc1-outage-share-dc2.json"))).unwrap();
    let mut live = Live::new(&l.scenario);
    let recover = |i| Action::KillSessionsAndRecover {
        instance: i,
        database: Db::Mgc,
    };
    live.advance_to(2000);
    // mgc on the primary is ONLINE: 3153, and nothing changes; it fixes the step order.
    assert!(live
        .act("recover primary", &recover(Instance::Primary))
        .is_err());
    // The restore job runs at 00:34:00 (2040) and next at 00:49:00 (2940).
    live.advance_to(2940);
    live.end_phase(0);
    live.advance_to(3840);
    let before = live.world().db(Instance::Backup, Db::Mgc).lsn;
    assert!(live
        .act("recover backup", &recover(Instance::Backup))
        .is_ok());
    let rec = record::recording(&live);
    let runbooks: Vec<sim::runbook::Runbook> = rec
        .scenario
        .phases
        .iter()
        .map(|p| match &p.runbook {
            PhaseRunbook::Inline(rb) => (**rb).clone(),
            _ => panic!("inline runbook"),
        })
        .collect();
    assert_eq!(runbooks.len(), 2);
    let report = sim::engine::run(
        &rec.scenario,
        &runbooks,
        sim::engine::Options { record: true },
    );
    let last = report.timeline.iter().rfind(|e| e.kind == "step").unwrap();
    assert_eq!(last.t_s, 3840);
    assert_eq!(
        serde_json::to_value(last.observed.as_ref().unwrap()).unwrap(),
        serde_json::to_value(live.observe()).unwrap()
    );
    // The job ran before the recovery: it moved backup's redo point at 3840.
    let restored_at_3840 = live
        .restores()
        .iter()
        .any(|r| r.t_s == 3840 && r.instance == Instance::Backup && r.restore_type == 'L');
    assert!(restored_at_3840, "before {before:?}: {:?}", live.restores());
}
