//! The documented range of every numeric command-line argument, checked when the arguments
//! are parsed (clap prints the error and exits 2), so no later arithmetic can overflow, no
//! allocation follows a runaway count, and no absurd value is silently accepted.
//! docs/formats.md lists them.

/// `drill rto --runs` (1e9 runs take hours; memory does not grow with it).
pub const RUNS: (u64, u64) = (1, 1_000_000_000);
/// `drill fuzz --cases`.
pub const CASES: (u64, u64) = (1, 1_000_000_000);
/// `--jobs` / `--threads`.
pub const THREADS: (u64, u64) = (1, 1024);
/// `drill explore --deviation-groups` (at most one group per plan, and one more, is made).
pub const GROUPS: (u64, u64) = (1, sim::explore::deviate::MAX_GROUPS as u64);
/// `drill fuzz --time-limit`, seconds (more than 0, at most 7 days).
pub const TIME_LIMIT_S: f64 = 7.0 * 86_400.0;
/// `drill rto --jitter`, seconds (0 to 7 days: fault times are shifted, not the horizon).
pub const JITTER_S: f64 = 7.0 * 86_400.0;
/// `drill explore --max-memory`, gigabytes (a megabyte to a petabyte).
pub const MAX_MEMORY_GB: (f64, f64) = (0.001, 1e6);

fn int_in(s: &str, (lo, hi): (u64, u64)) -> Result<u64, String> {
    let v: u64 = s
        .trim()
        .parse()
        .map_err(|_| format!("expected a whole number from {lo} to {hi}"))?;
    if (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is out of range; expected {lo} to {hi}"))
    }
}

fn seconds_in(s: &str, zero_ok: bool, hi: f64) -> Result<f64, String> {
    let want = || {
        if zero_ok {
            format!("expected a number of seconds from 0 to {hi}")
        } else {
            format!("expected a number of seconds, more than 0 and at most {hi}")
        }
    };
    let v: f64 = s.trim().parse().map_err(|_| want())?;
    let low_ok = if zero_ok { v >= 0.0 } else { v > 0.0 };
    if v.is_finite() && low_ok && v <= hi {
        Ok(v)
    } else {
        Err(format!("{s} is out of range; {}", want()))
    }
}

pub fn runs(s: &str) -> Result<u64, String> {
    int_in(s, RUNS)
}

pub fn cases(s: &str) -> Result<u64, String> {
    int_in(s, CASES)
}

pub fn threads(s: &str) -> Result<usize, String> {
    int_in(s, THREADS).map(|v| v as usize)
}

/// `--deviation-groups`: a count, or `auto` (groups of at most about two searches without
/// deviations).
pub fn groups(s: &str) -> Result<sim::explore::PlanGroups, String> {
    if s.trim() == "auto" {
        return Ok(sim::explore::PlanGroups::Auto);
    }
    int_in(s, GROUPS)
        .map(|v| sim::explore::PlanGroups::Count(v as u32))
        .map_err(|e| format!("{e}, or auto"))
}

pub fn time_limit(s: &str) -> Result<f64, String> {
    seconds_in(s, false, TIME_LIMIT_S)
}

pub fn jitter(s: &str) -> Result<f64, String> {
    seconds_in(s, true, JITTER_S)
}

pub fn max_memory_gb(s: &str) -> Result<f64, String> {
    let (lo, hi) = MAX_MEMORY_GB;
    let want = || format!("expected a number of gigabytes from {lo} to {hi}");
    let v: f64 = s.trim().parse().map_err(|_| want())?;
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{s} is out of range; {}", want()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reproducers_values_are_refused() {
        // bad-inputs 02, 03, 04, 14.
        for v in [
            "1e19",
            "1e20",
            "inf",
            "NaN",
            "1e308",
            "18446744073709551616",
            "0",
            "-1",
        ] {
            assert!(time_limit(v).is_err(), "--time-limit {v}");
        }
        for v in ["18446744073709551615", "1000000000000", "0", "-5", "1.5"] {
            assert!(runs(v).is_err(), "--runs {v}");
        }
        for v in ["1e18", "1e308", "inf", "-1", "NaN"] {
            assert!(jitter(v).is_err(), "--jitter {v}");
        }
        assert!(threads("0").is_err() && threads("1025").is_err());
        assert!(groups("0").is_err() && groups("1025").is_err() && groups("2.5").is_err());
        for v in ["0", "-1", "NaN", "inf", "lots", "1e7"] {
            assert!(max_memory_gb(v).is_err(), "--max-memory {v}");
        }
    }

    #[test]
    fn the_ends_of_each_range_are_accepted() {
        assert_eq!(runs("1"), Ok(1));
        assert_eq!(runs("1000000000"), Ok(1_000_000_000));
        assert_eq!(cases("100"), Ok(100));
        assert_eq!(threads("1024"), Ok(1024));
        use sim::explore::PlanGroups;
        assert_eq!(groups("1"), Ok(PlanGroups::Count(1)));
        assert_eq!(groups("1024"), Ok(PlanGroups::Count(1024)));
        assert_eq!(groups("auto"), Ok(PlanGroups::Auto));
        assert_eq!(time_limit("604800"), Ok(604_800.0));
        assert_eq!(jitter("0"), Ok(0.0));
        assert_eq!(jitter("604800"), Ok(604_800.0));
        assert_eq!(max_memory_gb("0.001"), Ok(0.001));
        assert_eq!(max_memory_gb("1.5"), Ok(1.5));
        assert_eq!(max_memory_gb("1000000"), Ok(1e6));
    }
}
