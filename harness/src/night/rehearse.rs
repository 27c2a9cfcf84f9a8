//! `drill rehearse RUNBOOK --site FILE [--dry-run | --range ADDR]`: the guided walk-through.
//! Each step's command with the site's names; the operator answers done / failed / skipped
//! (and notes); then the read-only probes run on every instance and expected (the model)
//! is shown against observed, a mismatch with what it means and what to do. The wall-clock
//! time of every step is kept. Lines are read from standard input, so the flow works on a
//! terminal and scripted alike. At the end: the rehearsal record, the drill report
//! (Markdown, HTML, JSON) and a calibration file, in `--out DIR`.
//!
//! Read-only by construction: this code sends SQL only through [`ProbeConn`], which takes a
//! [`super::probes::Probe`] from the fixed list; nothing here executes the step's command.

use super::checklist::{self, Item};
use super::conn::{Endpoint, ModelConn, ProbeConn, TiberiusConn};
use super::facts::{self, Mismatch};
use super::model::{self, Drill};
use super::report;
use crate::exit;
use crate::fmt::duration;
use crate::site::{self, Site};
use clap::Args as ClapArgs;
use serde::{Deserialize, Serialize};
use sim::topology::Instance;
use std::collections::BTreeSet;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub const FORMAT: &str = "drill-rehearsal/1";

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
    /// No servers: the model answers the probes, as the steps were reported done.
    #[arg(long, conflicts_with = "range")]
    pub dry_run: bool,
    /// Probe `drill range` instead of the site's servers: HOST:PORT (the five instances on
    /// PORT..PORT+4 in the order primary, mirror, witness, backup, backup-mirror) or
    /// HOST:P1,P2,P3,P4,P5.
    #[arg(long, value_name = "HOST:PORT")]
    pub range: Option<String>,
    /// The probes' SQL login.
    #[command(flatten)]
    pub login: crate::sqlserver::Login,
    /// Accept the servers' self-signed TLS certificates.
    #[arg(long)]
    pub trust_cert: bool,
    /// Where the record, report and calibration file go (default: ./drill-night-SITE-RUNBOOK).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Monte Carlo runs of `drill rto` for the report's percentiles, 1 to 1,000,000.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub runs: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Done,
    Failed,
    Skipped,
    /// The rehearsal stopped before this step.
    NotReached,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    pub id: String,
    pub title: String,
    /// The action kind (runbook format), for the calibration.
    pub kind: String,
    pub outcome: Outcome,
    #[serde(default)]
    pub notes: Vec<String>,
    /// For a failed step: what happened and how it was resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    /// Milliseconds since the rehearsal started: when the step was shown, and answered.
    pub start_ms: u64,
    pub end_ms: u64,
    /// The model's time for the step (one draw, the scenario's seed), and its work part.
    pub model_s: u64,
    pub model_work_s: u64,
    #[serde(default)]
    pub mismatches: Vec<Mismatch>,
}

/// Everything a rehearsal recorded; the report is computed from it alone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub format: String,
    pub site: String,
    pub runbook: String,
    pub runbook_file: String,
    pub runbook_kind: String,
    pub scenario: String,
    pub seed: u64,
    /// "dry-run", "range" or "servers".
    pub mode: String,
    /// UTC, ISO 8601.
    pub started_at: String,
    pub steps: Vec<StepRecord>,
    /// The step after which the model says service is back (None: it never is).
    pub service_step: Option<String>,
    /// Chat history lost, seconds, as the team checked it (None: unknown).
    pub rpo_s: Option<u64>,
    /// Where `rpo_s` comes from.
    pub rpo_source: String,
}

pub fn run(args: Args) -> i32 {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut out = std::io::stdout();
    match rehearse(&args, &mut input, &mut out) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("drill rehearse: {e}");
            exit::BAD_INPUT
        }
    }
}

/// The range's five endpoints from `HOST:PORT` or `HOST:P1,...,P5`.
pub fn range_endpoints(s: &str) -> Result<[Option<Endpoint>; 5], String> {
    let bad = || format!("--range {s:?}: expected HOST:PORT or HOST:P1,P2,P3,P4,P5");
    let (host, ports) = s.rsplit_once(':').ok_or_else(bad)?;
    let ports: Vec<u16> = ports
        .split(',')
        .map(|p| p.trim().parse::<u16>().map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    let ports: Vec<u16> = match ports.as_slice() {
        [p] if *p > 0 && *p <= u16::MAX - 4 => (0..5).map(|k| p + k).collect(),
        ps if ps.len() == 5 && ps.iter().all(|p| *p > 0) => ps.to_vec(),
        _ => return Err(bad()),
    };
    if host.is_empty() {
        return Err(bad());
    }
    Ok([0, 1, 2, 3, 4].map(|k| {
        Some(Endpoint {
            host: host.to_string(),
            port: ports[k],
        })
    }))
}

fn site_endpoints(site: &Site) -> [Option<Endpoint>; 5] {
    Instance::ALL.map(|i| {
        site.instances.get(i).map(|s| Endpoint {
            host: s.host().to_string(),
            port: s.port,
        })
    })
}

/// Read one answer line; None at end of input.
fn read_line(input: &mut dyn BufRead) -> Result<Option<String>, String> {
    let mut l = String::new();
    // An answer is one short line; cap it so a runaway input cannot grow memory.
    let n = std::io::Read::take(input, 4096)
        .read_line(&mut l)
        .map_err(|e| format!("cannot read the answer: {e}"))?;
    Ok((n > 0).then(|| l.trim().to_string()))
}

fn w(out: &mut dyn Write, s: &str) {
    let _ = out.write_all(s.as_bytes());
    let _ = out.flush();
}

pub fn rehearse(args: &Args, input: &mut dyn BufRead, out: &mut dyn Write) -> Result<i32, String> {
    let site = site::load(&args.site).map_err(|e| e.to_string())?;
    let drill = Drill::prepare(&args.runbook, &site, args.scenario.as_deref())
        .map_err(|e| e.to_string())?;
    let dir = args.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "drill-night-{}-{}",
            safe(&site.name),
            safe(&drill.runbook().name)
        ))
    });
    let names = checklist::names(&site);
    let (mode, mut conn): (&str, Box<dyn ProbeConn>) = if args.dry_run {
        (
            "dry-run",
            Box::new(ModelConn {
                observation: None,
                names: names.clone(),
            }),
        )
    } else if let Some(r) = &args.range {
        let eps = range_endpoints(r)?;
        let (user, pw) = args.login.credentials(true)?;
        (
            "range",
            Box::new(TiberiusConn::new(eps, user, pw, true, true)?),
        )
    } else {
        let (user, pw) = args.login.credentials(false)?;
        (
            "servers",
            Box::new(TiberiusConn::new(
                site_endpoints(&site),
                user,
                pw,
                args.trust_cert,
                false,
            )?),
        )
    };
    walk(args, &site, &drill, &dir, mode, conn.as_mut(), input, out)
}

/// The walk-through proper, on any probe connection (tests pass a recording one).
#[allow(clippy::too_many_arguments)]
pub fn walk(
    args: &Args,
    site: &Site,
    drill: &Drill,
    dir: &Path,
    mode: &str,
    conn: &mut dyn ProbeConn,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<i32, String> {
    let names = checklist::names(site);
    let (items, expected) = checklist::build(drill, site);
    let rb = drill.runbook().clone();
    let start = model::phase_start(&expected, drill.phase);
    let service_step = expected.service_restored_at_s.and_then(|t| {
        expected
            .steps
            .iter()
            .filter(|s| s.phase == drill.phase && s.end_s >= t && s.end_s >= start)
            .map(|s| s.id.clone())
            .next()
    });
    let s = &drill.loaded.scenario;
    w(
        out,
        &format!(
            "drill rehearse: runbook {} ({}), site {}, {}, scenario {} seed {}\n",
            rb.name,
            drill.runbook_file,
            site.name,
            match mode {
                "dry-run" => "dry run: the model answers the probes".to_string(),
                "range" => format!(
                    "probing drill range at {}",
                    args.range.as_deref().unwrap_or("")
                ),
                _ => "probing the site's servers (read-only)".to_string(),
            },
            s.name,
            s.seed
        ),
    );
    w(out, "answer each step: d = done, f = failed, s = skipped, n TEXT = add a note, q = stop the rehearsal\n");
    let t0 = Instant::now();
    let started_at = iso_now();
    let mut record = Record {
        format: FORMAT.into(),
        site: site.name.clone(),
        runbook: rb.name.clone(),
        runbook_file: drill.runbook_file.clone(),
        runbook_kind: crate::runbooks::kind(&rb).into(),
        scenario: s.name.clone(),
        seed: s.seed,
        mode: mode.into(),
        started_at,
        steps: Vec::new(),
        service_step,
        rpo_s: None,
        rpo_source: String::new(),
    };
    let mut not_done: BTreeSet<String> = BTreeSet::new();
    let mut stopped = false;
    for (k, (step, item)) in rb.steps.iter().zip(&items).enumerate() {
        let work_s = expected
            .steps
            .iter()
            .filter(|r| r.phase == drill.phase && r.id == step.id)
            .map(|r| r.work_s)
            .sum();
        let kind = serde_json::to_value(&step.action)
            .ok()
            .and_then(|v| v["kind"].as_str().map(str::to_string))
            .unwrap_or_default();
        let mut rec = StepRecord {
            id: step.id.clone(),
            title: step.title.clone(),
            kind,
            outcome: Outcome::NotReached,
            notes: Vec::new(),
            resolution: None,
            start_ms: 0,
            end_ms: 0,
            model_s: item.model_s,
            model_work_s: work_s,
            mismatches: Vec::new(),
        };
        if stopped {
            record.steps.push(rec);
            continue;
        }
        show_step(out, k, rb.steps.len(), item);
        rec.start_ms = t0.elapsed().as_millis() as u64;
        loop {
            w(out, &format!("{}> ", step.id));
            let Some(a) = read_line(input)? else {
                w(out, "\n(end of input: the rehearsal stops here)\n");
                stopped = true;
                break;
            };
            let (cmd, rest) = a.split_once(' ').unwrap_or((a.as_str(), ""));
            match cmd.to_ascii_lowercase().as_str() {
                "d" | "done" => rec.outcome = Outcome::Done,
                "s" | "skip" | "skipped" => rec.outcome = Outcome::Skipped,
                "f" | "failed" | "fail" => {
                    rec.outcome = Outcome::Failed;
                    w(out, "  what failed, and how was it resolved? ");
                    let r = read_line(input)?.unwrap_or_default();
                    rec.resolution = Some(if rest.is_empty() {
                        r
                    } else if r.is_empty() {
                        rest.to_string()
                    } else {
                        format!("{rest}; {r}")
                    });
                }
                "n" | "note" => {
                    rec.notes.push(rest.to_string());
                    w(out, "  noted\n");
                    continue;
                }
                "q" | "quit" | "stop" => {
                    stopped = true;
                }
                "" => continue,
                other => {
                    w(out, &format!("  {other:?}? answer d, f, s, n TEXT or q\n"));
                    continue;
                }
            }
            break;
        }
        if stopped && rec.outcome == Outcome::NotReached {
            record.steps.push(rec);
            continue;
        }
        rec.end_ms = (t0.elapsed().as_millis() as u64).max(rec.start_ms);
        // A failed step with a resolution was made good; skipped or unresolved, its
        // effect did not happen.
        let resolved = rec.resolution.as_deref().is_some_and(|r| !r.is_empty());
        if rec.outcome == Outcome::Skipped || (rec.outcome == Outcome::Failed && !resolved) {
            not_done.insert(step.id.clone());
        }
        // Expected: the model with every step done; the dry run observes the model with
        // the steps as reported.
        let exp_obs = model::observed_after(&expected, drill.phase, &step.id);
        if args.dry_run {
            let r = drill.play(&not_done);
            conn.set_model(model::observed_after(&r, drill.phase, &step.id));
        }
        rec.mismatches = probe_and_compare(out, conn, exp_obs.as_ref(), &names);
        record.steps.push(rec);
    }
    // RPO: the dry run takes the model's; a drill on servers asks the team.
    if args.dry_run {
        // A step not reached is not known to be done or not: up to the step that brings
        // service back, the model cannot say what the failover lost (as the RTO).
        let unreached = report::up_to_service(&record).ok().and_then(|(id, steps)| {
            let s = steps.iter().find(|s| s.outcome == Outcome::NotReached)?;
            Some(format!(
                "unknown: step {} was not reached, so what the failover lost (when service came back, after {id} in the model) is not known",
                s.id
            ))
        });
        if let Some(why) = unreached {
            record.rpo_s = None;
            record.rpo_source = why;
        } else {
            let r = drill.play(&not_done);
            record.rpo_s = r.failover_rpo_seconds;
            record.rpo_source = match r.failover_rpo_seconds {
                Some(_) => "the model, playing the steps as reported (dry run)".into(),
                None => r
                    .unknown("failover_rpo_seconds")
                    .map(|u| format!("unknown: {u}"))
                    .unwrap_or_else(|| "unknown: service never came back in the model".into()),
            };
        }
    } else {
        w(
            out,
            "RPO: seconds of chat history lost, as the team checked it (blank: unknown)? ",
        );
        let a = read_line(input)?.unwrap_or_default();
        match a.parse::<u64>() {
            Ok(v) => {
                record.rpo_s = Some(v);
                record.rpo_source = "entered by the team at the end of the rehearsal".into();
            }
            Err(_) => record.rpo_source = "unknown: not entered (the probes see which log backups were restored, not which chat writes were acknowledged)".into(),
        }
        w(out, "\n");
    }
    let rep = report::build(&record, drill, args.runs);
    report::write_all(dir, &record, &rep, drill)?;
    w(out, &report::summary(&rep));
    w(
        out,
        &format!(
            "record, report and calibration written to {}\n",
            dir.display()
        ),
    );
    Ok(exit::OK)
}

fn show_step(out: &mut dyn Write, k: usize, n: usize, it: &Item) {
    let mut s = format!(
        "\n[{}/{}] {}  {}\n  run on: {}\n",
        k + 1,
        n,
        it.id,
        it.title,
        it.command.run_on
    );
    for l in it.command.text.lines() {
        s.push_str(&format!("    {l}\n"));
    }
    for note in &it.command.notes {
        s.push_str(&format!("  note: {note}\n"));
    }
    s.push_str(&format!(
        "  changes: {}\n  model time: {}\n",
        it.changes,
        duration(Some(it.model_s))
    ));
    if let Some(p) = &it.if_previous_not_done {
        s.push_str(&format!("  predicted error {p}\n"));
    }
    w(out, &s);
}

/// Probe every data instance, print expected against observed, return the mismatches.
fn probe_and_compare(
    out: &mut dyn Write,
    conn: &mut dyn ProbeConn,
    expected: Option<&sim::observe::Observation>,
    names: &[String; 5],
) -> Vec<Mismatch> {
    let exp = expected.map(|o| checklist::expected_facts(o, names));
    let mut all = Vec::new();
    w(out, "  probes (read-only):\n");
    for &i in &Instance::DATA {
        let obs = facts::probe(conn, i);
        let e = exp
            .as_ref()
            .and_then(|v| v.iter().find(|(x, _)| *x == i))
            .map(|(_, f)| f.clone());
        let olines = obs.lines().join("; ");
        match e {
            Some(e) => {
                let ms = facts::compare(i, &e, &obs);
                let mark = if ms.is_empty() { "ok" } else { "MISMATCH" };
                w(
                    out,
                    &format!(
                        "    {:<28} expected: {:<40} observed: {}  {mark}\n",
                        names[i.index()],
                        e.lines().join("; "),
                        olines
                    ),
                );
                for m in &ms {
                    w(
                        out,
                        &format!(
                            "  !! {} {}: expected {}, observed {}\n     {}\n",
                            names[i.index()],
                            m.what,
                            m.expected,
                            m.observed,
                            m.meaning
                        ),
                    );
                }
                all.extend(ms);
            }
            None => w(
                out,
                &format!(
                    "    {:<28} observed: {}  (the model did not reach this step)\n",
                    names[i.index()],
                    olines
                ),
            ),
        }
    }
    all
}

fn safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Now, UTC, ISO 8601 (for the record; no time-zone database needed).
pub fn iso_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    iso_utc(secs)
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (civil-from-days, H. Hinnant's algorithm).
pub fn iso_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Read a rehearsal record back (for `drill rehearse --report`-style regeneration and tests).
pub fn load_record(p: &Path) -> Result<Record, String> {
    let text = crate::load::read_input(p).map_err(|e| e.to_string())?;
    crate::load::parse_json(
        &p.display().to_string(),
        &text,
        "rehearsal record",
        super::super::site::DOC,
    )
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_are_right() {
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00Z");
        // 2000-02-29 12:34:56 UTC = 951827696.
        assert_eq!(iso_utc(951_827_696), "2000-02-29T12:34:56Z");
    }

    /// Read-only by construction: everything the walk-through sends goes through the
    /// connection, and every statement it sent is one of the fixed probes, word for word.
    #[test]
    fn the_walk_through_sends_only_the_fixed_probes() {
        use super::super::conn::Recording;
        use super::super::probes;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let site = site::load(&root.join("scenarios/site-example.json")).unwrap();
        let rb = root.join("scenarios/runbooks/failover.json");
        let drill = Drill::prepare(&rb, &site, None).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let args = Args {
            runbook: rb,
            site: root.join("scenarios/site-example.json"),
            scenario: None,
            dry_run: true,
            range: None,
            login: Default::default(),
            trust_cert: false,
            out: Some(dir.path().to_path_buf()),
            runs: 5,
        };
        let mut conn = Recording {
            inner: ModelConn {
                observation: None,
                names: checklist::names(&site),
            },
            sent: Vec::new(),
        };
        let mut input: &[u8] = b"d\nd\nd\nd\nd\nd\nd\n";
        let mut out = Vec::new();
        let code = walk(
            &args,
            &site,
            &drill,
            dir.path(),
            "dry-run",
            &mut conn,
            &mut input,
            &mut out,
        )
        .unwrap();
        assert_eq!(code, 0);
        assert!(conn
            .sent
            .iter()
            .all(|(_, sql)| probes::ALL.iter().any(|p| p.sql() == *sql)));
        // Per step: the two DC1 instances are down (the first probe fails, the rest are not
        // sent), backup and backup-mirror answer all six: 2 + 12 = 14; seven steps.
        assert_eq!(conn.sent.len(), 7 * 14, "{:?}", conn.sent.len());
    }

    #[test]
    fn range_addresses() {
        let e = range_endpoints("127.0.0.1:14330").unwrap();
        assert_eq!(e[4].as_ref().unwrap().port, 14334);
        let e = range_endpoints("h:1,2,3,4,5").unwrap();
        assert_eq!(e[3].as_ref().unwrap().port, 4);
        assert!(range_endpoints("h:1,2").is_err());
        assert!(range_endpoints("nohost").is_err());
    }
}
