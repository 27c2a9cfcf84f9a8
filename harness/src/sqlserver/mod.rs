//! `drill replay`: replay a scenario's backup/restore sequence on a real SQL Server and
//! compare what it shows with the model after every step (docs/sqlserver.md).
//!
//! Without `--container` or `--server` it prints the script (the T-SQL per entry) only.

pub mod compare;
pub mod container;
pub mod observe;
pub mod range;
pub mod replay;
pub mod safety;
pub mod script;
pub mod tsql;

use crate::{exit, load, run};
use clap::Args as ClapArgs;
use safety::{gate, ServerId, Target};
use std::fmt::Write as _;
use std::path::PathBuf;
use tsql::{render, Placement};

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Scenario file (JSON); without it, the embedded default drill.
    pub scenario: Option<PathBuf>,
    /// Start a SQL Server container (needs a Docker engine) and replay there.
    #[arg(long, conflicts_with = "server")]
    pub container: bool,
    /// Replay on `drill range --control --speed 0` started with the same scenario: HOST:PORT
    /// (the five instances on PORT..PORT+4) or HOST:P1,P2,P3,P4,P5. Refused unless every
    /// endpoint's @@VERSION says "drill range".
    #[arg(long, value_name = "HOST:PORT", conflicts_with_all = ["server", "container", "allow_destructive"])]
    pub range: Option<String>,
    /// Replay on this server (HOST[,PORT]); destructive statements need --allow-destructive.
    #[arg(long)]
    pub server: Option<String>,
    #[command(flatten)]
    pub login: Login,
    /// Allow RESTORE/DROP/ALTER DATABASE/... on this exact server (HOST[,PORT]).
    #[arg(long)]
    pub allow_destructive: Option<String>,
    #[arg(long)]
    pub json: bool,
}

/// The login flags of every command that logs in (replay, conform, rehearse, calibrate,
/// history plan): declared once, so they read and default the same everywhere.
#[derive(ClapArgs, Debug, Clone, Default)]
pub struct Login {
    /// SQL login (default: `drill` on a drill range, as `drill range`; `sa` otherwise).
    #[arg(long, value_name = "LOGIN")]
    pub user: Option<String>,
    /// Environment variable holding the password, never on the command line (default:
    /// DRILL_RANGE_PASSWORD on a drill range, as `drill range`; DRILL_SQL_PASSWORD
    /// otherwise; neither set: a prompt, when standard input is a terminal).
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
}

impl Login {
    /// The login's name on a range (`range`) or a SQL Server: [`login_user`].
    pub fn user(&self, range: bool) -> String {
        login_user(self.user.as_deref(), range)
    }

    /// The login's name and password: [`login_password`].
    pub fn credentials(&self, range: bool) -> Result<(String, String), String> {
        let user = self.user(range);
        let password = login_password(self.password_env.as_deref(), range, &user)?;
        Ok((user, password))
    }
}

/// The SQL login's name: `--user`, or `drill` on a range (as `drill range`), `sa` on a SQL
/// Server.
fn login_user(user: Option<&str>, range: bool) -> String {
    user.unwrap_or(if range { "drill" } else { "sa" })
        .to_string()
}

/// The SQL login's password, never from argv and never printed. Every command that logs in
/// (replay, conform, rehearse, calibrate, history plan) reads it here, the same way: from
/// the environment variable `--password-env` names (it must be set); without the flag, from
/// the default variable (DRILL_RANGE_PASSWORD on a range, as `drill range`;
/// DRILL_SQL_PASSWORD on a SQL Server) when it is set; else from a prompt without echo, when
/// standard input is a terminal (a script gets the error at once, not a hang).
fn login_password(password_env: Option<&str>, range: bool, user: &str) -> Result<String, String> {
    let default = if range {
        "DRILL_RANGE_PASSWORD"
    } else {
        "DRILL_SQL_PASSWORD"
    };
    if let Some(var) = password_env {
        return std::env::var(var)
            .map_err(|_| format!("--password-env {var}: the environment variable is not set"));
    }
    if let Ok(p) = std::env::var(default) {
        return Ok(p);
    }
    let expected = if range {
        "the range's SQL login password (as for drill range)"
    } else {
        "the SQL login's password"
    };
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Err(format!(
            "no password: {default} is not set and standard input is not a terminal to ask on; \
             expected {expected} in {default} or in the variable --password-env VAR names"
        ));
    }
    rpassword::prompt_password(format!("password for {user}: ")).map_err(|e| {
        format!("cannot read the password from the terminal ({e}); give --password-env VAR")
    })
}

pub fn run(a: Args) -> i32 {
    match run_inner(a) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("drill replay: {e}");
            exit::BAD_INPUT
        }
    }
}

fn run_inner(a: Args) -> Result<i32, String> {
    let loaded = load::load(a.scenario.as_deref()).map_err(|e| e.to_string())?;
    let report = run::play(&loaded);
    if let Some(r) = &a.range {
        return on_range(&a, r, &loaded, &report);
    }
    let p = Placement::container();
    let items = script::build(&loaded, &report, &p);
    let statements: Vec<String> = items
        .iter()
        .flat_map(|i| i.ops.iter().flat_map(|o| render(o, &p)))
        .collect();
    let target = match (&a.server, a.container) {
        (Some(s), _) => Target::Server(ServerId::parse(s)?),
        (None, true) => Target::OurContainer,
        (None, false) => {
            print!("{}", render_script(&items, &p));
            return Ok(exit::OK);
        }
    };
    let allow = a
        .allow_destructive
        .as_deref()
        .map(ServerId::parse)
        .transpose()?;
    // Before any connection: the whole script against the safety rule.
    gate(
        statements.iter().map(String::as_str),
        &target,
        allow.as_ref(),
    )?;
    if target == Target::OurContainer {
        container::docker_reachable()?;
    }
    let (user, password) = match &target {
        Target::Server(_) => a.login.credentials(false)?,
        Target::OurContainer => (a.login.user(false), container::SA_PASSWORD.to_string()),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let results = rt.block_on(async {
        let on = |host: String, port: u16| {
            let (user, password, items, p) = (&user, &password, &items, &p);
            async move {
                let mut ex = replay::Tiberius::connect(&host, port, user, password).await?;
                replay::replay(items, p, &mut ex).await
            }
        };
        match &target {
            Target::OurContainer => {
                // The container lives until the replay ends, whatever its outcome.
                let c = container::start().await?;
                let r = on("127.0.0.1".to_string(), c.port).await;
                c.remove().await;
                r
            }
            Target::Server(s) => on(s.host.clone(), s.port).await,
        }
    })?;
    let differences: usize = results.iter().map(|r| r.differences.len()).sum();
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&results).unwrap_or_default()
        );
    } else {
        for r in &results {
            println!("{} {}", crate::fmt::clock(r.t_s), r.label);
            r.not_replayed
                .iter()
                .for_each(|n| println!("  (not replayed: {n})"));
            r.differences.iter().for_each(|d| println!("  DIFF {d}"));
        }
        println!("{differences} difference(s) between the model and the server");
    }
    Ok(if differences == 0 {
        exit::OK
    } else {
        exit::VIOLATION
    })
}

/// `--range`: check the target is the range, then replay the steps on it (range.rs).
fn on_range(
    a: &Args,
    r: &str,
    loaded: &load::Loaded,
    report: &sim::report::Report,
) -> Result<i32, String> {
    let eps = crate::night::rehearse::range_endpoints(r)?;
    let (user, password) = a.login.credentials(true)?;
    let items = range::build(loaded, report);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let outcome = rt.block_on(async {
        let mut conns = Vec::new();
        let mut names = Vec::new();
        for ep in eps.iter().flatten() {
            names.push(format!("{},{}", ep.host, ep.port));
            conns.push(range::RangeConn::connect(&ep.host, ep.port, &user, &password).await?);
        }
        range::check(&mut conns, &names, loaded).await?;
        range::replay(&items, &mut conns).await
    })?;
    let outcome = range::Outcome {
        scenario: loaded.scenario.name.clone(),
        seed: loaded.scenario.seed,
        digest: crate::range::control::scenario_digest(&loaded.scenario),
        ..outcome
    };
    print!("{}", render_range(&outcome, a.json));
    Ok(if outcome.differences() == 0 {
        exit::OK
    } else {
        exit::VIOLATION
    })
}

/// The range replay's outcome as text (or JSON).
pub fn render_range(o: &range::Outcome, json: bool) -> String {
    if json {
        return serde_json::to_string_pretty(o).unwrap_or_default() + "\n";
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "scenario {} (seed {}, digest {}) replayed on the range",
        o.scenario, o.seed, o.digest
    );
    for it in &o.items {
        let _ = writeln!(s, "{} {}", crate::fmt::clock(it.t_s), it.label);
        for x in &it.sent {
            let _ = writeln!(s, "  sent {}", x.replace('\n', "\n       "));
        }
        if let Some((n, m)) = &it.error {
            let _ = writeln!(s, "  error {n}: {m}");
        }
        if !it.compared.is_empty() {
            let _ = writeln!(s, "  compared: {}", it.compared.join(", "));
        }
        it.differences.iter().for_each(|d| {
            let _ = writeln!(s, "  DIFF {d}");
        });
    }
    let _ = writeln!(
        s,
        "{} step(s) sent ({} T-SQL on the instances' endpoints, {} through the control surface), {} observation(s) compared, {} restorehistory row(s)",
        o.steps_sent, o.tsql_steps, o.control_steps, o.observations_compared, o.restores_compared
    );
    for n in &o.not_compared {
        let _ = writeln!(s, "not compared: {n}");
    }
    let _ = writeln!(
        s,
        "{} difference(s) between the model and the range",
        o.differences()
    );
    s
}

/// The script as text: per entry, the statements or why it is not replayed.
pub fn render_script(items: &[script::Item], p: &Placement) -> String {
    let mut o = String::new();
    for it in items {
        let _ = writeln!(
            o,
            "-- {} {}{}",
            crate::fmt::clock(it.t_s),
            it.label,
            it.expected_error
                .map(|n| format!(" (model: error {n})"))
                .unwrap_or_default()
        );
        for op in &it.ops {
            for s in render(op, p) {
                let _ = writeln!(o, "{s}");
            }
        }
    }
    o
}
