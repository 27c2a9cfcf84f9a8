//! The timing model: work from file sizes and throughputs, the inter-DC limit, validation
//! that names the field, and distributions that survive a JSON round trip.

use sim::dist::Dist;
use sim::scenario::Scenario;
use sim::timing::Timing;

fn scenario(timing: &str) -> Result<Scenario, String> {
    let text = format!(r#"{{ "name": "t", "timing": {timing} }}"#);
    let s: Scenario = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    s.validate().map(|_| s)
}

#[test]
fn a_triangular_distribution_parses_as_triangular_not_uniform() {
    let s = scenario(r#"{ "operator_step_s": { "min": 60, "mode": 90, "max": 600 } }"#).unwrap();
    assert_eq!(
        s.timing.operator_step_s,
        Dist::Triangular {
            min: 60.0,
            mode: 90.0,
            max: 600.0
        }
    );
    let back: Timing =
        serde_json::from_value(serde_json::to_value(Timing::default()).unwrap()).unwrap();
    assert_eq!(back, Timing::default(), "defaults survive a round trip");
}

#[test]
fn throughputs_below_one_and_bad_sizes_are_rejected_by_name() {
    let e = scenario(r#"{ "restore_mb_per_s": 0.5 }"#).unwrap_err();
    assert!(e.starts_with("timing.restore_mb_per_s:"), "{e}");
    let e = scenario(r#"{ "inter_dc_mbit_per_s": { "min": 0, "max": 100 } }"#).unwrap_err();
    assert!(e.starts_with("timing.inter_dc_mbit_per_s:"), "{e}");
    let e = scenario(r#"{ "mgc_size_mb": -1 }"#).unwrap_err();
    assert!(e.starts_with("timing.mgc_size_mb:"), "{e}");
    assert!(scenario(r#"{ "decision_s": { "p50": 600, "p90": 300 } }"#).is_err());
}

#[test]
fn every_default_is_valid_and_old_fixed_overrides_still_work() {
    Timing::default().validate().unwrap();
    let s =
        scenario(r#"{ "full_backup_s": 600, "full_restore_s": 900, "mirror_install_s": 1200 }"#)
            .unwrap();
    assert_eq!(s.timing.full_backup_s, Some(Dist::Fixed(600.0)));
    assert_eq!(s.timing.mirror_install_s, Some(Dist::Fixed(1200.0)));
}
