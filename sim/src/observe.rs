//! The observable state after a step: what `sys.databases`, `sys.database_mirroring`,
//! msdb's log-shipping monitor and `Get-CsPersistentChatState` would show. A first-class
//! value so that a drill on real servers (or a SQL Server container replay) can be compared
//! with the model step by step.

use crate::lsn::Lsn;
use crate::topology::{Db, Dc, Instance, PoolState};
use crate::world::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    pub instances: Vec<InstanceObs>,
    pub share: ShareObs,
    pub pool: PoolObs,
    pub writes: WritesObs,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceObs {
    pub instance: Instance,
    pub dc: Dc,
    pub up: bool,
    /// Rows of sys.databases joined with sys.database_mirroring (existing databases only).
    pub databases: Vec<DatabaseObs>,
    /// msdb.dbo.log_shipping_monitor_secondary, if this is a secondary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_shipping_secondary: Option<LogShippingObs>,
    /// msdb.dbo.log_shipping_primary_databases has a row for mgc.
    pub log_shipping_primary: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseObs {
    pub name: Db,
    /// sys.databases.state_desc (ONLINE, RESTORING). A copy in STANDBY shows ONLINE with
    /// `is_in_standby` (sys-databases-transact-sql.md: "Database is read-only for restore log").
    pub state_desc: String,
    /// sys.databases.is_in_standby.
    pub is_in_standby: bool,
    /// End of log (ONLINE) or redo start LSN (RESTORING).
    pub lsn: Lsn,
    /// sys.database_mirroring.mirroring_role_desc (NULL when not mirrored).
    pub mirroring_role_desc: Option<String>,
    pub mirroring_state_desc: Option<String>,
    pub mirroring_witness_state_desc: Option<String>,
    /// Chat server sessions (sp_who2 rows for the database).
    pub sessions: u32,
    /// Surviving chat writes (rows) in this copy.
    pub writes_held: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogShippingObs {
    pub primary: Instance,
    pub last_copied_file: Option<String>,
    pub last_restored_file: Option<String>,
    pub last_restored_latency: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareObs {
    pub dc: Dc,
    pub reachable_from_dc2: bool,
    pub files_on_share: u32,
    pub files_in_copy_folder: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolObs {
    /// Get-CsPersistentChatState.
    pub state: PoolState,
    /// Get-CsPersistentChatActiveServer.
    pub active_servers: Vec<u8>,
    /// The copy of mgc the pool state points at.
    pub target: Instance,
    /// Servers writing now, with the copy they write to.
    pub writers: Vec<(u8, Instance)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WritesObs {
    pub acknowledged: u64,
    pub held_by_target: u64,
}

fn state_desc(s: DbState) -> &'static str {
    match s {
        DbState::Absent => "ABSENT",
        DbState::Online => "ONLINE",
        DbState::Restoring => "RESTORING",
        DbState::Standby => "ONLINE",
    }
}

pub fn observe(w: &World) -> Observation {
    let file_name = |id: Option<u32>| {
        id.and_then(|id| w.files.get(id as usize - 1))
            .map(|f| f.file_name())
    };
    let instances = Instance::ALL
        .iter()
        .map(|&i| {
            let inst = w.inst(i);
            let databases = [Db::Mgc, Db::Mgccomp]
                .iter()
                .filter(|&&d| inst.db(d).state != DbState::Absent)
                .map(|&d| {
                    let c = inst.db(d);
                    let m = c.mirroring;
                    DatabaseObs {
                        name: d,
                        state_desc: state_desc(c.state).into(),
                        is_in_standby: c.state == DbState::Standby,
                        lsn: c.lsn,
                        mirroring_role_desc: m.map(|m| format!("{:?}", m.role).to_uppercase()),
                        mirroring_state_desc: m.map(|m| format!("{:?}", m.state).to_uppercase()),
                        mirroring_witness_state_desc: m.map(|m| {
                            if !m.witness {
                                "UNKNOWN".into()
                            } else if w.inst(Instance::Witness).up && w.dc_is_up(Dc::Dc1) {
                                "CONNECTED".into()
                            } else {
                                "DISCONNECTED".into()
                            }
                        }),
                        sessions: if d == Db::Mgc {
                            w.sessions_on(i) as u32
                        } else {
                            0
                        },
                        writes_held: c.writes.len(),
                    }
                })
                .collect();
            InstanceObs {
                instance: i,
                dc: i.dc(),
                up: inst.up && w.dc_is_up(i.dc()),
                databases,
                log_shipping_secondary: inst.ls_secondary.map(|s| LogShippingObs {
                    primary: s.primary,
                    last_copied_file: file_name(s.last_copied_file),
                    last_restored_file: file_name(s.last_restored_file),
                    last_restored_latency: s.last_restored_latency_min,
                }),
                log_shipping_primary: inst.ls_primary.is_some(),
            }
        })
        .collect();
    let target = w.pool_target();
    let acknowledged = w.acknowledged();
    Observation {
        instances,
        share: ShareObs {
            dc: w.share_dc,
            reachable_from_dc2: w.share_reachable(Dc::Dc2),
            files_on_share: w
                .files
                .iter()
                .filter(|f| f.on_share != FileState::Absent)
                .count() as u32,
            files_in_copy_folder: w
                .files
                .iter()
                .filter(|f| f.in_copy_folder != FileState::Absent)
                .count() as u32,
        },
        pool: PoolObs {
            state: w.pool_state,
            active_servers: crate::steps::active_list(w),
            target,
            writers: w.writers().map(|(n, i)| ((n + 1) as u8, i)).collect(),
        },
        writes: WritesObs {
            acknowledged: acknowledged.len(),
            held_by_target: acknowledged
                .minus(&acknowledged.minus(&w.db(target, Db::Mgc).writes))
                .len(),
        },
    }
}
