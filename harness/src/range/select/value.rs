//! Values under SQL Server's rules: comparison (case-insensitive collation, trailing
//! spaces ignored, NULL unknown), conversion (CONVERT/CAST, with the text of each style),
//! LIKE, and the errors SQL Server raises when a value does not convert.
//!
//! Sources: docs/t-sql/functions/cast-and-convert-transact-sql.md (styles 0/100, 120, 121,
//! 126; "*" for an int too long for its character type; 8115 for a numeric),
//! docs/t-sql/language-elements/like-transact-sql.md, docs/t-sql/data-types/uniqueidentifier-transact-sql.md,
//! docs/t-sql/statements/collations.md (SQL_Latin1_General_CP1_CI_AS, the default).

use crate::range::reply::{SqlMessage, SqlType, Value};
use std::cmp::Ordering;

pub type R<T> = Result<T, SqlMessage>;

/// A run-time error (class 16, state 1); the caller sets the line.
pub fn fail(number: i32, text: impl Into<String>) -> SqlMessage {
    SqlMessage {
        number,
        state: 1,
        class: 16,
        text: text.into(),
        procedure: String::new(),
        line: 1,
    }
}

/// A compile-time error (class 15).
pub fn compile(number: i32, text: impl Into<String>) -> SqlMessage {
    SqlMessage {
        class: 15,
        ..fail(number, text)
    }
}

/// The type a value of unknown origin (a parameter, a global) is announced as.
pub fn type_of(v: &Value) -> SqlType {
    match v {
        Value::Int(i) if i32::try_from(*i).is_ok() => SqlType::Int,
        Value::Int(_) => SqlType::BigInt,
        Value::Numeric(_) => SqlType::Numeric {
            precision: 38,
            scale: 0,
        },
        Value::DateTime(_) => SqlType::DateTime,
        Value::Guid(_) => SqlType::UniqueIdentifier,
        Value::Text(s) => SqlType::NVarChar(s.chars().count().clamp(1, 4000) as u16),
        Value::Null => SqlType::Int,
    }
}

fn type_name(t: SqlType) -> &'static str {
    match t {
        SqlType::Int => "int",
        SqlType::SmallInt => "smallint",
        SqlType::TinyInt => "tinyint",
        SqlType::BigInt => "bigint",
        SqlType::Bit => "bit",
        SqlType::NVarChar(_) => "nvarchar",
        SqlType::Numeric { .. } => "numeric",
        SqlType::DateTime => "datetime",
        SqlType::UniqueIdentifier => "uniqueidentifier",
    }
}

fn text_to_int(s: &str, to: SqlType) -> R<i64> {
    s.trim().parse::<i64>().map_err(|_| {
        fail(
            245,
            format!(
                "Conversion failed when converting the nvarchar value '{s}' to data type {}.",
                type_name(to)
            ),
        )
    })
}

fn text_to_guid(s: &str) -> R<String> {
    crate::tsql_quote::guid(s).ok_or_else(|| {
        fail(
            8169,
            "Conversion failed when converting from a character string to uniqueidentifier.",
        )
    })
}

/// SQL Server orders uniqueidentifiers by their last group first (bytes 10-15, 8-9, 6-7,
/// 4-5, 0-3 of the stored form, whose first three groups are little-endian).
fn guid_key(g: &str) -> String {
    let p: Vec<&str> = g.split('-').collect();
    let rev = |s: &str| -> String {
        let b: Vec<char> = s.chars().collect();
        b.chunks(2).rev().flatten().collect()
    };
    match p.as_slice() {
        [g0, g1, g2, g3, g4] => format!("{g4}{g3}{}{}{}", rev(g2), rev(g1), rev(g0)),
        _ => g.to_string(),
    }
}

/// Text under the default collation: case-insensitive, trailing spaces ignored.
fn text_cmp(a: &str, b: &str) -> Ordering {
    a.trim_end_matches(' ')
        .to_lowercase()
        .cmp(&b.trim_end_matches(' ').to_lowercase())
}

/// `a` compared with `b`, converting as SQL Server's type precedence does (text to the
/// other side's type); None when either is NULL.
pub fn compare(a: &Value, b: &Value) -> R<Option<Ordering>> {
    use Value::*;
    Ok(Some(match (a, b) {
        (Null, _) | (_, Null) => return Ok(None),
        (Int(x), Int(y)) => x.cmp(y),
        (Numeric(x), Numeric(y)) => x.cmp(y),
        (Int(x), Numeric(y)) => (*x as i128).cmp(y),
        (Numeric(x), Int(y)) => x.cmp(&(*y as i128)),
        (Text(x), Text(y)) => text_cmp(x, y),
        (Text(s), Int(y)) => text_to_int(s, SqlType::Int)?.cmp(y),
        (Int(x), Text(s)) => x.cmp(&text_to_int(s, SqlType::Int)?),
        (Text(s), Numeric(y)) => (text_to_int(s, SqlType::BigInt)? as i128).cmp(y),
        (Numeric(x), Text(s)) => x.cmp(&(text_to_int(s, SqlType::BigInt)? as i128)),
        (Guid(x), Guid(y)) => guid_key(x).cmp(&guid_key(y)),
        (Guid(x), Text(s)) => guid_key(x).cmp(&guid_key(&text_to_guid(s)?)),
        (Text(s), Guid(y)) => guid_key(&text_to_guid(s)?).cmp(&guid_key(y)),
        (DateTime(x), DateTime(y)) => x.cmp(y),
        (DateTime(x), Text(s)) => x.cmp(&parse_datetime(s)?),
        (Text(s), DateTime(y)) => parse_datetime(s)?.cmp(y),
        (x, y) => {
            return Err(fail(
                206,
                format!(
                    "Operand type clash: {} is incompatible with {}",
                    type_name(type_of(x)),
                    type_name(type_of(y))
                ),
            ))
        }
    }))
}

/// The order ORDER BY uses: NULL lowest, as SQL Server sorts it.
pub fn order(a: &Value, b: &Value) -> R<Ordering> {
    Ok(match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        _ => compare(a, b)?.unwrap_or(Ordering::Equal),
    })
}

/// The value as text, the way an implicit conversion to nvarchar writes it.
pub fn to_text(v: &Value, from: SqlType, style: i64) -> R<Option<String>> {
    Ok(Some(match v {
        Value::Null => return Ok(None),
        Value::Int(i) => i.to_string(),
        Value::Text(s) => s.clone(),
        Value::Numeric(n) => numeric_text(*n, from),
        Value::Guid(g) => g.to_ascii_uppercase(),
        Value::DateTime(ms) => datetime_text(*ms, style)?,
    }))
}

fn numeric_text(n: i128, t: SqlType) -> String {
    let scale = match t {
        SqlType::Numeric { scale, .. } => scale as usize,
        _ => 0,
    };
    let digits = n.unsigned_abs().to_string();
    let sign = if n < 0 { "-" } else { "" };
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = padded.split_at(padded.len() - scale);
    format!("{sign}{int}.{frac}")
}

/// CONVERT/CAST of `v` (of type `from`) to `to`; character targets of `len` characters.
pub fn convert(v: &Value, from: SqlType, to: SqlType, style: i64) -> R<Value> {
    if *v == Value::Null {
        return Ok(Value::Null);
    }
    match to {
        SqlType::NVarChar(len) => {
            let len = len as usize;
            let s = to_text(v, from, style)?.unwrap_or_default();
            if s.chars().count() <= len {
                return Ok(Value::Text(s));
            }
            match v {
                // An int too long for its character type converts to '*' (cast-and-convert).
                Value::Int(_) => Ok(Value::Text("*".into())),
                Value::Numeric(_) => Err(fail(
                    8115,
                    "Arithmetic overflow error converting numeric to data type varchar.",
                )),
                Value::Guid(_) => Err(fail(
                    8170,
                    "Insufficient result space to convert uniqueidentifier value to char.",
                )),
                _ => Ok(Value::Text(s.chars().take(len).collect())),
            }
        }
        SqlType::Int | SqlType::BigInt | SqlType::SmallInt | SqlType::TinyInt => {
            let i = match v {
                Value::Int(i) => *i,
                Value::Numeric(n) => i64::try_from(*n).map_err(|_| overflow(to))?,
                Value::Text(s) => text_to_int(s, to)?,
                _ => return Err(clash(from, to)),
            };
            let (lo, hi) = match to {
                SqlType::Int => (i32::MIN as i64, i32::MAX as i64),
                SqlType::SmallInt => (i16::MIN as i64, i16::MAX as i64),
                SqlType::TinyInt => (0, 255),
                _ => (i64::MIN, i64::MAX),
            };
            if i < lo || i > hi {
                return Err(overflow(to));
            }
            Ok(Value::Int(i))
        }
        SqlType::Bit => match v {
            Value::Int(i) => Ok(Value::Int((*i != 0) as i64)),
            Value::Text(s) if s.trim().eq_ignore_ascii_case("true") => Ok(Value::Int(1)),
            Value::Text(s) if s.trim().eq_ignore_ascii_case("false") => Ok(Value::Int(0)),
            Value::Text(s) => Ok(Value::Int((text_to_int(s, to)? != 0) as i64)),
            _ => Err(clash(from, to)),
        },
        SqlType::Numeric { scale, .. } => match v {
            Value::Int(i) => Ok(Value::Numeric(*i as i128 * 10i128.pow(scale as u32))),
            Value::Numeric(n) if scale == 0 => Ok(Value::Numeric(*n)),
            Value::Text(s) if scale == 0 => s
                .trim()
                .parse::<i128>()
                .map(Value::Numeric)
                .map_err(|_| fail(8114, "Error converting data type nvarchar to numeric.")),
            _ => Err(fail(
                super::UNMODELLED,
                "The DR range does not model numeric conversions with a scale (see docs/range.md).",
            )),
        },
        SqlType::DateTime => match v {
            Value::DateTime(ms) => Ok(Value::DateTime(*ms)),
            Value::Text(s) => Ok(Value::DateTime(parse_datetime(s)?)),
            _ => Err(clash(from, to)),
        },
        SqlType::UniqueIdentifier => match v {
            Value::Guid(g) => Ok(Value::Guid(g.clone())),
            Value::Text(s) => Ok(Value::Guid(text_to_guid(s)?)),
            _ => Err(clash(from, to)),
        },
    }
}

fn overflow(to: SqlType) -> SqlMessage {
    fail(
        8115,
        format!(
            "Arithmetic overflow error converting expression to data type {}.",
            type_name(to)
        ),
    )
}

fn clash(from: SqlType, to: SqlType) -> SqlMessage {
    fail(
        529,
        format!(
            "Explicit conversion from data type {} to {} is not allowed.",
            type_name(from),
            type_name(to)
        ),
    )
}

const MS_PER_DAY: i64 = 86_400_000;
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days since 1900-01-01 to (year, month, day) (Howard Hinnant's civil_from_days).
fn civil(days_1900: i64) -> (i64, u32, u32) {
    let z = days_1900 - 25_567 + 719_468; // 1900-01-01 is 25567 days before 1970-01-01
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468 + 25_567
}

/// A datetime as CONVERT writes it in `style` (0/100 default, 120, 121, 126).
pub fn datetime_text(ms: i64, style: i64) -> R<String> {
    let (y, mo, d) = civil(ms.div_euclid(MS_PER_DAY));
    let t = ms.rem_euclid(MS_PER_DAY);
    let (h, mi, s, milli) = (t / 3_600_000, t / 60_000 % 60, t / 1000 % 60, t % 1000);
    Ok(match style {
        0 | 100 => {
            let (h12, ampm) = match h {
                0 => (12, "AM"),
                1..=11 => (h, "AM"),
                12 => (12, "PM"),
                _ => (h - 12, "PM"),
            };
            format!(
                "{} {d:>2} {y} {h12:>2}:{mi:02}{ampm}",
                MONTHS[(mo - 1) as usize]
            )
        }
        120 => format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}"),
        121 => format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{milli:03}"),
        // "When the value for milliseconds (mmm) is 0, the millisecond value isn't displayed."
        126 if milli == 0 => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}"),
        126 => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}"),
        _ => {
            return Err(fail(
                super::UNMODELLED,
                format!("The DR range does not model datetime style {style}; it writes styles 0, 100, 120, 121 and 126 (see docs/range.md)."),
            ))
        }
    })
}

/// `yyyy-mm-dd[(T| )hh:mi[:ss[.mmm]]]` or `yyyymmdd`, the unambiguous forms.
pub fn parse_datetime(s: &str) -> R<i64> {
    let bad = || {
        fail(
            241,
            "Conversion failed when converting date and/or time from character string.",
        )
    };
    let s = s.trim();
    let (date, time) = match s.find(['T', ' ']) {
        Some(i) => (&s[..i], s[i + 1..].trim()),
        None => (s, ""),
    };
    let (y, m, d) = if date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()) {
        (&date[..4], &date[4..6], &date[6..])
    } else {
        let p: Vec<&str> = date.split('-').collect();
        match p.as_slice() {
            [y, m, d] => (*y, *m, *d),
            _ => return Err(bad()),
        }
    };
    let num = |x: &str| x.parse::<u32>().map_err(|_| bad());
    let (y, m, d) = (num(y)? as i64, num(m)?, num(d)?);
    if !(1753..=9999).contains(&y) || !(1..=12).contains(&m) || d == 0 || d > 31 {
        return Err(bad());
    }
    let days = days_from_civil(y, m, d);
    if civil(days) != (y, m, d) {
        return Err(bad());
    }
    let mut ms = 0i64;
    if !time.is_empty() {
        let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
        let p: Vec<&str> = hms.split(':').collect();
        let (h, mi, sec) = match p.as_slice() {
            [h, mi] => (num(h)?, num(mi)?, 0),
            [h, mi, s] => (num(h)?, num(mi)?, num(s)?),
            _ => return Err(bad()),
        };
        if h > 23 || mi > 59 || sec > 59 || frac.len() > 3 {
            return Err(bad());
        }
        let milli = if frac.is_empty() {
            0
        } else {
            num(&format!("{frac:0<3}"))?
        };
        ms = ((h * 3600 + mi * 60 + sec) as i64) * 1000 + milli as i64;
    }
    Ok(days * MS_PER_DAY + ms)
}

/// LIKE under the default collation: `%`, `_`, `[abc]`, `[a-c]`, `[^a]`.
pub fn like(s: &str, pattern: &str) -> bool {
    let s: Vec<char> = s.to_lowercase().chars().collect();
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    // Iterative match with backtracking to the last `%` (bounded: O(len(s) * len(p))).
    let (mut i, mut j) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        if j < p.len() && p[j] == '%' {
            star = Some((j, i));
            j += 1;
            continue;
        }
        if j < p.len() {
            if let Some((ok, next)) = one(&p, j, s[i]) {
                if ok {
                    i += 1;
                    j = next;
                    continue;
                }
            }
        }
        match star {
            Some((sj, si)) => {
                star = Some((sj, si + 1));
                i = si + 1;
                j = sj + 1;
            }
            None => return false,
        }
    }
    p[j..].iter().all(|c| *c == '%')
}

/// Whether pattern element at `j` matches `c`, and where the next element starts.
fn one(p: &[char], j: usize, c: char) -> Option<(bool, usize)> {
    match p[j] {
        '_' => Some((true, j + 1)),
        '[' => {
            let close = p[j + 1..].iter().position(|x| *x == ']')? + j + 1;
            let set = &p[j + 1..close];
            let (neg, set) = match set.first() {
                Some('^') => (true, &set[1..]),
                _ => (false, set),
            };
            let mut hit = false;
            let mut k = 0;
            while k < set.len() {
                if k + 2 < set.len() && set[k + 1] == '-' {
                    hit |= set[k] <= c && c <= set[k + 2];
                    k += 3;
                } else {
                    hit |= set[k] == c;
                    k += 1;
                }
            }
            Some((hit != neg, close + 1))
        }
        x => Some((x == c, j + 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_print_in_convert_styles() {
        // 2026-11-25T05:12:00.000 and .123: days from 1900-01-01 computed both ways.
        let day = days_from_civil(2026, 11, 25);
        assert_eq!(civil(day), (2026, 11, 25));
        assert_eq!(civil(0), (1900, 1, 1));
        let ms = day * MS_PER_DAY + (5 * 3600 + 12 * 60) * 1000;
        assert_eq!(datetime_text(ms, 126).unwrap(), "2026-11-25T05:12:00");
        assert_eq!(
            datetime_text(ms + 123, 126).unwrap(),
            "2026-11-25T05:12:00.123"
        );
        assert_eq!(datetime_text(ms, 0).unwrap(), "Nov 25 2026  5:12AM");
        assert_eq!(datetime_text(ms, 120).unwrap(), "2026-11-25 05:12:00");
        assert_eq!(parse_datetime("2026-11-25T05:12:00").unwrap(), ms);
        assert_eq!(parse_datetime("20261125 05:12").unwrap(), ms);
        assert_eq!(parse_datetime("2026-02-30").unwrap_err().number, 241);
    }

    #[test]
    fn comparison_follows_the_default_collation_and_precedence() {
        let t = |s: &str| Value::Text(s.into());
        assert_eq!(
            compare(&t("MGC "), &t("mgc")).unwrap(),
            Some(Ordering::Equal)
        );
        assert_eq!(
            compare(&t("12"), &Value::Int(12)).unwrap(),
            Some(Ordering::Equal)
        );
        assert_eq!(compare(&t("x"), &Value::Int(1)).unwrap_err().number, 245);
        assert_eq!(compare(&Value::Null, &Value::Int(1)).unwrap(), None);
        assert_eq!(order(&Value::Null, &Value::Int(1)).unwrap(), Ordering::Less);
        // The last group decides first.
        let a = Value::Guid("ffffffff-0000-0000-0000-000000000001".into());
        let b = Value::Guid("00000000-0000-0000-0000-000000000002".into());
        assert_eq!(compare(&a, &b).unwrap(), Some(Ordering::Less));
    }

    #[test]
    fn conversions_match_cast_and_convert() {
        let to = |v: Value, from, n| convert(&v, from, SqlType::NVarChar(n), 0);
        assert_eq!(
            to(Value::Int(123), SqlType::Int, 2).unwrap(),
            Value::Text("*".into())
        );
        assert_eq!(
            to(Value::Text("abc".into()), SqlType::NVarChar(3), 1).unwrap(),
            Value::Text("a".into())
        );
        let lsn = SqlType::Numeric {
            precision: 25,
            scale: 0,
        };
        assert_eq!(
            to(Value::Numeric(17_126_658_000_000_314_600_037), lsn, 25).unwrap(),
            Value::Text("17126658000000314600037".into())
        );
        assert_eq!(to(Value::Numeric(123), lsn, 2).unwrap_err().number, 8115);
        assert_eq!(
            to(
                Value::Guid("1e2feb89-414c-343c-1027-c4d1c386bbc4".into()),
                SqlType::UniqueIdentifier,
                36
            )
            .unwrap(),
            Value::Text("1E2FEB89-414C-343C-1027-C4D1C386BBC4".into())
        );
        assert_eq!(
            numeric_text(
                -5,
                SqlType::Numeric {
                    precision: 5,
                    scale: 2
                }
            ),
            "-0.05"
        );
        assert_eq!(
            convert(
                &Value::Text(" 7".into()),
                SqlType::NVarChar(2),
                SqlType::Int,
                0
            )
            .unwrap(),
            Value::Int(7)
        );
    }

    #[test]
    fn like_patterns() {
        assert!(like("mgc_backup", "MGC%"));
        assert!(like("mgc", "m_c"));
        assert!(!like("mgc", "m_"));
        assert!(like("abc", "%[b-c]"));
        assert!(!like("abc", "%[^c]"));
        assert!(like("", "%"));
        assert!(like("a%b", "a%b"));
    }
}
