//! `drill fuzz --shard I/N`: the campaign's cases i with i mod N = I, so N processes play
//! every case of the campaign exactly once (the cases' seeds derive from the campaign seed
//! and i, whichever process plays them). `drill fuzz merge` (merge.rs) adds the tallies up.

use super::campaign::{case_seed, Plan, Tally};
use super::gen;
pub use crate::explore::shard::{parse, Shard};
use sim::engine::{self, Options};
use sim::invariants;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

fn empty() -> Tally {
    let n = invariants::names().len();
    Tally {
        violations: vec![0; n],
        first: vec![None; n],
        ..Tally::default()
    }
}

fn add(t: &mut Tally, o: &Tally) {
    t.cases += o.cases;
    for k in 0..t.violations.len() {
        t.violations[k] += o.violations[k];
        t.first[k] = match (t.first[k], o.first[k]) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    for k in 0..t.coverage.len() {
        t.coverage[k] += o.coverage[k];
    }
}

const BLOCK: u64 = 256;

/// Play this shard's cases of the campaign (`p.cases` is the whole campaign's count).
pub fn run(p: &Plan, shard: Shard) -> Tally {
    // The shard's k-th case is campaign case I + k*N.
    let mine = p.cases.saturating_sub(shard.index).div_ceil(shard.count);
    let next = AtomicU64::new(0);
    let done = AtomicU64::new(0);
    let total = Mutex::new(empty());
    std::thread::scope(|sc| {
        for _ in 0..p.jobs.max(1) {
            sc.spawn(|| {
                let strat = gen::strategy();
                let mut runner = gen::runner();
                let mut t = empty();
                loop {
                    if p.deadline.is_some_and(|d| Instant::now() >= d) {
                        break;
                    }
                    let a = next.fetch_add(BLOCK, Ordering::Relaxed);
                    if a >= mine {
                        break;
                    }
                    let b = (a + BLOCK).min(mine);
                    for k in a..b {
                        let i = shard.index + k * shard.count;
                        let seed = case_seed(p.seed, i);
                        let s =
                            gen::build(p.shape, &gen::draw_with(&mut runner, &strat, seed), seed);
                        let r = engine::run(&s, p.runbooks, Options { record: false });
                        t.cases += 1;
                        for (j, v) in r.invariants.iter().enumerate() {
                            if !v.holds {
                                t.violations[j] += 1;
                                if t.first[j].is_none_or(|f| i < f) {
                                    t.first[j] = Some(i);
                                }
                            }
                        }
                        for (j, on) in r.coverage.flags().iter().enumerate() {
                            t.coverage[j] += u64::from(*on);
                        }
                    }
                    (p.progress)(done.fetch_add(b - a, Ordering::Relaxed) + (b - a));
                }
                add(&mut total.lock().expect("no thread panics holding it"), &t);
            });
        }
    });
    total.into_inner().expect("no thread panicked")
}

/// A shard's JSON: the "shard" object merge needs, and the reproduce line of this shard
/// (the campaign's case count and --shard, not the cases this shard played).
pub fn annotate(text: &str, shard: Shard, campaign_cases: u64, played: u64) -> String {
    let Ok(mut v) = serde_json::from_str::<serde_json::Value>(text) else {
        return text.to_string();
    };
    v["shard"] = serde_json::json!({
        "index": shard.index,
        "count": shard.count,
        "campaign_cases": campaign_cases,
    });
    if let Some(r) = v["reproduce"].as_str() {
        let fixed = r.replacen(
            &format!("--cases {played} "),
            &format!("--cases {campaign_cases} "),
            1,
        );
        v["reproduce"] = format!("{fixed} --shard {shard}").into();
    }
    serde_json::to_string_pretty(&v).unwrap_or_default()
}
