//! TDS (Tabular Data Stream, [MS-TDS]) as the range speaks it: the server side only, the
//! subset real clients (tiberius, python-tds, FreeTDS, sqlcmd, SSMS) need to log in, send
//! batches and `sp_executesql` RPCs, and read result sets, messages and DONE tokens.
//!
//! Map: [`packet`] frames and reassembles messages (2.2.3.1), [`prelogin`] and [`login7`]
//! are the handshake (2.2.6.5, 2.2.6.4), [`batch`] and [`rpc`] decode requests (2.2.6.7,
//! 2.2.6.6), [`value`] encodes column types and cells (2.2.5), [`token`] writes the token
//! stream (2.2.7), [`answer`] turns a backend's [`Reply`](super::reply::Reply) list into
//! tokens, and [`connection`] drives one client connection. Every decoder works on bytes
//! already bounded by the packet limits and returns [`Malformed`] instead of panicking.
pub mod answer;
pub mod batch;
pub mod connection;
pub mod login7;
pub mod packet;
pub mod prelogin;
pub mod rpc;
pub mod token;
pub mod value;

/// A request the range cannot decode: the connection that sent it is closed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed(pub String);

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Malformed {}

pub(crate) fn malformed<T>(what: impl Into<String>) -> Result<T, Malformed> {
    Err(Malformed(what.into()))
}

/// A bounds-checked reader over a decoded message: every read past the end is an error.
pub struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Cursor { buf, pos: 0 }
    }
    pub fn position(&self) -> usize {
        self.pos
    }
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }
    pub fn bytes(&mut self, n: usize, what: &str) -> Result<&'a [u8], Malformed> {
        if n > self.remaining() {
            return malformed(format!(
                "{what}: needs {n} bytes at offset {}, {} left",
                self.pos,
                self.remaining()
            ));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    pub fn u8(&mut self, what: &str) -> Result<u8, Malformed> {
        Ok(self.bytes(1, what)?[0])
    }
    pub fn u16_le(&mut self, what: &str) -> Result<u16, Malformed> {
        let b = self.bytes(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    pub fn u16_be(&mut self, what: &str) -> Result<u16, Malformed> {
        let b = self.bytes(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    pub fn u32_le(&mut self, what: &str) -> Result<u32, Malformed> {
        let b = self.bytes(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    pub fn u64_le(&mut self, what: &str) -> Result<u64, Malformed> {
        let b = self.bytes(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
    /// `chars` UTF-16LE code units as text (unpaired surrogates become U+FFFD).
    pub fn utf16(&mut self, chars: usize, what: &str) -> Result<String, Malformed> {
        let n = chars
            .checked_mul(2)
            .ok_or_else(|| Malformed(format!("{what}: length overflows")))?;
        Ok(utf16_text(self.bytes(n, what)?))
    }
    /// B_VARCHAR: a one-byte character count, then UTF-16LE.
    pub fn b_varchar(&mut self, what: &str) -> Result<String, Malformed> {
        let n = self.u8(what)? as usize;
        self.utf16(n, what)
    }
}

/// UTF-16LE bytes as text; an odd trailing byte is dropped by the caller's length checks.
pub fn utf16_text(b: &[u8]) -> String {
    let units = b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
    char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// Text as UTF-16LE bytes appended to `out`.
pub fn put_utf16(out: &mut Vec<u8>, s: &str) {
    for u in s.encode_utf16() {
        out.extend_from_slice(&u.to_le_bytes());
    }
}

/// Every decoder on the same bytes (the fuzz target and the never-panic property): each
/// must return, accepting or refusing, for any input.
pub fn decode_any(bytes: &[u8]) {
    let _ = packet::split(bytes, packet::MAX_PACKET, 64 * 1024);
    let _ = prelogin::decode(bytes);
    let _ = login7::decode(bytes);
    let _ = batch::decode(bytes);
    if let Ok(r) = rpc::decode(bytes) {
        let _ = rpc::to_call(r);
    }
}
