//! One line per generated case: the FNV-1a hash of its full recorded report (timeline and
//! observations) as JSON, for scripts/check-identical.sh. A change to the engine that alters
//! any case's output shows here as the first differing case.
//!
//! usage: report-digest CASES [documented|corrected] [deviations] [beyond] [vary]
use harness::fuzz::{self, campaign};
use sim::engine::{run, Options};
use std::io::Write;
use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cases: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let has = |w: &str| args.iter().any(|a| a == w);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios/runbooks");
    let names = if has("corrected") {
        ["failover-corrected.json", "failback-corrected.json"]
    } else {
        ["failover.json", "failback.json"]
    };
    let files: Vec<PathBuf> = names.iter().map(|n| root.join(n)).collect();
    let t = fuzz::target(&files).expect("runbooks load");
    let mut shape = fuzz::shape(&t, has("deviations"), has("beyond"));
    shape.vary_assumptions = has("vary");
    let out = std::io::stdout();
    let mut out = out.lock();
    for i in 0..cases {
        let s = campaign::scenario(&shape, 1, i);
        let fast = run(&s, &t.runbooks, Options { record: false });
        let full = run(&s, &t.runbooks, Options { record: true });
        let a = serde_json::to_string(&fast).expect("reports serialize");
        let b = serde_json::to_string(&full).expect("reports serialize");
        writeln!(out, "{i} {:016x} {:016x}", fnv(&a), fnv(&b)).expect("stdout");
    }
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
