//! The range's TDS wire against clients no one here wrote (tiberius; python-tds and
//! FreeTDS `tsql` when installed) and against raw, broken byte streams. The backend is a
//! small fake written here: the model is not under test, the transport is.
/// A skip is said on the terminal, past the test harness's capture, so it is never silent.
macro_rules! skip_line {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}

use harness::range::reply::{
    Backend, Column, Login, Param, Reply, ResultSet, Session, SqlMessage, SqlType, Value,
};
use harness::range::server::{RangeServer, ServeConfig};
use harness::range::tds::{batch, login7, packet, prelogin, token};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::compat::TokioAsyncWriteCompatExt;

const USER: &str = "drill";
const PASSWORD: &str = "Rehearse#1";
const NAMES: [&str; 5] = ["PCSQL01", "PCSQL02", "PCWIT01", "PCSQL03", "PCSQL04"];

/// Answers by the first word: SELECT (a fixed result of every type, or the parameters
/// echoed), RESTORE (4305 then 3013, as SQL Server fails a too-recent log), USE, PRINT,
/// anything else 102. Records attentions and logouts.
#[derive(Default)]
struct Fake {
    next_spid: AtomicU16,
    events: Mutex<Vec<String>>,
    last_params: Mutex<Vec<Param>>,
}

impl Fake {
    fn events(&self) -> Vec<String> {
        self.events.lock().unwrap().clone()
    }
    fn count(&self, prefix: &str) -> usize {
        self.events()
            .iter()
            .filter(|e| e.starts_with(prefix))
            .count()
    }
}

fn msg(number: i32, class: u8, state: u8, text: &str) -> SqlMessage {
    SqlMessage {
        number,
        state,
        class,
        text: text.into(),
        procedure: String::new(),
        line: 1,
    }
}

fn col(name: &str, ty: SqlType) -> Column {
    Column {
        name: name.into(),
        ty,
    }
}

/// One row of every SqlType, then a row of NULLs.
fn every_type() -> ResultSet {
    ResultSet {
        columns: vec![
            col("i", SqlType::Int),
            col("si", SqlType::SmallInt),
            col("ti", SqlType::TinyInt),
            col("bi", SqlType::BigInt),
            col("b", SqlType::Bit),
            col("name", SqlType::NVarChar(128)),
            col(
                "lsn",
                SqlType::Numeric {
                    precision: 25,
                    scale: 0,
                },
            ),
            col("finished", SqlType::DateTime),
            col("guid", SqlType::UniqueIdentifier),
        ],
        rows: vec![
            vec![
                Value::Int(-2_000_000_000),
                Value::Int(-300),
                Value::Int(255),
                Value::Int(9_000_000_000),
                Value::Int(1),
                Value::Text("mgc — Persistent Chat".into()),
                Value::Numeric(41_000_000_123_400_001),
                // 1900-01-03 00:00:01.500
                Value::DateTime(2 * 86_400_000 + 1_500),
                Value::Guid("6f9619ff-8b86-d011-b42d-00c04fc964ff".into()),
            ],
            vec![Value::Null; 9],
        ],
    }
}

impl Backend for Fake {
    fn server_name(&self, endpoint: usize) -> String {
        NAMES[endpoint].into()
    }
    fn login(&self, endpoint: usize, login: &Login) -> Result<Session, SqlMessage> {
        if login.user != USER || login.password != PASSWORD {
            return Err(msg(
                18456,
                14,
                1,
                &format!("Login failed for user '{}'.", login.user),
            ));
        }
        let spid = 51 + self.next_spid.fetch_add(1, Ordering::SeqCst);
        self.events
            .lock()
            .unwrap()
            .push(format!("login {endpoint} {spid}"));
        Ok(Session {
            spid,
            database: if login.database.is_empty() {
                "master".into()
            } else {
                login.database.clone()
            },
        })
    }
    fn batch(&self, _: usize, session: &mut Session, sql: &str, params: &[Param]) -> Vec<Reply> {
        *self.last_params.lock().unwrap() = params.to_vec();
        let upper = sql.trim().to_uppercase();
        let word = upper.split_whitespace().next().unwrap_or("");
        match word {
            "SELECT" if upper.contains("DB_NAME()") => vec![
                Reply::Rows(ResultSet {
                    columns: vec![col("db", SqlType::NVarChar(128))],
                    rows: vec![vec![Value::Text(session.database.clone())]],
                }),
                Reply::Done {
                    rows: Some(1),
                    error: false,
                },
            ],
            "SELECT" if !params.is_empty() => {
                let columns = params
                    .iter()
                    .map(|p| {
                        let ty = match p.value {
                            Value::Text(_) => SqlType::NVarChar(4000),
                            _ => SqlType::BigInt,
                        };
                        col(&p.name, ty)
                    })
                    .collect();
                let row = params.iter().map(|p| p.value.clone()).collect();
                vec![
                    Reply::Rows(ResultSet {
                        columns,
                        rows: vec![row],
                    }),
                    Reply::Done {
                        rows: Some(1),
                        error: false,
                    },
                ]
            }
            "SELECT" => vec![
                Reply::Rows(every_type()),
                Reply::Done {
                    rows: Some(2),
                    error: false,
                },
            ],
            "RESTORE" => vec![
                Reply::Message(msg(4305, 16, 1, "The log in this backup set begins at LSN 41000000123400001, which is too recent to apply to the database. An earlier log backup that includes LSN 41000000120000001 can be restored.")),
                Reply::Message(msg(3013, 16, 1, "RESTORE LOG is terminating abnormally.")),
                Reply::Done {
                    rows: None,
                    error: true,
                },
            ],
            "USE" => {
                let db = upper[3..].trim().trim_matches(['[', ']']).to_lowercase();
                session.database = db.clone();
                vec![
                    Reply::Database(db),
                    Reply::Done {
                        rows: None,
                        error: false,
                    },
                ]
            }
            "PRINT" => vec![
                Reply::Message(msg(0, 0, 1, "rehearsal")),
                Reply::Done {
                    rows: None,
                    error: false,
                },
            ],
            _ => vec![
                Reply::Message(msg(
                    102,
                    15,
                    1,
                    &format!("Incorrect syntax near '{word}'."),
                )),
                Reply::Done {
                    rows: None,
                    error: true,
                },
            ],
        }
    }
    fn attention(&self, _: usize, session: &Session) {
        self.events
            .lock()
            .unwrap()
            .push(format!("attention {}", session.spid));
    }
    fn logout(&self, _: usize, session: &Session) {
        self.events
            .lock()
            .unwrap()
            .push(format!("logout {}", session.spid));
    }
}

fn start(cfg: ServeConfig) -> (RangeServer, Arc<Fake>) {
    let fake = Arc::new(Fake::default());
    let server = RangeServer::start(cfg, fake.clone()).expect("the range starts");
    (server, fake)
}

type Client = tiberius::Client<tokio_util::compat::Compat<tokio::net::TcpStream>>;

async fn connect(addr: SocketAddr, password: &str) -> tiberius::Result<Client> {
    let mut cfg = tiberius::Config::new();
    cfg.host(addr.ip().to_string());
    cfg.port(addr.port());
    cfg.authentication(tiberius::AuthMethod::sql_server(USER, password));
    cfg.encryption(tiberius::EncryptionLevel::NotSupported);
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    tiberius::Client::connect(cfg, tcp.compat_write()).await
}

/// A batch's first result set (empty for a statement without rows), or its first error.
async fn first(c: &mut Client, sql: &str) -> tiberius::Result<Vec<tiberius::Row>> {
    c.simple_query(sql).await?.into_first_result().await
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Wait (bounded) until the fake has seen `n` events starting with `prefix`: logouts
/// run when the server notices the closed socket, a moment after the client's close.
fn wait_for(fake: &Fake, prefix: &str, n: usize) -> usize {
    for _ in 0..200 {
        if fake.count(prefix) >= n {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    fake.count(prefix)
}

#[test]
fn five_endpoints_on_loopback_each_with_its_server_name() {
    let (server, _fake) = start(ServeConfig::default());
    let eps = server.endpoints();
    assert_eq!(eps.len(), 5);
    assert!(eps.iter().all(|a| a.ip().is_loopback() && a.port() != 0));
    rt().block_on(async {
        // The witness endpoint (index 2) names itself in @@SERVERNAME-bearing tokens: an
        // error's ServerName is the endpoint's name.
        let mut c = connect(eps[2], PASSWORD).await.unwrap();
        let e = first(&mut c, "FROB").await.unwrap_err();
        match e {
            tiberius::error::Error::Server(t) => {
                assert_eq!(t.code(), 102);
                assert_eq!(t.server(), "PCWIT01");
                assert_eq!(t.message(), "Incorrect syntax near 'FROB'.");
            }
            other => panic!("expected a server error, got {other}"),
        }
    });
    server.stop();
}

#[test]
fn tiberius_reads_a_row_of_every_type_and_a_row_of_nulls() {
    let (server, _fake) = start(ServeConfig::default());
    let addr = server.endpoints()[0];
    rt().block_on(async {
        let mut c = connect(addr, PASSWORD).await.unwrap();
        let rows = first(&mut c, "SELECT * FROM every_type").await.unwrap();
        assert_eq!(rows.len(), 2);
        let r = &rows[0];
        let names: Vec<&str> = r.columns().iter().map(|c| c.name()).collect();
        assert_eq!(
            names,
            ["i", "si", "ti", "bi", "b", "name", "lsn", "finished", "guid"]
        );
        assert_eq!(r.get::<i32, _>(0), Some(-2_000_000_000));
        assert_eq!(r.get::<i16, _>(1), Some(-300));
        assert_eq!(r.get::<u8, _>(2), Some(255));
        assert_eq!(r.get::<i64, _>(3), Some(9_000_000_000));
        assert_eq!(r.get::<bool, _>(4), Some(true));
        assert_eq!(r.get::<&str, _>(5), Some("mgc — Persistent Chat"));
        let lsn = r.get::<tiberius::numeric::Numeric, _>(6).unwrap();
        assert_eq!((lsn.value(), lsn.scale()), (41_000_000_123_400_001, 0));
        // Without tiberius's chrono feature a datetime is read as its raw column data.
        let dt = match r.cells().nth(7).unwrap().1 {
            tiberius::ColumnData::DateTime(Some(dt)) => *dt,
            other => panic!("expected a datetime, got {other:?}"),
        };
        // Day 2; 1.5 s is 450 three-hundredths of a second.
        assert_eq!((dt.days(), dt.seconds_fragments()), (2, 450));
        assert_eq!(
            r.get::<tiberius::Uuid, _>(8).unwrap().to_string(),
            "6f9619ff-8b86-d011-b42d-00c04fc964ff"
        );
        let n = &rows[1];
        assert_eq!(n.get::<i32, _>(0), None);
        assert_eq!(n.get::<&str, _>(5), None);
        assert_eq!(n.get::<tiberius::Uuid, _>(8), None);
    });
    server.stop();
}

#[test]
fn a_restore_failure_arrives_as_sql_servers_error_pair_and_the_session_goes_on() {
    let (server, _fake) = start(ServeConfig::default());
    let addr = server.endpoints()[0];
    rt().block_on(async {
        let mut c = connect(addr, PASSWORD).await.unwrap();
        let restore = "RESTORE LOG mgc FROM DISK = N'\\\\backup\\mgc_1.trn' WITH NORECOVERY";
        let e = first(&mut c, restore).await.unwrap_err();
        // tiberius reports the first ERROR token: 4305, class 16.
        match e {
            tiberius::error::Error::Server(t) => {
                assert_eq!((t.code(), t.class(), t.state()), (4305, 16, 1));
                assert!(t.message().contains("too recent to apply"));
            }
            other => panic!("expected a server error, got {other}"),
        }
        // The rest of that answer (3013, DONE_ERROR) is drained; the next batch works.
        let rows = first(&mut c, "SELECT 1").await.unwrap();
        assert_eq!(rows.len(), 2);
    });
    server.stop();
}

#[test]
fn use_changes_the_sessions_database_for_later_batches() {
    let (server, _fake) = start(ServeConfig::default());
    let addr = server.endpoints()[0];
    rt().block_on(async {
        let mut c = connect(addr, PASSWORD).await.unwrap();
        let db = |rows: Vec<tiberius::Row>| rows[0].get::<&str, _>(0).unwrap().to_string();
        let before = first(&mut c, "SELECT DB_NAME()").await.unwrap();
        assert_eq!(db(before), "master");
        first(&mut c, "USE [mgc]").await.unwrap();
        let after = first(&mut c, "SELECT DB_NAME()").await.unwrap();
        assert_eq!(db(after), "mgc");
    });
    server.stop();
}

#[test]
fn query_with_parameters_reaches_the_backend_as_typed_params() {
    let (server, fake) = start(ServeConfig::default());
    let addr = server.endpoints()[0];
    rt().block_on(async {
        let mut c = connect(addr, PASSWORD).await.unwrap();
        let none: Option<i32> = None;
        let rows = c
            .query(
                "SELECT @P1, @P2, @P3, @P4, @P5",
                &[&42i32, &"N'quoted' ü", &true, &7_000_000_000i64, &none],
            )
            .await
            .unwrap()
            .into_first_result()
            .await
            .unwrap();
        assert_eq!(rows[0].get::<i64, _>(0), Some(42));
        assert_eq!(rows[0].get::<&str, _>(1), Some("N'quoted' ü"));
    });
    let params = fake.last_params.lock().unwrap().clone();
    let got: Vec<(&str, &Value)> = params.iter().map(|p| (p.name.as_str(), &p.value)).collect();
    assert_eq!(
        got,
        [
            ("@P1", &Value::Int(42)),
            ("@P2", &Value::Text("N'quoted' ü".into())),
            ("@P3", &Value::Int(1)),
            ("@P4", &Value::Int(7_000_000_000)),
            ("@P5", &Value::Null),
        ]
    );
    server.stop();
}

#[test]
fn a_wrong_password_gets_msg_18456_and_no_session() {
    let (server, fake) = start(ServeConfig::default());
    let addr = server.endpoints()[0];
    rt().block_on(async {
        let e = connect(addr, "guess").await.expect_err("login must fail");
        match e {
            tiberius::error::Error::Server(t) => {
                assert_eq!((t.code(), t.class()), (18456, 14));
                assert_eq!(t.message(), "Login failed for user 'drill'.");
            }
            other => panic!("expected Msg 18456, got {other}"),
        }
    });
    assert_eq!(fake.count("login"), 0);
    assert_eq!(fake.count("logout"), 0);
    server.stop();
}

#[test]
fn fifty_concurrent_sessions_each_get_their_rows_and_all_log_out() {
    let (server, fake) = start(ServeConfig::default());
    let addr = server.endpoints()[1];
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut clients = Vec::new();
        // All 50 connected at once before any of them queries.
        for _ in 0..50 {
            clients.push(connect(addr, PASSWORD).await.unwrap());
        }
        let tasks: Vec<_> = clients
            .into_iter()
            .map(|mut c| {
                tokio::spawn(async move {
                    Ok::<usize, tiberius::error::Error>(
                        first(&mut c, "SELECT * FROM every_type").await?.len(),
                    )
                })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap(), 2);
        }
    });
    assert_eq!(fake.count("login"), 50);
    assert_eq!(wait_for(&fake, "logout", 50), 50);
    server.stop();
}

#[test]
fn a_session_beyond_the_limit_gets_msg_17809_and_a_freed_slot_is_reused() {
    let cfg = ServeConfig {
        max_sessions: 2,
        ..ServeConfig::default()
    };
    let (server, fake) = start(cfg);
    let addr = server.endpoints()[0];
    rt().block_on(async {
        let a = connect(addr, PASSWORD).await.unwrap();
        let _b = connect(addr, PASSWORD).await.unwrap();
        match connect(addr, PASSWORD)
            .await
            .expect_err("third session refused")
        {
            tiberius::error::Error::Server(t) => {
                assert_eq!(t.code(), 17809);
                assert!(t
                    .message()
                    .contains("maximum number of '2' user connections"));
            }
            other => panic!("expected Msg 17809, got {other}"),
        }
        drop(a);
        assert_eq!(wait_for(&fake, "logout", 1), 1);
        connect(addr, PASSWORD)
            .await
            .expect("the freed slot takes a new session");
    });
    server.stop();
}

// ---- TDS encryption: TLS inside PRELOGIN with the range's self-signed certificate ----

async fn connect_tls(
    addr: SocketAddr,
    level: tiberius::EncryptionLevel,
) -> tiberius::Result<Client> {
    let mut cfg = tiberius::Config::new();
    cfg.host("localhost");
    cfg.port(addr.port());
    cfg.authentication(tiberius::AuthMethod::sql_server(USER, PASSWORD));
    cfg.encryption(level);
    cfg.trust_cert();
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    tiberius::Client::connect(cfg, tcp.compat_write()).await
}

#[test]
fn tiberius_defaults_with_trust_cert_encrypt_the_whole_session() {
    let (server, fake) = start(ServeConfig::default());
    let addr = server.endpoints()[0];
    rt().block_on(async {
        // Required is tiberius's default with a TLS backend (what `drill replay` uses).
        let mut c = connect_tls(addr, tiberius::EncryptionLevel::Required)
            .await
            .unwrap();
        let rows = first(&mut c, "SELECT * FROM every_type").await.unwrap();
        assert_eq!(rows[0].get::<&str, _>(5), Some("mgc — Persistent Chat"));
        let e = first(&mut c, "RESTORE LOG mgc FROM DISK = N'x'")
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some(4305));
    });
    assert_eq!(fake.count("login"), 1);
    server.stop();
}

#[test]
fn encrypt_off_encrypts_the_login_alone_then_talks_in_the_clear() {
    let (server, _fake) = start(ServeConfig::default());
    let addr = server.endpoints()[0];
    rt().block_on(async {
        let mut c = connect_tls(addr, tiberius::EncryptionLevel::Off)
            .await
            .unwrap();
        // The batch after login travels unencrypted: had either side stayed in TLS the
        // other would read records as TDS packets (or the reverse) and fail.
        let rows = first(&mut c, "SELECT 1").await.unwrap();
        assert_eq!(rows.len(), 2);
        // A wrong password over the encrypted login is still Msg 18456.
        let mut cfg = tiberius::Config::new();
        cfg.port(addr.port());
        cfg.authentication(tiberius::AuthMethod::sql_server(USER, "nope"));
        cfg.encryption(tiberius::EncryptionLevel::Off);
        cfg.trust_cert();
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let e = tiberius::Client::connect(cfg, tcp.compat_write())
            .await
            .err()
            .unwrap();
        assert_eq!(e.code(), Some(18456));
    });
    server.stop();
}

#[test]
fn without_tls_a_client_requiring_encryption_is_told_the_server_cannot() {
    let cfg = ServeConfig {
        tls: harness::range::tls::TlsMode::Off,
        ..ServeConfig::default()
    };
    let (server, _fake) = start(cfg);
    let addr = server.endpoints()[0];
    rt().block_on(async {
        let e = connect_tls(addr, tiberius::EncryptionLevel::Required)
            .await
            .err()
            .unwrap();
        assert!(
            e.to_string()
                .contains("does not allow the requested encryption level"),
            "{e}"
        );
        // NotSupported still logs in.
        connect(addr, PASSWORD).await.unwrap();
    });
    server.stop();
}

// ---- raw TDS: what a broken or hostile client sends ----

fn raw(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

fn send(s: &mut TcpStream, ty: u8, payload: &[u8]) {
    let mut wire = Vec::new();
    packet::frame(ty, payload, 4096, 0, &mut wire);
    s.write_all(&wire).unwrap();
}

/// Read one whole message (until EOM); None when the server closed the connection.
fn recv(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let mut h = [0u8; 8];
        s.read_exact(&mut h).ok()?;
        let len = u16::from_be_bytes([h[2], h[3]]) as usize;
        let mut body = vec![0u8; len - 8];
        s.read_exact(&mut body).ok()?;
        out.extend_from_slice(&body);
        if h[1] & packet::STATUS_EOM != 0 {
            return Some(out);
        }
    }
}

fn closed(s: &mut TcpStream) -> bool {
    let mut b = [0u8; 1];
    matches!(s.read(&mut b), Ok(0) | Err(_))
}

/// PRELOGIN and LOGIN7 by hand; returns the login answer.
fn raw_login(s: &mut TcpStream, password: &str) -> Vec<u8> {
    send(
        s,
        packet::PRELOGIN,
        &prelogin::response(prelogin::ENCRYPT_NOT_SUP),
    );
    recv(s).expect("prelogin answer");
    let login = Login {
        user: USER.into(),
        password: password.into(),
        database: String::new(),
        app_name: "range_wire".into(),
        host_name: "test".into(),
    };
    send(s, packet::LOGIN7, &login7::encode(&login, 4096));
    recv(s).expect("login answer")
}

fn sql_batch(sql: &str) -> Vec<u8> {
    let mut p = batch::all_headers();
    for u in sql.encode_utf16() {
        p.extend_from_slice(&u.to_le_bytes());
    }
    p
}

fn good_client_works(addr: SocketAddr) {
    rt().block_on(async {
        let mut c = connect(addr, PASSWORD).await.unwrap();
        let rows = first(&mut c, "SELECT 1").await.unwrap();
        assert_eq!(rows.len(), 2);
    });
}

#[test]
fn garbage_and_truncated_packets_close_only_their_own_connection() {
    let cfg = ServeConfig {
        login_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_secs(2),
        ..ServeConfig::default()
    };
    let (server, fake) = start(cfg);
    let addr = server.endpoints()[0];
    // A session that stays logged in through all of it.
    let mut bystander = raw(addr);
    assert!(raw_login(&mut bystander, PASSWORD).contains(&token::LOGINACK));

    // Plain garbage: a header announcing a 3-byte packet.
    let mut s = raw(addr);
    s.write_all(&[0x12, 0x01, 0x00, 0x03, 0xde, 0xad, 0xbe, 0xef])
        .unwrap();
    assert!(closed(&mut s));
    // A header promising more than it sends, then silence: the read timeout ends it.
    let mut s = raw(addr);
    s.write_all(&[0x12, 0x01, 0x10, 0x00, 0, 0, 1, 0, 1, 2, 3])
        .unwrap();
    assert!(closed(&mut s));
    // A truncated LOGIN7 (its length field says 94 bytes, 20 arrive).
    let mut s = raw(addr);
    send(
        &mut s,
        packet::PRELOGIN,
        &prelogin::response(prelogin::ENCRYPT_NOT_SUP),
    );
    recv(&mut s).unwrap();
    let mut login = login7::encode(
        &Login {
            user: USER.into(),
            password: PASSWORD.into(),
            database: String::new(),
            app_name: String::new(),
            host_name: String::new(),
        },
        4096,
    );
    login.truncate(20);
    send(&mut s, packet::LOGIN7, &login);
    assert!(closed(&mut s));
    // After login: an RPC whose parameter type byte is nonsense.
    let mut s = raw(addr);
    raw_login(&mut s, PASSWORD);
    let mut rpc = batch::all_headers();
    rpc.extend_from_slice(&[0xFF, 0xFF, 10, 0, 0, 0, 0, 0x99, 1, 2, 3]);
    send(&mut s, packet::RPC, &rpc);
    assert!(closed(&mut s));
    // A connection dropped halfway through sending LOGIN7.
    let mut s = raw(addr);
    s.write_all(&[0x10, 0x00, 0x02, 0x00, 0, 0, 1, 0, 9, 9])
        .unwrap();
    drop(s);

    // The bystander's session is untouched and still answers.
    send(
        &mut bystander,
        packet::SQL_BATCH,
        &sql_batch("PRINT 'still here'"),
    );
    let answer = recv(&mut bystander).expect("the bystander is still served");
    assert_eq!(answer[0], token::INFO);
    good_client_works(addr);
    // One login for the bystander, one for the RPC client, one for the good client; the
    // RPC client's session was logged out when its connection closed.
    assert_eq!(fake.count("login"), 3);
    assert!(wait_for(&fake, "logout", 2) >= 2);
    server.stop();
}

#[test]
fn a_request_over_the_batch_limit_gets_an_error_not_an_allocation() {
    let cfg = ServeConfig {
        max_batch_bytes: 64 * 1024,
        ..ServeConfig::default()
    };
    let (server, _fake) = start(cfg);
    let addr = server.endpoints()[0];
    let mut s = raw(addr);
    raw_login(&mut s, PASSWORD);
    // A client streaming a "2 GB" batch: packets without EOM, far past the limit. The
    // server answers and closes once 64 KiB have arrived; writes after that may fail.
    let body = vec![b'x'; 4088];
    let mut header = vec![packet::SQL_BATCH, 0, 0x10, 0x00, 0, 0, 1, 0];
    header.extend_from_slice(&body);
    for _ in 0..64 {
        if s.write_all(&header).is_err() {
            break;
        }
    }
    let answer = recv(&mut s).expect("an answer before the close");
    assert_eq!(answer[0], token::ERROR);
    let text = String::from_utf16_lossy(
        &answer[11..]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect::<Vec<_>>(),
    );
    assert!(text.contains("limit of 65536 bytes"), "{text}");
    good_client_works(addr);
    server.stop();
}

#[test]
fn an_attention_is_acknowledged_with_done_attn_and_reaches_the_backend() {
    let (server, fake) = start(ServeConfig::default());
    let addr = server.endpoints()[0];
    let mut s = raw(addr);
    raw_login(&mut s, PASSWORD);
    send(&mut s, packet::ATTENTION, &[]);
    let answer = recv(&mut s).unwrap();
    assert_eq!(answer[0], token::DONE);
    assert_eq!(
        u16::from_le_bytes([answer[1], answer[2]]) & token::DONE_ATTN,
        token::DONE_ATTN
    );
    assert_eq!(fake.count("attention"), 1);
    // The session goes on after the cancel.
    send(&mut s, packet::SQL_BATCH, &sql_batch("PRINT 1"));
    assert_eq!(recv(&mut s).unwrap()[0], token::INFO);
    server.stop();
}

#[test]
fn a_client_gone_mid_batch_is_an_attention_then_a_logout() {
    let (server, fake) = start(ServeConfig::default());
    let addr = server.endpoints()[0];
    let mut s = raw(addr);
    raw_login(&mut s, PASSWORD);
    // The first packet of a two-packet batch, then the client vanishes.
    let mut first = vec![packet::SQL_BATCH, 0, 0, 8 + 6, 0, 0, 1, 0];
    first.extend_from_slice(&[b'S', 0, b'E', 0, b'L', 0]);
    s.write_all(&first).unwrap();
    drop(s);
    assert_eq!(wait_for(&fake, "logout", 1), 1);
    let ev = fake.events();
    let att = ev.iter().position(|e| e.starts_with("attention"));
    let out = ev.iter().position(|e| e.starts_with("logout"));
    assert!(att.is_some() && att < out, "{ev:?}");
    server.stop();
}

// ---- clients from other ecosystems: python-tds (PyPI) and FreeTDS tsql (Debian) ----

/// The Python with pytds: $DRILL_PYTHON (what .ci/run sets up), else python3.
fn pytds_python() -> Option<String> {
    let py = std::env::var("DRILL_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = std::process::Command::new(&py)
        .args(["-c", "import pytds"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    ok.then_some(py)
}

#[test]
fn python_tds_logs_in_selects_and_sees_an_error() {
    let Some(py) = pytds_python() else {
        skip_line!("SKIPPED python_tds_logs_in_selects_and_sees_an_error: no python with pytds (pip install python-tds, or set DRILL_PYTHON; .ci/run does this)");
        return;
    };
    let (server, fake) = start(ServeConfig::default());
    let addr = server.endpoints()[0];
    let script = r#"
import os, sys, pytds
port = int(sys.argv[1])
with pytds.connect(server='127.0.0.1', port=port, user=os.environ['U'], password=os.environ['P'], autocommit=True, login_timeout=10) as c:
    cur = c.cursor()
    cur.execute("SELECT * FROM every_type")
    print("cols", ",".join(d[0] for d in cur.description))
    for row in cur.fetchall():
        print("row", repr(tuple(row)))
    cur.execute("SELECT %s AS a", (7,))
    print("param", cur.fetchall()[0][0])
    try:
        cur.execute("RESTORE LOG mgc FROM DISK = N'x'")
        print("no error")
    except pytds.tds_base.Error as e:
        print("error", e.msg_no, e.severity, "|", str(e).replace("\n", " "))
    cur.execute("USE mgc")
    cur.execute("SELECT DB_NAME()")
    print("db", cur.fetchall()[0][0])
"#;
    let out = std::process::Command::new(py)
        .args(["-c", script, &addr.port().to_string()])
        .env("U", USER)
        .env("P", PASSWORD)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "cols i,si,ti,bi,b,name,lsn,finished,guid");
    assert!(lines[1].starts_with("row (-2000000000, -300, 255, 9000000000, True, 'mgc — Persistent Chat', Decimal('41000000123400001'), datetime.datetime(1900, 1, 3, 0, 0, 1, 500000), UUID('6f9619ff-8b86-d011-b42d-00c04fc964ff'))"), "{}", lines[1]);
    assert_eq!(
        lines[2],
        "row (None, None, None, None, None, None, None, None, None)"
    );
    assert_eq!(lines[3], "param 7");
    // pytds raises the batch's last error (3013); the first (4305) is in its text.
    assert!(lines[4].starts_with("error 3013 16 |"), "{}", lines[4]);
    assert!(lines[4].contains("too recent to apply"), "{}", lines[4]);
    assert_eq!(lines[5], "db mgc");
    // pytds sent its parameter through sp_executesql as a typed value.
    assert_eq!(fake.count("login"), 1);
    server.stop();
}

#[test]
fn freetds_tsql_logs_in_selects_and_sees_an_error() {
    let has_tsql = std::process::Command::new("tsql")
        .arg("-C")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !has_tsql {
        skip_line!("SKIPPED freetds_tsql_logs_in_selects_and_sees_an_error: no tsql on PATH (Debian: apt-get install -y freetds-bin; .ci/run does this)");
        return;
    }
    let (server, _fake) = start(ServeConfig::default());
    let addr = server.endpoints()[0];
    // FreeTDS's default ("encryption = request") answers the range's TLS offer with
    // ENCRYPT_OFF: the login alone is encrypted. "require" encrypts the whole session.
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("freetds.conf");
    std::fs::write(&conf, "[global]\n\tencryption = require\n").unwrap();
    for freetds_conf in [None, Some(&conf)] {
        let mut cmd = std::process::Command::new("tsql");
        if let Some(c) = freetds_conf {
            cmd.env("FREETDSCONF", c);
        }
        let mut child = cmd
            .args([
                "-H",
                "127.0.0.1",
                "-p",
                &addr.port().to_string(),
                "-U",
                USER,
                "-P",
                PASSWORD,
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(
                b"SELECT * FROM every_type\ngo\nRESTORE LOG mgc FROM DISK = N'x'\ngo\nexit\n",
            )
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let all = format!("{stdout}\n{stderr}");
        assert!(
            all.contains("i\tsi\tti\tbi\tb\tname\tlsn\tfinished\tguid"),
            "{all}"
        );
        assert!(
            all.contains(
                "-2000000000\t-300\t255\t9000000000\t1\tmgc — Persistent Chat\t41000000123400001"
            ),
            "{all}"
        );
        assert!(all.contains("(2 rows affected)"), "{all}");
        assert!(
            all.contains("Msg 4305 (severity 16, state 1) from PCSQL01"),
            "{all}"
        );
        assert!(
            all.contains("Msg 3013 (severity 16, state 1) from PCSQL01"),
            "{all}"
        );
    }
    server.stop();
}

// ---- the decoders never panic, whatever arrives ----

mod decoders_never_panic {
    use super::*;
    use harness::range::tds::rpc;
    use proptest::prelude::*;

    fn valid_login() -> Vec<u8> {
        login7::encode(
            &Login {
                user: USER.into(),
                password: PASSWORD.into(),
                database: "mgc".into(),
                app_name: "x".into(),
                host_name: "y".into(),
            },
            4096,
        )
    }

    /// sp_executesql with @stmt, @params and an int, a string and a bit parameter, as
    /// tiberius sends it.
    fn valid_rpc() -> Vec<u8> {
        let mut p = batch::all_headers();
        p.extend_from_slice(&[0xFF, 0xFF, 10, 0, 0, 0]);
        let nvarchar = |p: &mut Vec<u8>, name: &str, s: &str| {
            p.push(name.encode_utf16().count() as u8);
            p.extend(name.encode_utf16().flat_map(u16::to_le_bytes));
            p.push(0);
            p.push(0xE7);
            p.extend_from_slice(&8000u16.to_le_bytes());
            p.extend_from_slice(&[0x09, 0x04, 0xD0, 0x00, 0x34]);
            let units: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
            p.extend_from_slice(&(units.len() as u16).to_le_bytes());
            p.extend_from_slice(&units);
        };
        nvarchar(&mut p, "@stmt", "SELECT @P1, @P2, @P3");
        nvarchar(&mut p, "@params", "@P1 int, @P2 nvarchar(4000), @P3 bit");
        p.extend_from_slice(&[3, b'@', 0, b'P', 0, b'1', 0, 0, 0x26, 4, 4, 42, 0, 0, 0]);
        nvarchar(&mut p, "@P2", "mgc");
        p.extend_from_slice(&[3, b'@', 0, b'P', 0, b'3', 0, 0, 0x68, 1, 1, 1]);
        p
    }

    #[test]
    fn the_valid_rpc_decodes_to_its_statement_and_parameters() {
        let call = rpc::to_call(rpc::decode(&valid_rpc()).unwrap()).unwrap();
        assert_eq!(call.sql, "SELECT @P1, @P2, @P3");
        let got: Vec<(&str, &Value)> = call
            .params
            .iter()
            .map(|p| (p.name.as_str(), &p.value))
            .collect();
        assert_eq!(
            got,
            [
                ("@P1", &Value::Int(42)),
                ("@P2", &Value::Text("mgc".into())),
                ("@P3", &Value::Int(1))
            ]
        );
    }

    fn all_decoders(bytes: &[u8]) {
        harness::range::tds::decode_any(bytes);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            all_decoders(&bytes);
        }

        /// Valid messages with a few bytes overwritten and a random cut: the interesting
        /// inputs (offsets and lengths that almost fit) that random bytes rarely reach.
        #[test]
        fn mutated_valid_messages(
            which in 0..3usize,
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
            cut in any::<prop::sample::Index>(),
        ) {
            let mut m = match which {
                0 => valid_login(),
                1 => valid_rpc(),
                _ => prelogin::response(prelogin::ENCRYPT_OFF),
            };
            for (at, b) in edits {
                let i = at.index(m.len());
                m[i] = b;
            }
            let keep = cut.index(m.len() + 1);
            m.truncate(keep.max(1));
            all_decoders(&m);
            // Framed too: the packet layer hands the same bytes on.
            let mut wire = Vec::new();
            packet::frame(packet::RPC, &m, 512, 0, &mut wire);
            let msgs = packet::split(&wire, 4096, 64 * 1024).unwrap();
            prop_assert_eq!(&msgs[0].payload, &m);
        }
    }
}

#[test]
fn an_idle_session_is_closed_after_the_idle_timeout_and_logged_out() {
    let cfg = ServeConfig {
        idle_timeout: Duration::from_millis(500),
        ..ServeConfig::default()
    };
    let (server, fake) = start(cfg);
    let addr = server.endpoints()[0];
    let mut s = raw(addr);
    raw_login(&mut s, PASSWORD);
    // Nothing sent: the server closes the connection and the session is gone.
    assert!(closed(&mut s));
    assert_eq!(wait_for(&fake, "logout", 1), 1);
    assert_eq!(fake.count("attention"), 0);
    server.stop();
}
