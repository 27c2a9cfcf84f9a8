//! Active-server placement: every active server is in the serving database's data center,
//! or the data centers have a low-latency, high-bandwidth link; at most 4 active servers.
use super::*;
use crate::topology::{server_dc, Dc, MAX_ACTIVE, SERVER_COUNT};

pub struct ActiveServerPlacement;

impl Invariant for ActiveServerPlacement {
    fn name(&self) -> &'static str {
        "active_server_placement"
    }
    fn kind(&self) -> Kind {
        Kind::Always
    }
    fn source(&self) -> &'static str {
        "persistent-chat-hadr.md 3 F7 IMPORTANT, 4 B6; 1 (at most 4 active servers)"
    }
    #[inline]
    fn check(&self, w: &World, ctx: &Ctx) -> Option<String> {
        // The active list and pool state only change through steps.
        ctx.step.as_ref()?;
        let active = (0..SERVER_COUNT).filter(|n| w.servers[*n].active).count();
        if active > MAX_ACTIVE {
            return Some(too_many(active));
        }
        if w.fast_link {
            return None;
        }
        let dc = w.pool_target().dc();
        (0..SERVER_COUNT)
            .find(|n| w.servers[*n].active && server_dc((*n + 1) as u8) != dc)
            .map(|n| elsewhere(n, dc))
    }
}

// The messages, out of line: the check runs after every step, and without them it is
// small enough to be inlined into `violated_safety`.
#[cold]
fn too_many(active: usize) -> String {
    format!("{active} servers are active; at most {MAX_ACTIVE} may be")
}

#[cold]
fn elsewhere(n: usize, dc: Dc) -> String {
    format!(
        "server pchat{} in {} is active while the pool serves from {dc} over a slow link",
        n + 1,
        server_dc((n + 1) as u8)
    )
}
