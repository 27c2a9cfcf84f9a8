//! `World::reconcile` skips the chat servers' loop when its inputs and the servers are as
//! its last run left them; after a step or fault that changes no instance, data center,
//! link or database copy (`steps::touched`, `outage::touched`) it skips the mirroring and
//! availability part too (unless a mirror is catching up), and after one that changes
//! nothing it reads, the whole of it; the single-writer invariant trusts
//! `World::writer_load` when at most one copy is written. All are checked by debug
//! assertions at every event (sim/src/world.rs `reconcile_after` and `reconcile_servers`:
//! the part run again must change nothing and note nothing new, and the servers' inputs
//! must be as the loop last read them; sim/src/invariants/single_writer.rs: the servers
//! themselves show no split brain). The safety invariants after each event are called
//! directly (`invariants::violated_safety`, checked against `SAFETY`'s own checks) and not
//! at all after a later phase's start or a step's retry (checked to find nothing and leave
//! service as it was). This test drives them over generated outages, recorded (every event played)
//! and not (quiet periods in closed form), with deviations, faults beyond the runbooks'
//! assumptions and the settable assumptions drawn, where servers lose and regain the
//! CMS, change pool state, leave the active list and meet full disks.

mod common;

use common::target;
use harness::fuzz::{self, campaign};
use sim::engine::{run_with_stats, Options};

#[test]
fn the_limited_reconcile_matches_the_full_one_on_generated_cases() {
    // The checks are debug assertions: a release test build has nothing to check here.
    if !cfg!(debug_assertions) {
        eprintln!("skipped: built without debug assertions");
        return;
    }
    let mut failed_back = 0;
    let mut pool_state_from_cms = 0;
    let mut inactive_server_session = 0;
    for (names, dev, beyond, vary) in [
        (
            ["failover-corrected.json", "failback-corrected.json"],
            false,
            false,
            false,
        ),
        (["failover.json", "failback.json"], true, true, true),
        (
            ["failover-corrected.json", "failback-corrected.json"],
            true,
            true,
            true,
        ),
    ] {
        let t = target(names);
        let mut shape = fuzz::shape(&t, dev, beyond);
        shape.vary_assumptions = vary;
        for i in 0..200 {
            let s = campaign::scenario(&shape, 5, i);
            for record in [false, true] {
                let (r, _) = run_with_stats(&s, &t.runbooks, Options { record });
                failed_back += usize::from(r.coverage.failed_back);
                let used = |name: &str| usize::from(r.assumptions.iter().any(|a| a.name == name));
                pool_state_from_cms += used("pool_state_from_cms");
                inactive_server_session += used("inactive_server_session");
            }
        }
    }
    // The cases reached the states the skipped loop must get right.
    assert!(failed_back > 0, "no case failed back");
    assert!(pool_state_from_cms > 0, "no server missed a pool state");
    assert!(
        inactive_server_session > 0,
        "no server off the active list kept a session"
    );
}
