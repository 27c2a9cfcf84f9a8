//! Expressions: values with SQL Server's three-valued logic, operators, the built-in
//! functions the range knows, aggregates over a group, and each expression's static type.

use super::*;

impl<'a> Eval<'a> {
    fn literal(&self, v: &AstValue) -> R<Value> {
        Ok(match v {
            AstValue::Number(n, _) => match n.parse::<i64>() {
                Ok(i) => Value::Int(i),
                Err(_) => return Err(unmodelled("decimal and float constants")),
            },
            AstValue::SingleQuotedString(s) | AstValue::NationalStringLiteral(s) => {
                Value::Text(s.clone())
            }
            AstValue::Null => Value::Null,
            _ => return Err(unmodelled("this kind of constant")),
        })
    }

    pub(super) fn expr(&self, e: &Expr, env: &[Scope], depth: usize) -> R<Value> {
        if depth > MAX_DEPTH {
            return Err(crate::range::select::too_deep());
        }
        let d = depth + 1;
        if let Some(scope) = env.last() {
            if let (Some(group), true) = (scope.group, scope.keys.contains(e)) {
                // A GROUP BY expression: one value per group, its first row's.
                let Some(first) = group.first() else {
                    return Ok(Value::Null);
                };
                let mut inner = env[..env.len() - 1].to_vec();
                inner.push(Scope {
                    tables: scope.tables,
                    row: first,
                    group: None,
                    keys: &[],
                });
                return self.expr(e, &inner, d);
            }
        }
        Ok(match e {
            Expr::Identifier(i) if i.value.starts_with('@') && i.quote_style.is_none() => {
                self.variable(&i.value)?
            }
            Expr::Identifier(i) => self.column(std::slice::from_ref(i), env)?,
            Expr::CompoundIdentifier(p) => self.column(p, env)?,
            Expr::Value(v) => self.literal(&v.value)?,
            Expr::Nested(x) => self.expr(x, env, d)?,
            Expr::IsNull(x) => Value::Int((self.expr(x, env, d)? == Value::Null) as i64),
            Expr::IsNotNull(x) => Value::Int((self.expr(x, env, d)? != Value::Null) as i64),
            Expr::UnaryOp { op, expr } => {
                let v = self.expr(expr, env, d)?;
                match op {
                    U::Not => truth(as_bool(&v).map(|b| !b)),
                    U::Minus => match v {
                        Value::Null => Value::Null,
                        Value::Int(i) => Value::Int(i.checked_neg().ok_or_else(|| fail(8115, "Arithmetic overflow error converting expression to data type bigint."))?),
                        Value::Numeric(n) => Value::Numeric(-n),
                        _ => return Err(fail(8117, "Operand data type nvarchar is invalid for minus operator.")),
                    },
                    U::Plus => v,
                    _ => return Err(unmodelled("this operator")),
                }
            }
            Expr::BinaryOp { left, op, right } => self.binary(left, op, right, env, d)?,
            Expr::In {
                expr,
                target,
                negated,
                ..
            } => {
                let v = self.expr(expr, env, d)?;
                let list: Vec<Value> = match target {
                    InTarget::List(l) => {
                        l.iter().map(|x| self.expr(x, env, d)).collect::<R<_>>()?
                    }
                    InTarget::Subquery(q) => {
                        let rs = self.query(q, env)?;
                        if rs.columns.len() != 1 {
                            return Err(compile(116, "Only one expression can be specified in the select list when the subquery is not introduced with EXISTS."));
                        }
                        rs.rows.into_iter().map(|mut r| r.remove(0)).collect()
                    }
                    _ => return Err(unmodelled("this IN form")),
                };
                let mut unknown = false;
                let mut hit = false;
                for x in &list {
                    match value::compare(&v, x)? {
                        Some(Ordering::Equal) => hit = true,
                        None => unknown = true,
                        _ => {}
                    }
                }
                let r = if hit {
                    Some(true)
                } else if unknown {
                    None
                } else {
                    Some(false)
                };
                truth(if *negated { r.map(|b| !b) } else { r })
            }
            Expr::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let v = self.expr(expr, env, d)?;
                let lo = value::compare(&v, &self.expr(low, env, d)?)?;
                let hi = value::compare(&v, &self.expr(high, env, d)?)?;
                let r = match (lo, hi) {
                    (Some(a), Some(b)) => Some(a != Ordering::Less && b != Ordering::Greater),
                    (Some(Ordering::Less), None) | (None, Some(Ordering::Greater)) => Some(false),
                    _ => None,
                };
                truth(if *negated { r.map(|b| !b) } else { r })
            }
            Expr::Like {
                negated,
                expr,
                pattern,
                escape_char,
                any: false,
            } => {
                if escape_char.is_some() {
                    return Err(unmodelled("LIKE ... ESCAPE"));
                }
                let v = self.text_of(expr, env, d)?;
                let p = self.text_of(pattern, env, d)?;
                match (v, p) {
                    (Some(v), Some(p)) => Value::Int((value::like(&v, &p) != *negated) as i64),
                    _ => Value::Null,
                }
            }
            Expr::Exists { subquery, negated } => {
                let rs = self.query(subquery, env)?;
                Value::Int((rs.rows.is_empty() == *negated) as i64)
            }
            Expr::Subquery(q) => {
                let rs = self.query(q, env)?;
                if rs.columns.len() != 1 {
                    return Err(compile(116, "Only one expression can be specified in the select list when the subquery is not introduced with EXISTS."));
                }
                match rs.rows.len() {
                    0 => Value::Null,
                    1 => rs.rows[0][0].clone(),
                    _ => return Err(fail(512, "Subquery returned more than 1 value. This is not permitted when the subquery follows =, !=, <, <= , >, >= or when the subquery is used as an expression.")),
                }
            }
            Expr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                let base = match operand {
                    Some(o) => Some(self.expr(o, env, d)?),
                    None => None,
                };
                for c in conditions {
                    let hit = match &base {
                        Some(b) => {
                            value::compare(b, &self.expr(&c.condition, env, d)?)?
                                == Some(Ordering::Equal)
                        }
                        None => as_bool(&self.expr(&c.condition, env, d)?) == Some(true),
                    };
                    if hit {
                        return self.expr(&c.result, env, d);
                    }
                }
                match else_result {
                    Some(x) => self.expr(x, env, d)?,
                    None => Value::Null,
                }
            }
            Expr::Cast {
                kind,
                expr,
                data_type,
                format: None,
                ..
            } => {
                if !matches!(kind, CastKind::Cast) {
                    return Err(unmodelled("TRY_CAST"));
                }
                let to = sql_type(data_type, 30)?;
                let from = self.ty(expr, env, d)?;
                value::convert(&self.expr(expr, env, d)?, from, to, 0)?
            }
            Expr::Convert {
                is_try: false,
                expr,
                data_type: Some(dt),
                charset: None,
                styles,
                ..
            } => {
                let to = sql_type(dt, 30)?;
                let from = self.ty(expr, env, d)?;
                let style = match styles.as_slice() {
                    [] => 0,
                    [s] => match self.expr(s, env, d)? {
                        Value::Int(i) => i,
                        _ => return Err(unmodelled("this CONVERT style")),
                    },
                    _ => return Err(unmodelled("this CONVERT form")),
                };
                value::convert(&self.expr(expr, env, d)?, from, to, style)?
            }
            Expr::Function(f) => self.function(f, env, d)?,
            _ => return Err(unmodelled("this expression")),
        })
    }

    /// An operand as text (LIKE, LOWER, UPPER convert to a character type first).
    fn text_of(&self, e: &Expr, env: &[Scope], d: usize) -> R<Option<String>> {
        let v = self.expr(e, env, d)?;
        value::to_text(&v, self.ty(e, env, d)?, 0)
    }

    fn binary(&self, l: &Expr, op: &B, r: &Expr, env: &[Scope], d: usize) -> R<Value> {
        match op {
            B::And | B::Or => {
                let a = as_bool(&self.expr(l, env, d)?);
                // Short-circuit as SQL Server may: FALSE AND x, TRUE OR x.
                if (matches!(op, B::And) && a == Some(false))
                    || (matches!(op, B::Or) && a == Some(true))
                {
                    return Ok(truth(a));
                }
                let b = as_bool(&self.expr(r, env, d)?);
                return Ok(truth(match (op, a, b) {
                    (B::And, Some(true), x) | (B::And, x, Some(true)) => x,
                    (B::And, _, Some(false)) => Some(false),
                    (B::Or, Some(false), x) | (B::Or, x, Some(false)) => x,
                    (B::Or, _, Some(true)) => Some(true),
                    _ => None,
                }));
            }
            _ => {}
        }
        let a = self.expr(l, env, d)?;
        let b = self.expr(r, env, d)?;
        let cmp = |want: fn(Ordering) -> bool| -> R<Value> {
            Ok(truth(value::compare(&a, &b)?.map(want)))
        };
        match op {
            B::Eq => cmp(|o| o == Ordering::Equal),
            B::NotEq => cmp(|o| o != Ordering::Equal),
            B::Lt => cmp(|o| o == Ordering::Less),
            B::LtEq => cmp(|o| o != Ordering::Greater),
            B::Gt => cmp(|o| o == Ordering::Greater),
            B::GtEq => cmp(|o| o != Ordering::Less),
            B::Plus | B::Minus | B::Multiply | B::Divide | B::Modulo => arith(op, a, b),
            B::StringConcat => match (a, b) {
                (Value::Text(x), Value::Text(y)) => Ok(Value::Text(x + &y)),
                _ => Ok(Value::Null),
            },
            _ => Err(unmodelled("this operator")),
        }
    }

    fn args<'f>(&self, f: &'f sqlparser::ast::Function) -> R<Vec<&'f FunctionArgExpr>> {
        match &f.args {
            FunctionArguments::None => Ok(vec![]),
            FunctionArguments::List(l) => {
                if l.duplicate_treatment.is_some() || !l.clauses.is_empty() {
                    return Err(unmodelled("DISTINCT and clauses in function arguments"));
                }
                l.args
                    .iter()
                    .map(|a| match a {
                        FunctionArg::Unnamed(x) => Ok(x),
                        _ => Err(unmodelled("named function arguments")),
                    })
                    .collect()
            }
            FunctionArguments::Subquery(_) => Err(unmodelled("this function form")),
        }
    }

    fn function(&self, f: &sqlparser::ast::Function, env: &[Scope], d: usize) -> R<Value> {
        if f.over.is_some() || f.filter.is_some() || !f.within_group.is_empty() {
            return Err(unmodelled("window and filtered functions"));
        }
        let name = fn_name(&f.name).to_ascii_uppercase();
        let args = self.args(f)?;
        let exprs: Vec<&Expr> = args
            .iter()
            .filter_map(|a| match a {
                FunctionArgExpr::Expr(e) => Some(e),
                _ => None,
            })
            .collect();
        let arity = |n: usize| -> R<()> {
            if exprs.len() == n && args.len() == n {
                Ok(())
            } else {
                Err(compile(
                    174,
                    format!(
                        "The {} function requires {n} argument(s).",
                        name.to_lowercase()
                    ),
                ))
            }
        };
        if is_agg(&name) {
            return self.aggregate(&name, &args, env, d);
        }
        Ok(match name.as_str() {
            "LOWER" | "UPPER" => {
                arity(1)?;
                match self.text_of(exprs[0], env, d)? {
                    None => Value::Null,
                    Some(s) if name == "LOWER" => Value::Text(s.to_lowercase()),
                    Some(s) => Value::Text(s.to_uppercase()),
                }
            }
            "LEN" => {
                arity(1)?;
                match self.text_of(exprs[0], env, d)? {
                    None => Value::Null,
                    Some(s) => Value::Int(s.trim_end_matches(' ').chars().count() as i64),
                }
            }
            "ISNULL" => {
                arity(2)?;
                match self.expr(exprs[0], env, d)? {
                    // A bare NULL has no type of its own: the replacement's is taken.
                    Value::Null if is_null_literal(exprs[0]) => self.expr(exprs[1], env, d)?,
                    Value::Null => {
                        let to = self.ty(exprs[0], env, d)?;
                        let from = self.ty(exprs[1], env, d)?;
                        value::convert(&self.expr(exprs[1], env, d)?, from, to, 0)?
                    }
                    v => v,
                }
            }
            "COALESCE" => {
                if exprs.len() < 2 {
                    return Err(compile(
                        189,
                        "The coalesce function requires 2 to 254 arguments.",
                    ));
                }
                for e in &exprs {
                    let v = self.expr(e, env, d)?;
                    if v != Value::Null {
                        return Ok(v);
                    }
                }
                Value::Null
            }
            "DB_NAME" if exprs.is_empty() => self.global("db_name()")?,
            "DB_NAME" => {
                arity(1)?;
                let id = self.expr(exprs[0], env, d)?;
                self.find_db("database_id", &id, "name")?
            }
            "DB_ID" if exprs.is_empty() => self.global("db_id()")?,
            "DB_ID" => {
                arity(1)?;
                let name = self.expr(exprs[0], env, d)?;
                self.find_db("name", &name, "database_id")?
            }
            "SERVERPROPERTY" => {
                arity(1)?;
                match self.text_of(exprs[0], env, d)? {
                    // An unknown property is NULL on SQL Server too.
                    Some(p) => self
                        .catalog
                        .global(&format!("serverproperty('{}')", p.to_lowercase()))
                        .unwrap_or(Value::Null),
                    None => Value::Null,
                }
            }
            // docs/t-sql/functions/sessionproperty-transact-sql.md. The range's SELECT
            // always compares with NULL as unknown and reads "x" as an identifier, whatever
            // a SET said (SET is accepted and ignored), so these two are ON; the other
            // options it does not model; anything else is not an option: NULL.
            "SESSIONPROPERTY" => {
                arity(1)?;
                match self
                    .text_of(exprs[0], env, d)?
                    .map(|p| p.to_ascii_uppercase())
                {
                    Some(p) if p == "ANSI_NULLS" || p == "QUOTED_IDENTIFIER" => Value::Int(1),
                    Some(p) if SESSION_OPTIONS.contains(&p.as_str()) => {
                        return Err(unmodelled(&format!("SESSIONPROPERTY('{p}')")))
                    }
                    _ => Value::Null,
                }
            }
            // docs/t-sql/functions/object-id-transact-sql.md: the object's id, NULL when
            // there is none (the catalog's objects only: see catalog.rs's OBJECTS).
            "OBJECT_ID" => {
                if exprs.len() == 2 {
                    return Err(unmodelled("OBJECT_ID's object_type argument"));
                }
                arity(1)?;
                match self
                    .text_of(exprs[0], env, d)?
                    .and_then(|n| object_name(&n))
                {
                    Some(n) => self
                        .catalog
                        .global(&format!("object_id('{n}')"))
                        .unwrap_or(Value::Null),
                    None => Value::Null,
                }
            }
            // docs/t-sql/functions/left-transact-sql.md, right-transact-sql.md.
            "LEFT" | "RIGHT" => {
                arity(2)?;
                let s = self.text_of(exprs[0], env, d)?;
                match (s, self.expr(exprs[1], env, d)?) {
                    (None, _) | (_, Value::Null) => Value::Null,
                    (Some(s), Value::Int(n)) => {
                        if n < 0 {
                            return Err(fail(
                                536,
                                format!(
                                    "Invalid length parameter passed to the {} function.",
                                    name.to_lowercase()
                                ),
                            ));
                        }
                        let chars: Vec<char> = s.chars().collect();
                        let k = usize::try_from(n).unwrap_or(usize::MAX).min(chars.len());
                        let part = if name == "LEFT" {
                            &chars[..k]
                        } else {
                            &chars[chars.len() - k..]
                        };
                        Value::Text(part.iter().collect())
                    }
                    _ => return Err(unmodelled("a length that is not an integer")),
                }
            }
            // docs/t-sql/functions/charindex-transact-sql.md: 1-based, 0 when absent, NULL
            // when either string is; compared under the range's case-insensitive collation.
            "CHARINDEX" => {
                if exprs.len() != 2 && exprs.len() != 3 {
                    return Err(compile(
                        174,
                        "The charindex function requires 2 to 3 arguments.",
                    ));
                }
                let find = self.text_of(exprs[0], env, d)?;
                let within = self.text_of(exprs[1], env, d)?;
                let start = match exprs.get(2) {
                    None => Value::Int(1),
                    Some(e) => self.expr(e, env, d)?,
                };
                match (find, within, start) {
                    (Some(f), Some(w), Value::Int(st)) => Value::Int(charindex(&f, &w, st)),
                    (_, _, Value::Int(_) | Value::Null) => Value::Null,
                    _ => return Err(unmodelled("a start that is not an integer")),
                }
            }
            // A session's SET CONTEXT_INFO is accepted and not kept, so its value is unknown
            // (NULL would claim it was never set).
            "CONTEXT_INFO" => return Err(unmodelled("CONTEXT_INFO()")),
            "ROLLUP" | "CUBE" | "GROUPING" | "GROUPING_ID" => {
                return Err(unmodelled("ROLLUP, CUBE and GROUPING"))
            }
            "GETDATE" | "GETUTCDATE" | "SYSDATETIME" | "CURRENT_TIMESTAMP" => {
                self.global(&format!("{}()", name.to_lowercase()))?
            }
            _ => {
                return Err(compile(
                    195,
                    format!(
                        "'{}' is not a recognized built-in function name.",
                        fn_name(&f.name)
                    ),
                ))
            }
        })
    }

    fn global(&self, name: &str) -> R<Value> {
        self.catalog
            .global(name)
            .ok_or_else(|| unmodelled(&format!("{} on this instance", name.to_uppercase())))
    }

    /// DB_NAME(id) / DB_ID(name) through sys.databases; NULL when there is no such database.
    fn find_db(&self, key: &str, v: &Value, want: &str) -> R<Value> {
        let Some(rs) = self.catalog.table("sys.databases") else {
            return Ok(Value::Null);
        };
        let col = |n: &str| rs.columns.iter().position(|c| c.name == n);
        let (Some(k), Some(w)) = (col(key), col(want)) else {
            return Ok(Value::Null);
        };
        for row in &rs.rows {
            if value::compare(&row[k], v)? == Some(Ordering::Equal) {
                return Ok(row[w].clone());
            }
        }
        Ok(Value::Null)
    }

    fn aggregate(
        &self,
        name: &str,
        args: &[&FunctionArgExpr],
        env: &[Scope],
        d: usize,
    ) -> R<Value> {
        let Some(scope) = env.last().copied() else {
            return Err(unmodelled("aggregates here"));
        };
        let Some(group) = scope.group else {
            return Err(fail(147, "An aggregate may not appear in the WHERE clause unless it is in a subquery contained in a HAVING clause or a select list, and the column being aggregated is an outer reference."));
        };
        let outer = &env[..env.len() - 1];
        let arg = match args {
            [FunctionArgExpr::Wildcard] if name.starts_with("COUNT") => None,
            [FunctionArgExpr::Expr(e)] => Some(e),
            _ => {
                return Err(compile(
                    174,
                    format!(
                        "The {} function requires 1 argument(s).",
                        name.to_lowercase()
                    ),
                ))
            }
        };
        let mut vals = Vec::with_capacity(group.len());
        for row in group {
            let mut inner = outer.to_vec();
            inner.push(Scope {
                tables: scope.tables,
                row,
                group: None,
                keys: &[],
            });
            vals.push(match arg {
                None => Value::Int(1),
                Some(e) => {
                    if has_agg(e) {
                        return Err(fail(130, "Cannot perform an aggregate function on an expression containing an aggregate or a subquery."));
                    }
                    self.expr(e, &inner, d)?
                }
            });
        }
        let present = vals.into_iter().filter(|v| *v != Value::Null);
        Ok(match name {
            "COUNT" | "COUNT_BIG" => Value::Int(present.count() as i64),
            "SUM" => {
                let mut sum: Option<Value> = None;
                for v in present {
                    sum = Some(match sum {
                        None => v,
                        Some(s) => arith(&B::Plus, s, v)?,
                    });
                }
                sum.unwrap_or(Value::Null)
            }
            _ => {
                let mut best: Option<Value> = None;
                for v in present {
                    best = Some(match best {
                        None => v,
                        Some(b) => {
                            let o = value::order(&v, &b)?;
                            if (name == "MIN" && o == Ordering::Less)
                                || (name == "MAX" && o == Ordering::Greater)
                            {
                                v
                            } else {
                                b
                            }
                        }
                    });
                }
                best.unwrap_or(Value::Null)
            }
        })
    }

    /// The static type of an expression, as COLMETADATA announces it.
    pub(super) fn ty(&self, e: &Expr, env: &[Scope], depth: usize) -> R<SqlType> {
        if depth > MAX_DEPTH {
            return Err(crate::range::select::too_deep());
        }
        let d = depth + 1;
        Ok(match e {
            Expr::Identifier(i) if i.value.starts_with('@') && i.quote_style.is_none() => {
                value::type_of(&self.variable(&i.value)?)
            }
            Expr::Identifier(i) => self.resolve(std::slice::from_ref(i), env)?.2,
            Expr::CompoundIdentifier(p) => self.resolve(p, env)?.2,
            Expr::Value(v) => match self.literal(&v.value)? {
                Value::Int(i) if i32::try_from(i).is_err() => SqlType::Numeric {
                    precision: 19,
                    scale: 0,
                },
                Value::Text(s) => SqlType::NVarChar(s.chars().count().clamp(1, 4000) as u16),
                _ => SqlType::Int,
            },
            Expr::Nested(x) | Expr::UnaryOp { expr: x, .. }
                if !matches!(e, Expr::UnaryOp { op: U::Not, .. }) =>
            {
                self.ty(x, env, d)?
            }
            Expr::Cast { data_type, .. } => sql_type(data_type, 30)?,
            Expr::Convert {
                data_type: Some(dt),
                ..
            } => sql_type(dt, 30)?,
            Expr::Subquery(q) => {
                let rs = self.query(q, env)?;
                rs.columns.first().map_or(SqlType::Int, |c| c.ty)
            }
            Expr::BinaryOp {
                left,
                op: B::Plus | B::Minus | B::Multiply | B::Divide | B::Modulo,
                right,
            } => match (self.ty(left, env, d)?, self.ty(right, env, d)?) {
                (SqlType::NVarChar(a), SqlType::NVarChar(b)) => {
                    SqlType::NVarChar(a.saturating_add(b).min(4000))
                }
                (SqlType::BigInt, _) | (_, SqlType::BigInt) => SqlType::BigInt,
                (n @ SqlType::Numeric { .. }, _) | (_, n @ SqlType::Numeric { .. }) => n,
                _ => SqlType::Int,
            },
            Expr::Case {
                conditions,
                else_result,
                ..
            } => match conditions.first() {
                Some(c) => self.ty(&c.result, env, d)?,
                None => match else_result {
                    Some(x) => self.ty(x, env, d)?,
                    None => SqlType::Int,
                },
            },
            Expr::Function(f) => {
                let name = fn_name(&f.name).to_ascii_uppercase();
                let args = self.args(f)?;
                let first = match args.as_slice() {
                    [FunctionArgExpr::Expr(n), FunctionArgExpr::Expr(x), ..]
                        if is_null_literal(n) =>
                    {
                        Some(self.ty(x, env, d)?)
                    }
                    [FunctionArgExpr::Expr(x), ..] => Some(self.ty(x, env, d)?),
                    _ => None,
                };
                match name.as_str() {
                    "COUNT" | "LEN" | "DB_ID" | "OBJECT_ID" | "CHARINDEX" => SqlType::Int,
                    "LEFT" | "RIGHT" => match first {
                        Some(t @ SqlType::NVarChar(_)) => t,
                        _ => SqlType::NVarChar(30),
                    },
                    // sql_variant on SQL Server; the range sends its value's base type
                    // (int for ANSI_NULLS, QUOTED_IDENTIFIER).
                    "SESSIONPROPERTY" => SqlType::Int,
                    "COUNT_BIG" => SqlType::BigInt,
                    "MIN" | "MAX" | "ISNULL" | "COALESCE" => first.unwrap_or(SqlType::Int),
                    "SUM" => match first {
                        Some(SqlType::BigInt) => SqlType::BigInt,
                        Some(n @ SqlType::Numeric { .. }) => SqlType::Numeric {
                            precision: 38,
                            scale: match n {
                                SqlType::Numeric { scale, .. } => scale,
                                _ => 0,
                            },
                        },
                        _ => SqlType::Int,
                    },
                    "LOWER" | "UPPER" => match first {
                        Some(t @ SqlType::NVarChar(_)) => t,
                        _ => SqlType::NVarChar(30),
                    },
                    "DB_NAME" => SqlType::NVarChar(128),
                    // sql_variant on SQL Server (docs/t-sql/functions/
                    // serverproperty-transact-sql.md); the range does not send sql_variant
                    // and announces the property's base type instead: int for the numeric
                    // ones (EngineEdition, IsClustered...), nvarchar(128) for the others and
                    // for a property it cannot tell before the row (not a constant).
                    "SERVERPROPERTY" => match self.expr(e, env, d) {
                        Ok(Value::Int(_)) => SqlType::Int,
                        _ => SqlType::NVarChar(128),
                    },
                    "ROLLUP" | "CUBE" | "GROUPING" | "GROUPING_ID" => {
                        return Err(unmodelled("ROLLUP, CUBE and GROUPING"))
                    }
                    "GETDATE" | "GETUTCDATE" | "SYSDATETIME" | "CURRENT_TIMESTAMP" => {
                        SqlType::DateTime
                    }
                    _ => SqlType::Int,
                }
            }
            // Predicates (IS NULL, IN, LIKE, comparisons) only appear as values in CASE.
            _ => SqlType::Int,
        })
    }
}

/// The SET options SESSIONPROPERTY knows (docs/t-sql/functions/sessionproperty-transact-sql.md).
const SESSION_OPTIONS: [&str; 7] = [
    "ANSI_NULLS",
    "ANSI_PADDING",
    "ANSI_WARNINGS",
    "ARITHABORT",
    "CONCAT_NULL_YIELDS_NULL",
    "NUMERIC_ROUNDABORT",
    "QUOTED_IDENTIFIER",
];

/// An object name as OBJECT_ID reads it, in the catalog's form: `[sys].[x]` and
/// `master.sys.x` are `sys.x`, `msdb..x` is `msdb.dbo.x`. A one-part name is looked up in
/// master's dbo schema, where the range has no objects, as is a name with a server part.
fn object_name(n: &str) -> Option<String> {
    let parts: Vec<String> = n
        .split('.')
        .map(|p| {
            let p = p.trim();
            p.strip_prefix('[')
                .and_then(|p| p.strip_suffix(']'))
                .unwrap_or(p)
                .to_lowercase()
        })
        .collect();
    match parts.as_slice() {
        [t] => Some(format!("dbo.{t}")),
        [s, t] => Some(format!("{s}.{t}")),
        [d, s, t] if d == "master" => Some(format!("{s}.{t}")),
        [d, s, t] => Some(format!("{d}.{}.{t}", if s.is_empty() { "dbo" } else { s })),
        _ => None,
    }
}

/// CHARINDEX(find, within, start): the 1-based position of `find` in `within` at or after
/// `start` (below 1 is 1), 0 when absent or `find` is empty; case-insensitive.
fn charindex(find: &str, within: &str, start: i64) -> i64 {
    let f: Vec<char> = find.chars().collect();
    let w: Vec<char> = within.chars().collect();
    if f.is_empty() || f.len() > w.len() {
        return 0;
    }
    let from = usize::try_from(start.max(1) - 1).unwrap_or(usize::MAX);
    let same = |a: &char, b: &char| a == b || a.to_lowercase().eq(b.to_lowercase());
    (from..=w.len() - f.len())
        .find(|&i| f.iter().zip(&w[i..]).all(|(a, b)| same(a, b)))
        .map_or(0, |i| i as i64 + 1)
}

fn is_null_literal(e: &Expr) -> bool {
    matches!(e, Expr::Value(v) if v.value == AstValue::Null)
}

fn arith(op: &B, a: Value, b: Value) -> R<Value> {
    let over = || {
        fail(
            8115,
            "Arithmetic overflow error converting expression to data type bigint.",
        )
    };
    Ok(match (a, b) {
        (Value::Null, _) | (_, Value::Null) => Value::Null,
        (Value::Text(x), Value::Text(y)) if matches!(op, B::Plus) => Value::Text(x + &y),
        (x, y) => {
            let num = |v: Value| -> R<i128> {
                match v {
                    Value::Int(i) => Ok(i as i128),
                    Value::Numeric(n) => Ok(n),
                    Value::Text(s) => s.trim().parse::<i64>().map(|i| i as i128).map_err(|_| fail(245, format!("Conversion failed when converting the nvarchar value '{s}' to data type int."))),
                    _ => Err(fail(8117, "Operand data type is invalid for this operator.")),
                }
            };
            let numeric = matches!(x, Value::Numeric(_)) || matches!(y, Value::Numeric(_));
            let (x, y) = (num(x)?, num(y)?);
            let r = match op {
                B::Plus => x.checked_add(y),
                B::Minus => x.checked_sub(y),
                B::Multiply => x.checked_mul(y),
                B::Divide | B::Modulo if y == 0 => {
                    return Err(fail(8134, "Divide by zero error encountered."))
                }
                B::Divide => x.checked_div(y),
                _ => x.checked_rem(y),
            }
            .ok_or_else(over)?;
            if numeric {
                Value::Numeric(r)
            } else {
                Value::Int(i64::try_from(r).map_err(|_| over())?)
            }
        }
    })
}

/// A CONVERT/CAST target as the range's column type; `default_len` for `varchar` alone.
fn sql_type(t: &DataType, default_len: u16) -> R<SqlType> {
    let chars = |l: &Option<CharacterLength>| match l {
        None => SqlType::NVarChar(default_len),
        Some(CharacterLength::Max) => SqlType::NVarChar(4000),
        Some(CharacterLength::IntegerLength { length, .. }) => {
            SqlType::NVarChar((*length).clamp(1, 4000) as u16)
        }
    };
    Ok(match t {
        DataType::Varchar(l)
        | DataType::Nvarchar(l)
        | DataType::Char(l)
        | DataType::Character(l) => chars(l),
        DataType::Int(_) | DataType::Integer(_) => SqlType::Int,
        DataType::BigInt(_) => SqlType::BigInt,
        DataType::SmallInt(_) => SqlType::SmallInt,
        DataType::TinyInt(_) => SqlType::TinyInt,
        DataType::Bit(_) => SqlType::Bit,
        DataType::Numeric(n) | DataType::Decimal(n) => match n {
            ExactNumberInfo::None => SqlType::Numeric {
                precision: 18,
                scale: 0,
            },
            ExactNumberInfo::Precision(p) => SqlType::Numeric {
                precision: (*p).min(38) as u8,
                scale: 0,
            },
            ExactNumberInfo::PrecisionAndScale(p, s) => SqlType::Numeric {
                precision: (*p).min(38) as u8,
                scale: (*s).clamp(0, 38) as u8,
            },
        },
        DataType::Datetime(_) => SqlType::DateTime,
        DataType::Uuid => SqlType::UniqueIdentifier,
        DataType::Custom(n, mods) => {
            let name = fn_name(n).to_ascii_lowercase();
            let len = mods.first().and_then(|m| m.to_string().parse::<u16>().ok());
            match name.as_str() {
                "nchar" | "nvarchar" | "varchar" | "char" => {
                    SqlType::NVarChar(len.unwrap_or(default_len).clamp(1, 4000))
                }
                "sysname" => SqlType::NVarChar(128),
                "uniqueidentifier" => SqlType::UniqueIdentifier,
                "datetime" => SqlType::DateTime,
                _ => return Err(unmodelled(&format!("the type {n}"))),
            }
        }
        _ => return Err(unmodelled(&format!("the type {t}"))),
    })
}
