//! The range's wire (issue 11 point 9): probe round trips over loopback with tiberius
//! against a fixed in-memory backend, so the figure is the transport's (TDS framing, token
//! encoding, tokio, the client) and not the model's. A probe is what drill-night and
//! `drill replay` send: a SELECT of a few catalog rows, as a plain batch and as a
//! parameterised `sp_executesql`.
//!
//! Besides criterion's per-probe time, `cargo bench --bench range` prints the throughput
//! and the p50/p99 latency of N sequential probes on one connection (the goal: at least
//! 5,000 probes/s with p99 under 5 ms on 2 cores). `RANGE_PROBES` sets N (default 20,000).
use criterion::Criterion;
use harness::range::reply::{
    Backend, Column, Login, Param, Reply, ResultSet, Session, SqlMessage, SqlType, Value,
};
use harness::range::server::{RangeServer, ServeConfig};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::compat::TokioAsyncWriteCompatExt;

/// Five rows of sys.databases-like columns to every batch.
struct Probe(ResultSet);

impl Probe {
    fn new() -> Self {
        let col = |name: &str, ty| Column {
            name: name.into(),
            ty,
        };
        let rows = ["master", "tempdb", "model", "msdb", "mgc"]
            .iter()
            .enumerate()
            .map(|(i, n)| {
                vec![
                    Value::Text((*n).into()),
                    Value::Int(i as i64 + 1),
                    Value::Text(if i == 4 { "RESTORING" } else { "ONLINE" }.into()),
                    Value::Numeric(41_000_000_123_400_001 + i as i128),
                ]
            })
            .collect();
        Probe(ResultSet {
            columns: vec![
                col("name", SqlType::NVarChar(128)),
                col("database_id", SqlType::Int),
                col("state_desc", SqlType::NVarChar(60)),
                col(
                    "redo_start_lsn",
                    SqlType::Numeric {
                        precision: 25,
                        scale: 0,
                    },
                ),
            ],
            rows,
        })
    }
}

impl Backend for Probe {
    fn server_name(&self, _: usize) -> String {
        "PCSQL01".into()
    }
    fn login(&self, _: usize, _: &Login) -> Result<Session, SqlMessage> {
        Ok(Session {
            spid: 51,
            database: "master".into(),
        })
    }
    fn batch(&self, _: usize, _: &mut Session, _: &str, _: &[Param]) -> Vec<Reply> {
        vec![
            Reply::Rows(self.0.clone()),
            Reply::Done {
                rows: Some(5),
                error: false,
            },
        ]
    }
    fn attention(&self, _: usize, _: &Session) {}
    fn logout(&self, _: usize, _: &Session) {}
}

type Client = tiberius::Client<tokio_util::compat::Compat<tokio::net::TcpStream>>;

const SQL: &str = "SELECT name, database_id, state_desc, redo_start_lsn FROM sys.databases";

async fn connect(addr: std::net::SocketAddr) -> Client {
    let mut cfg = tiberius::Config::new();
    cfg.host("127.0.0.1");
    cfg.port(addr.port());
    cfg.authentication(tiberius::AuthMethod::sql_server("drill", "x"));
    cfg.encryption(tiberius::EncryptionLevel::NotSupported);
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    tiberius::Client::connect(cfg, tcp.compat_write())
        .await
        .unwrap()
}

async fn probe(c: &mut Client) -> usize {
    let rows = c
        .simple_query(SQL)
        .await
        .unwrap()
        .into_first_result()
        .await
        .unwrap();
    assert_eq!(rows.len(), 5);
    rows.len()
}

async fn probe_rpc(c: &mut Client) -> usize {
    let rows = c
        .query(
            "SELECT name, database_id, state_desc, redo_start_lsn FROM sys.databases WHERE name = @P1",
            &[&"mgc"],
        )
        .await
        .unwrap()
        .into_first_result()
        .await
        .unwrap();
    rows.len()
}

fn main() {
    // The range's own server logs one line per connection: keep them out of the figures.
    let server = RangeServer::start(ServeConfig::default(), Arc::new(Probe::new())).unwrap();
    let addr = server.endpoints()[0];
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut client = rt.block_on(connect(addr));

    let mut c = Criterion::default().configure_from_args();
    {
        let mut g = c.benchmark_group("range_probe");
        g.sample_size(30).measurement_time(Duration::from_secs(3));
        g.bench_function("select_batch", |b| {
            b.iter(|| rt.block_on(probe(&mut client)))
        });
        g.bench_function("select_sp_executesql", |b| {
            b.iter(|| rt.block_on(probe_rpc(&mut client)))
        });
        g.finish();
    }
    c.final_summary();

    // Throughput and tail latency of sequential probes on one connection.
    let n: usize = std::env::var("RANGE_PROBES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    for (name, rpc) in [("select_batch", false), ("select_sp_executesql", true)] {
        let mut lat = Vec::with_capacity(n);
        let start = Instant::now();
        rt.block_on(async {
            for _ in 0..n {
                let t = Instant::now();
                if rpc {
                    probe_rpc(&mut client).await;
                } else {
                    probe(&mut client).await;
                }
                lat.push(t.elapsed());
            }
        });
        let total = start.elapsed();
        lat.sort();
        let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
        println!(
            "range_probe/{name}: {n} sequential probes in {:.3} s = {:.0} probes/s; latency p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
            total.as_secs_f64(),
            n as f64 / total.as_secs_f64(),
            pct(0.50).as_secs_f64() * 1e3,
            pct(0.99).as_secs_f64() * 1e3,
            lat[lat.len() - 1].as_secs_f64() * 1e3,
        );
    }
    drop(client);
    server.stop();
}
