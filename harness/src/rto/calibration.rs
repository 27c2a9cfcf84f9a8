//! Calibration files: measured durations and throughputs that replace the timing model's
//! assumed ones (format: docs/calibration.md, schema docs/schema/calibration.schema.json).

use crate::load::{locate, InputError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sim::dist::Dist;
use sim::timing::Timing;
use std::collections::BTreeMap;
use std::path::Path;

pub const FORMAT: &str = "drill-calibration/1";

/// Measured parameters, written by the SQL Server replay and by drill rehearsals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    /// Always "drill-calibration/1".
    pub format: String,
    /// Who measured: "sqlserver-replay", "rehearsal", or a free text.
    pub source: String,
    /// When the measurements were taken (ISO 8601), for the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_at: Option<String>,
    /// Where: environment, hardware, database size at the time.
    #[serde(default)]
    pub notes: String,
    /// Timing parameter name (as in a scenario's `timing`, e.g. `restore_mb_per_s`) to its
    /// measurement, in that parameter's unit.
    pub parameters: BTreeMap<String, Measured>,
}

/// One parameter's measurement: raw samples, or a distribution already fitted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Measured {
    /// Raw measurements. One sample becomes a fixed value; more become
    /// triangular(min, median, max).
    Samples {
        samples: Vec<f64>,
        #[serde(default)]
        how: String,
    },
    /// A fitted distribution (number, {min,max}, {min,mode,max} or {p50,p90}).
    Dist {
        dist: Dist,
        #[serde(default)]
        how: String,
    },
}

impl Measured {
    pub fn to_dist(&self) -> Result<Dist, String> {
        match self {
            Measured::Dist { dist, .. } => Ok(dist.clone()),
            Measured::Samples { samples, .. } => {
                if samples.is_empty() {
                    return Err("no samples; expected at least one measurement".into());
                }
                if samples.iter().any(|v| !v.is_finite() || *v < 0.0) {
                    return Err("a sample is negative or not finite".into());
                }
                let mut v = samples.clone();
                v.sort_by(f64::total_cmp);
                let d = if v.len() == 1 {
                    Dist::Fixed(v[0])
                } else {
                    Dist::Triangular {
                        min: v[0],
                        mode: v[(v.len() - 1) / 2],
                        max: v[v.len() - 1],
                    }
                };
                Ok(d)
            }
        }
    }
}

/// Timing parameters a calibration may replace (durations, throughputs, sizes).
pub fn calibratable() -> Vec<&'static str> {
    let t = Timing::default();
    let mut v: Vec<&str> = t.fields().iter().map(|(n, _)| *n).collect();
    v.extend(["full_backup_s", "full_restore_s", "mirror_install_s"]);
    v.extend(t.sizes().iter().map(|(n, _)| *n));
    v.retain(|n| *n != "fault_jitter_s");
    v
}

pub fn load(path: &Path) -> Result<Calibration, InputError> {
    let file = path.display().to_string();
    let text = crate::load::read_input(path)?;
    parse(&file, &text)
}

pub fn parse(file: &str, text: &str) -> Result<Calibration, InputError> {
    let c: Calibration =
        crate::load::parse_json(file, text, "calibration file", "docs/calibration.md")?;
    if c.format != FORMAT {
        let (l, col) = locate(text, "format", 0);
        return Err(InputError::at(
            file,
            l,
            col,
            format!("format {:?}; expected {FORMAT:?}", c.format),
        ));
    }
    // Check every parameter now, so a bad one is reported where it is written.
    let names = calibratable();
    let mut probe = Timing::default();
    for (name, m) in &c.parameters {
        let (l, col) = locate(text, name, 0);
        if !names.contains(&name.as_str()) {
            return Err(InputError::at(
                file,
                l,
                col,
                format!(
                    "unknown parameter {name:?}; expected one of {}",
                    names.join(", ")
                ),
            ));
        }
        apply_one(&mut probe, name, m)
            .and_then(|_| probe.validate())
            .map_err(|e| InputError::at(file, l, col, format!("{name}: {e}")))?;
    }
    Ok(c)
}

fn apply_one(t: &mut Timing, name: &str, m: &Measured) -> Result<(), String> {
    let d = m.to_dist()?;
    // Sizes are plain numbers: a measured distribution contributes its median.
    let size = || -> Result<f64, String> { Ok(d.median()) };
    match name {
        "mgc_size_mb" => t.mgc_size_mb = size()?,
        "mgccomp_size_mb" => t.mgccomp_size_mb = size()?,
        "log_bytes_per_write" => t.log_bytes_per_write = size()?,
        "full_backup_s" => t.full_backup_s = Some(d),
        "full_restore_s" => t.full_restore_s = Some(d),
        "mirror_install_s" => t.mirror_install_s = Some(d),
        _ => {
            // The remaining names are plain Dist fields: go through serde to set by name.
            let mut v = serde_json::to_value(&*t).map_err(|e| e.to_string())?;
            v[name] = serde_json::to_value(&d).map_err(|e| e.to_string())?;
            *t = serde_json::from_value(v).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// Replace the scenario's timing parameters with the measured ones; returns their names.
pub fn apply(t: &mut Timing, c: &Calibration) -> Result<Vec<String>, String> {
    for (name, m) in &c.parameters {
        apply_one(t, name, m).map_err(|e| format!("{name}: {e}"))?;
    }
    t.validate()?;
    Ok(c.parameters.keys().cloned().collect())
}

pub fn schema() -> String {
    let s = schemars::schema_for!(Calibration);
    serde_json::to_string_pretty(&s).unwrap_or_default() + "\n"
}
