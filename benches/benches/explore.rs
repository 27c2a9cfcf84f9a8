//! `drill explore`: the search's unique states per second, with one thread and two, and the
//! cost of one state's canonical key and successors. Three bounds (the golden counts of
//! harness/tests/explore_search.rs and docs/explore.md's table):
//! - the corrected failover (DC1 outage, share in DC2) within one fault: 6,957 unique
//!   states reduced, 14,466 plain (--no-reduction);
//! - the corrected failover and failback (the full cycle) within one fault: 67,977;
//! - the corrected failover within two faults: 355,132 (the frontier outgrows the caches);
//! - the corrected failover within one fault and one deviation: 84,316 (deviations chosen
//!   as transitions; 566,740 plain, a root per plan);
//! - the corrected full cycle within one fault and one deviation, one root against 8 groups
//!   of plans searched side by side (wall time).
//!
//! Criterion's throughput is unique states per second of wall time: per thread, divide the
//! two-job figure by two.
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use harness::explore::{self, shard::Shard, SearchArgs};
use std::path::PathBuf;

/// As `drill`: the search allocates and frees a state per successor.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn args(scenario: Option<&str>, runbooks: &[&str], faults: u32) -> SearchArgs {
    args_d(scenario, runbooks, faults, 0)
}

fn args_d(scenario: Option<&str>, runbooks: &[&str], faults: u32, devs: u32) -> SearchArgs {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    SearchArgs::new(
        scenario.map(|s| root.join(s)),
        runbooks.iter().map(|r| root.join(r)).collect(),
        faults,
        devs,
    )
}

const FAILOVER_ONLY: &str = "scenarios/dc1-outage-share-dc2.json";
const CORRECTED_FO: &str = "scenarios/runbooks/failover-corrected.json";
const CORRECTED_FB: &str = "scenarios/runbooks/failback-corrected.json";

/// One group: the search with 1 and 2 jobs, throughput in unique states.
fn group(c: &mut Criterion, name: &str, a: &SearchArgs) {
    let inp = explore::input(a).expect("inputs load");
    let unique = explore::search_outcome(&inp, a.max_states, 1, Shard::WHOLE).unique;
    let mut g = c.benchmark_group(name);
    g.sample_size(10);
    g.throughput(Throughput::Elements(unique));
    for jobs in [1, 2] {
        g.bench_function(format!("{jobs}_jobs"), |b| {
            b.iter(|| explore::search_outcome(&inp, a.max_states, jobs, Shard::WHOLE))
        });
    }
    g.finish();
}

fn explore_bench(c: &mut Criterion) {
    let a = args(Some(FAILOVER_ONLY), &[CORRECTED_FO], 1);
    group(c, "explore_k1_failover", &a);
    let mut plain = a.clone();
    plain.no_reduction = true;
    let plain_inp = explore::input(&plain).expect("inputs load");
    let plain_unique = explore::search_outcome(&plain_inp, a.max_states, 1, Shard::WHOLE).unique;
    let mut g = c.benchmark_group("explore_k1_failover_no_reduction");
    g.sample_size(10);
    g.throughput(Throughput::Elements(plain_unique));
    g.bench_function("1_jobs", |b| {
        b.iter(|| explore::search_outcome(&plain_inp, a.max_states, 1, Shard::WHOLE))
    });
    g.finish();
    group(
        c,
        "explore_k1_full_cycle",
        &args(None, &[CORRECTED_FO, CORRECTED_FB], 1),
    );
    group(
        c,
        "explore_k2_failover",
        &args(Some(FAILOVER_ONLY), &[CORRECTED_FO], 2),
    );
    group(
        c,
        "explore_k1_d1_failover",
        &args_d(Some(FAILOVER_ONLY), &[CORRECTED_FO], 1, 1),
    );
    // The corrected full cycle within one fault and one deviation, as the command runs it:
    // one root (1,921,427 states) on two threads, against the plans in 8 groups (2,331,139
    // states, roots searched two side by side). Wall time only: the counts differ.
    let one = SearchArgs {
        jobs: 2,
        ..args_d(None, &[CORRECTED_FO, CORRECTED_FB], 1, 1)
    };
    let one_inp = explore::input(&one).expect("inputs load");
    let grouped = SearchArgs {
        deviation_groups: Some(sim::explore::PlanGroups::Count(8)),
        ..one.clone()
    };
    let grouped_inp = explore::input(&grouped).expect("inputs load");
    let none = explore::memory::Budget::none();
    let mut g = c.benchmark_group("explore_k1_d1_full_cycle");
    g.sample_size(10);
    g.bench_function("one_root_2_jobs", |b| {
        b.iter(|| explore::search_outcome(&one_inp, one.max_states, 2, Shard::WHOLE))
    });
    g.bench_function("8_groups_2_jobs", |b| {
        b.iter(|| explore::one_root_at_a_time(&grouped_inp, &grouped, &none).expect("merges"))
    });
    g.finish();

    let inp = explore::input(&a).expect("inputs load");
    let bound = sim::explore::Bound {
        faults: 1,
        deviations: 0,
        beyond: false,
        reduce: true,
        plan_roots: false,
        plan_groups: sim::explore::PlanGroups::One,
    };
    let mut node = sim::explore::Node::root(0, &inp.roots[0], &inp.loaded.runbooks, bound);
    for _ in 0..40 {
        node = node.into_successors(bound).swap_remove(0);
    }
    // A state's key with every instance and the backup files hashed (no hash kept: the
    // node's path was never keyed), and as the search makes it: one event after a keyed
    // state, which kept the hashes of what the event left alone (`sim::instances`,
    // `sim::files`).
    c.bench_function("explore_state_key", |b| {
        b.iter_batched_ref(
            || node.clone(),
            |n| n.key(true),
            criterion::BatchSize::SmallInput,
        )
    });
    let _ = node.key(true);
    c.bench_function("explore_state_key_after_event", |b| {
        b.iter_batched_ref(
            || node.successors(bound).swap_remove(0),
            |n| n.key(true),
            criterion::BatchSize::SmallInput,
        )
    });
    c.bench_function("explore_state_successors", |b| {
        b.iter(|| node.successors(bound))
    });
}

criterion_group!(benches, explore_bench);
criterion_main!(benches);
