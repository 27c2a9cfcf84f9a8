//! Evaluation of a parsed query: FROM (one table, JOIN / LEFT JOIN ... ON, derived
//! tables), WHERE, the select list (with aggregates over the whole filtered set), ORDER BY
//! and TOP; expressions with SQL Server's three-valued logic; correlated scalar subqueries.

use super::value::{self, compile, fail, R};
use crate::range::reply::{Column, Param, ResultSet, SqlType, Value};
use crate::range::statement::Catalog;
use sqlparser::ast::{
    BinaryOperator as B, CastKind, CharacterLength, DataType, Distinct, ExactNumberInfo, Expr,
    FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr, Ident, InTarget, JoinConstraint,
    JoinOperator, ObjectName, OrderByKind, OrderBySort, Query, Select, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr, TableFactor, TopQuantity, UnaryOperator as U,
    Value as AstValue,
};
use std::cmp::Ordering;

/// Deepest expression nesting evaluated (SQL Server answers Msg 191 beyond its own).
mod expr;

const MAX_DEPTH: usize = 64;

fn unmodelled(what: &str) -> crate::range::reply::SqlMessage {
    fail(
        super::UNMODELLED,
        format!("The DR range does not model {what} in SELECT (see docs/range.md)."),
    )
}

/// One table of a FROM clause, its columns at `offset` in the joined row.
#[derive(Clone, Debug)]
struct Bound {
    /// Lower-case names the table can be qualified by (its alias, or its name and last part).
    names: Vec<String>,
    columns: Vec<Column>,
    offset: usize,
}

/// The tables of one query level and the row being looked at.
#[derive(Clone, Copy)]
struct Scope<'a> {
    tables: &'a [Bound],
    row: &'a [Value],
    /// The rows of the group when the select list aggregates (the whole filtered set
    /// without GROUP BY).
    group: Option<&'a [Vec<Value>]>,
    /// The GROUP BY expressions: inside a group they have one value, its first row's.
    keys: &'a [Expr],
}

pub struct Eval<'a> {
    catalog: &'a dyn Catalog,
    params: &'a [Param],
}

/// FROM's result: its tables and joined rows.
struct Rel {
    tables: Vec<Bound>,
    rows: Vec<Vec<Value>>,
}

fn lower(s: &str) -> String {
    s.to_lowercase()
}

fn ident_eq(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

/// Whether a table's lower-case name `n` is `qual` or ends with `.qual`.
fn names_table(n: &str, qual: &str) -> bool {
    n == qual
        || (n.len() > qual.len()
            && n.ends_with(qual)
            && n.as_bytes()[n.len() - qual.len() - 1] == b'.')
}

fn is_agg(name: &str) -> bool {
    matches!(
        name.to_ascii_uppercase().as_str(),
        "COUNT" | "COUNT_BIG" | "MIN" | "MAX" | "SUM"
    )
}

fn fn_name(n: &ObjectName) -> String {
    n.0.last()
        .and_then(|p| p.as_ident())
        .map(|i| i.value.clone())
        .unwrap_or_default()
}

/// Whether the expression aggregates at this query level (not inside a subquery).
fn has_agg(e: &Expr) -> bool {
    match e {
        Expr::Function(f) => {
            is_agg(&fn_name(&f.name))
                || match &f.args {
                    FunctionArguments::List(l) => l.args.iter().any(|a| match a {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) => has_agg(x),
                        _ => false,
                    }),
                    _ => false,
                }
        }
        Expr::BinaryOp { left, right, .. } => has_agg(left) || has_agg(right),
        Expr::UnaryOp { expr, .. }
        | Expr::Nested(expr)
        | Expr::IsNull(expr)
        | Expr::IsNotNull(expr)
        | Expr::Cast { expr, .. }
        | Expr::Convert { expr, .. } => has_agg(expr),
        Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            operand.as_deref().is_some_and(has_agg)
                || conditions
                    .iter()
                    .any(|c| has_agg(&c.condition) || has_agg(&c.result))
                || else_result.as_deref().is_some_and(has_agg)
        }
        _ => false,
    }
}

/// The table hints that only choose locks or isolation (docs/t-sql/queries/
/// hints-transact-sql-table.md). A range statement reads the model between two of its
/// steps, with nothing else writing meanwhile, so no hint of these changes what is read:
/// they are accepted and change nothing.
const LOCKING_HINTS: [&str; 16] = [
    "NOLOCK",
    "READUNCOMMITTED",
    "READCOMMITTED",
    "READCOMMITTEDLOCK",
    "REPEATABLEREAD",
    "SERIALIZABLE",
    "HOLDLOCK",
    "NOWAIT",
    "PAGLOCK",
    "ROWLOCK",
    "TABLOCK",
    "TABLOCKX",
    "UPDLOCK",
    "XLOCK",
    "READPAST",
    "SNAPSHOT",
];

/// The other single-word table hints: they steer a plan or a bulk load, not modelled.
const OTHER_HINTS: [&str; 8] = [
    "NOEXPAND",
    "FORCESEEK",
    "FORCESCAN",
    "KEEPIDENTITY",
    "KEEPDEFAULTS",
    "IGNORE_CONSTRAINTS",
    "IGNORE_TRIGGERS",
    "SPATIAL_WINDOW_MAX_CELLS",
];

/// `WITH (hint, ...)` on a table: the locking hints, or Msg 321 for a word that is no hint
/// (its text as docs/relational-databases/errors-events/
/// database-engine-events-and-errors-0-to-999.md gives it); the others are not modelled.
fn hints(with: &[Expr]) -> R<()> {
    let is = |list: &[&str], w: &str| list.iter().any(|k| ident_eq(k, w));
    for h in with {
        match h {
            Expr::Identifier(i) if is(&LOCKING_HINTS, &i.value) => {}
            Expr::Identifier(i) if is(&OTHER_HINTS, &i.value) => {
                return Err(unmodelled(&format!(
                    "the table hint {}",
                    i.value.to_uppercase()
                )))
            }
            Expr::Identifier(i) => {
                return Err(compile(321, format!("{} is not a recognized table hints option. If it is intended as a parameter to a table-valued function or to the CHANGETABLE function, ensure that your database compatibility mode is set to 90.", i.value)))
            }
            _ => return Err(unmodelled("this table hint")),
        }
    }
    Ok(())
}

fn truth(v: Option<bool>) -> Value {
    match v {
        None => Value::Null,
        Some(b) => Value::Int(b as i64),
    }
}

/// A predicate's result: NULL is unknown.
fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Null => None,
        Value::Int(i) => Some(*i != 0),
        _ => Some(true),
    }
}

impl<'a> Eval<'a> {
    pub fn new(catalog: &'a dyn Catalog, params: &'a [Param]) -> Self {
        Eval { catalog, params }
    }

    pub fn top(&self, q: &Query) -> R<ResultSet> {
        self.query(q, &[])
    }

    fn query(&self, q: &Query, outer: &[Scope]) -> R<ResultSet> {
        if q.with.is_some() {
            return Err(unmodelled("WITH (common table expressions)"));
        }
        if q.limit_clause.is_some() || q.fetch.is_some() {
            return Err(unmodelled("OFFSET/FETCH"));
        }
        if q.for_clause.is_some() {
            return Err(unmodelled("FOR XML/JSON"));
        }
        let s = match q.body.as_ref() {
            SetExpr::Select(s) => s,
            SetExpr::Query(inner) if q.order_by.is_none() => return self.query(inner, outer),
            _ => return Err(unmodelled("UNION, EXCEPT and INTERSECT")),
        };
        self.select(s, q, outer)
    }

    fn select(&self, s: &Select, q: &Query, outer: &[Scope]) -> R<ResultSet> {
        let distinct = match &s.distinct {
            None | Some(Distinct::All) => false,
            Some(Distinct::Distinct) => true,
            Some(_) => return Err(unmodelled("DISTINCT ON")),
        };
        if s.into.is_some() {
            return Err(unmodelled("SELECT INTO"));
        }
        let keys: &[Expr] = match &s.group_by {
            GroupByExpr::Expressions(g, mods) if mods.is_empty() => g,
            _ => return Err(unmodelled("GROUP BY ALL, ROLLUP, CUBE and GROUPING SETS")),
        };
        let rel = self.from(s, outer)?;
        // WHERE
        let mut rows = Vec::with_capacity(rel.rows.len());
        for row in rel.rows {
            let keep = match &s.selection {
                None => true,
                Some(w) => {
                    let env = self.push(outer, &rel.tables, &row, None);
                    as_bool(&self.expr(w, &env, 0)?) == Some(true)
                }
            };
            if keep {
                rows.push(row);
            }
        }
        // The select list: its items expanded, each with its type.
        let items = self.items(s, &rel.tables)?;
        let width: usize = rel.tables.iter().map(|t| t.columns.len()).sum();
        let nulls = vec![Value::Null; width];
        let meta_env = self.push(outer, &rel.tables, &nulls, None);
        let mut columns = Vec::with_capacity(items.len());
        for (name, e) in &items {
            columns.push(Column {
                name: name.clone(),
                ty: self.ty(e, &meta_env, 0)?,
            });
        }
        let aggregate =
            items.iter().any(|(_, e)| has_agg(e)) || !keys.is_empty() || s.having.is_some();
        // Groups in the order their first rows come; without GROUP BY, one of everything.
        let mut groups: Vec<Vec<Vec<Value>>> = Vec::new();
        if aggregate {
            if keys.is_empty() {
                groups.push(std::mem::take(&mut rows));
            } else {
                let mut group_keys: Vec<Vec<Value>> = Vec::new();
                for row in std::mem::take(&mut rows) {
                    let env = self.push(outer, &rel.tables, &row, None);
                    let k = keys
                        .iter()
                        .map(|e| self.expr(e, &env, 0))
                        .collect::<R<Vec<_>>>()?;
                    let mut at = None;
                    for (i, g) in group_keys.iter().enumerate() {
                        let mut same = true;
                        for (a, b) in g.iter().zip(&k) {
                            same &= value::order(a, b)? == Ordering::Equal;
                        }
                        if same {
                            at = Some(i);
                            break;
                        }
                    }
                    match at {
                        Some(i) => groups[i].push(row),
                        None => {
                            group_keys.push(k);
                            groups.push(vec![row]);
                        }
                    }
                }
            }
        }
        // (output row, source row, group): ORDER BY may read any of them.
        let mut out: Vec<(Vec<Value>, Vec<Value>, Option<usize>)> = Vec::new();
        if aggregate {
            for (gi, g) in groups.iter().enumerate() {
                let first = g.first().unwrap_or(&nulls);
                let env = self.push_group(outer, &rel.tables, first, g, keys);
                if let Some(h) = &s.having {
                    if as_bool(&self.expr(h, &env, 0)?) != Some(true) {
                        continue;
                    }
                }
                let mut vals = Vec::with_capacity(items.len());
                for (_, e) in &items {
                    vals.push(self.expr(e, &env, 0)?);
                }
                out.push((vals, first.clone(), Some(gi)));
            }
        } else {
            for row in rows {
                let env = self.push(outer, &rel.tables, &row, None);
                let mut vals = Vec::with_capacity(items.len());
                for (_, e) in &items {
                    vals.push(self.expr(e, &env, 0)?);
                }
                out.push((vals, row, None));
            }
        }
        if let Some(ob) = &q.order_by {
            self.order(&mut out, ob, &columns, &rel.tables, outer, &groups, keys)?;
        }
        if distinct {
            // Rows equal under the collation are one row (NULLs equal each other here);
            // the first of each stays, so ORDER BY's order is kept.
            let mut kept: Vec<(Vec<Value>, Vec<Value>, Option<usize>)> =
                Vec::with_capacity(out.len());
            for row in out {
                let mut dup = false;
                for k in &kept {
                    let mut same = true;
                    for (a, b) in k.0.iter().zip(&row.0) {
                        if value::order(a, b)? != Ordering::Equal {
                            same = false;
                            break;
                        }
                    }
                    if same {
                        dup = true;
                        break;
                    }
                }
                if !dup {
                    kept.push(row);
                }
            }
            out = kept;
        }
        if let Some(top) = &s.top {
            if top.percent || top.with_ties {
                return Err(unmodelled("TOP ... PERCENT / WITH TIES"));
            }
            let n = match &top.quantity {
                Some(TopQuantity::Constant(n)) => *n as i64,
                Some(TopQuantity::Expr(e)) => match self.expr(e, outer, 0)? {
                    Value::Int(n) => n,
                    _ => -1,
                },
                None => -1,
            };
            if n < 0 {
                return Err(fail(
                    1014,
                    "A TOP or FETCH clause contains an invalid value.",
                ));
            }
            out.truncate(n as usize);
        }
        Ok(ResultSet {
            columns,
            rows: out.into_iter().map(|(v, _, _)| v).collect(),
        })
    }

    fn push<'s>(
        &self,
        outer: &[Scope<'s>],
        tables: &'s [Bound],
        row: &'s [Value],
        group: Option<&'s [Vec<Value>]>,
    ) -> Vec<Scope<'s>> {
        let mut env = outer.to_vec();
        env.push(Scope {
            tables,
            row,
            group,
            keys: &[],
        });
        env
    }

    fn push_group<'s>(
        &self,
        outer: &[Scope<'s>],
        tables: &'s [Bound],
        row: &'s [Value],
        group: &'s [Vec<Value>],
        keys: &'s [Expr],
    ) -> Vec<Scope<'s>> {
        let mut env = outer.to_vec();
        env.push(Scope {
            tables,
            row,
            group: Some(group),
            keys,
        });
        env
    }

    #[allow(clippy::too_many_arguments)]
    fn order(
        &self,
        out: &mut Vec<(Vec<Value>, Vec<Value>, Option<usize>)>,
        ob: &sqlparser::ast::OrderBy,
        columns: &[Column],
        tables: &[Bound],
        outer: &[Scope],
        groups: &[Vec<Vec<Value>>],
        group_keys: &[Expr],
    ) -> R<()> {
        let OrderByKind::Expressions(keys) = &ob.kind else {
            return Err(unmodelled("ORDER BY ALL"));
        };
        // Each key reads an output column (by position or alias) or the source row.
        enum Key<'k> {
            Out(usize),
            Src(&'k Expr),
        }
        let mut plan = Vec::new();
        for k in keys {
            let desc = matches!(k.options.sort, Some(OrderBySort::Desc));
            let key = match &k.expr {
                Expr::Value(v) => match &v.value {
                    AstValue::Number(n, _) => {
                        let i: usize = n.parse().unwrap_or(0);
                        if i == 0 || i > columns.len() {
                            return Err(compile(108, format!("The ORDER BY position number {n} is out of range of the number of items in the select list.")));
                        }
                        Key::Out(i - 1)
                    }
                    _ => Key::Src(&k.expr),
                },
                Expr::Identifier(id) => {
                    match columns.iter().position(|c| ident_eq(&c.name, &id.value)) {
                        Some(i)
                            if !tables.iter().any(|t| {
                                t.columns.iter().any(|c| ident_eq(&c.name, &id.value))
                            }) =>
                        {
                            Key::Out(i)
                        }
                        Some(i)
                            if columns
                                .iter()
                                .filter(|c| ident_eq(&c.name, &id.value))
                                .count()
                                == 1 =>
                        {
                            Key::Out(i)
                        }
                        _ => Key::Src(&k.expr),
                    }
                }
                _ => Key::Src(&k.expr),
            };
            plan.push((key, desc));
        }
        let mut keyed = Vec::with_capacity(out.len());
        for (vals, src, g) in out.drain(..) {
            let mut ks = Vec::with_capacity(plan.len());
            for (k, _) in &plan {
                ks.push(match k {
                    Key::Out(i) => vals[*i].clone(),
                    Key::Src(e) => {
                        let env = match g {
                            Some(g) => self.push_group(outer, tables, &src, &groups[g], group_keys),
                            None => self.push(outer, tables, &src, None),
                        };
                        self.expr(e, &env, 0)?
                    }
                });
            }
            keyed.push((ks, vals, src, g));
        }
        let mut err = None;
        keyed.sort_by(|a, b| {
            for (i, (_, desc)) in plan.iter().enumerate() {
                match value::order(&a.0[i], &b.0[i]) {
                    Ok(Ordering::Equal) => continue,
                    Ok(o) => return if *desc { o.reverse() } else { o },
                    Err(e) => {
                        err.get_or_insert(e);
                        return Ordering::Equal;
                    }
                }
            }
            Ordering::Equal
        });
        if let Some(e) = err {
            return Err(e);
        }
        out.extend(keyed.into_iter().map(|(_, v, s, g)| (v, s, g)));
        Ok(())
    }

    /// The select list with `*` and `t.*` expanded into column references.
    fn items(&self, s: &Select, tables: &[Bound]) -> R<Vec<(String, Expr)>> {
        let col = |t: &Bound, c: &Column| {
            let q = t.names.first().cloned().unwrap_or_default();
            (
                c.name.clone(),
                Expr::CompoundIdentifier(vec![Ident::new(q), Ident::new(c.name.clone())]),
            )
        };
        let mut out = Vec::new();
        for item in &s.projection {
            match item {
                SelectItem::UnnamedExpr(e) => {
                    let name = match e {
                        Expr::Identifier(i) if !i.value.starts_with('@') => {
                            self.column_name(std::slice::from_ref(i), tables)
                        }
                        Expr::CompoundIdentifier(p) => self.column_name(p, tables),
                        _ => String::new(),
                    };
                    out.push((name, e.clone()));
                }
                SelectItem::ExprWithAlias { expr, alias } => {
                    out.push((alias.value.clone(), expr.clone()))
                }
                SelectItem::Wildcard(_) => {
                    if tables.is_empty() {
                        return Err(compile(263, "Must specify table to select from."));
                    }
                    for t in tables {
                        for c in &t.columns {
                            out.push(col(t, c));
                        }
                    }
                }
                SelectItem::QualifiedWildcard(
                    SelectItemQualifiedWildcardKind::ObjectName(n),
                    _,
                ) => {
                    let q = lower(&n.to_string().replace(['[', ']'], ""));
                    let Some(t) = tables.iter().find(|t| t.names.contains(&q)) else {
                        return Err(fail(
                            4104,
                            format!("The multi-part identifier \"{n}\" could not be bound."),
                        ));
                    };
                    for c in &t.columns {
                        out.push(col(t, c));
                    }
                }
                _ => return Err(unmodelled("this select-list item")),
            }
        }
        Ok(out)
    }

    /// The catalog's spelling of a selected column (SQL Server names it as defined).
    fn column_name(&self, parts: &[Ident], tables: &[Bound]) -> String {
        let last = parts.last().map(|i| i.value.clone()).unwrap_or_default();
        tables
            .iter()
            .flat_map(|t| t.columns.iter())
            .find(|c| ident_eq(&c.name, &last))
            .map(|c| c.name.clone())
            .unwrap_or(last)
    }

    fn from(&self, s: &Select, outer: &[Scope]) -> R<Rel> {
        let mut rel = Rel {
            tables: Vec::new(),
            rows: vec![Vec::new()],
        };
        for (n, twj) in s.from.iter().enumerate() {
            // `FROM a, b` is a cross join.
            let _ = n;
            rel = self.join(rel, &twj.relation, None, false, outer)?;
            for j in &twj.joins {
                let (on, left) = match &j.join_operator {
                    JoinOperator::Join(c) | JoinOperator::Inner(c) => (c, false),
                    JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => (c, true),
                    JoinOperator::CrossJoin(c) => (c, false),
                    _ => return Err(unmodelled("RIGHT, FULL and APPLY joins")),
                };
                let on = match on {
                    JoinConstraint::On(e) => Some(e),
                    JoinConstraint::None => None,
                    _ => return Err(unmodelled("JOIN ... USING / NATURAL")),
                };
                rel = self.join(rel, &j.relation, on, left, outer)?;
            }
        }
        Ok(rel)
    }

    /// `left` joined with one more table (nested loops; the tables are small).
    fn join(
        &self,
        left: Rel,
        f: &TableFactor,
        on: Option<&Expr>,
        outer_join: bool,
        outer: &[Scope],
    ) -> R<Rel> {
        let offset: usize = left.tables.iter().map(|t| t.columns.len()).sum();
        let (bound, right_rows) = self.table(f, offset, outer)?;
        let names_clash = left.tables.iter().any(|t| {
            t.names
                .first()
                .is_some_and(|n| bound.names.first() == Some(n))
        });
        if names_clash {
            let n = bound.names.first().cloned().unwrap_or_default();
            return Err(compile(1013, format!("The objects \"{n}\" and \"{n}\" in the FROM clause have the same exposed names. Use correlation names to distinguish them.")));
        }
        let mut tables = left.tables;
        let width = bound.columns.len();
        tables.push(bound);
        let mut rows = Vec::new();
        for l in &left.rows {
            let mut matched = false;
            for r in &right_rows {
                let mut row = l.clone();
                row.extend(r.iter().cloned());
                let keep = match on {
                    None => true,
                    Some(e) => {
                        let env = self.push(outer, &tables, &row, None);
                        as_bool(&self.expr(e, &env, 0)?) == Some(true)
                    }
                };
                if keep {
                    matched = true;
                    rows.push(row);
                }
            }
            if outer_join && !matched {
                let mut row = l.clone();
                row.extend(std::iter::repeat_n(Value::Null, width));
                rows.push(row);
            }
        }
        Ok(Rel { tables, rows })
    }

    fn table(
        &self,
        f: &TableFactor,
        offset: usize,
        outer: &[Scope],
    ) -> R<(Bound, Vec<Vec<Value>>)> {
        match f {
            TableFactor::Table {
                name,
                alias,
                args,
                with_hints,
                ..
            } => {
                if args.is_some() {
                    return Err(unmodelled("table-valued functions"));
                }
                hints(with_hints)?;
                let parts: Vec<String> = name
                    .0
                    .iter()
                    .map(|p| p.as_ident().map(|i| i.value.clone()).unwrap_or_default())
                    .collect();
                let shown = parts.join(".");
                let rs = self
                    .lookup(&parts)
                    .ok_or_else(|| fail(208, format!("Invalid object name '{shown}'.")))?;
                let names = match alias {
                    Some(a) => vec![lower(&a.name.value)],
                    None => vec![
                        lower(parts.last().map(String::as_str).unwrap_or("")),
                        lower(&shown),
                    ],
                };
                Ok((
                    Bound {
                        names,
                        columns: rs.columns,
                        offset,
                    },
                    rs.rows,
                ))
            }
            TableFactor::Derived {
                subquery,
                alias,
                lateral: false,
                ..
            } => {
                let Some(a) = alias else {
                    return Err(compile(102, "Incorrect syntax near ')'."));
                };
                let rs = self.query(subquery, outer)?;
                if let Some(c) = rs.columns.iter().position(|c| c.name.is_empty()) {
                    return Err(compile(
                        8155,
                        format!(
                            "No column name was specified for column {} of '{}'.",
                            c + 1,
                            a.name.value
                        ),
                    ));
                }
                Ok((
                    Bound {
                        names: vec![lower(&a.name.value)],
                        columns: rs.columns,
                        offset,
                    },
                    rs.rows,
                ))
            }
            _ => Err(unmodelled("this kind of FROM item")),
        }
    }

    /// A table by name: `sys.x`, `msdb.dbo.x` (`msdb..x` too), or `master.sys.x`.
    fn lookup(&self, parts: &[String]) -> Option<ResultSet> {
        let p: Vec<String> = parts.iter().map(|s| lower(s)).collect();
        let key = match p.as_slice() {
            [t] => {
                return self
                    .catalog
                    .table(t)
                    .or_else(|| self.catalog.table(&format!("dbo.{t}")))
            }
            [s, t] => format!("{s}.{t}"),
            [d, s, t] => {
                let s = if s.is_empty() { "dbo" } else { s.as_str() };
                if d == "master" && s == "sys" {
                    if let Some(rs) = self.catalog.table(&format!("sys.{t}")) {
                        return Some(rs);
                    }
                }
                format!("{d}.{s}.{t}")
            }
            _ => return None,
        };
        self.catalog.table(&key)
    }

    /// Resolve a column reference, innermost scope first: (scope, index in row, column).
    fn resolve(&self, parts: &[Ident], env: &[Scope]) -> R<(usize, usize, SqlType)> {
        let shown: Vec<&str> = parts.iter().map(|i| i.value.as_str()).collect();
        let (qual, name) = match parts.split_last() {
            Some((n, q)) => (q, n.value.as_str()),
            None => return Err(unmodelled("this column reference")),
        };
        let qual = lower(
            &qual
                .iter()
                .map(|i| i.value.as_str())
                .collect::<Vec<_>>()
                .join("."),
        );
        let mut bound_any = qual.is_empty();
        for (si, scope) in env.iter().enumerate().rev() {
            let mut hits = Vec::new();
            for t in scope.tables {
                if !qual.is_empty() && !t.names.iter().any(|n| names_table(n, &qual)) {
                    continue;
                }
                bound_any = true;
                for (ci, c) in t.columns.iter().enumerate() {
                    if ident_eq(&c.name, name) {
                        hits.push((t.offset + ci, c.ty));
                    }
                }
            }
            match hits.len() {
                0 => continue,
                1 => {
                    let (i, c) = hits.remove(0);
                    return Ok((si, i, c));
                }
                _ => return Err(fail(209, format!("Ambiguous column name '{name}'."))),
            }
        }
        if !bound_any {
            return Err(fail(
                4104,
                format!(
                    "The multi-part identifier \"{}\" could not be bound.",
                    shown.join(".")
                ),
            ));
        }
        Err(fail(207, format!("Invalid column name '{name}'.")))
    }

    fn variable(&self, name: &str) -> R<Value> {
        if name.starts_with("@@") {
            return self.catalog.global(&lower(name)).ok_or_else(|| {
                compile(137, format!("Must declare the scalar variable \"{name}\"."))
            });
        }
        self.params
            .iter()
            .find(|p| {
                ident_eq(&p.name, name)
                    || ident_eq(p.name.trim_start_matches('@'), name.trim_start_matches('@'))
            })
            .map(|p| p.value.clone())
            .ok_or_else(|| compile(137, format!("Must declare the scalar variable \"{name}\".")))
    }

    fn column(&self, parts: &[Ident], env: &[Scope]) -> R<Value> {
        let (si, i, _) = self.resolve(parts, env)?;
        // In an aggregating select list, a column outside an aggregate has no one value.
        if env[si].group.is_some() {
            let shown: Vec<&str> = parts.iter().map(|p| p.value.as_str()).collect();
            return Err(fail(8120, format!("Column '{}' is invalid in the select list because it is not contained in either an aggregate function or the GROUP BY clause.", shown.join("."))));
        }
        Ok(env[si].row.get(i).cloned().unwrap_or(Value::Null))
    }
}
