//! `drill fuzz`: play the runbooks against generated outages, count each invariant's
//! violations, shrink the first violating case of each to a minimal scenario, print it as
//! a timeline and save it, runbooks inline, to `--out` (default `./drill-counterexamples/`)
//! for `drill run`; `--out scenarios/regressions` adds it to the corpus `cargo test` replays.
//!
//! A case with a failover and a failback runbook is a full cycle (DC1 outage, failover,
//! DC1 rebuilt, failback). A failover runbook alone is one phase. A failback runbook alone
//! is played after `scenarios/runbooks/failover-corrected.json`, since a failback needs a
//! failed-over pool. A runbook is a failback if it restores a full backup or sets the pool
//! state to Normal.

pub mod campaign;
pub mod gen;
pub mod merge;
pub mod regress;
pub mod shard;
pub mod shrink;
pub mod vary;

use crate::exit;
use crate::load::{self, InputError};
pub use crate::runbooks::is_failback;
use clap::Args as ClapArgs;
use gen::Shape;
use sim::invariants;
use sim::runbook::Runbook;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(ClapArgs, Debug, Clone)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    /// `drill fuzz merge`: combine the JSON results of `--shard I/N` processes.
    #[command(subcommand)]
    pub cmd: Option<Cmd>,
    /// Play only the campaign's cases i with i mod N = I (`drill fuzz merge` combines them).
    #[arg(long, value_parser = shard::parse)]
    pub shard: Option<shard::Shard>,
    /// Runbook file(s) under test: a failover, a failback, or one of each. Default: the
    /// documented failover and failback (scenarios/runbooks/failover.json, failback.json).
    #[arg(long = "runbook")]
    pub runbooks: Vec<PathBuf>,
    /// Number of generated cases, 1 to 1,000,000,000.
    #[arg(long, default_value_t = 10_000, value_parser = crate::bounds::cases)]
    pub cases: u64,
    /// Campaign seed; case i's seed derives from it and i.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Worker threads (results do not depend on it), 1 to 1024.
    #[arg(long, default_value_t = 2, value_parser = crate::bounds::threads)]
    pub jobs: usize,
    /// Stop starting new cases after this many seconds (the cases run are reported): more
    /// than 0, at most 604,800 (7 days).
    #[arg(long, value_parser = crate::bounds::time_limit)]
    pub time_limit: Option<f64>,
    /// Print one JSON document instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Also generate operator deviations (skip, repeat, delay, swap, wrong instance).
    #[arg(long)]
    pub deviations: bool,
    /// Also generate faults outside the runbooks' assumptions while they run (DC2 lost,
    /// the share, CMS, backup instance or its disk unavailable for a while; gap 18).
    #[arg(long)]
    pub beyond_assumptions: bool,
    /// Also draw the settable modelling assumptions per case, and replay each counterexample
    /// under every setting of those it depended on: robust or conditional.
    #[arg(long)]
    pub vary_assumptions: bool,
    /// Where counterexamples are written (created if missing). Each is a scenario with its
    /// runbooks inline, so it replays from anywhere. The repository's regression corpus,
    /// replayed by `cargo test`, is scenarios/regressions: name it here to add to it.
    #[arg(long, default_value = "drill-counterexamples")]
    pub out: PathBuf,
}

#[derive(clap::Subcommand, Debug, Clone)]
pub enum Cmd {
    /// Combine the JSON results of `drill fuzz --shard I/N --json` into one report.
    Merge(merge::Args),
}

const DEFAULT_FAILOVER: &str = "scenarios/runbooks/failover.json";
const DEFAULT_FAILBACK: &str = "scenarios/runbooks/failback.json";
const CORRECTED_FAILOVER: &str = "scenarios/runbooks/failover-corrected.json";

/// The runbooks of a campaign, in phase order, with the files they came from.
#[derive(Clone, Debug)]
pub struct Target {
    pub runbooks: Vec<Runbook>,
    pub files: Vec<PathBuf>,
}

fn load_or_embedded(path: &Path, embedded: &str) -> Result<Runbook, InputError> {
    if path.exists() {
        load::load_runbook(path)
    } else {
        let name = path.strip_prefix("scenarios/").unwrap_or(path);
        let text = load::embedded(&name.display().to_string())
            .or_else(|| (embedded == CORRECTED_FAILOVER).then_some(CORRECTED_TEXT))
            .ok_or_else(|| InputError::at(&path.display().to_string(), 0, 0, "no such file"))?;
        load::parse_runbook(&format!("(embedded) {}", path.display()), text)
    }
}

/// Where a default runbook came from: the file if it is there, else the copy built in.
fn origin(p: PathBuf) -> PathBuf {
    if p.exists() {
        p
    } else {
        PathBuf::from(format!("(embedded) {}", p.display()))
    }
}

const CORRECTED_TEXT: &str = include_str!("../../../scenarios/runbooks/failover-corrected.json");

pub fn target(files: &[PathBuf]) -> Result<Target, InputError> {
    if files.is_empty() {
        let fo = PathBuf::from(DEFAULT_FAILOVER);
        let fb = PathBuf::from(DEFAULT_FAILBACK);
        return Ok(Target {
            runbooks: vec![
                load_or_embedded(&fo, DEFAULT_FAILOVER)?,
                load_or_embedded(&fb, DEFAULT_FAILBACK)?,
            ],
            files: vec![origin(fo), origin(fb)],
        });
    }
    if files.len() > 2 {
        return Err(InputError::at(
            &files[2].display().to_string(),
            0,
            0,
            "--runbook is given more than twice; expected a failover, a failback, or one of each",
        ));
    }
    let mut fo = None;
    let mut fb = None;
    for f in files {
        let rb = load::load_runbook(f)?;
        let slot = if is_failback(&rb) { &mut fb } else { &mut fo };
        if slot.is_some() {
            return Err(InputError::at(
                &f.display().to_string(),
                1,
                1,
                format!(
                    "two {} runbooks given; expected at most one failover and one failback",
                    if is_failback(&rb) {
                        "failback"
                    } else {
                        "failover"
                    }
                ),
            ));
        }
        *slot = Some((rb, f.clone()));
    }
    if fo.is_none() {
        let p = PathBuf::from(CORRECTED_FAILOVER);
        fo = Some((load_or_embedded(&p, CORRECTED_FAILOVER)?, origin(p)));
    }
    let (runbooks, files) = fo.into_iter().chain(fb).unzip();
    Ok(Target { runbooks, files })
}

/// `_out` is no longer used (saved counterexamples carry their runbooks inline); it stays
/// so the callers in tests and benches keep compiling.
pub fn shape(t: &Target, deviations: bool, beyond: bool) -> Shape {
    Shape {
        cycle: t.runbooks.len() == 2,
        step_ids: t
            .runbooks
            .iter()
            .map(|r| r.steps.iter().map(|s| s.id.clone()).collect())
            .collect(),
        runbook_paths: t.files.iter().map(|f| f.display().to_string()).collect(),
        deviations,
        beyond,
        vary_assumptions: false,
    }
}

pub fn run(mut args: Args) -> i32 {
    if let Some(Cmd::Merge(m)) = args.cmd.take() {
        return merge::run(m);
    }
    let t = match target(&args.runbooks) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("drill fuzz: {e}");
            return exit::BAD_INPUT;
        }
    };
    if args.cases == 0
        || args.jobs == 0
        || args
            .time_limit
            .is_some_and(|l| l.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater))
    {
        eprintln!("drill fuzz: --cases, --jobs and --time-limit must be positive");
        return exit::BAD_INPUT;
    }
    let mut shape = shape(&t, args.deviations, args.beyond_assumptions);
    shape.vary_assumptions = args.vary_assumptions;
    eprintln!(
        "drill fuzz: seed {}, {} cases, {} jobs, runbooks {}; counterexamples go to {}",
        args.seed,
        args.cases,
        args.jobs,
        t.files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(" + "),
        args.out.display()
    );
    let bar = indicatif::ProgressBar::new(args.cases);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} cases ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let progress = |n: u64| bar.set_position(n);
    let start = Instant::now();
    let plan = campaign::Plan {
        shape: &shape,
        runbooks: &t.runbooks,
        seed: args.seed,
        cases: args.cases,
        jobs: args.jobs,
        // In range by parsing; checked_add all the same: no Instant overflow, ever.
        deadline: args
            .time_limit
            .and_then(|l| start.checked_add(Duration::from_secs_f64(l))),
        progress: &progress,
    };
    let tally = match args.shard {
        Some(sh) => shard::run(&plan, sh),
        None => campaign::run(&plan),
    };
    let elapsed = start.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let found = match regress::counterexamples(&shape, &t, &args, &tally) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("drill fuzz: cannot write a counterexample: {e}");
            return exit::BAD_INPUT;
        }
    };
    let rate = tally.cases as f64 / elapsed.max(1e-9);
    // Cost counters (docs/speed.md), on stderr: the report stays a function of the inputs.
    let per_case = |n: u64| n as f64 / tally.cases.max(1) as f64;
    eprintln!(
        "drill fuzz: {rate:.0} cases/s on {} jobs ({:.0} per job); per case {:.1} events handled ({:.1} of them job runs shipped between events), {:.1} job runs advanced in closed form (quiet periods)",
        args.jobs,
        rate / args.jobs as f64,
        per_case(tally.events),
        per_case(tally.shipped_job_runs),
        per_case(tally.quiet_job_runs)
    );
    let robustness = args
        .vary_assumptions
        .then(|| vary::classify(&found, &t.runbooks));
    if args.json {
        let mut text = regress::to_json(&args, &t, &tally, &found, elapsed, rate);
        if let Some(sh) = args.shard {
            text = shard::annotate(&text, sh, args.cases, tally.cases);
        }
        match (
            &robustness,
            serde_json::from_str::<serde_json::Value>(&text),
        ) {
            (Some(rb), Ok(mut v)) => {
                v["robustness"] = serde_json::to_value(rb).unwrap_or_default();
                println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            }
            _ => println!("{text}"),
        }
    } else {
        print!(
            "{}",
            regress::render(&args, &t, &tally, &found, elapsed, rate)
        );
        if let Some(rb) = &robustness {
            print!("{}", vary::render(rb));
        }
    }
    if tally.violations.iter().any(|&v| v > 0) {
        exit::VIOLATION
    } else {
        exit::OK
    }
}

/// Names of the invariants, in report order.
pub fn names() -> Vec<&'static str> {
    invariants::names()
}
