//! `--sweep PARAM=v1,v2,...`: one scenario parameter set to each value in turn. Any numeric
//! scenario field can be swept; a timing distribution swept to a number becomes fixed.

use sim::scenario::Scenario;

/// Sections searched for a bare parameter name, in this order.
const SECTIONS: [&str; 4] = ["log_shipping", "timing", "workload", "topology"];

#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    /// Full path, e.g. "log_shipping.backup_interval_s".
    pub param: String,
    pub values: Vec<f64>,
}

/// Parse `PARAM=v1,v2,...` and check every value against the scenario.
/// The most values one `--sweep` may list.
pub const MAX_VALUES: usize = 100;

pub fn parse(arg: &str, base: &Scenario) -> Result<Sweep, String> {
    let (name, list) = arg
        .split_once('=')
        .ok_or_else(|| format!("--sweep {arg:?}: expected PARAM=v1,v2,..."))?;
    let values = list
        .split(',')
        .map(|v| {
            v.trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| format!("--sweep {name}: {v:?} is not a number"))
        })
        .collect::<Result<Vec<f64>, String>>()?;
    // Each value is a whole campaign.
    if values.len() > MAX_VALUES {
        return Err(format!(
            "--sweep {name}: {} values; expected at most {MAX_VALUES}",
            values.len()
        ));
    }
    let param = resolve(name.trim(), base)?;
    for &v in &values {
        with(base, &param, v).map_err(|e| format!("--sweep {param}={v}: {e}"))?;
    }
    Ok(Sweep { param, values })
}

fn resolve(name: &str, base: &Scenario) -> Result<String, String> {
    let v = serde_json::to_value(base).map_err(|e| e.to_string())?;
    let numeric = |path: &str| {
        let x = path.split('.').try_fold(&v, |x, k| x.get(k));
        // Absent optional timing overrides (full_restore_s, ...) can be swept too.
        match x {
            Some(x) => x.is_number() || x.is_object(),
            None => path.starts_with("timing.") && timing_field(&path[7..]),
        }
    };
    let candidates: Vec<String> = if name.contains('.') {
        vec![name.to_string()]
    } else {
        SECTIONS
            .iter()
            .map(|s| format!("{s}.{name}"))
            .chain([name.to_string()])
            .collect()
    };
    candidates
        .into_iter()
        .find(|p| numeric(p))
        .ok_or_else(|| {
            format!("--sweep: unknown parameter {name:?}; expected a numeric scenario field such as backup_interval_s, copy_interval_s, operator_step_s, inter_dc_mbit_per_s, mgc_size_mb, detection_s (see docs/rto.md)")
        })
}

fn timing_field(name: &str) -> bool {
    matches!(
        name,
        "full_backup_s" | "full_restore_s" | "mirror_install_s" | "fault_jitter_s"
    )
}

/// The scenario with `param` set to `value` (validated).
pub fn with(base: &Scenario, param: &str, value: f64) -> Result<Scenario, String> {
    let mut v = serde_json::to_value(base).map_err(|e| e.to_string())?;
    let mut cur = &mut v;
    let parts: Vec<&str> = param.split('.').collect();
    for k in &parts[..parts.len() - 1] {
        cur = cur.get_mut(*k).ok_or_else(|| format!("no field {k}"))?;
    }
    let num = if value.fract() == 0.0 && value >= 0.0 {
        serde_json::Value::from(value as u64)
    } else {
        serde_json::Value::from(value)
    };
    let last = parts[parts.len() - 1];
    match cur.as_object_mut() {
        Some(o) => {
            o.insert(last.to_string(), num);
        }
        None => return Err(format!("{param} is not inside an object")),
    }
    let s: Scenario = serde_json::from_value(v).map_err(|e| e.to_string())?;
    s.validate()?;
    Ok(s)
}
