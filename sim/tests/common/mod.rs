//! Shared helpers for the model's tests.
#![allow(dead_code)]

use sim::runbook::Action;
use sim::scenario::Scenario;
use sim::sqlerror::Failure;
use sim::steps;
use sim::world::World;

pub fn scenario(json: &str) -> Scenario {
    serde_json::from_str(json).expect("test scenario parses")
}

/// Normal operation at t = 0 with default parameters.
pub fn world() -> World {
    World::new(&scenario(r#"{"name":"t"}"#))
}

pub fn act(w: &mut World, json: &str) -> Result<steps::Effect, Failure> {
    let a: Action = serde_json::from_str(json).expect("test action parses");
    steps::apply(w, &a)
}

pub fn err_no(r: Result<steps::Effect, Failure>) -> u32 {
    match r {
        Err(f) => f.number().expect("a SQL Server error"),
        Ok(e) => panic!("expected an error, got {e:?}"),
    }
}

/// Advance simulated time with the workload running, then run a job.
pub fn at(w: &mut World, t: u64) {
    w.advance_workload(t);
    w.now = t;
}
