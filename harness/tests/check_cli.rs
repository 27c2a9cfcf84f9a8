//! `drill check` from the outside, on a copy of the scenarios with known defects added:
//! the JUnit file parses as XML and has one test case per file, lint, regression, mutant,
//! invariant x runbook and target, and exactly the failures planted; `--json` agrees;
//! bad input exits 2.

use quick_xml::events::Event;
use quick_xml::Reader;
use std::path::Path;
use std::process::{Command, Output};

fn drill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_drill"))
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .args(args)
        .output()
        .expect("drill runs")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let q = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &q);
        } else {
            std::fs::copy(&p, &q).unwrap();
        }
    }
}

/// (testcases, failures, failures named in <testsuites>, testcases per suite) by reading the XML.
fn count(xml: &[u8]) -> (usize, usize, usize, Vec<(String, usize)>) {
    let mut r = Reader::from_reader(xml);
    let (mut cases, mut failures, mut declared) = (0, 0, 0);
    let mut suites: Vec<(String, usize)> = Vec::new();
    let mut buf = Vec::new();
    loop {
        match r.read_event_into(&mut buf).expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                b"testsuites" => {
                    let a = e.try_get_attribute("failures").unwrap().unwrap();
                    declared = String::from_utf8_lossy(&a.value).parse().unwrap();
                }
                b"testsuite" => {
                    let a = e.try_get_attribute("name").unwrap().unwrap();
                    suites.push((String::from_utf8_lossy(&a.value).into_owned(), 0));
                }
                b"testcase" => {
                    cases += 1;
                    suites.last_mut().unwrap().1 += 1;
                }
                b"failure" => failures += 1,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    (cases, failures, declared, suites)
}

#[test]
fn junit_counts_every_check_and_exactly_the_planted_failures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("scenarios");
    std::fs::create_dir_all(&dir).unwrap();
    for sub in ["runbooks", "mutants", "regressions"] {
        copy_dir(&root.join(sub), &dir.join(sub));
    }
    // Planted 1: a scenario file that is not JSON.
    std::fs::write(dir.join("broken.json"), "{ \"name\": \"x\",\n  oops }\n").unwrap();
    // Planted 2: a "mutant" that is the corrected failover itself: never caught.
    let mut fo: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("runbooks/failover-corrected.json")).unwrap(),
    )
    .unwrap();
    fo["expect_violation"] = "pool_db_coherence".into();
    std::fs::write(dir.join("mutants/not-a-mutant.json"), fo.to_string()).unwrap();
    // Planted 3: a regression whose recorded verdict is wrong.
    let reg = dir.join("regressions/active_server_placement-c558b55ebd48.json");
    let mut r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&reg).unwrap()).unwrap();
    r["expect"]["violated"] = serde_json::json!([]);
    std::fs::write(&reg, r.to_string()).unwrap();
    // Planted 4: the corrected full cycle with an RPO target of 0 s, which a DC1 outage
    // cannot meet (the writes after the last shipped log backup are lost), and an RTO
    // target of 30 days, which it meets.
    let mut fc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("full-cycle-corrected.json")).unwrap(),
    )
    .unwrap();
    fc["rto_target_s"] = (30 * 86_400).into();
    fc["rpo_target_s"] = 0.into();
    std::fs::write(dir.join("cycle.json"), fc.to_string()).unwrap();

    let junit = d.path().join("junit.xml");
    let args = [
        "check",
        dir.to_str().unwrap(),
        "--cases",
        "200",
        "--mutant-cases",
        "1000",
        "--runs",
        "100",
        "--junit",
        junit.to_str().unwrap(),
    ];
    let out = drill(&args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let files = 4 + 7 + 3 + 2; // runbooks, mutants (6 + planted), regressions, scenarios
    let (cases, failures, declared, suites) = count(&std::fs::read(&junit).unwrap());
    let per = |n: &str| suites.iter().find(|(s, _)| s == n).unwrap().1;
    assert_eq!(per("validate"), files, "{suites:?}");
    assert_eq!(per("lint"), 2, "the two corrected runbooks are under test");
    assert_eq!(per("regressions"), 3);
    assert_eq!(per("mutants"), 7);
    assert_eq!(per("fuzz"), 2 * 7, "one case per invariant x runbook");
    assert_eq!(per("targets"), 2, "RTO and RPO of cycle.json");
    assert_eq!(cases, files + 2 + 3 + 7 + 14 + 2);
    assert_eq!(failures, 4, "{text}");
    assert_eq!(declared, 4);
    for planted in [
        "FAIL validate",
        "broken.json",
        "FAIL mutants",
        "not-a-mutant.json: no longer caught",
        "FAIL regressions",
        "FAIL targets.cycle RPO target 0 s",
    ] {
        assert!(text.contains(planted), "{planted}: {text}");
    }
    // --json says the same.
    let mut a = args.to_vec();
    a.push("--json");
    let v: serde_json::Value = serde_json::from_slice(&drill(&a).stdout).unwrap();
    assert_eq!(
        (v["tests"].as_u64(), v["failures"].as_u64()),
        (Some(cases as u64), Some(4))
    );
    assert_eq!(v["verdict"], "fail");
}

#[test]
fn the_shipped_checks_pass_except_what_targets_say() {
    // The repository's own corpus: every file valid, the corrected runbooks lint clean and
    // survive the fuzz budget, every regression replays and every mutant is caught.
    let out = drill(&[
        "check",
        "--cases",
        "300",
        "--mutant-cases",
        "1000",
        "--runs",
        "50",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for s in v["suites"].as_array().unwrap() {
        if s["name"] != "targets" {
            assert_eq!(s["failures"], 0, "{s}");
            assert!(s["tests"].as_u64().unwrap() > 0, "{s}");
        }
    }
}

#[test]
fn bad_input_exits_2() {
    let out = drill(&["check", "no-such-dir"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-dir"));
    let out = drill(&["check", "--junit", "no-such-dir/j.xml", "--cases", "10"]);
    assert_eq!(out.status.code(), Some(2));
}
