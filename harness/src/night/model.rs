//! The drill the model predicts for a site: the default drill's scenario with the site's
//! topology and the user's runbook in the phase of its kind, played as written and as the
//! operator reported it (steps skipped or failed become no-ops).

use crate::load::{self, InputError, Loaded};
use crate::site::Site;
use sim::engine::{self, Options};
use sim::observe::Observation;
use sim::report::{Entry, Report};
use sim::runbook::{Action, Runbook};
use std::collections::BTreeSet;
use std::path::Path;

pub struct Drill {
    pub loaded: Loaded,
    /// The phase the runbook is played in.
    pub phase: usize,
    pub runbook_file: String,
}

impl Drill {
    pub fn runbook(&self) -> &Runbook {
        &self.loaded.runbooks[self.phase]
    }

    /// Load the runbook and the scenario (default: the embedded drill), put the site in.
    pub fn prepare(
        runbook: &Path,
        site: &Site,
        scenario: Option<&Path>,
    ) -> Result<Drill, InputError> {
        let mut l = load::load(scenario)?;
        site.apply(&mut l.scenario)
            .map_err(|m| InputError::at(&l.file, 1, 1, m))?;
        let rb = load::load_runbook(runbook)?;
        let kind = crate::runbooks::kind(&rb);
        let file = runbook.display().to_string();
        let phase = (0..l.runbooks.len())
            .find(|&i| crate::runbooks::kind(&l.runbooks[i]) == kind)
            .ok_or_else(|| {
                InputError::at(
                    &file,
                    1,
                    1,
                    format!(
                        "a {kind} runbook, but scenario {} has no {kind} phase; expected a scenario with one",
                        l.file
                    ),
                )
            })?;
        l.runbooks[phase] = rb;
        l.runbook_files = vec![runbook.to_path_buf()];
        Ok(Drill {
            loaded: l,
            phase,
            runbook_file: file,
        })
    }

    /// Play the drill; the steps in `not_done` (ids of this runbook) have no effect.
    pub fn play(&self, not_done: &BTreeSet<String>) -> Report {
        let mut rbs = self.loaded.runbooks.clone();
        for s in rbs[self.phase].steps.iter_mut() {
            if not_done.contains(&s.id) {
                s.action = Action::Wait { seconds: 0 };
            }
        }
        engine::run(&self.loaded.scenario, &rbs, Options { record: true })
    }
}

/// The timeline entry of a step of the drill's phase (the last, if it was retried).
pub fn step_entry<'a>(r: &'a Report, phase_start_s: u64, id: &str) -> Option<&'a Entry> {
    r.timeline
        .iter()
        .rev()
        .find(|e| e.kind == "step" && e.t_s >= phase_start_s && e.id.as_deref() == Some(id))
}

/// When the drill's phase started in a played report (the step records say).
pub fn phase_start(r: &Report, phase: usize) -> u64 {
    r.steps
        .iter()
        .find(|s| s.phase == phase)
        .map_or(0, |s| s.start_s)
}

pub fn observed_after(r: &Report, phase: usize, id: &str) -> Option<Observation> {
    step_entry(r, phase_start(r, phase), id).and_then(|e| e.observed.clone())
}
