//! Every value that reaches generated T-SQL goes through here: identifiers in `[...]`,
//! strings as `N'...'`, GUIDs and LSNs validated for their kind, and comments that never
//! carry raw input. One module, so `drill history plan --tsql` and `drill replay`'s script
//! cannot quote differently.
//!
//! T-SQL's rules (docs/t-sql/functions/quotename-transact-sql.md,
//! docs/t-sql/data-types/constants-transact-sql.md): inside `[...]` a `]` is written `]]`;
//! inside `N'...'` a `'` is written `''`; a `--` comment runs to the end of the line.
//! Line breaks are refused in names and strings even though T-SQL would keep them inside
//! the quotes: the script is meant to be pasted into sqlcmd or SSMS, whose batch splitter
//! works on lines (`GO`), and a file name or database name never needs one.

use std::fmt;

/// A value that cannot be written into T-SQL safely, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsafe {
    /// What the value is ("database name", "physical_device_name", ...).
    pub what: String,
    /// The value, escaped for a message (`{:?}`).
    pub value: String,
    pub why: &'static str,
}

impl fmt::Display for Unsafe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot write the {} {} into T-SQL: {}",
            self.what, self.value, self.why
        )
    }
}

impl std::error::Error for Unsafe {}

/// SQL Server's `sysname` is nvarchar(128): QUOTENAME returns NULL beyond 128 characters.
pub const MAX_IDENT_CHARS: usize = 128;

/// Characters that end or break a line somewhere (sqlcmd, SSMS, an editor): C0 and C1
/// controls, DEL, and the Unicode line and paragraph separators.
fn breaks_lines(c: char) -> bool {
    c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

fn unsafe_value(what: &str, value: &str, why: &'static str) -> Unsafe {
    let mut shown: String = value.chars().take(80).collect();
    if value.chars().count() > 80 {
        shown.push_str("...");
    }
    Unsafe {
        what: what.to_string(),
        value: format!("{shown:?}"),
        why,
    }
}

/// `[name]` with `]` doubled, as QUOTENAME does; refuses what SQL Server or a paste would
/// not keep (empty, over 128 characters, control characters or line breaks).
pub fn ident(what: &str, name: &str) -> Result<String, Unsafe> {
    if name.is_empty() {
        return Err(unsafe_value(what, name, "a name cannot be empty"));
    }
    if name.chars().count() > MAX_IDENT_CHARS {
        return Err(unsafe_value(
            what,
            name,
            "a name is at most 128 characters (sysname)",
        ));
    }
    if name.chars().any(breaks_lines) {
        return Err(unsafe_value(
            what,
            name,
            "it contains a line break or control character",
        ));
    }
    Ok(bracket(name))
}

/// `[name]` for names the program made itself (never user input): `]` doubled, and any
/// control character replaced by `?` so that even a bug cannot break the line.
pub fn bracket(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('[');
    for c in name.chars() {
        match c {
            ']' => out.push_str("]]"),
            c if breaks_lines(c) => out.push('?'),
            c => out.push(c),
        }
    }
    out.push(']');
    out
}

/// `N'text'` with `'` doubled; refuses control characters and line breaks.
pub fn string(what: &str, s: &str) -> Result<String, Unsafe> {
    if s.chars().any(breaks_lines) {
        return Err(unsafe_value(
            what,
            s,
            "it contains a line break or control character",
        ));
    }
    Ok(nstring(s))
}

/// `N'text'` for text the program made itself: `'` doubled, control characters as `?`.
pub fn nstring(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 3);
    out.push_str("N'");
    for c in s.chars() {
        match c {
            '\'' => out.push_str("''"),
            c if breaks_lines(c) => out.push('?'),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A GUID (`uniqueidentifier`) in its canonical form, lower case, or `None` if `s` is not
/// one: 8-4-4-4-12 hex digits, optionally in braces.
pub fn guid(s: &str) -> Option<String> {
    let t = s.trim();
    let t = t
        .strip_prefix('{')
        .and_then(|x| x.strip_suffix('}'))
        .unwrap_or(t);
    let groups: Vec<&str> = t.split('-').collect();
    let shape = [8, 4, 4, 4, 12];
    let ok = groups.len() == 5
        && groups
            .iter()
            .zip(shape)
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()));
    ok.then(|| t.to_ascii_lowercase())
}

/// One `--` comment line. Comments never carry raw input: anything outside printable
/// ASCII becomes `?`, and so do `*` (no `/*` or `*/` to confuse a batch splitter) and `$`
/// (sqlcmd substitutes `$(name)` even in comments).
pub fn comment(text: &str) -> String {
    if text.is_empty() {
        "--".into()
    } else {
        format!("-- {}", comment_text(text))
    }
}

/// The text of a comment, for a caller that writes the `--` itself: printable ASCII only,
/// `*` and `$` as `?` (see [`comment`]).
pub fn comment_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '*' | '$' => '?',
            ' '..='~' => c,
            _ => '?',
        })
        .collect()
}

#[cfg(test)]
pub mod lex;

#[cfg(test)]
mod tests {
    use super::lex::{lex, statements, Tok};
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quoting_follows_quotename_and_string_constant_rules() {
        assert_eq!(ident("database name", "a]b, c ").unwrap(), "[a]]b, c ]");
        assert_eq!(string("path", "C:\\o'k.bak").unwrap(), "N'C:\\o''k.bak'");
        assert!(ident("database name", "").is_err());
        assert!(ident("database name", &"x".repeat(129)).is_err());
        assert!(ident("database name", &"x".repeat(128)).is_ok());
        let e = string("physical_device_name", "a\nDROP DATABASE master; --").unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot write the physical_device_name \"a\\nDROP DATABASE master; --\" into T-SQL: it contains a line break or control character"
        );
        assert_eq!(bracket("a\r\nb]"), "[a??b]]]");
        assert_eq!(nstring("it's\n"), "N'it''s?'");
    }

    #[test]
    fn guids_are_validated_and_made_canonical() {
        assert_eq!(
            guid("{1E2FEB89-414C-343C-1027-C4D1C386BBC4}").as_deref(),
            Some("1e2feb89-414c-343c-1027-c4d1c386bbc4")
        );
        for bad in [
            "",
            "u1",
            "1e2feb89-414c-343c-1027-c4d1c386bbc4\nDROP DATABASE master; --",
            "1e2feb89-414c-343c-1027-c4d1c386bbcg",
            "1e2feb89414c343c1027c4d1c386bbc4",
        ] {
            assert_eq!(guid(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn comments_carry_no_line_break_and_no_block_comment() {
        assert_eq!(
            comment("evil\nDROP DATABASE master;--.csv"),
            "-- evil?DROP DATABASE master;--.csv"
        );
        assert_eq!(comment("a */ b /* $(x) é"), "-- a ?/ b /? ?(x) ?");
        let toks = lex(&comment("x\u{2028}DROP TABLE t;")).unwrap();
        assert!(matches!(toks.as_slice(), [Tok::Comment(_)]), "{toks:?}");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Whatever the input, a quoted identifier or string is one token that decodes back
        /// to the input, and nothing after it is a statement.
        #[test]
        fn quoted_values_lex_back_to_themselves(s in any::<String>()) {
            if let Ok(q) = ident("name", &s) {
                let sql = format!("SELECT {q};");
                let toks = lex(&sql).unwrap();
                prop_assert_eq!(&toks[1], &Tok::Bracket(s.clone()));
                prop_assert_eq!(statements(&toks).len(), 1);
            } else {
                prop_assert!(s.is_empty() || s.chars().count() > 128 || s.chars().any(breaks_lines));
            }
            if let Ok(q) = string("text", &s) {
                let sql = format!("SELECT {q};");
                let toks = lex(&sql).unwrap();
                prop_assert_eq!(&toks[1], &Tok::NString(s.clone()));
                prop_assert_eq!(statements(&toks).len(), 1);
            }
            let toks = lex(&format!("{}\nSELECT 1;", comment(&s))).unwrap();
            prop_assert_eq!(statements(&toks).len(), 1);
            prop_assert!(matches!(toks[0], Tok::Comment(_)));
            let b = lex(&format!("SELECT {}, {};", bracket(&s), nstring(&s))).unwrap();
            prop_assert_eq!(statements(&b).len(), 1);
        }
    }
}
