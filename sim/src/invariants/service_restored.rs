//! Service restored: the pool serves from an ONLINE mgc with at least one reachable active server.
use super::*;

pub struct ServiceRestored;

impl Invariant for ServiceRestored {
    fn name(&self) -> &'static str {
        "service_restored"
    }
    fn kind(&self) -> Kind {
        Kind::Eventually
    }
    fn source(&self) -> &'static str {
        "model.md Liveness; persistent-chat-hadr.md 3 goals (recover mgc, point the pool at it)"
    }
    fn check(&self, w: &World, _: &Ctx) -> Option<String> {
        let target = w.pool_target();
        if !w.db(target, crate::topology::Db::Mgc).available {
            return Some(format!(
                "the pool ({}) points at mgc on {target}, which is not ONLINE",
                w.pool_state
            ));
        }
        let ok = w
            .servers
            .iter()
            .any(|s| s.active && s.up && s.service && s.conn == Some(target));
        (!ok).then(|| {
            format!("no active Persistent Chat server is running and connected to mgc on {target}")
        })
    }
}
