//! `drill fuzz merge A.json B.json ...`: the JSON results of `drill fuzz --shard I/N --json`
//! combined into the report of the whole campaign: cases, violations and coverage add up;
//! each invariant's counterexample is the one from its first violating case over all
//! shards, which is the case a single process shrinks (shrinking is deterministic).

use crate::exit;
use crate::explore::shard::{check_cover, Shard};
use clap::Args as ClapArgs;
use serde_json::{json, Value};
use std::path::PathBuf;

#[derive(ClapArgs, Debug, Clone)]
pub struct Args {
    /// The shards' results (`drill fuzz --shard I/N --json > I.json`).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Where the chosen counterexamples are written (created if missing).
    #[arg(long, default_value = "drill-counterexamples")]
    pub out: PathBuf,
}

fn shard_of(v: &Value) -> Option<(Shard, u64)> {
    let s = v.get("shard")?;
    Some((
        Shard {
            index: s.get("index")?.as_u64()?,
            count: s.get("count")?.as_u64()?,
        },
        s.get("campaign_cases")?.as_u64()?,
    ))
}

/// Combine shard results (file name, JSON). Errors name the file and what was expected.
pub fn merge(parts: &[(String, Value)]) -> Result<Value, String> {
    let Some((first_file, first)) = parts.first() else {
        return Err("expected at least one result file".into());
    };
    let same = ["seed", "runbooks"];
    let mut shards = Vec::new();
    let mut campaign = None;
    for (file, v) in parts {
        let (s, n) = shard_of(v).ok_or_else(|| {
            format!(
                "{file}: no \"shard\" object; expected the JSON of drill fuzz --shard I/N --json"
            )
        })?;
        for k in same {
            if v.get(k) != first.get(k) {
                return Err(format!(
                    "{file}: another {k} than {first_file}; expected shards of one campaign"
                ));
            }
        }
        if campaign.is_some_and(|c| c != n) {
            return Err(format!(
                "{file}: another campaign size ({n} cases) than {first_file}"
            ));
        }
        campaign = Some(n);
        shards.push(s);
    }
    check_cover(&shards)?;
    let mut m = first.clone();
    let num = |v: &Value, k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
    let cases: u64 = parts.iter().map(|(_, v)| num(v, "cases")).sum();
    let jobs: u64 = parts.iter().map(|(_, v)| num(v, "jobs")).sum();
    let elapsed = parts
        .iter()
        .filter_map(|(_, v)| v.get("elapsed_seconds").and_then(Value::as_f64))
        .fold(0.0, f64::max);
    m["cases"] = cases.into();
    m["jobs"] = jobs.into();
    m["elapsed_seconds"] = json!(elapsed);
    m["cases_per_second"] = json!(cases as f64 / elapsed.max(1e-9));
    if let Some(obj) = m.as_object_mut() {
        obj.remove("shard");
    }
    // The single run's reproduce line: the shard's, without its --shard.
    if let Some(r) = first.get("reproduce").and_then(Value::as_str) {
        let whole = r.split(" --shard ").next().unwrap_or(r);
        m["reproduce"] = whole.into();
    }
    if let Some(cov) = m.get_mut("coverage").and_then(Value::as_object_mut) {
        for (k, c) in cov.iter_mut() {
            *c = parts
                .iter()
                .map(|(_, v)| v["coverage"][k].as_u64().unwrap_or(0))
                .sum::<u64>()
                .into();
        }
    }
    let n = m["invariants"].as_array().map_or(0, Vec::len);
    for k in 0..n {
        let violations: u64 = parts
            .iter()
            .map(|(_, v)| v["invariants"][k]["violations"].as_u64().unwrap_or(0))
            .sum();
        let best = parts
            .iter()
            .filter_map(|(_, v)| {
                let c = &v["invariants"][k]["counterexample"];
                c.get("case")
                    .and_then(Value::as_u64)
                    .map(|case| (case, c.clone()))
            })
            .min_by_key(|(case, _)| *case)
            .map(|(_, c)| c)
            .unwrap_or(Value::Null);
        m["invariants"][k]["violations"] = violations.into();
        m["invariants"][k]["counterexample"] = best;
    }
    Ok(m)
}

pub fn run(a: Args) -> i32 {
    let parts = match crate::load::read_shard_reports::<Value>(&a.files, "drill fuzz") {
        Ok(p) => p,
        Err(e) => {
            eprintln!("drill fuzz merge: {e}");
            return exit::BAD_INPUT;
        }
    };
    let mut m = match merge(&parts) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("drill fuzz merge: {e}");
            return exit::BAD_INPUT;
        }
    };
    // Write the chosen counterexamples where this merge was told to.
    let n = m["invariants"].as_array().map_or(0, Vec::len);
    for k in 0..n {
        let c = &m["invariants"][k]["counterexample"];
        let (Some(file), Some(s)) = (c.get("file").and_then(Value::as_str), c.get("scenario"))
        else {
            continue;
        };
        let name = PathBuf::from(file)
            .file_name()
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("counterexample.json"));
        let path = a.out.join(name);
        // Byte for byte the file the shard saved (the default timing left out).
        let text = match serde_json::from_value::<sim::scenario::Scenario>(s.clone()) {
            Ok(sc) => super::regress::scenario_json(&sc),
            Err(e) => {
                eprintln!("drill fuzz merge: {file}: the counterexample is not a scenario: {e}");
                return exit::BAD_INPUT;
            }
        };
        if let Err(e) = std::fs::create_dir_all(&a.out)
            .map_err(|e| e.to_string())
            .and_then(|_| {
                crate::output::write_atomic(&path, text.as_bytes()).map_err(|e| e.to_string())
            })
        {
            eprintln!("drill fuzz merge: cannot write {}: {e}", path.display());
            return exit::BAD_INPUT;
        }
        m["invariants"][k]["counterexample"]["file"] = path.display().to_string().into();
    }
    m["out"] = a.out.display().to_string().into();
    println!("{}", serde_json::to_string_pretty(&m).unwrap_or_default());
    let violated = m["invariants"]
        .as_array()
        .is_some_and(|a| a.iter().any(|i| i["violations"].as_u64().unwrap_or(0) > 0));
    if violated {
        exit::VIOLATION
    } else {
        exit::OK
    }
}
