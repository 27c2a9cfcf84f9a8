//! The range's T-SQL front end: a batch as an operator types it (any case, whitespace,
//! comments, `[brackets]`, `N'...'`, optional semicolons, `GO` lines) into the statements
//! the model applies. SELECTs are kept as text for [`crate::range::select::run`], which
//! parses them with a real SQL parser; everything else is the small, fixed grammar of the
//! runbooks' statements, hand-written because sqlparser has no BACKUP/RESTORE/KILL.
//!
//! What the batch does not say right is refused before anything runs, as SQL Server
//! refuses a batch that does not compile: Msg 102 (syntax), 105 (unclosed quote), 113
//! (unclosed comment), 155 (an unknown BACKUP/RESTORE option), 119 (positional after named
//! argument), 3031 (conflicting restore options), and [`UNMODELLED`] for a valid-looking
//! statement the range does not model (docs/range.md, "What the range understands").

pub mod lex;
mod stmt;

use crate::range::reply::SqlMessage;
use crate::range::statement::{Located, SqlResult};

/// The message number of a statement the range does not model: the first user-defined
/// number (what RAISERROR uses without one), so no client mistakes it for a server error.
pub const UNMODELLED: i32 = 50000;

/// Msg 50000 (class 16): what the range runs instead, so an operator knows it is the range
/// speaking, not SQL Server.
pub fn unmodelled(line: u32, what: &str) -> SqlMessage {
    SqlMessage {
        number: UNMODELLED,
        state: 1,
        class: 16,
        text: format!(
            "The DR range does not model {what}. It runs BACKUP, RESTORE, ALTER DATABASE ... SET PARTNER/WITNESS, EXEC of sp_who/sp_who2 and the log-shipping procedures, KILL, USE, CREATE/DROP DATABASE and SELECT over its catalog views (see docs/range.md)."
        ),
        procedure: String::new(),
        line,
    }
}

/// Parse a batch. `GO` on a line of its own (what sqlcmd, tsql and SSMS strip before
/// sending) splits it; lines are counted from 1 in each part, as those clients report.
pub fn parse_batch(sql: &str) -> SqlResult<Vec<Located>> {
    let mut out = Vec::new();
    for part in split_go(sql)? {
        let toks = lex::lex(part, 1)?;
        out.extend(stmt::Parser::new(part, toks).batch()?);
    }
    Ok(out)
}

/// The parts of `sql` between `GO` lines (`GO` or `GO 1`, any case, optional `--`
/// comment). `GO n` repeats a batch in sqlcmd; the range refuses a count above 1 rather
/// than run a destructive batch n times by surprise.
fn split_go(sql: &str) -> SqlResult<Vec<&str>> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut pos = 0;
    for (n, line) in sql.split_inclusive('\n').enumerate() {
        let body = line.split("--").next().unwrap_or("").trim();
        let mut words = body.split_whitespace();
        if words.next().is_some_and(|w| w.eq_ignore_ascii_case("go")) {
            let count = words.next();
            if words.next().is_none() {
                match count {
                    None => {}
                    Some(c) if c.parse::<u32>() == Ok(1) => {}
                    Some(c) if c.parse::<u32>().is_ok() => {
                        return Err(unmodelled(
                            n as u32 + 1,
                            &format!("GO {c} (a repeated batch)"),
                        ))
                    }
                    // `go x`: not a separator; the parser answers it.
                    Some(_) => {
                        pos += line.len();
                        continue;
                    }
                }
                parts.push(&sql[start..pos]);
                pos += line.len();
                start = pos;
                continue;
            }
        }
        pos += line.len();
    }
    parts.push(&sql[start..]);
    Ok(parts)
}

#[cfg(test)]
mod tests;
