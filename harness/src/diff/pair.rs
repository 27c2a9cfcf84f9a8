//! The paired campaign: case i is one scenario played twice, with the old runbooks and
//! with the new, so every difference between the two outcomes is the runbook's, not the
//! draw's. Cases are split over threads in contiguous ranges and put back in case order,
//! so the result does not depend on `--jobs`.

use crate::fuzz::{campaign, gen::Shape};
use sim::engine::{self, Options};
use sim::invariants;
use sim::report::Report;
use sim::runbook::Runbook;
use sim::scenario::Scenario;

/// Where the paired cases come from.
pub enum Source<'a> {
    /// Generated outages: the fuzzer's generator, case seeds as `drill fuzz --seed`.
    Generated(&'a Shape),
    /// Monte Carlo runs of one scenario: run seeds and fault-time jitter as `drill rto`.
    Scenario(&'a Scenario),
}

impl Source<'_> {
    /// The scenario of case `i` of the campaign `seed`.
    pub fn case(&self, seed: u64, i: u64) -> Scenario {
        match self {
            Source::Generated(shape) => campaign::scenario(shape, seed, i),
            Source::Scenario(base) => crate::rto::campaign::scenario_for(base, seed, i).0,
        }
    }
}

/// What one side of a pair measured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Bit k set: invariant k of `invariants::names()` violated.
    pub violated: u32,
    /// RTO from the outage; 0 without an outage, u64::MAX when service never came back.
    pub rto_s: u64,
    pub rpo_s: u64,
    pub rpo_writes: u64,
}

impl Outcome {
    pub fn of(r: &Report) -> Outcome {
        let mut violated = 0u32;
        for (k, v) in r.invariants.iter().enumerate() {
            if !v.holds {
                violated |= 1 << k;
            }
        }
        Outcome {
            violated,
            rto_s: match (r.outage_start_s, r.rto_seconds) {
                (None, _) => 0,
                (Some(_), Some(v)) => v,
                (Some(_), None) => u64::MAX,
            },
            // The failover's loss, as `drill rto` counts it; unknown when service never
            // came back, which sorts with "never", above every target (never as 0).
            rpo_s: r.failover_rpo_seconds.unwrap_or(u64::MAX),
            rpo_writes: r.failover_rpo_writes_lost.unwrap_or(u64::MAX),
        }
    }
    pub fn violates(&self, k: usize) -> bool {
        self.violated & (1 << k) != 0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pair {
    pub old: Outcome,
    pub new: Outcome,
}

/// Play one case with both runbook sets (timelines not recorded).
pub fn play(scenario: &Scenario, old: &[Runbook], new: &[Runbook]) -> Pair {
    Pair {
        old: Outcome::of(&engine::run(scenario, old, Options { record: false })),
        new: Outcome::of(&engine::run(scenario, new, Options { record: false })),
    }
}

/// Cases 0..n of the campaign `seed`, in case order.
pub fn run(
    source: &Source,
    old: &[Runbook],
    new: &[Runbook],
    seed: u64,
    cases: u64,
    jobs: usize,
) -> Vec<Pair> {
    debug_assert!(invariants::names().len() <= 32);
    let jobs = jobs.clamp(1, cases.max(1) as usize) as u64;
    let chunk = cases.div_ceil(jobs);
    let mut out = Vec::with_capacity(cases as usize);
    std::thread::scope(|sc| {
        let handles: Vec<_> = (0..jobs)
            .map(|t| {
                let (lo, hi) = (t * chunk, ((t + 1) * chunk).min(cases));
                sc.spawn(move || {
                    (lo..hi)
                        .map(|i| play(&source.case(seed, i), old, new))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            match h.join() {
                Ok(v) => out.extend(v),
                Err(e) => std::panic::resume_unwind(e),
            }
        }
    });
    out
}
