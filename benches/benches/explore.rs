//! `drill explore`: the search's unique states per second (one thread and two; and the plain
//! search, --no-reduction), and the cost of one state's canonical key and successors, on the
//! corrected failover (DC1 outage, share in DC2) within one fault: 12,116 unique states
//! reduced, 14,466 plain (the golden counts of harness/tests/explore_search.rs).
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use harness::explore::{self, shard::Shard, SearchArgs};
use std::path::PathBuf;

fn args() -> SearchArgs {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    SearchArgs {
        scenario: Some(root.join("scenarios/dc1-outage-share-dc2.json")),
        runbooks: vec![root.join("scenarios/runbooks/failover-corrected.json")],
        faults: 1,
        deviations: 0,
        premise: "scenario".into(),
        beyond_assumptions: false,
        max_states: 10_000_000,
        jobs: 1,
        shard: None,
        no_reduction: false,
        json: true,
        out: PathBuf::from("unused"),
    }
}

fn explore_bench(c: &mut Criterion) {
    let a = args();
    let inp = explore::input(&a).expect("inputs load");
    let unique = explore::search_outcome(&inp, a.max_states, 1, Shard::WHOLE).unique;
    let mut g = c.benchmark_group("explore_k1_failover");
    g.sample_size(10);
    g.throughput(Throughput::Elements(unique));
    for jobs in [1, 2] {
        g.bench_function(format!("{jobs}_jobs"), |b| {
            b.iter(|| explore::search_outcome(&inp, a.max_states, jobs, Shard::WHOLE))
        });
    }
    g.finish();
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
    let bound = sim::explore::Bound {
        faults: 1,
        deviations: 0,
        beyond: false,
        reduce: true,
    };
    let mut node = sim::explore::Node::root(0, &inp.roots[0], &inp.loaded.runbooks, bound);
    for _ in 0..40 {
        node = node.into_successors(bound).swap_remove(0);
    }
    c.bench_function("explore_state_key", |b| b.iter(|| node.key(true)));
    c.bench_function("explore_state_successors", |b| {
        b.iter(|| node.successors(bound))
    });
}

criterion_group!(benches, explore_bench);
criterion_main!(benches);
