//! `drill fuzz --vary-assumptions`: each case also draws the settable modelling assumptions
//! (sim/src/assumptions.rs), and each counterexample is replayed under every setting of the
//! assumptions it depended on, so a violation is reported as robust (it happens under every
//! setting) or conditional (and under which settings).

use super::regress::Found;
use serde::Serialize;
use sim::assumptions::{Assumptions, Name};
use sim::engine::{self, Options};
use sim::rng::Rng;
use sim::runbook::Runbook;
use std::fmt::Write as _;

/// The assumptions of case `seed`: each settable one drawn uniformly over its settings, from
/// a stream of its own (the rest of the case is drawn as without the flag).
pub fn draw(seed: u64) -> Assumptions {
    let mut rng = Rng::child(seed, 0xA55E);
    Name::SETTABLE
        .into_iter()
        .fold(Assumptions::default(), |a, n| {
            a.with(n, rng.below(Assumptions::choices(n) as u64) as usize)
        })
}

#[derive(Clone, Debug, Serialize)]
pub struct Robustness {
    pub invariant: &'static str,
    /// The settable assumptions the counterexample depended on.
    pub depends_on: Vec<&'static str>,
    /// Violated under every combination of their settings.
    pub robust: bool,
    /// The combinations ("a = x, b = y") under which it is violated, and those where it holds.
    pub violated_under: Vec<String>,
    pub holds_under: Vec<String>,
}

/// Replay each counterexample under every combination of the settings of the settable
/// assumptions it depended on (2^k runs for k of them, k <= 4).
pub fn classify(found: &[Found], runbooks: &[Runbook]) -> Vec<Robustness> {
    found
        .iter()
        .map(|f| {
            let names: Vec<Name> = Name::SETTABLE
                .into_iter()
                .filter(|n| f.report.assumptions.iter().any(|a| a.name == n.as_str()))
                .collect();
            let sizes: Vec<usize> = names.iter().map(|n| Assumptions::choices(*n)).collect();
            let total: usize = sizes.iter().product();
            let (mut violated_under, mut holds_under) = (Vec::new(), Vec::new());
            for mut k in 0..total {
                let mut a = f.scenario.assumptions;
                for (n, size) in names.iter().zip(&sizes) {
                    a = a.with(*n, k % size);
                    k /= size;
                }
                let mut s = f.scenario.clone();
                s.assumptions = a;
                let r = engine::run(&s, runbooks, Options { record: false });
                let label = if names.is_empty() {
                    "any setting".to_string()
                } else {
                    names
                        .iter()
                        .map(|n| format!("{} = {}", n.as_str(), a.setting(*n).unwrap_or("?")))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                if r.violated().contains(&f.invariant) {
                    violated_under.push(label);
                } else {
                    holds_under.push(label);
                }
            }
            Robustness {
                invariant: f.invariant,
                depends_on: names.iter().map(|n| n.as_str()).collect(),
                robust: holds_under.is_empty(),
                violated_under,
                holds_under,
            }
        })
        .collect()
}

pub fn render(rs: &[Robustness]) -> String {
    let mut o = String::from(
        "\nROBUSTNESS (each counterexample replayed under every setting of the assumptions it depended on)\n",
    );
    if rs.is_empty() {
        o.push_str("  no counterexample\n");
    }
    for r in rs {
        if r.robust {
            let _ = writeln!(
                o,
                "  {:<31} robust: violated under every setting{}",
                r.invariant,
                if r.depends_on.is_empty() {
                    " (it depends on no settable assumption)".to_string()
                } else {
                    format!(" of {}", r.depends_on.join(", "))
                }
            );
        } else {
            let _ = writeln!(
                o,
                "  {:<31} conditional: violated only under [{}]; holds under [{}]",
                r.invariant,
                r.violated_under.join("; "),
                r.holds_under.join("; ")
            );
        }
    }
    o
}
