use super::*;
use crate::range::reply::Value;
use crate::range::statement::{Located, Partner, Recovery, Statement};
use crate::sqlserver::tsql::{render, Op, Placement};
use proptest::prelude::*;

fn one(sql: &str) -> Statement {
    let mut v = parse_batch(sql).unwrap_or_else(|e| panic!("{sql:?}: {e:?}"));
    assert_eq!(v.len(), 1, "{sql:?}: {v:?}");
    v.remove(0).statement
}

fn err(sql: &str) -> (i32, String, u32) {
    let e = parse_batch(sql).expect_err(sql);
    (e.number, e.text, e.line)
}

#[test]
fn drill_run_statements_parse_as_printed() {
    // sim::command's renderings, as `drill run` prints them.
    assert_eq!(
        one("-- on sql-backup, in master\nEXEC master.dbo.sp_delete_log_shipping_secondary_database @secondary_database = N'mgc';"),
        Statement::Exec {
            procedure: "sp_delete_log_shipping_secondary_database".into(),
            args: vec![(Some("@secondary_database".into()), Value::Text("mgc".into()))],
        }
    );
    assert_eq!(
        one("-- on sql-primary\nBACKUP LOG mgc TO DISK = N'\\\\<share>\\logship\\mgc_tail.trn' WITH NORECOVERY, NO_TRUNCATE;"),
        Statement::BackupLog {
            database: "mgc".into(),
            disk: "\\\\<share>\\logship\\mgc_tail.trn".into(),
            init: false,
            norecovery: true,
            no_truncate: true,
        }
    );
    assert_eq!(
        one("-- on sql-primary\nRESTORE DATABASE mgc FROM DISK = N'\\\\<share>\\logship\\mgc_full.bak' WITH NORECOVERY, REPLACE;"),
        Statement::RestoreDatabase {
            database: "mgc".into(),
            disk: Some("\\\\<share>\\logship\\mgc_full.bak".into()),
            recovery: Recovery::NoRecovery,
            replace: true,
            moves: vec![],
        }
    );
    assert_eq!(
        one("-- on sql-backup\nALTER DATABASE mgc SET PARTNER OFF;"),
        Statement::AlterDatabasePartner {
            database: "mgc".into(),
            partner: Partner::Off
        }
    );
    let b = parse_batch("-- on sql-backup: x\nEXEC sp_who2; KILL 53; -- each session in mgc\nRESTORE DATABASE mgc WITH RECOVERY;").unwrap();
    assert_eq!(
        b.iter()
            .map(|l| (l.line, l.statement.clone()))
            .collect::<Vec<_>>(),
        vec![
            (
                2,
                Statement::Exec {
                    procedure: "sp_who2".into(),
                    args: vec![]
                }
            ),
            (2, Statement::Kill { spid: 53 }),
            (
                3,
                Statement::RestoreDatabase {
                    database: "mgc".into(),
                    disk: None,
                    recovery: Recovery::Recovery,
                    replace: false,
                    moves: vec![]
                }
            ),
        ]
    );
}

#[test]
fn replay_statements_parse_to_what_they_say() {
    let p = Placement::container();
    let restore = render(
        &Op::RestoreFull {
            db: "mgc_backup".into(),
            source: "mgc".into(),
            file: "mgc_full.bak".into(),
            replace: true,
            recovery: false,
        },
        &p,
    );
    assert_eq!(
        one(&restore[0]),
        Statement::RestoreDatabase {
            database: "mgc_backup".into(),
            disk: Some("/var/opt/mssql/data/mgc_full.bak".into()),
            recovery: Recovery::NoRecovery,
            replace: true,
            moves: vec![
                ("mgc".into(), "/var/opt/mssql/data/mgc_backup.mdf".into()),
                (
                    "mgc_log".into(),
                    "/var/opt/mssql/data/mgc_backup_log.ldf".into()
                ),
            ],
        }
    );
    let tail = render(
        &Op::BackupTail {
            db: "a]b".into(),
            file: "it's.trn".into(),
        },
        &p,
    );
    assert_eq!(
        one(&tail[0]),
        Statement::BackupLog {
            database: "a]b".into(),
            disk: "/var/opt/mssql/data/it's.trn".into(),
            init: true,
            norecovery: true,
            no_truncate: true,
        }
    );
    assert_eq!(
        one(&render(&Op::Drop { db: "x".into() }, &p)[0]),
        Statement::DropDatabase {
            database: "x".into()
        }
    );
    assert_eq!(
        one(&render(&Op::Create { db: "x".into() }, &p)[0]),
        Statement::CreateDatabase {
            database: "x".into()
        }
    );
}

#[test]
fn operators_type_it_any_way() {
    let want = Statement::RestoreLog {
        database: "mgc".into(),
        disk: "c:\\copy\\mgc_1.trn".into(),
        recovery: Recovery::NoRecovery,
    };
    for sql in [
        "restore log mgc from disk='c:\\copy\\mgc_1.trn' with norecovery",
        "RESTORE   LOG [mgc]\n  FROM DISK = N'c:\\copy\\mgc_1.trn'\n  WITH STATS = 10, NORECOVERY, CHECKSUM ;",
        "Restore Log /* the backup */ mgc From Disk = 'c:\\copy\\mgc_1.trn' -- one file\n With NoRecovery, STATS",
        "RESTORE LOG \"mgc\" FROM DISK = N'c:\\copy\\mgc_1.trn' WITH NORECOVERY",
    ] {
        assert_eq!(one(sql), want, "{sql}");
    }
    assert_eq!(
        one("BACKUP DATABASE mgc TO DISK = 'x.bak' WITH STATS = 5, COMPRESSION, FORMAT, COPY_ONLY"),
        Statement::BackupDatabase {
            database: "mgc".into(),
            disk: "x.bak".into(),
            init: true,
            copy_only: true
        }
    );
    assert_eq!(
        one("restore database mgc from disk = N'f' with file = 1, move N'mgc' to N'd:\\m.mdf', replace, standby = N'u.tuf'"),
        Statement::RestoreDatabase {
            database: "mgc".into(),
            disk: Some("f".into()),
            recovery: Recovery::Standby("u.tuf".into()),
            replace: true,
            moves: vec![("mgc".into(), "d:\\m.mdf".into())],
        }
    );
    assert_eq!(
        one("alter database [mgc] set partner = N'TCP://sql-backup-mirror:5022'"),
        Statement::AlterDatabasePartner {
            database: "mgc".into(),
            partner: Partner::Server("TCP://sql-backup-mirror:5022".into())
        }
    );
    assert_eq!(
        one("ALTER DATABASE mgc SET PARTNER FORCE_SERVICE_ALLOW_DATA_LOSS"),
        Statement::AlterDatabasePartner {
            database: "mgc".into(),
            partner: Partner::ForceServiceAllowDataLoss
        }
    );
    assert_eq!(
        one("alter database mgc set witness off"),
        Statement::AlterDatabaseWitness {
            database: "mgc".into(),
            off: true,
            server: None
        }
    );
    assert_eq!(
        one("use [msdb]"),
        Statement::Use {
            database: "msdb".into()
        }
    );
    // A procedure alone at the start of a batch runs without EXEC; arguments positional.
    assert_eq!(
        one("sp_who2 'active'"),
        Statement::Exec {
            procedure: "sp_who2".into(),
            args: vec![(None, Value::Text("active".into()))]
        }
    );
    assert_eq!(
        one("execute master..SP_DELETE_LOG_SHIPPING_SECONDARY_DATABASE mgc"),
        Statement::Exec {
            procedure: "sp_delete_log_shipping_secondary_database".into(),
            args: vec![(None, Value::Text("mgc".into()))]
        }
    );
    assert_eq!(
        one("EXEC sp_add_log_shipping_secondary_database @secondary_database = N'mgc', @restore_mode = 0, @restore_delay = -1, @x = NULL"),
        Statement::Exec {
            procedure: "sp_add_log_shipping_secondary_database".into(),
            args: vec![
                (Some("@secondary_database".into()), Value::Text("mgc".into())),
                (Some("@restore_mode".into()), Value::Int(0)),
                (Some("@restore_delay".into()), Value::Int(-1)),
                (Some("@x".into()), Value::Null),
            ]
        }
    );
}

#[test]
fn batches_split_on_statements_semicolons_and_go() {
    let b = parse_batch("use master\nGO\nselect 1 as x\nselect name from sys.databases where name = 'a;b'\ngo 1 -- again\nKILL 51 KILL 52").unwrap();
    let got: Vec<_> = b.iter().map(|l| (l.line, l.statement.clone())).collect();
    assert_eq!(
        got,
        vec![
            (
                1,
                Statement::Use {
                    database: "master".into()
                }
            ),
            (1, Statement::Select("select 1 as x".into())),
            (
                2,
                Statement::Select("select name from sys.databases where name = 'a;b'".into())
            ),
            (1, Statement::Kill { spid: 51 }),
            (1, Statement::Kill { spid: 52 }),
        ]
    );
    // A SELECT keeps its UNION, subqueries and CASE ... END.
    assert_eq!(
        one("SELECT (SELECT 1) AS a, CASE WHEN 1 = 1 THEN 'y' END AS b UNION ALL SELECT 2, 'n';"),
        Statement::Select(
            "SELECT (SELECT 1) AS a, CASE WHEN 1 = 1 THEN 'y' END AS b UNION ALL SELECT 2, 'n'"
                .into()
        )
    );
    assert_eq!(parse_batch("  \n-- nothing\n;;").unwrap(), vec![]);
    assert_eq!(err("select 1\nGO 3").0, UNMODELLED);
}

#[test]
fn session_options_clients_send_change_nothing() {
    let b = parse_batch("SET ROWCOUNT 0 SET TEXTSIZE 2147483647 SET NOCOUNT OFF SET LOCK_TIMEOUT -1\nSET TRANSACTION ISOLATION LEVEL READ COMMITTED SET ANSI_NULLS, ANSI_PADDING ON\nEXEC sp_who2").unwrap();
    assert_eq!(
        b,
        vec![Located {
            line: 3,
            statement: Statement::Exec {
                procedure: "sp_who2".into(),
                args: vec![]
            }
        }]
    );
    assert_eq!(err("SET @x = 1").0, UNMODELLED);
}

#[test]
fn syntax_errors_are_msg_102_on_their_line() {
    assert_eq!(
        err("RESTORE LOG mgc\nFROM DISC = N'x'"),
        (102, "Incorrect syntax near 'DISC'.".into(), 2)
    );
    assert_eq!(
        err("RESTORE LOG"),
        (102, "Incorrect syntax near 'LOG'.".into(), 1)
    );
    assert_eq!(
        err("KILL <spid>"),
        (102, "Incorrect syntax near '<'.".into(), 1)
    );
    assert_eq!(
        err("select 1\nBACKUP DATABASE mgc TO DISK = N'a' WITH"),
        (102, "Incorrect syntax near 'WITH'.".into(), 2)
    );
    assert_eq!(
        err("EXEC sp_who2 'a'\nfoo"),
        (102, "Incorrect syntax near 'foo'.".into(), 2)
    );
    assert_eq!(
        err("RESTORE DATABASE mgc WITH RECOVERY, NORECOVERY").0,
        3031
    );
    assert_eq!(
        err("BACKUP LOG mgc TO DISK = 'x' WITH TRUNCATE_ONLY"),
        (
            155,
            "'TRUNCATE_ONLY' is not a recognized BACKUP option.".into(),
            1
        )
    );
    assert_eq!(err("EXEC p @a = 1, 2").0, 119);
    assert_eq!(err("KILL 0").0, 6101);
    assert_eq!(err("KILL 32768").0, 6101);
    assert_eq!(err("select 'x").0, 105);
}

#[test]
fn valid_statements_the_range_does_not_model_get_msg_50000() {
    for sql in [
        "INSERT INTO t VALUES (1)",
        "DBCC CHECKDB",
        "ALTER DATABASE mgc SET RECOVERY FULL",
        "ALTER DATABASE mgc SET PARTNER SAFETY OFF",
        "RESTORE HEADERONLY FROM DISK = 'x'",
        "RESTORE LOG mgc FROM DISK = 'x' WITH STOPAT = '2024-01-01'",
        "BACKUP DATABASE mgc TO DISK = 'a', DISK = 'b'",
        "BACKUP DATABASE @db TO DISK = 'a'",
        "EXEC ('select 1')",
        "CREATE TABLE t (a int)",
        "CREATE DATABASE x ON (NAME = a)",
        "KILL 53 WITH STATUSONLY",
    ] {
        let (n, text, _) = err(sql);
        assert_eq!(n, UNMODELLED, "{sql}: {text}");
        assert!(text.starts_with("The DR range does not model"), "{text}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Whatever names and files `drill replay` quotes into its statements, the range reads
    /// back the same names and files (control characters are `?` in both, as quoted).
    #[test]
    fn replay_quoting_round_trips(db in any::<String>(), file in any::<String>()) {
        let p = Placement::container();
        let shown = |s: &str| -> String {
            s.chars().map(|c| if c.is_control() || c == '\u{2028}' || c == '\u{2029}' { '?' } else { c }).collect()
        };
        let stmt = &render(&Op::BackupFull { db: db.clone(), file: file.clone() }, &p)[0];
        prop_assert_eq!(
            one(stmt),
            Statement::BackupDatabase { database: shown(&db), disk: shown(&p.file(&file)), init: true, copy_only: false }
        );
        let stmt = &render(&Op::RestoreLog { db: db.clone(), file: file.clone() }, &p)[0];
        prop_assert_eq!(
            one(stmt),
            Statement::RestoreLog { database: shown(&db), disk: shown(&p.file(&file)), recovery: Recovery::NoRecovery }
        );
    }

    /// No input panics the parser; every refusal is a class 15/16 message with a line
    /// inside the batch.
    #[test]
    fn any_text_parses_or_is_refused(s in any::<String>()) {
        if let Err(e) = parse_batch(&s) {
            prop_assert!(e.class == 15 || e.class == 16);
            prop_assert!(e.line >= 1 && e.line as usize <= s.split('\n').count());
        }
    }

    /// Statement-shaped noise: keywords, names, literals and punctuation in any order.
    #[test]
    fn statement_shaped_text_never_panics(words in prop::collection::vec(prop::sample::select(vec![
        "RESTORE", "BACKUP", "LOG", "DATABASE", "mgc", "[a]]b]", "FROM", "TO", "DISK", "=", "N'x'",
        "'y'", "WITH", "NORECOVERY", "RECOVERY", "MOVE", ",", ";", "EXEC", "@a", "KILL", "53",
        "-", "(", ")", "SELECT", "GO\n", "\n", "ALTER", "SET", "PARTNER", "OFF", "USE", ".",
        "STANDBY", "FILE", "sp_who2", "DROP", "CREATE", "WITNESS",
    ]), 0..24)) {
        let _ = parse_batch(&words.join(" "));
    }
}
