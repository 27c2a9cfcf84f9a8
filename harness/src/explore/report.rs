//! The report of a search: counts, per property a shortest counterexample (saved as a
//! scenario file `drill run` replays) or a certificate with the exact bound, coverage of
//! the `sometimes` properties, and the assumptions the search rests on. The JSON form is
//! what `--shard` processes emit and `drill explore merge` reads.

use super::memory::Budget;
use super::shard::Shard;
use super::{Input, SearchArgs};
use crate::fmt::{clock, fnv1a};
use serde::{Deserialize, Serialize};
use sim::describe::describe_fault;
use sim::engine::{self, Options};
use sim::explore::{self, Outcome};
use sim::invariants;
use sim::scenario::{Expect, PhaseRunbook, Scenario};
use std::fmt::Write as _;
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExploreReport {
    pub command: String,
    pub input: InputId,
    pub bound: BoundJson,
    pub seed: u64,
    /// The part this process covered (None: all of it).
    pub shard: Option<Shard>,
    pub roots: u64,
    pub states_generated: u64,
    pub unique_states: u64,
    pub end_states: u64,
    pub cut_runs: u64,
    pub depth: u32,
    /// False when --max-states or --max-memory stopped the search: nothing is certified.
    pub complete: bool,
    /// What stopped it ("--max-states 12,000,000", "--max-memory 6.0 GB ..."); absent when
    /// complete (and in results of versions before it, which only had --max-states).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    pub properties: Vec<Property>,
    pub sometimes: Vec<Sometimes>,
    pub assumptions: Vec<String>,
    /// Wall-clock figures: the only part that differs between runs.
    pub measured: Measured,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputId {
    pub scenario: String,
    pub runbooks: Vec<String>,
    /// FNV-1a of the scenario and runbooks as explored: merge refuses results of others.
    pub fingerprint: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BoundJson {
    pub faults: u32,
    pub deviations: u32,
    pub premise: String,
    pub beyond_assumptions: bool,
    pub max_states: u64,
    /// The reductions applied (docs/explore.md, "Reductions"), or "none" (--no-reduction).
    pub reduction: String,
}

/// The reductions `drill explore` applies unless --no-reduction, as reports name them.
/// The sixth names what it assumes of the model: DC1, once down, comes back only rebuilt
/// unless the scenario brings it back (docs/explore.md, "Reductions" 6).
pub const REDUCTION: &str =
    "subsumption by faults and deviations left, last fault time canonical, heals as a set, job flags placed where read, dead values canonical, deviations chosen where they apply, LSNs and write numbers by order (DC1 back only rebuilt)";

/// The reductions with `--deviation-roots`: all but the fifth (a root per deviation plan).
pub const REDUCTION_PLAN_ROOTS: &str =
    "subsumption by faults left, last fault time canonical, heals as a set, job flags placed where read, dead values canonical, LSNs and write numbers by order (DC1 back only rebuilt)";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Property {
    pub name: String,
    pub kind: String,
    /// None when the search was stopped early without finding a violation.
    pub holds: Option<bool>,
    pub certificate: Option<String>,
    pub counterexample: Option<Counterexample>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Counterexample {
    /// Transitions from the root: events played plus faults and heals placed.
    pub depth: u32,
    pub root: usize,
    pub premise: String,
    pub deviations: String,
    /// The faults and heals the search placed, "HH:MM:SS what".
    pub faults: Vec<String>,
    /// Whether `drill run` on the scenario reports the violation (checked here).
    pub replays: bool,
    /// The saved file and the command that replays it (set when saved).
    pub file: Option<String>,
    pub run: Option<String>,
    /// The scenario, runbooks inline.
    pub scenario: serde_json::Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sometimes {
    pub name: String,
    pub end_states: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    pub seconds: f64,
    pub jobs: usize,
    pub unique_states_per_s: f64,
    pub unique_states_per_s_per_thread: f64,
}

pub fn fingerprint(inp: &Input) -> String {
    let mut text = serde_json::to_string(&inp.loaded.scenario).unwrap_or_default();
    for rb in &inp.loaded.runbooks {
        text.push_str(&serde_json::to_string(rb).unwrap_or_default());
    }
    format!("{:016x}", fnv1a(text.as_bytes()))
}

fn plural(n: u32, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// Thousands separated by commas.
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The exact bound, in words, as certificates state it.
pub fn bound_text(b: &BoundJson, roots: u64) -> String {
    format!(
        "with up to {} and {}{}, premise: {}, {} root(s), reduction: {}",
        plural(b.faults, "fault"),
        plural(b.deviations, "deviation"),
        if b.beyond_assumptions {
            " (faults beyond the runbooks' assumptions included)"
        } else {
            ""
        },
        if b.premise == "all" {
            "every discrete choice"
        } else {
            "the scenario's own"
        },
        count(roots),
        b.reduction
    )
}

pub fn certificate(name: &str, b: &BoundJson, roots: u64, unique: u64, depth: u32) -> String {
    format!(
        "no violation of {name} {}: {} unique states, depth {depth}",
        bound_text(b, roots),
        count(unique)
    )
}

/// A scenario as saved (timing left out when default, as `drill fuzz` saves them).
pub fn scenario_json(s: &Scenario) -> String {
    crate::fuzz::regress::scenario_json(s)
}

pub fn assumptions(seed: u64) -> Vec<String> {
    vec![
        format!("operator and work durations: drawn from the scenario's seed {seed} as `drill run` draws them; other seeds are not explored"),
        "faults are placed at the moment before an event (a step's end, a job run, a phase start), at its second; none after the runbooks end (a fault there would move the liveness bound)".into(),
        "the fault alphabet is the fuzzer's catalogue per window (before the disaster, during the failover, between the runbooks, during the failback); a transient fault heals within its window, at a moment the search chooses".into(),
        "states are identified by 112 bits of a 128-bit hash of the engine's canonical state (world, pending events, step in progress, random stream)".into(),
    ]
}

/// What stopped a search, as the report says it.
pub fn stop_text(stop: explore::Stop, a: &SearchArgs, memory: &Budget) -> String {
    match stop {
        explore::Stop::States => format!("--max-states {}", count(a.max_states)),
        explore::Stop::Memory => memory.text.clone(),
    }
}

/// The groups of deviation plans per premise (the roots of one premise).
pub fn plan_groups(inp: &Input) -> usize {
    let first = inp.roots.first().map(|r| r.premise.as_str());
    inp.roots
        .iter()
        .filter(|r| Some(r.premise.as_str()) == first)
        .count()
}

/// The report of a search run without a memory budget ([`super::search_outcome`]).
pub fn build(inp: &Input, a: &SearchArgs, o: &Outcome, elapsed: f64) -> ExploreReport {
    build_within(inp, a, o, elapsed, &Budget::none())
}

/// The report of a search run within `memory` ([`super::search_within`]).
pub fn build_within(
    inp: &Input,
    a: &SearchArgs,
    o: &Outcome,
    elapsed: f64,
    memory: &Budget,
) -> ExploreReport {
    let bound = BoundJson {
        faults: a.faults,
        deviations: a.deviations,
        premise: a.premise.clone(),
        beyond_assumptions: a.beyond_assumptions,
        max_states: a.max_states,
        reduction: if a.no_reduction {
            "none".into()
        } else if a.deviation_roots {
            REDUCTION_PLAN_ROOTS.into()
        } else if inp.bound.deviations > 0 && plan_groups(inp) > 1 {
            format!("{REDUCTION}, in {} groups of plans", plan_groups(inp))
        } else {
            REDUCTION.into()
        },
    };
    let properties = invariants::all()
        .zip(&o.first)
        .map(|(inv, f)| {
            let counterexample = f.as_ref().map(|f| {
                let mut s = explore::counterexample(&inp.roots, f);
                let report = engine::run(&s, &inp.loaded.runbooks, Options { record: false });
                let replays = report.violated().contains(&inv.name());
                for (ph, rb) in s.phases.iter_mut().zip(&inp.loaded.runbooks) {
                    ph.runbook = PhaseRunbook::Inline(Box::new(rb.clone()));
                }
                let root = &inp.roots[f.root];
                let deviations = explore::deviations_text(&inp.roots, f);
                s.description = format!(
                    "Shortest counterexample for {} found by drill explore ({} of {}): premise {}; deviations {}; {} placed.",
                    inv.name(),
                    plural(a.faults, "fault"),
                    plural(a.deviations, "deviation"),
                    root.premise,
                    deviations,
                    plural(f.injected.len() as u32, "fault or heal")
                );
                s.expect = Some(Expect {
                    violated: report.violated().iter().map(|v| v.to_string()).collect(),
                    rpo_writes_lost: report.rpo_writes_lost,
                });
                Counterexample {
                    depth: f.depth,
                    root: f.root,
                    premise: root.premise.clone(),
                    deviations,
                    faults: f
                        .injected
                        .iter()
                        .map(|t| format!("{} {}", clock(t.at_s), describe_fault(&t.fault)))
                        .collect(),
                    replays,
                    file: None,
                    run: None,
                    scenario: serde_json::from_str(&scenario_json(&s)).unwrap_or_default(),
                }
            });
            let holds = match (&counterexample, o.complete()) {
                (Some(_), _) => Some(false),
                (None, true) => Some(true),
                (None, false) => None,
            };
            Property {
                name: inv.name().into(),
                kind: format!("{:?}", inv.kind()).to_lowercase(),
                certificate: (holds == Some(true))
                    .then(|| certificate(inv.name(), &bound, o.roots, o.unique, o.depth)),
                holds,
                counterexample,
            }
        })
        .collect();
    let jobs = a.jobs.max(1);
    let rate = o.unique as f64 / elapsed.max(1e-9);
    ExploreReport {
        command: "explore".into(),
        input: InputId {
            scenario: inp.loaded.file.clone(),
            runbooks: inp.loaded.runbooks.iter().map(|r| r.name.clone()).collect(),
            fingerprint: fingerprint(inp),
        },
        bound,
        seed: inp.loaded.scenario.seed,
        shard: a.shard,
        roots: o.roots,
        states_generated: o.generated,
        unique_states: o.unique,
        end_states: o.ends,
        cut_runs: o.cut,
        depth: o.depth,
        complete: o.complete(),
        stopped: o.stopped.map(|stop| stop_text(stop, a, memory)),
        properties,
        sometimes: explore::COVERAGE
            .iter()
            .zip(o.coverage)
            .map(|(n, c)| Sometimes {
                name: n.to_string(),
                end_states: c,
            })
            .collect(),
        assumptions: assumptions(inp.loaded.scenario.seed),
        measured: Measured {
            seconds: elapsed,
            jobs,
            unique_states_per_s: rate,
            unique_states_per_s_per_thread: rate / jobs as f64,
        },
    }
}

/// Write each counterexample to `out` (whole or not at all), named by property and hash.
pub fn save_counterexamples(rep: &mut ExploreReport, out: &Path) -> std::io::Result<()> {
    for p in rep.properties.iter_mut() {
        let Some(c) = p.counterexample.as_mut() else {
            continue;
        };
        let mut s: Scenario = serde_json::from_value(c.scenario.clone())
            .map_err(|e| std::io::Error::other(format!("counterexample scenario: {e}")))?;
        let hash = format!("{:016x}", fnv1a(scenario_json(&s).as_bytes()));
        let id = format!("{}-{}", p.name, &hash[..12]);
        s.name = id.clone();
        let text = scenario_json(&s);
        let file = out.join(format!("{id}.json"));
        std::fs::create_dir_all(out)?;
        if crate::load::read_input(&file).ok().as_deref() != Some(text.as_str()) {
            crate::output::write_atomic(&file, text.as_bytes()).map_err(std::io::Error::other)?;
        }
        c.scenario = serde_json::from_str(&text).unwrap_or_default();
        c.file = Some(file.display().to_string());
        c.run = Some(format!("drill run {}", file.display()));
    }
    Ok(())
}

pub fn render(r: &ExploreReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "EXPLORE {} (seed {}), runbooks {}: {}{}",
        r.input.scenario,
        r.seed,
        r.input.runbooks.join(" + "),
        bound_text(&r.bound, r.roots),
        r.shard.map(|s| format!(", shard {s}")).unwrap_or_default()
    );
    let _ = writeln!(
        s,
        "  states generated {}, unique {}, end states {}, depth {}{}",
        count(r.states_generated),
        count(r.unique_states),
        count(r.end_states),
        r.depth,
        if r.cut_runs > 0 {
            format!(", {} runs cut by the work budget", count(r.cut_runs))
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        s,
        "  {:.2} s, {} unique states/s ({} per thread, {} threads)",
        r.measured.seconds,
        count(r.measured.unique_states_per_s as u64),
        count(r.measured.unique_states_per_s_per_thread as u64),
        r.measured.jobs
    );
    if !r.complete {
        let _ = writeln!(
            s,
            "  INCOMPLETE: stopped at {}; nothing is certified",
            r.stopped
                .clone()
                .unwrap_or_else(|| format!("--max-states {}", count(r.bound.max_states)))
        );
        if r.bound.deviations > 0 && r.bound.reduction == REDUCTION {
            let _ = writeln!(
                s,
                "  with deviations, a search too big for one table runs in groups of plans: --deviation-groups auto, or N (docs/explore.md, \"Groups of plans\")"
            );
        } else if r.bound.reduction.ends_with("groups of plans")
            && r.stopped
                .as_deref()
                .is_none_or(|t| t.starts_with("--max-states"))
        {
            let _ = writeln!(
                s,
                "  a group of plans passed --max-states, which bounds each group: raise it (an automatic group holds up to about twice the states of the search without deviations), or give more groups (--deviation-groups N; docs/explore.md, \"Groups of plans\")"
            );
        }
    }
    let _ = writeln!(s, "\nPROPERTIES");
    for p in &r.properties {
        match (&p.counterexample, &p.certificate) {
            (Some(c), _) => {
                let _ = writeln!(
                    s,
                    "  VIOLATED  {} ({}): shortest counterexample at depth {}{}",
                    p.name,
                    p.kind,
                    c.depth,
                    if c.replays {
                        ""
                    } else {
                        " (NOT reproduced by drill run: a bug in drill explore)"
                    }
                );
                let _ = writeln!(s, "            premise: {}", c.premise);
                let _ = writeln!(s, "            deviations: {}", c.deviations);
                if c.faults.is_empty() {
                    let _ = writeln!(s, "            no fault placed");
                }
                for f in &c.faults {
                    let _ = writeln!(s, "            fault {f}");
                }
                if let Some(run) = &c.run {
                    let _ = writeln!(s, "            replay: {run}");
                }
            }
            (None, Some(cert)) => {
                let _ = writeln!(s, "  HOLDS     {cert}");
            }
            (None, None) => {
                let _ = writeln!(s, "  UNKNOWN   {}: the search stopped early", p.name);
            }
        }
    }
    // A stopped search saw only part of the end states: its counts are lower bounds, and
    // none seen is not "never".
    if r.complete {
        let _ = writeln!(
            s,
            "\nSOMETIMES (end states reaching it, of {})",
            count(r.end_states)
        );
    } else {
        let _ = writeln!(
            s,
            "\nSOMETIMES (end states reaching it among the {} the search reached before it stopped: lower bounds)",
            count(r.end_states)
        );
    }
    for c in &r.sometimes {
        let n = match (r.complete, c.end_states) {
            (true, n) => count(n),
            (false, 0) => "none seen yet".into(),
            (false, n) => format!("at least {}", count(n)),
        };
        let _ = writeln!(s, "  {:<28} {n}", c.name);
    }
    let _ = writeln!(s, "\nASSUMPTIONS");
    for a in &r.assumptions {
        let _ = writeln!(s, "  - {a}");
    }
    s
}
