//! What the real server shows: the read-only queries and the parsing of their result sets
//! into a [`RealObservation`], comparable with sim's `Observation` (compare.rs).
//!
//! A result set is rows of column name -> text (NULL = None), so recorded ones can be
//! parsed without a server. Every non-text column is converted on the server.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// sys.databases joined with sys.database_mirroring, and the user sessions per database.
/// `@P1`, `@P2` are the replayed database names.
pub const DATABASES_SQL: &str = "\
SELECT d.name,
       d.state_desc,
       CONVERT(varchar(1), d.is_in_standby) AS is_in_standby,
       m.mirroring_role_desc,
       m.mirroring_state_desc,
       m.mirroring_witness_state_desc,
       CONVERT(varchar(12), (SELECT COUNT(*) FROM sys.dm_exec_sessions AS s
                             WHERE s.database_id = d.database_id AND s.is_user_process = 1
                               AND s.session_id <> @@SPID)) AS sessions
FROM sys.databases AS d
LEFT JOIN sys.database_mirroring AS m ON m.database_id = d.database_id
WHERE d.name IN (@P1, @P2)
ORDER BY d.name;";

/// Restores onto the replayed databases, oldest first, with the file each came from.
pub const RESTORES_SQL: &str = "\
SELECT rh.destination_database_name,
       rh.restore_type,
       CONVERT(varchar(1), rh.recovery) AS recovery,
       CONVERT(varchar(1), rh.replace) AS replace,
       bmf.physical_device_name
FROM msdb.dbo.restorehistory AS rh
JOIN msdb.dbo.backupset AS bs ON bs.backup_set_id = rh.backup_set_id
JOIN msdb.dbo.backupmediafamily AS bmf ON bmf.media_set_id = bs.media_set_id
WHERE rh.destination_database_name IN (@P1, @P2)
ORDER BY rh.restore_history_id;";

/// The log-shipping monitor row of a secondary (`@P1`), if log shipping is configured.
pub const LS_MONITOR_SQL: &str = "\
SELECT secondary_database,
       primary_server,
       last_copied_file,
       last_restored_file,
       CONVERT(varchar(12), last_restored_latency) AS last_restored_latency
FROM msdb.dbo.log_shipping_monitor_secondary
WHERE secondary_database = @P1;";

/// Surviving chat writes in one ONLINE database (the name is placed by [`writes_sql`]).
pub fn writes_sql(db: &str) -> String {
    format!(
        "SELECT CONVERT(varchar(20), COUNT_BIG(*)) AS writes, CONVERT(varchar(20), MIN(id)) AS first_id, CONVERT(varchar(20), MAX(id)) AS last_id FROM [{}].{};",
        db.replace(']', "]]"),
        super::tsql::CHAT_TABLE
    )
}

/// A recorded result set: the JSON form of the fixtures under tests/fixtures/sqlserver/.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultSet {
    pub rows: Vec<BTreeMap<String, Option<String>>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RealDb {
    pub name: String,
    /// sys.databases.state_desc, as the server reports it (a STANDBY copy is ONLINE).
    pub state_desc: String,
    pub is_in_standby: bool,
    pub mirroring_role_desc: Option<String>,
    pub mirroring_state_desc: Option<String>,
    pub sessions: u32,
    /// Chat rows, when the database can be read (ONLINE or STANDBY).
    pub writes: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RealRestore {
    pub database: String,
    /// restore_type: D database, L log.
    pub restore_type: String,
    pub recovery: bool,
    pub replace: bool,
    /// The file name (last path component) of the backup restored.
    pub file: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RealObservation {
    pub databases: Vec<RealDb>,
    pub restores: Vec<RealRestore>,
}

/// A cell that must be present; the error names the query, the row and the column.
fn cell<'a>(
    rs: &'a ResultSet,
    what: &str,
    row: usize,
    col: &str,
) -> Result<Option<&'a str>, String> {
    let r = &rs.rows[row];
    match r.get(col) {
        Some(v) => Ok(v.as_deref()),
        None => Err(format!(
            "{what}: row {}: column {col} is missing (columns: {})",
            row + 1,
            r.keys().cloned().collect::<Vec<_>>().join(", ")
        )),
    }
}

fn required<'a>(rs: &'a ResultSet, what: &str, row: usize, col: &str) -> Result<&'a str, String> {
    cell(rs, what, row, col)?
        .ok_or_else(|| format!("{what}: row {}: column {col} is NULL", row + 1))
}

fn flag(rs: &ResultSet, what: &str, row: usize, col: &str) -> Result<bool, String> {
    match required(rs, what, row, col)? {
        "1" => Ok(true),
        "0" => Ok(false),
        v => Err(format!(
            "{what}: row {}: column {col} is {v:?} (expected 0 or 1)",
            row + 1
        )),
    }
}

fn number(rs: &ResultSet, what: &str, row: usize, col: &str) -> Result<u64, String> {
    let v = required(rs, what, row, col)?;
    v.parse().map_err(|_| {
        format!(
            "{what}: row {}: column {col} is {v:?} (expected a whole number)",
            row + 1
        )
    })
}

/// Rows of [`DATABASES_SQL`].
pub fn parse_databases(rs: &ResultSet) -> Result<Vec<RealDb>, String> {
    let w = "sys.databases";
    (0..rs.rows.len())
        .map(|i| {
            let state = required(rs, w, i, "state_desc")?;
            let standby = flag(rs, w, i, "is_in_standby")?;
            Ok(RealDb {
                name: required(rs, w, i, "name")?.to_string(),
                state_desc: state.into(),
                is_in_standby: standby,
                mirroring_role_desc: cell(rs, w, i, "mirroring_role_desc")?.map(str::to_string),
                mirroring_state_desc: cell(rs, w, i, "mirroring_state_desc")?.map(str::to_string),
                sessions: number(rs, w, i, "sessions")? as u32,
                writes: None,
            })
        })
        .collect()
}

/// Rows of [`RESTORES_SQL`].
pub fn parse_restores(rs: &ResultSet) -> Result<Vec<RealRestore>, String> {
    let w = "msdb.dbo.restorehistory";
    (0..rs.rows.len())
        .map(|i| {
            let path = required(rs, w, i, "physical_device_name")?;
            Ok(RealRestore {
                database: required(rs, w, i, "destination_database_name")?.to_string(),
                restore_type: required(rs, w, i, "restore_type")?.to_string(),
                recovery: flag(rs, w, i, "recovery")?,
                replace: flag(rs, w, i, "replace")?,
                file: path.rsplit(['/', '\\']).next().unwrap_or(path).to_string(),
            })
        })
        .collect()
}

/// The one row of [`writes_sql`].
pub fn parse_writes(rs: &ResultSet) -> Result<u64, String> {
    if rs.rows.len() != 1 {
        return Err(format!(
            "chat writes: expected one row, got {}",
            rs.rows.len()
        ));
    }
    number(rs, "chat writes", 0, "writes")
}

/// The row of [`LS_MONITOR_SQL`]: `last_restored_file` as a file name, latency in minutes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RealLsMonitor {
    pub last_copied_file: Option<String>,
    pub last_restored_file: Option<String>,
    pub last_restored_latency: Option<u64>,
}

pub fn parse_ls_monitor(rs: &ResultSet) -> Result<Option<RealLsMonitor>, String> {
    let w = "msdb.dbo.log_shipping_monitor_secondary";
    let Some(_) = rs.rows.first() else {
        return Ok(None);
    };
    let name = |c: &str| -> Result<Option<String>, String> {
        Ok(cell(rs, w, 0, c)?.map(|p| p.rsplit(['/', '\\']).next().unwrap_or(p).to_string()))
    };
    Ok(Some(RealLsMonitor {
        last_copied_file: name("last_copied_file")?,
        last_restored_file: name("last_restored_file")?,
        last_restored_latency: match cell(rs, w, 0, "last_restored_latency")? {
            None => None,
            Some(_) => Some(number(rs, w, 0, "last_restored_latency")?),
        },
    }))
}
