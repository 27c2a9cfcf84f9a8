//! The three outputs of `drill history plan`: a table for a person, JSON for tools, and the
//! RESTORE statements.

use serde::Serialize;
use sim::plan::{BackupSet, BackupType, Plan, PlanOptions};
use sim::sqlerror::Statement;
use std::fmt::Write;

use crate::tsql_quote::{self as q, Unsafe};

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
        q::bracket(db),
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
    let mut out = Vec::new();
    // Plain data with string keys into memory: serialising cannot fail.
    let _ = write_json(&mut out, plan, opts, source);
    String::from_utf8(out).unwrap_or_default()
}

/// The JSON written straight to `w`: a million-row plan is never held twice in memory.
pub fn write_json(
    w: &mut impl std::io::Write,
    plan: &Plan,
    opts: &PlanOptions,
    source: &str,
) -> std::io::Result<()> {
    let out = JsonOut {
        source,
        options: opts,
        complete: plan.is_complete(),
        plan,
    };
    serde_json::to_writer_pretty(&mut *w, &out)?;
    w.write_all(b"\n")?;
    w.flush()
}

/// RESTORE statements: every one WITH NORECOVERY (STOPAT on the last log when the stop
/// time falls in it), then a separate RESTORE DATABASE ... WITH RECOVERY.
///
/// Safe to paste: the database name is a `[...]` identifier and every path an `N'...'`
/// string (crate::tsql_quote), and a value either of them cannot hold (a line break) is an
/// error, not a statement. Comments carry only validated values (GUIDs, LSNs, times) and
/// text the program wrote; the source file's name is shown through `tsql_quote::comment`.
pub fn tsql(plan: &Plan, opts: &PlanOptions, source: &str) -> Result<String, Unsafe> {
    let mut out = String::new();
    let db = q::ident("database name", plan.database.as_deref().unwrap_or(""))?;
    let line = |out: &mut String, text: &str| {
        out.push_str(&q::comment(text));
        out.push('\n');
    };
    line(
        &mut out,
        &format!(
            "drill history plan: {} backup(s) from {source}",
            plan.restore_sequence.len()
        ),
    );
    if plan.missing_full {
        line(
            &mut out,
            &format!("INCOMPLETE: {}.", missing_full_text(opts)),
        );
        return Ok(out);
    }
    let last = plan.restore_sequence.len().saturating_sub(1);
    for (i, s) in plan.restore_sequence.iter().enumerate() {
        let verb = match s.backup_type {
            BackupType::Log => "LOG",
            _ => "DATABASE",
        };
        // Only a validated GUID goes into a comment; anything else is named by position.
        let name = match q::guid(&s.backup_set_uuid) {
            Some(g) => format!("backup set {g}"),
            None => format!("backup #{} of the sequence", i + 1),
        };
        if s.physical_device_names.is_empty() {
            line(
                &mut out,
                &format!("{name}: the history names no file; fill in its path."),
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
                    Ok(format!(
                        "{kind} = {}",
                        q::string(&format!("physical_device_name of {name}"), d)?
                    ))
                })
                .collect::<Result<_, Unsafe>>()?
        };
        let stopat = match opts.stop_at {
            Some(t)
                if i == last
                    && s.backup_type == BackupType::Log
                    && plan.stop_at_reached == Some(true)
                    && plan.gap.is_none() =>
            {
                // Validated for its kind: a Timestamp prints only digits, '-', ':', 'T', '.'.
                format!(", STOPAT = '{t}'")
            }
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "RESTORE {verb} {db} FROM {} WITH NORECOVERY{stopat}; {}",
            from.join(", "),
            q::comment(&format!(
                "{} {name} {}..{}",
                type_word(s.backup_type),
                s.first_lsn,
                s.last_lsn
            ))
        );
    }
    if let Some(g) = gap_text(plan) {
        line(&mut out, "STOP: do not recover yet.");
        for l in g.lines() {
            line(&mut out, l);
        }
        return Ok(out);
    }
    if opts.stop_at.is_some() && plan.stop_at_reached == Some(false) {
        line(
            &mut out,
            "The history ends before the stop time: recovering to the end of the last backup.",
        );
    }
    let _ = writeln!(out, "RESTORE DATABASE {db} WITH RECOVERY;");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tsql_quote::lex::{lex, shape, statements, Tok};
    use proptest::prelude::*;
    use sim::lsn::Lsn;
    use sim::plan::{plan, BackupRecord};

    fn rec(
        t: BackupType,
        uuid: &str,
        first: u128,
        last: u128,
        db: &str,
        dev: &str,
    ) -> BackupRecord {
        BackupRecord {
            database_name: db.into(),
            server_name: "s".into(),
            backup_type: t,
            backup_set_uuid: uuid.into(),
            first_lsn: Lsn(first),
            last_lsn: Lsn(last),
            checkpoint_lsn: Lsn(first),
            database_backup_lsn: Lsn(0),
            differential_base_lsn: None,
            backup_start_date: "2020-01-01T00:00:00".parse().unwrap(),
            backup_finish_date: format!("2020-01-01T00:00:{:02}", last % 60)
                .parse()
                .unwrap(),
            is_copy_only: false,
            physical_device_name: Some(dev.into()),
            first_recovery_fork_guid: None,
            last_recovery_fork_guid: None,
        }
    }

    /// The token structure the statements are meant to have, values blanked.
    fn intended(p: &Plan, stopat_on_last: bool) -> Vec<String> {
        let mut want: Vec<String> = Vec::new();
        let w = |v: &mut Vec<String>, s: &str| v.extend(s.split(' ').map(str::to_string));
        for (i, s) in p.restore_sequence.iter().enumerate() {
            let verb = if s.backup_type == BackupType::Log {
                "LOG"
            } else {
                "DATABASE"
            };
            w(&mut want, &format!("RESTORE {verb} <ident> FROM"));
            if s.physical_device_names.is_empty() {
                w(&mut want, "DISK = <str>"); // the placeholder N'' to fill in
            }
            for (k, d) in s.physical_device_names.iter().enumerate() {
                if k > 0 {
                    want.push(",".into());
                }
                let kind = if d.starts_with("http://") || d.starts_with("https://") {
                    "URL"
                } else {
                    "DISK"
                };
                w(&mut want, &format!("{kind} = <str>"));
            }
            w(&mut want, "WITH NORECOVERY");
            if stopat_on_last && i + 1 == p.restore_sequence.len() {
                w(&mut want, ", STOPAT = <str>");
            }
            want.push(";".into());
        }
        w(&mut want, "RESTORE DATABASE <ident> WITH RECOVERY ;");
        want
    }

    #[test]
    fn the_newline_reproducer_is_refused_or_inert() {
        // bad-inputs/10: a newline in backup_set_uuid and in the file name. The input reader
        // refuses such a uuid; the renderer, given one anyway, names the backup by position.
        let evil = "1e2feb89-414c-343c-1027-c4d1c386bbc4\nDROP DATABASE master; --";
        let recs = vec![
            rec(
                BackupType::Full,
                "cd613e30-d8f1-6adf-91b7-584a2265b1f5",
                100,
                200,
                "testdb",
                "C:\\b\\full.bak",
            ),
            rec(
                BackupType::Log,
                evil,
                100,
                300,
                "testdb",
                "C:\\b\\log_1.trn",
            ),
        ];
        let p = plan(&recs, &PlanOptions::default()).unwrap();
        let out = tsql(
            &p,
            &PlanOptions::default(),
            "evil\nDROP DATABASE master;--.csv",
        )
        .unwrap();
        assert!(
            !out.lines().any(|l| l.trim_start().starts_with("DROP")),
            "{out}"
        );
        let toks = lex(&out).unwrap();
        assert_eq!(shape(&toks), intended(&p, false), "{out}");
        assert!(
            out.contains("-- log backup #2 of the sequence 100..300"),
            "{out}"
        );
        assert!(
            out.starts_with(
                "-- drill history plan: 2 backup(s) from evil?DROP DATABASE master;--.csv\n"
            ),
            "{out}"
        );
        // a path with a line break is an error, not a statement
        let recs = vec![rec(
            BackupType::Full,
            "cd613e30-d8f1-6adf-91b7-584a2265b1f5",
            100,
            200,
            "testdb",
            "a.bak'\nDROP DATABASE master; --",
        )];
        let p = plan(&recs, &PlanOptions::default()).unwrap();
        let e = tsql(&p, &PlanOptions::default(), "h.csv").unwrap_err();
        assert!(
            e.to_string().contains(
                "physical_device_name of backup set cd613e30-d8f1-6adf-91b7-584a2265b1f5"
            ),
            "{e}"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        /// Arbitrary database names, uuids, paths and source names: the output either is
        /// refused (a line break where no T-SQL value can hold one) or parses back to exactly
        /// the intended statements, each value decoding to the input it came from.
        #[test]
        fn generated_restore_script_is_exactly_the_intended_statements(
            db in any::<String>(),
            uuids in proptest::collection::vec(any::<String>(), 3),
            devs in proptest::collection::vec(any::<String>(), 3),
            source in any::<String>(),
            stop in any::<bool>(),
        ) {
            let db = if db.trim_end().is_empty() { format!("d{db}") } else { db };
            let mut uuids = uuids;
            for (i, u) in uuids.iter_mut().enumerate() {
                u.push_str(&i.to_string()); // distinct backup sets
            }
            let recs = vec![
                rec(BackupType::Full, &uuids[0], 100, 200, &db, &devs[0]),
                rec(BackupType::Log, &uuids[1], 100, 300, &db, &devs[1]),
                rec(BackupType::Log, &uuids[2], 300, 400, &db, &devs[2]),
            ];
            let opts = PlanOptions {
                stop_at: stop.then(|| "2020-01-01T00:00:30".parse().unwrap()),
                ..Default::default()
            };
            let p = plan(&recs, &opts).unwrap();
            match tsql(&p, &opts, &source) {
                Err(e) => {
                    let bad = |s: &str| s.chars().any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}');
                    prop_assert!(bad(&db) || db.chars().count() > 128 || devs.iter().any(|d| bad(d)), "{e}");
                }
                Ok(out) => {
                    let toks = lex(&out).unwrap();
                    let stopat = p.stop_at_reached == Some(true)
                        && p.restore_sequence.last().is_some_and(|s| s.backup_type == BackupType::Log);
                    prop_assert_eq!(shape(&toks), intended(&p, stopat), "{}", out);
                    prop_assert_eq!(statements(&toks).len(), p.restore_sequence.len() + 1);
                    // every identifier is the database, every DISK/URL string a device
                    for t in &toks {
                        if let Tok::Bracket(v) = t {
                            prop_assert_eq!(v, &db);
                        }
                    }
                    let strings: Vec<&String> = toks.iter().filter_map(|t| match t { Tok::NString(v) | Tok::String(v) => Some(v), _ => None }).collect();
                    for v in strings {
                        prop_assert!(devs.contains(v) || v.is_empty() || v == "2020-01-01T00:00:30", "{:?}", v);
                    }
                    // no line of the script is a batch separator
                    prop_assert!(!out.lines().any(|l| l.trim().eq_ignore_ascii_case("go")));
                }
            }
        }
    }
}
