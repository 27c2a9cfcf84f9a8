//! `drill lint RUNBOOK...`: static checks of runbook files before any simulation. Each
//! finding names the file, line and column of the step in the JSON file, a rule id, and
//! the rule's source in the documents. `--format sarif` prints SARIF 2.1.0 for
//! code-scanning views. Exit 0 when no error-level finding, 1 otherwise, 2 when a file
//! cannot be read or is not JSON.

pub mod rules;
pub mod sarif;
pub mod spans;

use crate::exit;
use crate::load::InputError;
use clap::{Args as ClapArgs, ValueEnum};
use serde::Serialize;
use std::path::PathBuf;

#[derive(ClapArgs, Debug, Clone)]
pub struct Args {
    /// Runbook files (JSON).
    #[arg(required = true)]
    pub runbooks: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Finding {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub rule: &'static str,
    pub name: &'static str,
    /// "error" or "warning".
    pub level: &'static str,
    /// The step id, when the finding is about one step.
    pub step: Option<String>,
    pub message: String,
    /// Where the rule comes from.
    pub source: &'static str,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}[{} {}] {}{} (source: {})",
            self.file,
            self.line,
            self.column,
            self.level,
            self.rule,
            self.name,
            self.step
                .as_ref()
                .map(|s| format!("step {s}: "))
                .unwrap_or_default(),
            self.message,
            self.source
        )
    }
}

/// Lint one runbook file's text. A file that is not JSON is bad input (Err); a JSON file
/// that is not a valid runbook gives findings.
pub fn lint_text(file: &str, text: &str) -> Result<Vec<Finding>, InputError> {
    let value: serde_json::Value =
        crate::load::parse_json(file, text, "runbook", "docs/formats.md")?;
    let mut f = rules::check(file, text, &value);
    // In file order (stable: findings at one place keep the rules' order).
    f.sort_by_key(|x| (x.line, x.column));
    Ok(f)
}

pub fn lint_file(path: &std::path::Path) -> Result<Vec<Finding>, InputError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| InputError::at(&file, 0, 0, format!("cannot read the file: {e}")))?;
    lint_text(&file, &text)
}

pub fn run(args: Args) -> i32 {
    let mut all = Vec::new();
    for p in &args.runbooks {
        match lint_file(p) {
            Ok(f) => all.extend(f),
            Err(e) => {
                eprintln!("drill lint: {e}");
                return exit::BAD_INPUT;
            }
        }
    }
    match args.format {
        Format::Text => {
            for f in &all {
                println!("{f}");
            }
            let errors = all.iter().filter(|f| f.level == "error").count();
            println!(
                "drill lint: {} file(s), {} error(s), {} warning(s)",
                args.runbooks.len(),
                errors,
                all.len() - errors
            );
        }
        Format::Json => println!("{}", serde_json::to_string_pretty(&all).unwrap_or_default()),
        Format::Sarif => println!(
            "{}",
            serde_json::to_string_pretty(&sarif::log(&all)).unwrap_or_default()
        ),
    }
    if all.iter().any(|f| f.level == "error") {
        exit::VIOLATION
    } else {
        exit::OK
    }
}
