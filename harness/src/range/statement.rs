//! The statements an operator types at the range, parsed (owner: the T-SQL front end).
//! The backend applies them to the model; SELECTs are evaluated over a [`Catalog`].

use super::reply::{Param, ResultSet, SqlMessage, Value};

/// RECOVERY / NORECOVERY / STANDBY of a RESTORE (RECOVERY when unsaid, as SQL Server).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recovery {
    Recovery,
    NoRecovery,
    Standby(String),
}

/// `ALTER DATABASE db SET PARTNER ...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Partner {
    Off,
    Failover,
    ForceServiceAllowDataLoss,
    Suspend,
    Resume,
    /// `= 'TCP://host:port'`.
    Server(String),
}

/// One parsed statement of a batch. Names are as typed, brackets and N'' removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Statement {
    /// A SELECT, kept as text: [`Catalog`]-based evaluation parses it with a real parser.
    Select(String),
    Use {
        database: String,
    },
    BackupDatabase {
        database: String,
        disk: String,
        init: bool,
        copy_only: bool,
    },
    BackupLog {
        database: String,
        disk: String,
        init: bool,
        norecovery: bool,
        no_truncate: bool,
    },
    /// `RESTORE DATABASE db [FROM DISK = ...] WITH ...` (no FROM: recovery only).
    RestoreDatabase {
        database: String,
        disk: Option<String>,
        recovery: Recovery,
        replace: bool,
        moves: Vec<(String, String)>,
    },
    RestoreLog {
        database: String,
        disk: String,
        recovery: Recovery,
    },
    AlterDatabasePartner {
        database: String,
        partner: Partner,
    },
    AlterDatabaseWitness {
        database: String,
        off: bool,
        server: Option<String>,
    },
    /// `EXEC [db.][schema.]proc @a = N'x', ...` (sp_who2, sp_delete_log_shipping_*, ...):
    /// `procedure` is the last name part, lower case; arguments as written.
    Exec {
        procedure: String,
        args: Vec<(Option<String>, Value)>,
    },
    Kill {
        spid: u16,
    },
    CreateDatabase {
        database: String,
    },
    DropDatabase {
        database: String,
    },
}

/// A statement with the batch line it starts on (for Msg ..., Line n).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    pub line: u32,
    pub statement: Statement,
}

/// What a SELECT reads: the range's catalog views and globals for one instance.
pub trait Catalog {
    /// A table or view by its lower-case name without brackets, with the database part
    /// when it is not the current one: "sys.databases", "sys.database_mirroring",
    /// "sys.dm_exec_sessions", "msdb.dbo.backupset", "msdb.dbo.backupmediafamily",
    /// "msdb.dbo.restorehistory", "msdb.dbo.log_shipping_monitor_secondary",
    /// "msdb.dbo.log_shipping_primary_databases".
    fn table(&self, name: &str) -> Option<ResultSet>;
    /// "@@version", "@@servername", "@@spid", "serverproperty('productversion')" (lower case).
    /// Also asked by `select::run`: any "serverproperty('<name>')" (None: NULL, as SQL
    /// Server answers an unknown property), "db_name()" and "db_id()" (the session's
    /// database), "getdate()", "getutcdate()", "sysdatetime()", "current_timestamp()"
    /// (None: the SELECT is refused as not modelled). A one-part table name is asked as
    /// written ("t"), then as "dbo.t"; a two-part one as written ("dbo.backupset"): the
    /// catalog resolves it in the session's database.
    fn global(&self, name: &str) -> Option<Value>;
}

/// How the parse of a batch or a SELECT fails: the SQL Server message to send (102
/// "Incorrect syntax near ...", 208 "Invalid object name ...", 207 "Invalid column name ...").
pub type SqlResult<T> = Result<T, SqlMessage>;

/// Signature the front end provides (kept here so both sides compile against it):
/// `tsql::parse_batch(sql: &str) -> SqlResult<Vec<Located>>` and
/// `select::run(sql: &str, catalog: &dyn Catalog, params: &[Param]) -> SqlResult<ResultSet>`.
pub type SelectFn = fn(&str, &dyn Catalog, &[Param]) -> SqlResult<ResultSet>;
