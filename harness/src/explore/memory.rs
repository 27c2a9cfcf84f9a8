//! `--max-memory`: the explorer's memory budget. A wide search grows to gigabytes (about 500
//! bytes a state on K=2, D=1's widest levels, mostly the frontier's engines); past what the
//! machine has, the kernel kills it with nothing reported. The budget stops it first, at a
//! chunk boundary, as `--max-states` does: INCOMPLETE, nothing certified, exit 3.

use std::fs;

/// The budget when `--max-memory` is not given: this share of the memory the kernel says
/// is available when the search starts (MemAvailable: free memory plus what it can reclaim).
pub const DEFAULT_SHARE: f64 = 0.75;

const GB: f64 = 1e9;

/// A search's memory budget: the most resident memory in bytes (None: no budget), and how
/// the report names it.
#[derive(Clone, Debug, PartialEq)]
pub struct Budget {
    pub bytes: Option<u64>,
    pub text: String,
}

impl Budget {
    /// No memory budget (a search that only `--max-states` stops).
    pub fn none() -> Budget {
        Budget {
            bytes: None,
            text: "no memory budget".into(),
        }
    }

    /// `--max-memory GB`, or by default a share of the available memory, or none where this
    /// system does not say (not Linux).
    pub fn of(max_memory_gb: Option<f64>) -> Budget {
        if let Some(gb) = max_memory_gb {
            return Budget {
                bytes: Some((gb * GB) as u64),
                text: format!("--max-memory {}", gigabytes(gb * GB)),
            };
        }
        match available() {
            Some(bytes) => {
                let b = (bytes as f64 * DEFAULT_SHARE) as u64;
                Budget {
                    bytes: Some(b),
                    text: format!(
                        "--max-memory {} (default: {:.0} % of the {} available at the start)",
                        gigabytes(b as f64),
                        DEFAULT_SHARE * 100.0,
                        gigabytes(bytes as f64)
                    ),
                }
            }
            None => Budget {
                text: "no memory budget (this system does not report its available memory)".into(),
                ..Budget::none()
            },
        }
    }

    /// Whether `resident` bytes are over the budget (never without a budget, or where the
    /// resident memory could not be read).
    pub fn over(&self, resident: Option<u64>) -> bool {
        self.bytes.is_some_and(|l| resident.is_some_and(|r| r > l))
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
    fn this_process_has_resident_memory_and_a_budget() {
        // Linux (CI): both are read from /proc.
        if cfg!(target_os = "linux") {
            let r = resident().expect("VmRSS readable");
            assert!(r > 0);
            assert!(Budget::of(Some(0.001)).over(Some(r)));
            assert!(!Budget::of(Some(1e6)).over(Some(r)));
            assert!(Budget::of(None).bytes.is_some());
        }
        assert!(!Budget::none().over(Some(u64::MAX)));
        assert!(!Budget::of(Some(1.0)).over(None));
        assert_eq!(
            Budget::of(Some(2.0)),
            Budget {
                bytes: Some(2_000_000_000),
                text: "--max-memory 2.0 GB".into()
            }
        );
        assert_eq!(Budget::of(Some(0.25)).text, "--max-memory 250 MB");
    }
}
