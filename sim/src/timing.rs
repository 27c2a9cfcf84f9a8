//! How long things take: the timing parameters of a scenario, in seconds, each a
//! distribution. Defaults are assumptions unless a source is named.

use crate::dist::Dist;
use crate::runbook::Action;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Timing {
    /// From the outage to an operator noticing (assumption: 5 min; docs: undefined, gap 16).
    pub detection_s: Dist,
    /// From noticing to declaring the disaster (assumption: 10 min).
    pub decision_s: Dist,
    /// Operator time per runbook step: reading, typing, checking (assumption: 2 min).
    pub operator_step_s: Dist,
    /// A Management Shell cmdlet writing to the CMS (assumption: 30 s).
    pub cmdlet_s: Dist,
    /// Restoring one log backup (assumption: 20 s).
    pub restore_log_s: Dist,
    /// Copying one log backup file from the share (assumption: 5 s).
    pub copy_file_s: Dist,
    /// RESTORE ... WITH RECOVERY (assumption: 60 s).
    pub recovery_s: Dist,
    /// A full backup of mgc (assumption: 10 min).
    pub full_backup_s: Dist,
    /// A full restore of mgc (assumption: 15 min).
    pub full_restore_s: Dist,
    /// Install-CsMirrorDatabase: backup, copy, restore on the mirror, start the session
    /// (assumption: 20 min).
    pub mirror_install_s: Dist,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            detection_s: Dist::Fixed(300.0),
            decision_s: Dist::Fixed(600.0),
            operator_step_s: Dist::Fixed(120.0),
            cmdlet_s: Dist::Fixed(30.0),
            restore_log_s: Dist::Fixed(20.0),
            copy_file_s: Dist::Fixed(5.0),
            recovery_s: Dist::Fixed(60.0),
            full_backup_s: Dist::Fixed(600.0),
            full_restore_s: Dist::Fixed(900.0),
            mirror_install_s: Dist::Fixed(1200.0),
        }
    }
}

impl Timing {
    pub fn validate(&self) -> Result<(), String> {
        for (name, d) in self.fields() {
            d.validate().map_err(|e| format!("timing.{name}: {e}"))?;
        }
        Ok(())
    }

    pub fn fields(&self) -> [(&'static str, &Dist); 10] {
        [
            ("detection_s", &self.detection_s),
            ("decision_s", &self.decision_s),
            ("operator_step_s", &self.operator_step_s),
            ("cmdlet_s", &self.cmdlet_s),
            ("restore_log_s", &self.restore_log_s),
            ("copy_file_s", &self.copy_file_s),
            ("recovery_s", &self.recovery_s),
            ("full_backup_s", &self.full_backup_s),
            ("full_restore_s", &self.full_restore_s),
            ("mirror_install_s", &self.mirror_install_s),
        ]
    }
}

/// The work a step does, beyond operator time, given what it touches (`files` is the
/// number of backup files the step copies or restores).
pub fn work_s(t: &Timing, action: &Action, files: u64, rng: &mut crate::rng::Rng) -> u64 {
    use Action::*;
    match action {
        SetPoolState { .. } | SetActiveServers { .. } | FailoverCms { .. } => {
            t.cmdlet_s.sample(rng)
        }
        CopyUncopiedFiles { .. } => (0..files).map(|_| t.copy_file_s.sample(rng)).sum(),
        RestoreUnappliedLogs { .. } => (0..files).map(|_| t.restore_log_s.sample(rng)).sum(),
        RestoreLogFile { .. } => t.restore_log_s.sample(rng),
        KillSessionsAndRecover { .. } => t.recovery_s.sample(rng),
        BackupTailLog { .. } => t.copy_file_s.sample(rng),
        InstallMirrorDatabase { .. } => t.mirror_install_s.sample(rng),
        BackupFullToShare { .. } => t.full_backup_s.sample(rng),
        RestoreFullFromShare { .. } => t.full_restore_s.sample(rng),
        ConfigureLogShipping { .. } => t.full_backup_s.sample(rng) + t.full_restore_s.sample(rng),
        Wait { seconds } => *seconds,
        DeleteLogShippingSecondary { .. }
        | DeleteLogShippingPrimary { .. }
        | RemoveMirroring { .. }
        | StopChatServices { .. }
        | StartChatServices { .. } => 5,
    }
}
