//! A reader that goes away (`drill run | head -1`) ends drill quietly with exit 141 (128 +
//! SIGPIPE, what a shell reports for `cat` in the same place), in every command: no panic
//! message on stderr (harness/src/main.rs, `quiet_on_broken_pipe`).

use std::process::{Command, Stdio};

/// `drill ARGS` with stdout a pipe whose read end is already closed: its first write fails
/// with EPIPE, every time (no race with a reader).
fn into_closed_pipe(args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_drill"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .expect("drill runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn a_closed_reader_is_a_quiet_exit_141_in_every_command() {
    for args in [
        &["run"][..],
        &["schema", "scenario"],
        &["conform"],
        &["run", "--json"],
    ] {
        let (code, err) = into_closed_pipe(args);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.contains("Broken pipe"), "{args:?}: {err}");
        assert_eq!(code, Some(141), "{args:?}: {err}");
    }
}

/// The same command with a reader still prints and exits 0: the hook changes nothing else.
#[test]
fn with_a_reader_the_output_is_whole() {
    let out = Command::new(env!("CARGO_BIN_EXE_drill"))
        .args(["schema", "scenario"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the whole schema");
    assert!(v.is_object());
}
