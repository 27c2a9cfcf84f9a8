//! The runbook diff by step id: steps added, removed, moved (out of the longest common
//! order of the steps both versions have) and changed (same id, another action, error
//! handling, operator time or title).

use serde::Serialize;
use serde_json::Value;
use sim::runbook::{Runbook, Step};

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct StepChange {
    /// "added", "removed", "moved" or "changed".
    pub change: &'static str,
    pub id: String,
    /// The action as `kind {parameters}`.
    pub action: String,
    /// What changed, in one line.
    pub detail: String,
}

/// `kind {"param":value,...}` (the parameters as written in JSON, defaults included).
pub fn action(s: &Step) -> String {
    let mut v = serde_json::to_value(&s.action).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.remove("kind");
        if o.is_empty() {
            return s.action.kind().to_string();
        }
    }
    format!("{} {v}", s.action.kind())
}

/// Indices (into `a`) of a longest common subsequence of `a` and `b`.
fn lcs(a: &[&str], b: &[&str]) -> Vec<usize> {
    let (n, m) = (a.len(), b.len());
    let mut t = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            t[i][j] = if a[i] == b[j] {
                t[i + 1][j + 1] + 1
            } else {
                t[i + 1][j].max(t[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n && j < m {
        if a[i] == b[j] {
            out.push(i);
            i += 1;
            j += 1;
        } else if t[i + 1][j] > t[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

fn after(ids: &[&str], id: &str) -> String {
    match ids.iter().position(|x| *x == id) {
        Some(0) | None => "first".into(),
        Some(p) => format!("after {}", ids[p - 1]),
    }
}

fn fields(o: &Step, n: &Step) -> Vec<String> {
    let mut out = Vec::new();
    let (a, b) = (
        serde_json::to_value(&o.action).unwrap_or(Value::Null),
        serde_json::to_value(&n.action).unwrap_or(Value::Null),
    );
    if a.get("kind") != b.get("kind") {
        out.push(format!("action {} -> {}", action(o), action(n)));
    } else if let (Some(x), Some(y)) = (a.as_object(), b.as_object()) {
        let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
        keys.sort();
        keys.dedup();
        for k in keys {
            if x.get(k) != y.get(k) {
                let show = |v: Option<&Value>| v.map_or("(none)".into(), |v| v.to_string());
                out.push(format!("{k}: {} -> {}", show(x.get(k)), show(y.get(k))));
            }
        }
    }
    if o.on_error != n.on_error {
        out.push(format!(
            "on_error: {} -> {}",
            j(&o.on_error),
            j(&n.on_error)
        ));
    }
    if o.operator_s != n.operator_s {
        out.push(format!(
            "operator_s: {} -> {}",
            j(&o.operator_s),
            j(&n.operator_s)
        ));
    }
    if o.title != n.title {
        out.push("title reworded".into());
    }
    out
}

fn j<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

pub fn diff(old: &Runbook, new: &Runbook) -> Vec<StepChange> {
    let oi: Vec<&str> = old.steps.iter().map(|s| s.id.as_str()).collect();
    let ni: Vec<&str> = new.steps.iter().map(|s| s.id.as_str()).collect();
    let co: Vec<&str> = oi.iter().copied().filter(|i| ni.contains(i)).collect();
    let cn: Vec<&str> = ni.iter().copied().filter(|i| oi.contains(i)).collect();
    let kept = lcs(&co, &cn);
    let mut out = Vec::new();
    for s in &old.steps {
        if !ni.contains(&s.id.as_str()) {
            out.push(StepChange {
                change: "removed",
                id: s.id.clone(),
                action: action(s),
                detail: format!("was {}", after(&oi, &s.id)),
            });
        }
    }
    for (k, id) in co.iter().enumerate() {
        if !kept.contains(&k) {
            let s = &new.steps[ni.iter().position(|x| x == id).unwrap_or(0)];
            out.push(StepChange {
                change: "moved",
                id: id.to_string(),
                action: action(s),
                detail: format!("now {} (was {})", after(&ni, id), after(&oi, id)),
            });
        }
    }
    for s in &new.steps {
        match old.steps.iter().find(|o| o.id == s.id) {
            None => out.push(StepChange {
                change: "added",
                id: s.id.clone(),
                action: action(s),
                detail: after(&ni, &s.id),
            }),
            Some(o) => {
                let f = fields(o, s);
                if !f.is_empty() {
                    out.push(StepChange {
                        change: "changed",
                        id: s.id.clone(),
                        action: action(s),
                        detail: f.join("; "),
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rb(text: &str) -> Runbook {
        serde_json::from_str(text).unwrap()
    }

    const FO: &str = include_str!("../../../scenarios/runbooks/failover-corrected.json");
    const F5F4: &str = include_str!("../../../scenarios/mutants/failover-f5-before-f4.json");
    const F7: &str = include_str!("../../../scenarios/mutants/failover-f7-dc1.json");
    const F2: &str = include_str!("../../../scenarios/mutants/failover-f2-skipped.json");

    #[test]
    fn a_runbook_against_itself_has_no_change() {
        assert!(diff(&rb(FO), &rb(FO)).is_empty());
    }

    #[test]
    fn a_moved_step_a_changed_step_and_a_removed_step() {
        let d = diff(&rb(FO), &rb(F5F4));
        // F5 moves before F4 (one step out of the common order, not F4, F4a and F5 all).
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!((d[0].change, d[0].id.as_str()), ("moved", "F5"));
        assert_eq!(d[0].detail, "now after F3 (was after F4a)");
        let d = diff(&rb(FO), &rb(F7));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!((d[0].change, d[0].id.as_str()), ("changed", "F7"));
        assert!(
            d[0].detail
                .contains(r#"servers: {"dc":"DC2"} -> {"dc":"DC1"}"#),
            "{}",
            d[0].detail
        );
        let d = diff(&rb(FO), &rb(F2));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!((d[0].change, d[0].id.as_str()), ("removed", "F2"));
        let d = diff(&rb(F2), &rb(FO));
        assert_eq!((d[0].change, d[0].detail.as_str()), ("added", "after F1"));
    }
}
