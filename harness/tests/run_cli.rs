//! `drill run`: the default drill, the shipped scenarios' verdicts and RPO, determinism,
//! and bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn drill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_drill"))
        .args(args)
        .output()
        .expect("drill runs")
}

fn scenario(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios")
        .join(name)
        .display()
        .to_string()
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

#[test]
fn default_drill_prints_timeline_summary_and_verdicts() {
    let out = drill(&["run"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "the documented failback violates invariants"
    );
    for needle in [
        "seed 1",
        "TIMELINE",
        "STEP F1",
        "STEP B5",
        "Msg 3101",
        "SUMMARY",
        "RTO",
        "RPO",
        "compliance rows at risk",
        "failback downtime",
        "INVARIANTS",
        "VIOLATED service_restored",
    ] {
        assert!(text.contains(needle), "missing {needle:?}");
    }
}

#[test]
fn json_has_the_documented_fields_and_is_byte_identical_for_the_same_seed() {
    let a = drill(&["run", "--json"]);
    let b = drill(&["run", "--json"]);
    assert_eq!(a.stdout, b.stdout);
    let v = json(&a);
    for k in [
        "seed",
        "rto_seconds",
        "rpo_writes_lost",
        "rpo_seconds",
        "invariants",
        "timeline",
    ] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    assert_eq!(v["seed"], 1);
    assert!(v["timeline"].as_array().unwrap().len() > 20);
    let c = json(&drill(&["run", "--json", "--seed", "77"]));
    assert_eq!(c["seed"], 77);
}

// RPO by hand: 600 writes/min; log backups every 15 min at :00/:15/:30/:45, copied 2 min
// later. The outage is at 01:01, one minute after the 01:00 log backup.

#[test]
fn full_cycle_documented_runbooks() {
    let out = drill(&["run", &scenario("full-cycle.json"), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    // B1 keeps the servers' connections (gap 9) so B5's restore hits 3101 and the runbook
    // stops: the pool never returns home, and the primary is never mirrored again (gap 5).
    assert_eq!(violated(&v), ["service_restored", "dr_posture_restored"]);
    // Share in DC2: F2 copies the 01:00 backup; the minute after it is lost by the failover.
    assert_eq!(v["failover_rpo_writes_lost"], 600);
    assert_eq!(v["failover_rpo_seconds"], 60);
    assert!(v["rto_seconds"].as_u64().unwrap() > 0);
    // At the end no copy serves: the final loss is unknown (null with the reason), not 0,
    // and so is the failback downtime (the service never came back).
    assert!(v["rpo_writes_lost"].is_null());
    assert!(v["failback_downtime_seconds"].is_null());
    let reasons: Vec<&str> = v["unknowns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["measure"].as_str().unwrap())
        .collect();
    assert!(reasons.contains(&"rpo_writes_lost") && reasons.contains(&"failback_downtime_seconds"));
    // The headline rests on gap 9's inference, and the output says so.
    assert!(v["assumptions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["name"] == "inactive_server_session" && a["setting"] == "keeps"));
}

#[test]
fn dc1_outage_share_in_dc2() {
    let out = drill(&["run", &scenario("dc1-outage-share-dc2.json"), "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert!(violated(&v).is_empty());
    assert_eq!(v["rpo_writes_lost"], 600);
}

#[test]
fn dc1_outage_share_in_dc1() {
    let out = drill(&["run", &scenario("dc1-outage-share-dc1.json"), "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert!(
        violated(&v).is_empty(),
        "F2 fails, but nothing reachable from DC2 was left unapplied"
    );
    // The 01:00 backup sits on the unreachable share: 00:45 -> 01:01 is lost (16 min).
    assert_eq!(v["rpo_writes_lost"], 9600);
    assert_eq!(v["rpo_seconds"], 960);
    let f2 = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "F2")
        .unwrap();
    // robocopy's operating-system error, not a SQL Server message (no Msg number).
    assert!(f2["error"]["number"].is_null());
    assert!(f2["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("ERROR 53 (0x00000035) Accessing Source Directory"));
}

#[test]
fn primary_crash_mirror_takes_over() {
    let out = drill(&["run", &scenario("primary-crash.json"), "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert!(violated(&v).is_empty());
    assert_eq!(v["rpo_writes_lost"], 0);
    assert_eq!(v["rto_seconds"], 0);
    assert_eq!(v["coverage"]["mirror_took_over"], true);
}

fn bad(name: &str, text: &str, extra: &[(&str, &str)]) -> (i32, String, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    for (n, t) in extra {
        std::fs::create_dir_all(dir.path().join(n).parent().unwrap()).unwrap();
        std::fs::write(dir.path().join(n), t).unwrap();
    }
    let out = drill(&["run", p.to_str().unwrap()]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(out.stdout.is_empty(), "no output on bad input");
    let dir = dir.keep();
    (out.status.code().unwrap(), err, dir.join(name))
}

#[test]
fn malformed_json_names_file_line_and_column() {
    let (code, err, p) = bad("s.json", "{\n  \"name\": \"x\",\n  \"seed\": ,\n}", &[]);
    assert_eq!(code, 2);
    assert!(err.contains(&format!("{}:3:11:", p.display())), "{err}");
}

#[test]
fn unknown_step_kind_in_a_runbook() {
    let rb = "{\"name\":\"r\",\"steps\":[\n {\"id\":\"X1\",\"title\":\"t\",\"action\":{\"kind\":\"reboot_everything\"}}]}";
    let (code, err, _) = bad(
        "s.json",
        r#"{"name":"x","phases":[{"runbook":"r.json","start_at_s":0}]}"#,
        &[("r.json", rb)],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("r.json:2:")
            && err.contains("unknown variant `reboot_everything`")
            && err.contains("expected one of"),
        "{err}"
    );
}

#[test]
fn unknown_instance() {
    let (code, err, _) = bad("s.json", "{\"name\":\"x\",\n\"faults\":[{\"at_s\":1,\"kind\":\"instance_down\",\"instance\":\"sql-9\"}]}", &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("s.json:2:") && err.contains("sql-9") && err.contains("primary"),
        "{err}"
    );
}

#[test]
fn impossible_parameters() {
    let (code, err, _) = bad(
        "s.json",
        "{\"name\":\"x\",\n\"timing\":{\"detection_s\":{\"min\":60,\"max\":10}}}",
        &[],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("s.json:2:") && err.contains("impossible duration"),
        "{err}"
    );
    let (code, err, _) = bad(
        "s.json",
        "{\"name\":\"x\",\n\"log_shipping\":{\n\"copy_interval_s\":0}}",
        &[],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("s.json:3:1:") && err.contains("copy_interval_s is 0"),
        "{err}"
    );
    let (code, err, _) = bad(
        "s.json",
        "{\"name\":\"x\",\"phases\":[{\"runbook\":\"missing.json\",\"start_at_s\":0}]}",
        &[],
    );
    assert_eq!(code, 2);
    assert!(err.contains("no runbook file"), "{err}");
    let rb = "{\"name\":\"r\",\"steps\":[{\"id\":\"F1\",\"title\":\"t\",\"action\":{\"kind\":\"set_active_servers\",\"servers\":{\"servers\":[12]}}}]}";
    let (code, err, _) = bad(
        "s.json",
        r#"{"name":"x","phases":[{"runbook":"r.json","start_at_s":0}]}"#,
        &[("r.json", rb)],
    );
    assert_eq!(code, 2);
    assert!(err.contains("server 12 does not exist"), "{err}");
}

#[test]
fn committed_schemas_match_the_types() {
    for kind in ["runbook", "scenario"] {
        let out = drill(&["schema", kind]);
        let committed = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("../docs/schema/{kind}.schema.json")),
        )
        .unwrap();
        // Not assert_eq: a stale schema would print two whole files.
        assert!(
            String::from_utf8(out.stdout).unwrap() == committed,
            "docs/schema/{kind}.schema.json is stale; regenerate with: drill schema {kind} > docs/schema/{kind}.schema.json"
        );
    }
}

#[test]
fn check_determinism_plays_twice_and_reports_the_hash() {
    let out = drill(&[
        "run",
        &scenario("dc1-outage-share-dc2.json"),
        "--check-determinism",
        "--brief",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("determinism check: two runs of seed 1 gave identical output"),
        "{err}"
    );
}

#[test]
fn full_cycle_with_the_corrected_runbooks_holds_every_invariant() {
    let out = drill(&["run", &scenario("full-cycle-corrected.json"), "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert!(violated(&v).is_empty());
    // Same outage as the default drill: the minute after the 01:00 log backup is lost, and
    // nothing more at failback (the services are stopped before B3's full backup).
    assert_eq!(v["rpo_writes_lost"], 600);
    assert!(
        v["failback_downtime_seconds"].as_u64().unwrap() > 0,
        "the failback is a planned outage"
    );
    assert_eq!(v["final_observation"]["pool"]["state"], "Normal");
}

fn runbook(name: &str) -> String {
    scenario(&format!("runbooks/{name}"))
}

#[test]
fn a_runbook_given_as_the_scenario_says_what_it_is_and_how_to_play_it() {
    let f = runbook("failover.json");
    let out = drill(&["run", &f]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("a failover runbook")
            && err.contains("not a scenario")
            && err.contains(&format!("drill run --runbook {f}")),
        "{err}"
    );
    let out = drill(&["run", &runbook("failback.json")]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("a failback runbook"), "{err}");
}

#[test]
fn runbook_files_replace_the_phases_of_their_kind() {
    // The default drill with both corrected runbooks given is the shipped corrected drill:
    // the two scenarios differ only in name, description and runbook files.
    let given = drill(&[
        "run",
        "--json",
        "--brief",
        "--runbook",
        &runbook("failback-corrected.json"),
        "--runbook",
        &runbook("failover-corrected.json"),
    ]);
    let shipped = drill(&[
        "run",
        "--json",
        "--brief",
        &scenario("full-cycle-corrected.json"),
    ]);
    assert_eq!(
        given.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&given.stderr)
    );
    assert_eq!(shipped.status.code(), Some(0));
    let (g, s) = (json(&given), json(&shipped));
    for key in ["timeline", "invariants", "rto_seconds", "rpo_writes_lost"] {
        assert_eq!(g[key], s[key], "{key}");
    }
    assert_eq!(g["runbook_files"].as_array().unwrap().len(), 2);
    // Only the failback replaced: the documented failover still runs, and the text says
    // which file was played and how to reproduce it.
    let fb = runbook("failback-corrected.json");
    let out = drill(&["run", "--brief", "--runbook", &fb]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(&format!(
            "reproduce with: drill run --runbook {fb} --seed 1"
        )),
        "{text}"
    );
    assert!(
        text.contains("STEP F1") && text.contains("STEP B5"),
        "{text}"
    );
}

#[test]
fn a_runbook_with_no_phase_of_its_kind_or_two_of_a_kind_is_bad_input() {
    // dc1-outage-share-dc2 has a failover phase only.
    let out = drill(&[
        "run",
        &scenario("dc1-outage-share-dc2.json"),
        "--runbook",
        &runbook("failback.json"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("no failback phase"), "{err}");
    let fo = runbook("failover.json");
    let out = drill(&[
        "run",
        "--runbook",
        &fo,
        "--runbook",
        &runbook("failover-corrected.json"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("two failover runbooks"));
}

#[test]
fn a_scenario_with_its_runbooks_inline_needs_no_other_file() {
    // full-cycle.json with each phase's runbook file pasted in: alone in a directory, it
    // plays exactly as the original.
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(scenario("full-cycle.json")).unwrap())
            .unwrap();
    for ph in v["phases"].as_array_mut().unwrap() {
        let f = ph["runbook"].as_str().unwrap().to_string();
        let text = std::fs::read_to_string(scenario(&f)).unwrap();
        ph["runbook"] = serde_json::from_str(&text).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("inline.json");
    std::fs::write(&p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    let a = drill(&["run", "--json", "--brief", p.to_str().unwrap()]);
    let b = drill(&["run", "--json", "--brief", &scenario("full-cycle.json")]);
    assert_eq!(
        a.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&a.stderr)
    );
    let (a, b) = (json(&a), json(&b));
    assert_eq!(a["timeline"], b["timeline"]);
    assert_eq!(a["invariants"], b["invariants"]);
    // An error inside an inline runbook is reported at its line in the scenario file.
    let (code, err, p) = bad(
        "s.json",
        "{\"name\":\"x\",\"phases\":[{\"start_at_s\":0,\"runbook\":\n{\"name\":\"r\",\"steps\":[\n {\"id\":\"X1\",\"title\":\"t\",\"action\":{\"kind\":\"reboot_everything\"}}]}}]}",
        &[],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("{}:3:", p.display())) && err.contains("reboot_everything"),
        "{err}"
    );
}
