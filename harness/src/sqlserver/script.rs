//! The replay script: the model's timeline turned into T-SQL operations, one item per
//! replayed entry, each with the model's observation and error number to compare with.

use super::tsql::{not_replayable, Op, Placement};
use crate::load::Loaded;
use crate::tsql_quote as q;
use sim::engine::plan_phase;
use sim::observe::Observation;
use sim::report::Report;
use sim::runbook::Action;
use sim::topology::{Db, Instance};

#[derive(Clone, Debug)]
pub struct Item {
    pub t_s: u64,
    /// "setup", "STEP F3", "JOB backup", "FAULT ...".
    pub label: String,
    pub ops: Vec<Op>,
    /// The model's error number for this entry (None: it succeeded).
    pub expected_error: Option<u32>,
    pub observed: Option<Observation>,
}

/// A backup file the script has written, in order.
#[derive(Clone, Debug)]
struct File {
    name: String,
    db: String,
    log: bool,
    restored_on: Vec<String>,
}

/// The file name the model gave a backup (`mgc_0003.trn`, `mgc_full_0012.bak`), from an effect text.
pub fn file_in(effect: &str) -> Option<String> {
    effect
        .split(|c: char| c.is_whitespace() || c == ';' || c == ',')
        .find(|w| (w.ends_with(".trn") || w.ends_with(".bak")) && w.starts_with("mgc"))
        .map(str::to_string)
}

pub(crate) fn leading_count(effect: &str) -> usize {
    effect
        .split_whitespace()
        .next()
        .and_then(|w| w.parse().ok())
        .unwrap_or(0)
}

/// The runbooks' steps as the engine planned them, to find the action a timeline entry
/// stands for (the planned action where the plan changed it, else the runbook's).
pub(crate) struct Steps(Vec<Vec<sim::engine::Planned>>);

impl Steps {
    pub(crate) fn new(l: &Loaded) -> Steps {
        Steps(
            (0..l.runbooks.len())
                .map(|i| plan_phase(&l.scenario, i, &l.runbooks[i]))
                .collect(),
        )
    }

    /// The action of step `id` in `phase`.
    pub(crate) fn action(&self, l: &Loaded, phase: Option<usize>, id: &str) -> Option<Action> {
        let p = phase?;
        let rb = l.runbooks.get(p)?;
        self.0[p]
            .iter()
            .find(|pl| rb.steps[pl.src].id == id)
            .map(|pl| {
                pl.action
                    .clone()
                    .unwrap_or_else(|| rb.steps[pl.src].action.clone())
            })
    }
}

/// Build the script. `placement` decides which instances are replayed.
pub fn build(l: &Loaded, r: &Report, p: &Placement) -> Vec<Item> {
    let db = |i: Instance| p.database(i, Db::Mgc);
    let primary = db(Instance::Primary).unwrap_or_default();
    let backup = db(Instance::Backup).unwrap_or_default();
    let mut files: Vec<File> = vec![File {
        name: "mgc_init.bak".into(),
        db: primary.clone(),
        log: false,
        restored_on: vec![backup.clone()],
    }];
    // t = 0: mgc on primary, log-shipped to backup (RESTORING), as sim's World::new.
    let mut items = vec![Item {
        t_s: 0,
        label: "setup".into(),
        ops: vec![
            Op::Create {
                db: primary.clone(),
            },
            Op::BackupFull {
                db: primary.clone(),
                file: "mgc_init.bak".into(),
            },
            Op::RestoreFull {
                db: backup.clone(),
                source: primary.clone(),
                file: "mgc_init.bak".into(),
                replace: false,
                recovery: false,
            },
        ],
        expected_error: None,
        observed: None,
    }];
    let rate = l.scenario.workload.writes_per_minute;
    let mut written = 0u64;
    let mut writer = Instance::Primary;
    let mut phase: Option<usize> = None;
    let steps = Steps::new(l);
    for (n, e) in r.timeline.iter().enumerate() {
        let effect = e.effect.as_deref().unwrap_or("");
        let mut ops = Vec::new();
        // Writes acknowledged up to this entry: exact at steps (their observation), else
        // the workload rate capped by the next observation (docs/sqlserver.md).
        let next_ack = r.timeline[n..]
            .iter()
            .find_map(|x| x.observed.as_ref().map(|o| o.writes.acknowledged))
            .unwrap_or(r.writes_acknowledged);
        let ack = match &e.observed {
            Some(o) => o.writes.acknowledged,
            None => (rate * e.t_s / 60).min(next_ack),
        };
        if ack > written && matches!(e.kind, "step" | "job") {
            match db(writer) {
                Some(d) => ops.push(Op::Writes {
                    db: d,
                    from: written + 1,
                    to: ack,
                }),
                None => ops.push(Op::NotReplayable {
                    reason: format!("writes {}..{} went to {writer}", written + 1, ack),
                }),
            }
            written = ack;
        }
        let label;
        match e.kind {
            "phase" if e.title.starts_with("start of") => {
                phase = Some(phase.map_or(0, |p| p + 1));
                continue;
            }
            "fault" if e.title.starts_with("DC1 rebuilt") => {
                label = format!("FAULT {}", e.title);
                ops.push(Op::Drop {
                    db: primary.clone(),
                });
                ops.push(Op::Create {
                    db: primary.clone(),
                });
                files
                    .iter_mut()
                    .for_each(|f| f.restored_on.retain(|d| *d != primary));
            }
            "job" => {
                // Job ids are the Agent job names (LSBackup, LSCopy, LSRestore).
                let job = e.id.as_deref().unwrap_or("").to_ascii_lowercase();
                let job = job.trim_start_matches("ls");
                label = format!("JOB {job}");
                match (job, &e.error) {
                    ("backup", None) => match (file_in(effect), effect.contains("on primary")) {
                        (Some(f), true) => {
                            ops.push(Op::BackupLog { db: primary.clone(), file: f.clone() });
                            files.push(File { name: f, db: primary.clone(), log: true, restored_on: vec![] });
                        }
                        _ => ops.push(Op::NotReplayable { reason: format!("log backup on another instance: {effect}") }),
                    },
                    ("restore", None) => {
                        let pending: Vec<String> = files
                            .iter_mut()
                            .filter(|f| f.log && f.db == primary && !f.restored_on.contains(&backup))
                            .take(leading_count(effect))
                            .map(|f| {
                                f.restored_on.push(backup.clone());
                                f.name.clone()
                            })
                            .collect();
                        ops.extend(pending.into_iter().map(|f| Op::RestoreLog { db: backup.clone(), file: f }));
                    }
                    // Copies are not replayed, but the writes before them must be.
                    ("copy", None) if ops.is_empty() => continue,
                    ("copy", None) => {}
                    _ => ops.push(Op::NotReplayable {
                        reason: "a failed job's cause (share, disk, rights) is a fault the replay does not reproduce".into(),
                    }),
                }
            }
            "step" => {
                let id = e.id.clone().unwrap_or_default();
                label = format!("STEP {id}");
                let action = steps.action(l, phase, &id);
                match action {
                    Some(a) => step_ops(&a, effect, p, &mut files, &mut ops),
                    None => ops.push(Op::NotReplayable {
                        reason: format!("step {id} is not in the scenario's runbooks"),
                    }),
                }
                if let Some(o) = &e.observed {
                    writer = o.pool.target;
                }
            }
            _ => continue,
        }
        items.push(Item {
            t_s: e.t_s,
            // The label goes into a `--` comment of the printed script and may hold a
            // runbook's step id: never raw input there.
            label: q::comment_text(&label),
            ops,
            expected_error: e.error.as_ref().and_then(|x| x.number),
            observed: e.observed.clone(),
        });
    }
    items
}

fn step_ops(a: &Action, effect: &str, p: &Placement, files: &mut Vec<File>, ops: &mut Vec<Op>) {
    if let Some(why) = not_replayable(a.kind()) {
        ops.push(Op::NotReplayable { reason: why.into() });
        return;
    }
    let inst = a.instance().unwrap_or(Instance::Primary);
    let Some(db) = p.database(inst, Db::Mgc) else {
        ops.push(Op::NotReplayable {
            reason: format!("{inst} holds no replayed copy (mirrors need mirroring)"),
        });
        return;
    };
    let named = |fallback: &str| file_in(effect).unwrap_or_else(|| fallback.to_string());
    match a {
        Action::DeleteLogShippingSecondary { .. } => ops.push(Op::NotReplayable {
            reason:
                "log shipping is not configured in the replay (its jobs are replayed as statements)"
                    .into(),
        }),
        Action::RestoreUnappliedLogs { .. } => {
            for f in files
                .iter_mut()
                .filter(|f| f.log && !f.restored_on.contains(&db))
            {
                f.restored_on.push(db.clone());
                ops.push(Op::RestoreLog {
                    db: db.clone(),
                    file: f.name.clone(),
                });
            }
        }
        Action::RestoreLogFile { newest, .. } => {
            if let Some(f) = files
                .iter_mut()
                .filter(|f| f.log)
                .rev()
                .nth(*newest as usize)
            {
                f.restored_on.push(db.clone());
                ops.push(Op::RestoreLog {
                    db: db.clone(),
                    file: f.name.clone(),
                });
            }
        }
        Action::KillSessionsAndRecover { .. } => ops.push(Op::Recover { db }),
        Action::BackupTailLog { .. } => {
            let file = named("mgc_tail.trn");
            ops.push(Op::BackupTail {
                db: db.clone(),
                file: file.clone(),
            });
            files.push(File {
                name: file,
                db,
                log: true,
                restored_on: vec![],
            });
        }
        Action::BackupFullToShare { .. } => {
            let file = named("mgc_full.bak");
            ops.push(Op::BackupFull {
                db: db.clone(),
                file: file.clone(),
            });
            files.push(File {
                name: file,
                db,
                log: false,
                restored_on: vec![],
            });
        }
        Action::RestoreFullFromShare {
            replace, recovery, ..
        } => match files.iter().rev().find(|f| !f.log) {
            Some(f) => ops.push(Op::RestoreFull {
                db,
                source: f.db.clone(),
                file: f.name.clone(),
                replace: *replace,
                recovery: *recovery,
            }),
            None => ops.push(Op::NotReplayable {
                reason: "no full backup written yet".into(),
            }),
        },
        Action::ConfigureLogShipping { secondary, .. } => {
            // The wizard's initialization: full backup, restored WITH NORECOVERY, REPLACE.
            let file = named("mgc_init2.bak");
            ops.push(Op::BackupFull {
                db: db.clone(),
                file: file.clone(),
            });
            match p.database(*secondary, Db::Mgc) {
                Some(sec) => ops.push(Op::RestoreFull {
                    db: sec,
                    source: db.clone(),
                    file: file.clone(),
                    replace: true,
                    recovery: false,
                }),
                None => ops.push(Op::NotReplayable {
                    reason: format!("{secondary} holds no replayed copy"),
                }),
            }
            files.push(File {
                name: file,
                db,
                log: false,
                restored_on: vec![],
            });
        }
        _ => ops.push(Op::NotReplayable {
            reason: format!("{} has no T-SQL", a.kind()),
        }),
    }
}
