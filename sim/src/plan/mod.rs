//! The restore planner: from backup history shaped like `msdb.dbo.backupset`, which
//! backups to restore, in which order, and why every other one is left out
//! (sqlserver-semantics.md section 1; failover step F3).
//!
//! Pure: no I/O, no clock. The result depends only on the set of records, never on their
//! order: backup sets are keyed by uuid and every choice breaks ties on stable keys.
//! Whether a log applies is decided by [`check_log_restore`] alone, the same rule the
//! simulation uses, so the planner and the model cannot disagree.

mod history;
#[cfg(test)]
mod tests;

pub use history::*;

use crate::lsn::{check_log_restore, is_empty_log, LogRuleError, Lsn};
use crate::sqlerror::SqlError;
use serde::{Serialize, Serializer};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::fmt;

/// One backup set: the records sharing a `backup_set_uuid` (a striped backup has one
/// record per file).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BackupSet {
    pub backup_set_uuid: String,
    #[serde(rename = "type")]
    pub backup_type: BackupType,
    pub database_name: String,
    pub server_name: String,
    pub first_lsn: Lsn,
    pub last_lsn: Lsn,
    pub checkpoint_lsn: Lsn,
    pub database_backup_lsn: Lsn,
    pub differential_base_lsn: Option<Lsn>,
    pub backup_start_date: Timestamp,
    pub backup_finish_date: Timestamp,
    pub is_copy_only: bool,
    /// Sorted; empty when the history names no file.
    pub physical_device_names: Vec<String>,
    /// The recovery fork it begins on, when the history says (not all zeros).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_recovery_fork_guid: Option<String>,
    /// The recovery fork it ends on (differs from the first only for a log across a fork).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_recovery_fork_guid: Option<String>,
}

impl BackupSet {
    /// The fork the database is on after restoring this backup.
    fn fork_after(&self) -> Option<&str> {
        self.last_recovery_fork_guid
            .as_deref()
            .or(self.first_recovery_fork_guid.as_deref())
    }
}

/// What a log restore would have been checked against: which backup set the redo point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CoveredBy {
    Full,
    RedoStartLsn,
    Log,
}

/// Why a backup set was chosen or left out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    /// Chosen: the latest full backup finished by the stop time.
    LatestFull,
    /// Chosen: the latest differential based on the chosen full.
    LatestDifferential { base_checkpoint_lsn: Lsn },
    /// Chosen: `first_lsn <= redo_lsn < last_lsn`.
    ContinuesChain { redo_lsn: Lsn },
    /// Another database's backup.
    OtherDatabase,
    /// A full or differential while the database is already RESTORING (redo start given).
    NotNeeded,
    /// A full backup older than the chosen one.
    SupersededByLaterFull { by: String },
    /// Finished after the stop time, or a log after the one that reaches it.
    AfterStopAt,
    /// A differential whose `database_backup_lsn` is not the chosen full's checkpoint (3136).
    WrongBase { expected: Lsn, found: Lsn },
    /// A differential older than the chosen one.
    SupersededByLaterDifferential { by: String },
    /// Left out by --ignore-diffs or --ignore-logs.
    Ignored,
    /// No full backup to restore it onto.
    NoFullBackup,
    /// `first_lsn == last_lsn`: carries no log records.
    Empty,
    /// The log ends at or before the redo point (4326 if restored).
    AlreadyApplied {
        redo_lsn: Lsn,
        covered_by: CoveredBy,
    },
    /// The log ends at or before the differential's last LSN (4326 if restored).
    SupersededByDifferential { redo_lsn: Lsn },
    /// The log begins after the redo point: the chain has a gap before it (4305).
    TooRecent { redo_lsn: Lsn },
    /// A log on a recovery fork the restored chain is not on (another recovery path, 4330
    /// if restored): left by a restore WITH RECOVERY that was later abandoned, or another
    /// database under the same name.
    OtherRecoveryFork { fork: String, chain_fork: String },
}

impl Reason {
    pub fn is_chosen(&self) -> bool {
        matches!(
            self,
            Reason::LatestFull | Reason::LatestDifferential { .. } | Reason::ContinuesChain { .. }
        )
    }

    /// One line for a person.
    pub fn explain(&self) -> String {
        match self {
            Reason::LatestFull => "the latest full backup (finished by the stop time, if given)".into(),
            Reason::LatestDifferential { base_checkpoint_lsn } => format!(
                "latest differential on the chosen full (database_backup_lsn = {base_checkpoint_lsn})"
            ),
            Reason::ContinuesChain { redo_lsn } => {
                format!("continues the chain: first_lsn <= {redo_lsn} < last_lsn")
            }
            Reason::OtherDatabase => "another database".into(),
            Reason::NotNeeded => {
                "not needed: the database is already restoring (--redo-start-lsn)".into()
            }
            Reason::SupersededByLaterFull { by } => format!("superseded by the later full {by}"),
            Reason::AfterStopAt => "after the stop time".into(),
            Reason::WrongBase { expected, found } => format!(
                "wrong base: database_backup_lsn {found} is not the chosen full's checkpoint_lsn {expected} (3136)"
            ),
            Reason::SupersededByLaterDifferential { by } => {
                format!("superseded by the later differential {by}")
            }
            Reason::Ignored => "ignored by option".into(),
            Reason::NoFullBackup => "no full backup to restore it onto".into(),
            Reason::Empty => "empty log backup (first_lsn = last_lsn)".into(),
            Reason::AlreadyApplied { redo_lsn, covered_by } => {
                let by = match covered_by {
                    CoveredBy::Full => "by the full backup",
                    CoveredBy::RedoStartLsn => "before the redo start LSN",
                    CoveredBy::Log => "by the chosen logs",
                };
                format!("already applied {by}: ends at or before {redo_lsn} (4326)")
            }
            Reason::SupersededByDifferential { redo_lsn } => {
                format!("superseded by the differential: ends at or before {redo_lsn} (4326)")
            }
            Reason::TooRecent { redo_lsn } => {
                format!("begins after the redo point {redo_lsn}: gap (4305)")
            }
            Reason::OtherRecoveryFork { fork, chain_fork } => format!(
                "on recovery fork {fork}, not the restored chain's {chain_fork} (4330)"
            ),
        }
    }
}

/// The verdict on one backup set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub backup_set_uuid: String,
    #[serde(rename = "type")]
    pub backup_type: BackupType,
    pub database_name: String,
    pub first_lsn: Lsn,
    pub last_lsn: Lsn,
    pub backup_finish_date: Timestamp,
    pub physical_device_names: Vec<String>,
    pub chosen: bool,
    #[serde(flatten)]
    pub reason: Reason,
}

impl Decision {
    /// The error SQL Server raises if this log is restored anyway at the point the reason
    /// names (4326 too early, 4305 too recent), from the shared rule.
    pub fn would_fail(&self) -> Option<SqlError> {
        let redo = match self.reason {
            Reason::AlreadyApplied { redo_lsn, .. }
            | Reason::SupersededByDifferential { redo_lsn }
            | Reason::TooRecent { redo_lsn } => redo_lsn,
            _ => return None,
        };
        match check_log_restore(redo, self.first_lsn, self.last_lsn) {
            Ok(_) => None,
            Err(e) => Some(e.into()),
        }
    }
}

/// Where the log chain breaks: the database stands at `redo_lsn` and the next log begins
/// later, at `first_lsn`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gap {
    /// The last chosen backup set (`None` when the redo start LSN is the starting point).
    pub after_backup_set_uuid: Option<String>,
    pub redo_lsn: Lsn,
    /// The earliest log that begins after the redo point.
    pub next_backup_set_uuid: String,
    pub first_lsn: Lsn,
    pub last_lsn: Lsn,
}

impl Gap {
    pub fn error(&self) -> SqlError {
        SqlError::E4305 {
            first: self.first_lsn,
            redo: self.redo_lsn,
        }
    }
}

impl Serialize for Gap {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct G<'a> {
            after_backup_set_uuid: &'a Option<String>,
            redo_lsn: Lsn,
            next_backup_set_uuid: &'a str,
            first_lsn: Lsn,
            last_lsn: Lsn,
            error_number: u32,
            message: String,
        }
        let e = self.error();
        G {
            after_backup_set_uuid: &self.after_backup_set_uuid,
            redo_lsn: self.redo_lsn,
            next_backup_set_uuid: &self.next_backup_set_uuid,
            first_lsn: self.first_lsn,
            last_lsn: self.last_lsn,
            error_number: e.number(),
            message: e.message(),
        }
        .serialize(s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// The database planned for (as the history spells it); `None` if the history is empty.
    pub database: Option<String>,
    /// The backups to restore, in order, every one WITH NORECOVERY.
    pub restore_sequence: Vec<BackupSet>,
    /// One verdict per backup set, ordered by finish time, then LSNs, then uuid.
    pub decisions: Vec<Decision>,
    /// The redo point after the last restore of the sequence.
    pub final_redo_lsn: Option<Lsn>,
    /// The chain breaks before it is complete.
    pub gap: Option<Gap>,
    /// No full backup (finished by the stop time) to start from.
    pub missing_full: bool,
    /// With a stop time: whether the sequence reaches it (else it ends earlier).
    pub stop_at_reached: Option<bool>,
}

impl Plan {
    /// True when the sequence can be restored and recovered as planned.
    pub fn is_complete(&self) -> bool {
        self.gap.is_none() && !self.missing_full
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanError {
    /// No database was named and the history holds several.
    SeveralDatabases(Vec<String>),
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::SeveralDatabases(names) => write!(
                f,
                "the history holds backups of several databases ({}); choose one with --database",
                names.join(", ")
            ),
        }
    }
}

impl std::error::Error for PlanError {}

/// Database names compare as SQL Server's default collation does: case-insensitive,
/// trailing spaces ignored.
pub fn same_database(a: &str, b: &str) -> bool {
    a.trim_end().eq_ignore_ascii_case(b.trim_end())
}

/// The distinct database names in the history, sorted.
pub fn databases(records: &[BackupRecord]) -> Vec<String> {
    // Distinct names first (a history is mostly one name): n inserts into a tiny set.
    let sorted: BTreeSet<&str> = records.iter().map(|r| r.database_name.as_str()).collect();
    // The first spelling (in sorted order) of each name as `same_database` compares them.
    let mut first: BTreeMap<String, &str> = BTreeMap::new();
    for n in sorted {
        first.entry(n.trim_end().to_ascii_lowercase()).or_insert(n);
    }
    let mut names: Vec<String> = first.into_values().map(str::to_string).collect();
    names.sort_unstable();
    names
}

/// Group records into backup sets by uuid. A set's fields come from its smallest record
/// (records are totally ordered), so the result does not depend on input order.
pub fn backup_sets(records: &[BackupRecord]) -> Vec<BackupSet> {
    // Sorted by uuid, then by record: each run of equal uuids is one set, its fields from
    // the run's smallest record. O(n log n) and no per-set allocation but the devices.
    let sorted: Vec<&BackupRecord> = by_uuid(records, true)
        .into_iter()
        .map(|i| &records[i])
        .collect();
    sorted
        .chunk_by(|a, b| a.backup_set_uuid == b.backup_set_uuid)
        .map(|rs| {
            let r = rs[0];
            let mut devices: Vec<String> = rs
                .iter()
                .filter_map(|r| r.physical_device_name.clone())
                .filter(|d| !d.trim().is_empty())
                .collect();
            devices.sort();
            devices.dedup();
            BackupSet {
                backup_set_uuid: r.backup_set_uuid.clone(),
                backup_type: r.backup_type,
                database_name: r.database_name.clone(),
                server_name: r.server_name.clone(),
                first_lsn: r.first_lsn,
                last_lsn: r.last_lsn,
                checkpoint_lsn: r.checkpoint_lsn,
                database_backup_lsn: r.database_backup_lsn,
                differential_base_lsn: r.differential_base_lsn,
                backup_start_date: r.backup_start_date,
                backup_finish_date: r.backup_finish_date,
                is_copy_only: r.is_copy_only,
                physical_device_names: devices,
                first_recovery_fork_guid: known_fork(&r.first_recovery_fork_guid),
                last_recovery_fork_guid: known_fork(&r.last_recovery_fork_guid),
            }
        })
        .collect()
}

/// Indexes of `records` sorted by uuid, then by the record itself (`then_record`) or by
/// position. Sorted on the uuid's first 16 bytes as a number first: a million-row history
/// sorts without following a pointer per comparison, and equal prefixes fall back to the
/// full comparison, so the order is exactly the strings' order.
fn by_uuid(records: &[BackupRecord], then_record: bool) -> Vec<usize> {
    let prefix = |u: &str| {
        let mut b = [0u8; 16];
        let n = u.len().min(16);
        b[..n].copy_from_slice(&u.as_bytes()[..n]);
        u128::from_be_bytes(b)
    };
    let mut keys: Vec<(u128, usize)> = records
        .iter()
        .enumerate()
        .map(|(i, r)| (prefix(&r.backup_set_uuid), i))
        .collect();
    keys.sort_unstable_by(|&(pa, a), &(pb, b)| {
        pa.cmp(&pb).then_with(|| {
            let (ra, rb) = (&records[a], &records[b]);
            let by = ra.backup_set_uuid.cmp(&rb.backup_set_uuid);
            if then_record {
                by.then_with(|| ra.cmp(rb)).then(a.cmp(&b))
            } else {
                by.then(a.cmp(&b))
            }
        })
    });
    keys.into_iter().map(|(_, i)| i).collect()
}

/// The index of `s` in `sets`, where `s` borrows an element of `sets`.
fn index_in(sets: &[BackupSet], s: &BackupSet) -> usize {
    let i = (s as *const BackupSet as usize - sets.as_ptr() as usize)
        / std::mem::size_of::<BackupSet>();
    debug_assert!(std::ptr::eq(&sets[i], s));
    i
}

/// A fork GUID the history really names: not empty, not all zeros (what some exports
/// write for "unknown"). Lower case, so spellings compare equal.
fn known_fork(g: &Option<String>) -> Option<String> {
    let g = g.as_deref()?.trim();
    let unknown = g
        .chars()
        .all(|c| c == '0' || c == '-' || c == '{' || c == '}');
    (!unknown).then(|| g.to_ascii_lowercase())
}

/// Pairs of records (indexes into `records`) that share a uuid but disagree on what the
/// backup is: bad input that grouping would otherwise hide.
pub fn conflicting_duplicates(records: &[BackupRecord]) -> Vec<(usize, usize)> {
    let key = |r: &BackupRecord| {
        (
            r.backup_type,
            r.first_lsn,
            r.last_lsn,
            r.checkpoint_lsn,
            r.database_backup_lsn,
            r.backup_finish_date,
        )
    };
    // Indexes sorted by uuid, then position: each record is checked against the first
    // record of its uuid.
    let order = by_uuid(records, false);
    let mut out: Vec<(usize, usize)> = order
        .chunk_by(|&a, &b| records[a].backup_set_uuid == records[b].backup_set_uuid)
        .flat_map(|run| {
            let j = run[0];
            run[1..]
                .iter()
                .filter(move |&&i| key(&records[j]) != key(&records[i]))
                .map(move |&i| (j, i))
        })
        .collect();
    out.sort_unstable_by_key(|&(_, i)| i);
    out
}

/// "Latest" for fulls and differentials: finish time, then last LSN, then uuid.
fn latest<'a>(sets: impl Iterator<Item = &'a BackupSet>) -> Option<&'a BackupSet> {
    sets.max_by(|a, b| {
        (a.backup_finish_date, a.last_lsn, &a.backup_set_uuid).cmp(&(
            b.backup_finish_date,
            b.last_lsn,
            &b.backup_set_uuid,
        ))
    })
}

/// Plan the restore sequence. See docs/history.md for the rules, in words.
pub fn plan(records: &[BackupRecord], opts: &PlanOptions) -> Result<Plan, PlanError> {
    let database = match &opts.database {
        Some(name) => Some(
            databases(records)
                .into_iter()
                .find(|n| same_database(n, name))
                .unwrap_or_else(|| name.clone()),
        ),
        None => {
            let names = databases(records);
            if names.len() > 1 {
                return Err(PlanError::SeveralDatabases(names));
            }
            names.into_iter().next()
        }
    };
    let sets = backup_sets(records);
    // One reason per backup set, by its index in `sets` (no map keyed by uuid strings: at a
    // million rows those string compares were most of the time).
    let mut reasons: Vec<Option<Reason>> = vec![None; sets.len()];
    let at = |s: &BackupSet| index_in(&sets, s);
    let is_ours = |s: &BackupSet| {
        database
            .as_deref()
            .is_some_and(|d| same_database(d, &s.database_name))
    };
    let before_stop = |s: &BackupSet| opts.stop_at.is_none_or(|t| s.backup_finish_date <= t);
    let ours: Vec<&BackupSet> = sets.iter().filter(|s| is_ours(s)).collect();
    for s in sets.iter().filter(|s| !is_ours(s)) {
        reasons[at(s)] = Some(Reason::OtherDatabase);
    }
    let of_type = |t: BackupType| ours.iter().copied().filter(move |s| s.backup_type == t);

    let mut sequence: Vec<&BackupSet> = Vec::new();
    // The redo point R, and what set it, for explaining skipped logs.
    let mut base: Option<(Lsn, CoveredBy)> = None;
    let mut diff_redo: Option<Lsn> = None;
    let mut missing_full = false;

    if opts.redo_start_lsn.is_some() {
        for s in of_type(BackupType::Full).chain(of_type(BackupType::Differential)) {
            reasons[at(s)] = Some(Reason::NotNeeded);
        }
        base = opts.redo_start_lsn.map(|r| (r, CoveredBy::RedoStartLsn));
    } else {
        let full = latest(of_type(BackupType::Full).filter(|s| before_stop(s)));
        for s in of_type(BackupType::Full) {
            let reason = match full {
                Some(f) if f.backup_set_uuid == s.backup_set_uuid => Reason::LatestFull,
                _ if !before_stop(s) => Reason::AfterStopAt,
                // `full` is None only when no full finished by the stop time.
                Some(f) => Reason::SupersededByLaterFull {
                    by: f.backup_set_uuid.clone(),
                },
                None => Reason::AfterStopAt,
            };
            reasons[at(s)] = Some(reason);
        }
        match full {
            None => missing_full = true,
            Some(f) => {
                sequence.push(f);
                base = Some((f.last_lsn, CoveredBy::Full));
            }
        }
        let on_full =
            |s: &BackupSet| full.is_some_and(|f| s.database_backup_lsn == f.checkpoint_lsn);
        let diff = if opts.ignore_diffs {
            None
        } else {
            latest(of_type(BackupType::Differential).filter(|s| on_full(s) && before_stop(s)))
        };
        for s in of_type(BackupType::Differential) {
            let reason = match (full, diff) {
                _ if opts.ignore_diffs => Reason::Ignored,
                (None, _) => Reason::NoFullBackup,
                (Some(f), _) if !on_full(s) => Reason::WrongBase {
                    expected: f.checkpoint_lsn,
                    found: s.database_backup_lsn,
                },
                _ if !before_stop(s) => Reason::AfterStopAt,
                (Some(f), Some(d)) if d.backup_set_uuid == s.backup_set_uuid => {
                    Reason::LatestDifferential {
                        base_checkpoint_lsn: f.checkpoint_lsn,
                    }
                }
                (_, Some(d)) => Reason::SupersededByLaterDifferential {
                    by: d.backup_set_uuid.clone(),
                },
                // Not reached: this differential itself qualifies, so `diff` is Some.
                (_, None) => Reason::AfterStopAt,
            };
            reasons[at(s)] = Some(reason);
        }
        if let Some(d) = diff {
            sequence.push(d);
            diff_redo = Some(d.last_lsn);
        }
    }

    // The recovery fork the chain is on, when the base names one. Without it (a redo start
    // LSN, or a history without fork GUIDs) every log is taken to be on the chain's fork.
    let mut chain_fork: Option<&str> = if opts.redo_start_lsn.is_some() {
        None
    } else {
        sequence.iter().rev().find_map(|s| s.fork_after())
    };
    let filter_forks = chain_fork.is_some();
    // Every fork the chain has been on (a log across a fork point moves it on).
    let mut chain_forks: BTreeSet<&str> = chain_fork.into_iter().collect();

    // The log chain: from the redo point, repeatedly restore a log that the shared rule
    // accepts; of several, the one reaching furthest (then earliest finish, then uuid).
    // O(n log n): logs sorted by first_lsn are pushed once, when the redo point reaches
    // their first_lsn, into a max-heap by last_lsn (one heap per fork); the top either
    // applies or nothing does, now or later, since the redo point only grows.
    let mut redo = diff_redo.or(base.map(|b| b.0));
    let mut logs: Vec<&BackupSet> = of_type(BackupType::Log).collect();
    logs.sort_by(|a, b| {
        (
            a.first_lsn,
            a.last_lsn,
            a.backup_finish_date,
            &a.backup_set_uuid,
        )
            .cmp(&(
                b.first_lsn,
                b.last_lsn,
                b.backup_finish_date,
                &b.backup_set_uuid,
            ))
    });
    let mut stopped = false;
    let mut chosen_logs: Vec<bool> = vec![false; logs.len()];
    if let (Some(mut r), false) = (redo, opts.ignore_logs) {
        type Candidate<'a> = (Lsn, Reverse<Timestamp>, Reverse<&'a str>, usize);
        let mut heaps: BTreeMap<Option<&str>, BinaryHeap<Candidate>> = BTreeMap::new();
        let mut pushed = 0;
        while !stopped {
            while let Some(s) = logs.get(pushed).filter(|s| s.first_lsn <= r) {
                if !is_empty_log(s.first_lsn, s.last_lsn) {
                    let fork = if filter_forks {
                        s.first_recovery_fork_guid.as_deref()
                    } else {
                        None
                    };
                    heaps.entry(fork).or_default().push((
                        s.last_lsn,
                        Reverse(s.backup_finish_date),
                        Reverse(s.backup_set_uuid.as_str()),
                        pushed,
                    ));
                }
                pushed += 1;
            }
            // Logs on the chain's fork, and logs whose fork the history does not name.
            let best = [None, chain_fork.filter(|_| filter_forks)]
                .into_iter()
                .enumerate()
                .filter(|(k, f)| *k == 0 || f.is_some())
                .filter_map(|(_, f)| heaps.get(&f).and_then(|h| h.peek()).map(|c| (f, *c)))
                .max_by(|a, b| a.1.cmp(&b.1));
            let Some((fork, (_, _, _, i))) = best else {
                break;
            };
            let s = logs[i];
            if check_log_restore(r, s.first_lsn, s.last_lsn).is_err() || s.last_lsn <= r {
                break;
            }
            heaps.get_mut(&fork).and_then(|h| h.pop());
            chosen_logs[i] = true;
            reasons[at(s)] = Some(Reason::ContinuesChain { redo_lsn: r });
            sequence.push(s);
            if let (true, Some(f)) = (filter_forks, s.fork_after()) {
                chain_fork = Some(f);
                chain_forks.insert(f);
            }
            r = s.last_lsn;
            stopped = opts.stop_at.is_some_and(|t| s.backup_finish_date >= t);
        }
        redo = Some(r);
    }
    if let Some(t) = opts.stop_at {
        // A base that already finished at or after the stop time (only possible at equality).
        stopped |= sequence.last().is_some_and(|s| s.backup_finish_date >= t);
    }

    // Every other log: why it is not in the sequence.
    let mut gap: Option<Gap> = None;
    for (i, s) in logs.iter().enumerate() {
        if chosen_logs[i] {
            continue;
        }
        let other_fork = s
            .first_recovery_fork_guid
            .as_deref()
            .filter(|f| filter_forks && !chain_forks.contains(f));
        let reason = match (redo, other_fork) {
            _ if opts.ignore_logs => Reason::Ignored,
            (None, _) => Reason::NoFullBackup,
            (Some(_), Some(f)) => Reason::OtherRecoveryFork {
                fork: f.to_string(),
                chain_fork: chain_fork.unwrap_or_default().to_string(),
            },
            (Some(r), None) => {
                let empty = is_empty_log(s.first_lsn, s.last_lsn);
                match check_log_restore(r, s.first_lsn, s.last_lsn) {
                    Err(LogRuleError::TooRecent { .. }) if !stopped => {
                        if gap.is_none() {
                            gap = Some(Gap {
                                after_backup_set_uuid: sequence
                                    .last()
                                    .map(|l| l.backup_set_uuid.clone()),
                                redo_lsn: r,
                                next_backup_set_uuid: s.backup_set_uuid.clone(),
                                first_lsn: s.first_lsn,
                                last_lsn: s.last_lsn,
                            });
                        }
                        Reason::TooRecent { redo_lsn: r }
                    }
                    _ if empty => Reason::Empty,
                    Err(LogRuleError::TooEarly { .. }) => covered(s.last_lsn, base, diff_redo, r),
                    _ => Reason::AfterStopAt,
                }
            }
        };
        reasons[at(s)] = Some(reason);
    }

    let mut decisions: Vec<Decision> = sets
        .iter()
        .zip(reasons)
        .map(|(s, reason)| Decision {
            backup_set_uuid: s.backup_set_uuid.clone(),
            backup_type: s.backup_type,
            database_name: s.database_name.clone(),
            first_lsn: s.first_lsn,
            last_lsn: s.last_lsn,
            backup_finish_date: s.backup_finish_date,
            physical_device_names: s.physical_device_names.clone(),
            chosen: false,
            reason: reason.expect("every backup set gets a reason"),
        })
        .map(|mut d| {
            d.chosen = d.reason.is_chosen();
            d
        })
        .collect();
    decisions.sort_by(|a, b| {
        (
            a.backup_finish_date,
            a.first_lsn,
            a.last_lsn,
            &a.backup_set_uuid,
        )
            .cmp(&(
                b.backup_finish_date,
                b.first_lsn,
                b.last_lsn,
                &b.backup_set_uuid,
            ))
    });

    Ok(Plan {
        database,
        restore_sequence: sequence.into_iter().cloned().collect(),
        decisions,
        final_redo_lsn: redo,
        gap,
        missing_full,
        stop_at_reached: opts.stop_at.map(|_| stopped),
    })
}

/// Which restore a too-early log was already covered by, and the redo point to cite.
fn covered(last: Lsn, base: Option<(Lsn, CoveredBy)>, diff_redo: Option<Lsn>, r: Lsn) -> Reason {
    match (base, diff_redo) {
        (Some((b, by)), _) if last <= b => Reason::AlreadyApplied {
            redo_lsn: b,
            covered_by: by,
        },
        (_, Some(d)) if last <= d => Reason::SupersededByDifferential { redo_lsn: d },
        _ => Reason::AlreadyApplied {
            redo_lsn: r,
            covered_by: CoveredBy::Log,
        },
    }
}
