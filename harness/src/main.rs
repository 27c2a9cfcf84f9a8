use clap::{Parser, Subcommand};
use harness::history;

/// drill: rehearse, fuzz and measure the Persistent Chat disaster-recovery runbooks.
#[derive(Parser)]
#[command(name = "drill", version, about)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Backup history: plan a restore sequence from msdb.dbo.backupset.
    History(history::Args),
}

fn main() {
    let cli = Cli::parse();
    let code = match cli.cmd {
        Cmd::History(a) => history::run(a),
    };
    std::process::exit(code);
}
