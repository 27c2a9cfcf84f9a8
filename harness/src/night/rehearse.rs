//! `drill rehearse`.
use clap::Args as ClapArgs;
#[derive(ClapArgs, Debug)]
pub struct Args {}
pub fn run(_a: Args) -> i32 {
    0
}
