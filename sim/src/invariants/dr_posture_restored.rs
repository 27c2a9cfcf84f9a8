//! DR posture restored: after failover, backup mgc is mirrored; after failback (or with no
//! failover), log shipping primary -> backup runs and the primary is mirrored again.
use super::*;
use crate::topology::Db;
use crate::world::{BackupKind, DbState, MirrorState};

pub struct DrPostureRestored;

impl Invariant for DrPostureRestored {
    fn name(&self) -> &'static str {
        "dr_posture_restored"
    }
    fn kind(&self) -> Kind {
        Kind::Eventually
    }
    fn source(&self) -> &'static str {
        "model.md Liveness; persistent-chat-hadr.md 3 (goal: mirror the new primary), 4 B5, gap 5"
    }
    fn check(&self, w: &World, _: &Ctx) -> Option<String> {
        let target = w.pool_target();
        let c = w.db(target, Db::Mgc);
        let mirrored = c
            .mirroring
            .is_some_and(|m| m.state == MirrorState::Synchronized);
        if !mirrored {
            return Some(format!(
                "mgc on {target} is not mirrored (running without high availability)"
            ));
        }
        if w.pool_state == PoolState::FailedOver {
            return None;
        }
        let b = w.inst(Instance::Backup);
        let shipped = b.db(Db::Mgc).state == DbState::Restoring
            && b.ls_secondary
                .and_then(|s| s.last_restored_file)
                .and_then(|id| w.files.get(id as usize - 1))
                .is_some_and(|f| {
                    // A log of the current principal's lineage (or its mirror's) was restored.
                    f.kind == BackupKind::Log
                        && (f.source == target || c.mirroring.map(|m| m.partner) == Some(f.source))
                        && c.writes.contains_all(&f.writes)
                });
        (!shipped).then(|| format!("log shipping from mgc on {target} to backup does not run: no new log backup has been restored on backup"))
    }
}
