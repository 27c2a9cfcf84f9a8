//! The mutant corpus (`scenarios/mutants/`), each with the scenario it plays in: a failback
//! mutant in the corrected full cycle, a failover one after the DC1 outage with the share
//! in DC2. Shared by the explore tests that walk the corpus.

use std::path::{Path, PathBuf};

/// Every mutant file, sorted, with its scenario (relative to the repository root).
pub fn mutants() -> Vec<(PathBuf, &'static str)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut dir: Vec<_> = std::fs::read_dir(root.join("scenarios/mutants"))
        .expect("the mutant corpus")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    dir.sort();
    assert!(dir.len() >= 6, "the corpus holds at least six mutants");
    dir.into_iter()
        .map(|m| {
            let rb = harness::load::load_runbook(&m).expect("a mutant loads");
            let scenario = if harness::runbooks::is_failback(&rb) {
                "scenarios/full-cycle-corrected.json"
            } else {
                "scenarios/dc1-outage-share-dc2.json"
            };
            (m, scenario)
        })
        .collect()
}
