//! The drill checklist, step by step: the command with the site's names, what it changes,
//! what the probes should show after it (the model's prediction), the error the model
//! predicts when the step's precondition fails (the step before it not done), and what to
//! do then (docs/findings.md).

use super::commands::{self, Command};
use super::conn::ModelConn;
use super::facts::{self, Facts};
use super::model::{self, Drill};
use super::probes;
use crate::site::Site;
use serde::Serialize;
use sim::report::{ErrorRecord, Report};
use sim::topology::Instance;
use std::collections::BTreeSet;

#[derive(Clone, Debug, Serialize)]
pub struct Item {
    pub id: String,
    pub title: String,
    pub source: String,
    pub command: Command,
    /// What the step changes (the model's effect), or the error it raises as written.
    pub changes: String,
    /// The model's error for the step as written (None: it succeeds).
    pub model_error: Option<String>,
    /// Per instance (by site name), what the probes should show after the step.
    pub expect: Vec<(String, Vec<String>)>,
    /// The probes that check it (names; texts in the appendix).
    pub probes: Vec<&'static str>,
    /// The model's time for the step: operator and work, seconds (one draw, the scenario's seed).
    pub model_s: u64,
    /// When the step before it was not done: the error the model predicts for this step.
    pub if_previous_not_done: Option<String>,
    /// What to do when the step fails with the predicted error.
    pub what_to_do: Option<String>,
}

/// Site names of the five instances, in `Instance::ALL` order.
pub fn names(site: &Site) -> [String; 5] {
    Instance::ALL.map(|i| {
        site.instances
            .get(i)
            .map(|s| s.server.clone())
            .unwrap_or_else(|| format!("({i}: none)"))
    })
}

/// The model's facts for every data instance after a step, from its observation.
pub fn expected_facts(
    obs: &sim::observe::Observation,
    names: &[String; 5],
) -> Vec<(Instance, Facts)> {
    let mut conn = ModelConn {
        observation: Some(obs.clone()),
        names: names.clone(),
    };
    Instance::DATA
        .iter()
        .map(|&i| (i, facts::probe(&mut conn, i)))
        .collect()
}

/// The error as SSMS prints it, on one line.
pub fn error_text(e: &ErrorRecord) -> String {
    e.message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The model's placeholder names (sql-primary, \\fs-dc2\logship) in a text replaced by
/// the site's.
pub fn with_site_names(text: &str, site: &Site) -> String {
    let mut t = text.to_string();
    for dc in ["fs-dc1", "fs-dc2", "fs-site3"] {
        t = t.replace(
            &format!("\\\\{dc}\\logship"),
            site.share.unc.trim_end_matches('\\'),
        );
    }
    // Longest first: sql-backup-mirror before sql-backup.
    let mut roles: Vec<Instance> = Instance::ALL.to_vec();
    roles.sort_by_key(|i| std::cmp::Reverse(i.host().len()));
    for i in roles {
        if let Some(s) = site.instances.get(i) {
            t = t.replace(i.host(), &s.server);
        }
    }
    t
}

/// What to do for an error the model predicts, from docs/findings.md and the SQL Server
/// documentation of the message.
pub fn advice(e: &ErrorRecord) -> String {
    let m = e.message.as_str();
    match e.number {
        Some(3101) => "Sessions are still open in the database (chat servers keep their connections after they leave the active list, gap 9): stop RTCCHAT on every chat server (Stop-CsWindowsService) or KILL each session from sp_who2, then run the step again (findings 1).".into(),
        Some(3104) => "The database is still in a mirroring session: ALTER DATABASE mgc SET PARTNER OFF on that instance (1416 'not configured for mirroring' is fine), then run the step again (findings 2).".into(),
        Some(4305) | Some(4326) | Some(3117) => "The log backups are out of order for this database's redo point: `drill history plan` prints the next file to restore from msdb; a log that ends too early is already applied and can be skipped.".into(),
        Some(3153) => "The database is already recovered: no more logs can be applied; go on, and count the unapplied log backups as lost writes.".into(),
        Some(3201) | Some(3202) if m.contains("53(") => "The backup share is unreachable (it is in the lost data center, gap 1): go on with the files already copied; the RPO grows to the last copied log backup (findings 6).".into(),
        Some(3201) | Some(3202) => "The backup file cannot be opened: check the path, the share's permissions for the SQL Server service account (B1's note) and the disk.".into(),
        Some(3159) => "The tail of the log was not backed up: on a database you are replacing on purpose, add WITH REPLACE; otherwise back up the tail first.".into(),
        Some(5011) | Some(911) => "The database does not exist on that instance or is not accessible: for mgccomp this is expected (it is not failed over, gap 4); note it and go on. For mgc, check the instance name.".into(),
        Some(1416) => "Not mirrored: nothing to remove; go on.".into(),
        Some(927) | Some(954) | Some(955) => "The database is not open (restoring, or a mirror without quorum): run the runbook's recovery step on it first.".into(),
        Some(n) => format!("Msg {n}: stop, note it, and decide with the DBA before going on (the runbook has no instruction for it)."),
        None if m.contains("Central Management Store") => "The CMS is unreachable (it lives in the lost data center, gap 12): fail the CMS over first with Invoke-CsManagementServerFailover, then run the step again (findings 5).".into(),
        None => "Stop, note it, and decide before going on (the runbook has no instruction for it).".into(),
    }
}

pub fn build(drill: &Drill, site: &Site) -> (Vec<Item>, Report) {
    let names = names(site);
    let expected = drill.play(&BTreeSet::new());
    let start = model::phase_start(&expected, drill.phase);
    let rb = drill.runbook();
    let mut items = Vec::new();
    for (k, step) in rb.steps.iter().enumerate() {
        let entry = model::step_entry(&expected, start, &step.id);
        let model_error = entry.and_then(|e| e.error.as_ref());
        let changes = match (entry, model_error) {
            (_, Some(e)) => format!("fails: {}", with_site_names(&error_text(e), site)),
            (Some(e), None) => with_site_names(e.effect.as_deref().unwrap_or(&e.title), site),
            (None, None) => "not reached in the model (an earlier step stopped the runbook)".into(),
        };
        let expect = entry
            .and_then(|e| e.observed.as_ref())
            .map(|o| {
                let mut v: Vec<(String, Vec<String>)> = expected_facts(o, &names)
                    .into_iter()
                    .map(|(i, f)| (names[i.index()].clone(), f.lines()))
                    .collect();
                v.push((
                    "pool (Get-CsPersistentChatState, Get-CsPersistentChatActiveServer)".into(),
                    pool_lines(o, site),
                ));
                v
            })
            .unwrap_or_default();
        let model_s = expected
            .steps
            .iter()
            .filter(|s| s.phase == drill.phase && s.id == step.id)
            .map(|s| s.end_s - s.start_s)
            .sum();
        // The precondition: the step before this one done. Without it, does this one fail?
        let mut if_previous_not_done = None;
        let mut what_to_do = model_error.map(advice);
        if k > 0 && model_error.is_none() {
            let prev: BTreeSet<String> = [rb.steps[k - 1].id.clone()].into();
            let r = drill.play(&prev);
            let s = model::phase_start(&r, drill.phase);
            if let Some(e) = model::step_entry(&r, s, &step.id).and_then(|e| e.error.as_ref()) {
                if_previous_not_done = Some(format!(
                    "if {} was not done: {}",
                    rb.steps[k - 1].id,
                    with_site_names(&error_text(e), site)
                ));
                what_to_do = Some(advice(e));
            }
        }
        let mut command = commands::command(&step.action, site);
        // The runbook's own notes for this product: on the step, or (whole runbook) on the first.
        command.notes.extend(
            rb.product_notes
                .iter()
                .filter(|n| {
                    n.product == site.product
                        && (n.step == step.id || (n.step.is_empty() && k == 0))
                })
                .map(|n| n.note.clone()),
        );
        items.push(Item {
            id: step.id.clone(),
            title: step.title.clone(),
            source: step.source.clone(),
            command,
            changes,
            model_error: model_error.map(|e| with_site_names(&error_text(e), site)),
            expect,
            probes: probes::ALL.iter().map(|p| p.name()).collect(),
            model_s,
            if_previous_not_done,
            what_to_do,
        });
    }
    (items, expected)
}

/// The pool's state and active servers as the two Get- cmdlets show them (read-only; the
/// operator runs them, they are not SQL probes).
pub fn pool_lines(o: &sim::observe::Observation, site: &Site) -> Vec<String> {
    let active: Vec<String> = o
        .pool
        .active_servers
        .iter()
        .map(|n| site.server_fqdn(*n).unwrap_or("?").to_string())
        .collect();
    vec![
        format!("PoolState {}", o.pool.state),
        if active.is_empty() {
            "no active servers".into()
        } else {
            format!("active: {}", active.join(", "))
        },
    ]
}
