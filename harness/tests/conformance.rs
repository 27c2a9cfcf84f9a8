//! One conformance suite, three arms (issue 11 point 5): the documented behaviours of
//! BACKUP/RESTORE/ALTER DATABASE written once as data ([`CASES`]) and run against
//! (a) the model, its backend called directly; (b) the range over TDS with tiberius;
//! (c) a real SQL Server when `DRILL_CONFORMANCE_SERVER` (HOST[,PORT]) is set, with
//! `DRILL_CONFORMANCE_USER` and the password in `DRILL_CONFORMANCE_PASSWORD`; otherwise
//! it prints a SKIP line.
//!
//! Each case is a script on the range's scenario (quiet: normal operation, log shipping
//! every 15 minutes, so at 50 minutes mgc_0001..0003.trn have been backed up on primary,
//! copied and restored on backup): T-SQL on an instance, or a console line (`advance`,
//! `copy`), each with the error numbers SQL Server answers, in order. The error texts
//! are SQL Server's (sim::sqlerror; MicrosoftDocs/sql-docs
//! docs/relational-databases/errors-events/database-engine-events-and-errors-*.md).
//! Over TDS, tiberius reports the first ERROR token of a batch only: that arm checks the
//! first number; the model arm checks all of them (the 3013 line included).

/// A skip is said on the terminal, past the test harness's capture, so it is never silent.
macro_rules! skip_line {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}

use harness::range::backend::{select_unavailable, Clock, ModelBackend};
use harness::range::reply::{Backend, Login, Reply, Session};
use harness::range::server::{RangeServer, ServeConfig};
use harness::range::{console, tsql};
use sim::live::Live;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio_util::compat::TokioAsyncWriteCompatExt;

const PRIMARY: usize = 0;
const BACKUP: usize = 3;
const BACKUP_MIRROR: usize = 4;
const PASSWORD: &str = "Conform#1";

/// One step of a case: on `endpoint`, as session `who` (two sessions: 3101), `sql`;
/// or a console line when `endpoint` is None. `errors`: what SQL Server answers.
struct Do {
    endpoint: Option<usize>,
    who: u8,
    text: &'static str,
    errors: &'static [i32],
}

const fn sql(endpoint: usize, text: &'static str, errors: &'static [i32]) -> Do {
    Do {
        endpoint: Some(endpoint),
        who: 0,
        text,
        errors,
    }
}
const fn as2(endpoint: usize, text: &'static str, errors: &'static [i32]) -> Do {
    Do {
        endpoint: Some(endpoint),
        who: 1,
        text,
        errors,
    }
}
const fn console(text: &'static str) -> Do {
    Do {
        endpoint: None,
        who: 0,
        text,
        errors: &[],
    }
}

struct Case {
    name: &'static str,
    /// Where SQL Server documents the behaviour (MicrosoftDocs/sql-docs).
    source: &'static str,
    steps: &'static [Do],
}

const E3K: &str =
    "docs/relational-databases/errors-events/database-engine-events-and-errors-3000-to-3999.md";
const E4K: &str =
    "docs/relational-databases/errors-events/database-engine-events-and-errors-4000-to-4999.md";

const CASES: &[Case] = &[
    Case {
        name: "4326: a log that ends before the redo point is too early",
        source: E4K,
        steps: &[
            console("advance 50m"),
            sql(
                BACKUP,
                "RESTORE LOG mgc FROM DISK = N'D:\\LogShipCopy\\mgc_0001.trn' WITH NORECOVERY",
                &[4326, 3013],
            ),
        ],
    },
    Case {
        name: "4305: a log that begins after the redo point is too recent",
        source: E4K,
        steps: &[
            console("advance 50m"),
            sql(
                BACKUP,
                "exec sp_delete_log_shipping_secondary_database N'mgc'",
                &[],
            ),
            console("advance 30m"),
            console("copy"),
            sql(
                BACKUP,
                "restore log [mgc] from disk = 'D:\\LogShipCopy\\mgc_0005.trn' with norecovery",
                &[4305, 3013],
            ),
        ],
    },
    Case {
        name: "3117: a log cannot be restored after recovery",
        source: E3K,
        steps: &[
            console("advance 50m"),
            sql(BACKUP, "RESTORE DATABASE mgc WITH RECOVERY", &[]),
            sql(
                BACKUP,
                "RESTORE LOG mgc FROM DISK = N'D:\\LogShipCopy\\mgc_0003.trn' WITH NORECOVERY",
                &[3117, 3013],
            ),
        ],
    },
    Case {
        name: "3153: recovery twice",
        source: E3K,
        steps: &[
            console("advance 50m"),
            sql(BACKUP, "RESTORE DATABASE mgc WITH RECOVERY", &[]),
            sql(BACKUP, "RESTORE DATABASE mgc WITH RECOVERY", &[3153, 3013]),
        ],
    },
    Case {
        name: "3159: a full restore over an ONLINE database without REPLACE",
        source: E3K,
        steps: &[
            console("advance 50m"),
            sql(
                PRIMARY,
                "BACKUP DATABASE mgc TO DISK = N'\\\\fs-dc2\\logship\\mgc_full.bak'",
                &[],
            ),
            sql(BACKUP, "RESTORE DATABASE mgc WITH RECOVERY", &[]),
            sql(
                BACKUP,
                "RESTORE DATABASE mgc FROM DISK = N'\\\\fs-dc2\\logship\\mgc_full.bak' WITH NORECOVERY",
                &[3159, 3013],
            ),
        ],
    },
    Case {
        name: "3101: a restore while another session uses the database",
        source: E3K,
        steps: &[
            console("advance 50m"),
            sql(
                PRIMARY,
                "BACKUP DATABASE mgc TO DISK = N'\\\\fs-dc2\\logship\\mgc_full.bak'",
                &[],
            ),
            sql(BACKUP, "RESTORE DATABASE mgc WITH RECOVERY", &[]),
            as2(BACKUP, "USE mgc", &[]),
            sql(
                BACKUP,
                "RESTORE DATABASE mgc FROM DISK = N'\\\\fs-dc2\\logship\\mgc_full.bak' WITH REPLACE, NORECOVERY",
                &[3101, 3013],
            ),
        ],
    },
    Case {
        name: "3104: a restore onto a mirrored database",
        source: E3K,
        steps: &[
            console("advance 50m"),
            sql(
                PRIMARY,
                "BACKUP DATABASE mgc TO DISK = N'\\\\fs-dc2\\logship\\mgc_full.bak'",
                &[],
            ),
            sql(
                PRIMARY,
                "RESTORE DATABASE mgc FROM DISK = N'\\\\fs-dc2\\logship\\mgc_full.bak' WITH REPLACE",
                &[3104, 3013],
            ),
        ],
    },
    Case {
        name: "3201: a backup file that is not there",
        source: E3K,
        steps: &[
            console("advance 50m"),
            sql(
                BACKUP,
                "RESTORE LOG mgc FROM DISK = N'D:\\LogShipCopy\\mgc_9999.trn' WITH NORECOVERY",
                &[3201, 3013],
            ),
        ],
    },
    Case {
        name: "4214: a log backup with no full backup",
        source: E4K,
        steps: &[sql(
            PRIMARY,
            "BACKUP LOG mgccomp TO DISK = N'\\\\fs-dc2\\logship\\mgccomp.trn'",
            &[4214, 3013],
        )],
    },
    Case {
        name: "1416: SET PARTNER OFF on a database that is not mirrored",
        source: "docs/relational-databases/errors-events/database-engine-events-and-errors-1000-to-1999.md",
        steps: &[sql(BACKUP, "ALTER DATABASE mgc SET PARTNER OFF", &[1416])],
    },
    Case {
        name: "the chain: full, logs WITH NORECOVERY, RECOVERY",
        source: "docs/relational-databases/backup-restore/restore-a-transaction-log-backup-sql-server.md",
        steps: &[
            console("advance 50m"),
            sql(
                PRIMARY,
                "BACKUP DATABASE mgc TO DISK = N'\\\\fs-dc2\\logship\\mgc_full.bak'",
                &[],
            ),
            sql(
                BACKUP_MIRROR,
                "RESTORE DATABASE mgc FROM DISK = N'\\\\fs-dc2\\logship\\mgc_full.bak' WITH NORECOVERY",
                &[],
            ),
            console("advance 15m"),
            sql(
                BACKUP_MIRROR,
                "RESTORE LOG mgc FROM DISK = N'D:\\LogShipCopy\\mgc_0005.trn' WITH NORECOVERY",
                &[],
            ),
            sql(BACKUP_MIRROR, "RESTORE DATABASE mgc WITH RECOVERY", &[]),
            sql(BACKUP_MIRROR, "USE mgc", &[]),
        ],
    },
];

/// Where a case runs.
trait Arm {
    fn name(&self) -> String;
    /// A fresh start for the next case.
    fn reset(&mut self);
    /// The error numbers (class > 10) a batch answers, in order (over TDS: the first).
    fn exec(&mut self, endpoint: usize, who: u8, sql: &str) -> Vec<i32>;
    fn console(&mut self, line: &str);
    /// How many leading errors this arm can see (None: all).
    fn sees(&self) -> Option<usize> {
        None
    }
}

fn scenario() -> sim::scenario::Scenario {
    serde_json::from_str(r#"{"name": "conformance", "seed": 7}"#).unwrap()
}

fn backend() -> Arc<ModelBackend> {
    Arc::new(ModelBackend::new(
        Live::new(&scenario()),
        Clock::new(0.0),
        "drill",
        PASSWORD,
        tsql::parse_batch,
        select_unavailable,
    ))
}

fn login() -> Login {
    Login {
        user: "drill".into(),
        password: PASSWORD.into(),
        database: String::new(),
        app_name: "conformance".into(),
        host_name: "conformance".into(),
    }
}

fn run_console(b: &ModelBackend, line: &str) {
    let (out, _) = console::line(b, console::cmdlet_unavailable, line);
    assert!(!out.contains("!!"), "console {line}: {out}");
}

/// (a) The model: the backend called directly, as the wire would.
struct Model {
    b: Arc<ModelBackend>,
    sessions: BTreeMap<(usize, u8), Session>,
}

impl Arm for Model {
    fn name(&self) -> String {
        "model".into()
    }
    fn reset(&mut self) {
        self.b = backend();
        self.sessions.clear();
    }
    fn exec(&mut self, endpoint: usize, who: u8, sql: &str) -> Vec<i32> {
        let b = self.b.clone();
        let s = self
            .sessions
            .entry((endpoint, who))
            .or_insert_with(|| b.login(endpoint, &login()).expect("login"));
        b.batch(endpoint, s, sql, &[])
            .into_iter()
            .filter_map(|r| match r {
                Reply::Message(m) if m.class > 10 => Some(m.number),
                _ => None,
            })
            .collect()
    }
    fn console(&mut self, line: &str) {
        run_console(&self.b, line);
    }
}

type Client = tiberius::Client<tokio_util::compat::Compat<tokio::net::TcpStream>>;

async fn connect(
    addr: std::net::SocketAddr,
    user: &str,
    password: &str,
    trust: bool,
) -> tiberius::Result<Client> {
    let mut cfg = tiberius::Config::new();
    cfg.host(addr.ip().to_string());
    cfg.port(addr.port());
    cfg.authentication(tiberius::AuthMethod::sql_server(user, password));
    if trust {
        cfg.trust_cert();
    } else {
        cfg.encryption(tiberius::EncryptionLevel::NotSupported);
    }
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    tiberius::Client::connect(cfg, tcp.compat_write()).await
}

/// The first error number of a batch over TDS (tiberius stops at the first ERROR token).
async fn first_error(c: &mut Client, sql: &str) -> Vec<i32> {
    let r = match c.simple_query(sql).await {
        Ok(stream) => stream.into_results().await.map(|_| ()),
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => vec![],
        Err(tiberius::error::Error::Server(t)) => vec![t.code() as i32],
        Err(e) => panic!("not a server error: {e}"),
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// (b) The range over TDS: wire's server in front of the model backend, tiberius as client.
struct Tds {
    rt: tokio::runtime::Runtime,
    b: Arc<ModelBackend>,
    server: Option<RangeServer>,
    clients: BTreeMap<(usize, u8), Client>,
}

impl Tds {
    fn new() -> Tds {
        let mut t = Tds {
            rt: rt(),
            b: backend(),
            server: None,
            clients: BTreeMap::new(),
        };
        t.reset();
        t
    }
}

impl Arm for Tds {
    fn name(&self) -> String {
        "range over TDS (tiberius)".into()
    }
    fn reset(&mut self) {
        self.clients.clear();
        if let Some(s) = self.server.take() {
            s.stop();
        }
        self.b = backend();
        self.server = Some(RangeServer::start(ServeConfig::default(), self.b.clone()).unwrap());
    }
    fn exec(&mut self, endpoint: usize, who: u8, sql: &str) -> Vec<i32> {
        let addr = self.server.as_ref().unwrap().endpoints()[endpoint];
        let rt = &self.rt;
        let c = self.clients.entry((endpoint, who)).or_insert_with(|| {
            rt.block_on(connect(addr, "drill", PASSWORD, false))
                .unwrap()
        });
        rt.block_on(first_error(c, sql))
    }
    fn console(&mut self, line: &str) {
        run_console(&self.b, line);
    }
    fn sees(&self) -> Option<usize> {
        Some(1)
    }
}

fn play(arm: &mut dyn Arm) -> Vec<String> {
    let mut failures = Vec::new();
    for case in CASES {
        arm.reset();
        for (k, d) in case.steps.iter().enumerate() {
            let Some(ep) = d.endpoint else {
                arm.console(d.text);
                continue;
            };
            let got = arm.exec(ep, d.who, d.text);
            let want: Vec<i32> = match arm.sees() {
                Some(n) => d.errors.iter().take(n).copied().collect(),
                None => d.errors.to_vec(),
            };
            if got != want {
                failures.push(format!(
                    "{}: {} (step {}, `{}`): expected errors {want:?}, got {got:?} [{}]",
                    arm.name(),
                    case.name,
                    k + 1,
                    d.text,
                    case.source
                ));
            }
        }
    }
    failures
}

#[test]
fn conformance_on_the_model() {
    let mut arm = Model {
        b: backend(),
        sessions: BTreeMap::new(),
    };
    let f = play(&mut arm);
    assert!(f.is_empty(), "{}", f.join("\n"));
}

#[test]
fn conformance_on_the_range_over_tds() {
    let mut arm = Tds::new();
    let f = play(&mut arm);
    if let Some(s) = arm.server.take() {
        s.stop();
    }
    assert!(f.is_empty(), "{}", f.join("\n"));
}

#[test]
fn conformance_on_a_real_sql_server() {
    let Ok(server) = std::env::var("DRILL_CONFORMANCE_SERVER") else {
        skip_line!(
            "SKIP conformance on a real SQL Server: DRILL_CONFORMANCE_SERVER (HOST[,PORT]) is not set (with DRILL_CONFORMANCE_USER and DRILL_CONFORMANCE_PASSWORD)"
        );
        return;
    };
    // The cases are scripts on the range's five-instance scenario (log shipping, the
    // copy folder, the share): a real server needs that topology built first, which no
    // code here does yet. Say so rather than pass without checking anything.
    skip_line!(
        "SKIP conformance on {server}: the cases need the scenario's topology (mgc log-shipped from a primary to a backup instance, the copy folder and share) set up on real servers; not automated yet (docs/range.md)"
    );
}
