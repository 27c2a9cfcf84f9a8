//! `drill range --record FILE`: what the operator did on the range, as a scenario file with
//! the session's runbook inline, so `drill run FILE` replays it and reproduces the
//! session's outcome (errors, RTO/RPO, final state) exactly.
//!
//! How exactness is kept (sim::live's module comment has the clock side): each action
//! becomes a step with `operator_s` fixed at the time since the previous action and no
//! work time (the recording's `timing` is all zeros, so a step ends exactly when the
//! operator acted), `on_error: continue` (the operator went on after a failure); the
//! phase starts at the first action. Faults timed from the end of a phase never fired on
//! the range and are left out; statements with no runbook action (a plain `BACKUP LOG`)
//! are listed in the description and make the recording inexact, which it says.

use crate::output::{write_atomic, OutputError};
use sim::dist::Dist;
use sim::live::Live;
use sim::runbook::{OnError, Runbook, Step, MAX_STEPS};
use sim::scenario::{Phase, PhaseRunbook, Scenario};
use std::path::Path;

/// The recorded session: the scenario to replay and what a reader should know about it.
pub struct Recording {
    pub scenario: Scenario,
    /// Why a replay would not reproduce the session exactly (empty: it does).
    pub inexact: Vec<String>,
}

fn hms(t: u64) -> String {
    format!("{:02}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)
}

/// Timing under which every step takes exactly its `operator_s` and a declared phase
/// starts when it is due.
fn zero_timing(mut t: sim::timing::Timing) -> sim::timing::Timing {
    let z = Dist::Fixed(0.0);
    t.detection_s = z.clone();
    t.decision_s = z.clone();
    t.operator_step_s = z.clone();
    t.cmdlet_s = z.clone();
    t.statement_s = z.clone();
    t.restore_log_s = z.clone();
    t.copy_file_s = z.clone();
    t.recovery_s = z.clone();
    t.log_bytes_per_write = 0.0;
    t.full_backup_s = Some(z.clone());
    t.full_restore_s = Some(z.clone());
    t.mirror_install_s = Some(z.clone());
    t.fault_jitter_s = Some(z);
    t
}

pub fn recording(live: &Live) -> Recording {
    let src = live.scenario();
    let mut inexact: Vec<String> = live
        .unrecordable()
        .iter()
        .map(|u| {
            format!(
                "{} `{}` changed the model but no runbook action stands for it",
                hms(u.t_s),
                u.text.trim()
            )
        })
        .collect();
    let taken = live.taken();
    let ends = live.phase_ends();
    // One recorded phase per `end-phase` the operator said, plus the actions after the
    // last: each ends with a `wait` of 0 s at the second the phase ended, so that the
    // engine's phase_done schedules the faults timed from it then (sim::live::end_phase).
    let mut runbooks: Vec<(u64, Vec<Step>)> = Vec::new();
    let mut from = 0usize;
    let mut prev: Option<u64> = None;
    let mut n_actions = 0usize;
    for j in 0..=ends.len() {
        let to = ends.get(j).map_or(taken.len(), |e| e.actions);
        let mut steps = Vec::new();
        let phase_start = prev;
        for t in &taken[from..to] {
            n_actions += 1;
            let text: String = t.text.trim().chars().take(500).collect();
            let outcome = match &t.result {
                Ok(_) => "ok".to_string(),
                Err(f) => match f.number() {
                    Some(n) => format!("failed with Msg {n}"),
                    None => "failed".to_string(),
                },
            };
            steps.push(Step {
                id: format!("R{n_actions}"),
                title: if text.is_empty() {
                    format!("{:?}", t.action.kind())
                } else {
                    text
                },
                source: format!("drill range session, simulated {} ({outcome})", hms(t.t_s)),
                action: t.action.clone(),
                on_error: OnError::Continue,
                operator_s: Some(Dist::Fixed((t.t_s - prev.unwrap_or(t.t_s)) as f64)),
            });
            prev = Some(t.t_s);
        }
        if let Some(e) = ends.get(j) {
            steps.push(Step {
                id: format!("E{}", j + 1),
                title: format!("end-phase {}", e.phase),
                source: format!(
                    "drill range session, simulated {}: phase {} of '{}' ended (faults timed from its end scheduled)",
                    hms(e.t_s),
                    e.phase,
                    src.name
                ),
                action: sim::runbook::Action::Wait { seconds: 0 },
                on_error: OnError::Continue,
                operator_s: Some(Dist::Fixed((e.t_s - prev.unwrap_or(e.t_s)) as f64)),
            });
            prev = Some(e.t_s);
        }
        from = to;
        if steps.len() > MAX_STEPS {
            inexact.push(format!(
                "{} steps in recorded phase {j}; a runbook holds at most {MAX_STEPS}: the rest are left out",
                steps.len()
            ));
            steps.truncate(MAX_STEPS);
        }
        if !steps.is_empty() {
            let first = phase_start.unwrap_or_else(|| {
                taken
                    .first()
                    .map(|t| t.t_s)
                    .into_iter()
                    .chain(ends.first().map(|e| e.t_s))
                    .min()
                    .unwrap_or(0)
            });
            runbooks.push((first, steps));
        }
    }
    let mut s = src.clone();
    s.name = format!("{}-recorded", src.name);
    let dropped: Vec<String> = live.unscheduled_faults();
    let first_t = runbooks.first().map_or(0, |r| r.0);
    let last_t = prev.unwrap_or(0);
    s.description = format!(
        "A drill range session on scenario '{}' (seed {}), recorded: {} action(s) from simulated {} to {}{}. Replay: drill run THIS_FILE. Steps take exactly the operator's timing (timing is zeroed), and continue after errors as the operator did.{}{}",
        src.name,
        src.seed,
        n_actions,
        hms(first_t),
        hms(last_t),
        if ends.is_empty() {
            String::new()
        } else {
            format!(
                ", in {} phase(s): each end-phase is a wait step of 0 s ending its phase",
                runbooks.len()
            )
        },
        if dropped.is_empty() {
            String::new()
        } else {
            format!(" Left out (never fired on the range): {}.", dropped.join("; "))
        },
        if inexact.is_empty() {
            String::new()
        } else {
            format!(" NOT EXACT: {}.", inexact.join("; "))
        }
    );
    s.timing = zero_timing(src.timing.clone());
    // Faults on the clock from the start, in order; then, for each end-phase, the faults
    // timed from that scenario phase's end, now timed from the recorded phase's end.
    let mut faults: Vec<_> = src
        .faults
        .iter()
        .filter(|f| f.after_phase.is_none())
        .cloned()
        .collect();
    for (j, e) in ends.iter().enumerate() {
        if j >= runbooks.len() {
            break;
        }
        for f in src.faults.iter().filter(|f| f.after_phase == Some(e.phase)) {
            let mut f = f.clone();
            f.after_phase = Some(j);
            faults.push(f);
        }
    }
    s.faults = faults;
    s.deviations.clear();
    s.expect = None;
    let declare = src.phases.first().is_some_and(|p| p.declare);
    s.phases = runbooks
        .into_iter()
        .enumerate()
        .map(|(j, (start, steps))| Phase {
            runbook: PhaseRunbook::Inline(Box::new(Runbook {
                name: if j == 0 {
                    "range-session".into()
                } else {
                    format!("range-session-{}", j + 1)
                },
                description: "The actions an operator took on the drill range, in order.".into(),
                source: "drill range --record".into(),
                product_notes: Vec::new(),
                steps,
                expect_violation: None,
            })),
            // Later phases start when the previous one ended (schedule_phase: max(now, 0)).
            start_at_s: if j == 0 { start } else { 0 },
            after_previous_s: None,
            declare: j == 0 && declare,
        })
        .collect();
    Recording {
        scenario: s,
        inexact,
    }
}

/// Write the recording atomically (a reader never sees half a file).
pub fn write(live: &Live, path: &Path) -> Result<Recording, OutputError> {
    let r = recording(live);
    let mut json = serde_json::to_string_pretty(&r.scenario).map_err(|e| OutputError {
        path: path.to_path_buf(),
        message: format!("cannot serialize the recording: {e}"),
    })?;
    json.push('\n');
    write_atomic(path, json.as_bytes())?;
    Ok(r)
}
