//! The reduced key is a bisimulation, checked on samples: two concrete engine states the
//! reduced key merges (docs/explore.md, "Reductions") must play every continuation alike.
//! The search's states are enumerated (deduplicated by the engine's full canonical text, so
//! every distinct concrete state is kept once); for each reduced key the first concrete
//! state is kept, and every later state with the same reduced key but another concrete
//! state is a merged pair. Each pair then plays the same random continuations (events,
//! faults of the window's alphabet placed at random moments, their heals): after every
//! event or fault both must show the same next event, the same invariants violated, the
//! same reduced key again (the abstraction is a congruence, so the merge stays exact), and
//! at the end the same liveness verdicts and coverage.
//!
//! Checked to fail when a reduction is broken on purpose: with the job flags left out of
//! the reduced key (a live value: the next backup run reads it), 6,027 pairs merge instead
//! of 5,700 on the documented failover and a pair parts after the next backup job run.

use harness::explore::{self, SearchArgs};
use sim::engine::{NextEvent, Stepper};
use sim::explore::canon::Hasher;
use sim::explore::{alphabet, premise, Bound, Node};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(p)
}

fn args(scenario: Option<&str>, runbooks: &[&str], k: u32) -> SearchArgs {
    args_d(scenario, runbooks, k, 0)
}

fn args_d(scenario: Option<&str>, runbooks: &[&str], k: u32, d: u32) -> SearchArgs {
    SearchArgs::new(
        scenario.map(repo),
        runbooks.iter().map(|r| repo(r)).collect(),
        k,
        d,
    )
}

/// The engine's full state (no reduction) as a 128-bit hash of its canonical text, with
/// the whole plan it plays (a chosen deviation's steps already played included).
fn concrete(st: &Stepper) -> u128 {
    let mut h = Hasher::new();
    st.canonical(&mut h).unwrap();
    write!(h, "|{:?}", st.plans()).unwrap();
    h.finish()
}

/// The engine's reduced state, from the reference text (`Stepper::canonical_reduced`).
fn reduced(st: &Stepper) -> u128 {
    let mut h = Hasher::new();
    st.canonical_reduced(&mut h).unwrap();
    h.finish()
}

/// The plans a run plays.
type Plans = std::sync::Arc<[Vec<sim::engine::Planned>]>;

/// A small deterministic generator (the test's own; xorshift).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// What both states must agree on at every point of a continuation.
fn observed(st: &Stepper) -> (Option<(u64, NextEvent)>, Vec<bool>, bool, u128) {
    (st.peek(), st.violated().collect(), st.done(), reduced(st))
}

/// Play one random continuation on both states of a pair, checking they stay alike. With
/// `own`, each state's reduced key is taken after it is put back on `own`'s plans where it
/// can be (`Stepper::rebase`, as the search does after each event).
fn play_alike_on(
    a: &Stepper,
    b: &Stepper,
    disaster_at: u64,
    seed: u64,
    own: Option<&Plans>,
) -> usize {
    let observed = |st: &Stepper| {
        let mut c = st.clone();
        if let Some(own) = own {
            c.rebase(own);
        }
        observed(&c)
    };
    let (mut a, mut b) = (a.clone(), b.clone());
    let mut rng = Rng(seed | 1);
    let mut heals: Vec<sim::fault::Fault> = Vec::new();
    let mut checks = 0;
    while !a.done() {
        let (t, kind) = a.peek().expect("not done");
        let w = alphabet::window(&a, disaster_at);
        let may_place = w.is_some() && !matches!(kind, NextEvent::ScenarioFault | NextEvent::End);
        if may_place {
            if !heals.is_empty() && rng.below(4) == 0 {
                let h = heals.remove(rng.below(heals.len()));
                a.inject(&h);
                b.inject(&h);
                assert_eq!(observed(&a), observed(&b), "after healing {h:?} at {t}");
                checks += 1;
            }
            if rng.below(8) == 0 {
                let fs = alphabet::faults(w.expect("a window"), false);
                let (f, h) = fs[rng.below(fs.len())].clone();
                a.inject(&f);
                b.inject(&f);
                heals.extend(h);
                assert_eq!(observed(&a), observed(&b), "after {f:?} at {t}");
                checks += 1;
            }
        }
        a.step();
        b.step();
        assert_eq!(
            observed(&a),
            observed(&b),
            "after the event at {t} ({kind:?})"
        );
        checks += 1;
    }
    assert!(b.done());
    assert_eq!(a.world().coverage.flags(), b.world().coverage.flags());
    checks
}

/// Enumerate the search's concrete states breadth-first (up to `cap`), collect up to
/// `want` merged pairs, play `runs` continuations on each. Returns (pairs, checks).
fn check(a: &SearchArgs, cap: usize, want: usize, runs: u64) -> (usize, usize) {
    check_pairs(a, cap, want, runs, false)
}

/// [`check`]; with `deviated`, only the pairs of which at least one state chose a plan.
fn check_pairs(
    a: &SearchArgs,
    cap: usize,
    want: usize,
    runs: u64,
    deviated: bool,
) -> (usize, usize) {
    let inp = explore::input(a).unwrap();
    let bound: Bound = inp.bound;
    assert!(bound.reduce);
    let own: Option<Plans> = inp.roots[0].moves.as_ref().map(|m| m.own.clone());
    let mut seen: HashSet<u128> = HashSet::new();
    let mut first: HashMap<u128, (usize, Stepper, bool)> = HashMap::new();
    let mut pairs: Vec<(usize, Stepper, Stepper)> = Vec::new();
    let (mut merged, mut rng) = (0usize, Rng(0x9E37_79B9_7F4A_7C15));
    let mut level: Vec<Node> = inp
        .roots
        .iter()
        .enumerate()
        .map(|(i, r)| Node::root(i, r, &inp.loaded.runbooks, bound))
        .collect();
    'search: while !level.is_empty() {
        let mut next = Vec::new();
        for n in level {
            for c in n.successors(bound) {
                if !seen.insert(concrete(&c.st)) {
                    continue;
                }
                let root = c.root as usize;
                let key = (c.key(true), root);
                match first.get(&key.0) {
                    Some((r, _, dev)) if *r == root && deviated && !dev && c.plan() == 0 => {}
                    Some((r, st, _)) if *r == root => {
                        // A uniform sample of every merged pair met (reservoir sampling).
                        merged += 1;
                        if pairs.len() < want {
                            pairs.push((root, st.clone(), (*c.st).clone()));
                        } else {
                            let j = rng.below(merged);
                            if j < want {
                                pairs[j] = (root, st.clone(), (*c.st).clone());
                            }
                        }
                    }
                    Some(_) => panic!("two roots share a reduced key"),
                    None => {
                        first.insert(key.0, (root, (*c.st).clone(), c.plan() != 0));
                    }
                }
                if seen.len() >= cap {
                    break 'search;
                }
                next.push(c);
            }
        }
        level = next;
    }
    let mut checks = 0;
    for (k, (root, x, y)) in pairs.iter().enumerate() {
        let d = premise::disaster_at(&inp.roots[*root].scenario);
        // The pair as merged: alike now.
        assert_eq!(observed(x), observed(y));
        for r in 0..runs {
            checks += play_alike_on(x, y, d, (k as u64) << 8 | r, own.as_ref());
        }
    }
    eprintln!(
        "{}: {} concrete states, {} reduced keys, {merged} merged pairs, {} played, {checks} checks",
        a.scenario
            .as_deref()
            .map_or("default".into(), |p| p.display().to_string()),
        seen.len(),
        first.len(),
        pairs.len()
    );
    (pairs.len(), checks)
}

/// The documented failover within one fault (violations of several properties on the
/// paths, so verdicts can differ) and the corrected full cycle within one fault (every
/// window, the failback's rebuild): hundreds of merged pairs, each played three ways.
#[test]
fn merged_states_play_alike() {
    let (pairs, checks) = check(
        &args(Some("scenarios/dc1-outage-share-dc1.json"), &[], 1),
        20_000,
        200,
        3,
    );
    assert!(pairs >= 150, "{pairs} merged pairs");
    assert!(checks > pairs * 3 * 10, "{checks} checks");
    let (pairs, checks) = check(
        &args(
            None,
            &[
                "scenarios/runbooks/failover-corrected.json",
                "scenarios/runbooks/failback-corrected.json",
            ],
            1,
        ),
        80_000,
        200,
        3,
    );
    assert!(pairs >= 150, "{pairs} merged pairs");
    assert!(checks > pairs * 3 * 10, "{checks} checks");
}

/// The fifth reduction (deviations chosen where they apply), checked two ways on the
/// corrected full cycle within one deviation and on the documented failover within one
/// fault and one deviation:
/// - every state the search reaches by choosing a plan, before the search puts it back on
///   the runbooks' own plans (`Stepper::rebase`: the step in progress renumbered), plays
///   every continuation as the renumbered state does (the search only ever keeps the
///   latter);
/// - the pairs the reduced key merges in a search with a fault and a deviation (a deviated
///   state and one with fewer or no deviation chosen, or two plans with the same pending
///   part, whose dead values differ) play alike, as [`merged_states_play_alike`] checks for
///   faults alone. (Within no fault the states merged are the same concrete state.)
///
/// Checked to fail when broken on purpose: with the pending part of a plan left out of the
/// fast key (`Stepper::hash_schedule` without `plan_rest`) merged pairs differ at once;
/// with it left out of both keys, a pair parts when the deviated step plays; with `rebase`
/// renumbering one step too far, a rebased state parts from the plan it stands for.
#[test]
fn deviated_states_play_alike() {
    let full = [
        "scenarios/runbooks/failover-corrected.json",
        "scenarios/runbooks/failback-corrected.json",
    ];
    let (rebased, checks) = rebases_play_alike(&args_d(None, &full, 0, 1), 2, 1, usize::MAX);
    assert!(rebased >= 90, "{rebased} rebased states");
    assert!(checks > rebased * 2 * 10, "{checks} checks");
    let a = args_d(Some("scenarios/dc1-outage-share-dc1.json"), &[], 1, 1);
    let (rebased, _) = rebases_play_alike(&a, 1, 10, 30_000);
    assert!(rebased >= 20, "{rebased} rebased states");
    let (pairs, _) = check_pairs(&a, 30_000, 150, 2, true);
    assert!(pairs >= 100, "{pairs} merged pairs");
}

/// Walk the reduced search (deduplicated by its key); wherever it chooses a plan, make the
/// chosen state as the plan leaves it (replanned, the event played), play on until the
/// rest of the plan is the runbooks' own, and there play `runs` continuations on it and on
/// the state the search keeps instead (put back on the runbooks' own plans).
/// Only every `every`-th such state is played; the walk stops after the level where it
/// passed `cap` states. Returns (states rebased, checks).
fn rebases_play_alike(a: &SearchArgs, runs: u64, every: usize, cap: usize) -> (usize, usize) {
    let inp = explore::input(a).unwrap();
    let bound: Bound = inp.bound;
    let moves = inp.roots[0]
        .moves
        .clone()
        .expect("the reduced search with D >= 1");
    let mut seen = HashSet::new();
    let mut level: Vec<Node> = vec![Node::root(0, &inp.roots[0], &inp.loaded.runbooks, bound)];
    let (mut rebased, mut checks) = (0usize, 0usize);
    let d = premise::disaster_at(&inp.roots[0].scenario);
    while !level.is_empty() {
        let mut next = Vec::new();
        for n in level {
            if n.deviations_left() > 0 {
                if let Some(pos) = n.st.next_start() {
                    for &r in moves.at(pos) {
                        let mut x = (*n.st).clone();
                        x.replan(moves.plans[r as usize].plans.clone());
                        x.step();
                        // The plan's pending part (a swap's second step, a step on another
                        // instance) played on until the rest is the runbooks' own.
                        let mut y = x.clone();
                        while !y.rebase(&moves.own) && !x.done() {
                            x.step();
                            y = x.clone();
                        }
                        if !x.replanned() || y.replanned() {
                            continue;
                        }
                        rebased += 1;
                        if rebased % every != 0 {
                            continue;
                        }
                        for k in 0..runs {
                            checks += play_alike_on(
                                &x,
                                &y,
                                d,
                                (rebased as u64) << 8 | k,
                                Some(&moves.own),
                            );
                        }
                    }
                }
            }
            for c in n.successors(bound) {
                if seen.insert(c.key(true)) {
                    next.push(c);
                }
            }
        }
        if seen.len() > cap {
            break;
        }
        level = next;
    }
    eprintln!("{rebased} rebased states, {checks} checks");
    (rebased, checks)
}
