//! A campaign: cases 0..n, each a generated scenario played with `record: false`, spread
//! over threads in blocks claimed in order, so the cases that ran are always a prefix and
//! every result is independent of `--jobs`.

use super::gen::{self, Shape};
use sim::engine;
use sim::invariants;
use sim::rng::Rng;
use sim::runbook::Runbook;
use sim::scenario::Scenario;
use sim::world::Coverage;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// The `sometimes` properties reported as coverage ([`Coverage::NAMES`]).
pub const COVERAGE: [&str; 10] = Coverage::NAMES;

/// The seed of case `i` of a campaign.
pub fn case_seed(campaign: u64, i: u64) -> u64 {
    Rng::child(campaign, i.wrapping_add(1)).next_u64()
}

pub fn scenario(shape: &Shape, campaign: u64, i: u64) -> Scenario {
    let seed = case_seed(campaign, i);
    gen::build(shape, &gen::draw_direct(seed), seed)
}

#[derive(Clone, Debug, Default)]
pub struct Tally {
    pub cases: u64,
    /// Per invariant (invariants::names() order): violating cases, first violating case.
    pub violations: Vec<u64>,
    pub first: Vec<Option<u64>>,
    pub coverage: [u64; 10],
    /// Events the cases' runs handled one by one, and log-shipping job runs they advanced
    /// in closed form over quiet periods (sim::quiet): the cost counters `drill fuzz`
    /// prints on stderr.
    pub events: u64,
    pub quiet_job_runs: u64,
    /// Of the events, job runs played between two other events without the event loop's
    /// round trip (log shipping on differing schedules).
    pub shipped_job_runs: u64,
}

impl Tally {
    fn new() -> Tally {
        let n = invariants::names().len();
        Tally {
            violations: vec![0; n],
            first: vec![None; n],
            ..Tally::default()
        }
    }
    fn merge(&mut self, o: &Tally) {
        self.cases += o.cases;
        for i in 0..self.violations.len() {
            self.violations[i] += o.violations[i];
            self.first[i] = match (self.first[i], o.first[i]) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        for k in 0..10 {
            self.coverage[k] += o.coverage[k];
        }
        self.events += o.events;
        self.quiet_job_runs += o.quiet_job_runs;
        self.shipped_job_runs += o.shipped_job_runs;
    }
}

pub struct Plan<'a> {
    pub shape: &'a Shape,
    pub runbooks: &'a [Runbook],
    pub seed: u64,
    pub cases: u64,
    pub jobs: usize,
    pub deadline: Option<Instant>,
    /// Called with the number of cases finished so far.
    pub progress: &'a (dyn Fn(u64) + Sync),
}

const BLOCK: u64 = 256;
/// The smallest block, claimed near the end of a campaign.
const MIN_BLOCK: u64 = 16;

/// Claim the next block of `count` cases from `next`: `BLOCK` cases, fewer near the end (a
/// quarter of what is left per worker, down to `MIN_BLOCK`) so that the workers finish
/// about together instead of one idling while the other plays a whole block. Blocks are
/// still claimed in order, and which worker plays a case changes no result (the tally
/// adds up, and keeps the lowest first violation).
fn claim(next: &AtomicU64, count: u64, jobs: u64) -> Option<std::ops::Range<u64>> {
    let mut a = next.load(Ordering::Relaxed);
    loop {
        if a >= count {
            return None;
        }
        let left = count - a;
        let size = (left / (4 * jobs)).clamp(MIN_BLOCK, BLOCK).min(left);
        match next.compare_exchange_weak(a, a + size, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return Some(a..a + size),
            Err(now) => a = now,
        }
    }
}

pub fn run(p: &Plan) -> Tally {
    run_cases(p, p.cases, |k| k)
}

/// Play `count` cases of the campaign, the k-th being campaign case `case(k)` (its seed and
/// its number in the tally): all of them (`run`), or a shard's (`shard::run`).
pub fn run_cases(p: &Plan, count: u64, case: impl Fn(u64) -> u64 + Sync) -> Tally {
    let next = AtomicU64::new(0);
    let done = AtomicU64::new(0);
    let total = Mutex::new(Tally::new());
    std::thread::scope(|sc| {
        for _ in 0..p.jobs.max(1) {
            sc.spawn(|| {
                // The run's vectors, allocated once per worker.
                let mut scratch = engine::Scratch::default();
                let mut t = Tally::new();
                loop {
                    if p.deadline.is_some_and(|d| Instant::now() >= d) {
                        break;
                    }
                    let Some(block) = claim(&next, count, p.jobs.max(1) as u64) else {
                        break;
                    };
                    let (a, b) = (block.start, block.end);
                    for i in (a..b).map(&case) {
                        let seed = case_seed(p.seed, i);
                        // proptest's draw, without its value trees (see `draw_direct`).
                        let s = gen::build(p.shape, &gen::draw_direct(seed), seed);
                        // Only verdicts and coverage: the report is built for the few
                        // counterexamples, replayed after the campaign.
                        let r = engine::run_verdicts_in(&mut scratch, &s, p.runbooks);
                        t.cases += 1;
                        t.events += r.stats.events;
                        t.quiet_job_runs += r.stats.quiet_job_runs;
                        t.shipped_job_runs += r.stats.shipped_job_runs;
                        for k in 0..t.violations.len() {
                            if !r.holds(k) {
                                t.violations[k] += 1;
                                if t.first[k].is_none_or(|f| i < f) {
                                    t.first[k] = Some(i);
                                }
                            }
                        }
                        for (k, on) in r.coverage.flags().iter().enumerate() {
                            t.coverage[k] += u64::from(*on);
                        }
                    }
                    (p.progress)(done.fetch_add(b - a, Ordering::Relaxed) + (b - a));
                }
                total.lock().expect("no thread panics holding it").merge(&t);
            });
        }
    });
    total.into_inner().expect("no thread panicked")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Claimed one after another, the blocks cover the cases once each, in order, whole
    /// blocks while much is left and smaller ones (never below the minimum but at the very
    /// end) near the end.
    #[test]
    fn blocks_cover_the_cases_in_order_smaller_near_the_end() {
        for (count, jobs) in [
            (0, 1),
            (5, 2),
            (300, 2),
            (100_000, 2),
            (100_000, 1),
            (777, 3),
        ] {
            let next = AtomicU64::new(0);
            let mut sizes = Vec::new();
            let mut end = 0;
            while let Some(b) = claim(&next, count, jobs) {
                assert_eq!(b.start, end);
                assert!(!b.is_empty() && b.end <= count);
                end = b.end;
                sizes.push(b.end - b.start);
            }
            assert_eq!(end, count);
            let (last, rest) = sizes.split_last().map_or((0, &[][..]), |(l, r)| (*l, r));
            assert!(last <= BLOCK);
            assert!(rest.iter().all(|&n| (MIN_BLOCK..=BLOCK).contains(&n)));
            if count >= 100_000 {
                assert_eq!(sizes[0], BLOCK);
                assert!(last <= MIN_BLOCK, "{last}");
            }
        }
    }
}
