//! on_error: retry. A step that fails on a resource that comes back succeeds when retried.

use sim::dist::Dist;
use sim::engine::{run, Options};
use sim::runbook::{OnError, Runbook};
use sim::scenario::Scenario;

/// The share is unreachable from 01:01 to 01:40; the copy job runs hourly at :50, so the
/// 01:00 log backup reaches DC2 only through F2. Fixed timing: declared at 01:16, then ten
/// minutes per step, so F2 fails at about 01:36 and F4 runs after the share is back.
fn scenario() -> Scenario {
    let mut s: Scenario =
        serde_json::from_str(include_str!("../../scenarios/dc1-outage-share-dc2.json")).unwrap();
    s.timing.detection_s = Dist::Fixed(300.0);
    s.timing.decision_s = Dist::Fixed(600.0);
    s.timing.operator_step_s = Dist::Fixed(600.0);
    s.log_shipping.copy_interval_s = 3600;
    s.log_shipping.copy_offset_s = 3000;
    s.faults.extend(
        serde_json::from_str::<Vec<_>>(
            r#"[{"at_s":3660,"kind":"share_down"},{"at_s":6000,"kind":"share_up"}]"#,
        )
        .unwrap(),
    );
    s
}

fn failover(f2: OnError) -> Runbook {
    let mut rb: Runbook =
        serde_json::from_str(include_str!("../../scenarios/runbooks/failover.json")).unwrap();
    rb.steps[1].on_error = f2;
    rb
}

#[test]
fn retrying_f2_until_the_share_is_back_avoids_the_loss() {
    let s = scenario();
    // As documented ("continue"): F2 fails, F4 recovers without the 01:00 log backup that
    // was back within reach by then.
    let documented = run(&s, &[failover(OnError::Continue)], Options::default());
    assert_eq!(documented.violated(), ["no_avoidable_loss_at_failover"]);
    assert!(!documented.coverage.step_failed_then_succeeded);
    let retried = run(
        &s,
        &[failover(OnError::Retry {
            attempts: 4,
            wait_s: 600,
        })],
        Options { record: true },
    );
    assert!(retried.all_hold(), "{:?}", retried.violated());
    assert!(retried.coverage.step_failed_then_succeeded);
    assert_eq!(
        retried.steps.iter().filter(|r| r.id == "F2").count(),
        retried
            .steps
            .iter()
            .filter(|r| r.id == "F2" && !r.ok)
            .count()
            + 1
    );
    assert_eq!(
        documented.rpo_writes_lost.unwrap() - retried.rpo_writes_lost.unwrap(),
        9000,
        "15 minutes of writes at 600/min"
    );
    assert!(retried
        .timeline
        .iter()
        .any(|e| e.title.contains("retry 1 of the step")));
}

#[test]
fn retries_are_bounded_and_then_the_runbook_stops() {
    let mut s = scenario();
    s.faults.retain(|f| f.fault != sim::fault::Fault::ShareUp);
    let mut rb = failover(OnError::Retry {
        attempts: 2,
        wait_s: 60,
    });
    rb.steps[1].on_error = OnError::Retry {
        attempts: 2,
        wait_s: 60,
    };
    let r = run(&s, &[rb], Options::default());
    assert_eq!(
        r.steps.iter().filter(|x| x.id == "F2").count(),
        3,
        "one try and two retries"
    );
    assert!(
        r.steps.iter().all(|x| x.id != "F3"),
        "then the runbook stops"
    );
}

#[test]
fn retry_parses_from_json() {
    let e: OnError = serde_json::from_str(r#"{"retry":{"attempts":3,"wait_s":300}}"#).unwrap();
    assert_eq!(
        e,
        OnError::Retry {
            attempts: 3,
            wait_s: 300
        }
    );
    assert_eq!(
        serde_json::from_str::<OnError>(r#""continue""#).unwrap(),
        OnError::Continue
    );
}
