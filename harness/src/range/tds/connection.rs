//! One client connection: PRELOGIN, LOGIN7, then requests until the client leaves. Every
//! failure ends only this connection; the session's [`Backend::logout`] runs however the
//! connection ends (a drop guard), and [`Backend::attention`] when the client cancels or
//! goes away in the middle of a request.
use super::answer::{self, range_message, Request};
use super::packet::{self, Assembler, Header, Message, Refused, HEADER_LEN};
use super::token::{self, Tokens};
use super::{batch, login7, prelogin, rpc, Malformed};
use crate::range::reply::{Backend, Session, SqlMessage};
use crate::range::tls::Transport;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::timeout;

/// Per-connection limits (the server's [`ServeConfig`](crate::range::server::ServeConfig)).
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_packet: usize,
    pub max_batch_bytes: usize,
    pub login_timeout: Duration,
    pub read_timeout: Duration,
    pub idle_timeout: Duration,
}

/// Whether the range had room for this session when it connected.
pub enum Admission {
    Admitted(tokio::sync::OwnedSemaphorePermit),
    /// Over the session limit: the login is answered with Msg 17809 and closed.
    Full {
        limit: usize,
    },
}

/// Who is on the other end, for the one-line log.
pub struct Peer {
    pub endpoint: usize,
    pub server: String,
    pub addr: SocketAddr,
}

impl Peer {
    pub fn log(&self, what: &str) {
        eprintln!("drill range: {} {}: {what}", self.server, self.addr);
    }
}

/// What the PRELOGIN exchange agreed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encryption {
    None,
    LoginOnly,
    Session,
}

enum ReadEnd {
    Eof,
    Timeout,
    Io(std::io::Error),
    Refused(Refused),
    /// A TLS record where a TDS packet belongs.
    Tls,
}

impl std::fmt::Display for ReadEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadEnd::Eof => f.write_str("closed by the client"),
            ReadEnd::Timeout => f.write_str("timed out waiting for the client"),
            ReadEnd::Io(e) => write!(f, "{e}"),
            ReadEnd::Refused(Refused::Malformed(m)) => write!(f, "malformed TDS: {m}"),
            ReadEnd::Refused(Refused::TooLarge { limit }) => {
                write!(f, "request larger than the batch limit of {limit} bytes")
            }
            ReadEnd::Tls => f.write_str(
                "the client began with a TLS handshake (TDS 8.0 strict encryption), which the range does not speak: connect with TDS 7.x encryption (Encrypt=True or Mandatory with TrustServerCertificate, not Strict)",
            ),
        }
    }
}

/// Read one message: `first` bounds the wait for its first byte (idle), `rest` each
/// packet after that (slow senders).
async fn read_message<S: AsyncRead + Unpin>(
    s: &mut S,
    asm: &mut Assembler,
    max_packet: usize,
    first: Duration,
    rest: Duration,
) -> Result<Message, ReadEnd> {
    let mut waiting = first;
    loop {
        let mut hb = [0u8; HEADER_LEN];
        let n = match timeout(waiting, s.read(&mut hb[..1])).await {
            Err(_) => return Err(ReadEnd::Timeout),
            // A TLS client that leaves without close_notify, between requests: a logout.
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof && !asm.in_progress() => {
                return Err(ReadEnd::Eof)
            }
            Ok(Err(e)) => return Err(ReadEnd::Io(e)),
            Ok(Ok(n)) => n,
        };
        if n == 0 {
            return Err(if asm.in_progress() {
                ReadEnd::Io(std::io::ErrorKind::UnexpectedEof.into())
            } else {
                ReadEnd::Eof
            });
        }
        waiting = rest;
        read_exact(s, &mut hb[1..], rest).await?;
        // A TLS handshake record (content type 22, version 3.x) is no TDS packet type: a
        // TDS 8.0 client starts TLS at once. Said at the header, not after waiting for the
        // body its length bytes would announce.
        if hb[0] == 0x16 && hb[1] == 0x03 {
            return Err(ReadEnd::Tls);
        }
        let h =
            Header::parse(&hb, max_packet).map_err(|m| ReadEnd::Refused(Refused::Malformed(m)))?;
        // Bounded by max_packet: the header was checked before this allocation.
        let mut body = vec![0u8; h.body_len()];
        read_exact(s, &mut body, rest).await?;
        if let Some(m) = asm.push(&h, &body).map_err(ReadEnd::Refused)? {
            return Ok(m);
        }
    }
}

async fn read_exact<S: AsyncRead + Unpin>(
    s: &mut S,
    buf: &mut [u8],
    within: Duration,
) -> Result<(), ReadEnd> {
    match timeout(within, s.read_exact(buf)).await {
        Err(_) => Err(ReadEnd::Timeout),
        Ok(Err(e)) => Err(ReadEnd::Io(e)),
        Ok(Ok(_)) => Ok(()),
    }
}

async fn send<S: AsyncWrite + Unpin>(
    s: &mut S,
    ty: u8,
    payload: &[u8],
    packet_size: usize,
    spid: u16,
    within: Duration,
) -> std::io::Result<()> {
    let mut wire = Vec::with_capacity(payload.len() + HEADER_LEN * (1 + payload.len() / 512));
    packet::frame(ty, payload, packet_size, spid, &mut wire);
    match timeout(within, async {
        s.write_all(&wire).await?;
        s.flush().await
    })
    .await
    {
        Ok(r) => r,
        Err(_) => Err(std::io::ErrorKind::TimedOut.into()),
    }
}

/// Discard input until EOF, `max` bytes or `within`, whichever comes first.
async fn drain<S: AsyncRead + AsyncWrite + Unpin>(s: &mut S, max: usize, within: Duration) {
    let _ = timeout(within, async {
        let _ = s.shutdown().await;
        let mut buf = [0u8; 8192];
        let mut seen = 0;
        while seen < max {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => seen += n,
            }
        }
    })
    .await;
}

/// Logs the session out however the connection ends (return, error, panic, shutdown).
struct SessionGuard {
    backend: Arc<dyn Backend>,
    endpoint: usize,
    session: Session,
    /// A request was being received or answered: the client left in the middle of it.
    busy: bool,
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        if self.busy {
            self.backend.attention(self.endpoint, &self.session);
        }
        self.backend.logout(self.endpoint, &self.session);
    }
}

/// The answer to a login the range refuses: the message, then DONE with DONE_ERROR.
fn refusal(m: &SqlMessage, server: &str) -> Vec<u8> {
    let mut t = Tokens::new();
    t.message(m, server);
    t.done(token::DONE, token::DONE_ERROR, 0, 0);
    t.buf
}

/// Serve one connection to the end.
pub async fn serve<S>(
    stream: S,
    peer: Peer,
    backend: Arc<dyn Backend>,
    limits: Limits,
    admission: Admission,
    tls: Option<tokio_rustls::TlsAcceptor>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut s = Transport::Raw(stream);
    let server = peer.server.clone();
    let mut asm = Assembler::new(limits.max_batch_bytes);
    let lt = limits.login_timeout;
    let max_packet = limits.max_packet;
    let default_packet = 4096usize;

    // PRELOGIN (clients of TDS 7.0 and older may skip it and send LOGIN7 at once).
    let mut first = match read_message(&mut s, &mut asm, max_packet, lt, lt).await {
        Ok(m) => m,
        Err(e) => return peer.log(&format!("closed before login: {e}")),
    };
    let mut encryption = Encryption::None;
    if first.ty == packet::PRELOGIN {
        let asked = match prelogin::decode(&first.payload) {
            Ok(p) => p.encryption.unwrap_or(prelogin::ENCRYPT_OFF),
            Err(e) => return peer.log(&format!("closed: malformed PRELOGIN: {e}")),
        };
        // 2.2.6.5: a client that cannot encrypt, or a range without TLS, gets NOT_SUP;
        // ENCRYPT_OFF from the client means the login alone is encrypted; ON or REQ the
        // whole session.
        let (answer, chosen) = match (&tls, asked) {
            (None, _) | (Some(_), prelogin::ENCRYPT_NOT_SUP) => {
                (prelogin::ENCRYPT_NOT_SUP, Encryption::None)
            }
            (Some(_), prelogin::ENCRYPT_OFF) => (prelogin::ENCRYPT_OFF, Encryption::LoginOnly),
            (Some(_), _) => (prelogin::ENCRYPT_ON, Encryption::Session),
        };
        encryption = chosen;
        let answer = prelogin::response(answer);
        let sent = send(
            &mut s,
            packet::TABULAR_RESULT,
            &answer,
            default_packet,
            0,
            lt,
        )
        .await;
        if let Err(e) = sent {
            return peer.log(&format!("closed during PRELOGIN: {e}"));
        }
        if let (Some(acceptor), true) = (&tls, encryption != Encryption::None) {
            s = match timeout(lt, s.start_tls(acceptor)).await {
                Ok(Ok(t)) => t,
                Ok(Err(e)) => return peer.log(&format!("closed: TLS handshake failed: {e}")),
                Err(_) => return peer.log("closed: TLS handshake timed out"),
            };
        }
        first = match read_message(&mut s, &mut asm, max_packet, lt, lt).await {
            Ok(m) => m,
            Err(e) => return peer.log(&format!("closed before LOGIN7: {e}")),
        };
        if encryption == Encryption::LoginOnly {
            s = s.end_tls();
        }
    }
    if first.ty != packet::LOGIN7 {
        return peer.log(&format!(
            "closed: expected LOGIN7, got packet type {:#04x}",
            first.ty
        ));
    }
    let _permit = match admission {
        Admission::Admitted(p) => p,
        Admission::Full { limit } => {
            let m = range_message(
                17809,
                20,
                format!("Could not connect because the maximum number of '{limit}' user connections has already been reached. The system administrator can use sp_configure to increase the maximum value. The connection has been closed."),
            );
            let _ = send(
                &mut s,
                packet::TABULAR_RESULT,
                &refusal(&m, &server),
                default_packet,
                0,
                lt,
            )
            .await;
            return peer.log(&format!("refused: {limit} sessions already open"));
        }
    };
    let login = match login7::decode(&first.payload) {
        Ok(l) => l,
        Err(e) => return peer.log(&format!("closed: malformed LOGIN7: {e}")),
    };
    let session = match backend.login(peer.endpoint, &login.login) {
        Ok(s) => s,
        Err(m) => {
            let _ = send(
                &mut s,
                packet::TABULAR_RESULT,
                &refusal(&m, &server),
                default_packet,
                0,
                lt,
            )
            .await;
            return peer.log(&format!(
                "login failed for user '{}' (Msg {})",
                login.login.user, m.number
            ));
        }
    };
    let packet_size = match login.packet_size as usize {
        0 => default_packet,
        n => n.clamp(packet::MIN_PACKET, max_packet.min(packet::MAX_PACKET)),
    };
    let spid = session.spid;
    let mut database = session.database.clone();
    let mut guard = SessionGuard {
        backend: backend.clone(),
        endpoint: peer.endpoint,
        session,
        busy: false,
    };
    let mut t = Tokens::new();
    t.env_text(token::ENV_DATABASE, &database, "");
    t.message(
        &SqlMessage {
            number: 5701,
            state: 2,
            class: 0,
            text: format!("Changed database context to '{database}'."),
            procedure: String::new(),
            line: 1,
        },
        &server,
    );
    t.env_collation();
    t.env_text(token::ENV_LANGUAGE, "us_english", "");
    t.message(
        &SqlMessage {
            number: 5703,
            state: 1,
            class: 0,
            text: "Changed language setting to us_english.".into(),
            procedure: String::new(),
            line: 1,
        },
        &server,
    );
    t.login_ack("Microsoft SQL Server", prelogin::SERVER_VERSION);
    t.env_text(
        token::ENV_PACKET_SIZE,
        &packet_size.to_string(),
        &default_packet.to_string(),
    );
    t.done(token::DONE, token::DONE_FINAL, 0, 0);
    if let Err(e) = send(
        &mut s,
        packet::TABULAR_RESULT,
        &t.buf,
        packet_size,
        spid,
        lt,
    )
    .await
    {
        return peer.log(&format!("closed during login: {e}"));
    }
    peer.log(&format!(
        "login '{}' spid {spid} database '{database}' app '{}' encryption {encryption:?}",
        login.login.user, login.login.app_name
    ));

    loop {
        let msg = match read_message(
            &mut s,
            &mut asm,
            max_packet,
            limits.idle_timeout,
            limits.read_timeout,
        )
        .await
        {
            Ok(m) => m,
            Err(ReadEnd::Eof) => return peer.log(&format!("spid {spid} logged out")),
            Err(ReadEnd::Refused(Refused::TooLarge { limit })) => {
                let m = range_message(
                    50000,
                    16,
                    format!("drill range: the request is larger than the range's limit of {limit} bytes per batch; the connection is closed."),
                );
                let _ = send(
                    &mut s,
                    packet::TABULAR_RESULT,
                    &refusal(&m, &server),
                    packet_size,
                    spid,
                    lt,
                )
                .await;
                // Read and drop what the client is still sending (bounded) so the close
                // is a FIN after the error, not a reset that could discard it unread.
                drain(&mut s, 64 << 20, lt).await;
                return peer.log(&format!("spid {spid} closed: request over {limit} bytes"));
            }
            Err(e) => {
                guard.busy = asm.in_progress();
                return peer.log(&format!("spid {spid} closed: {e}"));
            }
        };
        let mut t = Tokens::new();
        guard.busy = true;
        // A fatal error (class 20 or more: the model ended the session, its instance went
        // down) is the request's last answer: the connection closes after it.
        let mut fatal = false;
        match msg.ty {
            packet::SQL_BATCH => {
                let sql = match batch::decode(&msg.payload) {
                    Ok(s) => s,
                    Err(e) => return peer.log(&format!("spid {spid} closed: {e}")),
                };
                let replies = backend.batch(peer.endpoint, &mut guard.session, &sql, &[]);
                fatal = is_fatal(&replies);
                answer::encode(&replies, Request::Batch, &server, &mut database, &mut t);
            }
            packet::RPC => {
                let call = match rpc::decode(&msg.payload) {
                    Ok(r) => rpc::to_call(r),
                    Err(Malformed(e)) => return peer.log(&format!("spid {spid} closed: RPC: {e}")),
                };
                match call {
                    Ok(c) => {
                        let replies =
                            backend.batch(peer.endpoint, &mut guard.session, &c.sql, &c.params);
                        fatal = is_fatal(&replies);
                        answer::encode(&replies, Request::Rpc, &server, &mut database, &mut t);
                    }
                    Err(text) => {
                        t.message(&range_message(50000, 16, text), &server);
                        t.done(token::DONEPROC, token::DONE_ERROR, 0, 0);
                    }
                }
            }
            packet::ATTENTION => {
                // Requests are answered whole before the next is read, so nothing is
                // running: acknowledge (2.2.1.7) and let the model know.
                backend.attention(peer.endpoint, &guard.session);
                t.done(token::DONE, token::DONE_ATTN, 0, 0);
            }
            packet::TRANSACTION_MANAGER => {
                t.message(
                    &range_message(50000, 16, "drill range: transaction manager requests are not supported; use BEGIN TRAN in a batch."),
                    &server,
                );
                t.done(token::DONE, token::DONE_ERROR, 0, 0);
            }
            other => {
                return peer.log(&format!(
                    "spid {spid} closed: unexpected packet type {other:#04x}"
                ))
            }
        }
        if let Err(e) = send(
            &mut s,
            packet::TABULAR_RESULT,
            &t.buf,
            packet_size,
            spid,
            limits.read_timeout,
        )
        .await
        {
            return peer.log(&format!("spid {spid} closed while answering: {e}"));
        }
        guard.busy = false;
        if fatal {
            let _ = timeout(lt, s.shutdown()).await;
            return peer.log(&format!(
                "spid {spid} closed by the range: the model ended the session"
            ));
        }
    }
}

/// database-engine-error-severities.md: severity 20-24 errors are fatal, the task ends
/// and the application's connection terminates.
fn is_fatal(replies: &[crate::range::reply::Reply]) -> bool {
    replies
        .iter()
        .any(|r| matches!(r, crate::range::reply::Reply::Message(m) if m.class >= 20))
}
