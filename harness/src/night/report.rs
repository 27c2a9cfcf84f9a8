//! The drill report, computed from the rehearsal record alone: the achieved RTO and RPO and
//! where they fall in `drill rto`'s distribution for the same scenario, per-step durations
//! against the model's, the mismatches, the failed steps and how they were resolved; and
//! the calibration file (`drill-calibration/1`) with the measured operator times.

use super::model::Drill;
use super::rehearse::{Outcome, Record, StepRecord};
use crate::fmt::duration;
use crate::rto::calibration::{self, Calibration, Measured};
use crate::rto::campaign;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

pub const FORMAT: &str = "drill-report/1";
const TEMPLATE: &str = include_str!("../../templates/night_report.html");

#[derive(Clone, Debug, Serialize)]
pub struct StepRow {
    pub id: String,
    pub outcome: Outcome,
    /// Wall-clock seconds from the step shown to the answer (None: not reached).
    pub measured_s: Option<f64>,
    pub model_s: u64,
    /// measured - model (None: not reached).
    pub delta_s: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ModelDist {
    /// Runs of the campaign (the scenario's seed as campaign seed).
    pub runs: u64,
    pub p50: Option<u64>,
    pub p90: Option<u64>,
    pub p95: Option<u64>,
    /// Runs where the measure never came (service never restored, RPO unknown).
    pub never_or_unknown: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct DrillReport {
    pub format: String,
    pub site: String,
    pub runbook: String,
    pub runbook_kind: String,
    pub mode: String,
    pub started_at: String,
    pub scenario: String,
    pub seed: u64,
    /// From the first step shown (the disaster declared) to the end of the step after which
    /// the model says service is back, seconds; None with `rto_unknown`.
    pub rto_s: Option<f64>,
    pub rto_unknown: Option<String>,
    /// Share of the model's runs with an RTO from declaration at or below the achieved one, %.
    pub rto_percentile: Option<f64>,
    pub model_rto_from_declaration: ModelDist,
    pub rpo_s: Option<u64>,
    pub rpo_source: String,
    /// Share of the model's runs with an RPO (seconds) at or below the achieved one, %.
    pub rpo_percentile: Option<f64>,
    pub model_rpo_s: ModelDist,
    pub steps: Vec<StepRow>,
    pub mismatches: Vec<(String, super::facts::Mismatch)>,
    /// (step, resolution) of every failed step.
    pub failed: Vec<(String, String)>,
    pub skipped: Vec<String>,
    pub notes: Vec<(String, String)>,
    /// What the comparison with the model rests on.
    pub assumptions: Vec<String>,
    pub calibration: Option<Calibration>,
}

fn secs(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Share of runs at or below `v`, in percent (runs "never" count above every value).
fn percentile_of(c: &crate::rto::counts::Counts, total: u64, v: f64) -> Option<f64> {
    if total == 0 {
        return None;
    }
    let at_or_below = c.len() - c.over(v.floor() as u64);
    Some(round3(100.0 * at_or_below as f64 / total as f64))
}

/// `runs`: the size of the `drill rto` campaign the achieved figures are placed in.
pub fn build(r: &Record, drill: &Drill, runs: u64) -> DrillReport {
    let steps: Vec<StepRow> = r
        .steps
        .iter()
        .map(|s| {
            let m = (s.outcome != Outcome::NotReached).then(|| round3(secs(s.end_ms - s.start_ms)));
            StepRow {
                id: s.id.clone(),
                outcome: s.outcome,
                measured_s: m,
                model_s: s.model_s,
                delta_s: m.map(|m| round3(m - s.model_s as f64)),
            }
        })
        .collect();
    let (rto_s, rto_unknown) = achieved_rto(r);
    let l = &drill.loaded;
    let tally = campaign::run(&l.scenario, &l.runbooks, l.scenario.seed, runs, threads());
    let rto_d = &tally.rto_from_declaration;
    let model_rto = ModelDist {
        runs: tally.runs,
        p50: rto_d.percentile(50.0),
        p90: rto_d.percentile(90.0),
        p95: rto_d.percentile(95.0),
        never_or_unknown: tally.never_restored,
    };
    let model_rpo = ModelDist {
        runs: tally.runs,
        p50: tally.rpo_s.percentile(50.0),
        p90: tally.rpo_s.percentile(90.0),
        p95: tally.rpo_s.percentile(95.0),
        never_or_unknown: tally.rpo_unknown,
    };
    let rto_percentile = rto_s.and_then(|v| percentile_of(rto_d, tally.runs, v));
    let rpo_percentile = r
        .rpo_s
        .and_then(|v| percentile_of(&tally.rpo_s, tally.rpo_s.len(), v as f64));
    let mut assumptions = vec![
        format!("The rehearsal started when the disaster was declared: its RTO is compared with the model's RTO from declaration (detection and decision excluded), over {} runs of `drill rto` on scenario {} with the site's topology (campaign seed {}).", tally.runs, l.scenario.name, l.scenario.seed),
        format!("Service is taken as back at the end of the step after which the model restores it ({}).", r.service_step.as_deref().unwrap_or("none: the model never restores it")),
        "Model step times are one draw (the scenario's seed); the calibration file's operator times are the measured step times minus the model's work time for the step.".into(),
    ];
    if r.mode != "servers" {
        assumptions.push(format!("Mode {}: the steps did no real work (no data moved), so measured times are operator times only.", r.mode));
    }
    let mut mismatches = Vec::new();
    let mut failed = Vec::new();
    let mut skipped = Vec::new();
    let mut notes = Vec::new();
    for s in &r.steps {
        mismatches.extend(s.mismatches.iter().map(|m| (s.id.clone(), m.clone())));
        match s.outcome {
            Outcome::Failed => {
                failed.push((s.id.clone(), s.resolution.clone().unwrap_or_default()))
            }
            Outcome::Skipped => skipped.push(s.id.clone()),
            _ => {}
        }
        notes.extend(s.notes.iter().map(|n| (s.id.clone(), n.clone())));
    }
    DrillReport {
        format: FORMAT.into(),
        site: r.site.clone(),
        runbook: r.runbook.clone(),
        runbook_kind: r.runbook_kind.clone(),
        mode: r.mode.clone(),
        started_at: r.started_at.clone(),
        scenario: r.scenario.clone(),
        seed: r.seed,
        rto_s,
        rto_unknown,
        rto_percentile,
        model_rto_from_declaration: model_rto,
        rpo_s: r.rpo_s,
        rpo_source: r.rpo_source.clone(),
        rpo_percentile,
        model_rpo_s: model_rpo,
        steps,
        mismatches,
        failed,
        skipped,
        notes,
        assumptions,
        calibration: calibration_of(r),
    }
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The failover's steps up to and including the one after which the model brings service
/// back, with that step's id; else why there is none (what the RTO and the dry run's RPO
/// are measured against).
pub fn up_to_service(r: &Record) -> Result<(&str, &[StepRecord]), String> {
    if r.runbook_kind != "failover" {
        return Err(format!(
            "a {} runbook restores no outage; see the per-step durations",
            r.runbook_kind
        ));
    }
    let Some(id) = &r.service_step else {
        return Err(
            "the model never restores service with this runbook, so no step marks the recovery"
                .into(),
        );
    };
    let Some(k) = r.steps.iter().position(|s| &s.id == id) else {
        return Err(format!("step {id} is not in the record"));
    };
    Ok((id, &r.steps[..=k]))
}

/// The achieved RTO: the end of the step that brings service back, if every step up to it
/// was done or failed-and-resolved; otherwise unknown, with why.
pub fn achieved_rto(r: &Record) -> (Option<f64>, Option<String>) {
    let (id, steps) = match up_to_service(r) {
        Ok(span) => span,
        Err(why) => return (None, Some(why)),
    };
    // Every step up to the one that brings service back must have taken effect.
    for s in steps {
        let resolved = s.resolution.as_deref().is_some_and(|x| !x.is_empty());
        let took_effect = s.outcome == Outcome::Done || (s.outcome == Outcome::Failed && resolved);
        if !took_effect {
            let what = match s.outcome {
                Outcome::Skipped => "skipped",
                Outcome::Failed => "failed without a resolution",
                _ => "not reached",
            };
            return (None, Some(format!("step {} was {what}, so when service came back (after {id} in the model) is not known", s.id)));
        }
    }
    // The last is the service step itself.
    (steps.last().map(|s| round3(secs(s.end_ms))), None)
}

/// Operator time per step: the measured wall time minus the model's work time for it.
pub fn calibration_of(r: &Record) -> Option<Calibration> {
    let samples: Vec<f64> = r
        .steps
        .iter()
        .filter(|s| s.outcome == Outcome::Done)
        .map(|s| round3((secs(s.end_ms - s.start_ms) - s.model_work_s as f64).max(0.0)))
        .collect();
    if samples.is_empty() {
        return None;
    }
    let mut parameters = BTreeMap::new();
    parameters.insert(
        "operator_step_s".to_string(),
        Measured::Samples {
            samples,
            how: "drill rehearse: wall time of each step done, minus the model's work time for it"
                .into(),
        },
    );
    Some(Calibration {
        format: calibration::FORMAT.into(),
        source: "rehearsal".into(),
        measured_at: Some(r.started_at.clone()),
        notes: format!(
            "drill rehearse of runbook {} on site {} ({})",
            r.runbook, r.site, r.mode
        ),
        parameters,
    })
}

fn opt_s(v: Option<u64>) -> String {
    duration(v)
}

fn f_s(v: Option<f64>) -> String {
    v.map_or("unknown".into(), |v| format!("{v:.3} s"))
}

pub fn summary(d: &DrillReport) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "\nDRILL REPORT: {} on {} ({})",
        d.runbook, d.site, d.mode
    );
    let _ = writeln!(
        o,
        "  RTO achieved: {}{}  (model, from declaration: p50 {}, p90 {}; {} runs)",
        f_s(d.rto_s),
        d.rto_percentile
            .map(|p| format!(", at the {p:.1}th percentile"))
            .unwrap_or_else(|| d
                .rto_unknown
                .as_ref()
                .map(|u| format!(" ({u})"))
                .unwrap_or_default()),
        opt_s(d.model_rto_from_declaration.p50),
        opt_s(d.model_rto_from_declaration.p90),
        d.model_rto_from_declaration.runs
    );
    let _ = writeln!(
        o,
        "  RPO: {} ({}){}",
        d.rpo_s.map_or("unknown".into(), |v| format!("{v} s")),
        // "unknown (unknown: why)" says it twice.
        d.rpo_source
            .strip_prefix("unknown: ")
            .unwrap_or(&d.rpo_source),
        d.rpo_percentile
            .map(|p| format!(", at the {p:.1}th percentile of the model's"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        o,
        "  {:<6} {:<12} {:>12} {:>10} {:>12}",
        "step", "outcome", "measured", "model", "delta"
    );
    for s in &d.steps {
        let _ = writeln!(
            o,
            "  {:<6} {:<12} {:>12} {:>10} {:>12}",
            s.id,
            serde_json::to_value(s.outcome)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            s.measured_s.map_or("-".into(), |v| format!("{v:.3} s")),
            format!("{} s", s.model_s),
            s.delta_s.map_or("-".into(), |v| format!("{v:+.3} s"))
        );
    }
    let _ = writeln!(
        o,
        "  mismatches: {}; failed: {}; skipped: {}",
        d.mismatches.len(),
        d.failed.len(),
        d.skipped.len()
    );
    for (id, r) in &d.failed {
        let _ = writeln!(o, "    {id} failed: {r}");
    }
    o
}

pub fn markdown(d: &DrillReport) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Drill report: {} on {}\n", d.runbook, d.site);
    let _ = writeln!(
        o,
        "Mode {}, started {} (UTC); scenario {} (seed {}).\n",
        d.mode, d.started_at, d.scenario, d.seed
    );
    let _ = writeln!(o, "| measure | achieved | percentile in the model | model p50 | model p90 | model p95 |\n|---|---|---|---|---|---|");
    let pct = |p: Option<f64>| p.map_or("-".into(), |p| format!("{p:.1}"));
    let _ = writeln!(
        o,
        "| RTO from declaration | {} | {} | {} | {} | {} |",
        f_s(d.rto_s),
        pct(d.rto_percentile),
        opt_s(d.model_rto_from_declaration.p50),
        opt_s(d.model_rto_from_declaration.p90),
        opt_s(d.model_rto_from_declaration.p95)
    );
    let _ = writeln!(
        o,
        "| RPO (seconds of chat lost) | {} | {} | {} | {} | {} |\n",
        d.rpo_s.map_or("unknown".into(), |v| format!("{v} s")),
        pct(d.rpo_percentile),
        opt_s(d.model_rpo_s.p50),
        opt_s(d.model_rpo_s.p90),
        opt_s(d.model_rpo_s.p95)
    );
    if let Some(u) = &d.rto_unknown {
        let _ = writeln!(o, "RTO unknown: {u}.\n");
    }
    let _ = writeln!(o, "RPO source: {}.\n", d.rpo_source);
    let _ = writeln!(
        o,
        "## Steps\n\n| step | outcome | measured | model | delta |\n|---|---|---|---|---|"
    );
    for s in &d.steps {
        let _ = writeln!(
            o,
            "| {} | {:?} | {} | {} s | {} |",
            s.id,
            s.outcome,
            s.measured_s.map_or("-".into(), |v| format!("{v:.3} s")),
            s.model_s,
            s.delta_s.map_or("-".into(), |v| format!("{v:+.3} s"))
        );
    }
    let _ = writeln!(o, "\n## Mismatches\n");
    if d.mismatches.is_empty() {
        let _ = writeln!(o, "{}", no_mismatch(d));
    }
    for (id, m) in &d.mismatches {
        let _ = writeln!(
            o,
            "- after {id}, {} {}: expected {}, observed {}. {}",
            m.instance, m.what, m.expected, m.observed, m.meaning
        );
    }
    let _ = writeln!(o, "\n## Failed and skipped steps\n");
    for (id, r) in &d.failed {
        let _ = writeln!(o, "- {id} failed; resolution: {r}");
    }
    for id in &d.skipped {
        let _ = writeln!(o, "- {id} skipped");
    }
    if d.failed.is_empty() && d.skipped.is_empty() {
        let _ = writeln!(o, "None.");
    }
    if !d.notes.is_empty() {
        let _ = writeln!(o, "\n## Notes\n");
        for (id, n) in &d.notes {
            let _ = writeln!(o, "- {id}: {n}");
        }
    }
    let _ = writeln!(o, "\n## Assumptions\n");
    for a in &d.assumptions {
        let _ = writeln!(o, "- {a}");
    }
    o
}

/// What the report says when it lists no mismatch: that every probe agreed, or, when no
/// step was reached, that nothing was compared (not a clean bill from no probes).
fn no_mismatch(d: &DrillReport) -> &'static str {
    if d.steps.iter().all(|s| s.outcome == Outcome::NotReached) {
        "None compared: no step was reached, so no probe ran after one."
    } else {
        "None: every probe showed what the model expected."
    }
}

pub fn html(d: &DrillReport) -> Result<String, String> {
    let mut v = serde_json::to_value(d).map_err(|e| e.to_string())?;
    v["no_mismatch_text"] = no_mismatch(d).into();
    v["rto_text"] = f_s(d.rto_s).into();
    v["model_rto_text"] = format!(
        "p50 {}, p90 {}, p95 {}",
        opt_s(d.model_rto_from_declaration.p50),
        opt_s(d.model_rto_from_declaration.p90),
        opt_s(d.model_rto_from_declaration.p95)
    )
    .into();
    v["model_rpo_text"] = format!(
        "p50 {}, p90 {}, p95 {}",
        opt_s(d.model_rpo_s.p50),
        opt_s(d.model_rpo_s.p90),
        opt_s(d.model_rpo_s.p95)
    )
    .into();
    let mut env = minijinja::Environment::new();
    env.add_template("night_report.html", TEMPLATE)
        .map_err(|e| e.to_string())?;
    env.get_template("night_report.html")
        .and_then(|t| t.render(crate::rto::html::to_mj(&v)))
        .map_err(|e| format!("cannot render the report: {e}"))
}

/// Write the record, the report (JSON, Markdown, HTML) and the calibration file.
pub fn write_all(dir: &Path, r: &Record, d: &DrillReport, _drill: &Drill) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("--out {}: {e}", dir.display()))?;
    let put = |name: &str, bytes: &[u8]| {
        crate::output::write_atomic(&dir.join(name), bytes).map_err(|e| format!("--out {e}"))
    };
    put(
        "rehearsal.json",
        (serde_json::to_string_pretty(r).map_err(|e| e.to_string())? + "\n").as_bytes(),
    )?;
    put(
        "report.json",
        (serde_json::to_string_pretty(d).map_err(|e| e.to_string())? + "\n").as_bytes(),
    )?;
    put("report.md", markdown(d).as_bytes())?;
    put("report.html", html(d)?.as_bytes())?;
    if let Some(c) = &d.calibration {
        put(
            "calibration.json",
            (serde_json::to_string_pretty(c).map_err(|e| e.to_string())? + "\n").as_bytes(),
        )?;
    }
    Ok(())
}
