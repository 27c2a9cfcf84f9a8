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
use std::path::{Path, PathBuf};

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(p)
}

fn args(scenario: Option<&str>, runbooks: &[&str], k: u32) -> SearchArgs {
    SearchArgs::new(
        scenario.map(repo),
        runbooks.iter().map(|r| repo(r)).collect(),
        k,
        0,
    )
}

/// The engine's full state (no reduction) as a 128-bit hash of its canonical text.
fn concrete(st: &Stepper) -> u128 {
    let mut h = Hasher::new();
    st.canonical(&mut h).unwrap();
    h.finish()
}

/// The engine's reduced state, from the reference text (`Stepper::canonical_reduced`).
fn reduced(st: &Stepper) -> u128 {
    let mut h = Hasher::new();
    st.canonical_reduced(&mut h).unwrap();
    h.finish()
}

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

/// Play one random continuation on both states of a pair, checking they stay alike.
fn play_alike(a: &Stepper, b: &Stepper, disaster_at: u64, seed: u64) -> usize {
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
    let inp = explore::input(a).unwrap();
    let bound: Bound = inp.bound;
    assert!(bound.reduce);
    let mut seen: HashSet<u128> = HashSet::new();
    let mut first: HashMap<u128, (usize, Stepper)> = HashMap::new();
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
                    Some((r, st)) if *r == root => {
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
                        first.insert(key.0, (root, (*c.st).clone()));
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
            checks += play_alike(x, y, d, (k as u64) << 8 | r);
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
