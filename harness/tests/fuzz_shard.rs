//! `drill fuzz --shard I/N` and `drill fuzz merge`: N shards merged give the whole
//! campaign's report (all but the wall clock and where files went), and the merged
//! counterexample files are byte for byte the single run's.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn drill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_drill"))
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .args(args)
        .output()
        .expect("drill runs")
}

/// The fields that differ between equal campaigns run apart: timing, threads, paths.
fn strip(mut v: Value) -> Value {
    for k in ["elapsed_seconds", "cases_per_second", "jobs", "out"] {
        v.as_object_mut().unwrap().remove(k);
    }
    for inv in v["invariants"].as_array_mut().unwrap() {
        if let Some(c) = inv["counterexample"].as_object_mut() {
            c.remove("shrink_seconds");
            let f = c["file"].as_str().unwrap().to_string();
            let name = Path::new(&f)
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            c.insert("file".into(), name.into());
        }
    }
    v
}

#[test]
fn shards_merge_into_the_whole_campaign() {
    let dir = tempfile::tempdir().unwrap();
    let d = |n: &str| dir.path().join(n).display().to_string();
    let whole = drill(&[
        "fuzz",
        "--cases",
        "200",
        "--seed",
        "3",
        "--json",
        "--out",
        &d("whole"),
    ]);
    assert_eq!(
        whole.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&whole.stderr)
    );
    let mut files = Vec::new();
    for i in 0..3 {
        let sh = format!("{i}/3");
        let out = drill(&[
            "fuzz",
            "--cases",
            "200",
            "--seed",
            "3",
            "--json",
            "--shard",
            &sh,
            "--out",
            &d(&format!("s{i}")),
        ]);
        assert!(out.status.code() == Some(0) || out.status.code() == Some(1));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(v["cases"].as_u64().unwrap() < 200);
        assert!(v["reproduce"]
            .as_str()
            .unwrap()
            .ends_with(&format!("--cases 200 --seed 3 --shard {sh}")));
        let f = dir.path().join(format!("{i}.json"));
        std::fs::write(&f, &out.stdout).unwrap();
        files.push(f.display().to_string());
    }
    let mut args = vec!["fuzz", "merge", "--out"];
    let merged_dir = d("merged");
    args.push(&merged_dir);
    args.extend(files.iter().map(String::as_str));
    let merged = drill(&args);
    assert_eq!(
        merged.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    let m: Value = serde_json::from_slice(&merged.stdout).unwrap();
    let w: Value = serde_json::from_slice(&whole.stdout).unwrap();
    assert_eq!(strip(m.clone()), strip(w.clone()));
    // The counterexample files: the same bytes as the single run's.
    for inv in w["invariants"].as_array().unwrap() {
        let Some(f) = inv["counterexample"]["file"].as_str() else {
            continue;
        };
        let name = Path::new(f).file_name().unwrap();
        let a = std::fs::read(dir.path().join("whole").join(name)).unwrap();
        let b = std::fs::read(dir.path().join("merged").join(name)).unwrap();
        assert_eq!(a, b);
    }
    // A missing shard is refused.
    let bad = drill(&["fuzz", "merge", &files[0], &files[1]]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("2/3 missing"));
}
