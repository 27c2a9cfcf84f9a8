//! Every counterexample saved by `drill fuzz` in scenarios/regressions/ replays with the
//! verdict (and RPO) it recorded.

use harness::load;
use sim::engine::{self, Options};
use std::path::Path;

#[test]
fn every_regression_replays_with_its_recorded_verdict() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/regressions");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("scenarios/regressions exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "drill fuzz has saved counterexamples");
    for f in files {
        let l = load::load(Some(&f)).unwrap_or_else(|e| panic!("{e}"));
        let expect = l
            .scenario
            .expect
            .clone()
            .unwrap_or_else(|| panic!("{}: no expect", f.display()));
        let r = engine::run(&l.scenario, &l.runbooks, Options { record: false });
        let mut got: Vec<String> = r.violated().iter().map(|s| s.to_string()).collect();
        let mut want = expect.violated.clone();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{}", f.display());
        // The file is named after the invariant it was shrunk for, which must be violated.
        let stem = f.file_stem().unwrap().to_string_lossy().to_string();
        assert!(
            want.iter().any(|v| stem.starts_with(v.as_str())),
            "{}",
            f.display()
        );
        if let Some(rpo) = expect.rpo_writes_lost {
            assert_eq!(r.rpo_writes_lost, Some(rpo), "{}", f.display());
        }
    }
}
