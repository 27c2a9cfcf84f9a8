//! `drill rto [SCENARIO]`: RTO, RPO and failback downtime as distributions (Monte Carlo over
//! the timing model and the fault times), the targets' verdict, the median run's critical
//! path, an optional parameter sweep, an HTML report, and calibration from measured runs.
//! See docs/rto.md.

pub mod calibration;
pub mod campaign;
pub mod counts;
pub mod html;
pub mod sweep;
pub mod text;

use crate::exit;
use crate::load::{self, Loaded};
use campaign::{Sample, Summary, Tally};
use clap::Args as ClapArgs;
use serde::Serialize;
use sim::dist::Dist;
use sim::report::Report;
use sim::rng::Rng;
use sim::timing::Timing;
use std::path::PathBuf;
use std::time::Instant;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Scenario file (JSON). Without it, the embedded default (full-cycle).
    pub scenario: Option<PathBuf>,
    /// Monte Carlo runs (per sweep value with --sweep), 1 to 1,000,000,000. Memory does not
    /// grow with it (percentiles come from bounded counts; docs/rto.md).
    #[arg(long, default_value_t = 10_000, value_parser = crate::bounds::runs)]
    pub runs: u64,
    /// Campaign seed (default: the scenario's seed). Run i uses a seed derived from it.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Print one JSON document.
    #[arg(long)]
    pub json: bool,
    /// Sweep one parameter: PARAM=v1,v2,... (e.g. backup_interval_s=300,900,1800).
    #[arg(long)]
    pub sweep: Option<String>,
    /// Write a self-contained HTML report here.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Measured parameters replacing the assumed ones (docs/calibration.md).
    #[arg(long)]
    pub calibration: Option<PathBuf>,
    /// Shift of fault times per run, seconds: a number (fixed), or omit for the scenario's
    /// timing.fault_jitter_s (default: uniform over one log-backup interval). 0 turns it off.
    /// 0 to 604,800 (7 days).
    #[arg(long, value_parser = crate::bounds::jitter)]
    pub jitter: Option<f64>,
    /// Worker threads (default: the available cores), 1 to 1024. The result does not
    /// depend on it.
    #[arg(long, value_parser = crate::bounds::threads)]
    pub threads: Option<usize>,
}

/// Where a timing parameter's value came from.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub value: String,
    /// "measured" (calibration), "scenario" (set in the scenario file), "assumed" (default).
    pub origin: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct TargetVerdict {
    pub target_s: u64,
    /// "met" when the p95 is within the target, else "breached".
    pub verdict: &'static str,
    pub p95_s: Option<u64>,
    /// Fraction of runs over the target (never restored counts as over).
    pub probability_of_breach: f64,
    pub runs_breached: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Segment {
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    pub kind: &'static str,
    pub start_s: u64,
    pub end_s: u64,
    pub seconds: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator_s: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub work_s: Option<u64>,
    /// seconds / RTO; null when the run never restored service (no RTO to share).
    pub share: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RunRef {
    pub run: u64,
    pub seed: u64,
    pub jitter_s: u64,
    pub rto_s: Option<u64>,
    pub rpo_writes: Option<u64>,
    pub rpo_s: Option<u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CriticalPath {
    #[serde(flatten)]
    pub run: RunRef,
    pub outage_start_s: Option<u64>,
    pub service_restored_at_s: Option<u64>,
    pub segments: Vec<Segment>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Distributions {
    pub rto_s: Summary,
    pub rto_from_declaration_s: Summary,
    pub rpo_writes: Summary,
    pub rpo_s: Summary,
    pub failback_downtime_s: Summary,
    /// Runs where service was lost and never restored (their RTO is "never", null here).
    pub never_restored: u64,
    /// Runs where service was never lost (RTO 0).
    pub no_outage: u64,
    /// Set when the counts went to buckets (more than 65,536 distinct values): which
    /// percentiles are approximate and by how much. Absent: every figure is exact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approximate: Option<String>,
    /// Runs whose RPO is unknown (service never restored); the RPO percentiles
    /// are over the other runs.
    pub rpo_unknown: u64,
    /// Runs still down after a failback step at the end; failback percentiles are over
    /// the other runs.
    pub failback_unknown: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Targets {
    pub rto: Option<TargetVerdict>,
    pub rpo: Option<TargetVerdict>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SweepRow {
    pub value: f64,
    #[serde(flatten)]
    pub dists: Distributions,
    pub targets: Targets,
}

#[derive(Clone, Debug, Serialize)]
pub struct SweepResult {
    pub param: String,
    pub rows: Vec<SweepRow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Performance {
    pub runs: u64,
    pub seconds: f64,
    pub runs_per_second: f64,
    pub threads: usize,
}

/// Everything `drill rto` reports. All but `performance` is a function of the inputs.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub scenario: String,
    pub scenario_file: String,
    pub campaign_seed: u64,
    pub runs: u64,
    pub jitter: String,
    #[serde(flatten)]
    pub dists: Distributions,
    pub targets: Targets,
    pub critical_path: Option<CriticalPath>,
    pub worst_run: Option<RunRef>,
    pub parameters: Vec<Param>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calibration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sweep: Option<SweepResult>,
    pub performance: Performance,
    /// The modelling assumptions the median and the worst run depended on (the registry in
    /// sim/src/assumptions.rs), with their settings.
    pub assumptions: Vec<sim::assumptions::InForce>,
    /// What the campaign kept of its runs, for the report's histograms (not in the JSON).
    #[serde(skip)]
    pub tally: Tally,
    /// The worst run's sample, for the report's timeline.
    #[serde(skip)]
    pub worst_sample: Option<Sample>,
    #[serde(skip)]
    pub median_report: Option<Report>,
    #[serde(skip)]
    pub worst_report: Option<Report>,
}

pub fn run(args: Args) -> i32 {
    match run_inner(&args) {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("drill rto: {e}");
            exit::BAD_INPUT
        }
    }
}

fn run_inner(args: &Args) -> Result<(), String> {
    let mut loaded = load::load(args.scenario.as_deref()).map_err(|e| e.to_string())?;
    let scenario_timing = loaded.scenario.timing.clone();
    let mut measured = Vec::new();
    let mut cal_note = None;
    if let Some(p) = &args.calibration {
        let c = calibration::load(p).map_err(|e| e.to_string())?;
        measured = calibration::apply(&mut loaded.scenario.timing, &c)
            .map_err(|e| format!("{}: {e}", p.display()))?;
        cal_note = Some(format!(
            "{} (source {}{})",
            p.display(),
            c.source,
            c.measured_at
                .as_deref()
                .map(|m| format!(", measured {m}"))
                .unwrap_or_default()
        ));
    }
    if let Some(j) = args.jitter {
        let d = Dist::Fixed(j);
        d.validate().map_err(|e| format!("--jitter: {e}"))?;
        loaded.scenario.timing.fault_jitter_s = Some(d);
    }
    if args.runs == 0 {
        return Err("--runs 0: expected at least 1 run".into());
    }
    let sweep = match &args.sweep {
        Some(a) => Some(sweep::parse(a, &loaded.scenario)?),
        None => None,
    };
    let seed = args.seed.unwrap_or(loaded.scenario.seed);
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    // Check the report path before the work, so a bad path costs nothing.
    if let Some(p) = &args.report {
        html::check_target(p)?;
    }
    let mut o = measure(&loaded, seed, args.runs, threads);
    over_budget(&o.tally, seed)?;
    o.parameters = parameters(&loaded.scenario.timing, &scenario_timing, &measured);
    o.calibration = cal_note;
    if let Some(sw) = sweep {
        let mut rows = Vec::new();
        for &v in &sw.values {
            let mut l = loaded.clone();
            l.scenario = sweep::with(&loaded.scenario, &sw.param, v)?;
            let tally = campaign::run(&l.scenario, &l.runbooks, seed, args.runs, threads);
            over_budget(&tally, seed)?;
            let dists = distributions(&tally);
            let targets = targets(&tally, &dists);
            rows.push(SweepRow {
                value: v,
                dists,
                targets,
            });
        }
        o.sweep = Some(SweepResult {
            param: sw.param,
            rows,
        });
    }
    if let Some(p) = &args.report {
        html::write(p, &o, &loaded)?;
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&o).map_err(|e| e.to_string())?
        );
    } else {
        print!("{}", text::render(&o, args));
        if let Some(p) = &args.report {
            println!("report written to {}", p.display());
        }
    }
    Ok(())
}

fn over_budget(t: &Tally, seed: u64) -> Result<(), String> {
    match &t.exceeded {
        Some((run, e)) => Err(format!(
            "run {run} of the campaign (campaign seed {seed}, run seed {}): {e}",
            campaign::run_seed(seed, *run)
        )),
        None => Ok(()),
    }
}

/// The Monte Carlo campaign and everything derived from it (no sweep, no parameters).
pub fn measure(l: &Loaded, seed: u64, runs: u64, threads: usize) -> Outcome {
    let t0 = Instant::now();
    let tally = campaign::run(&l.scenario, &l.runbooks, seed, runs, threads);
    let secs = t0.elapsed().as_secs_f64();
    let dists = distributions(&tally);
    let targets = targets(&tally, &dists);
    let (mut cp, mut worst, mut mrep, mut wrep, mut wsample) = (None, None, None, None, None);
    if let Some((m, w)) = tally.median_and_worst() {
        let (ms, mr) = campaign::replay(&l.scenario, &l.runbooks, seed, m);
        let (ws, wr) = campaign::replay(&l.scenario, &l.runbooks, seed, w);
        cp = Some(critical_path(l, &ms, &mr));
        worst = Some(run_ref(&ws));
        wrep = Some(wr);
        mrep = Some(mr);
        wsample = Some(ws);
    }
    let jitter = match &l.scenario.timing.fault_jitter_s {
        Some(d) => format!("every fault and phase start shifted by {} s per run (timing.fault_jitter_s)", text::dist(d)),
        None => format!(
            "every fault and phase start shifted by uniform 0..{} s per run (one log-backup interval)",
            l.scenario.log_shipping.backup_interval_s.saturating_sub(1)
        ),
    };
    let mut assumptions: Vec<sim::assumptions::InForce> = Vec::new();
    for r in mrep.iter().chain(wrep.iter()) {
        for a in &r.assumptions {
            if !assumptions.iter().any(|x| x.name == a.name) {
                assumptions.push(a.clone());
            }
        }
    }
    Outcome {
        assumptions,
        scenario: l.scenario.name.clone(),
        scenario_file: l.file.clone(),
        campaign_seed: seed,
        runs,
        jitter,
        dists,
        targets,
        critical_path: cp,
        worst_run: worst,
        parameters: Vec::new(),
        calibration: None,
        sweep: None,
        performance: Performance {
            runs,
            seconds: secs,
            runs_per_second: runs as f64 / secs.max(1e-9),
            threads,
        },
        tally,
        worst_sample: wsample,
        median_report: mrep,
        worst_report: wrep,
    }
}

fn run_ref(s: &Sample) -> RunRef {
    RunRef {
        run: s.run,
        seed: s.seed,
        jitter_s: s.jitter_s,
        rto_s: s.rto_s,
        rpo_writes: s.rpo_writes,
        rpo_s: s.rpo_s,
    }
}

pub fn distributions(t: &Tally) -> Distributions {
    Distributions {
        rto_s: Summary::of(&t.rto),
        rto_from_declaration_s: Summary::of(&t.rto_from_declaration),
        rpo_writes: Summary::of(&t.rpo_writes),
        rpo_s: Summary::of(&t.rpo_s),
        failback_downtime_s: Summary::of(&t.failback_s),
        never_restored: t.never_restored,
        no_outage: t.no_outage,
        approximate: approximate(t),
        rpo_unknown: t.rpo_unknown,
        failback_unknown: t.failback_unknown,
    }
}

fn approximate(t: &Tally) -> Option<String> {
    let names: Vec<&str> = [
        ("rto_s", &t.rto),
        ("rto_from_declaration_s", &t.rto_from_declaration),
        ("rpo_writes", &t.rpo_writes),
        ("rpo_s", &t.rpo_s),
        ("failback_downtime_s", &t.failback_s),
    ]
    .iter()
    .filter(|(_, c)| c.bucketed())
    .map(|(n, _)| *n)
    .collect();
    (!names.is_empty()).then(|| {
        format!(
            "p50-p99 of {} are bucket lower bounds, at most 0.1 % below the exact value (more than {} distinct values); min, max and counts are exact",
            names.join(", "),
            counts::MAX_DISTINCT
        )
    })
}

pub(crate) fn verdict((target, over): (u64, u64), p95: Option<u64>, n: u64) -> TargetVerdict {
    TargetVerdict {
        target_s: target,
        verdict: if p95.is_some_and(|v| v <= target) {
            "met"
        } else {
            "breached"
        },
        p95_s: p95,
        probability_of_breach: over as f64 / n.max(1) as f64,
        runs_breached: over,
    }
}

/// The scenario's targets against the campaign (targets are counted as the runs come).
pub fn targets(t: &Tally, d: &Distributions) -> Targets {
    Targets {
        rto: t.rto_over.map(|o| verdict(o, d.rto_s.p95, t.runs)),
        // Over the runs whose RPO is known.
        rpo: t.rpo_over.map(|o| {
            let known = t.runs - t.rpo_unknown;
            let mut v = verdict(o, d.rpo_s.p95, known);
            if known == 0 {
                // No run restored service: nothing was observed to meet or breach.
                v.verdict = "unknown";
            }
            v
        }),
    }
}

/// The median run's path from outage to service restored: detection, decision, then the
/// steps of the first phase in order, with waits between them made visible.
pub fn critical_path(l: &Loaded, s: &Sample, r: &Report) -> CriticalPath {
    let mut segs = Vec::new();
    let share = |x: u64| match r.rto_seconds {
        Some(rto) if rto > 0 => Some(x as f64 / rto as f64),
        _ => None,
    };
    #[allow(clippy::too_many_arguments)]
    let push = |segs: &mut Vec<Segment>,
                label: String,
                step: Option<String>,
                kind: &'static str,
                a: u64,
                b: u64,
                op: Option<u64>,
                wk: Option<u64>| {
        if b > a || step.is_some() {
            segs.push(Segment {
                label,
                step,
                kind,
                start_s: a,
                end_s: b,
                seconds: b - a,
                operator_s: op,
                work_s: wk,
                share: share(b - a),
            });
        }
    };
    if let Some(out) = r.outage_start_s {
        let first_phase_end = r
            .steps
            .iter()
            .filter(|x| x.phase == 0)
            .map(|x| x.end_s)
            .max()
            .unwrap_or(out);
        let end = r.service_restored_at_s.unwrap_or(first_phase_end);
        let mut cur = out;
        // Detection and decision, split as the engine draws them (stream 100 + phase).
        if let (Some(decl), Some((p, ph))) = (
            r.declared_at_s,
            l.scenario
                .phases
                .iter()
                .enumerate()
                .find(|(_, p)| p.declare),
        ) {
            let start = ph.start_at_s + s.jitter_s;
            let mut rng = Rng::child(s.seed, 100 + p as u64);
            let t = &l.scenario.timing;
            let det = t.detection_s.sample(&mut rng);
            let dec = t.decision_s.sample(&mut rng);
            if start >= cur && start + det + dec == decl {
                push(
                    &mut segs,
                    "waiting for the outage to matter".into(),
                    None,
                    "wait",
                    cur,
                    start,
                    None,
                    None,
                );
                push(
                    &mut segs,
                    "detection (timing.detection_s)".into(),
                    None,
                    "detection",
                    start,
                    start + det,
                    None,
                    None,
                );
                push(
                    &mut segs,
                    "decision to declare (timing.decision_s)".into(),
                    None,
                    "decision",
                    start + det,
                    decl,
                    None,
                    None,
                );
            } else {
                push(
                    &mut segs,
                    "detection and decision".into(),
                    None,
                    "detection",
                    cur,
                    decl,
                    None,
                    None,
                );
            }
            cur = decl.max(cur);
        }
        for st in r.steps.iter().filter(|x| x.phase == 0 && x.end_s > out) {
            if st.start_s >= end && end > out {
                break;
            }
            let a = st.start_s.max(cur);
            push(
                &mut segs,
                "waiting".into(),
                None,
                "wait",
                cur,
                a,
                None,
                None,
            );
            let b = st.end_s.min(end.max(a));
            push(
                &mut segs,
                format!(
                    "{} {}{}",
                    st.id,
                    st.kind,
                    if st.ok { "" } else { " (failed)" }
                ),
                Some(st.id.clone()),
                "step",
                a,
                b,
                Some(st.operator_s),
                Some(st.work_s),
            );
            cur = b;
        }
        if r.service_restored_at_s.is_some() {
            push(
                &mut segs,
                "waiting for service".into(),
                None,
                "wait",
                cur,
                end,
                None,
                None,
            );
        }
    }
    CriticalPath {
        run: run_ref(s),
        outage_start_s: r.outage_start_s,
        service_restored_at_s: r.service_restored_at_s,
        segments: segs,
    }
}

/// Every timing parameter with its value and origin.
pub fn parameters(t: &Timing, from_scenario: &Timing, measured: &[String]) -> Vec<Param> {
    let d = Timing::default();
    let dv = serde_json::to_value(&d).unwrap_or_default();
    let sv = serde_json::to_value(from_scenario).unwrap_or_default();
    let tv = serde_json::to_value(t).unwrap_or_default();
    let mut names: Vec<String> = tv
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let origin = if measured.contains(&n) {
                "measured"
            } else if sv.get(&n) != dv.get(&n) {
                "scenario"
            } else {
                "assumed"
            };
            Param {
                value: tv[&n].to_string(),
                name: n,
                origin,
            }
        })
        .collect()
}
