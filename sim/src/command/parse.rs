//! The inverse of [`super::command`]: a step's text, as `drill run` prints it, back into
//! its action. The T-SQL renderings carry their instance in a `-- on <host>` comment and
//! are read token by token (any case and spacing, `[brackets]`, `N'...'`); the cmdlet
//! renderings go through [`super::cmdlet::parse`], which the range's console uses too.

use super::cmdlet::{self, instance_of};
use crate::runbook::Action;
use crate::topology::{Db, Instance};

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    /// A keyword or name, upper-cased (brackets removed).
    Word(String),
    Str(String),
    Punct(char),
}

/// T-SQL tokens with `--` and `/* */` comments dropped.
fn lex(sql: &str) -> Result<Vec<Tok>, String> {
    let c: Vec<char> = sql.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    let quoted = |i: &mut usize, close: char| -> Result<String, String> {
        let mut v = String::new();
        loop {
            match c.get(*i) {
                None => return Err(format!("unclosed {close} quote")),
                Some(&ch) if ch == close && c.get(*i + 1) == Some(&close) => {
                    v.push(close);
                    *i += 2;
                }
                Some(&ch) if ch == close => {
                    *i += 1;
                    return Ok(v);
                }
                Some(&ch) => {
                    v.push(ch);
                    *i += 1;
                }
            }
        }
    };
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch.is_whitespace() {
            i += 1;
        } else if ch == '-' && next == Some('-') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == Some('*') {
            i += 2;
            while !(c.get(i) == Some(&'*') && c.get(i + 1) == Some(&'/')) {
                if i >= c.len() {
                    return Err("unclosed /* comment".into());
                }
                i += 1;
            }
            i += 2;
        } else if (ch == 'N' || ch == 'n') && next == Some('\'') {
            i += 2;
            out.push(Tok::Str(quoted(&mut i, '\'')?));
        } else if ch == '\'' {
            i += 1;
            out.push(Tok::Str(quoted(&mut i, '\'')?));
        } else if ch == '[' {
            i += 1;
            out.push(Tok::Word(quoted(&mut i, ']')?.to_uppercase()));
        } else if ch.is_alphanumeric() || matches!(ch, '_' | '@' | '<' | '>') {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || matches!(c[i], '_' | '@' | '<' | '>')) {
                i += 1;
            }
            out.push(Tok::Word(
                c[start..i].iter().collect::<String>().to_uppercase(),
            ));
        } else {
            out.push(Tok::Punct(ch));
            i += 1;
        }
    }
    Ok(out)
}

/// The words of the statements, with strings as `'...'` placeholders kept in order.
struct Stmts {
    toks: Vec<Tok>,
}

impl Stmts {
    fn words(&self) -> Vec<String> {
        self.toks
            .iter()
            .map(|t| match t {
                Tok::Word(w) => w.clone(),
                Tok::Str(_) => "'".into(),
                Tok::Punct(p) => p.to_string(),
            })
            .collect()
    }

    fn strings(&self) -> Vec<&str> {
        self.toks
            .iter()
            .filter_map(|t| match t {
                Tok::Str(s) => Some(s.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Whether the words start with `pattern` (space-separated; `*` matches one token).
    fn starts(&self, pattern: &str) -> bool {
        let w = self.words();
        let p: Vec<&str> = pattern.split_whitespace().collect();
        p.len() <= w.len() && p.iter().zip(&w).all(|(p, w)| *p == "*" || p == w)
    }

    fn word(&self, i: usize) -> Option<String> {
        self.words().get(i).cloned()
    }

    fn has(&self, w: &str) -> bool {
        self.words().iter().any(|x| x == w)
    }
}

fn db(w: Option<String>) -> Result<Db, String> {
    match w.as_deref() {
        Some("MGC") => Ok(Db::Mgc),
        Some("MGCCOMP") => Ok(Db::Mgccomp),
        other => Err(format!(
            "expected the database mgc or mgccomp, found {}",
            other.unwrap_or("nothing")
        )),
    }
}

/// The host after `-- on ` (up to `,`, `:` or a space).
fn host_after(line: &str, key: &str) -> Result<Instance, String> {
    let low = line.to_ascii_lowercase();
    let at = low
        .find(key)
        .ok_or_else(|| format!("expected \"{key}<host>\""))?;
    let rest = &line[at + key.len()..];
    let host: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '-' || *c == '.')
        .collect();
    instance_of(&host).ok_or_else(|| format!("'{host}' is not a SQL Server of this topology"))
}

/// The action a step's text stands for.
pub fn parse(text: &str) -> Result<Action, String> {
    let text = text.trim();
    let first = text.lines().next().unwrap_or("").trim();
    let low = first.to_ascii_lowercase();
    if let Some(rest) = low.strip_prefix("-- wait ") {
        let n = rest.trim().trim_end_matches('s').trim();
        return n
            .parse::<u64>()
            .map(|seconds| Action::Wait { seconds })
            .map_err(|_| format!("expected \"-- wait <seconds> s\", found {first:?}"));
    }
    if low.starts_with("robocopy ") {
        let instance = host_after(first, "<copy folder on ")?;
        return Ok(Action::CopyUncopiedFiles { instance });
    }
    if low.starts_with("-- ssms log shipping wizard on ") {
        let instance = host_after(first, "wizard on ")?;
        let secondary = text
            .lines()
            .skip(1)
            .find(|l| l.trim().to_ascii_lowercase().starts_with("-- on "))
            .ok_or_else(|| "expected the secondary's \"-- on <host>\" line".to_string())
            .and_then(|l| host_after(l, "-- on "))?;
        let s = Stmts { toks: lex(text)? };
        let w = s.words();
        let at = w
            .iter()
            .position(|x| x == "@DATABASE")
            .ok_or("expected @database = N'<db>'")?;
        let database = match s.toks.get(at + 2) {
            Some(Tok::Str(d)) => db(Some(d.to_uppercase()))?,
            _ => return Err("expected @database = N'<db>'".into()),
        };
        return Ok(Action::ConfigureLogShipping {
            instance,
            secondary,
            database,
        });
    }
    if !low.starts_with("-- on ") {
        return cmdlet::parse(text);
    }
    let instance = host_after(first, "-- on ")?;
    let s = Stmts { toks: lex(text)? };
    let proc_arg = |name: &str| -> Result<Db, String> {
        let w = s.words();
        let at = w
            .iter()
            .position(|x| x == name)
            .ok_or_else(|| format!("expected {name}"))?;
        match s.toks.get(at + 2) {
            Some(Tok::Str(d)) => db(Some(d.to_uppercase())),
            _ => Err(format!("expected {name} = N'<db>'")),
        }
    };
    let w = s.words();
    let opts_after_with = || -> Vec<String> {
        match w.iter().position(|x| x == "WITH") {
            Some(i) => w[i + 1..]
                .iter()
                .filter(|x| *x != "," && *x != ";")
                .cloned()
                .collect(),
            None => vec![],
        }
    };
    if s.starts("EXEC MASTER . DBO . SP_DELETE_LOG_SHIPPING_SECONDARY_DATABASE") {
        return Ok(Action::DeleteLogShippingSecondary {
            instance,
            database: proc_arg("@SECONDARY_DATABASE")?,
        });
    }
    if s.starts("EXEC MASTER . DBO . SP_DELETE_LOG_SHIPPING_PRIMARY_DATABASE") {
        return Ok(Action::DeleteLogShippingPrimary {
            instance,
            database: proc_arg("@DATABASE")?,
        });
    }
    if s.starts("EXEC SP_WHO2") && s.has("KILL") {
        let at = w
            .iter()
            .position(|x| x == "RESTORE")
            .ok_or("expected RESTORE DATABASE <db> WITH RECOVERY after KILL")?;
        return Ok(Action::KillSessionsAndRecover {
            instance,
            database: db(s.word(at + 2))?,
        });
    }
    if s.starts("RESTORE LOG * FROM DISK = '") {
        let database = db(s.word(2))?;
        if opts_after_with() != ["NORECOVERY"] {
            return Err("expected RESTORE LOG ... WITH NORECOVERY".into());
        }
        let file = s.strings().first().copied().unwrap_or("");
        let name = file.rsplit(['\\', '/']).next().unwrap_or(file);
        let suffix = name
            .strip_suffix(".trn")
            .and_then(|n| n.get(database.to_string().len()..))
            .and_then(|n| n.strip_prefix('_'))
            .ok_or_else(|| {
                format!("expected the file <copy folder>\\{database}_..., found {file:?}")
            })?;
        if suffix == "NNNN" {
            return Ok(Action::RestoreUnappliedLogs { instance, database });
        }
        let newest = suffix
            .strip_prefix('<')
            .and_then(|x| x.strip_suffix("-th newest>"))
            .and_then(|n| n.parse::<u32>().ok())
            .ok_or_else(|| {
                format!(
                    "expected {database}_NNNN.trn or {database}_<k-th newest>.trn, found {name:?}"
                )
            })?;
        return Ok(Action::RestoreLogFile {
            instance,
            database,
            newest,
        });
    }
    if s.starts("BACKUP LOG * TO DISK = '") {
        let o = opts_after_with();
        if o != ["NORECOVERY", "NO_TRUNCATE"] {
            return Err(format!(
                "expected a tail-log backup WITH NORECOVERY, NO_TRUNCATE, found WITH {}",
                o.join(", ")
            ));
        }
        return Ok(Action::BackupTailLog {
            instance,
            database: db(s.word(2))?,
        });
    }
    if s.starts("ALTER DATABASE * SET PARTNER OFF") {
        return Ok(Action::RemoveMirroring {
            instance,
            database: db(s.word(2))?,
        });
    }
    if s.starts("BACKUP DATABASE * TO DISK = '") {
        if opts_after_with() != ["INIT"] {
            return Err("expected BACKUP DATABASE ... WITH INIT".into());
        }
        return Ok(Action::BackupFullToShare {
            instance,
            database: db(s.word(2))?,
        });
    }
    if s.starts("RESTORE DATABASE * FROM DISK = '") {
        let o = opts_after_with();
        let recovery = match o.first().map(String::as_str) {
            Some("RECOVERY") => true,
            Some("NORECOVERY") => false,
            _ => return Err("expected RESTORE DATABASE ... WITH RECOVERY or NORECOVERY".into()),
        };
        let replace = match &o[1..] {
            [] => false,
            [r] if r == "REPLACE" => true,
            _ => return Err(format!("unexpected options WITH {}", o.join(", "))),
        };
        return Ok(Action::RestoreFullFromShare {
            instance,
            database: db(s.word(2))?,
            replace,
            recovery,
        });
    }
    Err(format!(
        "not a statement drill run prints: {:?}",
        text.lines().nth(1).unwrap_or(first)
    ))
}

#[cfg(test)]
mod tests {
    use super::super::{command, POOL_FQDN};
    use super::*;
    use crate::runbook::ActiveSelection;
    use crate::topology::{Dc, PoolState, Product};
    use proptest::prelude::*;

    fn instance() -> impl Strategy<Value = Instance> {
        prop::sample::select(Instance::ALL.to_vec())
    }
    fn database() -> impl Strategy<Value = Db> {
        prop::sample::select(vec![Db::Mgc, Db::Mgccomp])
    }
    fn dc() -> impl Strategy<Value = Dc> {
        prop::sample::select(vec![Dc::Dc1, Dc::Dc2, Dc::Third])
    }

    /// Every action kind, with every field drawn over its whole range.
    fn action() -> impl Strategy<Value = Action> {
        let selection = prop_oneof![
            Just(ActiveSelection::Clear),
            Just(ActiveSelection::Swap),
            dc().prop_map(ActiveSelection::Dc),
            prop::collection::vec(any::<u8>(), 0..10).prop_map(ActiveSelection::Servers),
        ];
        prop_oneof![
            (instance(), database()).prop_map(|(instance, database)| {
                Action::DeleteLogShippingSecondary { instance, database }
            }),
            instance().prop_map(|instance| Action::CopyUncopiedFiles { instance }),
            (instance(), database()).prop_map(|(instance, database)| {
                Action::RestoreUnappliedLogs { instance, database }
            }),
            (instance(), database(), any::<u32>()).prop_map(|(instance, database, newest)| {
                Action::RestoreLogFile {
                    instance,
                    database,
                    newest,
                }
            }),
            (instance(), database()).prop_map(|(instance, database)| {
                Action::KillSessionsAndRecover { instance, database }
            }),
            (instance(), database())
                .prop_map(|(instance, database)| Action::BackupTailLog { instance, database }),
            prop::sample::select(vec![PoolState::Normal, PoolState::FailedOver])
                .prop_map(|state| Action::SetPoolState { state }),
            (instance(), instance(), database(), any::<bool>()).prop_map(
                |(instance, mirror, database, drop_existing)| Action::InstallMirrorDatabase {
                    instance,
                    mirror,
                    database,
                    drop_existing
                }
            ),
            selection.prop_map(|servers| Action::SetActiveServers { servers }),
            prop::option::of(dc()).prop_map(|dc| Action::StopChatServices { dc }),
            prop::option::of(dc()).prop_map(|dc| Action::StartChatServices { dc }),
            dc().prop_map(|to| Action::FailoverCms { to }),
            (instance(), database())
                .prop_map(|(instance, database)| Action::RemoveMirroring { instance, database }),
            (instance(), database())
                .prop_map(|(instance, database)| Action::BackupFullToShare { instance, database }),
            (instance(), database(), any::<bool>(), any::<bool>()).prop_map(
                |(instance, database, replace, recovery)| Action::RestoreFullFromShare {
                    instance,
                    database,
                    replace,
                    recovery
                }
            ),
            (instance(), instance(), database()).prop_map(|(instance, secondary, database)| {
                Action::ConfigureLogShipping {
                    instance,
                    secondary,
                    database,
                }
            }),
            (instance(), database()).prop_map(|(instance, database)| {
                Action::DeleteLogShippingPrimary { instance, database }
            }),
            any::<u64>().prop_map(|seconds| Action::Wait { seconds }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

        /// Issue 11 point 6: each action, printed as `drill run` prints it (either product),
        /// parses back to the same action.
        #[test]
        fn every_rendering_parses_back(a in action(), lync in any::<bool>()) {
            let product = if lync { Product::Lync2013 } else { Product::SfB2015 };
            let text = command(&a, product, POOL_FQDN);
            prop_assert_eq!(parse(&text), Ok(a), "{}", text);
        }

        /// No text makes the parser panic.
        #[test]
        fn any_text_is_parsed_or_refused(s in any::<String>()) {
            let _ = parse(&s);
            let _ = cmdlet::parse(&s);
        }
    }

    #[test]
    fn renderings_typed_differently_still_parse() {
        assert_eq!(
            parse("-- ON SQL-BACKUP\nrestore log [mgc] from disk = N'x\\mgc_<2-th newest>.trn' with  norecovery"),
            Ok(Action::RestoreLogFile { instance: Instance::Backup, database: Db::Mgc, newest: 2 })
        );
        assert_eq!(
            parse("-- on sql-primary\nalter database MGCCOMP set partner off"),
            Ok(Action::RemoveMirroring {
                instance: Instance::Primary,
                database: Db::Mgccomp
            })
        );
        assert!(parse("-- on sql-primary\nDROP DATABASE mgc").is_err());
        assert!(parse("-- on nowhere\nALTER DATABASE mgc SET PARTNER OFF").is_err());
    }
}
