//! `drill conform`: the conformance suite (issue 11 point 5). The documented behaviours of
//! BACKUP/RESTORE/ALTER DATABASE ([`cases::CASES`], written once) played on one of three
//! arms: the model (no target), the range over TDS (`--range`), or a real SQL Server
//! (`--server`, on drill-owned databases only; see [`real`] and docs/conformance.md).
//!
//! Exit 0: every case run agrees; 1: a case disagrees; 2: bad input, refused by the safety
//! rule, or the server could not be reached.

pub mod cases;
pub mod model;
pub mod real;
pub mod remote;
pub mod runner;

use crate::exit;
use crate::sqlserver::safety::{gate, ServerId, Target};
use crate::sqlserver::Login;
use clap::Args as ClapArgs;
use runner::{Arm, CaseResult, Verdict};
use serde::Serialize;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Play the cases on a range over TDS (tiberius). Alone: a range this command starts on
    /// loopback, fresh for every case. HOST:P1,..,P5 (or HOST:PORT, the five on
    /// PORT..PORT+4): `drill range --control --speed 0 harness/src/conform/scenario.json`
    /// started elsewhere, reset through its control surface before every case.
    #[arg(long, num_args = 0..=1, default_missing_value = "local", conflicts_with = "server", value_name = "HOST:P1,..,P5")]
    pub range: Option<String>,
    /// Play the cases on this SQL Server (HOST[,PORT]), on drill_conform_* databases only;
    /// needs --allow-destructive naming the same server.
    #[arg(long)]
    pub server: Option<String>,
    #[command(flatten)]
    pub login: Login,
    /// Allow the cases' RESTORE/DROP/ALTER DATABASE on this exact server (HOST[,PORT]).
    #[arg(long)]
    pub allow_destructive: Option<String>,
    /// The directory (as the server sees it) for the backup files and the restored copies'
    /// files; default: the server's SERVERPROPERTY('InstanceDefaultBackupPath').
    #[arg(long, requires = "server")]
    pub dir: Option<String>,
    #[arg(long)]
    pub json: bool,
}

/// A modelling assumption the verdicts of an arm rest on.
#[derive(Clone, Debug, Serialize)]
pub struct Assumption {
    pub name: &'static str,
    pub meaning: String,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub arm: String,
    /// The scenario the cases play on (the model's and the shadow's), and its seed.
    pub scenario: &'static str,
    pub seed: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    pub assumptions: Vec<Assumption>,
    pub cases: Vec<CaseResult>,
    pub agree: usize,
    pub disagree: usize,
    pub not_run: usize,
}

pub fn run(a: Args) -> i32 {
    match run_inner(a) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("drill conform: {e}");
            exit::BAD_INPUT
        }
    }
}

fn tds_assumption() -> Assumption {
    Assumption {
        name: "first_error_only",
        meaning: "over TDS the client (tiberius) sees the first ERROR token of a batch only: the cause is compared, the 3013 that follows it is not".into(),
    }
}

/// Every statement the real arm can send before it knows the server's directory (for the
/// safety gate, which looks at the statements' kinds, not their paths).
pub fn statements_for_gate() -> Vec<String> {
    let p = crate::sqlserver::tsql::Placement {
        dir: "<backup directory>".into(),
        sep: '/',
    };
    let names = real::RealNames(&p);
    let mut v = real::setup_sql(&p);
    for c in cases::CASES {
        for s in c.steps {
            if let cases::At::Sql { instance, .. } = s.at {
                if s.model_only_on_one_instance.is_none() {
                    if let Ok(t) = runner::fill(s.text, instance, &names) {
                        v.push(t);
                    }
                }
            }
        }
    }
    v
}

fn run_inner(a: Args) -> Result<i32, String> {
    let mut assumptions = Vec::new();
    let mut server_name = None;
    let (results, arm_name) = match (&a.server, &a.range) {
        (Some(s), _) => {
            let server = ServerId::parse(s)?;
            let allow = a
                .allow_destructive
                .as_deref()
                .map(ServerId::parse)
                .transpose()?;
            // Before any connection: every statement against the safety rule.
            let stmts = statements_for_gate();
            gate(
                stmts.iter().map(String::as_str),
                &Target::Server(server.clone()),
                allow.as_ref(),
            )?;
            let (user, password) = a.login.credentials(false)?;
            let conn = real::TiberiusConnect {
                host: server.host.clone(),
                port: server.port,
                user,
                password,
            };
            let mut arm = real::Real::open(conn, a.dir.as_deref())?;
            server_name = Some(format!(
                "{},{} ({})",
                server.host, server.port, arm.facts.version
            ));
            assumptions.extend(real_assumptions(&arm.facts));
            assumptions.push(tds_assumption());
            let r = play_and_finish(&mut arm)?;
            (r, arm.name())
        }
        (None, Some(r)) if r == "local" => {
            let mut arm = model::Tds::new()?;
            assumptions.push(tds_assumption());
            let res = play_and_finish(&mut arm)?;
            (res, arm.name())
        }
        (None, Some(r)) => {
            let (user, password) = a.login.credentials(true)?;
            let mut arm = remote::Remote::open(r, &user, password)?;
            server_name = Some(r.clone());
            assumptions.push(tds_assumption());
            let res = play_and_finish(&mut arm)?;
            (res, arm.name())
        }
        (None, None) => {
            let mut arm = model::Model::new();
            let r = play_and_finish(&mut arm)?;
            (r, arm.name())
        }
    };
    let count = |v: Verdict| results.iter().filter(|r| r.verdict == v).count();
    let report = Report {
        arm: arm_name,
        scenario: "conformance",
        seed: model::scenario().seed,
        server: server_name,
        assumptions,
        agree: count(Verdict::Agree),
        disagree: count(Verdict::Disagree),
        not_run: count(Verdict::NotRun),
        cases: results,
    };
    let text = if a.json {
        serde_json::to_string_pretty(&report).map_err(|e| e.to_string())? + "\n"
    } else {
        render_text(&report)
    };
    // A reader that stops early (`| head`): main's hook exits 141 quietly, as every command.
    print!("{text}");
    Ok(if report.disagree == 0 {
        exit::OK
    } else {
        exit::VIOLATION
    })
}

fn play_and_finish(arm: &mut dyn Arm) -> Result<Vec<CaseResult>, String> {
    let r = runner::play(arm, cases::CASES);
    arm.finish()
        .map_err(|e| format!("cleaning up after the cases: {e}"))?;
    Ok(r)
}

pub fn real_assumptions(f: &real::ServerFacts) -> Vec<Assumption> {
    vec![
        Assumption {
            name: "one_instance",
            meaning: format!(
                "primary's and backup's copies are databases of one instance ({}); the share and the copy folder are one directory ({})",
                real::COPIES.iter().map(|c| c.2).collect::<Vec<_>>().join(", "),
                f.placement.dir
            ),
        },
        Assumption {
            name: "log_shipping_as_statements",
            meaning: "log shipping is not configured: the model's backup and restore jobs are sent as BACKUP LOG / RESTORE LOG in the model's order, and steps on its configuration (sp_delete_log_shipping_secondary_database) are played on the model only".into(),
        },
        Assumption {
            name: "restore_check_by_family_guid",
            meaning: "a full restore over another copy without REPLACE is checked by the database family GUID, which every copy shares (restored from primary's full), not by name (docs/t-sql/statements/restore-statements-transact-sql.md#REPLACEoption): the copies' different names on one instance do not change the answer".into(),
        },
    ]
}

pub fn render_text(r: &Report) -> String {
    use std::fmt::Write as _;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "drill conform: {} cases on the {}{}",
        r.cases.len(),
        r.arm,
        r.server
            .as_ref()
            .map(|s| format!(" at {s}"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        o,
        "scenario {}, seed {} (reproduce: drill conform with the same target)",
        r.scenario, r.seed
    );
    for c in &r.cases {
        let tag = match c.verdict {
            Verdict::Agree => "agree   ",
            Verdict::Disagree => "DISAGREE",
            Verdict::NotRun => "not run ",
        };
        let _ = writeln!(o, "  {tag} {} [{}]", c.name, c.source);
        if let Some(why) = &c.reason {
            let _ = writeln!(o, "           {why}");
        }
    }
    if !r.assumptions.is_empty() {
        let _ = writeln!(o, "ASSUMPTIONS");
        for a in &r.assumptions {
            let _ = writeln!(o, "  {}: {}", a.name, a.meaning);
        }
    }
    let _ = writeln!(
        o,
        "{} agree, {} disagree, {} not run",
        r.agree, r.disagree, r.not_run
    );
    o
}
