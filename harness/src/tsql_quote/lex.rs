//! A T-SQL tokenizer for tests: enough of the language to tell where literals, quoted
//! identifiers, comments and statements begin and end, so a test can parse generated
//! T-SQL back and count its statements.
//!
//! Hand-written, not `sqlparser`: sqlparser's MsSqlDialect has no BACKUP or RESTORE
//! statement, and the question here is lexical anyway (does a value escape its quotes?).
//! Rules (docs/t-sql/language-elements/comment-transact-sql.md, slash-star-comment-transact-sql.md,
//! docs/t-sql/data-types/constants-transact-sql.md, docs/relational-databases/databases/database-identifiers.md):
//! `--` runs to the end of the line; `/* */` nests; `'...'` and `N'...'` double `'`;
//! `[...]` doubles `]`; `"..."` doubles `"`.

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    /// A keyword or plain identifier, upper-cased.
    Word(String),
    /// `'...'`, decoded.
    String(String),
    /// `N'...'`, decoded.
    NString(String),
    /// `[...]` or `"..."`, decoded.
    Bracket(String),
    Number(String),
    Comment(String),
    Semi,
    Punct(char),
}

pub fn lex(sql: &str) -> Result<Vec<Tok>, String> {
    let c: Vec<char> = sql.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    // Read a quoted run ending at `close`, where `close` twice is one `close`.
    let quoted = |i: &mut usize, close: char| -> Result<String, String> {
        let start = *i;
        let mut v = String::new();
        loop {
            match c.get(*i) {
                None => return Err(format!("unterminated {close} quote from char {start}")),
                Some(&ch) if ch == close => {
                    if c.get(*i + 1) == Some(&close) {
                        v.push(close);
                        *i += 2;
                    } else {
                        *i += 1;
                        return Ok(v);
                    }
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
            let start = i + 2;
            while i < c.len() && c[i] != '\n' && c[i] != '\r' {
                i += 1;
            }
            out.push(Tok::Comment(c[start..i].iter().collect()));
        } else if ch == '/' && next == Some('*') {
            let start = i;
            let mut depth = 0usize;
            loop {
                match (c.get(i), c.get(i + 1)) {
                    (Some('/'), Some('*')) => {
                        depth += 1;
                        i += 2;
                    }
                    (Some('*'), Some('/')) => {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    }
                    (Some(_), _) => i += 1,
                    (None, _) => return Err(format!("unterminated /* comment from char {start}")),
                }
            }
            out.push(Tok::Comment(c[start..i].iter().collect()));
        } else if (ch == 'N' || ch == 'n') && next == Some('\'') {
            i += 2;
            out.push(Tok::NString(quoted(&mut i, '\'')?));
        } else if ch == '\'' {
            i += 1;
            out.push(Tok::String(quoted(&mut i, '\'')?));
        } else if ch == '[' {
            i += 1;
            out.push(Tok::Bracket(quoted(&mut i, ']')?));
        } else if ch == '"' {
            i += 1;
            out.push(Tok::Bracket(quoted(&mut i, '"')?));
        } else if ch.is_alphabetic() || ch == '_' || ch == '@' || ch == '#' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || matches!(c[i], '_' | '@' | '#' | '$')) {
                i += 1;
            }
            out.push(Tok::Word(
                c[start..i].iter().collect::<String>().to_uppercase(),
            ));
        } else if ch.is_ascii_digit() {
            let start = i;
            while i < c.len() && (c[i].is_ascii_digit() || c[i] == '.') {
                i += 1;
            }
            out.push(Tok::Number(c[start..i].iter().collect()));
        } else if ch == ';' {
            out.push(Tok::Semi);
            i += 1;
        } else {
            out.push(Tok::Punct(ch));
            i += 1;
        }
    }
    Ok(out)
}

/// The statements: the non-comment tokens between semicolons, empty ones dropped.
pub fn statements(toks: &[Tok]) -> Vec<Vec<Tok>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for t in toks {
        match t {
            Tok::Comment(_) => {}
            Tok::Semi => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            t => cur.push(t.clone()),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The token structure with values blanked: what a test compares against the intended
/// statements (`<ident>`, `<str>`, `<num>`; keywords and punctuation as they are).
pub fn shape(toks: &[Tok]) -> Vec<String> {
    toks.iter()
        .filter(|t| !matches!(t, Tok::Comment(_)))
        .map(|t| match t {
            Tok::Word(w) => w.clone(),
            Tok::String(_) | Tok::NString(_) => "<str>".into(),
            Tok::Bracket(_) => "<ident>".into(),
            Tok::Number(_) => "<num>".into(),
            Tok::Semi => ";".into(),
            Tok::Punct(p) => p.to_string(),
            Tok::Comment(_) => unreachable!(),
        })
        .collect()
}
