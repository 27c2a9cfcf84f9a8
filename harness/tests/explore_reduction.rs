//! The reductions of `drill explore` (docs/explore.md, "Reductions") are sound: on small
//! bounds the reduced search and the plain one (`--no-reduction`) find the same properties
//! violated with counterexamples of the same depth (with D=1 too: a deviation chosen as a
//! transition keeps the plain depth), the reduced one visits no more states, its
//! counterexamples replay, and the certificates name the reduction used.

mod common;

use harness::explore::{self, report, shard::Shard, SearchArgs};
use std::path::{Path, PathBuf};

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(p)
}

fn args(scenario: &Path, runbooks: &[PathBuf], k: u32, d: u32) -> SearchArgs {
    SearchArgs {
        jobs: 2,
        ..SearchArgs::new(Some(scenario.to_path_buf()), runbooks.to_vec(), k, d)
    }
}

fn search(a: &SearchArgs) -> report::ExploreReport {
    let inp = explore::input(a).expect("inputs load");
    let o = explore::search_outcome(&inp, a.max_states, a.jobs, Shard::WHOLE);
    report::build(&inp, a, &o, 1.0)
}

/// Per property: violated at which depth (None: holds).
fn verdicts(r: &report::ExploreReport) -> Vec<(String, Option<u32>)> {
    r.properties
        .iter()
        .map(|p| (p.name.clone(), p.counterexample.as_ref().map(|c| c.depth)))
        .collect()
}

/// Both searches on `a`; returns (plain, reduced) unique states.
fn same_verdicts(a: &SearchArgs) -> (u64, u64) {
    let mut plain_args = a.clone();
    plain_args.no_reduction = true;
    let plain = search(&plain_args);
    let reduced = search(a);
    assert!(plain.complete && reduced.complete);
    assert_eq!(verdicts(&reduced), verdicts(&plain), "{:?}", a.scenario);
    assert!(reduced.unique_states <= plain.unique_states);
    // Every counterexample of the reduced search (a deviation chosen as a transition
    // included) is a scenario `drill run` replays to the same violation.
    for p in &reduced.properties {
        if let Some(c) = &p.counterexample {
            assert!(c.replays, "{} ({})", p.name, c.deviations);
        }
    }
    for p in reduced
        .properties
        .iter()
        .filter_map(|p| p.certificate.as_ref())
    {
        assert!(
            p.contains(&format!("reduction: {}", report::REDUCTION)),
            "{p}"
        );
    }
    for p in plain
        .properties
        .iter()
        .filter_map(|p| p.certificate.as_ref())
    {
        assert!(p.contains("reduction: none"), "{p}");
    }
    (plain.unique_states, reduced.unique_states)
}

/// One fault on the documented failover (violations at several depths) and on a mutant
/// that needs the fault (the copy job failing while F2 is skipped).
#[test]
fn one_fault_same_verdicts_and_depths() {
    let s = repo("scenarios/dc1-outage-share-dc1.json");
    let (plain, reduced) = same_verdicts(&args(&s, &[], 1, 0));
    assert!(reduced < plain, "{reduced} < {plain}");
    let s = repo("scenarios/dc1-outage-share-dc2.json");
    let m = repo("scenarios/mutants/failover-f2-skipped.json");
    let a = args(&s, &[m], 1, 0);
    let r = search(&a);
    assert!(!r.properties.iter().all(|p| p.counterexample.is_none()));
    same_verdicts(&a);
}

/// Two faults, one fault with one deviation, and two deviations, on a short failover: the disaster at
/// 00:16:40 (few moments before it) and the corrected failover cut after F5 (so skipping F4
/// breaks pool_db_coherence, and service never comes back: violations at several depths).
/// Built here from the shipped files; the reductions merge most at K=2 (12,172 states
/// against 44,998 when measured).
#[test]
fn two_faults_and_a_deviation_same_verdicts_and_depths() {
    let dir = tempfile::tempdir().unwrap();
    let mut s: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo("scenarios/dc1-outage-share-dc2.json")).unwrap(),
    )
    .unwrap();
    s["faults"][0]["at_s"] = 1000.into();
    s["faults"][1]["at_s"] = 1540.into();
    s["phases"][0]["start_at_s"] = 1000.into();
    let scenario = dir.path().join("early.json");
    std::fs::write(&scenario, s.to_string()).unwrap();
    std::fs::create_dir(dir.path().join("runbooks")).unwrap();
    std::fs::copy(
        repo("scenarios/runbooks/failover.json"),
        dir.path().join("runbooks/failover.json"),
    )
    .unwrap();
    let mut rb: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo("scenarios/runbooks/failover-corrected.json")).unwrap(),
    )
    .unwrap();
    rb["steps"].as_array_mut().unwrap().truncate(7);
    let runbook = dir.path().join("failover-to-f5.json");
    std::fs::write(&runbook, rb.to_string()).unwrap();

    let a = args(&scenario, std::slice::from_ref(&runbook), 1, 1);
    let r = search(&a);
    let violated: Vec<_> = verdicts(&r).into_iter().filter(|v| v.1.is_some()).collect();
    assert!(
        violated.iter().any(|v| v.0 == "pool_db_coherence"),
        "{violated:?}"
    );
    let (plain, reduced) = same_verdicts(&a);
    assert!(reduced < plain, "{reduced} < {plain}");
    let (plain, reduced) = same_verdicts(&args(&scenario, std::slice::from_ref(&runbook), 2, 0));
    assert!(reduced * 2 < plain, "{reduced} against {plain}");
    // Two deviations: a plan of two is chosen whole where it first leaves the runbook.
    let (plain, reduced) = same_verdicts(&args(&scenario, &[runbook], 0, 2));
    assert!(reduced * 2 < plain, "{reduced} against {plain}");
}

/// The full cycles within one fault, both searches whole: the documented one (the default
/// drill: service and the DR posture never come back, with no fault) and the corrected one
/// (every property holds). The dead values merge most here (docs/explore.md).
#[test]
fn full_cycles_one_fault_same_verdicts_and_depths() {
    let mut a = args(Path::new("unused"), &[], 1, 0);
    a.scenario = None;
    let (plain, reduced) = same_verdicts(&a);
    assert!(reduced < plain, "{reduced} < {plain}");
    a.runbooks = vec![
        repo("scenarios/runbooks/failover-corrected.json"),
        repo("scenarios/runbooks/failback-corrected.json"),
    ];
    let r = search(&a);
    assert!(r.properties.iter().all(|p| p.holds == Some(true)));
    let (plain, reduced) = same_verdicts(&a);
    // Measured: 209,750 plain, 67,977 reduced (docs/explore.md's table).
    assert!(reduced * 3 < plain, "{reduced} against {plain}");
}

/// Every mutant of the corpus within one fault (failback mutants in the corrected full
/// cycle, failover ones after the DC1 outage with the share in DC2), reduced against plain:
/// the violations they plant are found at the same depths.
#[test]
fn mutants_one_fault_same_verdicts_and_depths() {
    let mut violations = 0;
    for (m, scenario) in common::mutants() {
        let a = args(&repo(scenario), &[m], 1, 0);
        same_verdicts(&a);
        violations += verdicts(&search(&a))
            .iter()
            .filter(|v| v.1.is_some())
            .count();
    }
    assert!(violations >= 6, "{violations}");
}

/// One deviation, no fault (the reduced search chooses the deviation where it applies; the
/// plain one has a root per plan): the corrected full cycle (skipping F4 or B4, F1 on the
/// primary: violations from depth 29 to 102), the documented full cycle (the default
/// drill) and the documented failover.
#[test]
fn one_deviation_same_verdicts_and_depths() {
    let mut a = args(Path::new("unused"), &[], 0, 1);
    a.scenario = None;
    let (plain, reduced) = same_verdicts(&a);
    assert!(reduced * 2 < plain, "{reduced} against {plain}");
    a.runbooks = vec![
        repo("scenarios/runbooks/failover-corrected.json"),
        repo("scenarios/runbooks/failback-corrected.json"),
    ];
    let r = search(&a);
    let violated: Vec<_> = verdicts(&r).into_iter().filter(|v| v.1.is_some()).collect();
    assert!(violated.len() >= 3, "{violated:?}");
    // Measured: 12,311 plain (98 roots), 4,177 reduced (docs/explore.md).
    let (plain, reduced) = same_verdicts(&a);
    assert!(reduced * 2 < plain, "{reduced} against {plain}");
    let s = repo("scenarios/dc1-outage-share-dc1.json");
    same_verdicts(&args(&s, &[], 0, 1));
}

/// Every mutant of the corpus within one deviation and no fault, reduced against plain.
#[test]
fn mutants_one_deviation_same_verdicts_and_depths() {
    for (m, scenario) in common::mutants() {
        same_verdicts(&args(&repo(scenario), &[m], 0, 1));
    }
}
