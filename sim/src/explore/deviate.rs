//! Deviations placed as transitions (the fifth reduction, docs/explore.md "Reductions"):
//! instead of a root per deviation plan, the search plays the runbooks' own plan and, at
//! the event that starts the first step a plan changes, also plays that event with the
//! plan in its place. Before that event a plan's run is the undeviated run, so its states
//! are shared; after it the engine carries the plan ([`crate::engine::Stepper::replan`])
//! until what is left of it is a remainder of the runbooks' own again
//! ([`crate::engine::Stepper::rebase`]).

use crate::engine::{plan_phase, Planned};
use crate::runbook::Runbook;
use crate::scenario::{Deviation, Scenario};
use std::sync::Arc;

/// A plan position (phase, index in its plan) with the events the undeviated run plays
/// before that position first starts, sorted by position.
pub type Starts = [((usize, usize), u64)];

/// The most groups a premise's plans are split into (`--deviation-groups`' bound): past
/// it, automatic groups are cut into this many of equal weight instead.
pub const MAX_GROUPS: usize = 1024;

/// The most a group of `--deviation-groups auto` may weigh with two deviations or more, in
/// searches without deviations ([`Deviations::auto_groups`]): two early plans, or a late
/// group's replay and its plans.
pub const AUTO_GROUP: f64 = 2.0;

/// The groups of `--deviation-groups auto` with one deviation ([`Deviations::groups`]'
/// equal weights): two searches side by side on two cores, the idle one helping the other
/// at the end. Measured at K=2, D=1 over the corrected full cycle (docs/explore.md,
/// "Groups of plans"): 57.2-64.8 s in 2 groups, 67.7 s in 4, 72.7 s in 3, 76.9 s in one
/// root; the packing rule's 24 took 107.2 s on the fifteenth session's build.
pub const AUTO_GROUPS_ONE_DEVIATION: usize = 2;

/// One deviation plan, as the engine plays it.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Added to the scenario's own deviations (a counterexample file records them).
    pub deviations: Vec<Deviation>,
    /// In words ("skip F2", ...; "none").
    pub text: String,
    pub plans: Arc<[Vec<Planned>]>,
}

/// Every plan of up to D deviations and where each first leaves the runbooks' own plan (or
/// a group of them: [`Deviations::groups`]).
#[derive(Clone, Debug)]
pub struct Deviations {
    /// The scenario's own plans (the runbooks after the scenario's own deviations).
    pub own: Arc<[Vec<Planned>]>,
    /// Index 0: no deviation; then [`super::premise::deviation_plans`]' order. Shared by
    /// the groups (with D=3 there are 152,000 plans over the full cycle).
    pub plans: Arc<[Plan]>,
    /// Per plan position (phase, index in the own plan), sorted: the plans whose first
    /// difference from the own plan is the step started there.
    at: Vec<((usize, usize), Vec<u32>)>,
    /// In a group of plans that is not the last: the group's last position. Past it no
    /// plan of the group can be chosen, and the undeviated run is the last group's to
    /// explore, so a state still undeviated there is not expanded (a leaf).
    pub undeviated_until: Option<(usize, usize)>,
    /// The root's deviations in words: "none" (every plan is chosen where it applies), or
    /// which group of plans this is.
    pub text: String,
}

/// The first position (phase, index) at which `b` starts another step than `a` (or none
/// where `a` has one, or one where `a` has none); None when they are the same plans.
pub fn first_difference(
    rbs: &[Runbook],
    a: &[Vec<Planned>],
    b: &[Vec<Planned>],
) -> Option<(usize, usize)> {
    // One plan a runbook.
    debug_assert!(a.len() <= rbs.len() && b.len() <= rbs.len());
    for (p, rb) in rbs.iter().enumerate().take(a.len().max(b.len())) {
        let (x, y) = (
            a.get(p).map_or(&[][..], |v| v),
            b.get(p).map_or(&[][..], |v| v),
        );
        for k in 0..x.len().max(y.len()) {
            match (x.get(k), y.get(k)) {
                (Some(u), Some(v)) if u.plays_like(v, rb) => {}
                _ => return Some((p, k)),
            }
        }
    }
    None
}

impl Deviations {
    /// The plans of `s` (a premise: its own deviations kept) with every plan of
    /// `deviation_plans` added in turn.
    pub fn new(s: &Scenario, runbooks: &[Runbook], plans: Vec<(Vec<Deviation>, String)>) -> Self {
        let play = |s: &Scenario| -> Arc<[Vec<Planned>]> {
            runbooks
                .iter()
                .enumerate()
                .map(|(i, rb)| plan_phase(s, i, rb))
                .collect()
        };
        let own = play(s);
        let mut at: Vec<((usize, usize), Vec<u32>)> = Vec::new();
        let mut out = Vec::with_capacity(plans.len());
        for (i, (deviations, text)) in plans.into_iter().enumerate() {
            let mut d = s.clone();
            d.deviations.extend(deviations.iter().cloned());
            let p = play(&d);
            if i > 0 {
                if let Some(pos) = first_difference(runbooks, &own, &p) {
                    match at.binary_search_by_key(&pos, |e| e.0) {
                        Ok(j) => at[j].1.push(i as u32),
                        Err(j) => at.insert(j, (pos, vec![i as u32])),
                    }
                }
            }
            out.push(Plan {
                deviations,
                text,
                plans: p,
            });
        }
        Deviations {
            own,
            plans: out.into(),
            at,
            undeviated_until: None,
            text: "none".into(),
        }
    }

    /// The plans split into `n` groups (at most one more than the plans) of consecutive
    /// first differences, each searched as its own root with the plans chosen where they
    /// apply: the state spaces after the plans' steps are mostly their own (docs/explore.md,
    /// "Groups of plans"), so a group's search holds about its share of the memory. Each
    /// group also plays the undeviated run up to its last position, and the last group all
    /// of it. A plan is weighed by what is left of the undeviated run after its first
    /// difference to the power `faults` (each fault can be placed at any moment of it:
    /// `starts` holds the events played before each position first starts, `events` the
    /// whole run's), the undeviated run as a plan of the whole run.
    pub fn groups(&self, n: usize, starts: &Starts, events: u64, faults: u32) -> Vec<Self> {
        let weigh = |left: u64| (left.max(1) as f64).powi(faults.max(1) as i32);
        let items = self.items();
        let weights: Vec<f64> = items
            .iter()
            .map(|(pos, _)| weigh(left(starts, events, pos)))
            .collect();
        let total: f64 = weights.iter().sum::<f64>() + weigh(events);
        let n = n.clamp(1, items.len() + 1);
        // Cut where the running weight passes the next multiple of total / n, or where
        // fewer plans are left than cuts still to make (n groups exactly; the last may
        // hold the undeviated run alone).
        let mut cuts: Vec<usize> = Vec::new();
        let mut sum = 0.0;
        for (k, w) in weights.iter().enumerate() {
            sum += w;
            let need = n - 1 - cuts.len();
            let heavy = sum * n as f64 >= total * (cuts.len() + 1) as f64;
            if need > 0 && (heavy || items.len() - (k + 1) < need) {
                cuts.push(k + 1);
            }
        }
        cuts.push(items.len());
        self.split(&items, &cuts)
    }

    /// The groups of `--deviation-groups auto`: each at most about [`AUTO_GROUP`] times the
    /// search without deviations. `done(e)` is the share of that search's states before the
    /// undeviated run's e-th event ([`super::premise`] measures it). A plan that first
    /// changes the step started after event e weighs about what the search holds after it,
    /// 1 - done(e) (the deviated run from there, with the faults placed anywhere before),
    /// and a group replays the undeviated run up to its last plan, done(e) of it. The
    /// plans are packed in order, a group closed before it would pass the limit; the
    /// undeviated run is the last group's, alone. The limit is above 1 because a group late
    /// in the run is mostly its replay: with a group for each plan there, the undeviated
    /// run would be replayed once per plan. Past [`MAX_GROUPS`] (thousands of plans, D >= 2),
    /// [`Deviations::groups`]' `MAX_GROUPS` of equal weight instead.
    pub fn auto_groups(
        &self,
        starts: &Starts,
        events: u64,
        faults: u32,
        done: &dyn Fn(u64) -> f64,
    ) -> Vec<Self> {
        let items = self.items();
        let mut cuts: Vec<usize> = Vec::new();
        let mut plans = 0.0;
        for (k, (pos, _)) in items.iter().enumerate() {
            let replay = before(starts, pos).map_or(1.0, |e| done(e).clamp(0.0, 1.0));
            let plan = 1.0 - replay;
            let open = k > cuts.last().copied().unwrap_or(0);
            if open && plans + plan + replay > AUTO_GROUP {
                cuts.push(k);
                plans = 0.0;
            }
            plans += plan;
        }
        cuts.push(items.len());
        if !items.is_empty() {
            cuts.push(items.len());
        }
        if cuts.len() > MAX_GROUPS {
            return self.groups(MAX_GROUPS, starts, events, faults);
        }
        self.split(&items, &cuts)
    }

    /// The groups ending before each of `cuts` (increasing; the last is every plan): the
    /// last plays the undeviated run to its end, the others up to their last plan.
    fn split(&self, items: &[((usize, usize), u32)], cuts: &[usize]) -> Vec<Self> {
        let count = cuts.len();
        let mut from = 0;
        let mut out = Vec::with_capacity(count);
        for (g, &to) in cuts.iter().enumerate() {
            let mine = &items[from..to];
            let mut at: Vec<((usize, usize), Vec<u32>)> = Vec::new();
            for &(pos, r) in mine {
                match at.last_mut() {
                    Some((p, rs)) if *p == pos => rs.push(r),
                    _ => at.push((pos, vec![r])),
                }
            }
            let plan = |r: u32| &self.plans[r as usize].text;
            let text = match mine {
                [] => format!("group {} of {count}: the undeviated run", g + 1),
                [(_, a)] => format!("group {} of {count}: {}", g + 1, plan(*a)),
                [(_, a), .., (_, b)] => format!(
                    "group {} of {count}: {} plans, {} to {}",
                    g + 1,
                    mine.len(),
                    plan(*a),
                    plan(*b)
                ),
            };
            out.push(Deviations {
                own: self.own.clone(),
                plans: self.plans.clone(),
                undeviated_until: if g + 1 < count {
                    at.last().map(|e| e.0)
                } else {
                    None
                },
                at,
                text,
            });
            from = to;
        }
        out
    }

    /// Every plan with its position, in the order of the positions (a position's plans may
    /// fall in two groups: each group chooses its own there).
    fn items(&self) -> Vec<((usize, usize), u32)> {
        self.at
            .iter()
            .flat_map(|(pos, plans)| plans.iter().map(move |&r| (*pos, r)))
            .collect()
    }

    /// Each position (phase, index; in order) with the plans chosen there.
    pub fn positions(&self) -> impl Iterator<Item = ((usize, usize), &[u32])> {
        self.at.iter().map(|(pos, plans)| (*pos, plans.as_slice()))
    }

    /// The plans that first differ from the own plan at the step started at `pos`.
    pub fn at(&self, pos: (usize, usize)) -> &[u32] {
        match self.at.binary_search_by_key(&pos, |e| e.0) {
            Ok(j) => &self.at[j].1,
            Err(_) => &[],
        }
    }
}

/// The events the undeviated run plays before `pos` first starts (None: it never does).
fn before(starts: &Starts, pos: &(usize, usize)) -> Option<u64> {
    let j = starts.binary_search_by_key(pos, |e| e.0).ok()?;
    Some(starts[j].1)
}

/// The events of the undeviated run left after `pos` first starts (1 when it never does).
fn left(starts: &Starts, events: u64, pos: &(usize, usize)) -> u64 {
    before(starts, pos).map_or(1, |b| events.saturating_sub(b))
}
