//! The fixed parts of the back end: data centers, the five SQL instances, the two
//! databases and the Persistent Chat servers (model.md "Topology").

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum Dc {
    #[serde(rename = "DC1")]
    Dc1,
    #[serde(rename = "DC2")]
    Dc2,
    /// A third site (only the share can live there).
    #[serde(rename = "third")]
    Third,
}

impl fmt::Display for Dc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dc::Dc1 => "DC1",
            Dc::Dc2 => "DC2",
            Dc::Third => "third site",
        })
    }
}

/// The SQL Server instances of the Persistent Chat back end.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Instance {
    /// mgc principal, DC1.
    Primary,
    /// synchronous mirror of the primary, DC1.
    Mirror,
    /// witness of the DC1 mirroring session.
    Witness,
    /// log-shipping secondary ("backup" in the Persistent Chat docs), DC2.
    Backup,
    /// the backup's mirror, target of Install-CsMirrorDatabase at F6, DC2.
    BackupMirror,
}

impl Instance {
    pub const ALL: [Instance; 5] = [
        Instance::Primary,
        Instance::Mirror,
        Instance::Witness,
        Instance::Backup,
        Instance::BackupMirror,
    ];
    /// Instances that hold a copy of mgc (the witness holds none).
    pub const DATA: [Instance; 4] = [
        Instance::Primary,
        Instance::Mirror,
        Instance::Backup,
        Instance::BackupMirror,
    ];

    pub fn dc(self) -> Dc {
        match self {
            Instance::Primary | Instance::Mirror | Instance::Witness => Dc::Dc1,
            Instance::Backup | Instance::BackupMirror => Dc::Dc2,
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// The instance's host name in timelines and T-SQL.
    pub fn host(self) -> &'static str {
        match self {
            Instance::Primary => "sql-primary",
            Instance::Mirror => "sql-mirror",
            Instance::Witness => "sql-witness",
            Instance::Backup => "sql-backup",
            Instance::BackupMirror => "sql-backup-mirror",
        }
    }
}

impl fmt::Display for Instance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Instance::Primary => "primary",
            Instance::Mirror => "mirror",
            Instance::Witness => "witness",
            Instance::Backup => "backup",
            Instance::BackupMirror => "backup-mirror",
        })
    }
}

/// The Persistent Chat databases.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Db {
    /// chat rooms and history.
    Mgc,
    /// compliance rows, purged as the compliance adapter processes them.
    Mgccomp,
}

impl Db {
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Db::Mgc => "mgc",
            Db::Mgccomp => "mgccomp",
        })
    }
}

/// Persistent Chat servers 1..=8: 1-4 in DC1, 5-8 in DC2 (plan page layout).
pub const SERVER_COUNT: usize = 8;
pub const MAX_ACTIVE: usize = 4;

pub fn server_dc(server: u8) -> Dc {
    if server <= 4 {
        Dc::Dc1
    } else {
        Dc::Dc2
    }
}

/// Active/idle layouts of the stretched pool [P].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// High-bandwidth/low-latency link: 2 active + 2 idle per DC.
    #[default]
    TwoPlusTwo,
    /// Low-bandwidth/high-latency link: 4 active in DC1, 4 idle in DC2.
    FourPlusZero,
}

impl Layout {
    /// The servers active in normal operation.
    pub fn initial_active(self) -> [u8; 4] {
        match self {
            Layout::TwoPlusTwo => [1, 2, 5, 6],
            Layout::FourPlusZero => [1, 2, 3, 4],
        }
    }
    /// Whether the inter-DC link is low latency and high bandwidth.
    pub fn fast_link(self) -> bool {
        matches!(self, Layout::TwoPlusTwo)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
pub enum PoolState {
    #[default]
    Normal,
    FailedOver,
}

impl fmt::Display for PoolState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PoolState::Normal => "Normal",
            PoolState::FailedOver => "FailedOver",
        })
    }
}

/// Lync Server 2013 or Skype for Business Server 2015: same steps, editorial differences.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
pub enum Product {
    #[serde(rename = "lync2013")]
    Lync2013,
    #[default]
    #[serde(rename = "sfb2015")]
    SfB2015,
}

impl Product {
    /// The identity of the single active-server collection (Lync "global", SfB "PChatServerCollection").
    pub fn active_collection_identity(self) -> &'static str {
        match self {
            Product::Lync2013 => "global",
            Product::SfB2015 => "PChatServerCollection",
        }
    }
    pub fn shell_name(self) -> &'static str {
        match self {
            Product::Lync2013 => "Lync Server Management Shell",
            Product::SfB2015 => "Skype for Business Server Management Shell",
        }
    }
}
