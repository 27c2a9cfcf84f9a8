//! What the `drill explore` test binaries share: their inputs by repository path, and a
//! search's report built in process.

use harness::explore::{self, report, shard::Shard, SearchArgs};
use std::path::{Path, PathBuf};

pub const FAILOVER_ONLY: &str = "scenarios/dc1-outage-share-dc2.json";
pub const CORRECTED_FO: &str = "scenarios/runbooks/failover-corrected.json";
pub const CORRECTED_FB: &str = "scenarios/runbooks/failback-corrected.json";

/// A path in the repository.
pub fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(p)
}

/// K faults and D deviations over `scenario` (None: the embedded default) with `runbooks`,
/// on two threads.
pub fn args(scenario: Option<&str>, runbooks: &[&str], k: u32, d: u32) -> SearchArgs {
    SearchArgs {
        jobs: 2,
        ..SearchArgs::new(
            scenario.map(repo),
            runbooks.iter().map(|r| repo(r)).collect(),
            k,
            d,
        )
    }
}

/// The search's report (its shard, if one is given), as the command builds it.
pub fn search(a: &SearchArgs) -> report::ExploreReport {
    let inp = explore::input(a).expect("inputs load");
    let o = explore::search_outcome(&inp, a.max_states, a.jobs, a.shard.unwrap_or(Shard::WHOLE));
    report::build(&inp, a, &o, 1.0)
}
