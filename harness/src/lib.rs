//! # harness: the `drill` command line
//!
//! Each subcommand lives in its own module and exposes `Args` (clap) and
//! `run(args) -> i32` (the process exit code).
pub mod assumptions;
pub mod bounds;
pub mod check;
pub mod conform;
pub mod diff;
pub mod exit;
pub mod explore;
pub mod fmt;
pub mod fuzz;
pub mod history;
pub mod lint;
pub mod load;
pub mod night;
pub mod output;
pub mod parsers;
pub mod range;
pub mod rto;
pub mod run;
pub mod runbooks;
pub mod schema;
pub mod site;
pub mod sqlserver;
pub mod tsql_quote;
