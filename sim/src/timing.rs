//! How long things take: the timing model of a scenario. Every parameter carries its unit
//! in its name (`_s` seconds, `_mb` megabytes, `_mb_per_s`, `_mbit_per_s`, `_bytes_per_write`)
//! and is a distribution ([`Dist`]) unless it is a size. Defaults are assumptions unless a
//! source is named: the Persistent Chat docs give no durations at all (persistent-chat-hadr.md 7).
//! Job schedules and retention live in `log_shipping`, the write rate in `workload`.

use crate::backups::preview_files;
use crate::dist::Dist;
use crate::rng::Rng;
use crate::runbook::Action;
use crate::topology::{Db, Dc};
use crate::world::{BackupKind, FileState, World};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Timing {
    /// From the outage to an operator noticing, seconds (assumption: log-normal, median
    /// 5 min, p90 15 min; docs: undefined, gap 16).
    pub detection_s: Dist,
    /// From noticing to declaring the disaster, seconds (assumption: log-normal, median
    /// 10 min, p90 30 min: someone has to be reached and agree).
    pub decision_s: Dist,
    /// Operator time per runbook step: reading, typing, checking, seconds (assumption:
    /// triangular 1 / 2 / 10 min). A step's own `operator_s` overrides it.
    pub operator_step_s: Dist,
    /// A Management Shell cmdlet writing to the CMS, seconds (assumption: triangular
    /// 15 / 30 / 120 s).
    pub cmdlet_s: Dist,
    /// A short T-SQL statement (sp_delete_log_shipping_*, SET PARTNER OFF, stopping a
    /// service), seconds (assumption: 5 s).
    pub statement_s: Dist,
    /// Fixed cost of restoring one log backup (open, verify, redo start), seconds, on top of
    /// its size over `restore_mb_per_s` (assumption: 20 s).
    pub restore_log_s: Dist,
    /// Fixed cost of copying one log backup file, seconds, on top of its size over the copy
    /// throughput (assumption: 5 s).
    pub copy_file_s: Dist,
    /// RESTORE ... WITH RECOVERY including killing sessions, seconds (assumption:
    /// triangular 30 / 60 / 300 s).
    pub recovery_s: Dist,
    /// Size of mgc, MB (assumption: 20 GB).
    pub mgc_size_mb: f64,
    /// Size of mgccomp, MB (assumption: 10 GB; it is purged as the adapter processes it).
    pub mgccomp_size_mb: f64,
    /// Transaction log generated per acknowledged chat write, bytes (assumption: 4 KiB: the
    /// message row, its indexes and log-record overhead). A log backup's size is this times
    /// the writes it holds.
    pub log_bytes_per_write: f64,
    /// BACKUP throughput to a share in the same DC, MB/s (assumption: triangular 50/100/200).
    pub backup_mb_per_s: Dist,
    /// RESTORE throughput from a local or same-DC file, MB/s (assumption: triangular
    /// 30/60/120; restores also zero and redo).
    pub restore_mb_per_s: Dist,
    /// File copy throughput within a DC, MB/s (assumption: triangular 50/110/120, 1 GbE).
    pub copy_mb_per_s: Dist,
    /// Inter-DC bandwidth available to a backup, copy or restore whose two ends are in
    /// different DCs (share vs instance), Mbit/s (assumption: triangular 100/500/1000).
    pub inter_dc_mbit_per_s: Dist,
    /// A full backup of the database, seconds. Absent: size over the backup throughput.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_backup_s: Option<Dist>,
    /// A full restore of the database, seconds. Absent: size over the restore throughput.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_restore_s: Option<Dist>,
    /// Install-CsMirrorDatabase (backup, copy, restore on the mirror, start the session),
    /// seconds. Absent: backup to the seed share, restore from it, plus one cmdlet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror_install_s: Option<Dist>,
    /// `drill rto` only: every fault time and phase start of a Monte Carlo run is shifted by
    /// this many seconds, drawn per run. Absent: uniform over one log-backup interval
    /// (`log_shipping.backup_interval_s`), because the RPO depends on where in that interval
    /// the outage falls. 0 turns it off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault_jitter_s: Option<Dist>,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            detection_s: Dist::LogNormal {
                p50: 300.0,
                p90: 900.0,
            },
            decision_s: Dist::LogNormal {
                p50: 600.0,
                p90: 1800.0,
            },
            operator_step_s: tri(60.0, 120.0, 600.0),
            cmdlet_s: tri(15.0, 30.0, 120.0),
            statement_s: Dist::Fixed(5.0),
            restore_log_s: Dist::Fixed(20.0),
            copy_file_s: Dist::Fixed(5.0),
            recovery_s: tri(30.0, 60.0, 300.0),
            mgc_size_mb: 20_480.0,
            mgccomp_size_mb: 10_240.0,
            log_bytes_per_write: 4096.0,
            backup_mb_per_s: tri(50.0, 100.0, 200.0),
            restore_mb_per_s: tri(30.0, 60.0, 120.0),
            copy_mb_per_s: tri(50.0, 110.0, 120.0),
            inter_dc_mbit_per_s: tri(100.0, 500.0, 1000.0),
            full_backup_s: None,
            full_restore_s: None,
            mirror_install_s: None,
            fault_jitter_s: None,
        }
    }
}

fn tri(min: f64, mode: f64, max: f64) -> Dist {
    Dist::Triangular { min, mode, max }
}

/// Throughputs must be at least 1 (MB/s or Mbit/s): samples are whole numbers.
const RATES: [&str; 4] = [
    "backup_mb_per_s",
    "restore_mb_per_s",
    "copy_mb_per_s",
    "inter_dc_mbit_per_s",
];

impl Timing {
    /// Names the field in every message ("timing.<field>: ...") so the loader can point at it.
    pub fn validate(&self) -> Result<(), String> {
        for (name, d) in self.fields() {
            d.validate().map_err(|e| format!("timing.{name}: {e}"))?;
            if RATES.contains(&name) && lowest(d) < 1.0 {
                return Err(format!(
                    "timing.{name}: a throughput below 1 ({d:?}); expected at least 1"
                ));
            }
            let (max, what) = if RATES.contains(&name) {
                (MAX_RATE, "a throughput")
            } else {
                (MAX_SECONDS, "a duration (the 60-day horizon)")
            };
            if highest(d) > max {
                return Err(format!(
                    "timing.{name}: {d:?} is above {max}; expected {what} of at most {max}"
                ));
            }
        }
        for (name, v) in self.sizes() {
            if !(v.is_finite() && (0.0..=MAX_SIZE).contains(&v)) {
                return Err(format!(
                    "timing.{name}: {v} is not a size; expected a number from 0 to {MAX_SIZE}"
                ));
            }
        }
        Ok(())
    }

    /// Every distribution-valued parameter that is set, by name.
    pub fn fields(&self) -> Vec<(&'static str, &Dist)> {
        let mut v = vec![
            ("detection_s", &self.detection_s),
            ("decision_s", &self.decision_s),
            ("operator_step_s", &self.operator_step_s),
            ("cmdlet_s", &self.cmdlet_s),
            ("statement_s", &self.statement_s),
            ("restore_log_s", &self.restore_log_s),
            ("copy_file_s", &self.copy_file_s),
            ("recovery_s", &self.recovery_s),
            ("backup_mb_per_s", &self.backup_mb_per_s),
            ("restore_mb_per_s", &self.restore_mb_per_s),
            ("copy_mb_per_s", &self.copy_mb_per_s),
            ("inter_dc_mbit_per_s", &self.inter_dc_mbit_per_s),
        ];
        for (n, d) in [
            ("full_backup_s", &self.full_backup_s),
            ("full_restore_s", &self.full_restore_s),
            ("mirror_install_s", &self.mirror_install_s),
            ("fault_jitter_s", &self.fault_jitter_s),
        ] {
            if let Some(d) = d {
                v.push((n, d));
            }
        }
        v
    }

    pub fn sizes(&self) -> [(&'static str, f64); 3] {
        [
            ("mgc_size_mb", self.mgc_size_mb),
            ("mgccomp_size_mb", self.mgccomp_size_mb),
            ("log_bytes_per_write", self.log_bytes_per_write),
        ]
    }

    fn size_mb(&self, db: Db) -> f64 {
        match db {
            Db::Mgc => self.mgc_size_mb,
            Db::Mgccomp => self.mgccomp_size_mb,
        }
    }

    fn file_mb(&self, writes: u64) -> f64 {
        writes as f64 * self.log_bytes_per_write / 1_048_576.0
    }
}

/// The longest duration any timing parameter may take: the engine's 60-day horizon.
pub const MAX_SECONDS: f64 = 60.0 * 86_400.0;
/// The highest throughput (MB/s or Mbit/s) and size (MB, bytes per write) accepted.
pub const MAX_RATE: f64 = 1e9;
pub const MAX_SIZE: f64 = 1e12;

/// A duration distribution that is valid and within [`MAX_SECONDS`].
pub fn check_seconds(d: &Dist) -> Result<(), String> {
    d.validate()?;
    if highest(d) > MAX_SECONDS {
        return Err(format!(
            "{d:?} reaches beyond {MAX_SECONDS} s; expected durations within the 60-day horizon"
        ));
    }
    Ok(())
}

/// The top of a distribution's range (p90 for the unbounded log-normal).
fn highest(d: &Dist) -> f64 {
    match *d {
        Dist::Fixed(v) => v,
        Dist::Uniform { max, .. } | Dist::Triangular { max, .. } => max,
        Dist::LogNormal { p90, .. } => p90,
    }
}

fn lowest(d: &Dist) -> f64 {
    match *d {
        Dist::Fixed(v) => v,
        Dist::Uniform { min, .. } | Dist::Triangular { min, .. } => min,
        // Unbounded below; p50 is the honest check for a rate.
        Dist::LogNormal { p50, .. } => p50,
    }
}

/// One throughput draw, MB/s, limited by the inter-DC link when the two ends differ.
fn rate(t: &Timing, local: &Dist, from: Dc, to: Dc, rng: &mut Rng) -> f64 {
    let r = local.sample(rng).max(1) as f64;
    if from == to {
        r
    } else {
        r.min(t.inter_dc_mbit_per_s.sample(rng).max(1) as f64 / 8.0)
    }
}

fn secs(mb: f64, mb_per_s: f64) -> u64 {
    crate::dist::round_u64(mb / mb_per_s)
}

/// The work a step does beyond operator time, seconds, given the world as the step starts:
/// file counts and sizes, and where the share is relative to the instance.
pub fn work_s(t: &Timing, action: &Action, w: &World, rng: &mut Rng) -> u64 {
    use Action::*;
    match action {
        SetPoolState { .. } | SetActiveServers { .. } | FailoverCms { .. } => {
            t.cmdlet_s.sample(rng)
        }
        CopyUncopiedFiles { instance } => {
            let (n, writes) = preview_files(w, action);
            if n == 0 {
                return 0;
            }
            let fixed: u64 = (0..n).map(|_| t.copy_file_s.sample(rng)).sum();
            let r = rate(t, &t.copy_mb_per_s, w.share_dc, instance.dc(), rng);
            fixed + secs(t.file_mb(writes), r)
        }
        RestoreUnappliedLogs { .. } => {
            let (n, writes) = preview_files(w, action);
            if n == 0 {
                return 0;
            }
            let fixed: u64 = (0..n).map(|_| t.restore_log_s.sample(rng)).sum();
            fixed
                + secs(
                    t.file_mb(writes),
                    t.restore_mb_per_s.sample(rng).max(1) as f64,
                )
        }
        RestoreLogFile {
            database, newest, ..
        } => {
            let writes = w
                .files
                .iter()
                .rev()
                .filter(|f| {
                    f.database == *database
                        && f.kind == BackupKind::Log
                        && f.in_copy_folder != FileState::Absent
                })
                .nth(*newest as usize)
                .map_or(0, |f| f.writes.len());
            t.restore_log_s.sample(rng)
                + secs(
                    t.file_mb(writes),
                    t.restore_mb_per_s.sample(rng).max(1) as f64,
                )
        }
        KillSessionsAndRecover { .. } => t.recovery_s.sample(rng),
        BackupTailLog { instance, database } => {
            // The tail holds what was written since the newest log backup of the database.
            let since = w
                .files
                .iter()
                .rev()
                .find(|f| f.database == *database && f.kind == BackupKind::Log)
                .map_or(0, |f| f.created_at);
            let writes = w.writes_per_minute * w.now.saturating_sub(since) / 60;
            let r = rate(t, &t.backup_mb_per_s, instance.dc(), w.share_dc, rng);
            t.copy_file_s.sample(rng) + secs(t.file_mb(writes), r)
        }
        InstallMirrorDatabase {
            instance,
            mirror,
            database,
            ..
        } => match &t.mirror_install_s {
            Some(d) => d.sample(rng),
            None => {
                let mb = t.size_mb(*database);
                let seed = w.mirror_seed_share_dc;
                let b = rate(t, &t.backup_mb_per_s, instance.dc(), seed, rng);
                let r = rate(t, &t.restore_mb_per_s, seed, mirror.dc(), rng);
                secs(mb, b) + secs(mb, r) + t.cmdlet_s.sample(rng)
            }
        },
        BackupFullToShare { instance, database } => {
            full_backup(t, w, instance.dc(), *database, rng)
        }
        RestoreFullFromShare {
            instance, database, ..
        } => full_restore(t, w, instance.dc(), *database, rng),
        ConfigureLogShipping {
            instance,
            secondary,
            database,
        } => {
            full_backup(t, w, instance.dc(), *database, rng)
                + full_restore(t, w, secondary.dc(), *database, rng)
        }
        Wait { seconds } => *seconds,
        DeleteLogShippingSecondary { .. }
        | DeleteLogShippingPrimary { .. }
        | RemoveMirroring { .. }
        | StopChatServices { .. }
        | StartChatServices { .. } => t.statement_s.sample(rng),
    }
}

fn full_backup(t: &Timing, w: &World, from: Dc, db: Db, rng: &mut Rng) -> u64 {
    match &t.full_backup_s {
        Some(d) => d.sample(rng),
        None => secs(
            t.size_mb(db),
            rate(t, &t.backup_mb_per_s, from, w.share_dc, rng),
        ),
    }
}

fn full_restore(t: &Timing, w: &World, to: Dc, db: Db, rng: &mut Rng) -> u64 {
    match &t.full_restore_s {
        Some(d) => d.sample(rng),
        None => secs(
            t.size_mb(db),
            rate(t, &t.restore_mb_per_s, w.share_dc, to, rng),
        ),
    }
}
