//! The range's catalog: every column the harness's own probes name (DATABASES_SQL,
//! RESTORES_SQL, LS_MONITOR_SQL in harness/src/sqlserver/observe.rs; HISTORY_SQL in
//! harness/src/history/live.rs) exists in the table its alias stands for, under SQL
//! Server's name (MicrosoftDocs/sql-docs: docs/relational-databases/system-catalog-views/
//! sys-databases-transact-sql.md, sys-database-mirroring-transact-sql.md;
//! docs/relational-databases/system-dynamic-management-views/
//! sys-dm-exec-sessions-transact-sql.md; docs/relational-databases/system-tables/
//! backupset-transact-sql.md, backupmediafamily-transact-sql.md,
//! restorehistory-transact-sql.md, log-shipping-monitor-secondary-transact-sql.md,
//! log-shipping-primary-databases-transact-sql.md); and the rows follow the model through
//! a failover.

use harness::range::backend::{select_unavailable, Clock, ModelBackend};
use harness::range::catalog::InstanceCatalog;
use harness::range::reply::{Backend, Login, Reply, ResultSet, Value};
use harness::range::statement::Catalog;
use harness::range::tsql;
use sim::live::Live;
use sim::topology::Instance;
use std::collections::BTreeMap;

/// alias -> table, from `FROM t AS a` / `JOIN t AS a` (and `FROM t` with no alias).
fn aliases(sql: &str) -> BTreeMap<String, String> {
    let w: Vec<&str> = sql.split_whitespace().collect();
    let mut m = BTreeMap::new();
    for k in 0..w.len() {
        if w[k].eq_ignore_ascii_case("from") || w[k].eq_ignore_ascii_case("join") {
            let Some(t) = w.get(k + 1) else { continue };
            if t.starts_with('(') || t.starts_with('@') {
                continue;
            }
            let t = t.trim_end_matches([';', ')']).to_ascii_lowercase();
            if w.get(k + 2).is_some_and(|x| x.eq_ignore_ascii_case("as")) {
                m.insert(w[k + 3].to_ascii_lowercase(), t.clone());
            }
            m.insert(String::new(), t);
        }
    }
    m
}

/// `alias.column` references.
fn references(sql: &str) -> Vec<(String, String)> {
    let mut v = Vec::new();
    let chars: Vec<char> = sql.chars().collect();
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut k = 0;
    while k < chars.len() {
        if chars[k] == '.'
            && k > 0
            && ident(chars[k - 1])
            && chars.get(k + 1).is_some_and(|c| ident(*c))
        {
            let mut a = k;
            while a > 0 && ident(chars[a - 1]) {
                a -= 1;
            }
            let mut b = k + 1;
            while b < chars.len() && ident(chars[b]) {
                b += 1;
            }
            // Skip the dots inside a table name (msdb.dbo.x, sys.databases).
            let before = if a > 0 { chars[a - 1] } else { ' ' };
            let alias: String = chars[a..k].iter().collect();
            let col: String = chars[k + 1..b].iter().collect();
            if before != '.'
                && chars.get(b) != Some(&'.')
                && !["sys", "dbo", "msdb"].contains(&alias.as_str())
            {
                v.push((alias.to_ascii_lowercase(), col.to_ascii_lowercase()));
            }
            k = b;
            continue;
        }
        k += 1;
    }
    v
}

fn backend(file: &str) -> ModelBackend {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios")
        .join(file);
    let l = harness::load::load(Some(&path)).unwrap();
    ModelBackend::new(
        Live::new(&l.scenario),
        Clock::new(0.0),
        "drill",
        "pw",
        tsql::parse_batch,
        select_unavailable,
    )
}

fn columns(rs: &ResultSet) -> Vec<String> {
    rs.columns.iter().map(|c| c.name.clone()).collect()
}

fn check(sql: &str, bare_columns: &[&str]) {
    // Not vacuous: the probes' alias.column references were found.
    assert!(
        references(sql).len() + bare_columns.len() >= 5,
        "{:?}",
        references(sql)
    );
    let b = backend("full-cycle.json");
    let st = b.lock();
    for i in Instance::ALL {
        let cat = InstanceCatalog {
            live: &st.live,
            instance: i,
            spid: 51,
        };
        let al = aliases(sql);
        for (alias, col) in references(sql) {
            let table = al
                .get(&alias)
                .unwrap_or_else(|| panic!("alias {alias} in {sql}"));
            let rs = cat.table(table).unwrap_or_else(|| panic!("{table} on {i}"));
            assert!(
                columns(&rs).contains(&col),
                "{table} has no column {col}: {:?}",
                columns(&rs)
            );
        }
        for col in bare_columns {
            let rs = cat.table(&al[""]).unwrap();
            assert!(
                columns(&rs).contains(&col.to_string()),
                "{} has no {col}",
                al[""]
            );
        }
    }
}

#[test]
fn the_harness_probes_name_only_columns_the_range_has() {
    check(harness::sqlserver::observe::DATABASES_SQL, &[]);
    check(harness::sqlserver::observe::RESTORES_SQL, &[]);
    check(
        harness::sqlserver::observe::LS_MONITOR_SQL,
        &[
            "secondary_database",
            "primary_server",
            "last_copied_file",
            "last_restored_file",
            "last_restored_latency",
        ],
    );
    check(harness::history::live::HISTORY_SQL, &[]);
}

fn cell<'a>(rs: &'a ResultSet, row: usize, col: &str) -> &'a Value {
    let k = rs.columns.iter().position(|c| c.name == col).unwrap();
    &rs.rows[row][k]
}

#[test]
fn the_catalog_follows_the_model_through_a_failover() {
    let b = backend("full-cycle.json");
    let login = Login {
        user: "drill".into(),
        password: "pw".into(),
        database: String::new(),
        app_name: String::new(),
        host_name: String::new(),
    };
    let mut s = b.login(3, &login).unwrap();
    b.lock().clock.advance(3700);
    for sql in [
        "EXEC sp_delete_log_shipping_secondary_database N'mgc'",
        "RESTORE DATABASE mgc WITH RECOVERY",
        "USE mgc",
    ] {
        let r = b.batch(3, &mut s, sql, &[]);
        assert!(!format!("{r:?}").contains("class: 16"), "{sql}: {r:?}");
    }
    let st = b.lock();
    let cat = InstanceCatalog {
        live: &st.live,
        instance: Instance::Backup,
        spid: s.spid,
    };
    let dbs = cat.table("sys.databases").unwrap();
    let mgc = (0..dbs.rows.len())
        .find(|&r| *cell(&dbs, r, "name") == Value::Text("mgc".into()))
        .unwrap();
    assert_eq!(*cell(&dbs, mgc, "state_desc"), Value::Text("ONLINE".into()));
    assert_eq!(*cell(&dbs, mgc, "database_id"), Value::Int(5));
    // Log shipping removed by F1: no monitor row; the restore job's restores are history.
    assert!(cat
        .table("msdb.dbo.log_shipping_monitor_secondary")
        .unwrap()
        .rows
        .is_empty());
    let rh = cat.table("msdb.dbo.restorehistory").unwrap();
    // The restore job ran at 00:19, 00:34 and 00:49 (one log each) before DC1 fell.
    assert_eq!(rh.rows.len(), 3);
    assert_eq!(*cell(&rh, 0, "restore_type"), Value::Text("L".into()));
    // Each restored backup set is in this instance's msdb too, with its media family.
    let bs = cat.table("msdb.dbo.backupset").unwrap();
    let bmf = cat.table("msdb.dbo.backupmediafamily").unwrap();
    assert_eq!(bs.rows.len(), 3);
    assert_eq!(bmf.rows.len(), 3);
    assert_eq!(*cell(&bs, 0, "type"), Value::Text("L".into()));
    assert_eq!(
        *cell(&bmf, 0, "physical_device_name"),
        Value::Text("\\\\fs-dc2\\logship\\mgc_0001.trn".into())
    );
    // This session is in mgc: sys.dm_exec_sessions lists it.
    let ses = cat.table("sys.dm_exec_sessions").unwrap();
    assert!((0..ses.rows.len()).any(
        |r| *cell(&ses, r, "session_id") == Value::Int(s.spid as i64)
            && *cell(&ses, r, "database_id") == Value::Int(5)
    ));
    assert_eq!(
        cat.global("@@SERVERNAME"),
        Some(Value::Text("sql-backup".into()))
    );
    assert_eq!(cat.global("@@spid"), Some(Value::Int(s.spid as i64)));
    assert_eq!(
        cat.global("SERVERPROPERTY('ProductVersion')"),
        Some(Value::Text("12.0.6024.0".into()))
    );
    // The primary, in the fallen DC, still reports its own log backups in its msdb.
    let p = InstanceCatalog {
        live: &st.live,
        instance: Instance::Primary,
        spid: 0,
    };
    assert_eq!(p.table("msdb.dbo.backupset").unwrap().rows.len(), 4);
    assert_eq!(
        p.table("msdb.dbo.log_shipping_primary_databases")
            .unwrap()
            .rows
            .len(),
        1
    );
}

fn selecting_backend() -> ModelBackend {
    let s: sim::scenario::Scenario =
        serde_json::from_str(r#"{"name": "clients", "seed": 7}"#).unwrap();
    ModelBackend::new(
        Live::new(&s),
        Clock::new(0.0),
        "drill",
        "pw",
        tsql::parse_batch,
        harness::range::select::run,
    )
}

fn rows(b: &ModelBackend, endpoint: usize, sql: &str) -> ResultSet {
    let login = Login {
        user: "drill".into(),
        password: "pw".into(),
        database: String::new(),
        app_name: String::new(),
        host_name: String::new(),
    };
    let mut s = b.login(endpoint, &login).unwrap();
    match b.batch(endpoint, &mut s, sql, &[]).into_iter().next() {
        Some(Reply::Rows(rs)) => rs,
        other => panic!("{sql}: {other:?}"),
    }
}

/// sys.all_columns (docs/relational-databases/system-catalog-views/
/// sys-all-columns-transact-sql.md) lists the columns of the range's own system views, in
/// their order, under the id OBJECT_ID gives each view; types as SQL Server describes
/// them (sysname: system type 231 nvarchar, 256 bytes; int: 56, 4 bytes, precision 10).
#[test]
fn sys_all_columns_lists_the_catalogs_own_views() {
    let b = selecting_backend();
    for view in [
        "sys.databases",
        "sys.database_mirroring",
        "sys.dm_exec_sessions",
        "sys.all_columns",
    ] {
        let listed = rows(
            &b,
            0,
            &format!("SELECT c.name FROM sys.all_columns AS c WITH (NOLOCK) WHERE c.object_id = OBJECT_ID(N'{view}') ORDER BY c.column_id"),
        );
        let names: Vec<Value> = listed.rows.into_iter().map(|mut r| r.remove(0)).collect();
        let view_columns: Vec<Value> = rows(&b, 0, &format!("SELECT TOP 0 * FROM {view}"))
            .columns
            .into_iter()
            .map(|c| Value::Text(c.name))
            .collect();
        assert!(view_columns.len() >= 4, "{view}: {view_columns:?}");
        assert_eq!(names, view_columns, "{view}");
    }
    let ty = rows(&b, 0, "SELECT c.name, c.system_type_id, c.max_length, c.precision, c.scale FROM sys.all_columns c JOIN sys.all_columns v ON v.object_id = c.object_id AND v.name = N'state_desc' WHERE c.name IN (N'name', N'database_id') AND c.object_id = OBJECT_ID('master.sys.databases') ORDER BY c.column_id");
    let t = |s: &str| Value::Text(s.into());
    assert_eq!(
        ty.rows,
        vec![
            vec![
                t("name"),
                Value::Int(231),
                Value::Int(256),
                Value::Int(0),
                Value::Int(0)
            ],
            vec![
                t("database_id"),
                Value::Int(56),
                Value::Int(4),
                Value::Int(10),
                Value::Int(0)
            ],
        ]
    );
    // msdb's tables have ids (OBJECT_ID finds them) but are msdb's objects, not master's.
    let msdb = rows(&b, 0, "SELECT OBJECT_ID('msdb..backupset'), (SELECT COUNT(*) FROM sys.all_columns WHERE object_id = OBJECT_ID('msdb.dbo.backupset'))");
    assert!(
        matches!(msdb.rows[0][0], Value::Int(id) if id > 0),
        "{msdb:?}"
    );
    assert_eq!(msdb.rows[0][1], Value::Int(0));
}

/// The server-information query SqlToolsService (mssql-cli, Azure Data Studio) sends right
/// after login, verbatim, answered by the range's own SELECT on every instance: the
/// engine edition an int (3, Enterprise), and SXI_PRESENT 0 since the range has no
/// sys.xml_indexes (so no sys.all_columns row names its xml_index_type).
#[test]
fn sqltoolsservice_server_information_query_is_answered() {
    const SERVER_INFO: &str = "SELECT SERVERPROPERTY('EngineEdition'), SERVERPROPERTY('productversion'), SERVERPROPERTY ('productlevel'), SERVERPROPERTY ('edition'), SERVERPROPERTY ('MachineName'), (SELECT CASE WHEN EXISTS (SELECT TOP 1 1 from [sys].[all_columns] WITH (NOLOCK) WHERE name = N'xml_index_type' AND OBJECT_ID(N'sys.xml_indexes') = object_id) THEN 1 ELSE 0 END AS SXI_PRESENT)";
    let b = selecting_backend();
    for (endpoint, server) in ["sql-primary", "sql-mirror", "sql-witness", "sql-backup"]
        .iter()
        .enumerate()
    {
        let rs = rows(&b, endpoint, SERVER_INFO);
        let t = |s: &str| Value::Text(s.into());
        assert_eq!(
            rs.rows,
            vec![vec![
                Value::Int(3),
                t("12.0.6024.0"),
                t("SP3"),
                t("Enterprise Edition (64-bit)"),
                t(server),
                Value::Int(0)
            ]]
        );
        // Unnamed expressions; SqlToolsService reads the row by position.
        let names: Vec<&str> = rs.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names[..5], ["", "", "", "", ""]);
        assert_eq!(rs.columns[0].ty, harness::range::reply::SqlType::Int);
    }
    // The same test with a column the range does have says EXISTS finds a row.
    let rs = rows(
        &b,
        0,
        &SERVER_INFO
            .replace("xml_index_type", "state_desc")
            .replace("sys.xml_indexes", "sys.databases"),
    );
    assert_eq!(rs.rows[0][5], Value::Int(1));
}
