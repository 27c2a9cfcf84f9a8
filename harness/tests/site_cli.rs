//! `drill site check` and `drill site scenario`: the site file of drill night (issue 13).

use std::path::PathBuf;
use std::process::Command;

fn repo(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(p)
}

fn drill(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_drill"))
        .args(args)
        .output()
        .expect("run drill");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn example() -> String {
    std::fs::read_to_string(repo("scenarios/site-example.json")).unwrap()
}

/// Line and column (1-based) of the first occurrence of `needle` in `text`.
fn at(text: &str, needle: &str) -> (usize, usize) {
    let i = text.find(needle).expect("needle in text");
    let line = text[..i].matches('\n').count() + 1;
    let col = i - text[..i].rfind('\n').map_or(0, |j| j + 1) + 1;
    (line, col)
}

#[test]
fn the_example_is_valid_and_its_overrides_are_listed() {
    let f = repo("scenarios/site-example.json");
    let (code, out, err) = drill(&["site", "check", f.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    // The example sets 5-minute log-shipping jobs; the model's default is 15 minutes.
    assert!(
        out.contains("log_shipping.backup_interval_s   default 900            site 300"),
        "{out}"
    );
    // Share in DC2, CMS in DC1, 2+2 layout, witness: all the model's defaults, not listed.
    assert!(!out.contains("topology."), "{out}");
    let (code, out, _) = drill(&["site", "check", f.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["overrides"].as_array().unwrap().len(), 5);
}

#[test]
fn bad_site_files_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(String, &str, &str)> = vec![
        // A port of 0, pointed at the port of that instance.
        (
            example().replacen(
                "\"port\": 1433 },\n    \"backup-mirror\"",
                "\"port\": 0 },\n    \"backup-mirror\"",
                1,
            ),
            "\"port\": 0",
            "instances.backup.port is 0",
        ),
        // Three active in DC1: no documented layout.
        (
            example().replacen(
                "\"pchat3.contoso.com\", \"dc\": \"DC1\", \"active\": false",
                "\"pchat3.contoso.com\", \"dc\": \"DC1\", \"active\": true",
                1,
            ),
            "\"chat_servers\"",
            "3 active in DC1 and 2 in DC2",
        ),
        // Not a UNC path.
        (
            example().replacen(
                "\"unc\": \"\\\\\\\\fs-dc2.contoso.com\\\\pchat-logship\"",
                "\"unc\": \"E:\\\\logship\"",
                1,
            ),
            "\"unc\": \"E:",
            "expected a UNC path",
        ),
        // The failback example's identity, with its stray space (gap 11).
        (
            example().replacen(
                "PersistentChatServer:pchatpool.contoso.com",
                "service: pchatpool.contoso.com",
                1,
            ),
            "\"service_identity\"",
            "stray space",
        ),
        // An unknown field is a serde error at its place.
        (
            example().replacen(
                "\"compliance\": true,",
                "\"compliance\": true, \"colour\": 1,",
                1,
            ),
            "\"colour\"",
            "unknown field `colour`",
        ),
    ];
    for (k, (text, needle, msg)) in cases.iter().enumerate() {
        let p = dir.path().join(format!("site{k}.json"));
        std::fs::write(&p, text).unwrap();
        let (code, out, err) = drill(&["site", "check", p.to_str().unwrap()]);
        assert_eq!(code, 2, "case {k}: {out}");
        assert!(out.is_empty());
        assert!(err.contains(msg), "case {k}: {err}");
        let (line, col) = at(text, needle);
        if needle.starts_with("\"colour\"") {
            // serde_json reports the end of the unknown key.
            assert!(err.contains(&format!(":{line}:")), "case {k}: {err}");
        } else {
            assert!(
                err.contains(&format!("{}:{line}:{col}: ", p.display())),
                "case {k}: want {line}:{col}: {err}"
            );
        }
    }
}

#[test]
fn committed_site_schema_matches_the_type() {
    let want = harness::site::schema();
    let path = repo("docs/schema/site.schema.json");
    if std::env::var_os("DRILL_WRITE_SCHEMA").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        want,
        "regenerate with: drill schema site > docs/schema/site.schema.json"
    );
    let (code, out, _) = drill(&["schema", "site"]);
    assert_eq!(code, 0);
    assert_eq!(out, want);
}

/// A scenario takes its topology from the site: with the share in DC1 the documented
/// failover's copy (F2) cannot reach it (OS error 53, the network path was not found; gap
/// 1), as in scenarios/dc1-outage-share-dc1.json.
#[test]
fn a_scenario_takes_its_topology_from_the_site() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site.json");
    std::fs::write(
        &site,
        example().replacen(
            "pchat-logship\", \"dc\": \"DC2\"",
            "pchat-logship\", \"dc\": \"DC1\"",
            1,
        ),
    )
    .unwrap();
    let (code, out, err) = drill(&["site", "check", site.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("topology.share"), "{out}");
    let (code, scen, err) = drill(&["site", "scenario", site.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&scen).unwrap();
    assert_eq!(v["topology"]["share"], "DC1");
    assert_eq!(v["log_shipping"]["backup_interval_s"], 300);
    let sp = dir.path().join("scenario.json");
    std::fs::write(&sp, &scen).unwrap();
    let (code, out, err) = drill(&["run", sp.to_str().unwrap(), "--brief"]);
    assert!(code == 0 || code == 1, "{err}");
    // The copy of F2 (robocopy) reports the OS error of the unreachable DC1 share.
    assert!(
        out.contains("STEP F2")
            && out.contains("ERROR 53 (0x00000035) Accessing Source Directory \\\\fs-dc1\\logship"),
        "{out}"
    );
}
