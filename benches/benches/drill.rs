//! One full default drill (DC1 outage, failover, DC1 rebuilt, failback), as the fuzzer plays
//! it (no timeline) and as `drill run` plays it (timeline and observations); and the same
//! drill after 1 and after 59 days of normal operation, with quiet periods in closed form
//! and event by event (docs/speed.md).
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
    let fast = Options { record: false };
    for days in [1u64, 59] {
        let mut s = l.scenario.clone();
        for f in s.faults.iter_mut().filter(|f| f.after_phase.is_none()) {
            f.at_s += days * 86_400;
        }
        s.phases[0].start_at_s += days * 86_400;
        c.bench_function(&format!("drill_after_{days}_days_quiet"), |b| {
            b.iter(|| sim::engine::run_with_stats(&s, &l.runbooks, fast))
        });
        c.bench_function(&format!("drill_after_{days}_days_event_by_event"), |b| {
            b.iter(|| sim::engine::run_event_by_event(&s, &l.runbooks, fast))
        });
    }
    let r = sim::lsn::Lsn(17126658000000314600037);
    c.bench_function("lsn_rule", |b| {
        b.iter(|| sim::lsn::check_log_restore(r, r, sim::lsn::Lsn(r.0 + 1)))
    });
}

criterion_group!(benches, full_drill);
criterion_main!(benches);
