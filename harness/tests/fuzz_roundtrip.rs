//! A saved counterexample replays as found: the scenario survives its JSON round trip and
//! its verdict does not depend on recording.

use harness::fuzz::{self, campaign};
use sim::engine::{self, Options};
use std::path::PathBuf;

fn target() -> fuzz::Target {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    fuzz::target(&[
        root.join("scenarios/runbooks/failover-corrected.json"),
        root.join("scenarios/runbooks/failback-corrected.json"),
    ])
    .expect("the corrected runbooks load")
}

#[test]
fn generated_scenarios_round_trip_and_replay_identically() {
    let t = target();
    let shape = fuzz::shape(&t, true, true);
    for i in 0..40 {
        let s = campaign::scenario(&shape, 7, i);
        let text = harness::fuzz::regress::scenario_json(&s);
        let back: sim::scenario::Scenario = serde_json::from_str(&text).unwrap();
        assert_eq!(back, s, "case {i} changes in a JSON round trip");
        let fast = engine::run(&s, &t.runbooks, Options { record: false });
        let slow = engine::run(&back, &t.runbooks, Options { record: true });
        assert_eq!(fast.violated(), slow.violated(), "case {i}");
        assert_eq!(fast.rpo_writes_lost, slow.rpo_writes_lost, "case {i}");
        assert_eq!(fast.end_s, slow.end_s, "case {i}");
    }
}
