//! Log sequence numbers and the one log-restore rule that the model and the restore
//! planner share (sqlserver-semantics.md section 1).
//!
//! An LSN is `numeric(25,0)` in msdb; real ones have 23 digits, so they live in a `u128`
//! and travel through JSON as decimal strings. LSNs are compared, never added: the model
//! only ever asks "does this log continue from the redo point".

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Largest value of `numeric(25,0)`.
pub const LSN_MAX: u128 = 9_999_999_999_999_999_999_999_999;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Lsn(pub u128);

impl Lsn {
    pub const ZERO: Lsn = Lsn(0);
}

impl fmt::Display for Lsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LsnParseError(pub String);

impl fmt::Display for LsnParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "expected an LSN: a decimal numeric(25,0) of at most 25 digits, found {:?}",
            self.0
        )
    }
}

impl std::error::Error for LsnParseError {}

impl FromStr for Lsn {
    type Err = LsnParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        // msdb exports sometimes carry a numeric scale (".0"); accept only a zero fraction.
        let digits = match t.split_once('.') {
            Some((int, frac)) if !frac.is_empty() && frac.bytes().all(|b| b == b'0') => int,
            Some(_) => return Err(LsnParseError(s.to_string())),
            None => t,
        };
        if digits.is_empty() || digits.len() > 25 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(LsnParseError(s.to_string()));
        }
        digits
            .parse::<u128>()
            .map(Lsn)
            .map_err(|_| LsnParseError(s.to_string()))
    }
}

impl Serialize for Lsn {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Lsn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Lsn;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "an LSN as a decimal string (numeric(25,0)), e.g. \"17126658000000314600037\"",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Lsn, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Lsn, E> {
                Ok(Lsn(v as u128))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Lsn {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Lsn".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9]{1,25}$",
            "description": "numeric(25,0) log sequence number as a decimal string"
        })
    }
}

/// Why a log backup cannot be restored onto a database whose redo point is `redo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogRuleError {
    /// 4305: the log begins after the redo point (a gap).
    TooRecent { first: Lsn, redo: Lsn },
    /// 4326: the log ends at or before the redo point (already applied, or older than the full).
    TooEarly { last: Lsn, redo: Lsn },
}

/// The log-restore rule: a log backup `[first, last)` applies to a database whose redo point
/// is `redo` iff `first <= redo < last`; afterwards the redo point is `last`.
pub fn check_log_restore(redo: Lsn, first: Lsn, last: Lsn) -> Result<Lsn, LogRuleError> {
    if redo < first {
        Err(LogRuleError::TooRecent { first, redo })
    } else if redo >= last {
        Err(LogRuleError::TooEarly { last, redo })
    } else {
        Ok(last)
    }
}

/// An empty log backup (`first_lsn == last_lsn`) carries no log records.
pub fn is_empty_log(first: Lsn, last: Lsn) -> bool {
    first == last
}

/// Two consecutive log backups of one chain: `next.first_lsn == prev.last_lsn`.
pub fn continues_chain(prev_last: Lsn, next_first: Lsn) -> bool {
    prev_last == next_first
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(s: &str) -> Lsn {
        s.parse().unwrap()
    }

    #[test]
    fn twenty_three_digit_lsns_round_trip_through_json() {
        let x = l("17126658000000314600037");
        assert!(x.0 > u64::MAX as u128);
        let j = serde_json::to_string(&x).unwrap();
        assert_eq!(j, "\"17126658000000314600037\"");
        assert_eq!(serde_json::from_str::<Lsn>(&j).unwrap(), x);
    }

    #[test]
    fn rejects_non_numbers_and_too_many_digits() {
        assert!("12a".parse::<Lsn>().is_err());
        assert!("".parse::<Lsn>().is_err());
        assert!("-5".parse::<Lsn>().is_err());
        assert!("12345678901234567890123456".parse::<Lsn>().is_err());
        assert_eq!(
            "9999999999999999999999999".parse::<Lsn>().unwrap().0,
            LSN_MAX
        );
        assert_eq!("340.0".parse::<Lsn>().unwrap().0, 340);
        assert!("340.5".parse::<Lsn>().is_err());
    }

    #[test]
    fn log_rule_with_real_lsns() {
        // dbatools#2374: full 65600001-74400001; log 59200001-65600001 too early;
        // 65600001-81600001 is the first restorable.
        let redo = l("74400001");
        assert_eq!(
            check_log_restore(redo, l("59200001"), l("65600001")),
            Err(LogRuleError::TooEarly {
                last: l("65600001"),
                redo
            })
        );
        assert_eq!(
            check_log_restore(redo, l("65600001"), l("81600001")),
            Ok(l("81600001"))
        );
        // 23-digit gap
        let redo = l("17126658000000314600037");
        let first = l("17126658000000315600037");
        assert_eq!(
            check_log_restore(redo, first, l("17126658000000316600037")),
            Err(LogRuleError::TooRecent { first, redo })
        );
        // overlap is fine; the boundary first == redo applies; last == redo does not
        assert!(check_log_restore(redo, redo, l("17126658000000314600038")).is_ok());
        assert!(check_log_restore(redo, l("1"), redo).is_err());
        assert!(is_empty_log(redo, redo));
        assert!(continues_chain(redo, redo));
    }
}
