//! The fault alphabet: the fuzzer's catalogue (harness/src/fuzz/gen.rs) with discrete
//! targets, per window of the drill, each fault with the heal that ends it (None: it is
//! permanent). A transient fault's heal is placed by the search at any later moment of the
//! same window, and must be placed before the window closes (the fuzzer heals them in
//! their window too: the runbooks' stated assumptions need it).

use crate::engine::{Position, Stepper};
use crate::fault::{Fault, Job};
use crate::topology::{Dc, Instance};

/// Where in the drill a moment is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Window {
    /// Before the disaster (the scenario's first fault): anything transient, and a log
    /// backup lost for good (F2/F3 must cope with it).
    BeforeDisaster,
    /// From the disaster until the failover runbook ends: only what the failover does not
    /// depend on (the fuzzer's "quiet" faults), unless beyond the assumptions.
    Failover,
    /// Between the runbooks (DC1 is rebuilt here): anything transient.
    Between,
    /// While the failback runs: only what it does not depend on, unless beyond.
    Failback,
}

impl Window {
    pub fn name(self) -> &'static str {
        match self {
            Window::BeforeDisaster => "before the disaster",
            Window::Failover => "during the failover",
            Window::Between => "between the runbooks",
            Window::Failback => "during the failback",
        }
    }
}

/// The window of the moment before the stepper's next event, or None when faults are no
/// longer placed (the runbooks have ended: a fault then would move the end of the run).
pub fn window(st: &Stepper, disaster_at: u64) -> Option<Window> {
    let (t, _) = st.peek()?;
    match st.position() {
        Position::Ended => None,
        Position::Before(0) | Position::Running(0) if t < disaster_at => {
            Some(Window::BeforeDisaster)
        }
        Position::Before(0) | Position::Running(0) => Some(Window::Failover),
        Position::Before(_) => Some(Window::Between),
        Position::Running(_) => Some(Window::Failback),
    }
}

const JOBS: [Job; 3] = [Job::Backup, Job::Copy, Job::Restore];

fn crash(i: Instance) -> (Fault, Option<Fault>) {
    (
        Fault::InstanceDown { instance: i },
        Some(Fault::InstanceUp { instance: i }),
    )
}

fn pair(f: Fault, h: Fault) -> (Fault, Option<Fault>) {
    (f, Some(h))
}

/// A window's faults with their heals: inline (at most 22), as the search asks for them at
/// every moment it places faults.
pub type Faults = smallvec::SmallVec<[(Fault, Option<Fault>); 24]>;

/// The faults that may start in a window, in a fixed order (the search's order).
pub fn faults(w: Window, beyond: bool) -> Faults {
    use Fault::*;
    let mut out = Faults::new();
    match w {
        Window::BeforeDisaster | Window::Between => {
            out.extend(Instance::ALL.into_iter().map(crash));
            out.push(pair(LinkDown, LinkUp));
            out.push(pair(ShareDown, ShareUp));
            for job in JOBS {
                out.push(pair(JobFailing { job }, JobHealed { job }));
            }
            let healed = AgentRights {
                share_read: true,
                copy_write: true,
            };
            for (share_read, copy_write) in [(true, false), (false, true)] {
                out.push(pair(
                    AgentRights {
                        share_read,
                        copy_write,
                    },
                    healed.clone(),
                ));
            }
            if w == Window::BeforeDisaster {
                for newest in 0..3 {
                    out.push((LogFileUnreadable { newest }, None));
                    out.push((LogFileMissing { newest }, None));
                }
            }
            for instance in [Instance::Primary, Instance::Backup, Instance::Mirror] {
                out.push(pair(DiskFull { instance }, DiskFreed { instance }));
            }
            out.push(pair(CmsDown, CmsUp));
        }
        Window::Failover | Window::Failback => {
            out.push(crash(Instance::Witness));
            for job in JOBS {
                out.push(pair(JobFailing { job }, JobHealed { job }));
            }
            // The link matters only to the failback: during the failover DC1 is down (the
            // fuzzer draws it there all the same).
            if w == Window::Failover {
                out.push(pair(LinkDown, LinkUp));
            }
            if beyond {
                out.push(pair(DcDown { dc: Dc::Dc2 }, DcUp { dc: Dc::Dc2 }));
                for i in [Instance::Backup, Instance::BackupMirror, Instance::Primary] {
                    out.push(crash(i));
                }
                out.push(pair(ShareDown, ShareUp));
                out.push(pair(CmsDown, CmsUp));
                out.push(pair(
                    DiskFull {
                        instance: Instance::Backup,
                    },
                    DiskFreed {
                        instance: Instance::Backup,
                    },
                ));
                if w == Window::Failback {
                    out.push(pair(LinkDown, LinkUp));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alphabet_sizes() {
        // 5 crashes, link, share, 3 jobs, 2 agent-rights, 3 disks, CMS = 16; plus 6 lost
        // or unreadable log backups before the disaster.
        assert_eq!(faults(Window::Between, false).len(), 16);
        assert_eq!(faults(Window::BeforeDisaster, false).len(), 22);
        // Witness, 3 jobs (+ link in the failover).
        assert_eq!(faults(Window::Failover, false).len(), 5);
        assert_eq!(faults(Window::Failback, false).len(), 4);
        assert_eq!(faults(Window::Failback, true).len(), 4 + 8);
    }

    /// `Stepper::dc1_frozen` (the order reduction) counts on it: DC1, once down, comes
    /// back only rebuilt, with new databases.
    #[test]
    fn no_placed_fault_brings_dc1_back() {
        for w in [
            Window::BeforeDisaster,
            Window::Failover,
            Window::Between,
            Window::Failback,
        ] {
            for beyond in [false, true] {
                for (f, h) in faults(w, beyond) {
                    for x in std::iter::once(f).chain(h) {
                        assert!(!matches!(x, Fault::DcUp { dc: Dc::Dc1 }), "{x:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn every_transient_fault_heals_and_is_not_a_heal() {
        for w in [
            Window::BeforeDisaster,
            Window::Failover,
            Window::Between,
            Window::Failback,
        ] {
            for (f, h) in faults(w, true) {
                assert!(!f.is_heal(), "{f:?}");
                if let Some(h) = h {
                    assert!(h.is_heal(), "{h:?}");
                }
            }
        }
    }
}
