//! Runbook kinds, and a user's runbook files put into a scenario's phases: `drill run
//! --runbook FILE` replaces the phase whose runbook is of the same kind.

use crate::load::{self, InputError, Loaded};
use sim::runbook::{Action, Runbook};
use sim::topology::PoolState;
use std::path::{Path, PathBuf};

/// A runbook is a failback if it restores a full backup or sets the pool state to Normal;
/// otherwise a failover.
pub fn is_failback(rb: &Runbook) -> bool {
    rb.steps.iter().any(|s| {
        matches!(
            s.action,
            Action::RestoreFullFromShare { .. }
                | Action::SetPoolState {
                    state: PoolState::Normal
                }
        )
    })
}

pub fn kind(rb: &Runbook) -> &'static str {
    if is_failback(rb) {
        "failback"
    } else {
        "failover"
    }
}

/// Load each file and put it in place of the scenario's phase runbook of the same kind.
pub fn replace(l: &mut Loaded, files: &[PathBuf]) -> Result<(), InputError> {
    // Per phase, the file that replaced its runbook.
    let mut from: Vec<Option<&PathBuf>> = vec![None; l.runbooks.len()];
    for f in files {
        let rb = load::load_runbook(f)?;
        let k = kind(&rb);
        let name = f.display().to_string();
        let phases: Vec<usize> = (0..l.runbooks.len())
            .filter(|&i| kind(&l.runbooks[i]) == k)
            .collect();
        if phases.is_empty() {
            let have: Vec<&str> = l.runbooks.iter().map(kind).collect();
            return Err(InputError::at(
                &name,
                1,
                1,
                format!(
                    "a {k} runbook, but scenario {} has no {k} phase (its phases: {}); expected a runbook of one of those kinds",
                    l.file,
                    have.join(", ")
                ),
            ));
        }
        for i in phases {
            if let Some(prev) = &from[i] {
                return Err(InputError::at(
                    &name,
                    1,
                    1,
                    format!(
                        "two {k} runbooks given ({} and this one); expected at most one --runbook per kind",
                        prev.display()
                    ),
                ));
            }
            l.runbooks[i] = rb.clone();
            from[i] = Some(f);
        }
    }
    Ok(())
}

/// What a file that is not a scenario is, if it is a runbook: "a failover runbook (7 steps)".
pub fn describe_runbook(path: &Path, text: &str) -> Option<String> {
    let rb = load::parse_runbook(&path.display().to_string(), text).ok()?;
    Some(format!(
        "a {} runbook ({:?}, {} steps)",
        kind(&rb),
        rb.name,
        rb.steps.len()
    ))
}
