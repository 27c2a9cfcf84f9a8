//! Synchronous database mirroring (SAFETY FULL) with an optional witness: automatic
//! failover, running exposed, loss of quorum and resynchronization
//! (sqlserver-semantics.md section 5).

use crate::topology::{Db, Instance};
use crate::world::*;

impl World {
    pub(crate) fn has_quorum(&self, i: Instance, db: Db) -> bool {
        let Some(m) = self.db(i, db).mirroring else {
            return true;
        };
        if m.role != MirrorRole::Principal || !m.witness {
            return true;
        }
        // With a witness, a principal that sees neither partner nor witness loses quorum (955).
        self.partner_alive(i, m.partner) || self.witness_alive(i)
    }

    fn partner_alive(&self, i: Instance, partner: Instance) -> bool {
        self.inst(partner).up && self.dcs_connected(i.dc(), partner.dc())
    }

    fn witness_alive(&self, from: Instance) -> bool {
        self.witness_configured && self.instance_reachable(Instance::Witness, from.dc())
    }

    /// Synchronous mirroring with a witness: automatic failover when the principal is lost
    /// and the mirror (synchronized) still sees the witness; resynchronization when partners
    /// meet again; running exposed otherwise.
    pub(crate) fn reconcile_mirroring(&mut self) {
        for p in Instance::DATA {
            let Some(m) = self.db(p, Db::Mgc).mirroring else {
                continue;
            };
            if m.role != MirrorRole::Principal {
                continue;
            }
            let q = m.partner;
            let p_alive = self.inst(p).up && self.dc_is_up(p.dc());
            let q_alive = self.inst(q).up && self.dc_is_up(q.dc());
            let q_mirrors_p = self.db(q, Db::Mgc).mirroring.map(|x| x.partner) == Some(p);
            if !q_mirrors_p {
                continue;
            }
            if !p_alive
                && q_alive
                && m.state == MirrorState::Synchronized
                && m.witness
                && self.witness_alive(q)
            {
                // Automatic failover: the mirror becomes principal with every hardened write.
                let mut qd = self.db(q, Db::Mgc).clone();
                qd.state = DbState::Online;
                qd.mirroring = Some(Mirroring {
                    role: MirrorRole::Principal,
                    partner: p,
                    witness: m.witness,
                    state: MirrorState::Disconnected,
                });
                *self.db_mut(q, Db::Mgc) = qd;
                let pd = self.db_mut(p, Db::Mgc);
                pd.state = DbState::Restoring;
                pd.mirroring = Some(Mirroring {
                    role: MirrorRole::Mirror,
                    partner: q,
                    witness: m.witness,
                    state: MirrorState::Disconnected,
                });
                self.coverage.mirror_took_over = true;
                continue;
            }
            let connected = p_alive && q_alive && self.dcs_connected(p.dc(), q.dc());
            let new_state = if connected {
                MirrorState::Synchronized
            } else {
                MirrorState::Disconnected
            };
            if connected && m.state == MirrorState::Disconnected {
                // The mirror catches up from the principal's log.
                let pd = self.db(p, Db::Mgc).clone();
                let qd = self.db_mut(q, Db::Mgc);
                qd.writes = pd.writes;
                qd.unbacked = pd.unbacked;
                qd.lsn = pd.lsn;
                qd.log_backup_from = pd.log_backup_from;
                qd.has_full_backup = pd.has_full_backup;
            }
            for (x, role, partner) in [(p, MirrorRole::Principal, q), (q, MirrorRole::Mirror, p)] {
                if let Some(mm) = self.db_mut(x, Db::Mgc).mirroring.as_mut() {
                    mm.state = new_state;
                    mm.role = role;
                    mm.partner = partner;
                }
            }
        }
    }
}
