//! SQL Server errors the model raises, with SQL Server's own message texts
//! (sqlserver-semantics.md section 1 and 5), and the cmdlet failures of the runbook steps.
//!
//! Errors are small values; their text is only formatted when a person reads it, so the
//! simulation loop never builds strings.

use crate::lsn::{LogRuleError, Lsn};
use crate::topology::Db;
use serde::Serialize;

/// Which statement failed, for the 3013 "is terminating abnormally" line that follows
/// every failed BACKUP or RESTORE.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Statement {
    RestoreLog,
    RestoreDatabase,
    BackupDatabase,
    BackupLog,
    /// ALTER DATABASE: a failure is followed by 5069, not 3013.
    AlterDatabase,
    Other,
}

impl Statement {
    /// The message that follows the error: 3013 for BACKUP/RESTORE, 5069 for ALTER DATABASE.
    pub fn terminating(self) -> Option<(u32, &'static str)> {
        match self {
            Statement::RestoreLog => Some((3013, "RESTORE LOG is terminating abnormally.")),
            Statement::RestoreDatabase => {
                Some((3013, "RESTORE DATABASE is terminating abnormally."))
            }
            Statement::BackupDatabase => Some((3013, "BACKUP DATABASE is terminating abnormally.")),
            Statement::BackupLog => Some((3013, "BACKUP LOG is terminating abnormally.")),
            Statement::AlterDatabase => Some((5069, "ALTER DATABASE statement failed.")),
            Statement::Other => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SqlError {
    E4305 { first: Lsn, redo: Lsn },
    E4326 { last: Lsn, redo: Lsn },
    E3117,
    E3153,
    E3159 { db: Db },
    E3154 { db: Db },
    E3101,
    E3104 { db: Db },
    E3201 { device: String, os_error: OsError },
    E3202 { device: String, os_error: OsError },
    E3257,
    E3118 { db: Db },
    E927 { db: Db },
    E954 { db: Db },
    E955 { db: Db },
    E4214,
    E3036 { db: Db },
    E911 { db: Db },
    E1416 { db: Db },
    E1468 { db: Db },
    E5011 { db: Db },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OsError {
    /// 2: the file is missing.
    NotFound,
    /// 5: the SQL Agent / service account lacks the right.
    AccessDenied,
    /// 53: the network path (share) is unreachable.
    NetworkPath,
    /// 112: disk full.
    DiskFull,
}

impl OsError {
    pub fn number(self) -> u32 {
        match self {
            OsError::NotFound => 2,
            OsError::AccessDenied => 5,
            OsError::NetworkPath => 53,
            OsError::DiskFull => 112,
        }
    }

    fn text(self) -> &'static str {
        match self {
            OsError::NotFound => "2(The system cannot find the file specified.)",
            OsError::AccessDenied => "5(Access is denied.)",
            OsError::NetworkPath => "53(The network path was not found.)",
            OsError::DiskFull => "112(There is not enough space on the disk.)",
        }
    }
}

/// A log the rule refuses: 4305 (it begins after the redo point) or 4326 (it ends at or
/// before it).
impl From<LogRuleError> for SqlError {
    fn from(e: LogRuleError) -> Self {
        match e {
            LogRuleError::TooRecent { first, redo } => SqlError::E4305 { first, redo },
            LogRuleError::TooEarly { last, redo } => SqlError::E4326 { last, redo },
        }
    }
}

impl SqlError {
    pub fn number(&self) -> u32 {
        match self {
            SqlError::E4305 { .. } => 4305,
            SqlError::E4326 { .. } => 4326,
            SqlError::E3117 => 3117,
            SqlError::E3153 => 3153,
            SqlError::E3159 { .. } => 3159,
            SqlError::E3154 { .. } => 3154,
            SqlError::E3101 => 3101,
            SqlError::E3104 { .. } => 3104,
            SqlError::E3201 { .. } => 3201,
            SqlError::E3202 { .. } => 3202,
            SqlError::E3257 => 3257,
            SqlError::E3118 { .. } => 3118,
            SqlError::E927 { .. } => 927,
            SqlError::E954 { .. } => 954,
            SqlError::E955 { .. } => 955,
            SqlError::E4214 => 4214,
            SqlError::E3036 { .. } => 3036,
            SqlError::E911 { .. } => 911,
            SqlError::E1416 { .. } => 1416,
            SqlError::E1468 { .. } => 1468,
            SqlError::E5011 { .. } => 5011,
        }
    }

    /// SQL Server's severity for the message (all of these are 16, but 927/954/955/5011
    /// are 14).
    pub fn level(&self) -> u8 {
        match self {
            SqlError::E927 { .. }
            | SqlError::E954 { .. }
            | SqlError::E955 { .. }
            | SqlError::E5011 { .. } => 14,
            _ => 16,
        }
    }

    pub fn message(&self) -> String {
        match self {
            SqlError::E4305 { first, redo } => format!(
                "The log in this backup set begins at LSN {first}, which is too recent to apply to the database. An earlier log backup that includes LSN {redo} can be restored."
            ),
            SqlError::E4326 { last, redo } => format!(
                "The log in this backup set terminates at LSN {last}, which is too early to apply to the database. A more recent log backup that includes LSN {redo} can be restored."
            ),
            SqlError::E3117 => "The log or differential backup cannot be restored because no files are ready to rollforward.".into(),
            SqlError::E3153 => "The database is already fully recovered.".into(),
            SqlError::E3159 { db } => format!(
                "The tail of the log for the database \"{db}\" has not been backed up. Use BACKUP LOG WITH NORECOVERY to backup the log if it contains work you do not want to lose. Use the WITH REPLACE or WITH STOPAT clause of the RESTORE statement to just overwrite the contents of the log."
            ),
            SqlError::E3154 { db } => format!(
                "The backup set holds a backup of a database other than the existing '{db}' database."
            ),
            SqlError::E3101 => "Exclusive access could not be obtained because the database is in use.".into(),
            SqlError::E3104 { db } => format!(
                "RESTORE cannot operate on database '{db}' because it is configured for database mirroring. Use ALTER DATABASE to remove mirroring if you intend to restore the database."
            ),
            SqlError::E3201 { device, os_error } => format!(
                "Cannot open backup device '{device}'. Operating system error {}.",
                os_error.text()
            ),
            SqlError::E3202 { device, os_error } => format!(
                "Write on \"{device}\" failed: {}",
                os_error.text()
            ),
            // The volume and byte counts are the server's; the model knows neither.
            SqlError::E3257 => "There is insufficient free space on disk volume '<data volume>' to create the database. The database requires <size of the database> additional free bytes, while only <free space> bytes are available.".into(),
            SqlError::E3118 { db } => format!(
                "The database \"{db}\" does not exist. RESTORE can only create a database when restoring either a full backup or a file backup of the primary file."
            ),
            SqlError::E927 { db } => format!("Database '{db}' cannot be opened. It is in the middle of a restore."),
            SqlError::E954 { db } => format!("The database \"{db}\" cannot be opened. It is acting as a mirror database."),
            SqlError::E955 { db } => format!(
                "Database {db} is enabled for Database Mirroring, but the database lacks quorum: the database cannot be opened. Check the partner and witness connections if configured."
            ),
            SqlError::E4214 => "BACKUP LOG cannot be performed because there is no current database backup.".into(),
            SqlError::E911 { db } => format!(
                "Database '{db}' does not exist. Make sure that the name is entered correctly."
            ),
            SqlError::E1416 { db } => format!(
                "Database \"{db}\" is not configured for database mirroring."
            ),
            SqlError::E1468 { db } => format!(
                "The operation cannot be performed on database \"{db}\" because it is involved in a database mirroring session."
            ),
            SqlError::E5011 { db } => format!(
                "User does not have permission to alter database '{db}', the database does not exist, or the database is not in a state that allows access checks."
            ),
            SqlError::E3036 { db } => format!(
                "The database \"{db}\" is in warm-standby state (set by executing RESTORE WITH STANDBY) and cannot be backed up until the entire restore sequence is completed."
            ),
        }
    }

    /// As SSMS prints it: `Msg N, Level L, State 1, Line 1` then the text, then 3013.
    pub fn render(&self, stmt: Statement) -> String {
        let mut s = format!(
            "Msg {}, Level {}, State 1, Line 1\n{}",
            self.number(),
            self.level(),
            self.message()
        );
        if let Some((n, t)) = stmt.terminating() {
            s.push_str(&format!("\nMsg {n}, Level 16, State 1, Line 1\n{t}"));
        }
        s
    }
}

/// Failures of the PowerShell cmdlets and of manual (file-copy) steps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CmdletError {
    /// The cmdlet writes to the CMS, which cannot be reached (gap 12).
    CmsUnreachable,
    /// The instance the step runs against is down or cannot be reached.
    InstanceUnreachable(crate::topology::Instance),
    /// Install-CsMirrorDatabase needs a mirror instance that is up and a share both can reach.
    MirrorSetupFailed(&'static str),
    /// A server named in the active list does not exist in the topology.
    NoSuchServer(u8),
    /// A precondition that the step's tool checks itself (e.g. no log shipping configured).
    NotConfigured(&'static str),
}

impl CmdletError {
    pub fn message(&self) -> String {
        match self {
            CmdletError::CmsUnreachable => "Cannot connect to the Central Management Store: the CMS SQL instance is unreachable.".into(),
            CmdletError::InstanceUnreachable(i) => format!("A network-related or instance-specific error occurred while establishing a connection to SQL Server: instance {i} is not reachable."),
            CmdletError::MirrorSetupFailed(why) => format!("Install-CsMirrorDatabase failed: {why}."),
            CmdletError::NoSuchServer(n) => format!("Persistent Chat server pchat{n} is not in the topology."),
            CmdletError::NotConfigured(why) => why.to_string(),
        }
    }
}

/// Why a step failed: a SQL Server error (with its statement), a cmdlet error, or an
/// operating-system error of a file copy (F2 by hand with robocopy, or the copy job):
/// Msg 3201 belongs to BACKUP/RESTORE, a copy reports the OS error itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    Sql(SqlError, Statement),
    Cmdlet(CmdletError),
    Os {
        os_error: OsError,
        /// What the copy was accessing when it failed (a path).
        accessing: String,
    },
}

/// A failed statement as a [`Failure`] (shorthand used by every statement's checks).
pub(crate) fn sql(e: SqlError, st: Statement) -> Failure {
    Failure::Sql(e, st)
}

impl Failure {
    pub fn number(&self) -> Option<u32> {
        match self {
            Failure::Sql(e, _) => Some(e.number()),
            Failure::Cmdlet(_) | Failure::Os { .. } => None,
        }
    }
    pub fn render(&self) -> String {
        match self {
            Failure::Sql(e, st) => e.render(*st),
            Failure::Cmdlet(c) => c.message(),
            // As robocopy prints it: ERROR n (0x...) Accessing ..., then the system text.
            Failure::Os {
                os_error,
                accessing,
            } => {
                let n = os_error.number();
                let t = os_error.text();
                let text = t
                    .split_once('(')
                    .map_or(t, |(_, r)| r.trim_end_matches(')'));
                format!("ERROR {n} (0x{n:08X}) Accessing {accessing}\n{text}")
            }
        }
    }
}
