//! `drill range [SCENARIO] [--speed X] [--record FILE] [--listen ADDR] [--port BASE]
//! [--password-env VAR]`: the scenario's five SQL instances as TDS endpoints backed by the
//! model, a console on stdin, and the session recorded as a replayable scenario.

use super::backend::{Clock, ModelBackend};
use super::catalog::server_name;
use super::console::{self, Next};
use super::server::{RangeServer, ServeConfig};
use crate::exit;
use clap::Parser;
use sim::live::Live;
use sim::topology::Instance;
use std::io::BufRead;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The most simulated seconds per real second: faster than this, jobs of a day's history
/// would fire in one console round trip.
pub const MAX_SPEED: f64 = 86_400.0;

#[derive(Parser, Debug, Clone)]
pub struct Args {
    /// Scenario file (JSON); without it, the embedded default drill.
    pub scenario: Option<PathBuf>,
    /// Simulated seconds per real second (60: a real second is a simulated minute; 0: the
    /// clock moves only with `advance`). Default 1: real time, so a rehearsal takes as long
    /// as the real thing; `advance 10m` skips the waiting.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Write what the operator did as a scenario file `drill run` replays.
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// Address to listen on. Default loopback; anything else is reachable from the network
    /// (a warning is printed).
    #[arg(long, default_value = "127.0.0.1")]
    pub listen: IpAddr,
    /// First port: the five instances listen on BASE..BASE+4 (0: free ports).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// The SQL login's name.
    #[arg(long, default_value = "drill")]
    pub user: String,
    /// Environment variable holding the SQL login's password (never on the command line).
    #[arg(long, default_value = "DRILL_RANGE_PASSWORD")]
    pub password_env: String,
    /// Answer `EXEC drill_range_console N'...'` (the console over TDS, for `drill replay
    /// --range`). Off by default: then only the operator at this console moves the clock.
    #[arg(long)]
    pub control: bool,
}

pub fn run(a: Args) -> i32 {
    match run_inner(a) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("drill range: {e}");
            exit::BAD_INPUT
        }
    }
}

fn run_inner(a: Args) -> Result<i32, String> {
    if !(a.speed.is_finite() && (0.0..=MAX_SPEED).contains(&a.speed)) {
        return Err(format!(
            "--speed {}: expected simulated seconds per real second from 0 to {MAX_SPEED}",
            a.speed
        ));
    }
    let password = std::env::var(&a.password_env).map_err(|_| {
        format!(
            "the environment variable {} is not set; expected the range's SQL login password there (e.g. export {}=...; the password is never taken from the command line)",
            a.password_env, a.password_env
        )
    })?;
    if password.is_empty() {
        return Err(format!("{} is empty; expected a password", a.password_env));
    }
    if let Some(r) = &a.record {
        crate::output::check_target(r).map_err(|e| format!("--record {e}"))?;
    }
    let ports: Vec<u16> = if a.port == 0 {
        vec![0; 5]
    } else {
        if a.port > u16::MAX - 4 {
            return Err(format!(
                "--port {}: the five instances need BASE..BASE+4; expected at most {}",
                a.port,
                u16::MAX - 4
            ));
        }
        (0..5).map(|k| a.port + k).collect()
    };
    let loaded = crate::load::load(a.scenario.as_deref()).map_err(|e| e.to_string())?;
    let s = &loaded.scenario;
    let backend = Arc::new(
        ModelBackend::new(
            Live::new(s),
            Clock::new(a.speed),
            &a.user,
            &password,
            super::tsql::parse_batch,
            super::select::run,
        )
        .with_control(a.control),
    );
    let cfg = ServeConfig {
        listen: a.listen,
        ports,
        ..ServeConfig::default()
    };
    let server = RangeServer::start(cfg, backend.clone())
        .map_err(|e| format!("cannot listen on {}: {e}", a.listen))?;
    if !a.listen.is_loopback() {
        eprintln!(
            "drill range: WARNING: listening on {}, reachable from the network; the range's login is a rehearsal password and its traffic is not encrypted",
            a.listen
        );
    }
    println!(
        "drill range: scenario {} (seed {}), {} simulated s per real s",
        s.name, s.seed, a.speed
    );
    if a.control {
        println!(
            "control surface on: any client with the login can move the clock and act (EXEC {} N'help')",
            super::control::PROCEDURE
        );
    }
    let file = match &a.scenario {
        Some(p) => format!("{} ", p.display()),
        None => String::new(),
    };
    println!(
        "reproduce: drill range {file}--speed {}  (same scenario and seed: the same faults and jobs at the same simulated times)",
        a.speed
    );
    let pw = &a.password_env;
    for (i, addr) in Instance::ALL.iter().zip(server.endpoints()) {
        let (h, p) = (addr.ip(), addr.port());
        println!("\n{i} ({}) at {addr}", server_name(*i));
        println!(
            "  SQLCMDPASSWORD=\"${pw}\" sqlcmd -S {h},{p} -U {} -C",
            a.user
        );
        // No -P: tsql prompts, so the password never sits in a process's argv.
        println!(
            "  tsql -H {h} -p {p} -U {}  (prompts for the password)",
            a.user
        );
        println!(
            "  SSMS: server {h},{p}; SQL Server Authentication, login {}; Trust server certificate",
            a.user
        );
        println!(
            "  tiberius / ADO: Server=tcp:{h},{p};User Id={};Password=<${pw}>;Encrypt=True;TrustServerCertificate=True",
            a.user
        );
    }
    println!(
        "\nsimulated time {}; type help for the console",
        console::hms(0)
    );
    let stop = Arc::new(AtomicBool::new(false));
    // Faults and jobs fire as the clock passes them; show them as they do.
    let ticker = {
        let (b, stop) = (backend.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(std::time::Duration::from_millis(500));
                let mut st = b.lock();
                st.tick();
                for h in st.live.drain_happened() {
                    say(format_args!("  {} {}", console::hms(h.t_s), h.what));
                }
            }
        })
    };
    let stdin = std::io::stdin();
    for l in stdin.lock().lines() {
        let Ok(l) = l else { break };
        let (out, next) = console::line(&backend, super::cmdlet::parse, &l);
        if !out.is_empty() {
            say(format_args!("{out}"));
        }
        if next == Next::Quit {
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let _ = ticker.join();
    server.stop();
    if let Some(path) = &a.record {
        let st = backend.lock();
        let r = super::record::write(&st.live, path).map_err(|e| e.to_string())?;
        println!(
            "recorded {} action(s) to {}; replay: drill run {}",
            st.live.taken().len(),
            path.display(),
            path.display()
        );
        for why in &r.inexact {
            println!("  not exact: {why}");
        }
    }
    Ok(exit::OK)
}

/// The console's output once the range runs: a closed stdout (`drill range | head`) must
/// not take the clock or the console down with it, so write errors are ignored.
fn say(line: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stdout(), "{line}");
}
