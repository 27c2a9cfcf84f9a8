//! The parallel expansion (`--jobs`) delivers every level in order: the outcome (counts,
//! shortest counterexamples, coverage, and where a --max-states stop falls) is the serial
//! one whatever the number of threads.
use harness::explore::{self, shard::Shard, SearchArgs};
use std::path::PathBuf;

fn args(faults: u32) -> SearchArgs {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    SearchArgs::new(
        Some(root.join("scenarios/dc1-outage-share-dc2.json")),
        vec![root.join("scenarios/runbooks/failover-corrected.json")],
        faults,
        0,
    )
}

#[test]
fn threads_change_nothing_but_the_time() {
    // K=2 on the corrected failover: levels of thousands of nodes (many pieces per thread),
    // stopped by the state budget in the middle of the search.
    let a = args(2);
    let inp = explore::input(&a).unwrap();
    let serial = explore::search_outcome(&inp, 40_000, 1, Shard::WHOLE);
    assert!(!serial.complete(), "the budget stops the search");
    assert!(serial.unique > 40_000);
    for jobs in [2, 3] {
        assert_eq!(
            explore::search_outcome(&inp, 40_000, jobs, Shard::WHOLE),
            serial,
            "{jobs} threads"
        );
    }
    // A complete search too (K=1: 5,332 unique states, explore_search's golden count).
    let a = args(1);
    let inp = explore::input(&a).unwrap();
    let serial = explore::search_outcome(&inp, a.max_states, 1, Shard::WHOLE);
    assert!(serial.complete());
    assert_eq!(serial.unique, 5_332);
    assert_eq!(
        explore::search_outcome(&inp, a.max_states, 2, Shard::WHOLE),
        serial
    );
}

/// A search helped by a thread whose own roots are done (`--jobs 2` over groups of plans:
/// the first search to finish helps the other) hands it pieces of its levels and delivers
/// them in order: the outcome is the serial one, at a budget stop in the middle of a level
/// and over a complete search.
#[test]
fn a_helped_search_changes_nothing_but_the_time() {
    // The documented full cycle, whose violations many paths of a level reach: the first
    // found (its path) is the first in level order.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let documented = SearchArgs::new(
        Some(root.join("scenarios/full-cycle.json")),
        vec![
            root.join("scenarios/runbooks/failover.json"),
            root.join("scenarios/runbooks/failback.json"),
        ],
        1,
        0,
    );
    let inp = explore::input(&documented).unwrap();
    let serial = explore::search_outcome(&inp, documented.max_states, 1, Shard::WHOLE);
    assert!(
        serial.first.iter().any(Option::is_some),
        "a violation found"
    );
    let (helped, pieces) =
        explore::search_outcome_helped(&inp, documented.max_states, Shard::WHOLE);
    assert_eq!(helped, serial);
    assert!(pieces > 10, "the helper expanded {pieces} pieces");
    let a = args(2);
    let inp = explore::input(&a).unwrap();
    let serial = explore::search_outcome(&inp, 40_000, 1, Shard::WHOLE);
    let (helped, pieces) = explore::search_outcome_helped(&inp, 40_000, Shard::WHOLE);
    assert_eq!(helped, serial);
    assert!(pieces > 10, "the helper expanded {pieces} pieces");
    let a = args(1);
    let inp = explore::input(&a).unwrap();
    let serial = explore::search_outcome(&inp, a.max_states, 1, Shard::WHOLE);
    assert!(serial.complete());
    let (helped, pieces) = explore::search_outcome_helped(&inp, a.max_states, Shard::WHOLE);
    assert_eq!(helped, serial);
    assert!(pieces > 0, "the helper expanded {pieces} pieces");
}
