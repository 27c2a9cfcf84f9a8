//! The rules. Each step is parsed on its own (so one bad step does not hide the others),
//! then the valid steps are walked in order while a small static state is kept: the pool
//! state and the instance it serves from, which databases are ONLINE with the pool's data
//! or RESTORING, which data centers have active servers, whether the chat services run.
//! The starting state is the one the runbook's own assumptions state: a failover starts
//! Normal with DC1 lost and the backup mgc RESTORING (log shipping); a failback starts
//! FailedOver on the recovered backup mgc, the DC2 servers active, DC1 rebuilt empty.

use super::spans;
use super::Finding;
use serde_json::Value;
use sim::runbook::{Action, ActiveSelection, Runbook, Step};
use sim::topology::{server_dc, Db, Dc, Instance, PoolState, MAX_ACTIVE};
use std::collections::BTreeSet;

pub struct Rule {
    pub id: &'static str,
    pub name: &'static str,
    pub level: &'static str,
    pub summary: &'static str,
    pub source: &'static str,
}

pub const RULES: [Rule; 8] = [
    Rule {
        id: "DRL001",
        name: "unknown-step",
        level: "error",
        summary: "A step that is not a valid runbook step: unknown kind, instance, database or field, a duplicate id, a server that does not exist, or a data step on the witness.",
        source: "docs/formats.md (drill schema runbook); model.md Topology (the five instances; the witness holds no database)",
    },
    Rule {
        id: "DRL002",
        name: "precondition-never-holds",
        level: "error",
        summary: "A step whose precondition cannot hold after the steps before it: RESTORE LOG onto a database an earlier step recovered (Msg 3117), or re-initializing a secondary the chat servers are still connected to (Msg 3101).",
        source: "sqlserver-semantics.md (3117: RESTORE LOG onto an ONLINE database; 3101: exclusive access); persistent-chat-hadr.md gap 9 (the active list does not drop connections)",
    },
    Rule {
        id: "DRL003",
        name: "active-outside-serving-dc",
        level: "error",
        summary: "Active Persistent Chat servers outside the data center the pool serves from (set while the pool serves from the other one, or left active across a pool-state change).",
        source: "persistent-chat-hadr.md F7 and B6 IMPORTANT note (active servers in the new primary's data center, or one with a low-latency/high-bandwidth link); gaps 7, 8 and 10",
    },
    Rule {
        id: "DRL004",
        name: "too-many-active",
        level: "error",
        summary: "More than 4 active Persistent Chat servers.",
        source: "persistent-chat-hadr.md 1 Topology (up to 8 servers, at most 4 active)",
    },
    Rule {
        id: "DRL005",
        name: "failback-leaves-dr-unconfigured",
        level: "error",
        summary: "A failback that ends with mgc on the primary unmirrored or without log shipping to the backup.",
        source: "persistent-chat-hadr.md 2 [C] (mirroring and log shipping), gap 5 (failback does not restore DC1 mirroring) and gap 3",
    },
    Rule {
        id: "DRL006",
        name: "pool-state-before-online",
        level: "error",
        summary: "A pool-state change before the database it points the pool at is ONLINE with the pool's data (FailedOver before the backup mgc is recovered, Normal before the primary mgc is restored).",
        source: "persistent-chat-hadr.md F4-F5 (recover, then FailedOver) and B4/B7; model.md invariant pool_db_coherence",
    },
    Rule {
        id: "DRL007",
        name: "serving-db-taken-offline",
        level: "error",
        summary: "A step that puts the database the pool serves from back into RESTORING.",
        source: "persistent-chat-hadr.md gap 7 (B5 re-initializes the backup mgc while the pool is FailedOver on it); sqlserver-semantics.md (RESTORE WITH NORECOVERY)",
    },
    Rule {
        id: "DRL008",
        name: "cms-not-failed-over",
        level: "warning",
        summary: "A failover sets the pool state without failing the Central Management Store over first (the cmdlet writes to the CMS, which may be in the lost DC1 pool).",
        source: "persistent-chat-hadr.md gap 12; [DR] Front End pool disaster recovery",
    },
];

pub fn rule(id: &str) -> &'static Rule {
    RULES.iter().find(|r| r.id == id).unwrap_or(&RULES[0])
}

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
    spans: Vec<(usize, usize)>,
    out: Vec<Finding>,
}

impl Ctx<'_> {
    fn at(&mut self, rule_id: &str, pos: usize, step: Option<&str>, message: String) {
        let r = rule(rule_id);
        let (line, column) = spans::line_col(self.text, pos);
        self.out.push(Finding {
            file: self.file.to_string(),
            line,
            column,
            rule: r.id,
            name: r.name,
            level: r.level,
            step: step.map(str::to_string),
            message,
            source: r.source,
        });
    }
    /// The position of step `i`, or of `needle` inside it.
    fn pos(&self, i: usize, needle: Option<&str>) -> usize {
        match self.spans.get(i) {
            Some(&sp) => needle
                .and_then(|n| spans::find_in(self.text, sp, n))
                .unwrap_or(sp.0),
            None => 0,
        }
    }
}

fn dc_of(i: Instance) -> Dc {
    i.dc()
}

fn serving(p: PoolState) -> Instance {
    match p {
        PoolState::Normal => Instance::Primary,
        PoolState::FailedOver => Instance::Backup,
    }
}

pub fn check(file: &str, text: &str, value: &Value) -> Vec<Finding> {
    let mut c = Ctx {
        file,
        text,
        spans: spans::steps(text),
        out: Vec::new(),
    };
    let raw: Vec<Value> = value
        .get("steps")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    // Step by step, so every bad step is reported.
    let mut steps: Vec<(usize, Step)> = Vec::new();
    for (i, v) in raw.iter().enumerate() {
        match serde_json::from_value::<Step>(v.clone()) {
            Ok(s) => steps.push((i, s)),
            Err(e) => {
                let msg = e.to_string();
                // Point at the offending value when serde names it (`unknown variant `x``).
                let needle = msg.split('`').nth(1).map(|bad| format!("\"{bad}\""));
                let pos = c.pos(i, needle.as_deref());
                let id = v.get("id").and_then(Value::as_str).map(str::to_string);
                c.at(
                    "DRL001",
                    pos,
                    id.as_deref(),
                    format!("{msg}; expected a step of `drill schema runbook`"),
                );
            }
        }
    }
    // The rest of the file (name, fields outside the steps).
    let mut whole = value.clone();
    if let Some(o) = whole.as_object_mut() {
        o.insert("steps".into(), Value::Array(Vec::new()));
    }
    if let Err(e) = serde_json::from_value::<Runbook>(whole) {
        c.at(
            "DRL001",
            0,
            None,
            format!("{e}; expected a runbook (see docs/formats.md)"),
        );
    }
    let rb = Runbook {
        name: String::new(),
        description: String::new(),
        source: String::new(),
        product_notes: Vec::new(),
        steps: steps.iter().map(|(_, s)| s.clone()).collect(),
        expect_violation: None,
    };
    if let Err(msg) = rb.validate() {
        let k = steps
            .iter()
            .enumerate()
            .find(|(j, (_, s))| {
                msg.contains(&format!("step {}", s.id))
                    || (msg.contains(&format!("{:?}", s.id))
                        && steps[..*j].iter().any(|(_, p)| p.id == s.id))
            })
            .map(|(_, (i, s))| (*i, s.id.clone()));
        let (i, id) = k.unwrap_or((0, String::new()));
        let pos = c.pos(i, Some("\"id\""));
        c.at("DRL001", pos, (!id.is_empty()).then_some(id.as_str()), msg);
    }
    walk(&mut c, &steps, crate::fuzz::is_failback(&rb));
    c.out
}

fn walk(c: &mut Ctx, steps: &[(usize, Step)], failback: bool) {
    use Action::*;
    let mut pool = if failback {
        PoolState::FailedOver
    } else {
        PoolState::Normal
    };
    // ONLINE with the pool's data.
    let mut ready: BTreeSet<(Instance, Db)> = BTreeSet::new();
    let mut restoring: BTreeSet<(Instance, Db)> = BTreeSet::new();
    // Databases an earlier step of this runbook recovered (and where).
    let mut recovered_by: Vec<((Instance, Db), String)> = Vec::new();
    if failback {
        ready.insert((Instance::Backup, Db::Mgc));
    } else {
        restoring.insert((Instance::Backup, Db::Mgc));
    }
    // Data centers with active servers: None when unknown (after -Swap).
    let mut active: Option<BTreeSet<Dc>> = Some(if failback {
        [Dc::Dc2].into()
    } else {
        [Dc::Dc1].into()
    });
    let mut services_running = true;
    let mut cms_failed_over = false;
    let mut cms_warned = false;
    let mut restore_step: Option<(usize, String)> = None;
    let (mut mirrored_primary, mut shipping_primary) = (false, false);
    for (i, s) in steps {
        let i = *i;
        let id = s.id.as_str();
        if let Some(inst) = s.action.instance() {
            if inst == Instance::Witness {
                let pos = c.pos(i, Some("\"witness\""));
                c.at("DRL001", pos, Some(id), format!("{} runs against the witness, which holds no database; expected primary, mirror, backup or backup-mirror", s.action.kind()));
                continue;
            }
        }
        match &s.action {
            RestoreUnappliedLogs { instance, database }
            | RestoreLogFile {
                instance, database, ..
            } => {
                let key = (*instance, *database);
                if !restoring.contains(&key) {
                    if let Some((_, by)) = recovered_by.iter().rev().find(|(k, _)| *k == key) {
                        let pos = c.pos(i, Some("\"kind\""));
                        c.at("DRL002", pos, Some(id), format!("RESTORE LOG onto {database} on {instance}, which step {by} recovered (ONLINE): SQL Server refuses it with Msg 3117; restore the logs before the recovery"));
                    }
                }
            }
            KillSessionsAndRecover { instance, database } => {
                let key = (*instance, *database);
                restoring.remove(&key);
                ready.insert(key);
                recovered_by.push((key, id.to_string()));
            }
            RestoreFullFromShare {
                instance,
                database,
                recovery,
                ..
            } => {
                let key = (*instance, *database);
                if *recovery {
                    restoring.remove(&key);
                    ready.insert(key);
                    recovered_by.push((key, id.to_string()));
                } else {
                    ready.remove(&key);
                    restoring.insert(key);
                }
                if key == (Instance::Primary, Db::Mgc) {
                    restore_step = Some((i, id.to_string()));
                    mirrored_primary = false;
                    shipping_primary = false;
                }
                offline_check(
                    c,
                    i,
                    id,
                    pool,
                    key,
                    *recovery,
                    "RESTORE DATABASE ... WITH NORECOVERY",
                );
            }
            ConfigureLogShipping {
                instance,
                secondary,
                database,
            } => {
                let key = (*secondary, *database);
                if services_running && serving(pool) == *secondary {
                    let pos = c.pos(i, Some("\"kind\""));
                    c.at("DRL002", pos, Some(id), format!("initializing {database} on {secondary} restores WITH NORECOVERY, REPLACE and needs exclusive access, but the chat servers still hold sessions to it (the pool is {pool} on {secondary}; clearing the active list does not drop them, and no step stops the chat services): Msg 3101"));
                }
                offline_check(
                    c,
                    i,
                    id,
                    pool,
                    key,
                    false,
                    "configure_log_shipping (the secondary is re-initialized WITH NORECOVERY)",
                );
                ready.remove(&key);
                restoring.insert(key);
                if *instance == Instance::Primary && *database == Db::Mgc {
                    shipping_primary = true;
                }
            }
            InstallMirrorDatabase {
                instance, database, ..
            } if *instance == Instance::Primary && *database == Db::Mgc => {
                mirrored_primary = true;
            }
            SetPoolState { state } => {
                let target = serving(*state);
                if !ready.contains(&(target, Db::Mgc)) {
                    let pos = c.pos(i, Some("\"state\""));
                    let how = match state {
                        PoolState::FailedOver => "no earlier step recovers it (kill_sessions_and_recover on backup)",
                        PoolState::Normal => "no earlier step restores it (restore_full_from_share on primary WITH RECOVERY)",
                    };
                    c.at("DRL006", pos, Some(id), format!("-PoolState {state} points the pool at mgc on {target}, which is not ONLINE with the pool's data yet: {how}"));
                }
                if !failback && !cms_failed_over && !cms_warned {
                    cms_warned = true;
                    let pos = c.pos(i, Some("\"kind\""));
                    c.at("DRL008", pos, Some(id), "Set-CsPersistentChatState writes to the Central Management Store, and no earlier step fails it over (failover_cms): if the CMS lives in the lost DC1 pool the cmdlet fails".into());
                }
                let dc = dc_of(target);
                if let Some(a) = &active {
                    let others = other_dcs(a, dc);
                    if !others.is_empty() {
                        let pos = c.pos(i, Some("\"kind\""));
                        c.at("DRL003", pos, Some(id), format!("the pool now serves from {dc}, but servers in {} are still active (no earlier step clears or replaces the active list); allowed only over a low-latency/high-bandwidth link", others.join(", ")));
                    }
                }
                pool = *state;
            }
            SetActiveServers { servers } => {
                let set: Option<BTreeSet<Dc>> = match servers {
                    ActiveSelection::Clear => Some(BTreeSet::new()),
                    ActiveSelection::Dc(d) => Some([*d].into()),
                    ActiveSelection::Servers(list) => {
                        let uniq: BTreeSet<u8> = list.iter().copied().collect();
                        if uniq.len() > MAX_ACTIVE {
                            let pos = c.pos(i, Some("\"servers\""));
                            c.at(
                                "DRL004",
                                pos,
                                Some(id),
                                format!(
                                    "{} servers set active; at most {MAX_ACTIVE} may be active",
                                    uniq.len()
                                ),
                            );
                        }
                        Some(uniq.iter().map(|n| server_dc(*n)).collect())
                    }
                    ActiveSelection::Swap => None,
                };
                let dc = dc_of(serving(pool));
                if let Some(a) = &set {
                    let others = other_dcs(a, dc);
                    if !others.is_empty() {
                        let pos = c.pos(i, Some("\"servers\""));
                        c.at("DRL003", pos, Some(id), format!("activates servers in {} while the pool ({pool}) serves from {dc}; allowed only over a low-latency/high-bandwidth link", others.join(", ")));
                    }
                }
                active = set;
            }
            StopChatServices { dc } if dc.is_none() || *dc == Some(dc_of(serving(pool))) => {
                services_running = false;
            }
            StartChatServices { .. } => services_running = true,
            FailoverCms { .. } => cms_failed_over = true,
            _ => {}
        }
    }
    if failback {
        let (i, id) = restore_step
            .clone()
            .or_else(|| steps.last().map(|(i, s)| (*i, s.id.clone())))
            .unwrap_or((0, String::new()));
        let pos = c.pos(i, Some("\"kind\""));
        let step = (!id.is_empty()).then_some(id.as_str());
        if !mirrored_primary {
            c.at("DRL005", pos, step, "no step after the restore mirrors mgc on primary again (install_mirror_database primary -> mirror): DC1 runs without high availability".into());
        }
        if !shipping_primary {
            c.at("DRL005", pos, step, "no step after the restore configures log shipping from mgc on primary to the backup: DC2 is no longer a disaster-recovery copy".into());
        }
    }
}

/// DRL007: a step that puts the database the pool serves from into RESTORING.
#[allow(clippy::too_many_arguments)]
fn offline_check(
    c: &mut Ctx,
    i: usize,
    id: &str,
    pool: PoolState,
    key: (Instance, Db),
    recovery: bool,
    what: &str,
) {
    if !recovery && key == (serving(pool), Db::Mgc) {
        let pos = c.pos(i, Some("\"kind\""));
        c.at("DRL007", pos, Some(id), format!("{what} takes mgc on {} offline while the pool ({pool}) serves from it: set the pool state first", key.0));
    }
}

/// The data centers of `active` other than `dc`, for DRL003's message.
fn other_dcs(active: &BTreeSet<Dc>, dc: Dc) -> Vec<String> {
    active
        .iter()
        .filter(|d| **d != dc)
        .map(|d| d.to_string())
        .collect()
}
