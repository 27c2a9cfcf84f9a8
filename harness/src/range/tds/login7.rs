//! LOGIN7 ([MS-TDS] 2.2.6.4): a 94-byte fixed part (length, TDS version, packet size,
//! flags, then offset/length pairs into the variable part, lengths in UTF-16 characters),
//! then the strings. The password is obfuscated, not encrypted: each byte had its nibbles
//! swapped and was XORed with 0xA5 (2.2.6.4, "Password").
use super::{malformed, Cursor, Malformed};
use crate::range::reply::Login;

/// The fixed part's length (TDS 7.2 and later).
pub const FIXED_LEN: usize = 94;

/// OptionFlags2 fIntSecurity: integrated (Windows) authentication requested.
pub const INT_SECURITY: u8 = 0x80;

/// A decoded LOGIN7.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Login7 {
    /// As sent (little-endian in LOGIN7): 0x74000004 for TDS 7.4.
    pub tds_version: u32,
    pub packet_size: u32,
    pub integrated_security: bool,
    pub login: Login,
}

/// Undo the password obfuscation: XOR with 0xA5, then swap the nibbles.
pub fn unscramble(b: u8) -> u8 {
    (b ^ 0xA5).rotate_left(4)
}

/// The client side of the obfuscation (tests and tools that build a LOGIN7).
pub fn scramble(b: u8) -> u8 {
    b.rotate_left(4) ^ 0xA5
}

pub fn decode(payload: &[u8]) -> Result<Login7, Malformed> {
    let mut c = Cursor::new(payload);
    let length = c.u32_le("LOGIN7 length")? as usize;
    if length > payload.len() || length < FIXED_LEN || payload.len() < FIXED_LEN {
        return malformed(format!(
            "LOGIN7 length {length} does not fit its {} bytes (at least {FIXED_LEN})",
            payload.len()
        ));
    }
    let body = &payload[..length];
    let tds_version = c.u32_le("LOGIN7 TDSVersion")?;
    let packet_size = c.u32_le("LOGIN7 PacketSize")?;
    c.bytes(12, "LOGIN7 ClientProgVer, ClientPID, ConnectionID")?;
    let _flags1 = c.u8("LOGIN7 OptionFlags1")?;
    let flags2 = c.u8("LOGIN7 OptionFlags2")?;
    c.bytes(
        10,
        "LOGIN7 TypeFlags, OptionFlags3, ClientTimeZone, ClientLCID",
    )?;
    // Offsets 36..: HostName, UserName, Password, AppName, ServerName, Extension,
    // CltIntName, Language, Database (each ib u16 + cch u16).
    let mut fields = [(0usize, 0usize); 9];
    for f in fields.iter_mut() {
        let ib = c.u16_le("LOGIN7 offset")? as usize;
        let cch = c.u16_le("LOGIN7 length")? as usize;
        *f = (ib, cch);
    }
    let text = |i: usize, what: &str| -> Result<Vec<u8>, Malformed> {
        let (ib, cch) = fields[i];
        if cch == 0 {
            return Ok(Vec::new());
        }
        body.get(ib..ib.saturating_add(cch * 2))
            .map(|s| s.to_vec())
            .ok_or_else(|| Malformed(format!("LOGIN7 {what} points past the end")))
    };
    let s = |b: Vec<u8>| super::utf16_text(&b);
    let password: Vec<u8> = text(2, "Password")?.into_iter().map(unscramble).collect();
    Ok(Login7 {
        tds_version,
        packet_size,
        integrated_security: flags2 & INT_SECURITY != 0,
        login: Login {
            host_name: s(text(0, "HostName")?),
            user: s(text(1, "UserName")?),
            password: s(password),
            app_name: s(text(3, "AppName")?),
            database: s(text(8, "Database")?),
        },
    })
}

/// Build a LOGIN7 payload (tests, fuzz seeds): TDS 7.4, SQL authentication.
pub fn encode(login: &Login, packet_size: u32) -> Vec<u8> {
    let strings: [(&str, bool); 9] = [
        (&login.host_name, false),
        (&login.user, false),
        (&login.password, true),
        (&login.app_name, false),
        ("", false),
        ("", false),
        ("drill", false),
        ("", false),
        (&login.database, false),
    ];
    let mut var = Vec::new();
    let mut offsets = Vec::new();
    for (s, secret) in strings {
        let ib = FIXED_LEN + var.len();
        let start = var.len();
        super::put_utf16(&mut var, s);
        if secret {
            for b in &mut var[start..] {
                *b = scramble(*b);
            }
        }
        offsets.push((ib as u16, s.encode_utf16().count() as u16));
    }
    let mut out = Vec::with_capacity(FIXED_LEN + var.len());
    out.extend_from_slice(&((FIXED_LEN + var.len()) as u32).to_le_bytes());
    out.extend_from_slice(&0x7400_0004u32.to_le_bytes());
    out.extend_from_slice(&packet_size.to_le_bytes());
    out.extend_from_slice(&[0; 12]);
    out.extend_from_slice(&[0xE0, 0x03, 0, 0]);
    out.extend_from_slice(&[0; 8]);
    for (ib, cch) in offsets {
        out.extend_from_slice(&ib.to_le_bytes());
        out.extend_from_slice(&cch.to_le_bytes());
    }
    out.extend_from_slice(&[0; 6]); // ClientID
    let end = (FIXED_LEN + var.len()) as u16;
    for _ in 0..3 {
        // SSPI, AtchDBFile, ChangePassword: empty, pointing at the end
        out.extend_from_slice(&end.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
    }
    out.extend_from_slice(&0u32.to_le_bytes()); // cbSSPILong
    debug_assert_eq!(out.len(), FIXED_LEN);
    out.extend_from_slice(&var);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scramble_matches_the_spec_example_and_inverts() {
        // By the rule of 2.2.6.4: 'a' (0x61) -> swap nibbles 0x16 -> XOR 0xA5 = 0xB3.
        assert_eq!(scramble(0x61), 0xB3);
        for b in 0..=255u8 {
            assert_eq!(unscramble(scramble(b)), b);
        }
    }

    #[test]
    fn an_encoded_login_decodes_to_itself() {
        let login = Login {
            user: "drill".into(),
            password: "Pässword!".into(),
            database: "mgc".into(),
            app_name: "sqlcmd".into(),
            host_name: "fe01".into(),
        };
        let d = decode(&encode(&login, 4096)).unwrap();
        assert_eq!(d.login, login);
        assert_eq!(d.packet_size, 4096);
        assert_eq!(d.tds_version, 0x7400_0004);
    }

    #[test]
    fn a_short_or_overlong_login_is_malformed() {
        assert!(decode(&[0; 10]).is_err());
        let mut p = encode(
            &Login {
                user: "u".into(),
                password: "p".into(),
                database: String::new(),
                app_name: String::new(),
                host_name: String::new(),
            },
            4096,
        );
        p[40] = 0xF0; // UserName offset past the end
        p[41] = 0xFF;
        assert!(decode(&p).is_err());
    }
}
