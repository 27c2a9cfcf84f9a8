//! Backup history rows as msdb has them: `backupset.type`, timestamps, and one row of
//! `msdb.dbo.backupset` joined with `backupmediafamily`.

use crate::lsn::Lsn;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// `backupset.type`: only the three kinds a database restore sequence uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BackupType {
    /// D: full database backup.
    Full,
    /// I: differential database backup.
    Differential,
    /// L: transaction log backup.
    Log,
}

impl BackupType {
    pub fn code(self) -> &'static str {
        match self {
            BackupType::Full => "D",
            BackupType::Differential => "I",
            BackupType::Log => "L",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupTypeParseError(pub String);

impl fmt::Display for BackupTypeParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0.trim();
        match t {
            "F" | "G" | "P" | "Q" => write!(
                f,
                "backup type {t:?} (file, filegroup or partial backup) is not supported: the planner restores D (full), I (differential) and L (log) backups"
            ),
            _ => write!(
                f,
                "unknown backup type {t:?}: expected D (full), I (differential) or L (log)"
            ),
        }
    }
}

impl std::error::Error for BackupTypeParseError {}

impl FromStr for BackupType {
    type Err = BackupTypeParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "D" => Ok(BackupType::Full),
            "I" => Ok(BackupType::Differential),
            "L" => Ok(BackupType::Log),
            _ => Err(BackupTypeParseError(s.to_string())),
        }
    }
}

impl Serialize for BackupType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for BackupType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A wall-clock time as msdb exports it (`2017-05-04T07:42:17`, optional fraction and `Z`).
/// msdb stores the server's local time, not UTC, and no offset: times are compared as they
/// are, in the history's own clock. Fields in descending significance, so the derived order
/// is chronological.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub nanos: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimestampParseError(pub String);

impl fmt::Display for TimestampParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "expected a time YYYY-MM-DDTHH:MM:SS (optional fraction and Z; the history's own clock, as msdb stores it), found {:?}",
            self.0
        )
    }
}

impl std::error::Error for TimestampParseError {}

impl FromStr for Timestamp {
    type Err = TimestampParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || TimestampParseError(s.to_string());
        let t = s.trim();
        let t = t.strip_suffix('Z').unwrap_or(t);
        let b = t.as_bytes();
        if b.len() < 19 || !b.is_ascii() {
            return Err(err());
        }
        let num = |r: std::ops::Range<usize>| -> Result<u32, TimestampParseError> {
            let p = &t[r];
            if p.bytes().all(|c| c.is_ascii_digit()) {
                p.parse().map_err(|_| err())
            } else {
                Err(err())
            }
        };
        // 'T' or a space (SQL Server's own text form) between date and time.
        if b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b' ') {
            return Err(err());
        }
        if b[13] != b':' || b[16] != b':' {
            return Err(err());
        }
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let nanos = match &t[19..] {
            "" => 0,
            frac => {
                let d = frac.strip_prefix('.').ok_or_else(err)?;
                if d.is_empty() || d.len() > 9 || !d.bytes().all(|c| c.is_ascii_digit()) {
                    return Err(err());
                }
                d.parse::<u32>().map_err(|_| err())? * 10u32.pow(9 - d.len() as u32)
            }
        };
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return Err(err()),
        };
        if year == 0 || day == 0 || day > days || hour > 23 || minute > 59 || second > 59 {
            return Err(err());
        }
        Ok(Timestamp {
            year: year as u16,
            month: month as u8,
            day: day as u8,
            hour: hour as u8,
            minute: minute as u8,
            second: second as u8,
            nanos,
        })
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )?;
        if self.nanos != 0 {
            let frac = format!("{:09}", self.nanos);
            write!(f, ".{}", frac.trim_end_matches('0'))?;
        }
        Ok(())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One row of `msdb.dbo.backupset` joined with `backupmediafamily`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct BackupRecord {
    pub database_name: String,
    pub server_name: String,
    #[serde(rename = "type")]
    pub backup_type: BackupType,
    pub backup_set_uuid: String,
    pub first_lsn: Lsn,
    pub last_lsn: Lsn,
    pub checkpoint_lsn: Lsn,
    pub database_backup_lsn: Lsn,
    pub differential_base_lsn: Option<Lsn>,
    pub backup_start_date: Timestamp,
    pub backup_finish_date: Timestamp,
    pub is_copy_only: bool,
    /// The file (one per stripe); `None` when the history does not say.
    pub physical_device_name: Option<String>,
    /// The recovery fork the backup begins on (`None`: not in the history, or all zeros).
    pub first_recovery_fork_guid: Option<String>,
    /// The recovery fork it ends on (a log backup across a fork point differs from the
    /// first); `None`: not in the history, then taken equal to the first.
    pub last_recovery_fork_guid: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PlanOptions {
    /// Plan for this database; `None` means the history must hold exactly one.
    pub database: Option<String>,
    /// Restore to this point in time, in the history's own clock (msdb stores the server's
    /// local time).
    pub stop_at: Option<Timestamp>,
    /// The database is already RESTORING at this redo point: plan only the logs.
    pub redo_start_lsn: Option<Lsn>,
    pub ignore_diffs: bool,
    pub ignore_logs: bool,
}
