//! Scenarios as data: the topology's parameters, the workload, the faults on a timeline,
//! the runbook phases, operator deviations and the recorded verdict of a regression.

use crate::assumptions::Assumptions;
use crate::fault::Fault;
use crate::runbook::Runbook;
use crate::timing::Timing;
use crate::topology::{Dc, Instance, Layout, Product};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The one seed of the run: every random draw comes from it.
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub product: Product,
    #[serde(default)]
    pub topology: TopologyParams,
    #[serde(default)]
    pub log_shipping: LogShippingParams,
    #[serde(default)]
    pub workload: Workload,
    #[serde(default)]
    pub timing: Timing,
    /// Settings of the modelling assumptions (sim/src/assumptions.rs); absent fields take
    /// the registry's default.
    #[serde(default, skip_serializing_if = "Assumptions::is_default")]
    pub assumptions: Assumptions,
    /// Faults and heals at simulated times.
    #[serde(default)]
    pub faults: Vec<TimedFault>,
    /// Runbooks played one after another.
    #[serde(default)]
    pub phases: Vec<Phase>,
    /// Operator deviations from the runbooks.
    #[serde(default)]
    pub deviations: Vec<Deviation>,
    /// After the last phase ends and the last fault is past, service and DR posture must be
    /// restored within this bound (seconds).
    #[serde(default = "default_liveness")]
    pub liveness_within_s: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rto_target_s: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpo_target_s: Option<u64>,
    /// The verdict recorded for this scenario (regressions and shipped scenarios).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
}

fn default_liveness() -> u64 {
    3600
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TopologyParams {
    /// Where the log-shipping backup share lives (the docs never say).
    #[serde(default = "dc2")]
    pub share: Dc,
    #[serde(default)]
    pub layout: Layout,
    /// Whether the DC1 mirroring session has a witness (automatic failover).
    #[serde(default = "yes")]
    pub witness: bool,
    /// Where the Central Management Store lives at the start.
    #[serde(default = "dc1")]
    pub cms: Dc,
    /// Where the UNC share that Install-CsMirrorDatabase -FileShare seeds the mirror from
    /// lives (the docs never say; gap 17).
    #[serde(default = "dc2")]
    pub mirror_seed_share: Dc,
    /// Whether compliance (mgccomp) is enabled.
    #[serde(default = "yes")]
    pub compliance: bool,
}

fn dc1() -> Dc {
    Dc::Dc1
}
fn dc2() -> Dc {
    Dc::Dc2
}
fn yes() -> bool {
    true
}

impl Default for TopologyParams {
    fn default() -> Self {
        TopologyParams {
            share: Dc::Dc2,
            layout: Layout::default(),
            witness: true,
            cms: Dc::Dc1,
            mirror_seed_share: Dc::Dc2,
            compliance: true,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogShippingParams {
    /// Backup job schedule (the SQL docs tutorial uses 15 minutes for all three jobs).
    #[serde(default = "fifteen_min")]
    pub backup_interval_s: u64,
    #[serde(default = "fifteen_min")]
    pub copy_interval_s: u64,
    #[serde(default = "fifteen_min")]
    pub restore_interval_s: u64,
    /// Offsets of the copy and restore schedules after the backup schedule.
    #[serde(default = "two_min")]
    pub copy_offset_s: u64,
    #[serde(default = "four_min")]
    pub restore_offset_s: u64,
    /// "Delete files older than" (tutorial: backup_retention_period 4320 min = 72 h).
    #[serde(default = "seventy_two_h")]
    pub retention_s: u64,
    /// Restore mode of the secondary: false = NORECOVERY (the Persistent Chat docs), true = STANDBY.
    #[serde(default)]
    pub standby: bool,
    /// SQL Agent account on backup: read on the share, write on the copy folder (B1's note).
    #[serde(default = "yes")]
    pub agent_share_read: bool,
    #[serde(default = "yes")]
    pub agent_copy_write: bool,
}

fn fifteen_min() -> u64 {
    900
}
fn two_min() -> u64 {
    120
}
fn four_min() -> u64 {
    240
}
fn seventy_two_h() -> u64 {
    72 * 3600
}

impl Default for LogShippingParams {
    fn default() -> Self {
        LogShippingParams {
            backup_interval_s: 900,
            copy_interval_s: 900,
            restore_interval_s: 900,
            copy_offset_s: 120,
            restore_offset_s: 240,
            retention_s: 72 * 3600,
            standby: false,
            agent_share_read: true,
            agent_copy_write: true,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    /// Acknowledged chat writes per minute while the pool serves (assumption: 600).
    #[serde(default = "six_hundred")]
    pub writes_per_minute: u64,
    /// Compliance rows written to mgccomp per minute (assumption: 600, one per message).
    #[serde(default = "six_hundred")]
    pub compliance_rows_per_minute: u64,
    /// How far the compliance adapter lags behind (assumption: 300 s).
    #[serde(default = "five_min")]
    pub compliance_backlog_s: u64,
}

fn six_hundred() -> u64 {
    600
}
fn five_min() -> u64 {
    300
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            writes_per_minute: 600,
            compliance_rows_per_minute: 600,
            compliance_backlog_s: 300,
        }
    }
}

// No deny_unknown_fields here: serde cannot combine it with `flatten`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TimedFault {
    /// When: seconds from the start, or from the end of phase `after_phase`.
    pub at_s: u64,
    /// Count `at_s` from the end of this phase (0-based) instead of from the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_phase: Option<usize>,
    #[serde(flatten)]
    pub fault: Fault,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    /// The phase's runbook: a path relative to the scenario file
    /// ("runbooks/failover.json"), or the runbook itself inline.
    pub runbook: PhaseRunbook,
    /// The earliest start; a phase also waits for the previous phase to end.
    #[serde(default)]
    pub start_at_s: u64,
    /// Start no earlier than this long after the previous phase ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_previous_s: Option<u64>,
    /// A disaster phase starts after detection and decision delays (timing), and its start
    /// is when the disaster is declared.
    #[serde(default)]
    pub declare: bool,
}

/// Where a phase's runbook is. Saved counterexamples carry theirs inline, so they replay
/// wherever the file is moved.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum PhaseRunbook {
    /// Path of a runbook file, relative to the scenario file ("runbooks/failover.json").
    File(String),
    /// The runbook itself (the runbook file format).
    Inline(Box<Runbook>),
}

impl PhaseRunbook {
    pub fn file(path: impl Into<String>) -> PhaseRunbook {
        PhaseRunbook::File(path.into())
    }
}

// By hand rather than `untagged`: an inline runbook's errors keep their own message and
// position instead of "did not match any variant".
impl<'de> Deserialize<'de> for PhaseRunbook {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = PhaseRunbook;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a runbook file path (string) or an inline runbook (object)")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<PhaseRunbook, E> {
                Ok(PhaseRunbook::File(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<PhaseRunbook, A::Error> {
                Runbook::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|r| PhaseRunbook::Inline(Box::new(r)))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Deviation {
    /// Index of the phase (0-based).
    #[serde(default)]
    pub phase: usize,
    /// Step id in that phase's runbook.
    pub step: String,
    #[serde(flatten)]
    pub kind: DeviationKind,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "deviation", rename_all = "snake_case")]
pub enum DeviationKind {
    Skip,
    Repeat,
    Delay { seconds: u64 },
    SwapWithNext,
    WrongInstance { instance: Instance },
}

/// The verdict a scenario records and `cargo test` checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Names of the invariants this scenario violates (empty: all hold).
    pub violated: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpo_writes_lost: Option<u64>,
}

/// Ranges of a scenario's fields (docs/formats.md): times within the engine's horizon,
/// counts and texts of a realistic size, so that no arithmetic overflows and a run's
/// time and output stay bounded.
pub const MAX_FAULTS: usize = 1_000;
pub const MAX_PHASES: usize = 100;
pub const MAX_DEVIATIONS: usize = 1_000;
pub const MAX_SCHEDULE_S: u64 = 7 * 86_400;
pub const MAX_RETENTION_S: u64 = 365 * 86_400;
pub const MAX_TEXT_CHARS: usize = 10_000;
pub const MAX_RATE_PER_MINUTE: u64 = 10_000_000;

fn at_most(field: &str, v: u64, max: u64, what: &str) -> Result<(), String> {
    if v > max {
        return Err(format!("{field} is {v}; expected at most {max} ({what})"));
    }
    Ok(())
}

fn count_at_most(field: &str, n: usize, max: usize) -> Result<(), String> {
    if n > max {
        return Err(format!("{field} has {n} entries; expected at most {max}"));
    }
    Ok(())
}

impl Scenario {
    /// Every numeric field within its documented range.
    pub fn check_ranges(&self) -> Result<(), String> {
        const H: u64 = crate::engine::HORIZON_S;
        const HW: &str = "seconds: the simulation's 60-day horizon";
        for (field, v) in [("name", &self.name), ("description", &self.description)] {
            let n = v.chars().count();
            if n > MAX_TEXT_CHARS {
                return Err(format!(
                    "{field} has {n} characters; expected at most {MAX_TEXT_CHARS}"
                ));
            }
        }
        let ls = &self.log_shipping;
        for (name, v) in [
            ("log_shipping.backup_interval_s", ls.backup_interval_s),
            ("log_shipping.copy_interval_s", ls.copy_interval_s),
            ("log_shipping.restore_interval_s", ls.restore_interval_s),
            ("log_shipping.copy_offset_s", ls.copy_offset_s),
            ("log_shipping.restore_offset_s", ls.restore_offset_s),
        ] {
            at_most(name, v, MAX_SCHEDULE_S, "seconds: 7 days")?;
        }
        at_most(
            "log_shipping.retention_s",
            ls.retention_s,
            MAX_RETENTION_S,
            "seconds: 365 days",
        )?;
        let w = &self.workload;
        at_most(
            "workload.compliance_rows_per_minute",
            w.compliance_rows_per_minute,
            MAX_RATE_PER_MINUTE,
            "rows per minute",
        )?;
        at_most(
            "workload.compliance_backlog_s",
            w.compliance_backlog_s,
            H,
            HW,
        )?;
        at_most("liveness_within_s", self.liveness_within_s, H, HW)?;
        if let Some(t) = self.rto_target_s {
            at_most("rto_target_s", t, H, HW)?;
        }
        if let Some(t) = self.rpo_target_s {
            at_most("rpo_target_s", t, H, HW)?;
        }
        count_at_most("faults", self.faults.len(), MAX_FAULTS)?;
        count_at_most("phases", self.phases.len(), MAX_PHASES)?;
        count_at_most("deviations", self.deviations.len(), MAX_DEVIATIONS)?;
        for (i, f) in self.faults.iter().enumerate() {
            at_most(&format!("faults[{i}].at_s"), f.at_s, H, HW)?;
        }
        for (i, p) in self.phases.iter().enumerate() {
            at_most(&format!("phases[{i}].start_at_s"), p.start_at_s, H, HW)?;
            if let Some(a) = p.after_previous_s {
                at_most(&format!("phases[{i}].after_previous_s"), a, H, HW)?;
            }
            match &p.runbook {
                PhaseRunbook::File(f) if f.chars().count() > 4096 => {
                    return Err(format!(
                        "phases[{i}].runbook is longer than 4096 characters; expected a file path"
                    ));
                }
                PhaseRunbook::File(_) => {}
                // An inline runbook obeys the runbook format's own ranges.
                PhaseRunbook::Inline(rb) => rb
                    .validate()
                    .map_err(|e| format!("phases[{i}].runbook.{e}"))?,
            }
        }
        for (i, d) in self.deviations.iter().enumerate() {
            if let DeviationKind::Delay { seconds } = d.kind {
                at_most(&format!("deviations[{i}].seconds"), seconds, H, HW)?;
            }
        }
        Ok(())
    }

    /// Checks JSON cannot express. Returns what was expected, naming the field.
    pub fn validate(&self) -> Result<(), String> {
        self.check_ranges()?;
        let ls = &self.log_shipping;
        for (name, v) in [
            ("log_shipping.backup_interval_s", ls.backup_interval_s),
            ("log_shipping.copy_interval_s", ls.copy_interval_s),
            ("log_shipping.restore_interval_s", ls.restore_interval_s),
        ] {
            if v == 0 {
                return Err(format!(
                    "{name} is 0; expected a schedule of at least 1 second"
                ));
            }
        }
        if self.topology.cms == Dc::Third {
            return Err("topology.cms must be \"DC1\" or \"DC2\"".into());
        }
        if self.workload.writes_per_minute > 10_000_000 {
            return Err(
                "workload.writes_per_minute is above 10,000,000; expected a realistic rate".into(),
            );
        }
        for (i, f) in self.faults.iter().enumerate() {
            if f.after_phase.is_some_and(|p| p >= self.phases.len()) {
                return Err(format!(
                    "faults[{i}]: after_phase {} does not exist; expected 0..{}",
                    f.after_phase.unwrap_or(0),
                    self.phases.len()
                ));
            }
        }
        for (i, d) in self.deviations.iter().enumerate() {
            if d.phase >= self.phases.len() {
                return Err(format!(
                    "deviations[{i}]: phase {} does not exist; expected 0..{}",
                    d.phase,
                    self.phases.len()
                ));
            }
        }
        self.timing.validate()
    }
}
