//! `drill explore merge A.json B.json ...`: the shards' JSON results combined into the
//! report of a single-process run of the same bound. Counts add up (no state is shared
//! between roots, and each root is in one shard); a property's shortest counterexample is
//! the one at the least depth, ties to the lowest root, as the single run's breadth-first
//! order finds it; a certificate needs every shard complete and none violated.

use super::report::{self, ExploreReport, Measured};
use super::shard::{self, Shard};
use crate::exit;
use clap::Args as ClapArgs;
use std::path::PathBuf;

#[derive(ClapArgs, Debug, Clone)]
pub struct Args {
    /// The shards' results (`drill explore --shard I/N --json > I.json`).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print one JSON document instead of the text report.
    #[arg(long)]
    pub json: bool,
    /// Where counterexamples are written (created if missing).
    #[arg(long, default_value = "drill-counterexamples")]
    pub out: PathBuf,
}

/// Combine shard reports. Errors name the file and what was expected.
pub fn merge(parts: &[(String, ExploreReport)]) -> Result<ExploreReport, String> {
    let Some((first_file, first)) = parts.first() else {
        return Err("expected at least one result file".into());
    };
    let mut shards = Vec::new();
    for (file, r) in parts {
        if r.command != "explore" {
            return Err(format!(
                "{file}: not a drill explore result (command {:?})",
                r.command
            ));
        }
        // The fingerprint, not the path: shards may run from other directories.
        if r.input.fingerprint != first.input.fingerprint
            || r.bound != first.bound
            || r.seed != first.seed
        {
            return Err(format!(
                "{file}: explores another input or bound than {first_file}; expected the same scenario, runbooks, seed and bound in every shard"
            ));
        }
        shards.push(r.shard.ok_or_else(|| {
            format!("{file}: a whole search, not a shard; expected results of --shard I/N")
        })?);
    }
    shard::check_cover(&shards)?;
    Ok(combine(parts))
}

/// Combine reports of roots no two of which share a state (shards checked by [`merge`], or
/// the roots of one process): counts add up, the shortest counterexamples win.
pub fn combine(parts: &[(String, ExploreReport)]) -> ExploreReport {
    let first = &parts[0].1;
    let mut m = first.clone();
    m.shard = None;
    m.roots = 0;
    m.states_generated = 0;
    m.unique_states = 0;
    m.end_states = 0;
    m.cut_runs = 0;
    m.depth = 0;
    m.complete = true;
    m.stopped = None;
    for c in m.sometimes.iter_mut() {
        c.end_states = 0;
    }
    for p in m.properties.iter_mut() {
        p.counterexample = None;
    }
    let mut seconds = 0.0f64;
    let mut jobs = 0;
    for (_, r) in parts {
        m.roots += r.roots;
        m.states_generated += r.states_generated;
        m.unique_states += r.unique_states;
        m.end_states += r.end_states;
        m.cut_runs += r.cut_runs;
        m.depth = m.depth.max(r.depth);
        m.complete &= r.complete;
        if m.stopped.is_none() {
            m.stopped.clone_from(&r.stopped);
        }
        for (c, o) in m.sometimes.iter_mut().zip(&r.sometimes) {
            c.end_states += o.end_states;
        }
        for (p, o) in m.properties.iter_mut().zip(&r.properties) {
            if let Some(oc) = &o.counterexample {
                let better = p
                    .counterexample
                    .as_ref()
                    .is_none_or(|c| (oc.depth, oc.root) < (c.depth, c.root));
                if better {
                    let mut oc = oc.clone();
                    oc.file = None;
                    oc.run = None;
                    p.counterexample = Some(oc);
                }
            }
        }
        seconds = seconds.max(r.measured.seconds);
        jobs += r.measured.jobs;
    }
    for p in m.properties.iter_mut() {
        p.holds = match (&p.counterexample, m.complete) {
            (Some(_), _) => Some(false),
            (None, true) => Some(true),
            (None, false) => None,
        };
        p.certificate = (p.holds == Some(true))
            .then(|| report::certificate(&p.name, &m.bound, m.roots, m.unique_states, m.depth));
    }
    // The wall clock of the slowest shard; the threads of all.
    let rate = m.unique_states as f64 / seconds.max(1e-9);
    m.measured = Measured {
        seconds,
        jobs,
        unique_states_per_s: rate,
        unique_states_per_s_per_thread: rate / jobs.max(1) as f64,
    };
    m
}

pub fn run(a: Args) -> i32 {
    let parts = match crate::load::read_shard_reports::<ExploreReport>(&a.files, "drill explore") {
        Ok(p) => p,
        Err(e) => {
            eprintln!("drill explore merge: {e}");
            return exit::BAD_INPUT;
        }
    };
    let mut m = match merge(&parts) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("drill explore merge: {e}");
            return exit::BAD_INPUT;
        }
    };
    if let Err(e) = report::save_counterexamples(&mut m, &a.out) {
        eprintln!("drill explore merge: cannot write a counterexample: {e}");
        return exit::BAD_INPUT;
    }
    super::emit(&m, a.json)
}

/// Used by tests: the whole search as a shard list, so `merge` of one `0/1` is the whole.
pub fn whole() -> Shard {
    Shard::WHOLE
}
