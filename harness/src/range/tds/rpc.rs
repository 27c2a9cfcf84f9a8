//! RPC requests ([MS-TDS] 2.2.6.6): ALL_HEADERS, the procedure (a name, or 0xFFFF and a
//! well-known ProcID: 10 is sp_executesql), option flags, then parameters (B_VARCHAR
//! name, status flags, TYPE_INFO, value). Decoded far enough for tiberius's and
//! python-tds's parameterised queries; a type the range does not model is refused with a
//! SQL Server-style error rather than a dropped connection.
use super::batch::skip_all_headers;
use super::{malformed, utf16_text, Cursor, Malformed};
use crate::range::reply::{Param, Value};

/// ProcIDs (2.2.6.6).
pub const SP_EXECUTESQL: u16 = 10;
pub const SP_PREPEXEC: u16 = 13;

/// Which procedure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Proc {
    Id(u16),
    Name(String),
}

/// One decoded parameter; `value` is Err(type name) for a type the range does not model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RpcParam {
    pub name: String,
    pub value: Result<Value, String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rpc {
    pub proc: Proc,
    pub params: Vec<RpcParam>,
}

/// PLP (2.2.5.2.3): a u64 total length (all ones: NULL), then chunks each with a u32
/// length, ended by a zero-length chunk. The declared total is not trusted for
/// allocation: the bytes must be present in the already-bounded message.
fn plp(c: &mut Cursor<'_>) -> Result<Option<Vec<u8>>, Malformed> {
    let total = c.u64_le("PLP length")?;
    if total == u64::MAX {
        return Ok(None);
    }
    let mut out = Vec::new();
    loop {
        let n = c.u32_le("PLP chunk length")? as usize;
        if n == 0 {
            return Ok(Some(out));
        }
        out.extend_from_slice(c.bytes(n, "PLP chunk")?);
    }
}

fn latin1(b: &[u8]) -> String {
    b.iter().map(|&x| x as char).collect()
}

fn int_le(b: &[u8], signed: bool) -> i64 {
    let mut a = [0u8; 8];
    a[..b.len()].copy_from_slice(b);
    let mut v = i64::from_le_bytes(a);
    if signed && b.len() < 8 && b.len() > 1 {
        let shift = 64 - 8 * b.len() as u32;
        v = (v << shift) >> shift;
    }
    v
}

/// Decode one TYPE_INFO and value.
fn param_value(c: &mut Cursor<'_>) -> Result<Result<Value, String>, Malformed> {
    let ty = c.u8("parameter type")?;
    Ok(match ty {
        // Fixed-length integers and bit: INT1, BIT, INT2, INT4, INT8.
        0x30 => Ok(Value::Int(c.u8("tinyint")?.into())),
        0x32 => Ok(Value::Int((c.u8("bit")? != 0).into())),
        0x34 => Ok(Value::Int(int_le(c.bytes(2, "smallint")?, true))),
        0x38 => Ok(Value::Int(int_le(c.bytes(4, "int")?, true))),
        0x7F => Ok(Value::Int(int_le(c.bytes(8, "bigint")?, true))),
        // INTN, BITN: max length, then a length byte (0: NULL).
        0x26 | 0x68 => {
            let max = c.u8("INTN length")?;
            if !matches!(max, 1 | 2 | 4 | 8) {
                return malformed(format!("INTN/BITN of length {max}"));
            }
            let n = c.u8("INTN value length")? as usize;
            match n {
                0 => Ok(Value::Null),
                1 | 2 | 4 | 8 if n <= max as usize => {
                    let b = c.bytes(n, "INTN value")?;
                    if ty == 0x68 {
                        Ok(Value::Int((b[0] != 0).into()))
                    } else {
                        Ok(Value::Int(int_le(b, n > 1)))
                    }
                }
                _ => return malformed(format!("INTN value of length {n}")),
            }
        }
        // NVARCHAR, NCHAR, BIGVARCHAR, BIGCHAR: u16 max length (0xFFFF: PLP), collation.
        0xE7 | 0xEF | 0xA7 | 0xAF => {
            let max = c.u16_le("string max length")?;
            c.bytes(5, "collation")?;
            let bytes = if max == 0xFFFF {
                plp(c)?
            } else {
                let n = c.u16_le("string length")?;
                if n == 0xFFFF {
                    None
                } else {
                    Some(c.bytes(n as usize, "string")?.to_vec())
                }
            };
            let unicode = matches!(ty, 0xE7 | 0xEF);
            match bytes {
                None => Ok(Value::Null),
                Some(b) if unicode && b.len() % 2 != 0 => {
                    return malformed("odd-length UTF-16 parameter")
                }
                Some(b) if unicode => Ok(Value::Text(utf16_text(&b))),
                // Single-byte strings: code page 1252's printable range is Latin-1's.
                Some(b) => Ok(Value::Text(latin1(&b))),
            }
        }
        // NUMERICN, DECIMALN: max length, precision, scale; value: length, sign, magnitude.
        0x6C | 0x6A => {
            c.bytes(3, "numeric type info")?;
            let n = c.u8("numeric length")? as usize;
            if n == 0 {
                Ok(Value::Null)
            } else if n > 17 {
                return malformed(format!("numeric of length {n}"));
            } else {
                let b = c.bytes(n, "numeric")?;
                let mut mag = [0u8; 16];
                mag[..n - 1].copy_from_slice(&b[1..]);
                let m = u128::from_le_bytes(mag);
                let Ok(m) = i128::try_from(m) else {
                    return Ok(Err("numeric beyond 38 digits".into()));
                };
                Ok(Value::Numeric(if b[0] == 1 { m } else { -m }))
            }
        }
        // DATETIMEN: 8 bytes (days, 1/300 s) or 4 (smalldatetime: days, minutes).
        0x6F => {
            c.u8("DATETIMEN length")?;
            let n = c.u8("datetime length")?;
            match n {
                0 => Ok(Value::Null),
                8 => {
                    let days = int_le(c.bytes(4, "datetime days")?, true);
                    let ticks = int_le(c.bytes(4, "datetime ticks")?, false);
                    Ok(Value::DateTime(days * 86_400_000 + ticks * 10 / 3))
                }
                4 => {
                    let days = int_le(c.bytes(2, "smalldatetime days")?, false);
                    let mins = int_le(c.bytes(2, "smalldatetime minutes")?, false);
                    Ok(Value::DateTime(days * 86_400_000 + mins * 60_000))
                }
                _ => return malformed(format!("datetime of length {n}")),
            }
        }
        0x24 => {
            c.u8("GUID length")?;
            match c.u8("guid length")? {
                0 => Ok(Value::Null),
                16 => {
                    let b = c.bytes(16, "guid")?;
                    Ok(Value::Guid(format!(
                        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{}",
                        b[3],
                        b[2],
                        b[1],
                        b[0],
                        b[5],
                        b[4],
                        b[7],
                        b[6],
                        b[8],
                        b[9],
                        b[10..]
                            .iter()
                            .map(|x| format!("{x:02x}"))
                            .collect::<String>()
                    )))
                }
                n => return malformed(format!("guid of length {n}")),
            }
        }
        // Types the range does not model: skip them when their length is simple.
        0x6D => skip_bytelen(c, "float")?,
        0x28 => skip_bytelen_no_info(c, "date")?,
        0x29..=0x2B => {
            c.u8("scale")?;
            skip_bytelen_no_info(c, "time")?
        }
        0xA5 | 0xAD => {
            let max = c.u16_le("binary max length")?;
            if max == 0xFFFF {
                plp(c)?;
            } else {
                let n = c.u16_le("binary length")?;
                if n != 0xFFFF {
                    c.bytes(n as usize, "binary")?;
                }
            }
            Err("varbinary".into())
        }
        other => return malformed(format!("parameter type {other:#04x} is not supported")),
    })
}

fn skip_bytelen(c: &mut Cursor<'_>, what: &str) -> Result<Result<Value, String>, Malformed> {
    c.u8(what)?;
    skip_bytelen_no_info(c, what)
}

fn skip_bytelen_no_info(
    c: &mut Cursor<'_>,
    what: &str,
) -> Result<Result<Value, String>, Malformed> {
    let n = c.u8(what)? as usize;
    c.bytes(n, what)?;
    Ok(Err(what.to_string()))
}

pub fn decode(payload: &[u8]) -> Result<Rpc, Malformed> {
    let at = skip_all_headers(payload)?;
    let mut c = Cursor::new(&payload[at..]);
    let n = c.u16_le("RPC name length")?;
    let proc = if n == 0xFFFF {
        Proc::Id(c.u16_le("RPC ProcID")?)
    } else {
        Proc::Name(c.utf16(n as usize, "RPC name")?)
    };
    c.u16_le("RPC option flags")?;
    let mut params = Vec::new();
    while c.remaining() > 0 {
        // 0xFF / 0x80 separate batched RPCs (2.2.6.6): the range answers the first.
        let name = {
            let len = c.u8("parameter name length")?;
            if !params.is_empty() && (len == 0xFF || len == 0x80) {
                break;
            }
            c.utf16(len as usize, "parameter name")?
        };
        c.u8("parameter status flags")?;
        let value = param_value(&mut c)?;
        params.push(RpcParam { name, value });
    }
    Ok(Rpc { proc, params })
}

/// What an RPC asks the backend to run: the statement and its parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub sql: String,
    pub params: Vec<Param>,
}

/// Turn an RPC into a batch: sp_executesql's @stmt with the parameters after @params; any
/// other procedure called by name becomes `EXEC name @a = @a, ...` with its arguments as
/// parameters. Err is the text of the SQL Server-style error to send.
pub fn to_call(rpc: Rpc) -> Result<Call, String> {
    let mut params = Vec::with_capacity(rpc.params.len());
    for (i, p) in rpc.params.iter().enumerate() {
        match &p.value {
            Ok(v) => params.push(Param {
                name: if p.name.is_empty() {
                    format!("@{}", i + 1)
                } else {
                    p.name.clone()
                },
                value: v.clone(),
            }),
            Err(ty) => {
                return Err(format!(
                    "The range does not model parameters of type {ty} (parameter {}).",
                    if p.name.is_empty() {
                        format!("{}", i + 1)
                    } else {
                        p.name.clone()
                    }
                ))
            }
        }
    }
    let executesql = match &rpc.proc {
        Proc::Id(SP_EXECUTESQL) => true,
        Proc::Id(id) => {
            return Err(format!(
                "The range answers sp_executesql (ProcID 10) and procedures by name, not ProcID {id}{}.",
                if *id == SP_PREPEXEC { " (sp_prepexec)" } else { "" }
            ))
        }
        Proc::Name(n) => {
            let last = n.rsplit('.').next().unwrap_or(n).trim_matches(['[', ']']);
            last.eq_ignore_ascii_case("sp_executesql")
        }
    };
    if executesql {
        let mut it = params.into_iter();
        let stmt = match it.next() {
            Some(Param {
                value: Value::Text(s),
                ..
            }) => s,
            _ => {
                return Err(
                    "Procedure expects parameter '@statement' of type 'ntext/nchar/nvarchar'."
                        .into(),
                )
            }
        };
        // The @params declaration: the values follow it, named as declared.
        let rest: Vec<Param> = it.skip(1).collect();
        return Ok(Call {
            sql: stmt,
            params: rest,
        });
    }
    let name = match rpc.proc {
        Proc::Name(n) => n,
        Proc::Id(id) => return Err(format!("ProcID {id} is not a procedure the range runs.")),
    };
    let args: Vec<String> = params
        .iter()
        .map(|p| format!("{0} = {0}", p.name))
        .collect();
    let sql = if args.is_empty() {
        format!("EXEC {name}")
    } else {
        format!("EXEC {name} {}", args.join(", "))
    };
    Ok(Call { sql, params })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(name: &str, value: Value) -> RpcParam {
        RpcParam {
            name: name.into(),
            value: Ok(value),
        }
    }

    #[test]
    fn a_procedure_by_name_runs_as_exec_with_its_arguments_as_parameters() {
        let rpc = Rpc {
            proc: Proc::Name("master.dbo.sp_delete_log_shipping_secondary_database".into()),
            params: vec![param("@secondary_database", Value::Text("mgc".into()))],
        };
        let call = to_call(rpc).unwrap();
        assert_eq!(
            call.sql,
            "EXEC master.dbo.sp_delete_log_shipping_secondary_database @secondary_database = @secondary_database"
        );
        assert_eq!(call.params[0].value, Value::Text("mgc".into()));
    }

    #[test]
    fn sp_executesql_by_name_is_the_same_as_by_id_and_other_ids_are_refused() {
        let params = vec![
            param("@stmt", Value::Text("SELECT @P1".into())),
            param("@params", Value::Text("@P1 int".into())),
            param("@P1", Value::Int(3)),
        ];
        let by_name = to_call(Rpc {
            proc: Proc::Name("sys.sp_executesql".into()),
            params: params.clone(),
        });
        let by_id = to_call(Rpc {
            proc: Proc::Id(SP_EXECUTESQL),
            params,
        });
        assert_eq!(by_name, by_id);
        assert_eq!(
            by_id.unwrap().params,
            [Param {
                name: "@P1".into(),
                value: Value::Int(3)
            }]
        );
        let prepexec = to_call(Rpc {
            proc: Proc::Id(SP_PREPEXEC),
            params: vec![],
        });
        assert!(prepexec.unwrap_err().contains("sp_prepexec"));
    }

    #[test]
    fn an_unmodelled_parameter_type_is_an_error_message_not_a_close() {
        let rpc = Rpc {
            proc: Proc::Id(SP_EXECUTESQL),
            params: vec![
                param("@stmt", Value::Text("SELECT @P1".into())),
                RpcParam {
                    name: "@P1".into(),
                    value: Err("float".into()),
                },
            ],
        };
        assert!(to_call(rpc).unwrap_err().contains("type float"));
    }
}
