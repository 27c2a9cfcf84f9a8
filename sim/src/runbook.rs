//! Runbooks as data: an ordered list of typed steps, each citing its place in the source
//! documents. A runbook change is a file change (scenarios/runbooks/*.json).

use crate::dist::Dist;
use crate::topology::{Db, Dc, Instance, PoolState, Product};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Ranges of a runbook's fields (docs/formats.md).
pub const MAX_STEPS: usize = 1_000;
pub const MAX_ID_CHARS: usize = 64;
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_TEXT_CHARS: usize = 10_000;
pub const MAX_RETRY_ATTEMPTS: u32 = 100;
pub const MAX_RETRY_WAIT_S: u64 = 86_400;

fn text_len(field: &str, v: &str, max: usize) -> Result<(), String> {
    let n = v.chars().count();
    if n > max {
        return Err(format!("{field}: {n} characters; expected at most {max}"));
    }
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Runbook {
    /// Short name, e.g. "failover".
    pub name: String,
    /// What the runbook is and where it comes from.
    #[serde(default)]
    pub description: String,
    /// The source document(s), e.g. "[M] Manage: high-availability-and-disaster-recovery.md".
    #[serde(default)]
    pub source: String,
    /// Lync 2013 / SfB 2015 editorial differences, as data (the steps are the same text).
    #[serde(default)]
    pub product_notes: Vec<ProductNote>,
    pub steps: Vec<Step>,
    /// Known-bad corpus only (scenarios/mutants/): the invariant this runbook's deliberate
    /// defect must violate, checked by the fuzzer's tests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect_violation: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductNote {
    pub product: Product,
    /// Step id the note applies to, or empty for the whole runbook.
    #[serde(default)]
    pub step: String,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The step's id in the source ("F1".."F7", "B1".."B7"), unique in the runbook.
    pub id: String,
    /// What the source says, in one line.
    pub title: String,
    /// Where the step is in the source, e.g. "[M] Failover step 1".
    #[serde(default)]
    pub source: String,
    pub action: Action,
    /// What the operator does when the step fails.
    #[serde(default)]
    pub on_error: OnError,
    /// Operator time for this step, overriding the scenario's per-step default (seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_s: Option<Dist>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum OnError {
    /// Stop the runbook: the operator escalates.
    #[default]
    Stop,
    /// Note the error and go on with the next step.
    Continue,
    /// Wait, then run the step again, up to `attempts` more times; then stop.
    Retry { attempts: u32, wait_s: u64 },
}

/// Which servers Set-CsPersistentChatActiveServer leaves active.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActiveSelection {
    /// `-ActiveServers $Null`.
    Clear,
    /// The servers of a data center (at most 4 of them).
    Dc(Dc),
    /// Explicit server numbers (1-4 are in DC1, 5-8 in DC2).
    Servers(Vec<u8>),
    /// `-Swap`: every active server inactive and every inactive server active.
    Swap,
}

fn backup() -> Instance {
    Instance::Backup
}
fn primary() -> Instance {
    Instance::Primary
}
fn backup_mirror() -> Instance {
    Instance::BackupMirror
}
fn mgc() -> Db {
    Db::Mgc
}
fn yes() -> bool {
    true
}

/// One typed runbook action. `instance` is where the operator runs it; a deviation can
/// point it at the wrong instance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// F1: `exec sp_delete_log_shipping_secondary_database mgc` in master on the secondary.
    DeleteLogShippingSecondary {
        #[serde(default = "backup")]
        instance: Instance,
        #[serde(default = "mgc")]
        database: Db,
    },
    /// F2: copy uncopied backup files from the share to the copy destination folder.
    CopyUncopiedFiles {
        #[serde(default = "backup")]
        instance: Instance,
    },
    /// F3: apply unapplied log backups from the copy folder in LSN order, WITH NORECOVERY.
    RestoreUnappliedLogs {
        #[serde(default = "backup")]
        instance: Instance,
        #[serde(default = "mgc")]
        database: Db,
    },
    /// One explicit `RESTORE LOG ... WITH NORECOVERY` of the `newest`-th newest log backup in
    /// the copy folder (0 = newest): an operator restoring files by hand.
    RestoreLogFile {
        #[serde(default = "backup")]
        instance: Instance,
        #[serde(default = "mgc")]
        database: Db,
        newest: u32,
    },
    /// F4: `sp_who2`, `KILL` each session, then `RESTORE DATABASE mgc WITH RECOVERY`.
    KillSessionsAndRecover {
        #[serde(default = "backup")]
        instance: Instance,
        #[serde(default = "mgc")]
        database: Db,
    },
    /// Tail-log backup `BACKUP LOG mgc TO DISK=<share> WITH NORECOVERY, NO_TRUNCATE`
    /// (the generic SQL procedure's step 3; absent from the Persistent Chat docs).
    BackupTailLog {
        #[serde(default = "primary")]
        instance: Instance,
        #[serde(default = "mgc")]
        database: Db,
    },
    /// F5 / B7: `Set-CsPersistentChatState -PoolState <state>`.
    SetPoolState { state: PoolState },
    /// F6: `Install-CsMirrorDatabase` (mirror of `instance` on `mirror`).
    InstallMirrorDatabase {
        #[serde(default = "backup")]
        instance: Instance,
        #[serde(default = "backup_mirror")]
        mirror: Instance,
        #[serde(default = "mgc")]
        database: Db,
        /// `-DropExistingDatabasesOnMirror`.
        #[serde(default)]
        drop_existing: bool,
    },
    /// F7 / B1 / B6: `Set-CsPersistentChatActiveServer`.
    SetActiveServers { servers: ActiveSelection },
    /// Stop (or start) the Persistent Chat service on servers: drops their clients and
    /// database sessions (`Stop-CsWindowsService`; not in the docs).
    StopChatServices {
        #[serde(default)]
        dc: Option<Dc>,
    },
    StartChatServices {
        #[serde(default)]
        dc: Option<Dc>,
    },
    /// Move the Central Management Store to the other pool (Invoke-CsManagementServerFailover).
    FailoverCms { to: Dc },
    /// B2: `ALTER DATABASE <db> SET PARTNER OFF` on the instance.
    RemoveMirroring {
        #[serde(default = "backup")]
        instance: Instance,
        database: Db,
    },
    /// B3: full backup of the database to the log-shipping share.
    BackupFullToShare {
        #[serde(default = "backup")]
        instance: Instance,
        #[serde(default = "mgc")]
        database: Db,
    },
    /// B4: restore the newest full backup from the share ("Overwrite the existing database",
    /// "Leave the database ready to use").
    RestoreFullFromShare {
        #[serde(default = "primary")]
        instance: Instance,
        #[serde(default = "mgc")]
        database: Db,
        #[serde(default = "yes")]
        replace: bool,
        #[serde(default = "yes")]
        recovery: bool,
    },
    /// B5: configure log shipping `instance` -> `secondary` as in [C], initializing the
    /// secondary from a new full backup restored WITH NORECOVERY.
    ConfigureLogShipping {
        #[serde(default = "primary")]
        instance: Instance,
        #[serde(default = "backup")]
        secondary: Instance,
        #[serde(default = "mgc")]
        database: Db,
    },
    /// Remove the primary-side log-shipping configuration (sp_delete_log_shipping_primary_database).
    DeleteLogShippingPrimary {
        #[serde(default = "primary")]
        instance: Instance,
        #[serde(default = "mgc")]
        database: Db,
    },
    /// Wait (e.g. for clients to drain).
    Wait { seconds: u64 },
}

impl Action {
    /// The instance the step runs against, if it has one.
    pub fn instance(&self) -> Option<Instance> {
        self.clone().instance_mut().map(|i| *i)
    }

    /// Point the step at another instance (the "wrong instance" deviation).
    pub fn set_instance(&mut self, to: Instance) -> bool {
        self.instance_mut().map(|i| *i = to).is_some()
    }

    fn instance_mut(&mut self) -> Option<&mut Instance> {
        use Action::*;
        match self {
            DeleteLogShippingSecondary { instance, .. }
            | CopyUncopiedFiles { instance }
            | RestoreUnappliedLogs { instance, .. }
            | RestoreLogFile { instance, .. }
            | KillSessionsAndRecover { instance, .. }
            | BackupTailLog { instance, .. }
            | InstallMirrorDatabase { instance, .. }
            | RemoveMirroring { instance, .. }
            | BackupFullToShare { instance, .. }
            | RestoreFullFromShare { instance, .. }
            | ConfigureLogShipping { instance, .. }
            | DeleteLogShippingPrimary { instance, .. } => Some(instance),
            _ => None,
        }
    }

    /// The kind name as written in JSON.
    pub fn kind(&self) -> &'static str {
        use Action::*;
        match self {
            DeleteLogShippingSecondary { .. } => "delete_log_shipping_secondary",
            CopyUncopiedFiles { .. } => "copy_uncopied_files",
            RestoreUnappliedLogs { .. } => "restore_unapplied_logs",
            RestoreLogFile { .. } => "restore_log_file",
            KillSessionsAndRecover { .. } => "kill_sessions_and_recover",
            BackupTailLog { .. } => "backup_tail_log",
            SetPoolState { .. } => "set_pool_state",
            InstallMirrorDatabase { .. } => "install_mirror_database",
            SetActiveServers { .. } => "set_active_servers",
            StopChatServices { .. } => "stop_chat_services",
            StartChatServices { .. } => "start_chat_services",
            FailoverCms { .. } => "failover_cms",
            RemoveMirroring { .. } => "remove_mirroring",
            BackupFullToShare { .. } => "backup_full_to_share",
            RestoreFullFromShare { .. } => "restore_full_from_share",
            ConfigureLogShipping { .. } => "configure_log_shipping",
            DeleteLogShippingPrimary { .. } => "delete_log_shipping_primary",
            Wait { .. } => "wait",
        }
    }
}

impl Runbook {
    /// Checks that JSON cannot express: unique step ids, server numbers in range.
    pub fn validate(&self) -> Result<(), String> {
        // Ranges (docs/formats.md): they bound a run's time and output, whatever the file.
        text_len("name", &self.name, MAX_NAME_CHARS)?;
        if self.steps.len() > MAX_STEPS {
            return Err(format!(
                "steps: {} steps; expected at most {MAX_STEPS}",
                self.steps.len()
            ));
        }
        if self.product_notes.len() > MAX_STEPS {
            return Err(format!(
                "product_notes: {} notes; expected at most {MAX_STEPS}",
                self.product_notes.len()
            ));
        }
        for (i, s) in self.steps.iter().enumerate() {
            text_len(&format!("steps[{i}].id"), &s.id, MAX_ID_CHARS)?;
            text_len(&format!("steps[{i}].title"), &s.title, MAX_TEXT_CHARS)?;
            text_len(&format!("steps[{i}].source"), &s.source, MAX_TEXT_CHARS)?;
            if let OnError::Retry { attempts, wait_s } = s.on_error {
                if attempts > MAX_RETRY_ATTEMPTS {
                    return Err(format!("steps[{i}].on_error.retry.attempts: {attempts}; expected at most {MAX_RETRY_ATTEMPTS} retries"));
                }
                if wait_s > MAX_RETRY_WAIT_S {
                    return Err(format!("steps[{i}].on_error.retry.wait_s: {wait_s}; expected at most {MAX_RETRY_WAIT_S} seconds (one day)"));
                }
            }
            if let Action::SetActiveServers {
                servers: ActiveSelection::Servers(list),
            } = &s.action
            {
                if list.len() > 8 {
                    return Err(format!(
                        "steps[{i}].action.servers: {} servers; expected at most 8",
                        list.len()
                    ));
                }
            }
            if let Action::Wait { seconds } = s.action {
                let h = crate::engine::HORIZON_S;
                if seconds > h {
                    return Err(format!("steps[{i}].action.seconds: {seconds}; expected at most {h} seconds (the simulation's 60-day horizon)"));
                }
            }
            if let Some(d) = &s.operator_s {
                crate::timing::check_seconds(d)
                    .map_err(|e| format!("steps[{i}].operator_s: {e}"))?;
            }
        }
        for (i, s) in self.steps.iter().enumerate() {
            if s.id.is_empty() {
                return Err(format!("step {} has an empty id", i + 1));
            }
            if self.steps[..i].iter().any(|p| p.id == s.id) {
                return Err(format!(
                    "step id {:?} is used twice; expected unique step ids",
                    s.id
                ));
            }
            if let Action::SetActiveServers {
                servers: ActiveSelection::Servers(list),
            } = &s.action
            {
                if let Some(bad) = list.iter().find(|n| !(1..=8).contains(*n)) {
                    return Err(format!(
                        "step {}: server {bad} does not exist; expected server numbers 1-8 (1-4 in DC1, 5-8 in DC2)",
                        s.id
                    ));
                }
            }
            if let Some(d) = &s.operator_s {
                d.validate()
                    .map_err(|e| format!("step {}: operator_s: {e}", s.id))?;
            }
            if let Action::InstallMirrorDatabase {
                instance, mirror, ..
            } = &s.action
            {
                if instance == mirror {
                    return Err(format!(
                        "step {}: the mirror must be another instance than {instance}",
                        s.id
                    ));
                }
            }
        }
        Ok(())
    }
}
