//! The modelling assumptions: every place where the documents are silent and the model
//! had to choose. One registry (name, what is assumed, its source or "no source", the
//! default, the alternatives, where a scenario sets it), the settings a scenario chooses
//! (`"assumptions": {...}`), and the record of which assumptions a run actually depended on.
//!
//! An assumption is "depended on" when the run reached a point where another setting would
//! have taken a different branch (a session that only the assumption keeps, a log that ends
//! exactly at the redo point, ...). A verdict that depended on none of them holds whatever
//! they are.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Every assumption, by name (the registry's order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Name {
    InactiveServerSession,
    RestoreOverOtherDatabase,
    LogEndingAtRedo,
    MirrorLogShippingConfig,
    CmsLocation,
    PoolStateFromCms,
    Dc1Rebuilt,
    LogShippingSchedule,
    WorkloadRate,
    StepStopsOnError,
    SecondaryInitReplace,
    DiskFullScope,
    MirrorResync,
}

impl Name {
    pub const ALL: [Name; 13] = [
        Name::InactiveServerSession,
        Name::RestoreOverOtherDatabase,
        Name::LogEndingAtRedo,
        Name::MirrorLogShippingConfig,
        Name::CmsLocation,
        Name::PoolStateFromCms,
        Name::Dc1Rebuilt,
        Name::LogShippingSchedule,
        Name::WorkloadRate,
        Name::StepStopsOnError,
        Name::SecondaryInitReplace,
        Name::DiskFullScope,
        Name::MirrorResync,
    ];

    /// The assumptions a scenario's `assumptions` object sets (the others are set by the
    /// scenario field named in `set_by`, or are fixed).
    pub const SETTABLE: [Name; 4] = [
        Name::InactiveServerSession,
        Name::RestoreOverOtherDatabase,
        Name::LogEndingAtRedo,
        Name::MirrorLogShippingConfig,
    ];

    pub fn info(self) -> &'static Assumption {
        &REGISTRY[self as usize]
    }

    pub fn as_str(self) -> &'static str {
        self.info().name
    }
}

/// One entry of the registry.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Assumption {
    pub name: &'static str,
    /// What the model assumes under the default.
    pub assumed: &'static str,
    /// The document it rests on, or "no source: inferred from ...".
    pub source: &'static str,
    pub default: &'static str,
    /// The other settings, each with what it means.
    pub alternatives: &'static [(&'static str, &'static str)],
    /// Where a scenario sets it.
    pub set_by: &'static str,
}

pub static REGISTRY: [Assumption; 13] = [
    Assumption {
        name: "inactive_server_session",
        assumed: "a running Persistent Chat server that is not in the active list (removed by Set-CsPersistentChatActiveServer, or never listed) keeps its session on mgc, and a removed server keeps the clients it had, until its service stops; so RESTORE over that mgc fails with 3101",
        source: "no source for the database session: inferred from the cmdlet reference (Set-CsPersistentChatActiveServer: a removed server keeps serving the clients it already has; persistent-chat-hadr.md gap 9). SQL Server's part (3101 while any session uses the database) is documented",
        default: "keeps",
        alternatives: &[("closes", "a server not in the active list holds no session on mgc; its clients leave it and reconnect to listed servers")],
        set_by: "assumptions.inactive_server_session",
    },
    Assumption {
        name: "restore_over_other_database",
        assumed: "RESTORE DATABASE without REPLACE of a backup of another database (another family) over an ONLINE database whose tail is not backed up raises 3159 (tail not backed up) rather than 3154",
        source: "no source: both conditions are documented (restore-statements-transact-sql.md REPLACE option), which one SQL Server checks first is not",
        default: "3159_first",
        alternatives: &[("3154_first", "3154: the backup set holds a backup of a database other than the existing one")],
        set_by: "assumptions.restore_over_other_database",
    },
    Assumption {
        name: "log_ending_at_redo",
        assumed: "RESTORE LOG of a log backup that ends exactly at the database's redo point (last_lsn = redo LSN) fails with 4326",
        source: "no source: inferred from the 4326 text (\"terminates at LSN ..., which is too early\") and backupset.last_lsn being exclusive (sqlserver-semantics.md 1); no document covers the boundary",
        default: "error_4326",
        alternatives: &[("no_op", "the log is accepted and applies nothing; the redo point stays")],
        set_by: "assumptions.log_ending_at_redo",
    },
    Assumption {
        name: "mirror_log_shipping_config",
        assumed: "the primary's mirror also has the log-shipping primary configuration (the Persistent Chat docs' 22-step procedure [C]), so after an automatic failover inside DC1 the mirror's backup job continues the same chain",
        source: "persistent-chat-hadr.md: log shipping from the primary's mirror to backup (22 steps); gap 21 (which chain F2/F3 reconcile is not said)",
        default: "configured",
        alternatives: &[("not_configured", "only the primary has the backup job: after a failover to the mirror no log backups are taken")],
        set_by: "assumptions.mirror_log_shipping_config",
    },
    Assumption {
        name: "cms_location",
        assumed: "the Central Management Store lives in DC1 unless the scenario fails it over (the shipped scenarios do, as part of the Front End DR); cmdlets fail while it is unreachable",
        source: "no source in the Persistent Chat docs (gap 12); the Front End DR procedure [DR] fails the CMS over",
        default: "DC1",
        alternatives: &[("DC2", "the CMS lives in DC2")],
        set_by: "topology.cms, and the cms_failover fault",
    },
    Assumption {
        name: "pool_state_from_cms",
        assumed: "servers read the pool state from the CMS; a server that cannot reach the CMS keeps the state it last read",
        source: "no source: inferred from Set-CsPersistentChatState writing to the CMS",
        default: "last_read",
        alternatives: &[],
        set_by: "fixed",
    },
    Assumption {
        name: "dc1_rebuilt",
        assumed: "DC1 rebuilt (the failback's assumptions) means empty mgc and mgccomp recreated by Topology Builder, a new database without a full backup, unmirrored; a DC1 share is rebuilt empty",
        source: "persistent-chat-hadr.md 4 (failback assumptions); mirroring after the rebuild is not said (gap 5)",
        default: "unmirrored",
        alternatives: &[("mirrored", "Topology Builder also re-established mirroring primary -> mirror")],
        set_by: "the dc1_rebuilt fault's \"mirrored\"",
    },
    Assumption {
        name: "log_shipping_schedule",
        assumed: "log backups every 15 minutes, copy 2 minutes and restore 4 minutes later, retention 72 h",
        source: "the SQL docs' log-shipping tutorial (linux/sql-server-linux-use-log-shipping.md); the Persistent Chat docs give no schedule",
        default: "900/900/900 s, offsets 120/240 s, retention 259200 s",
        alternatives: &[("any", "any schedule")],
        set_by: "log_shipping.*",
    },
    Assumption {
        name: "workload_rate",
        assumed: "chat writes are acknowledged at a steady rate while the pool serves (600 per minute); loss is counted write by write",
        source: "no source: a round figure for a busy pool",
        default: "600 writes/minute",
        alternatives: &[("any", "any rate")],
        set_by: "workload.writes_per_minute",
    },
    Assumption {
        name: "step_stops_on_error",
        assumed: "a documented step that fails stops the runbook, except F2, F3 and B2's mgccomp half, which say \"any\" and go on",
        source: "no source: the procedures do not say what to do when a step fails",
        default: "stop",
        alternatives: &[("continue", "the operator goes on"), ("retry", "the operator retries")],
        set_by: "each runbook step's on_error",
    },
    Assumption {
        name: "secondary_init_replace",
        assumed: "B5's secondary initialization restores WITH NORECOVERY, REPLACE (the SSMS wizard), so it needs exclusive access (3101) and no mirroring (3104)",
        source: "the SSMS log-shipping wizard's generated script; the Persistent Chat docs point at it ([C])",
        default: "norecovery_replace",
        alternatives: &[],
        set_by: "fixed",
    },
    Assumption {
        name: "disk_full_scope",
        assumed: "a disk_full fault fills the instance's local disks (data, log, copy folder): its principal database stops accepting writes (9002), restores there fail (3257), copies into its copy folder fail (OS error 112); BACKUP to the share, on another machine, still works",
        source: "mssqlserver-9002-database-engine-error.md (log full: no more writes); the error texts of 3257 and 3202 (database-engine-events-and-errors-3000-3999.md); where each file lives is inferred",
        default: "local_disks",
        alternatives: &[],
        set_by: "fixed",
    },
    Assumption {
        name: "mirror_resync",
        assumed: "a mirroring partner that rejoins is SYNCHRONIZING and becomes SYNCHRONIZED at the next fault, runbook step or end of the run after it rejoined (no automatic failover in between)",
        source: "mirroring-states-sql-server.md (SYNCHRONIZING before SYNCHRONIZED); how long resynchronization takes is not modelled",
        default: "next_event",
        alternatives: &[],
        set_by: "fixed",
    },
];

/// A removed (or never listed) server and its session on mgc (gap 9).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InactiveServerSession {
    /// It keeps its session (and a removed server its clients) until its service stops.
    #[default]
    Keeps,
    /// It holds no session on mgc; its clients reconnect to listed servers.
    Closes,
}

/// Which error RESTORE raises first when both 3159 and 3154 apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum RestoreOverOtherDatabase {
    #[default]
    #[serde(rename = "3159_first")]
    E3159First,
    #[serde(rename = "3154_first")]
    E3154First,
}

/// RESTORE LOG of a log that ends exactly at the redo point.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LogEndingAtRedo {
    #[default]
    #[serde(rename = "error_4326")]
    Error4326,
    NoOp,
}

/// Whether the primary's mirror has the log-shipping primary configuration ([C], gap 21).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MirrorLogShippingConfig {
    #[default]
    Configured,
    NotConfigured,
}

/// The settings of the settable assumptions (a scenario's `assumptions` object; every
/// field is optional and defaults to the registry's default).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Assumptions {
    /// Gap 9: a server not in the active list keeps its session on mgc ("keeps", default)
    /// or holds none ("closes").
    pub inactive_server_session: InactiveServerSession,
    /// 3159 or 3154 first when RESTORE without REPLACE meets both ("3159_first", default).
    pub restore_over_other_database: RestoreOverOtherDatabase,
    /// RESTORE LOG of a log ending exactly at the redo point: "error_4326" (default) or "no_op".
    pub log_ending_at_redo: LogEndingAtRedo,
    /// Gap 21: the primary's mirror has the log-shipping primary configuration
    /// ("configured", default) or not ("not_configured").
    pub mirror_log_shipping_config: MirrorLogShippingConfig,
}

impl Assumptions {
    pub fn is_default(&self) -> bool {
        *self == Assumptions::default()
    }

    /// The setting in force for a settable assumption, by its registry name; None for the
    /// others.
    pub fn setting(&self, n: Name) -> Option<&'static str> {
        Some(match n {
            Name::InactiveServerSession => match self.inactive_server_session {
                InactiveServerSession::Keeps => "keeps",
                InactiveServerSession::Closes => "closes",
            },
            Name::RestoreOverOtherDatabase => match self.restore_over_other_database {
                RestoreOverOtherDatabase::E3159First => "3159_first",
                RestoreOverOtherDatabase::E3154First => "3154_first",
            },
            Name::LogEndingAtRedo => match self.log_ending_at_redo {
                LogEndingAtRedo::Error4326 => "error_4326",
                LogEndingAtRedo::NoOp => "no_op",
            },
            Name::MirrorLogShippingConfig => match self.mirror_log_shipping_config {
                MirrorLogShippingConfig::Configured => "configured",
                MirrorLogShippingConfig::NotConfigured => "not_configured",
            },
            _ => return None,
        })
    }

    /// How many settings a settable assumption has (2 each today).
    pub fn choices(n: Name) -> usize {
        if Name::SETTABLE.contains(&n) {
            1 + n.info().alternatives.len()
        } else {
            1
        }
    }

    /// Set a settable assumption to its k-th setting (0 = the default); others unchanged.
    pub fn with(mut self, n: Name, k: usize) -> Assumptions {
        let alt = k > 0;
        match n {
            Name::InactiveServerSession => {
                self.inactive_server_session = if alt {
                    InactiveServerSession::Closes
                } else {
                    InactiveServerSession::Keeps
                }
            }
            Name::RestoreOverOtherDatabase => {
                self.restore_over_other_database = if alt {
                    RestoreOverOtherDatabase::E3154First
                } else {
                    RestoreOverOtherDatabase::E3159First
                }
            }
            Name::LogEndingAtRedo => {
                self.log_ending_at_redo = if alt {
                    LogEndingAtRedo::NoOp
                } else {
                    LogEndingAtRedo::Error4326
                }
            }
            Name::MirrorLogShippingConfig => {
                self.mirror_log_shipping_config = if alt {
                    MirrorLogShippingConfig::NotConfigured
                } else {
                    MirrorLogShippingConfig::Configured
                }
            }
            _ => {}
        }
        self
    }
}

/// The assumptions a run depended on, as a bit set over [`Name`] (cheap to note in the
/// hot loop).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Used(u32);

impl Used {
    pub fn note(&mut self, n: Name) {
        self.0 |= 1 << n as u32;
    }
    pub fn contains(&self, n: Name) -> bool {
        self.0 & (1 << n as u32) != 0
    }
    pub fn names(&self) -> impl Iterator<Item = Name> + '_ {
        Name::ALL.into_iter().filter(|n| self.contains(*n))
    }
}

/// An assumption in force that a run depended on, as a report carries it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InForce {
    pub name: &'static str,
    /// The setting in force (the scenario's, or the registry's default for fixed ones).
    pub setting: String,
    pub assumed: &'static str,
    pub source: &'static str,
    pub alternatives: Vec<&'static str>,
    pub set_by: &'static str,
}

impl InForce {
    pub fn new(n: Name, setting: String) -> InForce {
        let a = n.info();
        // What the setting in force means, and the settings not in force.
        let assumed = a
            .alternatives
            .iter()
            .find(|(k, _)| *k == setting)
            .map_or(a.assumed, |(_, meaning)| *meaning);
        let alternatives = std::iter::once(a.default)
            .chain(a.alternatives.iter().map(|(k, _)| *k))
            .filter(|k| !setting.starts_with(k))
            .collect();
        InForce {
            name: a.name,
            setting,
            assumed,
            source: a.source,
            alternatives,
            set_by: a.set_by,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_in_name_order_and_settable_ones_round_trip() {
        for n in Name::ALL {
            let j = serde_json::to_value(n).unwrap();
            assert_eq!(j.as_str().unwrap(), n.as_str(), "{n:?}");
        }
        for n in Name::SETTABLE {
            assert_eq!(Assumptions::choices(n), 2);
            let d = Assumptions::default();
            assert_eq!(d.setting(n), Some(n.info().default));
            let alt = d.with(n, 1);
            assert_eq!(alt.setting(n), Some(n.info().alternatives[0].0));
            // The JSON form of the setting is the registry's name for it.
            let v = serde_json::to_value(alt).unwrap();
            assert_eq!(v[n.as_str()], n.info().alternatives[0].0);
            assert_eq!(alt.with(n, 0), d);
        }
    }

    #[test]
    fn used_set_lists_in_registry_order() {
        let mut u = Used::default();
        u.note(Name::MirrorResync);
        u.note(Name::InactiveServerSession);
        assert_eq!(
            u.names().collect::<Vec<_>>(),
            vec![Name::InactiveServerSession, Name::MirrorResync]
        );
        assert!(!u.contains(Name::CmsLocation));
    }
}
