//! The plain-text rendering of `drill rto`.

use super::campaign::{Summary, PERCENTILES};
use super::{Args, Distributions, Outcome, TargetVerdict};
use crate::fmt::clock;
use sim::dist::Dist;
use std::fmt::Write as _;

/// A duration in a table cell: 45s, 34m39s, 2h03m; "never" for None.
pub fn short(v: Option<u64>) -> String {
    match v {
        None => "never".into(),
        Some(s) if s < 60 => format!("{s}s"),
        Some(s) if s < 3600 => format!("{}m{:02}s", s / 60, s % 60),
        Some(s) => format!("{}h{:02}m", s / 3600, s / 60 % 60),
    }
}

fn count(v: Option<u64>) -> String {
    v.map_or("-".into(), |v| v.to_string())
}

pub fn dist(d: &Dist) -> String {
    match *d {
        Dist::Fixed(v) => format!("{v}"),
        Dist::Uniform { min, max } => format!("uniform {min}..{max}"),
        Dist::Triangular { min, mode, max } => format!("triangular {min}/{mode}/{max}"),
        Dist::LogNormal { p50, p90 } => format!("log-normal p50 {p50} p90 {p90}"),
    }
}

fn row(o: &mut String, name: &str, s: &Summary, f: fn(Option<u64>) -> String) {
    let _ = write!(o, "  {name:<22}");
    for (p, _) in PERCENTILES {
        let _ = write!(o, "{:>10}", f(s.get(p)));
    }
    let _ = writeln!(o);
}

pub fn table(o: &mut String, d: &Distributions) {
    let _ = write!(o, "  {:<22}", "");
    for (p, _) in PERCENTILES {
        let _ = write!(o, "{p:>10}");
    }
    let _ = writeln!(o);
    row(o, "RTO", &d.rto_s, short);
    row(o, "RTO from declaration", &d.rto_from_declaration_s, short);
    row(o, "RPO (writes lost)", &d.rpo_writes, count);
    row(o, "RPO (seconds)", &d.rpo_s, short);
    row(o, "failback downtime", &d.failback_downtime_s, short);
    if d.never_restored > 0 {
        let _ = writeln!(
            o,
            "  {} run(s) never restored service (RTO \"never\")",
            d.never_restored
        );
    }
    if d.no_outage > 0 {
        let _ = writeln!(o, "  {} run(s) never lost service (RTO 0)", d.no_outage);
    }
    if let Some(a) = &d.approximate {
        let _ = writeln!(o, "  note: {a}");
    }
    if d.rpo_unknown > 0 {
        let _ = writeln!(
            o,
            "  {} run(s) with RPO unknown (service never restored); RPO percentiles are over the others",
            d.rpo_unknown
        );
    }
    if d.failback_unknown > 0 {
        let _ = writeln!(
            o,
            "  {} run(s) still down after a failback step at the end; failback percentiles are over the others",
            d.failback_unknown
        );
    }
}

fn target(o: &mut String, name: &str, t: &Option<TargetVerdict>, runs: u64) {
    match t {
        None => {
            let _ = writeln!(o, "  {name} target: none in the scenario");
        }
        Some(t) => {
            let _ = writeln!(
                o,
                "  {name} target {} : {} at p95 (p95 {}); probability of breach {:.1}% ({} of {runs} runs)",
                short(Some(t.target_s)),
                if t.verdict == "met" { "met" } else { "BREACHED" },
                short(t.p95_s),
                t.probability_of_breach * 100.0,
                t.runs_breached
            );
        }
    }
}

pub fn render(r: &Outcome, args: &Args) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "drill rto: scenario {} ({}), campaign seed {}, {} runs",
        r.scenario, r.scenario_file, r.campaign_seed, r.runs
    );
    let file = if r.scenario_file.starts_with("(embedded)") {
        String::new()
    } else {
        format!("{} ", r.scenario_file)
    };
    let _ = writeln!(
        o,
        "reproduce with: drill rto {file}--seed {} --runs {}{}{}",
        r.campaign_seed,
        r.runs,
        args.jitter
            .map(|j| format!(" --jitter {j}"))
            .unwrap_or_default(),
        args.calibration
            .as_ref()
            .map(|c| format!(" --calibration {}", c.display()))
            .unwrap_or_default()
    );
    let _ = writeln!(o, "fault timing: {}", r.jitter);
    if let Some(c) = &r.calibration {
        let measured: Vec<&str> = r
            .parameters
            .iter()
            .filter(|p| p.origin == "measured")
            .map(|p| p.name.as_str())
            .collect();
        let _ = writeln!(o, "calibration: {c}; measured: {}", measured.join(", "));
    }
    let _ = writeln!(o, "\nDISTRIBUTIONS (nearest-rank percentiles)");
    table(&mut o, &r.dists);
    let _ = writeln!(
        o,
        "\nTARGETS (met when the p95 is within the target; breach = runs over it)"
    );
    target(&mut o, "RTO", &r.targets.rto, r.runs);
    target(&mut o, "RPO", &r.targets.rpo, r.runs);
    if let Some(cp) = &r.critical_path {
        let _ = writeln!(
            o,
            "\nCRITICAL PATH of the median run (run {}, seed {}, faults shifted {} s): RTO {}, RPO {} writes / {}",
            cp.run.run,
            cp.run.seed,
            cp.run.jitter_s,
            short(cp.run.rto_s),
            cp.run
                .rpo_writes
                .map_or("unknown".into(), |v| v.to_string()),
            cp.run.rpo_s.map_or("unknown".into(), |v| short(Some(v)))
        );
        if cp.segments.is_empty() {
            let _ = writeln!(o, "  service was never lost: no path to explain");
        }
        for s in &cp.segments {
            let detail = match (s.operator_s, s.work_s) {
                (Some(op), Some(w)) => format!("  (operator {op} s + work {w} s)"),
                _ => String::new(),
            };
            let _ = writeln!(
                o,
                "  {} -> {} {:>7} {:>7}  {}{}",
                clock(s.start_s),
                clock(s.end_s),
                short(Some(s.seconds)),
                s.share
                    .map_or("n/a".to_string(), |x| format!("{:.1}%", x * 100.0)),
                s.label,
                detail
            );
        }
    }
    if let Some(w) = &r.worst_run {
        let _ = writeln!(
            o,
            "\nworst run: run {}, seed {}, faults shifted {} s: RTO {}, RPO {} writes",
            w.run,
            w.seed,
            w.jitter_s,
            short(w.rto_s),
            w.rpo_writes.map_or("unknown".into(), |v| v.to_string())
        );
    }
    if let Some(sw) = &r.sweep {
        let _ = writeln!(
            o,
            "\nSWEEP {} ({} runs per value, campaign seed {})",
            sw.param, r.runs, r.campaign_seed
        );
        let _ = writeln!(
            o,
            "  {:>10} {:>9} {:>9} {:>9} {:>11} {:>11} {:>9} {:>9} {:>9} {:>8} {:>8}",
            "value",
            "RTO p50",
            "RTO p95",
            "RTO max",
            "RPOw p50",
            "RPOw max",
            "RPO p50",
            "RPO max",
            "fback p50",
            "P(RTO>)",
            "P(RPO>)"
        );
        for row in &sw.rows {
            let p = |t: &Option<TargetVerdict>| {
                t.as_ref().map_or("-".into(), |t| {
                    format!("{:.1}%", t.probability_of_breach * 100.0)
                })
            };
            let d = &row.dists;
            let _ = writeln!(
                o,
                "  {:>10} {:>9} {:>9} {:>9} {:>11} {:>11} {:>9} {:>9} {:>9} {:>8} {:>8}",
                row.value,
                short(d.rto_s.p50),
                short(d.rto_s.p95),
                short(d.rto_s.max),
                count(d.rpo_writes.p50),
                count(d.rpo_writes.max),
                short(d.rpo_s.p50),
                short(d.rpo_s.max),
                short(d.failback_downtime_s.p50),
                p(&row.targets.rto),
                p(&row.targets.rpo)
            );
        }
    }
    o.push_str(&crate::assumptions::section(&r.assumptions));
    let perf = &r.performance;
    let _ = writeln!(
        o,
        "\n{} runs in {:.2} s on {} thread(s): {:.0} runs/s",
        perf.runs, perf.seconds, perf.threads, perf.runs_per_second
    );
    o
}
