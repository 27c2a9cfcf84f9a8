//! Small pieces of output shared by the subcommands: simulated clock times, durations and
//! a stable content hash. They live here, below `run` and `fuzz`, so neither imports the other.

/// Simulated time as [Nd ]HH:MM:SS.
pub fn clock(t: u64) -> String {
    let (d, h, m, s) = (t / 86_400, t / 3600 % 24, t / 60 % 60, t % 60);
    if d > 0 {
        format!("{d}d {h:02}:{m:02}:{s:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// A duration in seconds for people ("1h 02m 03s (3723 s)"); None is "never".
pub fn duration(s: Option<u64>) -> String {
    match s {
        None => "never".into(),
        Some(s) if s >= 3600 => format!("{}h {:02}m {:02}s ({s} s)", s / 3600, s / 60 % 60, s % 60),
        Some(s) if s >= 60 => format!("{}m {:02}s ({s} s)", s / 60, s % 60),
        Some(s) => format!("{s} s"),
    }
}

/// FNV-1a, 64 bits: a stable content hash without a crypto crate.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_and_duration() {
        assert_eq!(clock(3723), "01:02:03");
        assert_eq!(clock(86_400 + 61), "1d 00:01:01");
        assert_eq!(duration(None), "never");
        assert_eq!(duration(Some(59)), "59 s");
        assert_eq!(duration(Some(3723)), "1h 02m 03s (3723 s)");
    }

    #[test]
    fn fnv1a_matches_the_published_vectors() {
        // Test vectors of the FNV reference (draft-eastlake-fnv): "" and "a".
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
