//! The range against SQL clients no one here wrote and that nothing here configures beyond
//! what an operator would: Microsoft's SqlClient (System.Data.SqlClient inside the
//! SqlToolsService that PyPI's mssql-cli bundles) and npm's tedious. The backend is the
//! model (`ModelBackend` with the range's SELECT), as `drill range` serves it.
//!
//! Each test needs its tool: `DRILL_MSSQL_CLI` (a launcher for mssql-cli, made by .ci/run)
//! and `DRILL_TEDIOUS` (a node_modules folder holding tedious, made by .ci/run). Without it
//! the test says SKIPPED on the terminal; with `DRILL_CI=1` (set by .ci/run) a missing tool
//! fails the test instead, so CI cannot pass by skipping.

/// A skip is said on the terminal, past the test harness's capture, so it is never silent.
macro_rules! skip_line {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}

mod common;

use harness::range::backend::{Clock, ModelBackend};
use harness::range::reply::{Backend, Login, Param, Reply, Session, SqlMessage};
use harness::range::server::{RangeServer, ServeConfig};
use harness::range::tls::TlsMode;
use harness::range::{console, select, tsql};
use sim::live::Live;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

const USER: &str = "drill";
const PASSWORD: &str = "Rehearse#1";
/// Endpoints in the range's order: primary, mirror, witness, backup, backup-mirror.
const PRIMARY: usize = 0;
const BACKUP: usize = 3;

/// The model behind the wire, plus the log of every batch text that reached it, so a test
/// can say which statements a client sent on its own (at connect) and what they got.
struct Logged {
    model: ModelBackend,
    batches: Mutex<Vec<(usize, String)>>,
    /// The application name of each successful login.
    apps: Mutex<Vec<String>>,
    /// Each batch's answer: whether it had rows, and its errors' numbers.
    answers: Mutex<Vec<(String, bool, Vec<i32>)>>,
}

impl Logged {
    fn batches(&self) -> Vec<String> {
        self.batches
            .lock()
            .unwrap()
            .iter()
            .map(|(_, b)| b.clone())
            .collect()
    }
    fn apps(&self) -> Vec<String> {
        self.apps.lock().unwrap().clone()
    }
    /// The answer to the first batch starting with `start`: (rows?, error numbers).
    fn answer(&self, start: &str) -> Option<(bool, Vec<i32>)> {
        self.answers
            .lock()
            .unwrap()
            .iter()
            .find(|(sql, _, _)| sql.starts_with(start))
            .map(|(_, rows, errors)| (*rows, errors.clone()))
    }
}

impl Backend for Logged {
    fn server_name(&self, endpoint: usize) -> String {
        self.model.server_name(endpoint)
    }
    fn login(&self, endpoint: usize, login: &Login) -> Result<Session, SqlMessage> {
        let s = self.model.login(endpoint, login)?;
        self.apps.lock().unwrap().push(login.app_name.clone());
        Ok(s)
    }
    fn batch(
        &self,
        endpoint: usize,
        session: &mut Session,
        sql: &str,
        params: &[Param],
    ) -> Vec<Reply> {
        self.batches
            .lock()
            .unwrap()
            .push((endpoint, sql.to_string()));
        if std::env::var_os("DRILL_CLIENTS_TRACE").is_some() {
            skip_line!("batch on {endpoint}: {sql}");
        }
        let r = self.model.batch(endpoint, session, sql, params);
        if std::env::var_os("DRILL_CLIENTS_TRACE").is_some() {
            skip_line!("  -> {r:?}");
        }
        let rows = r.iter().any(|x| matches!(x, Reply::Rows(_)));
        let errors = r
            .iter()
            .filter_map(|x| match x {
                Reply::Message(m) if m.class > 10 => Some(m.number),
                _ => None,
            })
            .collect();
        self.answers
            .lock()
            .unwrap()
            .push((sql.to_string(), rows, errors));
        r
    }
    fn attention(&self, endpoint: usize, session: &Session) {
        self.model.attention(endpoint, session)
    }
    fn logout(&self, endpoint: usize, session: &Session) {
        self.model.logout(endpoint, session)
    }
}

/// The default drill's model, its clock advanced by `advance` (console syntax, e.g. "50m"),
/// served on free loopback ports.
fn range(advance: &str, tls: TlsMode) -> (RangeServer, Arc<Logged>) {
    range_with(
        advance,
        ServeConfig {
            tls,
            ..ServeConfig::default()
        },
    )
}

fn range_with(advance: &str, cfg: ServeConfig) -> (RangeServer, Arc<Logged>) {
    let s: sim::scenario::Scenario =
        serde_json::from_str(r#"{"name": "clients", "seed": 7}"#).unwrap();
    let model = ModelBackend::new(
        Live::new(&s),
        Clock::new(0.0),
        USER,
        PASSWORD,
        tsql::parse_batch,
        select::run,
    );
    let (out, _) = console::line(
        &model,
        console::cmdlet_unavailable,
        &format!("advance {advance}"),
    );
    assert!(!out.contains("!!"), "{out}");
    let logged = Arc::new(Logged {
        model,
        batches: Mutex::new(Vec::new()),
        apps: Mutex::new(Vec::new()),
        answers: Mutex::new(Vec::new()),
    });
    let server = RangeServer::start(cfg, logged.clone()).expect("the range starts");
    (server, logged)
}

/// Whether CI said every client must be there.
fn ci() -> bool {
    std::env::var("DRILL_CI").is_ok_and(|v| v == "1")
}

// ---- mssql-cli: Microsoft's SqlToolsService and System.Data.SqlClient ----

fn mssql_cli(addr: SocketAddr, password: &str, args: &[&str], query: &str) -> (bool, String) {
    let launcher = std::env::var("DRILL_MSSQL_CLI").unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(launcher)
        .args(["-S", &format!("127.0.0.1,{}", addr.port()), "-U", USER])
        .args(args)
        .args(["-Q", query])
        .env("MSSQL_CLI_PASSWORD", password)
        .env("MSSQL_CLI_TELEMETRY_OPTOUT", "True")
        .env("HOME", home.path())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Whether the mssql-cli test can run; if not, says why (and fails under CI).
fn have_mssql_cli(test: &str) -> bool {
    if std::env::var_os("DRILL_MSSQL_CLI").is_some() {
        return true;
    }
    assert!(!ci(), "DRILL_CI=1 but DRILL_MSSQL_CLI is not set");
    skip_line!("SKIPPED {test}: DRILL_MSSQL_CLI is not set (a launcher for PyPI's mssql-cli; .ci/run makes one)");
    false
}

const SQLCLIENT: &str = "Core .Net SqlClient Data Provider";

/// The batches SqlToolsService sends by itself after login (their starts; the whole texts
/// are in docs/range.md, logged with DRILL_CLIENTS_TRACE=1). The first three the range
/// answers through its SELECT and catalog; the last three (an IF, a DECLARE, CONTEXT_INFO(),
/// which the range does not keep) it does not model (Msg 50000), and SqlToolsService goes on
/// without them.
const SERVER_INFO: &str =
    "SELECT SERVERPROPERTY('EngineEdition'), SERVERPROPERTY('productversion')";
const OS_VERSION: &str = "SELECT OSVersion = RIGHT(@@version, LEN(@@version)- 3 -charindex";
const SESSION_OPTIONS: &str =
    "SELECT ISNULL(SESSIONPROPERTY ('ANSI_NULLS'), 0), ISNULL(SESSIONPROPERTY ('QUOTED_IDENTIFIER'), 1)";
const CLUSTER_ENDPOINTS: &str = "IF OBJECT_ID (N'master.dbo.cluster_endpoint_info') IS NOT NULL";
const SMO_EDITION: &str = "DECLARE @edition sysname;";
const CONTEXT_INFO: &str = "SELECT CONVERT(NVARCHAR(36), CONTEXT_INFO())";

/// What the range answered to SqlToolsService's own connect-time batches.
fn assert_connect_time_answers(logged: &Logged) {
    for start in [SERVER_INFO, OS_VERSION, SESSION_OPTIONS] {
        assert_eq!(
            logged.answer(start),
            Some((true, vec![])),
            "{start}: {:?}",
            logged.batches()
        );
    }
    for start in [CLUSTER_ENDPOINTS, SMO_EDITION, CONTEXT_INFO] {
        assert_eq!(
            logged.answer(start),
            Some((false, vec![50000])),
            "{start}: {:?}",
            logged.batches()
        );
    }
}
const PROBE: &str = "SELECT name, state_desc FROM sys.databases WHERE name = N'mgc'";
/// After 50 simulated minutes log shipping has restored mgc_0001..0003 on backup, so the
/// first is too early: Msg 4326 then 3013 (docs/relational-databases/errors-events/
/// database-engine-events-and-errors-4000-to-4999.md).
const TOO_EARLY: &str =
    "RESTORE LOG mgc FROM DISK = N'D:\\LogShipCopy\\mgc_0001.trn' WITH NORECOVERY";

/// Encryption off (mssql-cli's default: SqlClient's Encrypt=False): the login packet alone
/// is encrypted. The probe's rows and the RESTORE's two errors as SqlClient reports them.
#[test]
fn mssql_cli_encrypt_off_probes_and_sees_4326_then_3013() {
    if !have_mssql_cli("mssql_cli_encrypt_off_probes_and_sees_4326_then_3013") {
        return;
    }
    let (server, logged) = range("50m", TlsMode::SelfSigned);
    let backup = server.endpoints()[BACKUP];
    let (ok, text) = mssql_cli(backup, PASSWORD, &[], &format!("{PROBE}; {TOO_EARLY}"));
    server.stop();
    assert!(
        logged.apps().iter().all(|a| a == SQLCLIENT),
        "{:?}",
        logged.apps()
    );
    // mssql-cli splits the line into statements (sqlparse), keeping the first's ';'.
    let sent: Vec<String> = logged.batches();
    assert!(
        sent.iter().any(|b| b.trim_end_matches(';') == PROBE),
        "{sent:?}"
    );
    assert!(sent.iter().any(|b| b == TOO_EARLY), "{sent:?}");
    assert!(ok, "{text}");
    // mgc on backup is RESTORING: log shipping restores WITH NORECOVERY.
    assert!(text.contains("| mgc    | RESTORING    |"), "{text}");
    assert!(text.contains("(1 row affected)"), "{text}");
    // SqlClient gets both errors (SqlException.Errors); mssql-cli prints the first, in
    // sqlcmd's format.
    assert!(
        text.contains(
            "Msg 4326, Level 16, State 1, Line 1\nThe log in this backup set terminates at LSN "
        ),
        "{text}"
    );
    assert!(
        text.contains(", which is too early to apply to the database. A more recent log backup that includes LSN "),
        "{text}"
    );
}

/// Encrypt=True with TrustServerCertificate=True (`-N -C`): the whole session in TLS with
/// the range's self-signed certificate. Without -C SqlClient refuses the certificate; and
/// a range without TLS is refused by a client that requires encryption.
#[test]
fn mssql_cli_encrypt_with_trust_server_certificate() {
    if !have_mssql_cli("mssql_cli_encrypt_with_trust_server_certificate") {
        return;
    }
    let (server, logged) = range("0s", TlsMode::SelfSigned);
    let primary = server.endpoints()[PRIMARY];
    let (ok, text) = mssql_cli(primary, PASSWORD, &["-N", "-C"], PROBE);
    assert!(ok && text.contains("| mgc    | ONLINE       |"), "{text}");
    assert_connect_time_answers(&logged);
    // SqlToolsService opens several connections (its own, the query's, SMO's).
    let apps = logged.apps();
    assert!(
        !apps.is_empty() && apps.iter().all(|a| a == SQLCLIENT),
        "{apps:?}"
    );
    // SqlClient does not trust a self-signed certificate unless told to.
    let (_, text) = mssql_cli(primary, PASSWORD, &["-N"], PROBE);
    assert!(
        text.contains("an error occurred during the pre-login handshake"),
        "{text}"
    );
    server.stop();
    let (server, logged) = range("0s", TlsMode::Off);
    let primary = server.endpoints()[PRIMARY];
    let (_, text) = mssql_cli(primary, PASSWORD, &["-N", "-C"], PROBE);
    assert!(
        text.contains(
            "The instance of SQL Server you attempted to connect to does not support encryption."
        ),
        "{text}"
    );
    assert!(
        logged.apps().is_empty(),
        "no login without the encryption asked for"
    );
    let (ok, text) = mssql_cli(primary, PASSWORD, &[], PROBE);
    assert!(ok && text.contains("| mgc    | ONLINE       |"), "{text}");
    server.stop();
}

/// `drill range` itself, as an operator starts it, and mssql-cli as an operator runs it: no
/// wrapper between them. SqlToolsService's connect-time queries reach the range's own
/// SELECT (before, "Invalid object name 'sys.all_columns'" failed the connection); the
/// console advances the clock; the probe and the too-early RESTORE answer as in-process.
#[test]
fn mssql_cli_against_a_running_drill_range() {
    if !have_mssql_cli("mssql_cli_against_a_running_drill_range") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("range.log");
    let mut range = common::RangeProcess::start(
        &["--speed", "0", "--password-env", "RANGE_PW"],
        &[("RANGE_PW", PASSWORD)],
        std::fs::File::create(&log).unwrap().into(),
    );
    let backup = range.endpoints[3];
    range.console("advance 50m", "simulated time 0d 00:50:00");
    let (ok, text) = mssql_cli(backup, PASSWORD, &[], &format!("{PROBE}; {TOO_EARLY}"));
    range.quit();
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(ok, "{text}\n{log}");
    assert!(text.contains("| mgc    | RESTORING    |"), "{text}");
    assert!(
        text.contains(
            "Msg 4326, Level 16, State 1, Line 1\nThe log in this backup set terminates at LSN "
        ),
        "{text}"
    );
    assert!(log.contains(&format!("app '{SQLCLIENT}'")), "{log}");
}

/// A wrong password: Msg 18456, shown by SqlClient with SQL Server's text.
#[test]
fn mssql_cli_wrong_password_is_login_failed() {
    if !have_mssql_cli("mssql_cli_wrong_password_is_login_failed") {
        return;
    }
    let (server, logged) = range("0s", TlsMode::SelfSigned);
    let (_, text) = mssql_cli(server.endpoints()[PRIMARY], "Wrong#1", &[], PROBE);
    server.stop();
    assert!(
        text.contains("Error message: Login failed for user 'drill'."),
        "{text}"
    );
    assert!(logged.apps().is_empty());
}

// ---- tedious (npm): the driver behind node's `mssql` package ----

/// The node script the tedious tests run: argv port, encrypt (on|off|strict), trust (1|0), then
/// one SQL batch per argument; user and password from the environment (never argv). One
/// JSON object per line: each message as it arrives, each batch's end with its rows and
/// the numbers of its errors.
const TEDIOUS_JS: &str = r#"
const { Connection, Request } = require('tedious');
const [port, enc, trust, ...batches] = process.argv.slice(2);
const out = (o) => console.log(JSON.stringify(o));
const c = new Connection({
  server: '127.0.0.1',
  authentication: { type: 'default', options: { userName: process.env.U, password: process.env.P } },
  options: { port: Number(port), encrypt: enc === 'strict' ? 'strict' : enc === 'on',
             trustServerCertificate: trust === '1',
             connectTimeout: 10000, rowCollectionOnRequestCompletion: true },
});
c.on('errorMessage', (m) => out({ msg: m.number, class: m.class, state: m.state, line: m.lineNumber,
                                  server: m.serverName, text: m.message }));
c.connect((err) => {
  if (err) { out({ connect_error: err.code, text: err.message }); return; }
  out({ connected: true });
  const next = (i) => {
    if (i >= batches.length) { c.close(); return; }
    const r = new Request(batches[i], (err, rowCount, rows) => {
      // Several errors in one request arrive as an AggregateError.
      const errors = !err ? [] : err.errors ? err.errors.map((e) => e.number) : [err.number];
      out({ done: i, errors, rows: (rows || []).map((row) => row.map((col) => col.value)) });
      next(i + 1);
    });
    c.execSql(r);
  };
  next(0);
});
"#;

/// Whether the tedious tests can run; if not, says why (and fails under CI).
fn have_tedious(test: &str) -> bool {
    let node = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if node && std::env::var_os("DRILL_TEDIOUS").is_some() {
        return true;
    }
    assert!(!ci(), "DRILL_CI=1 but node or DRILL_TEDIOUS is missing");
    skip_line!("SKIPPED {test}: needs node and DRILL_TEDIOUS (a node_modules folder with tedious; .ci/run installs it)");
    false
}

/// Run the script against `addr`; its output lines as JSON.
fn tedious(
    addr: SocketAddr,
    password: &str,
    encrypt: &str,
    trust: bool,
    batches: &[&str],
) -> Vec<serde_json::Value> {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("probe.js");
    std::fs::write(&script, TEDIOUS_JS).unwrap();
    let out = std::process::Command::new("node")
        .arg(&script)
        .arg(addr.port().to_string())
        .arg(encrypt)
        .arg(if trust { "1" } else { "0" })
        .args(batches)
        .env("NODE_PATH", std::env::var_os("DRILL_TEDIOUS").unwrap())
        .env("U", USER)
        .env("P", password)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn messages(lines: &[serde_json::Value]) -> Vec<&serde_json::Value> {
    lines.iter().filter(|l| l.get("msg").is_some()).collect()
}

/// tedious's `encrypt: false` (it then says ENCRYPT_NOT_SUP: nothing is encrypted, the
/// login included). The probe's row; the RESTORE's ERROR tokens as tedious reads them
/// (number, class, state, line, server name, SQL Server's text) and its AggregateError.
#[test]
fn tedious_encrypt_off_probes_and_sees_4326_then_3013() {
    if !have_tedious("tedious_encrypt_off_probes_and_sees_4326_then_3013") {
        return;
    }
    let (server, logged) = range("50m", TlsMode::SelfSigned);
    let lines = tedious(
        server.endpoints()[BACKUP],
        PASSWORD,
        "off",
        false,
        &[PROBE, TOO_EARLY],
    );
    server.stop();
    assert_eq!(logged.apps(), vec!["Tedious".to_string()]);
    assert_eq!(lines[0], serde_json::json!({"connected": true}));
    assert_eq!(
        lines[1],
        serde_json::json!({"done": 0, "errors": [], "rows": [["mgc", "RESTORING"]]})
    );
    let m = messages(&lines);
    assert_eq!(m.len(), 2, "{lines:?}");
    for (m, number) in m.iter().zip([4326, 3013]) {
        assert_eq!(m["msg"], number);
        assert_eq!(
            (m["class"].as_u64(), m["state"].as_u64()),
            (Some(16), Some(1))
        );
        assert_eq!(
            (m["line"].as_u64(), m["server"].as_str()),
            (Some(1), Some("sql-backup"))
        );
    }
    let text = m[0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("The log in this backup set terminates at LSN "),
        "{text}"
    );
    assert!(text.contains(", which is too early to apply to the database. A more recent log backup that includes LSN "), "{text}");
    assert_eq!(m[1]["text"], "RESTORE LOG is terminating abnormally.");
    assert_eq!(
        lines.last().unwrap(),
        &serde_json::json!({"done": 1, "errors": [4326, 3013], "rows": []})
    );
}

/// `encrypt: true, trustServerCertificate: true`: the whole session in TLS with the
/// range's self-signed certificate; without trust tedious refuses it. Against a range
/// without TLS, tedious's `encrypt: true` goes on in the clear: tedious starts TLS only when
/// the server answers ENCRYPT_ON or ENCRYPT_REQ (its choice, not the range's; only its
/// TDS 8 `encrypt: 'strict'` insists, and the range does not speak TDS 8).
#[test]
fn tedious_encrypt_with_trust_server_certificate() {
    if !have_tedious("tedious_encrypt_with_trust_server_certificate") {
        return;
    }
    let (server, _) = range("0s", TlsMode::SelfSigned);
    let primary = server.endpoints()[PRIMARY];
    let lines = tedious(primary, PASSWORD, "on", true, &[PROBE]);
    assert_eq!(
        lines,
        vec![
            serde_json::json!({"connected": true}),
            serde_json::json!({"done": 0, "errors": [], "rows": [["mgc", "ONLINE"]]})
        ]
    );
    let lines = tedious(primary, PASSWORD, "on", false, &[PROBE]);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["connect_error"], "ESOCKET");
    assert!(
        lines[0]["text"]
            .as_str()
            .unwrap()
            .ends_with("self-signed certificate"),
        "{lines:?}"
    );
    server.stop();
    let (server, _) = range("0s", TlsMode::Off);
    let lines = tedious(server.endpoints()[PRIMARY], PASSWORD, "on", true, &[PROBE]);
    server.stop();
    assert_eq!(lines[0], serde_json::json!({"connected": true}));
}

/// A wrong password: Msg 18456 class 14 as an ERROR token, then tedious's ELOGIN.
#[test]
fn tedious_wrong_password_is_login_failed() {
    if !have_tedious("tedious_wrong_password_is_login_failed") {
        return;
    }
    let (server, logged) = range("0s", TlsMode::SelfSigned);
    let lines = tedious(server.endpoints()[PRIMARY], "Wrong#1", "on", true, &[PROBE]);
    server.stop();
    assert!(logged.apps().is_empty());
    assert_eq!(
        lines,
        vec![
            serde_json::json!({"msg": 18456, "class": 14, "state": 1, "line": 1,
                "server": "sql-primary", "text": "Login failed for user 'drill'."}),
            serde_json::json!({"connect_error": "ELOGIN", "text": "Login failed for user 'drill'."})
        ]
    );
}

/// `drill range` itself, as an operator starts it: tedious reads the backup's address from
/// what the range prints, the console advances the clock, the probe and the too-early
/// RESTORE answer as in-process; a TDS 8.0 client (`encrypt: 'strict'`, TLS before
/// PRELOGIN) is refused and the range's log says why.
#[test]
fn tedious_against_a_running_drill_range() {
    if !have_tedious("tedious_against_a_running_drill_range") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("range.log");
    let mut range = common::RangeProcess::start(
        &["--speed", "0", "--password-env", "RANGE_PW"],
        &[("RANGE_PW", PASSWORD)],
        std::fs::File::create(&log).unwrap().into(),
    );
    let backup = range.endpoints[3];
    range.console("advance 50m", "simulated time 0d 00:50:00");
    let lines = tedious(backup, PASSWORD, "on", true, &[PROBE, TOO_EARLY]);
    let strict = tedious(backup, PASSWORD, "strict", true, &[PROBE]);
    range.quit();
    let log = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        lines[1],
        serde_json::json!({"done": 0, "errors": [], "rows": [["mgc", "RESTORING"]]})
    );
    assert_eq!(
        lines.last().unwrap(),
        &serde_json::json!({"done": 1, "errors": [4326, 3013], "rows": []})
    );
    assert!(
        log.contains("login 'drill' spid 51 database 'master' app 'Tedious' encryption Session"),
        "{log}"
    );
    assert_eq!(strict.len(), 1, "{strict:?}");
    assert_eq!(strict[0]["connect_error"], "ESOCKET");
    assert!(
        log.contains("closed before login: the client began with a TLS handshake (TDS 8.0 strict encryption)"),
        "{log}"
    );
}

/// The fix behind the strict refusal, without any client installed: a short TLS
/// ClientHello whose first bytes, read as a TDS header, announce 256 bytes. The range closes
/// at the header; before, it waited for the rest of that "packet" until the login timeout
/// (here a minute, so a wait shows as the read below timing out, not as a slow pass).
#[test]
fn a_tls_handshake_before_prelogin_is_closed_at_once() {
    use std::io::{Read, Write};
    let cfg = ServeConfig {
        login_timeout: std::time::Duration::from_secs(60),
        ..ServeConfig::default()
    };
    let (server, logged) = range_with("0s", cfg);
    let mut s = std::net::TcpStream::connect(server.endpoints()[PRIMARY]).unwrap();
    // Record header: handshake (22), TLS 1.0 record version, 43 bytes; then the start of
    // a ClientHello (type 1, TLS 1.2) and zeros.
    let mut hello = vec![
        0x16, 0x03, 0x01, 0x00, 0x2b, 0x01, 0x00, 0x00, 0x27, 0x03, 0x03,
    ];
    hello.resize(48, 0);
    s.write_all(&hello).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let mut buf = [0u8; 64];
    match s.read(&mut buf) {
        Ok(0) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        other => panic!("the range should close the connection, got {other:?}"),
    }
    server.stop();
    assert!(logged.apps().is_empty());
}
