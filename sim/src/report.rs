//! The result of one run: timeline, measures and verdicts, as one serializable value.

use crate::assumptions::InForce;
use crate::invariants::Kind;
use crate::observe::Observation;
use crate::world::Coverage;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub scenario: String,
    pub seed: u64,
    /// Outage start (first loss of service caused by a fault) to service restored.
    pub rto_seconds: Option<u64>,
    /// Disaster declared (start of the first `declare` phase) to service restored.
    pub rto_from_declaration_seconds: Option<u64>,
    /// The failover's RPO: acknowledged writes missing from the copy that served when service
    /// came back after the outage (0 without an outage); null when it never came back.
    pub failover_rpo_writes_lost: Option<u64>,
    /// The span of acknowledgement times of those writes.
    pub failover_rpo_seconds: Option<u64>,
    /// Acknowledged writes missing from the copy the pool serves from at the end; null when
    /// the pool does not serve at the end (which copy will serve, and so which writes
    /// survive, is not decided): `unknowns` says why.
    pub rpo_writes_lost: Option<u64>,
    /// The span of acknowledgement times of the lost writes (null with `rpo_writes_lost`).
    pub rpo_seconds: Option<u64>,
    pub writes_acknowledged: u64,
    /// mgccomp rows not yet processed by the compliance adapter when DC1 was lost (not failed over).
    pub compliance_rows_at_risk: u64,
    /// Service downtime caused by steps of the phases after the first (planned failback
    /// downtime); null when service is still down at the end (it is at least the time
    /// counted so far: `unknowns`).
    pub failback_downtime_seconds: Option<u64>,
    pub outage_start_s: Option<u64>,
    pub declared_at_s: Option<u64>,
    pub service_restored_at_s: Option<u64>,
    pub end_s: u64,
    /// Every measure above that is null, with why.
    pub unknowns: Vec<Unknown>,
    /// The modelling assumptions this run depended on, with the settings in force
    /// (sim/src/assumptions.rs): the verdicts hold under these, not necessarily otherwise.
    pub assumptions: Vec<InForce>,
    pub invariants: Vec<Verdict>,
    pub coverage: Coverage,
    pub steps: Vec<StepRecord>,
    pub timeline: Vec<Entry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub final_observation: Option<Observation>,
}

/// A measure the model could not observe, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unknown {
    pub measure: &'static str,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    pub name: &'static str,
    pub kind: Kind,
    pub source: &'static str,
    pub holds: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub violation: Option<Violation>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Violation {
    pub at_s: u64,
    /// The event after which it was seen ("step F5", "fault dc_down", "end").
    pub after: String,
    pub message: String,
}

/// Per-step timing, for the critical path.
#[derive(Clone, Debug, Serialize)]
pub struct StepRecord {
    pub phase: usize,
    pub id: String,
    pub kind: &'static str,
    pub start_s: u64,
    pub end_s: u64,
    pub operator_s: u64,
    pub work_s: u64,
    pub ok: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    pub t_s: u64,
    /// phase, step, fault, job, auto (an automatic change such as a mirroring failover), end.
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed: Option<Observation>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ErrorRecord {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<u32>,
    pub message: String,
}

impl Report {
    pub fn violated(&self) -> Vec<&'static str> {
        self.invariants
            .iter()
            .filter(|v| !v.holds)
            .map(|v| v.name)
            .collect()
    }
    pub fn all_hold(&self) -> bool {
        self.invariants.iter().all(|v| v.holds)
    }
    /// Why a measure is null, if it is.
    pub fn unknown(&self, measure: &str) -> Option<&str> {
        self.unknowns
            .iter()
            .find(|u| u.measure == measure)
            .map(|u| u.reason.as_str())
    }
}
