//! `--shard I/N`: which part of a search (or fuzz campaign) this process covers. Parts are
//! taken by first choice (a search's root, a campaign's case) modulo N, so N processes with
//! I = 0..N-1 cover everything exactly once, whatever runs them (a CI matrix, Kubernetes
//! Indexed Jobs, Slurm job arrays).

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// The whole search: one shard of one.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    pub fn covers(&self, i: u64) -> bool {
        i % self.count == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The largest N: far above any batch runner's array size.
pub const MAX_SHARDS: u64 = 1_000_000;

/// Parse "I/N" (0 <= I < N <= 1,000,000).
pub fn parse(s: &str) -> Result<Shard, String> {
    let (i, n) = s
        .split_once('/')
        .ok_or_else(|| format!("expected I/N (e.g. 0/4), got {s:?}"))?;
    let index: u64 = i
        .trim()
        .parse()
        .map_err(|_| format!("expected a whole number before '/', got {i:?}"))?;
    let count: u64 = n
        .trim()
        .parse()
        .map_err(|_| format!("expected a whole number after '/', got {n:?}"))?;
    if count == 0 || count > MAX_SHARDS {
        return Err(format!("expected N from 1 to {MAX_SHARDS}, got {count}"));
    }
    if index >= count {
        return Err(format!(
            "expected I from 0 to N-1 = {}, got {index}",
            count - 1
        ));
    }
    Ok(Shard { index, count })
}

/// Check that the shards of a merge are N distinct parts of one N: every index once.
pub fn check_cover(shards: &[Shard]) -> Result<(), String> {
    let Some(first) = shards.first() else {
        return Err("expected at least one result file".into());
    };
    let n = first.count;
    if let Some(s) = shards.iter().find(|s| s.count != n) {
        return Err(format!(
            "shard {s} is of another split than {first}; expected every file from the same --shard I/{n}"
        ));
    }
    let mut seen = vec![false; n as usize];
    for s in shards {
        if std::mem::replace(&mut seen[s.index as usize], true) {
            return Err(format!("shard {s} is given twice"));
        }
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, &b)| !b)
        .map(|(i, _)| format!("{i}/{n}"))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "shard(s) {} missing; expected all {n} parts",
            missing.join(", ")
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        assert_eq!(parse("2/5"), Ok(Shard { index: 2, count: 5 }));
        assert!(parse("5/5").is_err());
        assert!(parse("0/0").is_err());
        assert!(parse("1").is_err());
        assert!(parse("a/2").is_err());
    }

    #[test]
    fn shards_partition() {
        let n = 3;
        for i in 0..20u64 {
            let owners = (0..n)
                .filter(|&k| Shard { index: k, count: n }.covers(i))
                .count();
            assert_eq!(owners, 1);
        }
    }

    #[test]
    fn cover_is_checked() {
        let s = |index, count| Shard { index, count };
        assert!(check_cover(&[s(0, 2), s(1, 2)]).is_ok());
        assert!(check_cover(&[s(0, 2)]).unwrap_err().contains("1/2 missing"));
        assert!(check_cover(&[s(0, 2), s(0, 2)])
            .unwrap_err()
            .contains("twice"));
        assert!(check_cover(&[s(0, 2), s(1, 3)]).is_err());
    }
}
