//! Monte Carlo over the timing model: run i of a campaign plays the scenario with its own
//! seed and fault-time jitter, on worker threads, and the samples are put back in run order
//! so the result does not depend on the thread count.

use serde::Serialize;
use sim::dist::Dist;
use sim::engine::{self, Options};
use sim::report::Report;
use sim::rng::Rng;
use sim::runbook::Runbook;
use sim::scenario::Scenario;

/// Jitter draws come from this stream of the run seed (the engine uses 1 and 100+phase).
const JITTER_STREAM: u64 = 200;

/// The scenario seed of run `i`: value-stable (the pinned xoshiro generator).
pub fn run_seed(campaign: u64, i: u64) -> u64 {
    Rng::child(campaign, i).next_u64()
}

/// The distribution every fault time and phase start is shifted by.
pub fn jitter_dist(s: &Scenario) -> Dist {
    s.timing.fault_jitter_s.clone().unwrap_or(Dist::Uniform {
        min: 0.0,
        // One second short of the interval: a shift of a whole interval repeats a shift of 0.
        max: s.log_shipping.backup_interval_s.saturating_sub(1) as f64,
    })
}

pub fn jitter_s(s: &Scenario, seed: u64) -> u64 {
    jitter_dist(s).sample(&mut Rng::child(seed, JITTER_STREAM))
}

/// The scenario as run `i` plays it: its seed, and every fault and phase start shifted.
pub fn scenario_for(base: &Scenario, campaign: u64, i: u64) -> (Scenario, u64) {
    let mut s = base.clone();
    let j = place(&mut s, base, campaign, i);
    (s, j)
}

/// Set `s` (a clone of `base`) up as run `i`, without allocating. Returns the jitter.
fn place(s: &mut Scenario, base: &Scenario, campaign: u64, i: u64) -> u64 {
    let seed = run_seed(campaign, i);
    let j = jitter_s(base, seed);
    s.seed = seed;
    // Faults timed after a phase move with that phase already.
    for (f, b) in s.faults.iter_mut().zip(&base.faults) {
        f.at_s = if b.after_phase.is_none() {
            b.at_s + j
        } else {
            b.at_s
        };
    }
    for (p, b) in s.phases.iter_mut().zip(&base.phases) {
        p.start_at_s = b.start_at_s + j;
    }
    j
}

/// What one run measured.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Sample {
    pub run: u64,
    pub seed: u64,
    pub jitter_s: u64,
    /// None: service was lost and never restored.
    pub rto_s: Option<u64>,
    pub rto_from_declaration_s: Option<u64>,
    /// None: the pool did not serve at the end, so the loss is unknown (the report says why).
    pub rpo_writes: Option<u64>,
    pub rpo_s: Option<u64>,
    /// None: still down at the end of the run after a failback step.
    pub failback_s: Option<u64>,
    /// Whether the scenario lost service at all.
    pub outage: bool,
}

impl Sample {
    pub fn from_report(run: u64, jitter_s: u64, r: &Report) -> Sample {
        Sample {
            run,
            seed: r.seed,
            jitter_s,
            rto_s: r.rto_seconds,
            rto_from_declaration_s: r.rto_from_declaration_seconds,
            // The failover's RPO, measured when service came back (it pairs with the RTO);
            // unknown when service never came back.
            rpo_writes: r.failover_rpo_writes_lost,
            rpo_s: r.failover_rpo_seconds,
            failback_s: r.failback_downtime_seconds,
            outage: r.outage_start_s.is_some(),
        }
    }

    /// RTO for ordering: never restored sorts last; no outage counts as 0.
    pub fn rto_key(&self) -> u64 {
        match (self.outage, self.rto_s) {
            (false, _) => 0,
            (true, Some(v)) => v,
            (true, None) => u64::MAX,
        }
    }
}

/// Run `runs` Monte Carlo runs on `threads` threads. Same inputs, same samples.
pub fn run(
    base: &Scenario,
    runbooks: &[Runbook],
    campaign: u64,
    runs: u64,
    threads: usize,
) -> Vec<Sample> {
    let threads = threads.clamp(1, runs.max(1) as usize) as u64;
    let chunk = runs.div_ceil(threads);
    let mut out: Vec<Sample> = Vec::with_capacity(runs as usize);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (lo, hi) = (t * chunk, ((t + 1) * chunk).min(runs));
                scope.spawn(move || {
                    let mut s = base.clone();
                    (lo..hi)
                        .map(|i| {
                            let j = place(&mut s, base, campaign, i);
                            let r = engine::run(&s, runbooks, Options { record: false });
                            Sample::from_report(i, j, &r)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        // Joined in thread order = run order.
        for h in handles {
            match h.join() {
                Ok(v) => out.extend(v),
                Err(e) => std::panic::resume_unwind(e),
            }
        }
    });
    out
}

/// min, p50, p90, p95, p99 and max by nearest rank (the smallest value with at least p% of
/// the samples at or below it). `None` is "never" (service not restored).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub min: Option<u64>,
    pub p50: Option<u64>,
    pub p90: Option<u64>,
    pub p95: Option<u64>,
    pub p99: Option<u64>,
    pub max: Option<u64>,
}

pub const PERCENTILES: [(&str, f64); 6] = [
    ("min", 0.0),
    ("p50", 50.0),
    ("p90", 90.0),
    ("p95", 95.0),
    ("p99", 99.0),
    ("max", 100.0),
];

/// Nearest rank over sorted values; u64::MAX stands for never.
pub fn nearest_rank(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = ((p / 100.0) * n as f64).ceil().max(1.0) as usize;
    let v = sorted[rank.min(n) - 1];
    (v != u64::MAX).then_some(v)
}

impl Summary {
    pub fn of(mut values: Vec<u64>) -> Summary {
        values.sort_unstable();
        let q = |p| nearest_rank(&values, p);
        Summary {
            min: q(0.0),
            p50: q(50.0),
            p90: q(90.0),
            p95: q(95.0),
            p99: q(99.0),
            max: q(100.0),
        }
    }

    pub fn get(&self, name: &str) -> Option<u64> {
        match name {
            "min" => self.min,
            "p50" => self.p50,
            "p90" => self.p90,
            "p95" => self.p95,
            "p99" => self.p99,
            _ => self.max,
        }
    }
}

/// Run indices ordered by RTO (ties by run index): the median run and the worst run.
pub fn median_and_worst(samples: &[Sample]) -> Option<(usize, usize)> {
    if samples.is_empty() {
        return None;
    }
    let mut idx: Vec<usize> = (0..samples.len()).collect();
    idx.sort_by_key(|&k| (samples[k].rto_key(), samples[k].run));
    let rank = (0.5 * idx.len() as f64).ceil().max(1.0) as usize;
    Some((idx[rank - 1], idx[idx.len() - 1]))
}
