//! drill rto's Monte Carlo: 1,000 runs of the default scenario on one and on two threads.
use criterion::{criterion_group, criterion_main, Criterion};

fn campaign(c: &mut Criterion) {
    let l = harness::load::load(None).expect("embedded default scenario loads");
    let mut g = c.benchmark_group("rto");
    g.sample_size(10);
    for threads in [1, 2] {
        g.bench_function(format!("1000_runs_{threads}_threads"), |b| {
            b.iter(|| harness::rto::campaign::run(&l.scenario, &l.runbooks, 1, 1000, threads))
        });
    }
    g.finish();
}

criterion_group!(benches, campaign);
criterion_main!(benches);
