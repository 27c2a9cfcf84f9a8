//! Quiet periods in closed form give, case for case, the report the event-by-event loop
//! gives, over generated outages (sim/src/quiet.rs; engine::run_event_by_event is the
//! reference). Also with one schedule for the three jobs, where steady log shipping is
//! advanced in whole periods, and with long waits.

mod common;

use common::target;
use harness::fuzz::{self, campaign};
use sim::engine::{run_verdicts, run_verdicts_in, Scratch};
use sim::scenario::Scenario;

fn same(s: &Scenario, t: &fuzz::Target, what: &str, scratch: &mut Scratch) -> u64 {
    let (a, st) = common::against_reference(s, t, what);
    // The campaign's short path agrees with the report.
    let v = run_verdicts(s, &t.runbooks);
    for (k, inv) in a.invariants.iter().enumerate() {
        assert_eq!(v.holds(k), inv.holds, "{what}: {} {}", s.name, inv.name);
    }
    assert_eq!(v.coverage, a.coverage, "{what}: {}", s.name);
    // And through a campaign worker's reused vectors, which hold the previous case's.
    let w = run_verdicts_in(scratch, s, &t.runbooks);
    assert_eq!(w, v, "{what}, reused vectors: {}", s.name);
    st.quiet_job_runs
}

#[test]
fn generated_cases_report_the_same_with_and_without_quiet_periods() {
    let mut skipped = 0;
    let mut scratch = Scratch::default();
    for (names, dev, beyond) in [
        (
            ["failover-corrected.json", "failback-corrected.json"],
            false,
            false,
        ),
        (["failover.json", "failback.json"], true, true),
        (
            ["failover-corrected.json", "failback-corrected.json"],
            true,
            true,
        ),
    ] {
        let t = target(names);
        let shape = fuzz::shape(&t, dev, beyond);
        for i in 0..150 {
            let mut s = campaign::scenario(&shape, 3, i);
            skipped += same(&s, &t, "as generated", &mut scratch);
            // One schedule for the three jobs, copy and restore after the backup: steady
            // periods in closed form; and a longer wait before the failback.
            let ls = &mut s.log_shipping;
            ls.copy_interval_s = ls.backup_interval_s;
            ls.restore_interval_s = ls.backup_interval_s;
            ls.copy_offset_s = ls.backup_interval_s / 5 + i % 7;
            ls.restore_offset_s = ls.backup_interval_s / 2 + i % 11;
            if let Some(p) = s.phases.get_mut(1) {
                p.after_previous_s = p.after_previous_s.map(|a| a + 3 * 86_400);
            }
            skipped += same(&s, &t, "one schedule", &mut scratch);
        }
    }
    assert!(skipped > 0, "the quiet periods were exercised");
}
