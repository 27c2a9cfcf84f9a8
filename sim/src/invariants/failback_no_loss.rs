//! Failback loses no acknowledged write: every write acknowledged while failed over is in
//! the database the pool serves from once it is back to Normal.
use super::*;

pub struct FailbackNoLoss;

impl Invariant for FailbackNoLoss {
    fn name(&self) -> &'static str {
        "failback_no_loss"
    }
    fn kind(&self) -> Kind {
        Kind::Always
    }
    fn source(&self) -> &'static str {
        "model.md Safety; persistent-chat-hadr.md 4 (B3 backs up, B4 restores, B7 returns to Normal)"
    }
    #[inline]
    fn check(&self, w: &World, ctx: &Ctx) -> Option<String> {
        let s = ctx.step.as_ref()?;
        if !(s.ok
            && s.pool_state_before == PoolState::FailedOver
            && w.pool_state == PoolState::Normal)
        {
            return None;
        }
        lost_at_failback(w)
    }
}

/// The writes acknowledged while failed over that the copy the pool serves from lacks, as
/// the message (out of line: the check runs after every step, and this part once a run, at
/// the failback).
#[inline(never)]
fn lost_at_failback(w: &World) -> Option<String> {
    let target = w.pool_target();
    let lost = w
        .acked_failed_over
        .minus(&w.db(target, crate::topology::Db::Mgc).writes);
    (!lost.is_empty()).then(|| {
        format!(
            "{} writes acknowledged while failed over are not in mgc on {target}, which the pool serves from now",
            lost.len()
        )
    })
}
