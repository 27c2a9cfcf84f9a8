//! The deterministic event loop: faults, log-shipping jobs and runbook steps on one
//! simulated clock, invariants checked after every event, measures taken on the way.

use crate::assumptions::{InForce, Name};
use crate::backups::best_reachable_redo;
use crate::command::command;
use crate::describe::{describe_effect, describe_fault};
use crate::fault::{Fault, Job};
use crate::invariants::{self, Ctx, StepCtx};
use crate::jobs::{self, JobOutcome};
use crate::observe::observe;
use crate::quiet::{self, Schedule};
use crate::ranges::RangeSet;
use crate::report::*;
use crate::rng::Rng;
use crate::runbook::{Action, OnError, Runbook};
use crate::scenario::{DeviationKind, Scenario};
use crate::steps;
use crate::timing::work_s;
use crate::topology::{Db, Instance};
use crate::world::World;
use std::borrow::Cow;
use std::cmp::Reverse;
use std::sync::Arc;

/// No run goes past 60 simulated days, whatever the scenario says.
pub const HORIZON_S: u64 = 60 * 86_400;

/// The work one run may do: each event costs 1, and a log-shipping job also 1 per backup
/// file it looks at (jobs scan the share). The shipped scenarios use well under 1 % of it;
/// a schedule of 1-second jobs over days would take minutes and gigabytes without it.
pub const WORK_BUDGET: u64 = 100_000_000;
/// Timeline entries one recorded run may produce (the output budget): the shipped
/// scenarios produce a few hundred.
pub const TIMELINE_BUDGET: usize = 20_000;

/// A run stopped because it would have exceeded a budget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BudgetExceeded {
    /// Simulated time when the run was stopped.
    pub at_s: u64,
    pub message: String,
}

impl std::fmt::Display for BudgetExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Keep the readable timeline and an observation after every step (slower).
    pub record: bool,
}

/// The violations found so far, a slot per invariant: shared between a state and its
/// copies (the explorer copies a state for every successor, and a violation is found
/// once on a path), copied only when one of them finds another.
type Violations = Arc<Vec<Option<Violation>>>;

/// Eight bytes, moved as one word: phases (at most `MAX_PHASES`) and a plan's steps (a
/// runbook's `MAX_STEPS` and a scenario's `MAX_DEVIATIONS`) fit in 16 bits. At twelve
/// bytes the event loop copied it in pieces and read it back whole, a stalled load for
/// every event taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Fault(u32),
    Job(u8),
    PhaseStart(u16),
    StepEnd(u16, u16),
    /// Run a failed step again (on_error retry).
    StepRetry(u16, u16),
    End,
}

const _: () = assert!(std::mem::size_of::<Ev>() == 8);
const _: () = assert!(crate::scenario::MAX_PHASES <= 1 << 16);
const _: () = assert!(crate::runbook::MAX_STEPS + crate::scenario::MAX_DEVIATIONS <= 1 << 16);

/// What the event loop does after taking an event.
enum Taken {
    Next,
    /// The run is over: its end, the horizon, or a budget it would exceed.
    Over(Option<BudgetExceeded>),
}

/// A step as it will be played, after the scenario's deviations.
#[derive(Clone, Debug)]
pub struct Planned {
    pub src: usize,
    pub action: Option<Action>,
    pub extra_delay_s: u64,
}

impl Planned {
    /// The action it plays in runbook `rb`: its own (a deviation's), else its step's.
    pub fn action_in<'a>(&'a self, rb: &'a Runbook) -> &'a Action {
        self.action.as_ref().unwrap_or(&rb.steps[self.src].action)
    }

    /// Whether it plays as `other` does in runbook `rb`: the same step, action and extra
    /// delay.
    pub fn plays_like(&self, other: &Planned, rb: &Runbook) -> bool {
        self.src == other.src
            && self.extra_delay_s == other.extra_delay_s
            && self.action_in(rb) == other.action_in(rb)
    }
}

/// Apply the operator deviations to a phase's steps.
pub fn plan_phase(s: &Scenario, phase: usize, rb: &Runbook) -> Vec<Planned> {
    let mut out: Vec<Planned> = (0..rb.steps.len())
        .map(|src| Planned {
            src,
            action: None,
            extra_delay_s: 0,
        })
        .collect();
    for d in s.deviations.iter().filter(|d| d.phase == phase) {
        let Some(pos) = out.iter().position(|p| rb.steps[p.src].id == d.step) else {
            continue;
        };
        match &d.kind {
            DeviationKind::Skip => {
                out.remove(pos);
            }
            DeviationKind::Repeat => {
                let p = out[pos].clone();
                out.insert(pos + 1, p);
            }
            DeviationKind::Delay { seconds } => out[pos].extra_delay_s += seconds,
            DeviationKind::SwapWithNext => {
                if pos + 1 < out.len() {
                    out.swap(pos, pos + 1);
                }
            }
            DeviationKind::WrongInstance { instance } => {
                let mut a = rb.steps[out[pos].src].action.clone();
                if a.set_instance(*instance) {
                    out[pos].action = Some(a);
                }
            }
        }
    }
    out
}

/// Whether `plans` are the runbooks' own plans (what `plan_phase` gives without deviations).
fn own_plans(plans: &[Vec<Planned>], runbooks: &[Runbook]) -> bool {
    plans.len() == runbooks.len()
        && plans.iter().zip(runbooks).all(|(plan, rb)| {
            plan.len() == rb.steps.len()
                && plan
                    .iter()
                    .enumerate()
                    .all(|(i, p)| p.src == i && p.action.is_none() && p.extra_delay_s == 0)
        })
}

#[derive(Clone)]
struct Down {
    since: u64,
    /// Caused by a step of phase n (Some) or by a fault (None).
    phase: Option<usize>,
}

/// What a run cost: events the loop handled, and log-shipping job runs accounted in closed
/// form over quiet periods instead (see [`crate::quiet`]). Not part of the report: the
/// report is the same with or without quiet periods.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Events handled one by one (faults, job runs, phase starts, steps, the end).
    pub events: u64,
    /// Of those, log-shipping job runs.
    pub job_events: u64,
    /// Of those, runs played between two other events without the loop's round trip or
    /// the jobs' scans (log shipping on differing schedules: `Sim::ship_runs`).
    pub shipped_job_runs: u64,
    /// Quiet periods advanced in closed form.
    pub quiet_periods: u64,
    /// Job runs those quiet periods stood for.
    pub quiet_job_runs: u64,
}

/// Play a scenario. A run that exceeds a budget is cut short there (see [`run_checked`]).
pub fn run(s: &Scenario, runbooks: &[Runbook], opts: Options) -> Report {
    Sim::new(s, runbooks, opts).run().0
}

/// Play a scenario and say what it cost ([`Stats`]).
pub fn run_with_stats(s: &Scenario, runbooks: &[Runbook], opts: Options) -> (Report, Stats) {
    let (r, _, st) = Sim::new(s, runbooks, opts).run();
    (r, st)
}

/// What a campaign needs of a run: the invariants it violated and the coverage, without
/// building the report (its strings and records are most of a fast run's allocations).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdicts {
    /// Bit k set: invariant k (in [`invariants::names`] order) is violated.
    pub violated: u64,
    pub coverage: crate::world::Coverage,
    /// What the run cost.
    pub stats: Stats,
}

impl Verdicts {
    pub fn holds(&self, k: usize) -> bool {
        self.violated & (1 << k) == 0
    }
}

/// Play a scenario without recording and return only its [`Verdicts`]: the same verdicts
/// and coverage as [`run`]'s report.
pub fn run_verdicts(s: &Scenario, runbooks: &[Runbook]) -> Verdicts {
    run_verdicts_in(&mut Scratch::default(), s, runbooks)
}

/// The vectors a run grows (backup files, acknowledgements, the event heap, the shipping
/// lists) or allocates (the violations found), kept between runs so that a campaign worker
/// allocates them once, not per case, and the runbooks' own plans (shared, never changed).
/// Holds nothing a run reads unchecked: each run clears the vectors it takes, and reuses
/// the plans only where they are the ones it would build.
#[derive(Default)]
pub struct Scratch {
    files: crate::files::Files,
    acks: Vec<crate::world::AckSegment>,
    q: Events,
    pending: jobs::Pending,
    violations: Violations,
    /// The last run's plans, kept for the next run when they are the runbooks' own.
    plans: Option<std::sync::Arc<[Vec<Planned>]>>,
}

/// The pending events other than job runs, as (time, scheduling sequence, event): the
/// earliest first by time, then by sequence (sequences differ). Kept sorted with the
/// earliest at the end, where it is taken: a case has about ten pending at once (its timed
/// faults, the end, the next phase or step) and takes the earliest about ten times, and a
/// new step's end is usually the earliest, so it goes in at the end too. (A binary heap
/// took 220 instructions a pop to sift a 32-byte element down and up again.) Its order
/// beyond the earliest is not observable: `Stepper` reads the pending events as a set.
#[derive(Clone, Default)]
struct Events(Vec<Reverse<(u64, u64, Ev)>>);

/// (time, seq) as one number, ordered as the pair.
#[inline(always)]
fn key((t, seq): (u64, u64)) -> u128 {
    (u128::from(t) << 64) | u128::from(seq)
}

/// Which of the three jobs' next runs comes first: the earliest, ties by scheduling order
/// (seqs differ). As one number each, (time, seq) compare without branches on their order,
/// which follows the three schedules and mispredicts often.
#[inline(always)]
fn earliest(n: &[(u64, u64); 3]) -> usize {
    first_of(key(n[0]), key(n[1]), key(n[2])).0
}

/// The earliest of three (time, seq) keys and its index.
#[inline(always)]
fn first_of(k0: u128, k1: u128, k2: u128) -> (usize, u128) {
    let (a, ka) = if k0 <= k1 { (0, k0) } else { (1, k1) };
    if ka <= k2 {
        (a, ka)
    } else {
        (2, k2)
    }
}

impl Events {
    /// Insert, the latest first: before the entries that come before it (as the heap
    /// ordered them, `Reverse` of the tuple, the earliest greatest).
    fn push(&mut self, e: Reverse<(u64, u64, Ev)>) {
        // (time, seq) as one number: the sequences differ, so they decide the order alone.
        let k = key((e.0 .0, e.0 .1));
        let mut i = self.0.len();
        while i > 0 && key((self.0[i - 1].0 .0, self.0[i - 1].0 .1)) < k {
            i -= 1;
        }
        self.0.insert(i, e);
    }

    /// The earliest, taken.
    fn pop(&mut self) -> Option<Reverse<(u64, u64, Ev)>> {
        self.0.pop()
    }

    /// The earliest.
    fn peek(&self) -> Option<&Reverse<(u64, u64, Ev)>> {
        self.0.last()
    }

    fn iter(&self) -> std::slice::Iter<'_, Reverse<(u64, u64, Ev)>> {
        self.0.iter()
    }

    /// In place: for a change that keeps the order ((time, sequence) decides it alone).
    fn iter_mut(&mut self) -> std::slice::IterMut<'_, Reverse<(u64, u64, Ev)>> {
        self.0.iter_mut()
    }

    fn as_slice(&self) -> &[Reverse<(u64, u64, Ev)>] {
        &self.0
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn clear(&mut self) {
        self.0.clear();
    }

    fn reserve(&mut self, n: usize) {
        self.0.reserve(n);
    }
}

#[cfg(test)]
mod events_tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BinaryHeap;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// The sorted queue takes the events in the order the binary heap it replaced took
        /// them, pushes and pops interleaved (times with ties; sequences differ, as the
        /// loop numbers them).
        #[test]
        fn events_come_out_as_from_the_heap(
            ops in proptest::collection::vec((any::<bool>(), 0u64..20, 0u8..6), 0..80),
        ) {
            let mut q = Events::default();
            let mut heap = BinaryHeap::new();
            for (seq, &(pop, t, kind)) in ops.iter().enumerate() {
                if pop {
                    prop_assert_eq!(q.pop(), heap.pop());
                } else {
                    let ev = match kind {
                        0 => Ev::Fault(u32::from(kind)),
                        1 => Ev::PhaseStart(1),
                        2 => Ev::StepEnd(0, 3),
                        3 => Ev::StepRetry(1, 2),
                        4 => Ev::Job(1),
                        _ => Ev::End,
                    };
                    let e = Reverse((t, seq as u64, ev));
                    q.push(e);
                    heap.push(e);
                }
                prop_assert_eq!(q.peek(), heap.peek());
                prop_assert_eq!(q.len(), heap.len());
            }
            let mut rest = Vec::new();
            while let Some(e) = heap.pop() {
                rest.push(e);
            }
            rest.reverse();
            prop_assert_eq!(q.as_slice(), rest.as_slice());
        }
    }
}

/// [`run_verdicts`] with the vectors of `scratch` (and left there for the next run).
pub fn run_verdicts_in(scratch: &mut Scratch, s: &Scenario, runbooks: &[Runbook]) -> Verdicts {
    let mut sim = Sim::new_in(
        s,
        runbooks,
        Options { record: false },
        std::mem::take(scratch),
    );
    sim.keep_steps = false;
    sim.play();
    let v = sim.verdicts();
    *scratch = sim.into_scratch();
    v
}

/// Play a scenario with every job run handled as an event (no quiet periods): the
/// reference the closed form is tested against.
pub fn run_event_by_event(s: &Scenario, runbooks: &[Runbook], opts: Options) -> (Report, Stats) {
    let mut sim = Sim::new(s, runbooks, opts);
    sim.quiet = false;
    let (r, _, st) = sim.run();
    (r, st)
}

/// Play a scenario, or say which budget ([`WORK_BUDGET`], [`TIMELINE_BUDGET`]) it exceeded.
pub fn run_checked(
    s: &Scenario,
    runbooks: &[Runbook],
    opts: Options,
) -> Result<Report, BudgetExceeded> {
    match Sim::new(s, runbooks, opts).run() {
        (r, None, _) => Ok(r),
        (_, Some(e), _) => Err(e),
    }
}

#[derive(Clone)]
struct Sim<'a> {
    s: &'a Scenario,
    runbooks: &'a [Runbook],
    opts: Options,
    w: World,
    q: Events,
    seq: u64,
    /// The three log-shipping jobs' next runs as (time, seq), kept out of the heap: they are
    /// most of the events, and their schedule is periodic.
    jobs_next: [(u64, u64); 3],
    /// Retries of the current step so far.
    retries: u32,
    rng: Rng,
    /// Shared between a run's clones (`drill explore`): fixed when the run starts.
    plans: std::sync::Arc<[Vec<Planned>]>,
    step_started: u64,
    step_op: u64,
    step_work: u64,
    last_fault_at: u64,
    end_at: Option<u64>,
    violations: Violations,
    timeline: Vec<Entry>,
    steps: Vec<StepRecord>,
    serving: bool,
    down: Option<Down>,
    outage_start: Option<u64>,
    restored_at: Option<u64>,
    declared_at: Option<u64>,
    failback_down_s: u64,
    /// Service lost by a failback step and not back at the end.
    failback_open_since: Option<u64>,
    /// (writes lost, window) when service came back after the outage.
    restored_rpo: Option<(u64, u64)>,
    compliance_at_risk: u64,
    failed_steps: Vec<String>,
    /// Work done so far, against WORK_BUDGET.
    work: u64,
    /// Advance quiet periods in closed form (never while recording: the timeline lists
    /// every job run that did something).
    quiet: bool,
    /// Keep the step records (the report's `steps`): not when only the verdicts are wanted.
    keep_steps: bool,
    /// The files the copy and restore jobs would act on, for `ship_runs` (kept for its
    /// allocation only: scanned afresh each time).
    pending: jobs::Pending,
    stats: Stats,
}

impl<'a> Sim<'a> {
    fn new(s: &'a Scenario, runbooks: &'a [Runbook], opts: Options) -> Self {
        Sim::new_in(s, runbooks, opts, Scratch::default())
    }

    fn new_in(s: &'a Scenario, runbooks: &'a [Runbook], opts: Options, scratch: Scratch) -> Self {
        let Scratch {
            mut files,
            mut acks,
            mut q,
            mut pending,
            mut violations,
            plans,
        } = scratch;
        // Without deviations a phase's plan is its runbook's steps in order, unchanged: an
        // earlier run's plans that are exactly that (checked step by step) are these.
        let plans = match plans {
            Some(p) if s.deviations.is_empty() && own_plans(&p, runbooks) => p,
            _ => runbooks
                .iter()
                .enumerate()
                .map(|(i, rb)| plan_phase(s, i, rb))
                .collect(),
        };
        let mut w = World::new(s);
        // World::new starts both empty: the same, in the vectors of an earlier run.
        debug_assert!(w.files.is_empty() && w.acks.is_empty());
        files.clear();
        acks.clear();
        q.clear();
        // A run appends a backup file per log backup (a few dozen in a fuzz case): one
        // allocation up front instead of a growing copy.
        files.reserve(64);
        q.reserve(16);
        pending.reset(32);
        // One slot per invariant, all empty: an earlier run's that found no violation are.
        let slots = invariants::SAFETY.len() + invariants::LIVENESS.len();
        if violations.len() != slots || violations.iter().any(Option::is_some) {
            let v = Arc::make_mut(&mut violations);
            v.clear();
            v.resize(slots, None);
        }
        w.files = files;
        w.acks = acks;
        Sim {
            s,
            runbooks,
            opts,
            w,
            q,
            seq: 0,
            jobs_next: [(u64::MAX, u64::MAX); 3],
            retries: 0,
            rng: Rng::child(s.seed, 1),
            plans,
            step_started: 0,
            step_op: 0,
            step_work: 0,
            last_fault_at: s
                .faults
                .iter()
                .filter(|f| f.after_phase.is_none())
                .map(|f| f.at_s)
                .max()
                .unwrap_or(0),
            end_at: None,
            violations,
            timeline: Vec::new(),
            steps: Vec::new(),
            serving: true,
            down: None,
            outage_start: None,
            restored_at: None,
            declared_at: None,
            failback_down_s: 0,
            failback_open_since: None,
            restored_rpo: None,
            compliance_at_risk: 0,
            failed_steps: Vec::new(),
            work: 0,
            quiet: !opts.record,
            keep_steps: true,
            pending,
            stats: Stats::default(),
        }
    }

    fn push(&mut self, t: u64, ev: Ev) {
        self.seq += 1;
        self.q.push(Reverse((t, self.seq, ev)));
    }

    fn run(mut self) -> (Report, Option<BudgetExceeded>, Stats) {
        let exceeded = self.play();
        let stats = self.stats;
        (self.report(), exceeded, stats)
    }

    /// The vectors to keep for the next run.
    fn into_scratch(self) -> Scratch {
        Scratch {
            files: self.w.files,
            acks: self.w.acks,
            q: self.q,
            pending: self.pending,
            violations: self.violations,
            plans: Some(self.plans),
        }
    }

    /// The verdicts and coverage `report` would give.
    fn verdicts(&mut self) -> Verdicts {
        self.note_writes_lost();
        let mut violated = 0;
        for (k, v) in self.violations.iter().enumerate() {
            if v.is_some() {
                violated |= 1 << k;
            }
        }
        Verdicts {
            violated,
            coverage: self.w.coverage,
            stats: self.stats,
        }
    }

    /// Coverage: acknowledged writes missing from the copy the pool points at, at the end.
    fn note_writes_lost(&mut self) {
        let target = self.w.pool_target();
        if !self
            .w
            .acknowledged()
            .minus(&self.w.db(target, Db::Mgc).writes)
            .is_empty()
        {
            self.w.coverage.writes_lost = true;
        }
    }

    fn play(&mut self) -> Option<BudgetExceeded> {
        self.schedule_start();
        while let Some((t, ev)) = self.next_event() {
            // A job run is only looked at, not taken, by next_event: skipping it and the
            // quiet runs after it leaves the loop to take what comes next.
            if matches!(ev, Ev::Job(_)) && self.quiet && (self.skip_quiet(t) || self.ship_runs()) {
                continue;
            }
            if let Taken::Over(exceeded) = self.take(t, ev) {
                return exceeded;
            }
        }
        None
    }

    /// What a run has scheduled before anything happens: the scenario's timed faults, the
    /// three jobs' first runs, the first phase (or the end when there is none).
    fn schedule_start(&mut self) {
        for (i, f) in self.s.faults.iter().enumerate() {
            if f.after_phase.is_none() {
                self.push(f.at_s, Ev::Fault(i as u32));
            }
        }
        let ls = &self.s.log_shipping;
        let (b, c, r) = (ls.backup_interval_s, ls.copy_offset_s, ls.restore_offset_s);
        for (j, first) in [b, c.max(1), r.max(1)].into_iter().enumerate() {
            self.schedule_job(j, first);
        }
        if self.s.phases.is_empty() || self.runbooks.is_empty() {
            self.schedule_end(0);
        } else {
            self.schedule_phase(0, 0);
        }
    }

    /// Play one event the loop took (the body of the event loop, shared with [`Stepper`]).
    fn take(&mut self, t: u64, ev: Ev) -> Taken {
        if t > HORIZON_S {
            return Taken::Over(None);
        }
        self.stats.events += 1;
        self.work += 1;
        if let Ev::Job(_) = ev {
            self.work += self.w.files.len() as u64;
            self.stats.job_events += 1;
        }
        if self.work > WORK_BUDGET {
            return Taken::Over(Some(BudgetExceeded {
                at_s: t,
                message: format!(
                    "the run exceeded its work budget ({WORK_BUDGET} events and backup files scanned) at simulated {}; expected a scenario of realistic size (log-shipping schedules of minutes, not seconds, over days; see docs/formats.md)",
                    day_hms(t)
                ),
            }));
        }
        if self.timeline.len() > TIMELINE_BUDGET {
            return Taken::Over(Some(BudgetExceeded {
                at_s: t,
                message: format!(
                    "the run's timeline exceeded its output budget ({TIMELINE_BUDGET} entries) at simulated {}; expected a scenario of realistic size (see docs/formats.md)",
                    hms(t)
                ),
            }));
        }
        // Copy and restore jobs neither read nor move the writing copies, and the
        // workload adds up the same over a longer interval: account it later.
        if !matches!(ev, Ev::Job(1) | Ev::Job(2)) {
            self.w.advance_workload(t);
        }
        self.w.now = t;
        if matches!(ev, Ev::End) {
            self.finish_liveness(t);
            return Taken::Over(None);
        }
        let step_ctx = self.handle(t, ev);
        // A job changes no server, connection, role or pool state: nothing to re-check.
        if !matches!(ev, Ev::Job(_)) {
            self.after_event(t, ev, step_ctx);
        }
        Taken::Next
    }

    /// Account in closed form the job runs from `t` (the earliest event) up to whatever
    /// comes next: a heap event, the horizon, or the first run that would change the
    /// world. Returns false, having changed nothing, when that is not worth it or not exact.
    fn skip_quiet(&mut self, t: u64) -> bool {
        let ls = &self.s.log_shipping;
        let intervals = [
            ls.backup_interval_s,
            ls.copy_interval_s,
            ls.restore_interval_s,
        ];
        if intervals.contains(&0) {
            return false;
        }
        let sched: [Schedule; 3] = std::array::from_fn(|j| Schedule {
            next: self.jobs_next[j],
            interval: intervals[j],
        });
        let heap_t = self.q.peek().map_or(u64::MAX, |Reverse((t, _, _))| *t);
        let end = heap_t.min(HORIZON_S + 1);
        // Tried before every job run the loop would play, however close the next event:
        // proving even one or two runs quiet costs less than playing them (measured: a
        // corrected case plays 38 fewer events, slightly fewer instructions in all).
        let end = end.min(quiet::jobs_quiet_until(&self.w, ls.retention_s));
        if end <= t {
            return self.ship_steady(t, heap_t);
        }
        let k = quiet::skip_runs(&sched, self.seq, end);
        let total = k.seq - self.seq;
        let work = total.saturating_mul(1 + self.w.files.len() as u64);
        if self.work.saturating_add(work) > WORK_BUDGET {
            return false;
        }
        if k.runs[0] > 0 {
            let first = sched[0].next.0;
            let last = first + (k.runs[0] - 1) * intervals[0];
            if !self.workload_in_one_step(first, k.runs[0], intervals[0]) {
                return false;
            }
            // The backup runs advanced the workload; one call does what theirs did.
            self.w.advance_workload(last);
        }
        self.work += work;
        self.jobs_next = k.next;
        self.seq = k.seq;
        self.w.now = k.last_t;
        self.stats.quiet_periods += 1;
        self.stats.quiet_job_runs += total;
        true
    }

    /// Log shipping on differing schedules (the fuzzer's usual case), the job runs up to the
    /// next heap event (or the horizon) while the backup job works: played one by one as
    /// `take` plays them (the same order, clock, workload, work and budget), but the copy
    /// and restore runs act on the files `jobs::Pending` keeps for them instead of scanning
    /// the record, and without the loop's round trip. False, having changed nothing, when
    /// not worth it (a few runs; the backup job idle, where quiet periods apply; one
    /// schedule, where `ship_steady` does).
    fn ship_runs(&mut self) -> bool {
        let ls = &self.s.log_shipping;
        let intervals = [
            ls.backup_interval_s,
            ls.copy_interval_s,
            ls.restore_interval_s,
        ];
        let retention_s = ls.retention_s;
        if intervals.contains(&0) || (intervals[0] == intervals[1] && intervals[1] == intervals[2])
        {
            return false;
        }
        let heap = self
            .q
            .peek()
            .map_or((u64::MAX, u64::MAX), |Reverse((t, s, _))| (*t, *s));
        // The lists cost a scan of the record, as a copy or restore run does: worth it when
        // the most frequent job runs at least once before the next event (measured: fewer
        // instructions than asking every job to, or any one run).
        let first = self
            .jobs_next
            .iter()
            .map(|&(t, _)| t)
            .min()
            .unwrap_or(u64::MAX);
        let shortest = intervals.iter().copied().min().unwrap_or(0);
        // The gap first: it is the cheaper test, and between steps it usually fails.
        if heap.0.min(HORIZON_S + 1).saturating_sub(first) <= shortest
            || quiet::backup_quiet(&self.w)
        {
            return false;
        }
        let mut pending = std::mem::take(&mut self.pending);
        pending.scan(&self.w);
        // What `take` would stop at (the next heap event, the horizon, the budget) it is
        // left to: a run at or after `stop` is not shipped (the horizon as a time whose
        // every run is at or after it).
        let stop = key(heap.min((HORIZON_S + 1, 0)));
        // The schedules as (time, seq) keys and the sequence counter in locals while the
        // runs go, written back after: three scalars stay in registers, where an array
        // indexed by the job just run went through memory, a store and a dependent load
        // for every run (1M fuzz cases on one thread: 10.5-10.8 s -> 10.1-10.4 s of CPU).
        let [mut k0, mut k1, mut k2] = self.jobs_next.map(key);
        let mut seq = self.seq;
        let mut runs = 0;
        loop {
            let (j, kj) = first_of(k0, k1, k2);
            let t = (kj >> 64) as u64;
            let work = 1 + self.w.files.len() as u64;
            if kj >= stop || self.work + work > WORK_BUDGET {
                break;
            }
            runs += 1;
            self.work += work;
            seq += 1;
            let next = key((t.saturating_add(intervals[j]), seq));
            match j {
                0 => {
                    pending.backup(&mut self.w, t, retention_s);
                    k0 = next;
                }
                1 => {
                    self.w.now = t;
                    pending.copy(&mut self.w);
                    k1 = next;
                }
                _ => {
                    self.w.now = t;
                    pending.restore(&mut self.w, retention_s);
                    k2 = next;
                }
            }
        }
        let unkey = |k: u128| ((k >> 64) as u64, k as u64);
        (self.jobs_next, self.seq) = ([unkey(k0), unkey(k1), unkey(k2)], seq);
        // The counter numbers everything scheduled: an event pushed next comes after these.
        debug_assert!(self.jobs_next.iter().all(|n| n.1 <= self.seq));
        // Counted once per gap: each run is an event, a job event, a shipped run.
        self.stats.events += runs;
        self.stats.job_events += runs;
        self.stats.shipped_job_runs += runs;
        self.pending = pending;
        runs > 0
    }

    /// Steady log shipping in whole periods (backup, copy, restore; see
    /// `quiet::steady_source`) from the backup run at `t` up to the next heap event.
    fn ship_steady(&mut self, t: u64, heap_t: u64) -> bool {
        let ls = &self.s.log_shipping;
        let i = ls.backup_interval_s;
        let (b0, c0, r0) = (self.jobs_next[0], self.jobs_next[1], self.jobs_next[2]);
        // One schedule for the three, copy then restore within the period, and a retention
        // no shorter than the period (see `quiet::ship_period`).
        if ls.copy_interval_s != i
            || ls.restore_interval_s != i
            || b0.0 != t
            || !(t < c0.0 && c0.0 < r0.0 && r0.0 < t + i)
            || ls.retention_s < i
        {
            return false;
        }
        let end = heap_t.min(HORIZON_S + 1);
        if r0.0 >= end {
            return false;
        }
        // Whole periods whose restore run comes before the next event.
        let k = (end - 1 - r0.0) / i + 1;
        if k < 2 {
            return false;
        }
        // Work as the runs would count it: each run 1 plus the files then on record.
        let n0 = self.w.files.len() as u64;
        let work = k
            .saturating_mul(3 * n0 + 5)
            .saturating_add(3 * k * (k - 1) / 2);
        if self.work.saturating_add(work) > WORK_BUDGET {
            return false;
        }
        let Some(src) = quiet::steady_source(&self.w) else {
            return false;
        };
        let (co, ro) = (c0.0 - t, r0.0 - t);
        for p in 0..k {
            let b = t + p * i;
            if !quiet::ship_period(&mut self.w, src, b, b + co, b + ro) {
                // Not reached: steady_source checked what the backup and restore need.
                debug_assert!(false, "a steady period failed");
                break;
            }
        }
        let last_b = t + (k - 1) * i;
        quiet::retention(&mut self.w, last_b, last_b + ro, ls.retention_s);
        // Runs taken in order backup, copy, restore, period after period.
        let s0 = self.seq;
        self.jobs_next = [
            (last_b + i, s0 + 3 * (k - 1) + 1),
            (last_b + co + i, s0 + 3 * (k - 1) + 2),
            (last_b + ro + i, s0 + 3 * k),
        ];
        self.seq = s0 + 3 * k;
        self.work += work;
        self.w.now = last_b + ro;
        self.stats.quiet_periods += 1;
        self.stats.quiet_job_runs += 3 * k;
        true
    }

    /// Whether advancing the workload once to the last of `runs` backup runs (the first at
    /// `first`, `interval` apart) leaves the world as the runs' own calls would: no writer
    /// (only the clock moves), or one copy taking every write and each call acknowledging
    /// at least one (a call that acknowledges none would start a new acknowledgement
    /// segment; two copies would interleave their ranges).
    fn workload_in_one_step(&self, first: u64, runs: u64, interval: u64) -> bool {
        let wpm = self.w.writes_per_minute;
        let targets = self.w.writer_load.iter().filter(|&&k| k > 0).count();
        if wpm == 0 || targets == 0 {
            return true;
        }
        if targets > 1 {
            return false;
        }
        let a0 = self.w.advanced_to;
        let first_ok = first <= a0 || first.saturating_mul(wpm) / 60 > a0.saturating_mul(wpm) / 60;
        first_ok && (runs < 2 || interval.saturating_mul(wpm) >= 60)
    }

    fn schedule_job(&mut self, j: usize, at: u64) {
        self.seq += 1;
        self.jobs_next[j] = (at, self.seq);
    }

    /// The earliest of the heap's top and the jobs' next runs, ties broken by scheduling order.
    fn next_event(&mut self) -> Option<(u64, Ev)> {
        let next = self.peek_event()?;
        // Jobs are never in the heap: anything else comes from its top.
        if !matches!(next.1, Ev::Job(_)) {
            self.q.pop();
        }
        Some(next)
    }

    /// The job whose run comes first, and its (time, seq): the earliest, ties by
    /// scheduling order (seqs differ).
    fn next_job(&self) -> (usize, (u64, u64)) {
        let j = earliest(&self.jobs_next);
        (j, self.jobs_next[j])
    }

    /// The event [`Self::next_event`] would take, left in place.
    fn peek_event(&self) -> Option<(u64, Ev)> {
        let (j, (jt, js)) = self.next_job();
        match self.q.peek() {
            Some(Reverse((t, s, ev))) if (*t, *s) < (jt, js) => Some((*t, *ev)),
            _ => Some((jt, Ev::Job(j as u8))),
        }
    }

    fn schedule_end(&mut self, now: u64) {
        if self.end_at.is_none() {
            let end = now
                .max(self.last_fault_at)
                .saturating_add(self.s.liveness_within_s);
            self.end_at = Some(end);
            self.push(end, Ev::End);
        }
    }

    fn schedule_phase(&mut self, p: usize, now: u64) {
        let ph = &self.s.phases[p];
        let after_previous = if p > 0 {
            now.saturating_add(ph.after_previous_s.unwrap_or(0))
        } else {
            0
        };
        let mut at = ph.start_at_s.max(now).max(after_previous);
        if ph.declare {
            let t = &self.s.timing;
            let mut rng = Rng::child(self.s.seed, 100 + p as u64);
            at = ph
                .start_at_s
                .saturating_add(t.detection_s.sample(&mut rng))
                .saturating_add(t.decision_s.sample(&mut rng));
            at = at.max(now).max(after_previous);
        }
        self.push(at, Ev::PhaseStart(p as u16));
    }

    fn start_step(&mut self, p: usize, k: usize, now: u64) {
        let Some(plan) = self.plans[p].get(k) else {
            self.phase_done(p, now);
            return;
        };
        let step = &self.runbooks[p].steps[plan.src];
        let action = plan.action_in(&self.runbooks[p]);
        let t = &self.s.timing;
        let op = step
            .operator_s
            .as_ref()
            .unwrap_or(&t.operator_step_s)
            .sample(&mut self.rng)
            .saturating_add(plan.extra_delay_s);
        let work = work_s(t, action, &self.w, &mut self.rng);
        self.step_started = now;
        self.step_op = op;
        self.step_work = work;
        self.push(
            now.saturating_add(op).saturating_add(work),
            Ev::StepEnd(p as u16, k as u16),
        );
    }

    fn phase_done(&mut self, p: usize, now: u64) {
        // Faults timed from the end of this phase (e.g. DC1 rebuilt after the failover).
        for (i, f) in self.s.faults.iter().enumerate() {
            if f.after_phase == Some(p) {
                self.last_fault_at = self.last_fault_at.max(now.saturating_add(f.at_s));
                self.seq += 1;
                self.q.push(Reverse((
                    now.saturating_add(f.at_s),
                    self.seq,
                    Ev::Fault(i as u32),
                )));
            }
        }
        if self.opts.record {
            self.entry(
                now,
                "phase",
                None,
                format!("end of {}", self.runbooks[p].name),
                None,
                None,
                None,
            );
        }
        if p + 1 < self.s.phases.len() && p + 1 < self.runbooks.len() {
            self.schedule_phase(p + 1, now);
        } else {
            self.schedule_end(now);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn entry(
        &mut self,
        t: u64,
        kind: &'static str,
        id: Option<String>,
        title: String,
        command: Option<String>,
        effect: Option<String>,
        error: Option<ErrorRecord>,
    ) {
        self.timeline.push(Entry {
            t_s: t,
            kind,
            id,
            title,
            command,
            effect,
            error,
            observed: None,
        });
    }

    /// Handle one event; returns the step context for the invariants if it was a step.
    fn handle(&mut self, t: u64, ev: Ev) -> Option<StepInfo<'a>> {
        match ev {
            Ev::Fault(i) => {
                let f: &Fault = &self.s.faults[i as usize].fault;
                let took_over = self.w.coverage.mirror_took_over;
                crate::outage::apply(&mut self.w, f);
                if self.opts.record {
                    self.entry(t, "fault", None, describe_fault(f), None, None, None);
                    if !took_over && self.w.coverage.mirror_took_over {
                        self.entry(t, "auto", None, "automatic failover: the mirror becomes principal for mgc (witness and mirror form quorum)".into(), None, None, None);
                    }
                }
                None
            }
            Ev::Job(j) => {
                let job = [Job::Backup, Job::Copy, Job::Restore][j as usize];
                let ls = &self.s.log_shipping;
                let interval = [
                    ls.backup_interval_s,
                    ls.copy_interval_s,
                    ls.restore_interval_s,
                ][j as usize];
                let out = jobs::run(&mut self.w, job, ls.retention_s);
                self.schedule_job(j as usize, t.saturating_add(interval));
                if self.opts.record && out != JobOutcome::Idle {
                    let (effect, error) = match &out {
                        JobOutcome::BackedUp { instance, file } => (
                            Some(format!(
                                "log backup {} of mgc on {instance} written to the share",
                                self.w.files[*file as usize - 1].file_name()
                            )),
                            None,
                        ),
                        JobOutcome::Copied { files } => (
                            Some(format!(
                                "{files} log backup file(s) copied to the copy folder"
                            )),
                            None,
                        ),
                        JobOutcome::Restored { files } => (
                            Some(format!(
                                "{files} log backup(s) restored on backup; redo LSN {}",
                                self.w.db(Instance::Backup, Db::Mgc).lsn
                            )),
                            None,
                        ),
                        JobOutcome::Failed { failure, .. } => (
                            None,
                            Some(ErrorRecord {
                                number: failure.number(),
                                message: failure.render(),
                            }),
                        ),
                        JobOutcome::Idle => (None, None),
                    };
                    self.entry(
                        t,
                        "job",
                        Some(job.to_string()),
                        format!("log-shipping job {job}"),
                        None,
                        effect,
                        error,
                    );
                }
                None
            }
            Ev::PhaseStart(p) => {
                let p = p as usize;
                if self.s.phases[p].declare && self.declared_at.is_none() {
                    self.declared_at = Some(t);
                }
                if self.opts.record {
                    let title = format!(
                        "start of {} ({})",
                        self.runbooks[p].name,
                        if self.s.phases[p].declare {
                            "disaster declared"
                        } else {
                            "planned"
                        }
                    );
                    self.entry(t, "phase", None, title, None, None, None);
                }
                self.start_step(p, 0, t);
                None
            }
            Ev::StepEnd(p, k) => Some(self.end_step(p as usize, k as usize, t)),
            Ev::StepRetry(p, k) => {
                self.start_step(p as usize, k as usize, t);
                None
            }
            Ev::End => None,
        }
    }

    fn end_step(&mut self, p: usize, k: usize, t: u64) -> StepInfo<'a> {
        let plan = &self.plans[p][k];
        let src = plan.src;
        let runbooks: &'a [Runbook] = self.runbooks;
        let step = &runbooks[p].steps[src];
        // The runbook's own action is borrowed for the run (the runbooks outlive it); only a
        // deviation's, kept in the plans, is cloned.
        let action = match &plan.action {
            Some(a) => Cow::Owned(a.clone()),
            None => Cow::Borrowed(&step.action),
        };
        let pool_state_before = self.w.pool_state;
        let target_before = self.w.pool_target();
        let target_available_before = self.w.db(target_before, Db::Mgc).available;
        let recovery_redo = match &*action {
            Action::KillSessionsAndRecover { instance, database } => {
                let redo = self.w.db(*instance, *database).lsn;
                Some((redo, best_reachable_redo(&self.w, *database, redo)))
            }
            _ => None,
        };
        let result = steps::apply(&mut self.w, &action);
        let ok = result.is_ok();
        if ok && self.failed_steps.contains(&step.id) {
            self.w.coverage.step_failed_then_succeeded = true;
        }
        if !ok {
            self.w.coverage.step_failed = true;
            self.failed_steps.push(step.id.clone());
            // What the operator does after a failed step is the runbook's on_error.
            self.w.used.note(Name::StepStopsOnError);
        }
        if self.keep_steps {
            self.steps.push(StepRecord {
                phase: p,
                id: step.id.clone(),
                kind: action.kind(),
                start_s: self.step_started,
                end_s: t,
                operator_s: self.step_op,
                work_s: self.step_work,
                ok,
            });
        }
        if self.opts.record {
            let (effect, error) = match &result {
                Ok(e) => (Some(describe_effect(e, &self.w)), None),
                Err(f) => (
                    None,
                    Some(ErrorRecord {
                        number: f.number(),
                        message: f.render(),
                    }),
                ),
            };
            let cmd = command(&action, self.s.product, "pchatpool.litwareinc.com");
            self.timeline.push(Entry {
                t_s: t,
                kind: "step",
                id: Some(step.id.clone()),
                title: step.title.clone(),
                command: Some(cmd),
                effect,
                error,
                observed: Some(observe(&self.w)),
            });
        }
        let retry = match step.on_error {
            OnError::Retry { attempts, wait_s } if !ok && self.retries < attempts => Some(wait_s),
            _ => None,
        };
        let stop = !ok && retry.is_none() && step.on_error != OnError::Continue;
        if let Some(wait_s) = retry {
            self.retries += 1;
            if self.opts.record {
                let title = format!(
                    "{} failed: retry {} of the step in {wait_s} s",
                    step.id, self.retries
                );
                self.entry(t, "phase", None, title, None, None, None);
            }
            self.seq += 1;
            self.q.push(Reverse((
                t.saturating_add(wait_s),
                self.seq,
                Ev::StepRetry(p as u16, k as u16),
            )));
        } else if stop {
            self.retries = 0;
            if self.opts.record {
                let rest: Vec<String> = self.plans[p][k + 1..]
                    .iter()
                    .map(|pl| self.runbooks[p].steps[pl.src].id.clone())
                    .collect();
                if !rest.is_empty() {
                    self.entry(
                        t,
                        "phase",
                        None,
                        format!(
                            "runbook stopped at {}: steps {} not run",
                            step.id,
                            rest.join(", ")
                        ),
                        None,
                        None,
                        None,
                    );
                }
            }
            self.phase_done(p, t);
        } else {
            self.retries = 0;
            self.start_step(p, k + 1, t);
        }
        StepInfo {
            action,
            ok,
            pool_state_before,
            target_before,
            target_available_before,
            recovery_redo,
            phase: p,
            src,
        }
    }

    /// The safety invariants and the service after a fault, a step or a phase's start (`take`
    /// does not call it after a job run, which changes no server, connection, role or pool
    /// state).
    fn after_event(&mut self, t: u64, ev: Ev, step: Option<StepInfo<'a>>) {
        debug_assert!(!matches!(ev, Ev::Job(_)), "after_event after a job run");
        // A later phase's start or a step's retry change nothing either (they only draw
        // durations), and a step's end has been checked before either (only a step
        // schedules them).
        if matches!(ev, Ev::StepRetry(..) | Ev::PhaseStart(1..)) {
            #[cfg(debug_assertions)]
            {
                let found = invariants::violated_safety(
                    &self.w,
                    &Ctx { step: None },
                    self.safety_pending(),
                );
                assert_eq!(found, 0, "a safety invariant fails after {ev:?}");
                assert_eq!(self.w.serving(), self.serving, "service changed by {ev:?}");
            }
            return;
        }
        let ctx = Ctx {
            step: step.as_ref().map(|s| StepCtx {
                action: &s.action,
                ok: s.ok,
                pool_state_before: s.pool_state_before,
                target_before: s.target_before,
                target_available_before: s.target_available_before,
                recovery_redo: s.recovery_redo,
            }),
        };
        let violated = invariants::violated_safety(&self.w, &ctx, self.safety_pending());
        if violated != 0 {
            self.note_violations(t, ev, step.as_ref(), &ctx, violated);
        }
        // Service: outages caused by faults are measured (RTO); by steps after the first
        // phase, counted as failback downtime.
        let now_serving = self.w.serving();
        if self.serving && !now_serving {
            let phase = step.as_ref().map(|s| s.phase);
            if phase.is_none() && self.outage_start.is_none() {
                self.outage_start = Some(t);
                if self.s.topology.compliance
                    && !self.w.db(Instance::Primary, Db::Mgccomp).available
                {
                    let wl = &self.s.workload;
                    self.compliance_at_risk =
                        wl.compliance_rows_per_minute * wl.compliance_backlog_s.min(t) / 60;
                }
            }
            self.down = Some(Down { since: t, phase });
        } else if !self.serving && now_serving {
            if let Some(d) = self.down.take() {
                self.close_down(d, t);
            }
        }
        self.serving = now_serving;
    }

    /// The safety invariants not violated yet (bit k for `SAFETY[k]`): those still checked.
    fn safety_pending(&self) -> u8 {
        let mut pending = 0u8;
        for (i, v) in self.violations[..invariants::SAFETY.len()]
            .iter()
            .enumerate()
        {
            pending |= u8::from(v.is_none()) << i;
        }
        pending
    }

    /// Record the safety invariants `violated` (bit k for `SAFETY[k]`) has found: with their
    /// messages and the event after which they failed.
    #[cold]
    fn note_violations(
        &mut self,
        t: u64,
        ev: Ev,
        step: Option<&StepInfo>,
        ctx: &Ctx,
        violated: u8,
    ) {
        for (i, inv) in invariants::SAFETY.iter().enumerate() {
            if violated & (1 << i) == 0 {
                continue;
            }
            if let Some(message) = inv.check(&self.w, ctx) {
                if inv.name() == "single_writer" {
                    self.w.coverage.split_brain = true;
                }
                let after = match (step, ev) {
                    (Some(s), _) => format!("step {}", self.runbooks[s.phase].steps[s.src].id),
                    (None, Ev::Fault(f)) => {
                        format!("fault {}", describe_fault(&self.s.faults[f as usize].fault))
                    }
                    // Job runs are not checked (`take`).
                    _ => "event".into(),
                };
                Arc::make_mut(&mut self.violations)[i] = Some(Violation {
                    at_s: t,
                    after,
                    message,
                });
            }
        }
    }

    fn close_down(&mut self, d: Down, t: u64) {
        if self.outage_start.is_some() && self.restored_at.is_none() && d.phase.is_none() {
            self.restored_at = Some(t);
            // The failover's RPO: acknowledged writes the restored copy lacks, now.
            let lost = self
                .w
                .acknowledged()
                .minus(&self.w.db(self.w.pool_target(), Db::Mgc).writes);
            self.restored_rpo = Some((lost.len(), rpo_window(&self.w, &lost)));
        } else if d.phase.is_some_and(|p| p > 0) {
            self.failback_down_s += t - d.since;
        }
    }

    fn finish_liveness(&mut self, t: u64) {
        // Time-driven state (a mirror resynchronizing) settles before the liveness checks;
        // nothing else changed since the last event's reconcile.
        self.w.reconcile_after(crate::world::Touched::Nothing);
        if let Some(d) = self.down.take() {
            if d.phase.is_some_and(|p| p > 0) {
                self.failback_down_s += t - d.since;
                // Still down: the failback downtime is at least this, not this.
                self.failback_open_since = Some(d.since);
            }
        }
        let ctx = Ctx { step: None };
        let n = invariants::SAFETY.len();
        for (i, inv) in invariants::LIVENESS.iter().enumerate() {
            if let Some(message) = inv.check(&self.w, &ctx) {
                Arc::make_mut(&mut self.violations)[n + i] = Some(Violation {
                    at_s: t,
                    after: "end (liveness bound reached)".into(),
                    message,
                });
            }
        }
        if self.opts.record {
            self.entry(
                t,
                "end",
                None,
                format!(
                    "end of run: {} s after the last step and fault",
                    self.s.liveness_within_s
                ),
                None,
                None,
                None,
            );
        }
        self.w.now = t;
    }

    fn report(mut self) -> Report {
        let target = self.w.pool_target();
        let acked = self.w.acknowledged();
        let lost = acked.minus(&self.w.db(target, Db::Mgc).writes);
        if !lost.is_empty() {
            self.w.coverage.writes_lost = true;
        }
        let mut unknowns = Vec::new();
        // RPO is what the pool serves at the end; when it serves nothing, which copy will
        // serve (and so which writes survive) is not decided: unknown, not 0.
        let serving_at_end = self.w.serving();
        let (rpo_writes_lost, rpo_seconds) = if serving_at_end {
            (Some(lost.len()), Some(rpo_window(&self.w, &lost)))
        } else {
            let mut held = RangeSet::new();
            for i in Instance::DATA {
                held.union_with(&self.w.db(i, Db::Mgc).writes);
            }
            let gone = acked.minus(&held).len();
            unknowns.push(Unknown {
                measure: "rpo_writes_lost",
                reason: format!(
                    "the pool does not serve at the end of the run ({}), so which copy of mgc will serve, and which writes survive, is not decided; at least {gone} acknowledged writes are in no copy of mgc",
                    hms(self.w.now)
                ),
            });
            unknowns.push(Unknown {
                measure: "rpo_seconds",
                reason: "unknown with rpo_writes_lost".into(),
            });
            (None, None)
        };
        let rto_seconds = match self.outage_start {
            // Service never lost: nothing to recover.
            None => Some(0),
            Some(a) => self.restored_at.map(|b| b - a),
        };
        if let (Some(a), None) = (self.outage_start, self.restored_at) {
            unknowns.push(Unknown {
                measure: "rto_seconds",
                reason: format!(
                    "service lost at {} and not restored by the end of the run ({}): at least {} s",
                    hms(a),
                    hms(self.w.now),
                    self.w.now - a
                ),
            });
        }
        let rto_from_declaration_seconds = self
            .declared_at
            .zip(self.restored_at)
            .map(|(a, b)| b.saturating_sub(a));
        if rto_from_declaration_seconds.is_none() {
            unknowns.push(Unknown {
                measure: "rto_from_declaration_seconds",
                reason: match (self.declared_at, self.restored_at) {
                    (None, _) => "no disaster was declared (no declare phase started)".into(),
                    (Some(d), _) => format!(
                        "disaster declared at {} and service not restored after it by the end of the run",
                        hms(d)
                    ),
                },
            });
        }
        let (failover_rpo_writes_lost, failover_rpo_seconds) = match (
            self.outage_start,
            self.restored_rpo,
        ) {
            (None, _) => (Some(0), Some(0)),
            (Some(_), Some((n, s))) => (Some(n), Some(s)),
            (Some(a), None) => {
                unknowns.push(Unknown {
                    measure: "failover_rpo_writes_lost",
                    reason: format!(
                        "service lost at {} was never restored, so no copy was brought back whose loss could be counted",
                        hms(a)
                    ),
                });
                (None, None)
            }
        };
        let failback_downtime_seconds = match self.failback_open_since {
            None => Some(self.failback_down_s),
            Some(since) => {
                unknowns.push(Unknown {
                    measure: "failback_downtime_seconds",
                    reason: format!(
                        "service lost at {} by a failback step and not back by the end of the run ({}): at least {} s",
                        hms(since),
                        hms(self.w.now),
                        self.failback_down_s
                    ),
                });
                None
            }
        };
        if !acked.is_empty() {
            self.w.used.note(Name::WorkloadRate);
        }
        let assumptions = self
            .w
            .used
            .names()
            .map(|n| InForce::new(n, setting(self.s, n)))
            .collect();
        let invariants = invariants::all()
            .zip(self.violations.iter())
            .map(|(inv, v)| Verdict {
                name: inv.name(),
                kind: inv.kind(),
                source: inv.source(),
                holds: v.is_none(),
                violation: v.clone(),
            })
            .collect();
        Report {
            scenario: self.s.name.clone(),
            seed: self.s.seed,
            rto_seconds,
            rto_from_declaration_seconds,
            failover_rpo_writes_lost,
            failover_rpo_seconds,
            rpo_writes_lost,
            rpo_seconds,
            writes_acknowledged: acked.len(),
            compliance_rows_at_risk: self.compliance_at_risk,
            failback_downtime_seconds,
            outage_start_s: self.outage_start,
            declared_at_s: self.declared_at,
            service_restored_at_s: self.restored_at,
            end_s: self.w.now,
            unknowns,
            assumptions,
            invariants,
            coverage: self.w.coverage,
            steps: self.steps,
            final_observation: self.opts.record.then(|| observe(&self.w)),
            timeline: self.timeline,
        }
    }
}

struct StepInfo<'a> {
    action: Cow<'a, Action>,
    ok: bool,
    pool_state_before: crate::topology::PoolState,
    target_before: Instance,
    target_available_before: bool,
    recovery_redo: Option<(crate::lsn::Lsn, crate::lsn::Lsn)>,
    phase: usize,
    /// The step's index in its runbook (its id is looked up only for a violation message).
    src: usize,
}

/// The setting in force of an assumption, as the scenario gives it.
fn setting(s: &Scenario, n: Name) -> String {
    if let Some(v) = s.assumptions.setting(n) {
        return v.into();
    }
    let ls = &s.log_shipping;
    match n {
        Name::CmsLocation => {
            let moved = s.faults.iter().find_map(|f| match f.fault {
                crate::fault::Fault::CmsFailover { to } => Some(to),
                _ => None,
            });
            match moved {
                Some(to) => format!("{} (failed over to {to} by the scenario)", s.topology.cms),
                None => s.topology.cms.to_string(),
            }
        }
        Name::Dc1Rebuilt => {
            let mirrored = s
                .faults
                .iter()
                .any(|f| matches!(f.fault, crate::fault::Fault::Dc1Rebuilt { mirrored: true }));
            if mirrored { "mirrored" } else { "unmirrored" }.into()
        }
        Name::LogShippingSchedule => format!(
            "{}/{}/{} s, offsets {}/{} s, retention {} s",
            ls.backup_interval_s,
            ls.copy_interval_s,
            ls.restore_interval_s,
            ls.copy_offset_s,
            ls.restore_offset_s,
            ls.retention_s
        ),
        Name::WorkloadRate => format!("{} writes/minute", s.workload.writes_per_minute),
        _ => n.info().default.into(),
    }
}

/// Simulated time as HH:MM:SS (days counted in the hours).
fn hms(t: u64) -> String {
    format!("{:02}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)
}

/// Seconds of history lost: for each contiguous range of lost writes, the span of their
/// acknowledgement times (plus one write interval).
pub(crate) fn rpo_window(w: &World, lost: &RangeSet) -> u64 {
    let per_write = if w.writes_per_minute == 0 {
        0.0
    } else {
        60.0 / w.writes_per_minute as f64
    };
    let mut total = 0.0;
    for &(a, b) in lost.ranges() {
        if let (Some(t0), Some(t1)) = (w.ack_time(a), w.ack_time(b - 1)) {
            total += t1 - t0 + per_write;
        }
    }
    total.round() as u64
}

/// Simulated time as "Dd HH:MM:SS" for budget messages.
fn day_hms(t: u64) -> String {
    let (d, r) = (t / 86_400, t % 86_400);
    format!("{d}d {:02}:{:02}:{:02}", r / 3600, r % 3600 / 60, r % 60)
}

// Steppable hooks for `drill explore` (sim::explore): the same event loop as `run`, one
// event at a time, cloneable between events, with faults injected at the moment before the
// next event. Kept in their own block so the event loop above can change independently;
// the explorer's tests replay every counterexample with `run` to keep the two in step.

/// The next event, as the explorer needs to see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextEvent {
    /// A fault listed in the scenario with an absolute time (scheduled before anything else,
    /// so an injected fault at the same second would replay after it, not before).
    ScenarioFault,
    /// A runbook step ends (or is retried).
    Step,
    /// A log-shipping job runs.
    Job,
    /// A phase starts.
    PhaseStart,
    /// A fault timed from the end of a phase (e.g. DC1 rebuilt).
    PhaseFault,
    /// The end of the run (the liveness checks).
    End,
}

/// Where the runbooks are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    /// Phase n has not started yet (and every phase before it is done).
    Before(usize),
    /// Phase n is running.
    Running(usize),
    /// Every phase is done: only the liveness bound is left.
    Ended,
}

/// A run advanced one event at a time (`drill explore`).
#[derive(Clone)]
pub struct Stepper<'a> {
    sim: Sim<'a>,
    done: bool,
    exceeded: Option<BudgetExceeded>,
    /// The plans were changed during the run ([`Self::replan`]) and their remainder is not
    /// yet the run's own: the canonical state then includes that remainder.
    replanned: bool,
}

impl<'a> Stepper<'a> {
    /// The run as `run` starts it: nothing has happened yet.
    pub fn new(s: &'a Scenario, runbooks: &'a [Runbook], opts: Options) -> Self {
        let mut sim = Sim::new(s, runbooks, opts);
        sim.schedule_start();
        Stepper {
            sim,
            done: false,
            exceeded: None,
            replanned: false,
        }
    }

    /// Play the rest of the run with `plans` (an operator deviation chosen during the run,
    /// `drill explore`): call only where `plans` and the current ones agree on every step
    /// started so far, so the run is the one `plans` would have played from the start.
    pub fn replan(&mut self, plans: std::sync::Arc<[Vec<Planned>]>) {
        self.sim.plans = plans;
        self.replanned = true;
    }

    /// Whether the plans were changed and their remainder differs from the run's own.
    pub fn replanned(&self) -> bool {
        self.replanned
    }

    /// The plans the run plays (per phase, the steps after deviations).
    pub fn plans(&self) -> &std::sync::Arc<[Vec<Planned>]> {
        &self.sim.plans
    }

    /// Where the plans are read next: the step in progress (phase, index in its plan, true),
    /// the phase about to start (phase, 0, false), or None once every phase is done.
    fn cursor(&self) -> Option<(usize, usize, bool)> {
        let mut before = None;
        for Reverse((_, _, ev)) in self.sim.q.iter() {
            match *ev {
                Ev::StepEnd(p, k) | Ev::StepRetry(p, k) => {
                    return Some((p as usize, k as usize, true))
                }
                Ev::PhaseStart(p) => before = Some((p as usize, 0, false)),
                _ => {}
            }
        }
        before
    }

    /// The first plan position a later event may start (phase, index): the step after the
    /// one in progress (a retry ends it again first), or the step 0 of the phase about to
    /// start; None once every phase is done. Positions only ever move forward.
    pub fn earliest_start(&self) -> Option<(usize, usize)> {
        match self.cursor()? {
            (p, k, true) => Some((p, k + 1)),
            (p, _, false) => Some((p, 0)),
        }
    }

    /// The step whose end is pending (phase, index), if one is running (not waiting for a
    /// retry).
    pub fn running_step(&self) -> Option<(usize, usize)> {
        self.sim.q.iter().find_map(|Reverse((_, _, ev))| match *ev {
            Ev::StepEnd(p, k) => Some((p as usize, k as usize)),
            _ => None,
        })
    }

    /// The plan position the next event starts if it goes on (phase, index): a phase's
    /// start starts its step 0, a step's end the step after it (unless it fails and is
    /// retried or stops the runbook).
    pub fn next_start(&self) -> Option<(usize, usize)> {
        if self.done {
            return None;
        }
        match self.sim.peek_event()? {
            (_, Ev::PhaseStart(p)) => Some((p as usize, 0)),
            (_, Ev::StepEnd(p, k)) => Some((p as usize, k as usize + 1)),
            _ => None,
        }
    }

    /// After [`Self::replan`]: once the remainder of the plans (the step in progress and
    /// every step after it) is a remainder of `own`'s (the run's own plans), play on with
    /// `own`, the step in progress renumbered to its index there: the same future, and
    /// nothing of the deviation is left in the state. Returns whether it is back on `own`.
    pub fn rebase(&mut self, own: &std::sync::Arc<[Vec<Planned>]>) -> bool {
        if !self.replanned {
            return true;
        }
        let rbs = self.sim.runbooks;
        let same = |p: usize, a: &Planned, b: &Planned| a.plays_like(b, &rbs[p]);
        let cur = self.cursor();
        if let Some((p, j, running)) = cur {
            let plans = &self.sim.plans;
            let rest = plans[p].len().saturating_sub(j);
            // A phase not started yet starts at its step 0: its whole plan must be the own.
            if rest > own[p].len() || plans.len() != own.len() || (!running && rest != own[p].len())
            {
                return false;
            }
            let j2 = own[p].len() - rest;
            let tail_same = plans[p][j..]
                .iter()
                .zip(&own[p][j2..])
                .all(|(a, b)| same(p, a, b))
                && (p + 1..plans.len()).all(|q| {
                    plans[q].len() == own[q].len()
                        && plans[q].iter().zip(&own[q]).all(|(a, b)| same(q, a, b))
                });
            if !tail_same {
                return false;
            }
            if j2 != j {
                for Reverse((_, _, ev)) in self.sim.q.iter_mut() {
                    if let Ev::StepEnd(q, k) | Ev::StepRetry(q, k) = ev {
                        if *q as usize == p && *k as usize == j {
                            *k = j2 as u16;
                        }
                    }
                }
                // (time, sequence) orders the queue alone: renumbering keeps it sorted.
            }
        }
        self.sim.plans = own.clone();
        self.replanned = false;
        true
    }

    /// Whether a step that measures the writes in backup files (`order::measures_writes`)
    /// may still run: the step in progress (a retry runs it again) or any later step of
    /// the plans. A deviation chosen later only reorders, repeats, skips or retargets steps
    /// at or after the next position, so it adds no such step.
    pub fn measures_writes_ahead(&self) -> bool {
        if self.done {
            return false;
        }
        // No step pending and no phase to start: no step can start again.
        let Some((p, j, _)) = self.cursor() else {
            return false;
        };
        let rbs = self.sim.runbooks;
        self.plans_from(p, j).any(|(q, rest)| {
            rest.iter()
                .any(|pl| crate::explore::order::measures_writes(pl.action_in(&rbs[q])))
        })
    }

    /// Each phase's planned steps from position (phase `p`, index `j`) on, with the phase.
    fn plans_from(&self, p: usize, j: usize) -> impl Iterator<Item = (usize, &[Planned])> {
        (p..self.sim.plans.len()).map(move |q| {
            let from = if q == p { j } else { 0 };
            (q, self.sim.plans[q].get(from..).unwrap_or(&[]))
        })
    }

    /// Whether DC1 is down for good but for its rebuild: down, with no `DcUp` of DC1 in the
    /// scenario (the explorer's alphabet has none: `alphabet::faults`). Its instances are
    /// then down (`InstanceUp` needs the data center up), so nothing writes, backs up or
    /// restores the primary's and the mirror's copies, and `Dc1Rebuilt` replaces them with
    /// new databases: their LSNs never climb again (`order`).
    pub fn dc1_frozen(&self) -> bool {
        use crate::fault::Fault;
        use crate::topology::Dc;
        !self.sim.w.dc_is_up(Dc::Dc1)
            && !self
                .sim
                .s
                .faults
                .iter()
                .any(|f| matches!(f.fault, Fault::DcUp { dc: Dc::Dc1 }))
    }

    /// The remainder of changed plans as text (each step from the one in progress: its
    /// source index, extra delay and action), or nothing while the plans are the run's own.
    fn plan_rest(&self, out: &mut dyn std::fmt::Write) -> std::fmt::Result {
        if !self.replanned {
            return Ok(());
        }
        let (p, j, _) = self.cursor().unwrap_or((self.sim.plans.len(), 0, false));
        write!(out, "|plan from {p}.{j}:")?;
        for (q, rest) in self.plans_from(p, j) {
            for pl in rest {
                let a = pl.action_in(&self.sim.runbooks[q]);
                write!(out, "{}+{}:{a:?};", pl.src, pl.extra_delay_s)?;
            }
            write!(out, "/")?;
        }
        Ok(())
    }

    /// This run without the per-step records (the report's `steps`): the explorer never
    /// reads them, and each is a string cloned with every state. Nothing the run does or
    /// checks depends on them.
    pub fn without_step_records(mut self) -> Self {
        self.sim.keep_steps = false;
        self
    }

    /// The next event and its time, or None when the run is over.
    pub fn peek(&self) -> Option<(u64, NextEvent)> {
        if self.done {
            return None;
        }
        let (t, ev) = self.sim.peek_event()?;
        let kind = match ev {
            Ev::Fault(i) if self.sim.s.faults[i as usize].after_phase.is_none() => {
                NextEvent::ScenarioFault
            }
            Ev::Fault(_) => NextEvent::PhaseFault,
            Ev::Job(_) => NextEvent::Job,
            Ev::PhaseStart(_) => NextEvent::PhaseStart,
            Ev::StepEnd(..) | Ev::StepRetry(..) => NextEvent::Step,
            Ev::End => NextEvent::End,
        };
        Some((t, kind))
    }

    /// Which log-shipping job the next event runs (0 backup, 1 copy, 2 restore), if it is
    /// a job run.
    pub fn next_job(&self) -> Option<usize> {
        if self.done {
            return None;
        }
        match self.sim.peek_event()? {
            (_, Ev::Job(j)) => Some(j as usize),
            _ => None,
        }
    }

    /// Where the runbooks are now.
    pub fn position(&self) -> Position {
        if self.sim.end_at.is_some() {
            return Position::Ended;
        }
        let mut before = None;
        for Reverse((_, _, ev)) in self.sim.q.iter() {
            match *ev {
                Ev::StepEnd(p, _) | Ev::StepRetry(p, _) => return Position::Running(p as usize),
                Ev::PhaseStart(p) => before = Some(p as usize),
                _ => {}
            }
        }
        before.map_or(Position::Ended, Position::Before)
    }

    /// Play the next event (the body of `run`'s loop). Returns false when the run is over.
    pub fn step(&mut self) -> bool {
        if self.done {
            return false;
        }
        let Some((t, ev)) = self.sim.next_event() else {
            self.done = true;
            return false;
        };
        match self.sim.take(t, ev) {
            Taken::Next => true,
            Taken::Over(exceeded) => {
                self.exceeded = exceeded;
                self.done = true;
                false
            }
        }
    }

    /// Apply a fault at the moment before the next event (at its time), as a scenario fault
    /// at that second replays: before every event but the scenario's own faults. Safety
    /// invariants are checked after it. Call only while the runbooks run (before `Ended`):
    /// a fault moves the end of the run, which is scheduled when the last phase ends.
    pub fn inject(&mut self, f: &Fault) {
        let Some((t, _)) = self.sim.peek_event() else {
            return;
        };
        let sim = &mut self.sim;
        sim.work += 1;
        sim.w.advance_workload(t);
        sim.w.now = t;
        crate::outage::apply(&mut sim.w, f);
        sim.last_fault_at = sim.last_fault_at.max(t);
        // Ev::End stands for "an injected fault" here: after_event only names the event.
        sim.after_event(t, Ev::End, None);
    }

    /// Whether the run is over (its end event played, or a budget reached).
    pub fn done(&self) -> bool {
        self.done
    }

    /// The budget the run exceeded, if any.
    pub fn exceeded(&self) -> Option<&BudgetExceeded> {
        self.exceeded.as_ref()
    }

    /// Per invariant (invariants::all() order): violated so far.
    pub fn violated(&self) -> impl Iterator<Item = bool> + '_ {
        self.sim.violations.iter().map(|v| v.is_some())
    }

    pub fn world(&self) -> &World {
        &self.sim.w
    }

    /// Where the engine's heap blocks are (address, bytes): for the explorer's prefetch
    /// hints, which read nothing. The vectors of the state (of the backup files, their
    /// header: [`Self::files_block`] gives the files once it is loaded), then the instances
    /// (each a block of its own, often shared with the node's siblings). The database
    /// copies' ranges beyond their last are not given: finding them would read the
    /// instances before their hints have loaded them.
    pub fn heap_blocks(&self, mut f: impl FnMut(*const u8, usize)) {
        let s = &self.sim;
        f(
            s.w.files.header(),
            size_of::<Vec<crate::world::BackupFile>>(),
        );
        // The violations' header only: their slots are most often the parent's, shared
        // with the siblings, and in the cache.
        f(
            Arc::as_ptr(&s.violations).cast(),
            size_of::<Vec<Option<Violation>>>(),
        );
        f(s.q.as_slice().as_ptr().cast(), size_of_val(s.q.as_slice()));
        f(s.w.acks.as_ptr().cast(), size_of_val(s.w.acks.as_slice()));
        for p in s.w.instances.blocks() {
            f(p, size_of::<crate::world::SqlInstance>());
        }
    }

    /// Where the backup files lie (address, bytes), read from their header.
    pub fn files_block(&self) -> (*const u8, usize) {
        let files = &self.sim.w.files;
        (files.as_ptr().cast(), size_of_val(files.as_slice()))
    }

    /// Feed the state that decides the rest of the run to `out`: the world, the pending
    /// events (times and order, not their sequence numbers), the step in progress, the
    /// random stream and the run's bookkeeping that later events read. Measures that only
    /// feed the report (RTO, RPO, downtime) and the violations already found are left out:
    /// two states equal here play the same futures and see the same violations.
    pub fn canonical(&self, out: &mut dyn std::fmt::Write) -> std::fmt::Result {
        self.canonical_schedule(out)?;
        write!(out, "|{:?}", self.sim.w)
    }

    /// [`Self::canonical`] without the world (which the explorer hashes field by field).
    pub fn canonical_schedule(&self, out: &mut dyn std::fmt::Write) -> std::fmt::Result {
        self.schedule_text(out, self.sim.last_fault_at)
    }

    /// The schedule's text with `last_fault_at` as given (the reduced key leaves it out
    /// once it cannot move the end).
    fn schedule_text(&self, out: &mut dyn std::fmt::Write, last_fault_at: u64) -> std::fmt::Result {
        let sim = &self.sim;
        let mut pending: Vec<(u64, u64, Ev)> = sim.q.iter().map(|Reverse(e)| *e).collect();
        for (j, &(t, s)) in sim.jobs_next.iter().enumerate() {
            pending.push((t, s, Ev::Job(j as u8)));
        }
        pending.sort_unstable();
        for (t, _, ev) in &pending {
            write!(out, "{t}:{ev:?};")?;
        }
        write!(
            out,
            "|{}|{:?}|{}|{}|{}|{}|{:?}|",
            sim.retries,
            sim.rng,
            sim.step_started,
            sim.step_op,
            sim.step_work,
            last_fault_at,
            sim.end_at
        )?;
        write!(out, "{:?}", sim.failed_steps)?;
        self.plan_rest(out)
    }

    /// The explorer's fast form of [`Self::canonical_schedule`]: the same fields fed as raw
    /// words (no text). With `reduce`, the last fault's time is fed only while it can still
    /// move the end of the run: it is read once, by `schedule_end` (at the last phase's end,
    /// an event's time, never before `now`), as `max(now, last_fault_at)`; so once the end
    /// is scheduled, or while it is at or before `now`, every value of it plays the same
    /// future (docs/explore.md, "Reductions").
    pub fn hash_schedule(&self, h: &mut crate::explore::canon::Hasher, reduce: bool) {
        let sim = &self.sim;
        let code = |ev: Ev| -> u64 {
            match ev {
                Ev::Fault(i) => 1 << 60 | u64::from(i),
                Ev::Job(j) => 2 << 60 | u64::from(j),
                Ev::PhaseStart(p) => 3 << 60 | u64::from(p),
                Ev::StepEnd(p, k) => 4 << 60 | u64::from(p) << 30 | u64::from(k),
                Ev::StepRetry(p, k) => 5 << 60 | u64::from(p) << 30 | u64::from(k),
                Ev::End => 6 << 60,
            }
        };
        // The pending events and the jobs' next runs in (time, sequence) order (sequences
        // differ): the queue is kept sorted, latest first, so a merge with the three runs
        // sorted, without a vector.
        let mut runs: [(u64, u64, Ev); 3] =
            std::array::from_fn(|j| (sim.jobs_next[j].0, sim.jobs_next[j].1, Ev::Job(j as u8)));
        // Jobs not scheduled share (MAX, MAX): the job decides between them.
        runs.sort_unstable_by_key(|&(t, s, ev)| (key((t, s)), code(ev)));
        h.u64((sim.q.len() + runs.len()) as u64);
        let mut events = sim.q.iter().rev().map(|Reverse(e)| *e).peekable();
        let mut runs = runs.into_iter().peekable();
        loop {
            let e = match (events.peek(), runs.peek()) {
                (Some(&(t, s, _)), Some(&(u, r, _))) if key((t, s)) < key((u, r)) => events.next(),
                (Some(_), Some(_)) | (None, Some(_)) => runs.next(),
                (Some(_), None) => events.next(),
                (None, None) => break,
            };
            if let Some((t, _, ev)) = e {
                h.u64(t);
                h.u64(code(ev));
            }
        }
        let lfa = if reduce && (sim.end_at.is_some() || sim.last_fault_at <= sim.w.now) {
            0
        } else {
            sim.last_fault_at
        };
        h.u64(u64::from(sim.retries));
        for x in sim.rng.state() {
            h.u64(x);
        }
        h.u64(sim.step_started);
        h.u64(sim.step_op);
        h.u64(sim.step_work);
        h.u64(lfa);
        h.u64(sim.end_at.map_or(u64::MAX, |e| e));
        h.u64(u64::from(sim.end_at.is_some()));
        h.u64(sim.failed_steps.len() as u64);
        for f in &sim.failed_steps {
            h.u64(f.len() as u64);
            h.bytes(f.as_bytes());
        }
        // A deviation's pending part (rare: text is fine).
        h.u64(u64::from(self.replanned));
        let _ = self.plan_rest(h);
    }

    /// [`Self::canonical`] with the last fault's time as [`Self::hash_schedule`] feeds it
    /// under `reduce`, and the world's dead values canonical as `canon::world` feeds them
    /// (`explore::dead::reduced`): the reference the explorer's reduced key is tested
    /// against.
    pub fn canonical_reduced(&self, out: &mut dyn std::fmt::Write) -> std::fmt::Result {
        let sim = &self.sim;
        let lfa = if sim.end_at.is_some() || sim.last_fault_at <= sim.w.now {
            0
        } else {
            sim.last_fault_at
        };
        self.schedule_text(out, lfa)?;
        // Dead values canonical, then LSNs and write numbers by order (docs/explore.md,
        // "Reductions").
        let mut w = crate::explore::dead::reduced(&sim.w);
        let ahead = self.measures_writes_ahead();
        crate::explore::order::apply(&mut w, ahead, self.dc1_frozen());
        write!(out, "|{ahead}|{w:?}")
    }

    /// The report of the run so far (call when `done`).
    pub fn report(self) -> Report {
        self.sim.report()
    }
}
