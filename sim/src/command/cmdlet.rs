//! The runbooks' Skype for Business / Lync cmdlet lines, read as PowerShell binds them:
//! argument-mode tokens (bare words, `"..."` with `` ` `` escapes and `""`, `'...'` with
//! `''`, `@{Key = value}`, `$Null`, `a,b` lists), backtick line continuation, `#` comments,
//! case-insensitive parameter names and unique-prefix abbreviation (the common parameters
//! count: `-W` is ambiguous between -WhatIf, -WarningAction and -WarningVariable).
//!
//! Parameters per cmdlet are those of the cmdlet reference (MicrosoftDocs/office-docs-powershell,
//! skype/vlatest/Set-CsPersistentChatState.md, Set-CsPersistentChatActiveServer.md,
//! Install-CsMirrorDatabase.md). Errors are PowerShell's texts where PowerShell would
//! refuse, and say "the range" where the model cannot take what the line says.

use crate::runbook::{Action, ActiveSelection};
use crate::topology::{Db, Dc, Instance, PoolState};

use super::POOL_FQDN;

/// A bound argument value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    Text(String),
    Null,
    /// `a,b,c` or `"a","b"`.
    List(Vec<String>),
    /// `@{Key = value; ...}`: keys as written.
    Table(Vec<(String, Arg)>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    /// `-Name` (and the value of `-Name:value`).
    Param(String, Option<Arg>),
    Value(Arg),
    Comma,
}

/// One command line: its name, tokens and the `#` comment after it (where `drill run`
/// writes what the cmdlet does not carry: the mirror, the data center).
struct Line {
    name: String,
    toks: Vec<Tok>,
    comment: String,
}

struct Lexer<'a> {
    c: Vec<char>,
    i: usize,
    _src: &'a str,
}

impl<'a> Lexer<'a> {
    fn peek(&self) -> Option<char> {
        self.c.get(self.i).copied()
    }

    /// A word in argument mode: bare characters and quoted runs, adjacent ones joined
    /// (`service:"x"` is one argument), up to whitespace, `,`, `;`, `}` or `#`... at start.
    fn word(&mut self) -> Result<String, String> {
        let mut out = String::new();
        while let Some(ch) = self.peek() {
            match ch {
                '"' => {
                    self.i += 1;
                    loop {
                        match self.peek() {
                            None => return Err("The string is missing the terminator: \".".into()),
                            Some('`') => {
                                self.i += 1;
                                if let Some(e) = self.peek() {
                                    out.push(escape(e));
                                    self.i += 1;
                                }
                            }
                            Some('"') if self.c.get(self.i + 1) == Some(&'"') => {
                                out.push('"');
                                self.i += 2;
                            }
                            Some('"') => {
                                self.i += 1;
                                break;
                            }
                            Some('$') => {
                                return Err("The range does not expand variables inside strings; write the value itself.".into())
                            }
                            Some(x) => {
                                out.push(x);
                                self.i += 1;
                            }
                        }
                    }
                }
                '\'' => {
                    self.i += 1;
                    loop {
                        match self.peek() {
                            None => return Err("The string is missing the terminator: '.".into()),
                            Some('\'') if self.c.get(self.i + 1) == Some(&'\'') => {
                                out.push('\'');
                                self.i += 2;
                            }
                            Some('\'') => {
                                self.i += 1;
                                break;
                            }
                            Some(x) => {
                                out.push(x);
                                self.i += 1;
                            }
                        }
                    }
                }
                '`' => {
                    self.i += 1;
                    if let Some(e) = self.peek() {
                        out.push(escape(e));
                        self.i += 1;
                    }
                }
                c if c.is_whitespace() || matches!(c, ',' | ';' | '}' | ')') => break,
                c => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
        Ok(out)
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(|c| c.is_whitespace()) {
            self.i += 1;
        }
    }

    /// One value: `$Null`, `@{...}`, or a word; `a,b` lists are joined by the caller.
    fn value(&mut self) -> Result<Arg, String> {
        self.skip_space();
        match self.peek() {
            Some('$') => {
                self.i += 1;
                let name = self.word()?;
                if name.eq_ignore_ascii_case("null") {
                    Ok(Arg::Null)
                } else if name.eq_ignore_ascii_case("true") || name.eq_ignore_ascii_case("false") {
                    Ok(Arg::Text(format!("${}", name.to_ascii_lowercase())))
                } else {
                    Err(format!(
                        "The range has no variables: ${name} (write the value itself)."
                    ))
                }
            }
            Some('@') if self.c.get(self.i + 1) == Some(&'{') => {
                self.i += 2;
                let mut entries = Vec::new();
                loop {
                    self.skip_space();
                    match self.peek() {
                        None => {
                            return Err(
                                "Missing closing '}' in statement block or type definition.".into(),
                            )
                        }
                        Some('}') => {
                            self.i += 1;
                            return Ok(Arg::Table(entries));
                        }
                        Some(';') => {
                            self.i += 1;
                            continue;
                        }
                        _ => {}
                    }
                    let mut key = String::new();
                    while let Some(c) = self.peek().filter(|c| c.is_alphanumeric() || *c == '_') {
                        key.push(c);
                        self.i += 1;
                    }
                    self.skip_space();
                    if key.is_empty() || self.peek() != Some('=') {
                        return Err("Missing '=' operator after key in hash literal.".into());
                    }
                    self.i += 1;
                    let v = self.list()?;
                    entries.push((key, v));
                }
            }
            _ => Ok(Arg::Text(self.word()?)),
        }
    }

    /// A value, or several separated by commas (a list).
    fn list(&mut self) -> Result<Arg, String> {
        let first = self.value()?;
        let mut items = Vec::new();
        loop {
            self.skip_space();
            if self.peek() != Some(',') {
                break;
            }
            self.i += 1;
            if items.is_empty() {
                items.push(first.clone());
            }
            items.push(self.value()?);
        }
        if items.is_empty() {
            return Ok(first);
        }
        items
            .into_iter()
            .map(|a| match a {
                Arg::Text(t) => Ok(t),
                _ => Err("A list may hold only names.".to_string()),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Arg::List)
    }
}

fn escape(e: char) -> char {
    match e {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        '0' => '\0',
        x => x,
    }
}

/// Tokens of one command line; a backtick at the end of a line continues it.
fn lex(text: &str) -> Result<Line, String> {
    let joined = text.replace("`\r\n", " ").replace("`\n", " ");
    if joined.lines().filter(|l| !l.trim().is_empty()).count() > 1 {
        return Err("One cmdlet per line (end a line with a backtick to continue it).".into());
    }
    let mut lx = Lexer {
        c: joined.chars().collect(),
        i: 0,
        _src: text,
    };
    lx.skip_space();
    let name = lx.word()?;
    let mut toks = Vec::new();
    let mut comment = String::new();
    loop {
        lx.skip_space();
        match lx.peek() {
            None => break,
            Some('#') => {
                comment = lx.c[lx.i + 1..]
                    .iter()
                    .collect::<String>()
                    .trim()
                    .to_string();
                break;
            }
            Some(',') => {
                lx.i += 1;
                toks.push(Tok::Comma);
            }
            Some(';' | '|') => {
                return Err("The range runs one cmdlet per line, without pipelines.".into())
            }
            Some('-') if lx.c.get(lx.i + 1).is_some_and(|c| c.is_alphabetic()) => {
                lx.i += 1;
                let mut n = String::new();
                while let Some(c) = lx.peek().filter(|c| c.is_alphanumeric() || *c == '_') {
                    n.push(c);
                    lx.i += 1;
                }
                let v = if lx.peek() == Some(':') {
                    lx.i += 1;
                    Some(lx.list()?)
                } else {
                    None
                };
                toks.push(Tok::Param(n, v));
            }
            Some(c @ ('}' | ')')) => {
                return Err(format!(
                    "Unexpected token '{c}' in expression or statement."
                ))
            }
            _ => toks.push(Tok::Value(lx.value()?)),
        }
    }
    Ok(Line {
        name,
        toks,
        comment,
    })
}

/// The common parameters every cmdlet takes (about_CommonParameters), for abbreviation.
const COMMON: &[&str] = &[
    "Debug",
    "ErrorAction",
    "ErrorVariable",
    "InformationAction",
    "InformationVariable",
    "OutVariable",
    "OutBuffer",
    "PipelineVariable",
    "Verbose",
    "WarningAction",
    "WarningVariable",
];

/// A cmdlet's parameters: (name, takes a value), aliases, and the positional one.
struct Spec {
    params: &'static [(&'static str, bool)],
    aliases: &'static [(&'static str, &'static str)],
    positional: Option<&'static str>,
}

const SHOULD: &[(&str, &str)] = &[("cf", "Confirm"), ("wi", "WhatIf")];

fn spec(cmdlet: &str) -> Option<(&'static str, Spec)> {
    let c = cmdlet.to_ascii_lowercase();
    Some(match c.as_str() {
        "set-cspersistentchatstate" => (
            "Set-CsPersistentChatState",
            Spec {
                params: &[
                    ("Identity", true),
                    ("Instance", true),
                    ("PoolState", true),
                    ("Force", false),
                    ("WhatIf", false),
                    ("Confirm", false),
                ],
                aliases: SHOULD,
                positional: Some("Identity"),
            },
        ),
        "set-cspersistentchatactiveserver" => (
            "Set-CsPersistentChatActiveServer",
            Spec {
                params: &[
                    ("Identity", true),
                    ("ActiveServers", true),
                    ("Swap", false),
                    ("Force", false),
                    ("WhatIf", false),
                    ("Confirm", false),
                ],
                aliases: SHOULD,
                positional: Some("Identity"),
            },
        ),
        "install-csmirrordatabase" => (
            "Install-CsMirrorDatabase",
            Spec {
                params: &[
                    ("ConfiguredDatabases", false),
                    ("DatabaseType", true),
                    ("ForDefaultInstance", false),
                    ("ForInstance", false),
                    ("SqlInstanceName", true),
                    ("SqlServerFqdn", true),
                    ("FileShare", true),
                    ("DropExistingDatabasesOnMirror", false),
                    ("ExcludeDatabaseList", true),
                    ("DatabasePathMap", true),
                    ("Report", true),
                    ("Update", false),
                    ("Force", false),
                    ("WhatIf", false),
                    ("Confirm", false),
                ],
                aliases: SHOULD,
                positional: None,
            },
        ),
        "stop-cswindowsservice" | "start-cswindowsservice" => (
            if c.starts_with("stop") {
                "Stop-CsWindowsService"
            } else {
                "Start-CsWindowsService"
            },
            Spec {
                params: &[
                    ("Name", true),
                    ("ComputerName", true),
                    ("Graceful", false),
                    ("NoWait", false),
                    ("Report", true),
                    ("Force", false),
                    ("WhatIf", false),
                    ("Confirm", false),
                ],
                aliases: SHOULD,
                positional: Some("Name"),
            },
        ),
        "invoke-csmanagementserverfailover" => (
            "Invoke-CsManagementServerFailover",
            Spec {
                params: &[
                    ("BackupSqlServerFqdn", true),
                    ("BackupSqlInstanceName", true),
                    ("BackupMirrorSqlServerFqdn", true),
                    ("BackupMirrorSqlInstanceName", true),
                    ("Force", false),
                    ("WhatIf", false),
                    ("Confirm", false),
                ],
                aliases: SHOULD,
                positional: None,
            },
        ),
        _ => return None,
    })
}

/// Parameters as bound: canonical name -> value (switches: `Arg::Text("$true")`).
struct Bound {
    values: Vec<(&'static str, Arg)>,
}

impl Bound {
    fn get(&self, n: &str) -> Option<&Arg> {
        self.values.iter().find(|(k, _)| *k == n).map(|(_, v)| v)
    }
    fn switch(&self, n: &str) -> bool {
        matches!(self.get(n), Some(Arg::Text(t)) if t != "$false")
    }
    fn text(&self, n: &str) -> Result<Option<String>, String> {
        match self.get(n) {
            None => Ok(None),
            Some(Arg::Text(t)) => Ok(Some(t.clone())),
            Some(_) => Err(format!(
                "Cannot bind parameter '{n}': a single value is expected."
            )),
        }
    }
}

/// Which parameter `typed` names: exact, alias, or a unique prefix.
fn resolve(spec: &Spec, typed: &str) -> Result<Option<&'static str>, String> {
    let t = typed.to_ascii_lowercase();
    for (n, _) in spec.params {
        if n.to_ascii_lowercase() == t {
            return Ok(Some(n));
        }
    }
    for (a, n) in spec.aliases {
        if *a == t {
            return Ok(spec.params.iter().find(|(p, _)| p == n).map(|(p, _)| *p));
        }
    }
    if COMMON.iter().any(|c| c.to_ascii_lowercase() == t) {
        return Ok(None);
    }
    let mut hits: Vec<&'static str> = spec
        .params
        .iter()
        .map(|(n, _)| *n)
        .chain(COMMON.iter().copied())
        .filter(|n| n.to_ascii_lowercase().starts_with(&t))
        .collect();
    hits.dedup();
    match hits.as_slice() {
        [] => Err(format!(
            "A parameter cannot be found that matches parameter name '{typed}'."
        )),
        [one] if spec.params.iter().any(|(p, _)| p == one) => Ok(Some(one)),
        [_] => Ok(None),
        many => Err(format!(
            "Parameter cannot be processed because the parameter name '{typed}' is ambiguous. Possible matches include: {}.",
            many.iter().map(|m| format!("-{m}")).collect::<Vec<_>>().join(" ")
        )),
    }
}

fn bind(spec: &Spec, toks: Vec<Tok>) -> Result<Bound, String> {
    let mut values: Vec<(&'static str, Arg)> = Vec::new();
    let mut it = toks.into_iter().peekable();
    let mut positional_used = false;
    while let Some(t) = it.next() {
        let (name, value) = match t {
            Tok::Param(typed, inline) => {
                let Some(name) = resolve(spec, &typed)? else {
                    // A common parameter (-Verbose, -ErrorAction x): it changes no state.
                    if !typed.to_ascii_lowercase().starts_with("verb")
                        && !typed.to_ascii_lowercase().starts_with("deb")
                        && inline.is_none()
                        && matches!(it.peek(), Some(Tok::Value(_)))
                    {
                        it.next();
                    }
                    continue;
                };
                let takes = spec.params.iter().any(|(p, v)| *p == name && *v);
                let value = match (takes, inline) {
                    (_, Some(v)) => v,
                    (false, None) => Arg::Text("$true".into()),
                    (true, None) => match it.next() {
                        Some(Tok::Value(v)) => {
                            // `a, b` after a parameter: one list argument.
                            let mut items = match v {
                                Arg::Text(t) => vec![t],
                                other => {
                                    if matches!(it.peek(), Some(Tok::Comma)) {
                                        return Err("A list may hold only names.".into());
                                    }
                                    values.push((name, other));
                                    continue;
                                }
                            };
                            while matches!(it.peek(), Some(Tok::Comma)) {
                                it.next();
                                match it.next() {
                                    Some(Tok::Value(Arg::Text(t))) => items.push(t),
                                    _ => return Err("Missing expression after ','.".into()),
                                }
                            }
                            if items.len() == 1 {
                                Arg::Text(items.remove(0))
                            } else {
                                Arg::List(items)
                            }
                        }
                        _ => {
                            return Err(format!(
                                "Missing an argument for parameter '{name}'. Specify a parameter of the right type and try again."
                            ))
                        }
                    },
                };
                (name, value)
            }
            Tok::Value(v) => match spec.positional {
                Some(p) if !positional_used && !values.iter().any(|(n, _)| *n == p) => {
                    positional_used = true;
                    (p, v)
                }
                _ => {
                    let shown = match &v {
                        Arg::Text(t) => t.clone(),
                        _ => "...".into(),
                    };
                    return Err(format!(
                        "A positional parameter cannot be found that accepts argument '{shown}'."
                    ));
                }
            },
            Tok::Comma => return Err("Missing expression after ','.".into()),
        };
        if values.iter().any(|(n, _)| *n == name) {
            return Err(format!(
                "Cannot bind parameter because parameter '{name}' is specified more than once."
            ));
        }
        values.push((name, value));
    }
    Ok(Bound { values })
}

/// The instance a host name (with or without a domain) names.
pub fn instance_of(host: &str) -> Option<Instance> {
    let h = host.trim().split('.').next().unwrap_or("");
    let h = h.split('\\').next().unwrap_or(h);
    Instance::ALL
        .into_iter()
        .find(|i| i.host().eq_ignore_ascii_case(h))
}

/// "DC1", "DC2" or "third site", as `Dc` displays.
pub fn dc_of(s: &str) -> Option<Dc> {
    [Dc::Dc1, Dc::Dc2, Dc::Third]
        .into_iter()
        .find(|d| d.to_string().eq_ignore_ascii_case(s.trim()))
}

/// `pchatN` (optionally with a domain) -> N.
fn server_of(name: &str) -> Result<u8, String> {
    let host = name.trim().split('.').next().unwrap_or("");
    host.get(..5)
        .filter(|p| p.eq_ignore_ascii_case("pchat"))
        .and_then(|_| host[5..].parse::<u8>().ok())
        .ok_or_else(|| {
            format!(
                "'{name}' is not a Persistent Chat server of this topology (pchat1 ... pchat8)."
            )
        })
}

/// The comment's text after `key` (e.g. "mirror:" -> the mirror's host).
fn after<'c>(comment: &'c str, key: &str) -> Option<&'c str> {
    let low = comment.to_ascii_lowercase();
    low.find(key).map(|i| comment[i + key.len()..].trim())
}

/// Parse one cmdlet line into the action the range applies.
pub fn parse(line: &str) -> Result<Action, String> {
    let l = lex(line)?;
    let Some((name, spec)) = spec(&l.name) else {
        return Err(format!(
            "The term '{}' is not recognized by the range: it runs Set-CsPersistentChatState, Set-CsPersistentChatActiveServer, Install-CsMirrorDatabase, Stop-CsWindowsService, Start-CsWindowsService and Invoke-CsManagementServerFailover.",
            l.name
        ));
    };
    let b = bind(&spec, l.toks)?;
    if b.switch("WhatIf") {
        return Err(format!(
            "{name} -WhatIf changes nothing; the range runs the cmdlet without it."
        ));
    }
    match name {
        "Set-CsPersistentChatState" => {
            if b.get("Instance").is_some() {
                return Err("The range takes -Identity, not -Instance.".into());
            }
            if let Some(id) = b.text("Identity")? {
                check_pool_identity(&id)?;
            }
            let state = match b.text("PoolState")? {
                None => return Err("Set-CsPersistentChatState: the range needs -PoolState Normal or FailedOver.".into()),
                Some(s) if s.eq_ignore_ascii_case("Normal") => PoolState::Normal,
                Some(s) if s.eq_ignore_ascii_case("FailedOver") => PoolState::FailedOver,
                Some(s) => return Err(format!("Cannot bind parameter 'PoolState'. Cannot convert value \"{s}\" to type \"PoolState\". Error: \"Unable to match the identifier name {s} to a valid enumerator name. Specify one of the following enumerator names and try again: Normal, FailedOver\"")),
            };
            Ok(Action::SetPoolState { state })
        }
        "Set-CsPersistentChatActiveServer" => {
            if let Some(id) = b.text("Identity")? {
                // One collection: Lync calls it "global", SfB "PChatServerCollection".
                if !id.eq_ignore_ascii_case("global")
                    && !id.eq_ignore_ascii_case("PChatServerCollection")
                {
                    return Err(format!("Cannot find the collection of active servers \"{id}\": there is one, \"global\" (Lync Server 2013) or \"PChatServerCollection\" (Skype for Business Server 2015)."));
                }
            }
            let servers = match (b.switch("Swap"), b.get("ActiveServers")) {
                (true, Some(_)) => {
                    return Err(
                        "Parameter set cannot be resolved using the specified named parameters."
                            .into(),
                    )
                }
                (true, None) => ActiveSelection::Swap,
                (false, None) => {
                    return Err(
                        "Set-CsPersistentChatActiveServer needs -ActiveServers or -Swap.".into(),
                    )
                }
                (false, Some(Arg::Null)) => ActiveSelection::Clear,
                (false, Some(Arg::Table(t))) => {
                    let mut out = None;
                    for (k, v) in t {
                        if k.eq_ignore_ascii_case("Replace") {
                            out = Some(names(v)?);
                        } else if k.eq_ignore_ascii_case("Add") || k.eq_ignore_ascii_case("Remove")
                        {
                            return Err(format!("The range takes @{{Replace=...}} or $Null: @{{{k}=...}} changes the list relative to what it is now, which the runbook cannot say."));
                        } else {
                            return Err(format!("The hash table key '{k}' is not valid for a list modifier: use Add, Remove or Replace."));
                        }
                    }
                    let list = out.ok_or("-ActiveServers @{} names no servers.")?;
                    selection(list, &l.comment)
                }
                (false, Some(v)) => selection(names(v)?, &l.comment),
            };
            Ok(Action::SetActiveServers { servers })
        }
        "Install-CsMirrorDatabase" => {
            let fqdn = b
                .text("SqlServerFqdn")?
                .ok_or("Install-CsMirrorDatabase needs -SqlServerFqdn (the principal).")?;
            let instance = instance_of(&fqdn).ok_or_else(|| {
                format!(
                    "'{fqdn}' is not a SQL Server of this topology (sql-primary, sql-backup, ...)."
                )
            })?;
            if b.text("FileShare")?.is_none() {
                return Err(
                    "Install-CsMirrorDatabase needs -FileShare (the share that seeds the mirror)."
                        .into(),
                );
            }
            let database = match (b.switch("ConfiguredDatabases"), b.text("DatabaseType")?) {
                (true, Some(_)) => return Err("Parameter set cannot be resolved using the specified named parameters.".into()),
                (true, None) => Db::Mgc,
                (false, Some(t)) if t.eq_ignore_ascii_case("PersistentChat") => Db::Mgc,
                (false, Some(t)) if t.eq_ignore_ascii_case("PersistentChatCompliance") => Db::Mgccomp,
                (false, Some(t)) => return Err(format!("The range models the Persistent Chat stores only: -DatabaseType PersistentChat or PersistentChatCompliance, not {t}.")),
                (false, None) => return Err("Install-CsMirrorDatabase needs -ConfiguredDatabases or -DatabaseType.".into()),
            };
            // The topology names the mirror; `drill run` writes it in the comment.
            let mirror = match after(&l.comment, "mirror:") {
                Some(h) => instance_of(h)
                    .ok_or_else(|| format!("'{h}' is not a SQL Server of this topology."))?,
                None => match instance {
                    Instance::Primary => Instance::Mirror,
                    Instance::Backup => Instance::BackupMirror,
                    other => {
                        return Err(format!(
                            "The topology defines no mirror for {}.",
                            other.host()
                        ))
                    }
                },
            };
            Ok(Action::InstallMirrorDatabase {
                instance,
                mirror,
                database,
                drop_existing: b.switch("DropExistingDatabasesOnMirror"),
            })
        }
        "Stop-CsWindowsService" | "Start-CsWindowsService" => {
            match b.text("Name")? {
                Some(n) if n.eq_ignore_ascii_case("RTCCHAT") => {}
                Some(n) => return Err(format!("The range models the Persistent Chat service (RTCCHAT) only, not {n}.")),
                None => return Err(format!("{name} without -Name acts on every Lync service; the range models -Name RTCCHAT.")),
            }
            if b.get("ComputerName").is_some() {
                return Err("The range stops and starts RTCCHAT on every Persistent Chat server (of a data center: write `# on every Persistent Chat server in DC1`), not on one -ComputerName.".into());
            }
            let dc = match after(&l.comment, "persistent chat server in") {
                Some(d) => Some(dc_of(d).ok_or_else(|| {
                    format!("'{d}' is not a data center (DC1, DC2, third site).")
                })?),
                None => None,
            };
            Ok(if name.starts_with("Stop") {
                Action::StopChatServices { dc }
            } else {
                Action::StartChatServices { dc }
            })
        }
        "Invoke-CsManagementServerFailover" => {
            let to = match (after(&l.comment, "pool in"), b.text("BackupSqlServerFqdn")?) {
                (Some(d), _) => dc_of(d)
                    .ok_or_else(|| format!("'{d}' is not a data center (DC1, DC2, third site)."))?,
                (None, Some(h)) => instance_of(&h)
                    .ok_or_else(|| format!("'{h}' is not a SQL Server of this topology."))?
                    .dc(),
                // The CMS lives in DC1's Front End pool; its paired backup pool is in DC2.
                (None, None) => Dc::Dc2,
            };
            Ok(Action::FailoverCms { to })
        }
        _ => unreachable!("spec() names only the cmdlets above"),
    }
}

/// The pool identity forms: accepted `PersistentChatServer:<pool>` (the cmdlet reference),
/// `service:<pool>` (the procedures) and `service:PersistentChatServer:<pool>`; refused a
/// stray space after the colon (an identity is not trimmed: it names no pool) and any
/// other FQDN (no such pool in this topology).
pub fn check_pool_identity(id: &str) -> Result<(), String> {
    let low = id.to_ascii_lowercase();
    let rest = low
        .strip_prefix("service:")
        .map(|r| r.strip_prefix("persistentchatserver:").unwrap_or(r))
        .or_else(|| low.strip_prefix("persistentchatserver:"))
        .ok_or_else(|| format!("Cannot bind parameter 'Identity': \"{id}\" is not a Persistent Chat pool identity (PersistentChatServer:<pool FQDN>)."))?;
    if rest == POOL_FQDN {
        Ok(())
    } else {
        Err(format!("Cannot find a Persistent Chat pool with Identity \"{id}\": the pool is {POOL_FQDN} (PersistentChatServer:{POOL_FQDN})."))
    }
}

fn names(v: &Arg) -> Result<Vec<u8>, String> {
    let items = match v {
        // `@{Replace="a,b"}`: drill run writes one string; the names are split at commas.
        Arg::Text(t) => t.split(',').map(str::to_string).collect::<Vec<_>>(),
        Arg::List(l) => l
            .iter()
            .flat_map(|s| s.split(','))
            .map(str::to_string)
            .collect(),
        Arg::Null => return Ok(vec![]),
        Arg::Table(_) => return Err("A list of servers is expected.".into()),
    };
    if items.len() == 1 && items[0].trim().is_empty() {
        return Ok(vec![]);
    }
    items.iter().map(|s| server_of(s)).collect()
}

/// A data center's servers when the comment says so (`# servers in DC2`), else the list.
fn selection(list: Vec<u8>, comment: &str) -> ActiveSelection {
    if let Some(dc) = after(comment, "servers in").and_then(dc_of) {
        let dc_list: Vec<u8> = if dc == Dc::Dc1 {
            vec![1, 2, 3, 4]
        } else {
            vec![5, 6, 7, 8]
        };
        if list == dc_list {
            return ActiveSelection::Dc(dc);
        }
    }
    ActiveSelection::Servers(list)
}
