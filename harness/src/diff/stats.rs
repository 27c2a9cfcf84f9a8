//! Paired bootstrap confidence intervals for the shift of a percentile (new minus old).
//! A resample draws case indices with replacement and takes the SAME cases on both sides,
//! so the interval reflects the change, not the spread of the outages. Resample b draws
//! from its own stream of the campaign seed: the result is deterministic and does not
//! depend on the thread count.

use serde::Serialize;
use sim::rng::Rng;

/// Nearest rank over sorted values; u64::MAX stands for never.
pub fn nearest_rank(sorted: &[u64], p: f64) -> Option<u64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let rank = ((p / 100.0) * n as f64).ceil().max(1.0) as usize;
    let v = sorted[rank.min(n) - 1];
    (v != u64::MAX).then_some(v)
}

/// The percentiles compared (nearest rank, as `drill rto`).
pub const PERCENTILES: [(&str, f64); 3] = [("p50", 50.0), ("p95", 95.0), ("p99", 99.0)];

/// Bootstrap draws come from these streams of the campaign seed (stream + resample).
const STREAM: u64 = 0xB0_0000;

/// Differences involving "never" (u64::MAX: service not restored) sort past every number.
const NEW_NEVER: i64 = i64::MAX;
const OLD_NEVER: i64 = i64::MIN;
const BOTH_NEVER: i64 = i64::MIN + 1;

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Shift {
    pub percentile: &'static str,
    /// None: never (service not restored at this percentile).
    pub old: Option<u64>,
    pub new: Option<u64>,
    /// new - old; None when either side is never.
    pub shift: Option<i64>,
    /// Paired bootstrap interval of the shift; None for a bound that is unbounded
    /// (some resamples never restore service on one side).
    pub ci_low: Option<i64>,
    pub ci_high: Option<i64>,
    /// Why the shift or a bound is not a number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
}

fn diff(old: Option<u64>, new: Option<u64>) -> i64 {
    match (old, new) {
        (Some(a), Some(b)) => b as i64 - a as i64,
        (Some(_), None) => NEW_NEVER,
        (None, Some(_)) => OLD_NEVER,
        (None, None) => BOTH_NEVER,
    }
}

fn finite(d: i64) -> Option<i64> {
    (d != NEW_NEVER && d != OLD_NEVER && d != BOTH_NEVER).then_some(d)
}

/// Percentiles of old and new, their shift, and its paired bootstrap interval at `level`
/// (e.g. 0.95) from `resamples` resamples on `threads` threads. `old` and `new` are paired
/// by index and must have the same length.
pub fn paired(
    old: &[u64],
    new: &[u64],
    seed: u64,
    resamples: u32,
    level: f64,
    threads: usize,
) -> Vec<Shift> {
    assert_eq!(old.len(), new.len(), "paired samples");
    let n = old.len();
    let point = |v: &[u64]| {
        let mut s = v.to_vec();
        s.sort_unstable();
        PERCENTILES
            .iter()
            .map(|(_, p)| nearest_rank(&s, *p))
            .collect::<Vec<_>>()
    };
    let (po, pn) = (point(old), point(new));
    // diffs[k][b]: resample b's shift at percentile k.
    let mut diffs: Vec<Vec<i64>> = vec![Vec::with_capacity(resamples as usize); PERCENTILES.len()];
    if n > 0 && resamples > 0 {
        let threads = threads.clamp(1, resamples as usize) as u32;
        let chunk = resamples.div_ceil(threads);
        let parts: Vec<Vec<[i64; 3]>> = std::thread::scope(|sc| {
            let hs: Vec<_> = (0..threads)
                .map(|t| {
                    sc.spawn(move || {
                        let (lo, hi) = (t * chunk, ((t + 1) * chunk).min(resamples));
                        let (mut a, mut b) = (vec![0u64; n], vec![0u64; n]);
                        (lo..hi)
                            .map(|r| {
                                let mut rng = Rng::child(seed, STREAM + u64::from(r));
                                for j in 0..n {
                                    let i = rng.below(n as u64) as usize;
                                    a[j] = old[i];
                                    b[j] = new[i];
                                }
                                a.sort_unstable();
                                b.sort_unstable();
                                let mut out = [0i64; 3];
                                for (k, (_, p)) in PERCENTILES.iter().enumerate() {
                                    out[k] = diff(nearest_rank(&a, *p), nearest_rank(&b, *p));
                                }
                                out
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            hs.into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        for row in parts.into_iter().flatten() {
            for (k, d) in row.iter().enumerate() {
                diffs[k].push(*d);
            }
        }
    }
    PERCENTILES
        .iter()
        .enumerate()
        .map(|(k, (name, _))| {
            let d = &mut diffs[k];
            d.sort_unstable();
            let (lo, hi) = interval(d, level);
            Shift {
                percentile: name,
                old: po[k],
                new: pn[k],
                shift: match (po[k], pn[k]) {
                    (Some(a), Some(b)) => Some(b as i64 - a as i64),
                    _ => None,
                },
                ci_low: lo,
                ci_high: hi,
                note: match (po[k], pn[k], lo, hi) {
                    (None, None, ..) => Some("never restored on both sides"),
                    (None, ..) => Some("old never restored"),
                    (_, None, ..) => Some("new never restored"),
                    (_, _, None, _) | (_, _, _, None) => {
                        Some("unbounded: some resamples never restore service")
                    }
                    _ => None,
                },
            }
        })
        .collect()
}

/// The percentile interval of sorted resampled shifts.
fn interval(sorted: &[i64], level: f64) -> (Option<i64>, Option<i64>) {
    if sorted.is_empty() {
        return (None, None);
    }
    let b = sorted.len();
    let alpha = (1.0 - level).clamp(0.0, 1.0) / 2.0;
    let lo = ((alpha * b as f64).floor() as usize).min(b - 1);
    let hi = (((1.0 - alpha) * b as f64).ceil() as usize).clamp(1, b) - 1;
    (finite(sorted[lo]), finite(sorted[hi]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Old and new drawn independently from the same skewed distribution, new shifted by
    /// +300 s: the true shift of every percentile is 300, and the 95% intervals hold it.
    #[test]
    fn intervals_contain_a_known_shift() {
        let mut rng = Rng::new(7);
        let draw = |rng: &mut Rng| 1200 + (-(1.0 - rng.unit()).ln() * 600.0) as u64;
        let old: Vec<u64> = (0..4000).map(|_| draw(&mut rng)).collect();
        let new: Vec<u64> = (0..4000).map(|_| draw(&mut rng) + 300).collect();
        let s = paired(&old, &new, 1, 400, 0.95, 2);
        for x in &s {
            let (lo, hi) = (x.ci_low.unwrap(), x.ci_high.unwrap());
            assert!(lo <= 300 && 300 <= hi, "{}: [{lo}, {hi}]", x.percentile);
            assert!(lo < hi, "{}: a real interval, not a point", x.percentile);
        }
    }

    #[test]
    fn identical_sides_give_a_zero_interval_and_threads_do_not_matter() {
        let v: Vec<u64> = (0..500).map(|i| (i * 37) % 1000).collect();
        let s = paired(&v, &v, 3, 200, 0.95, 1);
        for x in &s {
            assert_eq!((x.shift, x.ci_low, x.ci_high), (Some(0), Some(0), Some(0)));
        }
        let w: Vec<u64> = v.iter().map(|x| x * 2).collect();
        assert_eq!(
            paired(&v, &w, 3, 200, 0.95, 1),
            paired(&v, &w, 3, 200, 0.95, 2)
        );
    }

    #[test]
    fn never_restored_makes_the_bound_unbounded() {
        let old = vec![100u64; 100];
        let mut new = old.clone();
        for x in new.iter_mut().take(60) {
            *x = u64::MAX;
        }
        let s = paired(&old, &new, 1, 200, 0.95, 1);
        // p50 of new is never: no point shift, and the upper bound is unbounded.
        assert_eq!(s[0].new, None);
        assert_eq!(s[0].shift, None);
        assert_eq!(s[0].ci_high, None);
    }
}
