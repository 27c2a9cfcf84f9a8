//! The planner's unit and property tests.

use super::*;
use proptest::prelude::*;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn rec(
    t: BackupType,
    uuid: &str,
    first: u128,
    last: u128,
    ckpt: u128,
    dbl: u128,
    fin: &str,
) -> BackupRecord {
    BackupRecord {
        database_name: "mgc".into(),
        server_name: "backup".into(),
        backup_type: t,
        backup_set_uuid: uuid.into(),
        first_lsn: Lsn(first),
        last_lsn: Lsn(last),
        checkpoint_lsn: Lsn(ckpt),
        database_backup_lsn: Lsn(dbl),
        differential_base_lsn: None,
        backup_start_date: ts(fin),
        backup_finish_date: ts(fin),
        is_copy_only: false,
        physical_device_name: Some(format!("{uuid}.bak")),
        first_recovery_fork_guid: None,
        last_recovery_fork_guid: None,
    }
}

fn uuids(p: &Plan) -> Vec<&str> {
    p.restore_sequence
        .iter()
        .map(|s| s.backup_set_uuid.as_str())
        .collect()
}

#[test]
fn timestamps_parse_order_and_print() {
    assert_eq!(ts("2017-05-04T07:42:17").to_string(), "2017-05-04T07:42:17");
    assert_eq!(
        ts("2017-05-04 07:42:17.120Z").to_string(),
        "2017-05-04T07:42:17.12"
    );
    assert!(ts("2017-05-04T07:42:17") < ts("2017-05-04T07:42:17.0000001"));
    assert!(ts("2016-12-31T23:59:59") < ts("2017-01-01T00:00:00"));
    assert_eq!(ts("2016-02-29T00:00:00").day, 29);
    for bad in [
        "",
        "2017-02-29T00:00:00",
        "2017-13-01T00:00:00",
        "2017-05-04",
        "2017-05-04T24:00:00",
        "2017-05-04T07:42:17+02:00",
        "2017-05-04T07:42:17.",
        "abcd-05-04T07:42:17",
    ] {
        let e = bad.parse::<Timestamp>().unwrap_err();
        assert!(e.to_string().contains("YYYY-MM-DDTHH:MM:SS"), "{bad}: {e}");
    }
}

#[test]
fn backup_types_parse_with_clear_errors() {
    assert_eq!("L".parse::<BackupType>().unwrap(), BackupType::Log);
    assert!("X"
        .parse::<BackupType>()
        .unwrap_err()
        .to_string()
        .contains("expected D (full), I (differential) or L (log)"));
    assert!("F"
        .parse::<BackupType>()
        .unwrap_err()
        .to_string()
        .contains("not supported"));
}

#[test]
fn full_diff_logs_with_gap_and_reasons() {
    use BackupType::*;
    let recs = vec![
        rec(Full, "f1", 100, 150, 100, 0, "2020-01-01T00:00:00"),
        rec(Log, "l1", 100, 200, 100, 100, "2020-01-01T01:00:00"),
        rec(
            Differential,
            "d1",
            250,
            300,
            250,
            100,
            "2020-01-01T02:00:00",
        ),
        rec(Differential, "dx", 260, 310, 260, 99, "2020-01-01T02:30:00"),
        rec(Log, "l2", 200, 320, 200, 100, "2020-01-01T03:00:00"),
        rec(Log, "e1", 320, 320, 320, 100, "2020-01-01T03:30:00"),
        rec(Log, "l4", 400, 500, 400, 100, "2020-01-01T05:00:00"),
    ];
    let p = plan(&recs, &PlanOptions::default()).unwrap();
    assert_eq!(uuids(&p), ["f1", "d1", "l2"]);
    let gap = p.gap.clone().unwrap();
    assert_eq!((gap.redo_lsn, gap.first_lsn), (Lsn(320), Lsn(400)));
    assert_eq!(
        gap.error(),
        SqlError::E4305 {
            first: Lsn(400),
            redo: Lsn(320)
        }
    );
    let reason = |u: &str| p.decisions.iter().find(|d| d.backup_set_uuid == u).unwrap();
    assert_eq!(
        reason("l1").reason,
        Reason::SupersededByDifferential { redo_lsn: Lsn(300) }
    );
    assert_eq!(
        reason("l1").would_fail(),
        Some(SqlError::E4326 {
            last: Lsn(200),
            redo: Lsn(300)
        })
    );
    assert_eq!(
        reason("dx").reason,
        Reason::WrongBase {
            expected: Lsn(100),
            found: Lsn(99)
        }
    );
    assert_eq!(reason("e1").reason, Reason::Empty);
    assert_eq!(
        reason("l4").reason,
        Reason::TooRecent { redo_lsn: Lsn(320) }
    );
    assert!(!p.is_complete());
}

#[test]
fn stop_at_picks_earlier_full_and_ends_after_first_log_past_it() {
    use BackupType::*;
    let recs = vec![
        rec(Full, "f1", 100, 150, 100, 0, "2020-01-01T00:00:00"),
        rec(Log, "l1", 100, 200, 100, 100, "2020-01-01T01:00:00"),
        rec(Log, "l2", 200, 300, 200, 100, "2020-01-01T02:00:00"),
        rec(Full, "f2", 300, 350, 300, 100, "2020-01-01T02:30:00"),
        rec(Log, "l3", 300, 400, 300, 300, "2020-01-01T03:00:00"),
    ];
    let opts = PlanOptions {
        stop_at: Some(ts("2020-01-01T01:30:00")),
        ..Default::default()
    };
    let p = plan(&recs, &opts).unwrap();
    assert_eq!(uuids(&p), ["f1", "l1", "l2"]);
    assert_eq!(p.stop_at_reached, Some(true));
    assert!(p.is_complete());
    let d = p
        .decisions
        .iter()
        .find(|d| d.backup_set_uuid == "f2")
        .unwrap();
    assert_eq!(d.reason, Reason::AfterStopAt);
    // without a stop time the later full wins, and logs carry on across it
    let p = plan(&recs, &PlanOptions::default()).unwrap();
    assert_eq!(uuids(&p), ["f2", "l3"]);
}

#[test]
fn redo_start_lsn_plans_only_logs_and_an_unknown_database_plans_nothing() {
    use BackupType::*;
    let recs = vec![
        rec(Full, "f1", 100, 150, 100, 0, "2020-01-01T00:00:00"),
        rec(Log, "l1", 100, 200, 100, 100, "2020-01-01T01:00:00"),
        rec(Log, "l2", 200, 300, 200, 100, "2020-01-01T02:00:00"),
    ];
    let opts = PlanOptions {
        redo_start_lsn: Some(Lsn(200)),
        ..Default::default()
    };
    let p = plan(&recs, &opts).unwrap();
    assert_eq!(uuids(&p), ["l2"]);
    assert_eq!(p.decisions[0].reason, Reason::NotNeeded);
    let opts = PlanOptions {
        database: Some("other".into()),
        ..Default::default()
    };
    let p = plan(&recs, &opts).unwrap();
    assert!(p.restore_sequence.is_empty() && p.missing_full);
    assert!(p
        .decisions
        .iter()
        .all(|d| d.reason == Reason::OtherDatabase));
    let mut two = recs.clone();
    two[0].database_name = "other".into();
    assert!(matches!(
        plan(&two, &PlanOptions::default()),
        Err(PlanError::SeveralDatabases(_))
    ));
}

#[test]
fn stripes_of_one_backup_set_are_one_restore() {
    use BackupType::*;
    let mut a = rec(Full, "f1", 100, 150, 100, 0, "2020-01-01T00:00:00");
    let mut b = a.clone();
    a.physical_device_name = Some("f1_2.bak".into());
    b.physical_device_name = Some("f1_1.bak".into());
    let p = plan(&[a.clone(), b.clone()], &PlanOptions::default()).unwrap();
    assert_eq!(
        p.restore_sequence[0].physical_device_names,
        ["f1_1.bak", "f1_2.bak"]
    );
    assert!(conflicting_duplicates(&[a.clone(), b.clone()]).is_empty());
    b.last_lsn = Lsn(160);
    assert_eq!(conflicting_duplicates(&[a, b]), [(0, 1)]);
}

/// A history: a full, then a contiguous log chain with optional empty logs, an optional
/// differential part-way, and some logs possibly dropped (gaps).
fn history() -> impl Strategy<Value = (Vec<BackupRecord>, Option<Lsn>, Option<usize>)> {
    (
        1usize..24,
        proptest::collection::vec((1u128..50, any::<bool>(), 0u8..10), 24),
        proptest::option::of(0usize..24),
        proptest::option::of(0usize..30),
        proptest::option::of(0u128..1500),
    )
        .prop_map(|(n, steps, diff_at, stop_idx, redo)| {
            let minute = |i: usize| format!("2020-01-01T{:02}:{:02}:00", i / 60, i % 60);
            let mut recs = vec![rec(BackupType::Full, "full", 90, 120, 100, 0, &minute(0))];
            let mut lsn = 95u128; // logs start before the full, as real ones do
            for (i, (len, empty, drop)) in steps.into_iter().take(n).enumerate() {
                let first = lsn;
                let last = if empty { lsn } else { lsn + len };
                lsn = last;
                if drop == 0 {
                    continue; // a lost log: a gap
                }
                let u = format!("log{i:02}");
                recs.push(rec(
                    BackupType::Log,
                    &u,
                    first,
                    last,
                    first,
                    100,
                    &minute(i + 1),
                ));
                if diff_at == Some(i) {
                    recs.push(rec(
                        BackupType::Differential,
                        "diff",
                        last,
                        last + 1,
                        last,
                        100,
                        &minute(i + 1),
                    ));
                }
            }
            (recs, redo.map(Lsn), stop_idx)
        })
}

fn opts_for(redo: Option<Lsn>, stop: Option<usize>) -> PlanOptions {
    PlanOptions {
        redo_start_lsn: redo,
        stop_at: stop.map(|i| {
            format!("2020-01-01T{:02}:{:02}:30", i / 60, i % 60)
                .parse()
                .unwrap()
        }),
        ..Default::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Replaying the plan through the shared rule never fails: each log applies to the
    /// redo point the previous restore left.
    #[test]
    fn plan_never_breaks_the_log_rule((recs, redo, stop) in history(), with_redo in any::<bool>()) {
        let opts = opts_for(redo.filter(|_| with_redo), stop);
        let p = plan(&recs, &opts).unwrap();
        let mut r = opts.redo_start_lsn;
        for s in &p.restore_sequence {
            match s.backup_type {
                BackupType::Full | BackupType::Differential => {
                    prop_assert!(opts.redo_start_lsn.is_none());
                    r = Some(s.last_lsn);
                }
                BackupType::Log => {
                    let at = r.expect("a log follows a full or the redo point");
                    prop_assert!(check_log_restore(at, s.first_lsn, s.last_lsn).is_ok());
                    r = Some(s.last_lsn);
                }
            }
        }
        prop_assert_eq!(r, p.final_redo_lsn);
        // a gap is reported iff some log begins after where the chain ended (unless stopped)
        if let Some(g) = &p.gap {
            prop_assert!(g.first_lsn > g.redo_lsn);
            prop_assert_eq!(Some(g.redo_lsn), p.final_redo_lsn);
        } else if let (Some(r), Some(false) | None) = (p.final_redo_lsn, p.stop_at_reached) {
            prop_assert!(recs.iter().all(|x| x.backup_type != BackupType::Log || x.first_lsn <= r));
        }
        prop_assert_eq!(p.decisions.len(), backup_sets(&recs).len());
    }

    /// The plan depends on the set of records, not their order.
    #[test]
    fn shuffling_the_input_never_changes_the_plan(
        (recs, redo, stop) in history(),
        seed in any::<u64>(),
    ) {
        let opts = opts_for(redo, stop);
        let want = plan(&recs, &opts).unwrap();
        let mut shuffled = recs.clone();
        // Fisher-Yates with a small LCG: deterministic from the seed.
        let mut x = seed;
        for i in (1..shuffled.len()).rev() {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (x >> 33) as usize % (i + 1));
        }
        prop_assert_eq!(plan(&shuffled, &opts).unwrap(), want);
    }
}

/// The chain rule as first written (quadratic): from the redo point, of every log the rule
/// accepts, take the one reaching furthest (then earliest finish, then uuid). The heap-based
/// planner must choose exactly these logs.
fn naive_chain(logs: &[BackupRecord], start: Lsn, stop: Option<Timestamp>) -> Vec<String> {
    let mut r = start;
    let mut out: Vec<String> = Vec::new();
    loop {
        let next = logs
            .iter()
            .filter(|s| {
                !out.contains(&s.backup_set_uuid)
                    && !is_empty_log(s.first_lsn, s.last_lsn)
                    && check_log_restore(r, s.first_lsn, s.last_lsn).is_ok()
            })
            .max_by(|a, b| {
                a.last_lsn
                    .cmp(&b.last_lsn)
                    .then(b.backup_finish_date.cmp(&a.backup_finish_date))
                    .then(b.backup_set_uuid.cmp(&a.backup_set_uuid))
            });
        let Some(s) = next else { break };
        out.push(s.backup_set_uuid.clone());
        r = s.last_lsn;
        if stop.is_some_and(|t| s.backup_finish_date >= t) {
            break;
        }
    }
    out
}

fn fork(mut r: BackupRecord, first: &str, last: &str) -> BackupRecord {
    r.first_recovery_fork_guid = Some(first.into());
    r.last_recovery_fork_guid = Some(last.into());
    r
}

#[test]
fn a_log_on_another_recovery_fork_is_never_chosen_even_if_it_reaches_further() {
    use BackupType::*;
    // After a restore WITH RECOVERY to LSN 180 on fork A, the database went on as fork B;
    // B's log starts inside A's range but cannot be restored onto A's chain (4330).
    let recs = vec![
        fork(
            rec(Full, "f1", 100, 150, 100, 0, "2020-01-01T00:00:00"),
            "a",
            "a",
        ),
        fork(
            rec(Log, "la", 100, 200, 100, 100, "2020-01-01T01:00:00"),
            "a",
            "a",
        ),
        fork(
            rec(Log, "lb", 150, 900, 100, 100, "2020-01-01T01:30:00"),
            "b",
            "b",
        ),
        fork(
            rec(Log, "la2", 200, 300, 100, 100, "2020-01-01T02:00:00"),
            "a",
            "a",
        ),
    ];
    let p = plan(&recs, &PlanOptions::default()).unwrap();
    assert_eq!(uuids(&p), ["f1", "la", "la2"]);
    let lb = p
        .decisions
        .iter()
        .find(|d| d.backup_set_uuid == "lb")
        .unwrap();
    assert_eq!(
        lb.reason,
        Reason::OtherRecoveryFork {
            fork: "b".into(),
            chain_fork: "a".into()
        }
    );
    assert!(p.is_complete());
}

#[test]
fn a_log_across_a_fork_point_moves_the_chain_onto_the_new_fork() {
    use BackupType::*;
    let recs = vec![
        fork(
            rec(Full, "f1", 100, 150, 100, 0, "2020-01-01T00:00:00"),
            "a",
            "a",
        ),
        fork(
            rec(Log, "lx", 100, 200, 100, 100, "2020-01-01T01:00:00"),
            "a",
            "b",
        ),
        fork(
            rec(Log, "lb", 200, 300, 100, 100, "2020-01-01T02:00:00"),
            "b",
            "b",
        ),
        // all zeros is what some exports write for "unknown": compatible with any fork
        fork(
            rec(Log, "lz", 300, 400, 100, 100, "2020-01-01T03:00:00"),
            "00000000-0000-0000-0000-000000000000",
            "",
        ),
    ];
    let p = plan(&recs, &PlanOptions::default()).unwrap();
    assert_eq!(uuids(&p), ["f1", "lx", "lb", "lz"]);
}

#[test]
fn twenty_thousand_contiguous_logs_plan_in_one_pass() {
    use BackupType::*;
    // The shape of bad-inputs/08 (one full, then N-1 contiguous logs, 23-digit LSNs),
    // smaller: the quadratic planner took 0.2 s at 10k rows; this checks the result only.
    let base: u128 = 17126658000000314600037;
    let n = 20_000usize;
    let mut recs = vec![rec(
        Full,
        "full",
        base,
        base + 100_000,
        base,
        0,
        "2017-07-16T17:00:00",
    )];
    let mut prev = base;
    for i in 1..n {
        let last = prev + 100_000 + (i % 7) as u128;
        let t = format!(
            "2017-07-{:02}T{:02}:{:02}:{:02}",
            16 + i / 86400,
            i / 3600 % 24,
            i / 60 % 60,
            i % 60
        );
        recs.push(rec(Log, &format!("log{i:06}"), prev, last, base, base, &t));
        prev = last;
    }
    recs.reverse(); // order never matters
    let p = plan(&recs, &PlanOptions::default()).unwrap();
    assert_eq!(p.restore_sequence.len(), n);
    assert_eq!(p.final_redo_lsn, Some(Lsn(prev)));
    assert!(p.is_complete());
    // the logs are restored in LSN order
    assert!(p
        .restore_sequence
        .windows(2)
        .all(|w| w[0].last_lsn == w[1].first_lsn || w[0].backup_type == Full));
}

/// Logs with arbitrary overlaps, duplicates of reach, empties and gaps.
fn tangled_logs() -> impl Strategy<Value = (Vec<BackupRecord>, u128, Option<usize>)> {
    (
        proptest::collection::vec((0u128..60, 0u128..25, 0usize..40), 0..40),
        0u128..60,
        proptest::option::of(0usize..40),
    )
        .prop_map(|(raw, start, stop)| {
            let recs = raw
                .into_iter()
                .enumerate()
                .map(|(i, (first, len, minute))| {
                    let fin = format!("2020-01-01T00:{:02}:00", minute);
                    rec(
                        BackupType::Log,
                        &format!("l{i:02}"),
                        first,
                        first + len,
                        first,
                        0,
                        &fin,
                    )
                })
                .collect();
            (recs, start, stop)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The O(n log n) chain chooses exactly what the quadratic greedy chose.
    #[test]
    fn heap_chain_agrees_with_the_quadratic_greedy((logs, start, stop) in tangled_logs()) {
        let stop_at = stop.map(|m| ts(&format!("2020-01-01T00:{m:02}:30")));
        let opts = PlanOptions { redo_start_lsn: Some(Lsn(start)), stop_at, ..Default::default() };
        let p = plan(&logs, &opts).unwrap();
        let got: Vec<String> = p.restore_sequence.iter().map(|s| s.backup_set_uuid.clone()).collect();
        prop_assert_eq!(got, naive_chain(&logs, Lsn(start), stop_at));
    }
}
