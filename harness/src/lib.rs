//! # harness: the `drill` command line
//!
//! Each subcommand lives in its own module and exposes `Args` (clap) and
//! `run(args) -> i32` (the process exit code).
pub mod assumptions;
pub mod exit;
pub mod fuzz;
pub mod history;
pub mod load;
pub mod rto;
pub mod run;
pub mod schema;
pub mod sqlserver;
