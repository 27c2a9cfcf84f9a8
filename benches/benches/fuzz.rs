//! The fuzz campaign: generating and playing one case (full failover-and-failback cycle),
//! a 2,000-case campaign on 2 threads, and shrinking a typical violation.
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use harness::fuzz::{self, campaign, shrink};
use sim::engine::{run, Options};
use std::path::PathBuf;

fn target(names: &[&str]) -> fuzz::Target {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios/runbooks");
    let files: Vec<PathBuf> = names.iter().map(|n| root.join(n)).collect();
    fuzz::target(&files).expect("runbooks load")
}

fn fuzz_bench(c: &mut Criterion) {
    let t = target(&["failover-corrected.json", "failback-corrected.json"]);
    let shape = fuzz::shape(&t, false, false);
    let mut i = 0u64;
    c.bench_function("fuzz_case_generate", |b| {
        b.iter(|| {
            i += 1;
            campaign::scenario(&shape, 1, i)
        })
    });
    let cases: Vec<_> = (0..64).map(|i| campaign::scenario(&shape, 1, i)).collect();
    let mut k = 0;
    c.bench_function("fuzz_case_play", |b| {
        b.iter(|| {
            k = (k + 1) % cases.len();
            run(&cases[k], &t.runbooks, Options { record: false })
        })
    });
    let mut g = c.benchmark_group("fuzz_campaign");
    g.sample_size(10);
    g.throughput(Throughput::Elements(2000));
    g.bench_function("2000_cases_2_jobs", |b| {
        b.iter(|| {
            campaign::run(&campaign::Plan {
                shape: &shape,
                runbooks: &t.runbooks,
                seed: 1,
                cases: 2000,
                jobs: 2,
                deadline: None,
                progress: &|_| {},
            })
        })
    });
    g.finish();
    // Shrinking the documented runbooks' first service_restored violation.
    let doc = target(&["failover.json", "failback.json"]);
    let dshape = fuzz::shape(&doc, false, false);
    let s = campaign::scenario(&dshape, 1, 0);
    c.bench_function("fuzz_shrink_service_restored", |b| {
        b.iter(|| shrink::shrink(&s, &doc.runbooks, "service_restored"))
    });
}

criterion_group!(benches, fuzz_bench);
criterion_main!(benches);
