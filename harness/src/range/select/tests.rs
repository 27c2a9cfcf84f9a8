//! The harness's own probes over hand-built catalog tables: each expected row is worked
//! out from the tables below by SQL Server's rules (join, filter, order, convert).

use super::*;
use crate::range::reply::{Column, SqlType, Value};
use crate::sqlserver::observe::{self, DATABASES_SQL, LS_MONITOR_SQL, RESTORES_SQL};
use proptest::prelude::*;
use std::collections::BTreeMap;

use SqlType as T;
use Value::{Int, Null};

fn t(s: &str) -> Value {
    Value::Text(s.into())
}

fn table(cols: &[(&str, SqlType)], rows: Vec<Vec<Value>>) -> ResultSet {
    ResultSet {
        columns: cols
            .iter()
            .map(|(n, ty)| Column {
                name: n.to_string(),
                ty: *ty,
            })
            .collect(),
        rows,
    }
}

const NAME: SqlType = T::NVarChar(128);
const LSN: SqlType = T::Numeric {
    precision: 25,
    scale: 0,
};
/// 2026-11-25T00:00:00 in datetime's milliseconds since 1900-01-01 (46_349 days).
const DAY: i64 = 46_349 * 86_400_000;
const MIN: i64 = 60_000;

struct Cat;

impl Catalog for Cat {
    fn table(&self, name: &str) -> Option<ResultSet> {
        Some(match name {
            "sys.databases" => table(
                &[
                    ("name", NAME),
                    ("database_id", T::Int),
                    ("state_desc", T::NVarChar(60)),
                    ("is_in_standby", T::Bit),
                ],
                vec![
                    vec![t("master"), Int(1), t("ONLINE"), Int(0)],
                    vec![t("msdb"), Int(4), t("ONLINE"), Int(0)],
                    vec![t("mgccomp"), Int(6), t("ONLINE"), Int(1)],
                    vec![t("mgc"), Int(5), t("RESTORING"), Int(0)],
                ],
            ),
            // SQL Server has a row for every database, NULLs when it is not mirrored.
            "sys.database_mirroring" => table(
                &[
                    ("database_id", T::Int),
                    ("mirroring_role_desc", T::NVarChar(60)),
                    ("mirroring_state_desc", T::NVarChar(60)),
                    ("mirroring_witness_state_desc", T::NVarChar(60)),
                ],
                vec![
                    vec![Int(1), Null, Null, Null],
                    vec![Int(4), Null, Null, Null],
                    vec![Int(5), t("MIRROR"), t("SYNCHRONIZED"), t("CONNECTED")],
                    vec![Int(6), Null, Null, Null],
                ],
            ),
            "sys.dm_exec_sessions" => table(
                &[
                    ("session_id", T::SmallInt),
                    ("database_id", T::SmallInt),
                    ("is_user_process", T::Bit),
                ],
                vec![
                    vec![Int(1), Int(5), Int(0)],
                    vec![Int(51), Int(5), Int(1)],
                    vec![Int(52), Int(5), Int(1)],
                    vec![Int(53), Int(6), Int(1)],
                    // The probing session itself (@@SPID) is in mgc too.
                    vec![Int(55), Int(5), Int(1)],
                ],
            ),
            "msdb.dbo.backupset" => table(
                &[
                    ("backup_set_id", T::Int),
                    ("media_set_id", T::Int),
                    ("database_name", NAME),
                    ("server_name", NAME),
                    ("type", T::NVarChar(1)),
                    ("backup_set_uuid", T::UniqueIdentifier),
                    ("first_lsn", LSN),
                    ("last_lsn", LSN),
                    ("checkpoint_lsn", LSN),
                    ("database_backup_lsn", LSN),
                    ("differential_base_lsn", LSN),
                    ("backup_start_date", T::DateTime),
                    ("backup_finish_date", T::DateTime),
                    ("is_copy_only", T::Bit),
                    ("first_recovery_fork_guid", T::UniqueIdentifier),
                    ("last_recovery_fork_guid", T::UniqueIdentifier),
                ],
                vec![
                    set(1, "MGC", "D", 1000, 2000, 0, 60, 60 * 60 + 5, false),
                    set(2, "mgc", "L", 1000, 3000, 1500, 75, 75 * 60, false),
                    set(3, "mgccomp", "D", 1000, 2000, 0, 61, 61 * 60, false),
                    // Finishes with set 2: backup_set_id breaks the tie.
                    set(4, "mgc", "L", 3000, 4000, 1500, 75, 75 * 60, true),
                    set(5, "mgc", "F", 1000, 2000, 1500, 80, 80 * 60, false),
                    set(6, "mgc", "L", 4000, 5000, 1500, 90, 90 * 60, false),
                ],
            ),
            "msdb.dbo.backupmediafamily" => table(
                &[
                    ("media_set_id", T::Int),
                    ("family_sequence_number", T::TinyInt),
                    ("physical_device_name", T::NVarChar(260)),
                    ("mirror", T::TinyInt),
                ],
                vec![
                    vec![
                        Int(1),
                        Int(1),
                        t("\\\\share\\logship\\mgc_full.bak"),
                        Int(0),
                    ],
                    vec![Int(2), Int(1), t("\\\\share\\logship\\mgc_1.trn"), Int(0)],
                    vec![
                        Int(3),
                        Int(1),
                        t("\\\\share\\logship\\mgccomp_full.bak"),
                        Int(0),
                    ],
                    vec![Int(4), Int(1), t("\\\\share\\logship\\mgc_2.trn"), Int(0)],
                    vec![Int(5), Int(1), t("d:\\files.bak"), Int(0)],
                    // A mirrored media set: the mirror copy is left out.
                    vec![Int(6), Int(1), t("e:\\mirror\\mgc_3.trn"), Int(1)],
                    vec![Int(6), Int(1), t("\\\\share\\logship\\mgc_3.trn"), Int(0)],
                ],
            ),
            "msdb.dbo.restorehistory" => table(
                &[
                    ("restore_history_id", T::Int),
                    ("destination_database_name", NAME),
                    ("restore_type", T::NVarChar(1)),
                    ("recovery", T::Bit),
                    ("replace", T::Bit),
                    ("backup_set_id", T::Int),
                ],
                vec![
                    vec![Int(2), t("mgc_backup"), t("L"), Int(0), Int(0), Int(2)],
                    vec![Int(1), t("mgc_backup"), t("D"), Int(0), Int(1), Int(1)],
                    vec![Int(3), t("elsewhere"), t("D"), Int(1), Int(0), Int(3)],
                ],
            ),
            "msdb.dbo.log_shipping_monitor_secondary" => table(
                &[
                    ("secondary_server", NAME),
                    ("secondary_database", NAME),
                    ("primary_server", NAME),
                    ("last_copied_file", T::NVarChar(500)),
                    ("last_restored_file", T::NVarChar(500)),
                    ("last_restored_latency", T::Int),
                ],
                vec![vec![
                    t("sql-backup"),
                    t("mgc"),
                    t("sql-primary"),
                    t("c:\\copy\\mgc_3.trn"),
                    t("c:\\copy\\mgc_2.trn"),
                    Null,
                ]],
            ),
            _ => return None,
        })
    }

    fn global(&self, name: &str) -> Option<Value> {
        Some(match name {
            "@@spid" => Int(55),
            "@@servername" => t("SQL-BACKUP"),
            "@@version" => t("Microsoft SQL Server 2014 (DR range)"),
            "db_name()" => t("master"),
            "serverproperty('productversion')" => t("12.0.6024.0"),
            "serverproperty('engineedition')" => Int(3),
            "object_id('sys.databases')" => Int(-1002),
            _ => return None,
        })
    }
}

#[allow(clippy::too_many_arguments)]
fn set(
    id: i64,
    db: &str,
    ty: &str,
    first: i128,
    last: i128,
    dbl: i128,
    start_min: i64,
    finish_s: i64,
    copy_only: bool,
) -> Vec<Value> {
    let base = 17_126_658_000_000_000_000_000i128;
    vec![
        Int(id),
        Int(id),
        t(db),
        t("SQL-PRIMARY"),
        t(ty),
        Value::Guid(format!("{id:08x}-414c-343c-1027-c4d1c386bbc4")),
        Value::Numeric(base + first),
        Value::Numeric(base + last),
        Value::Numeric(base + first),
        Value::Numeric(base + dbl),
        Null,
        Value::DateTime(DAY + start_min * MIN),
        Value::DateTime(DAY + finish_s * 1000 + if id == 6 { 7 } else { 0 }),
        Int(copy_only as i64),
        Value::Guid("aaaaaaaa-0000-0000-0000-000000000001".into()),
        Value::Guid("aaaaaaaa-0000-0000-0000-000000000001".into()),
    ]
}

fn p(name: &str, v: &str) -> Param {
    Param {
        name: name.into(),
        value: t(v),
    }
}

fn texts(rs: &ResultSet) -> Vec<Vec<Option<String>>> {
    rs.rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| match v {
                    Null => None,
                    Int(i) => Some(i.to_string()),
                    Value::Text(s) => Some(s.clone()),
                    other => Some(format!("{other:?}")),
                })
                .collect()
        })
        .collect()
}

/// The harness's own row form (observe::ResultSet), as tiberius would have given it.
fn as_observed(rs: &ResultSet) -> observe::ResultSet {
    observe::ResultSet {
        rows: texts(rs)
            .into_iter()
            .map(|r| {
                rs.columns
                    .iter()
                    .map(|c| c.name.clone())
                    .zip(r)
                    .collect::<BTreeMap<_, _>>()
            })
            .collect(),
    }
}

fn s(x: &str) -> Option<String> {
    Some(x.to_string())
}

#[test]
fn databases_probe() {
    let rs = run(DATABASES_SQL, &Cat, &[p("@P1", "mgccomp"), p("@P2", "MGC")]).unwrap();
    let names: Vec<_> = rs.columns.iter().map(|c| (c.name.as_str(), c.ty)).collect();
    assert_eq!(
        names,
        vec![
            ("name", NAME),
            ("state_desc", T::NVarChar(60)),
            ("is_in_standby", T::NVarChar(1)),
            ("mirroring_role_desc", T::NVarChar(60)),
            ("mirroring_state_desc", T::NVarChar(60)),
            ("mirroring_witness_state_desc", T::NVarChar(60)),
            ("sessions", T::NVarChar(12)),
        ]
    );
    // IN compares case-insensitively; ORDER BY d.name puts mgc before mgccomp; mgc's
    // sessions are 51 and 52 (1 is a system session, 55 is @@SPID).
    assert_eq!(
        texts(&rs),
        vec![
            vec![
                s("mgc"),
                s("RESTORING"),
                s("0"),
                s("MIRROR"),
                s("SYNCHRONIZED"),
                s("CONNECTED"),
                s("2")
            ],
            vec![s("mgccomp"), s("ONLINE"), s("1"), None, None, None, s("1")],
        ]
    );
    let dbs = observe::parse_databases(&as_observed(&rs)).unwrap();
    assert_eq!((dbs[0].sessions, dbs[1].is_in_standby), (2, true));
}

#[test]
fn restores_probe() {
    let rs = run(
        RESTORES_SQL,
        &Cat,
        &[p("@P1", "mgc_backup"), p("@P2", "mgc")],
    )
    .unwrap();
    assert_eq!(
        texts(&rs),
        vec![
            vec![
                s("mgc_backup"),
                s("D"),
                s("0"),
                s("1"),
                s("\\\\share\\logship\\mgc_full.bak")
            ],
            vec![
                s("mgc_backup"),
                s("L"),
                s("0"),
                s("0"),
                s("\\\\share\\logship\\mgc_1.trn")
            ],
        ]
    );
    let r = observe::parse_restores(&as_observed(&rs)).unwrap();
    assert_eq!((r[0].file.as_str(), r[0].replace), ("mgc_full.bak", true));
}

#[test]
fn log_shipping_monitor_probe() {
    let rs = run(LS_MONITOR_SQL, &Cat, &[p("@P1", "mgc")]).unwrap();
    assert_eq!(
        texts(&rs),
        vec![vec![
            s("mgc"),
            s("sql-primary"),
            s("c:\\copy\\mgc_3.trn"),
            s("c:\\copy\\mgc_2.trn"),
            None
        ]]
    );
    let m = observe::parse_ls_monitor(&as_observed(&rs))
        .unwrap()
        .unwrap();
    assert_eq!(m.last_restored_file.as_deref(), Some("mgc_2.trn"));
    assert_eq!(m.last_restored_latency, None);
    assert!(run(LS_MONITOR_SQL, &Cat, &[p("@P1", "mgccomp")])
        .unwrap()
        .rows
        .is_empty());
}

#[test]
fn history_probe_feeds_the_restore_planner() {
    let sql = crate::history::live::HISTORY_SQL;
    let rs = run(sql, &Cat, &[p("@P1", "mgc")]).unwrap();
    let rows = texts(&rs);
    // Sets 1 ("MGC" = 'mgc' under the collation), 2 and 4 (same finish: id order), 6 (its
    // mirror family left out); 3 is mgccomp, 5 is a file backup ('F').
    let ids: Vec<_> = rows.iter().map(|r| r[3].clone().unwrap()).collect();
    assert_eq!(
        ids,
        vec![
            "00000001-414c-343c-1027-c4d1c386bbc4",
            "00000002-414c-343c-1027-c4d1c386bbc4",
            "00000004-414c-343c-1027-c4d1c386bbc4",
            "00000006-414c-343c-1027-c4d1c386bbc4",
        ]
    );
    assert_eq!(
        rows[0],
        vec![
            s("MGC"),
            s("SQL-PRIMARY"),
            s("D"),
            s("00000001-414c-343c-1027-c4d1c386bbc4"),
            s("17126658000000000001000"),
            s("17126658000000000002000"),
            s("17126658000000000001000"),
            s("17126658000000000000000"),
            None,
            s("2026-11-25T01:00:00"),
            s("2026-11-25T01:00:05"),
            s("0"),
            s("aaaaaaaa-0000-0000-0000-000000000001"),
            s("aaaaaaaa-0000-0000-0000-000000000001"),
            s("\\\\share\\logship\\mgc_full.bak"),
        ]
    );
    // Style 126 shows milliseconds only when there are some.
    assert_eq!(rows[3][10], s("2026-11-25T01:30:00.007"));
    assert_eq!(rows[2][11], s("1"));
    let cols: Vec<String> = rs.columns.iter().map(|c| c.name.clone()).collect();
    let h = crate::history::live::records_from_rows("range", &cols, &rows).unwrap();
    assert_eq!(h.records.len(), 4);
    assert_eq!(
        h.records[3].physical_device_name.as_deref(),
        Some("\\\\share\\logship\\mgc_3.trn")
    );
}

#[test]
fn projections_filters_order_and_top() {
    let q = |sql: &str| texts(&run(sql, &Cat, &[]).unwrap());
    assert_eq!(
        q("SELECT TOP (2) name AS n, database_id * 10 + 1 AS x FROM sys.databases WHERE name LIKE 'm%' AND NOT state_desc = 'RESTORING' ORDER BY database_id DESC"),
        vec![vec![s("mgccomp"), s("61")], vec![s("msdb"), s("41")]]
    );
    assert_eq!(
        q("select top 1 * from [sys].[databases] d where d.database_id between 2 and 5 order by 2"),
        vec![vec![s("msdb"), s("4"), s("ONLINE"), s("0")]]
    );
    // Several keys: state first (ONLINE < RESTORING), then name descending.
    assert_eq!(
        q("SELECT name FROM sys.databases ORDER BY state_desc, name DESC"),
        vec![
            vec![s("msdb")],
            vec![s("mgccomp")],
            vec![s("master")],
            vec![s("mgc")]
        ]
    );
    assert_eq!(
        q("SELECT COUNT(*) AS n, COUNT_BIG(*), MIN(name), MAX(database_id) FROM sys.databases WHERE database_id <> 1"),
        vec![vec![s("3"), s("3"), s("mgc"), s("6")]]
    );
    assert_eq!(
        q("SELECT COUNT(*) FROM sys.databases WHERE name IS NULL"),
        vec![vec![s("0")]]
    );
    assert_eq!(
        q("SELECT @@SERVERNAME, @@SPID, DB_NAME(), DB_NAME(5), UPPER(SERVERPROPERTY('ProductVersion')), SERVERPROPERTY('nope'), ISNULL(NULL, 'x'), COALESCE(NULL, NULL, 3), CAST('12' AS int) + 1"),
        vec![vec![s("SQL-BACKUP"), s("55"), s("master"), s("mgc"), s("12.0.6024.0"), None, s("x"), s("3"), s("13")]]
    );
    assert_eq!(
        q("SELECT m.mirroring_role_desc FROM sys.databases d JOIN sys.database_mirroring m ON m.database_id = d.database_id WHERE d.name = N'mgc' OR d.name IN ('nothing')"),
        vec![vec![s("MIRROR")]]
    );
    // DISTINCT under the collation ('MGC' and 'mgc' are one), NULLs as one.
    assert_eq!(
        q("SELECT DISTINCT database_name FROM msdb.dbo.backupset ORDER BY 1 DESC"),
        vec![vec![s("mgccomp")], vec![s("MGC")]]
    );
    assert_eq!(
        q("SELECT DISTINCT mirroring_role_desc FROM sys.database_mirroring ORDER BY mirroring_role_desc"),
        vec![vec![None], vec![s("MIRROR")]]
    );
    // GROUP BY under the collation ('MGC' groups with 'mgc'), HAVING, ORDER BY an aggregate.
    assert_eq!(
        q("SELECT database_name AS db, COUNT(*) AS sets, MAX(backup_set_id) FROM msdb.dbo.backupset WHERE type <> 'F' GROUP BY database_name HAVING COUNT(*) > 0 ORDER BY COUNT(*) DESC"),
        vec![vec![s("MGC"), s("4"), s("6")], vec![s("mgccomp"), s("1"), s("3")]]
    );
    assert_eq!(
        q("SELECT type, COUNT(*) FROM msdb.dbo.backupset GROUP BY type HAVING COUNT(*) >= 2"),
        vec![vec![s("D"), s("2")], vec![s("L"), s("3")]]
    );
    // NULL = NULL is unknown: no row.
    assert!(q("SELECT 1 FROM sys.database_mirroring WHERE mirroring_role_desc = NULL").is_empty());
    assert_eq!(
        q("SELECT CASE WHEN is_in_standby = 1 THEN 'standby' ELSE state_desc END FROM sys.databases WHERE database_id >= 5 ORDER BY name"),
        vec![vec![s("RESTORING")], vec![s("standby")]]
    );
}

#[test]
fn errors_are_sql_server_messages() {
    let e = |sql: &str| {
        let m = run(sql, &Cat, &[]).unwrap_err();
        (m.number, m.text)
    };
    assert_eq!(
        e("SELECT * FROM sys.nothing"),
        (208, "Invalid object name 'sys.nothing'.".into())
    );
    assert_eq!(
        e("SELECT nme FROM sys.databases"),
        (207, "Invalid column name 'nme'.".into())
    );
    assert_eq!(
        e("SELECT x.name FROM sys.databases d"),
        (
            4104,
            "The multi-part identifier \"x.name\" could not be bound.".into()
        )
    );
    assert_eq!(
        e("SELECT database_id FROM sys.databases d JOIN sys.database_mirroring m ON 1 = 1"),
        (209, "Ambiguous column name 'database_id'.".into())
    );
    assert_eq!(
        e("SELECT name FROM sys.databases WHERE"),
        (102, "Incorrect syntax near 'WHERE'.".into())
    );
    assert_eq!(
        e("SELECT name FROM sys.databases WHERE name = = 1"),
        (102, "Incorrect syntax near '='.".into())
    );
    assert_eq!(e("SELECT name, COUNT(*) FROM sys.databases").0, 8120);
    assert_eq!(e("SELECT @P1").0, 137);
    assert_eq!(e("SELECT FOO(1)").0, 195);
    assert_eq!(e("SELECT (SELECT name FROM sys.databases)").0, 512);
    assert_eq!(e("SELECT 1/0").0, 8134);
    assert_eq!(e("SELECT name FROM sys.databases WHERE name = 1").0, 245);
    assert_eq!(e("SELECT name FROM sys.databases ORDER BY 3").0, 108);
    assert_eq!(
        e("SELECT name, state_desc FROM sys.databases GROUP BY name").0,
        8120
    );
    // ROLLUP(...) reaches the evaluator as a function call: SQL Server's 195 is not its
    // answer, so the range says it does not model it.
    assert_eq!(
        e("SELECT name FROM sys.databases GROUP BY ROLLUP(name)").0,
        UNMODELLED
    );
}

/// What SqlToolsService (mssql-cli, Azure Data Studio) asks right after login, and the
/// functions and hint it uses, each worked out by the rules in MicrosoftDocs/sql-docs
/// (docs/t-sql/functions/right-transact-sql.md, charindex-transact-sql.md,
/// object-id-transact-sql.md, serverproperty-transact-sql.md, sessionproperty-transact-sql.md;
/// docs/t-sql/queries/hints-transact-sql-table.md).
#[test]
fn client_connect_time_functions_and_table_hints() {
    let q = |sql: &str| texts(&run(sql, &Cat, &[]).unwrap());
    let e = |sql: &str| {
        let m = run(sql, &Cat, &[]).unwrap_err();
        (m.number, m.text)
    };
    assert_eq!(
        q("SELECT RIGHT('abcdef', 2), LEFT('abc', 10), RIGHT(N'abc', 0), RIGHT(NULL, 1), LEFT('abc', NULL)"),
        vec![vec![s("ef"), s("abc"), s(""), None, None]]
    );
    assert_eq!(
        e("SELECT RIGHT('abc', -1)"),
        (
            536,
            "Invalid length parameter passed to the right function.".into()
        )
    );
    // 1-based, case-insensitive, 0 when absent, from `start` on (below 1 is 1), NULL in NULL out.
    assert_eq!(
        q("SELECT CHARINDEX(' ON ', 'x on y'), CHARINDEX('z', 'abc'), CHARINDEX('b', 'abcb', 3), CHARINDEX('b', 'abcb', -5), CHARINDEX('', 'abc'), CHARINDEX(NULL, 'abc'), CHARINDEX('abcd', 'abc')"),
        vec![vec![s("2"), s("0"), s("4"), s("2"), s("0"), None, s("0")]]
    );
    // SqlToolsService's OS-version query over SQL Server 2014's own @@VERSION shape: the
    // text after " on " (LEN(v) - 3 - position of " on " = the length of what follows it).
    let os = "SELECT OSVersion = RIGHT(@v, LEN(@v)- 3 -charindex (' on ', LOWER(@v)))";
    let v = "Microsoft SQL Server 2014 (SP3) (KB4022619) - 12.0.6024.0 (X64) \n\tSep  7 2018 01:37:51 \n\tCopyright (c) Microsoft Corporation\n\tEnterprise Edition (64-bit) on Windows NT 6.3 <X64> (Build 9600: ) (Hypervisor)\n";
    let rs = run(os, &Cat, &[p("@v", v)]).unwrap();
    assert_eq!(rs.columns[0].name, "OSVersion");
    assert_eq!(
        texts(&rs),
        vec![vec![s(
            "Windows NT 6.3 <X64> (Build 9600: ) (Hypervisor)\n"
        )]]
    );
    // SERVERPROPERTY is sql_variant: an int property is announced as int, so it can be sent.
    let rs = run(
        "SELECT SERVERPROPERTY('EngineEdition'), SERVERPROPERTY ('productversion'), SERVERPROPERTY('nope')",
        &Cat,
        &[],
    )
    .unwrap();
    let tys: Vec<SqlType> = rs.columns.iter().map(|c| c.ty).collect();
    assert_eq!(tys, vec![T::Int, NAME, NAME]);
    assert_eq!(texts(&rs), vec![vec![s("3"), s("12.0.6024.0"), None]]);
    // OBJECT_ID through the catalog, in its canonical names; NULL for what it has not got.
    assert_eq!(
        q("SELECT OBJECT_ID(N'[sys].[databases]'), OBJECT_ID('master.sys.databases'), OBJECT_ID(N'sys.xml_indexes'), OBJECT_ID('databases')"),
        vec![vec![s("-1002"), s("-1002"), None, None]]
    );
    assert_eq!(e("SELECT OBJECT_ID('sys.databases', 'V')").0, UNMODELLED);
    assert_eq!(
        q("SELECT ISNULL(SESSIONPROPERTY ('ANSI_NULLS'), 0), ISNULL(SESSIONPROPERTY ('QUOTED_IDENTIFIER'), 1), SESSIONPROPERTY('no such option')"),
        vec![vec![s("1"), s("1"), None]]
    );
    assert_eq!(e("SELECT SESSIONPROPERTY('ARITHABORT')").0, UNMODELLED);
    assert_eq!(
        e("SELECT CONVERT(NVARCHAR(36), CONTEXT_INFO())").0,
        UNMODELLED
    );
    // Locking hints change nothing the range reads; a word that is no hint is Msg 321.
    assert_eq!(
        q("SELECT TOP 1 1 FROM [sys].[databases] WITH (NOLOCK) WHERE name = N'mgc' AND OBJECT_ID(N'sys.databases') = -1002"),
        vec![vec![s("1")]]
    );
    assert_eq!(
        q("SELECT d.name FROM sys.databases d WITH (READUNCOMMITTED, ROWLOCK) WHERE d.database_id = 5"),
        vec![vec![s("mgc")]]
    );
    assert_eq!(e("SELECT name FROM sys.databases WITH (NOLOK)").0, 321);
    assert_eq!(
        e("SELECT name FROM sys.databases WITH (FORCESEEK)").0,
        UNMODELLED
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_text_is_answered_without_panic(sql in any::<String>()) {
        if let Err(m) = run(&sql, &Cat, &[]) {
            prop_assert!(m.class >= 15 && m.class <= 16);
        }
    }

    /// SELECT-shaped noise reaches the evaluator, not just the parser.
    #[test]
    fn select_shaped_text_never_panics(words in prop::collection::vec(prop::sample::select(vec![
        "SELECT", "name", "d.name", "*", "COUNT(*)", "FROM", "sys.databases", "d", "JOIN",
        "sys.database_mirroring", "m", "ON", "m.database_id", "=", "d.database_id", "WHERE",
        "AND", "OR", "NOT", "IN", "(", ")", ",", "'x'", "1", "NULL", "IS", "LIKE", "ORDER BY",
        "DESC", "TOP", "(SELECT", "CONVERT(varchar(3),", "@P1", "@@SPID", "LEFT", "+", "<>",
    ]), 1..20)) {
        let sql = words.join(" ");
        let _ = run(&sql, &Cat, &[p("@P1", "mgc")]);
    }
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let deep = format!("SELECT {}1{}", "(".repeat(300), ")".repeat(300));
    assert_eq!(run(&deep, &Cat, &[]).unwrap_err().number, 191);
    let long = format!("SELECT 1{}", "+1".repeat(3000));
    assert_eq!(run(&long, &Cat, &[]).unwrap_err().number, 191);
}
