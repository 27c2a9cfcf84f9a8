//! One full default drill (DC1 outage, failover, DC1 rebuilt, failback), as the fuzzer plays
//! it (no timeline) and as `drill run` plays it (timeline and observations).
use criterion::{criterion_group, criterion_main, Criterion};
use sim::engine::{run, Options};

fn full_drill(c: &mut Criterion) {
    let l = harness::load::load(None).expect("embedded default scenario loads");
    c.bench_function("full_drill_fast", |b| {
        b.iter(|| run(&l.scenario, &l.runbooks, Options { record: false }))
    });
    c.bench_function("full_drill_recorded", |b| {
        b.iter(|| run(&l.scenario, &l.runbooks, Options { record: true }))
    });
    let r = sim::lsn::Lsn(17126658000000314600037);
    c.bench_function("lsn_rule", |b| {
        b.iter(|| sim::lsn::check_log_restore(r, r, sim::lsn::Lsn(r.0 + 1)))
    });
}

criterion_group!(benches, full_drill);
criterion_main!(benches);
