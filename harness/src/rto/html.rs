//! `--report FILE.html`: one self-contained page (inline SVG charts drawn with plotters, the
//! page from a minijinja template), written to a temporary file and renamed into place.

use super::campaign::Summary;
use super::campaign::PERCENTILES;
use super::text::short;
use super::{critical_path, CriticalPath, Distributions, Outcome};
use crate::fmt::clock;
use crate::load::Loaded;
use plotters::prelude::*;
use sim::report::Report;
use std::path::Path;

const TEMPLATE: &str = include_str!("../../templates/rto_report.html");

/// Fail before the campaign if the report cannot be written there (see crate::output).
pub fn check_target(p: &Path) -> Result<(), String> {
    crate::output::check_target(p).map_err(|e| format!("--report {e}"))
}

pub fn write(p: &Path, o: &Outcome, l: &Loaded) -> Result<(), String> {
    let page = render(o, l)?;
    crate::output::write_atomic(p, page.as_bytes()).map_err(|e| format!("--report {e}"))
}

pub(crate) fn to_mj(v: &serde_json::Value) -> minijinja::Value {
    use serde_json::Value as J;
    match v {
        J::Null => minijinja::Value::from(()),
        J::Bool(b) => (*b).into(),
        J::Number(n) => match n.as_u64() {
            Some(u) => u.into(),
            None => n.as_f64().unwrap_or(0.0).into(),
        },
        J::String(s) => s.as_str().into(),
        J::Array(a) => a.iter().map(to_mj).collect::<Vec<_>>().into(),
        J::Object(m) => m
            .iter()
            .map(|(k, v)| (k.clone(), to_mj(v)))
            .collect::<std::collections::BTreeMap<_, _>>()
            .into(),
    }
}

pub fn render(o: &Outcome, l: &Loaded) -> Result<String, String> {
    let r = serde_json::to_value(o).map_err(|e| e.to_string())?;
    let d = &o.dists;
    let rows = [
        ("RTO", &d.rto_s, true),
        ("RTO from declaration", &d.rto_from_declaration_s, true),
        ("RPO (acknowledged writes lost)", &d.rpo_writes, false),
        ("RPO (seconds)", &d.rpo_s, true),
        ("failback downtime", &d.failback_downtime_s, true),
    ];
    let dist_rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|(name, s, dur)| {
            let cells: Vec<String> = PERCENTILES
                .iter()
                .map(|(p, _)| {
                    if *dur {
                        short(s.get(p))
                    } else {
                        s.get(p).map_or("-".into(), |v| v.to_string())
                    }
                })
                .collect();
            serde_json::json!({ "name": name, "cells": cells })
        })
        .collect();
    let rto_min: Vec<(f64, u64)> = o
        .tally
        .rto
        .values()
        .map(|(v, n)| (v as f64 / 60.0, n))
        .collect();
    let rpo_s: Vec<(f64, u64)> = o.tally.rpo_s.values().map(|(v, n)| (v as f64, n)).collect();
    let rto_hist = histogram(
        "RTO (minutes)",
        &rto_min,
        l.scenario.rto_target_s.map(|t| t as f64 / 60.0),
        RGBColor(66, 133, 244),
    )?;
    let rpo_hist = histogram(
        "RPO (seconds of acknowledged writes lost)",
        &rpo_s,
        l.scenario.rpo_target_s.map(|t| t as f64),
        RGBColor(239, 108, 0),
    )?;
    let mut median_timeline = String::new();
    let mut worst_timeline = String::new();
    if let (Some(cp), Some(rep)) = (&o.critical_path, &o.median_report) {
        median_timeline = timeline("median run", cp, rep, l)?;
    }
    if let (Some(w), Some(rep)) = (&o.worst_run, &o.worst_report) {
        if let Some(s) = o.worst_sample.as_ref().filter(|s| s.run == w.run) {
            let cp = critical_path(l, s, rep);
            worst_timeline = timeline("worst run", &cp, rep, l)?;
        }
    }
    let cp = o.critical_path.as_ref().map(|cp| {
        serde_json::json!({
            "run": cp.run.run, "seed": cp.run.seed,
            "segments": cp.segments.iter().map(|s| serde_json::json!({
                "label": s.label, "start": clock(s.start_s), "end": clock(s.end_s),
                "seconds": s.seconds, "operator_s": s.operator_s, "work_s": s.work_s, "share": s.share,
            })).collect::<Vec<_>>(),
        })
    });
    let (mut sweep, mut sweep_rto, mut sweep_rpo) = (None, String::new(), String::new());
    if let Some(sw) = &o.sweep {
        let xs: Vec<f64> = sw.rows.iter().map(|r| r.value).collect();
        // p50, p95 and max of one distribution per sweep value, divided into `unit`.
        let series = |pick: fn(&Distributions) -> &Summary, unit: f64| {
            let at = |f: fn(&Summary) -> Option<u64>| -> Vec<f64> {
                sw.rows
                    .iter()
                    .map(|r| f(pick(&r.dists)).map_or(f64::NAN, |v| v as f64 / unit))
                    .collect()
            };
            [
                ("p50", at(|d| d.p50)),
                ("p95", at(|d| d.p95)),
                ("max", at(|d| d.max)),
            ]
        };
        sweep_rto = lines(
            &format!("RTO (minutes) vs {}", sw.param),
            &sw.param,
            &xs,
            &series(|d| &d.rto_s, 60.0),
        )?;
        sweep_rpo = lines(
            &format!("RPO (seconds) vs {}", sw.param),
            &sw.param,
            &xs,
            &series(|d| &d.rpo_s, 1.0),
        )?;
        let rows: Vec<Vec<String>> = sw
            .rows
            .iter()
            .map(|r| {
                let d = &r.dists;
                vec![
                    r.value.to_string(),
                    short(d.rto_s.p50),
                    short(d.rto_s.p95),
                    short(d.rto_s.max),
                    d.rpo_writes.p50.map_or("-".into(), |v| v.to_string()),
                    d.rpo_writes.max.map_or("-".into(), |v| v.to_string()),
                    short(d.rpo_s.p50),
                    short(d.rpo_s.max),
                    short(d.failback_downtime_s.p50),
                ]
            })
            .collect();
        sweep = Some(serde_json::json!({ "param": sw.param, "rows": rows }));
    }
    let targets = vec![
        ("RTO".to_string(), to_mj(&r["targets"]["rto"])),
        ("RPO".to_string(), to_mj(&r["targets"]["rpo"])),
    ];
    let mut env = minijinja::Environment::new();
    env.add_template("rto_report.html", TEMPLATE)
        .map_err(|e| format!("report template: {e}"))?;
    let t = env
        .get_template("rto_report.html")
        .map_err(|e| format!("report template: {e}"))?;
    let percentiles: Vec<&str> = PERCENTILES.iter().map(|(p, _)| *p).collect();
    t.render(minijinja::context! {
        r => to_mj(&r),
        targets => targets,
        percentiles => percentiles,
        dist_rows => to_mj(&serde_json::Value::from(dist_rows)),
        rto_hist => rto_hist,
        rpo_hist => rpo_hist,
        median_timeline => median_timeline,
        worst_timeline => worst_timeline,
        cp => cp.as_ref().map(to_mj),
        sweep => sweep.as_ref().map(to_mj),
        sweep_rto => sweep_rto,
        sweep_rpo => sweep_rpo,
    })
    .map_err(|e| format!("report template: {e}"))
}

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("chart: {e:?}")
}

/// A histogram of `values` in about 30 bins, with the target as a vertical line.
pub(crate) fn histogram(
    title: &str,
    values: &[(f64, u64)],
    target: Option<f64>,
    color: RGBColor,
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let lo = values.iter().map(|v| v.0).fold(f64::INFINITY, f64::min);
        let hi = values.iter().map(|v| v.0).fold(f64::NEG_INFINITY, f64::max);
        let (lo, hi) = if values.is_empty() {
            (0.0, 1.0)
        } else {
            (lo, hi)
        };
        let hi_x = hi.max(target.unwrap_or(hi)).max(lo + 1.0);
        let lo_x = lo.min(target.unwrap_or(lo));
        let n = 30usize;
        let w = (hi - lo).max(1.0) / n as f64;
        let mut bins = vec![0u64; n];
        for (v, k) in values {
            bins[(((v - lo) / w) as usize).min(n - 1)] += k;
        }
        let ymax = bins.iter().copied().max().unwrap_or(1).max(1) as f64 * 1.1;
        let root = SVGBackend::with_string(&mut svg, (560, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut c = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(32)
            .y_label_area_size(48)
            .build_cartesian_2d(lo_x..hi_x + w, 0f64..ymax)
            .map_err(err)?;
        c.configure_mesh()
            .y_desc("runs")
            .disable_x_mesh()
            .draw()
            .map_err(err)?;
        c.draw_series(bins.iter().enumerate().map(|(i, &k)| {
            let x0 = lo + i as f64 * w;
            Rectangle::new([(x0, 0.0), (x0 + w * 0.95, k as f64)], color.filled())
        }))
        .map_err(err)?;
        if let Some(t) = target {
            c.draw_series(LineSeries::new(
                vec![(t, 0.0), (t, ymax)],
                RED.stroke_width(2),
            ))
            .map_err(err)?
            .label("target")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], RED));
            c.configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Pairs of fault kinds that open and close a fault period.
const PERIODS: [(&str, &[&str]); 8] = [
    ("dc_down", &["dc_up", "dc1_rebuilt"]),
    ("instance_down", &["instance_up"]),
    ("link_down", &["link_up"]),
    ("share_down", &["share_up"]),
    ("cms_down", &["cms_up", "cms_failover"]),
    ("job_failing", &["job_healed"]),
    ("disk_full", &["disk_freed"]),
    ("share_lost", &[]),
];

/// Fault periods (start, end, label) of the scenario shifted by the run's jitter; a fault
/// timed after a phase counts from that phase's end in this run.
fn fault_periods(l: &Loaded, rep: &Report, jitter: u64, end: u64) -> Vec<(u64, u64, String)> {
    let phase_end = |p: usize| {
        rep.steps
            .iter()
            .filter(|s| s.phase == p)
            .map(|s| s.end_s)
            .max()
    };
    let mut faults: Vec<(u64, String)> = l
        .scenario
        .faults
        .iter()
        .filter_map(|f| {
            let at = match f.after_phase {
                None => f.at_s + jitter,
                Some(p) => phase_end(p)? + f.at_s,
            };
            let v = serde_json::to_value(&f.fault).unwrap_or_default();
            Some((at, v["kind"].as_str().unwrap_or("").to_string()))
        })
        .collect();
    faults.sort_by_key(|(t, _)| *t);
    let mut out = Vec::new();
    for (i, (t, k)) in faults.iter().enumerate() {
        if let Some((_, closers)) = PERIODS.iter().find(|(o, _)| o == k) {
            let close = faults[i + 1..]
                .iter()
                .find(|(_, k2)| closers.contains(&k2.as_str()))
                .map_or(end, |(t2, _)| *t2);
            out.push((*t, close.min(end).max(*t), k.clone()));
        }
    }
    out
}

/// One run: the outage shaded red, fault periods grey, the critical path as bars.
fn timeline(name: &str, cp: &CriticalPath, rep: &Report, l: &Loaded) -> Result<String, String> {
    let mut svg = String::new();
    {
        let start = cp.segments.first().map_or(0, |s| s.start_s);
        let stop = cp
            .segments
            .last()
            .map_or(start + 60, |s| s.end_s)
            .max(rep.service_restored_at_s.unwrap_or(0));
        let pad = ((stop - start) / 20).max(60);
        let (x0, x1) = (start.saturating_sub(pad), stop + pad);
        let m = |t: u64| t as f64 / 60.0;
        let root = SVGBackend::with_string(&mut svg, (1100, 260)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let title = format!(
            "{name}: run {}, RTO {}, RPO {} writes",
            cp.run.run,
            short(cp.run.rto_s),
            cp.run
                .rpo_writes
                .map_or("unknown".into(), |v| v.to_string())
        );
        let mut c = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(32)
            .y_label_area_size(70)
            .build_cartesian_2d(m(x0)..m(x1), 0f64..3f64)
            .map_err(err)?;
        c.configure_mesh()
            .x_desc("simulated time (minutes since the start)")
            .y_labels(3)
            .y_label_formatter(&|y| match *y as i32 {
                2 => "faults".into(),
                1 => "critical path".into(),
                _ => String::new(),
            })
            .disable_y_mesh()
            .draw()
            .map_err(err)?;
        if let (Some(a), b) = (rep.outage_start_s, rep.service_restored_at_s) {
            let b = b.unwrap_or(x1);
            c.draw_series(std::iter::once(Rectangle::new(
                [(m(a), 0.0), (m(b), 3.0)],
                RGBColor(229, 57, 53).mix(0.12).filled(),
            )))
            .map_err(err)?;
        }
        for (a, b, k) in fault_periods(l, rep, cp.run.jitter_s, x1) {
            let (a, b) = (a.max(x0), b.max(a.max(x0)));
            c.draw_series(std::iter::once(Rectangle::new(
                [(m(a), 2.1), (m(b), 2.8)],
                RGBColor(120, 120, 120).mix(0.35).filled(),
            )))
            .map_err(err)?;
            c.draw_series(std::iter::once(Text::new(
                k,
                (m(a), 2.85),
                ("sans-serif", 12).into_font(),
            )))
            .map_err(err)?;
        }
        for (i, s) in cp.segments.iter().enumerate() {
            let color = match s.kind {
                "detection" => RGBColor(255, 179, 0),
                "decision" => RGBColor(251, 140, 0),
                "wait" => RGBColor(189, 189, 189),
                // Alternate shades so neighbouring steps stay apart.
                _ if i % 2 == 0 => RGBColor(30, 136, 229),
                _ => RGBColor(100, 181, 246),
            };
            c.draw_series(std::iter::once(Rectangle::new(
                [(m(s.start_s), 0.7), (m(s.end_s.max(s.start_s)), 1.3)],
                color.filled(),
            )))
            .map_err(err)?;
            let label = s.step.clone().unwrap_or_else(|| match s.kind {
                "detection" => "detect".into(),
                "decision" => "decide".into(),
                _ => String::new(),
            });
            let y = if i % 2 == 0 { 1.38 } else { 0.45 };
            c.draw_series(std::iter::once(Text::new(
                label,
                (m(s.start_s), y),
                ("sans-serif", 12).into_font(),
            )))
            .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Line chart of several series over the sweep values.
fn lines(
    title: &str,
    xdesc: &str,
    xs: &[f64],
    series: &[(&str, Vec<f64>)],
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let xlo = xs.iter().copied().fold(f64::INFINITY, f64::min);
        let xhi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (xlo, xhi) = if xlo < xhi {
            (xlo, xhi)
        } else {
            (xlo - 1.0, xlo + 1.0)
        };
        let ymax = series
            .iter()
            .flat_map(|(_, v)| v.iter().copied())
            .filter(|v| v.is_finite())
            .fold(1.0, f64::max)
            * 1.1;
        let root = SVGBackend::with_string(&mut svg, (560, 340)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut c = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(52)
            .build_cartesian_2d(xlo..xhi, 0f64..ymax)
            .map_err(err)?;
        c.configure_mesh().x_desc(xdesc).draw().map_err(err)?;
        let colors = [
            RGBColor(30, 136, 229),
            RGBColor(251, 140, 0),
            RGBColor(198, 40, 40),
        ];
        for (k, (name, ys)) in series.iter().enumerate() {
            let col = colors[k % colors.len()];
            let pts: Vec<(f64, f64)> = xs
                .iter()
                .zip(ys)
                .filter(|(_, y)| y.is_finite())
                .map(|(x, y)| (*x, *y))
                .collect();
            c.draw_series(LineSeries::new(pts.clone(), col.stroke_width(2)))
                .map_err(err)?
                .label(*name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], col));
            c.draw_series(pts.iter().map(|p| Circle::new(*p, 3, col.filled())))
                .map_err(err)?;
        }
        c.configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}
