//! A full rehearsal of the documented failover against the range (issue 11's TDS endpoints
//! over the model), in-process: `drill rehearse`'s walk-through probes the range over
//! tiberius, while this test plays the operator, typing each step's T-SQL or cmdlet into
//! the range between the answers; F3 first restores a log the restore job already applied,
//! which the range refuses (Msg 4326, then 3013), and the operator reports it failed and
//! resolved. A recording backend in front of the model intercepts every batch that comes
//! over the wire: the rehearsal sent nothing but the fixed probes.

use harness::night::conn::{Endpoint, TiberiusConn};
use harness::night::model::Drill;
use harness::night::probes;
use harness::night::rehearse::{self, Args};
use harness::range::backend::{Clock, ModelBackend};
use harness::range::reply::{Backend, Login, Param, Reply, Session, SqlMessage};
use harness::range::server::{RangeServer, ServeConfig};
use harness::range::{select, tsql};
use sim::live::Live;
use sim::runbook::{Action, ActiveSelection};
use sim::topology::{Db, Dc, Instance, PoolState};
use sim::world::{BackupKind, FileState};
use std::collections::VecDeque;
use std::io::{BufRead, Read};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

const BACKUP: usize = 3;

/// Every batch that arrives over TDS, then the model's answer.
struct Intercept {
    inner: Arc<ModelBackend>,
    seen: Mutex<Vec<(usize, String)>>,
    /// Endpoints whose login the model refused (their instance was down).
    refused: Mutex<Vec<usize>>,
}

impl Backend for Intercept {
    fn server_name(&self, e: usize) -> String {
        self.inner.server_name(e)
    }
    fn login(&self, e: usize, l: &Login) -> Result<Session, SqlMessage> {
        let r = self.inner.login(e, l);
        if r.is_err() {
            self.refused.lock().unwrap().push(e);
        }
        r
    }
    fn batch(&self, e: usize, s: &mut Session, sql: &str, p: &[Param]) -> Vec<Reply> {
        self.seen.lock().unwrap().push((e, sql.to_string()));
        self.inner.batch(e, s, sql, p)
    }
    fn attention(&self, e: usize, s: &Session) {
        self.inner.attention(e, s)
    }
    fn logout(&self, e: usize, s: &Session) {
        self.inner.logout(e, s)
    }
}

fn errors(replies: &[Reply]) -> Vec<i32> {
    replies
        .iter()
        .filter_map(|r| match r {
            Reply::Message(m) if m.class > 10 => Some(m.number),
            _ => None,
        })
        .collect()
}

/// The operator: before each answer is read, does the step on the range (directly on the
/// model backend, not over the wire), then answers as the range responded.
struct Operator {
    b: Arc<ModelBackend>,
    s: Session,
    step: usize,
    pending: VecDeque<u8>,
    log: Vec<String>,
    /// Steps (0-based) the operator does not do, answering "s".
    skip: Vec<usize>,
}

impl Operator {
    fn sql(&mut self, text: &str) -> Vec<i32> {
        let r = self.b.batch(BACKUP, &mut self.s, text, &[]);
        let e = errors(&r);
        self.log.push(format!("{text} -> {e:?}"));
        e
    }

    fn advance_to(&self, t: u64) {
        let mut st = self.b.lock();
        let now = st.clock.now_s();
        if t > now {
            st.clock.advance(t - now);
        }
    }

    fn act(&mut self, what: &str, a: &Action) -> bool {
        let r = self.b.act(what, a);
        self.log.push(format!(
            "{what} -> {}",
            if r.is_ok() { "ok" } else { "failed" }
        ));
        r.is_ok()
    }

    /// Log backups in the copy folder past backup's redo point, oldest first; and one the
    /// restore job already applied.
    fn logs(&self) -> (Vec<String>, Option<String>) {
        let st = self.b.lock();
        let w = st.live.world();
        let redo = w.db(Instance::Backup, Db::Mgc).lsn;
        let mut v: Vec<_> = w
            .files
            .iter()
            .filter(|f| {
                f.kind == BackupKind::Log
                    && f.in_copy_folder == FileState::Readable
                    && f.last_lsn > redo
            })
            .map(|f| (f.first_lsn, f.file_name()))
            .collect();
        v.sort();
        let old = w
            .files
            .iter()
            .find(|f| f.kind == BackupKind::Log && f.last_lsn <= redo)
            .map(|f| f.file_name());
        (v.into_iter().map(|(_, n)| n).collect(), old)
    }

    fn next_answer(&mut self) -> String {
        let k = self.step;
        self.step += 1;
        if self.skip.contains(&k) {
            return "s\n".into();
        }
        let ok = |b: bool| {
            if b {
                "d\n".to_string()
            } else {
                "f\nthe range refused it\n".to_string()
            }
        };
        match k {
            0 => {
                // DC1 was lost at 01:01:00; the team starts at 01:02:00.
                self.advance_to(3720);
                ok(self
                    .sql("exec sp_delete_log_shipping_secondary_database N'mgc'")
                    .is_empty())
            }
            1 => ok(self.act(
                "robocopy",
                &Action::CopyUncopiedFiles {
                    instance: Instance::Backup,
                },
            )),
            2 => {
                let (todo, old) = self.logs();
                let old = old.expect("the restore job applied a log before the outage");
                let refused = self.sql(&format!(
                    "RESTORE LOG mgc FROM DISK = N'D:\\LogShipCopy\\{old}' WITH NORECOVERY"
                ));
                assert_eq!(refused, vec![4326, 3013], "{:?}", self.log);
                for f in &todo {
                    assert!(
                        self.sql(&format!(
                            "RESTORE LOG mgc FROM DISK = N'D:\\LogShipCopy\\{f}' WITH NORECOVERY"
                        ))
                        .is_empty(),
                        "{:?}",
                        self.log
                    );
                }
                "f\nMsg 4326 on a log already applied; restored the unapplied ones in LSN order\n"
                    .into()
            }
            3 => ok(self.sql("RESTORE DATABASE mgc WITH RECOVERY").is_empty()),
            4 => {
                // The Front End team failed the CMS over at 01:10 (the scenario's fault).
                self.advance_to(4300);
                ok(self.act(
                    "Set-CsPersistentChatState",
                    &Action::SetPoolState {
                        state: PoolState::FailedOver,
                    },
                ))
            }
            5 => ok(self.act(
                "Install-CsMirrorDatabase",
                &Action::InstallMirrorDatabase {
                    instance: Instance::Backup,
                    mirror: Instance::BackupMirror,
                    database: Db::Mgc,
                    drop_existing: false,
                },
            )),
            6 => ok(self.act(
                "Set-CsPersistentChatActiveServer",
                &Action::SetActiveServers {
                    servers: ActiveSelection::Dc(Dc::Dc2),
                },
            )),
            // The RPO question at the end: not known to the team.
            _ => "\n".into(),
        }
    }
}

impl Read for Operator {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let b = self.fill_buf()?;
            let n = b.len().min(buf.len());
            buf[..n].copy_from_slice(&b[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Operator {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.pending.is_empty() {
            let a = self.next_answer();
            self.pending.extend(a.bytes());
        }
        Ok(self.pending.as_slices().0)
    }
    fn consume(&mut self, n: usize) {
        self.pending.drain(..n);
    }
}

struct Outcome {
    text: String,
    seen: Vec<(usize, String)>,
    refused: Vec<usize>,
    dir: tempfile::TempDir,
    log: Vec<String>,
}

/// Start the range, walk the failover with the operator skipping `skip`, stop the range.
fn rehearse_on_the_range(skip: Vec<usize>) -> Outcome {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let site_file = root.join("scenarios/site-example.json");
    let runbook = root.join("scenarios/runbooks/failover.json");
    let site = harness::site::load(&site_file).unwrap();
    // The range plays the same scenario the rehearsal expects: the site's.
    let scenario = harness::site::scenario_for(&site).unwrap();
    let model = Arc::new(ModelBackend::new(
        Live::new(&scenario),
        Clock::new(0.0),
        "drill",
        "rehearsal-password",
        tsql::parse_batch,
        select::run,
    ));
    let wire = Arc::new(Intercept {
        inner: model.clone(),
        seen: Mutex::new(Vec::new()),
        refused: Mutex::new(Vec::new()),
    });
    let server = RangeServer::start(ServeConfig::default(), wire.clone()).expect("range starts");
    let eps = server.endpoints();
    let endpoints = [0, 1, 2, 3, 4].map(|k| {
        Some(Endpoint {
            host: "127.0.0.1".into(),
            port: eps[k].port(),
        })
    });
    let mut conn = TiberiusConn::new(
        endpoints,
        "drill".into(),
        "rehearsal-password".into(),
        true,
        true,
    )
    .unwrap();
    let login = Login {
        user: "drill".into(),
        password: "rehearsal-password".into(),
        database: String::new(),
        app_name: "operator".into(),
        host_name: "test".into(),
    };
    let s = model
        .login(BACKUP, &login)
        .expect("the operator logs in to backup");
    let mut op = Operator {
        b: model.clone(),
        s,
        step: 0,
        pending: VecDeque::new(),
        log: Vec::new(),
        skip,
    };
    let drill = Drill::prepare(&runbook, &site, None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let args = Args {
        runbook: runbook.clone(),
        site: site_file.clone(),
        scenario: None,
        dry_run: false,
        range: Some("127.0.0.1:1".into()),
        login: Default::default(),
        trust_cert: false,
        out: Some(dir.path().to_path_buf()),
        runs: 20,
    };
    let mut out = Vec::new();
    let code = rehearse::walk(
        &args,
        &site,
        &drill,
        dir.path(),
        "range",
        &mut conn,
        &mut op,
        &mut out,
    )
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    server.stop();
    assert_eq!(code, 0, "{text}");
    let seen = wire.seen.lock().unwrap().clone();
    let refused = wire.refused.lock().unwrap().clone();
    Outcome {
        text,
        seen,
        refused,
        dir,
        log: op.log,
    }
}

#[test]
fn the_documented_failover_rehearsed_against_the_range() {
    let Outcome {
        text,
        seen,
        refused,
        dir,
        log,
    } = rehearse_on_the_range(Vec::new());
    // Over the wire: only the fixed probes, word for word, and some of each.
    assert!(!seen.is_empty());
    for (_, sql) in &seen {
        assert!(
            probes::ALL.iter().any(|p| p.sql() == sql),
            "not a probe: {sql}"
        );
    }
    for p in probes::ALL {
        assert!(
            seen.iter().any(|(_, s)| s == p.sql()),
            "{} never sent",
            p.name()
        );
    }
    // DC1 is down: a login to its instances fails, as to a stopped instance, and the
    // rehearsal probes them no further (one refused login per step each, 7 steps; no
    // probe reaches them); the witness is not probed.
    for e in [0, 1] {
        assert!(!seen.iter().any(|(x, _)| *x == e), "endpoint {e}");
        assert_eq!(
            refused.iter().filter(|x| **x == e).count(),
            7,
            "endpoint {e}"
        );
    }
    assert!(!seen.iter().any(|(e, _)| *e == 2));

    let rec = rehearse::load_record(&dir.path().join("rehearsal.json")).unwrap();
    let outcomes: Vec<String> = rec
        .steps
        .iter()
        .map(|s| format!("{:?}", s.outcome))
        .collect();
    assert_eq!(
        outcomes,
        ["Done", "Done", "Failed", "Done", "Done", "Done", "Done"],
        "{log:?}\n{text}"
    );
    assert!(rec.steps[2]
        .resolution
        .as_deref()
        .unwrap()
        .starts_with("Msg 4326"));
    // What the probes saw on the range after F4 agrees with the model: mgc ONLINE on backup.
    assert!(
        text.contains("sql-pc3.contoso.com\\PCHAT    expected: mgc ONLINE")
            && !rec.steps[3]
                .mismatches
                .iter()
                .any(|m| m.what == "mgc state"),
        "{text}"
    );
    let rep: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(rep["mode"], "range");
    assert_eq!(rep["failed"][0][0], "F3");
    assert!(rep["rto_s"].as_f64().is_some(), "{rep}");
    assert!(rep["rpo_s"].is_null() && rep["rpo_source"].as_str().unwrap().starts_with("unknown"));
}

/// The operator skips F4 (RESTORE ... WITH RECOVERY): the range's mgc on backup stays
/// RESTORING, the probes over TDS show it against the model's ONLINE, and the rehearsal
/// says what it means; the RTO is then unknown.
#[test]
fn a_skipped_recovery_on_the_range_is_a_mismatch() {
    let Outcome {
        text, seen, dir, ..
    } = rehearse_on_the_range(vec![3]);
    assert!(seen
        .iter()
        .all(|(_, sql)| probes::ALL.iter().any(|p| p.sql() == sql)));
    assert!(
        text.contains(
            "!! sql-pc3.contoso.com\\PCHAT mgc state: expected ONLINE, observed RESTORING"
        ),
        "{text}"
    );
    let rec = rehearse::load_record(&dir.path().join("rehearsal.json")).unwrap();
    assert!(rec.steps[3]
        .mismatches
        .iter()
        .any(|m| m.what == "mgc state" && m.instance == Instance::Backup));
    let rep: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    assert!(rep["rto_s"].is_null());
    assert!(
        rep["rto_unknown"]
            .as_str()
            .unwrap()
            .contains("step F4 was skipped"),
        "{rep}"
    );
}
