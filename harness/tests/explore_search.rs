//! `drill explore`: the search pinned. Golden state counts derived and checked against a
//! brute-force enumerator; every mutant found within the small bounds; the corrected
//! failover proven within K=1; every counterexample replayed by `drill run`'s engine; shards
//! merged into exactly the single-process report; results independent of --jobs.

mod common;

use common::explore::{args, search, CORRECTED_FB, CORRECTED_FO, FAILOVER_ONLY};

use harness::explore::{self, merge, report, shard::Shard, SearchArgs};
use sim::engine::{self, Options, Stepper};
use sim::explore::{Bound, Node, PlanGroups};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

fn violated(r: &report::ExploreReport) -> Vec<&str> {
    r.properties
        .iter()
        .filter(|p| p.counterexample.is_some())
        .map(|p| p.name.as_str())
        .collect()
}

/// With no fault and no deviation the search is the one run `drill run` plays: one state
/// per event played, plus the root; one end state; the same verdicts.
#[test]
fn zero_bound_is_the_run() {
    let a = args(None, &[], 0, 0);
    let r = search(&a);
    let inp = explore::input(&a).unwrap();
    let mut st = Stepper::new(
        &inp.loaded.scenario,
        &inp.loaded.runbooks,
        Options::default(),
    );
    let mut events = 0u64;
    while !st.done() {
        st.step();
        events += 1;
    }
    // Golden: the embedded default drill plays 112 events (its End included).
    assert_eq!(events, 112);
    assert_eq!(r.unique_states, events + 1);
    assert_eq!(r.states_generated, events + 1);
    assert_eq!(r.end_states, 1);
    assert_eq!(r.depth, 112);
    let run = engine::run(
        &inp.loaded.scenario,
        &inp.loaded.runbooks,
        Options::default(),
    );
    assert_eq!(violated(&r), run.violated());
    assert_eq!(violated(&r), ["service_restored", "dr_posture_restored"]);
}

/// Every key reachable from the roots, with no deduplication at all (depth-first over every
/// path), and per property the least depth at which any path violates it: the search's
/// unique count must be the number of keys, its counterexamples' depths these minima.
fn brute_force(a: &SearchArgs) -> (usize, Vec<Option<u32>>) {
    let inp = explore::input(a).unwrap();
    let bound = Bound {
        faults: a.faults,
        deviations: a.deviations,
        beyond: a.beyond_assumptions,
        reduce: false,
        plan_roots: false,
        plan_groups: PlanGroups::One,
    };
    let mut keys = HashSet::new();
    // The fast key (the world hashed field by field) against the reference key (the world's
    // full Debug text): equal exactly when the reference is, so no field is missed; the
    // same for the reduced keys (faults left out, the last fault's time canonical).
    let mut fast_to_ref: HashMap<(bool, u128), u128> = HashMap::new();
    let mut ref_to_fast: HashMap<(bool, u128), u128> = HashMap::new();
    let mut least: Vec<Option<u32>> = vec![None; sim::invariants::names().len()];
    let mut stack: Vec<(Node, u32)> = inp
        .roots
        .iter()
        .enumerate()
        .map(|(i, r)| (Node::root(i, r, &inp.loaded.runbooks, bound), 0))
        .collect();
    while let Some((n, depth)) = stack.pop() {
        let (fast, reference) = (n.key(false), n.reference_key(false));
        keys.insert(fast);
        for (reduce, fast, reference) in [
            (false, fast, reference),
            (true, n.key(true), n.reference_key(true)),
        ] {
            let f = fast_to_ref.entry((reduce, fast)).or_insert(reference);
            assert_eq!(*f, reference);
            let r = ref_to_fast.entry((reduce, reference)).or_insert(fast);
            assert_eq!(*r, fast);
        }
        for (k, v) in n.st.violated().enumerate() {
            if v && least[k].is_none_or(|d| depth < d) {
                least[k] = Some(depth);
            }
        }
        stack.extend(n.successors(bound).into_iter().map(|c| (c, depth + 1)));
    }
    (keys.len(), least)
}

/// The reduced search at K=0 counted from the plain search's roots: each plan's run from
/// its own root (the plan fixed from the start) is the undeviated run until the event after
/// which the step in progress differs (or the state does); from there on it is keyed as the
/// reduced search keys a path that chose the plan at that event: with the plan's pending
/// part, or renumbered onto the runbooks' own plans once the rest is theirs (`replan` then
/// `rebase` on a copy). Returns (distinct keys, distinct end keys, the undeviated run's
/// states).
fn reduced_from_plan_runs(a: &SearchArgs) -> (usize, usize, usize) {
    assert_eq!(a.faults, 0);
    let plain = SearchArgs {
        no_reduction: true,
        ..a.clone()
    };
    let inp = explore::input(&plain).unwrap();
    let bound = Bound {
        faults: 0,
        deviations: a.deviations,
        beyond: false,
        reduce: false,
        plan_roots: false,
        plan_groups: PlanGroups::One,
    };
    let rbs = &inp.loaded.runbooks;
    assert_eq!(inp.roots[0].deviations, "none");
    let start = |i: usize| Node::root(0, &inp.roots[i], rbs, bound);
    let own = start(0).st.plans().clone();
    // The step in progress as played: phase, step, action, extra delay.
    let entry = |st: &Stepper| {
        st.running_step().map(|(p, j)| {
            let pl = &st.plans()[p][j];
            let action = pl
                .action
                .clone()
                .unwrap_or_else(|| rbs[p].steps[pl.src].action.clone());
            (p, pl.src, action, pl.extra_delay_s)
        })
    };
    let (mut keys, mut ends, mut undeviated) = (HashSet::new(), HashSet::new(), 0);
    for i in 0..inp.roots.len() {
        let (mut u, mut n) = (start(0), start(i));
        let mut left = false;
        loop {
            left = left || entry(&u.st) != entry(&n.st) || u.key(true) != n.key(true);
            let key = if left {
                let mut c = n.clone();
                let plans = c.st.plans().clone();
                c.st.replan(plans);
                c.st.rebase(&own);
                c.key(true)
            } else {
                n.key(true)
            };
            keys.insert(key);
            if i == 0 {
                undeviated += 1;
            }
            if n.st.done() {
                ends.insert(key);
                break;
            }
            n = n.successors(bound).pop().expect("a run goes on until done");
            if !left {
                u = u.successors(bound).pop().expect("in step with n");
            }
        }
    }
    (keys.len(), ends.len(), undeviated)
}

fn depths(r: &report::ExploreReport) -> Vec<Option<u32>> {
    r.properties
        .iter()
        .map(|p| p.counterexample.as_ref().map(|c| c.depth))
        .collect()
}

/// Golden counts for small bounds on the corrected failover (DC1 outage, share in DC2).
/// A change to the model that changes the state space must update them on purpose.
#[test]
fn golden_counts_match_a_brute_force_enumerator() {
    // K=0, D=1, plain: roots never share a state, and each is one run: the count is the
    // sum of the roots' events plus one each.
    let mut a = args(Some(FAILOVER_ONLY), &[CORRECTED_FO], 0, 1);
    a.no_reduction = true;
    let r = search(&a);
    let inp = explore::input(&a).unwrap();
    let mut expected = 0u64;
    for root in &inp.roots {
        let mut st = Stepper::new(&root.scenario, &inp.loaded.runbooks, Options::default());
        expected += 1;
        while !st.done() {
            st.step();
            expected += 1;
        }
    }
    assert_eq!(r.unique_states, expected);
    assert_eq!((r.roots, r.unique_states), (GOLDEN_K0_D1.0, GOLDEN_K0_D1.1));
    // K=0, D=1, reduced (deviations chosen where they apply): the distinct states of the
    // same 42 runs keyed as the reduced search keys them.
    a.no_reduction = false;
    let r = search(&a);
    let (states, ends, undeviated) = reduced_from_plan_runs(&a);
    assert_eq!(
        (r.unique_states, r.end_states),
        (states as u64, ends as u64)
    );
    assert_eq!(
        (r.roots, undeviated, r.unique_states, r.end_states),
        GOLDEN_K0_D1_REDUCED
    );
    // Every plain depth is kept: the deviation is chosen in the transition of the event
    // that starts the step it changes.
    assert_eq!(
        r.depth,
        search(&SearchArgs {
            no_reduction: true,
            ..a.clone()
        })
        .depth
    );

    let mut a = args(Some(FAILOVER_ONLY), &[CORRECTED_FO], 1, 0);
    a.no_reduction = true;
    let r = search(&a);
    let (keys, least) = brute_force(&a);
    assert_eq!(r.unique_states, keys as u64);
    assert_eq!(depths(&r), least);
    assert_eq!(
        (r.states_generated, r.unique_states, r.end_states, r.depth),
        GOLDEN_K1_D0
    );
    // The reduced search (the default): fewer states by design, the same verdicts and
    // shortest counterexample depths as the plain search.
    a.no_reduction = false;
    let reduced = search(&a);
    assert_eq!(depths(&reduced), least);
    assert_eq!(
        (
            reduced.states_generated,
            reduced.unique_states,
            reduced.end_states,
            reduced.depth
        ),
        GOLDEN_K1_D0_REDUCED
    );
}

// 42 roots, by hand from failover-corrected.json's nine steps F0..F6: skip and repeat for
// each (18), swap with the next for all but the last (8), a wrong instance for the five
// steps naming one (F1, F2, F3, F4, F6 on backup: 3 other data instances each, 15), and the
// plan without deviation: 18 + 8 + 15 + 1 = 42. The states are then checked above as the
// sum of each root's run.
const GOLDEN_K0_D1: (u64, u64) = (42, 2045);
// The reduced search: one root (the premise). Its states are those of the 42 runs above
// keyed as the reduced search keys them (`reduced_from_plan_runs`, checked equal): the
// undeviated run's 51 states (50 events and the root) are shared by every plan up to the
// step it changes (the plain search has them once per root), and a deviated run joins
// another run's state wherever the states are the same (the plan's rest renumbered onto
// the runbook's own): 707 of the plain 2,045, and 29 distinct end states of the 42 runs'
// 42 (a run that joins another's state ends with it). Derived by the enumeration above,
// not by hand. LSNs and write numbers by order (Reductions 6) merge 35 more of those 707
// (to 672) and 2 of the 29 end states: deviated runs that differ from another only by the
// writes a gap held, once DC1's copies (down for good) no longer keep those distances.
const GOLDEN_K0_D1_REDUCED: (u64, usize, u64, u64) = (1, 51, 672, 27);
const GOLDEN_K1_D0: (u64, u64, u64, u32) = (16_385, 14_466, 301, 53);
// The reduced search, measured: the dead values (docs/explore.md, "Reductions" 4) merge
// 5,159 of the 12,116 states the first three reductions left (to 6,957) and 135 of their
// 244 end states: paths that differ only in values no rule reads again (when writes were
// acknowledged, msdb's last copied file and restore latency, a session's `since` once it
// is SYNCHRONIZED again, files gone from both places). Measured, not derived by hand; the
// brute-force check above covers the plain count, and explore_bisimulation.rs checks the
// merged pairs play alike. The depth is the plain search's: no path is shorter. LSNs and
// write numbers by order (Reductions 6) then merge 1,625 of those 6,957 (to 5,332) and 65
// of the 109 end states: paths whose only difference is how many writes a gap held, once
// no copy can climb past it and no step left measures it (measured the same way).
const GOLDEN_K1_D0_REDUCED: (u64, u64, u64, u32) = (6_524, 5_332, 44, 53);

/// The corrected failover is proven within one fault: a certificate for every property.
#[test]
fn corrected_failover_is_certified_within_one_fault() {
    let r = search(&args(Some(FAILOVER_ONLY), &[CORRECTED_FO], 1, 0));
    assert!(r.complete);
    for p in &r.properties {
        assert_eq!(p.holds, Some(true), "{}", p.name);
        let cert = p.certificate.as_deref().unwrap();
        assert!(
            cert.starts_with(&format!(
                "no violation of {} with up to 1 fault and 0 deviations",
                p.name
            )),
            "{cert}"
        );
        assert!(cert.contains(&report::count(r.unique_states)), "{cert}");
    }
}

/// Save the report's counterexamples and play each file as `drill run FILE` does: the
/// property it was found for is violated again.
fn assert_replays(r: &mut report::ExploreReport) {
    let dir = tempfile::tempdir().unwrap();
    report::save_counterexamples(r, dir.path()).unwrap();
    for p in &r.properties {
        let Some(c) = &p.counterexample else { continue };
        assert!(c.replays, "{}", p.name);
        let file = PathBuf::from(c.file.as_deref().unwrap());
        assert_eq!(
            c.run.as_deref(),
            Some(format!("drill run {}", file.display()).as_str())
        );
        let l = harness::load::load(Some(&file)).expect("a saved counterexample loads");
        let run = engine::run(&l.scenario, &l.runbooks, Options::default());
        assert!(
            run.violated().contains(&p.name.as_str()),
            "{} not replayed by {}",
            p.name,
            file.display()
        );
    }
}

/// Every mutant of the corpus is found within K=0, D=1 or K=1, D=0 (by the smaller bound
/// where it suffices: a search within a bound contains every search within a smaller one),
/// and its counterexample replays.
#[test]
fn every_mutant_is_found_within_the_small_bounds() {
    // A failback mutant plays in the corrected full cycle; a failover one after the DC1
    // outage with the share in DC2.
    for (m, scenario) in common::mutants() {
        let text = std::fs::read_to_string(&m).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let expect = v["expect_violation"].as_str().unwrap().to_string();
        let mrel = format!(
            "scenarios/mutants/{}",
            m.file_name().unwrap().to_str().unwrap()
        );
        let mut found = None;
        for (k, d, premise) in [(0, 0, "scenario"), (0, 0, "all"), (1, 0, "scenario")] {
            let mut a = args(Some(scenario), &[&mrel], k, d);
            a.premise = premise.into();
            let mut r = search(&a);
            if violated(&r).contains(&expect.as_str()) {
                assert_replays(&mut r);
                found = Some((k, d, premise));
                break;
            }
        }
        assert!(
            found.is_some(),
            "{} ({expect}) not found within K=1, D=0",
            m.display()
        );
    }
}

/// The documented runbooks: what explore finds replays, and the first counterexample is a
/// shortest one (no violation at a smaller depth in a search stopped just before it).
#[test]
fn documented_failover_counterexamples_replay_and_are_shortest() {
    let mut a = args(Some("scenarios/dc1-outage-share-dc1.json"), &[], 0, 1);
    a.no_reduction = true;
    let mut r = search(&a);
    assert!(!violated(&r).is_empty());
    let (keys, least) = brute_force(&a);
    assert_eq!(r.unique_states, keys as u64);
    assert_eq!(depths(&r), least);
    assert_replays(&mut r);
}

/// `--shard I/N` then merge gives the single-process report (all but the wall clock), and
/// the result does not depend on --jobs.
#[test]
fn shards_merge_into_the_single_process_report() {
    // The plain search's roots are premise x deviation plan (42 here); the reduced one's
    // are the premises alone (docs/explore.md, "Scaling out"), checked below on every
    // premise.
    let mut whole_args = args(Some("scenarios/dc1-outage-share-dc1.json"), &[], 0, 1);
    whole_args.no_reduction = true;
    shards_merge(whole_args);
    let mut whole_args = args(Some("scenarios/dc1-outage-share-dc1.json"), &[], 0, 1);
    whole_args.premise = "all".into();
    shards_merge(whole_args);
    // --deviation-roots: a root per plan with the first four reductions, so one premise's
    // plans split across shards (how K=2, D=1 over the full cycle runs on one machine).
    let mut whole_args = args(Some("scenarios/dc1-outage-share-dc1.json"), &[], 0, 1);
    whole_args.deviation_roots = true;
    shards_merge(whole_args);
}

/// `--deviation-roots` roots every plan as the plain search does, keeps the first four
/// reductions, and finds what both other searches find at the same depths.
#[test]
fn deviation_roots_find_the_same_at_the_same_depths() {
    let mut a = args(None, &[CORRECTED_FO, CORRECTED_FB], 0, 1);
    let reduced = search(&a);
    a.deviation_roots = true;
    let rooted = search(&a);
    a.deviation_roots = false;
    a.no_reduction = true;
    let plain = search(&a);
    // 97 single deviations of the corrected full cycle plus none, as in the plain search.
    assert_eq!((rooted.roots, plain.roots, reduced.roots), (98, 98, 1));
    assert!(reduced.unique_states < rooted.unique_states);
    assert!(rooted.unique_states <= plain.unique_states);
    assert_eq!(depths(&rooted), depths(&plain));
    assert_eq!(depths(&reduced), depths(&plain));
    assert!(!violated(&rooted).is_empty());
    assert_eq!(rooted.bound.reduction, report::REDUCTION_PLAN_ROOTS);
    assert!(!rooted.bound.reduction.contains("deviations"));
    // Without --shard the command searches the plan roots one at a time (each root's table
    // freed before the next) and merges them: the same report as all roots in one table.
    a.no_reduction = false;
    a.deviation_roots = true;
    let inp = explore::input(&a).unwrap();
    let mut one_at_a_time =
        explore::one_root_at_a_time(&inp, &a, &explore::memory::Budget::none()).unwrap();
    let mut together = rooted;
    one_at_a_time.measured = together.measured.clone();
    for p in together.properties.iter_mut() {
        if let Some(c) = p.counterexample.as_mut() {
            // merge leaves the file to be written once, after it
            c.file = None;
            c.run = None;
        }
    }
    assert_eq!(one_at_a_time, together);
}

/// Without --shard the command searches several roots one at a time (two side by side on
/// two threads), each table freed when its root is done: the report of all roots in one
/// table, whatever the threads.
#[test]
fn premises_searched_one_at_a_time_give_the_one_table_report() {
    let mut a = args(None, &[CORRECTED_FO, CORRECTED_FB], 0, 1);
    a.premise = "all".into();
    let together = search(&a);
    assert_eq!(together.roots, 144);
    assert!(!violated(&together).is_empty());
    let inp = explore::input(&a).unwrap();
    for jobs in [1, 2] {
        let b = SearchArgs { jobs, ..a.clone() };
        let mut apart =
            explore::one_root_at_a_time(&inp, &b, &explore::memory::Budget::none()).unwrap();
        apart.measured = together.measured.clone();
        assert_eq!(apart, together, "{jobs} job(s)");
    }
}

fn shards_merge(mut whole_args: SearchArgs) {
    whole_args.jobs = 1;
    let mut whole = search(&whole_args);
    let mut parts = Vec::new();
    for i in 0..3 {
        let mut a = whole_args.clone();
        a.jobs = 2;
        a.shard = Some(Shard { index: i, count: 3 });
        let r = search(&a);
        assert!(r.roots < whole.roots);
        // Through JSON, as the processes hand them over.
        let text = serde_json::to_string(&r).unwrap();
        parts.push((format!("{i}.json"), serde_json::from_str(&text).unwrap()));
    }
    let merged = merge::merge(&parts).expect("the three shards merge");
    whole.measured = merged.measured.clone();
    assert_eq!(merged, whole);
    // A missing shard or a foreign one is refused.
    assert!(merge::merge(&parts[..2])
        .unwrap_err()
        .contains("2/3 missing"));
    let mut other = parts.clone();
    other[1].1.bound.faults = 1;
    assert!(merge::merge(&other)
        .unwrap_err()
        .contains("another input or bound"));
    let mut two = whole_args.clone();
    two.jobs = 2;
    let mut r2 = search(&two);
    r2.measured = whole.measured.clone();
    assert_eq!(r2, whole);
}
