//! `drill diff` as text (the terminal) and as Markdown (a pull-request comment).

use super::{Diff, Metric};
use crate::rto::text::short;
use std::fmt::Write as _;

/// A value of a metric: a duration for seconds, a count for writes.
fn val(m: &Metric, v: Option<u64>) -> String {
    if m.unit == "seconds" {
        short(v)
    } else {
        v.map_or("never".into(), |v| v.to_string())
    }
}

/// A signed shift: +5m00s, -45s, 0, +120 writes.
fn shift(m: &Metric, v: Option<i64>) -> String {
    match v {
        None => "n/a".into(),
        Some(0) => "0".into(),
        Some(d) => {
            let sign = if d > 0 { "+" } else { "-" };
            format!("{sign}{}", val(m, Some(d.unsigned_abs())))
        }
    }
}

fn ci(m: &Metric, lo: Option<i64>, hi: Option<i64>) -> String {
    let b = |v: Option<i64>, inf: &str| v.map_or(inf.to_string(), |v| shift(m, Some(v)));
    format!("[{}, {}]", b(lo, "-inf"), b(hi, "+inf"))
}

fn title(m: &Metric) -> &'static str {
    match m.name {
        "rto_s" => "RTO",
        "rpo_s" => "RPO (time)",
        _ => "RPO (writes)",
    }
}

pub fn text(d: &Diff) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "drill diff: seed {}, {} paired cases ({}), {:.2} s ({:.0} pairs/s, {} jobs)",
        d.seed,
        d.cases,
        d.cases_from,
        d.performance.campaign_seconds,
        d.performance.paired_cases_per_second,
        d.performance.jobs
    );
    let _ = writeln!(o, "  old: {}\n  new: {}", d.old_file, d.new_file);
    if let Some(s) = &d.scenario_file {
        let _ = writeln!(o, "  scenario: {s}");
    }
    let _ = writeln!(o, "reproduce with: {}", d.reproduce);

    let _ = writeln!(o, "\nRUNBOOK DIFF (by step id)");
    if d.steps.is_empty() {
        let _ = writeln!(o, "  no step added, removed, moved or changed");
    }
    for c in &d.steps {
        let _ = writeln!(
            o,
            "  {:<8} {:<5} {}: {}",
            c.change, c.id, c.action, c.detail
        );
    }

    let _ = writeln!(
        o,
        "\n{:<31} {:<9} {:>8} {:>8} {:>15} {:>12}",
        "INVARIANT", "KIND", "OLD", "NEW", "NEWLY VIOLATED", "NEWLY FIXED"
    );
    for i in &d.invariants {
        let _ = writeln!(
            o,
            "{:<31} {:<9} {:>8} {:>8} {:>15} {:>12}",
            i.name, i.kind, i.old_cases, i.new_cases, i.newly_violated, i.newly_fixed
        );
    }
    for i in &d.invariants {
        for e in &i.examples {
            let _ = writeln!(
                o,
                "\nEXAMPLE {} {} (case {}{}):",
                i.name,
                e.direction,
                e.case,
                if e.shrunk {
                    format!(", shrunk in {} runs", e.shrink_runs)
                } else {
                    ", not shrinkable without losing the difference".into()
                }
            );
            let _ = writeln!(
                o,
                "  old: drill run {}   # violates: {}",
                e.old_file,
                list(&e.old_violated)
            );
            let _ = writeln!(
                o,
                "  new: drill run {}   # violates: {}",
                e.new_file,
                list(&e.new_violated)
            );
            if let Some(v) = &e.violation {
                let _ = writeln!(
                    o,
                    "  {} at {} after {}: {}",
                    if e.direction == "newly violated" {
                        "new runbook"
                    } else {
                        "old runbook"
                    },
                    crate::fmt::clock(v.at_s),
                    v.after,
                    v.message
                );
            }
        }
    }

    let _ = writeln!(
        o,
        "\nRTO / RPO: new - old, {}% paired bootstrap interval ({} resamples)",
        (d.confidence * 100.0) as u32,
        d.resamples
    );
    let _ = writeln!(
        o,
        "  {:<13} {:<4} {:>9} {:>9} {:>10}  interval",
        "", "", "OLD", "NEW", "SHIFT"
    );
    for m in &d.metrics {
        for s in &m.shifts {
            let _ = writeln!(
                o,
                "  {:<13} {:<4} {:>9} {:>9} {:>10}  {}",
                title(m),
                s.percentile,
                val(m, s.old),
                val(m, s.new),
                shift(m, s.shift),
                match s.note {
                    Some(n) if s.shift.is_none() => n.to_string(),
                    Some(n) => format!("{} ({n})", ci(m, s.ci_low, s.ci_high)),
                    None => ci(m, s.ci_low, s.ci_high),
                }
            );
        }
    }

    let _ = writeln!(o, "\nTARGETS (met when p95 is within the target)");
    for t in &d.targets {
        let _ = writeln!(
            o,
            "  {} {:<8} old: {:<8} p95 {:<7} P(breach) {:.4}   new: {:<8} p95 {:<7} P(breach) {:.4}{}",
            t.metric,
            short(Some(t.target_s)),
            t.old.verdict,
            short(t.old.p95_s),
            t.old.probability_of_breach,
            t.new.verdict,
            short(t.new.p95_s),
            t.new.probability_of_breach,
            if t.regressed { "   REGRESSED" } else { "" }
        );
    }
    if let Some(n) = &d.targets_note {
        let _ = writeln!(o, "  {n}");
    }
    let _ = writeln!(o, "\nASSUMPTIONS");
    for a in &d.assumptions {
        let _ = writeln!(o, "  - {a}");
    }
    let _ = writeln!(o);
    if d.worse.is_empty() {
        let _ = writeln!(
            o,
            "VERDICT: not worse ({}).",
            if d.better.is_empty() {
                "no invariant or target changed".to_string()
            } else {
                format!("better: {}", d.better.join("; "))
            }
        );
    } else {
        let _ = writeln!(o, "VERDICT: WORSE: {}.", d.worse.join("; "));
        if !d.better.is_empty() {
            let _ = writeln!(o, "  (also better: {})", d.better.join("; "));
        }
    }
    o
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "nothing".into()
    } else {
        v.join(", ")
    }
}

/// A summary that fits a pull-request comment.
pub fn markdown(d: &Diff) -> String {
    let mut o = String::new();
    let head = if d.worse.is_empty() {
        "✅ not worse"
    } else {
        "❌ worse"
    };
    let _ = writeln!(
        o,
        "### drill diff: {head}\n\n`{}` → `{}`: {} paired cases ({}), seed {}.\n",
        d.old_file, d.new_file, d.cases, d.cases_from, d.seed
    );
    for w in &d.worse {
        let _ = writeln!(o, "- **worse**: {w}");
    }
    for b in &d.better {
        let _ = writeln!(o, "- better: {b}");
    }
    if !d.worse.is_empty() || !d.better.is_empty() {
        let _ = writeln!(o);
    }
    let _ = writeln!(o, "**Runbook changes**\n");
    if d.steps.is_empty() {
        let _ = writeln!(o, "none\n");
    } else {
        let _ = writeln!(o, "| change | step | action | detail |\n|---|---|---|---|");
        for c in &d.steps {
            let _ = writeln!(
                o,
                "| {} | {} | `{}` | {} |",
                c.change,
                c.id,
                c.action,
                c.detail.replace('|', "\\|")
            );
        }
        let _ = writeln!(o);
    }
    let changed: Vec<_> = d
        .invariants
        .iter()
        .filter(|i| i.newly_violated > 0 || i.newly_fixed > 0)
        .collect();
    if !changed.is_empty() {
        let _ = writeln!(
            o,
            "**Invariants**\n\n| invariant | kind | old | new | newly violated | newly fixed | paired example |\n|---|---|---:|---:|---:|---:|---|"
        );
        for i in changed {
            let ex = i
                .examples
                .iter()
                .map(|e| format!("`drill run {}`", e.new_file))
                .collect::<Vec<_>>()
                .join("<br>");
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} |",
                i.name, i.kind, i.old_cases, i.new_cases, i.newly_violated, i.newly_fixed, ex
            );
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(
        o,
        "**RTO / RPO** (new − old, {}% paired bootstrap interval)\n\n| metric | old p50 | new p50 | old p95 | new p95 | p95 shift | old p99 | new p99 |\n|---|---:|---:|---:|---:|---|---:|---:|",
        (d.confidence * 100.0) as u32
    );
    for m in &d.metrics {
        let s = &m.shifts;
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} {} | {} | {} |",
            title(m),
            val(m, s[0].old),
            val(m, s[0].new),
            val(m, s[1].old),
            val(m, s[1].new),
            shift(m, s[1].shift),
            match s[1].note {
                Some(n) if s[1].shift.is_none() => format!("({n})"),
                _ => ci(m, s[1].ci_low, s[1].ci_high),
            },
            val(m, s[2].old),
            val(m, s[2].new)
        );
    }
    if !d.targets.is_empty() {
        let _ = writeln!(
            o,
            "\n| target | old | P(breach) old | new | P(breach) new |\n|---|---|---:|---|---:|"
        );
        for t in &d.targets {
            let _ = writeln!(
                o,
                "| {} {} | {} | {:.4} | {} | {:.4} |",
                t.metric,
                short(Some(t.target_s)),
                t.old.verdict,
                t.old.probability_of_breach,
                t.new.verdict,
                t.new.probability_of_breach
            );
        }
    }
    if let Some(n) = &d.targets_note {
        let _ = writeln!(o, "\n_{n}_");
    }
    let _ = writeln!(o, "\n<sub>reproduce: `{}`</sub>", d.reproduce);
    o
}
