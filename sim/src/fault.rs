//! Faults and heals: plain actions on the world, drawn by the fuzzer or listed in a
//! scenario (model.md "Faults the fuzzer draws from").

use crate::topology::{Dc, Instance};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Job {
    /// Log-shipping backup job on the principal.
    Backup,
    /// Copy job on the secondary (share -> copy folder).
    Copy,
    /// Restore job on the secondary.
    Restore,
}

impl fmt::Display for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Job::Backup => "LSBackup",
            Job::Copy => "LSCopy",
            Job::Restore => "LSRestore",
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// The instance crashes (or loses power); its databases stay as they were on disk.
    InstanceDown {
        instance: Instance,
    },
    /// The instance restarts.
    InstanceUp {
        instance: Instance,
    },
    /// Total outage of a data center (the third site holds only the share): its instances, chat servers, Front End, and the share
    /// and CMS if they live there.
    DcDown {
        dc: Dc,
    },
    /// Power is back in the data center: everything restarts as it was on disk.
    DcUp {
        dc: Dc,
    },
    /// DC1 rebuilt after a total outage (failback assumptions): primary and mirror instances
    /// and DC1 chat servers are up, mgc and mgccomp reinstalled empty by Topology Builder;
    /// the old files and configuration are gone.
    Dc1Rebuilt {
        /// Whether Topology Builder also re-established mirroring primary -> mirror (gap 5).
        #[serde(default)]
        mirrored: bool,
    },
    /// The inter-DC link is cut / restored.
    LinkDown,
    LinkUp,
    /// The backup share cannot be reached / can be reached again.
    ShareDown,
    ShareUp,
    /// The share's files are lost (e.g. with its data center's storage).
    ShareLost,
    /// The share's disk fills up (backups to it fail with 3202) / has room again.
    ShareFull,
    ShareFreed,
    /// A log-shipping job fails every run / runs again.
    JobFailing {
        job: Job,
    },
    JobHealed {
        job: Job,
    },
    /// The SQL Agent account on the backup instance loses (or regains) its rights.
    AgentRights {
        share_read: bool,
        copy_write: bool,
    },
    /// The n-th newest log backup on the share (0 = newest) becomes unreadable / is deleted.
    LogFileUnreadable {
        newest: u32,
    },
    LogFileMissing {
        newest: u32,
    },
    /// An instance's disk fills up / is freed.
    DiskFull {
        instance: Instance,
    },
    DiskFreed {
        instance: Instance,
    },
    /// The Central Management Store cannot be reached / can be again.
    CmsDown,
    CmsUp,
    /// The CMS is failed over to the other data center (Front End DR, [DR]).
    CmsFailover {
        to: Dc,
    },
}

impl Fault {
    /// Whether this action heals rather than breaks.
    pub fn is_heal(&self) -> bool {
        use Fault::*;
        matches!(
            self,
            InstanceUp { .. }
                | DcUp { .. }
                | Dc1Rebuilt { .. }
                | LinkUp
                | ShareUp
                | ShareFreed
                | JobHealed { .. }
                | DiskFreed { .. }
                | CmsUp
                | CmsFailover { .. }
        ) || matches!(
            self,
            AgentRights {
                share_read: true,
                copy_write: true
            }
        )
    }
}
