//! `drill schema`: the JSON Schemas of runbook and scenario files, generated from the Rust
//! types (docs/schema/*.schema.json are these, committed; a test keeps them in step).

use clap::{Args as ClapArgs, ValueEnum};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Kind {
    Runbook,
    Scenario,
    Site,
}

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Which file kind.
    pub kind: Kind,
}

pub fn schema(kind: Kind) -> String {
    let s = match kind {
        Kind::Runbook => schemars::schema_for!(sim::runbook::Runbook),
        Kind::Scenario => schemars::schema_for!(sim::scenario::Scenario),
        Kind::Site => return crate::site::schema(),
    };
    serde_json::to_string_pretty(&s).unwrap_or_default() + "\n"
}

pub fn run(args: Args) -> i32 {
    print!("{}", schema(args.kind));
    crate::exit::OK
}
