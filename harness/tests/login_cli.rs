//! Every command that logs in to SQL Server reads the password the same way
//! (`sqlserver::login_password`): `--password-env VAR` (which must be set), else the default
//! variable (DRILL_SQL_PASSWORD, or DRILL_RANGE_PASSWORD with a range), else a prompt when
//! standard input is a terminal. Here standard input is never a terminal, so a missing
//! password is an error at once (exit 2), never a hang; the servers named are a closed
//! local port, so a password found gets as far as the connection and no further.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn repo(p: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(p)
        .to_string_lossy()
        .into_owned()
}

/// A local port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// drill with `args`, standard input empty (not a terminal), the default password
/// variables removed and `env` set.
fn drill(args: &[String], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_drill"));
    c.args(args)
        .stdin(Stdio::null())
        .env_remove("DRILL_SQL_PASSWORD")
        .env_remove("DRILL_RANGE_PASSWORD");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("run drill");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The commands that log in to a SQL Server (not a range), each pointed at `server`.
fn server_commands(server: &str) -> Vec<Vec<String>> {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    vec![
        s(&["replay", "--server", server, "--allow-destructive", server]),
        s(&["conform", "--server", server, "--allow-destructive", server]),
        s(&["history", "plan", "--server", server, "--database", "mgc"]),
        s(&["calibrate", "--server", server]),
    ]
}

#[test]
fn no_password_anywhere_is_bad_input_at_once_naming_where_it_was_looked_for() {
    let server = format!("127.0.0.1,{}", closed_port());
    let site = repo("scenarios/site-example.json");
    let runbook = repo("scenarios/runbooks/failover.json");
    let out = std::env::temp_dir().join(format!("drill-login-cli-{}", std::process::id()));
    let mut cases: Vec<(Vec<String>, &str)> = server_commands(&server)
        .into_iter()
        .map(|a| (a, "DRILL_SQL_PASSWORD"))
        .collect();
    // drill rehearse on the site's servers, and on a range (the range's variable).
    let rehearse = |extra: &[&str]| {
        let mut a: Vec<String> = ["rehearse", &runbook, "--site", &site]
            .iter()
            .map(|x| x.to_string())
            .collect();
        a.extend(extra.iter().map(|x| x.to_string()));
        a.extend(["--out".to_string(), out.to_string_lossy().into_owned()]);
        a
    };
    cases.push((rehearse(&[]), "DRILL_SQL_PASSWORD"));
    let range = format!("127.0.0.1:{}", closed_port());
    cases.push((rehearse(&["--range", &range]), "DRILL_RANGE_PASSWORD"));
    for (args, var) in &cases {
        let (code, _, err) = drill(args, &[]);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains(&format!("no password: {var} is not set"))
                && err.contains("standard input is not a terminal")
                && err.contains("--password-env VAR"),
            "{args:?}: {err}"
        );
    }
    assert!(!out.exists(), "nothing is written without a password");
}

#[test]
fn password_env_names_a_variable_that_must_be_set() {
    let server = format!("127.0.0.1,{}", closed_port());
    for mut args in server_commands(&server) {
        args.extend(["--password-env".into(), "DRILL_TEST_UNSET_LOGIN_VAR".into()]);
        // The default variable set does not stand in for the one named.
        let (code, _, err) = drill(&args, &[("DRILL_SQL_PASSWORD", "not-this-one")]);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains(
                "--password-env DRILL_TEST_UNSET_LOGIN_VAR: the environment variable is not set"
            ),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn the_default_variable_is_read_and_the_password_never_printed() {
    let server = format!("127.0.0.1,{}", closed_port());
    let secret = "s3cret-login-pw";
    for args in server_commands(&server) {
        // The default variable, then one --password-env names.
        for (flag, var) in [(None, "DRILL_SQL_PASSWORD"), (Some("MY_PW"), "MY_PW")] {
            let mut args = args.clone();
            if let Some(v) = flag {
                args.extend(["--password-env".into(), v.into()]);
            }
            let (code, out, err) = drill(&args, &[(var, secret)]);
            // Past the password: the closed port refuses the connection.
            assert_eq!(code, 2, "{args:?}: {err}");
            assert!(err.contains("Connection refused"), "{args:?}: {err}");
            assert!(!err.contains("no password"), "{args:?}: {err}");
            assert!(
                !out.contains(secret) && !err.contains(secret),
                "{args:?}: the password is never printed"
            );
        }
    }
}
