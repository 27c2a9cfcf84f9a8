//! Where the probes go: real SQL Server instances or `drill range` over tiberius, or the
//! model (`--dry-run`). Every implementation takes a [`Probe`], never SQL text, so the
//! rehearsal can send nothing but the fixed list (probes.rs).

use super::probes::{self, Probe};
use crate::range::reply::{Column, ResultSet, SqlType, Value};
use sim::observe::Observation;
use sim::topology::{Db, Instance};
use tokio_util::compat::TokioAsyncWriteCompatExt;

/// Runs probes on the back end's instances.
pub trait ProbeConn {
    /// One probe on one instance. Err: the instance cannot be reached or the query failed
    /// (the message, never the password).
    fn query(&mut self, instance: Instance, probe: &Probe) -> Result<ResultSet, String>;
    /// Dry run only: the model state the next probes answer from (others ignore it).
    fn set_model(&mut self, _observation: Option<Observation>) {}
}

/// Wraps a connection and keeps every statement sent, refusing any that is not read-only
/// (a second line of defence; tests read `sent`).
pub struct Recording<C> {
    pub inner: C,
    pub sent: Vec<(Instance, &'static str)>,
}

impl<C: ProbeConn> ProbeConn for Recording<C> {
    fn query(&mut self, instance: Instance, probe: &Probe) -> Result<ResultSet, String> {
        if !probes::read_only(probe.sql()) {
            return Err(format!("probe {} is not read-only; refused", probe.name()));
        }
        self.sent.push((instance, probe.sql()));
        self.inner.query(instance, probe)
    }
    fn set_model(&mut self, observation: Option<Observation>) {
        self.inner.set_model(observation)
    }
}

fn col(name: &str, ty: SqlType) -> Column {
    Column {
        name: name.into(),
        ty,
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn opt(s: &Option<String>) -> Value {
    s.as_deref().map(text).unwrap_or(Value::Null)
}

/// What the model says a probe returns on an instance in this state. The model keeps no
/// restore history or session details, so those come back as they would on a server
/// with the same state: restore history empty, sessions numbered from 51.
pub fn model_result(
    obs: &Observation,
    names: &[String; 5],
    instance: Instance,
    probe: &Probe,
) -> Result<ResultSet, String> {
    let i = obs
        .instances
        .iter()
        .find(|o| o.instance == instance)
        .ok_or("no such instance")?;
    if !i.up {
        return Err(format!(
            "cannot connect to {}: the instance is down (model)",
            names[instance.index()]
        ));
    }
    let name = SqlType::NVarChar(128);
    let desc = SqlType::NVarChar(60);
    let mut rs = ResultSet::default();
    match probe.name() {
        "databases" => {
            rs.columns = vec![
                col("name", name),
                col("state_desc", desc),
                col("is_in_standby", SqlType::Bit),
            ];
            for d in &i.databases {
                rs.rows.push(vec![
                    text(&d.name.to_string()),
                    text(&d.state_desc),
                    Value::Int(d.is_in_standby as i64),
                ]);
            }
        }
        "mirroring" => {
            rs.columns = vec![
                col("name", name),
                col("mirroring_role_desc", desc),
                col("mirroring_state_desc", desc),
                col("mirroring_witness_state_desc", desc),
            ];
            for d in &i.databases {
                rs.rows.push(vec![
                    text(&d.name.to_string()),
                    opt(&d.mirroring_role_desc),
                    opt(&d.mirroring_state_desc),
                    opt(&d.mirroring_witness_state_desc),
                ]);
            }
        }
        "log_shipping_secondary" => {
            rs.columns = vec![
                col("secondary_database", name),
                col("primary_server", name),
                col("last_copied_file", SqlType::NVarChar(500)),
                col("last_restored_file", SqlType::NVarChar(500)),
                col("last_restored_latency", SqlType::Int),
            ];
            if let Some(ls) = &i.log_shipping_secondary {
                rs.rows.push(vec![
                    text("mgc"),
                    text(&names[ls.primary.index()]),
                    opt(&ls.last_copied_file),
                    opt(&ls.last_restored_file),
                    ls.last_restored_latency
                        .map(|v| Value::Int(v as i64))
                        .unwrap_or(Value::Null),
                ]);
            }
        }
        "log_shipping_primary" => {
            rs.columns = vec![
                col("primary_database", name),
                col("backup_directory", SqlType::NVarChar(500)),
                col("backup_share", SqlType::NVarChar(500)),
            ];
            if i.log_shipping_primary {
                rs.rows.push(vec![text("mgc"), Value::Null, Value::Null]);
            }
        }
        "restore_history" => {
            rs.columns = vec![
                col("restore_date", SqlType::DateTime),
                col("restore_type", SqlType::NVarChar(1)),
                col("recovery", SqlType::Bit),
                col("backup_finish_date", SqlType::DateTime),
                col("physical_device_name", SqlType::NVarChar(260)),
            ];
        }
        "sessions" => {
            rs.columns = vec![
                col("session_id", SqlType::SmallInt),
                col("host_name", name),
                col("program_name", name),
            ];
            let n = i
                .databases
                .iter()
                .find(|d| d.name == Db::Mgc)
                .map_or(0, |d| d.sessions);
            for k in 0..n {
                rs.rows.push(vec![
                    Value::Int(51 + k as i64),
                    text("chat server"),
                    text("Persistent Chat"),
                ]);
            }
        }
        other => return Err(format!("unknown probe {other}")),
    }
    Ok(rs)
}

/// `--dry-run`: the model's observation after the step as the operator reported it.
pub struct ModelConn {
    pub observation: Option<Observation>,
    pub names: [String; 5],
}

impl ProbeConn for ModelConn {
    fn query(&mut self, instance: Instance, probe: &Probe) -> Result<ResultSet, String> {
        let obs = self
            .observation
            .as_ref()
            .ok_or("no observation yet (model)")?;
        model_result(obs, &self.names, instance, probe)
    }
    fn set_model(&mut self, observation: Option<Observation>) {
        self.observation = observation;
    }
}

/// Where one instance listens, and how to log in. The password is never printed.
#[derive(Clone)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
}

type Client = tiberius::Client<tokio_util::compat::Compat<tokio::net::TcpStream>>;

/// Real servers or the range, over tiberius. Connections are opened on first use and
/// kept; an instance that cannot be reached is tried again on the next step.
pub struct TiberiusConn {
    rt: tokio::runtime::Runtime,
    endpoints: [Option<Endpoint>; 5],
    user: String,
    password: String,
    trust_cert: bool,
    /// The range speaks TDS without TLS (ENCRYPT_NOT_SUP, docs/range.md); real servers
    /// negotiate it.
    plain: bool,
    clients: [Option<Client>; 5],
}

impl TiberiusConn {
    pub fn new(
        endpoints: [Option<Endpoint>; 5],
        user: String,
        password: String,
        trust_cert: bool,
        plain: bool,
    ) -> Result<TiberiusConn, String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the async runtime: {e}"))?;
        Ok(TiberiusConn {
            rt,
            endpoints,
            user,
            password,
            trust_cert,
            plain,
            clients: [None, None, None, None, None],
        })
    }

    async fn connect(
        ep: &Endpoint,
        user: &str,
        password: &str,
        trust: bool,
        plain: bool,
    ) -> Result<Client, String> {
        let mut cfg = tiberius::Config::new();
        cfg.host(&ep.host);
        cfg.port(ep.port);
        cfg.application_name("drill rehearse (read-only probes)");
        cfg.authentication(tiberius::AuthMethod::sql_server(user, password));
        if trust {
            cfg.trust_cert();
        }
        if plain {
            cfg.encryption(tiberius::EncryptionLevel::NotSupported);
        }
        let at = format!("{},{}", ep.host, ep.port);
        let tcp = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            tokio::net::TcpStream::connect(cfg.get_addr()),
        )
        .await
        .map_err(|_| format!("cannot connect to {at}: no answer in 5 s"))?
        .map_err(|e| format!("cannot connect to {at}: {e}"))?;
        tcp.set_nodelay(true).map_err(|e| e.to_string())?;
        tokio::time::timeout(
            std::time::Duration::from_secs(10),
            tiberius::Client::connect(cfg, tcp.compat_write()),
        )
        .await
        .map_err(|_| format!("cannot log in to {at}: no answer in 10 s"))?
        .map_err(|e| format!("cannot log in to {at}: {e}"))
    }
}

impl ProbeConn for TiberiusConn {
    fn query(&mut self, instance: Instance, probe: &Probe) -> Result<ResultSet, String> {
        let k = instance.index();
        let ep = self.endpoints[k]
            .clone()
            .ok_or_else(|| format!("{instance}: not in the site file"))?;
        let (user, password, trust, plain) = (
            self.user.clone(),
            self.password.clone(),
            self.trust_cert,
            self.plain,
        );
        let slot = &mut self.clients[k];
        let rt = &self.rt;
        if slot.is_none() {
            *slot = Some(rt.block_on(Self::connect(&ep, &user, &password, trust, plain))?);
        }
        let client = slot.as_mut().ok_or("no connection")?;
        let r = rt.block_on(async {
            let s = client.simple_query(probe.sql()).await?;
            s.into_first_result().await
        });
        match r {
            Ok(rows) => Ok(to_result_set(&rows)),
            Err(e) => {
                // A broken connection is opened again next time.
                *slot = None;
                Err(format!("{}: {e}", probe.name()))
            }
        }
    }
}

fn to_result_set(rows: &[tiberius::Row]) -> ResultSet {
    use tiberius::ColumnData as C;
    let mut rs = ResultSet::default();
    if let Some(r) = rows.first() {
        rs.columns = r
            .columns()
            .iter()
            .map(|c| col(c.name(), SqlType::NVarChar(4000)))
            .collect();
    }
    for r in rows {
        let row = r
            .cells()
            .map(|(_, d)| match d {
                C::U8(Some(v)) => Value::Int(*v as i64),
                C::I16(Some(v)) => Value::Int(*v as i64),
                C::I32(Some(v)) => Value::Int(*v as i64),
                C::I64(Some(v)) => Value::Int(*v),
                C::Bit(Some(v)) => Value::Int(*v as i64),
                C::String(Some(s)) => Value::Text(s.to_string()),
                C::Guid(Some(g)) => Value::Guid(g.to_string().to_lowercase()),
                C::Numeric(Some(n)) => Value::Numeric(n.value()),
                C::DateTime(Some(t)) => Value::DateTime(
                    t.days() as i64 * 86_400_000 + t.seconds_fragments() as i64 * 10 / 3,
                ),
                _ => Value::Null,
            })
            .collect();
        rs.rows.push(row);
    }
    rs
}
