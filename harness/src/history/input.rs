//! Reading backup history: CSV or JSON files with `msdb.dbo.backupset` column names, and
//! the rows of the live query (all cells as text). Every error names where it is.

use serde::{Deserialize, Deserializer};
use sim::lsn::Lsn;
use sim::plan::{BackupRecord, BackupType, Timestamp};
use std::fmt;
use std::path::Path;

/// Bad input, located: `source:line:column: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    pub source: String,
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub message: String,
}

impl InputError {
    pub fn new(source: &str, line: Option<u64>, column: Option<u64>, message: String) -> Self {
        InputError {
            source: source.to_string(),
            line,
            column,
            message,
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

/// Records and, for each, where it came from (for messages about pairs of records).
#[derive(Debug)]
pub struct History {
    pub records: Vec<BackupRecord>,
    pub locations: Vec<String>,
}

/// The columns the planner reads. Other columns (msdb has many) are ignored.
const REQUIRED: [&str; 9] = [
    "database_name",
    "type",
    "backup_set_uuid",
    "first_lsn",
    "last_lsn",
    "checkpoint_lsn",
    "database_backup_lsn",
    "backup_start_date",
    "backup_finish_date",
];
const OPTIONAL: [&str; 6] = [
    "server_name",
    "differential_base_lsn",
    "is_copy_only",
    "physical_device_name",
    "first_recovery_fork_guid",
    "last_recovery_fork_guid",
];

/// Where each known column sits in a row.
pub struct Columns {
    required: [usize; 9],
    optional: [Option<usize>; 6],
}

/// A bad cell: its 0-based field index, and what is wrong.
pub struct CellError {
    pub index: usize,
    pub message: String,
}

impl Columns {
    /// Look the known columns up by name (case-insensitive; a UTF-8 BOM is ignored).
    /// Errors: the missing column names, or a column given twice (with its index).
    pub fn from_header<S: AsRef<str>>(names: &[S]) -> Result<Columns, String> {
        let norm = |s: &str| s.trim_start_matches('\u{feff}').trim().to_ascii_lowercase();
        let names: Vec<String> = names.iter().map(|s| norm(s.as_ref())).collect();
        let find = |col: &str| -> Result<Option<usize>, String> {
            let mut at = names
                .iter()
                .enumerate()
                .filter(|(_, n)| *n == col)
                .map(|(i, _)| i);
            let first = at.next();
            match at.next() {
                Some(i) => Err(format!(
                    "column {} ({col}) appears twice in the header",
                    i + 1
                )),
                None => Ok(first),
            }
        };
        let mut required = [0usize; 9];
        let mut missing = Vec::new();
        for (slot, col) in required.iter_mut().zip(REQUIRED) {
            match find(col)? {
                Some(i) => *slot = i,
                None => missing.push(col),
            }
        }
        if !missing.is_empty() {
            return Err(format!(
                "missing column{} {} (the header must use msdb.dbo.backupset column names; see docs/history.md)",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", ")
            ));
        }
        let mut optional = [None; 6];
        for (slot, col) in optional.iter_mut().zip(OPTIONAL) {
            *slot = find(col)?;
        }
        Ok(Columns { required, optional })
    }

    /// Build a record from one row. `cell(i)` is the text of field `i`; `None` or empty is NULL.
    pub fn record<'a>(
        &self,
        cell: impl Fn(usize) -> Option<&'a str>,
    ) -> Result<BackupRecord, CellError> {
        let req = |k: usize| -> Result<&'a str, CellError> {
            let i = self.required[k];
            match cell(i).map(str::trim) {
                Some(v) if !v.is_empty() => Ok(v),
                _ => Err(CellError {
                    index: i,
                    message: format!("{} is empty", REQUIRED[k]),
                }),
            }
        };
        let parse = |k: usize, v: &str, e: &dyn fmt::Display| CellError {
            index: self.required[k],
            message: format!("{} {v:?}: {e}", REQUIRED[k]),
        };
        let lsn = |k: usize| -> Result<Lsn, CellError> {
            let v = req(k)?;
            v.parse().map_err(|e| parse(k, v, &e))
        };
        let time = |k: usize| -> Result<Timestamp, CellError> {
            let v = req(k)?;
            v.parse().map_err(|e| parse(k, v, &e))
        };
        let opt = |k: usize| -> Option<(usize, &'a str)> {
            self.optional[k].and_then(|i| cell(i).map(|v| (i, v)))
        };
        let backup_type: BackupType = {
            let v = req(1)?;
            v.parse().map_err(|e| CellError {
                index: self.required[1],
                message: format!("{e}"),
            })?
        };
        let fork = |k: usize| -> Result<Option<String>, CellError> {
            match opt(k) {
                Some((i, v)) if !v.trim().is_empty() => guid(OPTIONAL[k], v)
                    .map(Some)
                    .map_err(|message| CellError { index: i, message }),
                _ => Ok(None),
            }
        };
        let backup_set_uuid = {
            let v = req(2)?;
            guid("backup_set_uuid", v).map_err(|message| CellError {
                index: self.required[2],
                message,
            })?
        };
        let differential_base_lsn = match opt(1) {
            Some((i, v)) if !v.trim().is_empty() => Some(v.parse().map_err(|e| CellError {
                index: i,
                message: format!("differential_base_lsn {v:?}: {e}"),
            })?),
            _ => None,
        };
        let is_copy_only = match opt(2) {
            Some((i, v)) => parse_flag(v).map_err(|m| CellError {
                index: i,
                message: format!("is_copy_only {v:?}: {m}"),
            })?,
            None => false,
        };
        Ok(BackupRecord {
            database_name: cell(self.required[0]).unwrap_or("").to_string(),
            server_name: opt(0).map(|(_, v)| v.to_string()).unwrap_or_default(),
            backup_type,
            backup_set_uuid,
            first_lsn: lsn(3)?,
            last_lsn: lsn(4)?,
            checkpoint_lsn: lsn(5)?,
            database_backup_lsn: lsn(6)?,
            differential_base_lsn,
            backup_start_date: time(7)?,
            backup_finish_date: time(8)?,
            is_copy_only,
            physical_device_name: opt(3)
                .map(|(_, v)| v.to_string())
                .filter(|v| !v.trim().is_empty()),
            first_recovery_fork_guid: fork(4)?,
            last_recovery_fork_guid: fork(5)?,
        })
    }

    /// The name of the column at field index `i`, for messages.
    pub fn name_of(&self, i: usize) -> &'static str {
        REQUIRED
            .iter()
            .zip(self.required)
            .chain(
                OPTIONAL
                    .iter()
                    .zip(self.optional)
                    .filter_map(|(n, o)| o.map(|o| (n, o))),
            )
            .find(|(_, at)| *at == i)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }
}

/// msdb's `uniqueidentifier`: a GUID, made canonical (lower case, no braces). Validated
/// here because it is printed into generated T-SQL comments.
fn guid(column: &str, v: &str) -> Result<String, String> {
    crate::tsql_quote::guid(v).ok_or_else(|| {
        format!(
            "{column} {:?}: expected a GUID such as 1e2feb89-414c-343c-1027-c4d1c386bbc4",
            v.chars().take(80).collect::<String>()
        )
    })
}

/// msdb's `bit` as exported: empty (NULL), 0/1 or true/false.
fn parse_flag(v: &str) -> Result<bool, String> {
    match v.trim().to_ascii_lowercase().as_str() {
        "" | "0" | "false" => Ok(false),
        "1" | "true" => Ok(true),
        _ => Err("expected 0, 1, true, false or empty".into()),
    }
}

/// The largest history export read (msdb rows are a few hundred bytes each).
pub const MAX_HISTORY_BYTES: u64 = 1 << 30;

pub fn read_file(path: &Path) -> Result<History, InputError> {
    let source = path.display().to_string();
    // The one capped reader: refuses FIFOs, devices and directories before reading, and
    // files beyond the cap (1 GiB: several million msdb rows).
    let bytes = crate::load::read_input_bytes(path, MAX_HISTORY_BYTES)
        .map_err(|e| InputError::new(&source, None, None, e.message))?;
    let bytes = crate::load::without_bom(&bytes);
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    let looks_json = matches!(
        bytes.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'[') | Some(b'{')
    );
    match ext.as_deref() {
        Some("json") => parse_json(&source, bytes),
        Some("csv") => parse_csv(&source, bytes),
        _ if looks_json => parse_json(&source, bytes),
        _ => parse_csv(&source, bytes),
    }
}

pub fn parse_csv(source: &str, bytes: &[u8]) -> Result<History, InputError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes);
    let header = rdr.headers().map_err(|e| csv_error(source, &e))?.clone();
    if header.iter().all(|h| h.trim().is_empty()) {
        return Err(InputError::new(
            source,
            Some(1),
            None,
            "the file is empty: expected a header of msdb.dbo.backupset column names".into(),
        ));
    }
    let cols = Columns::from_header(&header.iter().collect::<Vec<_>>())
        .map_err(|m| InputError::new(source, Some(1), None, m))?;
    let mut out = History {
        records: Vec::new(),
        locations: Vec::new(),
    };
    for row in rdr.records() {
        let row = row.map_err(|e| csv_error(source, &e))?;
        let line = row.position().map(|p| p.line()).unwrap_or(0);
        let rec = cols.record(|i| row.get(i)).map_err(|e| {
            InputError::new(
                source,
                Some(line),
                Some(e.index as u64 + 1),
                format!(
                    "column {} ({}): {}",
                    e.index + 1,
                    cols.name_of(e.index),
                    e.message
                ),
            )
        })?;
        out.records.push(rec);
        out.locations.push(format!("{source}:{line}"));
    }
    Ok(out)
}

/// A CSV error at its line and column (columns count fields from 1, as cell errors do).
fn csv_error(source: &str, e: &csv::Error) -> InputError {
    let line = e.position().map(|p| p.line());
    let (column, message) = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => (
            // the first field that is missing, or the first one too many
            Some((*len).min(*expected_len) + 1),
            format!("this row has {len} fields but the header has {expected_len}"),
        ),
        csv::ErrorKind::Utf8 { err, .. } => (
            Some(err.field() as u64 + 1),
            format!(
                "field {} is not valid UTF-8 (after byte {} of the field)",
                err.field() + 1,
                err.valid_up_to()
            ),
        ),
        _ => (None, format!("cannot read CSV: {e}")),
    };
    InputError::new(source, line, column, message)
}

/// One JSON history entry: the same names as the CSV columns. LSNs may be strings or
/// (small) integers; NULL and "" mean absent for the optional ones.
#[derive(Deserialize)]
struct JsonRow {
    database_name: String,
    #[serde(default)]
    server_name: Option<String>,
    #[serde(rename = "type")]
    backup_type: BackupType,
    #[serde(deserialize_with = "json_guid")]
    backup_set_uuid: String,
    first_lsn: Lsn,
    last_lsn: Lsn,
    checkpoint_lsn: Lsn,
    database_backup_lsn: Lsn,
    #[serde(default, deserialize_with = "opt_lsn")]
    differential_base_lsn: Option<Lsn>,
    backup_start_date: Timestamp,
    backup_finish_date: Timestamp,
    #[serde(default, deserialize_with = "flag")]
    is_copy_only: bool,
    #[serde(default)]
    physical_device_name: Option<String>,
    #[serde(default, deserialize_with = "json_fork")]
    first_recovery_fork_guid: Option<String>,
    #[serde(default, deserialize_with = "json_fork")]
    last_recovery_fork_guid: Option<String>,
}

fn json_guid<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    guid("backup_set_uuid", &s).map_err(serde::de::Error::custom)
}

fn json_fork<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<String>::deserialize(d)? {
        Some(s) if !s.trim().is_empty() => guid("recovery fork", &s)
            .map(Some)
            .map_err(serde::de::Error::custom),
        _ => Ok(None),
    }
}

fn opt_lsn<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Lsn>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum V {
        Num(u64),
        Text(String),
    }
    match Option::<V>::deserialize(d)? {
        None => Ok(None),
        Some(V::Num(n)) => Ok(Some(Lsn(n as u128))),
        Some(V::Text(s)) if s.trim().is_empty() => Ok(None),
        Some(V::Text(s)) => s.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum V {
        Bool(bool),
        Num(u64),
        Text(String),
    }
    match Option::<V>::deserialize(d)? {
        None => Ok(false),
        Some(V::Bool(b)) => Ok(b),
        Some(V::Num(0)) => Ok(false),
        Some(V::Num(1)) => Ok(true),
        Some(V::Num(n)) => Err(serde::de::Error::custom(format!(
            "is_copy_only {n}: expected 0, 1, true, false or empty"
        ))),
        Some(V::Text(s)) => {
            parse_flag(&s).map_err(|m| serde::de::Error::custom(format!("is_copy_only {s:?}: {m}")))
        }
    }
}

#[derive(Deserialize)]
struct Wrapped {
    backups: Vec<JsonRow>,
}

/// JSON: an array of objects, or `{"backups": [...]}`. serde_json reports line and column.
pub fn parse_json(source: &str, bytes: &[u8]) -> Result<History, InputError> {
    let located = |e: serde_json::Error| {
        InputError::new(
            source,
            Some(e.line() as u64),
            Some(e.column() as u64),
            format!("invalid backup history JSON: {e}")
                .replace(&format!(" at line {} column {}", e.line(), e.column()), ""),
        )
    };
    let wrapped = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let rows: Vec<JsonRow> = if wrapped {
        serde_json::from_slice::<Wrapped>(bytes)
            .map_err(located)?
            .backups
    } else {
        serde_json::from_slice(bytes).map_err(located)?
    };
    let mut out = History {
        records: Vec::with_capacity(rows.len()),
        locations: Vec::with_capacity(rows.len()),
    };
    for (i, r) in rows.into_iter().enumerate() {
        out.locations.push(format!("{source}: backup #{}", i + 1));
        out.records.push(BackupRecord {
            database_name: r.database_name,
            server_name: r.server_name.unwrap_or_default(),
            backup_type: r.backup_type,
            backup_set_uuid: r.backup_set_uuid,
            first_lsn: r.first_lsn,
            last_lsn: r.last_lsn,
            checkpoint_lsn: r.checkpoint_lsn,
            database_backup_lsn: r.database_backup_lsn,
            differential_base_lsn: r.differential_base_lsn,
            backup_start_date: r.backup_start_date,
            backup_finish_date: r.backup_finish_date,
            is_copy_only: r.is_copy_only,
            physical_device_name: r.physical_device_name.filter(|v| !v.trim().is_empty()),
            first_recovery_fork_guid: r.first_recovery_fork_guid,
            last_recovery_fork_guid: r.last_recovery_fork_guid,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "database_name,server_name,type,backup_set_uuid,first_lsn,last_lsn,checkpoint_lsn,database_backup_lsn,differential_base_lsn,backup_start_date,backup_finish_date,is_copy_only,physical_device_name\n";

    #[test]
    fn csv_quoted_commas_and_bad_cells_are_located() {
        let ok = format!("{HEADER}\"a, b\",\"s\\i,1433\",D,00000000-0000-0000-0000-0000000000a1,1,2,1,0,,2020-01-01T00:00:00,2020-01-01T00:00:01,1,\"C:\\x, y.bak\"\n");
        let h = parse_csv("t.csv", ok.as_bytes()).unwrap();
        assert_eq!(h.records[0].database_name, "a, b");
        assert_eq!(
            h.records[0].physical_device_name.as_deref(),
            Some("C:\\x, y.bak")
        );
        assert!(h.records[0].is_copy_only);
        let bad = format!("{HEADER}a,s,D,00000000-0000-0000-0000-0000000000a1,1,2x,1,0,,2020-01-01T00:00:00,2020-01-01T00:00:01,,\n");
        let e = parse_csv("t.csv", bad.as_bytes()).unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(6)));
        assert!(
            e.to_string()
                .starts_with("t.csv:2:6: column 6 (last_lsn): last_lsn \"2x\""),
            "{e}"
        );
    }

    #[test]
    fn csv_structure_errors_have_line_and_column_and_a_bom_is_skipped() {
        let row = "a,s,D,00000000-0000-0000-0000-0000000000a1,1,2,1,0,,2020-01-01T00:00:00,2020-01-01T00:00:01,,\n";
        let with_bom = format!("\u{feff}{HEADER}{row}");
        assert_eq!(
            parse_csv("t.csv", with_bom.as_bytes())
                .unwrap()
                .records
                .len(),
            1
        );
        let short = format!("{HEADER}{row}a,s,D\n");
        let e = parse_csv("t.csv", short.as_bytes()).unwrap_err();
        assert_eq!((e.line, e.column), (Some(3), Some(4)), "{e}");
        let mut bytes = format!("{HEADER}{row}").into_bytes();
        bytes.extend_from_slice(b"a,s\xff\xfe");
        bytes.extend_from_slice(&row.as_bytes()[3..]);
        let e = parse_csv("t.csv", &bytes).unwrap_err();
        assert_eq!((e.line, e.column), (Some(3), Some(2)), "{e}");
        assert!(
            e.to_string()
                .starts_with("t.csv:3:2: field 2 is not valid UTF-8"),
            "{e}"
        );
    }

    #[test]
    fn json_in_both_shapes_with_located_errors() {
        let row = r#"{"database_name":"a","type":"L","backup_set_uuid":"00000000-0000-0000-0000-0000000000a1","first_lsn":"17126658000000314600037","last_lsn":5,"checkpoint_lsn":"1","database_backup_lsn":"0","differential_base_lsn":null,"backup_start_date":"2020-01-01T00:00:00","backup_finish_date":"2020-01-01T00:00:00Z","is_copy_only":0}"#;
        let a = parse_json("t.json", format!("[{row}]").as_bytes()).unwrap();
        let b = parse_json("t.json", format!("{{\"backups\": [{row}]}}").as_bytes()).unwrap();
        assert_eq!(a.records, b.records);
        assert_eq!(a.records[0].first_lsn.0, 17126658000000314600037);
        let bad = format!("[\n{}]", row.replace("\"L\"", "\"X\""));
        let e = parse_json("t.json", bad.as_bytes()).unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("unknown backup type \"X\""), "{e}");
    }
}
