//! The known-bad corpus: a fixed-seed campaign catches every mutant in scenarios/mutants/
//! within a bounded number of cases, violating the invariant the mutant records.

use harness::fuzz::{self, campaign};
use std::path::{Path, PathBuf};

const CASES: u64 = 1000;

fn mutants() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/mutants");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios/mutants exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_mutant_is_caught_by_a_fixed_seed_campaign() {
    let files = mutants();
    assert!(files.len() >= 6, "the corpus has the six required mutants");
    let names = fuzz::names();
    for f in files {
        let t = fuzz::target(std::slice::from_ref(&f)).expect("mutant loads as a runbook");
        let expect = t.runbooks.last().unwrap().expect_violation.clone();
        let expect = expect.unwrap_or_else(|| panic!("{} records expect_violation", f.display()));
        let k = names
            .iter()
            .position(|n| *n == expect)
            .unwrap_or_else(|| panic!("{}: unknown invariant {expect}", f.display()));
        let shape = fuzz::shape(&t, false, false);
        let tally = campaign::run(&campaign::Plan {
            shape: &shape,
            runbooks: &t.runbooks,
            seed: 1,
            cases: CASES,
            jobs: 2,
            deadline: None,
            progress: &|_| {},
        });
        assert_eq!(tally.cases, CASES);
        assert!(
            tally.violations[k] > 0,
            "{}: {expect} not violated in {CASES} cases",
            f.display()
        );
    }
}

#[test]
fn the_corrected_runbooks_pass_a_fixed_seed_campaign() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/runbooks");
    let t = fuzz::target(&[
        root.join("failover-corrected.json"),
        root.join("failback-corrected.json"),
    ])
    .unwrap();
    let shape = fuzz::shape(&t, false, false);
    let tally = campaign::run(&campaign::Plan {
        shape: &shape,
        runbooks: &t.runbooks,
        seed: 1,
        cases: CASES,
        jobs: 2,
        deadline: None,
        progress: &|_| {},
    });
    assert_eq!(tally.violations, vec![0; fuzz::names().len()]);
    // The campaign reached the states that matter (coverage is visible, not assumed).
    let got =
        |name: &str| tally.coverage[campaign::COVERAGE.iter().position(|c| *c == name).unwrap()];
    assert!(got("backup_recovered") > 0 && got("failed_back") > 0 && got("hit_4305") > 0);
}
