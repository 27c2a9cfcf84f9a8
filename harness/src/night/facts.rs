//! What the probes show about one instance, read from their result sets, and the
//! comparison of expected (the model's answer to the same probes) with observed. Both sides
//! go through the same reading, so a difference is a difference in state, not in format.

use super::conn::ProbeConn;
use super::probes;
use crate::range::reply::{ResultSet, Value};
use serde::Serialize;
use sim::topology::Instance;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Facts {
    /// Why the instance could not be probed (down, login refused); None: it answered.
    pub unreachable: Option<String>,
    /// Database name (mgc, mgccomp) to sys.databases.state_desc.
    pub databases: BTreeMap<String, String>,
    /// Database name to its mirroring role (absent: not mirrored).
    pub mirroring: BTreeMap<String, String>,
    pub log_shipping_secondary: bool,
    pub log_shipping_primary: bool,
    /// User sessions in mgc.
    pub sessions: usize,
    /// The newest restore into mgc: "L, NORECOVERY, <file>" (None: none, or not probed).
    pub last_restore: Option<String>,
}

fn cell<'a>(rs: &'a ResultSet, row: &'a [Value], name: &str) -> Option<&'a Value> {
    let i = rs
        .columns
        .iter()
        .position(|c| c.name.eq_ignore_ascii_case(name))?;
    row.get(i)
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Text(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Null => None,
        other => Some(format!("{other:?}")),
    }
}

/// Send every probe to an instance and read what they show.
pub fn probe(conn: &mut dyn ProbeConn, instance: Instance) -> Facts {
    let mut f = Facts::default();
    for p in probes::ALL {
        let rs = match conn.query(instance, p) {
            Ok(rs) => rs,
            Err(e) => {
                // Down before the first probe: the instance is unreachable; later: keep going.
                if p.name() == probes::DATABASES.name() {
                    f.unreachable = Some(e);
                    return f;
                }
                continue;
            }
        };
        for row in &rs.rows {
            match p.name() {
                "databases" => {
                    if let (Some(n), Some(s)) = (
                        text(cell(&rs, row, "name")),
                        text(cell(&rs, row, "state_desc")),
                    ) {
                        f.databases.insert(n.to_lowercase(), s);
                    }
                }
                "mirroring" => {
                    if let (Some(n), Some(r)) = (
                        text(cell(&rs, row, "name")),
                        text(cell(&rs, row, "mirroring_role_desc")),
                    ) {
                        f.mirroring.insert(n.to_lowercase(), r);
                    }
                }
                "log_shipping_secondary" => f.log_shipping_secondary = true,
                "log_shipping_primary" => f.log_shipping_primary = true,
                "sessions" => f.sessions += 1,
                "restore_history" if f.last_restore.is_none() => {
                    let kind = text(cell(&rs, row, "restore_type")).unwrap_or_default();
                    let rec = match text(cell(&rs, row, "recovery")).as_deref() {
                        Some("1") => "RECOVERY",
                        Some("0") => "NORECOVERY",
                        _ => "?",
                    };
                    let file = text(cell(&rs, row, "physical_device_name")).unwrap_or_default();
                    f.last_restore = Some(format!("{kind}, {rec}, {file}"));
                }
                _ => {}
            }
        }
    }
    f
}

impl Facts {
    /// One line per fact, for the checklist's "expected observation".
    pub fn lines(&self) -> Vec<String> {
        let mut v = Vec::new();
        if self.unreachable.is_some() {
            v.push("unreachable (down)".into());
            return v;
        }
        for db in ["mgc", "mgccomp"] {
            let state = self
                .databases
                .get(db)
                .map(String::as_str)
                .unwrap_or("absent");
            let mirror = self
                .mirroring
                .get(db)
                .map(|r| format!(", mirroring {r}"))
                .unwrap_or_default();
            if state != "absent" || db == "mgc" {
                v.push(format!("{db} {state}{mirror}"));
            }
        }
        if self.log_shipping_secondary {
            v.push("log-shipping secondary of mgc".into());
        }
        if self.log_shipping_primary {
            v.push("log-shipping primary of mgc".into());
        }
        if self.sessions > 0 {
            v.push(format!("{} user session(s) in mgc", self.sessions));
        }
        v
    }
}

/// One difference between what the model expects and what the probes saw.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Mismatch {
    pub instance: Instance,
    pub what: String,
    pub expected: String,
    pub observed: String,
    /// What it means and what to do.
    pub meaning: String,
}

/// The differences, with what each means for the drill.
pub fn compare(instance: Instance, expected: &Facts, observed: &Facts) -> Vec<Mismatch> {
    let mut out = Vec::new();
    let mut push = |what: &str, e: String, o: String, meaning: String| {
        out.push(Mismatch {
            instance,
            what: what.into(),
            expected: e,
            observed: o,
            meaning,
        })
    };
    match (&expected.unreachable, &observed.unreachable) {
        (None, Some(e)) => {
            push("reachable", "reachable".into(), format!("unreachable: {e}"),
                format!("The {instance} instance is expected up: check the SQL Server service, the network path and the login before the next step; a step on it will fail."));
            return out;
        }
        (Some(_), None) => {
            push("reachable", "unreachable".into(), "reachable".into(),
                format!("The model expects {instance} to be down (its data center lost). If it is up, this is not the disaster the runbook is for: stop and decide whether to fail over at all (two writable copies of mgc risk a split brain)."));
            return out;
        }
        (Some(_), Some(_)) => return out,
        (None, None) => {}
    }
    for db in ["mgc", "mgccomp"] {
        let e = expected
            .databases
            .get(db)
            .cloned()
            .unwrap_or("absent".into());
        let o = observed
            .databases
            .get(db)
            .cloned()
            .unwrap_or("absent".into());
        if e != o {
            let meaning = match (db, e.as_str(), o.as_str()) {
                ("mgc", "ONLINE", "RESTORING") => format!("mgc on {instance} is still restoring: RESTORE ... WITH RECOVERY has not run or failed (3101 if chat servers are still connected: kill the sessions, then recover). The pool cannot serve from it."),
                ("mgc", "RESTORING", "ONLINE") => format!("mgc on {instance} is already recovered: no more log backups can be applied to it (4326/3117 on RESTORE LOG). If log backups are still unapplied, the writes in them are lost unless you restore the full backup again."),
                (_, _, "absent") => format!("{db} does not exist on {instance}: the step that creates or restores it did not run; check the instance name in the command."),
                _ => format!("{db} on {instance} is {o}, the runbook expects {e}: do not go on until you know why."),
            };
            push(&format!("{db} state"), e, o, meaning);
        }
        let e = expected
            .mirroring
            .get(db)
            .cloned()
            .unwrap_or("not mirrored".into());
        let o = observed
            .mirroring
            .get(db)
            .cloned()
            .unwrap_or("not mirrored".into());
        if e != o {
            push(
                &format!("{db} mirroring"),
                e.clone(),
                o.clone(),
                if o == "not mirrored" {
                    format!("{db} on {instance} is not mirrored where the runbook expects it ({e}): Install-CsMirrorDatabase (F6) did not finish; the new primary runs without high availability until it does.")
                } else {
                    format!("{db} on {instance} is still in a mirroring session ({o}): RESTORE on it fails with 3104 and SET PARTNER OFF is needed first.")
                },
            );
        }
    }
    if expected.log_shipping_secondary != observed.log_shipping_secondary {
        push(
            "log-shipping secondary",
            yes(expected.log_shipping_secondary),
            yes(observed.log_shipping_secondary),
            if observed.log_shipping_secondary {
                format!("{instance} is still a log-shipping secondary: sp_delete_log_shipping_secondary_database (F1) has not run there; the restore job may still apply logs behind your back.")
            } else {
                format!("{instance} is no longer a log-shipping secondary, earlier than the runbook expects.")
            },
        );
    }
    if expected.log_shipping_primary != observed.log_shipping_primary {
        push("log-shipping primary", yes(expected.log_shipping_primary), yes(observed.log_shipping_primary),
            format!("The log-shipping primary configuration on {instance} differs from the runbook's (gap 3: stale primary configurations are never removed)."));
    }
    if (expected.sessions == 0) != (observed.sessions == 0) {
        push(
            "sessions in mgc",
            expected.sessions.to_string(),
            observed.sessions.to_string(),
            if observed.sessions > 0 {
                format!("Chat servers are still connected to mgc on {instance}: RESTORE on it fails with 3101 (exclusive access). Stop RTCCHAT on the servers or KILL the sessions (findings 1).")
            } else {
                format!("No chat server is connected to mgc on {instance} where the model expects some: the pool is not serving from it yet (check Get-CsPersistentChatState and the active servers).")
            },
        );
    }
    out
}

fn yes(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}
