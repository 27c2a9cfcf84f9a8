//! Arm (a), the model: the range's backend called directly, as the wire would; and arm
//! (b), the range over TDS: the range's listeners in front of the same backend, tiberius as
//! the client. Both start a fresh range per case on the conformance scenario.

use super::cases::{At, Step};
use super::runner::{fill, Answer, Arm, Names};
use crate::range::backend::{select_unavailable, Clock, ModelBackend};
use crate::range::reply::{Backend, Login, Reply, Session};
use crate::range::server::{RangeServer, ServeConfig};
use crate::range::{console, tsql};
use sim::live::Live;
use sim::topology::{Db, Instance};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio_util::compat::TokioAsyncWriteCompatExt;

/// The login of every conformance session on the range (the range is private to the run).
const USER: &str = "drill";
const PASSWORD: &str = "Conform#1";

/// The conformance scenario's file: a range started elsewhere for `drill conform --range
/// HOST:P1,..,P5` plays this file (`drill range --control --speed 0 SCENARIO_FILE`).
pub const SCENARIO_FILE: &str = "harness/src/conform/scenario.json";

/// The scenario every case plays on: the default topology, normal operation.
pub fn scenario() -> sim::scenario::Scenario {
    serde_json::from_str(include_str!("scenario.json")).expect("the conformance scenario is valid")
}

pub fn backend() -> Arc<ModelBackend> {
    backend_on(&scenario())
}

pub fn backend_on(s: &sim::scenario::Scenario) -> Arc<ModelBackend> {
    Arc::new(ModelBackend::new(
        Live::new(s),
        Clock::new(0.0),
        USER,
        PASSWORD,
        tsql::parse_batch,
        select_unavailable,
    ))
}

fn login() -> Login {
    Login {
        user: USER.into(),
        password: PASSWORD.into(),
        database: String::new(),
        app_name: "drill conform".into(),
        host_name: "drill conform".into(),
    }
}

/// The scenario's own names: exactly what an operator types on the range.
pub struct ModelNames;

pub const COPY_FOLDER: &str = "D:\\LogShipCopy\\";
pub const SHARE: &str = "\\\\fs-dc2\\logship\\";

impl Names for ModelNames {
    fn database(&self, _: Instance, db: Db) -> Option<String> {
        Some(db.to_string())
    }
    fn copy(&self, file: &str) -> String {
        format!("{COPY_FOLDER}{file}")
    }
    fn share(&self, file: &str) -> String {
        format!("{SHARE}{file}")
    }
    fn move_clause(&self, _: Instance) -> String {
        String::new()
    }
    fn init(&self) -> &'static str {
        ""
    }
}

pub fn model_text(step: &Step) -> Result<String, String> {
    match step.at {
        At::Console => Ok(step.text.to_string()),
        At::Sql { instance, .. } => fill(step.text, instance, &ModelNames),
    }
}

/// A console line on the backend; its answer, or the error line it printed.
pub fn console_line(b: &ModelBackend, line: &str) -> Result<String, String> {
    let (out, _) = console::line(b, console::cmdlet_unavailable, line);
    if out.contains("!!") || out.starts_with("advance:") || out.starts_with("act:") {
        return Err(format!("the console answered: {out}"));
    }
    Ok(out)
}

/// The model with its sessions: arm (a), and the real arm's shadow.
pub struct Model {
    pub b: Arc<ModelBackend>,
    sessions: BTreeMap<(Instance, u8), Session>,
}

impl Model {
    pub fn new() -> Model {
        Model::on(&scenario())
    }

    /// The model of another scenario (tests: one with its log-shipping jobs off).
    pub fn on(s: &sim::scenario::Scenario) -> Model {
        Model {
            b: backend_on(s),
            sessions: BTreeMap::new(),
        }
    }

    /// Every error number (class > 10) the batch answers, in order.
    pub fn exec(&mut self, instance: Instance, session: u8, sql: &str) -> Result<Vec<i32>, String> {
        let b = self.b.clone();
        let ep = instance.index();
        let s = match self.sessions.entry((instance, session)) {
            std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::btree_map::Entry::Vacant(v) => v.insert(
                b.login(ep, &login())
                    .map_err(|m| format!("login to {instance} refused: {}", m.text))?,
            ),
        };
        Ok(b.batch(ep, s, sql, &[])
            .into_iter()
            .filter_map(|r| match r {
                Reply::Message(m) if m.class > 10 => Some(m.number),
                _ => None,
            })
            .collect())
    }
}

impl Default for Model {
    fn default() -> Self {
        Model::new()
    }
}

impl Arm for Model {
    fn name(&self) -> String {
        "model".into()
    }
    fn reset(&mut self) -> Result<(), String> {
        *self = Model::new();
        Ok(())
    }
    fn text(&self, step: &Step) -> Result<String, String> {
        model_text(step)
    }
    fn play(&mut self, step: &Step, text: &str) -> Result<Answer, String> {
        match step.at {
            At::Console => console_line(&self.b, text).map(|_| Answer::Console {
                sent: vec![],
                note: None,
            }),
            At::Sql { instance, session } => self.exec(instance, session, text).map(Answer::Errors),
        }
    }
}

type Client = tiberius::Client<tokio_util::compat::Compat<tokio::net::TcpStream>>;

/// Arm (b): a range started in this process on loopback, over TDS with tiberius.
pub struct Tds {
    rt: tokio::runtime::Runtime,
    b: Arc<ModelBackend>,
    server: Option<RangeServer>,
    clients: BTreeMap<(Instance, u8), Client>,
}

impl Tds {
    pub fn new() -> Result<Tds, String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the async runtime: {e}"))?;
        Ok(Tds {
            rt,
            b: backend(),
            server: None,
            clients: BTreeMap::new(),
        })
    }
}

async fn connect(addr: std::net::SocketAddr) -> Result<Client, String> {
    let mut cfg = tiberius::Config::new();
    cfg.host(addr.ip().to_string());
    cfg.port(addr.port());
    cfg.application_name("drill conform");
    cfg.authentication(tiberius::AuthMethod::sql_server(USER, PASSWORD));
    cfg.encryption(tiberius::EncryptionLevel::NotSupported);
    let tcp = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("cannot connect to the range at {addr}: {e}"))?;
    tcp.set_nodelay(true).map_err(|e| e.to_string())?;
    tiberius::Client::connect(cfg, tcp.compat_write())
        .await
        .map_err(|e| format!("cannot log in to the range at {addr}: {e}"))
}

/// The error numbers of a batch over TDS: tiberius stops at the first ERROR token.
pub async fn first_error(c: &mut Client, sql: &str) -> Result<Vec<i32>, String> {
    let r = match c.simple_query(sql).await {
        Ok(stream) => stream.into_results().await.map(|_| ()),
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Ok(vec![]),
        Err(tiberius::error::Error::Server(t)) => Ok(vec![t.code() as i32]),
        Err(e) => Err(format!("not a server error: {e}")),
    }
}

impl Arm for Tds {
    fn name(&self) -> String {
        "range over TDS (tiberius)".into()
    }
    fn reset(&mut self) -> Result<(), String> {
        self.clients.clear();
        if let Some(s) = self.server.take() {
            s.stop();
        }
        self.b = backend();
        let s = RangeServer::start(ServeConfig::default(), self.b.clone())
            .map_err(|e| format!("cannot start the range: {e}"))?;
        self.server = Some(s);
        Ok(())
    }
    fn text(&self, step: &Step) -> Result<String, String> {
        model_text(step)
    }
    fn play(&mut self, step: &Step, text: &str) -> Result<Answer, String> {
        let At::Sql { instance, session } = step.at else {
            return console_line(&self.b, text).map(|_| Answer::Console {
                sent: vec![],
                note: None,
            });
        };
        let addr = self
            .server
            .as_ref()
            .ok_or("the range is not running")?
            .endpoints()[instance.index()];
        let rt = &self.rt;
        let c = match self.clients.entry((instance, session)) {
            std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::btree_map::Entry::Vacant(v) => v.insert(rt.block_on(connect(addr))?),
        };
        rt.block_on(first_error(c, text)).map(Answer::Errors)
    }
    fn sees(&self) -> Option<usize> {
        Some(1)
    }
    fn finish(&mut self) -> Result<(), String> {
        self.clients.clear();
        if let Some(s) = self.server.take() {
            s.stop();
        }
        Ok(())
    }
}
