//! `drill diff --report F.html`: one self-contained page, the RTO report's histograms (old
//! and new side by side, the target as a line) and the diff's tables, from a minijinja
//! template, written whole or not at all.

use super::{render, Diff};
use crate::rto::html::{histogram, to_mj};
use plotters::style::RGBColor;
use std::path::Path;

const TEMPLATE: &str = include_str!("../../templates/diff_report.html");

pub fn render(d: &Diff) -> Result<String, String> {
    let target = |m: &str| {
        d.targets
            .iter()
            .find(|t| t.metric == m)
            .map(|t| t.target_s as f64)
    };
    // (value, count) pairs, as the RTO report's histogram takes them; "never" is left out.
    let finite = |f: fn(&super::Pair) -> u64, div: f64| -> Vec<(f64, u64)> {
        d.pairs
            .iter()
            .map(f)
            .filter(|&v| v != u64::MAX)
            .map(|v| (v as f64 / div, 1))
            .collect()
    };
    let rto_t = target("RTO").map(|t| t / 60.0);
    let charts = vec![
        histogram(
            "old: RTO (minutes)",
            &finite(|p| p.old.rto_s, 60.0),
            rto_t,
            RGBColor(120, 144, 156),
        )?,
        histogram(
            "new: RTO (minutes)",
            &finite(|p| p.new.rto_s, 60.0),
            rto_t,
            RGBColor(66, 133, 244),
        )?,
        histogram(
            "old: RPO (seconds of writes lost)",
            &finite(|p| p.old.rpo_s, 1.0),
            target("RPO"),
            RGBColor(120, 144, 156),
        )?,
        histogram(
            "new: RPO (seconds of writes lost)",
            &finite(|p| p.new.rpo_s, 1.0),
            target("RPO"),
            RGBColor(239, 108, 0),
        )?,
    ];
    let never = |f: fn(&super::Pair) -> u64| d.pairs.iter().filter(|p| f(p) == u64::MAX).count();
    let mut env = minijinja::Environment::new();
    env.add_template("diff_report.html", TEMPLATE)
        .map_err(|e| format!("report template: {e}"))?;
    let t = env
        .get_template("diff_report.html")
        .map_err(|e| format!("report template: {e}"))?;
    t.render(minijinja::context! {
        d => to_mj(&serde_json::to_value(d).map_err(|e| e.to_string())?),
        charts => charts,
        never_old => never(|p| p.old.rto_s),
        never_new => never(|p| p.new.rto_s),
        markdown => render::markdown(d),
    })
    .map_err(|e| format!("report template: {e}"))
}

pub fn write(p: &Path, d: &Diff) -> Result<(), String> {
    let page = render(d)?;
    crate::output::write_atomic(p, page.as_bytes()).map_err(|e| format!("--report {e}"))
}
