//! The model's observation against the real one: differences a person can read.
//!
//! Tolerances where the model is abstract: LSNs are not compared (the model's are
//! synthetic); sessions are not compared (the replay runs no chat servers); mirroring is
//! not compared (no mirroring on Linux); instances the model shows down, and databases
//! the replay does not hold, are skipped. States, surviving rows, the restores made since
//! the previous item and error numbers are compared exactly.

use super::observe::{RealObservation, RealRestore};
use super::tsql::Placement;
use serde::Serialize;
use sim::observe::Observation;
use sim::topology::{Db, Instance};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// "STEP F4", "JOB restore".
    pub at: String,
    pub instance: String,
    pub database: String,
    pub field: String,
    pub expected: String,
    pub actual: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} {} {}: model {}, server {}",
            self.at, self.instance, self.database, self.field, self.expected, self.actual
        )
    }
}

/// One difference at `at` on instance `i`.
pub(crate) fn diff(
    at: &str,
    i: Instance,
    db: &str,
    field: &str,
    expected: String,
    actual: String,
) -> Difference {
    Difference {
        at: at.into(),
        instance: i.to_string(),
        database: db.into(),
        field: field.into(),
        expected,
        actual,
    }
}

/// States and surviving rows of every replayed mgc copy the model shows on a running instance.
pub fn compare(
    at: &str,
    model: &Observation,
    real: &RealObservation,
    p: &Placement,
) -> Vec<Difference> {
    let mut out = Vec::new();
    for inst in &model.instances {
        let Some(name) = p.database(inst.instance, Db::Mgc) else {
            continue;
        };
        if !inst.up {
            continue;
        }
        let m = inst.databases.iter().find(|d| d.name == Db::Mgc);
        let r = real.databases.iter().find(|d| d.name == name);
        match (m, r) {
            (None, None) => {}
            (Some(_), None) => out.push(diff(
                at,
                inst.instance,
                &name,
                "exists",
                "yes".into(),
                "no row in sys.databases".into(),
            )),
            (None, Some(r)) => out.push(diff(
                at,
                inst.instance,
                &name,
                "exists",
                "no".into(),
                r.state_desc.clone(),
            )),
            (Some(m), Some(r)) => {
                if m.state_desc != r.state_desc || m.is_in_standby != r.is_in_standby {
                    out.push(diff(
                        at,
                        inst.instance,
                        &name,
                        "state_desc",
                        standby_desc(&m.state_desc, m.is_in_standby),
                        standby_desc(&r.state_desc, r.is_in_standby),
                    ));
                }
                // Rows are readable only ONLINE/STANDBY; a RESTORING copy is compared once recovered.
                if let Some(w) = r.writes {
                    if w != m.writes_held {
                        out.push(diff(
                            at,
                            inst.instance,
                            &name,
                            "surviving writes",
                            m.writes_held.to_string(),
                            w.to_string(),
                        ));
                    }
                }
            }
        }
    }
    out
}

/// The restores the script made since the previous item against msdb.dbo.restorehistory's
/// new rows: same order, database, type, file and RECOVERY flag.
pub fn compare_restores(
    at: &str,
    expected: &[RealRestore],
    actual: &[RealRestore],
) -> Vec<Difference> {
    let fmt = |r: Option<&RealRestore>| match r {
        Some(r) => format!(
            "{} {} of {} {}",
            r.database,
            r.restore_type,
            r.file,
            if r.recovery {
                "WITH RECOVERY"
            } else {
                "WITH NORECOVERY"
            }
        ),
        None => "none".into(),
    };
    let n = expected.len().max(actual.len());
    (0..n)
        .filter(|&k| {
            let (e, a) = (expected.get(k), actual.get(k));
            match (e, a) {
                (Some(e), Some(a)) => {
                    (&e.database, &e.restore_type, &e.file, e.recovery)
                        != (&a.database, &a.restore_type, &a.file, a.recovery)
                }
                _ => true,
            }
        })
        .map(|k| Difference {
            at: at.into(),
            instance: "-".into(),
            database: expected
                .get(k)
                .or(actual.get(k))
                .map(|r| r.database.clone())
                .unwrap_or_default(),
            field: format!("restorehistory row {}", k + 1),
            expected: fmt(expected.get(k)),
            actual: fmt(actual.get(k)),
        })
        .collect()
}

/// The error of a failed statement: SQL Server sends the cause, then 3013; the first
/// number other than 3013 is the one the model predicts.
pub fn main_error(numbers: &[u32]) -> Option<u32> {
    numbers
        .iter()
        .copied()
        .find(|&n| n != 3013)
        .or(numbers.first().copied())
}

pub fn compare_error(
    at: &str,
    expected: Option<u32>,
    actual: Option<(u32, &str)>,
) -> Option<Difference> {
    let show = |n: Option<u32>| n.map_or("success".to_string(), |n| format!("error {n}"));
    if expected == actual.map(|a| a.0) {
        return None;
    }
    Some(Difference {
        at: at.into(),
        instance: "-".into(),
        database: "-".into(),
        field: "outcome".into(),
        expected: show(expected),
        actual: match actual {
            Some((n, m)) => format!("error {n}: {m}"),
            None => "success".into(),
        },
    })
}

/// state_desc, with is_in_standby shown when set.
fn standby_desc(state: &str, standby: bool) -> String {
    if standby {
        format!("{state} (is_in_standby = 1)")
    } else {
        state.to_string()
    }
}
