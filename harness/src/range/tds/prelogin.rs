//! PRELOGIN ([MS-TDS] 2.2.6.5): an option table (token, big-endian offset and length from
//! the start of the payload) ended by 0xFF, then the option data. The client says which
//! encryption it wants; the server answers its version and what it agrees to.
use super::{malformed, Cursor, Malformed};

pub const VERSION: u8 = 0x00;
pub const ENCRYPTION: u8 = 0x01;
pub const INSTOPT: u8 = 0x02;
pub const THREADID: u8 = 0x03;
pub const MARS: u8 = 0x04;
pub const TERMINATOR: u8 = 0xFF;

/// ENCRYPTION option values (2.2.6.5).
pub const ENCRYPT_OFF: u8 = 0x00;
pub const ENCRYPT_ON: u8 = 0x01;
pub const ENCRYPT_NOT_SUP: u8 = 0x02;
pub const ENCRYPT_REQ: u8 = 0x03;

/// What the range reports as its version: SQL Server 2014 RTM (12.0.2000), a version
/// Persistent Chat on Lync 2013 / Skype for Business 2015 supports.
pub const SERVER_VERSION: [u8; 4] = [12, 0, 0x07, 0xD0];

/// The client's PRELOGIN, as far as the range uses it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PreLogin {
    /// None when the client sent no ENCRYPTION option (treated as ENCRYPT_OFF).
    pub encryption: Option<u8>,
    pub mars: bool,
}

pub fn decode(payload: &[u8]) -> Result<PreLogin, Malformed> {
    let mut table = Cursor::new(payload);
    let mut out = PreLogin::default();
    // Each option entry is 5 bytes: a payload of n bytes holds at most n/5 of them.
    for _ in 0..=payload.len() / 5 {
        let token = table.u8("PRELOGIN option table")?;
        if token == TERMINATOR {
            return Ok(out);
        }
        let offset = table.u16_be("PRELOGIN option offset")? as usize;
        let len = table.u16_be("PRELOGIN option length")? as usize;
        let data = payload
            .get(offset..offset.saturating_add(len))
            .ok_or_else(|| Malformed(format!("PRELOGIN option {token} points past the end")))?;
        match token {
            ENCRYPTION if !data.is_empty() => out.encryption = Some(data[0]),
            MARS if !data.is_empty() => out.mars = data[0] != 0,
            _ => {}
        }
    }
    malformed("PRELOGIN option table has no terminator")
}

/// The server's PRELOGIN answer: VERSION, ENCRYPTION, INSTOPT (0: the instance is
/// valid), THREADID (empty), MARS (off: the range answers one request at a time).
pub fn response(encryption: u8) -> Vec<u8> {
    let options: [(u8, Vec<u8>); 5] = [
        (
            VERSION,
            vec![
                SERVER_VERSION[0],
                SERVER_VERSION[1],
                SERVER_VERSION[2],
                SERVER_VERSION[3],
                0,
                0,
            ],
        ),
        (ENCRYPTION, vec![encryption]),
        (INSTOPT, vec![0]),
        (THREADID, vec![]),
        (MARS, vec![0]),
    ];
    let table_len = options.len() * 5 + 1;
    let mut table = Vec::with_capacity(table_len);
    let mut data = Vec::new();
    for (token, bytes) in &options {
        table.push(*token);
        table.extend_from_slice(&((table_len + data.len()) as u16).to_be_bytes());
        table.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
        data.extend_from_slice(bytes);
    }
    table.push(TERMINATOR);
    table.extend_from_slice(&data);
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_response_decodes_as_a_prelogin() {
        let r = response(ENCRYPT_NOT_SUP);
        let p = decode(&r).unwrap();
        assert_eq!(p.encryption, Some(ENCRYPT_NOT_SUP));
        assert!(!p.mars);
    }

    #[test]
    fn an_option_past_the_end_or_no_terminator_is_malformed() {
        assert!(decode(&[ENCRYPTION, 0, 200, 0, 1, TERMINATOR]).is_err());
        assert!(decode(&[ENCRYPTION, 0, 5, 0, 0]).is_err());
        assert!(decode(&[]).is_err());
    }
}
