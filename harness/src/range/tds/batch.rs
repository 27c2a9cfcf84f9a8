//! SQLBatch ([MS-TDS] 2.2.6.7): ALL_HEADERS (2.2.5.3, TDS 7.2 and later) then the batch
//! text in UTF-16LE.
use super::{malformed, utf16_text, Cursor, Malformed};

/// Skip ALL_HEADERS: a u32 total length (itself included), then headers each with a u32
/// length (itself included), a u16 type (1 query notifications, 2 transaction descriptor,
/// 3 trace activity). Returns the offset after them. Clients speaking TDS 7.1 or older
/// send none: a batch that does not start with a well-formed ALL_HEADERS is all text.
pub fn skip_all_headers(payload: &[u8]) -> Result<usize, Malformed> {
    let mut c = Cursor::new(payload);
    let Ok(total) = c.u32_le("ALL_HEADERS") else {
        return Ok(0);
    };
    let total = total as usize;
    if total < 4 || total > payload.len() {
        return Ok(0);
    }
    let mut at = 4;
    while at < total {
        let mut h = Cursor::new(&payload[at..total]);
        let len = h.u32_le("header length")? as usize;
        let ty = h.u16_le("header type")?;
        if len < 6 || at + len > total || !(1..=3).contains(&ty) {
            return malformed(format!("ALL_HEADERS: bad header (type {ty}, length {len})"));
        }
        at += len;
    }
    Ok(total)
}

/// The batch text.
pub fn decode(payload: &[u8]) -> Result<String, Malformed> {
    let at = skip_all_headers(payload)?;
    let text = &payload[at..];
    if !text.len().is_multiple_of(2) {
        return malformed("SQLBatch text has an odd number of bytes (not UTF-16)");
    }
    Ok(utf16_text(text))
}

/// ALL_HEADERS with one transaction-descriptor header (what clients send outside a
/// transaction: descriptor 0, one outstanding request).
pub fn all_headers() -> Vec<u8> {
    let mut b = Vec::with_capacity(22);
    b.extend_from_slice(&22u32.to_le_bytes());
    b.extend_from_slice(&18u32.to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&0u64.to_le_bytes());
    b.extend_from_slice(&1u32.to_le_bytes());
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_with_or_without_all_headers_decodes() {
        let mut p = all_headers();
        super::super::put_utf16(&mut p, "SELECT 1");
        assert_eq!(decode(&p).unwrap(), "SELECT 1");
        let mut bare = Vec::new();
        super::super::put_utf16(&mut bare, "USE mgc");
        assert_eq!(decode(&bare).unwrap(), "USE mgc");
    }
}
