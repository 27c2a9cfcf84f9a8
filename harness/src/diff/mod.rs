//! `drill diff OLD NEW [SCENARIO]`: the old and the new version of a runbook on the same
//! cases (same seeds, same faults, paired case by case): invariants newly violated and
//! newly fixed with a minimal paired example each, the RTO/RPO shift with paired bootstrap
//! intervals, the probability of breaching each target, and the runbook diff by step id.
//! Exit 1 when the new runbook is worse (an invariant newly violated, or a target the old
//! one met now breached), 0 otherwise, 2 on bad input. See docs/regression-testing.md.

pub mod html;
pub mod pair;
pub mod render;
pub mod stats;
pub mod steps;

use crate::exit;
use crate::fuzz::{self, regress, shrink};
use crate::load::{self, InputError};
use crate::rto::TargetVerdict;
use clap::Args as ClapArgs;
use pair::{Outcome, Pair, Source};
use serde::Serialize;
use sim::engine::{self, Options};
use sim::invariants::{self, Kind};
use sim::report::{Report, Violation};
use sim::runbook::Runbook;
use sim::scenario::{Expect, PhaseRunbook, Scenario};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(ClapArgs, Debug, Clone)]
pub struct Args {
    /// The runbook before the change (JSON).
    pub old: PathBuf,
    /// The runbook after the change (JSON): the same kind (failover or failback) as OLD.
    pub new: PathBuf,
    /// Play Monte Carlo runs of this scenario (timing and fault-time jitter as `drill rto`)
    /// instead of generated outages; its rto_target_s and rpo_target_s apply.
    pub scenario: Option<PathBuf>,
    /// Number of paired cases (each is played twice: old and new).
    #[arg(long, default_value_t = 10_000, value_parser = crate::bounds::cases)]
    pub cases: u64,
    /// Campaign seed: case i is the same scenario on both sides.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Worker threads (the result does not depend on it).
    #[arg(long, default_value_t = 2, value_parser = crate::bounds::threads)]
    pub jobs: usize,
    /// Print one JSON document.
    #[arg(long)]
    pub json: bool,
    /// Print a summary for a pull-request comment (Markdown).
    #[arg(long)]
    pub markdown: bool,
    /// Write a self-contained HTML report here.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// RTO target in seconds (default: the scenario's rto_target_s; none for generated cases).
    #[arg(long)]
    pub rto_target: Option<u64>,
    /// RPO target in seconds (default: the scenario's rpo_target_s; none for generated cases).
    #[arg(long)]
    pub rpo_target: Option<u64>,
    /// Bootstrap resamples for the confidence intervals.
    #[arg(long, default_value_t = 1000)]
    pub resamples: u32,
    /// Generated cases: also faults outside the runbooks' assumptions (as `drill fuzz`).
    #[arg(long)]
    pub beyond_assumptions: bool,
    /// Where the paired examples are written (only when something differs).
    #[arg(long, default_value = "drill-diff")]
    pub out: PathBuf,
}

pub const CONFIDENCE: f64 = 0.95;

#[derive(Clone, Debug, Serialize)]
pub struct Example {
    /// "newly violated" or "newly fixed".
    pub direction: &'static str,
    pub case: u64,
    /// Whether the shrunk scenario kept the difference (else the case as drawn).
    pub shrunk: bool,
    pub shrink_runs: u32,
    pub old_file: String,
    pub new_file: String,
    pub old_violated: Vec<String>,
    pub new_violated: Vec<String>,
    /// The violation on the side that breaks the invariant.
    pub violation: Option<Violation>,
}

#[derive(Clone, Debug, Serialize)]
pub struct InvariantDiff {
    pub name: &'static str,
    /// "safety" (checked after every event) or "liveness".
    pub kind: &'static str,
    pub source: &'static str,
    pub old_cases: u64,
    pub new_cases: u64,
    /// Cases where the new runbook violates it and the old one does not.
    pub newly_violated: u64,
    /// Cases where the old runbook violates it and the new one does not.
    pub newly_fixed: u64,
    pub examples: Vec<Example>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Metric {
    pub name: &'static str,
    pub unit: &'static str,
    pub shifts: Vec<stats::Shift>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TargetDiff {
    pub metric: &'static str,
    pub target_s: u64,
    pub old: TargetVerdict,
    pub new: TargetVerdict,
    /// The old runbook met it and the new one breaches it.
    pub regressed: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Performance {
    pub campaign_seconds: f64,
    pub bootstrap_seconds: f64,
    pub shrink_seconds: f64,
    pub paired_cases_per_second: f64,
    pub jobs: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct Diff {
    pub old_file: String,
    pub new_file: String,
    pub scenario_file: Option<String>,
    /// "generated outages" or "Monte Carlo runs of the scenario".
    pub cases_from: &'static str,
    pub seed: u64,
    pub cases: u64,
    pub resamples: u32,
    pub confidence: f64,
    pub reproduce: String,
    pub steps: Vec<steps::StepChange>,
    pub invariants: Vec<InvariantDiff>,
    pub metrics: Vec<Metric>,
    pub targets: Vec<TargetDiff>,
    /// Why a target is not judged (null when both are).
    pub targets_note: Option<String>,
    /// The modelling assumptions the verdict depends on.
    pub assumptions: Vec<String>,
    pub worse: Vec<String>,
    pub better: Vec<String>,
    /// "worse" or "not worse".
    pub verdict: &'static str,
    pub performance: Performance,
    #[serde(skip)]
    pub pairs: Vec<Pair>,
}

pub fn run(args: Args) -> i32 {
    let d = match diff(&args) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("drill diff: {e}");
            return exit::BAD_INPUT;
        }
    };
    if let Some(p) = &args.report {
        if let Err(e) = html::write(p, &d) {
            eprintln!("drill diff: {e}");
            return exit::BAD_INPUT;
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&d).unwrap_or_default());
    } else if args.markdown {
        print!("{}", render::markdown(&d));
    } else {
        print!("{}", render::text(&d));
        if let Some(p) = &args.report {
            println!("report written to {}", p.display());
        }
    }
    if d.worse.is_empty() {
        exit::OK
    } else {
        exit::VIOLATION
    }
}

/// The runbooks of one side, in phase order, and their paths as seen from `--out`.
struct Side {
    runbooks: Vec<Runbook>,
    paths: Vec<String>,
}

fn kind_name(rb: &Runbook) -> &'static str {
    if fuzz::is_failback(rb) {
        "failback"
    } else {
        "failover"
    }
}

pub fn diff(args: &Args) -> Result<Diff, String> {
    if args.cases == 0 || args.jobs == 0 || args.resamples == 0 {
        return Err("--cases, --jobs and --resamples must be positive".into());
    }
    if let Some(p) = &args.report {
        crate::rto::html::check_target(p)?;
    }
    let old = load::load_runbook(&args.old).map_err(|e| e.to_string())?;
    let new = load::load_runbook(&args.new).map_err(|e| e.to_string())?;
    if fuzz::is_failback(&old) != fuzz::is_failback(&new) {
        return Err(InputError::at(
            &args.new.display().to_string(),
            1,
            1,
            format!(
                "OLD is a {} runbook and NEW a {}; expected two versions of one runbook",
                kind_name(&old),
                kind_name(&new)
            ),
        )
        .to_string());
    }
    // Paths only name the runbooks in descriptions; saved examples carry them inline.
    let rel = |p: &Path| p.display().to_string();
    let mut scenario_base: Option<(load::Loaded, Scenario)> = None;
    let shape;
    let (old_side, new_side) = match &args.scenario {
        None => {
            let t_old = fuzz::target(std::slice::from_ref(&args.old)).map_err(|e| e.to_string())?;
            let t_new = fuzz::target(std::slice::from_ref(&args.new)).map_err(|e| e.to_string())?;
            shape = Some(fuzz::shape(&t_old, false, args.beyond_assumptions));
            (
                Side {
                    paths: t_old.files.iter().map(|f| rel(f)).collect(),
                    runbooks: t_old.runbooks,
                },
                Side {
                    paths: t_new.files.iter().map(|f| rel(f)).collect(),
                    runbooks: t_new.runbooks,
                },
            )
        }
        Some(sp) => {
            shape = None;
            let l = load::load(Some(sp)).map_err(|e| e.to_string())?;
            let dir = sp.parent().map(Path::to_path_buf).unwrap_or_default();
            let kind = fuzz::is_failback(&old);
            let slots: Vec<usize> = (0..l.runbooks.len())
                .filter(|&i| fuzz::is_failback(&l.runbooks[i]) == kind)
                .collect();
            if slots.is_empty() {
                return Err(format!(
                    "{}: no {} phase to replace with OLD and NEW; expected a scenario that plays a {} runbook",
                    sp.display(),
                    kind_name(&old),
                    kind_name(&old)
                ));
            }
            let side = |rb: &Runbook, file: &Path| Side {
                runbooks: (0..l.runbooks.len())
                    .map(|i| {
                        if slots.contains(&i) {
                            rb.clone()
                        } else {
                            l.runbooks[i].clone()
                        }
                    })
                    .collect(),
                paths: l
                    .scenario
                    .phases
                    .iter()
                    .enumerate()
                    .map(|(i, ph)| {
                        if slots.contains(&i) {
                            rel(file)
                        } else {
                            match &ph.runbook {
                                PhaseRunbook::File(f) => rel(&dir.join(f)),
                                PhaseRunbook::Inline(rb) => format!("(inline {})", rb.name),
                            }
                        }
                    })
                    .collect(),
            };
            let sides = (side(&old, &args.old), side(&new, &args.new));
            let s = l.scenario.clone();
            scenario_base = Some((l, s));
            sides
        }
    };
    let source = match (&shape, &scenario_base) {
        (Some(sh), _) => Source::Generated(sh),
        (None, Some((_, s))) => Source::Scenario(s),
        (None, None) => unreachable!("one of the two is set above"),
    };
    let t0 = Instant::now();
    let pairs = pair::run(
        &source,
        &old_side.runbooks,
        &new_side.runbooks,
        args.seed,
        args.cases,
        args.jobs,
    );
    let campaign_s = t0.elapsed().as_secs_f64();

    let t1 = Instant::now();
    let mut invs = Vec::new();
    for (k, inv) in invariants::all().enumerate() {
        let count = |f: &dyn Fn(&Pair) -> bool| pairs.iter().filter(|p| f(p)).count() as u64;
        let first = |f: &dyn Fn(&Pair) -> bool| pairs.iter().position(f).map(|i| i as u64);
        let nv = |p: &Pair| p.new.violates(k) && !p.old.violates(k);
        let nf = |p: &Pair| p.old.violates(k) && !p.new.violates(k);
        let mut examples = Vec::new();
        if let Some(i) = first(&nv) {
            examples.push(example(
                args,
                &source,
                &old_side,
                &new_side,
                inv.name(),
                i,
                true,
            )?);
        }
        if let Some(i) = first(&nf) {
            examples.push(example(
                args,
                &source,
                &old_side,
                &new_side,
                inv.name(),
                i,
                false,
            )?);
        }
        invs.push(InvariantDiff {
            name: inv.name(),
            kind: match inv.kind() {
                Kind::Always => "safety",
                Kind::Eventually => "liveness",
            },
            source: inv.source(),
            old_cases: count(&|p| p.old.violates(k)),
            new_cases: count(&|p| p.new.violates(k)),
            newly_violated: count(&nv),
            newly_fixed: count(&nf),
            examples,
        });
    }
    let shrink_s = t1.elapsed().as_secs_f64();

    let t2 = Instant::now();
    let col = |f: fn(&Outcome) -> u64, side: fn(&Pair) -> &Outcome| -> Vec<u64> {
        pairs.iter().map(|p| f(side(p))).collect()
    };
    let metric = |name, unit, f: fn(&Outcome) -> u64| Metric {
        name,
        unit,
        shifts: stats::paired(
            &col(f, |p| &p.old),
            &col(f, |p| &p.new),
            args.seed,
            args.resamples,
            CONFIDENCE,
            args.jobs,
        ),
    };
    let metrics = vec![
        metric("rto_s", "seconds", |o| o.rto_s),
        metric("rpo_s", "seconds", |o| o.rpo_s),
        metric("rpo_writes", "acknowledged writes lost", |o| o.rpo_writes),
    ];
    let bootstrap_s = t2.elapsed().as_secs_f64();

    let scen_targets = scenario_base
        .as_ref()
        .map(|(l, _)| (l.scenario.rto_target_s, l.scenario.rpo_target_s))
        .unwrap_or((None, None));
    let rto_t = args.rto_target.or(scen_targets.0);
    let rpo_t = args.rpo_target.or(scen_targets.1);
    let mut targets = Vec::new();
    for (metric, t, f) in [
        ("RTO", rto_t, (|o: &Outcome| o.rto_s) as fn(&Outcome) -> u64),
        ("RPO", rpo_t, |o: &Outcome| o.rpo_s),
    ] {
        if let Some(t) = t {
            let old = verdict(t, &col(f, |p| &p.old));
            let new = verdict(t, &col(f, |p| &p.new));
            let regressed = old.verdict == "met" && new.verdict == "breached";
            targets.push(TargetDiff {
                metric,
                target_s: t,
                old,
                new,
                regressed,
            });
        }
    }
    let targets_note = match (rto_t, rpo_t) {
        (Some(_), Some(_)) => None,
        _ => Some("no target given for some metric: pass --rto-target/--rpo-target (seconds) or a SCENARIO that sets rto_target_s/rpo_target_s; its probability of breach is not judged".into()),
    };

    let mut worse = Vec::new();
    let mut better = Vec::new();
    for i in &invs {
        if i.newly_violated > 0 {
            worse.push(format!(
                "{} ({}) newly violated in {} of {} cases",
                i.name, i.kind, i.newly_violated, args.cases
            ));
        }
        if i.newly_fixed > 0 {
            better.push(format!(
                "{} ({}) newly holds in {} of {} cases",
                i.name, i.kind, i.newly_fixed, args.cases
            ));
        }
    }
    for t in &targets {
        if t.regressed {
            worse.push(format!(
                "{} target {} s: met by the old runbook (p95 {}), breached by the new (p95 {})",
                t.metric,
                t.target_s,
                crate::rto::text::short(t.old.p95_s),
                crate::rto::text::short(t.new.p95_s)
            ));
        } else if t.old.verdict == "breached" && t.new.verdict == "met" {
            better.push(format!("{} target {} s: now met", t.metric, t.target_s));
        }
    }
    let mut reproduce = format!("drill diff {} {}", args.old.display(), args.new.display());
    if let Some(s) = &args.scenario {
        reproduce.push_str(&format!(" {}", s.display()));
    }
    reproduce.push_str(&format!(" --cases {} --seed {}", args.cases, args.seed));
    if args.beyond_assumptions {
        reproduce.push_str(" --beyond-assumptions");
    }
    for (flag, v) in [
        ("--rto-target", args.rto_target),
        ("--rpo-target", args.rpo_target),
    ] {
        if let Some(v) = v {
            reproduce.push_str(&format!(" {flag} {v}"));
        }
    }
    if args.resamples != 1000 {
        reproduce.push_str(&format!(" --resamples {}", args.resamples));
    }
    let cases_from = if args.scenario.is_some() {
        "Monte Carlo runs of the scenario"
    } else {
        "generated outages"
    };
    Ok(Diff {
        old_file: args.old.display().to_string(),
        new_file: args.new.display().to_string(),
        scenario_file: args.scenario.as_ref().map(|p| p.display().to_string()),
        cases_from,
        seed: args.seed,
        cases: args.cases,
        resamples: args.resamples,
        confidence: CONFIDENCE,
        reproduce,
        steps: steps::diff(&old, &new),
        invariants: invs,
        metrics,
        targets,
        targets_note,
        assumptions: assumptions(args),
        verdict: if worse.is_empty() {
            "not worse"
        } else {
            "worse"
        },
        worse,
        better,
        performance: Performance {
            campaign_seconds: campaign_s,
            bootstrap_seconds: bootstrap_s,
            shrink_seconds: shrink_s,
            paired_cases_per_second: args.cases as f64 / campaign_s.max(1e-9),
            jobs: args.jobs,
        },
        pairs,
    })
}

fn assumptions(args: &Args) -> Vec<String> {
    let mut a = vec![];
    if args.scenario.is_some() {
        a.push("Cases are Monte Carlo runs of the scenario: its faults and phase starts shifted by the fault-time jitter and its timing model sampled per run, as `drill rto` does.".to_string());
    } else {
        a.push(format!("Cases are drawn by `drill fuzz`'s generator ({} the runbooks' stated assumptions; default timing model); a failback runbook is played after scenarios/runbooks/failover-corrected.json.", if args.beyond_assumptions { "including faults beyond" } else { "within" }));
    }
    a.push("Old and new play the same scenario (same seed, same faults) in each case; the operator-time draws follow the steps, so an added or moved step also moves the later steps' draws.".into());
    a.push("RTO counts from the first loss of service to its return; a case that never restores service counts as \"never\", above every target; its RPO is unknown and counts as \"never\" too (never as 0).".into());
    a.push(format!("Percentiles by nearest rank; intervals are {}% paired percentile-bootstrap intervals over {} resamples drawn from the campaign seed.", (CONFIDENCE * 100.0) as u32, args.resamples));
    a.push("A target is met when the p95 is within it (the rule of `drill rto`); P(breach) is the fraction of cases over it.".into());
    a.push("Worse means: an invariant (safety or liveness) violated in a case where the old runbook held it, or a target the old runbook met now breached.".into());
    a
}

fn verdict(target: u64, values: &[u64]) -> TargetVerdict {
    let mut s = values.to_vec();
    s.sort_unstable();
    let p95 = stats::nearest_rank(&s, 95.0);
    let over = values.iter().filter(|&&v| v > target).count() as u64;
    // The rule of `drill rto`: met when the p95 is within the target.
    crate::rto::verdict((target, over), p95, values.len() as u64)
}

/// Shrink the first case where one side violates `inv` and the other holds it, keeping
/// the difference, and save it twice (old runbooks, new runbooks) as replayable scenarios.
fn example(
    args: &Args,
    source: &Source,
    old: &Side,
    new: &Side,
    inv: &'static str,
    case: u64,
    newly_violated: bool,
) -> Result<Example, String> {
    let original = source.case(args.seed, case);
    let (bad, good) = if newly_violated {
        (new, old)
    } else {
        (old, new)
    };
    let holds = |s: &Scenario, side: &Side| {
        engine::run(s, &side.runbooks, Options { record: false })
            .invariants
            .iter()
            .any(|v| v.name == inv && v.holds)
    };
    let sh = shrink::shrink(&original, &bad.runbooks, inv);
    let shrunk = holds(&sh.scenario, good);
    let base = if shrunk { sh.scenario } else { original };
    let direction = if newly_violated {
        "newly violated"
    } else {
        "newly fixed"
    };
    let tag = if newly_violated { "worse" } else { "better" };
    let canonical = regress::scenario_json(&base);
    let hash = format!("{:016x}", crate::fmt::fnv1a(canonical.as_bytes()));
    let stem = format!("{inv}-{tag}-{}", &hash[..12]);
    let mut reports: Vec<(String, Report)> = Vec::new();
    for (label, side) in [("old", old), ("new", new)] {
        let mut s = base.clone();
        // The runbooks go inline, as `drill fuzz` saves them: the pair replays anywhere.
        for (ph, rb) in s.phases.iter_mut().zip(&side.runbooks) {
            ph.runbook = PhaseRunbook::Inline(Box::new(rb.clone()));
        }
        let r = engine::run(&s, &side.runbooks, Options { record: false });
        s.name = format!("{stem}-{label}");
        s.description = format!(
            "Paired example: {inv} {direction} by the new runbook. The same scenario with the {label} runbook(s) ({}). From: {} (case {case}{}).",
            side.paths.join(" + "),
            repro(args),
            if shrunk { ", shrunk" } else { "" }
        );
        s.expect = Some(Expect {
            violated: r.violated().iter().map(|v| v.to_string()).collect(),
            rpo_writes_lost: r.rpo_writes_lost,
        });
        let file = args.out.join(format!("{stem}-{label}.json"));
        std::fs::create_dir_all(&args.out)
            .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
        crate::output::write_atomic(&file, regress::scenario_json(&s).as_bytes())
            .map_err(|e| e.to_string())?;
        reports.push((file.display().to_string(), r));
    }
    let (old_file, old_r) = &reports[0];
    let (new_file, new_r) = &reports[1];
    let bad_r = if newly_violated { new_r } else { old_r };
    Ok(Example {
        direction,
        case,
        shrunk,
        shrink_runs: sh.runs,
        old_file: old_file.clone(),
        new_file: new_file.clone(),
        old_violated: old_r.violated().iter().map(|v| v.to_string()).collect(),
        new_violated: new_r.violated().iter().map(|v| v.to_string()).collect(),
        violation: bad_r
            .invariants
            .iter()
            .find(|v| v.name == inv)
            .and_then(|v| v.violation.clone()),
    })
}

fn repro(args: &Args) -> String {
    format!(
        "drill diff {} {}{} --seed {}",
        args.old.display(),
        args.new.display(),
        args.scenario
            .as_ref()
            .map(|s| format!(" {}", s.display()))
            .unwrap_or_default(),
        args.seed
    )
}
