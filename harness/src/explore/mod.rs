//! `drill explore`: bounded exhaustive exploration of the runbooks (sim::explore) with
//! shortest counterexamples saved as scenario files, a certificate per property that holds,
//! `--shard I/N` and `drill explore merge`.

pub mod memory;
pub mod merge;
pub mod report;
pub mod shard;

use crate::exit;
use crate::load;
use clap::{Args as ClapArgs, Subcommand};
use report::ExploreReport;
use shard::Shard;
use sim::explore::{self, Bound, PlanGroups, PremiseMode};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::Instant;

#[derive(ClapArgs, Debug, Clone)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub cmd: Option<Cmd>,
    #[command(flatten)]
    pub search: SearchArgs,
}

#[derive(Subcommand, Debug, Clone)]
pub enum Cmd {
    /// Combine the JSON results of `drill explore --shard I/N --json` into one report.
    Merge(merge::Args),
}

#[derive(ClapArgs, Debug, Clone)]
pub struct SearchArgs {
    /// Scenario file (JSON) whose premise and runbooks are explored. Without it, the
    /// embedded default drill (the documented runbooks, full cycle).
    pub scenario: Option<PathBuf>,
    /// Explore this runbook file in place of the scenario's of the same kind; repeat for
    /// one of each (e.g. the corrected failover and failback).
    #[arg(long = "runbook", value_name = "FILE")]
    pub runbooks: Vec<PathBuf>,
    /// K: faults placed by the search (a transient fault and its heal count as one), 0 to 4.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(0..=4))]
    pub faults: u32,
    /// D: operator deviations (skip, repeat, swap with the next step, wrong instance), 0 to 3.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=3))]
    pub deviations: u32,
    /// Which premises: the scenario's own, or every discrete choice (share DC1/DC2/third,
    /// layout, witness, CMS, the disaster's moment in the log-shipping cycle).
    #[arg(long, default_value = "scenario", value_parser = ["scenario", "all"])]
    pub premise: String,
    /// Also faults outside the runbooks' assumptions while they run (as `drill fuzz
    /// --beyond-assumptions`).
    #[arg(long)]
    pub beyond_assumptions: bool,
    /// Stop after this many distinct states (then nothing is certified), 1 to 10^9: in
    /// each root when there are several (searched one at a time, or J side by side; with
    /// --shard, the shard's roots so).
    #[arg(long, default_value_t = MAX_STATES, value_parser = crate::bounds::cases)]
    pub max_states: u64,
    /// Stop (then nothing is certified) when the process's resident memory passes this many
    /// GB, 0.001 to 10^6; default: 75 % of the memory available when the search starts
    /// (Linux; elsewhere no memory budget).
    #[arg(long, value_name = "GB", value_parser = crate::bounds::max_memory_gb)]
    pub max_memory: Option<f64>,
    /// Worker threads (results do not depend on it), 1 to 1024.
    #[arg(long, default_value_t = 2, value_parser = crate::bounds::threads)]
    pub jobs: usize,
    /// Cover only part I of N of the search (the roots i with i mod N = I; a root is a
    /// premise, with deviation groups a premise's group, the default from two faults, and
    /// with --no-reduction or --deviation-roots a premise's deviation plan; the first line on
    /// stderr gives the number of roots); `drill explore merge` combines the N results.
    #[arg(long, value_parser = shard::parse)]
    pub shard: Option<Shard>,
    /// Explore without the reductions (every state of the plain search; slower): the
    /// reference the reduced search is checked against.
    #[arg(long)]
    pub no_reduction: bool,
    /// Give every deviation plan its own root instead of choosing it where it applies (the
    /// fifth reduction off, the other four on): more states in all, but `--shard I/N`
    /// then splits one premise's plans, so a search too big for one machine's memory
    /// (K=2, D=1 over the full cycle) runs as N shards of one plan's size each. Without
    /// --shard the roots are searched one at a time in this process (memory: the largest
    /// root's; --max-states bounds each root).
    #[arg(long, conflicts_with = "no_reduction")]
    pub deviation_roots: bool,
    /// Split the deviation plans into N roots, each a run of plans that first change
    /// consecutive steps, chosen where they apply (all five reductions within each):
    /// memory about the largest group's, states a little more than in one root (each group
    /// plays the undeviated run up to its plans). Without --shard the groups are searched
    /// one at a time in this process (J side by side), as --deviation-roots' roots; with
    /// --shard I/N a process searches every N-th root (N = groups x premises: one group
    /// each). 1 to 1024 (1: one root), or auto: with one deviation two groups of equal
    /// estimated weight (searched side by side, the fastest measured), with more, groups of
    /// at most about two searches of the same bound without deviations. Default: auto with
    /// 2 or more faults, else one root. Needs --deviations 1 or more.
    #[arg(long, value_name = "N", conflicts_with_all = ["no_reduction", "deviation_roots"], value_parser = crate::bounds::groups)]
    pub deviation_groups: Option<PlanGroups>,
    /// Print one JSON document instead of the text report.
    #[arg(long)]
    pub json: bool,
    /// Where counterexamples are written (created if missing); not written with --shard
    /// (merge writes them).
    #[arg(long, default_value = "drill-counterexamples")]
    pub out: PathBuf,
}

impl SearchArgs {
    /// A search of up to `faults` faults and `deviations` deviations over `scenario` (None:
    /// the embedded default) with `runbooks`, on the scenario's premise, reduced, one thread,
    /// JSON, at the command line's state budget: what tests and benches start from (change
    /// a field with `SearchArgs { jobs: 2, ..SearchArgs::new(..) }`).
    pub fn new(
        scenario: Option<PathBuf>,
        runbooks: Vec<PathBuf>,
        faults: u32,
        deviations: u32,
    ) -> SearchArgs {
        SearchArgs {
            scenario,
            runbooks,
            faults,
            deviations,
            premise: "scenario".into(),
            beyond_assumptions: false,
            max_states: MAX_STATES,
            max_memory: None,
            jobs: 1,
            shard: None,
            no_reduction: false,
            deviation_roots: false,
            deviation_groups: None,
            json: true,
            out: PathBuf::from("drill-counterexamples"),
        }
    }
}

/// `--max-states`' default.
pub const MAX_STATES: u64 = 20_000_000;

pub fn run(args: Args) -> i32 {
    match args.cmd {
        Some(Cmd::Merge(m)) => merge::run(m),
        None => search(args.search),
    }
}

/// The inputs of a search, loaded.
pub struct Input {
    pub loaded: load::Loaded,
    pub bound: Bound,
    pub mode: PremiseMode,
    pub roots: Vec<explore::Root>,
}

pub fn input(a: &SearchArgs) -> Result<Input, load::InputError> {
    let loaded = load::load_with(a.scenario.as_deref(), &a.runbooks)?;
    let bound = Bound {
        faults: a.faults,
        deviations: a.deviations,
        beyond: a.beyond_assumptions,
        reduce: !a.no_reduction,
        plan_roots: a.deviation_roots,
        plan_groups: plan_groups(a),
    };
    let mode = if a.premise == "all" {
        PremiseMode::All
    } else {
        PremiseMode::Scenario
    };
    let roots = explore::roots(&loaded.scenario, &loaded.runbooks, bound, mode);
    Ok(Input {
        loaded,
        bound,
        mode,
        roots,
    })
}

/// How the deviation plans are split: as asked, else automatically with K >= 2 (one root
/// then holds more states than a machine's memory: K=2, D=1 over the corrected full cycle
/// is about 2.4 x 10^8 of them, docs/explore.md), else one root (the fewest states).
fn plan_groups(a: &SearchArgs) -> PlanGroups {
    match a.deviation_groups {
        Some(g) => g,
        None if a.faults >= 2 && a.deviations >= 1 && !a.no_reduction && !a.deviation_roots => {
            PlanGroups::Auto
        }
        None => PlanGroups::One,
    }
}

/// Run the search over `shard`'s roots with `jobs` threads, without a memory budget.
pub fn search_outcome(inp: &Input, max_states: u64, jobs: usize, shard: Shard) -> explore::Outcome {
    search_within(inp, max_states, &memory::Budget::none(), jobs, shard)
}

/// [`search_outcome`] on this thread with another thread idle and helping it throughout,
/// as a thread whose roots are done helps the searches still running
/// ([`one_root_at_a_time`]): the same outcome, and the pieces the helper expanded.
pub fn search_outcome_helped(
    inp: &Input,
    max_states: u64,
    shard: Shard,
) -> (explore::Outcome, u64) {
    let (idle, helped) = (AtomicUsize::new(0), AtomicU64::new(0));
    let (pieces, waiting) = mpsc::channel::<HelpPiece>();
    let waiting = Mutex::new(waiting);
    let help = Help {
        idle: &idle,
        helped: &helped,
        pieces,
    };
    let out = std::thread::scope(|sc| {
        sc.spawn(|| serve(&idle, &waiting, inp.bound));
        let bar = indicatif::ProgressBar::hidden();
        let out = search_shown(
            inp,
            max_states,
            &memory::Budget::none(),
            1,
            shard,
            &bar,
            Some(&help),
        );
        drop(help);
        out
    });
    (out, helped.into_inner())
}

/// A thread with no root left: expand the pieces the searches still running hand over,
/// until every search is done (each dropped its sender).
fn serve(idle: &AtomicUsize, waiting: &Mutex<mpsc::Receiver<HelpPiece<'_>>>, bound: Bound) {
    idle.fetch_add(1, Ordering::Relaxed);
    loop {
        let next = waiting.lock().expect("no helper panics").recv();
        let Ok((piece, back)) = next else {
            return;
        };
        // The search may have stopped at its budget and gone.
        let _ = back.send(explore::expand_level(piece, bound));
    }
}

/// [`search_outcome`], stopped when the process's resident memory passes `memory`'s budget,
/// with its progress on a spinner (stderr, when a terminal: the level, the distinct states,
/// the resident memory).
pub fn search_within(
    inp: &Input,
    max_states: u64,
    memory: &memory::Budget,
    jobs: usize,
    shard: Shard,
) -> explore::Outcome {
    search_shown(inp, max_states, memory, jobs, shard, &spinner(), None)
}

/// The progress spinner (drawn on stderr when it is a terminal).
fn spinner() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar
}

/// [`search_within`] with its progress on `bar`.
fn search_shown<'a>(
    inp: &'a Input,
    max_states: u64,
    memory: &memory::Budget,
    jobs: usize,
    shard: Shard,
    bar: &indicatif::ProgressBar,
    help: Option<&Help<'_, 'a>>,
) -> explore::Outcome {
    let bound = inp.bound;
    let watch = |p: explore::Progress| {
        let resident = memory::resident();
        bar.set_message(format!(
            "depth {}, {} unique states{}",
            p.depth,
            report::count(p.unique),
            resident
                .map(|r| format!(", {} resident", memory::gigabytes(r as f64)))
                .unwrap_or_default()
        ));
        bar.tick();
        memory.over(resident)
    };
    let run = |map: &explore::Expand<'_, 'a>| {
        let out = explore::explore(
            &inp.roots,
            &inp.loaded.runbooks,
            bound,
            max_states,
            &watch,
            &|i| shard.covers(i as u64),
            map,
        );
        bar.finish_and_clear();
        out
    };
    if jobs <= 1 {
        return match help {
            Some(h) => run(&move |level, sink| h.expand(level, bound, sink)),
            None => run(&move |level, sink| explore::expand_serial(level, bound, sink)),
        };
    }
    // One pool of workers for the whole search: threads made per level would each start
    // with an empty allocator heap, and their fresh pages cost the kernel's zeroing again
    // at every level.
    let (work, pieces) = mpsc::channel::<(usize, Vec<explore::Node<'a>>)>();
    let (done, expanded) = mpsc::channel();
    let pieces = Mutex::new(pieces);
    std::thread::scope(|sc| {
        for _ in 0..jobs {
            let (pieces, done) = (&pieces, done.clone());
            sc.spawn(move || loop {
                let next = pieces.lock().expect("no worker panics").recv();
                let Ok((i, piece)) = next else {
                    return;
                };
                let n = piece.len();
                if done
                    .send((i, n, explore::expand_level(piece, bound)))
                    .is_err()
                {
                    return;
                }
            });
        }
        drop(done);
        let pool = Pool {
            work,
            expanded: Mutex::new(expanded),
            window: AHEAD_PER_JOB * jobs,
        };
        let out = run(&|level, sink| pool.expand(level, bound, sink));
        // Closing the work channel ends the workers.
        drop(pool);
        out
    })
}

/// Roots searched side by side, seen from one of them: the threads with no root left
/// help the searches still running (without them the last root ran alone on one core
/// while the other idled: at K=2, D=1 in 4 groups the two threads finished 9 s apart).
/// A search hands a piece of its level to a helper only when one is idle, expands the
/// piece before it meanwhile, and delivers the two in order: the result is the same.
pub struct Help<'s, 'a> {
    /// Threads waiting for pieces (their root searches are done).
    idle: &'s AtomicUsize,
    /// Pieces handed to them (the CLI's counter).
    helped: &'s AtomicU64,
    /// This search's end of the pieces' channel (each search holds one; when the last
    /// search drops its own, the helpers stop).
    pieces: mpsc::Sender<HelpPiece<'a>>,
}

/// Nodes to expand, and where their successors go.
type HelpPiece<'a> = (
    Vec<explore::Node<'a>>,
    mpsc::Sender<Vec<explore::Child<'a>>>,
);

impl<'a> Help<'_, 'a> {
    fn expand(
        &self,
        level: explore::Frontier<explore::Node<'a>>,
        bound: Bound,
        sink: &mut explore::Sink<'_, 'a>,
    ) {
        let mut rest = level.into_iter();
        // Nodes taken: a helper's piece starts at a multiple of two pieces, so it never
        // straddles a multiple of CHUNK (the sink's contract).
        let mut at = 0usize;
        loop {
            let help = at.is_multiple_of(2 * PIECE) && self.idle.load(Ordering::Relaxed) > 0;
            let mine: Vec<_> = rest
                .by_ref()
                .take(if help { PIECE } else { explore::RUN })
                .collect();
            if mine.is_empty() {
                return;
            }
            at += mine.len();
            let theirs: Vec<_> = rest.by_ref().take(if help { PIECE } else { 0 }).collect();
            let back = (!theirs.is_empty()).then(|| {
                let n = theirs.len();
                at += n;
                let (to, back) = mpsc::channel();
                self.pieces
                    .send((theirs, to))
                    .expect("the helpers outlive the searches");
                self.helped.fetch_add(1, Ordering::Relaxed);
                (n, back)
            });
            // Its own piece meanwhile, a run at a time, then the helper's.
            let mut mine = mine.into_iter();
            loop {
                let run: Vec<_> = mine.by_ref().take(explore::RUN).collect();
                if run.is_empty() {
                    break;
                }
                if !sink(run.len(), explore::expand_level(run, bound)) {
                    return;
                }
            }
            if let Some((n, back)) = back {
                let kids = back.recv().expect("a helper answers every piece");
                if !sink(n, kids) {
                    return;
                }
            }
        }
    }
}

/// Nodes a worker expands at a time: small enough to balance the threads, large enough
/// that handing them out costs nothing. Divides [`explore::CHUNK`].
const PIECE: usize = 256;

/// Pieces expanded ahead of the sink at most (bounds the successors held in memory).
const AHEAD_PER_JOB: usize = 8;

/// The search's worker threads, seen from the thread that deduplicates.
struct Pool<'a> {
    work: mpsc::Sender<(usize, Vec<explore::Node<'a>>)>,
    expanded: Mutex<mpsc::Receiver<Expanded<'a>>>,
    window: usize,
}

/// A piece's index, its node count and its nodes' successors.
type Expanded<'a> = (usize, usize, Vec<explore::Child<'a>>);

impl<'a> Pool<'a> {
    /// Expand a level on the pool, delivering each piece's successors to `sink` in level
    /// order while the workers expand the pieces after it (the sink's deduplication runs
    /// on this thread, alongside them).
    fn expand(
        &self,
        level: explore::Frontier<explore::Node<'a>>,
        bound: Bound,
        sink: &mut explore::Sink<'_, 'a>,
    ) {
        // Small levels are not worth the hand-over.
        if level.len() < 2 * PIECE {
            return explore::expand_serial(level, bound, sink);
        }
        let expanded = self.expanded.lock().expect("one level at a time");
        let mut rest = level.into_iter();
        let mut piece = |i: usize| -> bool {
            let p: Vec<_> = rest.by_ref().take(PIECE).collect();
            if p.is_empty() {
                return false;
            }
            self.work
                .send((i, p))
                .expect("the workers outlive the search");
            true
        };
        let (mut sent, mut received) = (0, 0);
        while sent < self.window && piece(sent) {
            sent += 1;
        }
        // Successors that came back before those of an earlier piece wait here.
        let mut early = BTreeMap::new();
        let mut next = 0;
        let mut go_on = true;
        while received < sent {
            let (i, n, kids) = expanded.recv().expect("the workers outlive the search");
            received += 1;
            if !go_on {
                continue;
            }
            early.insert(i, (n, kids));
            while let Some((n, kids)) = early.remove(&next) {
                next += 1;
                go_on = sink(n, kids);
                if !go_on {
                    early.clear();
                    break;
                }
                if piece(sent) {
                    sent += 1;
                }
            }
        }
    }
}

fn search(a: SearchArgs) -> i32 {
    let inp = match input(&a) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("drill explore: {e}");
            return exit::BAD_INPUT;
        }
    };
    if a.deviation_groups.is_some() && a.deviations == 0 {
        eprintln!("drill explore: --deviation-groups splits the deviation plans; expected --deviations 1 or more with it");
        return exit::BAD_INPUT;
    }
    let shard = a.shard.unwrap_or(Shard::WHOLE);
    let budget = memory::Budget::of(a.max_memory);
    eprintln!(
        "drill explore: seed {}, up to {} fault(s) and {} deviation(s), premise {}, {} root(s){}{}, {} job(s), {}",
        inp.loaded.scenario.seed,
        a.faults,
        a.deviations,
        a.premise,
        inp.roots.len(),
        match inp.bound.plan_groups {
            PlanGroups::Auto => format!(
                " (the deviation plans in {} groups a premise: --deviation-groups auto{})",
                report::plan_groups(&inp),
                if a.deviation_groups.is_none() {
                    ", the default with 2 or more faults"
                } else {
                    ""
                }
            ),
            _ => String::new(),
        },
        a.shard.map(|s| format!(" (shard {s})")).unwrap_or_default(),
        a.jobs,
        budget.text
    );
    let start = Instant::now();
    // Roots share no state: searched one at a time (J side by side), each table freed
    // when its root is done, they give the report of one table, faster and in less memory.
    let mut rep = if shard_roots(&inp, a.shard).len() > 1 {
        match one_root_at_a_time(&inp, &a, &budget) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("drill explore: {e}");
                return exit::BAD_INPUT;
            }
        }
    } else {
        let outcome = search_within(&inp, a.max_states, &budget, a.jobs, shard);
        report::build_within(&inp, &a, &outcome, start.elapsed().as_secs_f64(), &budget)
    };
    if a.shard.is_none() {
        if let Err(e) = report::save_counterexamples(&mut rep, &a.out) {
            eprintln!("drill explore: cannot write a counterexample: {e}");
            return exit::BAD_INPUT;
        }
    }
    emit(&rep, a.json)
}

/// The roots `shard` covers (all of them without one), in order.
fn shard_roots(inp: &Input, shard: Option<Shard>) -> Vec<u64> {
    (0..inp.roots.len() as u64)
        .filter(|&i| shard.is_none_or(|s| s.covers(i)))
        .collect()
}

/// Several roots in one process (premises, groups of plans, plan roots): no state is
/// shared between roots (the root is in every key), so each root is searched alone, its
/// visited table freed when it is done, and the reports merged as `drill explore merge`
/// merges shards (which gives the report of all roots in one table). With `--jobs J`, J
/// roots are searched at once, a thread each (J / roots each when there are fewer roots:
/// independent searches scale better than one search's threads, and the result does not
/// depend on the order they finish in).
/// Memory is the largest roots' (J of them), not the sum; `--max-states` and `memory`
/// bound each root. A root's line on stderr when it took a second or more, or stopped.
/// With `--shard`, the shard's roots so, and the report is the shard's.
pub fn one_root_at_a_time<'i>(
    inp: &'i Input,
    a: &SearchArgs,
    memory: &memory::Budget,
) -> Result<report::ExploreReport, String> {
    let start = Instant::now();
    let n = inp.roots.len() as u64;
    let mine = shard_roots(inp, a.shard);
    let at_once = a.jobs.clamp(1, mine.len().max(1));
    let next = AtomicU64::new(0);
    // Roots done and their states, for the progress lines.
    let (done, states) = (AtomicU64::new(0), AtomicU64::new(0));
    let parts = Mutex::new(Vec::new());
    let helped = AtomicU64::new(0);
    let one_root = |shown: bool, threads: usize, help: Option<&Help<'_, 'i>>| {
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed) as usize;
            let Some(&index) = mine.get(k) else {
                return;
            };
            let shard = Shard { index, count: n };
            let t = Instant::now();
            let bar = if shown {
                spinner()
            } else {
                indicatif::ProgressBar::hidden()
            };
            let o = search_shown(inp, a.max_states, memory, threads, shard, &bar, help);
            let one = SearchArgs {
                shard: Some(shard),
                jobs: threads,
                ..a.clone()
            };
            let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
            let so_far = states.fetch_add(o.unique, Ordering::Relaxed) + o.unique;
            // Progress on stderr: a wide search takes minutes (a line per quick root would
            // be noise: 144 premises take seconds in all).
            if t.elapsed().as_secs_f64() >= 1.0 || o.stopped.is_some() {
                eprintln!(
                    "drill explore: root {}/{n} ({}; deviations: {}): {} unique states, {:.2} s{}; {finished} of {} roots done, {} states, {:.0} s in all",
                    index + 1,
                    inp.roots[index as usize].premise,
                    inp.roots[index as usize].deviations,
                    report::count(o.unique),
                    t.elapsed().as_secs_f64(),
                    match o.stopped {
                        None => String::new(),
                        Some(stop) =>
                            format!(", stopped at {}", report::stop_text(stop, a, memory)),
                    },
                    mine.len(),
                    report::count(so_far),
                    start.elapsed().as_secs_f64(),
                );
            }
            let r = report::build_within(inp, &one, &o, t.elapsed().as_secs_f64(), memory);
            parts
                .lock()
                .expect("no search panics")
                .push((index, format!("root {index}"), r));
        }
    };
    if at_once == 1 {
        one_root(true, a.jobs, None);
    } else {
        // Spinners of searches side by side would overwrite each other: the lines above
        // are the progress.
        let idle = AtomicUsize::new(0);
        let (pieces, waiting) = mpsc::channel::<HelpPiece<'i>>();
        let helped = &helped;
        let waiting = Mutex::new(waiting);
        std::thread::scope(|sc| {
            // More threads than roots: the spare ones share the roots' searches.
            let each = (a.jobs / at_once).max(1);
            for _ in 0..at_once {
                let (one_root, idle, waiting) = (&one_root, &idle, &waiting);
                let help = (each == 1).then(|| Help {
                    idle,
                    helped,
                    pieces: pieces.clone(),
                });
                sc.spawn(move || {
                    one_root(false, each, help.as_ref());
                    drop(help);
                    serve(idle, waiting, inp.bound);
                });
            }
            drop(pieces);
        });
        let helped = helped.load(Ordering::Relaxed);
        if helped > 0 {
            eprintln!(
                "drill explore: {} pieces of up to {PIECE} states expanded by threads whose own roots were done",
                report::count(helped)
            );
        }
    }
    let mut parts = parts.into_inner().expect("no search panics");
    parts.sort_by_key(|p| p.0);
    let parts: Vec<_> = parts.into_iter().map(|(_, name, r)| (name, r)).collect();
    let mut m = match a.shard {
        None => merge::merge(&parts)?,
        Some(s) => report::ExploreReport {
            shard: Some(s),
            ..merge::combine(&parts)
        },
    };
    // One process, the roots searched side by side: its own wall clock and threads.
    let seconds = start.elapsed().as_secs_f64();
    let rate = m.unique_states as f64 / seconds.max(1e-9);
    m.measured = report::Measured {
        seconds,
        jobs: a.jobs,
        unique_states_per_s: rate,
        unique_states_per_s_per_thread: rate / a.jobs.max(1) as f64,
    };
    Ok(m)
}

/// Print the report; the exit code as `drill fuzz` (1 when a property is violated), and 3
/// when the search stopped at `--max-states` or `--max-memory` with no violation: nothing
/// is certified.
pub fn emit(rep: &ExploreReport, json: bool) -> i32 {
    if json {
        println!("{}", serde_json::to_string_pretty(rep).unwrap_or_default());
    } else {
        print!("{}", report::render(rep));
    }
    if rep.properties.iter().any(|p| p.counterexample.is_some()) {
        exit::VIOLATION
    } else if !rep.complete {
        exit::INCOMPLETE
    } else {
        exit::OK
    }
}
