//! Play a script against a server, item by item: run its statements, read what the server
//! shows, compare with the model. Generic over [`Exec`] so the loop is tested without one.

use super::compare::{compare, compare_error, compare_restores, main_error, Difference};
use super::observe::*;
use super::script::Item;
use super::tsql::{render, Op, Placement};
use serde::Serialize;
use sim::topology::{Db, Instance};
use tokio_util::compat::TokioAsyncWriteCompatExt;

/// A statement's failure: the error numbers SQL Server sent (cause, then 3013) and the first message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlFailure {
    pub numbers: Vec<u32>,
    pub message: String,
}

#[allow(async_fn_in_trait)]
pub trait Exec {
    async fn exec(&mut self, sql: &str) -> Result<(), SqlFailure>;
    /// One result set; every column already text (the queries convert on the server).
    async fn query(&mut self, sql: &str, params: &[&str]) -> Result<ResultSet, String>;
    /// A batch with no parameters and its first result set (every column text), or its
    /// failure with the error numbers (the range's control surface; `SELECT @@VERSION`).
    async fn batch(&mut self, sql: &str) -> Result<ResultSet, SqlFailure> {
        let _ = sql;
        Err(SqlFailure {
            numbers: vec![],
            message: "this connection runs no plain batches".into(),
        })
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct ItemResult {
    pub t_s: u64,
    pub label: String,
    pub statements: Vec<String>,
    pub not_replayed: Vec<String>,
    pub error: Option<(u32, String)>,
    pub differences: Vec<Difference>,
}

pub async fn replay<E: Exec>(
    items: &[Item],
    p: &Placement,
    ex: &mut E,
) -> Result<Vec<ItemResult>, String> {
    let names: Vec<String> = [Instance::Primary, Instance::Backup]
        .iter()
        .filter_map(|&i| p.database(i, Db::Mgc))
        .collect();
    let mut restores_seen = 0usize;
    let mut out = Vec::new();
    for item in items {
        let mut res = ItemResult {
            t_s: item.t_s,
            label: item.label.clone(),
            ..Default::default()
        };
        let mut expected_restores = Vec::new();
        let mut ran_sql = false;
        'ops: for op in &item.ops {
            if let Op::NotReplayable { reason } = op {
                res.not_replayed.push(reason.clone());
                continue;
            }
            for stmt in render(op, p) {
                res.statements.push(stmt.clone());
                match ex.exec(&stmt).await {
                    Ok(()) => {}
                    // The workload is not the model's step: its failure is a note, not the outcome.
                    Err(f) if matches!(op, Op::Writes { .. }) => {
                        res.not_replayed
                            .push(format!("writes not inserted: {}", f.message));
                    }
                    Err(f) => {
                        res.error = main_error(&f.numbers).map(|n| (n, f.message));
                        break 'ops;
                    }
                }
            }
            ran_sql |= !matches!(op, Op::Writes { .. });
            match op {
                Op::RestoreLog { db, file } => {
                    expected_restores.push(restore(db, "L", file, false, false))
                }
                Op::RestoreFull {
                    db,
                    file,
                    replace,
                    recovery,
                    ..
                } => expected_restores.push(restore(db, "D", file, *replace, *recovery)),
                _ => {}
            }
        }
        if item.expected_error == Some(3101) {
            res.not_replayed.push(
                "3101 needs the chat servers' sessions, which the replay does not hold".into(),
            );
        } else if ran_sql {
            let got = res.error.as_ref().map(|(n, m)| (*n, m.as_str()));
            res.differences
                .extend(compare_error(&item.label, item.expected_error, got));
        }
        let real = read(ex, &names).await?;
        let new = real.restores.get(restores_seen..).unwrap_or_default();
        res.differences
            .extend(compare_restores(&item.label, &expected_restores, new));
        restores_seen = real.restores.len();
        if let Some(model) = &item.observed {
            res.differences
                .extend(compare(&item.label, model, &real, p));
        }
        out.push(res);
    }
    Ok(out)
}

fn restore(db: &str, t: &str, file: &str, replace: bool, recovery: bool) -> RealRestore {
    RealRestore {
        database: db.into(),
        restore_type: t.into(),
        recovery,
        replace,
        file: file.into(),
    }
}

/// The read-only observation of the replayed databases.
pub async fn read<E: Exec>(ex: &mut E, names: &[String]) -> Result<RealObservation, String> {
    let a = names.first().map(String::as_str).unwrap_or("");
    let b = names.get(1).map(String::as_str).unwrap_or(a);
    let mut databases = parse_databases(&ex.query(DATABASES_SQL, &[a, b]).await?)?;
    for d in databases
        .iter_mut()
        .filter(|d| d.state_desc == "ONLINE" || d.state_desc == "STANDBY")
    {
        d.writes = Some(parse_writes(&ex.query(&writes_sql(&d.name), &[]).await?)?);
    }
    let restores = parse_restores(&ex.query(RESTORES_SQL, &[a, b]).await?)?;
    Ok(RealObservation {
        databases,
        restores,
    })
}

/// tiberius over tokio.
pub struct Tiberius(pub tiberius::Client<tokio_util::compat::Compat<tokio::net::TcpStream>>);

impl Tiberius {
    pub async fn connect(
        host: &str,
        port: u16,
        user: &str,
        password: &str,
    ) -> Result<Self, String> {
        let mut cfg = tiberius::Config::new();
        cfg.host(host);
        cfg.port(port);
        cfg.application_name("drill replay");
        cfg.authentication(tiberius::AuthMethod::sql_server(user, password));
        // Containers and most test servers use a self-signed certificate.
        cfg.trust_cert();
        let tcp = tokio::net::TcpStream::connect(cfg.get_addr())
            .await
            .map_err(|e| format!("cannot connect to {host},{port}: {e}"))?;
        tcp.set_nodelay(true).map_err(|e| e.to_string())?;
        let c = tiberius::Client::connect(cfg, tcp.compat_write())
            .await
            .map_err(|e| format!("cannot log in to {host},{port}: {e}"))?;
        Ok(Tiberius(c))
    }
}

impl Exec for Tiberius {
    async fn exec(&mut self, sql: &str) -> Result<(), SqlFailure> {
        match self.0.simple_query(sql).await {
            Ok(s) => s.into_results().await.map(|_| ()),
            Err(e) => Err(e),
        }
        .map_err(|e| SqlFailure {
            numbers: e.code().into_iter().collect(),
            message: e.to_string(),
        })
    }

    async fn batch(&mut self, sql: &str) -> Result<ResultSet, SqlFailure> {
        let fail = |e: tiberius::error::Error| SqlFailure {
            numbers: e.code().into_iter().collect(),
            message: e.to_string(),
        };
        let rows = match self.0.simple_query(sql).await {
            Ok(s) => s.into_first_result().await.map_err(fail)?,
            Err(e) => return Err(fail(e)),
        };
        text_rows(&rows).map_err(|message| SqlFailure {
            numbers: vec![],
            message,
        })
    }

    async fn query(&mut self, sql: &str, params: &[&str]) -> Result<ResultSet, String> {
        let ps: Vec<&dyn tiberius::ToSql> =
            params.iter().map(|p| p as &dyn tiberius::ToSql).collect();
        let rows = self
            .0
            .query(sql, &ps)
            .await
            .map_err(|e| e.to_string())?
            .into_first_result()
            .await
            .map_err(|e| e.to_string())?;
        text_rows(&rows)
    }
}

/// Rows of text columns (NULL: None).
fn text_rows(rows: &[tiberius::Row]) -> Result<ResultSet, String> {
    let mut out = ResultSet::default();
    for r in rows {
        let names: Vec<String> = r.columns().iter().map(|c| c.name().to_string()).collect();
        let mut row = std::collections::BTreeMap::new();
        for (i, n) in names.into_iter().enumerate() {
            row.insert(
                n,
                r.try_get::<&str, _>(i)
                    .map_err(|e| e.to_string())?
                    .map(str::to_string),
            );
        }
        out.rows.push(row);
    }
    Ok(out)
}
