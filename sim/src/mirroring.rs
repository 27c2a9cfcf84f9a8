//! Synchronous database mirroring (SAFETY FULL) with an optional witness: automatic
//! failover, running exposed, loss of quorum and resynchronization
//! (sqlserver-semantics.md section 5; mirroring-states-sql-server.md).

use crate::assumptions::Name;
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

    fn alive(&self, i: Instance) -> bool {
        self.inst(i).up && self.dc_is_up(i.dc())
    }

    /// Synchronous mirroring with a witness: automatic failover when the principal is lost
    /// and the SYNCHRONIZED mirror still sees the witness; when partners meet again the
    /// mirror is SYNCHRONIZING, and SYNCHRONIZED from the next event on (assumption
    /// `mirror_resync`); running exposed otherwise.
    pub(crate) fn reconcile_mirroring(&mut self) {
        for p in Instance::DATA {
            let Some(m) = self.db(p, Db::Mgc).mirroring else {
                continue;
            };
            if m.role != MirrorRole::Principal {
                continue;
            }
            let q = m.partner;
            let Some(qm) = self.db(q, Db::Mgc).mirroring else {
                continue;
            };
            if qm.partner != p {
                continue;
            }
            let (p_alive, q_alive) = (self.alive(p), self.alive(q));
            let connected = p_alive && q_alive && self.dcs_connected(p.dc(), q.dc());
            if m.former_principal {
                // Its partner took over while it was down: it becomes the mirror when it
                // rejoins, and resynchronizes from the new principal.
                if connected {
                    let now = self.now;
                    let pd = self.db_mut(p, Db::Mgc);
                    pd.state = DbState::Restoring;
                    pd.mirroring = Some(Mirroring {
                        role: MirrorRole::Mirror,
                        state: MirrorState::Synchronizing,
                        former_principal: false,
                        since: now,
                        ..m
                    });
                    if let Some(x) = self.db_mut(q, Db::Mgc).mirroring.as_mut() {
                        x.state = MirrorState::Synchronizing;
                        x.since = now;
                    }
                }
                continue;
            }
            if qm.former_principal {
                // The partner has not rejoined yet (its own turn of the loop rejoins it).
                if !connected {
                    if let Some(x) = self.db_mut(p, Db::Mgc).mirroring.as_mut() {
                        x.state = MirrorState::Disconnected;
                    }
                }
                continue;
            }
            if !p_alive
                && q_alive
                && m.state == MirrorState::Synchronized
                && m.witness
                && self.witness_alive(q)
            {
                // Automatic failover: the mirror becomes principal with every hardened write.
                // The lost principal keeps its last role until it rejoins.
                let qd = self.db_mut(q, Db::Mgc);
                qd.state = DbState::Online;
                qd.mirroring = Some(Mirroring {
                    role: MirrorRole::Principal,
                    partner: p,
                    state: MirrorState::Disconnected,
                    ..qm
                });
                if let Some(x) = self.db_mut(p, Db::Mgc).mirroring.as_mut() {
                    x.state = MirrorState::Disconnected;
                    x.former_principal = true;
                }
                self.coverage.mirror_took_over = true;
                continue;
            }
            let new_state = match (connected, m.state) {
                (false, _) => MirrorState::Disconnected,
                (true, MirrorState::Disconnected) => MirrorState::Synchronizing,
                (true, MirrorState::Synchronizing) if self.now > m.since => {
                    self.used.note(Name::MirrorResync);
                    // The mirror has caught up from the principal's log.
                    let pd = self.db(p, Db::Mgc).clone();
                    let qd = self.db_mut(q, Db::Mgc);
                    qd.writes = pd.writes;
                    qd.unbacked = pd.unbacked;
                    qd.lsn = pd.lsn;
                    qd.log_backup_from = pd.log_backup_from;
                    qd.has_full_backup = pd.has_full_backup;
                    MirrorState::Synchronized
                }
                (true, s) => s,
            };
            let since = if new_state == MirrorState::Synchronizing && m.state != new_state {
                self.now
            } else {
                m.since
            };
            // Written only when it changes (`Instances`: a write unshares the instance).
            let stale = |mm: Mirroring| mm.state != new_state || mm.since != since;
            for x in [p, q] {
                if !self.db(x, Db::Mgc).mirroring.is_some_and(stale) {
                    continue;
                }
                if let Some(mm) = self.db_mut(x, Db::Mgc).mirroring.as_mut() {
                    mm.state = new_state;
                    mm.since = since;
                }
            }
        }
    }
}
