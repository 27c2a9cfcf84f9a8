//! `drill check [DIR]`: the CI gate in one command. Validates every runbook, scenario and
//! calibration file under DIR (default `scenarios/`), lints the runbooks under test,
//! replays `regressions/` against their recorded verdicts, requires every mutant in
//! `mutants/` to stay caught, fuzzes each runbook under test, and checks the RTO/RPO
//! targets of the scenarios that play only runbooks under test. Exit 0 when every check
//! passes, 1 when one fails, 2 on bad input (DIR missing, an output file not writable).
//! `--junit FILE` writes JUnit XML (one test case per file, lint, regression, mutant,
//! invariant x runbook and target); `--json` prints the same as JSON.

pub mod junit;

use crate::exit;
use crate::fuzz::{self, campaign};
use crate::load;
use clap::Args as ClapArgs;
use serde::Serialize;
use sim::engine::{self, Options};
use sim::invariants;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(ClapArgs, Debug, Clone)]
pub struct Args {
    /// Directory of runbooks and scenarios (default: scenarios).
    pub dir: Option<PathBuf>,
    /// Runbook(s) under test: linted, fuzzed, and their scenarios' targets checked.
    /// Default: DIR/runbooks/*-corrected.json.
    #[arg(long = "runbook")]
    pub runbooks: Vec<PathBuf>,
    /// Fuzz budget: generated cases per runbook under test.
    #[arg(long, default_value_t = 2000, value_parser = crate::bounds::cases)]
    pub cases: u64,
    /// Fuzz budget in seconds per runbook under test (stops early; the cases run are reported).
    #[arg(long, value_parser = crate::bounds::time_limit)]
    pub seconds: Option<f64>,
    /// Generated cases per mutant (a mutant must be caught within them).
    #[arg(long, default_value_t = 1000, value_parser = crate::bounds::cases)]
    pub mutant_cases: u64,
    /// Monte Carlo runs per scenario with targets.
    #[arg(long, default_value_t = 1000, value_parser = crate::bounds::runs)]
    pub runs: u64,
    /// Seed of the fuzz, mutant and Monte Carlo campaigns.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Worker threads (results do not depend on it).
    #[arg(long, default_value_t = 2, value_parser = crate::bounds::threads)]
    pub jobs: usize,
    /// Write JUnit XML here (Azure DevOps, GitHub, GitLab).
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Print one JSON document instead of the text report.
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Case {
    pub classname: String,
    pub name: String,
    pub ok: bool,
    /// Why it failed (one line).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// More, e.g. the command that reproduces it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub seconds: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Suite {
    pub name: &'static str,
    pub tests: usize,
    pub failures: usize,
    pub seconds: f64,
    pub cases: Vec<Case>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub dir: String,
    pub seed: u64,
    pub runbooks_under_test: Vec<String>,
    pub tests: usize,
    pub failures: usize,
    /// "pass" or "fail".
    pub verdict: &'static str,
    pub suites: Vec<Suite>,
}

pub fn run(args: Args) -> i32 {
    let o = match check(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("drill check: {e}");
            return exit::BAD_INPUT;
        }
    };
    if let Some(p) = &args.junit {
        if let Err(e) = junit::xml(&o)
            .and_then(|x| crate::output::write_atomic(p, &x).map_err(|e| format!("--junit {e}")))
        {
            eprintln!("drill check: {e}");
            return exit::BAD_INPUT;
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&o).unwrap_or_default());
    } else {
        print!("{}", text(&o));
        if let Some(p) = &args.junit {
            println!("JUnit XML written to {}", p.display());
        }
    }
    if o.failures == 0 {
        exit::OK
    } else {
        exit::VIOLATION
    }
}

fn text(o: &Outcome) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "drill check {}: seed {}, runbooks under test: {}",
        o.dir,
        o.seed,
        o.runbooks_under_test.join(", ")
    );
    for suite in &o.suites {
        let _ = writeln!(
            s,
            "\n{} ({} tests, {} failed, {:.2} s)",
            suite.name.to_uppercase(),
            suite.tests,
            suite.failures,
            suite.seconds
        );
        for c in &suite.cases {
            let _ = writeln!(
                s,
                "  {} {} {}{}",
                if c.ok { "ok  " } else { "FAIL" },
                c.classname,
                c.name,
                c.message
                    .as_ref()
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default()
            );
            if !c.ok {
                if let Some(d) = &c.detail {
                    for line in d.lines() {
                        let _ = writeln!(s, "       {line}");
                    }
                }
            }
        }
    }
    let _ = writeln!(
        s,
        "\nVERDICT: {} ({} tests, {} failed)",
        if o.failures == 0 { "pass" } else { "FAIL" },
        o.tests,
        o.failures
    );
    s
}

/// Every *.json under `dir`, sorted, skipping hidden entries.
fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if e.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn case(classname: &str, name: &str, t0: Instant, r: Result<(), (String, Option<String>)>) -> Case {
    let seconds = t0.elapsed().as_secs_f64();
    match r {
        Ok(()) => Case {
            classname: classname.into(),
            name: name.into(),
            ok: true,
            message: None,
            detail: None,
            seconds,
        },
        Err((m, d)) => Case {
            classname: classname.into(),
            name: name.into(),
            ok: false,
            message: Some(m),
            detail: d,
            seconds,
        },
    }
}

fn suite(name: &'static str, t0: Instant, cases: Vec<Case>) -> Suite {
    Suite {
        name,
        tests: cases.len(),
        failures: cases.iter().filter(|c| !c.ok).count(),
        seconds: t0.elapsed().as_secs_f64(),
        cases,
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

pub fn check(args: &Args) -> Result<Outcome, String> {
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("scenarios"));
    if !dir.is_dir() {
        return Err(format!(
            "{}: no such directory; expected a directory of runbooks and scenarios (default: scenarios)",
            dir.display()
        ));
    }
    if args.cases == 0 || args.jobs == 0 || args.mutant_cases == 0 || args.runs == 0 {
        return Err("--cases, --mutant-cases, --runs and --jobs must be positive".into());
    }
    if args.seconds.is_some_and(|s| s.is_nan() || s <= 0.0) {
        return Err("--seconds must be positive".into());
    }
    if let Some(p) = &args.junit {
        crate::rto::html::check_target(p).map_err(|e| e.replace("--report", "--junit"))?;
    }
    let under_test: Vec<PathBuf> = if args.runbooks.is_empty() {
        files_in(&dir.join("runbooks"))
            .into_iter()
            .filter(|p| {
                p.file_stem()
                    .is_some_and(|s| s.to_string_lossy().ends_with("-corrected"))
            })
            .collect()
    } else {
        args.runbooks.clone()
    };
    for p in &under_test {
        if !p.is_file() {
            return Err(format!("--runbook {}: no such file", p.display()));
        }
    }
    let rel = |p: &Path| p.display().to_string();
    let mut suites = Vec::new();

    // 1. Every file parses and validates (scenarios with their runbooks).
    let t = Instant::now();
    let mut cases = Vec::new();
    for f in json_files(&dir) {
        let t0 = Instant::now();
        let r = validate(&f);
        cases.push(case("validate", &rel(&f), t0, r.map_err(|e| (e, None))));
    }
    suites.push(suite("validate", t, cases));

    // 2. The runbooks under test lint clean.
    let t = Instant::now();
    let mut cases = Vec::new();
    for f in &under_test {
        let t0 = Instant::now();
        let r = match crate::lint::lint_file(f) {
            Err(e) => Err((e.to_string(), None)),
            Ok(found) => {
                let errs: Vec<String> = found
                    .iter()
                    .filter(|x| x.level == "error")
                    .map(|x| x.to_string())
                    .collect();
                if errs.is_empty() {
                    Ok(())
                } else {
                    Err((
                        format!("{} lint error(s)", errs.len()),
                        Some(errs.join("\n")),
                    ))
                }
            }
        };
        cases.push(case("lint", &rel(f), t0, r));
    }
    suites.push(suite("lint", t, cases));

    // 3. Regressions replay with their recorded verdicts.
    let t = Instant::now();
    let mut cases = Vec::new();
    for f in files_in(&dir.join("regressions")) {
        let t0 = Instant::now();
        cases.push(case("regressions", &rel(&f), t0, regression(&f)));
    }
    suites.push(suite("regressions", t, cases));

    // 4. Every mutant stays caught.
    let t = Instant::now();
    let mut cases = Vec::new();
    for f in files_in(&dir.join("mutants")) {
        let t0 = Instant::now();
        cases.push(case("mutants", &rel(&f), t0, mutant(&f, args)));
    }
    suites.push(suite("mutants", t, cases));

    // 5. The fuzz budget on each runbook under test: one case per invariant x runbook.
    let t = Instant::now();
    let mut cases = Vec::new();
    for f in &under_test {
        let t0 = Instant::now();
        let stem = f
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let class = format!("fuzz.{stem}");
        match fuzz::target(std::slice::from_ref(f)) {
            Err(e) => cases.push(case(&class, "load", t0, Err((e.to_string(), None)))),
            Ok(tg) => {
                let shape = fuzz::shape(&tg, false, false);
                let (n, deadline) = match args.seconds {
                    Some(s) => (
                        u64::MAX / 2,
                        Some(Instant::now() + Duration::from_secs_f64(s)),
                    ),
                    None => (args.cases, None),
                };
                let tally = campaign::run(&campaign::Plan {
                    shape: &shape,
                    runbooks: &tg.runbooks,
                    seed: args.seed,
                    cases: n,
                    jobs: args.jobs,
                    deadline,
                    progress: &|_| {},
                });
                for (k, name) in invariants::names().into_iter().enumerate() {
                    let v = tally.violations[k];
                    let r = if v == 0 {
                        Ok(())
                    } else {
                        Err((
                            format!("violated in {v} of {} generated cases (first: case {})", tally.cases, tally.first[k].unwrap_or(0)),
                            Some(format!(
                                "reproduce and shrink: drill fuzz --runbook {} --cases {} --seed {}",
                                f.display(),
                                tally.cases,
                                args.seed
                            )),
                        ))
                    };
                    let mut c = case(&class, name, t0, r);
                    c.seconds /= invariants::names().len() as f64;
                    cases.push(c);
                }
            }
        }
    }
    suites.push(suite("fuzz", t, cases));

    // 6. Targets of the scenarios that play only runbooks under test.
    let t = Instant::now();
    let mut cases = Vec::new();
    for f in files_in(&dir) {
        let Ok(l) = load::load(Some(&f)) else {
            continue;
        };
        if l.scenario.rto_target_s.is_none() && l.scenario.rpo_target_s.is_none() {
            continue;
        }
        let base = f.parent().map(Path::to_path_buf).unwrap_or_default();
        // A phase with its runbook inline plays no file under test.
        let plays_under_test = l.scenario.phases.iter().all(|ph| match &ph.runbook {
            sim::scenario::PhaseRunbook::File(f) => {
                under_test.iter().any(|u| same_file(&base.join(f), u))
            }
            sim::scenario::PhaseRunbook::Inline(_) => false,
        });
        if !plays_under_test {
            continue;
        }
        let t0 = Instant::now();
        let o = crate::rto::measure(&l, l.scenario.seed, args.runs, args.jobs);
        let stem = f
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        for (metric, v) in [("RTO", &o.targets.rto), ("RPO", &o.targets.rpo)] {
            let Some(v) = v else { continue };
            let name = format!("{metric} target {} s", v.target_s);
            let r = if v.verdict == "met" {
                Ok(())
            } else {
                Err((
                    format!(
                        "breached: p95 {} over the target {} s; P(breach) {:.4}",
                        crate::rto::text::short(v.p95_s),
                        v.target_s,
                        v.probability_of_breach
                    ),
                    Some(format!(
                        "reproduce: drill rto {} --runs {} --seed {}",
                        f.display(),
                        args.runs,
                        l.scenario.seed
                    )),
                ))
            };
            cases.push(case(&format!("targets.{stem}"), &name, t0, r));
        }
    }
    suites.push(suite("targets", t, cases));

    let tests = suites.iter().map(|s| s.tests).sum();
    let failures = suites.iter().map(|s| s.failures).sum();
    Ok(Outcome {
        dir: dir.display().to_string(),
        seed: args.seed,
        runbooks_under_test: under_test.iter().map(|p| rel(p)).collect(),
        tests,
        failures,
        verdict: if failures == 0 { "pass" } else { "fail" },
        suites,
    })
}

/// A runbook, a scenario (with the runbooks it names), a calibration file or a site file.
fn validate(f: &Path) -> Result<(), String> {
    let text =
        std::fs::read_to_string(f).map_err(|e| format!("{}: cannot read: {e}", f.display()))?;
    let v: serde_json::Value = load::parse_json(
        &f.display().to_string(),
        &text,
        "runbook, scenario or calibration file",
        "docs/formats.md",
    )
    .map_err(|e| e.to_string())?;
    let has = |k: &str| v.get(k).is_some();
    if has("steps") {
        load::load_runbook(f).map(|_| ()).map_err(|e| e.to_string())
    } else if has("phases") {
        load::load(Some(f)).map(|_| ()).map_err(|e| e.to_string())
    } else if v.get("format").and_then(|x| x.as_str()) == Some(crate::site::FORMAT) {
        crate::site::load(f).map(|_| ()).map_err(|e| e.to_string())
    } else if has("parameters") && has("format") {
        crate::rto::calibration::load(f)
            .map(|_| ())
            .map_err(|e| e.to_string())
    } else {
        Err(format!(
            "{}:1:1: not a runbook (\"steps\"), a scenario (\"phases\") or a calibration file (\"format\", \"parameters\")",
            f.display()
        ))
    }
}

fn regression(f: &Path) -> Result<(), (String, Option<String>)> {
    let l = load::load(Some(f)).map_err(|e| (e.to_string(), None))?;
    let Some(expect) = l.scenario.expect.clone() else {
        return Err(("no recorded verdict (\"expect\")".into(), None));
    };
    let r = engine::run(&l.scenario, &l.runbooks, Options { record: false });
    let mut got: Vec<String> = r.violated().iter().map(|s| s.to_string()).collect();
    let mut want = expect.violated.clone();
    got.sort();
    want.sort();
    let replay = Some(format!("replay: drill run {}", f.display()));
    if got != want {
        return Err((
            format!(
                "violated [{}], recorded [{}]",
                got.join(", "),
                want.join(", ")
            ),
            replay,
        ));
    }
    if let Some(rpo) = expect.rpo_writes_lost {
        if r.rpo_writes_lost != Some(rpo) {
            return Err((
                format!(
                    "{} acknowledged writes lost, recorded {rpo}",
                    r.rpo_writes_lost
                        .map_or("unknown".to_string(), |v| v.to_string())
                ),
                replay,
            ));
        }
    }
    Ok(())
}

fn mutant(f: &Path, args: &Args) -> Result<(), (String, Option<String>)> {
    let t = fuzz::target(&[f.to_path_buf()]).map_err(|e| (e.to_string(), None))?;
    let Some(expect) = t.runbooks.last().and_then(|r| r.expect_violation.clone()) else {
        return Err((
            "no expect_violation: a mutant records the invariant it must violate".into(),
            None,
        ));
    };
    let Some(k) = invariants::names().iter().position(|n| *n == expect) else {
        return Err((
            format!(
                "expect_violation {expect:?} is not an invariant; expected one of {}",
                invariants::names().join(", ")
            ),
            None,
        ));
    };
    let shape = fuzz::shape(&t, false, false);
    let tally = campaign::run(&campaign::Plan {
        shape: &shape,
        runbooks: &t.runbooks,
        seed: args.seed,
        cases: args.mutant_cases,
        jobs: args.jobs,
        deadline: None,
        progress: &|_| {},
    });
    if tally.violations[k] > 0 {
        Ok(())
    } else {
        Err((
            format!(
                "no longer caught: {expect} not violated in {} cases",
                tally.cases
            ),
            Some(format!(
                "drill fuzz --runbook {} --cases {} --seed {}",
                f.display(),
                tally.cases,
                args.seed
            )),
        ))
    }
}
