//! TDS encryption for the range ([MS-TDS] 2.2.6.5 ENCRYPTION, 3.2.5.2): whether the
//! range offers TLS. With `Off` the range answers ENCRYPT_NOT_SUP and everything,
//! the login included, travels in the clear (loopback rehearsals only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TlsMode {
    /// ENCRYPT_NOT_SUP: clients must be told not to encrypt (docs/range.md).
    #[default]
    Off,
}
