//! The modelling assumptions in every result (issue 8 part 2): `drill run` names the ones its
//! verdict rests on, a scenario can change them, `drill rto` carries them, and
//! `drill fuzz --vary-assumptions` tells robust violations from conditional ones.

use std::process::{Command, Output};

fn drill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_drill"))
        .args(args)
        .output()
        .expect("drill runs")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).expect("valid JSON on stdout")
}

fn violated(v: &serde_json::Value) -> Vec<String> {
    v["invariants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["holds"] == false)
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect()
}

/// The shipped full cycle with one assumption set, written beside the shipped runbooks'
/// copies in a temporary directory (the phases name runbooks relative to the scenario).
fn full_cycle_with(assumptions: &str, dir: &std::path::Path) -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    std::fs::create_dir_all(dir.join("runbooks")).unwrap();
    for rb in ["failover.json", "failback.json"] {
        std::fs::copy(
            root.join("runbooks").join(rb),
            dir.join("runbooks").join(rb),
        )
        .unwrap();
    }
    let mut s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("full-cycle.json")).unwrap())
            .unwrap();
    s["assumptions"] = serde_json::from_str(assumptions).unwrap();
    let f = dir.join("full-cycle.json");
    std::fs::write(&f, serde_json::to_string_pretty(&s).unwrap()).unwrap();
    f.display().to_string()
}

#[test]
fn the_default_drill_names_the_assumption_its_headline_rests_on() {
    let out = drill(&["run"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("\nASSUMPTIONS the verdicts depend on"),
        "{text}"
    );
    assert!(text.contains("  inactive_server_session = keeps  [set by assumptions.inactive_server_session; alternatives: closes]"));
    assert!(text.contains("no source for the database session"));
}

#[test]
fn the_default_drill_under_both_settings_of_gap_9() {
    let dir = tempfile::tempdir().unwrap();
    // keeps (default): B5 fails with 3101, the pool never returns home.
    let keeps = json(&drill(&[
        "run",
        "--json",
        &full_cycle_with(r#"{"inactive_server_session":"keeps"}"#, dir.path()),
    ]));
    assert_eq!(
        violated(&keeps),
        ["service_restored", "dr_posture_restored"]
    );
    let b5 = |v: &serde_json::Value| {
        v["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == "B5")
            .cloned()
            .unwrap()
    };
    assert_eq!(b5(&keeps)["error"]["number"], 3101);
    // closes: B5 succeeds, but it puts the copy the FailedOver pool still points at into
    // RESTORING (pool_db_coherence), and the primary is still never mirrored (gap 5).
    let closes = json(&drill(&[
        "run",
        "--json",
        &full_cycle_with(r#"{"inactive_server_session":"closes"}"#, dir.path()),
    ]));
    assert_eq!(
        violated(&closes),
        ["pool_db_coherence", "dr_posture_restored"]
    );
    assert!(b5(&closes)["error"].is_null());
    assert!(closes["assumptions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["name"] == "inactive_server_session" && a["setting"] == "closes"));
}

#[test]
fn rto_json_carries_the_assumptions() {
    let v = json(&drill(&["rto", "--runs", "20", "--json"]));
    let names: Vec<&str> = v["assumptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"inactive_server_session"), "{names:?}");
    // Honest unknowns: the documented failback never brings service back, so no run has a
    // failback downtime to report (null percentiles, counted), while every run restored
    // service after the outage and so has a failover RPO.
    assert_eq!(v["failback_unknown"], 20);
    assert!(v["failback_downtime_s"]["p50"].is_null());
    assert_eq!(v["rpo_unknown"], 0);
    assert!(v["rpo_writes"]["min"].as_u64().unwrap() > 0);
}

#[test]
fn fuzz_vary_assumptions_tells_robust_from_conditional() {
    let dir = tempfile::tempdir().unwrap();
    let out = drill(&[
        "fuzz",
        "--cases",
        "300",
        "--seed",
        "7",
        "--vary-assumptions",
        "--json",
        "--out",
        &dir.path().display().to_string(),
    ]);
    let v = json(&out);
    assert!(v["reproduce"]
        .as_str()
        .unwrap()
        .ends_with("--vary-assumptions"));
    let rb = v["robustness"].as_array().unwrap();
    assert!(!rb.is_empty());
    for r in rb {
        let robust = r["robust"].as_bool().unwrap();
        let holds = r["holds_under"].as_array().unwrap();
        assert_eq!(robust, holds.is_empty(), "{r}");
        assert!(!r["violated_under"].as_array().unwrap().is_empty(), "{r}");
    }
    // B5 taking the FailedOver pool's copy offline happens only when removed servers close
    // their sessions (otherwise 3101 stops B5 first).
    let pdc = rb
        .iter()
        .find(|r| r["invariant"] == "pool_db_coherence")
        .expect("seed 7 finds pool_db_coherence");
    assert_eq!(pdc["robust"], false);
    assert_eq!(
        pdc["violated_under"],
        serde_json::json!(["inactive_server_session = closes"])
    );
}
