//! `drill history plan`: which backups to restore, in which order, and why not the others
//! (failover step F3). The rules are in `sim::plan`; this module reads the history (file
//! or live msdb) and prints the plan. See docs/history.md.
use crate::exit;
use clap::{Args as ClapArgs, Subcommand};
use sim::lsn::Lsn;
use sim::plan::{self, PlanOptions, Timestamp};
use std::path::PathBuf;

pub mod input;
pub mod live;
pub mod render;

#[derive(ClapArgs, Debug)]
pub struct Args {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Plan the restore sequence from backup history (CSV, JSON, or a live server's msdb).
    Plan(PlanArgs),
}

#[derive(ClapArgs, Debug)]
struct PlanArgs {
    /// Backup history: CSV or JSON with msdb.dbo.backupset column names.
    #[arg(required_unless_present = "server", conflicts_with = "server")]
    file: Option<PathBuf>,
    /// The database to plan for (needed when the history holds several, and with --server).
    #[arg(long, value_name = "NAME")]
    database: Option<String>,
    /// Restore to this point in time: YYYY-MM-DDTHH:MM:SS in the history's own clock. msdb
    /// stores the server's local time, not UTC, so give the time as that server's clock
    /// showed it (no time-zone conversion is done).
    #[arg(long, value_name = "TIME")]
    stop_at: Option<Timestamp>,
    /// The database is already RESTORING at this redo LSN: plan only the logs that continue.
    #[arg(long, value_name = "LSN")]
    redo_start_lsn: Option<Lsn>,
    /// Do not use differential backups.
    #[arg(long)]
    ignore_diffs: bool,
    /// Do not use log backups.
    #[arg(long)]
    ignore_logs: bool,
    /// Print the plan as JSON.
    #[arg(long, conflicts_with = "tsql")]
    json: bool,
    /// Print the RESTORE statements.
    #[arg(long)]
    tsql: bool,
    /// Read history from this SQL Server (host[,port]) instead of a file; read-only.
    #[arg(long, value_name = "HOST[,PORT]", requires = "database")]
    server: Option<String>,
    /// The SQL login for --server.
    #[command(flatten)]
    login: crate::sqlserver::Login,
    /// Trust the server's TLS certificate without checking it (a container's self-signed one).
    #[arg(long)]
    trust_cert: bool,
}

pub fn run(args: Args) -> i32 {
    match args.cmd {
        Cmd::Plan(p) => run_plan(p),
    }
}

fn bad(msg: impl std::fmt::Display) -> i32 {
    eprintln!("drill history plan: error: {msg}");
    exit::BAD_INPUT
}

fn run_plan(a: PlanArgs) -> i32 {
    let (source, history) = match (&a.file, &a.server) {
        (Some(f), _) => (f.display().to_string(), input::read_file(f)),
        (None, Some(s)) => {
            let (host, port) = match live::parse_server(s) {
                Ok(hp) => hp,
                Err(m) => return bad(m),
            };
            let (user, password) = match a.login.credentials(false) {
                Ok(c) => c,
                Err(m) => return bad(m),
            };
            let target = live::Target {
                host,
                port,
                user,
                password,
                trust_cert: a.trust_cert,
            };
            let db = a.database.clone().unwrap_or_default();
            (live::source_name(&target), live::fetch(&target, &db))
        }
        (None, None) => return bad("give a history FILE or --server"),
    };
    let history = match history {
        Ok(h) => h,
        Err(e) => return bad(e),
    };
    if history.records.is_empty() {
        return bad(format!("{source}: the history holds no backups"));
    }
    if let Some((i, j)) = plan::conflicting_duplicates(&history.records).first() {
        return bad(format!(
            "{}: backup set {} appears again at {} with different type, LSNs or finish time",
            history.locations[*i], history.records[*i].backup_set_uuid, history.locations[*j]
        ));
    }
    if let Some(name) = &a.database {
        let known = plan::databases(&history.records);
        if !known.iter().any(|n| plan::same_database(n, name)) {
            return bad(format!(
                "{source}: no backups of database {name:?}; the history holds: {}",
                known.join(", ")
            ));
        }
    }
    let opts = PlanOptions {
        database: a.database.clone(),
        stop_at: a.stop_at,
        redo_start_lsn: a.redo_start_lsn,
        ignore_diffs: a.ignore_diffs,
        ignore_logs: a.ignore_logs,
    };
    let p = match plan::plan(&history.records, &opts) {
        Ok(p) => p,
        Err(e) => return bad(format!("{source}: {e}")),
    };
    let out = if a.json {
        let stdout = std::io::stdout();
        let mut w = std::io::BufWriter::new(stdout.lock());
        // A closed pipe (`| head`) is not an error of the plan.
        let _ = render::write_json(&mut w, &p, &opts, &source);
        String::new()
    } else if a.tsql {
        match render::tsql(&p, &opts, &source) {
            Ok(t) => t,
            Err(e) => return bad(format!("{source}: {e}")),
        }
    } else {
        render::text(&p, &opts, &source)
    };
    // Not print!: it panics when the reader has gone (`| head`).
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes());
    if p.gap.is_some() {
        // The table already shows it; JSON and T-SQL readers also get it on stderr.
        if a.json || a.tsql {
            if let Some(g) = render::gap_text(&p) {
                eprintln!("{g}");
            }
        }
        exit::VIOLATION
    } else if p.missing_full {
        eprintln!("drill history plan: no full backup to start from");
        exit::VIOLATION
    } else {
        exit::OK
    }
}
