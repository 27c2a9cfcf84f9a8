use criterion::{criterion_group, criterion_main, Criterion};
fn lsn_rule(c: &mut Criterion) {
    let r = sim::lsn::Lsn(17126658000000314600037);
    c.bench_function("lsn_rule", |b| {
        b.iter(|| sim::lsn::check_log_restore(r, r, sim::lsn::Lsn(r.0 + 1)))
    });
}
criterion_group!(benches, lsn_rule);
criterion_main!(benches);
