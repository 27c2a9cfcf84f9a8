//! Monte Carlo over the timing model: run i of a campaign plays the scenario with its own
//! seed and fault-time jitter, on worker threads, and the samples are put back in run order
//! so the result does not depend on the thread count.

use super::counts::{Counts, NEVER};
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
            b.at_s.saturating_add(j)
        } else {
            b.at_s
        };
    }
    for (p, b) in s.phases.iter_mut().zip(&base.phases) {
        p.start_at_s = b.start_at_s.saturating_add(j);
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

/// What a campaign keeps of its runs: counts per value (bounded memory, see counts.rs), the
/// runs over each target, counted as they come, and the tallies of "never" and "no outage".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub runs: u64,
    /// RTO as ordered by [`Sample::rto_key`] (never = NEVER, no outage = 0).
    pub rto: Counts,
    pub rto_from_declaration: Counts,
    pub rpo_writes: Counts,
    pub rpo_s: Counts,
    pub failback_s: Counts,
    pub never_restored: u64,
    pub no_outage: u64,
    /// Runs whose RPO is unknown (service never restored) and runs still down after a
    /// failback step at the end: their percentiles are over the other runs.
    pub rpo_unknown: u64,
    pub failback_unknown: u64,
    /// (target, runs over it) for the scenario's RTO and RPO targets.
    pub rto_over: Option<(u64, u64)>,
    pub rpo_over: Option<(u64, u64)>,
    /// The first run (by index) that exceeded the engine's budget, and why: the campaign's
    /// figures are then not reported.
    pub exceeded: Option<(u64, String)>,
}

impl Tally {
    pub fn new(rto_target: Option<u64>, rpo_target: Option<u64>) -> Tally {
        Tally {
            rto_over: rto_target.map(|t| (t, 0)),
            rpo_over: rpo_target.map(|t| (t, 0)),
            ..Tally::default()
        }
    }

    pub fn add(&mut self, s: &Sample) {
        let run = s.run;
        self.runs += 1;
        let rto = s.rto_key();
        self.rto.add(rto, run);
        let decl = match s.rto_from_declaration_s {
            Some(v) => v,
            None if !s.outage => 0,
            None => NEVER,
        };
        self.rto_from_declaration.add(decl, run);
        if let (Some(w), Some(r)) = (s.rpo_writes, s.rpo_s) {
            self.rpo_writes.add(w, run);
            self.rpo_s.add(r, run);
        }
        if let Some(f) = s.failback_s {
            self.failback_s.add(f, run);
        }
        self.rpo_unknown += u64::from(s.rpo_s.is_none());
        self.failback_unknown += u64::from(s.failback_s.is_none());
        self.never_restored += u64::from(s.outage && s.rto_s.is_none());
        self.no_outage += u64::from(!s.outage);
        if let Some((t, n)) = &mut self.rto_over {
            *n += u64::from(rto > *t);
        }
        if let Some((t, n)) = &mut self.rpo_over {
            // Counted over the runs whose RPO is known.
            *n += u64::from(s.rpo_s.is_some_and(|v| v > *t));
        }
    }

    pub fn merge(&mut self, o: &Tally) {
        self.runs += o.runs;
        self.rto.merge(&o.rto);
        self.rto_from_declaration.merge(&o.rto_from_declaration);
        self.rpo_writes.merge(&o.rpo_writes);
        self.rpo_s.merge(&o.rpo_s);
        self.failback_s.merge(&o.failback_s);
        self.never_restored += o.never_restored;
        self.no_outage += o.no_outage;
        self.rpo_unknown += o.rpo_unknown;
        self.failback_unknown += o.failback_unknown;
        for (mine, theirs) in [
            (&mut self.rto_over, &o.rto_over),
            (&mut self.rpo_over, &o.rpo_over),
        ] {
            if let (Some((_, n)), Some((_, m))) = (mine, theirs) {
                *n += m;
            }
        }
        if let Some((run, e)) = &o.exceeded {
            if self.exceeded.as_ref().is_none_or(|(r, _)| run < r) {
                self.exceeded = Some((*run, e.clone()));
            }
        }
    }

    /// The median run (the first run, in run order, whose RTO is the nearest-rank median)
    /// and the worst run (the last run with the highest RTO, "never" highest).
    pub fn median_and_worst(&self) -> Option<(u64, u64)> {
        let (_, m) = self.rto.at_rank(50.0)?;
        let (_, w) = self.rto.last()?;
        Some((m.first_run, w.last_run))
    }
}

/// Run `runs` Monte Carlo runs on `threads` threads. Same inputs, same tally; memory does not
/// grow with `runs`.
pub fn run(
    base: &Scenario,
    runbooks: &[Runbook],
    campaign: u64,
    runs: u64,
    threads: usize,
) -> Tally {
    let threads = (threads.max(1) as u64).clamp(1, runs.max(1));
    let chunk = runs.div_ceil(threads);
    let empty = Tally::new(base.rto_target_s, base.rpo_target_s);
    let mut out = empty.clone();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (lo, hi) = (t * chunk, ((t + 1) * chunk).min(runs));
                let mut tally = empty.clone();
                scope.spawn(move || {
                    let mut s = base.clone();
                    for i in lo..hi {
                        let j = place(&mut s, base, campaign, i);
                        match engine::run_checked(&s, runbooks, Options { record: false }) {
                            Ok(r) => tally.add(&Sample::from_report(i, j, &r)),
                            Err(e) => {
                                // Later runs of this part cannot come first: stop here.
                                tally.exceeded = Some((i, e.to_string()));
                                break;
                            }
                        }
                    }
                    tally
                })
            })
            .collect();
        for h in handles {
            match h.join() {
                Ok(t) => out.merge(&t),
                Err(e) => std::panic::resume_unwind(e),
            }
        }
    });
    out
}

/// Replay run `i` of a campaign: its sample and its full report.
pub fn replay(base: &Scenario, runbooks: &[Runbook], campaign: u64, i: u64) -> (Sample, Report) {
    let (s, j) = scenario_for(base, campaign, i);
    let r = engine::run(&s, runbooks, Options { record: true });
    (Sample::from_report(i, j, &r), r)
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

impl Summary {
    pub fn of(c: &Counts) -> Summary {
        let q = |p| c.percentile(p);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tally_does_not_depend_on_the_thread_count() {
        let l = crate::load::load(None).unwrap();
        let one = run(&l.scenario, &l.runbooks, 7, 40, 1);
        let three = run(&l.scenario, &l.runbooks, 7, 40, 3);
        assert_eq!(one, three);
        assert_eq!(one.runs, 40);
        // The median run has the median RTO, and is the first such run.
        let (m, w) = one.median_and_worst().unwrap();
        let rto =
            |i| Sample::from_report(i, 0, &replay(&l.scenario, &l.runbooks, 7, i).1).rto_key();
        let p50 = one.rto.at_rank(50.0).unwrap().0;
        assert_eq!(rto(m), p50);
        assert!((0..m).all(|i| rto(i) != p50));
        assert_eq!(rto(w), one.rto.last().unwrap().0);
    }
}
