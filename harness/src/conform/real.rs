//! Arm (c), a real SQL Server: one instance plays the cases' topology on databases drill
//! owns (`drill_conform_*`), dropped before every case and at the end.
//!
//! | the model's copy | on the server |
//! |---|---|
//! | primary's mgc | `drill_conform_mgc` (logical files renamed `mgc`/`mgc_log`) |
//! | primary's mgccomp | `drill_conform_mgccomp` (FULL recovery, never backed up) |
//! | backup's mgc | `drill_conform_mgc_backup`, restored `WITH NORECOVERY, MOVE` from primary's first full |
//! | backup-mirror's mgc | `drill_conform_mgc_backup_mirror` (absent until a case restores it) |
//!
//! The share and the copy folder are one directory (the server's default backup directory,
//! or `--dir`); every backup file is `drill_conform_<the model's name>`. A console line
//! becomes the log-shipping work the model did in that window, in the model's order: a
//! shadow model plays every step, and each log backup its backup job wrote is sent as
//! `BACKUP LOG` on primary's copy (after the writes that log holds), each log its restore
//! job applied as `RESTORE LOG ... WITH NORECOVERY` on backup's (replay's render). Copy jobs
//! send nothing: the share and the copy folder are one directory.

use super::cases::{At, Case, Needs, Step, LINUX_NO_MIRRORING, MIRRORING_NEEDS_TWO};
use super::model::{model_text, Model};
use super::runner::{fill, Answer, Arm, Names};
use crate::sqlserver::replay::{Exec, SqlFailure};
use crate::sqlserver::tsql::{render, Op, Placement};
use crate::tsql_quote as q;
use sim::topology::{Db, Instance};
use sim::world::BackupKind;
use std::collections::BTreeMap;

/// Every database and backup file the arm creates starts with this.
pub const PREFIX: &str = "drill_conform_";

/// The copies the one instance holds, as (model instance, database, name on the server).
pub const COPIES: [(Instance, Db, &str); 4] = [
    (Instance::Primary, Db::Mgc, "drill_conform_mgc"),
    (Instance::Primary, Db::Mgccomp, "drill_conform_mgccomp"),
    (Instance::Backup, Db::Mgc, "drill_conform_mgc_backup"),
    (
        Instance::BackupMirror,
        Db::Mgc,
        "drill_conform_mgc_backup_mirror",
    ),
];

const PRIMARY_MGC: &str = "drill_conform_mgc";
const INIT_FILE: &str = "drill_conform_mgc_init.bak";

/// What the server is: where its backups go and whether it runs on Linux.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerFacts {
    pub placement: Placement,
    pub linux: bool,
    pub version: String,
}

/// The query that learns [`ServerFacts`] (read-only).
pub const FACTS_SQL: &str = "SELECT CONVERT(nvarchar(4000), SERVERPROPERTY('InstanceDefaultBackupPath')) AS backup_path, CONVERT(nvarchar(4000), @@VERSION) AS version";

impl ServerFacts {
    /// From the facts query's row and an optional `--dir`.
    pub fn from_row(
        backup_path: Option<&str>,
        version: &str,
        dir: Option<&str>,
    ) -> Result<ServerFacts, String> {
        let dir = match dir.or(backup_path) {
            Some(d) if !d.trim().is_empty() => d.trim().to_string(),
            _ => return Err("the server reports no default backup directory (SERVERPROPERTY('InstanceDefaultBackupPath') is NULL before SQL Server 2019): give one with --dir".into()),
        };
        Self::with_dir(&dir, version.contains("Linux"), version)
    }

    pub fn with_dir(dir: &str, linux: bool, version: &str) -> Result<ServerFacts, String> {
        q::string("backup directory", dir).map_err(|e| e.to_string())?;
        let sep = if dir.contains('\\') && !dir.starts_with('/') {
            '\\'
        } else {
            '/'
        };
        let mut dir = dir.to_string();
        while dir.len() > 1 && dir.ends_with(sep) {
            dir.pop();
        }
        Ok(ServerFacts {
            placement: Placement { dir, sep },
            linux,
            version: version.lines().next().unwrap_or("").trim().to_string(),
        })
    }
}

/// The drill-owned names on one instance.
pub struct RealNames<'a>(pub &'a Placement);

impl RealNames<'_> {
    fn path(&self, file: &str) -> String {
        self.0.file(&format!("{PREFIX}{file}"))
    }
}

impl Names for RealNames<'_> {
    fn database(&self, instance: Instance, db: Db) -> Option<String> {
        COPIES
            .iter()
            .find(|(i, d, _)| *i == instance && *d == db)
            .map(|(_, _, n)| n.to_string())
    }
    fn copy(&self, file: &str) -> String {
        self.path(file).replace('\'', "''")
    }
    fn share(&self, file: &str) -> String {
        self.path(file).replace('\'', "''")
    }
    fn move_clause(&self, instance: Instance) -> String {
        match self.database(instance, Db::Mgc) {
            Some(db) if db != PRIMARY_MGC => format!(
                ", MOVE N'mgc' TO {}, MOVE N'mgc_log' TO {}",
                q::nstring(&self.0.file(&format!("{db}.mdf"))),
                q::nstring(&self.0.file(&format!("{db}_log.ldf")))
            ),
            _ => String::new(),
        }
    }
    fn init(&self) -> &'static str {
        " WITH INIT"
    }
}

/// Drop every drill-owned database (before each case and at the end).
pub fn teardown_sql() -> Vec<String> {
    COPIES
        .iter()
        .rev()
        .map(|(_, _, n)| format!("DROP DATABASE IF EXISTS {};", q::bracket(n)))
        .collect()
}

/// The topology at the scenario's time 0, on one instance.
pub fn setup_sql(p: &Placement) -> Vec<String> {
    let mut v = teardown_sql();
    v.extend(render(
        &Op::Create {
            db: PRIMARY_MGC.into(),
        },
        p,
    ));
    // CREATE DATABASE names its files after the database; replay's WITH MOVE uses mgc/mgc_log.
    for (old, new) in [
        (PRIMARY_MGC.to_string(), "mgc"),
        (format!("{PRIMARY_MGC}_log"), "mgc_log"),
    ] {
        v.push(format!(
            "ALTER DATABASE {} MODIFY FILE (NAME = {}, NEWNAME = {});",
            q::bracket(PRIMARY_MGC),
            q::nstring(&old),
            q::nstring(new)
        ));
    }
    v.push("CREATE DATABASE [drill_conform_mgccomp];".into());
    v.push("ALTER DATABASE [drill_conform_mgccomp] SET RECOVERY FULL;".into());
    for op in [
        Op::BackupFull {
            db: PRIMARY_MGC.into(),
            file: INIT_FILE.into(),
        },
        Op::RestoreFull {
            db: "drill_conform_mgc_backup".into(),
            source: PRIMARY_MGC.into(),
            file: INIT_FILE.into(),
            replace: false,
            recovery: false,
        },
    ] {
        v.extend(render(&op, p));
    }
    v
}

/// The databases and backup files a statement names. Err: a statement no case sends (KILL).
/// Databases: after DATABASE (past IF EXISTS), BACKUP/RESTORE LOG, USE, INSERT INTO and
/// CREATE TABLE (the first part of the name), and sp_delete_log_shipping_*'s argument.
/// Files: every string literal holding a path separator.
pub fn touched(stmt: &str) -> Result<(Vec<String>, Vec<String>), String> {
    use crate::range::tsql::lex::{lex, Kind, Tok};
    // SQL Server's token rules (the range's lexer): comments dropped, `[..]`, `".."` and
    // `N'..'` decoded, so a name is read where the server reads it.
    let toks = lex(stmt, 1).map_err(|e| format!("{} in {stmt:?}", e.text))?;
    let word = |t: Option<&Tok>, w: &str| t.is_some_and(|t| t.is_word(w));
    let name = |t: Option<&Tok>| match t.map(|t| &t.kind) {
        Some(Kind::Word(x)) | Some(Kind::Quoted(x)) => Some(x.clone()),
        _ => None,
    };
    let mut dbs = Vec::new();
    let first = toks.first();
    if word(first, "KILL") {
        return Err(format!("drill conform never kills a session: {stmt}"));
    }
    for k in 0..toks.len() {
        let t = toks.get(k);
        let mut at = None;
        if word(t, "DATABASE") {
            at = Some(
                if word(toks.get(k + 1), "IF") && word(toks.get(k + 2), "EXISTS") {
                    k + 3
                } else {
                    k + 1
                },
            );
        } else if (word(t, "LOG") && k == 1 && (word(first, "BACKUP") || word(first, "RESTORE")))
            || word(t, "USE")
            || (word(t, "INTO") && k > 0 && word(toks.get(k - 1), "INSERT"))
            || (word(t, "TABLE") && k > 0 && word(toks.get(k - 1), "CREATE"))
        {
            at = Some(k + 1);
        } else if matches!(t.map(|t| &t.kind), Some(Kind::Word(w)) | Some(Kind::Quoted(w))
            if w.to_ascii_lowercase().starts_with("sp_delete_log_shipping"))
        {
            // Its database argument: the next string literal.
            if let Some(Kind::Str { value, .. }) = toks[k + 1..]
                .iter()
                .map(|t| &t.kind)
                .find(|k| matches!(k, Kind::Str { .. }))
            {
                dbs.push(value.clone());
            }
        }
        if let Some(a) = at {
            match name(toks.get(a)) {
                Some(n) => dbs.push(n),
                None => return Err(format!("no database name where one belongs in {stmt}")),
            }
        }
    }
    let files = toks
        .iter()
        .filter_map(|t| match &t.kind {
            Kind::Str { value, .. } if value.contains(['/', '\\']) => Some(value.clone()),
            _ => None,
        })
        .collect();
    Ok((dbs, files))
}

/// Ok if the statement names only drill-owned databases and backup files.
pub fn owned_only(stmt: &str) -> Result<(), String> {
    let (dbs, files) = touched(stmt)?;
    let owned = |n: &str| n.to_ascii_lowercase().starts_with(PREFIX);
    if let Some(d) = dbs.iter().find(|d| !owned(d)) {
        return Err(format!(
            "refusing to send a statement on database {d:?}, which drill conform does not own (only {PREFIX}*): {stmt}"
        ));
    }
    if let Some(f) = files
        .iter()
        .find(|f| !owned(f.rsplit(['/', '\\']).next().unwrap_or(f)))
    {
        return Err(format!(
            "refusing to send a statement on file {f:?}, which drill conform does not own (only {PREFIX}*): {stmt}"
        ));
    }
    Ok(())
}

/// Opens sessions on the server (tiberius, or a fake in tests).
#[allow(async_fn_in_trait)]
pub trait Connect {
    type E: Exec;
    async fn connect(&mut self) -> Result<Self::E, String>;
}

/// The arm.
pub struct Real<C: Connect> {
    rt: tokio::runtime::Runtime,
    conn: C,
    pub facts: ServerFacts,
    admin: C::E,
    sessions: BTreeMap<(Instance, u8), C::E>,
    shadow: Model,
    seen_files: usize,
    seen_restores: usize,
    inserted: u64,
    /// Every statement sent, in order (the JSON report and the golden tests read it).
    pub sent: Vec<String>,
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

impl<C: Connect> Real<C> {
    /// Connect, and learn where the server keeps backups and what it runs on.
    pub fn open(mut conn: C, dir: Option<&str>) -> Result<Self, String> {
        let rt = runtime()?;
        let mut admin = rt.block_on(conn.connect())?;
        let rs = rt.block_on(admin.query(FACTS_SQL, &[]))?;
        let row = rs
            .rows
            .first()
            .ok_or("the server answered no row to SERVERPROPERTY")?;
        let get = |k: &str| row.get(k).cloned().flatten();
        let facts = ServerFacts::from_row(
            get("backup_path").as_deref(),
            &get("version").unwrap_or_default(),
            dir,
        )?;
        Ok(Real {
            rt,
            conn,
            facts,
            admin,
            sessions: BTreeMap::new(),
            shadow: Model::new(),
            seen_files: 0,
            seen_restores: 0,
            inserted: 0,
            sent: Vec::new(),
        })
    }

    /// Send one statement on a session (None: the arm's own), after the ownership check.
    fn send(
        &mut self,
        on: Option<(Instance, u8)>,
        stmt: &str,
    ) -> Result<Result<(), SqlFailure>, String> {
        owned_only(stmt)?;
        self.sent.push(stmt.to_string());
        let ex = match on {
            None => &mut self.admin,
            Some(k) => {
                if !self.sessions.contains_key(&k) {
                    let s = self.rt.block_on(self.conn.connect())?;
                    self.sessions.insert(k, s);
                }
                self.sessions.get_mut(&k).expect("just inserted")
            }
        };
        Ok(self.rt.block_on(ex.exec(stmt)))
    }

    /// Send the arm's own statements; any error is the arm's failure.
    fn send_all(&mut self, stmts: &[String], what: &str) -> Result<(), String> {
        for s in stmts {
            if let Err(f) = self.send(None, s)? {
                return Err(format!("{what}: `{s}` failed on the server: {}", f.message));
            }
        }
        Ok(())
    }

    /// The T-SQL of the log-shipping work the shadow model did since the last look.
    fn derived(&mut self) -> Result<Vec<Op>, String> {
        let st = self.shadow.b.lock();
        let w = st.live.world();
        let files = &w.files[self.seen_files.min(w.files.len())..];
        let restores = &st.live.restores()[self.seen_restores.min(st.live.restores().len())..];
        // (time, backups before restores of the same second, model id): the model's order.
        let mut work: Vec<(u64, u8, u32)> = files.iter().map(|f| (f.created_at, 0, f.id)).collect();
        work.extend(restores.iter().map(|r| (r.t_s, 1, r.id)));
        work.sort_unstable();
        let names = RealNames(&self.facts.placement);
        let mut ops = Vec::new();
        for (_, kind, id) in work {
            if kind == 0 {
                let f = files.iter().find(|f| f.id == id).expect("listed above");
                let db = names.database(f.source, f.database).ok_or_else(|| {
                    format!(
                        "the model backed up {} on {}, which one instance does not hold",
                        f.database, f.source
                    )
                })?;
                if f.kind != BackupKind::Log {
                    return Err(format!("the model's jobs wrote a full backup ({}); the translation knows log backups only", f.file_name()));
                }
                // The writes this log holds, so the log is not empty. The model numbers
                // writes from 0 in half-open ranges; the chat table from 1 (as replay's).
                if let Some(&(_, last)) = f.writes.ranges().last() {
                    if last > self.inserted && db == PRIMARY_MGC {
                        ops.push(Op::Writes {
                            db: db.clone(),
                            from: self.inserted + 1,
                            to: last,
                        });
                        self.inserted = last;
                    }
                }
                ops.push(Op::BackupLog {
                    db,
                    file: format!("{PREFIX}{}", f.file_name()),
                });
            } else {
                let r = restores.iter().find(|r| r.id == id).expect("listed above");
                let db = names.database(r.instance, r.database).ok_or_else(|| {
                    format!(
                        "the model restored on {} {}, which one instance does not hold",
                        r.instance, r.database
                    )
                })?;
                let f = w
                    .files
                    .get((r.file as usize).wrapping_sub(1))
                    .ok_or("a restore of an unknown file")?;
                if r.restore_type != 'L' {
                    return Err(format!("the model's jobs restored a full backup ({}); the translation knows log restores only", f.file_name()));
                }
                ops.push(Op::RestoreLog {
                    db,
                    file: format!("{PREFIX}{}", f.file_name()),
                });
            }
        }
        Ok(ops)
    }

    fn mark_seen(&mut self) -> Vec<String> {
        let mut st = self.shadow.b.lock();
        self.seen_files = st.live.world().files.len();
        self.seen_restores = st.live.restores().len();
        st.live
            .drain_happened()
            .into_iter()
            .map(|h| h.what)
            .collect()
    }

    /// Close every session (their databases become droppable) and drop what drill created.
    fn close_and_drop(&mut self) -> Result<(), String> {
        self.sessions.clear();
        let stmts = teardown_sql();
        for s in &stmts {
            // A closed session may take a moment to leave its database (3702: in use).
            let mut tries = 0;
            loop {
                match self.send(None, s)? {
                    Ok(()) => break,
                    Err(f) if f.numbers.contains(&3702) && tries < 5 => {
                        tries += 1;
                        std::thread::sleep(std::time::Duration::from_millis(200 * tries));
                    }
                    Err(f) => return Err(format!("`{s}` failed on the server: {}", f.message)),
                }
            }
        }
        Ok(())
    }
}

impl<C: Connect> Arm for Real<C> {
    fn name(&self) -> String {
        "real SQL Server".into()
    }
    fn cannot_run(&self, case: &Case) -> Option<String> {
        match case.needs {
            Needs::OneInstance => None,
            Needs::MirroringSession => Some(format!(
                "not run on this server: it needs a mirrored database, and database mirroring keeps the two copies of a database on different server instances ({MIRRORING_NEEDS_TWO}); one instance has no partner{}",
                if self.facts.linux { format!(", and SQL Server on Linux does not support database mirroring ({LINUX_NO_MIRRORING})") } else { String::new() }
            )),
            Needs::MirroringFeature if self.facts.linux => Some(format!(
                "not run on this server: SQL Server on Linux does not support database mirroring ({LINUX_NO_MIRRORING}), and what it answers to ALTER DATABASE ... SET PARTNER is not documented"
            )),
            Needs::MirroringFeature => None,
        }
    }
    fn reset(&mut self) -> Result<(), String> {
        self.close_and_drop()?;
        let setup = setup_sql(&self.facts.placement);
        self.send_all(&setup[teardown_sql().len()..], "setting up the topology")?;
        self.shadow = Model::new();
        self.inserted = 0;
        self.mark_seen();
        Ok(())
    }
    fn text(&self, step: &Step) -> Result<String, String> {
        match step.at {
            At::Console => Ok(step.text.to_string()),
            At::Sql { instance, .. } => {
                fill(step.text, instance, &RealNames(&self.facts.placement))
            }
        }
    }
    fn play(&mut self, step: &Step, text: &str) -> Result<Answer, String> {
        let model = model_text(step)?;
        let At::Sql { instance, session } = step.at else {
            super::model::console_line(&self.shadow.b, &model)?;
            let ops = self.derived()?;
            self.mark_seen();
            let p = self.facts.placement.clone();
            let stmts: Vec<String> = ops.iter().flat_map(|o| render(o, &p)).collect();
            self.send_all(&stmts, "the model's log-shipping work")?;
            let note = stmts.is_empty().then(|| {
                "nothing to send: no log backup or restore by the model's jobs in this window (the share and the copy folder are one directory)".to_string()
            });
            return Ok(Answer::Console { sent: stmts, note });
        };
        // The shadow plays the step as the model arm does (the later windows depend on it).
        let shadow_errors = self.shadow.exec(instance, session, &model)?;
        let happened = self.mark_seen();
        if let Some(j) = happened
            .iter()
            .find(|h| h.starts_with("JOB backup") || h.starts_with("JOB restore"))
        {
            return Err(format!("a model job ran in the same second as this statement ({j}); the one-instance translation cannot order them"));
        }
        if let Some(why) = step.model_only_on_one_instance {
            if shadow_errors != step.errors {
                return Err(format!(
                    "the model answered {shadow_errors:?} to a step it plays alone (expected {:?})",
                    step.errors
                ));
            }
            return Ok(Answer::ModelOnly(why.to_string()));
        }
        Ok(Answer::Errors(
            match self.send(Some((instance, session)), text)? {
                Ok(()) => vec![],
                Err(f) => f.numbers.iter().map(|&n| n as i32).collect(),
            },
        ))
    }
    fn sees(&self) -> Option<usize> {
        Some(1)
    }
    fn finish(&mut self) -> Result<(), String> {
        self.close_and_drop()
    }
}

/// tiberius sessions on a named server, in master.
pub struct TiberiusConnect {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
}

impl Connect for TiberiusConnect {
    type E = crate::sqlserver::replay::Tiberius;
    async fn connect(&mut self) -> Result<Self::E, String> {
        use tokio_util::compat::TokioAsyncWriteCompatExt;
        let mut cfg = tiberius::Config::new();
        cfg.host(&self.host);
        cfg.port(self.port);
        cfg.database("master");
        cfg.application_name("drill conform");
        cfg.authentication(tiberius::AuthMethod::sql_server(&self.user, &self.password));
        // Most test servers use a self-signed certificate.
        cfg.trust_cert();
        let (h, p) = (&self.host, self.port);
        let tcp = tokio::net::TcpStream::connect(cfg.get_addr())
            .await
            .map_err(|e| format!("cannot connect to {h},{p}: {e}"))?;
        tcp.set_nodelay(true).map_err(|e| e.to_string())?;
        let c = tiberius::Client::connect(cfg, tcp.compat_write())
            .await
            .map_err(|e| format!("cannot log in to {h},{p}: {e}"))?;
        Ok(crate::sqlserver::replay::Tiberius(c))
    }
}

/// A server that is not there: records every statement with the session it came on and
/// answers from a table (statement -> error numbers; anything else succeeds). For dry runs
/// and tests of the translation; it checks nothing SQL Server would.
#[derive(Clone)]
pub struct Script {
    pub log: std::sync::Arc<std::sync::Mutex<Vec<(usize, String)>>>,
    answers: std::sync::Arc<BTreeMap<String, Vec<u32>>>,
    backup_path: Option<String>,
    version: String,
    sessions: usize,
}

impl Script {
    pub fn new(
        backup_path: Option<&str>,
        version: &str,
        answers: BTreeMap<String, Vec<u32>>,
    ) -> Script {
        Script {
            log: Default::default(),
            answers: std::sync::Arc::new(answers),
            backup_path: backup_path.map(str::to_string),
            version: version.to_string(),
            sessions: 0,
        }
    }
    /// The statements sent, with the number of the session (0: the arm's own).
    pub fn sent(&self) -> Vec<(usize, String)> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

pub struct ScriptSession {
    id: usize,
    s: Script,
}

impl Connect for Script {
    type E = ScriptSession;
    async fn connect(&mut self) -> Result<ScriptSession, String> {
        let id = self.sessions;
        self.sessions += 1;
        Ok(ScriptSession {
            id,
            s: self.clone(),
        })
    }
}

impl Exec for ScriptSession {
    async fn exec(&mut self, sql: &str) -> Result<(), SqlFailure> {
        if let Ok(mut l) = self.s.log.lock() {
            l.push((self.id, sql.to_string()));
        }
        match self.s.answers.get(sql) {
            Some(n) if !n.is_empty() => Err(SqlFailure {
                numbers: n.clone(),
                message: format!("scripted error {}", n[0]),
            }),
            _ => Ok(()),
        }
    }
    async fn query(
        &mut self,
        sql: &str,
        _: &[&str],
    ) -> Result<crate::sqlserver::observe::ResultSet, String> {
        if sql != FACTS_SQL {
            return Err(format!(
                "the script answers no query but the server facts: {sql}"
            ));
        }
        let mut row = BTreeMap::new();
        row.insert("backup_path".to_string(), self.s.backup_path.clone());
        row.insert("version".to_string(), Some(self.s.version.clone()));
        Ok(crate::sqlserver::observe::ResultSet { rows: vec![row] })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conform::runner::fill;

    #[test]
    fn the_backup_directory_comes_from_the_server_or_dir() {
        let f = ServerFacts::from_row(
            Some("/var/opt/mssql/data/"),
            "Microsoft SQL Server 2022 ... on Linux (Ubuntu 22.04)",
            None,
        )
        .unwrap();
        assert_eq!(
            f.placement,
            Placement {
                dir: "/var/opt/mssql/data".into(),
                sep: '/'
            }
        );
        assert!(f.linux);
        let f = ServerFacts::from_row(
            Some("C:\\Program Files\\MSSQL\\Backup\\"),
            "Microsoft SQL Server 2019 ... on Windows Server 2022",
            None,
        )
        .unwrap();
        assert_eq!(
            f.placement.file("x.bak"),
            "C:\\Program Files\\MSSQL\\Backup\\x.bak"
        );
        assert!(!f.linux);
        // Before SQL Server 2019 the property is NULL: --dir, or a clear error.
        let e = ServerFacts::from_row(None, "Microsoft SQL Server 2016", None).unwrap_err();
        assert!(e.contains("--dir"), "{e}");
        let f = ServerFacts::from_row(None, "Microsoft SQL Server 2016", Some("E:\\bk")).unwrap();
        assert_eq!(f.placement.file("x.bak"), "E:\\bk\\x.bak");
        assert!(ServerFacts::from_row(None, "", Some("/tmp/a\nb")).is_err());
    }

    #[test]
    fn placeholders_fill_with_drill_owned_names_and_quoted_paths() {
        let p = Placement {
            dir: "/srv/o'brien".into(),
            sep: '/',
        };
        let n = RealNames(&p);
        assert_eq!(
            fill("RESTORE DATABASE {mgc} FROM DISK = N'{share:mgc_full.bak}' WITH NORECOVERY{move}", Instance::Backup, &n).unwrap(),
            "RESTORE DATABASE drill_conform_mgc_backup FROM DISK = N'/srv/o''brien/drill_conform_mgc_full.bak' WITH NORECOVERY, MOVE N'mgc' TO N'/srv/o''brien/drill_conform_mgc_backup.mdf', MOVE N'mgc_log' TO N'/srv/o''brien/drill_conform_mgc_backup_log.ldf'"
        );
        // Primary's copy keeps its own files: no MOVE.
        assert_eq!(fill("x{move}", Instance::Primary, &n).unwrap(), "x");
        assert!(fill("USE {mgc}", Instance::Mirror, &n)
            .unwrap_err()
            .contains("no copy of mgc on mirror"));
        assert!(fill("USE {db}", Instance::Primary, &n)
            .unwrap_err()
            .contains("unknown placeholder"));
        assert!(fill("USE {mgc", Instance::Primary, &n).is_err());
        assert!(owned_only(
            &fill(
                "BACKUP LOG {mgccomp} TO DISK = N'{share:mgccomp.trn}'{init}",
                Instance::Primary,
                &n
            )
            .unwrap()
        )
        .is_ok());
    }

    #[test]
    fn the_guard_reads_names_where_sql_server_does() {
        let (dbs, files) =
            touched("RESTORE LOG [a]]b] FROM DISK = N'/x/y''z.trn' WITH NORECOVERY").unwrap();
        assert_eq!(dbs, ["a]b"]);
        assert_eq!(files, ["/x/y'z.trn"]);
        let (dbs, _) = touched("DROP DATABASE IF EXISTS [drill_conform_mgc];").unwrap();
        assert_eq!(dbs, ["drill_conform_mgc"]);
        let (dbs, _) = touched(
            "INSERT INTO [drill_conform_mgc].dbo.chat_write (id) SELECT 1 FROM sys.all_objects",
        )
        .unwrap();
        assert_eq!(dbs, ["drill_conform_mgc"]);
        assert!(touched("KILL 53").is_err());
        assert!(owned_only(
            "RESTORE LOG drill_conform_mgc_backup FROM DISK = N'/d/other.trn' WITH NORECOVERY"
        )
        .is_err());
        assert!(owned_only("-- DROP DATABASE [master]").is_ok());
        // A block comment is not the name; the name after it is (SQL Server's reading).
        assert!(owned_only("DROP DATABASE /* [drill_conform_mgc] */ [master]").is_err());
        assert!(owned_only("DROP DATABASE \"drill_conform_mgc\"").is_ok());
        assert!(owned_only("USE [drill_conform_mgc]; DROP DATABASE [master]").is_err());
        assert!(touched("/* one */ KILL 53").is_err());
        assert!(touched("DROP DATABASE [unterminated").is_err());
    }
}
