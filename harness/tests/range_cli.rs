//! `drill range`: refuses to start without its password, warns off loopback, runs a
//! console session from stdin and writes a recording `drill run` replays.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

fn range(args: &[&str], env: Option<(&str, &str)>, stdin: &str) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_drill"));
    c.arg("range").args(args).env_remove("DRILL_RANGE_PASSWORD");
    if let Some((k, v)) = env {
        c.env(k, v);
    }
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A range that refuses to start closes stdin early: a broken pipe is its answer.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

#[test]
fn no_password_in_the_environment_is_bad_input() {
    let out = range(&["--speed", "0"], None, "quit\n");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("DRILL_RANGE_PASSWORD is not set"), "{err}");
}

#[test]
fn a_bad_speed_is_bad_input() {
    let out = range(&["--speed", "-1"], Some(("DRILL_RANGE_PASSWORD", "x")), "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_console_session_is_recorded_and_replays() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("session.json");
    let script = "advance 72m\nfaults\nact {\"kind\": \"delete_log_shipping_secondary\"}\ncopy\nact {\"kind\": \"restore_unapplied_logs\"}\nact {\"kind\": \"kill_sessions_and_recover\"}\nSet-CsPersistentChatState -Identity \"service:pchatpool.litwareinc.com\" -PoolState FailedOver\nSet-CsPersistentChatActiveServer -Identity \"PChatServerCollection\" -ActiveServers @{Replace=\"pchat5,pchat6,pchat7,pchat8\"}\nadvance 1m\nbogus\nquit\n";
    let out = range(
        &["--speed", "0", "--record", file.to_str().unwrap()],
        Some(("RANGE_PW", "rehearsal")),
        script,
    );
    // --password-env not given: the default variable is unset -> 2. With it: a session.
    assert_eq!(out.status.code(), Some(2));
    let out = range(
        &[
            "--speed",
            "0",
            "--password-env",
            "RANGE_PW",
            "--record",
            file.to_str().unwrap(),
        ],
        Some(("RANGE_PW", "rehearsal")),
        script,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(!text.contains("rehearsal"), "the password is never printed");
    assert!(text.contains("sqlcmd -S 127.0.0.1,"), "{text}");
    assert!(text.contains("seed 1"), "{text}");
    assert!(text.contains("FAULT DC1 total outage"), "{text}");
    assert!(text.contains("recorded 6 action(s)"), "{text}");
    let run = Command::new(env!("CARGO_BIN_EXE_drill"))
        .args(["run", file.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    // Service came back at the step that activated DC2's servers, 01:12:00; DC1 went down
    // at 01:01:00: RTO 660 s.
    assert_eq!(v["rto_seconds"], serde_json::json!(660));
    assert_eq!(v["steps"].as_array().unwrap().len(), 6);
}

#[test]
fn listening_off_loopback_warns() {
    let out = range(
        &[
            "--speed",
            "0",
            "--listen",
            "0.0.0.0",
            "--password-env",
            "RANGE_PW",
        ],
        Some(("RANGE_PW", "x")),
        "quit\n",
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("WARNING: listening on 0.0.0.0"));
}

/// `drill history plan --server` end to end against `drill range` (TLS, trusted
/// self-signed certificate): the primary's msdb after 50 minutes holds three log backups and
/// no full one, so the plan is incomplete (exit 1).
#[test]
fn history_plan_reads_a_running_range() {
    let mut range = common::RangeProcess::start(
        &["--speed", "0", "--password-env", "RANGE_PW"],
        &[("RANGE_PW", "Hist#1")],
        Stdio::null(),
    );
    let primary = range.endpoints[0];
    let addr = format!("{},{}", primary.ip(), primary.port());
    range.console("advance 50m", "simulated time 0d 00:50:00");
    let plan = Command::new(env!("CARGO_BIN_EXE_drill"))
        .args([
            "history",
            "plan",
            "--server",
            &addr,
            "--database",
            "mgc",
            "--user",
            "drill",
            "--password-env",
            "RANGE_PW",
            "--trust-cert",
        ])
        .env("RANGE_PW", "Hist#1")
        .output()
        .unwrap();
    range.quit();
    let text = String::from_utf8_lossy(&plan.stdout);
    assert_eq!(
        plan.status.code(),
        Some(1),
        "{text}{}",
        String::from_utf8_lossy(&plan.stderr)
    );
    assert!(text.contains("3 backup sets"), "{text}");
}
