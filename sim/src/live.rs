//! The model on a clock someone drives (the DR range, issue 11): the scenario's faults and
//! log-shipping jobs fire as the clock passes them, exactly as [`crate::engine`] fires
//! them, and operator actions arrive one at a time instead of from a runbook.
//!
//! Exactness with the engine: an action taken at time `t` is played where the engine would
//! play a runbook step ending at `t` that started when the previous action ended (the
//! recorded runbook: every step `operator_s` = the time since the previous action, work 0,
//! `on_error: continue`). The engine orders events of the same second by when they were
//! scheduled; so does this clock: [`Live::act`] fires the events due at `t` that the engine
//! would have scheduled before that step, and leaves the later ones for the next advance.

use crate::assumptions::Name;
use crate::backups::{backup_source, take_log_backup};
use crate::fault::Job;
use crate::jobs::{self, JobOutcome};
use crate::lsn::Lsn;
use crate::observe::{observe, Observation};
use crate::runbook::Action;
use crate::scenario::Scenario;
use crate::sqlerror::{Failure, OsError, SqlError, Statement};
use crate::steps::{self, Effect};
use crate::topology::{Db, Instance};
use crate::world::{BackupKind, DbState, FileState, World};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

/// The range's clock stops here, as a run does (engine::HORIZON_S).
pub const HORIZON_S: u64 = crate::engine::HORIZON_S;

/// Something the clock did on its own, for the console.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Happened {
    pub t_s: u64,
    pub what: String,
}

/// One action the operator took through the range, as it reached the model.
#[derive(Clone, Debug, PartialEq)]
pub struct Taken {
    pub t_s: u64,
    /// The statement or cmdlet as typed.
    pub text: String,
    pub action: Action,
    pub result: Result<Effect, Failure>,
}

/// A statement that changed the model but has no runbook action (a plain `BACKUP LOG`):
/// a recording that contains one cannot be replayed exactly, and says so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unrecordable {
    pub t_s: u64,
    pub text: String,
}

/// Why the model ended a range client's session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// Its instance went down at `t_s` (a fault: a crash, a stop, its data center lost).
    InstanceDown { t_s: u64 },
    /// Another session KILLed it at `t_s`.
    Killed { t_s: u64 },
}

/// A restore, as msdb.dbo.restorehistory keeps it on the instance that restored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestoreFact {
    pub id: u32,
    pub instance: Instance,
    pub t_s: u64,
    pub database: Db,
    /// The backup file (`World::files` id).
    pub file: u32,
    /// 'D' database, 'L' log.
    pub restore_type: char,
    pub replace: bool,
    pub recovery: bool,
}

/// The RTO/RPO measures of the session, taken as the engine takes them (faults only: the
/// session has one phase).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Measures {
    pub outage_start_s: Option<u64>,
    pub service_restored_at_s: Option<u64>,
    /// Acknowledged writes the restored copy lacked when service came back.
    pub failover_rpo_writes_lost: Option<u64>,
    pub failover_rpo_seconds: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Fault(u32),
    /// The next recorded phase starts (see [`Live::end_phase`]).
    PhaseStart,
}

/// The operator said a phase of the scenario ended (`end-phase`), after `actions` actions,
/// at `t_s`: the recording ends a phase of its own there so that `drill run` schedules the
/// faults timed from that phase's end as the range did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PhaseEnd {
    pub t_s: u64,
    /// The scenario's phase whose end it was.
    pub phase: usize,
    /// How many actions ([`Live::taken`]) had been taken when it ended.
    pub actions: usize,
}

pub struct Live {
    s: Scenario,
    w: World,
    now: u64,
    q: BinaryHeap<Reverse<(u64, u64, Ev)>>,
    seq: u64,
    jobs_next: [(u64, u64); 3],
    /// The engine's scheduling number of the next operator step (see the module comment):
    /// None before the first action (the first step follows every event of its second).
    step_seq: Option<u64>,
    serving: bool,
    measures: Measures,
    /// Sessions range clients hold: (instance, spid) -> the database they are in.
    sessions: BTreeMap<(Instance, u16), String>,
    /// Sessions the model ended while their client was away (their instance went down, or
    /// KILL): why, until the client's next request or logout learns it.
    ended: BTreeMap<(Instance, u16), Ended>,
    taken: Vec<Taken>,
    unrecordable: Vec<Unrecordable>,
    happened: Vec<Happened>,
    restores: Vec<RestoreFact>,
    /// Names the operator gave backups (`BACKUP ... TO DISK = 'x'`), lower case, to files.
    named: BTreeMap<String, u32>,
    /// Work done, against the engine's WORK_BUDGET: past it the clock stops.
    work: u64,
    phase_ends: Vec<PhaseEnd>,
    /// A recorded phase's start is queued (Ev::PhaseStart) and has not fired yet.
    phase_start_pending: bool,
}

impl Live {
    /// The scenario's world at time 0: faults and jobs scheduled as `engine::run` does.
    /// Faults timed from the end of a phase are not scheduled (the range has no phases;
    /// [`Live::unscheduled_faults`] lists them).
    pub fn new(s: &Scenario) -> Live {
        let mut l = Live {
            s: s.clone(),
            w: World::new(s),
            now: 0,
            q: BinaryHeap::new(),
            seq: 0,
            jobs_next: [(u64::MAX, u64::MAX); 3],
            step_seq: None,
            serving: true,
            measures: Measures::default(),
            sessions: BTreeMap::new(),
            ended: BTreeMap::new(),
            taken: Vec::new(),
            unrecordable: Vec::new(),
            happened: Vec::new(),
            restores: Vec::new(),
            named: BTreeMap::new(),
            work: 0,
            phase_ends: Vec::new(),
            phase_start_pending: false,
        };
        for (i, f) in s.faults.iter().enumerate() {
            if f.after_phase.is_none() {
                l.seq += 1;
                l.q.push(Reverse((f.at_s, l.seq, Ev::Fault(i as u32))));
            }
        }
        let ls = &s.log_shipping;
        let (b, c, r) = (ls.backup_interval_s, ls.copy_offset_s, ls.restore_offset_s);
        for (j, first) in [b, c.max(1), r.max(1)].into_iter().enumerate() {
            l.seq += 1;
            l.jobs_next[j] = (first, l.seq);
        }
        // engine::run pushes the first phase's start here.
        l.seq += 1;
        l
    }

    pub fn scenario(&self) -> &Scenario {
        &self.s
    }
    pub fn world(&self) -> &World {
        &self.w
    }
    pub fn now(&self) -> u64 {
        self.now
    }
    pub fn observe(&self) -> Observation {
        observe(&self.w)
    }
    pub fn measures(&self) -> Measures {
        self.measures
    }
    pub fn taken(&self) -> &[Taken] {
        &self.taken
    }
    pub fn unrecordable(&self) -> &[Unrecordable] {
        &self.unrecordable
    }
    pub fn restores(&self) -> &[RestoreFact] {
        &self.restores
    }
    /// Faults and job runs that did something, oldest first; `drain_happened` empties it.
    pub fn drain_happened(&mut self) -> Vec<Happened> {
        std::mem::take(&mut self.happened)
    }

    /// Faults the range did not schedule: those timed from the end of a phase nobody said
    /// ended (`end-phase`).
    pub fn unscheduled_faults(&self) -> Vec<String> {
        self.s
            .faults
            .iter()
            .filter(|f| {
                !self
                    .phase_ends
                    .iter()
                    .any(|e| Some(e.phase) == f.after_phase)
            })
            .filter_map(|f| {
                f.after_phase.map(|p| {
                    format!(
                        "{} ({} s after phase {p} ends: not on the range's clock)",
                        crate::describe::describe_fault(&f.fault),
                        f.at_s
                    )
                })
            })
            .collect()
    }

    /// Phase `p` ended now (the operator says so; the range has no phases): the faults timed
    /// from its end are scheduled as `engine`'s `phase_done` schedules them. Returns them as
    /// (time, description); calling it twice for one phase schedules them twice, so callers
    /// say it once.
    ///
    /// Exactness with the recording (record.rs ends a phase of its own here, with a `wait`
    /// step of 0 s ending now): as the engine does at that step's end, the events due now
    /// that were scheduled before it fire first, then the faults are scheduled, then the
    /// next phase's start (an event now: the next action is its first step).
    pub fn end_phase(&mut self, p: usize) -> Vec<(u64, String)> {
        self.settle_for_step();
        let now = self.now;
        // The wait step's end: what steps::apply does for it (nothing) and the step count.
        self.phase_ends.push(PhaseEnd {
            t_s: now,
            phase: p,
            actions: self.taken.len(),
        });
        let mut out = Vec::new();
        for (i, f) in self.s.faults.iter().enumerate() {
            if f.after_phase == Some(p) {
                let at = now.saturating_add(f.at_s);
                self.seq += 1;
                self.q.push(Reverse((at, self.seq, Ev::Fault(i as u32))));
                out.push((at, crate::describe::describe_fault(&f.fault)));
            }
        }
        self.seq += 1;
        self.q.push(Reverse((now, self.seq, Ev::PhaseStart)));
        self.phase_start_pending = true;
        out
    }

    /// Where the operator said phases ended, in order.
    pub fn phase_ends(&self) -> &[PhaseEnd] {
        &self.phase_ends
    }

    /// Faults still to come on the clock, as (time, description).
    pub fn pending_faults(&self) -> Vec<(u64, String)> {
        let mut v: Vec<(u64, u64, u32)> = self
            .q
            .iter()
            .filter_map(|Reverse((t, s, e))| match e {
                Ev::Fault(i) => Some((*t, *s, *i)),
                Ev::PhaseStart => None,
            })
            .collect();
        v.sort_unstable();
        v.into_iter()
            .map(|(t, _, i)| {
                (
                    t,
                    crate::describe::describe_fault(&self.s.faults[i as usize].fault),
                )
            })
            .collect()
    }

    /// Move the clock to `t` (never back, never past [`HORIZON_S`]): every event due before
    /// `t` fires; those due at `t` itself fire with the next action or advance (the engine
    /// orders them against a step ending at `t`).
    pub fn advance_to(&mut self, t: u64) {
        let t = t.min(HORIZON_S);
        if t <= self.now {
            return;
        }
        while let Some((et, _)) = self.peek() {
            if et >= t {
                break;
            }
            if self.work > crate::engine::WORK_BUDGET {
                self.now = et;
                self.note(et, format!("the range's clock stopped: the work budget ({} events and backup files scanned) is spent", crate::engine::WORK_BUDGET));
                return;
            }
            self.fire_next();
        }
        self.now = t;
    }

    /// The earliest pending event as (time, scheduling number).
    fn peek(&self) -> Option<(u64, u64)> {
        let job = self.jobs_next.iter().copied().min();
        let fault = self.q.peek().map(|Reverse((t, s, _))| (*t, *s));
        match (job, fault) {
            (Some(j), Some(f)) => Some(j.min(f)),
            (j, f) => j.or(f),
        }
    }

    fn fire_next(&mut self) {
        self.work += 1 + self.w.files.len() as u64;
        let (j, &(jt, js)) = self
            .jobs_next
            .iter()
            .enumerate()
            .min_by_key(|(_, k)| **k)
            .expect("three jobs");
        let fault_first = matches!(self.q.peek(), Some(Reverse((t, s, _))) if (*t, *s) < (jt, js));
        if fault_first {
            let Some(Reverse((t, _, ev))) = self.q.pop() else {
                return;
            };
            let i = match ev {
                Ev::Fault(i) => i,
                Ev::PhaseStart => {
                    // engine: PhaseStart -> start_step schedules the first step's end.
                    self.phase_start_pending = false;
                    self.seq += 1;
                    self.step_seq = Some(self.seq);
                    return;
                }
            };
            self.w.advance_workload(t);
            self.w.now = t;
            let f = self.s.faults[i as usize].fault.clone();
            let took_over = self.w.coverage.mirror_took_over;
            crate::outage::apply(&mut self.w, &f);
            self.note(t, format!("FAULT {}", crate::describe::describe_fault(&f)));
            if !took_over && self.w.coverage.mirror_took_over {
                self.note(
                    t,
                    "AUTO automatic failover: the mirror becomes principal for mgc".into(),
                );
            }
            self.after_event(t, false);
        } else {
            self.run_job(j, jt);
        }
    }

    fn run_job(&mut self, j: usize, t: u64) {
        if j == 0 {
            // The engine accounts the workload at backup jobs, not at copy/restore jobs.
            self.w.advance_workload(t);
        }
        self.w.now = t;
        let job = [Job::Backup, Job::Copy, Job::Restore][j];
        let ls = &self.s.log_shipping;
        let interval = [
            ls.backup_interval_s,
            ls.copy_interval_s,
            ls.restore_interval_s,
        ][j];
        let before = self.redo_points();
        let out = jobs::run(&mut self.w, job, ls.retention_s);
        self.seq += 1;
        self.jobs_next[j] = (t.saturating_add(interval), self.seq);
        let what = match &out {
            JobOutcome::Idle => return,
            JobOutcome::BackedUp { instance, file } => format!(
                "JOB backup: log backup {} of mgc on {instance} written to the share",
                self.w.files[*file as usize - 1].file_name()
            ),
            JobOutcome::Copied { files } => {
                format!("JOB copy: {files} log backup file(s) copied to the copy folder")
            }
            JobOutcome::Restored { files } => {
                self.note_log_restores(&before, t);
                format!("JOB restore: {files} log backup(s) restored on backup")
            }
            JobOutcome::Failed { instance, failure } => {
                format!("JOB {job} on {instance} failed: {}", failure.render())
            }
        };
        self.note(t, what);
    }

    fn note(&mut self, t: u64, what: String) {
        // The console drains it; a console that never does keeps the newest only.
        if self.happened.len() >= 10_000 {
            self.happened.remove(0);
        }
        self.happened.push(Happened { t_s: t, what });
    }

    fn redo_points(&self) -> [[Lsn; 2]; 5] {
        std::array::from_fn(|i| {
            let inst = Instance::ALL[i];
            [
                self.w.db(inst, Db::Mgc).lsn,
                self.w.db(inst, Db::Mgccomp).lsn,
            ]
        })
    }

    /// restorehistory rows for the log backups that moved a RESTORING copy's redo point.
    fn note_log_restores(&mut self, before: &[[Lsn; 2]; 5], t: u64) {
        for (ii, inst) in Instance::ALL.into_iter().enumerate() {
            for (di, db) in [Db::Mgc, Db::Mgccomp].into_iter().enumerate() {
                let (from, to) = (before[ii][di], self.w.db(inst, db).lsn);
                if to <= from || self.w.db(inst, db).state == DbState::Absent {
                    continue;
                }
                let mut files: Vec<(Lsn, u32)> = self
                    .w
                    .files
                    .iter()
                    .filter(|f| {
                        f.database == db
                            && f.kind == BackupKind::Log
                            && f.in_copy_folder != FileState::Absent
                            && f.last_lsn > from
                            && f.last_lsn <= to
                            && f.first_lsn <= to
                    })
                    .map(|f| (f.first_lsn, f.id))
                    .collect();
                files.sort_unstable();
                for (_, id) in files {
                    self.push_restore(inst, t, db, id, 'L', false, false);
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push_restore(
        &mut self,
        instance: Instance,
        t: u64,
        database: Db,
        file: u32,
        restore_type: char,
        replace: bool,
        recovery: bool,
    ) {
        let id = self.restores.len() as u32 + 1;
        self.restores.push(RestoreFact {
            id,
            instance,
            t_s: t,
            database,
            file,
            restore_type,
            replace,
            recovery,
        });
    }

    /// Service lost and back, as `engine`'s after_event measures it (phase 0 only); and the
    /// sessions of an instance that went down end (see [`Live::forget_down_sessions`]).
    fn after_event(&mut self, t: u64, by_step: bool) {
        self.forget_down_sessions(t);
        let now_serving = self.w.serving();
        if self.serving && !now_serving {
            if !by_step && self.measures.outage_start_s.is_none() {
                self.measures.outage_start_s = Some(t);
            }
        } else if !self.serving
            && now_serving
            && self.measures.outage_start_s.is_some()
            && self.measures.service_restored_at_s.is_none()
        {
            self.measures.service_restored_at_s = Some(t);
            let lost = self
                .w
                .acknowledged()
                .minus(&self.w.db(self.w.pool_target(), Db::Mgc).writes);
            self.measures.failover_rpo_writes_lost = Some(lost.len());
            self.measures.failover_rpo_seconds = Some(crate::engine::rpo_window(&self.w, &lost));
        }
        self.serving = now_serving;
    }

    /// The events the engine would play before a step ending now, then the workload up to
    /// now: what every model change by the operator starts with.
    fn settle_for_step(&mut self) {
        let now = self.now;
        // A recorded phase that started at or before now: its start fires first (in order
        // with the events before it), and gives the step its scheduling number.
        while self.phase_start_pending {
            self.fire_next();
        }
        let limit = match self.step_seq {
            None => (now, u64::MAX),
            Some(s) => (now, s),
        };
        while let Some(p) = self.peek() {
            if p >= limit {
                break;
            }
            self.fire_next();
        }
        self.w.advance_workload(now);
        self.w.now = now;
    }

    /// The operator runs a runbook action now (a cmdlet, or a statement that is one).
    pub fn act(&mut self, text: &str, a: &Action) -> Result<Effect, Failure> {
        self.settle_for_step();
        let t = self.now;
        let before = self.redo_points();
        let r = steps::apply(&mut self.w, a);
        if r.is_err() {
            // What the operator does next is theirs; the recording continues (on_error).
            self.w.used.note(Name::StepStopsOnError);
        }
        if r.is_ok() {
            self.note_action_restores(a, &before, t);
        }
        self.seq += 1;
        self.step_seq = Some(self.seq);
        self.after_event(t, true);
        self.taken.push(Taken {
            t_s: t,
            text: text.to_string(),
            action: a.clone(),
            result: r.clone(),
        });
        r
    }

    fn note_action_restores(&mut self, a: &Action, before: &[[Lsn; 2]; 5], t: u64) {
        match a {
            Action::RestoreUnappliedLogs { .. } | Action::RestoreLogFile { .. } => {
                self.note_log_restores(before, t)
            }
            Action::RestoreFullFromShare {
                instance,
                database,
                replace,
                recovery,
            } => {
                let id = self
                    .w
                    .files
                    .iter()
                    .rev()
                    .find(|f| {
                        f.database == *database
                            && f.kind == BackupKind::Full
                            && f.on_share == FileState::Readable
                    })
                    .map(|f| f.id);
                if let Some(id) = id {
                    self.push_restore(*instance, t, *database, id, 'D', *replace, *recovery);
                }
            }
            Action::ConfigureLogShipping {
                secondary,
                database,
                ..
            } => {
                let id = self.w.files.last().map(|f| f.id);
                if let Some(id) = id {
                    self.push_restore(*secondary, t, *database, id, 'D', true, false);
                }
            }
            _ => {}
        }
    }

    /// A range client logged in to `instance` (or changed database with USE).
    pub fn session_database(&mut self, instance: Instance, spid: u16, database: &str) {
        self.sessions
            .insert((instance, spid), database.to_ascii_lowercase());
    }

    /// A range client's session ended (logout, or KILL).
    pub fn end_session(&mut self, instance: Instance, spid: u16) -> bool {
        self.sessions.remove(&(instance, spid)).is_some()
    }

    /// KILL of another range client's session: it ends now, and its client learns it at
    /// its next request.
    pub fn kill_session(&mut self, instance: Instance, spid: u16) -> bool {
        let was = self.end_session(instance, spid);
        if was {
            self.ended
                .insert((instance, spid), Ended::Killed { t_s: self.now });
        }
        was
    }

    /// The client logged out (or its connection closed): nothing is left of the session.
    pub fn logout(&mut self, instance: Instance, spid: u16) {
        self.sessions.remove(&(instance, spid));
        self.ended.remove(&(instance, spid));
    }

    /// Whether the session still exists, and if the model ended it, why (taken once: the
    /// caller closes the client's connection).
    pub fn take_ended(&mut self, instance: Instance, spid: u16) -> Option<Ended> {
        self.ended.remove(&(instance, spid))
    }

    /// Whether an instance is up in the model (its own state and its data center's).
    pub fn instance_up(&self, i: Instance) -> bool {
        self.w.inst(i).up && self.w.dc_is_up(i.dc())
    }

    /// An instance that is down has no sessions: SQL Server's sessions live in its
    /// process, so a crash, a stop or a lost data center ends them all, and a client sees
    /// its connection broken. The model forgets them (a session left in mgc no longer
    /// blocks RESTORE once the instance is back) and remembers why for their clients.
    fn forget_down_sessions(&mut self, t: u64) {
        let down: Vec<(Instance, u16)> = self
            .sessions
            .keys()
            .filter(|(i, _)| !self.instance_up(*i))
            .copied()
            .collect();
        for k in down {
            self.sessions.remove(&k);
            self.ended.insert(k, Ended::InstanceDown { t_s: t });
        }
    }

    /// Range client sessions on an instance as (spid, database).
    pub fn sessions(&self, instance: Instance) -> Vec<(u16, String)> {
        self.sessions
            .range((instance, 0)..=(instance, u16::MAX))
            .map(|((_, s), d)| (*s, d.clone()))
            .collect()
    }

    /// Range sessions other than `spid` in `db` on `instance`: RESTORE needs exclusive
    /// access and fails with 3101 while one exists (restore-statements-transact-sql.md).
    pub fn others_in(&self, instance: Instance, db: Db, spid: u16) -> usize {
        let name = db.to_string();
        self.sessions(instance)
            .iter()
            .filter(|(s, d)| *s != spid && *d == name)
            .count()
    }

    /// The `newest`-th newest log backup of `db` in the copy folder named `file` (the last
    /// part of a path, case-insensitive): how a typed `RESTORE LOG ... FROM DISK` becomes
    /// [`Action::RestoreLogFile`].
    pub fn copy_folder_index(&self, db: Db, file: &str) -> Option<u32> {
        let name = leaf(file);
        self.w
            .files
            .iter()
            .rev()
            .filter(|f| {
                f.database == db
                    && f.kind == BackupKind::Log
                    && f.in_copy_folder != FileState::Absent
            })
            .position(|f| f.file_name().eq_ignore_ascii_case(&name) || self.named_as(f.id, &name))
            .map(|k| k as u32)
    }

    /// Whether the newest full backup of `db` on the share is the one `file` names.
    pub fn is_newest_full(&self, db: Db, file: &str) -> Option<bool> {
        let name = leaf(file);
        let hit = |f: &crate::world::BackupFile| {
            f.database == db
                && f.kind == BackupKind::Full
                && (f.file_name().eq_ignore_ascii_case(&name) || self.named_as(f.id, &name))
        };
        let found = self
            .w
            .files
            .iter()
            .any(|f| hit(f) && f.on_share != FileState::Absent);
        if !found {
            return None;
        }
        let newest = self.w.files.iter().rev().find(|f| {
            f.database == db && f.kind == BackupKind::Full && f.on_share == FileState::Readable
        });
        Some(newest.is_some_and(hit))
    }

    fn named_as(&self, id: u32, name: &str) -> bool {
        self.named.get(name) == Some(&id)
    }

    /// Remember the name the operator gave the newest backup file.
    pub fn name_newest_file(&mut self, typed: &str) {
        if let Some(f) = self.w.files.last() {
            self.named.insert(leaf(typed), f.id);
        }
    }

    /// A plain `BACKUP LOG db TO DISK = ...` (not a tail backup): a log backup to the share
    /// by hand. No runbook action stands for it, so it is applied here and marked
    /// unrecordable.
    pub fn backup_log(&mut self, text: &str, i: Instance, db: Db) -> Result<u32, Failure> {
        self.settle_for_step();
        let t = self.now;
        let r = (|| {
            if !(self.w.inst(i).up && self.w.dc_is_up(i.dc())) {
                return Err(Failure::Cmdlet(
                    crate::sqlerror::CmdletError::InstanceUnreachable(i),
                ));
            }
            backup_source(&self.w, i, db, Statement::BackupLog)?;
            take_log_backup(&mut self.w, i, db)
        })();
        self.w.reconcile();
        self.seq += 1;
        self.step_seq = Some(self.seq);
        self.after_event(t, true);
        self.unrecordable.push(Unrecordable {
            t_s: t,
            text: text.to_string(),
        });
        r
    }

    /// The file a backup or restore error names when `file` is not where the statement
    /// looks: 3201 with operating-system error 2.
    pub fn missing_file(device: &str, st: Statement) -> Failure {
        Failure::Sql(
            SqlError::E3201 {
                device: device.to_string(),
                os_error: OsError::NotFound,
            },
            st,
        )
    }

    /// The number of the newest backup file (for the success message's "file N").
    pub fn newest_file(&self) -> Option<&crate::world::BackupFile> {
        self.w.files.last()
    }
}

/// The last part of a Windows or POSIX path, lower case.
fn leaf(path: &str) -> String {
    path.rsplit(['\\', '/'])
        .next()
        .unwrap_or(path)
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::Action;

    fn quiet() -> Scenario {
        serde_json::from_str(r#"{"name": "quiet", "seed": 1}"#).unwrap()
    }

    #[test]
    fn jobs_run_on_the_clock_and_ship_logs_to_backup() {
        let s = quiet();
        let mut l = Live::new(&s);
        let r0 = l.world().db(Instance::Backup, Db::Mgc).lsn;
        l.advance_to(3600);
        // The backup job wrote log backups and the restore job applied them on backup.
        assert!(l.world().files.iter().any(|f| f.kind == BackupKind::Log));
        assert!(l.world().db(Instance::Backup, Db::Mgc).lsn > r0);
        assert!(!l.restores().is_empty());
        assert!(l.drain_happened().iter().any(|h| h.what.starts_with("JOB")));
    }

    #[test]
    fn a_range_session_in_mgc_counts_for_exclusive_access() {
        let mut l = Live::new(&quiet());
        l.session_database(Instance::Backup, 52, "MGC");
        assert_eq!(l.others_in(Instance::Backup, Db::Mgc, 53), 1);
        assert_eq!(l.others_in(Instance::Backup, Db::Mgc, 52), 0);
        assert!(l.end_session(Instance::Backup, 52));
        assert_eq!(l.others_in(Instance::Backup, Db::Mgc, 53), 0);
    }

    fn crash_and_back() -> Scenario {
        serde_json::from_str(
            r#"{"name": "crash", "seed": 1, "faults": [
                {"at_s": 3600, "kind": "instance_down", "instance": "primary"},
                {"at_s": 7200, "kind": "instance_up", "instance": "primary"}]}"#,
        )
        .unwrap()
    }

    #[test]
    fn an_instance_going_down_ends_its_sessions_and_only_its() {
        let mut l = Live::new(&crash_and_back());
        l.session_database(Instance::Primary, 52, "mgc");
        l.session_database(Instance::Backup, 53, "master");
        l.advance_to(3601);
        assert!(!l.instance_up(Instance::Primary));
        assert!(l.sessions(Instance::Primary).is_empty());
        assert_eq!(l.sessions(Instance::Backup), [(53, "master".to_string())]);
        // Back up at 7200: the session stays ended, and no longer blocks a RESTORE there.
        l.advance_to(7201);
        assert!(l.instance_up(Instance::Primary));
        assert_eq!(l.others_in(Instance::Primary, Db::Mgc, 60), 0);
        assert_eq!(
            l.take_ended(Instance::Primary, 52),
            Some(Ended::InstanceDown { t_s: 3600 })
        );
        // Told once; the backup's session was never ended.
        assert_eq!(l.take_ended(Instance::Primary, 52), None);
        assert_eq!(l.take_ended(Instance::Backup, 53), None);
    }

    #[test]
    fn a_killed_session_is_ended_and_its_logout_forgets_it() {
        let mut l = Live::new(&quiet());
        l.session_database(Instance::Backup, 52, "master");
        assert!(l.kill_session(Instance::Backup, 52));
        assert!(!l.kill_session(Instance::Backup, 52));
        l.logout(Instance::Backup, 52);
        assert_eq!(l.take_ended(Instance::Backup, 52), None);
    }

    #[test]
    fn recovery_twice_is_3153_through_the_runbook_code() {
        let mut l = Live::new(&quiet());
        l.advance_to(600);
        let a = Action::KillSessionsAndRecover {
            instance: Instance::Backup,
            database: Db::Mgc,
        };
        assert!(l.act("RESTORE DATABASE mgc WITH RECOVERY", &a).is_ok());
        let e = l.act("RESTORE DATABASE mgc WITH RECOVERY", &a).unwrap_err();
        assert_eq!(e.number(), Some(3153));
        assert_eq!(l.taken().len(), 2);
    }

    #[test]
    fn the_clock_never_goes_back() {
        let mut l = Live::new(&quiet());
        l.advance_to(100);
        l.advance_to(50);
        assert_eq!(l.now(), 100);
    }
}
