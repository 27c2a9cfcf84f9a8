//! Operator deviations applied to a runbook, and what they do to a drill.

use sim::engine::{plan_phase, run, Options};
use sim::runbook::Runbook;
use sim::scenario::Scenario;

fn failover() -> Runbook {
    serde_json::from_str(include_str!("../../scenarios/runbooks/failover.json")).unwrap()
}

fn scenario(deviations: &str) -> Scenario {
    let mut s: Scenario =
        serde_json::from_str(include_str!("../../scenarios/dc1-outage-share-dc2.json")).unwrap();
    s.deviations = serde_json::from_str(deviations).unwrap();
    s
}

fn ids(s: &Scenario, rb: &Runbook) -> Vec<String> {
    plan_phase(s, 0, rb)
        .iter()
        .map(|p| rb.steps[p.src].id.clone())
        .collect()
}

#[test]
fn skip_repeat_swap_delay_and_wrong_instance_reshape_the_plan() {
    let rb = failover();
    let s = scenario(
        r#"[{"step":"F2","deviation":"skip"},{"step":"F4","deviation":"repeat"},{"step":"F5","deviation":"swap_with_next"},{"step":"F1","deviation":"delay","seconds":600},{"step":"F3","deviation":"wrong_instance","instance":"backup-mirror"}]"#,
    );
    assert_eq!(ids(&s, &rb), ["F1", "F3", "F4", "F4", "F6", "F5", "F7"]);
    let plan = plan_phase(&s, 0, &rb);
    assert_eq!(plan[0].extra_delay_s, 600);
    assert_eq!(
        plan[1].action.as_ref().and_then(|a| a.instance()),
        Some(sim::topology::Instance::BackupMirror)
    );
}

#[test]
fn skipping_f2_loses_writes_that_were_on_the_share() {
    let rb = [failover()];
    // The copy job runs hourly at :50, so the 01:00 log backup is still only on the share
    // when F1 deletes the copy job; only F2 brings it over.
    let hourly_copy = |d: &str| {
        let mut s = scenario(d);
        s.log_shipping.copy_interval_s = 3600;
        s.log_shipping.copy_offset_s = 3000;
        s
    };
    let clean = run(&hourly_copy("[]"), &rb, Options::default());
    assert!(clean.all_hold());
    let skipped = run(
        &hourly_copy(r#"[{"step":"F2","deviation":"skip"}]"#),
        &rb,
        Options::default(),
    );
    assert_eq!(skipped.violated(), ["no_avoidable_loss_at_failover"]);
    // The 01:00 log backup (15 minutes of writes at 600/min) was on the share and not applied.
    assert_eq!(
        skipped.rpo_writes_lost.unwrap() - clean.rpo_writes_lost.unwrap(),
        9000
    );
}

#[test]
fn pool_state_before_recovery_breaks_coherence() {
    let rb = [failover()];
    let r = run(
        &scenario(r#"[{"step":"F4","deviation":"swap_with_next"}]"#),
        &rb,
        Options::default(),
    );
    assert!(
        r.violated().contains(&"pool_db_coherence"),
        "{:?}",
        r.violated()
    );
}

#[test]
fn repeating_f4_fails_with_3153_and_the_runbook_stops() {
    let rb = [failover()];
    let r = run(
        &scenario(r#"[{"step":"F4","deviation":"repeat"}]"#),
        &rb,
        Options { record: true },
    );
    let errs: Vec<u32> = r
        .timeline
        .iter()
        .filter_map(|e| e.error.as_ref().and_then(|x| x.number))
        .collect();
    assert_eq!(errs.iter().filter(|n| **n == 3153).count(), 1);
    assert!(
        r.steps.iter().all(|s| s.id != "F5"),
        "F4 stops the runbook on error"
    );
    assert!(r.violated().contains(&"service_restored"));
}

/// A campaign worker's scratch keeps the last run's plans for the next run only where they
/// are the runbooks' own: runs with and without deviations, on runbooks of different
/// lengths, in turn on one scratch give the verdicts of a fresh one each.
#[test]
fn a_reused_scratch_plays_each_scenario_with_its_own_plans() {
    use sim::engine::{run_verdicts, run_verdicts_in, Scratch};
    let documented = [failover()];
    let corrected: [Runbook; 1] = [serde_json::from_str(include_str!(
        "../../scenarios/runbooks/failover-corrected.json"
    ))
    .unwrap()];
    let plain = scenario("[]");
    let skip_f2 = scenario(r#"[{"step":"F2","deviation":"skip"}]"#);
    let repeat_f4 = scenario(r#"[{"step":"F4","deviation":"repeat"}]"#);
    let runs: [(&Scenario, &[Runbook]); 7] = [
        (&plain, &documented),
        (&skip_f2, &documented),
        (&plain, &documented),
        (&plain, &corrected),
        (&repeat_f4, &documented),
        (&plain, &documented),
        (&skip_f2, &corrected),
    ];
    let mut scratch = Scratch::default();
    let mut differ = 0;
    for (i, (s, rbs)) in runs.iter().enumerate() {
        let fresh = run_verdicts(s, rbs);
        assert_eq!(run_verdicts_in(&mut scratch, s, rbs), fresh, "run {i}");
        differ += usize::from(fresh != run_verdicts(&plain, &documented));
    }
    // The deviations and the other runbook change what a run does (the test would not see
    // a plan left over from the run before otherwise).
    assert!(differ >= 3, "only {differ} runs differ from the plain one");
}
