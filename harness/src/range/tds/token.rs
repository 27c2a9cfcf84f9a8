//! The token stream a server sends ([MS-TDS] 2.2.7): LOGINACK, ENVCHANGE, INFO/ERROR,
//! COLMETADATA, ROW, RETURNSTATUS and the DONE family, written into one buffer that the
//! connection frames as a tabular-result message.
use super::value::{b_varchar, cell, type_info, us_varchar, Mismatch, COLLATION};
use crate::range::reply::{Column, SqlMessage, Value};

pub const COLMETADATA: u8 = 0x81;
pub const ERROR: u8 = 0xAA;
pub const INFO: u8 = 0xAB;
pub const LOGINACK: u8 = 0xAD;
pub const RETURNSTATUS: u8 = 0x79;
pub const ROW: u8 = 0xD1;
pub const ENVCHANGE: u8 = 0xE3;
pub const DONE: u8 = 0xFD;
pub const DONEPROC: u8 = 0xFE;
pub const DONEINPROC: u8 = 0xFF;

/// DONE status bits (2.2.7.6).
pub const DONE_FINAL: u16 = 0x00;
pub const DONE_MORE: u16 = 0x01;
pub const DONE_ERROR: u16 = 0x02;
pub const DONE_COUNT: u16 = 0x10;
pub const DONE_ATTN: u16 = 0x20;

/// ENVCHANGE types (2.2.7.9).
pub const ENV_DATABASE: u8 = 1;
pub const ENV_LANGUAGE: u8 = 2;
pub const ENV_PACKET_SIZE: u8 = 4;
pub const ENV_COLLATION: u8 = 7;

/// CurCmd of a DONE after a SELECT (2.2.7.6: the token of the current command).
pub const CMD_SELECT: u16 = 0xC1;

/// The TDS version the range speaks (LOGINACK, big-endian on the wire): 7.4.
pub const TDS_74: u32 = 0x7400_0004;

#[derive(Default)]
pub struct Tokens {
    pub buf: Vec<u8>,
}

impl Tokens {
    pub fn new() -> Self {
        Tokens::default()
    }

    /// A token with a u16 length before its body.
    fn sized(&mut self, token: u8, body: &[u8]) {
        self.buf.push(token);
        self.buf
            .extend_from_slice(&(body.len().min(u16::MAX as usize) as u16).to_le_bytes());
        self.buf
            .extend_from_slice(&body[..body.len().min(u16::MAX as usize)]);
    }

    /// LOGINACK (2.2.7.14): interface 1 (T-SQL), TDS version, program name and version.
    pub fn login_ack(&mut self, prog_name: &str, version: [u8; 4]) {
        let mut b = vec![1];
        b.extend_from_slice(&TDS_74.to_be_bytes());
        b_varchar(prog_name, &mut b);
        b.extend_from_slice(&version);
        self.sized(LOGINACK, &b);
    }

    /// ENVCHANGE with B_VARCHAR new and old values (database, language, packet size).
    pub fn env_text(&mut self, ty: u8, new: &str, old: &str) {
        let mut b = vec![ty];
        b_varchar(new, &mut b);
        b_varchar(old, &mut b);
        self.sized(ENVCHANGE, &b);
    }

    /// ENVCHANGE 7: the SQL collation (B_VARBYTE new, empty old).
    pub fn env_collation(&mut self) {
        let mut b = vec![ENV_COLLATION, COLLATION.len() as u8];
        b.extend_from_slice(&COLLATION);
        b.push(0);
        self.sized(ENVCHANGE, &b);
    }

    /// INFO (class 0-10) or ERROR (class 11 and above), 2.2.7.13 / 2.2.7.10.
    pub fn message(&mut self, m: &SqlMessage, server: &str) {
        let mut b = Vec::new();
        b.extend_from_slice(&m.number.to_le_bytes());
        b.push(m.state);
        b.push(m.class);
        us_varchar(&m.text, &mut b);
        b_varchar(server, &mut b);
        b_varchar(&m.procedure, &mut b);
        b.extend_from_slice(&(m.line as i32).to_le_bytes());
        self.sized(if m.class > 10 { ERROR } else { INFO }, &b);
    }

    /// COLMETADATA (2.2.7.4): count, then per column UserType, Flags (nullable), TYPE_INFO,
    /// name.
    pub fn col_metadata(&mut self, columns: &[Column]) {
        self.buf.push(COLMETADATA);
        self.buf
            .extend_from_slice(&(columns.len() as u16).to_le_bytes());
        for c in columns {
            self.buf.extend_from_slice(&0u32.to_le_bytes());
            self.buf.extend_from_slice(&0x0001u16.to_le_bytes());
            type_info(c.ty, &mut self.buf);
            b_varchar(&c.name, &mut self.buf);
        }
    }

    /// ROW (2.2.7.19). On a mismatch nothing is written.
    pub fn row(&mut self, columns: &[Column], values: &[Value]) -> Result<(), Mismatch> {
        if values.len() != columns.len() {
            return Err(Mismatch(format!(
                "a row of {} values under {} columns",
                values.len(),
                columns.len()
            )));
        }
        let start = self.buf.len();
        self.buf.push(ROW);
        for (c, v) in columns.iter().zip(values) {
            if let Err(e) = cell(c.ty, v, &mut self.buf) {
                self.buf.truncate(start);
                return Err(Mismatch(format!("column '{}': {}", c.name, e.0)));
            }
        }
        Ok(())
    }

    pub fn return_status(&mut self, status: i32) {
        self.buf.push(RETURNSTATUS);
        self.buf.extend_from_slice(&status.to_le_bytes());
    }

    /// DONE, DONEPROC or DONEINPROC (2.2.7.6-8): status, current command, row count.
    pub fn done(&mut self, token: u8, status: u16, cur_cmd: u16, rows: u64) {
        self.buf.push(token);
        self.buf.extend_from_slice(&status.to_le_bytes());
        self.buf.extend_from_slice(&cur_cmd.to_le_bytes());
        self.buf.extend_from_slice(&rows.to_le_bytes());
    }
}
