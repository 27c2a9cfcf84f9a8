use clap::{Parser, Subcommand};
use harness::{fuzz, history, rto, run, schema};

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
}

fn main() {
    let cli = Cli::parse();
    let code = match cli.cmd {
        Cmd::Run(a) => run::run(a),
        Cmd::Fuzz(a) => fuzz::run(a),
        Cmd::Explore(a) => harness::explore::run(a),
        Cmd::Rto(a) => rto::run(a),
        Cmd::Schema(a) => schema::run(a),
        Cmd::History(a) => history::run(a),
        Cmd::Replay(a) => harness::sqlserver::run(a),
        Cmd::Diff(a) => harness::diff::run(a),
        Cmd::Check(a) => harness::check::run(a),
        Cmd::Lint(a) => harness::lint::run(a),
    };
    std::process::exit(code);
}
