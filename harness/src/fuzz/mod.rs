//! `drill fuzz` (being built).
use clap::Args as ClapArgs;

#[derive(ClapArgs, Debug)]
pub struct Args {}

pub fn run(_args: Args) -> i32 {
    eprintln!("drill fuzz: not implemented yet");
    crate::exit::BAD_INPUT
}
