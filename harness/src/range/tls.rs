//! TDS encryption for the range ([MS-TDS] 2.2.6.5 ENCRYPTION and 3.3.5.1): after the
//! PRELOGIN exchange the TLS handshake travels inside PRELOGIN packets (0x12); once it is
//! done, TLS records go straight over TCP with the TDS packets inside them. When both sides
//! said ENCRYPT_OFF only the LOGIN7 is encrypted and the connection returns to the clear
//! right after it; ENCRYPT_ON encrypts the whole session.
//!
//! The certificate is self-signed, made when the range starts (rcgen): clients connect with
//! TrustServerCertificate (sqlcmd `-C`, SSMS "Trust server certificate", tiberius
//! `trust_cert()`). TLS 1.2 only: what SQL Server 2014 speaks, and the handshake ends with
//! the server's Finished, so no post-handshake message (a TLS 1.3 session ticket) can
//! arrive framed while the client has already switched to raw records.
use super::tds::packet::{HEADER_LEN, PRELOGIN, STATUS_EOM};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_rustls::rustls;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TlsMode {
    /// Answer ENCRYPT_NOT_SUP: everything, the login included, travels in the clear;
    /// clients must be told not to encrypt (Encrypt=no / `-N disable`).
    Off,
    /// Offer TLS with a certificate made at start (the default: clients connect with
    /// their defaults plus TrustServerCertificate).
    #[default]
    SelfSigned,
}

/// Make the acceptor for `TlsMode::SelfSigned`: a fresh key and certificate for
/// localhost and the given host names.
pub fn self_signed(names: &[String]) -> io::Result<tokio_rustls::TlsAcceptor> {
    let mut sans = vec!["localhost".to_string()];
    sans.extend(names.iter().cloned());
    let ck = rcgen::generate_simple_self_signed(sans).map_err(io::Error::other)?;
    let cert = ck.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(ck.signing_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS12])
        .map_err(io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .map_err(io::Error::other)?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(cfg)))
}

/// The TCP stream as TLS sees it during the handshake: incoming PRELOGIN packets are
/// unwrapped, outgoing records are wrapped in one PRELOGIN message per flush. After the
/// handshake, bytes pass through untouched.
pub struct PreloginFramed<S> {
    inner: S,
    handshaking: bool,
    header: [u8; HEADER_LEN],
    header_pos: usize,
    body_left: usize,
    pending: Vec<u8>,
    out: Vec<u8>,
    out_pos: usize,
}

impl<S> PreloginFramed<S> {
    pub fn new(inner: S) -> Self {
        PreloginFramed {
            inner,
            handshaking: true,
            header: [0; HEADER_LEN],
            header_pos: 0,
            body_left: 0,
            pending: Vec::new(),
            out: Vec::new(),
            out_pos: 0,
        }
    }
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for PreloginFramed<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        if !me.handshaking {
            return Pin::new(&mut me.inner).poll_read(cx, buf);
        }
        while me.body_left == 0 {
            // A new PRELOGIN packet's header; its body is the TLS bytes.
            while me.header_pos < HEADER_LEN {
                let mut rb = ReadBuf::new(&mut me.header[me.header_pos..]);
                ready!(Pin::new(&mut me.inner).poll_read(cx, &mut rb))?;
                let n = rb.filled().len();
                if n == 0 {
                    return Poll::Ready(Ok(()));
                }
                me.header_pos += n;
            }
            me.header_pos = 0;
            let len = u16::from_be_bytes([me.header[2], me.header[3]]) as usize;
            if me.header[0] != PRELOGIN || len < HEADER_LEN {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "expected a PRELOGIN packet carrying the TLS handshake",
                )));
            }
            me.body_left = len - HEADER_LEN;
        }
        let want = me.body_left.min(buf.remaining());
        let mut rb = ReadBuf::new(buf.initialize_unfilled_to(want));
        ready!(Pin::new(&mut me.inner).poll_read(cx, &mut rb))?;
        let n = rb.filled().len();
        buf.advance(n);
        me.body_left -= n;
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for PreloginFramed<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        if !me.handshaking {
            return Pin::new(&mut me.inner).poll_write(cx, buf);
        }
        me.pending.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        if me.out.is_empty() && !me.pending.is_empty() {
            // One PRELOGIN message per flight, in packets of the default 4096 bytes.
            let chunks: Vec<&[u8]> = me.pending.chunks(4096 - HEADER_LEN).collect();
            for (i, c) in chunks.iter().enumerate() {
                let status = if i + 1 == chunks.len() { STATUS_EOM } else { 0 };
                me.out.push(PRELOGIN);
                me.out.push(status);
                me.out
                    .extend_from_slice(&((c.len() + HEADER_LEN) as u16).to_be_bytes());
                me.out.extend_from_slice(&[0, 0, (i + 1) as u8, 0]);
                me.out.extend_from_slice(c);
            }
            me.pending.clear();
        }
        while me.out_pos < me.out.len() {
            let n = ready!(Pin::new(&mut me.inner).poll_write(cx, &me.out[me.out_pos..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            me.out_pos += n;
        }
        me.out.clear();
        me.out_pos = 0;
        Pin::new(&mut me.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// A connection in the clear or under TLS; it changes at most twice (TLS after PRELOGIN,
/// back to the clear after a login-only encryption).
pub enum Transport<S> {
    Raw(S),
    Tls(Box<tokio_rustls::server::TlsStream<PreloginFramed<S>>>),
}

impl<S: AsyncRead + AsyncWrite + Unpin> Transport<S> {
    /// Run the server side of the handshake over PRELOGIN packets.
    pub async fn start_tls(self, acceptor: &tokio_rustls::TlsAcceptor) -> io::Result<Self> {
        let raw = match self {
            Transport::Raw(s) => s,
            t @ Transport::Tls(_) => return Ok(t),
        };
        let mut tls = acceptor.accept(PreloginFramed::new(raw)).await?;
        tls.get_mut().0.handshaking = false;
        Ok(Transport::Tls(Box::new(tls)))
    }

    /// Back to the clear (ENCRYPT_OFF: only the LOGIN7 was encrypted).
    pub fn end_tls(self) -> Self {
        match self {
            Transport::Tls(t) => Transport::Raw(t.into_inner().0.into_inner()),
            raw => raw,
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for Transport<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Raw(s) => Pin::new(s).poll_read(cx, buf),
            Transport::Tls(t) => Pin::new(t.as_mut()).poll_read(cx, buf),
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Transport<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Transport::Raw(s) => Pin::new(s).poll_write(cx, buf),
            Transport::Tls(t) => Pin::new(t.as_mut()).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Raw(s) => Pin::new(s).poll_flush(cx),
            Transport::Tls(t) => Pin::new(t.as_mut()).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Raw(s) => Pin::new(s).poll_shutdown(cx),
            Transport::Tls(t) => Pin::new(t.as_mut()).poll_shutdown(cx),
        }
    }
}
