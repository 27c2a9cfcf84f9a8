//! The T-SQL a replayable model step or job stands for, as exact statements.
//!
//! The replay runs "primary" and "backup" as two databases of one SQL Server instance
//! (see docs/sqlserver.md): [`Placement`] maps the model's (instance, database) to the
//! database name and the directory that plays the share and the copy folder.

use sim::topology::{Db, Instance};

/// The chat table the workload writes to: one row per acknowledged, numbered write.
pub const CHAT_TABLE: &str = "dbo.chat_write";

/// Logical file names of every replayed copy.
const LOGICAL: &str = "mgc";

/// Where the model's copies live on the replay server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    /// Directory (as the server sees it) playing the share and the copy folder.
    pub dir: String,
    /// Path separator of `dir` on the server ('/' on Linux containers).
    pub sep: char,
}

impl Placement {
    /// The mssql container: the image's default backup directory.
    pub fn container() -> Self {
        Placement {
            dir: "/var/opt/mssql/data".into(),
            sep: '/',
        }
    }

    /// Only primary and backup hold replayable copies (mirrors need mirroring).
    pub fn database(&self, i: Instance, db: Db) -> Option<String> {
        match i {
            Instance::Primary => Some(db.to_string()),
            Instance::Backup => Some(format!("{db}_backup")),
            _ => None,
        }
    }

    pub fn file(&self, name: &str) -> String {
        format!("{}{}{}", self.dir, self.sep, name)
    }
}

/// One replayable operation, with the model's file names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// The database as Topology Builder creates it: FULL recovery, the chat table.
    Create {
        db: String,
    },
    /// DC1 rebuilt: the old database is gone before Topology Builder recreates it.
    Drop {
        db: String,
    },
    /// Writes `from..to` (numbered from 1) acknowledged on `db`.
    Writes {
        db: String,
        from: u64,
        to: u64,
    },
    BackupFull {
        db: String,
        file: String,
    },
    /// The log-shipping backup job.
    BackupLog {
        db: String,
        file: String,
    },
    /// `BACKUP LOG ... WITH NORECOVERY, NO_TRUNCATE` (tail-log; leaves the db RESTORING).
    BackupTail {
        db: String,
        file: String,
    },
    /// `RESTORE DATABASE` from a full backup of `source` (WITH MOVE when names differ).
    RestoreFull {
        db: String,
        source: String,
        file: String,
        replace: bool,
        recovery: bool,
    },
    RestoreLog {
        db: String,
        file: String,
    },
    /// Recovery-only restore: `RESTORE DATABASE x WITH RECOVERY`.
    Recover {
        db: String,
    },
    /// F1 on the secondary, in master.
    DeleteLsSecondary {
        db: String,
    },
    /// Not replayable on a Linux container; the reason is reported.
    NotReplayable {
        reason: String,
    },
}

fn q(s: &str) -> String {
    s.replace('\'', "''")
}

/// The statements of one operation, in order. Each is sent as its own batch.
pub fn render(op: &Op, p: &Placement) -> Vec<String> {
    match op {
        Op::Create { db } => vec![
            format!("CREATE DATABASE [{db}];"),
            format!("ALTER DATABASE [{db}] SET RECOVERY FULL;"),
            format!("CREATE TABLE [{db}].{CHAT_TABLE} (id bigint NOT NULL PRIMARY KEY, body nvarchar(100) NOT NULL);"),
        ],
        Op::Drop { db } => vec![format!("DROP DATABASE [{db}];")],
        // One set-based INSERT: numbered writes from a tally of sys.all_objects rows.
        Op::Writes { db, from, to } => vec![format!(
            "INSERT INTO [{db}].{CHAT_TABLE} (id, body) SELECT n, CONCAT(N'write ', n) FROM (SELECT TOP ({}) {from} - 1 + ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS n FROM sys.all_objects a CROSS JOIN sys.all_objects b) AS t;",
            to + 1 - from
        )],
        Op::BackupFull { db, file } => vec![format!(
            "BACKUP DATABASE [{db}] TO DISK = N'{}' WITH INIT;",
            q(&p.file(file))
        )],
        Op::BackupLog { db, file } => vec![format!(
            "BACKUP LOG [{db}] TO DISK = N'{}' WITH INIT;",
            q(&p.file(file))
        )],
        Op::BackupTail { db, file } => vec![format!(
            "BACKUP LOG [{db}] TO DISK = N'{}' WITH INIT, NORECOVERY, NO_TRUNCATE;",
            q(&p.file(file))
        )],
        Op::RestoreFull { db, source, file, replace, recovery } => {
            let mut opts = vec![if *recovery { "RECOVERY" } else { "NORECOVERY" }.to_string()];
            if *replace {
                opts.push("REPLACE".into());
            }
            if db != source {
                // Same instance: the copy needs its own data and log files.
                // Logical names stay those of CREATE DATABASE [mgc] through every restore.
                opts.push(format!("MOVE N'{LOGICAL}' TO N'{}'", q(&p.file(&format!("{db}.mdf")))));
                opts.push(format!("MOVE N'{LOGICAL}_log' TO N'{}'", q(&p.file(&format!("{db}_log.ldf")))));
            }
            vec![format!(
                "RESTORE DATABASE [{db}] FROM DISK = N'{}' WITH {};",
                q(&p.file(file)),
                opts.join(", ")
            )]
        }
        Op::RestoreLog { db, file } => vec![format!(
            "RESTORE LOG [{db}] FROM DISK = N'{}' WITH NORECOVERY;",
            q(&p.file(file))
        )],
        Op::Recover { db } => vec![format!("RESTORE DATABASE [{db}] WITH RECOVERY;")],
        Op::DeleteLsSecondary { db } => vec![format!(
            "EXEC master.dbo.sp_delete_log_shipping_secondary_database @secondary_database = N'{}';",
            q(db)
        )],
        Op::NotReplayable { reason } => vec![format!("-- not replayed: {reason}")],
    }
}

/// Statements the safety rule covers: they destroy or take offline data or sessions.
pub fn is_destructive(stmt: &str) -> bool {
    let u = stmt.trim_start().to_ascii_uppercase();
    if u.starts_with("--") {
        return false;
    }
    u.starts_with("RESTORE ")
        || u.starts_with("DROP ")
        || u.starts_with("ALTER DATABASE")
        || u.starts_with("KILL ")
        || (u.starts_with("BACKUP ") && u.contains("NORECOVERY"))
        || u.contains("SP_DELETE_")
}

/// Why a step kind cannot be replayed on the mssql Linux container, or None if it can.
pub fn not_replayable(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "install_mirror_database" | "remove_mirroring" => {
            "database mirroring is not supported by SQL Server on Linux"
        }
        "set_pool_state"
        | "set_active_servers"
        | "stop_chat_services"
        | "start_chat_services"
        | "failover_cms" => "a Skype for Business cmdlet, not T-SQL",
        "copy_uncopied_files" => {
            "a file copy; the share and the copy folder are one directory in the replay"
        }
        "delete_log_shipping_primary" => {
            "log-shipping configuration needs the SQL Agent jobs of two instances"
        }
        "wait" => "a wait",
        _ => return None,
    })
}
