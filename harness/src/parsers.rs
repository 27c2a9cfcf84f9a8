//! One entry point per input parser, taking raw bytes as a file would hold them: what the
//! `cargo fuzz` targets (fuzz/) and their proptest smoke versions (harness/tests/
//! bad_inputs_parsers.rs) call. Each returns Ok when the input was accepted, Err with the
//! message when it was refused, and panics only when the parser broke a promise: a panic
//! inside it, or an error without a line and column (line and column start at 1).

use crate::load::{self, InputError};

const FILE: &str = "input.json";

fn located(e: InputError) -> Result<(), String> {
    assert!(
        e.line >= 1 && e.column >= 1,
        "error without a location: {e}"
    );
    assert_eq!(e.file, FILE, "error names another file: {e}");
    Err(e.to_string())
}

fn text(data: &[u8]) -> Result<String, InputError> {
    load::text_of(FILE, data.to_vec())
}

/// A scenario file (its runbooks are not read).
pub fn scenario(data: &[u8]) -> Result<(), String> {
    match text(data).and_then(|t| load::parse_scenario(FILE, &t)) {
        Ok(_) => Ok(()),
        Err(e) => located(e),
    }
}

/// A runbook file.
pub fn runbook(data: &[u8]) -> Result<(), String> {
    match text(data).and_then(|t| load::parse_runbook(FILE, &t)) {
        Ok(_) => Ok(()),
        Err(e) => located(e),
    }
}

/// A calibration file (docs/calibration.md).
pub fn calibration(data: &[u8]) -> Result<(), String> {
    match text(data).and_then(|t| crate::rto::calibration::parse(FILE, &t)) {
        Ok(_) => Ok(()),
        Err(e) => located(e),
    }
}

/// msdb backup history as CSV.
pub fn history_csv(data: &[u8]) -> Result<(), String> {
    crate::history::input::parse_csv("input.csv", data)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// msdb backup history as JSON.
pub fn history_json(data: &[u8]) -> Result<(), String> {
    crate::history::input::parse_json("input.json", data)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// A scenario played with the embedded failover and failback runbooks: whatever a valid
/// scenario says, the run ends within its budgets (or says it would not).
pub fn play(data: &[u8]) -> Result<(), String> {
    let t = text(data).map_err(|e| e.to_string())?;
    let mut s = load::parse_scenario(FILE, &t).map_err(|e| e.to_string())?;
    let rbs: Vec<_> = ["runbooks/failover.json", "runbooks/failback.json"]
        .iter()
        .filter_map(|n| load::embedded(n))
        .filter_map(|t| load::parse_runbook("embedded", t).ok())
        .collect();
    s.phases.truncate(rbs.len());
    s.deviations.retain(|d| d.phase < s.phases.len());
    let rbs = &rbs[..s.phases.len()];
    // Deviations naming steps the embedded runbooks do not have are refused by `load`.
    s.deviations
        .retain(|d| rbs[d.phase].steps.iter().any(|st| st.id == d.step));
    s.faults
        .retain(|f| f.after_phase.is_none_or(|p| p < s.phases.len()));
    s.validate()?;
    sim::engine::run_checked(&s, rbs, sim::engine::Options { record: true })
        .map(|_| ())
        .map_err(|e| e.to_string())
}
