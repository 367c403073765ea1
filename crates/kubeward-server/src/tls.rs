//! HTTPS (or plain HTTP) serving for kubeward's servers, with certificate reload.
//!
//! How to use it from a server module:
//!
//! ```no_run
//! # async fn demo(app: axum::Router) -> Result<(), kubeward_server::tls::TlsError> {
//! use std::time::Duration;
//! use kubeward_server::tls::{CertReloader, ServeOptions, serve};
//!
//! // Loads and checks the pair now (a bad pair is an error at start-up, not at first request).
//! let certs = CertReloader::load("tls.crt", "tls.key")?;
//! // Polls the files' contents; a new pair is used by the next handshake. A broken
//! // pair (half-written, mismatched) is logged and the previous one kept.
//! tokio::spawn(certs.clone().watch(Duration::from_secs(5)));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8443").await?;
//! let opts = ServeOptions::default();
//! serve(listener, Some(certs.acceptor()), app, opts, std::future::pending()).await?;
//! # Ok(()) }
//! ```
//!
//! `serve` with `None` for the acceptor serves plain HTTP (the audit backend may run without
//! TLS behind a mesh). Limits against slow, idle or greedy clients live here, once for both
//! servers ([`ServeOptions`], kept by [`crate::conn`]): deadlines for the TLS handshake, the
//! first request, request headers (slowloris) and keep-alive idleness; a cap on open
//! connections at which the oldest idle one is closed for a newcomer (and, with none idle,
//! newcomers wait in the kernel backlog rather than in our memory); and a limit per source
//! address. Request body limits and per-request deadlines belong to the router (axum layers).

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;

use crate::conn::{Admission, ConnState, Deadlines, Registry, Slot, Tracked, Watched};
pub use crate::conn::{CloseReason, ConnMetrics};

/// Why a certificate pair could not be loaded or a server could not run.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A certificate or key file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// The certificate file holds no PEM certificate.
    #[error("{path}: no PEM certificate found")]
    NoCertificate {
        /// The certificate file.
        path: PathBuf,
    },
    /// The key file holds no PEM private key that could be read.
    #[error("{path}: no PEM private key found ({detail})")]
    NoKey {
        /// The key file.
        path: PathBuf,
        /// The PEM reader's error.
        detail: String,
    },
    /// The certificate and key do not belong together or rustls rejects them.
    #[error("certificate {cert} and key {key} do not form a usable pair: {source}")]
    Pair {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// rustls's reason.
        source: rustls::Error,
    },
    /// Accepting or serving connections failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// The process-wide crypto provider: ring, the same one kube's client uses, so that one
/// binary never carries two.
pub fn provider() -> Arc<CryptoProvider> {
    // Installing fails only when some provider is already installed; either way one is.
    let _ = rustls::crypto::ring::default_provider().install_default();
    CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()))
}

/// The serving certificate and key (PEM), reloaded when the files change.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// Path of the PEM certificate chain, leaf first.
    pub cert: PathBuf,
    /// Path of the PEM private key matching the certificate.
    pub key: PathBuf,
    /// How often the files are checked for changes (a rotation by cert-manager or kubelet is
    /// picked up within this).
    pub reload_every: Duration,
}

/// A serving certificate that follows its files: every handshake gets the newest good pair.
#[derive(Debug)]
pub struct CertReloader {
    cert_path: PathBuf,
    key_path: PathBuf,
    current: RwLock<Arc<CertifiedKey>>,
    /// The (cert, key) file contents last tried; a change of either triggers a reload.
    /// Contents, not mtimes: a rotation within one timestamp tick, or a same-length file
    /// renamed into place, would leave mtime and size unchanged.
    seen: Mutex<(FileStamp, FileStamp)>,
}

type FileStamp = Option<Vec<u8>>;

/// Certificate and key files larger than this are refused (bounded memory).
const MAX_PEM_BYTES: u64 = 1024 * 1024;

fn read_limited(path: &Path) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::new();
    // open() follows symlinks: a Secret volume's `..data` swap shows as new contents.
    std::fs::File::open(path)?
        .take(MAX_PEM_BYTES + 1)
        .read_to_end(&mut buf)?;
    if buf.len() as u64 > MAX_PEM_BYTES {
        return Err(io::Error::other(format!(
            "larger than {MAX_PEM_BYTES} bytes"
        )));
    }
    Ok(buf)
}

fn stamp(path: &Path) -> FileStamp {
    read_limited(path).ok()
}

impl CertReloader {
    /// Loads the PEM certificate chain and private key, checking that they belong together.
    pub fn load(
        cert_path: impl Into<PathBuf>,
        key_path: impl Into<PathBuf>,
    ) -> Result<Arc<Self>, TlsError> {
        let cert_path = cert_path.into();
        let key_path = key_path.into();
        let seen = (stamp(&cert_path), stamp(&key_path));
        let key = load_pair(&cert_path, &key_path)?;
        Ok(Arc::new(CertReloader {
            cert_path,
            key_path,
            current: RwLock::new(Arc::new(key)),
            seen: Mutex::new(seen),
        }))
    }

    /// Reloads when either file's contents changed since the last try. `Ok(true)` when a
    /// new pair is in use; on error the previous pair stays in use, and the same broken
    /// contents are not tried (nor logged) again: the next change of either file is.
    pub fn reload_if_changed(&self) -> Result<bool, TlsError> {
        let now = (stamp(&self.cert_path), stamp(&self.key_path));
        {
            let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            if *seen == now {
                return Ok(false);
            }
            *seen = now;
        }
        let key = load_pair(&self.cert_path, &self.key_path)?;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(key);
        Ok(true)
    }

    /// Polls the files every `every` until the task is dropped, logging each outcome.
    pub async fn watch(self: Arc<Self>, every: Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match self.reload_if_changed() {
                Ok(true) => {
                    tracing::info!(cert = %self.cert_path.display(), "serving certificate reloaded")
                }
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "serving certificate not reloaded; keeping the previous one")
                }
            }
        }
    }

    /// The certificate chain in use now (its first entry is the leaf).
    pub fn current(&self) -> Arc<CertifiedKey> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// A rustls server configuration resolving through this reloader, offering h2 and
    /// http/1.1 by ALPN.
    pub fn server_config(self: &Arc<Self>) -> Arc<ServerConfig> {
        let mut config = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .unwrap_or_else(|_| ServerConfig::builder())
            .with_no_client_auth()
            .with_cert_resolver(self.clone());
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Arc::new(config)
    }

    /// A TLS acceptor for [`serve`].
    pub fn acceptor(self: &Arc<Self>) -> TlsAcceptor {
        TlsAcceptor::from(self.server_config())
    }
}

impl ResolvesServerCert for CertReloader {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}

fn load_pair(cert_path: &Path, key_path: &Path) -> Result<CertifiedKey, TlsError> {
    let read = |path: &Path| {
        read_limited(path).map_err(|source| TlsError::Read {
            path: path.to_owned(),
            source,
        })
    };
    let cert_pem = read(cert_path)?;
    let key_pem = read(key_path)?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .filter_map(Result::ok)
        .collect();
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            path: cert_path.to_owned(),
        });
    }
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| TlsError::NoKey {
        path: key_path.to_owned(),
        detail: e.to_string(),
    })?;
    CertifiedKey::from_der(chain, key, &provider()).map_err(|source| TlsError::Pair {
        cert: cert_path.to_owned(),
        key: key_path.to_owned(),
        source,
    })
}

/// Default TLS handshake deadline.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Default deadline from accept to the first request's headers.
pub const DEFAULT_FIRST_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Default deadline for a request's headers once they begin to arrive (slowloris).
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default keep-alive idle timeout: longer than the 90 s after which Go's `http.Transport`
/// (the API server's client) drops an idle connection itself, so that in normal operation
/// the client closes first and never sends a request on a connection the server is closing.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(120);
/// Default cap on open connections.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// Default limit per source address: a quarter of the cap, so one address cannot take the
/// server, while API servers reaching it through one SNAT address still have room for 256
/// concurrent requests.
pub const DEFAULT_MAX_CONNECTIONS_PER_SOURCE: usize = 256;

/// How long a connection told to close (deadline, shedding, shutdown) may take to do so
/// while it has no request in flight: HTTP/2's GOAWAY exchange needs the client's help.
const CLOSE_GRACE: Duration = Duration::from_secs(1);
/// How long shutdown waits for in-flight requests.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Connection-level limits for [`serve`]; see the module documentation of [`crate::conn`].
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// A TLS handshake that takes longer is dropped.
    pub handshake_timeout: Duration,
    /// A connection whose first request has not arrived (headers complete) this long after
    /// accept is closed, whether it sent nothing or trickles.
    pub first_request_timeout: Duration,
    /// A request whose headers are not complete this long after its first byte is closed
    /// (slowloris).
    pub header_read_timeout: Duration,
    /// A connection with no request this long after its previous one is closed (HTTP/1.1
    /// keep-alive, HTTP/2 with no open stream).
    pub idle_timeout: Duration,
    /// Open connections at most. At the cap a new connection makes the oldest idle one
    /// close; with none idle it waits in the kernel's backlog.
    pub max_connections: usize,
    /// Open connections per client address at most (0: no limit). At the limit the
    /// address's oldest idle connection is closed; with none idle the new one is refused.
    pub max_connections_per_source: usize,
    /// Where the connection counters go; register them in the server's `/metrics`.
    pub metrics: ConnMetrics,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            first_request_timeout: DEFAULT_FIRST_REQUEST_TIMEOUT,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_connections_per_source: DEFAULT_MAX_CONNECTIONS_PER_SOURCE,
            metrics: ConnMetrics::default(),
        }
    }
}

/// What every connection task shares.
struct Shared {
    builder: auto::Builder<TokioExecutor>,
    app: axum::Router,
    acceptor: Option<TlsAcceptor>,
    registry: Arc<Registry>,
    deadlines: Deadlines,
    handshake_timeout: Duration,
}

/// Serves `app` on `listener` until `shutdown` completes, then lets open connections finish
/// their requests (for at most 10 seconds). One bad connection never ends the loop: accept
/// errors and failed handshakes are counted and skipped.
pub async fn serve(
    listener: TcpListener,
    acceptor: Option<TlsAcceptor>,
    app: axum::Router,
    opts: ServeOptions,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), TlsError> {
    let registry = Registry::new(
        opts.max_connections,
        opts.max_connections_per_source,
        opts.metrics.clone(),
    );
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // The header deadline is kept in `conn`: hyper's would also cut every idle keep-alive
    // connection at the header deadline, and the auto builder never applies it to a
    // connection that has sent nothing at all.
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(None);
    let shared = Arc::new(Shared {
        builder,
        app,
        acceptor,
        registry: Arc::clone(&registry),
        deadlines: Deadlines {
            first_request: opts.first_request_timeout,
            header: opts.header_read_timeout,
            idle: opts.idle_timeout,
        },
        handshake_timeout: opts.handshake_timeout,
    });
    let (stop, stopped) = watch::channel(false);
    tokio::pin!(shutdown);
    'accept: loop {
        // At the cap with every connection busy, new ones wait in the kernel's backlog.
        tokio::select! {
            _ = &mut shutdown => break,
            () = registry.wait_for_room() => {}
        }
        let (tcp, peer) = tokio::select! {
            _ = &mut shutdown => break,
            r = listener.accept() => match r {
                Ok(conn) => conn,
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let slot = loop {
            match registry.admit(peer.ip()) {
                Admission::Admitted(slot) => break slot,
                Admission::Refused => {
                    tracing::debug!(%peer, "connection refused: its address is at its limit");
                    drop(tcp);
                    continue 'accept;
                }
                // A connection turned busy since the room check: this one waits for room.
                Admission::Full => tokio::select! {
                    _ = &mut shutdown => break 'accept,
                    () = registry.wait_for_room() => {}
                },
            }
        };
        let _ = tcp.set_nodelay(true);
        tokio::spawn(connection(
            tcp,
            peer,
            slot,
            Arc::clone(&shared),
            stopped.clone(),
        ));
    }
    let _ = stop.send(true);
    tokio::select! {
        () = registry.drained() => {}
        _ = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!("graceful shutdown timed out; closing the remaining connections");
        }
    }
    Ok(())
}

/// One connection from accept to close: the TLS handshake under its deadline, then HTTP.
async fn connection(
    tcp: TcpStream,
    peer: SocketAddr,
    slot: Slot,
    shared: Arc<Shared>,
    mut stopped: watch::Receiver<bool>,
) {
    let state = Arc::clone(slot.state());
    match &shared.acceptor {
        Some(acceptor) => {
            let limit = shared.handshake_timeout.min(shared.deadlines.first_request);
            let tls = tokio::select! {
                r = acceptor.accept(tcp) => match r {
                    Ok(tls) => tls,
                    Err(e) => {
                        shared.registry.closed(CloseReason::HandshakeFailed);
                        tracing::debug!(%peer, error = %e, "TLS handshake failed");
                        return;
                    }
                },
                () = tokio::time::sleep(limit) => {
                    shared.registry.closed(CloseReason::HandshakeTimeout);
                    tracing::debug!(%peer, "TLS handshake timed out");
                    return;
                }
                () = state.shed_requested() => return,
                _ = stopped.wait_for(|s| *s) => return,
            };
            drive(state.watch(tls), peer, &state, &shared, stopped).await;
        }
        None => drive(state.watch(tcp), peer, &state, &shared, stopped).await,
    }
    drop(slot);
}

/// Serves HTTP on `io` until the client closes, a deadline passes, the registry sheds the
/// connection or the server shuts down. Closing is graceful (a request in flight finishes,
/// HTTP/2 gets GOAWAY); an idle connection that has not closed within [`CLOSE_GRACE`] is
/// dropped.
async fn drive<I>(
    io: Watched<I>,
    peer: SocketAddr,
    state: &Arc<ConnState>,
    shared: &Shared,
    mut stopped: watch::Receiver<bool>,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = Tracked::new(
        TowerToHyperService::new(shared.app.clone()),
        Arc::clone(state),
    );
    let conn = shared.builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    let now = Instant::now();
    let timer = tokio::time::sleep_until(state.check(now, &shared.deadlines).unwrap_or(now));
    tokio::pin!(timer);
    let mut closing = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                }
                return;
            }
            () = timer.as_mut() => {
                let now = Instant::now();
                if closing {
                    if state.is_idle() {
                        return;
                    }
                    timer.as_mut().reset(now + CLOSE_GRACE);
                    continue;
                }
                match state.check(now, &shared.deadlines) {
                    Ok(next) => timer.as_mut().reset(next),
                    Err(reason) => {
                        shared.registry.closed(reason);
                        tracing::debug!(%peer, reason = reason.label(), "closing connection");
                        conn.as_mut().graceful_shutdown();
                        closing = true;
                        timer.as_mut().reset(now + CLOSE_GRACE);
                    }
                }
            }
            () = state.shed_requested(), if !closing => {
                tracing::debug!(%peer, "shedding idle connection");
                conn.as_mut().graceful_shutdown();
                closing = true;
                timer.as_mut().reset(Instant::now() + CLOSE_GRACE);
            }
            _ = stopped.wait_for(|s| *s), if !closing => {
                conn.as_mut().graceful_shutdown();
                closing = true;
                timer.as_mut().reset(Instant::now() + CLOSE_GRACE);
            }
        }
    }
}
