//! What a fuzz case costs, on one thread: events handled, job runs advanced in closed form
//! (quiet periods), and time per case, with and without quiet periods; and where the time
//! goes (generating the case vs playing it). Figures for docs/speed.md.
//!
//! usage: case-cost CASES [documented|corrected]
use harness::fuzz::{self, campaign, gen};
use sim::engine::{run_event_by_event, run_with_stats, Options, Stats};
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cases: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let names = if args.iter().any(|a| a == "documented") {
        ["failover.json", "failback.json"]
    } else {
        ["failover-corrected.json", "failback-corrected.json"]
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios/runbooks");
    let files: Vec<PathBuf> = names.iter().map(|n| root.join(n)).collect();
    let t = fuzz::target(&files).expect("runbooks load");
    let shape = fuzz::shape(&t, false, false);
    let strat = gen::strategy();
    let t0 = Instant::now();
    let scenarios: Vec<_> = (0..cases)
        .map(|i| {
            let seed = campaign::case_seed(1, i);
            gen::build(&shape, &gen::draw(&strat, seed), seed)
        })
        .collect();
    let gen_s = t0.elapsed().as_secs_f64();
    let opts = Options { record: false };
    let sum = |f: &dyn Fn(&sim::scenario::Scenario) -> Stats| {
        let t0 = Instant::now();
        let mut tot = Stats::default();
        for s in &scenarios {
            let st = f(s);
            tot.events += st.events;
            tot.job_events += st.job_events;
            tot.quiet_periods += st.quiet_periods;
            tot.quiet_job_runs += st.quiet_job_runs;
        }
        (tot, t0.elapsed().as_secs_f64())
    };
    let (q, q_s) = sum(&|s| run_with_stats(s, &t.runbooks, opts).1);
    let (e, e_s) = sum(&|s| run_event_by_event(s, &t.runbooks, opts).1);
    let n = cases as f64;
    println!("runbooks {}, {cases} cases, one thread", names.join(" + "));
    println!(
        "generate: {:.2} us/case ({:.0} cases/s)",
        gen_s * 1e6 / n,
        n / gen_s
    );
    println!(
        "play with quiet periods: {:.2} us/case ({:.0} cases/s); {:.1} events/case ({:.1} job runs), {:.2} quiet periods/case standing for {:.1} job runs/case",
        q_s * 1e6 / n,
        n / q_s,
        q.events as f64 / n,
        q.job_events as f64 / n,
        q.quiet_periods as f64 / n,
        q.quiet_job_runs as f64 / n
    );
    println!(
        "play event by event:    {:.2} us/case ({:.0} cases/s); {:.1} events/case",
        e_s * 1e6 / n,
        n / e_s,
        e.events as f64 / n
    );
}
