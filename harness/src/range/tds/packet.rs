//! Packet framing ([MS-TDS] 2.2.3.1): an 8-byte header (type, status, big-endian length
//! including the header, SPID, packet id, window) before each packet; a message is the
//! packets up to the one whose status has EOM (0x01). Reassembly is bounded: a packet
//! longer than the limit or a message beyond the batch limit is refused before any
//! allocation of the announced size.
use super::{malformed, Malformed};

pub const HEADER_LEN: usize = 8;

/// Packet types (2.2.3.1.1).
pub const SQL_BATCH: u8 = 0x01;
pub const RPC: u8 = 0x03;
pub const TABULAR_RESULT: u8 = 0x04;
pub const ATTENTION: u8 = 0x06;
pub const BULK_LOAD: u8 = 0x07;
pub const TRANSACTION_MANAGER: u8 = 0x0E;
pub const LOGIN7: u8 = 0x10;
pub const SSPI: u8 = 0x11;
pub const PRELOGIN: u8 = 0x12;

/// Status bits (2.2.3.1.2).
pub const STATUS_EOM: u8 = 0x01;
pub const STATUS_RESET_CONNECTION: u8 = 0x08;

/// The smallest packet size a client may negotiate (LOGIN7 PacketSize, 2.2.6.4).
pub const MIN_PACKET: usize = 512;
/// The largest packet size SQL Server accepts (LOGIN7 PacketSize, 2.2.6.4).
pub const MAX_PACKET: usize = 32767;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub ty: u8,
    pub status: u8,
    /// Whole packet length, header included.
    pub length: u16,
    pub spid: u16,
    pub packet_id: u8,
}

impl Header {
    /// Decode and check a header against the session's packet limit.
    pub fn parse(b: &[u8; HEADER_LEN], max_packet: usize) -> Result<Header, Malformed> {
        let h = Header {
            ty: b[0],
            status: b[1],
            length: u16::from_be_bytes([b[2], b[3]]),
            spid: u16::from_be_bytes([b[4], b[5]]),
            packet_id: b[6],
        };
        let len = h.length as usize;
        if len < HEADER_LEN {
            return malformed(format!("packet length {len} is shorter than its header"));
        }
        if len > max_packet {
            return malformed(format!(
                "packet length {len} exceeds the packet size limit {max_packet}"
            ));
        }
        Ok(h)
    }
    pub fn body_len(&self) -> usize {
        self.length as usize - HEADER_LEN
    }
    pub fn eom(&self) -> bool {
        self.status & STATUS_EOM != 0
    }
}

/// One reassembled message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub ty: u8,
    pub status: u8,
    pub payload: Vec<u8>,
}

/// Why a message was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// Broken framing: close the connection.
    Malformed(Malformed),
    /// A well-framed message larger than the batch limit: answer an error, then close.
    TooLarge { limit: usize },
}

/// Joins packets into messages with a hard cap on the message size.
pub struct Assembler {
    max_message: usize,
    ty: Option<u8>,
    status: u8,
    buf: Vec<u8>,
}

impl Assembler {
    pub fn new(max_message: usize) -> Self {
        Assembler {
            max_message,
            ty: None,
            status: 0,
            buf: Vec::new(),
        }
    }

    /// True while part of a message has arrived (a disconnect now is mid-request).
    pub fn in_progress(&self) -> bool {
        self.ty.is_some()
    }

    /// Add one packet's body; the whole message once the EOM packet arrives.
    pub fn push(&mut self, h: &Header, body: &[u8]) -> Result<Option<Message>, Refused> {
        match self.ty {
            // An attention may interrupt a request being sent (2.2.1.7); anything else
            // arriving mid-message is a framing error.
            Some(t) if t != h.ty && h.ty != ATTENTION => {
                return Err(Refused::Malformed(Malformed(format!(
                    "packet of type {:#04x} inside a message of type {t:#04x}",
                    h.ty
                ))))
            }
            Some(_) if h.ty == ATTENTION => {
                self.reset();
                return Ok(Some(Message {
                    ty: ATTENTION,
                    status: h.status,
                    payload: Vec::new(),
                }));
            }
            Some(_) => {}
            None => {
                self.ty = Some(h.ty);
                self.status = h.status;
            }
        }
        if self.buf.len() + body.len() > self.max_message {
            self.reset();
            return Err(Refused::TooLarge {
                limit: self.max_message,
            });
        }
        self.buf.extend_from_slice(body);
        if !h.eom() {
            return Ok(None);
        }
        let msg = Message {
            ty: h.ty,
            status: self.status,
            payload: std::mem::take(&mut self.buf),
        };
        self.reset();
        Ok(Some(msg))
    }

    fn reset(&mut self) {
        self.ty = None;
        self.status = 0;
        self.buf = Vec::new();
    }
}

/// Split a byte stream into messages (what the connection does incrementally; used by
/// tests and the decoder fuzz property). Trailing bytes of an unfinished packet or
/// message are ignored.
pub fn split(bytes: &[u8], max_packet: usize, max_message: usize) -> Result<Vec<Message>, Refused> {
    let mut asm = Assembler::new(max_message);
    let mut out = Vec::new();
    let mut rest = bytes;
    while rest.len() >= HEADER_LEN {
        let mut hb = [0u8; HEADER_LEN];
        hb.copy_from_slice(&rest[..HEADER_LEN]);
        let h = Header::parse(&hb, max_packet).map_err(Refused::Malformed)?;
        let len = h.length as usize;
        if rest.len() < len {
            break;
        }
        if let Some(m) = asm.push(&h, &rest[HEADER_LEN..len])? {
            out.push(m);
        }
        rest = &rest[len..];
    }
    Ok(out)
}

/// Frame `payload` as a message of type `ty` in packets of at most `packet_size` bytes,
/// appended to `out`; the packet id counts from 1 and wraps (2.2.3.1.5).
pub fn frame(ty: u8, payload: &[u8], packet_size: usize, spid: u16, out: &mut Vec<u8>) {
    let room = packet_size.clamp(MIN_PACKET, MAX_PACKET) - HEADER_LEN;
    let mut chunks = payload.chunks(room).peekable();
    let mut id: u8 = 1;
    if payload.is_empty() {
        push_packet(out, ty, STATUS_EOM, spid, id, &[]);
        return;
    }
    while let Some(c) = chunks.next() {
        let status = if chunks.peek().is_none() {
            STATUS_EOM
        } else {
            0
        };
        push_packet(out, ty, status, spid, id, c);
        id = id.wrapping_add(1);
    }
}

fn push_packet(out: &mut Vec<u8>, ty: u8, status: u8, spid: u16, id: u8, body: &[u8]) {
    let len = (HEADER_LEN + body.len()) as u16;
    out.push(ty);
    out.push(status);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&spid.to_be_bytes());
    out.push(id);
    out.push(0);
    out.extend_from_slice(body);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_split_at_the_packet_size_and_reassemble() {
        let payload: Vec<u8> = (0..2000u32).map(|i| i as u8).collect();
        let mut wire = Vec::new();
        frame(SQL_BATCH, &payload, 512, 7, &mut wire);
        // 504 bytes of body per 512-byte packet: 4 packets, only the last with EOM.
        assert_eq!(wire.len(), 2000 + 4 * HEADER_LEN);
        assert_eq!(wire[1], 0);
        let msgs = split(&wire, 512, 1 << 20).unwrap();
        assert_eq!(msgs.len(), 1);
        assert_eq!(msgs[0].payload, payload);
    }

    #[test]
    fn a_message_over_the_batch_limit_is_refused() {
        let mut wire = Vec::new();
        frame(SQL_BATCH, &[0u8; 3000], 1024, 0, &mut wire);
        assert_eq!(
            split(&wire, 1024, 2048),
            Err(Refused::TooLarge { limit: 2048 })
        );
    }

    #[test]
    fn a_packet_over_the_packet_limit_or_under_its_header_is_malformed() {
        let big = [SQL_BATCH, 1, 0x80, 0x00, 0, 0, 1, 0];
        assert!(Header::parse(&big, 4096).is_err());
        let tiny = [SQL_BATCH, 1, 0, 4, 0, 0, 1, 0];
        assert!(Header::parse(&tiny, 4096).is_err());
    }
}
