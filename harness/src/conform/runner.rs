//! One runner for every arm: each case on a fresh topology, each step filled in by the arm
//! and compared with the error numbers SQL Server documents.

use super::cases::{At, Case, Step};
use serde::Serialize;
use sim::topology::{Db, Instance};

/// How an arm names things in a case's statements (the placeholders of [`super::cases`]).
pub trait Names {
    /// The database `db` on `instance`, or None when this arm has no copy there.
    fn database(&self, instance: Instance, db: Db) -> Option<String>;
    /// The path of backup file `file` in the copy folder / on the share, ready to sit
    /// inside a string literal (a `'` already doubled).
    fn copy(&self, file: &str) -> String;
    fn share(&self, file: &str) -> String;
    /// The MOVE clause (with its leading ", ") a full restore onto `instance`'s mgc needs.
    fn move_clause(&self, instance: Instance) -> String;
    /// " WITH INIT" where a backup file may already exist, else "".
    fn init(&self) -> &'static str;
}

/// A statement with its placeholders filled in for one arm, or why it cannot be.
pub fn fill(template: &str, instance: Instance, n: &dyn Names) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..]
            .find('}')
            .map(|c| open + c)
            .ok_or_else(|| format!("unclosed placeholder in {template:?}"))?;
        let ph = &rest[open + 1..close];
        let db = |d: Db| {
            n.database(instance, d)
                .ok_or_else(|| format!("no copy of {d} on {instance} in this arm"))
        };
        match ph.split_once(':') {
            Some(("copy", f)) => out.push_str(&n.copy(f)),
            Some(("share", f)) => out.push_str(&n.share(f)),
            _ => match ph {
                "mgc" => out.push_str(&db(Db::Mgc)?),
                "mgccomp" => out.push_str(&db(Db::Mgccomp)?),
                "move" => out.push_str(&n.move_clause(instance)),
                "init" => out.push_str(n.init()),
                _ => return Err(format!("unknown placeholder {{{ph}}} in {template:?}")),
            },
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// What one step did on an arm.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StepResult {
    /// The step as this arm played it: the statement sent, or the console line.
    pub text: String,
    /// For T-SQL: the error numbers expected (as far as this arm's client sees them) and got.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<Vec<i32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub got: Option<Vec<i32>>,
    /// Statements the arm sent for a console line (a real server: the model's log-shipping
    /// work in that window), or what it did instead.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sent: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Agree,
    Disagree,
    /// The case needs what this arm does not have; never a pass.
    NotRun,
}

#[derive(Clone, Debug, Serialize)]
pub struct CaseResult {
    pub name: String,
    pub source: String,
    pub verdict: Verdict,
    /// Why the case was not run, or what disagreed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub steps: Vec<StepResult>,
}

/// What an arm answers to one step.
pub enum Answer {
    /// T-SQL: the error numbers (class > 10) the client saw, in order.
    Errors(Vec<i32>),
    /// A console line played; the statements it turned into, if any.
    Console {
        sent: Vec<String>,
        note: Option<String>,
    },
    /// The step was applied to the model only (the real arm, for what one instance cannot
    /// send); the reason.
    ModelOnly(String),
}

/// Where the cases run.
pub trait Arm {
    fn name(&self) -> String;
    /// Why this arm cannot play `case` at all (None: it can).
    fn cannot_run(&self, _case: &Case) -> Option<String> {
        None
    }
    /// A fresh topology for the next case.
    fn reset(&mut self) -> Result<(), String>;
    /// The step's text as this arm sends it.
    fn text(&self, step: &Step) -> Result<String, String>;
    /// Play one step. Err: the arm itself failed (connection, a derived statement refused):
    /// the case disagrees with that reason.
    fn play(&mut self, step: &Step, text: &str) -> Result<Answer, String>;
    /// How many leading errors this arm's client sees (None: all). Tiberius stops at the
    /// first ERROR token of a batch.
    fn sees(&self) -> Option<usize> {
        None
    }
    /// After the last case (drop what the arm created).
    fn finish(&mut self) -> Result<(), String> {
        Ok(())
    }
}

/// The expected numbers as far as an arm sees them.
pub fn visible(errors: &[i32], sees: Option<usize>) -> Vec<i32> {
    match sees {
        Some(n) => errors.iter().take(n).copied().collect(),
        None => errors.to_vec(),
    }
}

/// Play every case on `arm`.
pub fn play(arm: &mut dyn Arm, cases: &[Case]) -> Vec<CaseResult> {
    cases.iter().map(|c| play_case(arm, c)).collect()
}

fn play_case(arm: &mut dyn Arm, case: &Case) -> CaseResult {
    let mut r = CaseResult {
        name: case.name.to_string(),
        source: case.source.to_string(),
        verdict: Verdict::Agree,
        reason: None,
        steps: Vec::new(),
    };
    if let Some(why) = arm.cannot_run(case) {
        r.verdict = Verdict::NotRun;
        r.reason = Some(why);
        return r;
    }
    if let Err(e) = arm.reset() {
        r.verdict = Verdict::Disagree;
        r.reason = Some(format!("could not set up the case's topology: {e}"));
        return r;
    }
    for (k, step) in case.steps.iter().enumerate() {
        let text = match arm.text(step) {
            Ok(t) => t,
            Err(e) => {
                r.verdict = Verdict::NotRun;
                r.reason = Some(format!("step {}: {e}", k + 1));
                return r;
            }
        };
        let mut sr = StepResult {
            text: text.clone(),
            ..Default::default()
        };
        match arm.play(step, &text) {
            Err(e) => {
                r.verdict = Verdict::Disagree;
                r.reason = Some(format!("step {} (`{text}`): {e}", k + 1));
                r.steps.push(sr);
                return r;
            }
            Ok(Answer::Console { sent, note }) => {
                sr.sent = sent;
                sr.note = note;
            }
            Ok(Answer::ModelOnly(why)) => sr.note = Some(format!("model only: {why}")),
            Ok(Answer::Errors(got)) => {
                let want = visible(step.errors, arm.sees());
                let got = visible(&got, arm.sees());
                if got != want && r.verdict == Verdict::Agree {
                    r.verdict = Verdict::Disagree;
                    r.reason = Some(format!(
                        "step {} (`{text}`): expected errors {want:?}, got {got:?}",
                        k + 1
                    ));
                }
                sr.expected = Some(want);
                sr.got = Some(got);
            }
        }
        r.steps.push(sr);
        if matches!(step.at, At::Sql { .. }) && r.verdict == Verdict::Disagree {
            // Later steps build on this one's outcome: stop at the first disagreement.
            return r;
        }
    }
    r
}
