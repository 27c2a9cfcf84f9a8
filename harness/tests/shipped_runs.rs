//! Job runs shipped between events on differing schedules (`Sim::ship_runs`: the copy and
//! restore runs on the files `jobs::Pending` keeps for them, every job's path and the
//! workload's writers worked out once per gap) give, case for case, the report of playing
//! every run as an event (`engine::run_event_by_event`, the reference), over generated
//! outages and variants that take the other paths: a retention short enough that the copy
//! job copies a file again, and the mirror without the log-shipping configuration.

mod common;

use common::target;
use harness::fuzz::{self, campaign};
use sim::assumptions::MirrorLogShippingConfig;
use sim::scenario::Scenario;

/// The runs shipped between events, after checking the report against the reference.
fn shipped(s: &Scenario, t: &fuzz::Target, what: &str) -> u64 {
    common::against_reference(s, t, what).1.shipped_job_runs
}

#[test]
fn shipped_runs_report_what_playing_each_run_reports() {
    let mut runs = [0u64; 3];
    for (names, dev, beyond) in [
        (
            ["failover-corrected.json", "failback-corrected.json"],
            false,
            false,
        ),
        (["failover.json", "failback.json"], true, true),
    ] {
        let t = target(names);
        let shape = fuzz::shape(&t, dev, beyond);
        for i in 0..100 {
            let mut s = campaign::scenario(&shape, 11, i);
            runs[0] += shipped(&s, &t, "as generated");
            // A backup every 30 minutes, copy and restore every 5, files kept an hour: a
            // file leaves the copy folder while still on the share, and is copied again.
            let ls = &mut s.log_shipping;
            (
                ls.backup_interval_s,
                ls.copy_interval_s,
                ls.restore_interval_s,
            ) = (1800, 300, 300);
            ls.copy_offset_s = i % 300;
            ls.restore_offset_s = (i * 7) % 300;
            ls.retention_s = 3600;
            runs[1] += shipped(&s, &t, "copied again");
            // The mirror without the log-shipping configuration (a note per backup run).
            s.assumptions.mirror_log_shipping_config = MirrorLogShippingConfig::NotConfigured;
            runs[2] += shipped(&s, &t, "mirror not configured");
        }
    }
    // Each variant ships runs (else it tests nothing here): counted on this seed.
    assert!(runs.iter().all(|&n| n > 1000), "shipped runs {runs:?}");
}
