//! `drill history plan` at 10k, 100k and 1M rows (issue 10: one full and N-1 contiguous
//! log backups with 23-digit LSNs, the shape of bad-inputs/08's gen.py): the planner alone,
//! and reading the CSV plus planning (what the CLI does before printing).
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use sim::plan::{plan, PlanOptions};

/// gen.py's history as CSV text, made deterministically (uuids from the row number).
fn history_csv(n: u64) -> String {
    let base: u128 = 17126658000000314600037;
    let mut out = String::with_capacity(n as usize * 220);
    out.push_str("database_name,server_name,type,backup_set_uuid,first_lsn,last_lsn,checkpoint_lsn,database_backup_lsn,differential_base_lsn,backup_start_date,backup_finish_date,first_recovery_fork_guid,is_copy_only,physical_device_name\n");
    out.push_str(&format!(
        "testdb,testserver,D,00000000-0000-4000-8000-000000000000,{base},{},{base},0,,2017-07-16T17:00:00,2017-07-16T17:00:00,,0,C:\\b\\full.bak\n",
        base + 100_000
    ));
    let mut prev = base;
    for i in 1..n {
        let last = prev + 100_000 + (i % 7) as u128;
        let s = 61_200 + i; // seconds since 2017-07-16T00:00:00
                            // 1M rows span 12.3 days: still in July.
        let t = format!(
            "2017-07-{:02}T{:02}:{:02}:{:02}",
            16 + s / 86_400,
            s / 3600 % 24,
            s / 60 % 60,
            s % 60
        );
        out.push_str(&format!(
            "testdb,testserver,L,00000000-0000-4000-8000-{i:012},{prev},{last},{base},{base},,{t},{t},,0,C:\\b\\log_{i}.trn\n"
        ));
        prev = last;
    }
    out
}

fn history(c: &mut Criterion) {
    let mut g = c.benchmark_group("history_plan");
    g.sample_size(10);
    for n in [10_000u64, 100_000, 1_000_000] {
        let csv = history_csv(n);
        let h = harness::history::input::parse_csv("bench.csv", csv.as_bytes())
            .expect("generated history parses");
        assert_eq!(h.records.len() as u64, n);
        g.bench_with_input(BenchmarkId::new("plan", n), &h.records, |b, recs| {
            b.iter(|| plan(recs, &PlanOptions::default()).expect("one database"))
        });
        g.bench_with_input(BenchmarkId::new("read_csv_and_plan", n), &csv, |b, csv| {
            b.iter(|| {
                let h = harness::history::input::parse_csv("bench.csv", csv.as_bytes())
                    .expect("parses");
                plan(&h.records, &PlanOptions::default()).expect("one database")
            })
        });
    }
    g.finish();
}

criterion_group!(benches, history);
criterion_main!(benches);
