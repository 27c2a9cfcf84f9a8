//! The range's T-SQL tokenizer: like `tsql_quote::lex` (which stays a test-only proof that
//! generated T-SQL is one statement per intended statement) but with each token's line and
//! byte span, so errors say `Line n` and a SELECT can be handed on as the text typed.
//!
//! Rules (docs/t-sql/language-elements/comment-transact-sql.md,
//! slash-star-comment-transact-sql.md, docs/t-sql/data-types/constants-transact-sql.md,
//! docs/relational-databases/databases/database-identifiers.md): `--` runs to the end of
//! the line; `/* */` nests; `'...'` and `N'...'` double `'`; `[...]` doubles `]`; `"..."`
//! doubles `"` (QUOTED_IDENTIFIER ON, the default of every modern client).

use crate::range::reply::SqlMessage;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A keyword, plain identifier or `@variable`, as typed.
    Word(String),
    /// `'...'` (national: `N'...'`), decoded.
    Str {
        national: bool,
        value: String,
    },
    /// `[...]` or `"..."`, decoded.
    Quoted(String),
    Number(String),
    Semi,
    Punct(char),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tok {
    pub kind: Kind,
    /// 1-based line of the token's first character.
    pub line: u32,
    /// Byte span in the text lexed.
    pub start: usize,
    pub end: usize,
}

impl Tok {
    /// Upper-cased keyword text, when the token is a plain word.
    pub fn word(&self) -> Option<String> {
        match &self.kind {
            Kind::Word(w) => Some(w.to_ascii_uppercase()),
            _ => None,
        }
    }

    pub fn is_word(&self, kw: &str) -> bool {
        matches!(&self.kind, Kind::Word(w) if w.eq_ignore_ascii_case(kw))
    }

    pub fn is_punct(&self, c: char) -> bool {
        self.kind == Kind::Punct(c)
    }

    /// How SQL Server names the token in "Incorrect syntax near '...'": a literal's
    /// value, an identifier without its brackets, a keyword as typed.
    pub fn near(&self) -> String {
        match &self.kind {
            Kind::Word(w) | Kind::Quoted(w) | Kind::Number(w) => w.clone(),
            Kind::Str { value, .. } => value.clone(),
            Kind::Semi => ";".into(),
            Kind::Punct(c) => c.to_string(),
        }
    }
}

/// A parse-time error (class 15, state 1) as SQL Server sends it.
pub fn error(number: i32, line: u32, text: String) -> SqlMessage {
    SqlMessage {
        number,
        state: 1,
        class: 15,
        text,
        procedure: String::new(),
        line,
    }
}

/// Msg 102, "Incorrect syntax near '...'.", quoting as SQL Server does (`'` doubled).
pub fn syntax_near(tok: &Tok) -> SqlMessage {
    error(
        102,
        tok.line,
        format!(
            "Incorrect syntax near '{}'.",
            tok.near().replace('\'', "''")
        ),
    )
}

/// Tokens of `sql`, comments dropped; lines counted from `first_line`.
pub fn lex(sql: &str, first_line: u32) -> Result<Vec<Tok>, SqlMessage> {
    let b = sql.as_bytes();
    let mut i = 0;
    let mut line = first_line;
    let mut out = Vec::new();
    while i < b.len() {
        let ch = b[i];
        let next = b.get(i + 1).copied();
        let start = i;
        let tok_line = line;
        let kind = if ch == b'\n' {
            line += 1;
            i += 1;
            continue;
        } else if ch.is_ascii_whitespace() {
            i += 1;
            continue;
        } else if ch == b'-' && next == Some(b'-') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        } else if ch == b'/' && next == Some(b'*') {
            let mut depth = 0usize;
            loop {
                match (b.get(i), b.get(i + 1)) {
                    (Some(b'/'), Some(b'*')) => {
                        depth += 1;
                        i += 2;
                    }
                    (Some(b'*'), Some(b'/')) => {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    }
                    (Some(c), _) => {
                        if *c == b'\n' {
                            line += 1;
                        }
                        i += 1;
                    }
                    (None, _) => {
                        return Err(error(113, line, "Missing end comment mark '*/'.".into()))
                    }
                }
            }
            continue;
        } else if (ch == b'N' || ch == b'n') && next == Some(b'\'') {
            i += 2;
            Kind::Str {
                national: true,
                value: quoted(sql, &mut i, &mut line, b'\'')?,
            }
        } else if ch == b'\'' {
            i += 1;
            Kind::Str {
                national: false,
                value: quoted(sql, &mut i, &mut line, b'\'')?,
            }
        } else if ch == b'[' {
            i += 1;
            Kind::Quoted(quoted(sql, &mut i, &mut line, b']')?)
        } else if ch == b'"' {
            i += 1;
            Kind::Quoted(quoted(sql, &mut i, &mut line, b'"')?)
        } else if ch.is_ascii_digit() || (ch == b'.' && next.is_some_and(|c| c.is_ascii_digit())) {
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                i += 1;
            }
            Kind::Number(sql[start..i].to_string())
        } else if ch == b';' {
            i += 1;
            Kind::Semi
        } else if is_word_start(sql, i) {
            while i < b.len() && is_word_char(sql, i) {
                i += char_len(sql, i);
            }
            Kind::Word(sql[start..i].to_string())
        } else {
            let c = sql[i..].chars().next().unwrap_or('?');
            i += c.len_utf8();
            Kind::Punct(c)
        };
        out.push(Tok {
            kind,
            line: tok_line,
            start,
            end: i,
        });
    }
    Ok(out)
}

fn char_len(s: &str, i: usize) -> usize {
    s[i..].chars().next().map_or(1, char::len_utf8)
}

fn is_word_start(s: &str, i: usize) -> bool {
    s[i..]
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || matches!(c, '_' | '@' | '#'))
}

fn is_word_char(s: &str, i: usize) -> bool {
    s[i..]
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '@' | '#' | '$'))
}

/// A quoted run ending at `close`, where `close` twice is one `close`. SQL Server reports
/// an unclosed one as Msg 105 with the text read so far.
fn quoted(sql: &str, i: &mut usize, line: &mut u32, close: u8) -> Result<String, SqlMessage> {
    let b = sql.as_bytes();
    let from = *i;
    let mut v = String::new();
    let mut run = *i;
    loop {
        match b.get(*i) {
            None => {
                let shown: String = sql[from..].chars().take(120).collect();
                return Err(error(
                    105,
                    *line,
                    format!("Unclosed quotation mark after the character string '{shown}'."),
                ));
            }
            Some(&c) if c == close => {
                v.push_str(&sql[run..*i]);
                if b.get(*i + 1) == Some(&close) {
                    v.push(close as char);
                    *i += 2;
                    run = *i;
                } else {
                    *i += 1;
                    return Ok(v);
                }
            }
            Some(&c) => {
                if c == b'\n' {
                    *line += 1;
                }
                *i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<Kind> {
        lex(s, 1).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn literals_identifiers_and_comments_follow_t_sql() {
        assert_eq!(
            kinds("RESTORE [my]]db] FROM N'a''b' -- x\n/* a /* nested */ c */ 'é'"),
            vec![
                Kind::Word("RESTORE".into()),
                Kind::Quoted("my]db".into()),
                Kind::Word("FROM".into()),
                Kind::Str {
                    national: true,
                    value: "a'b".into()
                },
                Kind::Str {
                    national: false,
                    value: "é".into()
                },
            ]
        );
        let toks = lex("a\n/*\n*/ b\n'x\ny' c", 1).unwrap();
        assert_eq!(
            toks.iter().map(|t| t.line).collect::<Vec<_>>(),
            vec![1, 3, 4, 5]
        );
    }

    #[test]
    fn unclosed_quotes_and_comments_are_sql_server_errors() {
        let e = lex("SELECT 'it''s", 1).unwrap_err();
        assert_eq!(
            (e.number, e.text.as_str()),
            (
                105,
                "Unclosed quotation mark after the character string 'it''s'."
            )
        );
        assert_eq!(lex("/* /* */", 1).unwrap_err().number, 113);
        assert_eq!(lex("[abc", 1).unwrap_err().number, 105);
    }
}
