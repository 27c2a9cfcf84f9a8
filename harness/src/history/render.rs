//! The three outputs of `drill history plan`: a table for a person, JSON for tools, and the
//! RESTORE statements.

use serde::Serialize;
use sim::plan::{BackupSet, BackupType, Plan, PlanOptions};
use sim::sqlerror::Statement;
use std::fmt::Write;

/// `[name]` with `]` doubled, as QUOTENAME does.
pub fn quote_name(name: &str) -> String {
    format!("[{}]", name.replace(']', "]]"))
}

/// `N'text'` with `'` doubled.
fn quote_str(s: &str) -> String {
    format!("N'{}'", s.replace('\'', "''"))
}

fn type_word(t: BackupType) -> &'static str {
    match t {
        BackupType::Full => "full",
        BackupType::Differential => "differential",
        BackupType::Log => "log",
    }
}

fn devices(s: &BackupSet) -> String {
    if s.physical_device_names.is_empty() {
        "(no file in history)".into()
    } else {
        s.physical_device_names.join(" + ")
    }
}

/// Lines for the chain break, with SQL Server's 4305 as SSMS prints it.
pub fn gap_text(plan: &Plan) -> Option<String> {
    let g = plan.gap.as_ref()?;
    let after = match &g.after_backup_set_uuid {
        Some(u) => format!("after backup set {u}"),
        None => "at the redo start LSN".into(),
    };
    Some(format!(
        "GAP: the log chain breaks {after}: the database stands at LSN {}, and the next log backup, {}, begins at LSN {} (ends {}). A log backup covering LSN {} is missing. Restoring the next one gives:\n{}",
        g.redo_lsn,
        g.next_backup_set_uuid,
        g.first_lsn,
        g.last_lsn,
        g.redo_lsn,
        g.error().render(Statement::RestoreLog)
    ))
}

fn missing_full_text(opts: &PlanOptions) -> String {
    match opts.stop_at {
        Some(t) => format!("no full backup finished at or before {t}: nothing to restore first"),
        None => "no full backup in the history: nothing to restore first".into(),
    }
}

/// Pad each column to its widest cell.
fn table(rows: &[Vec<String>]) -> String {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::from(" ");
        for (c, cell) in r.iter().enumerate() {
            if c + 1 == r.len() {
                line.push(' ');
                line.push_str(cell);
            } else {
                let _ = write!(line, " {cell:<w$}", w = widths[c]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

pub fn text(plan: &Plan, opts: &PlanOptions, source: &str) -> String {
    let mut out = String::new();
    let db = plan.database.as_deref().unwrap_or("(none)");
    let _ = writeln!(
        out,
        "Restore plan for database {} from {source}: {} backup sets, {} to restore.",
        quote_name(db),
        plan.decisions.len(),
        plan.restore_sequence.len()
    );
    if let Some(r) = opts.redo_start_lsn {
        let _ = writeln!(
            out,
            "The database is already RESTORING at redo LSN {r}: only log backups are planned."
        );
    }
    if let Some(t) = opts.stop_at {
        let _ = writeln!(out, "Stop at: {t}.");
    }
    out.push('\n');
    out.push_str(
        "Restore sequence (each WITH NORECOVERY, then RESTORE DATABASE ... WITH RECOVERY):\n",
    );
    if plan.restore_sequence.is_empty() {
        out.push_str("  (nothing to restore)\n");
    } else {
        let mut rows = vec![vec![
            "#".into(),
            "type".into(),
            "finished".into(),
            "first_lsn".into(),
            "last_lsn".into(),
            "backup_set_uuid".into(),
            "file".into(),
        ]];
        for (i, s) in plan.restore_sequence.iter().enumerate() {
            rows.push(vec![
                (i + 1).to_string(),
                s.backup_type.code().into(),
                s.backup_finish_date.to_string(),
                s.first_lsn.to_string(),
                s.last_lsn.to_string(),
                s.backup_set_uuid.clone(),
                devices(s),
            ]);
        }
        out.push_str(&table(&rows));
    }
    out.push_str("\nEvery backup set, by finish time, and why:\n");
    let mut rows = vec![vec![
        "type".into(),
        "finished".into(),
        "first_lsn".into(),
        "last_lsn".into(),
        "backup_set_uuid".into(),
        "verdict".into(),
        "reason".into(),
    ]];
    for d in &plan.decisions {
        rows.push(vec![
            d.backup_type.code().into(),
            d.backup_finish_date.to_string(),
            d.first_lsn.to_string(),
            d.last_lsn.to_string(),
            d.backup_set_uuid.clone(),
            if d.chosen { "restore" } else { "skip" }.into(),
            d.reason.explain(),
        ]);
    }
    out.push_str(&table(&rows));
    out.push('\n');
    if let Some(g) = gap_text(plan) {
        out.push_str(&g);
        out.push('\n');
    } else if plan.missing_full {
        let _ = writeln!(out, "INCOMPLETE: {}.", missing_full_text(opts));
    } else {
        if plan.stop_at_reached == Some(false) {
            out.push_str("Note: the history ends before the stop time; the restore recovers to the end of the last backup.\n");
        }
        let _ = writeln!(
            out,
            "Complete: restore {} backup{} in this order, then recover{}.",
            plan.restore_sequence.len(),
            if plan.restore_sequence.len() == 1 {
                ""
            } else {
                "s"
            },
            match plan.final_redo_lsn {
                Some(r) => format!(" (redo point {r})"),
                None => String::new(),
            }
        );
    }
    out
}

#[derive(Serialize)]
struct JsonOut<'a> {
    source: &'a str,
    options: &'a PlanOptions,
    complete: bool,
    #[serde(flatten)]
    plan: &'a Plan,
}

pub fn json(plan: &Plan, opts: &PlanOptions, source: &str) -> String {
    let out = JsonOut {
        source,
        options: opts,
        complete: plan.is_complete(),
        plan,
    };
    // Plain data with string keys: serialising cannot fail.
    serde_json::to_string_pretty(&out).unwrap_or_default() + "\n"
}

/// RESTORE statements: every one WITH NORECOVERY (STOPAT on the last log when the stop
/// time falls in it), then a separate RESTORE DATABASE ... WITH RECOVERY.
pub fn tsql(plan: &Plan, opts: &PlanOptions, source: &str) -> String {
    let mut out = String::new();
    let db = quote_name(plan.database.as_deref().unwrap_or(""));
    let _ = writeln!(
        out,
        "-- drill history plan: {} backup(s) from {source}",
        plan.restore_sequence.len()
    );
    if plan.missing_full {
        let _ = writeln!(out, "-- INCOMPLETE: {}.", missing_full_text(opts));
        return out;
    }
    let last = plan.restore_sequence.len().saturating_sub(1);
    for (i, s) in plan.restore_sequence.iter().enumerate() {
        let verb = match s.backup_type {
            BackupType::Log => "LOG",
            _ => "DATABASE",
        };
        if s.physical_device_names.is_empty() {
            let _ = writeln!(
                out,
                "-- backup set {}: the history names no file; fill in its path.",
                s.backup_set_uuid
            );
        }
        let from: Vec<String> = if s.physical_device_names.is_empty() {
            vec!["DISK = N''".into()]
        } else {
            s.physical_device_names
                .iter()
                .map(|d| {
                    let kind = if d.starts_with("https://") || d.starts_with("http://") {
                        "URL"
                    } else {
                        "DISK"
                    };
                    format!("{kind} = {}", quote_str(d))
                })
                .collect()
        };
        let stopat = match opts.stop_at {
            Some(t)
                if i == last
                    && s.backup_type == BackupType::Log
                    && plan.stop_at_reached == Some(true)
                    && plan.gap.is_none() =>
            {
                format!(", STOPAT = '{t}'")
            }
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "RESTORE {verb} {db} FROM {} WITH NORECOVERY{stopat}; -- {} {} {}..{}",
            from.join(", "),
            type_word(s.backup_type),
            s.backup_set_uuid,
            s.first_lsn,
            s.last_lsn
        );
    }
    if let Some(g) = gap_text(plan) {
        out.push_str("-- STOP: do not recover yet.\n");
        for l in g.lines() {
            let _ = writeln!(out, "-- {l}");
        }
        return out;
    }
    if opts.stop_at.is_some() && plan.stop_at_reached == Some(false) {
        out.push_str(
            "-- The history ends before the stop time: recovering to the end of the last backup.\n",
        );
    }
    let _ = writeln!(out, "RESTORE DATABASE {db} WITH RECOVERY;");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_strings_are_quoted_for_tsql() {
        assert_eq!(quote_name("a]b, c "), "[a]]b, c ]");
        assert_eq!(quote_str("C:\\o'k.bak"), "N'C:\\o''k.bak'");
    }
}
