//! The model backend answered directly (no wire): logins, USE, KILL, sessions blocking
//! RESTORE, what it does not model, and what it records from a batch of several statements.

use harness::range::backend::{Clock, ModelBackend};
use harness::range::reply::{Backend, Login, Reply, Session, SqlMessage};
use harness::range::{select, tsql};
use sim::live::Live;

fn backend() -> ModelBackend {
    let s: sim::scenario::Scenario =
        serde_json::from_str(r#"{"name": "quiet", "seed": 3}"#).unwrap();
    ModelBackend::new(
        Live::new(&s),
        Clock::new(0.0),
        "drill",
        "Right#1",
        tsql::parse_batch,
        select::run,
    )
}

fn login(password: &str) -> Login {
    Login {
        user: "drill".into(),
        password: password.into(),
        database: String::new(),
        app_name: String::new(),
        host_name: String::new(),
    }
}

fn messages(r: &[Reply]) -> Vec<&SqlMessage> {
    r.iter()
        .filter_map(|x| match x {
            Reply::Message(m) => Some(m),
            _ => None,
        })
        .collect()
}

fn errors(r: &[Reply]) -> Vec<i32> {
    messages(r)
        .iter()
        .filter(|m| m.class > 10)
        .map(|m| m.number)
        .collect()
}

fn run(b: &ModelBackend, ep: usize, s: &mut Session, sql: &str) -> Vec<Reply> {
    b.batch(ep, s, sql, &[])
}

#[test]
fn a_wrong_password_is_18456_class_14() {
    let b = backend();
    let e = b.login(0, &login("wrong")).unwrap_err();
    assert_eq!((e.number, e.class, e.state), (18456, 14, 1));
    assert_eq!(e.text, "Login failed for user 'drill'.");
    assert!(b.login(0, &login("Right#1")).is_ok());
}

#[test]
fn use_answers_as_sql_server() {
    let b = backend();
    let mut s = b.login(3, &login("Right#1")).unwrap();
    // mgc on backup is RESTORING (log shipping): 927, class 14.
    let r = run(&b, 3, &mut s, "USE mgc");
    assert_eq!(errors(&r), vec![927]);
    assert_eq!(messages(&r)[0].class, 14);
    assert_eq!(errors(&run(&b, 3, &mut s, "USE [nothere]")), vec![911]);
    // On the mirror, mgc is a mirror database: 954.
    let mut m = b.login(1, &login("Right#1")).unwrap();
    assert_eq!(errors(&run(&b, 1, &mut m, "use mgc")), vec![954]);
    // On primary it is ONLINE: ENVCHANGE then 5701.
    let mut p = b.login(0, &login("Right#1")).unwrap();
    let r = run(&b, 0, &mut p, "USE mgc");
    assert!(r.contains(&Reply::Database("mgc".into())));
    assert_eq!(messages(&r)[0].number, 5701);
    assert_eq!(p.database, "mgc");
}

#[test]
fn a_session_in_mgc_blocks_restore_until_killed() {
    let b = backend();
    b.lock().clock.advance(3000);
    let mut me = b.login(3, &login("Right#1")).unwrap();
    let mut other = b.login(3, &login("Right#1")).unwrap();
    assert_eq!(
        errors(&run(&b, 3, &mut me, "RESTORE DATABASE mgc WITH RECOVERY")),
        Vec::<i32>::new()
    );
    assert_eq!(
        errors(&run(&b, 3, &mut other, "USE mgc")),
        Vec::<i32>::new()
    );
    let r = run(&b, 3, &mut me, "RESTORE DATABASE mgc WITH RECOVERY");
    // 3101 before the state checks (3153), as the model orders its own sessions' check.
    assert_eq!(errors(&r), vec![3101, 3013]);
    // KILL yourself: 6104; a spid that is nobody: 6106; the other session: gone.
    let kill_me = format!("KILL {}", me.spid);
    assert_eq!(errors(&run(&b, 3, &mut me, &kill_me)), vec![6104]);
    assert_eq!(errors(&run(&b, 3, &mut me, "KILL 999")), vec![6106]);
    let kill = format!("KILL {}", other.spid);
    assert_eq!(errors(&run(&b, 3, &mut me, &kill)), Vec::<i32>::new());
    // The killed session's next request: one fatal error (class 20: the wire closes).
    let r = run(&b, 3, &mut other, "SELECT 1 AS one");
    assert_eq!(messages(&r).len(), 1);
    assert_eq!(messages(&r)[0].class, 20);
    assert!(messages(&r)[0].text.contains("ended by KILL"), "{r:?}");
    assert_eq!(
        errors(&run(&b, 3, &mut me, "RESTORE DATABASE mgc WITH RECOVERY")),
        vec![3153, 3013]
    );
    // In mgc yourself: 3102.
    assert_eq!(errors(&run(&b, 3, &mut me, "USE mgc")), Vec::<i32>::new());
    assert_eq!(
        errors(&run(&b, 3, &mut me, "RESTORE DATABASE mgc WITH RECOVERY")),
        vec![3102, 3013]
    );
    // A logout ends a session too.
    b.logout(3, &me);
    assert!(b
        .lock()
        .live
        .sessions(sim::topology::Instance::Backup)
        .is_empty());
}

#[test]
fn what_the_range_does_not_model_is_a_clear_error_not_a_dropped_connection() {
    let b = backend();
    let mut s = b.login(0, &login("Right#1")).unwrap();
    for sql in [
        "ALTER DATABASE mgc SET PARTNER FAILOVER",
        "CREATE DATABASE scratch",
        "exec sp_add_log_shipping_primary_database @database = N'mgc'",
    ] {
        let r = run(&b, 0, &mut s, sql);
        assert_eq!(errors(&r), vec![50000], "{sql}: {r:?}");
        assert!(matches!(r.last(), Some(Reply::Done { error: true, .. })));
    }
    assert_eq!(
        errors(&run(&b, 0, &mut s, "exec sp_frobnicate")),
        vec![2812]
    );
}

#[test]
fn a_batch_of_statements_is_recorded_statement_by_statement() {
    let b = backend();
    b.lock().clock.advance(3000);
    let mut s = b.login(3, &login("Right#1")).unwrap();
    let r = run(
        &b,
        3,
        &mut s,
        "exec sp_delete_log_shipping_secondary_database N'mgc'\nRESTORE DATABASE mgc\n  WITH RECOVERY",
    );
    assert_eq!(errors(&r), Vec::<i32>::new());
    let st = b.lock();
    let texts: Vec<&str> = st.live.taken().iter().map(|t| t.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "exec sp_delete_log_shipping_secondary_database N'mgc'",
            "RESTORE DATABASE mgc\n  WITH RECOVERY"
        ]
    );
}

#[test]
fn a_log_backup_by_hand_is_applied_and_marked_unrecordable() {
    let b = backend();
    b.lock().clock.advance(600);
    let mut s = b.login(0, &login("Right#1")).unwrap();
    let r = run(
        &b,
        0,
        &mut s,
        "BACKUP LOG mgc TO DISK = N'\\\\fs-dc2\\logship\\by_hand.trn'",
    );
    assert_eq!(errors(&r), Vec::<i32>::new());
    let texts: Vec<&str> = messages(&r).iter().map(|m| m.text.as_str()).collect();
    assert!(
        texts[0].starts_with("Processed ")
            && texts[0].ends_with("pages for database 'mgc', file 'mgc_log' on file 1."),
        "{texts:?}"
    );
    assert!(
        texts[1].starts_with("BACKUP LOG successfully processed "),
        "{texts:?}"
    );
    let st = b.lock();
    assert_eq!(st.live.unrecordable().len(), 1);
    let rec = harness::range::record::recording(&st.live);
    assert_eq!(rec.inexact.len(), 1);
    assert!(rec.scenario.description.contains("NOT EXACT"));
}

fn crash_and_back() -> ModelBackend {
    let s: sim::scenario::Scenario = serde_json::from_str(
        r#"{"name": "crash", "seed": 3, "faults": [
            {"at_s": 3600, "kind": "instance_down", "instance": "primary"},
            {"at_s": 7200, "kind": "instance_up", "instance": "primary"}]}"#,
    )
    .unwrap();
    ModelBackend::new(
        Live::new(&s),
        Clock::new(0.0),
        "drill",
        "Right#1",
        tsql::parse_batch,
        select::run,
    )
}

/// A SQL Server instance that goes down ends every session in it: the client's next
/// request fails and its connection closes (a fatal, class 20 error here), a login fails
/// while it is down, and a session left in mgc before the crash no longer blocks RESTORE
/// once the instance is back. Sessions on other instances are untouched.
#[test]
fn an_instance_going_down_ends_its_sessions() {
    let b = crash_and_back();
    let mut left = b.login(0, &login("Right#1")).unwrap();
    assert_eq!(errors(&run(&b, 0, &mut left, "USE mgc")), Vec::<i32>::new());
    let mut elsewhere = b.login(3, &login("Right#1")).unwrap();
    b.lock().clock.advance(3700);
    let r = run(&b, 0, &mut left, "SELECT 1 AS one");
    let m = messages(&r);
    assert_eq!((m.len(), m[0].number, m[0].class), (1, 50000, 20), "{r:?}");
    assert!(
        m[0].text.contains("is down in the model")
            && m[0].text.contains("the connection is closed"),
        "{}",
        m[0].text
    );
    let e = b.login(0, &login("Right#1")).unwrap_err();
    assert_eq!(e.class, 20);
    assert!(e.text.contains("is down in the model"), "{}", e.text);
    // The backup's session lives on.
    assert_eq!(
        errors(&run(&b, 3, &mut elsewhere, "SELECT 1 AS one")),
        Vec::<i32>::new()
    );
    // Back at 7200: a new session logs in; the old one is gone from the instance's
    // sessions, so it no longer counts against RESTORE's exclusive access (3101).
    b.lock().clock.advance(3600);
    let again = b.login(0, &login("Right#1")).unwrap();
    let st = b.lock();
    let sessions = st.live.sessions(sim::topology::Instance::Primary);
    assert_eq!(sessions, [(again.spid, "master".to_string())]);
    let mgc = sim::topology::Db::Mgc;
    assert_eq!(
        st.live
            .others_in(sim::topology::Instance::Primary, mgc, again.spid),
        0
    );
}
