//! `drill lint` from the outside: the corrected runbooks lint clean; every rule fires on a
//! runbook built to break it, at the line and column of the step; the documented runbooks
//! show the gaps a static check can see; SARIF 2.1.0 carries the same findings.

use std::path::Path;
use std::process::{Command, Output};

fn drill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_drill"))
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .args(args)
        .output()
        .expect("drill runs")
}

fn findings(args: &[&str]) -> (i32, Vec<serde_json::Value>) {
    let mut a = vec!["lint", "--format", "json"];
    a.extend_from_slice(args);
    let out = drill(&a);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), v.as_array().unwrap().clone())
}

fn rules(f: &[serde_json::Value]) -> Vec<(String, String)> {
    f.iter()
        .map(|x| {
            (
                x["rule"].as_str().unwrap().to_string(),
                x["step"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn the_corrected_runbooks_lint_clean() {
    let (code, f) = findings(&[
        "scenarios/runbooks/failover-corrected.json",
        "scenarios/runbooks/failback-corrected.json",
    ]);
    assert_eq!((code, f.len()), (0, 0), "{f:?}");
}

#[test]
fn the_documented_runbooks_show_their_static_gaps() {
    let (code, f) = findings(&["scenarios/runbooks/failover.json"]);
    assert_eq!(code, 1);
    // Gap 8: DC1 servers stay active across F5; gap 12: no CMS failover before F5.
    assert_eq!(
        rules(&f),
        vec![
            ("DRL008".into(), "F5".into()),
            ("DRL003".into(), "F5".into())
        ]
    );
    let (code, f) = findings(&["scenarios/runbooks/failback.json"]);
    assert_eq!(code, 1);
    // Gap 9 (B5 needs exclusive access: 3101), gap 7 (B5 takes the serving mgc offline;
    // B6 activates DC1 while FailedOver), gap 5 (no mirroring after B4).
    assert_eq!(
        rules(&f),
        vec![
            ("DRL005".into(), "B4".into()),
            ("DRL002".into(), "B5".into()),
            ("DRL007".into(), "B5".into()),
            ("DRL003".into(), "B6".into()),
        ]
    );
    // B5 is at line 47 of the file, and the finding points into that step.
    let b5 = &f[1];
    assert_eq!(b5["file"], "scenarios/runbooks/failback.json");
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/runbooks/failback.json"),
    )
    .unwrap();
    let line = text
        .lines()
        .nth(b5["line"].as_u64().unwrap() as usize - 1)
        .unwrap();
    let col = b5["column"].as_u64().unwrap() as usize;
    assert!(
        line[col - 1..].starts_with("\"kind\": \"configure_log_shipping\""),
        "{line}"
    );
}

const HEAD: &str = r#"{
  "name": "t",
  "steps": ["#;

fn write(dir: &Path, name: &str, steps: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, format!("{HEAD}\n{steps}\n  ]\n}}\n")).unwrap();
    p.display().to_string()
}

#[test]
fn every_rule_fires_on_a_runbook_built_to_break_it() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    // DRL001: an unknown kind and an unknown instance, each pointed at.
    let p = write(
        dir,
        "unknown.json",
        r#"    { "id": "X1", "title": "t", "action": { "kind": "restore_everything" } },
    { "id": "X2", "title": "t", "action": { "kind": "kill_sessions_and_recover", "instance": "backup2" } }"#,
    );
    let (code, f) = findings(&[&p]);
    assert_eq!(code, 1);
    assert_eq!(
        rules(&f),
        vec![
            ("DRL001".into(), "X1".into()),
            ("DRL001".into(), "X2".into())
        ]
    );
    assert_eq!(
        (f[0]["line"].as_u64(), f[0]["column"].as_u64()),
        (Some(4), Some(53)),
        "{}",
        f[0]
    );
    assert_eq!(
        (f[1]["line"].as_u64(), f[1]["column"].as_u64()),
        (Some(5), Some(94)),
        "{}",
        f[1]
    );
    // DRL002: RESTORE LOG after the recovery in the same runbook (Msg 3117).
    let p = write(
        dir,
        "late-log.json",
        r#"    { "id": "F4", "title": "t", "action": { "kind": "kill_sessions_and_recover" } },
    { "id": "F3", "title": "t", "action": { "kind": "restore_unapplied_logs" } }"#,
    );
    let (_, f) = findings(&[&p]);
    assert_eq!(rules(&f), vec![("DRL002".into(), "F3".into())]);
    assert!(f[0]["message"].as_str().unwrap().contains("3117"));
    // DRL003 and DRL004: five servers, two of them in DC1, while FailedOver on DC2.
    let p = write(
        dir,
        "five.json",
        r#"    { "id": "F0", "title": "t", "action": { "kind": "failover_cms", "to": "DC2" } },
    { "id": "F4", "title": "t", "action": { "kind": "kill_sessions_and_recover" } },
    { "id": "C", "title": "t", "action": { "kind": "set_active_servers", "servers": "clear" } },
    { "id": "F5", "title": "t", "action": { "kind": "set_pool_state", "state": "FailedOver" } },
    { "id": "F7", "title": "t", "action": { "kind": "set_active_servers", "servers": { "servers": [1, 2, 5, 6, 7] } } }"#,
    );
    let (_, f) = findings(&[&p]);
    assert_eq!(
        rules(&f),
        vec![
            ("DRL004".into(), "F7".into()),
            ("DRL003".into(), "F7".into())
        ]
    );
    // DRL005: a failback that restores the primary and stops there.
    let p = write(
        dir,
        "half-failback.json",
        r#"    { "id": "B1", "title": "t", "action": { "kind": "set_active_servers", "servers": "clear" } },
    { "id": "B4", "title": "t", "action": { "kind": "restore_full_from_share" } },
    { "id": "B7", "title": "t", "action": { "kind": "set_pool_state", "state": "Normal" } }"#,
    );
    let (_, f) = findings(&[&p]);
    assert_eq!(
        rules(&f),
        vec![
            ("DRL005".into(), "B4".into()),
            ("DRL005".into(), "B4".into())
        ]
    );
    // DRL006 (FailedOver before the recovery) and DRL008 (no CMS failover), in a mutant.
    let (_, f) = findings(&["scenarios/mutants/failover-f5-before-f4.json"]);
    assert!(rules(&f).contains(&("DRL006".into(), "F5".into())), "{f:?}");
    let (_, f) = findings(&["scenarios/mutants/failback-b7-before-b4.json"]);
    assert!(rules(&f).contains(&("DRL006".into(), "B7".into())), "{f:?}");
    // DRL007: re-initializing the serving database (with services stopped: no DRL002).
    let p = write(
        dir,
        "reinit.json",
        r#"    { "id": "S", "title": "t", "action": { "kind": "stop_chat_services" } },
    { "id": "B4", "title": "t", "action": { "kind": "restore_full_from_share" } },
    { "id": "B4m", "title": "t", "action": { "kind": "install_mirror_database", "instance": "primary", "mirror": "mirror" } },
    { "id": "B5", "title": "t", "action": { "kind": "configure_log_shipping" } }"#,
    );
    let (_, f) = findings(&[&p]);
    assert_eq!(rules(&f), vec![("DRL007".into(), "B5".into())]);
}

#[test]
fn sarif_carries_the_same_findings() {
    let out = drill(&[
        "lint",
        "--format",
        "sarif",
        "scenarios/runbooks/failback.json",
        "scenarios/runbooks/failover.json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 8);
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 6);
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        let reg = &r["locations"][0]["physicalLocation"]["region"];
        assert!(
            reg["startLine"].as_u64().unwrap() > 1 && reg["startColumn"].as_u64().unwrap() >= 1
        );
    }
}

#[test]
fn not_json_exits_2_with_the_position() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("bad.json");
    std::fs::write(&p, "{\n  \"name\": \"x\",\n  \"steps\": [ oops ]\n}\n").unwrap();
    let out = drill(&["lint", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.json:3:14"), "{err}");
}
