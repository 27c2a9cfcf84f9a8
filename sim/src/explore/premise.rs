//! The roots of the search: the premise's discrete choices (where the share is, the pool's
//! layout, a witness or not, where the CMS is, the disaster's moment in the log-shipping
//! cycle) crossed with every plan of up to D operator deviations.

use super::deviate::{Deviations, Starts};
use crate::engine::{Options, Stepper};
use crate::fault::Fault;
use crate::runbook::Runbook;
use crate::scenario::{Deviation, DeviationKind, Scenario};
use crate::topology::{Dc, Instance, Layout};
use std::sync::Arc;

/// The bound of a search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bound {
    /// Faults placed by the search (a transient fault and its heal count as one).
    pub faults: u32,
    /// Operator deviations (skip, repeat, swap with the next step, wrong instance).
    pub deviations: u32,
    /// Also faults beyond the runbooks' assumptions while they run.
    pub beyond: bool,
    /// Apply the sound reductions (docs/explore.md, "Reductions"); false: the plain search
    /// (`--no-reduction`), the reference they are tested against.
    pub reduce: bool,
    /// With `reduce`: every deviation plan its own root (the first four reductions, not
    /// the fifth), so that `--shard` can split one premise's plans (`--deviation-roots`).
    pub plan_roots: bool,
    /// With `reduce` and not `plan_roots`: the deviation plans in one root per premise, or
    /// split into groups, each a run of consecutive first differences with the fifth
    /// reduction within it ([`super::deviate::Deviations::groups`]).
    pub plan_groups: PlanGroups,
}

/// How a premise's deviation plans are split into roots (`--deviation-groups`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanGroups {
    /// One root (0 or 1 groups given).
    One,
    /// This many groups (at most one more than the plans).
    Count(u32),
    /// With one deviation, two groups of equal weight
    /// ([`super::deviate::AUTO_GROUPS_ONE_DEVIATION`]); with more, as many as it takes for
    /// each to weigh about twice the search without deviations
    /// ([`super::deviate::Deviations::auto_groups`]).
    Auto,
}

/// Which premises are explored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PremiseMode {
    /// The scenario's own premise only.
    Scenario,
    /// Every discrete choice of the premise (see [`premises`]).
    All,
}

/// One root: a scenario (premise and deviations) the search starts from.
#[derive(Clone, Debug)]
pub struct Root {
    pub scenario: Scenario,
    /// The premise's choices, in words ("share DC2, two-plus-two, witness, ...").
    pub premise: String,
    /// The deviations, in words ("none", "skip F2", ...).
    pub deviations: String,
    /// The reduced search with D >= 1: the premise alone is the root, and the deviation
    /// plans are chosen as transitions (docs/explore.md, "Reductions" 5).
    pub moves: Option<Arc<Deviations>>,
}

/// The time of the disaster: the scenario's first absolutely timed fault.
pub fn disaster_at(s: &Scenario) -> u64 {
    s.faults
        .iter()
        .filter(|f| f.after_phase.is_none())
        .map(|f| f.at_s)
        .min()
        .unwrap_or(0)
}

/// Move the disaster (and everything timed after it: faults, phase starts) to `to`.
fn move_disaster(s: &mut Scenario, to: u64) {
    let d = disaster_at(s);
    let shift = |t: &mut u64| {
        if *t >= d {
            *t = (*t - d).saturating_add(to);
        }
    };
    for f in s.faults.iter_mut().filter(|f| f.after_phase.is_none()) {
        shift(&mut f.at_s);
    }
    for p in s.phases.iter_mut() {
        shift(&mut p.start_at_s);
    }
}

/// The disaster's moments relative to the log-shipping cycle it falls in: just before the
/// cycle's backup job runs, and just after each of the backup, copy and restore runs (the
/// cycle of the backup job at or before the scenario's disaster; times of at least 1 s).
pub fn disaster_moments(s: &Scenario) -> Vec<(u64, &'static str)> {
    let ls = &s.log_shipping;
    let d = disaster_at(s);
    let b = ls.backup_interval_s.max(1);
    // The backup job runs at b, 2b, ...; the copy at max(offset,1) + k*interval; same for restore.
    let backup = (d / b).max(1) * b;
    let next_run = |first: u64, every: u64| {
        let every = every.max(1);
        if backup <= first {
            first
        } else {
            first + (backup - first).div_ceil(every) * every
        }
    };
    let copy = next_run(ls.copy_offset_s.max(1), ls.copy_interval_s);
    let restore = next_run(ls.restore_offset_s.max(1), ls.restore_interval_s);
    let mut out = vec![
        (backup - 1, "before the log backup job runs"),
        (backup + 1, "after the log backup, before the copy"),
        (copy + 1, "after the copy, before the restore"),
        (restore + 1, "after the restore job runs"),
    ];
    out.sort_by_key(|m| m.0);
    out.dedup_by_key(|m| m.0);
    out
}

/// The premises: the scenario's own, or every combination of the discrete choices.
pub fn premises(base: &Scenario, mode: PremiseMode) -> Vec<(Scenario, String)> {
    if mode == PremiseMode::Scenario {
        return vec![(base.clone(), "the scenario's own".into())];
    }
    let cms_offset = base
        .faults
        .iter()
        .find(|f| matches!(f.fault, Fault::CmsFailover { .. }) && f.after_phase.is_none())
        .map_or(540, |f| f.at_s.saturating_sub(disaster_at(base)));
    let mut out = Vec::new();
    for (moment, moment_name) in disaster_moments(base) {
        for share in [Dc::Dc1, Dc::Dc2, Dc::Third] {
            for layout in [Layout::TwoPlusTwo, Layout::FourPlusZero] {
                for witness in [true, false] {
                    for cms in 0..3 {
                        let mut s = base.clone();
                        move_disaster(&mut s, moment);
                        s.topology.share = share;
                        s.topology.layout = layout;
                        s.topology.witness = witness;
                        s.faults
                            .retain(|f| !matches!(f.fault, Fault::CmsFailover { .. }));
                        let d = disaster_at(&s);
                        let cms_name = match cms {
                            0 => {
                                s.topology.cms = Dc::Dc1;
                                s.faults.push(crate::scenario::TimedFault {
                                    at_s: d + cms_offset,
                                    after_phase: None,
                                    fault: Fault::CmsFailover { to: Dc::Dc2 },
                                });
                                "CMS in DC1, failed over to DC2"
                            }
                            1 => {
                                s.topology.cms = Dc::Dc1;
                                "CMS in DC1, not failed over"
                            }
                            _ => {
                                s.topology.cms = Dc::Dc2;
                                "CMS in DC2"
                            }
                        };
                        s.faults
                            .sort_by_key(|f| (f.after_phase.map_or(0, |p| p + 1), f.at_s));
                        let name = format!(
                            "share {share}, {}, {}, {cms_name}, disaster at {} ({moment_name})",
                            match layout {
                                Layout::TwoPlusTwo => "two-plus-two",
                                Layout::FourPlusZero => "four-plus-zero",
                            },
                            if witness { "witness" } else { "no witness" },
                            moment
                        );
                        out.push((s, name));
                    }
                }
            }
        }
    }
    out
}

/// Every single deviation the runbooks allow, in runbook order.
pub fn single_deviations(runbooks: &[Runbook]) -> Vec<Deviation> {
    let mut out = Vec::new();
    for (phase, rb) in runbooks.iter().enumerate() {
        for (k, step) in rb.steps.iter().enumerate() {
            let mut kinds = vec![DeviationKind::Skip, DeviationKind::Repeat];
            if k + 1 < rb.steps.len() {
                kinds.push(DeviationKind::SwapWithNext);
            }
            for instance in Instance::DATA {
                let mut a = step.action.clone();
                if a.set_instance(instance) && a != step.action {
                    kinds.push(DeviationKind::WrongInstance { instance });
                }
            }
            for kind in kinds {
                out.push(Deviation {
                    phase,
                    step: step.id.clone(),
                    kind,
                });
            }
        }
    }
    out
}

fn describe(d: &Deviation) -> String {
    match &d.kind {
        DeviationKind::Skip => format!("skip {}", d.step),
        DeviationKind::Repeat => format!("repeat {}", d.step),
        DeviationKind::SwapWithNext => format!("swap {} with the next step", d.step),
        DeviationKind::WrongInstance { instance } => format!("{} on {instance}", d.step),
        DeviationKind::Delay { seconds } => format!("{} {seconds} s late", d.step),
    }
}

/// Every plan of up to `max` deviations (distinct ones, in runbook order), the empty plan first.
pub fn deviation_plans(runbooks: &[Runbook], max: u32) -> Vec<Vec<Deviation>> {
    let singles = single_deviations(runbooks);
    let mut out: Vec<Vec<usize>> = vec![vec![]];
    let mut last: Vec<Vec<usize>> = vec![vec![]];
    for _ in 0..max {
        let mut next = Vec::new();
        for plan in &last {
            let from = plan.last().map_or(0, |&i| i + 1);
            for i in from..singles.len() {
                let mut p = plan.clone();
                p.push(i);
                next.push(p);
            }
        }
        out.extend(next.iter().cloned());
        last = next;
    }
    out.into_iter()
        .map(|p| p.into_iter().map(|i| singles[i].clone()).collect())
        .collect()
}

/// The events the undeviated run of `s` plays before each plan position is first started
/// (phase, index; sorted), and the events of the whole run: how much of the run is left
/// after a plan's first difference, which weighs the groups of plans.
fn start_events(s: &Scenario, runbooks: &[Runbook]) -> (Box<Starts>, u64) {
    let mut st = Stepper::new(s, runbooks, Options { record: false }).without_step_records();
    let mut starts: Vec<((usize, usize), u64)> = Vec::new();
    let mut n = 0u64;
    loop {
        if let Some(pos) = st.next_start() {
            if let Err(j) = starts.binary_search_by_key(&pos, |e| e.0) {
                starts.insert(j, (pos, n));
            }
        }
        if !st.step() {
            break;
        }
        n += 1;
    }
    (starts.into_boxed_slice(), n)
}

/// States of the one-fault search without deviations that `done_before` measures the
/// levels of (the corrected full cycle has 67,977); past it, events weigh alike.
const PROFILE_STATES: u64 = 2_000_000;

/// The distinct states first reached at each level of the search with one fault and no
/// deviation from `base`'s own premise (level 0: the root), which is what `done_before`
/// weighs the levels by; None when that search passes [`PROFILE_STATES`]. They add up to the
/// search's unique states.
pub fn level_states(base: &Scenario, runbooks: &[Runbook], bound: Bound) -> Option<Vec<u64>> {
    let one = Bound {
        faults: 1,
        deviations: 0,
        plan_groups: PlanGroups::One,
        ..bound
    };
    let roots = roots(base, runbooks, one, PremiseMode::Scenario);
    // Distinct states through each level, read at each level's start.
    let through = std::cell::RefCell::new(Vec::<u64>::new());
    let watch = |p: super::Progress| {
        let mut t = through.borrow_mut();
        if t.len() == p.depth as usize {
            t.push(p.unique);
        }
        false
    };
    let o = super::explore(
        &roots,
        runbooks,
        one,
        PROFILE_STATES,
        &watch,
        &|_| true,
        &|level, sink| super::expand_serial(level, one, sink),
    );
    if o.stopped.is_some() {
        return None;
    }
    // The last level's successors that end their run are counted but start no level of
    // their own, so no level's start saw them: the total closes the last level.
    let mut through = through.into_inner();
    if through.last() != Some(&o.unique) {
        through.push(o.unique);
    }
    Some(
        through
            .into_iter()
            .scan(0, |before, n| {
                let level = n - *before;
                *before = n;
                Some(level)
            })
            .collect(),
    )
}

/// The share of the search of `bound` without deviations whose states lie before the
/// undeviated run's e-th event (its level e). Measured on the search with one fault (a
/// fraction of a second): with K faults a level holds about the K-th power of its states,
/// the ways to place each fault. With no fault, or when that search is too big, a level
/// weighs 1 (`events` levels).
fn done_before(
    base: &Scenario,
    runbooks: &[Runbook],
    bound: Bound,
    events: u64,
) -> impl Fn(u64) -> f64 {
    let profile = (bound.faults > 0)
        .then(|| level_states(base, runbooks, bound))
        .flatten();
    let weight: Vec<f64> = match profile {
        Some(levels) => levels
            .into_iter()
            .map(|n| (n as f64).powi(bound.faults as i32))
            .collect(),
        None => vec![1.0; events as usize + 1],
    };
    let mut before = Vec::with_capacity(weight.len() + 1);
    let mut sum = 0.0;
    for w in &weight {
        before.push(sum);
        sum += w;
    }
    move |e: u64| {
        before
            .get(e as usize)
            .map_or(1.0, |b| b / sum.max(f64::MIN_POSITIVE))
    }
}

/// A plan in words ("none", "skip F2, repeat F3").
pub fn plan_text(plan: &[Deviation]) -> String {
    if plan.is_empty() {
        "none".into()
    } else {
        plan.iter().map(describe).collect::<Vec<_>>().join(", ")
    }
}

/// The roots, premise-major: every premise with every deviation plan; in the reduced
/// search with D >= 1, every premise alone, the plans chosen as transitions (unless
/// `plan_roots`).
pub fn roots(base: &Scenario, runbooks: &[Runbook], bound: Bound, mode: PremiseMode) -> Vec<Root> {
    let plans = deviation_plans(runbooks, bound.deviations);
    let mut out = Vec::new();
    if bound.reduce && bound.deviations > 0 && !bound.plan_roots {
        // The premises keep the scenario's own deviations: one table serves them all.
        let moves = Arc::new(Deviations::new(
            base,
            runbooks,
            plans
                .into_iter()
                .map(|p| {
                    let text = plan_text(&p);
                    (p, text)
                })
                .collect(),
        ));
        let groups = match bound.plan_groups {
            PlanGroups::One | PlanGroups::Count(0 | 1) => vec![moves],
            split => {
                let (starts, events) = start_events(base, runbooks);
                let groups = match split {
                    PlanGroups::Count(n) => moves.groups(n as usize, &starts, events, bound.faults),
                    // One deviation: about a hundred plans, 11.7 and 15.9 million states in
                    // the two groups at K=2; side by side the fastest measured
                    // (AUTO_GROUPS_ONE_DEVIATION).
                    _ if bound.deviations == 1 => moves.groups(
                        super::deviate::AUTO_GROUPS_ONE_DEVIATION,
                        &starts,
                        events,
                        bound.faults,
                    ),
                    _ => {
                        let done = done_before(base, runbooks, bound, events);
                        moves.auto_groups(&starts, events, bound.faults, &done)
                    }
                };
                groups.into_iter().map(Arc::new).collect()
            }
        };
        for (s, premise) in premises(base, mode) {
            for g in &groups {
                out.push(Root {
                    scenario: s.clone(),
                    premise: premise.clone(),
                    deviations: g.text.clone(),
                    moves: Some(g.clone()),
                });
            }
        }
        return out;
    }
    for (s, premise) in premises(base, mode) {
        for plan in &plans {
            let mut s = s.clone();
            s.deviations.extend(plan.iter().cloned());
            out.push(Root {
                scenario: s,
                premise: premise.clone(),
                deviations: plan_text(plan),
                moves: None,
            });
        }
    }
    out
}
