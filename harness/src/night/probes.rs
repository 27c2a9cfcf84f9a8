//! The read-only probes: a FIXED list of SELECT statements, the only SQL the rehearsal can
//! send. A [`Probe`] has private fields and no public constructor, so no code outside this
//! file can make one with other text; every connection type ([`super::conn::ProbeConn`])
//! takes a `&Probe`, never a string. Column names follow the catalog views'
//! (MicrosoftDocs/sql-docs: docs/relational-databases/system-catalog-views/sys-databases-transact-sql.md,
//! sys-database-mirroring-transact-sql.md; docs/relational-databases/system-tables/
//! log-shipping-monitor-secondary-transact-sql.md, restorehistory-transact-sql.md;
//! docs/relational-databases/system-dynamic-management-views/sys-dm-exec-sessions-transact-sql.md).
//! No function calls, no parameters: plain SELECTs with joins, so both SQL Server and the
//! range's SELECT evaluator answer them.

/// One read-only query.
///
/// It cannot be built outside this module (the text is fixed):
/// ```compile_fail
/// let p = harness::night::probes::Probe { name: "x", sql: "DROP DATABASE mgc", about: "" };
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct Probe {
    name: &'static str,
    sql: &'static str,
    about: &'static str,
}

impl Probe {
    pub fn name(&self) -> &'static str {
        self.name
    }
    pub fn sql(&self) -> &'static str {
        self.sql
    }
    /// What it shows, for the checklist.
    pub fn about(&self) -> &'static str {
        self.about
    }
}

pub static DATABASES: Probe = Probe {
    name: "databases",
    sql: "SELECT d.name, d.state_desc, d.is_in_standby FROM sys.databases AS d WHERE d.name IN (N'mgc', N'mgccomp') ORDER BY d.name;",
    about: "sys.databases: whether mgc and mgccomp exist and are ONLINE or RESTORING",
};

pub static MIRRORING: Probe = Probe {
    name: "mirroring",
    sql: "SELECT d.name, m.mirroring_role_desc, m.mirroring_state_desc, m.mirroring_witness_state_desc FROM sys.database_mirroring AS m JOIN sys.databases AS d ON d.database_id = m.database_id WHERE d.name IN (N'mgc', N'mgccomp') ORDER BY d.name;",
    about: "sys.database_mirroring: mirroring role, state and witness of mgc and mgccomp (NULL: not mirrored)",
};

pub static LOG_SHIPPING_SECONDARY: Probe = Probe {
    name: "log_shipping_secondary",
    sql: "SELECT s.secondary_database, s.primary_server, s.last_copied_file, s.last_restored_file, s.last_restored_latency FROM msdb.dbo.log_shipping_monitor_secondary AS s WHERE s.secondary_database = N'mgc';",
    about: "msdb log-shipping monitor: whether this instance is still the log-shipping secondary of mgc, and the last file copied and restored",
};

pub static LOG_SHIPPING_PRIMARY: Probe = Probe {
    name: "log_shipping_primary",
    sql: "SELECT p.primary_database, p.backup_directory, p.backup_share FROM msdb.dbo.log_shipping_primary_databases AS p WHERE p.primary_database = N'mgc';",
    about: "msdb: whether this instance is configured as the log-shipping primary of mgc",
};

pub static RESTORE_HISTORY: Probe = Probe {
    name: "restore_history",
    sql: "SELECT TOP (5) rh.restore_date, rh.restore_type, rh.recovery, bs.backup_finish_date, bmf.physical_device_name FROM msdb.dbo.restorehistory AS rh JOIN msdb.dbo.backupset AS bs ON bs.backup_set_id = rh.backup_set_id JOIN msdb.dbo.backupmediafamily AS bmf ON bmf.media_set_id = bs.media_set_id WHERE rh.destination_database_name = N'mgc' ORDER BY rh.restore_history_id DESC;",
    about: "msdb restore history: the last restores into mgc (type, WITH RECOVERY or not, the backup's end time and file)",
};

pub static SESSIONS: Probe = Probe {
    name: "sessions",
    sql: "SELECT s.session_id, s.host_name, s.program_name FROM sys.dm_exec_sessions AS s JOIN sys.databases AS d ON d.database_id = s.database_id WHERE d.name = N'mgc' AND s.is_user_process = 1 AND s.session_id <> @@SPID;",
    about: "sys.dm_exec_sessions: user sessions in mgc (chat servers still connected; RESTORE needs none)",
};

/// Every probe, in the order the rehearsal sends them to each instance.
pub static ALL: [&Probe; 6] = [
    &DATABASES,
    &MIRRORING,
    &LOG_SHIPPING_SECONDARY,
    &LOG_SHIPPING_PRIMARY,
    &RESTORE_HISTORY,
    &SESSIONS,
];

/// A statement is read-only by our rule: it starts with SELECT and holds no second
/// statement and no write keyword, read with SQL Server's token rules (the range's lexer:
/// comments dropped, `'..'`, `N'..'`, `[..]` and `".."` kept whole, so a quote inside a
/// quoted name cannot hide a second statement). Text that does not lex is not read-only.
/// Used by tests and by the recording connection as a second line of defence.
pub fn read_only(sql: &str) -> bool {
    use crate::range::tsql::lex::{lex, Kind};
    let Ok(toks) = lex(sql, 1) else {
        return false;
    };
    const WRITE: [&str; 16] = [
        "INSERT", "UPDATE", "DELETE", "MERGE", "DROP", "ALTER", "CREATE", "EXEC", "EXECUTE",
        "RESTORE", "BACKUP", "KILL", "INTO", "GRANT", "TRUNCATE", "SHUTDOWN",
    ];
    let body = match toks.split_last() {
        Some((last, body)) if last.kind == Kind::Semi => body,
        _ => &toks[..],
    };
    body.first().is_some_and(|t| t.is_word("SELECT"))
        && !body.iter().any(|t| t.kind == Kind::Semi)
        && !body.iter().any(|t| WRITE.iter().any(|w| t.is_word(w)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Golden texts: a change to a probe is a deliberate change to this test.
    #[test]
    fn the_probe_texts_are_fixed() {
        let got: Vec<(&str, &str)> = ALL.iter().map(|p| (p.name(), p.sql())).collect();
        let want = include_str!("../../tests/fixtures/night/probes.golden");
        let text: String = got.iter().map(|(n, s)| format!("-- {n}\n{s}\n")).collect();
        if std::env::var_os("DRILL_WRITE_GOLDEN").is_some() {
            std::fs::write(
                concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tests/fixtures/night/probes.golden"
                ),
                &text,
            )
            .unwrap();
        }
        assert_eq!(
            text, want,
            "probe SQL changed; rerun with DRILL_WRITE_GOLDEN=1 if meant"
        );
    }

    #[test]
    fn every_probe_is_read_only_and_the_check_catches_writes() {
        for p in ALL {
            assert!(read_only(p.sql()), "{}", p.name());
        }
        for bad in [
            "DROP DATABASE mgc",
            "SELECT 1; DROP DATABASE mgc",
            "SELECT * INTO x FROM sys.databases",
            "RESTORE DATABASE mgc WITH RECOVERY",
            "EXEC sp_who2",
            "select name from sys.databases; kill 52",
        ] {
            assert!(!read_only(bad), "{bad}");
        }
        assert!(read_only("SELECT N'drop; it' AS x;"));
        // A quote inside a quoted name is not a string: SQL Server reads three statements.
        assert!(!read_only("SELECT \"a'b\"; DROP DATABASE x; SELECT 'c'"));
        assert!(!read_only("SELECT [a'b]; DROP DATABASE x; SELECT 'c'"));
        assert!(!read_only("SELECT 'unterminated"));
        assert!(read_only(
            "-- the mirroring state\nSELECT [drop] FROM sys.databases;"
        ));
    }
}
