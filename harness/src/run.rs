//! `drill run [SCENARIO]`: play one scenario and tell what happened, how long recovery
//! took and what was lost.

use crate::exit;
use crate::fmt::{clock, duration};
use crate::load::{self, Loaded};
use clap::Args as ClapArgs;
use sim::engine::{self, Options};
use sim::report::Report;
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Scenario file (JSON). Without it, the embedded default: DC1 total outage, failover,
    /// DC1 rebuilt, failback.
    pub scenario: Option<PathBuf>,
    /// Play this runbook file instead of the scenario's runbook of the same kind (failover
    /// or failback); repeat for one of each.
    #[arg(long = "runbook", value_name = "FILE")]
    pub runbooks: Vec<PathBuf>,
    /// Override the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Print one JSON document instead of the timeline.
    #[arg(long)]
    pub json: bool,
    /// Leave the per-step observations out of the timeline.
    #[arg(long)]
    pub brief: bool,
    /// Play the scenario twice and compare the two results byte for byte.
    #[arg(long)]
    pub check_determinism: bool,
}

pub fn run(args: Args) -> i32 {
    let mut loaded = match load::load_with(args.scenario.as_deref(), &args.runbooks) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("drill run: {e}");
            return exit::BAD_INPUT;
        }
    };
    if let Some(seed) = args.seed {
        loaded.scenario.seed = seed;
    }
    // Over budget is bad input: the scenario asks for more than a run may do.
    let report =
        match engine::run_checked(&loaded.scenario, &loaded.runbooks, Options { record: true }) {
            Ok(r) => r,
            Err(e) => {
                eprintln!(
                    "drill run: {} (seed {}): {e}",
                    loaded.file, loaded.scenario.seed
                );
                return exit::BAD_INPUT;
            }
        };
    if args.check_determinism {
        let (a, b) = (
            to_json(&loaded, &report, true),
            to_json(&loaded, &play(&loaded), true),
        );
        if a != b {
            let line = a
                .lines()
                .zip(b.lines())
                .position(|(x, y)| x != y)
                .unwrap_or(0)
                + 1;
            eprintln!("drill run: NOT deterministic: two runs of seed {} differ from line {line} of the JSON", report.seed);
            return exit::VIOLATION;
        }
        eprintln!(
            "determinism check: two runs of seed {} gave identical output ({} bytes, fnv1a {:016x})",
            report.seed,
            a.len(),
            crate::fmt::fnv1a(a.as_bytes())
        );
    }
    if args.json {
        println!("{}", to_json(&loaded, &report, !args.brief));
    } else {
        print!("{}", render_text(&loaded, &report, !args.brief));
    }
    if report.all_hold() {
        exit::OK
    } else {
        exit::VIOLATION
    }
}

pub fn play(l: &Loaded) -> Report {
    engine::run(&l.scenario, &l.runbooks, Options { record: true })
}

pub fn to_json(l: &Loaded, r: &Report, observations: bool) -> String {
    let mut v = serde_json::to_value(r).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert("scenario_file".into(), l.file.clone().into());
        if !l.runbook_files.is_empty() {
            let files: Vec<String> = l
                .runbook_files
                .iter()
                .map(|f| f.display().to_string())
                .collect();
            o.insert("runbook_files".into(), files.into());
        }
        if !observations {
            if let Some(tl) = o.get_mut("timeline").and_then(|t| t.as_array_mut()) {
                for e in tl {
                    if let Some(e) = e.as_object_mut() {
                        e.remove("observed");
                    }
                }
            }
        }
    }
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

pub fn render_text(l: &Loaded, r: &Report, observations: bool) -> String {
    let mut o = String::new();
    let s = &l.scenario;
    let _ = writeln!(
        o,
        "drill run: scenario {} ({}), seed {}",
        s.name, l.file, r.seed
    );
    let mut again = String::from("drill run");
    if !l.file.starts_with("(embedded)") {
        let _ = write!(again, " {}", l.file);
    }
    for f in &l.runbook_files {
        let _ = write!(again, " --runbook {}", f.display());
    }
    let _ = writeln!(o, "reproduce with: {again} --seed {}", r.seed);
    if !l.runbook_files.is_empty() {
        let _ = writeln!(
            o,
            "runbooks from the command line (each in place of the scenario's runbook of its kind): {}",
            l.runbook_files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !s.description.is_empty() {
        let _ = writeln!(o, "{}", s.description);
    }
    let _ = writeln!(o, "\nTIMELINE (simulated time since the start)");
    for e in &r.timeline {
        let tag = match e.kind {
            "step" => format!("STEP {}", e.id.as_deref().unwrap_or("")),
            "job" => "JOB".into(),
            "fault" => "FAULT".into(),
            "auto" => "AUTO".into(),
            "phase" => "PHASE".into(),
            _ => "END".into(),
        };
        let _ = writeln!(o, "{}  {:<8} {}", clock(e.t_s), tag, e.title);
        if let Some(c) = &e.command {
            for line in c.lines() {
                let _ = writeln!(o, "{:18}| {line}", "");
            }
        }
        if let Some(x) = &e.effect {
            let _ = writeln!(o, "{:18}-> {x}", "");
        }
        if let Some(err) = &e.error {
            for line in err.message.lines() {
                let _ = writeln!(o, "{:18}!! {line}", "");
            }
        }
        if observations && e.kind == "step" {
            if let Some(ob) = &e.observed {
                let dbs: Vec<String> = ob
                    .instances
                    .iter()
                    .filter(|i| i.databases.iter().any(|d| d.name == sim::topology::Db::Mgc))
                    .map(|i| {
                        let d = i
                            .databases
                            .iter()
                            .find(|d| d.name == sim::topology::Db::Mgc)
                            .expect("filtered on mgc");
                        let role = d
                            .mirroring_role_desc
                            .as_deref()
                            .map(|r| format!("/{r}"))
                            .unwrap_or_default();
                        format!(
                            "{}{}={}{}{}",
                            i.instance,
                            if i.up { "" } else { "(down)" },
                            d.state_desc,
                            if d.is_in_standby { "(standby)" } else { "" },
                            role
                        )
                    })
                    .collect();
                let _ = writeln!(
                    o,
                    "{:18}   observed: mgc {} | pool {} -> {} | active {:?} | writers {}",
                    "",
                    dbs.join(" "),
                    ob.pool.state,
                    ob.pool.target,
                    ob.pool.active_servers,
                    ob.pool.writers.len()
                );
            }
        }
    }
    let _ = writeln!(o, "\nSUMMARY");
    let _ = writeln!(
        o,
        "  outage started        {}",
        r.outage_start_s
            .map(clock)
            .unwrap_or_else(|| "no outage".into())
    );
    let _ = writeln!(
        o,
        "  disaster declared     {}",
        r.declared_at_s.map(clock).unwrap_or_else(|| "never".into())
    );
    let _ = writeln!(
        o,
        "  service restored      {}",
        r.service_restored_at_s
            .map(clock)
            .unwrap_or_else(|| if r.outage_start_s.is_some() {
                "never".into()
            } else {
                "-".into()
            })
    );
    let target = |v: Option<u64>, t: Option<u64>| match (v, t) {
        (_, None) => String::new(),
        (Some(v), Some(t)) if v <= t => format!("  [target {t} s: met]"),
        (_, Some(t)) => format!("  [target {t} s: BREACHED]"),
    };
    let _ = writeln!(
        o,
        "  RTO                   {}{}",
        duration(r.rto_seconds),
        target(r.rto_seconds, s.rto_target_s)
    );
    let _ = writeln!(
        o,
        "  RTO from declaration  {}",
        duration(r.rto_from_declaration_seconds)
    );
    match r.failover_rpo_writes_lost {
        Some(lost) => {
            let _ = writeln!(
                o,
                "  RPO of the failover   {lost} acknowledged writes lost when service came back, a window of {}{}",
                duration(r.failover_rpo_seconds),
                target(r.failover_rpo_seconds, s.rpo_target_s)
            );
        }
        None => {
            let _ = writeln!(
                o,
                "  RPO of the failover   {}",
                crate::assumptions::unknown(r, "failover_rpo_writes_lost")
            );
        }
    }
    match r.rpo_writes_lost {
        Some(lost) => {
            let _ = writeln!(
                o,
                "  RPO at the end        {lost} acknowledged writes lost of {}, a window of {}{}",
                r.writes_acknowledged,
                duration(r.rpo_seconds),
                target(r.rpo_seconds, s.rpo_target_s)
            );
        }
        None => {
            let _ = writeln!(
                o,
                "  RPO at the end        {} ({} writes acknowledged)",
                crate::assumptions::unknown(r, "rpo_writes_lost"),
                r.writes_acknowledged
            );
        }
    }
    let _ = writeln!(
        o,
        "  compliance rows at risk {} (mgccomp is not failed over)",
        r.compliance_rows_at_risk
    );
    let _ = writeln!(
        o,
        "  failback downtime     {}",
        r.failback_downtime_seconds.map_or_else(
            || crate::assumptions::unknown(r, "failback_downtime_seconds"),
            |v| duration(Some(v))
        )
    );
    o.push_str(&crate::assumptions::section(&r.assumptions));
    let _ = writeln!(
        o,
        "\nINVARIANTS (safety: after every event; liveness: {} s after the last step and fault)",
        s.liveness_within_s
    );
    for v in &r.invariants {
        let mark = if v.holds { "holds   " } else { "VIOLATED" };
        let _ = writeln!(o, "  {mark} {:<30} [{:?}] {}", v.name, v.kind, v.source);
        if let Some(x) = &v.violation {
            let _ = writeln!(
                o,
                "           at {} after {}: {}",
                clock(x.at_s),
                x.after,
                x.message
            );
        }
    }
    let bad = r.violated();
    if bad.is_empty() {
        let _ = writeln!(o, "\nVERDICT: every invariant holds.");
    } else {
        let _ = writeln!(o, "\nVERDICT: the runbooks as played violate {} invariant(s): {}. See docs/findings.md for what this means and the corrected runbooks.", bad.len(), bad.join(", "));
    }
    o
}
