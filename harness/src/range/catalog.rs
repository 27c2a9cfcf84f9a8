//! What a SELECT on one range instance reads: the catalog views and msdb tables the
//! runbooks and the harness's own probes use, with SQL Server's column names and types
//! (MicrosoftDocs/sql-docs: docs/relational-databases/system-catalog-views/
//! sys-databases-transact-sql.md, sys-database-mirroring-transact-sql.md;
//! system-dynamic-management-views/sys-dm-exec-sessions-transact-sql.md;
//! system-tables/backupset-transact-sql.md, backupmediafamily-transact-sql.md,
//! restorehistory-transact-sql.md, log-shipping-monitor-secondary-transact-sql.md,
//! log-shipping-primary-databases-transact-sql.md), built from the model's state.
//! Columns the model knows nothing about are left out rather than invented.

use super::reply::{Column, ResultSet, SqlType, Value};
use super::statement::Catalog;
use sim::live::Live;
use sim::topology::{Db, Instance};
use sim::world::{BackupFile, BackupKind, DbState, MirrorRole, MirrorState};

/// Simulated time 0 is 2025-01-01T00:00:00 server time: 45656 days after datetime's epoch.
pub const EPOCH_DAYS: i64 = 45_656;

/// The version string the range reports: SQL Server 2014, the Persistent Chat back end of
/// the Lync 2013 / SfB 2015 era, and plainly a model.
pub const VERSION: &str = "Microsoft SQL Server 2014 (SP3) (KB4022619) - 12.0.6024.0 (X64) \n\tdrill range: the drill model behind TDS, not a SQL Server\n";
pub const PRODUCT_VERSION: &str = "12.0.6024.0";

/// The instance's server name (@@SERVERNAME, LOGINACK, backupset.server_name).
pub fn server_name(i: Instance) -> String {
    format!("sql-{i}")
}

/// The fixed database ids: the four system databases, then mgc and mgccomp.
pub fn database_id(name: &str) -> Option<i64> {
    Some(match name.to_ascii_lowercase().as_str() {
        "master" => 1,
        "tempdb" => 2,
        "model" => 3,
        "msdb" => 4,
        "mgc" => 5,
        "mgccomp" => 6,
        _ => return None,
    })
}

pub fn datetime(t_s: u64) -> Value {
    Value::DateTime(EPOCH_DAYS * 86_400_000 + t_s as i64 * 1000)
}

fn col(name: &str, ty: SqlType) -> Column {
    Column {
        name: name.into(),
        ty,
    }
}
const SYSNAME: SqlType = SqlType::NVarChar(128);
const DESC: SqlType = SqlType::NVarChar(60);
const LSN: SqlType = SqlType::Numeric {
    precision: 25,
    scale: 0,
};

fn text(s: impl Into<String>) -> Value {
    Value::Text(s.into())
}
fn int(v: impl Into<i64>) -> Value {
    Value::Int(v.into())
}
fn bit(b: bool) -> Value {
    Value::Int(b as i64)
}
fn guid(kind: u32, n: u128) -> Value {
    Value::Guid(format!("{kind:08x}-0000-0000-0000-{:012x}", n % (1 << 48)))
}

/// The objects the catalog serves, with the ids OBJECT_ID() and sys.all_columns give them:
/// the range's own numbers (negative for the system views, as SQL Server's are; positive
/// for msdb's tables), not the ones a real instance has.
const OBJECTS: [(&str, i64); 9] = [
    ("sys.all_columns", -1001),
    ("sys.databases", -1002),
    ("sys.database_mirroring", -1003),
    ("sys.dm_exec_sessions", -1004),
    ("msdb.dbo.backupset", 1001),
    ("msdb.dbo.backupmediafamily", 1002),
    ("msdb.dbo.restorehistory", 1003),
    ("msdb.dbo.log_shipping_monitor_secondary", 1004),
    ("msdb.dbo.log_shipping_primary_databases", 1005),
];

/// A column type as sys.all_columns describes it: (system_type_id, max_length in bytes,
/// precision, scale) (docs/relational-databases/system-catalog-views/
/// sys-all-columns-transact-sql.md; the ids are sys.types' system_type_id).
fn type_meta(t: SqlType) -> (i64, i64, i64, i64) {
    match t {
        SqlType::Int => (56, 4, 10, 0),
        SqlType::SmallInt => (52, 2, 5, 0),
        SqlType::TinyInt => (48, 1, 3, 0),
        SqlType::BigInt => (127, 8, 19, 0),
        SqlType::Bit => (104, 1, 1, 0),
        SqlType::NVarChar(n) => (231, 2 * n as i64, 0, 0),
        SqlType::Numeric { precision, scale } => {
            let bytes = match precision {
                0..=9 => 5,
                10..=19 => 9,
                20..=28 => 13,
                _ => 17,
            };
            (108, bytes, precision as i64, scale as i64)
        }
        SqlType::DateTime => (61, 8, 23, 3),
        SqlType::UniqueIdentifier => (36, 16, 0, 0),
    }
}

/// One instance's catalog as seen by session `spid`.
pub struct InstanceCatalog<'a> {
    pub live: &'a Live,
    pub instance: Instance,
    pub spid: u16,
}

impl InstanceCatalog<'_> {
    fn dbs(&self) -> Vec<(String, i64, Option<DbState>)> {
        let mut v: Vec<(String, i64, Option<DbState>)> = ["master", "tempdb", "model", "msdb"]
            .iter()
            .enumerate()
            .map(|(k, n)| (n.to_string(), k as i64 + 1, None))
            .collect();
        for db in [Db::Mgc, Db::Mgccomp] {
            let c = self.live.world().db(self.instance, db);
            if c.state != DbState::Absent {
                let name = db.to_string();
                let id = database_id(&name).unwrap_or(0);
                v.push((name, id, Some(c.state)));
            }
        }
        v
    }

    fn databases(&self) -> ResultSet {
        let columns = vec![
            col("name", SYSNAME),
            col("database_id", SqlType::Int),
            col("create_date", SqlType::DateTime),
            col("compatibility_level", SqlType::TinyInt),
            col("user_access", SqlType::TinyInt),
            col("user_access_desc", DESC),
            col("is_read_only", SqlType::Bit),
            col("state", SqlType::TinyInt),
            col("state_desc", DESC),
            col("is_in_standby", SqlType::Bit),
            col("recovery_model", SqlType::TinyInt),
            col("recovery_model_desc", DESC),
        ];
        let rows = self
            .dbs()
            .into_iter()
            .map(|(name, id, st)| {
                // STANDBY is ONLINE and read-only (is_in_standby = 1), as in sim::observe.
                let (state, desc) = match st {
                    None | Some(DbState::Online) | Some(DbState::Standby) => (0, "ONLINE"),
                    Some(DbState::Restoring) | Some(DbState::Absent) => (1, "RESTORING"),
                };
                let standby = st == Some(DbState::Standby);
                let full = id >= 5 || id == 3;
                vec![
                    text(name),
                    int(id),
                    datetime(0),
                    int(120),
                    int(0),
                    text("MULTI_USER"),
                    bit(standby),
                    int(state),
                    text(desc),
                    bit(standby),
                    int(if full { 1 } else { 3 }),
                    text(if full { "FULL" } else { "SIMPLE" }),
                ]
            })
            .collect();
        ResultSet { columns, rows }
    }

    fn database_mirroring(&self) -> ResultSet {
        let columns = vec![
            col("database_id", SqlType::Int),
            col("mirroring_guid", SqlType::UniqueIdentifier),
            col("mirroring_state", SqlType::TinyInt),
            col("mirroring_state_desc", DESC),
            col("mirroring_role", SqlType::TinyInt),
            col("mirroring_role_desc", DESC),
            col("mirroring_safety_level", SqlType::TinyInt),
            col("mirroring_safety_level_desc", DESC),
            col("mirroring_partner_name", SYSNAME),
            col("mirroring_partner_instance", SYSNAME),
            col("mirroring_witness_name", SYSNAME),
            col("mirroring_witness_state", SqlType::TinyInt),
            col("mirroring_witness_state_desc", DESC),
        ];
        let w = self.live.world();
        let rows = self
            .dbs()
            .into_iter()
            .map(|(name, id, _)| {
                let m = [Db::Mgc, Db::Mgccomp]
                    .into_iter()
                    .find(|d| d.to_string() == name)
                    .and_then(|d| w.db(self.instance, d).mirroring);
                let Some(m) = m else {
                    let mut r = vec![int(id)];
                    r.extend(std::iter::repeat_n(Value::Null, 12));
                    return r;
                };
                let (state, sdesc) = match m.state {
                    MirrorState::Synchronized => (4, "SYNCHRONIZED"),
                    MirrorState::Synchronizing => (2, "SYNCHRONIZING"),
                    MirrorState::Disconnected => (1, "DISCONNECTED"),
                };
                let (role, rdesc) = match m.role {
                    MirrorRole::Principal => (1, "PRINCIPAL"),
                    MirrorRole::Mirror => (2, "MIRROR"),
                };
                let partner = server_name(m.partner);
                let (witness, ws, wdesc) = if !m.witness {
                    (Value::Text(String::new()), 0, "UNKNOWN")
                } else if w.inst(Instance::Witness).up && w.dc_is_up(Instance::Witness.dc()) {
                    (
                        text(format!("TCP://{}:5022", server_name(Instance::Witness))),
                        1,
                        "CONNECTED",
                    )
                } else {
                    (
                        text(format!("TCP://{}:5022", server_name(Instance::Witness))),
                        2,
                        "DISCONNECTED",
                    )
                };
                vec![
                    int(id),
                    guid(0x6d6972, id as u128),
                    int(state),
                    text(sdesc),
                    int(role),
                    text(rdesc),
                    int(2),
                    text("FULL"),
                    text(format!("TCP://{partner}:5022")),
                    text(partner),
                    witness,
                    int(ws),
                    text(wdesc),
                ]
            })
            .collect();
        ResultSet { columns, rows }
    }

    /// sys.all_columns: the columns of the system views this catalog serves (itself
    /// included), nothing else. msdb's tables are msdb's objects, listed by msdb's own
    /// sys.all_columns, which the range does not serve. Columns the range cannot tell
    /// (user_type_id: sysname and nvarchar(128) are one type here; is_nullable...) are left out.
    fn all_columns(&self) -> ResultSet {
        let columns = vec![
            col("object_id", SqlType::Int),
            col("name", SYSNAME),
            col("column_id", SqlType::Int),
            col("system_type_id", SqlType::TinyInt),
            col("max_length", SqlType::SmallInt),
            col("precision", SqlType::TinyInt),
            col("scale", SqlType::TinyInt),
        ];
        let mut rows = Vec::new();
        for (name, id) in OBJECTS.iter().filter(|(n, _)| n.starts_with("sys.")) {
            let cols = match *name {
                "sys.all_columns" => columns.clone(),
                n => self.table(n).map(|rs| rs.columns).unwrap_or_default(),
            };
            for (k, c) in cols.iter().enumerate() {
                let (ty, len, precision, scale) = type_meta(c.ty);
                rows.push(vec![
                    int(*id),
                    text(c.name.clone()),
                    int(k as i64 + 1),
                    int(ty),
                    int(len),
                    int(precision),
                    int(scale),
                ]);
            }
        }
        ResultSet { columns, rows }
    }

    fn sessions(&self) -> ResultSet {
        let columns = vec![
            col("session_id", SqlType::SmallInt),
            col("login_time", SqlType::DateTime),
            col("host_name", SYSNAME),
            col("program_name", SYSNAME),
            col("login_name", SYSNAME),
            col("status", SqlType::NVarChar(30)),
            col("is_user_process", SqlType::Bit),
            col("database_id", SqlType::SmallInt),
        ];
        let rows = session_rows(self.live, self.instance, self.spid)
            .into_iter()
            .map(|s| {
                vec![
                    int(s.spid),
                    datetime(0),
                    text(s.host),
                    text(s.program),
                    text(s.login),
                    text(s.status),
                    bit(true),
                    database_id(&s.database).map_or(Value::Null, int),
                ]
            })
            .collect();
        ResultSet { columns, rows }
    }

    /// The backup sets this instance's msdb knows: those it wrote and those it restored.
    fn backup_files(&self) -> Vec<&BackupFile> {
        let w = self.live.world();
        w.files
            .iter()
            .filter(|f| {
                f.source == self.instance
                    || self
                        .live
                        .restores()
                        .iter()
                        .any(|r| r.instance == self.instance && r.file == f.id)
            })
            .collect()
    }

    fn backupset(&self) -> ResultSet {
        let columns = vec![
            col("backup_set_id", SqlType::Int),
            col("backup_set_uuid", SqlType::UniqueIdentifier),
            col("media_set_id", SqlType::Int),
            col("name", SYSNAME),
            col("server_name", SYSNAME),
            col("machine_name", SYSNAME),
            col("database_name", SYSNAME),
            col("type", SqlType::NVarChar(1)),
            col("first_lsn", LSN),
            col("last_lsn", LSN),
            col("checkpoint_lsn", LSN),
            col("database_backup_lsn", LSN),
            col("differential_base_lsn", LSN),
            col("backup_start_date", SqlType::DateTime),
            col("backup_finish_date", SqlType::DateTime),
            col("is_copy_only", SqlType::Bit),
            col("first_recovery_fork_guid", SqlType::UniqueIdentifier),
            col("last_recovery_fork_guid", SqlType::UniqueIdentifier),
            col("recovery_model", DESC),
        ];
        let rows = self
            .backup_files()
            .into_iter()
            .map(|f| {
                let fork = guid(0xf0, sim::world::family(f.last_lsn));
                vec![
                    int(f.id),
                    guid(0xba, f.id as u128),
                    int(f.id),
                    Value::Null,
                    text(server_name(f.source)),
                    text(server_name(f.source)),
                    text(f.database.to_string()),
                    text(match f.kind {
                        BackupKind::Full => "D",
                        BackupKind::Log => "L",
                    }),
                    Value::Numeric(f.first_lsn.0 as i128),
                    Value::Numeric(f.last_lsn.0 as i128),
                    Value::Numeric(f.checkpoint_lsn.0 as i128),
                    Value::Numeric(f.database_backup_lsn.0 as i128),
                    Value::Null,
                    datetime(f.created_at),
                    datetime(f.created_at),
                    bit(false),
                    fork.clone(),
                    fork,
                    text("FULL"),
                ]
            })
            .collect();
        ResultSet { columns, rows }
    }

    fn backupmediafamily(&self) -> ResultSet {
        let columns = vec![
            col("media_set_id", SqlType::Int),
            col("family_sequence_number", SqlType::TinyInt),
            col("media_family_id", SqlType::UniqueIdentifier),
            col("media_count", SqlType::Int),
            col("logical_device_name", SYSNAME),
            col("physical_device_name", SqlType::NVarChar(260)),
            col("device_type", SqlType::TinyInt),
            col("physical_block_size", SqlType::Int),
            col("mirror", SqlType::TinyInt),
        ];
        let share = sim::backups::share_path(self.live.world());
        let rows = self
            .backup_files()
            .into_iter()
            .map(|f| {
                vec![
                    int(f.id),
                    int(1),
                    guid(0x3e, f.id as u128),
                    int(1),
                    Value::Null,
                    text(format!("{share}\\{}", f.file_name())),
                    int(2),
                    int(512),
                    int(0),
                ]
            })
            .collect();
        ResultSet { columns, rows }
    }

    fn restorehistory(&self) -> ResultSet {
        let columns = vec![
            col("restore_history_id", SqlType::Int),
            col("restore_date", SqlType::DateTime),
            col("destination_database_name", SYSNAME),
            col("user_name", SYSNAME),
            col("backup_set_id", SqlType::Int),
            col("restore_type", SqlType::NVarChar(1)),
            col("replace", SqlType::Bit),
            col("recovery", SqlType::Bit),
            col("restart", SqlType::Bit),
            col("stop_at", SqlType::DateTime),
            col("device_count", SqlType::TinyInt),
        ];
        let rows = self
            .live
            .restores()
            .iter()
            .filter(|r| r.instance == self.instance)
            .map(|r| {
                vec![
                    int(r.id),
                    datetime(r.t_s),
                    text(r.database.to_string()),
                    text("drill"),
                    int(r.file),
                    text(r.restore_type.to_string()),
                    bit(r.replace),
                    bit(r.recovery),
                    bit(false),
                    Value::Null,
                    int(1),
                ]
            })
            .collect();
        ResultSet { columns, rows }
    }

    fn ls_monitor_secondary(&self) -> ResultSet {
        let columns = vec![
            col("secondary_server", SYSNAME),
            col("secondary_database", SYSNAME),
            col("secondary_id", SqlType::UniqueIdentifier),
            col("primary_server", SYSNAME),
            col("primary_database", SYSNAME),
            col("restore_threshold", SqlType::Int),
            col("threshold_alert", SqlType::Int),
            col("threshold_alert_enabled", SqlType::Bit),
            col("last_copied_file", SqlType::NVarChar(500)),
            col("last_copied_date", SqlType::DateTime),
            col("last_restored_file", SqlType::NVarChar(500)),
            col("last_restored_date", SqlType::DateTime),
            col("last_restored_latency", SqlType::Int),
            col("history_retention_period", SqlType::Int),
        ];
        let w = self.live.world();
        let mut rows = Vec::new();
        if let Some(c) = w.inst(self.instance).ls_secondary {
            let file = |id: Option<u32>| id.and_then(|id| w.files.get(id as usize - 1));
            let path = |f: Option<&BackupFile>| {
                f.map_or(Value::Null, |f| {
                    text(format!("<copy folder on sql-backup>\\{}", f.file_name()))
                })
            };
            let copied = file(c.last_copied_file);
            let restored = file(c.last_restored_file);
            // The dates the jobs record are when they ran; the model keeps the files'
            // creation times only, so the dates are unknown: NULL, not a made-up time.
            rows.push(vec![
                text(server_name(self.instance)),
                text(c.database.to_string()),
                guid(0x5ec, 1),
                text(server_name(c.primary)),
                text(c.database.to_string()),
                int(45),
                int(14421),
                bit(true),
                path(copied),
                Value::Null,
                path(restored),
                Value::Null,
                c.last_restored_latency_min
                    .map_or(Value::Null, |m| int(m as i64)),
                int(5760),
            ]);
        }
        ResultSet { columns, rows }
    }

    fn ls_primary_databases(&self) -> ResultSet {
        let columns = vec![
            col("primary_id", SqlType::UniqueIdentifier),
            col("primary_database", SYSNAME),
            col("backup_directory", SqlType::NVarChar(500)),
            col("backup_share", SqlType::NVarChar(500)),
            col("backup_retention_period", SqlType::Int),
            col("monitor_server", SYSNAME),
            col("last_backup_file", SqlType::NVarChar(500)),
            col("last_backup_date", SqlType::DateTime),
        ];
        let w = self.live.world();
        let mut rows = Vec::new();
        if let Some(c) = w.inst(self.instance).ls_primary {
            let share = sim::backups::share_path(w);
            let last = w
                .files
                .iter()
                .rev()
                .find(|f| f.source == self.instance && f.kind == BackupKind::Log);
            rows.push(vec![
                guid(0x9a1, 1),
                text(c.database.to_string()),
                text(share.clone()),
                text(share.clone()),
                int((self.live.scenario().log_shipping.retention_s / 60) as i64),
                text(server_name(self.instance)),
                last.map_or(Value::Null, |f| text(format!("{share}\\{}", f.file_name()))),
                last.map_or(Value::Null, |f| datetime(f.created_at)),
            ]);
        }
        ResultSet { columns, rows }
    }
}

/// A session as sp_who2 and sys.dm_exec_sessions list it.
pub struct SessionRow {
    pub spid: u16,
    pub login: String,
    pub host: String,
    pub program: String,
    pub database: String,
    pub status: String,
}

/// Range clients' sessions, then each chat server's session on mgc (spid 60 + server).
pub fn session_rows(live: &Live, i: Instance, me: u16) -> Vec<SessionRow> {
    let mut v: Vec<SessionRow> = live
        .sessions(i)
        .into_iter()
        .map(|(spid, database)| SessionRow {
            spid,
            login: "drill".into(),
            host: "range-client".into(),
            program: "range client".into(),
            database,
            status: if spid == me { "running" } else { "sleeping" }.into(),
        })
        .collect();
    for (n, s) in live.world().servers.iter().enumerate() {
        if s.conn == Some(i) {
            v.push(SessionRow {
                spid: 60 + n as u16 + 1,
                login: format!("LITWAREINC\\pchat{}$", n + 1),
                host: format!("pchat{}", n + 1),
                program: "Persistent Chat".into(),
                database: "mgc".into(),
                status: "sleeping".into(),
            });
        }
    }
    v
}

impl Catalog for InstanceCatalog<'_> {
    fn table(&self, name: &str) -> Option<ResultSet> {
        let n = name.to_ascii_lowercase();
        let n = n.strip_prefix("master.").unwrap_or(&n);
        let n = n.replace("..", ".dbo.");
        Some(match n.as_str() {
            "sys.all_columns" => self.all_columns(),
            "sys.databases" => self.databases(),
            "sys.database_mirroring" => self.database_mirroring(),
            "sys.dm_exec_sessions" => self.sessions(),
            "msdb.dbo.backupset" => self.backupset(),
            "msdb.dbo.backupmediafamily" => self.backupmediafamily(),
            "msdb.dbo.restorehistory" => self.restorehistory(),
            "msdb.dbo.log_shipping_monitor_secondary" => self.ls_monitor_secondary(),
            "msdb.dbo.log_shipping_primary_databases" => self.ls_primary_databases(),
            _ => return None,
        })
    }

    fn global(&self, name: &str) -> Option<Value> {
        let n: String = name
            .to_ascii_lowercase()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        Some(match n.as_str() {
            "@@version" => text(VERSION),
            "@@servername" => text(server_name(self.instance)),
            "@@spid" => int(self.spid),
            "serverproperty('productversion')" => text(PRODUCT_VERSION),
            "serverproperty('productlevel')" => text("SP3"),
            "serverproperty('edition')" => text("Enterprise Edition (64-bit)"),
            "serverproperty('engineedition')" => int(3),
            "serverproperty('servername')" | "serverproperty('machinename')" => {
                text(server_name(self.instance))
            }
            "serverproperty('instancename')" => Value::Null,
            "serverproperty('ishadrenabled')" => int(0),
            "serverproperty('isclustered')" => int(0),
            // OBJECT_ID('x') with x already in its canonical form (see select's OBJECT_ID).
            n if n.starts_with("object_id('") => {
                let object = n.strip_prefix("object_id('")?.strip_suffix("')")?;
                let id = OBJECTS
                    .iter()
                    .find(|(o, _)| *o == object)
                    .map(|(_, id)| *id);
                id.map_or(Value::Null, int)
            }
            _ => return None,
        })
    }
}
