//! Durations drawn from seeded distributions (seconds). A fixed value is the degenerate case,
//! so a scenario with only fixed values is a plain deterministic drill.

use crate::rng::Rng;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A duration in seconds: a number, or a distribution object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
enum DistRepr {
    Fixed(f64),
    // Before Uniform: untagged tries in order, and Uniform would accept {min, mode, max}.
    Triangular { min: f64, mode: f64, max: f64 },
    Uniform { min: f64, max: f64 },
    LogNormal { p50: f64, p90: f64 },
}

/// Validated while parsing, so an impossible duration is reported at its line and column.
impl TryFrom<DistRepr> for Dist {
    type Error = String;
    fn try_from(r: DistRepr) -> Result<Dist, String> {
        let d = match r {
            DistRepr::Fixed(v) => Dist::Fixed(v),
            DistRepr::Uniform { min, max } => Dist::Uniform { min, max },
            DistRepr::Triangular { min, mode, max } => Dist::Triangular { min, mode, max },
            DistRepr::LogNormal { p50, p90 } => Dist::LogNormal { p50, p90 },
        };
        d.validate().map(|_| d)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged, try_from = "DistRepr")]
pub enum Dist {
    Fixed(f64),
    Uniform {
        min: f64,
        max: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    /// Log-normal given by its median and 90th percentile (p90 >= p50 > 0).
    LogNormal {
        p50: f64,
        p90: f64,
    },
}

impl Default for Dist {
    fn default() -> Self {
        Dist::Fixed(0.0)
    }
}

impl Dist {
    pub fn validate(&self) -> Result<(), String> {
        let ok = match *self {
            Dist::Fixed(v) => v >= 0.0 && v.is_finite(),
            Dist::Uniform { min, max } => min >= 0.0 && max >= min && max.is_finite(),
            Dist::Triangular { min, mode, max } => {
                min >= 0.0 && min <= mode && mode <= max && max.is_finite()
            }
            Dist::LogNormal { p50, p90 } => p50 > 0.0 && p90 >= p50 && p90.is_finite(),
        };
        if ok {
            Ok(())
        } else {
            Err(format!("impossible duration {self:?}: expected non-negative, finite seconds with min <= mode <= max (or 0 < p50 <= p90)"))
        }
    }

    pub fn is_fixed(&self) -> bool {
        matches!(self, Dist::Fixed(_))
    }

    /// The value for a fixed distribution, or its median.
    pub fn median(&self) -> f64 {
        match *self {
            Dist::Fixed(v) => v,
            Dist::Uniform { min, max } => (min + max) / 2.0,
            Dist::Triangular { min, mode, max } => {
                let c = (mode - min) / (max - min).max(f64::MIN_POSITIVE);
                if c >= 0.5 {
                    min + ((max - min) * (mode - min) / 2.0).sqrt()
                } else {
                    max - ((max - min) * (max - mode) / 2.0).sqrt()
                }
            }
            Dist::LogNormal { p50, .. } => p50,
        }
    }

    /// Draw whole seconds. Fixed values draw nothing, so they never shift the stream.
    pub fn sample(&self, rng: &mut Rng) -> u64 {
        let v = match *self {
            Dist::Fixed(v) => v,
            Dist::Uniform { min, max } => min + (max - min) * rng.unit(),
            Dist::Triangular { min, mode, max } => {
                let u = rng.unit();
                let span = max - min;
                if span <= 0.0 {
                    min
                } else {
                    let c = (mode - min) / span;
                    if u < c {
                        min + (u * span * (mode - min)).sqrt()
                    } else {
                        max - ((1.0 - u) * span * (max - mode)).sqrt()
                    }
                }
            }
            Dist::LogNormal { p50, p90 } => {
                // z for the 90th percentile of the standard normal.
                let sigma = (p90 / p50).ln() / 1.281_551_565_5;
                p50 * (sigma * std_normal(rng)).exp()
            }
        };
        round_u64(v.max(0.0))
    }
}

/// `v.round() as u64` (halves away from zero; negative and NaN to 0, past u64::MAX to
/// u64::MAX) without the call to `round` that x86-64 makes without SSE4.1: the float to
/// integer conversion truncates, and the fraction it drops is exact.
pub(crate) fn round_u64(v: f64) -> u64 {
    if v.is_nan() || v < 0.5 {
        return 0;
    }
    if v < 4_503_599_627_370_496.0 {
        // Below 2^52 (every duration the model draws) the same truncation through i64,
        // whose conversions are an instruction each where u64's are a dozen.
        let t = v as i64;
        return (t + i64::from(v - t as f64 >= 0.5)) as u64;
    }
    let t = v as u64;
    // Below 2^53 the fraction is exactly representable; above, v is whole (fraction 0)
    // or past u64::MAX (saturated either way).
    // Without a branch: the fraction is as likely above a half as below.
    t.saturating_add(u64::from(v - t as f64 >= 0.5))
}

/// Box-Muller; one of the pair is thrown away to keep draws per sample constant.
fn std_normal(rng: &mut Rng) -> f64 {
    let u1 = rng.unit().max(f64::MIN_POSITIVE);
    let u2 = rng.unit();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_is_exact_and_others_stay_in_range() {
        let mut r = Rng::new(1);
        assert_eq!(Dist::Fixed(90.0).sample(&mut r), 90);
        for _ in 0..200 {
            let v = Dist::Uniform {
                min: 10.0,
                max: 20.0,
            }
            .sample(&mut r);
            assert!((10..=20).contains(&v));
            let t = Dist::Triangular {
                min: 5.0,
                mode: 6.0,
                max: 30.0,
            }
            .sample(&mut r);
            assert!((5..=30).contains(&t));
        }
        assert!(Dist::Uniform { min: 3.0, max: 1.0 }.validate().is_err());
        assert!(Dist::Fixed(-1.0).validate().is_err());
        assert!(Dist::LogNormal {
            p50: 60.0,
            p90: 120.0
        }
        .validate()
        .is_ok());
    }

    #[test]
    fn round_u64_is_round_as_u64() {
        let mut vs = vec![
            0.0,
            -0.0,
            -0.5,
            -1.7,
            0.49999999999999994,
            0.5,
            1.5,
            2.5,
            2.4999999999999996,
            4503599627370495.5,
            4503599627370496.0,
            9007199254740993.0,
            1.8446744073709552e19,
            3.0e19,
            1e300,
            f64::MAX,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
        ];
        let mut r = Rng::new(3);
        for k in 0..2000 {
            // Whole and half values and everything between, over many magnitudes.
            let scale = (1u64 << (k % 60)) as f64;
            vs.push(r.unit() * scale);
            vs.push((r.unit() * scale).floor() + 0.5);
        }
        for v in vs {
            assert_eq!(round_u64(v), v.round() as u64, "{v:e}");
        }
    }

    #[test]
    fn lognormal_median_is_near_p50() {
        let mut r = Rng::new(9);
        let d = Dist::LogNormal {
            p50: 100.0,
            p90: 300.0,
        };
        let mut v: Vec<u64> = (0..2001).map(|_| d.sample(&mut r)).collect();
        v.sort();
        let m = v[1000] as f64;
        assert!((80.0..125.0).contains(&m), "median {m}");
    }
}
