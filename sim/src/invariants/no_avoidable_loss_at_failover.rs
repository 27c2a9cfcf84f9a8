//! No avoidable loss at failover: when backup mgc is recovered (F4), every log backup that
//! was reachable from DC2 and continued its chain has been applied.
use super::*;

pub struct NoAvoidableLossAtFailover;

impl Invariant for NoAvoidableLossAtFailover {
    fn name(&self) -> &'static str {
        "no_avoidable_loss_at_failover"
    }
    fn kind(&self) -> Kind {
        Kind::Always
    }
    fn source(&self) -> &'static str {
        "model.md Safety; persistent-chat-hadr.md 3 F2-F3 (copy and apply any uncopied/unapplied log backups)"
    }
    #[inline]
    fn check(&self, _: &World, ctx: &Ctx) -> Option<String> {
        let s = ctx.step.as_ref()?;
        if !s.ok || !matches!(s.action, Action::KillSessionsAndRecover { .. }) {
            return None;
        }
        let (redo, best) = s.recovery_redo?;
        (best > redo).then(|| avoidable_loss(redo, best))
    }
}

/// The message, out of line: the check runs after every step.
#[cold]
fn avoidable_loss(redo: Lsn, best: Lsn) -> String {
    format!(
        "mgc was recovered at LSN {redo}, but log backups reachable from DC2 continued the chain to LSN {best}: their writes are lost for nothing"
    )
}
