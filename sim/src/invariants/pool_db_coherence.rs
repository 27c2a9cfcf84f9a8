//! Pool/database coherence: no step points the pool at a copy of mgc that is not ONLINE,
//! and no step takes offline the copy the pool points at. An outage caused by a fault is
//! not a violation: it is what RTO measures.
use super::*;

pub struct PoolDbCoherence;

impl Invariant for PoolDbCoherence {
    fn name(&self) -> &'static str {
        "pool_db_coherence"
    }
    fn kind(&self) -> Kind {
        Kind::Always
    }
    fn source(&self) -> &'static str {
        "model.md Safety; persistent-chat-hadr.md 5 (FailedOver uses the backup databases) and gap 7"
    }
    #[inline]
    fn check(&self, w: &World, ctx: &Ctx) -> Option<String> {
        let s = ctx.step.as_ref()?;
        if !s.ok {
            return None;
        }
        let target = w.pool_target();
        let available = w.db(target, crate::topology::Db::Mgc).available;
        if w.pool_state != s.pool_state_before && !available {
            return Some(set_to_offline(w.pool_state, target));
        }
        if target == s.target_before && s.target_available_before && !available {
            return Some(took_offline(w.pool_state, target));
        }
        None
    }
}

// The messages, out of line: the check runs after every step, and without them it is
// smaller where it is inlined (`violated_safety`).
#[cold]
fn set_to_offline(state: PoolState, target: Instance) -> String {
    format!("the pool was set to {state} while mgc on {target} is not ONLINE")
}

#[cold]
fn took_offline(state: PoolState, target: Instance) -> String {
    format!("the step took offline mgc on {target}, the copy the pool ({state}) points at")
}
