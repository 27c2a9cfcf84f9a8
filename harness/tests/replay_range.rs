//! `drill replay --range` (issue 11, point 5): the model's run replayed on the DR range over
//! TDS. In-process ranges (RangeServer, manual clock) for the counts and the refusals, a
//! `drill range --control --speed 0` process for the command line.

mod common;

use harness::load::Loaded;
use harness::range::backend::{Clock, ModelBackend};
use harness::range::reply::{Backend, Login, Reply, Value};
use harness::range::server::{RangeServer, ServeConfig};
use harness::range::{select, tsql};
use harness::sqlserver::range::RangeConn;
use harness::sqlserver::range::{self as rr, Outcome};
use harness::sqlserver::replay::Exec;
use sim::live::Live;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;

const PASSWORD: &str = "Replay-range-1";

fn repo(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(p)
}

fn load(file: Option<&str>) -> Loaded {
    harness::load::load(file.map(repo).as_deref()).expect("scenario loads")
}

fn start(l: &Loaded, control: bool) -> RangeServer {
    let b = ModelBackend::new(
        Live::new(&l.scenario),
        Clock::new(0.0),
        "drill",
        PASSWORD,
        tsql::parse_batch,
        select::run,
    )
    .with_control(control);
    RangeServer::start(ServeConfig::default(), Arc::new(b)).expect("range starts")
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

async fn connect(eps: &[SocketAddr]) -> (Vec<RangeConn>, Vec<String>) {
    let mut conns = Vec::new();
    for e in eps {
        conns.push(
            RangeConn::connect(&e.ip().to_string(), e.port(), "drill", PASSWORD)
                .await
                .expect("login to the range"),
        );
    }
    (conns, eps.iter().map(|e| e.to_string()).collect())
}

/// Check the range, send `before` through its control surface (after the check), replay.
fn replay_on(l: &Loaded, eps: &[SocketAddr], before: Option<&str>) -> Result<Outcome, String> {
    let items = rr::build(l, &harness::run::play(l));
    rt().block_on(async {
        let (mut conns, names) = connect(eps).await;
        rr::check(&mut conns, &names, l).await?;
        if let Some(line) = before {
            conns[3]
                .batch(&rr::control_sql(line))
                .await
                .map_err(|f| f.message)?;
        }
        rr::replay(&items, &mut conns).await
    })
}

fn item<'a>(o: &'a Outcome, label: &str) -> &'a rr::ItemResult {
    o.items
        .iter()
        .find(|i| i.label == label)
        .unwrap_or_else(|| panic!("no item {label}"))
}

/// Every difference the replay found, as it prints them.
fn differences(o: &Outcome) -> Vec<String> {
    o.items
        .iter()
        .flat_map(|i| i.differences.iter().map(|d| d.to_string()))
        .collect()
}

/// The documented drill (failover, DC1 rebuilt 3 h after it, failback): failover F1-F7 (7
/// steps: F1 and F4 T-SQL, F2 `copy`, F3 `act`, F5-F7 cmdlets); failback B1, B2, B2c, B3,
/// B4, B5, where B5 fails with 3101 and the runbook stops (B6, B7 not run): 6 steps, B2,
/// B2c, B3, B4 T-SQL. 13 steps, 6 T-SQL; 14 observations (each step's and the end's), each
/// of the five instances. restorehistory: the restore job's four log restores on backup
/// (the log backups of 00:15, 00:30, 00:45 and 01:00, taken before DC1 went down at 01:01,
/// restored at 00:19, 00:34, 00:49, 01:04), F3's none (all four already applied) and B4's
/// full restore on the primary WITH RECOVERY, REPLACE: 5 rows. B2c's 5011 (mgccomp was never mirrored) and B5's 3101 come back
/// from the range as the model predicts them; DC1 rebuilt fires on the range because the
/// replay says when the failover ended (`end-phase 0`).
#[test]
fn the_documented_drill_replays_on_the_range_with_no_difference() {
    let l = load(None);
    let range = start(&l, true);
    let o = replay_on(&l, &range.endpoints(), None).expect("replay runs");
    let diffs = differences(&o);
    assert!(diffs.is_empty(), "{diffs:#?}");
    assert_eq!((o.steps_sent, o.tsql_steps, o.control_steps), (13, 6, 7));
    assert_eq!(o.observations_compared, 14);
    assert_eq!(o.restores_compared, 5);
    for i in o
        .items
        .iter()
        .filter(|i| i.label.starts_with("STEP") || i.label == "end")
    {
        assert_eq!(i.compared.len(), 5, "{}", i.label);
    }
    assert_eq!(item(&o, "STEP B2c").error.as_ref().map(|e| e.0), Some(5011));
    assert_eq!(item(&o, "STEP B5").error.as_ref().map(|e| e.0), Some(3101));
    assert_eq!(item(&o, "STEP F4").error, None);
    assert!(item(&o, "STEP F4").sent[0].contains("RESTORE DATABASE mgc WITH RECOVERY;"));
    assert!(o.not_compared.iter().any(|n| n.contains("chat rows")));
}

/// The corrected runbooks: failover F0-F7 with F4a (9 steps: F1, F4 T-SQL) and failback B1,
/// B1s, B2, B2c, B3, B4p, B4, B4m, B7, B5, B6, B6s (12 steps: B2, B2c, B3, B4p, B4 T-SQL),
/// all run: 21 steps, 7 T-SQL, 22 observations. B4p's SET PARTNER OFF on the rebuilt,
/// unmirrored primary answers 1416 on the range as in the model. restorehistory: the four
/// log restores of the backups taken before the outage, B4's full restore, B5's initialization of backup (WITH
/// NORECOVERY, REPLACE) and the three restore-job runs after it before the end: 9 rows.
#[test]
fn the_corrected_drill_replays_on_the_range_with_no_difference() {
    let l = load(Some("scenarios/full-cycle-corrected.json"));
    let range = start(&l, true);
    let o = replay_on(&l, &range.endpoints(), None).expect("replay runs");
    let diffs = differences(&o);
    assert!(diffs.is_empty(), "{diffs:#?}");
    assert_eq!((o.steps_sent, o.tsql_steps, o.control_steps), (21, 7, 14));
    assert_eq!(o.observations_compared, 22);
    assert_eq!(o.restores_compared, 9);
    assert_eq!(item(&o, "STEP B4p").error.as_ref().map(|e| e.0), Some(1416));
    assert_eq!(item(&o, "STEP B5").error, None);
}

/// A range whose model was changed behind the replay's back (mgc on backup recovered at
/// t=0 through the control surface) shows the difference: log shipping's restore job can
/// no longer restore on an ONLINE database, so at F1 the model's backup mgc is RESTORING
/// and the range's ONLINE, and the range's restorehistory lacks the job's four log restores.
#[test]
fn a_perturbed_range_shows_the_difference() {
    let l = load(None);
    let range = start(&l, true);
    let o = replay_on(
        &l,
        &range.endpoints(),
        Some(
            r#"act {"kind": "kill_sessions_and_recover", "instance": "backup", "database": "mgc"}"#,
        ),
    )
    .expect("replay runs");
    assert!(o.differences() > 0);
    let f1 = item(&o, "STEP F1");
    assert!(
        f1.differences.iter().any(|d| d.instance == "backup"
            && d.database == "mgc"
            && d.field == "state_desc"
            && d.expected == "RESTORING"
            && d.actual == "ONLINE"),
        "{:#?}",
        f1.differences
    );
    assert!(
        f1.differences.iter().any(|d| d.instance == "backup"
            && d.field == "new restorehistory rows"
            && d.actual == "none"),
        "{:#?}",
        f1.differences
    );
    let text = harness::sqlserver::render_range(&o, false);
    assert!(text.contains(&format!(
        "{} difference(s) between the model and the range",
        o.differences()
    )));
}

/// Refusals before anything is sent: another seed, a clock already moved, no control surface.
#[test]
fn the_range_is_checked_before_anything_is_sent() {
    let l = load(None);
    let mut other = load(None);
    other.scenario.seed = 2;
    let range = start(&other, true);
    let e = replay_on(&l, &range.endpoints(), None).unwrap_err();
    assert!(e.contains("another scenario: its seed is \"2\""), "{e}");
    // The refused replay sent nothing: the range is still at t=0 with no action.
    let o = replay_on(&other, &range.endpoints(), None)
        .expect("the same scenario replays after the refusal");
    assert_eq!(o.differences(), 0);

    let moved = start(&l, true);
    let eps = moved.endpoints();
    rt().block_on(async {
        let (mut conns, _) = connect(&eps).await;
        conns[0]
            .batch(&rr::control_sql("advance 10m"))
            .await
            .unwrap();
    });
    let e = replay_on(&l, &eps, None).unwrap_err();
    assert!(e.contains("not at its start (simulated time 600 s"), "{e}");

    // Without --control the procedure does not exist, as on SQL Server: Msg 2812.
    let off = start(&l, false);
    let e = replay_on(&l, &off.endpoints(), None).unwrap_err();
    assert!(e.contains("Msg 2812") && e.contains("--control"), "{e}");
}

#[test]
fn a_server_that_is_not_the_range_is_refused_before_any_statement() {
    let l = load(None);
    let (fake, server) = common::NotTheRange::serve();
    let e = replay_on(&l, &server.endpoints(), None).unwrap_err();
    assert!(
        e.contains("is not a drill range") && e.contains("SQL Server 2022"),
        "{e}"
    );
    fake.assert_only_the_version_was_asked();
}

/// `drill range --control --speed 0` as a process on free ports and `drill replay --range`:
/// a replay of another scenario is refused (exit 2) and leaves the range at t=0; the same
/// scenario's replay then finds no difference (exit 0); a range with a forgotten session
/// gives differences (exit 1).
#[test]
fn drill_replay_range_on_a_range_process() {
    let range = common::RangeProcess::start(
        &["--control", "--speed", "0"],
        &[("DRILL_RANGE_PASSWORD", PASSWORD)],
        Stdio::null(),
    );
    let addr = range.addr();
    let replay = |scenario: Option<&str>| {
        let mut args = vec!["replay".to_string()];
        args.extend(scenario.map(|s| repo(s).to_string_lossy().into_owned()));
        args.extend(["--range".to_string(), addr.clone()]);
        let out = Command::new(env!("CARGO_BIN_EXE_drill"))
            .args(&args)
            .env("DRILL_RANGE_PASSWORD", PASSWORD)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, _, err) = replay(Some("scenarios/full-cycle-corrected.json"));
    let (code2, out2, err2) = replay(None);
    // A second range of a scenario, with a client session left behind in `database` on
    // `instance` from t=0 (an SSMS window left open), replayed by `drill replay --range`.
    let replay_in_process = |file: Option<&std::path::Path>, forgotten: Option<(usize, &str)>| {
        let l = harness::load::load(file).expect("scenario loads");
        let other = start(&l, true);
        let eps = other.endpoints();
        let rt = rt();
        let _session = rt.block_on(async {
            let (mut conns, _) = connect(&eps).await;
            if let Some((k, db)) = forgotten {
                conns[k].exec(&format!("USE {db};")).await.unwrap();
            }
            conns
        });
        let addr = format!(
            "127.0.0.1:{}",
            eps.iter()
                .map(|e| e.port().to_string())
                .collect::<Vec<_>>()
                .join(",")
        );
        let mut args = vec!["replay".to_string()];
        args.extend(file.map(|f| f.to_string_lossy().into_owned()));
        args.extend(["--range".to_string(), addr]);
        let out = Command::new(env!("CARGO_BIN_EXE_drill"))
            .args(&args)
            .env("DRILL_RANGE_PASSWORD", PASSWORD)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // The documented drill with log shipping in STANDBY mode (the secondary's mgc readable
    // between restores), and a session left in the backup's mgc: backup is never down in
    // this scenario, so the session is still there at F4, whose RESTORE ... WITH RECOVERY
    // needs exclusive access and fails with 3101 where the model (no such session)
    // succeeds: a difference, exit 1.
    let dir = tempfile::tempdir().unwrap();
    let standby = dir.path().join("full-cycle-standby.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo("scenarios/full-cycle.json")).unwrap())
            .unwrap();
    v["log_shipping"] = serde_json::json!({"standby": true});
    // The runbooks by absolute path: the file is not next to them.
    for ph in v["phases"].as_array_mut().unwrap() {
        let rel = ph["runbook"].as_str().unwrap().to_string();
        ph["runbook"] = repo("scenarios").join(rel).to_string_lossy().into();
    }
    std::fs::write(&standby, v.to_string()).unwrap();
    let (code3, out3, err3) = replay_in_process(Some(&standby), Some((3, "mgc")));
    // A session left in the primary's mgc ends when DC1 goes down (01:01), as a real
    // instance's sessions do; so it does not block B4's RESTORE on the rebuilt primary:
    // no difference, exit 0, and the output is a fresh range's, byte for byte.
    let (code4, out4, err4) = replay_in_process(None, Some((0, "mgc")));
    let (code5, out5, _) = replay_in_process(None, None);
    assert_eq!(code5, Some(0));
    drop(range);
    assert_eq!(code3, Some(1), "{err3}\n{out3}");
    assert!(
        out3.contains("DIFF STEP F4: backup - outcome: model success, server error 3101"),
        "{out3}"
    );
    assert_eq!(code4, Some(0), "{err4}\n{out4}");
    assert_eq!(out4, out5);
    assert!(
        out3.contains("difference(s) between the model and the range"),
        "{out3}"
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("the range plays another scenario"), "{err}");
    assert_eq!(code2, Some(0), "{err2}\n{out2}");
    assert!(
        out2.contains("\n0 difference(s) between the model and the range"),
        "{out2}"
    );
    assert!(out2.contains("13 step(s) sent (6 T-SQL"), "{out2}");
    // The run names what it replayed: the scenario, its seed and digest.
    assert!(
        out2.starts_with("scenario full-cycle (seed 1, digest "),
        "{out2}"
    );
}

/// The control surface's own refusals, answered as SQL Server answers a bad call: the
/// clock never goes back, `quit` belongs to the console, a phase must exist, a line must be
/// understood, and the EXEC needs its argument.
#[test]
fn the_control_surface_refuses_what_it_cannot_do() {
    let l = load(None);
    let b = ModelBackend::new(
        Live::new(&l.scenario),
        Clock::new(0.0),
        "drill",
        PASSWORD,
        tsql::parse_batch,
        select::run,
    )
    .with_control(true);
    let login = Login {
        user: "drill".into(),
        password: PASSWORD.into(),
        database: String::new(),
        app_name: "test".into(),
        host_name: "test".into(),
    };
    let mut s = b.login(0, &login).unwrap();
    let mut run = |sql: &str| -> (Vec<String>, Vec<i32>) {
        let mut rows = Vec::new();
        let mut errors = Vec::new();
        for x in b.batch(0, &mut s, sql, &[]) {
            match x {
                Reply::Rows(rs) => rows.extend(rs.rows.into_iter().map(|r| match &r[0] {
                    Value::Text(t) => t.clone(),
                    v => format!("{v:?}"),
                })),
                Reply::Message(m) if m.class > 10 => errors.push(m.number),
                _ => {}
            }
        }
        (rows, errors)
    };
    let c = rr::control_sql;
    assert_eq!(run(&c("advance-to 600")).0, ["simulated time 0d 00:10:00"]);
    assert_eq!(run(&c("advance-to 599")).1, [50000], "never back");
    assert_eq!(run(&c("time")).0, ["600"]);
    assert_eq!(run(&c("quit")).1, [50000]);
    assert_eq!(
        run(&c("end-phase 2")).1,
        [50000],
        "the drill has phases 0 and 1"
    );
    assert_eq!(run(&c("Get-CsPool")).1, [50000]);
    // DC1 rebuilt is timed 3 h after the failover phase: scheduled from now (600 s).
    let (rows, errors) = run(&c("end-phase 0"));
    assert!(
        errors.is_empty() && rows[1].contains("0d 03:10:00"),
        "{rows:?}"
    );
    assert_eq!(run("EXEC drill_range_console").1, [201]);
    // A refused action comes back as SQL Server's messages: RESTORE LOG onto the primary's
    // mgc, ONLINE since t=0 (recovered), is "restore after recovery", 3117, then 3013.
    let (_, errors) = run(&c(
        r#"act {"kind": "restore_log_file", "instance": "primary", "database": "mgc", "newest": 0}"#,
    ));
    assert_eq!(errors, [3117, 3013]);
}

#[test]
fn bad_range_addresses_are_bad_input() {
    for args in [
        vec!["replay", "--range", "bogus"],
        vec!["replay", "--range", "127.0.0.1:1,2,3"],
        vec!["replay", "--range", "127.0.0.1:1433", "--server", "h,1433"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_drill"))
            .args(&args)
            .env("DRILL_RANGE_PASSWORD", PASSWORD)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("--range") || err.contains("--server"), "{err}");
    }
}

/// Over TDS: when DC1 goes down on the range (01:01 in the documented drill), a client's
/// session on the primary ends: its next request gets the range's fatal error (class 20)
/// and then the connection is closed (the request after it fails without reaching the
/// model); a new login to the primary fails while it is down; the backup's session lives.
#[test]
fn a_session_on_an_instance_that_goes_down_loses_its_connection() {
    use harness::sqlserver::replay::Tiberius;
    let l = load(None);
    let range = start(&l, true);
    let eps = range.endpoints();
    let (host, p0, p3) = (eps[0].ip().to_string(), eps[0].port(), eps[3].port());
    rt().block_on(async {
        let mut primary = Tiberius::connect(&host, p0, "drill", PASSWORD)
            .await
            .unwrap();
        let mut backup = Tiberius::connect(&host, p3, "drill", PASSWORD)
            .await
            .unwrap();
        primary.exec("USE mgc;").await.unwrap();
        backup
            .batch(&rr::control_sql("advance-to 3700"))
            .await
            .unwrap();
        let e = primary.exec("SELECT 1 AS one;").await.unwrap_err();
        assert_eq!(e.numbers, [50000], "{e:?}");
        assert!(
            e.message.contains("is down in the model")
                && e.message.contains("connection is closed"),
            "{e:?}"
        );
        let e = primary.exec("SELECT 1 AS one;").await.unwrap_err();
        assert!(e.numbers.is_empty(), "the connection is gone: {e:?}");
        let e = Tiberius::connect(&host, p0, "drill", PASSWORD)
            .await
            .err()
            .expect("a login to a down instance fails");
        assert!(e.contains("is down in the model"), "{e}");
        backup.exec("SELECT 1 AS one;").await.unwrap();
    });
}

/// `drill range --record` of a replay-driven session: the documented drill replayed on the
/// range says when the failover ended (`end-phase 0`), which schedules DC1's rebuild 3 h
/// later; the recording keeps that (a phase of its own ending with a 0 s wait, the rebuild
/// timed from its end), so `drill run` of the recording rebuilds DC1 when the range did and
/// reproduces every action's time, outcome and error and the state after the last one.
#[test]
fn a_recorded_replay_through_end_phase_replays_exactly() {
    let l = load(None);
    let model = Arc::new(
        ModelBackend::new(
            Live::new(&l.scenario),
            Clock::new(0.0),
            "drill",
            PASSWORD,
            tsql::parse_batch,
            select::run,
        )
        .with_control(true),
    );
    let range = RangeServer::start(ServeConfig::default(), model.clone()).unwrap();
    let o = replay_on(&l, &range.endpoints(), None).expect("replay runs");
    assert_eq!(o.differences(), 0);
    range.stop();
    let st = model.lock();
    let live = &st.live;
    let ends = live.phase_ends();
    // The replay says when each of the drill's two phases ended.
    assert_eq!(
        ends.iter().map(|e| e.phase).collect::<Vec<_>>(),
        [0, 1],
        "{ends:?}"
    );
    assert!(live.unscheduled_faults().is_empty());
    let rec = harness::range::record::recording(live);
    assert!(rec.inexact.is_empty(), "{:?}", rec.inexact);
    let s = &rec.scenario;
    assert_eq!(
        s.phases.len(),
        2,
        "the failover, then the failback's actions"
    );
    assert!(
        s.faults
            .iter()
            .any(|f| f.after_phase == Some(0) && f.at_s == 10800),
        "DC1 rebuilt, 3 h after the recorded failover phase"
    );
    let runbooks: Vec<sim::runbook::Runbook> = s
        .phases
        .iter()
        .map(|p| match &p.runbook {
            sim::scenario::PhaseRunbook::Inline(rb) => (**rb).clone(),
            _ => panic!("inline runbook"),
        })
        .collect();
    let report = sim::engine::run(s, &runbooks, sim::engine::Options { record: true });
    // DC1 was rebuilt in the replay of the recording, when the range rebuilt it.
    let rebuilt = ends[0].t_s + 10800;
    assert!(
        report
            .timeline
            .iter()
            .any(|e| e.kind == "fault" && e.t_s == rebuilt && e.title.contains("rebuilt")),
        "no DC1 rebuilt at {rebuilt}"
    );
    let actions: Vec<_> = report
        .timeline
        .iter()
        .filter(|e| e.kind == "step" && e.id.as_deref().is_some_and(|i| i.starts_with('R')))
        .collect();
    let taken = live.taken();
    assert_eq!(actions.len(), taken.len());
    assert!(
        taken.iter().any(|t| t.t_s > rebuilt),
        "actions after the rebuild"
    );
    for (k, t) in taken.iter().enumerate() {
        assert_eq!(actions[k].t_s, t.t_s, "action {k} time");
        assert_eq!(
            actions[k].error.as_ref().map(|e| e.message.clone()),
            t.result.as_ref().err().map(|f| f.render()),
            "action {k} {:?}",
            t.action
        );
    }
    // `drill run` of the written file plays the same: DC1 rebuilt at the same second.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("session.json");
    harness::range::record::write(live, &file).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_drill"))
        .args(["run", file.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("drill run --json");
    let timeline = v["timeline"].as_array().expect("a timeline");
    assert!(
        timeline.iter().any(|e| e["kind"] == "fault"
            && e["t_s"] == rebuilt
            && e["title"].as_str().unwrap().contains("rebuilt")),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The state after every action is the model's own run's after the same step (the run
    // the replay drove the range through, and found no difference with).
    let model = harness::run::play(&l);
    let model_steps: Vec<_> = model.timeline.iter().filter(|e| e.kind == "step").collect();
    assert_eq!(model_steps.len(), actions.len());
    for (k, (m, a)) in model_steps.iter().zip(&actions).enumerate() {
        assert_eq!(m.t_s, a.t_s, "step {k}");
        assert_eq!(
            serde_json::to_value(m.observed.as_ref().unwrap()).unwrap(),
            serde_json::to_value(a.observed.as_ref().unwrap()).unwrap(),
            "the state after step {k} ({})",
            m.title
        );
    }
}
