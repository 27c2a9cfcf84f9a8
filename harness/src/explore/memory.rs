//! `--max-memory`: the explorer's memory budget. A wide search grows to gigabytes (about 500
//! bytes a state on K=2, D=1's widest levels, mostly the frontier's engines); past what the
//! machine has, the kernel kills it with nothing reported. The budget stops it first, at a
//! chunk boundary, as `--max-states` does: INCOMPLETE, nothing certified, exit 3.

use std::fs;

/// The budget when `--max-memory` is not given: this share of the memory the kernel says
/// is available when the search starts (MemAvailable: free memory plus what it can reclaim).
pub const DEFAULT_SHARE: f64 = 0.75;

/// `--max-memory`'s range, in GB (a megabyte to a petabyte).
pub const GB_RANGE: (f64, f64) = (0.001, 1e6);

const GB: f64 = 1e9;

/// Parse `--max-memory GB`.
pub fn parse_gb(s: &str) -> Result<f64, String> {
    let (lo, hi) = GB_RANGE;
    let want = || format!("expected a number of gigabytes from {lo} to {hi}");
    let v: f64 = s.trim().parse().map_err(|_| want())?;
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{s} is out of range; {}", want()))
    }
}

/// The budget in bytes and where it came from (for the report): the user's, or the default
/// share of the available memory, or none where this system does not say (not Linux).
pub fn budget(max_memory_gb: Option<f64>) -> (Option<u64>, String) {
    match max_memory_gb {
        Some(gb) => (
            Some((gb * GB) as u64),
            format!("--max-memory {}", gigabytes(gb * GB)),
        ),
        None => match available() {
            Some(bytes) => {
                let b = (bytes as f64 * DEFAULT_SHARE) as u64;
                (
                    Some(b),
                    format!(
                        "--max-memory {} (default: {:.0} % of the {} available at the start)",
                        gigabytes(b as f64),
                        DEFAULT_SHARE * 100.0,
                        gigabytes(bytes as f64)
                    ),
                )
            }
            None => (
                None,
                "no memory budget (this system does not report its available memory)".into(),
            ),
        },
    }
}

/// 18.2 GB, or 250 MB below a gigabyte.
pub fn gigabytes(bytes: f64) -> String {
    if bytes < GB {
        format!("{:.0} MB", bytes / 1e6)
    } else {
        format!("{:.1} GB", bytes / GB)
    }
}

/// MemAvailable from /proc/meminfo, in bytes.
fn available() -> Option<u64> {
    let text = fs::read_to_string("/proc/meminfo").ok()?;
    kilobytes(&text, "MemAvailable:")
}

/// A `Name:   1234 kB` line of a /proc file, in bytes.
fn kilobytes(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    let mut words = line.split_whitespace().skip(1);
    let kb: u64 = words.next()?.parse().ok()?;
    (words.next() == Some("kB")).then_some(kb.saturating_mul(1024))
}

/// The process's resident memory in bytes (VmRSS in /proc/self/status).
pub fn resident() -> Option<u64> {
    let text = fs::read_to_string("/proc/self/status").ok()?;
    kilobytes(&text, "VmRSS:")
}

/// Whether the process is over `limit` bytes (never without a limit, or where the resident
/// memory cannot be read).
pub fn over(limit: Option<u64>) -> bool {
    over_at(limit, resident())
}

/// [`over`] with the resident memory already read.
pub fn over_at(limit: Option<u64>, resident: Option<u64>) -> bool {
    limit.is_some_and(|l| resident.is_some_and(|r| r > l))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_proc_lines_in_kilobytes() {
        let text =
            "MemTotal:       24000000 kB\nMemFree:         1000 kB\nMemAvailable:   20000000 kB\n";
        assert_eq!(kilobytes(text, "MemAvailable:"), Some(20_000_000 * 1024));
        assert_eq!(kilobytes("MemTotal: 5 kB\n", "MemAvailable:"), None);
        assert_eq!(kilobytes("MemAvailable: 5 MB\n", "MemAvailable:"), None);
    }

    #[test]
    fn parses_gigabytes_in_range() {
        assert_eq!(parse_gb("1.5"), Ok(1.5));
        assert!(parse_gb("0").is_err());
        assert!(parse_gb("-1").is_err());
        assert!(parse_gb("NaN").is_err());
        assert!(parse_gb("lots").is_err());
    }

    #[test]
    fn this_process_has_resident_memory_and_a_budget() {
        // Linux (CI): both are read from /proc.
        if cfg!(target_os = "linux") {
            let r = resident().expect("VmRSS readable");
            assert!(r > 0);
            assert!(over(Some(1)));
            assert!(!over(Some(u64::MAX)));
            assert!(budget(None).0.is_some());
        }
        assert!(!over(None));
        assert_eq!(
            budget(Some(2.0)),
            (Some(2_000_000_000), "--max-memory 2.0 GB".into())
        );
        assert_eq!(budget(Some(0.25)).1, "--max-memory 250 MB");
    }
}
