//! The statement grammar: recursive descent over the tokens of one batch. Statements need
//! no semicolon between them (T-SQL), so each rule consumes exactly its own tokens and a
//! reserved word starts the next statement.

use super::lex::{error, syntax_near, Kind, Tok};
use super::unmodelled;
use crate::range::reply::{SqlMessage, Value};
use crate::range::statement::{Located, Partner, Recovery, SqlResult, Statement};

/// Words that start a statement (and so end an argument list or a SELECT).
const STARTERS: &[&str] = &[
    "ALTER",
    "BACKUP",
    "BEGIN",
    "BULK",
    "CHECKPOINT",
    "CLOSE",
    "COMMIT",
    "CREATE",
    "DBCC",
    "DEALLOCATE",
    "DECLARE",
    "DELETE",
    "DENY",
    "DISABLE",
    "DROP",
    "ENABLE",
    "EXEC",
    "EXECUTE",
    "FETCH",
    "GOTO",
    "GRANT",
    "IF",
    "INSERT",
    "KILL",
    "MERGE",
    "OPEN",
    "PRINT",
    "RAISERROR",
    "RECONFIGURE",
    "RESTORE",
    "RETURN",
    "REVERT",
    "REVOKE",
    "ROLLBACK",
    "SAVE",
    "SELECT",
    "SET",
    "SHUTDOWN",
    "THROW",
    "TRUNCATE",
    "UPDATE",
    "USE",
    "WAITFOR",
    "WHILE",
    "WITH",
];

/// Other reserved words that cannot be a bare name or argument.
const RESERVED: &[&str] = &[
    "ADD", "ALL", "AND", "AS", "BY", "CASE", "CURRENT", "DATABASE", "DEFAULT", "DISK", "ELSE",
    "END", "FROM", "IN", "INTO", "IS", "NOT", "NULL", "OF", "ON", "OR", "TO", "WHERE",
];

fn reserved(w: &str) -> bool {
    let u = w.to_ascii_uppercase();
    STARTERS.contains(&u.as_str()) || RESERVED.contains(&u.as_str())
}

pub struct Parser<'a> {
    sql: &'a str,
    toks: Vec<Tok>,
    pos: usize,
}

/// One `WITH` option of BACKUP or RESTORE.
enum Opt {
    Flag(String),
    Value(String, Value),
    Move(String, String),
}

impl<'a> Parser<'a> {
    pub fn new(sql: &'a str, toks: Vec<Tok>) -> Self {
        Parser { sql, toks, pos: 0 }
    }

    pub fn batch(mut self) -> SqlResult<Vec<Located>> {
        let mut out = Vec::new();
        let mut first = true;
        while self.pos < self.toks.len() {
            if self.peek_kind(&Kind::Semi) {
                self.pos += 1;
                continue;
            }
            let line = self.toks[self.pos].line;
            let parsed = self.statement(first)?;
            first = false;
            for statement in parsed {
                out.push(Located { line, statement });
            }
        }
        Ok(out)
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn peek_kind(&self, k: &Kind) -> bool {
        self.peek().is_some_and(|t| &t.kind == k)
    }

    fn peek_word(&self, kw: &str) -> bool {
        self.peek().is_some_and(|t| t.is_word(kw))
    }

    fn eat_word(&mut self, kw: &str) -> bool {
        let yes = self.peek_word(kw);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn eat_punct(&mut self, c: char) -> bool {
        let yes = self.peek().is_some_and(|t| t.is_punct(c));
        if yes {
            self.pos += 1;
        }
        yes
    }

    /// Msg 102 at the current token, or at the last one when the batch ended early.
    fn syntax(&self) -> SqlMessage {
        match self.peek().or(self.toks.last()) {
            Some(t) => syntax_near(t),
            None => error(102, 1, "Incorrect syntax near ''.".into()),
        }
    }

    fn line(&self) -> u32 {
        self.peek().or(self.toks.last()).map_or(1, |t| t.line)
    }

    fn expect_word(&mut self, kw: &str) -> SqlResult<()> {
        if self.eat_word(kw) {
            Ok(())
        } else {
            Err(self.syntax())
        }
    }

    fn expect_punct(&mut self, c: char) -> SqlResult<()> {
        if self.eat_punct(c) {
            Ok(())
        } else {
            Err(self.syntax())
        }
    }

    fn next(&mut self) -> SqlResult<Tok> {
        let t = self.peek().cloned().ok_or_else(|| self.syntax())?;
        self.pos += 1;
        Ok(t)
    }

    /// A database name: a plain identifier or a `[quoted]` one (not a variable).
    fn name(&mut self) -> SqlResult<String> {
        let line = self.line();
        match self.peek().map(|t| t.kind.clone()) {
            Some(Kind::Quoted(n)) => {
                self.pos += 1;
                Ok(n)
            }
            Some(Kind::Word(w)) if w.starts_with('@') => {
                Err(unmodelled(line, "variables (name the database itself)"))
            }
            Some(Kind::Word(w)) if !reserved(&w) => {
                self.pos += 1;
                Ok(w)
            }
            _ => Err(self.syntax()),
        }
    }

    /// A string constant (`'...'` or `N'...'`).
    fn string(&mut self) -> SqlResult<String> {
        let line = self.line();
        match self.peek().map(|t| t.kind.clone()) {
            Some(Kind::Str { value, .. }) => {
                self.pos += 1;
                Ok(value)
            }
            Some(Kind::Word(w)) if w.starts_with('@') => {
                Err(unmodelled(line, "variables (write the value itself)"))
            }
            _ => Err(self.syntax()),
        }
    }

    /// A constant: string, integer (with sign), NULL or a bare word (T-SQL passes an
    /// unquoted identifier to a procedure as a string).
    fn value(&mut self) -> SqlResult<Value> {
        let line = self.line();
        let neg = self.eat_punct('-');
        let t = self.next()?;
        match (&t.kind, neg) {
            (Kind::Number(n), _) => match n.parse::<i64>() {
                Ok(v) => Ok(Value::Int(if neg { -v } else { v })),
                Err(_) => Ok(Value::Text(format!("{}{n}", if neg { "-" } else { "" }))),
            },
            (Kind::Str { value, .. }, false) => Ok(Value::Text(value.clone())),
            (Kind::Word(w), false) if w.eq_ignore_ascii_case("NULL") => Ok(Value::Null),
            (Kind::Word(w), false) if w.eq_ignore_ascii_case("DEFAULT") => Err(unmodelled(
                line,
                "DEFAULT arguments (pass the value itself)",
            )),
            (Kind::Word(w), false) if w.starts_with('@') => {
                Err(unmodelled(line, "variables (write the value itself)"))
            }
            (Kind::Word(w), false) if !reserved(w) => Ok(Value::Text(w.clone())),
            (Kind::Quoted(w), false) => Ok(Value::Text(w.clone())),
            _ => Err(syntax_near(&t)),
        }
    }

    /// The statements one rule yields (DROP DATABASE a, b yields two).
    fn statement(&mut self, first_in_batch: bool) -> SqlResult<Vec<Statement>> {
        let t = self.peek().cloned().ok_or_else(|| self.syntax())?;
        let Some(w) = t.word() else {
            return Err(syntax_near(&t));
        };
        let one = |s: Statement| Ok(vec![s]);
        match w.as_str() {
            "SELECT" | "WITH" => one(self.select()),
            "USE" => {
                self.pos += 1;
                one(Statement::Use {
                    database: self.name()?,
                })
            }
            "BACKUP" => {
                self.pos += 1;
                one(self.backup()?)
            }
            "RESTORE" => {
                self.pos += 1;
                one(self.restore()?)
            }
            "EXEC" | "EXECUTE" => {
                self.pos += 1;
                one(self.exec()?)
            }
            "ALTER" => {
                self.pos += 1;
                one(self.alter()?)
            }
            "SET" => {
                self.pos += 1;
                self.set_option()?;
                Ok(vec![])
            }
            "KILL" => {
                self.pos += 1;
                one(self.kill()?)
            }
            "CREATE" => {
                self.pos += 1;
                if !self.eat_word("DATABASE") {
                    return Err(self.unmodelled_here(&t, "CREATE"));
                }
                let database = self.name()?;
                if self.peek().is_some_and(|t| !self.ends_statement(t)) {
                    return Err(unmodelled(
                        t.line,
                        "CREATE DATABASE options (ON, LOG ON, COLLATE, WITH, FOR ATTACH, AS SNAPSHOT OF)",
                    ));
                }
                one(Statement::CreateDatabase { database })
            }
            "DROP" => {
                self.pos += 1;
                if !self.eat_word("DATABASE") {
                    return Err(self.unmodelled_here(&t, "DROP"));
                }
                if self.peek_word("IF") {
                    return Err(unmodelled(t.line, "DROP DATABASE IF EXISTS"));
                }
                let mut out = vec![Statement::DropDatabase {
                    database: self.name()?,
                }];
                while self.eat_punct(',') {
                    out.push(Statement::DropDatabase {
                        database: self.name()?,
                    });
                }
                Ok(out)
            }
            // The first statement of a batch may be a procedure name alone (`sp_who2`).
            _ if first_in_batch && !reserved(&w) && !w.starts_with('@') => one(self.call()?),
            _ if STARTERS.contains(&w.as_str()) => Err(self.unmodelled_here(&t, &w)),
            _ => Err(syntax_near(&t)),
        }
    }

    fn unmodelled_here(&self, t: &Tok, w: &str) -> SqlMessage {
        let what = match self.peek().and_then(Tok::word) {
            Some(next) if w != next => format!("{w} {next}"),
            _ => w.to_string(),
        };
        unmodelled(t.line, &format!("{what} statements"))
    }

    /// Whether `t` ends the current statement: a semicolon or the start of the next one.
    fn ends_statement(&self, t: &Tok) -> bool {
        t.kind == Kind::Semi || t.word().is_some_and(|w| STARTERS.contains(&w.as_str()))
    }

    /// A SELECT runs to a semicolon or the next statement at parenthesis depth 0; a SELECT
    /// after UNION/EXCEPT/INTERSECT/ALL, and a WITH (table hint) or SET inside, belong to it.
    fn select(&mut self) -> Statement {
        let start = self.toks[self.pos].start;
        let mut end = self.toks[self.pos].end;
        self.pos += 1;
        let mut depth = 0usize;
        while let Some(t) = self.peek() {
            if depth == 0 && t.kind == Kind::Semi {
                break;
            }
            if depth == 0 {
                if let Some(w) = t.word() {
                    let prev = self.toks[self.pos - 1].word();
                    let continues = matches!(
                        prev.as_deref(),
                        Some("UNION" | "EXCEPT" | "INTERSECT" | "ALL")
                    ) || w == "WITH"
                        || self.toks[self.pos - 1].is_punct('(');
                    if STARTERS.contains(&w.as_str()) && !continues {
                        break;
                    }
                }
            }
            if t.is_punct('(') {
                depth += 1;
            } else if t.is_punct(')') {
                depth = depth.saturating_sub(1);
            }
            end = t.end;
            self.pos += 1;
        }
        Statement::Select(self.sql[start..end].to_string())
    }

    /// `TO DISK = 'x'` / `FROM DISK = 'x'`: one disk file (a stripe set is not modelled).
    fn disk(&mut self) -> SqlResult<String> {
        let line = self.line();
        if !self.eat_word("DISK") {
            return match self.peek().and_then(Tok::word) {
                Some(w) if matches!(w.as_str(), "URL" | "TAPE") => {
                    Err(unmodelled(line, &format!("backups to {w}")))
                }
                // `DISC = ...` is a misspelt DISK; a bare name is a logical device.
                Some(w)
                    if !reserved(&w)
                        && !w.starts_with('@')
                        && !self.toks.get(self.pos + 1).is_some_and(|t| t.is_punct('=')) =>
                {
                    Err(unmodelled(
                        line,
                        "logical backup devices (write DISK = N'file')",
                    ))
                }
                _ => Err(self.syntax()),
            };
        }
        self.expect_punct('=')?;
        let file = self.string()?;
        if self.peek_kind(&Kind::Punct(','))
            && self
                .toks
                .get(self.pos + 1)
                .is_some_and(|t| t.is_word("DISK"))
        {
            return Err(unmodelled(
                line,
                "striped backup sets (several DISK = files)",
            ));
        }
        Ok(file)
    }

    /// `WITH opt [= value] | MOVE 'a' TO 'b', ...`; none when there is no WITH.
    fn options(&mut self) -> SqlResult<Vec<(u32, Opt)>> {
        let mut out = Vec::new();
        if !self.eat_word("WITH") {
            return Ok(out);
        }
        loop {
            let t = self.next()?;
            let Some(w) = t.word() else {
                return Err(syntax_near(&t));
            };
            let opt = if w == "MOVE" {
                let from = self.string()?;
                self.expect_word("TO")?;
                Opt::Move(from, self.string()?)
            } else if self.eat_punct('=') {
                Opt::Value(w, self.value()?)
            } else {
                Opt::Flag(w)
            };
            out.push((t.line, opt));
            if !self.eat_punct(',') {
                return Ok(out);
            }
        }
    }

    fn backup(&mut self) -> SqlResult<Statement> {
        let line = self.line();
        let log = if self.eat_word("LOG") {
            true
        } else if self.eat_word("DATABASE") {
            false
        } else {
            return match self.peek().and_then(Tok::word) {
                Some(w)
                    if matches!(
                        w.as_str(),
                        "CERTIFICATE" | "MASTER" | "SERVICE" | "SYMMETRIC"
                    ) =>
                {
                    Err(unmodelled(line, &format!("BACKUP {w}")))
                }
                _ => Err(self.syntax()),
            };
        };
        let database = self.name()?;
        if !self.eat_word("TO") {
            return match self.peek().and_then(Tok::word) {
                Some(w) if matches!(w.as_str(), "FILE" | "FILEGROUP" | "READ_WRITE_FILEGROUPS") => {
                    Err(unmodelled(line, "file and filegroup backups"))
                }
                _ => Err(self.syntax()),
            };
        }
        let disk = self.disk()?;
        if self.peek_word("MIRROR") {
            return Err(unmodelled(line, "MIRROR TO backup media"));
        }
        let (mut init, mut copy_only, mut norecovery, mut no_truncate) =
            (false, false, false, false);
        for (l, opt) in self.options()? {
            match opt {
                // FORMAT writes a new media header: the file's earlier backup sets are gone,
                // which is what INIT means to the model.
                Opt::Flag(f) if f == "INIT" || f == "FORMAT" => init = true,
                Opt::Flag(f) if f == "NOINIT" || f == "NOFORMAT" => {}
                Opt::Flag(f) if f == "COPY_ONLY" => copy_only = true,
                Opt::Flag(f) if log && f == "NORECOVERY" => norecovery = true,
                Opt::Flag(f) if log && f == "NO_TRUNCATE" => no_truncate = true,
                Opt::Flag(f) if f == "DIFFERENTIAL" && !log => {
                    return Err(unmodelled(l, "differential backups"))
                }
                Opt::Value(f, _) if f == "STANDBY" && log => {
                    return Err(unmodelled(l, "BACKUP LOG WITH STANDBY"))
                }
                Opt::Flag(f) | Opt::Value(f, _) if f == "ENCRYPTION" => {
                    return Err(unmodelled(l, "encrypted backups"))
                }
                Opt::Flag(f) if IGNORED_BACKUP_FLAGS.contains(&f.as_str()) => {}
                Opt::Value(f, _) if IGNORED_BACKUP_VALUES.contains(&f.as_str()) => {}
                Opt::Flag(f) | Opt::Value(f, _) => return Err(not_an_option(l, &f, "BACKUP")),
                Opt::Move(..) => return Err(not_an_option(l, "MOVE", "BACKUP")),
            }
        }
        Ok(if log {
            Statement::BackupLog {
                database,
                disk,
                init,
                norecovery,
                no_truncate,
            }
        } else {
            Statement::BackupDatabase {
                database,
                disk,
                init,
                copy_only,
            }
        })
    }

    fn restore(&mut self) -> SqlResult<Statement> {
        let line = self.line();
        let log = if self.eat_word("LOG") {
            true
        } else if self.eat_word("DATABASE") {
            false
        } else {
            return match self.peek().and_then(Tok::word) {
                Some(w)
                    if matches!(
                        w.as_str(),
                        "HEADERONLY" | "FILELISTONLY" | "VERIFYONLY" | "LABELONLY" | "REWINDONLY"
                    ) =>
                {
                    Err(unmodelled(line, &format!("RESTORE {w}")))
                }
                _ => Err(self.syntax()),
            };
        };
        let database = self.name()?;
        let disk = if self.eat_word("FROM") {
            Some(self.disk()?)
        } else if self.peek().is_some_and(|t| {
            t.word().is_some_and(|w| {
                matches!(
                    w.as_str(),
                    "FILE" | "FILEGROUP" | "PAGE" | "READ_WRITE_FILEGROUPS"
                )
            })
        }) {
            return Err(unmodelled(line, "file, filegroup and page restores"));
        } else {
            None
        };
        let mut recovery: Option<(&'static str, Recovery)> = None;
        let (mut replace, mut moves) = (false, Vec::new());
        for (l, opt) in self.options()? {
            let said = match opt {
                Opt::Flag(f) if f == "RECOVERY" => Some(("RECOVERY", Recovery::Recovery)),
                Opt::Flag(f) if f == "NORECOVERY" => Some(("NORECOVERY", Recovery::NoRecovery)),
                Opt::Value(f, v) if f == "STANDBY" => match v {
                    Value::Text(file) => Some(("STANDBY", Recovery::Standby(file))),
                    _ => return Err(error(102, l, "Incorrect syntax near 'STANDBY'.".into())),
                },
                Opt::Flag(f) if f == "REPLACE" => {
                    replace = true;
                    None
                }
                Opt::Move(a, b) => {
                    moves.push((a, b));
                    None
                }
                Opt::Value(f, v) if f == "FILE" => {
                    if v != Value::Int(1) {
                        return Err(unmodelled(
                            l,
                            "backup files holding several backup sets (FILE = n above 1)",
                        ));
                    }
                    None
                }
                Opt::Flag(f) | Opt::Value(f, _)
                    if matches!(
                        f.as_str(),
                        "STOPAT" | "STOPATMARK" | "STOPBEFOREMARK" | "PARTIAL"
                    ) =>
                {
                    return Err(unmodelled(
                        l,
                        &format!("point-in-time and partial restores ({f})"),
                    ))
                }
                Opt::Flag(f) if IGNORED_RESTORE_FLAGS.contains(&f.as_str()) => None,
                Opt::Value(f, _) if IGNORED_RESTORE_VALUES.contains(&f.as_str()) => None,
                Opt::Flag(f) | Opt::Value(f, _) => return Err(not_an_option(l, &f, "RESTORE")),
            };
            if let Some((name, r)) = said {
                if let Some((before, _)) = &recovery {
                    if *before != name {
                        return Err(SqlMessage {
                            number: 3031,
                            state: 1,
                            class: 16,
                            text: format!(
                                "Option '{}' conflicts with option(s) '{}'. Remove the conflicting option and reissue the statement.",
                                name.to_ascii_lowercase(),
                                before.to_ascii_lowercase()
                            ),
                            procedure: String::new(),
                            line: l,
                        });
                    }
                }
                recovery = Some((name, r));
            }
        }
        let recovery = recovery.map_or(Recovery::Recovery, |(_, r)| r);
        Ok(match (log, disk) {
            (true, Some(disk)) => Statement::RestoreLog {
                database,
                disk,
                recovery,
            },
            // `RESTORE LOG db WITH RECOVERY` recovers like `RESTORE DATABASE db WITH RECOVERY`.
            (_, disk) => Statement::RestoreDatabase {
                database,
                disk,
                recovery,
                replace,
                moves,
            },
        })
    }

    fn exec(&mut self) -> SqlResult<Statement> {
        let line = self.line();
        match self.peek().map(|t| t.kind.clone()) {
            Some(Kind::Punct('(')) => Err(unmodelled(line, "EXEC of a string (dynamic SQL)")),
            Some(Kind::Word(w)) if w.starts_with('@') => Err(unmodelled(
                line,
                "EXEC @variable (name the procedure itself)",
            )),
            _ => self.call(),
        }
    }

    /// `[db.][schema.]proc [arg, ...]`: arguments positional, then `@name = value`.
    fn call(&mut self) -> SqlResult<Statement> {
        let mut procedure = self.part()?;
        while self.eat_punct('.') {
            if self.peek_kind(&Kind::Punct('.')) {
                continue; // master..sp_who: the schema left out
            }
            procedure = self.part()?;
        }
        let procedure = procedure.to_lowercase();
        let mut args: Vec<(Option<String>, Value)> = Vec::new();
        if !self.arg_starts() {
            if self.peek_word("WITH") {
                return Err(unmodelled(
                    self.line(),
                    "EXEC ... WITH RECOMPILE / RESULT SETS",
                ));
            }
            return Ok(Statement::Exec { procedure, args });
        }
        loop {
            let t = self.peek().cloned().ok_or_else(|| self.syntax())?;
            let named = matches!(&t.kind, Kind::Word(w) if w.starts_with('@'))
                && self.toks.get(self.pos + 1).is_some_and(|n| n.is_punct('='));
            if named {
                self.pos += 2;
                let value = self.value()?;
                args.push((Some(t.near()), value));
            } else {
                if args.iter().any(|(n, _)| n.is_some()) {
                    return Err(error(
                        119,
                        t.line,
                        format!("Must pass parameter number {} and subsequent parameters as '@name = value'. After the form '@name = value' has been used, all subsequent parameters must be passed in the form '@name = value'.", args.len() + 1),
                    ));
                }
                args.push((None, self.value()?));
            }
            if self.eat_word("OUTPUT") || self.eat_word("OUT") {
                return Err(unmodelled(t.line, "OUTPUT parameters"));
            }
            if !self.eat_punct(',') {
                return Ok(Statement::Exec { procedure, args });
            }
        }
    }

    fn part(&mut self) -> SqlResult<String> {
        let t = self.next()?;
        match t.kind {
            Kind::Quoted(n) => Ok(n),
            Kind::Word(w) if !w.starts_with('@') && !reserved(&w) => Ok(w),
            _ => Err(syntax_near(&t)),
        }
    }

    /// Whether the next token can start a procedure argument.
    fn arg_starts(&self) -> bool {
        match self.peek().map(|t| &t.kind) {
            Some(Kind::Str { .. } | Kind::Number(_) | Kind::Quoted(_) | Kind::Punct('-')) => true,
            Some(Kind::Word(w)) => {
                !reserved(w) || w.eq_ignore_ascii_case("NULL") || w.eq_ignore_ascii_case("DEFAULT")
            }
            _ => false,
        }
    }

    fn alter(&mut self) -> SqlResult<Statement> {
        let t = self.toks[self.pos - 1].clone();
        if !self.eat_word("DATABASE") {
            return Err(self.unmodelled_here(&t, "ALTER"));
        }
        let database = self.name()?;
        let line = self.line();
        if !self.eat_word("SET") {
            return Err(match self.peek().and_then(Tok::word) {
                Some(w) if !reserved(&w) || w == "ADD" || w == "MODIFY" => {
                    unmodelled(line, &format!("ALTER DATABASE ... {w}"))
                }
                _ => self.syntax(),
            });
        }
        if self.eat_word("PARTNER") {
            let partner = if self.eat_punct('=') {
                Partner::Server(self.string()?)
            } else {
                let t = self.next()?;
                match t.word().as_deref() {
                    Some("OFF") => Partner::Off,
                    Some("FAILOVER") => Partner::Failover,
                    Some("FORCE_SERVICE_ALLOW_DATA_LOSS") => Partner::ForceServiceAllowDataLoss,
                    Some("SUSPEND") => Partner::Suspend,
                    Some("RESUME") => Partner::Resume,
                    Some(w @ ("SAFETY" | "TIMEOUT")) => {
                        return Err(unmodelled(t.line, &format!("SET PARTNER {w}")))
                    }
                    _ => return Err(syntax_near(&t)),
                }
            };
            return Ok(Statement::AlterDatabasePartner { database, partner });
        }
        if self.eat_word("WITNESS") {
            if self.eat_punct('=') {
                return Ok(Statement::AlterDatabaseWitness {
                    database,
                    off: false,
                    server: Some(self.string()?),
                });
            }
            self.expect_word("OFF")?;
            return Ok(Statement::AlterDatabaseWitness {
                database,
                off: true,
                server: None,
            });
        }
        match self.peek().and_then(Tok::word) {
            Some(w) => Err(unmodelled(line, &format!("ALTER DATABASE ... SET {w}"))),
            None => Err(self.syntax()),
        }
    }

    /// `SET NOCOUNT ON`, `SET TRANSACTION ISOLATION LEVEL ...`, `SET LOCK_TIMEOUT -1`...:
    /// the session options clients (SSMS) send at connect. They change nothing the model
    /// keeps, so they yield no statement; `SET @variable` is refused.
    fn set_option(&mut self) -> SqlResult<()> {
        let t = self.next()?;
        match t.word() {
            Some(w) if w.starts_with('@') => return Err(unmodelled(t.line, "variables (SET @x)")),
            Some(w) if !reserved(&w) || w == "TRANSACTION" => {}
            _ => return Err(syntax_near(&t)),
        }
        while let Some(t) = self.peek() {
            if self.ends_statement(t) {
                break;
            }
            match &t.kind {
                Kind::Word(_) | Kind::Number(_) | Kind::Punct('-' | ',') | Kind::Str { .. } => {
                    self.pos += 1
                }
                _ => return Err(syntax_near(t)),
            }
        }
        Ok(())
    }

    fn kill(&mut self) -> SqlResult<Statement> {
        let t = self.next()?;
        let spid = match &t.kind {
            Kind::Number(n) => n.parse::<u16>().ok(),
            Kind::Str { .. } => {
                return Err(unmodelled(
                    t.line,
                    "KILL of a distributed transaction (UOW)",
                ))
            }
            _ => return Err(syntax_near(&t)),
        };
        // A session id is a smallint: 1 to 32767.
        let Some(spid) = spid.filter(|s| (1..=32767).contains(s)) else {
            return Err(SqlMessage {
                number: 6101,
                state: 1,
                class: 16,
                text: format!(
                    "Process ID {} is not a valid process ID. Choose a number between 1 and 32767.",
                    t.near()
                ),
                procedure: String::new(),
                line: t.line,
            });
        };
        if self.peek_word("WITH") {
            return Err(unmodelled(t.line, "KILL ... WITH STATUSONLY"));
        }
        Ok(Statement::Kill { spid })
    }
}

/// Msg 155, "'x' is not a recognized BACKUP option." (class 15).
fn not_an_option(line: u32, opt: &str, what: &str) -> SqlMessage {
    error(
        155,
        line,
        format!("'{opt}' is not a recognized {what} option."),
    )
}

/// BACKUP options that change nothing the model keeps (progress, checksums, media labels,
/// compression, buffer sizes).
const IGNORED_BACKUP_FLAGS: &[&str] = &[
    "CHECKSUM",
    "NO_CHECKSUM",
    "COMPRESSION",
    "NO_COMPRESSION",
    "CONTINUE_AFTER_ERROR",
    "STOP_ON_ERROR",
    "SKIP",
    "NOSKIP",
    "STATS",
    "UNLOAD",
    "NOUNLOAD",
    "REWIND",
    "NOREWIND",
];
const IGNORED_BACKUP_VALUES: &[&str] = &[
    "STATS",
    "NAME",
    "DESCRIPTION",
    "MEDIANAME",
    "MEDIADESCRIPTION",
    "BUFFERCOUNT",
    "MAXTRANSFERSIZE",
    "BLOCKSIZE",
    "RETAINDAYS",
    "EXPIREDATE",
];
const IGNORED_RESTORE_FLAGS: &[&str] = &[
    "CHECKSUM",
    "NO_CHECKSUM",
    "CONTINUE_AFTER_ERROR",
    "STOP_ON_ERROR",
    "STATS",
    "UNLOAD",
    "NOUNLOAD",
    "REWIND",
    "NOREWIND",
    "RESTART",
    "KEEP_REPLICATION",
    "KEEP_CDC",
    "ENABLE_BROKER",
    "ERROR_BROKER_CONVERSATIONS",
    "NEW_BROKER",
    "RESTRICTED_USER",
];
const IGNORED_RESTORE_VALUES: &[&str] = &[
    "STATS",
    "BUFFERCOUNT",
    "MAXTRANSFERSIZE",
    "BLOCKSIZE",
    "MEDIANAME",
    "PASSWORD",
    "MEDIAPASSWORD",
];
