//! The range's TDS listeners: one per instance (`sim::topology::Instance::ALL` order), on
//! loopback unless told otherwise, on a tokio runtime of their own on a background
//! thread, so callers (the `drill range` command, tests, benches) stay synchronous.
use super::reply::Backend;
use super::tds::connection::{self, Admission, Limits, Peer};
use super::tls::TlsMode;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// How the range listens. `Default`: loopback, five free ports, 64 sessions.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    pub listen: IpAddr,
    /// One per endpoint; 0 picks a free port.
    pub ports: Vec<u16>,
    /// Open sessions across the whole range; one more is refused with Msg 17809.
    pub max_sessions: usize,
    /// The largest packet a client may send or negotiate (TDS allows 512..=32767).
    pub max_packet: usize,
    /// The largest request (batch or RPC, all packets together) one session may send.
    pub max_batch_bytes: usize,
    /// PRELOGIN and LOGIN7 must each arrive within this.
    pub login_timeout: Duration,
    /// Once a packet has started, each packet must arrive within this (slow senders).
    pub read_timeout: Duration,
    /// A logged-in session silent this long is closed.
    pub idle_timeout: Duration,
    /// Default: TLS with a self-signed certificate made at start (clients trust it with
    /// TrustServerCertificate); `Off` answers ENCRYPT_NOT_SUP.
    pub tls: TlsMode,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            listen: IpAddr::V4(Ipv4Addr::LOCALHOST),
            ports: vec![0; 5],
            max_sessions: 64,
            max_packet: super::tds::packet::MAX_PACKET,
            max_batch_bytes: 1 << 20,
            login_timeout: Duration::from_secs(15),
            read_timeout: Duration::from_secs(30),
            // Long: an operator may think for a while between two statements.
            idle_timeout: Duration::from_secs(4 * 3600),
            tls: TlsMode::SelfSigned,
        }
    }
}

/// The running range. Dropping it stops it like [`RangeServer::stop`].
pub struct RangeServer {
    endpoints: Vec<SocketAddr>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Connections beyond the session limit still get a login answer (Msg 17809); at most
/// this many such refusals are in flight, further connections are closed at once.
const MAX_REFUSING: usize = 16;

impl RangeServer {
    /// Bind every endpoint (an error if one cannot be bound) and start serving.
    pub fn start(cfg: ServeConfig, backend: Arc<dyn Backend>) -> std::io::Result<RangeServer> {
        if !cfg.listen.is_loopback() {
            eprintln!(
                "drill range: warning: listening on {} — reachable from other machines; the range has one SQL login and no real security",
                cfg.listen
            );
        }
        let mut listeners = Vec::with_capacity(cfg.ports.len());
        for &port in &cfg.ports {
            let l = std::net::TcpListener::bind(SocketAddr::new(cfg.listen, port))?;
            l.set_nonblocking(true)?;
            listeners.push(l);
        }
        let endpoints = listeners
            .iter()
            .map(|l| l.local_addr())
            .collect::<std::io::Result<Vec<_>>>()?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("drill-range")
            .enable_io()
            .enable_time()
            .build()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let sessions = Arc::new(Semaphore::new(cfg.max_sessions));
        let refusing = Arc::new(Semaphore::new(MAX_REFUSING));
        let limits = Limits {
            max_packet: cfg.max_packet.clamp(
                super::tds::packet::MIN_PACKET,
                super::tds::packet::MAX_PACKET,
            ),
            max_batch_bytes: cfg.max_batch_bytes,
            login_timeout: cfg.login_timeout,
            read_timeout: cfg.read_timeout,
            idle_timeout: cfg.idle_timeout,
        };
        let mut tokio_listeners = Vec::with_capacity(listeners.len());
        {
            let _enter = rt.enter();
            for l in listeners {
                tokio_listeners.push(tokio::net::TcpListener::from_std(l)?);
            }
        }
        let max_sessions = cfg.max_sessions;
        let names: Vec<String> = (0..endpoints.len())
            .map(|i| backend.server_name(i))
            .collect();
        let tls = match cfg.tls {
            TlsMode::Off => None,
            TlsMode::SelfSigned => Some(super::tls::self_signed(&names)?),
        };
        let thread = std::thread::Builder::new()
            .name("drill-range".into())
            .spawn(move || {
                rt.block_on(async move {
                    for (endpoint, listener) in tokio_listeners.into_iter().enumerate() {
                        let backend = backend.clone();
                        let server = backend.server_name(endpoint);
                        tokio::spawn(accept_loop(
                            listener,
                            endpoint,
                            server,
                            backend,
                            limits.clone(),
                            sessions.clone(),
                            refusing.clone(),
                            max_sessions,
                            tls.clone(),
                        ));
                    }
                    // Serve until stop() (or the RangeServer is dropped).
                    let _ = rx.await;
                });
                // Dropping the runtime cancels every connection task: their session
                // guards log the sessions out.
                rt.shutdown_timeout(Duration::from_secs(2));
            })?;
        Ok(RangeServer {
            endpoints,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// The bound address of each endpoint, in `Instance::ALL` order.
    pub fn endpoints(&self) -> Vec<SocketAddr> {
        self.endpoints.clone()
    }

    /// Close the listeners and every connection, and wait for them.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for RangeServer {
    fn drop(&mut self) {
        self.halt();
    }
}

#[allow(clippy::too_many_arguments)]
async fn accept_loop(
    listener: tokio::net::TcpListener,
    endpoint: usize,
    server: String,
    backend: Arc<dyn Backend>,
    limits: Limits,
    sessions: Arc<Semaphore>,
    refusing: Arc<Semaphore>,
    max_sessions: usize,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    loop {
        let (stream, addr) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                // Out of file descriptors and the like: wait rather than spin.
                eprintln!("drill range: {server}: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let peer = Peer {
            endpoint,
            server: server.clone(),
            addr,
        };
        let (admission, refusal_slot) = match sessions.clone().try_acquire_owned() {
            Ok(p) => (Admission::Admitted(p), None),
            Err(_) => match refusing.clone().try_acquire_owned() {
                Ok(r) => (
                    Admission::Full {
                        limit: max_sessions,
                    },
                    Some(r),
                ),
                Err(_) => {
                    peer.log(&format!("refused at once: {max_sessions} sessions open"));
                    continue;
                }
            },
        };
        peer.log("connected");
        let backend = backend.clone();
        let limits = limits.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            connection::serve(stream, peer, backend, limits, admission, tls).await;
            drop(refusal_slot);
        });
    }
}
