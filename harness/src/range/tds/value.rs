//! Column types and cells on the wire ([MS-TDS] 2.2.5.4-2.2.5.5): the TYPE_INFO of each
//! [`SqlType`] in COLMETADATA and the bytes of each [`Value`] in a ROW. Every type the
//! range returns is nullable, so each uses its variable-length ("N") form.
use super::put_utf16;
use crate::range::reply::{SqlType, Value};

pub const INTN: u8 = 0x26;
pub const BITN: u8 = 0x68;
pub const NVARCHAR: u8 = 0xE7;
pub const NUMERICN: u8 = 0x6C;
pub const DATETIMEN: u8 = 0x6F;
pub const GUIDTYPE: u8 = 0x24;

/// SQL_Latin1_General_CP1_CI_AS (2.2.5.1.2): LCID 0x0409, IgnoreCase|IgnoreKana|
/// IgnoreWidth, SortId 52, SQL Server's default server collation.
pub const COLLATION: [u8; 5] = [0x09, 0x04, 0xD0, 0x00, 0x34];

const MS_PER_DAY: i64 = 86_400_000;

/// NUMERICN's data length for a precision (2.2.5.5.1.6): sign byte plus 4, 8, 12 or 16.
pub fn numeric_len(precision: u8) -> u8 {
    match precision {
        0..=9 => 5,
        10..=19 => 9,
        20..=28 => 13,
        _ => 17,
    }
}

/// TYPE_INFO for COLMETADATA.
pub fn type_info(ty: SqlType, out: &mut Vec<u8>) {
    match ty {
        SqlType::TinyInt => out.extend_from_slice(&[INTN, 1]),
        SqlType::SmallInt => out.extend_from_slice(&[INTN, 2]),
        SqlType::Int => out.extend_from_slice(&[INTN, 4]),
        SqlType::BigInt => out.extend_from_slice(&[INTN, 8]),
        SqlType::Bit => out.extend_from_slice(&[BITN, 1]),
        SqlType::NVarChar(n) => {
            out.push(NVARCHAR);
            out.extend_from_slice(&(n.clamp(1, 4000) * 2).to_le_bytes());
            out.extend_from_slice(&COLLATION);
        }
        SqlType::Numeric { precision, scale } => {
            let p = precision.clamp(1, 38);
            out.extend_from_slice(&[NUMERICN, numeric_len(p), p, scale.min(p)]);
        }
        SqlType::DateTime => out.extend_from_slice(&[DATETIMEN, 8]),
        SqlType::UniqueIdentifier => out.extend_from_slice(&[GUIDTYPE, 16]),
    }
}

/// A cell the column's type cannot carry (a backend bug, reported to the client).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch(pub String);

/// One cell of a ROW token for a column of type `ty`.
pub fn cell(ty: SqlType, v: &Value, out: &mut Vec<u8>) -> Result<(), Mismatch> {
    let bad = |why: &str| Err(Mismatch(format!("{v:?} in a {ty:?} column: {why}")));
    match (ty, v) {
        (SqlType::NVarChar(_), Value::Null) => out.extend_from_slice(&0xFFFFu16.to_le_bytes()),
        (_, Value::Null) => out.push(0),
        (
            SqlType::TinyInt | SqlType::SmallInt | SqlType::Int | SqlType::BigInt | SqlType::Bit,
            Value::Int(i),
        ) => {
            let (n, lo, hi): (usize, i64, i64) = match ty {
                SqlType::TinyInt => (1, 0, 255),
                SqlType::SmallInt => (2, i16::MIN.into(), i16::MAX.into()),
                SqlType::Int => (4, i32::MIN.into(), i32::MAX.into()),
                SqlType::Bit => (1, 0, 1),
                _ => (8, i64::MIN, i64::MAX),
            };
            if *i < lo || *i > hi {
                return bad("out of range");
            }
            out.push(n as u8);
            out.extend_from_slice(&i.to_le_bytes()[..n]);
        }
        (SqlType::NVarChar(n), Value::Text(s)) => {
            // Longer text is cut at the declared length, as SQL Server's own conversions do.
            let units: Vec<u16> = s.encode_utf16().take(n.clamp(1, 4000) as usize).collect();
            out.extend_from_slice(&((units.len() * 2) as u16).to_le_bytes());
            for u in units {
                out.extend_from_slice(&u.to_le_bytes());
            }
        }
        (SqlType::Numeric { precision, .. }, Value::Numeric(x)) => {
            numeric(precision, *x, out).or_else(|()| bad("too many digits"))?
        }
        (SqlType::Numeric { precision, .. }, Value::Int(x)) => {
            numeric(precision, (*x).into(), out).or_else(|()| bad("too many digits"))?
        }
        (SqlType::DateTime, Value::DateTime(ms)) => {
            // Days since 1900-01-01 and 1/300 s ticks since midnight (2.2.5.5.1.8).
            let days = ms.div_euclid(MS_PER_DAY);
            let mut ticks = (ms.rem_euclid(MS_PER_DAY) * 300 + 500) / 1000;
            let mut days = days;
            if ticks >= MS_PER_DAY * 3 / 10 {
                ticks = 0;
                days += 1;
            }
            let Ok(days) = i32::try_from(days) else {
                return bad("out of range");
            };
            out.push(8);
            out.extend_from_slice(&days.to_le_bytes());
            out.extend_from_slice(&(ticks as u32).to_le_bytes());
        }
        (SqlType::UniqueIdentifier, Value::Guid(g)) => {
            let Some(b) = guid_bytes(g) else {
                return bad("not 8-4-4-4-12 hex");
            };
            out.push(16);
            out.extend_from_slice(&b);
        }
        _ => return bad("wrong kind of value"),
    }
    Ok(())
}

fn numeric(precision: u8, x: i128, out: &mut Vec<u8>) -> Result<(), ()> {
    let len = numeric_len(precision.clamp(1, 38)) as usize;
    let mag = x.unsigned_abs();
    if mag >= 10u128.pow(precision.clamp(1, 38) as u32) {
        return Err(());
    }
    out.push(len as u8);
    out.push(u8::from(x >= 0)); // 1: positive, 0: negative
    out.extend_from_slice(&mag.to_le_bytes()[..len - 1]);
    Ok(())
}

/// The 16 wire bytes of a GUID: Data1, Data2, Data3 little-endian, Data4 as written.
pub fn guid_bytes(g: &str) -> Option<[u8; 16]> {
    let parts: Vec<&str> = g.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    if parts.len() != 5 || parts.iter().zip(lens).any(|(p, l)| p.len() != l) {
        return None;
    }
    let hex: String = parts.concat();
    let mut b = [0u8; 16];
    for (i, byte) in b.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    b[0..4].reverse();
    b[4..6].reverse();
    b[6..8].reverse();
    Some(b)
}

/// NVARCHAR text as a ROW cell or parameter would carry it (length-prefixed UTF-16LE).
pub fn us_varchar(s: &str, out: &mut Vec<u8>) {
    let units: Vec<u16> = s.encode_utf16().take(u16::MAX as usize).collect();
    out.extend_from_slice(&(units.len() as u16).to_le_bytes());
    for u in units {
        out.extend_from_slice(&u.to_le_bytes());
    }
}

/// B_VARCHAR (one-byte length in characters; cut at 255).
pub fn b_varchar(s: &str, out: &mut Vec<u8>) {
    let cut: String = char::decode_utf16(s.encode_utf16().take(255))
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    let n = cut.encode_utf16().count();
    out.push(n as u8);
    put_utf16(out, &cut);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_cells_count_days_and_three_hundredths() {
        let mut out = Vec::new();
        // 1900-01-02 00:00:01.000: day 1, 300 ticks.
        cell(
            SqlType::DateTime,
            &Value::DateTime(MS_PER_DAY + 1000),
            &mut out,
        )
        .unwrap();
        assert_eq!(out, [8, 1, 0, 0, 0, 44, 1, 0, 0]);
    }

    #[test]
    fn numerics_carry_sign_and_magnitude_and_refuse_too_many_digits() {
        let mut out = Vec::new();
        let ty = SqlType::Numeric {
            precision: 25,
            scale: 0,
        };
        cell(ty, &Value::Numeric(-258), &mut out).unwrap();
        assert_eq!(out[..4], [13, 0, 2, 1]);
        assert_eq!(out.len(), 14);
        let five = SqlType::Numeric {
            precision: 5,
            scale: 0,
        };
        assert!(cell(five, &Value::Numeric(100_000), &mut Vec::new()).is_err());
    }

    #[test]
    fn guids_are_mixed_endian() {
        let b = guid_bytes("00112233-4455-6677-8899-aabbccddeeff").unwrap();
        assert_eq!(
            b,
            [
                0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
                0xee, 0xff
            ]
        );
        assert!(guid_bytes("not-a-guid").is_none());
    }

    #[test]
    fn an_int_out_of_its_column_range_or_text_in_an_int_column_is_a_mismatch() {
        assert!(cell(SqlType::TinyInt, &Value::Int(256), &mut Vec::new()).is_err());
        assert!(cell(SqlType::Int, &Value::Text("1".into()), &mut Vec::new()).is_err());
    }
}
