//! The mutation fuzzer's reproducers (issue 10, harness/tests/bad_inputs/NN-*/) as
//! regression tests: every one gives a clear error (exit 2, file:line:column where there is
//! a file, nothing on stdout) or a correct bounded result, never a panic, hang or runaway.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn case(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/bad_inputs")
        .join(rel)
        .display()
        .to_string()
}

/// Run drill, killing it (and failing) if it has not ended after `limit`: a hang is a bug.
fn drill_within(args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_drill"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("drill starts");
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let o = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let e = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("drill {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: o.join().unwrap(),
        stderr: e.join().unwrap(),
    }
}

fn drill(args: &[&str]) -> Output {
    drill_within(args, Duration::from_secs(120))
}

/// Exit 2, nothing on stdout, no panic; returns stderr.
fn refused(args: &[&str]) -> String {
    let out = drill(args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "drill {args:?}: {err}");
    assert!(out.stdout.is_empty(), "drill {args:?} printed on stdout");
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn case01_fuzz_with_an_empty_runbook_and_deviations_does_not_panic() {
    let d = tempfile::tempdir().unwrap();
    let out = drill(&[
        "fuzz",
        "--runbook",
        &case("01-panic-fuzz-empty-runbook-deviations/empty.json"),
        "--cases",
        "3",
        "--deviations",
        "--out",
        &d.path().display().to_string(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    // An empty failover never restores service: the fuzzer reports it (exit 1).
    assert_eq!(out.status.code(), Some(1), "{err}");
}

#[test]
fn case02_absurd_time_limits_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().display().to_string();
    for v in [
        "1e19",
        "1e20",
        "inf",
        "1e308",
        "18446744073709551616",
        "0",
        "-1",
        "NaN",
    ] {
        let arg = format!("--time-limit={v}");
        let err = refused(&["fuzz", "--cases", "1", &arg, "--out", &out]);
        assert!(
            err.contains("--time-limit") && err.contains("604800"),
            "{v}: {err}"
        );
    }
}

#[test]
fn case03_04_runaway_run_counts_are_refused() {
    for v in ["18446744073709551615", "1000000000000", "0"] {
        let err = refused(&["rto", "--runs", v]);
        assert!(
            err.contains("--runs") && err.contains("1000000000"),
            "{v}: {err}"
        );
    }
    for v in ["0", "100000"] {
        let err = refused(&["rto", "--runs", "10", "--threads", v]);
        assert!(err.contains("--threads"), "{err}");
    }
}

#[test]
fn case05_one_second_jobs_over_days_exceed_the_work_or_output_budget() {
    for f in ["one-day-1s-jobs.json", "sixty-days-1s-jobs.json"] {
        let p = case(&format!("05-hang-1s-jobs-long-horizon/{f}"));
        let err = refused(&["run", &p, "--json"]);
        assert!(
            err.contains(&p) && err.contains("budget") && err.contains("seed 0"),
            "{err}"
        );
    }
    // Without a timeline (rto), the work budget stops it.
    let p = case("05-hang-1s-jobs-long-horizon/one-day-1s-jobs.json");
    let err = refused(&["rto", &p, "--runs", "1", "--threads", "1"]);
    assert!(
        err.contains("work budget") && err.contains("run 0"),
        "{err}"
    );
}

#[test]
fn case06_a_backup_job_failing_every_second_exceeds_the_output_budget() {
    let p = case("06-oom-failing-backup-job-1s/jobfail-1s-30d.json");
    let err = refused(&["run", &p, "--json"]);
    assert!(err.contains("output budget (20000 entries)"), "{err}");
}

#[test]
fn case07_devices_fifos_and_directories_are_refused_without_reading() {
    // Each must end at once: a read of /dev/zero never ends, a FIFO blocks.
    let quick = Duration::from_secs(20);
    let out = drill_within(&["run", "/dev/zero"], quick);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains("/dev/zero:1:1: is a character device"),
        "{err}"
    );
    let out = drill_within(
        &["rto", "--calibration", "/dev/urandom", "--runs", "1"],
        quick,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("character device"));
    // A runbook path naming a device: the scenario's phases[0].runbook position.
    let p = case("07-hang-devzero-fifo/zero-runbook.json");
    let out = drill_within(&["run", &p], quick);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains(&format!("{p}:1:")) && err.contains("phases[0].runbook"),
        "{err}"
    );
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("fifo.json");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let f = fifo.display().to_string();
        let out = drill_within(&["run", &f], quick);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2));
        assert!(err.contains("is a FIFO"), "{err}");
        // The history reader goes through the same capped reader.
        let out = drill_within(&["history", "plan", &f], quick);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("is a FIFO"));
    }
    let out = drill_within(&["history", "plan", "/dev/urandom"], quick);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("character device"));
    let out = drill_within(&["run", &d.path().display().to_string()], quick);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is a directory"));
}

#[test]
fn an_input_over_the_size_cap_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("big.json");
    // Valid JSON of 16 MiB + 2 bytes: refused by its size, not by its content.
    let mut text = String::from("{\"name\":\"");
    text.push_str(&"x".repeat(16 * 1024 * 1024 + 2 - 11));
    text.push_str("\"}");
    std::fs::write(&p, text).unwrap();
    let err = refused(&["run", &p.display().to_string()]);
    assert!(err.contains("larger than 16777216 bytes"), "{err}");
}

fn rto_report(target: &Path) -> Output {
    drill(&[
        "rto",
        "--runs",
        "3",
        "--threads",
        "1",
        "--report",
        &target.display().to_string(),
    ])
}

#[cfg(unix)]
#[test]
fn case09_the_report_never_replaces_a_fifo_a_symlink_or_a_device() {
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("report.fifo");
    if Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success())
    {
        let out = rto_report(&fifo);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("FIFO"));
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo());
    }
    let target = d.path().join("target.html");
    std::fs::copy(case("09-report-replaces-special-file/target.html"), &target).unwrap();
    let link = d.path().join("link.html");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = rto_report(&link);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("symbolic link"));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "ORIGINAL\n");
    // A device is refused before the campaign (this never writes to it, even as root).
    let out = rto_report(Path::new("/dev/null"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("character device"));
    // A regular file is replaced whole, and nothing else is left in the directory.
    let out = rto_report(&target);
    assert_eq!(out.status.code(), Some(0));
    assert!(std::fs::read_to_string(&target).unwrap().contains("<html"));
    let names: Vec<PathBuf> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.ends_with("report.fifo"))
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn case11_a_u64_max_wait_is_refused_at_its_position() {
    let err = refused(&[
        "run",
        &case("11-wait-u64max-wraps/wait-u64max.json"),
        "--json",
    ]);
    assert!(
        err.contains("runbooks/wait-forever.json:10:5: steps[0].action.seconds"),
        "{err}"
    );
}

#[test]
fn simulated_time_saturates_instead_of_wrapping() {
    // The engine itself, below the parser's ranges: a wait of u64::MAX ends at the horizon,
    // never before it started.
    use sim::engine::{self, Options};
    use sim::runbook::{Action, OnError, Runbook, Step};
    use sim::scenario::{Phase, Scenario};
    let step = |id: &str, action| Step {
        id: id.into(),
        title: "t".into(),
        source: String::new(),
        action,
        on_error: OnError::Stop,
        operator_s: None,
    };
    let rb = Runbook {
        name: "wait".into(),
        description: String::new(),
        source: String::new(),
        product_notes: vec![],
        steps: vec![
            step("W", Action::Wait { seconds: u64::MAX }),
            step("X", Action::Wait { seconds: 1 }),
        ],
        expect_violation: None,
    };
    let mut s: Scenario = serde_json::from_str(r#"{"name":"wrap"}"#).unwrap();
    s.phases = vec![Phase {
        runbook: sim::scenario::PhaseRunbook::file("r.json"),
        start_at_s: 100,
        after_previous_s: None,
        declare: false,
    }];
    let r = engine::run(&s, &[rb], Options { record: false });
    // Before: the step "ended" 152 s after it started and the next step ran.
    assert!(r.steps.iter().all(|st| st.id != "X"), "{:?}", r.steps);
    assert!(r.end_s <= engine::HORIZON_S);
}

#[test]
fn case12_a_unit_variant_written_as_an_object_is_refused() {
    let err = refused(&["run", &case("12-onerror-stop-null-accepted/stop-null.json")]);
    assert!(
        err.contains("failover-stop-null.json:37:4: steps[0].on_error: expected the string \"stop\", found an object"),
        "{err}"
    );
}

#[test]
fn case13_invalid_utf8_and_a_directory_runbook_are_located() {
    let p = case("13-locations/invalid-utf8.json");
    let err = refused(&["run", &p]);
    assert!(
        err.contains(&format!("{p}:2:15: invalid UTF-8 (byte 0xFF)")),
        "{err}"
    );
    let p = case("13-locations/dir-runbook.json");
    let err = refused(&["run", &p]);
    assert!(
        err.contains(&format!("{p}:3:17: phases[0].runbook")) && err.contains("is a directory"),
        "{err}"
    );
    let err = refused(&["run", "/dev/null"]);
    assert!(err.contains("/dev/null:1:1:"), "{err}");
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let d = tempfile::tempdir().unwrap();
    let src = case("13-locations/runbooks/failover.json");
    std::fs::create_dir(d.path().join("runbooks")).unwrap();
    std::fs::copy(&src, d.path().join("runbooks/failover.json")).unwrap();
    let p = d.path().join("bom.json");
    std::fs::write(
        &p,
        "\u{feff}{\"name\":\"bom\",\"phases\":[{\"runbook\":\"runbooks/failover.json\"}]}",
    )
    .unwrap();
    let out = drill(&["run", &p.display().to_string(), "--json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(2), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["scenario"], "bom");
}

#[test]
fn case14_absurd_jitter_is_refused() {
    for v in ["1e18", "1e308", "inf", "-1"] {
        let err = refused(&["rto", "--runs", "5", &format!("--jitter={v}")]);
        assert!(err.contains("--jitter") && err.contains("604800"), "{err}");
    }
}

#[test]
fn case15_structs_written_as_arrays_are_refused_where_written() {
    for (f, at) in [
        (
            "topology-empty-array.json",
            ":3:3: topology: expected an object",
        ),
        (
            "log-shipping-positional.json",
            ":3:3: log_shipping: expected an object",
        ),
        (
            "phase-positional.json",
            ":4:15: phases[0]: expected an object",
        ),
    ] {
        let p = case(&format!("15-struct-as-array-accepted/{f}"));
        let err = refused(&["run", &p, "--json"]);
        assert!(err.contains(&format!("{p}{at}")), "{err}");
    }
}

#[test]
fn case16_retry_amplification_is_refused_and_long_ids_too() {
    let p = case("16-retry-output-amplification/retry-amplification.json");
    let err = refused(&["run", &p, "--json"]);
    assert!(
        err.contains("steps[0].on_error.retry.attempts: 4294967295; expected at most 100"),
        "{err}"
    );
    // The same runbook with a legal retry: the 10,000-character id is refused on its own.
    let d = tempfile::tempdir().unwrap();
    let rb = std::fs::read_to_string(case(
        "16-retry-output-amplification/runbooks/retry-max-long-id.json",
    ))
    .unwrap()
    .replace("4294967295", "3")
    .replace("18446744073709551615", "60");
    std::fs::create_dir(d.path().join("runbooks")).unwrap();
    std::fs::write(d.path().join("runbooks/retry-max-long-id.json"), rb).unwrap();
    std::fs::copy(
        case("16-retry-output-amplification/runbooks/failover.json"),
        d.path().join("runbooks/failover.json"),
    )
    .unwrap();
    let s = d.path().join("s.json");
    std::fs::copy(&p, &s).unwrap();
    let err = refused(&["run", &s.display().to_string(), "--json"]);
    assert!(
        err.contains("steps[1].id: 10000 characters; expected at most 64"),
        "{err}"
    );
}
