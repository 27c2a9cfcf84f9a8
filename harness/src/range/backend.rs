//! The range's model backend: a [`Backend`] over one [`Live`] model shared by the five
//! endpoints. Each statement is applied to the model through the runbook actions' code
//! (`sim::steps::apply`) and answered as SQL Server answers: INFO messages on success,
//! ERROR tokens (number, state 1, class, SQL Server's text) then the 3013/5069 line on
//! failure, and a clear SQL Server-style error for anything the range does not model.

use super::catalog::{self, InstanceCatalog};
use super::reply::{Backend, Login, Param, Reply, ResultSet, Session, SqlMessage, Value};
use super::statement::{Located, Partner, Recovery, SelectFn, SqlResult, Statement};
use sim::live::Live;
use sim::runbook::Action;
use sim::sqlerror::{CmdletError, Failure, Statement as St};
use sim::steps::Effect;
use sim::topology::{Db, Instance};
use sim::world::DbState;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Parses a batch into statements (the T-SQL front end's `tsql::parse_batch`).
pub type ParseFn = fn(&str) -> SqlResult<Vec<Located>>;

/// The message number the range uses for what it does not model (50000: the number SQL
/// Server gives a RAISERROR with text, so clients show it like any other error).
pub const NOT_MODELLED: i32 = 50000;

/// The simulated clock: `base_s` plus real time elapsed times `speed` (0: moved by hand).
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    pub speed: f64,
    started: Instant,
    base_s: u64,
}

impl Clock {
    pub fn new(speed: f64) -> Clock {
        Clock {
            speed,
            started: Instant::now(),
            base_s: 0,
        }
    }
    /// Simulated seconds now.
    pub fn now_s(&self) -> u64 {
        let run = self.started.elapsed().as_secs_f64() * self.speed;
        self.base_s.saturating_add(run as u64)
    }
    /// Move the clock by hand (the console's `advance`).
    pub fn advance(&mut self, by_s: u64) {
        self.base_s = self.base_s.saturating_add(by_s);
    }
}

pub struct ModelBackend {
    state: Mutex<State>,
    user: String,
    password: String,
    parse: ParseFn,
    select: SelectFn,
    next_spid: AtomicU16,
    /// The control surface (control.rs) answers; off: its EXEC gets 2812 as on SQL Server.
    control: bool,
}

pub struct State {
    pub live: Live,
    pub clock: Clock,
}

impl State {
    /// Bring the model to the clock's time.
    pub fn tick(&mut self) {
        let t = self.clock.now_s();
        self.live.advance_to(t);
    }
}

fn msg(number: i32, class: u8, text: impl Into<String>) -> SqlMessage {
    SqlMessage {
        number,
        state: 1,
        class,
        text: text.into(),
        procedure: String::new(),
        line: 1,
    }
}

fn instance(endpoint: usize) -> Instance {
    Instance::ALL[endpoint.min(Instance::ALL.len() - 1)]
}

fn db_of(name: &str) -> Option<Db> {
    match name.to_ascii_lowercase().as_str() {
        "mgc" => Some(Db::Mgc),
        "mgccomp" => Some(Db::Mgccomp),
        _ => None,
    }
}

/// A failure of the model as SQL Server's messages: the error, then 3013/5069.
pub fn failure_messages(f: &Failure, line: u32) -> Vec<SqlMessage> {
    let mut v = Vec::new();
    match f {
        Failure::Sql(e, st) => {
            v.push(msg(e.number() as i32, e.level(), e.message()));
            if let Some((n, t)) = st.terminating() {
                v.push(msg(n as i32, 16, t));
            }
        }
        Failure::Cmdlet(CmdletError::InstanceUnreachable(i)) => v.push(msg(
            NOT_MODELLED,
            16,
            format!("drill range: instance {i} is down in the model; a real client would have lost its connection"),
        )),
        other => v.push(msg(NOT_MODELLED, 16, other.render())),
    }
    for m in &mut v {
        m.line = line;
    }
    v
}

/// "Processed N pages ..." and "X successfully processed N pages in 0.012 seconds ...".
fn processed(what: &str, db: Db, data_pages: u64, log_pages: u64, line: u32) -> Vec<SqlMessage> {
    let mut v = Vec::new();
    if data_pages > 0 || what.contains("DATABASE") {
        v.push(msg(
            4035,
            0,
            format!("Processed {data_pages} pages for database '{db}', file '{db}' on file 1."),
        ));
    }
    v.push(msg(
        4035,
        0,
        format!("Processed {log_pages} pages for database '{db}', file '{db}_log' on file 1."),
    ));
    let pages = data_pages + log_pages;
    // The model has no duration for a statement; 0.012 s is a fixed, visible stand-in.
    let mb_s = pages as f64 * 8.0 / 1024.0 / 0.012;
    v.push(msg(
        3014,
        0,
        format!("{what} successfully processed {pages} pages in 0.012 seconds ({mb_s:.3} MB/sec)."),
    ));
    for m in &mut v {
        m.line = line;
    }
    v
}

impl ModelBackend {
    pub fn new(
        live: Live,
        clock: Clock,
        user: &str,
        password: &str,
        parse: ParseFn,
        select: SelectFn,
    ) -> ModelBackend {
        ModelBackend {
            state: Mutex::new(State { live, clock }),
            user: user.into(),
            password: password.into(),
            parse,
            select,
            next_spid: AtomicU16::new(51),
            control: false,
        }
    }

    /// Turn the control surface (`EXEC drill_range_console`) on (`drill range --control`).
    pub fn with_control(mut self, on: bool) -> ModelBackend {
        self.control = on;
        self
    }

    /// The model and clock, locked (the console uses it between batches).
    pub fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while locked cannot leave the model half-changed in a way later calls
        // rely on more than on the rest of the session: keep serving.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A console action (a cmdlet line, `copy`): applied at the clock's time, recorded.
    pub fn act(&self, text: &str, a: &Action) -> Result<Effect, Failure> {
        let mut st = self.lock();
        st.tick();
        st.live.act(text, a)
    }

    /// Run already-parsed statements (what `batch` does after parsing; tests call it).
    pub fn run_statements(
        &self,
        endpoint: usize,
        session: &mut Session,
        stmts: &[Located],
        params: &[Param],
        text: &str,
    ) -> Vec<Reply> {
        let mut st = self.lock();
        st.tick();
        let i = instance(endpoint);
        let mut out = Vec::new();
        if let Some(m) = session_gone(&mut st.live, i, session.spid) {
            out.push(Reply::Message(m));
            out.push(Reply::Done {
                rows: None,
                error: true,
            });
            return out;
        }
        for (k, l) in stmts.iter().enumerate() {
            let stmt_text = if stmts.len() == 1 {
                text.trim().to_string()
            } else {
                statement_text(text, stmts, k)
            };
            self.statement(&mut st, i, session, l, params, &stmt_text, &mut out);
        }
        if out.is_empty() {
            out.push(Reply::Done {
                rows: None,
                error: false,
            });
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn statement(
        &self,
        st: &mut State,
        i: Instance,
        session: &mut Session,
        l: &Located,
        params: &[Param],
        text: &str,
        out: &mut Vec<Reply>,
    ) {
        let line = l.line;
        let fail = |out: &mut Vec<Reply>, ms: Vec<SqlMessage>| {
            out.extend(ms.into_iter().map(Reply::Message));
            out.push(Reply::Done {
                rows: None,
                error: true,
            });
        };
        let not_modelled = |out: &mut Vec<Reply>, what: String| {
            let mut m = msg(NOT_MODELLED, 16, format!("drill range: {what}"));
            m.line = line;
            fail(out, vec![m]);
        };
        let ok = |out: &mut Vec<Reply>, ms: Vec<SqlMessage>| {
            out.extend(ms.into_iter().map(Reply::Message));
            out.push(Reply::Done {
                rows: None,
                error: false,
            });
        };
        // A statement on a database the model does not hold.
        let unknown_db = |out: &mut Vec<Reply>, name: &str| {
            let mut m = msg(
                911,
                16,
                format!("Database '{name}' does not exist. Make sure that the name is entered correctly."),
            );
            m.line = line;
            fail(out, vec![m]);
        };
        match &l.statement {
            Statement::Select(sql) => {
                let cat = InstanceCatalog {
                    live: &st.live,
                    instance: i,
                    spid: session.spid,
                };
                match (self.select)(sql, &cat, params) {
                    Ok(rs) => {
                        let n = rs.rows.len() as u64;
                        out.push(Reply::Rows(rs));
                        out.push(Reply::Done {
                            rows: Some(n),
                            error: false,
                        });
                    }
                    Err(mut m) => {
                        m.line = m.line.max(line);
                        fail(out, vec![m]);
                    }
                }
            }
            Statement::Use { database } => match use_database(&st.live, i, database) {
                Ok(name) => {
                    session.database = name.clone();
                    st.live.session_database(i, session.spid, &name);
                    out.push(Reply::Database(name.clone()));
                    let mut m = msg(5701, 0, format!("Changed database context to '{name}'."));
                    m.line = line;
                    ok(out, vec![m]);
                }
                Err(m) => fail(out, vec![SqlMessage { line, ..m }]),
            },
            Statement::BackupDatabase { database, disk, .. } => {
                let Some(db) = db_of(database) else {
                    return unknown_db(out, database);
                };
                let a = Action::BackupFullToShare {
                    instance: i,
                    database: db,
                };
                match st.live.act(text, &a) {
                    Ok(_) => {
                        st.live.name_newest_file(disk);
                        let pages = full_pages(&st.live, db);
                        ok(out, processed("BACKUP DATABASE", db, pages, 2, line));
                    }
                    Err(f) => fail(out, failure_messages(&f, line)),
                }
            }
            Statement::BackupLog {
                database,
                disk,
                norecovery,
                ..
            } => {
                let Some(db) = db_of(database) else {
                    return unknown_db(out, database);
                };
                let r = if *norecovery {
                    let a = Action::BackupTailLog {
                        instance: i,
                        database: db,
                    };
                    st.live.act(text, &a).map(|_| ())
                } else {
                    st.live.backup_log(text, i, db).map(|_| ())
                };
                match r {
                    Ok(()) => {
                        st.live.name_newest_file(disk);
                        let pages = st
                            .live
                            .newest_file()
                            .map_or(1, |f| log_pages(f.writes.len()));
                        ok(out, processed("BACKUP LOG", db, 0, pages, line));
                    }
                    Err(f) => fail(out, failure_messages(&f, line)),
                }
            }
            Statement::RestoreDatabase {
                database,
                disk,
                recovery,
                replace,
                moves: _,
            } => {
                let Some(db) = db_of(database) else {
                    return unknown_db(out, database);
                };
                if let Some(m) = exclusive(&st.live, i, db, session.spid, St::RestoreDatabase) {
                    return fail(out, with_line(m, line));
                }
                let recover = match recovery {
                    Recovery::Recovery => true,
                    Recovery::NoRecovery => false,
                    Recovery::Standby(_) => {
                        return not_modelled(
                            out,
                            "RESTORE ... WITH STANDBY is not modelled on the range; use NORECOVERY or RECOVERY".into(),
                        )
                    }
                };
                match disk {
                    None if recover => {
                        let a = Action::KillSessionsAndRecover {
                            instance: i,
                            database: db,
                        };
                        match st.live.act(text, &a) {
                            Ok(_) => ok(out, processed("RESTORE DATABASE", db, 0, 0, line)[2..].to_vec()),
                            Err(f) => fail(out, failure_messages(&f, line)),
                        }
                    }
                    None => not_modelled(
                        out,
                        "RESTORE DATABASE without FROM needs WITH RECOVERY on the range".into(),
                    ),
                    Some(d) => match st.live.is_newest_full(db, d) {
                        None => fail(
                            out,
                            failure_messages(&Live::missing_file(d, St::RestoreDatabase), line),
                        ),
                        Some(false) => not_modelled(
                            out,
                            format!("'{d}' is not the newest full backup of {db} on the share; the model restores the newest one (RestoreFullFromShare)"),
                        ),
                        Some(true) => {
                            let a = Action::RestoreFullFromShare {
                                instance: i,
                                database: db,
                                replace: *replace,
                                recovery: recover,
                            };
                            match st.live.act(text, &a) {
                                Ok(_) => {
                                    let pages = full_pages(&st.live, db);
                                    ok(out, processed("RESTORE DATABASE", db, pages, 2, line))
                                }
                                Err(f) => fail(out, failure_messages(&f, line)),
                            }
                        }
                    },
                }
            }
            Statement::RestoreLog {
                database,
                disk,
                recovery,
            } => {
                let Some(db) = db_of(database) else {
                    return unknown_db(out, database);
                };
                if let Some(m) = exclusive(&st.live, i, db, session.spid, St::RestoreLog) {
                    return fail(out, with_line(m, line));
                }
                if matches!(recovery, Recovery::Standby(_)) {
                    return not_modelled(
                        out,
                        "RESTORE LOG ... WITH STANDBY is not modelled on the range; use NORECOVERY or RECOVERY".into(),
                    );
                }
                let Some(newest) = st.live.copy_folder_index(db, disk) else {
                    return fail(
                        out,
                        failure_messages(&Live::missing_file(disk, St::RestoreLog), line),
                    );
                };
                let pages = st
                    .live
                    .world()
                    .files
                    .iter()
                    .rev()
                    .filter(|f| {
                        f.database == db
                            && f.kind == sim::world::BackupKind::Log
                            && f.in_copy_folder != sim::world::FileState::Absent
                    })
                    .nth(newest as usize)
                    .map_or(1, |f| log_pages(f.writes.len()));
                let a = Action::RestoreLogFile {
                    instance: i,
                    database: db,
                    newest,
                };
                match st.live.act(text, &a) {
                    Err(f) => fail(out, failure_messages(&f, line)),
                    Ok(_) if *recovery == Recovery::Recovery => {
                        let r = Action::KillSessionsAndRecover {
                            instance: i,
                            database: db,
                        };
                        match st.live.act(text, &r) {
                            Ok(_) => ok(out, processed("RESTORE LOG", db, 0, pages, line)),
                            Err(f) => fail(out, failure_messages(&f, line)),
                        }
                    }
                    Ok(_) => ok(out, processed("RESTORE LOG", db, 0, pages, line)),
                }
            }
            Statement::AlterDatabasePartner { database, partner } => {
                let Some(db) = db_of(database) else {
                    let mut m = msg(
                        5011,
                        14,
                        format!("User does not have permission to alter database '{database}', the database does not exist, or the database is not in a state that allows access checks."),
                    );
                    m.line = line;
                    let mut t = msg(5069, 16, "ALTER DATABASE statement failed.");
                    t.line = line;
                    return fail(out, vec![m, t]);
                };
                match partner {
                    Partner::Off => {
                        let a = Action::RemoveMirroring {
                            instance: i,
                            database: db,
                        };
                        match st.live.act(text, &a) {
                            Ok(_) => ok(out, vec![]),
                            Err(f) => fail(out, failure_messages(&f, line)),
                        }
                    }
                    other => not_modelled(
                        out,
                        format!("ALTER DATABASE ... SET PARTNER {other:?} is not modelled on the range (the model's mirroring fails over by itself when the witness and mirror have quorum)"),
                    ),
                }
            }
            Statement::AlterDatabaseWitness { .. } => not_modelled(
                out,
                "ALTER DATABASE ... SET WITNESS is not modelled on the range".into(),
            ),
            Statement::Exec { procedure, args } => {
                self.exec(st, i, session, procedure, args, text, line, out)
            }
            Statement::Kill { spid } => {
                if *spid == session.spid {
                    let mut m = msg(6104, 16, "Cannot use KILL to kill your own process.");
                    m.line = line;
                    return fail(out, vec![m]);
                }
                if st.live.kill_session(i, *spid) {
                    return ok(out, vec![]);
                }
                let server = catalog::session_rows(&st.live, i, session.spid)
                    .iter()
                    .any(|s| s.spid == *spid);
                if server {
                    return not_modelled(
                        out,
                        format!("session {spid} is a Persistent Chat server's; the model ends those with RESTORE DATABASE ... WITH RECOVERY (F4: sp_who2, KILL, then recovery)"),
                    );
                }
                let mut m = msg(6106, 16, format!("Process ID {spid} is not an active process ID."));
                m.line = line;
                fail(out, vec![m])
            }
            Statement::CreateDatabase { database } | Statement::DropDatabase { database } => {
                not_modelled(
                    out,
                    format!("CREATE/DROP DATABASE {database} is not modelled on the range (it holds mgc and mgccomp only)"),
                )
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn exec(
        &self,
        st: &mut State,
        i: Instance,
        session: &Session,
        procedure: &str,
        args: &[(Option<String>, Value)],
        text: &str,
        line: u32,
        out: &mut Vec<Reply>,
    ) {
        let arg_db = || {
            args.first()
                .and_then(|(_, v)| match v {
                    Value::Text(s) => Some(s.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| session.database.clone())
        };
        let done = |out: &mut Vec<Reply>, r: Result<Effect, Failure>| match r {
            Ok(_) => out.push(Reply::Done {
                rows: None,
                error: false,
            }),
            Err(f) => {
                out.extend(failure_messages(&f, line).into_iter().map(Reply::Message));
                out.push(Reply::Done {
                    rows: None,
                    error: true,
                });
            }
        };
        match procedure {
            p if p == super::control::PROCEDURE && self.control => {
                let arg = match args.first() {
                    Some((_, Value::Text(t))) => Some(t.as_str()),
                    _ => None,
                };
                super::control::exec(st, arg, line, out)
            }
            "sp_who2" => {
                let rows = sp_who2(&st.live, i, session.spid);
                let n = rows.rows.len() as u64;
                out.push(Reply::Rows(rows));
                out.push(Reply::Done {
                    rows: Some(n),
                    error: false,
                });
            }
            "sp_delete_log_shipping_secondary_database"
            | "sp_delete_log_shipping_primary_database" => {
                let name = arg_db();
                let Some(db) = db_of(&name) else {
                    let mut m = msg(
                        NOT_MODELLED,
                        16,
                        format!("drill range: {procedure}: '{name}' is not a log-shipping database here"),
                    );
                    m.line = line;
                    out.push(Reply::Message(m));
                    out.push(Reply::Done {
                        rows: None,
                        error: true,
                    });
                    return;
                };
                let a = if procedure.contains("secondary") {
                    Action::DeleteLogShippingSecondary {
                        instance: i,
                        database: db,
                    }
                } else {
                    Action::DeleteLogShippingPrimary {
                        instance: i,
                        database: db,
                    }
                };
                let r = st.live.act(text, &a);
                done(out, r)
            }
            p => {
                let mut m = if p.starts_with("sp_add_log_shipping") {
                    msg(
                        NOT_MODELLED,
                        16,
                        format!("drill range: {p} is not modelled step by step; configure log shipping with the runbook action configure_log_shipping (drill run)"),
                    )
                } else {
                    msg(2812, 16, format!("Could not find stored procedure '{p}'."))
                };
                m.line = line;
                out.push(Reply::Message(m));
                out.push(Reply::Done {
                    rows: None,
                    error: true,
                });
            }
        }
    }
}

/// What every message that ends a session says: the wire closes the connection after a
/// class 20 or higher error (database-engine-error-severities.md: 20-24 are fatal, "the
/// application connection to the instance ... may also terminate"), and a client that
/// replays on the range (sqlserver::range) reconnects when it sees it.
pub const SESSION_ENDED: &str = "the connection is closed";

/// The severity of a message that ends the session (fatal: the wire then closes).
pub const FATAL: u8 = 20;

/// A login to an instance that is down in the model: refused, as a real client cannot
/// reach a stopped instance (the range says why instead of timing out).
pub fn instance_down_login(i: Instance) -> SqlMessage {
    msg(
        NOT_MODELLED,
        FATAL,
        format!("drill range: instance {i} is down in the model (a fault); a login fails until it is back, as with a stopped SQL Server instance; {SESSION_ENDED}."),
    )
}

/// The session's next request after the model ended it (its instance went down, or KILL):
/// one fatal error, then the wire closes the connection. A real instance that stops or
/// crashes ends every session in it and its clients see their connection broken; KILL
/// ends the session and its connection (kill-transact-sql.md). None: the session lives.
fn session_gone(live: &mut Live, i: Instance, spid: u16) -> Option<SqlMessage> {
    let why = match live.take_ended(i, spid) {
        Some(sim::live::Ended::InstanceDown { t_s }) => {
            if live.instance_up(i) {
                format!("instance {i} went down in the model at {} (a fault) and ended every session in it, this one too; connect again", hms(t_s))
            } else {
                format!("instance {i} is down in the model (a fault at {}): it ended every session in it, this one too", hms(t_s))
            }
        }
        Some(sim::live::Ended::Killed { t_s }) => {
            format!("session {spid} was ended by KILL at {}", hms(t_s))
        }
        // Defensive: a down instance holds no session (the model ends them as it goes down).
        None if !live.instance_up(i) => {
            format!("instance {i} is down in the model (a fault)")
        }
        None => return None,
    };
    Some(msg(
        NOT_MODELLED,
        FATAL,
        format!("drill range: {why}; {SESSION_ENDED}."),
    ))
}

fn hms(t: u64) -> String {
    super::console::hms(t)
}

/// The SELECT evaluator to use until one is given: every SELECT gets Msg 50000.
pub fn select_unavailable(
    _sql: &str,
    _catalog: &dyn super::statement::Catalog,
    _params: &[Param],
) -> SqlResult<ResultSet> {
    Err(msg(
        NOT_MODELLED,
        16,
        "drill range: SELECT is not available in this build of the range",
    ))
}

/// sp_who2's result set (its documented columns; CPUTime and DiskIO are 0).
pub fn sp_who2(live: &Live, i: Instance, me: u16) -> ResultSet {
    use super::reply::{Column, SqlType};
    let names = [
        "SPID",
        "Status",
        "Login",
        "HostName",
        "BlkBy",
        "DBName",
        "Command",
        "CPUTime",
        "DiskIO",
        "LastBatch",
        "ProgramName",
        "SPID",
    ];
    let columns = names
        .iter()
        .map(|n| Column {
            name: n.to_string(),
            ty: SqlType::NVarChar(128),
        })
        .collect();
    let rows = catalog::session_rows(live, i, me)
        .into_iter()
        .map(|s| {
            let spid = format!("{:>5}", s.spid);
            vec![
                Value::Text(spid.clone()),
                Value::Text(s.status.to_uppercase()),
                Value::Text(s.login),
                Value::Text(s.host),
                Value::Text("  .".into()),
                Value::Text(s.database),
                Value::Text(
                    if s.spid == me {
                        "SELECT INTO"
                    } else {
                        "AWAITING COMMAND"
                    }
                    .into(),
                ),
                Value::Text("0".into()),
                Value::Text("0".into()),
                Value::Text("01/01 00:00:00".into()),
                Value::Text(s.program),
                Value::Text(spid),
            ]
        })
        .collect();
    ResultSet { columns, rows }
}

fn with_line(mut v: Vec<SqlMessage>, line: u32) -> Vec<SqlMessage> {
    for m in &mut v {
        m.line = line;
    }
    v
}

/// 3101 when another range session is in the database (3102 when it is this one): the
/// model's own check (chat servers' sessions) runs inside the action. Mirroring (3104) is
/// checked first, as the model checks it before sessions.
fn exclusive(live: &Live, i: Instance, db: Db, spid: u16, st: St) -> Option<Vec<SqlMessage>> {
    if live.world().db(i, db).mirroring.is_some() {
        return None;
    }
    let terminating = st.terminating().map(|(n, t)| msg(n as i32, 16, t));
    let mine = live
        .sessions(i)
        .iter()
        .any(|(s, d)| *s == spid && *d == db.to_string());
    let first = if live.others_in(i, db, spid) > 0 {
        msg(
            3101,
            16,
            "Exclusive access could not be obtained because the database is in use.",
        )
    } else if mine {
        msg(
            3102,
            16,
            format!("RESTORE cannot process database '{db}' because it is in use by this session. It is recommended that the master database be used when performing this operation."),
        )
    } else {
        return None;
    };
    Some(std::iter::once(first).chain(terminating).collect())
}

/// USE: the database must exist (911), not be restoring (927) nor a mirror (954).
fn use_database(live: &Live, i: Instance, name: &str) -> Result<String, SqlMessage> {
    let lower = name.to_ascii_lowercase();
    if ["master", "tempdb", "model", "msdb"].contains(&lower.as_str()) {
        return Ok(lower);
    }
    let missing = || {
        msg(
            911,
            16,
            format!(
                "Database '{name}' does not exist. Make sure that the name is entered correctly."
            ),
        )
    };
    let db = db_of(name).ok_or_else(missing)?;
    let c = live.world().db(i, db);
    if c.role() == Some(sim::world::MirrorRole::Mirror) && c.state != DbState::Absent {
        let e = sim::sqlerror::SqlError::E954 { db };
        return Err(msg(954, e.level(), e.message()));
    }
    match c.state {
        DbState::Absent => Err(missing()),
        DbState::Restoring => {
            let e = sim::sqlerror::SqlError::E927 { db };
            Err(msg(927, e.level(), e.message()))
        }
        DbState::Online | DbState::Standby => Ok(db.to_string()),
    }
}

/// Log pages of a log backup: 4 KiB of log per chat write (timing's default), 8 KiB pages.
fn log_pages(writes: u64) -> u64 {
    writes.div_ceil(2).max(1)
}

fn full_pages(live: &Live, db: Db) -> u64 {
    let t = &live.scenario().timing;
    let mb = match db {
        Db::Mgc => t.mgc_size_mb,
        Db::Mgccomp => t.mgccomp_size_mb,
    };
    (mb * 128.0) as u64
}

/// A statement's text for the record when a batch holds several: its lines, up to the
/// next statement's (several on one line, or a batch split by GO: that line or the
/// statement as parsed).
fn statement_text(text: &str, stmts: &[Located], k: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let from = stmts[k].line as usize;
    let to = stmts
        .get(k + 1)
        .map_or(lines.len() + 1, |n| n.line as usize);
    let no_go = !lines.iter().any(|l| l.trim().eq_ignore_ascii_case("go"));
    if no_go && from >= 1 && to > from && to - 1 <= lines.len() {
        lines[from - 1..to - 1].join("\n").trim().to_string()
    } else {
        format!("{:?}", stmts[k].statement)
    }
}

impl Backend for ModelBackend {
    fn server_name(&self, endpoint: usize) -> String {
        catalog::server_name(instance(endpoint))
    }

    fn login(&self, endpoint: usize, login: &Login) -> Result<Session, SqlMessage> {
        // Compare both before deciding, so a wrong user and a wrong password look alike.
        let user_ok = login.user == self.user;
        let pass_ok = login.password == self.password;
        if !(user_ok && pass_ok) {
            let mut m = msg(
                18456,
                14,
                format!("Login failed for user '{}'.", login.user),
            );
            m.state = 1;
            return Err(m);
        }
        let i = instance(endpoint);
        let spid = self.next_spid.fetch_add(1, Ordering::Relaxed).max(51);
        let mut st = self.lock();
        st.tick();
        if !st.live.instance_up(i) {
            return Err(instance_down_login(i));
        }
        let database = if login.database.is_empty() {
            "master".to_string()
        } else {
            use_database(&st.live, i, &login.database).map_err(|mut m| {
                // A login whose initial database cannot be opened fails (4060).
                m.number = 4060;
                m.class = 11;
                m.text = format!(
                    "Cannot open database \"{}\" requested by the login. The login failed.",
                    login.database
                );
                m
            })?
        };
        st.live.session_database(i, spid, &database);
        Ok(Session { spid, database })
    }

    fn batch(
        &self,
        endpoint: usize,
        session: &mut Session,
        sql: &str,
        params: &[Param],
    ) -> Vec<Reply> {
        match (self.parse)(sql) {
            Ok(stmts) => self.run_statements(endpoint, session, &stmts, params, sql),
            Err(m) => vec![
                Reply::Message(m),
                Reply::Done {
                    rows: None,
                    error: true,
                },
            ],
        }
    }

    fn attention(&self, _endpoint: usize, _session: &Session) {
        // Statements are applied whole under the lock: a cancel arrives between them and
        // leaves the model as the last completed statement left it.
    }

    fn logout(&self, endpoint: usize, session: &Session) {
        self.lock().live.logout(instance(endpoint), session.spid);
    }
}
