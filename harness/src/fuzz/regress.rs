//! Counterexamples: shrink the first violating case of each invariant, replay it with the
//! timeline recorded, save it as a scenario file with its runbooks inline (written whole or
//! not at all), and render
//! the campaign as a table or JSON.

use super::campaign::{self, Tally, COVERAGE};
use super::gen::Shape;
use super::shrink;
use super::{Args, Target};
use crate::fmt::{clock, fnv1a};
use serde_json::json;
use sim::engine::{self, Options};
use sim::invariants;
use sim::report::Report;
use sim::scenario::{Expect, PhaseRunbook, Scenario};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub struct Found {
    pub invariant: &'static str,
    pub case: u64,
    pub file: PathBuf,
    pub scenario: Scenario,
    pub report: Report,
    pub shrink_runs: u32,
    pub shrink_s: f64,
}

/// A scenario as saved: the default timing is left out, so the file states only what the
/// case chose (and an untagged `Dist` cannot misread a triangular as a uniform).
pub fn scenario_json(s: &Scenario) -> String {
    let mut v = serde_json::to_value(s).unwrap_or_default();
    if s.timing == sim::timing::Timing::default() {
        if let Some(o) = v.as_object_mut() {
            o.remove("timing");
        }
    }
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    crate::output::write_atomic(path, text.as_bytes()).map_err(std::io::Error::other)
}

/// Shrink and save one counterexample per violated invariant.
pub fn counterexamples(
    shape: &Shape,
    t: &Target,
    args: &Args,
    tally: &Tally,
) -> std::io::Result<Vec<Found>> {
    let mut out = Vec::new();
    for (k, name) in invariants::names().into_iter().enumerate() {
        let Some(case) = tally.first[k] else { continue };
        let start = std::time::Instant::now();
        let original = campaign::scenario(shape, args.seed, case);
        let sh = shrink::shrink(&original, &t.runbooks, name);
        let shrink_s = start.elapsed().as_secs_f64();
        let mut s = sh.scenario;
        // The runbooks go inline: the file replays wherever it is moved, whichever runbook
        // files were fuzzed, and its name hashes them too.
        for (ph, rb) in s.phases.iter_mut().zip(&t.runbooks) {
            ph.runbook = PhaseRunbook::Inline(Box::new(rb.clone()));
        }
        let report = engine::run(&s, &t.runbooks, Options { record: true });
        let canonical = scenario_json(&s);
        let hash = format!("{:016x}", fnv1a(canonical.as_bytes()));
        let id = format!("{name}-{}", &hash[..12]);
        s.name = id.clone();
        s.description = format!(
            "Minimal counterexample for {name}: drill fuzz --seed {} case {case} (seed {}), shrunk in {} runs. Runbooks: {}.",
            args.seed,
            s.seed,
            sh.runs,
            shape.runbook_paths.join(" + ")
        );
        s.expect = Some(Expect {
            violated: report.violated().iter().map(|v| v.to_string()).collect(),
            rpo_writes_lost: report.rpo_writes_lost,
        });
        let file = args.out.join(format!("{id}.json"));
        let text = scenario_json(&s);
        if crate::load::read_input(&file).ok().as_deref() != Some(text.as_str()) {
            write_atomically(&file, &text)?;
        }
        out.push(Found {
            invariant: name,
            case,
            file,
            scenario: s,
            report,
            shrink_runs: sh.runs,
            shrink_s,
        });
    }
    Ok(out)
}

fn timeline(r: &Report) -> Vec<String> {
    r.timeline
        .iter()
        .filter(|e| e.kind != "job" || e.error.is_some())
        .map(|e| {
            let tag = match e.kind {
                "step" => format!("STEP {}", e.id.as_deref().unwrap_or("")),
                k => k.to_uppercase(),
            };
            let mut line = format!("{}  {:<8} {}", clock(e.t_s), tag, e.title);
            if let Some(x) = &e.effect {
                let _ = write!(line, " -> {x}");
            }
            if let Some(err) = &e.error {
                let _ = write!(
                    line,
                    " !! {}",
                    err.message.lines().collect::<Vec<_>>().join(" / ")
                );
            }
            line
        })
        .collect()
}

/// The command that reproduces the cases run (a time limit may have cut the campaign short).
fn command(args: &Args, t: &Target, cases: u64) -> String {
    let mut c = String::from("drill fuzz");
    for f in &t.files {
        if !args.runbooks.is_empty() {
            let _ = write!(c, " --runbook {}", f.display());
        }
    }
    let _ = write!(c, " --cases {cases} --seed {}", args.seed);
    if args.deviations {
        c.push_str(" --deviations");
    }
    if args.beyond_assumptions {
        c.push_str(" --beyond-assumptions");
    }
    if args.vary_assumptions {
        c.push_str(" --vary-assumptions");
    }
    c
}

pub fn render(
    args: &Args,
    t: &Target,
    tally: &Tally,
    found: &[Found],
    el: f64,
    rate: f64,
) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "drill fuzz: seed {}, {} cases run in {el:.2} s ({rate:.0} cases/s, {} jobs)",
        args.seed, tally.cases, args.jobs
    );
    let _ = writeln!(o, "reproduce with: {}", command(args, t, tally.cases));
    let _ = writeln!(
        o,
        "\n{:<31} {:<11} {:>10}  counterexample",
        "INVARIANT", "KIND", "VIOLATIONS"
    );
    for (k, inv) in invariants::all().enumerate() {
        let f = found.iter().find(|f| f.invariant == inv.name());
        let _ = writeln!(
            o,
            "{:<31} {:<11} {:>10}  {}",
            inv.name(),
            format!("{:?}", inv.kind()).to_lowercase(),
            tally.violations[k],
            f.map(|f| f.file.display().to_string())
                .unwrap_or_else(|| "-".into())
        );
    }
    for f in found {
        let v = f.report.invariants.iter().find(|v| v.name == f.invariant);
        let _ = writeln!(
            o,
            "\nCOUNTEREXAMPLE {} (case {}, shrunk in {} runs, {:.3} s)",
            f.invariant, f.case, f.shrink_runs, f.shrink_s
        );
        let _ = writeln!(o, "  replay: drill run {}", f.file.display());
        let s = &f.scenario;
        let _ = writeln!(o, "  topology: share {}, layout {:?}, witness {}, CMS {}; log backups every {} s, retention {} s; {} writes/min", s.topology.share, s.topology.layout, s.topology.witness, s.topology.cms, s.log_shipping.backup_interval_s, s.log_shipping.retention_s, s.workload.writes_per_minute);
        for d in &s.deviations {
            let _ = writeln!(
                o,
                "  deviation: phase {} step {}: {:?}",
                d.phase, d.step, d.kind
            );
        }
        let _ = writeln!(
            o,
            "  assumptions it depends on: {}",
            crate::assumptions::brief(&f.report.assumptions)
        );
        for line in timeline(&f.report) {
            let _ = writeln!(o, "  {line}");
        }
        if let Some(x) = v.and_then(|v| v.violation.as_ref()) {
            let _ = writeln!(
                o,
                "  VIOLATED at {} after {}: {}",
                clock(x.at_s),
                x.after,
                x.message
            );
        }
    }
    let _ = writeln!(
        o,
        "\nCOVERAGE (cases that reached each state; 0 means the campaign never got there)"
    );
    for (k, name) in COVERAGE.iter().enumerate() {
        let _ = writeln!(o, "  {:<28} {:>10}", name, tally.coverage[k]);
    }
    let bad: Vec<&str> = found.iter().map(|f| f.invariant).collect();
    if bad.is_empty() {
        let _ = writeln!(
            o,
            "\nVERDICT: no invariant violated in {} cases.",
            tally.cases
        );
    } else {
        let _ = writeln!(
            o,
            "\nVERDICT: {} invariant(s) violated: {}. Counterexamples saved in {}.",
            bad.len(),
            bad.join(", "),
            args.out.display()
        );
    }
    o
}

pub fn to_json(
    args: &Args,
    t: &Target,
    tally: &Tally,
    found: &[Found],
    el: f64,
    rate: f64,
) -> String {
    let invs: Vec<_> = invariants::all()
        .enumerate()
        .map(|(k, inv)| {
            let f = found.iter().find(|f| f.invariant == inv.name());
            json!({
                "name": inv.name(),
                "kind": inv.kind(),
                "violations": tally.violations[k],
                "counterexample": f.map(|f| json!({
                    "case": f.case,
                    "file": f.file.display().to_string(),
                    "shrink_runs": f.shrink_runs,
                    "shrink_seconds": f.shrink_s,
                    "scenario": f.scenario,
                    "violation": f.report.invariants.iter().find(|v| v.name == inv.name()).and_then(|v| v.violation.clone()),
                    "timeline": timeline(&f.report),
                    "assumptions": f.report.assumptions,
                })),
            })
        })
        .collect();
    let cov: serde_json::Map<String, serde_json::Value> = COVERAGE
        .iter()
        .enumerate()
        .map(|(k, n)| (n.to_string(), tally.coverage[k].into()))
        .collect();
    serde_json::to_string_pretty(&json!({
        "seed": args.seed,
        "cases": tally.cases,
        "jobs": args.jobs,
        "runbooks": t.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
        "elapsed_seconds": el,
        "cases_per_second": rate,
        "reproduce": command(args, t, tally.cases),
        "out": args.out.display().to_string(),
        "invariants": invs,
        "coverage": cov,
    }))
    .unwrap_or_default()
}
