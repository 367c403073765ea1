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
//! TLS behind a mesh). Limits against slow or greedy clients live here, once for both servers:
//! a TLS handshake deadline, an HTTP/1 header read deadline (slowloris), and a cap on open
//! connections beyond which new ones wait in the kernel backlog rather than in our memory.
//! Request body limits and per-request deadlines belong to the router (axum layers).

use std::io;
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
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;

/// Why a certificate pair could not be loaded or a server could not run.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("reading {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("{path}: no PEM certificate found")]
    NoCertificate { path: PathBuf },
    #[error("{path}: no PEM private key found ({detail})")]
    NoKey { path: PathBuf, detail: String },
    #[error("certificate {cert} and key {key} do not form a usable pair: {source}")]
    Pair {
        cert: PathBuf,
        key: PathBuf,
        source: rustls::Error,
    },
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

/// Connection-level limits for [`serve`].
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// A TLS handshake that takes longer is dropped.
    pub handshake_timeout: Duration,
    /// An HTTP/1 request whose headers take longer to arrive is dropped (slowloris).
    pub header_read_timeout: Duration,
    /// Open connections at most; further ones wait to be accepted.
    pub max_connections: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            handshake_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(10),
            max_connections: 1024,
        }
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then lets open connections finish
/// their requests (for at most 10 seconds). One bad connection never ends the loop: accept
/// errors and failed handshakes are logged and skipped.
pub async fn serve(
    listener: TcpListener,
    acceptor: Option<TlsAcceptor>,
    app: axum::Router,
    opts: ServeOptions,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), TlsError> {
    let permits = Arc::new(Semaphore::new(opts.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(opts.header_read_timeout);
    let builder = Arc::new(builder);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            _ = &mut shutdown => break,
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
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
        let _ = tcp.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let builder = builder.clone();
        let acceptor = acceptor.clone();
        let watcher = graceful.watcher();
        let handshake_timeout = opts.handshake_timeout;
        tokio::spawn(async move {
            let _permit = permit;
            let result = match acceptor {
                Some(acceptor) => {
                    let tls =
                        match tokio::time::timeout(handshake_timeout, acceptor.accept(tcp)).await {
                            Ok(Ok(tls)) => tls,
                            Ok(Err(e)) => {
                                tracing::info!(%peer, error = %e, "TLS handshake failed");
                                return;
                            }
                            Err(_) => {
                                tracing::info!(%peer, "TLS handshake timed out");
                                return;
                            }
                        };
                    let conn = builder.serve_connection(TokioIo::new(tls), service);
                    watcher.watch(conn.into_owned()).await
                }
                None => {
                    let conn = builder.serve_connection(TokioIo::new(tcp), service);
                    watcher.watch(conn.into_owned()).await
                }
            };
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(Duration::from_secs(10)) => {
            tracing::warn!("graceful shutdown timed out; closing the remaining connections");
        }
    }
    Ok(())
}
