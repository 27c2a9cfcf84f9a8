//! `drill fuzz --shard I/N`: the campaign's cases i with i mod N = I, so N processes play
//! every case of the campaign exactly once (the cases' seeds derive from the campaign seed
//! and i, whichever process plays them). `drill fuzz merge` (merge.rs) adds the tallies up.

use super::campaign::{self, Plan, Tally};
pub use crate::explore::shard::{parse, Shard};

/// Play this shard's cases of the campaign (`p.cases` is the whole campaign's count).
pub fn run(p: &Plan, shard: Shard) -> Tally {
    // The shard's k-th case is campaign case I + k*N.
    let mine = p.cases.saturating_sub(shard.index).div_ceil(shard.count);
    campaign::run_cases(p, mine, |k| shard.index + k * shard.count)
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
