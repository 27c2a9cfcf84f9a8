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

/// One deviation plan, as the engine plays it.
#[derive(Debug)]
pub struct Plan {
    /// Added to the scenario's own deviations (a counterexample file records them).
    pub deviations: Vec<Deviation>,
    /// In words ("skip F2", ...; "none").
    pub text: String,
    pub plans: Arc<[Vec<Planned>]>,
}

/// Every plan of up to D deviations and where each first leaves the runbooks' own plan.
#[derive(Debug)]
pub struct Deviations {
    /// The scenario's own plans (the runbooks after the scenario's own deviations).
    pub own: Arc<[Vec<Planned>]>,
    /// Index 0: no deviation; then [`super::premise::deviation_plans`]' order.
    pub plans: Vec<Plan>,
    /// Per plan position (phase, index in the own plan), sorted: the plans whose first
    /// difference from the own plan is the step started there.
    at: Vec<((usize, usize), Vec<u32>)>,
}

/// Whether two planned steps play alike: the same step, action and extra delay.
fn same(rbs: &[Runbook], p: usize, a: &Planned, b: &Planned) -> bool {
    a.src == b.src
        && a.extra_delay_s == b.extra_delay_s
        && a.action.as_ref().unwrap_or(&rbs[p].steps[a.src].action)
            == b.action.as_ref().unwrap_or(&rbs[p].steps[b.src].action)
}

/// The first position (phase, index) at which `b` starts another step than `a` (or none
/// where `a` has one, or one where `a` has none); None when they are the same plans.
pub fn first_difference(
    rbs: &[Runbook],
    a: &[Vec<Planned>],
    b: &[Vec<Planned>],
) -> Option<(usize, usize)> {
    for p in 0..a.len().max(b.len()) {
        let (x, y) = (
            a.get(p).map_or(&[][..], |v| v),
            b.get(p).map_or(&[][..], |v| v),
        );
        for k in 0..x.len().max(y.len()) {
            match (x.get(k), y.get(k)) {
                (Some(u), Some(v)) if same(rbs, p, u, v) => {}
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
            plans: out,
            at,
        }
    }

    /// The plans that first differ from the own plan at the step started at `pos`.
    pub fn at(&self, pos: (usize, usize)) -> &[u32] {
        match self.at.binary_search_by_key(&pos, |e| e.0) {
            Ok(j) => &self.at[j].1,
            Err(_) => &[],
        }
    }
}
