//! SARIF 2.1.0 (OASIS), the format GitHub code scanning and Azure DevOps read.

use super::rules::RULES;
use super::Finding;
use serde_json::{json, Value};

pub fn log(findings: &[Finding]) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": format!("{} Source: {}", r.summary, r.source) },
                "help": { "text": format!("Source: {}. See docs/regression-testing.md.", r.source) },
                "defaultConfiguration": { "level": r.level },
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            json!({
                "ruleId": f.rule,
                "ruleIndex": RULES.iter().position(|r| r.id == f.rule).unwrap_or(0),
                "level": f.level,
                "message": { "text": match &f.step {
                    Some(s) => format!("step {s}: {}", f.message),
                    None => f.message.clone(),
                } },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": f.file.replace('\\', "/") },
                        "region": { "startLine": f.line.max(1), "startColumn": f.column.max(1) },
                    }
                }],
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "drill lint",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            } },
            "results": results,
        }],
    })
}
