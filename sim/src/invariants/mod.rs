//! The invariants, one per file, each named and citing its source (model.md "Invariants to
//! check"). Safety properties are checked after every event; liveness properties once the
//! runbooks have ended and the faults are past, after the scenario's bound.

use crate::lsn::Lsn;
use crate::runbook::Action;
use crate::topology::{Instance, PoolState};
use crate::world::World;
use serde::Serialize;

mod active_server_placement;
mod dr_posture_restored;
mod failback_no_loss;
mod no_avoidable_loss_at_failover;
mod pool_db_coherence;
mod service_restored;
mod single_writer;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Always,
    Eventually,
}

/// What just happened, for the invariants that judge a step.
pub struct Ctx<'a> {
    pub step: Option<StepCtx<'a>>,
}

pub struct StepCtx<'a> {
    pub action: &'a Action,
    pub ok: bool,
    pub pool_state_before: PoolState,
    pub target_before: Instance,
    pub target_available_before: bool,
    /// For a recovery step: the redo point, and the best redo point reachable from DC2.
    pub recovery_redo: Option<(Lsn, Lsn)>,
}

pub trait Invariant: Sync {
    fn name(&self) -> &'static str;
    fn kind(&self) -> Kind;
    /// Where the rule comes from.
    fn source(&self) -> &'static str;
    /// `Some(explanation)` when violated.
    fn check(&self, w: &World, ctx: &Ctx) -> Option<String>;
}

pub static SAFETY: [&dyn Invariant; 5] = [
    &single_writer::SingleWriter,
    &no_avoidable_loss_at_failover::NoAvoidableLossAtFailover,
    &pool_db_coherence::PoolDbCoherence,
    &active_server_placement::ActiveServerPlacement,
    &failback_no_loss::FailbackNoLoss,
];

/// Which of [`SAFETY`] are violated now (bit k for `SAFETY[k]`), among those whose bit is
/// set in `pending`: the same checks, in the same order, called directly instead of
/// through `dyn` (they run after every fault and step of every run, and direct calls are
/// inlined). The message of a violation is `SAFETY[k].check`'s, asked again only when one
/// is found (once per invariant and run at most).
pub fn violated_safety(w: &World, ctx: &Ctx, pending: u8) -> u8 {
    let on = |k: u8| pending & (1 << k) != 0;
    let found = [
        on(0) && single_writer::SingleWriter.check(w, ctx).is_some(),
        on(1)
            && no_avoidable_loss_at_failover::NoAvoidableLossAtFailover
                .check(w, ctx)
                .is_some(),
        on(2) && pool_db_coherence::PoolDbCoherence.check(w, ctx).is_some(),
        on(3)
            && active_server_placement::ActiveServerPlacement
                .check(w, ctx)
                .is_some(),
        on(4) && failback_no_loss::FailbackNoLoss.check(w, ctx).is_some(),
    ];
    let mut violated = 0;
    for (k, f) in found.into_iter().enumerate() {
        debug_assert!(
            !on(k as u8) || f == SAFETY[k].check(w, ctx).is_some(),
            "violated_safety is out of step with SAFETY at {k}"
        );
        violated |= u8::from(f) << k;
    }
    violated
}

pub static LIVENESS: [&dyn Invariant; 2] = [
    &service_restored::ServiceRestored,
    &dr_posture_restored::DrPostureRestored,
];

/// Every invariant, safety first.
pub fn all() -> impl Iterator<Item = &'static dyn Invariant> {
    SAFETY.iter().chain(LIVENESS.iter()).copied()
}

pub fn names() -> Vec<&'static str> {
    all().map(|i| i.name()).collect()
}
