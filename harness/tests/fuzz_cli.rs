//! `drill fuzz` from the outside: exit codes, the JSON report, determinism whatever
//! `--jobs`, counterexamples that `drill run` replays, and bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn drill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_drill"))
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .args(args)
        .output()
        .expect("drill runs")
}

fn runbook(name: &str) -> String {
    format!("scenarios/runbooks/{name}")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).expect("valid JSON on stdout")
}

#[test]
fn documented_runbooks_violate_and_counterexamples_replay() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().display().to_string();
    let out = drill(&[
        "fuzz", "--cases", "200", "--seed", "3", "--json", "--out", &out_dir,
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["cases"], 200);
    assert!(v["cases_per_second"].as_f64().unwrap() > 0.0);
    let invs = v["invariants"].as_array().unwrap();
    assert_eq!(invs.len(), 7);
    let bad: Vec<&serde_json::Value> = invs
        .iter()
        .filter(|i| i["violations"].as_u64().unwrap() > 0)
        .collect();
    assert!(
        bad.iter().any(|i| i["name"] == "service_restored"),
        "gap 9: B5 fails with 3101"
    );
    for i in bad {
        let file = PathBuf::from(i["counterexample"]["file"].as_str().unwrap());
        assert!(file.exists());
        assert!(file
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(i["name"].as_str().unwrap()));
        // The saved scenario replays with drill run and violates what it was shrunk for.
        let r = drill(&["run", "--json", "--brief", file.to_str().unwrap()]);
        assert_eq!(r.status.code(), Some(1));
        let rv = json(&r);
        let name = i["name"].as_str().unwrap();
        assert!(rv["invariants"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["name"] == name && x["holds"] == false));
    }
}

#[test]
fn corrected_runbooks_pass_with_exit_0_and_results_ignore_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().display().to_string();
    let (fo, fb) = (
        runbook("failover-corrected.json"),
        runbook("failback-corrected.json"),
    );
    let run = |jobs: &str| {
        drill(&[
            "fuzz",
            "--runbook",
            &fo,
            "--runbook",
            &fb,
            "--cases",
            "300",
            "--seed",
            "9",
            "--jobs",
            jobs,
            "--json",
            "--out",
            &out_dir,
        ])
    };
    let (a, b) = (run("1"), run("2"));
    assert_eq!(a.status.code(), Some(0));
    assert_eq!(b.status.code(), Some(0));
    let (a, b) = (json(&a), json(&b));
    assert_eq!(a["invariants"], b["invariants"]);
    assert_eq!(a["coverage"], b["coverage"]);
    assert!(a["coverage"]["backup_recovered"].as_u64().unwrap() > 0);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing to save"
    );
}

#[test]
fn text_report_has_the_table_a_timeline_and_coverage() {
    let dir = tempfile::tempdir().unwrap();
    let out = drill(&[
        "fuzz",
        "--cases",
        "50",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "seed 1",
        "cases/s",
        "INVARIANT",
        "VIOLATIONS",
        "COUNTEREXAMPLE service_restored",
        "STEP B5",
        "COVERAGE",
        "hit_3101",
        "VERDICT",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
}

#[test]
fn bad_input_exits_2_with_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        "{\n  \"name\": \"x\",\n  \"steps\": [ { \"id\": 1 } ]\n}\n",
    )
    .unwrap();
    let out = drill(&["fuzz", "--runbook", bad.to_str().unwrap(), "--cases", "10"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains(&format!("{}:3:", bad.display())), "{err}");
    let out = drill(&["fuzz", "--runbook", "no/such/runbook.json"]);
    assert_eq!(out.status.code(), Some(2));
    let fo = runbook("failover.json");
    let out = drill(&["fuzz", "--runbook", &fo, "--runbook", &fo]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("two failover runbooks"));
    let out = drill(&["fuzz", "--cases", "0"]);
    assert_eq!(out.status.code(), Some(2));
}

fn drill_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_drill"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("drill runs")
}

/// The `replay: drill run FILE` lines of a text report.
fn replays(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().strip_prefix("replay: drill run "))
        .map(str::to_string)
        .collect()
}

/// Each printed replay command works from `dir`, and again after the file is moved to a
/// directory of its own.
fn replays_anywhere(dir: &Path, files: &[String]) {
    assert!(!files.is_empty(), "the campaign found a counterexample");
    let elsewhere = tempfile::tempdir().unwrap();
    for f in files {
        let invariant = Path::new(f)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        let invariant = invariant.rsplit_once('-').unwrap().0.to_string();
        let moved = elsewhere.path().join("moved.json");
        for (cwd, file) in [(dir, f.as_str()), (elsewhere.path(), "moved.json")] {
            if file == "moved.json" {
                std::fs::rename(dir.join(f), &moved).unwrap();
            }
            let r = drill_in(cwd, &["run", "--json", "--brief", file]);
            assert_eq!(
                r.status.code(),
                Some(1),
                "{}",
                String::from_utf8_lossy(&r.stderr)
            );
            assert!(json(&r)["invariants"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["name"] == invariant.as_str() && x["holds"] == false));
        }
    }
}

#[test]
fn counterexamples_saved_in_an_empty_directory_replay_from_anywhere() {
    // The embedded documented runbooks: nothing of the repository beside the campaign.
    let dir = tempfile::tempdir().unwrap();
    let out = drill_in(dir.path(), &["fuzz", "--cases", "200", "--seed", "3"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("counterexamples go to drill-counterexamples"));
    let files = replays(&out);
    assert!(
        files
            .iter()
            .all(|f| f.starts_with("drill-counterexamples/")),
        "{files:?}"
    );
    replays_anywhere(dir.path(), &files);

    // A user's runbook file, deleted after the campaign: the saved file carries it inline.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("mine")).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/runbooks/failback.json");
    std::fs::copy(src, dir.path().join("mine/fb.json")).unwrap();
    let out = drill_in(
        dir.path(),
        &[
            "fuzz",
            "--runbook",
            "mine/fb.json",
            "--cases",
            "100",
            "--out",
            "found",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(dir.path().join("mine")).unwrap();
    let files = replays(&out);
    assert!(files.iter().all(|f| f.starts_with("found/")), "{files:?}");
    replays_anywhere(dir.path(), &files);
}
