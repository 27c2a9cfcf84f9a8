//! Generated cases against the event-by-event reference (`engine::run_event_by_event`):
//! shared by the tests of the simulation's shortcuts (quiet periods, shipped runs, the
//! limited reconcile).

use harness::fuzz;
use sim::engine::{run_event_by_event, run_with_stats, Options, Stats};
use sim::report::Report;
use sim::scenario::Scenario;
use std::path::PathBuf;

/// A fuzz target of two shipped runbooks (file names under `scenarios/runbooks/`).
pub fn target(names: [&str; 2]) -> fuzz::Target {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios/runbooks");
    fuzz::target(&names.map(|n| root.join(n))).expect("runbooks load")
}

/// `s` played by the engine, unrecorded, after checking that its report is, byte for byte,
/// the reference's (`what` names the variant in the failure).
pub fn against_reference(s: &Scenario, t: &fuzz::Target, what: &str) -> (Report, Stats) {
    let opts = Options { record: false };
    let (a, st) = run_with_stats(s, &t.runbooks, opts);
    let (b, _) = run_event_by_event(s, &t.runbooks, opts);
    let (ja, jb) = (
        serde_json::to_string(&a).expect("serializes"),
        serde_json::to_string(&b).expect("serializes"),
    );
    assert!(ja == jb, "{what}: {}\n{ja}\n{jb}", s.name);
    (a, st)
}
