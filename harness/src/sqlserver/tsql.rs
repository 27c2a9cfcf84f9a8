//! The T-SQL a replayable model step or job stands for, as exact statements.
//!
//! The replay runs "primary" and "backup" as two databases of one SQL Server instance
//! (see docs/sqlserver.md): [`Placement`] maps the model's (instance, database) to the
//! database name and the directory that plays the share and the copy folder.

use crate::tsql_quote as q;
use sim::topology::{Db, Instance};

/// The chat table the workload writes to: one row per acknowledged, numbered write.
pub const CHAT_TABLE: &str = "dbo.chat_write";

/// Logical file names of every replayed copy.
const LOGICAL: &str = "mgc";

/// Where the model's copies live on the replay server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    /// Directory (as the server sees it) playing the share and the copy folder.
    pub dir: String,
    /// Path separator of `dir` on the server ('/' on Linux containers).
    pub sep: char,
}

impl Placement {
    /// The mssql container: the image's default backup directory.
    pub fn container() -> Self {
        Placement {
            dir: "/var/opt/mssql/data".into(),
            sep: '/',
        }
    }

    /// Only primary and backup hold replayable copies (mirrors need mirroring).
    pub fn database(&self, i: Instance, db: Db) -> Option<String> {
        match i {
            Instance::Primary => Some(db.to_string()),
            Instance::Backup => Some(format!("{db}_backup")),
            _ => None,
        }
    }

    pub fn file(&self, name: &str) -> String {
        format!("{}{}{}", self.dir, self.sep, name)
    }
}

/// One replayable operation, with the model's file names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// The database as Topology Builder creates it: FULL recovery, the chat table.
    Create {
        db: String,
    },
    /// DC1 rebuilt: the old database is gone before Topology Builder recreates it.
    Drop {
        db: String,
    },
    /// Writes `from..to` (numbered from 1) acknowledged on `db`.
    Writes {
        db: String,
        from: u64,
        to: u64,
    },
    BackupFull {
        db: String,
        file: String,
    },
    /// The log-shipping backup job.
    BackupLog {
        db: String,
        file: String,
    },
    /// `BACKUP LOG ... WITH NORECOVERY, NO_TRUNCATE` (tail-log; leaves the db RESTORING).
    BackupTail {
        db: String,
        file: String,
    },
    /// `RESTORE DATABASE` from a full backup of `source` (WITH MOVE when names differ).
    RestoreFull {
        db: String,
        source: String,
        file: String,
        replace: bool,
        recovery: bool,
    },
    RestoreLog {
        db: String,
        file: String,
    },
    /// Recovery-only restore: `RESTORE DATABASE x WITH RECOVERY`.
    Recover {
        db: String,
    },
    /// F1 on the secondary, in master.
    DeleteLsSecondary {
        db: String,
    },
    /// Not replayable on a Linux container; the reason is reported.
    NotReplayable {
        reason: String,
    },
}

/// The statements of one operation, in order. Each is sent as its own batch.
///
/// Names and paths go through `crate::tsql_quote` (`[...]`, `N'...'`); the reason of a
/// step that is not replayed may carry runbook text, so it is written through
/// `tsql_quote::comment` and can never become a statement.
pub fn render(op: &Op, p: &Placement) -> Vec<String> {
    let b = q::bracket;
    let path = |f: &str| q::nstring(&p.file(f));
    match op {
        Op::Create { db } => vec![
            format!("CREATE DATABASE {};", b(db)),
            format!("ALTER DATABASE {} SET RECOVERY FULL;", b(db)),
            format!("CREATE TABLE {}.{CHAT_TABLE} (id bigint NOT NULL PRIMARY KEY, body nvarchar(100) NOT NULL);", b(db)),
        ],
        Op::Drop { db } => vec![format!("DROP DATABASE {};", b(db))],
        // One set-based INSERT: numbered writes from a tally of sys.all_objects rows.
        Op::Writes { db, from, to } => vec![format!(
            "INSERT INTO {}.{CHAT_TABLE} (id, body) SELECT n, CONCAT(N'write ', n) FROM (SELECT TOP ({}) {from} - 1 + ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS n FROM sys.all_objects a CROSS JOIN sys.all_objects b) AS t;",
            b(db),
            (to + 1).saturating_sub(*from)
        )],
        Op::BackupFull { db, file } => vec![format!(
            "BACKUP DATABASE {} TO DISK = {} WITH INIT;",
            b(db),
            path(file)
        )],
        Op::BackupLog { db, file } => vec![format!(
            "BACKUP LOG {} TO DISK = {} WITH INIT;",
            b(db),
            path(file)
        )],
        Op::BackupTail { db, file } => vec![format!(
            "BACKUP LOG {} TO DISK = {} WITH INIT, NORECOVERY, NO_TRUNCATE;",
            b(db),
            path(file)
        )],
        Op::RestoreFull { db, source, file, replace, recovery } => {
            let mut opts = vec![if *recovery { "RECOVERY" } else { "NORECOVERY" }.to_string()];
            if *replace {
                opts.push("REPLACE".into());
            }
            if db != source {
                // Same instance: the copy needs its own data and log files.
                // Logical names stay those of CREATE DATABASE [mgc] through every restore.
                opts.push(format!("MOVE {} TO {}", q::nstring(LOGICAL), path(&format!("{db}.mdf"))));
                opts.push(format!("MOVE {} TO {}", q::nstring(&format!("{LOGICAL}_log")), path(&format!("{db}_log.ldf"))));
            }
            vec![format!(
                "RESTORE DATABASE {} FROM DISK = {} WITH {};",
                b(db),
                path(file),
                opts.join(", ")
            )]
        }
        Op::RestoreLog { db, file } => vec![format!(
            "RESTORE LOG {} FROM DISK = {} WITH NORECOVERY;",
            b(db),
            path(file)
        )],
        Op::Recover { db } => vec![format!("RESTORE DATABASE {} WITH RECOVERY;", b(db))],
        Op::DeleteLsSecondary { db } => vec![format!(
            "EXEC master.dbo.sp_delete_log_shipping_secondary_database @secondary_database = {};",
            q::nstring(db)
        )],
        Op::NotReplayable { reason } => vec![q::comment(&format!("not replayed: {reason}"))],
    }
}

/// Statements the safety rule covers: they destroy or take offline data or sessions.
///
/// Read with SQL Server's token rules (the range's lexer: comments dropped, literals and
/// bracketed names kept whole), statement by statement, so a leading comment, a `;` or a
/// second statement in the same text cannot hide one. The keywords looked for are reserved
/// (docs/t-sql/language-elements/reserved-keywords-transact-sql.md): as plain words they are
/// never names, so finding one anywhere in a statement (after IF, inside BEGIN ... END) is
/// enough. Text that does not lex is treated as destructive: refused, not guessed.
pub fn is_destructive(stmt: &str) -> bool {
    use crate::range::tsql::lex::{lex, Kind};
    let Ok(toks) = lex(stmt, 1) else {
        return true;
    };
    toks.split(|t| t.kind == Kind::Semi).any(|st| {
        let word = |k: usize, kw: &str| st.get(k).is_some_and(|t| t.is_word(kw));
        (0..st.len()).any(|k| {
            [
                "RESTORE", "DROP", "KILL", "SHUTDOWN", "TRUNCATE", "DELETE", "UPDATE", "MERGE",
            ]
            .iter()
            .any(|kw| word(k, kw))
                || (word(k, "ALTER") && word(k + 1, "DATABASE"))
                || (word(k, "BACKUP") && st.iter().any(|t| t.is_word("NORECOVERY")))
                || matches!(&st[k].kind, Kind::Word(w) | Kind::Quoted(w)
                    if w.to_ascii_uppercase().starts_with("SP_DELETE_"))
        })
    })
}

/// Why a step kind cannot be replayed on the mssql Linux container, or None if it can.
pub fn not_replayable(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "install_mirror_database" | "remove_mirroring" => {
            "database mirroring is not supported by SQL Server on Linux"
        }
        "set_pool_state"
        | "set_active_servers"
        | "stop_chat_services"
        | "start_chat_services"
        | "failover_cms" => "a Skype for Business cmdlet, not T-SQL",
        "copy_uncopied_files" => {
            "a file copy; the share and the copy folder are one directory in the replay"
        }
        "delete_log_shipping_primary" => {
            "log-shipping configuration needs the SQL Agent jobs of two instances"
        }
        "wait" => "a wait",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tsql_quote::lex::{lex, statements, Tok};
    use proptest::prelude::*;

    fn ops(db: &str, file: &str, reason: &str) -> Vec<Op> {
        let (db, file) = (db.to_string(), file.to_string());
        vec![
            Op::Create { db: db.clone() },
            Op::Drop { db: db.clone() },
            Op::Writes {
                db: db.clone(),
                from: 5,
                to: 3,
            },
            Op::BackupFull {
                db: db.clone(),
                file: file.clone(),
            },
            Op::BackupLog {
                db: db.clone(),
                file: file.clone(),
            },
            Op::BackupTail {
                db: db.clone(),
                file: file.clone(),
            },
            Op::RestoreFull {
                db: db.clone(),
                source: format!("{db}x"),
                file: file.clone(),
                replace: true,
                recovery: false,
            },
            Op::RestoreLog {
                db: db.clone(),
                file,
            },
            Op::Recover { db: db.clone() },
            Op::DeleteLsSecondary { db },
            Op::NotReplayable {
                reason: reason.to_string(),
            },
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        /// Whatever names, files and reasons reach the script, every statement parses back as
        /// exactly one statement of the intended kind, and a not-replayed reason stays a comment.
        #[test]
        fn replay_statements_cannot_be_split_by_their_values(
            db in any::<String>(), file in any::<String>(), reason in any::<String>(),
        ) {
            let p = Placement::container();
            for op in ops(&db, &file, &reason) {
                for stmt in render(&op, &p) {
                    let toks = lex(&stmt).unwrap();
                    let st = statements(&toks);
                    if let Op::NotReplayable { .. } = op {
                        prop_assert!(st.is_empty(), "{}", stmt);
                        prop_assert!(!is_destructive(&stmt));
                        continue;
                    }
                    prop_assert_eq!(st.len(), 1, "{}", stmt);
                    let first = match &st[0][0] { Tok::Word(w) => w.clone(), t => format!("{t:?}") };
                    prop_assert!(["CREATE", "ALTER", "DROP", "INSERT", "BACKUP", "RESTORE", "EXEC"].contains(&first.as_str()), "{}", stmt);
                    prop_assert!(!stmt.contains('\n') && !stmt.contains('\r'));
                    // every bracketed identifier is the database (or its copy), unchanged when
                    // it holds no control character
                    if !db.chars().any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}') {
                        for t in &toks {
                            if let Tok::Bracket(v) = t {
                                prop_assert!(v == &db, "{:?} in {}", v, stmt);
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_reason_with_a_line_break_stays_one_comment() {
        let out = render(
            &Op::NotReplayable {
                reason: "step x\nDROP DATABASE master; --".into(),
            },
            &Placement::container(),
        );
        assert_eq!(out, ["-- not replayed: step x?DROP DATABASE master; --"]);
        assert!(!is_destructive(&out[0]));
        assert_eq!(
            render(&Op::Drop { db: "a]b".into() }, &Placement::container()),
            ["DROP DATABASE [a]]b];"]
        );
    }
}
