//! What several test binaries share: `drill range` as a process on free ports, for the
//! tests that talk to it as users do (one way to start it, read its endpoints and drive its
//! console); the fuzz targets and the event-by-event reference the simulation's shortcuts
//! are checked against (`reference`); the mutant corpus (`mutants`).
#![allow(dead_code)] // each test binary uses part of it

pub mod explore;
mod mutants;
mod not_the_range;
#[allow(unused_imports)] // not every test binary uses it
pub use reference::{against_reference, target};
mod reference;
#[allow(unused_imports)] // not every test binary uses it
pub use mutants::mutants;
#[allow(unused_imports)] // not every test binary uses it
pub use not_the_range::NotTheRange;

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

/// How long the console may take to answer a line before the test fails (not a timing
/// assertion: a bound so a broken range fails the test instead of hanging it).
const CONSOLE_PATIENCE: Duration = Duration::from_secs(60);

pub struct RangeProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    /// The console's output, line by line, read on a thread so the range never blocks on a
    /// full pipe.
    lines: Receiver<String>,
    /// primary, mirror, witness, backup, backup-mirror: in the order the range prints them.
    pub endpoints: Vec<SocketAddr>,
}

impl RangeProcess {
    /// `drill range --port 0 ARGS` with `env` set and stderr sent to `stderr`; returns once
    /// the five endpoints are printed.
    pub fn start(args: &[&str], env: &[(&str, &str)], stderr: Stdio) -> RangeProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_drill"))
            .args(["range", "--port", "0"])
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start drill range");
        let stdin = child.stdin.take();
        let out = BufReader::new(child.stdout.take().expect("the range's stdout"));
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut r = RangeProcess {
            child,
            stdin,
            lines,
            endpoints: Vec::new(),
        };
        // "primary (sql-primary) at 127.0.0.1:PORT", one line per instance, in order.
        while r.endpoints.len() < 5 {
            let line = r.next_line("the range's endpoints");
            if let Some((_, at)) = line.split_once(") at ") {
                r.endpoints
                    .push(at.trim().parse().expect("an endpoint address"));
            }
        }
        r
    }

    fn next_line(&self, waiting_for: &str) -> String {
        self.lines
            .recv_timeout(CONSOLE_PATIENCE)
            .unwrap_or_else(|e| panic!("drill range: no line while waiting for {waiting_for}: {e}"))
    }

    /// `127.0.0.1:P1,P2,P3,P4,P5`: the address form `--range` takes.
    pub fn addr(&self) -> String {
        let ports: Vec<String> = self
            .endpoints
            .iter()
            .map(|e| e.port().to_string())
            .collect();
        format!("{}:{}", self.endpoints[0].ip(), ports.join(","))
    }

    /// Types `line` at the console and waits for a line of its answer containing `until`.
    pub fn console(&mut self, line: &str, until: &str) {
        let stdin = self.stdin.as_mut().expect("the console is open");
        writeln!(stdin, "{line}").expect("write to the console");
        stdin.flush().expect("flush the console");
        while !self.next_line(until).contains(until) {}
    }

    /// `quit` at the console, then waits for the process to end.
    pub fn quit(mut self) {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = writeln!(stdin, "quit");
        }
        let _ = self.child.wait();
    }
}

impl Drop for RangeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
