use clap::{Parser, Subcommand};
use harness::{fuzz, history, rto, run, schema};

/// mimalloc: `drill explore` and `drill fuzz` clone and drop millions of small engine
/// states; glibc's allocator took a fifth of the explorer's time at K=2 (perf).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// drill: rehearse, fuzz and measure the Persistent Chat disaster-recovery runbooks.
#[derive(Parser)]
#[command(name = "drill", version, about)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Play a scenario (default: the embedded full DR cycle) and print the timeline and verdicts.
    Run(run::Args),
    /// Fuzz runbooks with generated outage scenarios; shrink every violation.
    Fuzz(fuzz::Args),
    /// Explore every fault placement and deviation within a bound; certify or give shortest counterexamples.
    Explore(harness::explore::Args),
    /// Measure RTO and RPO as distributions (Monte Carlo over the timing model).
    Rto(rto::Args),
    /// Print the JSON Schema of runbook or scenario files.
    Schema(schema::Args),
    /// Backup history: plan a restore sequence from msdb.dbo.backupset.
    History(history::Args),
    /// Replay a scenario's backup/restore sequence on SQL Server and compare with the model.
    Replay(harness::sqlserver::Args),
    /// Compare two versions of a runbook on the same cases: invariants, RTO/RPO shift, steps.
    Diff(harness::diff::Args),
    /// The CI gate: validate files, replay regressions, catch mutants, fuzz, check targets.
    Check(harness::check::Args),
    /// Static checks of runbook files, before any simulation.
    Lint(harness::lint::Args),
    /// Site files: your estate's names and layout (check, or a scenario from it).
    Site(harness::site::Args),
    /// The drill-night checklist of a runbook with your site's names, for print.
    Plan(harness::night::plan::Args),
    /// Walk a runbook step by step with read-only probes; ends with the drill report.
    Rehearse(harness::night::rehearse::Args),
    /// Calibration from msdb backup history: throughputs and sizes for `drill rto`.
    Calibrate(harness::night::calibrate::Args),
    /// The DR range: the scenario's SQL instances as TDS endpoints backed by the model.
    Range(harness::range::cli::Args),
    /// The conformance suite: documented BACKUP/RESTORE errors on the model, the range or a real SQL Server.
    Conform(harness::conform::Args),
}

/// Exit code when stdout or stderr is a pipe whose reader went away (`drill run | head`):
/// 141, what a shell reports for a program the SIGPIPE signal ended (128 + 13), so
/// `set -o pipefail` sees drill as it sees `cat`. No panic message is printed.
const BROKEN_PIPE: i32 = 141;

/// Rust ignores SIGPIPE, so `println!` to a closed pipe panics. Restoring the signal would
/// also end the range (a server) when a client drops mid-write; instead only that panic,
/// in any command and any thread, becomes a quiet exit.
fn quiet_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        // std's message: "failed printing to stdout: Broken pipe (os error 32)"; Windows
        // says os error 232 (the pipe is being closed).
        let printing = text.starts_with("failed printing to std");
        let broken = text.contains("Broken pipe") || text.contains("(os error 232)");
        if printing && broken {
            std::process::exit(BROKEN_PIPE);
        }
        default(info)
    }));
}

/// mimalloc's options the explorer sets, by their index in mimalloc v3's `mi_option_e`,
/// which libmimalloc-sys 0.1.49 builds (that crate names no constant for them; the test
/// `explore_sets_its_allocator_options` checks each index through mimalloc's own variable).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
const MI_OPTION_ALLOW_THP: libmimalloc_sys::mi_option_t = 43;

/// The explorer frees a level's states while it allocates the next level's, and grows to
/// gigabytes. Measured at K=2 over the full cycle, two threads (`/usr/bin/time`):
/// - mimalloc's default purge (freed pages back to the OS after 1 s) made the same memory
///   come back as fresh pages the kernel zeroes again: 74,949 page faults and 4.9 s of
///   system time, against 1,661 and 1.7 s with the pages kept (purge delay -1);
/// - transparent huge pages (mimalloc asks for them) then cost 3.0-4.9 s of system time in
///   the kernel's compaction, against 1.5 s with 4 KB pages (10.8-11.1 s of wall clock
///   against 9.8-9.9 s).
///
/// Each is left as the user set it (MIMALLOC_PURGE_DELAY, MIMALLOC_ALLOW_THP).
fn explorer_memory() {
    // SAFETY: reading and setting allocator options by index; mimalloc checks the index,
    // and each option is a plain integer it reads when it next purges or maps memory.
    let read = |o| unsafe { libmimalloc_sys::mi_option_get(o) };
    let before = [read(MI_OPTION_PURGE_DELAY), read(MI_OPTION_ALLOW_THP)];
    for (option, var, value) in [
        (MI_OPTION_PURGE_DELAY, "MIMALLOC_PURGE_DELAY", -1),
        (MI_OPTION_ALLOW_THP, "MIMALLOC_ALLOW_THP", 0),
    ] {
        if std::env::var_os(var).is_none() {
            // SAFETY: as above.
            unsafe { libmimalloc_sys::mi_option_set(option, value) }
        }
    }
    // What a test reads to check the options' indices (the user's values read back as given).
    if std::env::var_os("DRILL_SHOW_ALLOCATOR").is_some() {
        eprintln!(
            "drill explore: mimalloc purge delay {} ms, now {}; huge pages {}, now {}",
            before[0],
            read(MI_OPTION_PURGE_DELAY),
            before[1],
            read(MI_OPTION_ALLOW_THP)
        );
    }
}

fn main() {
    quiet_on_broken_pipe();
    let cli = Cli::parse();
    let code = match cli.cmd {
        Cmd::Run(a) => run::run(a),
        Cmd::Fuzz(a) => fuzz::run(a),
        Cmd::Explore(a) => {
            explorer_memory();
            harness::explore::run(a)
        }
        Cmd::Rto(a) => rto::run(a),
        Cmd::Schema(a) => schema::run(a),
        Cmd::History(a) => history::run(a),
        Cmd::Replay(a) => harness::sqlserver::run(a),
        Cmd::Diff(a) => harness::diff::run(a),
        Cmd::Check(a) => harness::check::run(a),
        Cmd::Lint(a) => harness::lint::run(a),
        Cmd::Site(a) => harness::site::run(a),
        Cmd::Plan(a) => harness::night::plan::run(a),
        Cmd::Rehearse(a) => harness::night::rehearse::run(a),
        Cmd::Calibrate(a) => harness::night::calibrate::run(a),
        Cmd::Range(a) => harness::range::cli::run(a),
        Cmd::Conform(a) => harness::conform::run(a),
    };
    std::process::exit(code);
}
