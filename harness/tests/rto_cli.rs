//! `drill rto`: hand-computed RTO and RPO with fixed distributions, determinism, the
//! log-backup-interval trend, the JSON shape, the HTML report, calibration and bad input.
//! Small run counts and fixed seeds keep these fast.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn drill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_drill"))
        .args(args)
        .output()
        .expect("drill runs")
}

fn repo(p: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(p)
        .display()
        .to_string()
}

fn json(out: &Output) -> serde_json::Value {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid JSON on stdout")
}

/// Every timing fixed, no jitter. DC1 is lost at 01:01; the CMS is in DC2. Copy jobs run at
/// :10/:25/:40/:55 and restore jobs at :11:40/..., so the 01:00 log backup (9,000 writes at
/// 600/min) is still on the share when the operators start.
fn fixed_scenario(dir: &Path) -> PathBuf {
    let text = format!(
        r#"{{
  "name": "fixed",
  "seed": 7,
  "topology": {{ "share": "DC2", "cms": "DC2" }},
  "log_shipping": {{ "copy_offset_s": 600, "restore_offset_s": 700 }},
  "timing": {{
    "detection_s": 300, "decision_s": 0, "operator_step_s": 100, "cmdlet_s": 30,
    "statement_s": 5, "restore_log_s": 20, "copy_file_s": 5, "recovery_s": 60,
    "log_bytes_per_write": 10485.76, "backup_mb_per_s": 50, "restore_mb_per_s": 5,
    "copy_mb_per_s": 10, "inter_dc_mbit_per_s": 800, "fault_jitter_s": 0
  }},
  "faults": [ {{ "at_s": 3660, "kind": "dc_down", "dc": "DC1" }} ],
  "phases": [ {{ "runbook": {:?}, "start_at_s": 3660, "declare": true }} ],
  "rto_target_s": 900,
  "rpo_target_s": 900
}}"#,
        repo("scenarios/runbooks/failover.json")
    );
    let p = dir.join("fixed.json");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn fixed_distributions_give_the_hand_computed_rto_and_rpo() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixed_scenario(dir.path());
    let v = json(&drill(&[
        "rto",
        f.to_str().unwrap(),
        "--runs",
        "7",
        "--json",
    ]));
    // Detection 300 (decision 0), then operator 100 s per step plus its work:
    // F1 statement 5; F2 one file: 5 + 90 MB / 10 MB/s = 14; F3 one file: 20 + 90 MB / 5 MB/s
    // = 38; F4 recovery 60; F5 cmdlet 30 (service is back when the pool points at backup).
    let rto = 300 + (100 + 5) + (100 + 14) + (100 + 38) + (100 + 60) + (100 + 30);
    assert_eq!(rto, 947);
    for p in ["min", "p50", "p90", "p95", "p99", "max"] {
        assert_eq!(v["rto_s"][p], rto, "rto {p}");
        assert_eq!(v["rto_from_declaration_s"][p], rto - 300, "{p}");
        // The minute after the 01:00 backup: 60 s x 10 acknowledged writes/s never reached
        // a log backup, so it is missing from the recovered database.
        assert_eq!(v["rpo_writes"][p], 600, "rpo {p}");
        assert_eq!(v["rpo_s"][p], 60, "rpo s {p}");
    }
    assert_eq!(v["targets"]["rto"]["verdict"], "breached");
    assert_eq!(v["targets"]["rto"]["probability_of_breach"], 1.0);
    assert_eq!(v["targets"]["rpo"]["verdict"], "met");
    assert_eq!(v["targets"]["rpo"]["runs_breached"], 0);
    // The critical path adds up to the RTO, and each share is its part of it.
    let segs = v["critical_path"]["segments"].as_array().unwrap();
    let ids: Vec<&str> = segs.iter().filter_map(|s| s["step"].as_str()).collect();
    assert_eq!(ids, ["F1", "F2", "F3", "F4", "F5"]);
    let total: u64 = segs.iter().map(|s| s["seconds"].as_u64().unwrap()).sum();
    assert_eq!(total, rto);
    let f3 = segs.iter().find(|s| s["step"] == "F3").unwrap();
    assert_eq!(f3["work_s"], 38);
    assert!((f3["share"].as_f64().unwrap() - 138.0 / 947.0).abs() < 1e-9);
}

fn without_performance(mut v: serde_json::Value) -> serde_json::Value {
    v.as_object_mut().unwrap().remove("performance");
    v
}

#[test]
fn same_seed_same_distribution_whatever_the_thread_count() {
    let a = json(&drill(&[
        "rto",
        "--runs",
        "300",
        "--seed",
        "5",
        "--json",
        "--threads",
        "1",
    ]));
    let b = json(&drill(&[
        "rto",
        "--runs",
        "300",
        "--seed",
        "5",
        "--json",
        "--threads",
        "2",
    ]));
    assert_eq!(without_performance(a.clone()), without_performance(b));
    let c = json(&drill(&["rto", "--runs", "300", "--seed", "6", "--json"]));
    assert_ne!(a["rto_s"], c["rto_s"], "another seed draws other runs");
    assert_eq!(a["campaign_seed"], 5);
    // The default scenario has spread: the distributions are not one number.
    assert!(a["rto_s"]["max"].as_u64() > a["rto_s"]["min"].as_u64());
    assert!(a["rpo_s"]["max"].as_u64() > a["rpo_s"]["min"].as_u64());
}

#[test]
fn a_longer_log_backup_interval_never_lowers_the_worst_case_rpo() {
    let out = drill(&[
        "rto",
        "--runs",
        "200",
        "--json",
        "--sweep",
        "backup_interval_s=300,600,900,1800,3600",
    ]);
    let v = json(&out);
    assert_eq!(v["sweep"]["param"], "log_shipping.backup_interval_s");
    let rows = v["sweep"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    let worst =
        |k: &str| -> Vec<u64> { rows.iter().map(|r| r[k]["max"].as_u64().unwrap()).collect() };
    for k in ["rpo_s", "rpo_writes"] {
        let w = worst(k);
        assert!(w.windows(2).all(|p| p[0] <= p[1]), "{k} worst case {w:?}");
        assert!(w[4] > w[0], "{k}: the trend is visible, {w:?}");
    }
}

#[test]
fn default_text_has_distributions_targets_critical_path_and_speed() {
    let out = drill(&["rto", "--runs", "200"]);
    assert_eq!(out.status.code(), Some(0));
    let t = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "campaign seed 1",
        "reproduce with: drill rto --seed 1 --runs 200",
        "p50",
        "p99",
        "RPO (writes lost)",
        "failback downtime",
        "RTO target 1h00m",
        "probability of breach",
        "CRITICAL PATH of the median run",
        "detection (timing.detection_s)",
        "F4 kill_sessions_and_recover",
        "runs/s",
    ] {
        assert!(t.contains(needle), "missing {needle:?} in\n{t}");
    }
}

#[test]
fn json_distributions_have_the_six_statistics() {
    let v = json(&drill(&["rto", "--runs", "50", "--json"]));
    for d in ["rto_s", "rpo_writes", "rpo_s", "failback_downtime_s"] {
        let o = v[d].as_object().unwrap_or_else(|| panic!("{d}"));
        let keys: Vec<&str> = o.keys().map(String::as_str).collect();
        for k in ["min", "p50", "p90", "p95", "p99", "max"] {
            assert!(keys.contains(&k), "{d} lacks {k}");
        }
        assert!(o["min"].as_u64() <= o["max"].as_u64());
    }
    assert!(!v["critical_path"]["segments"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(v["performance"]["runs_per_second"].as_f64().unwrap() > 0.0);
    let assumed = v["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["origin"] == "assumed")
        .count();
    assert!(
        assumed > 10,
        "the default scenario only uses assumed timing"
    );
}

#[test]
fn html_report_is_self_contained_with_charts() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.html");
    let out = drill(&[
        "rto",
        "--runs",
        "200",
        "--sweep",
        "operator_step_s=60,120,300",
        "--report",
        p.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let h = std::fs::read_to_string(&p).unwrap();
    // Two histograms, two timelines, two sweep plots.
    assert_eq!(h.matches("<svg").count(), 6, "six inline charts");
    for needle in [
        "RTO (minutes)",
        "median run",
        "worst run",
        "Sweep of timing.operator_step_s",
        "assumed",
    ] {
        assert!(h.contains(needle), "missing {needle:?}");
    }
    // Self-contained: nothing fetched from elsewhere.
    for bad in ["src=\"http", "href=\"http", "<script src", "<link "] {
        assert!(!h.contains(bad), "external reference {bad:?}");
    }
    // No temporary file left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn calibration_replaces_parameters_and_the_report_says_so() {
    let v = json(&drill(&[
        "rto",
        "--runs",
        "50",
        "--json",
        "--calibration",
        &repo("scenarios/calibration/example.json"),
    ]));
    let origin = |n: &str| {
        v["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == n)
            .unwrap_or_else(|| panic!("{n}"))["origin"]
            .clone()
    };
    assert_eq!(origin("restore_mb_per_s"), "measured");
    assert_eq!(origin("operator_step_s"), "measured");
    assert_eq!(origin("decision_s"), "assumed");
    assert!(v["calibration"].as_str().unwrap().contains("example.json"));
}

#[test]
fn committed_calibration_schema_matches_the_type() {
    let want = harness::rto::calibration::schema();
    let path = repo("docs/schema/calibration.schema.json");
    if std::env::var_os("DRILL_WRITE_SCHEMA").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap();
    assert_eq!(have, want, "regenerate with: DRILL_WRITE_SCHEMA=1 cargo test -p harness --test rto_cli committed_calibration_schema");
}

fn bad(args: &[&str]) -> String {
    let out = drill(args);
    assert_eq!(out.status.code(), Some(2), "args {args:?}");
    assert!(out.stdout.is_empty());
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn bad_input_is_a_clear_error_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let e = bad(&["rto", "--sweep", "no_such_param=1,2"]);
    assert!(e.contains("unknown parameter \"no_such_param\""), "{e}");
    let e = bad(&["rto", "--sweep", "backup_interval_s=0,900"]);
    assert!(e.contains("backup_interval_s"), "{e}");
    let e = bad(&["rto", "--sweep", "backup_interval_s"]);
    assert!(e.contains("PARAM=v1,v2"), "{e}");
    bad(&["rto", "--runs", "0"]);
    let cal = dir.path().join("cal.json");
    std::fs::write(
        &cal,
        "{\n  \"format\": \"drill-calibration/1\",\n  \"source\": \"rehearsal\",\n  \"parameters\": {\n    \"warp_speed\": { \"samples\": [1] }\n  }\n}\n",
    )
    .unwrap();
    let e = bad(&["rto", "--calibration", cal.to_str().unwrap()]);
    assert!(
        e.contains("cal.json:5:5: unknown parameter \"warp_speed\""),
        "{e}"
    );
    std::fs::write(
        &cal,
        "{\n  \"format\": \"drill-calibration/1\",\n  \"source\": \"rehearsal\",\n  \"parameters\": {\n    \"restore_mb_per_s\": { \"samples\": [0.2] }\n  }\n}\n",
    )
    .unwrap();
    let e = bad(&["rto", "--calibration", cal.to_str().unwrap()]);
    assert!(
        e.contains("cal.json:5:5:") && e.contains("at least 1"),
        "{e}"
    );
    std::fs::write(&cal, "{ \"format\": ").unwrap();
    let e = bad(&["rto", "--calibration", cal.to_str().unwrap()]);
    assert!(e.contains("cal.json:1:"), "{e}");
    // A report that cannot be written: clear error, and no file.
    let missing = dir.path().join("nope/r.html");
    let e = bad(&["rto", "--runs", "5", "--report", missing.to_str().unwrap()]);
    assert!(e.contains("does not exist"), "{e}");
    assert!(!missing.exists());
}

/// Both data centers down: no run restores service, so nothing of the critical path is a
/// share of an RTO, and no RPO is known: each is null, never 0.
#[test]
fn a_campaign_that_never_restores_service_reports_unknowns_not_zeros() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join("runbooks")).unwrap();
    std::fs::copy(
        repo("scenarios/runbooks/failover.json"),
        d.path().join("runbooks/failover.json"),
    )
    .unwrap();
    let s = d.path().join("never.json");
    std::fs::write(
        &s,
        r#"{ "name": "never", "seed": 1,
  "faults": [ { "at_s": 3660, "kind": "dc_down", "dc": "DC1" }, { "at_s": 3700, "kind": "dc_down", "dc": "DC2" } ],
  "phases": [ { "runbook": "runbooks/failover.json", "start_at_s": 3660, "declare": true } ] }"#,
    )
    .unwrap();
    let out = drill(&["rto", &s.display().to_string(), "--runs", "5", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["never_restored"], 5);
    assert_eq!(v["rpo_unknown"], 5);
    let cp = &v["critical_path"];
    assert!(cp["rto_s"].is_null() && cp["rpo_writes"].is_null());
    let segs = cp["segments"].as_array().unwrap();
    assert!(!segs.is_empty());
    assert!(segs.iter().all(|s| s["share"].is_null()), "{segs:?}");
}
