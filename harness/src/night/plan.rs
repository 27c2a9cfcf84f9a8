//! `drill plan RUNBOOK --site FILE [--format md|html]`: the printable drill checklist.

use super::checklist::{self, Item};
use super::model::Drill;
use super::probes;
use crate::exit;
use crate::fmt::duration;
use crate::site::{self, Site};
use clap::{Args as ClapArgs, ValueEnum};
use std::fmt::Write as _;
use std::path::PathBuf;

const TEMPLATE: &str = include_str!("../../templates/night_plan.html");

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Md,
    Html,
}

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// The runbook file (failover or failback).
    pub runbook: PathBuf,
    /// Your site file (docs/drill-night.md).
    #[arg(long)]
    pub site: PathBuf,
    /// The scenario the model plays (default: the embedded drill, DC1 lost).
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Md)]
    pub format: Format,
    /// Write here instead of standard output (written whole or not at all).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: Args) -> i32 {
    let site = match site::load(&args.site) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("drill plan: {e}");
            return exit::BAD_INPUT;
        }
    };
    let drill = match Drill::prepare(&args.runbook, &site, args.scenario.as_deref()) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("drill plan: {e}");
            return exit::BAD_INPUT;
        }
    };
    if let Some(p) = &args.out {
        if let Err(e) = crate::output::check_target(p) {
            eprintln!("drill plan: --out {e}");
            return exit::BAD_INPUT;
        }
    }
    let (items, _) = checklist::build(&drill, &site);
    let text = match args.format {
        Format::Md => markdown(&drill, &site, &items),
        Format::Html => match html(&drill, &site, &items) {
            Ok(h) => h,
            Err(e) => {
                eprintln!("drill plan: {e}");
                return exit::BAD_INPUT;
            }
        },
    };
    match &args.out {
        Some(p) => {
            if let Err(e) = crate::output::write_atomic(p, text.as_bytes()) {
                eprintln!("drill plan: --out {e}");
                return exit::BAD_INPUT;
            }
            eprintln!("checklist written to {}", p.display());
        }
        None => print!("{text}"),
    }
    exit::OK
}

pub fn markdown(drill: &Drill, site: &Site, items: &[Item]) -> String {
    let mut o = String::new();
    let rb = drill.runbook();
    let s = &drill.loaded.scenario;
    let _ = writeln!(o, "# Drill checklist: {}\n", rb.name);
    let _ = writeln!(
        o,
        "Site **{}** ({}), pool `{}`; runbook file `{}`; scenario {} (seed {}).\n",
        site.name,
        site.product.shell_name(),
        site.pool.fqdn,
        drill.runbook_file,
        s.name,
        s.seed
    );
    for it in items {
        let _ = writeln!(o, "## {}. {}\n", it.id, it.title);
        if !it.source.is_empty() {
            let _ = writeln!(o, "_{}_\n", it.source);
        }
        let _ = writeln!(
            o,
            "- [ ] done  - [ ] failed  - [ ] skipped  start ____ end ____\n"
        );
        let _ = writeln!(o, "Run on: {}\n", it.command.run_on);
        let _ = writeln!(o, "```\n{}\n```\n", it.command.text);
        for n in &it.command.notes {
            let _ = writeln!(o, "> Note: {n}\n");
        }
        let _ = writeln!(o, "**Changes:** {}\n", it.changes);
        if !it.expect.is_empty() {
            let _ = writeln!(
                o,
                "**Expected afterwards** (probes: {}):\n",
                it.probes.join(", ")
            );
            for (inst, lines) in &it.expect {
                let _ = writeln!(o, "- {inst}: {}", lines.join("; "));
            }
            o.push('\n');
        }
        if let Some(p) = &it.if_previous_not_done {
            let _ = writeln!(o, "**Predicted error** {p}\n");
        }
        if let Some(w) = &it.what_to_do {
            let _ = writeln!(o, "**Then:** {w}\n");
        }
        let _ = writeln!(
            o,
            "Model time for this step: {}\n",
            duration(Some(it.model_s))
        );
    }
    let _ = writeln!(o, "## The read-only probes\n");
    for p in probes::ALL {
        let _ = writeln!(
            o,
            "- **{}**: {}\n\n  ```sql\n  {}\n  ```",
            p.name(),
            p.about(),
            p.sql()
        );
    }
    o
}

pub fn html(drill: &Drill, site: &Site, items: &[Item]) -> Result<String, String> {
    let mut its = serde_json::to_value(items).map_err(|e| e.to_string())?;
    if let Some(a) = its.as_array_mut() {
        for (v, it) in a.iter_mut().zip(items) {
            v["model_time"] = duration(Some(it.model_s)).into();
        }
    }
    let probes: Vec<serde_json::Value> = probes::ALL
        .iter()
        .map(|p| serde_json::json!({"name": p.name(), "about": p.about(), "sql": p.sql()}))
        .collect();
    let ctx = serde_json::json!({
        "runbook": drill.runbook().name,
        "runbook_file": drill.runbook_file,
        "site": site.name,
        "product": site.product.shell_name(),
        "pool": site.pool.fqdn,
        "scenario": drill.loaded.scenario.name,
        "seed": drill.loaded.scenario.seed,
        "items": its,
        "probes": probes,
    });
    let mut env = minijinja::Environment::new();
    env.add_template("night_plan.html", TEMPLATE)
        .map_err(|e| e.to_string())?;
    env.get_template("night_plan.html")
        .and_then(|t| t.render(crate::rto::html::to_mj(&ctx)))
        .map_err(|e| format!("cannot render the checklist: {e}"))
}
