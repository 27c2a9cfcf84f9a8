//! SELECT over the range's catalog: parsed with sqlparser's MsSqlDialect, evaluated with SQL
//! Server's semantics over the tables a [`Catalog`] gives (sys.databases, msdb's history,
//! the log-shipping monitor...), so the harness's own probes (DATABASES_SQL, RESTORES_SQL,
//! LS_MONITOR_SQL, HISTORY_SQL) and an operator's ad-hoc queries answer as on a server.
//!
//! Errors carry `line` relative to the SELECT's own text (1 = its first line); the backend
//! adds the line the statement starts on in its batch.

mod eval;
mod value;

pub use crate::range::tsql::UNMODELLED;

use crate::range::reply::{Param, ResultSet, SqlMessage};
use crate::range::statement::{Catalog, SqlResult};
use crate::range::tsql::lex;
use sqlparser::ast::Query;
use sqlparser::dialect::MsSqlDialect;
use sqlparser::parser::{Parser, ParserError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// A SELECT longer than this many tokens is refused (Msg 191) before it is parsed: the
/// parser nests a long operator chain one level per operator.
const MAX_TOKENS: usize = 4000;

// The signature the backend was promised (statement.rs).
const _: crate::range::statement::SelectFn = run;

/// Parsed queries by their text: the harness's probes repeat a few texts, and parsing
/// (sqlparser, unoptimised in dev builds) costs far more than evaluating. Bounded: emptied
/// when full.
const CACHE_ENTRIES: usize = 256;

type Cache = Mutex<HashMap<String, Arc<Query>>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// Evaluate one SELECT statement.
pub fn run(sql: &str, catalog: &dyn Catalog, params: &[Param]) -> SqlResult<ResultSet> {
    let cached = cache()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(sql)
        .cloned();
    let query = match cached {
        Some(q) => q,
        None => {
            let q = Arc::new(parse(sql)?);
            let mut c = cache().lock().unwrap_or_else(|e| e.into_inner());
            if c.len() >= CACHE_ENTRIES {
                c.clear();
            }
            c.insert(sql.to_string(), q.clone());
            q
        }
    };
    eval::Eval::new(catalog, params).top(&query)
}

/// One query, or the message SQL Server would send.
fn parse(sql: &str) -> SqlResult<Query> {
    // Our own lexer first: its errors (105, 113) are SQL Server's, and it bounds the size.
    let toks = lex::lex(sql, 1)?;
    if toks.len() > MAX_TOKENS {
        return Err(too_deep());
    }
    let mut stmts = Parser::new(&MsSqlDialect {})
        .with_recursion_limit(48)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_statements())
        .map_err(|e| parse_error(&e, &toks))?;
    match (stmts.pop(), stmts.is_empty()) {
        (Some(sqlparser::ast::Statement::Query(q)), true) => Ok(*q),
        (Some(_), true) => Err(crate::range::tsql::unmodelled(
            1,
            "this statement as a query",
        )),
        _ => Err(crate::range::tsql::unmodelled(
            1,
            "several statements in one SELECT",
        )),
    }
}

/// Msg 191, SQL Server's answer to a query nested beyond its limits.
fn too_deep() -> SqlMessage {
    value::compile(
        191,
        "Some part of your SQL statement is nested too deeply. Rewrite the query or break it up into smaller queries.",
    )
}

/// sqlparser's "Expected: ..., found: X at Line: n, Column: m" as Msg 102 near X.
fn parse_error(e: &ParserError, toks: &[lex::Tok]) -> SqlMessage {
    let text = match e {
        ParserError::RecursionLimitExceeded => return too_deep(),
        ParserError::ParserError(s) | ParserError::TokenizerError(s) => s.as_str(),
    };
    let line = text
        .rsplit_once("Line: ")
        .and_then(|(_, rest)| rest.split(',').next())
        .and_then(|n| n.trim().parse::<u32>().ok())
        .unwrap_or(1);
    let found = text
        .split_once("found: ")
        .map(|(_, rest)| rest.split(" at Line: ").next().unwrap_or(rest).trim());
    match found {
        Some(f) if f != "EOF" => {
            let f = f
                .strip_prefix("N'")
                .or_else(|| f.strip_prefix('\''))
                .and_then(|x| x.strip_suffix('\''))
                .unwrap_or(f);
            lex::error(102, line, format!("Incorrect syntax near '{f}'."))
        }
        _ => match toks.last() {
            Some(t) => lex::syntax_near(t),
            None => lex::error(102, 1, "Incorrect syntax near ''.".into()),
        },
    }
}

#[cfg(test)]
mod tests;
