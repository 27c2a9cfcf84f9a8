//! # sim: the deterministic model of the Persistent Chat back end
//!
//! A pure model (no I/O, no clock, no threads, no hash-order in results) of the mgc
//! database on its primary, mirror, log-shipping "backup" and backup-mirror SQL instances,
//! the backup share and copy folder, the log-shipping jobs, the pool state and active
//! servers, and a chat workload whose every acknowledged write is counted.
//!
//! Map of the code:
//! - [`assumptions`]: the registry of modelling assumptions, their settings, and which ones
//!   a run depended on.
//! - [`lsn`]: LSNs and the log-restore rule (shared with the restore planner).
//! - [`sqlerror`]: SQL Server's error numbers and texts, and cmdlet failures.
//! - [`topology`]: data centers, instances, databases, chat servers.
//! - [`world`] the state; [`mirroring`] and [`workload`] its two living parts;
//!   [`instances`] its SQL instances, shared between a state and its copies until written,
//!   each with the explorer's hash of it kept.
//! - [`steps`] runbook actions, above [`backups`] (BACKUP/RESTORE, the restore loop and the
//!   files a step will touch), which both [`steps`] and [`timing`] use; [`jobs`]
//!   log shipping; [`outage`] faults.
//! - [`invariants`] one per file; [`engine`] the event loop, with [`quiet`] periods of
//!   log shipping advanced in closed form (docs/speed.md); [`report`], [`observe`],
//!   [`describe`] what a run produces; [`plan`] the restore planner over msdb history.
pub mod assumptions;
pub mod backups;
pub mod command;
pub mod describe;
pub mod dist;
pub mod engine;
pub mod explore;
pub mod fault;
pub mod files;
pub mod instances;
pub mod invariants;
pub mod jobs;
pub mod live;
pub mod lsn;
pub mod mirroring;
pub mod observe;
pub mod outage;
pub mod plan;
pub mod quiet;
pub mod ranges;
pub mod report;
pub mod rng;
pub mod runbook;
pub mod scenario;
pub mod sqlerror;
pub mod steps;
pub mod timing;
pub mod topology;
pub mod workload;
pub mod world;
