//! How every command shows the modelling assumptions a result depended on
//! (sim/src/assumptions.rs holds the registry), and why a measure is unknown.

use sim::assumptions::{InForce, Name, REGISTRY};
use sim::report::Report;
use std::fmt::Write as _;

/// The ASSUMPTIONS section: each assumption the run depended on, its setting, what it
/// means, its source and the alternatives.
pub fn section(list: &[InForce]) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "\nASSUMPTIONS the verdicts depend on (no document decides them; change one in the scenario's \"assumptions\" object or the field named, and the verdicts may change)"
    );
    if list.is_empty() {
        let _ = writeln!(
            o,
            "  none: this run reached no point where an assumption decides"
        );
    }
    for a in list {
        let alts = if a.alternatives.is_empty() {
            String::new()
        } else {
            format!("; alternatives: {}", a.alternatives.join(", "))
        };
        let by = if a.set_by == "fixed" {
            "fixed in the model".to_string()
        } else {
            format!("set by {}", a.set_by)
        };
        let _ = writeln!(o, "  {} = {}  [{by}{alts}]", a.name, a.setting);
        let _ = writeln!(o, "      assumed: {}", a.assumed);
        let _ = writeln!(o, "      source:  {}", a.source);
    }
    o
}

/// One line naming the assumptions a result depended on ("a = x, b = y"), for tables.
pub fn brief(list: &[InForce]) -> String {
    if list.is_empty() {
        return "none".into();
    }
    list.iter()
        .map(|a| format!("{} = {}", a.name, a.setting))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every registered assumption, for `--help`-style listings and docs.
pub fn registry_names() -> Vec<&'static str> {
    REGISTRY.iter().map(|a| a.name).collect()
}

/// The settable assumptions a report depended on.
pub fn settable_used(r: &Report) -> Vec<Name> {
    Name::SETTABLE
        .into_iter()
        .filter(|n| r.assumptions.iter().any(|a| a.name == n.as_str()))
        .collect()
}

/// "unknown: <reason>" for a null measure.
pub fn unknown(r: &Report, measure: &str) -> String {
    format!(
        "unknown: {}",
        r.unknown(measure)
            .unwrap_or("the model could not observe it")
    )
}
