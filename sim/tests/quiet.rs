//! Quiet periods in closed form (sim/src/quiet.rs): a long wait costs what a short one does,
//! counted in events handled (never timed), and the report is the one the event-by-event
//! loop gives.

use sim::engine::{run_event_by_event, run_with_stats, Options};
use sim::runbook::Runbook;
use sim::scenario::Scenario;

const DAY: u64 = 86_400;

fn runbooks() -> Vec<Runbook> {
    [
        include_str!("../../scenarios/runbooks/failover-corrected.json"),
        include_str!("../../scenarios/runbooks/failback-corrected.json"),
    ]
    .iter()
    .map(|t| serde_json::from_str(t).expect("runbook parses"))
    .collect()
}

/// The corrected full cycle, with DC1 rebuilt `wait_s` after the failover ends and the
/// failback an hour after that: the wait is the quiet period (F1 removed the secondary, DC1
/// is down, so no job has anything to do).
fn cycle(wait_s: u64) -> Scenario {
    let mut s: Scenario =
        serde_json::from_str(include_str!("../../scenarios/full-cycle-corrected.json"))
            .expect("scenario parses");
    let rebuilt = s
        .faults
        .iter_mut()
        .find(|f| f.after_phase == Some(0))
        .expect("the scenario rebuilds DC1 after the failover");
    rebuilt.at_s = wait_s;
    s.phases[1].after_previous_s = Some(wait_s + 3600);
    s
}

fn json(r: &sim::report::Report) -> String {
    serde_json::to_string(r).expect("reports serialize")
}

#[test]
fn a_sixty_day_wait_costs_what_a_one_day_wait_does() {
    let rb = runbooks();
    let opts = Options { record: false };
    let (one, one_st) = run_with_stats(&cycle(DAY), &rb, opts);
    let (sixty, sixty_st) = run_with_stats(&cycle(59 * DAY), &rb, opts);
    let (sixty_ref, sixty_ref_st) = run_event_by_event(&cycle(59 * DAY), &rb, opts);
    // The same report as one event per job run.
    assert_eq!(json(&sixty), json(&sixty_ref));
    assert!(sixty.end_s > 59 * DAY, "the run lasted the 59 days");
    // Event by event, 59 days of 15-minute jobs are about 3 x 96 x 59 = 17,000 events.
    assert!(sixty_ref_st.events > 15_000, "{sixty_ref_st:?}");
    // In closed form the 60-day run handles a handful more events than the 1-day one
    // (the waits differ only in length), and the runs it skipped are the difference.
    assert!(
        sixty_st.events <= one_st.events + 10,
        "one day {one_st:?}, sixty days {sixty_st:?}"
    );
    assert_eq!(
        sixty_st.events + sixty_st.quiet_job_runs,
        sixty_ref_st.events,
        "every job run is either handled or skipped, never lost"
    );
    // And the 1-day run's verdicts are the 60-day run's: the wait changes nothing.
    let verdicts = |r: &sim::report::Report| {
        r.invariants
            .iter()
            .map(|v| (v.name, v.holds))
            .collect::<Vec<_>>()
    };
    assert_eq!(verdicts(&one), verdicts(&sixty));
}

/// The corrected full cycle after `days` of normal operation: log shipping moves the chain
/// forward every 15 minutes until DC1 is lost (the steady quiet period).
fn after_normal_operation(days: u64) -> Scenario {
    let mut s: Scenario =
        serde_json::from_str(include_str!("../../scenarios/full-cycle-corrected.json"))
            .expect("scenario parses");
    for f in s.faults.iter_mut().filter(|f| f.after_phase.is_none()) {
        f.at_s += days * DAY;
    }
    s.phases[0].start_at_s += days * DAY;
    s
}

#[test]
fn sixty_days_of_log_shipping_cost_what_one_day_does() {
    let rb = runbooks();
    let opts = Options { record: false };
    let (one, one_st) = run_with_stats(&after_normal_operation(1), &rb, opts);
    let (sixty, sixty_st) = run_with_stats(&after_normal_operation(59), &rb, opts);
    let (sixty_ref, sixty_ref_st) = run_event_by_event(&after_normal_operation(59), &rb, opts);
    assert_eq!(json(&sixty), json(&sixty_ref));
    // 59 days of writes were shipped: 59 x 1440 minutes at the default rate at least.
    assert!(
        sixty.writes_acknowledged > 59 * 1440 * 10,
        "{}",
        sixty.writes_acknowledged
    );
    assert!(sixty_ref_st.events > 15_000, "{sixty_ref_st:?}");
    // A few more events than after one day (runs before the chain is steady), and none
    // per day after that: 29 days cost what 59 do.
    let (_, thirty_st) = run_with_stats(&after_normal_operation(29), &rb, opts);
    assert!(
        sixty_st.events <= one_st.events + 20,
        "one day {one_st:?}, sixty days {sixty_st:?}"
    );
    assert_eq!(
        thirty_st.events, sixty_st.events,
        "{thirty_st:?} {sixty_st:?}"
    );
    assert_eq!(
        sixty_st.events + sixty_st.quiet_job_runs,
        sixty_ref_st.events
    );
    assert_eq!(
        one.invariants.iter().map(|v| v.holds).collect::<Vec<_>>(),
        sixty.invariants.iter().map(|v| v.holds).collect::<Vec<_>>()
    );
}

#[test]
fn the_shipped_scenarios_report_the_same_with_and_without_quiet_periods() {
    let rb = runbooks();
    let opts = Options { record: false };
    for text in [
        include_str!("../../scenarios/full-cycle.json"),
        include_str!("../../scenarios/full-cycle-corrected.json"),
        include_str!("../../scenarios/dc1-outage-share-dc1.json"),
        include_str!("../../scenarios/dc1-outage-share-dc2.json"),
        include_str!("../../scenarios/primary-crash.json"),
    ] {
        let s: Scenario = serde_json::from_str(text).expect("scenario parses");
        let rb = &rb[..s.phases.len().min(2)];
        let (a, st) = run_with_stats(&s, rb, opts);
        let (b, _) = run_event_by_event(&s, rb, opts);
        assert_eq!(json(&a), json(&b), "{}", s.name);
        assert!(st.events > 0);
    }
}

/// Two days of normal operation before the outage on differing schedules (the fuzzer's
/// usual case), with retentions short enough that the copy folder's retention deletes files
/// still on the share and the copy job copies them again: the runs between two events are
/// played without the event loop's round trip (`ship_runs`), and the report is the one the
/// event-by-event loop gives.
#[test]
fn differing_schedules_are_shipped_between_events_with_the_same_report() {
    let rb = runbooks();
    let opts = Options { record: false };
    // (backup, copy, restore intervals, retention)
    for (b, c, r, ret) in [
        (300, 900, 600, 24 * 3600),
        (1800, 300, 300, 3600),
        (600, 300, 1800, 4 * 3600),
    ] {
        let mut s = after_normal_operation(2);
        s.log_shipping.backup_interval_s = b;
        s.log_shipping.copy_interval_s = c;
        s.log_shipping.restore_interval_s = r;
        s.log_shipping.retention_s = ret;
        let (fast, st) = run_with_stats(&s, &rb, opts);
        let (slow, slow_st) = run_event_by_event(&s, &rb, opts);
        assert_eq!(
            json(&fast),
            json(&slow),
            "schedule {b}/{c}/{r}, retention {ret}"
        );
        // Every run of the two days before the outage but the few before the first backup
        // (each job's runs: 2 days / its interval) is shipped: nothing else happens then.
        let before: u64 = [b, c, r].iter().map(|i| 2 * DAY / i).sum();
        assert!(
            st.shipped_job_runs + 10 >= before,
            "schedule {b}/{c}/{r}: {st:?}, {before} runs in the two days"
        );
        // Shipping is playing: the events handled are those of the event-by-event loop
        // but the runs counted in quiet periods.
        assert_eq!(
            st.events + st.quiet_job_runs,
            slow_st.events,
            "{st:?} {slow_st:?}"
        );
    }
}
