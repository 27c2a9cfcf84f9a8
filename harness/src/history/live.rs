//! `--server`: read the same history from a live SQL Server's msdb over tiberius.
//!
//! One read-only SELECT (backupset joined with backupmediafamily). Every column is
//! converted to text on the server, so a row goes through the same parser as a CSV line.

use super::input::{Columns, History, InputError};
use tokio_util::compat::TokioAsyncWriteCompatExt;

/// The only statement sent. `@P1` is the database name. Text columns keep numeric(25,0)
/// LSNs exact; style 126 gives ISO-8601 times.
pub const HISTORY_SQL: &str = "\
SELECT bs.database_name,
       bs.server_name,
       bs.type,
       LOWER(CONVERT(varchar(36), bs.backup_set_uuid)) AS backup_set_uuid,
       CONVERT(varchar(25), bs.first_lsn) AS first_lsn,
       CONVERT(varchar(25), bs.last_lsn) AS last_lsn,
       CONVERT(varchar(25), bs.checkpoint_lsn) AS checkpoint_lsn,
       CONVERT(varchar(25), bs.database_backup_lsn) AS database_backup_lsn,
       CONVERT(varchar(25), bs.differential_base_lsn) AS differential_base_lsn,
       CONVERT(varchar(30), bs.backup_start_date, 126) AS backup_start_date,
       CONVERT(varchar(30), bs.backup_finish_date, 126) AS backup_finish_date,
       CONVERT(varchar(1), bs.is_copy_only) AS is_copy_only,
       LOWER(CONVERT(varchar(36), bs.first_recovery_fork_guid)) AS first_recovery_fork_guid,
       LOWER(CONVERT(varchar(36), bs.last_recovery_fork_guid)) AS last_recovery_fork_guid,
       bmf.physical_device_name
FROM msdb.dbo.backupset AS bs
JOIN msdb.dbo.backupmediafamily AS bmf ON bmf.media_set_id = bs.media_set_id
WHERE bs.database_name = @P1 AND bs.type IN ('D', 'I', 'L') AND bmf.mirror = 0
ORDER BY bs.backup_finish_date, bs.backup_set_id, bmf.family_sequence_number;";

/// How to reach the server. The password comes from an environment variable, never argv.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
    pub trust_cert: bool,
}

/// `host[,port]` as SQL Server tools write it; 1433 by default.
pub fn parse_server(s: &str) -> Result<(String, u16), String> {
    let (host, port) = match s.split_once(',') {
        Some((h, p)) => (
            h.trim(),
            p.trim().parse::<u16>().map_err(|_| {
                format!("--server {s:?}: the port after ',' must be a number from 1 to 65535")
            })?,
        ),
        None => (s.trim(), 1433),
    };
    if host.is_empty() || port == 0 {
        return Err(format!("--server {s:?}: expected host[,port]"));
    }
    if host.contains('\\') {
        return Err(format!(
            "--server {s:?}: named instances need SQL Browser, which is not supported; give host,port"
        ));
    }
    Ok((host.to_string(), port))
}

/// Where a row came from, for messages: `msdb on host,port`.
pub fn source_name(t: &Target) -> String {
    format!("msdb on {},{}", t.host, t.port)
}

/// Rows of [`HISTORY_SQL`] (column names, then cells as text; `None` is NULL) into records.
/// Errors name the row (1-based, as "line") and the column.
pub fn records_from_rows(
    source: &str,
    columns: &[String],
    rows: &[Vec<Option<String>>],
) -> Result<History, InputError> {
    let cols = Columns::from_header(columns).map_err(|m| InputError::new(source, None, None, m))?;
    let mut out = History {
        records: Vec::with_capacity(rows.len()),
        locations: Vec::with_capacity(rows.len()),
    };
    for (n, row) in rows.iter().enumerate() {
        let line = n as u64 + 1;
        let rec = cols
            .record(|i| row.get(i).and_then(|c| c.as_deref()))
            .map_err(|e| {
                InputError::new(
                    source,
                    Some(line),
                    Some(e.index as u64 + 1),
                    format!(
                        "row {line}, column {} ({}): {}",
                        e.index + 1,
                        cols.name_of(e.index),
                        e.message
                    ),
                )
            })?;
        out.records.push(rec);
        out.locations.push(format!("{source}: row {line}"));
    }
    Ok(out)
}

/// Connect, run [`HISTORY_SQL`] for `database`, and convert the rows.
pub fn fetch(target: &Target, database: &str) -> Result<History, InputError> {
    let source = source_name(target);
    let fail = |m: String| InputError::new(&source, None, None, m);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(format!("cannot start the async runtime: {e}")))?;
    let (columns, rows) = rt
        .block_on(query(target, database))
        .map_err(|e| fail(format!("cannot read backup history: {e}")))?;
    records_from_rows(&source, &columns, &rows)
}

type Rows = (Vec<String>, Vec<Vec<Option<String>>>);

async fn query(t: &Target, database: &str) -> Result<Rows, Box<dyn std::error::Error>> {
    let mut cfg = tiberius::Config::new();
    cfg.host(&t.host);
    cfg.port(t.port);
    cfg.application_name("drill history plan");
    cfg.authentication(tiberius::AuthMethod::sql_server(&t.user, &t.password));
    if t.trust_cert {
        cfg.trust_cert();
    }
    let tcp = tokio::net::TcpStream::connect(cfg.get_addr()).await?;
    tcp.set_nodelay(true)?;
    let mut client = tiberius::Client::connect(cfg, tcp.compat_write()).await?;
    let rows = client
        .query(HISTORY_SQL, &[&database])
        .await?
        .into_first_result()
        .await?;
    let columns: Vec<String> = match rows.first() {
        Some(r) => r.columns().iter().map(|c| c.name().to_string()).collect(),
        None => HISTORY_COLUMNS.iter().map(|c| c.to_string()).collect(),
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let mut cells = Vec::with_capacity(columns.len());
        for i in 0..columns.len() {
            cells.push(r.try_get::<&str, _>(i)?.map(str::to_string));
        }
        out.push(cells);
    }
    client.close().await?;
    Ok((columns, out))
}

/// The column names [`HISTORY_SQL`] returns, in order.
pub const HISTORY_COLUMNS: [&str; 15] = [
    "database_name",
    "server_name",
    "type",
    "backup_set_uuid",
    "first_lsn",
    "last_lsn",
    "checkpoint_lsn",
    "database_backup_lsn",
    "differential_base_lsn",
    "backup_start_date",
    "backup_finish_date",
    "is_copy_only",
    "first_recovery_fork_guid",
    "last_recovery_fork_guid",
    "physical_device_name",
];

#[cfg(test)]
mod tests {
    use super::*;
    use sim::plan::{plan, BackupType, PlanOptions};

    #[test]
    fn the_query_is_one_read_only_select_on_msdb() {
        let golden = "SELECT bs.database_name,\n       bs.server_name,\n       bs.type,\n       LOWER(CONVERT(varchar(36), bs.backup_set_uuid)) AS backup_set_uuid,\n       CONVERT(varchar(25), bs.first_lsn) AS first_lsn,\n       CONVERT(varchar(25), bs.last_lsn) AS last_lsn,\n       CONVERT(varchar(25), bs.checkpoint_lsn) AS checkpoint_lsn,\n       CONVERT(varchar(25), bs.database_backup_lsn) AS database_backup_lsn,\n       CONVERT(varchar(25), bs.differential_base_lsn) AS differential_base_lsn,\n       CONVERT(varchar(30), bs.backup_start_date, 126) AS backup_start_date,\n       CONVERT(varchar(30), bs.backup_finish_date, 126) AS backup_finish_date,\n       CONVERT(varchar(1), bs.is_copy_only) AS is_copy_only,\n       LOWER(CONVERT(varchar(36), bs.first_recovery_fork_guid)) AS first_recovery_fork_guid,\n       LOWER(CONVERT(varchar(36), bs.last_recovery_fork_guid)) AS last_recovery_fork_guid,\n       bmf.physical_device_name\nFROM msdb.dbo.backupset AS bs\nJOIN msdb.dbo.backupmediafamily AS bmf ON bmf.media_set_id = bs.media_set_id\nWHERE bs.database_name = @P1 AND bs.type IN ('D', 'I', 'L') AND bmf.mirror = 0\nORDER BY bs.backup_finish_date, bs.backup_set_id, bmf.family_sequence_number;";
        assert_eq!(HISTORY_SQL, golden);
        let upper = HISTORY_SQL.to_ascii_uppercase();
        for word in [
            "INSERT", "UPDATE", "DELETE", "MERGE", "EXEC", "DROP", "ALTER", "CREATE", "TRUNCATE",
        ] {
            assert!(!upper.contains(word), "{word}");
        }
        // every alias the query returns is a column the parser knows
        for c in HISTORY_COLUMNS {
            assert!(HISTORY_SQL.contains(c), "{c}");
        }
    }

    fn row(cells: &[Option<&str>]) -> Vec<Option<String>> {
        cells.iter().map(|c| c.map(str::to_string)).collect()
    }

    /// Rows as tiberius returns them for a full and two logs (style 126 times carry a
    /// fraction; differential_base_lsn is NULL).
    #[test]
    fn recorded_rows_become_records_and_plan() {
        let cols: Vec<String> = HISTORY_COLUMNS.iter().map(|c| c.to_string()).collect();
        let rows = vec![
            row(&[
                Some("mgc"),
                Some("SQL1"),
                Some("D"),
                Some("95383afa-d1dc-4a95-92c2-06b2ba1277db"),
                Some("34000000006900179"),
                Some("34000000014400001"),
                Some("34000000006900179"),
                Some("0"),
                None,
                Some("2017-08-01T11:09:25"),
                Some("2017-08-01T11:09:25.123"),
                Some("0"),
                None,
                None,
                Some("D:\\bak\\mgc.bak"),
            ]),
            row(&[
                Some("mgc"),
                Some("SQL1"),
                Some("L"),
                Some("293a6268-a873-4eea-8b03-e9d002459d91"),
                Some("34000000006900179"),
                Some("34000000016800001"),
                Some("34000000006900179"),
                Some("34000000006900179"),
                None,
                Some("2017-08-01T11:10:15"),
                Some("2017-08-01T11:10:15"),
                Some("0"),
                None,
                None,
                Some("D:\\bak\\mgc_1.trn"),
            ]),
            row(&[
                Some("mgc"),
                Some("SQL1"),
                Some("L"),
                Some("0c0e1500-f405-46a1-bda5-701d400fe690"),
                Some("34000000016800001"),
                Some("34000000019700001"),
                Some("34000000017000002"),
                Some("34000000006900179"),
                None,
                Some("2017-08-01T11:11:05"),
                Some("2017-08-01T11:11:05"),
                Some("1"),
                None,
                None,
                Some("D:\\bak\\mgc_2.trn"),
            ]),
        ];
        let h = records_from_rows("msdb on h,1433", &cols, &rows).unwrap();
        assert_eq!(h.records.len(), 3);
        assert_eq!(h.records[0].backup_type, BackupType::Full);
        assert_eq!(h.records[0].backup_finish_date.nanos, 123_000_000);
        assert!(h.records[2].is_copy_only);
        assert_eq!(h.records[1].differential_base_lsn, None);
        let p = plan(&h.records, &PlanOptions::default()).unwrap();
        let seq: Vec<&str> = p
            .restore_sequence
            .iter()
            .map(|s| s.backup_set_uuid.as_str())
            .collect();
        assert_eq!(
            seq,
            [
                "95383afa-d1dc-4a95-92c2-06b2ba1277db",
                "293a6268-a873-4eea-8b03-e9d002459d91",
                "0c0e1500-f405-46a1-bda5-701d400fe690"
            ]
        );

        // a NULL LSN is reported with its row and column
        let mut bad = rows.clone();
        bad[1][4] = None;
        let e = records_from_rows("msdb on h,1433", &cols, &bad).unwrap_err();
        assert_eq!(
            e.to_string(),
            "msdb on h,1433:2:5: row 2, column 5 (first_lsn): first_lsn is empty"
        );
    }

    #[test]
    fn server_argument_forms() {
        assert_eq!(parse_server("sql1"), Ok(("sql1".into(), 1433)));
        assert_eq!(
            parse_server("10.0.0.5,14330"),
            Ok(("10.0.0.5".into(), 14330))
        );
        assert!(parse_server("sql1,x").unwrap_err().contains("port"));
        assert!(parse_server("sql1\\inst")
            .unwrap_err()
            .contains("host,port"));
        assert!(parse_server(",1433").is_err());
    }
}
