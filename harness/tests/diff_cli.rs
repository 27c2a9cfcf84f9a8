//! `drill diff` from the outside: a runbook against itself changes nothing and exits 0;
//! every mutant is reported worse than its corrected runbook by the invariant it breaks,
//! with a paired example `drill run` replays; a step that adds a known delay shows up as
//! that shift inside the bootstrap intervals; bad input exits 2.

/// A skip is said on the terminal, past the test harness's capture, so it is never silent.
macro_rules! skip_line {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}

use std::path::Path;
use std::process::{Command, Output};

fn drill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_drill"))
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .args(args)
        .output()
        .expect("drill runs")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "valid JSON on stdout ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn a_runbook_against_itself_reports_no_change() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("ex");
    let rb = "scenarios/runbooks/failback-corrected.json";
    let out = drill(&[
        "diff",
        rb,
        rb,
        "--cases",
        "200",
        "--resamples",
        "100",
        "--json",
        "--rto-target",
        "3600",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["verdict"], "not worse");
    assert_eq!(v["steps"].as_array().unwrap().len(), 0);
    assert_eq!(v["worse"].as_array().unwrap().len(), 0);
    assert_eq!(v["better"].as_array().unwrap().len(), 0);
    for i in v["invariants"].as_array().unwrap() {
        assert_eq!(i["newly_violated"], 0, "{i}");
        assert_eq!(i["newly_fixed"], 0, "{i}");
        assert_eq!(i["old_cases"], i["new_cases"], "{i}");
    }
    for m in v["metrics"].as_array().unwrap() {
        for s in m["shifts"].as_array().unwrap() {
            assert_eq!(s["old"], s["new"], "{s}");
            if !s["shift"].is_null() {
                assert_eq!(
                    (&s["shift"], &s["ci_low"], &s["ci_high"]),
                    (&0.into(), &0.into(), &0.into()),
                    "{s}"
                );
            }
        }
    }
    let t = &v["targets"][0];
    assert_eq!(t["old"], t["new"]);
    assert_eq!(t["regressed"], false);
    assert!(
        !out_dir.exists(),
        "nothing differs, so no example is written"
    );
    // The Markdown summary says so too.
    let md = drill(&[
        "diff",
        rb,
        rb,
        "--cases",
        "50",
        "--markdown",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(md.status.code(), Some(0));
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.starts_with("### drill diff: ✅ not worse"), "{md}");
}

#[test]
fn every_mutant_is_worse_than_its_corrected_runbook_by_the_invariant_it_breaks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/mutants");
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 6);
    let dir = tempfile::tempdir().unwrap();
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let m: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let expect = m["expect_violation"].as_str().unwrap().to_string();
        let corrected = if name.starts_with("failover") {
            "scenarios/runbooks/failover-corrected.json"
        } else {
            "scenarios/runbooks/failback-corrected.json"
        };
        let mutant = format!("scenarios/mutants/{name}");
        let out_dir = dir.path().join(&name);
        let out = drill(&[
            "diff",
            corrected,
            &mutant,
            "--cases",
            "1000",
            "--resamples",
            "50",
            "--json",
            "--out",
            out_dir.to_str().unwrap(),
        ]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v = json(&out);
        assert_eq!(v["verdict"], "worse", "{name}");
        let inv = v["invariants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == expect.as_str())
            .unwrap()
            .clone();
        assert!(inv["newly_violated"].as_u64().unwrap() > 0, "{name}: {inv}");
        assert!(
            v["worse"]
                .as_array()
                .unwrap()
                .iter()
                .any(|w| w.as_str().unwrap().starts_with(&expect)),
            "{name}: {}",
            v["worse"]
        );
        assert!(
            !v["steps"].as_array().unwrap().is_empty(),
            "{name}: the runbook diff shows the change"
        );
        // The paired example replays: the new runbook violates it, the old one does not.
        let ex = inv["examples"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["direction"] == "newly violated")
            .unwrap_or_else(|| panic!("{name}: {inv}"));
        let new_file = ex["new_file"].as_str().unwrap();
        let old_file = ex["old_file"].as_str().unwrap();
        let run_new = drill(&["run", new_file, "--json", "--brief"]);
        assert_eq!(
            run_new.status.code(),
            Some(1),
            "{name}: {}",
            String::from_utf8_lossy(&run_new.stderr)
        );
        let rn = json(&run_new);
        let violated = |r: &serde_json::Value| {
            r["invariants"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["name"] == expect.as_str() && i["holds"] == false)
        };
        assert!(violated(&rn), "{name}: {new_file}");
        let ro = json(&drill(&["run", old_file, "--json", "--brief"]));
        assert!(!violated(&ro), "{name}: {old_file}");
    }
}

#[test]
fn a_known_delay_is_inside_the_bootstrap_intervals() {
    // The corrected failover with a 10-minute wait before F4's recovery, its operator time
    // fixed at 0 (a fixed time draws nothing, so the later steps draw what they drew
    // before): in every case service comes back exactly 600 s later; writes lost do not
    // change (nothing before the recovery moves).
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut rb: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("scenarios/runbooks/failover-corrected.json")).unwrap(),
    )
    .unwrap();
    let steps = rb["steps"].as_array_mut().unwrap();
    let f4 = steps.iter().position(|s| s["id"] == "F4").unwrap();
    steps.insert(
        f4,
        serde_json::json!({"id": "W", "title": "wait", "action": {"kind": "wait", "seconds": 600}, "operator_s": 0}),
    );
    let new = dir.path().join("failover-wait.json");
    std::fs::write(&new, serde_json::to_string_pretty(&rb).unwrap()).unwrap();
    let out = drill(&[
        "diff",
        "scenarios/runbooks/failover-corrected.json",
        new.to_str().unwrap(),
        "--cases",
        "300",
        "--resamples",
        "200",
        "--json",
        "--out",
        dir.path().join("ex").to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["steps"][0]["change"], "added");
    for m in v["metrics"].as_array().unwrap() {
        let want = if m["name"] == "rto_s" { 600 } else { 0 };
        for s in m["shifts"].as_array().unwrap() {
            let (lo, hi) = (
                s["ci_low"].as_i64().unwrap(),
                s["ci_high"].as_i64().unwrap(),
            );
            assert!(lo <= want && want <= hi, "{}: {s}", m["name"]);
        }
    }
}

#[test]
fn bad_input_exits_2() {
    let out = drill(&["diff", "scenarios/runbooks/failover.json", "no-such.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such.json"));
    // A failover against a failback is not a runbook change.
    let out = drill(&[
        "diff",
        "scenarios/runbooks/failover.json",
        "scenarios/runbooks/failback.json",
        "--cases",
        "10",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected two versions of one runbook"));
    let out = drill(&[
        "diff",
        "scenarios/runbooks/failover.json",
        "scenarios/runbooks/failover.json",
        "--cases",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

/// The HTML report opens in headless Chromium and shows the verdict, the runbook diff and
/// the four histograms. Skipped, with the reason printed, where Chromium is not installed
/// (Debian: `apt-get install -y --no-install-recommends chromium`).
#[test]
fn the_html_report_renders_in_headless_chromium() {
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    else {
        skip_line!("SKIPPED the_html_report_renders_in_headless_chromium: no chromium, chromium-browser or google-chrome on PATH (Debian: apt-get install -y --no-install-recommends chromium)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("diff.html");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = drill(&[
        "diff",
        "scenarios/runbooks/failover-corrected.json",
        "scenarios/mutants/failover-f5-before-f4.json",
        "--cases",
        "200",
        "--resamples",
        "50",
        "--rto-target",
        "3600",
        "--rpo-target",
        "900",
        "--report",
        report.to_str().unwrap(),
        "--out",
        dir.path().join("ex").to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom_file = dir.path().join("dom.html");
    let mut child = Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom"])
        .arg(format!("file://{}", report.display()))
        .current_dir(&root)
        // To a file, not a pipe: the page is larger than a pipe's buffer.
        .stdout(std::fs::File::create(&dom_file).unwrap())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromium starts");
    // Bounded: a browser that hangs fails the test instead of hanging it.
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed().as_secs() > 120 {
            let _ = child.kill();
            panic!("headless chromium did not finish in 120 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let dom = std::fs::read_to_string(&dom_file).unwrap();
    assert!(
        dom.contains(r#"id="verdict" class="worse">drill diff: worse"#),
        "{dom}"
    );
    assert!(
        dom.contains("<td>moved</td><td>F5</td>"),
        "the runbook diff is on the page"
    );
    assert_eq!(dom.matches("<svg").count(), 4, "four histograms");
    assert!(dom.contains("pool_db_coherence newly violated"));
}

#[test]
fn the_seed_reproduces_the_diff_whatever_the_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let run = |jobs: &str, out: &str| {
        let o = drill(&[
            "diff",
            "scenarios/runbooks/failover-corrected.json",
            "scenarios/mutants/failover-f7-dc1.json",
            "--cases",
            "300",
            "--resamples",
            "100",
            "--seed",
            "9",
            "--json",
            "--jobs",
            jobs,
            "--out",
            dir.path().join(out).to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(1));
        let mut v = json(&o);
        v.as_object_mut().unwrap().remove("performance");
        // The example files live in each run's own --out; their names and contents agree.
        let s = serde_json::to_string(&v).unwrap().replace(out, "OUT");
        (s, v)
    };
    let (a, va) = run("1", "outdir-one");
    let (b, _) = run("2", "outdir-two");
    assert_eq!(a, b);
    let ex = &va["invariants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "active_server_placement")
        .unwrap()["examples"][0];
    let f = |out: &str| {
        std::fs::read(ex["new_file"].as_str().unwrap().replace("outdir-one", out)).unwrap()
    };
    assert_eq!(
        f("outdir-one"),
        f("outdir-two"),
        "the saved example is byte-identical"
    );
}
