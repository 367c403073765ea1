//! The admission webhook as a process, assembled the way the audit webhook's
//! `AuditServer` is: [`AdmissionServer::bind`] loads the serving certificate and the
//! namespace labels and binds the socket; [`AdmissionServer::run`] serves until shutdown
//! while the certificate is polled for rotation and, when asked, SIGHUP reloads the
//! certificate and the namespace file at once.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use kubeward_manifest::Limits;
use tokio::net::TcpListener;

use super::namespaces::{NamespaceFileError, NamespaceStore, load_file};
use super::server::{AdmissionConfig, router};
use crate::task::AbortOnDrop;
use crate::tls::{self, CertReloader, ServeOptions, TlsError, TlsFiles};

/// Where the namespaces' `pod-security.kubernetes.io/*` labels come from.
#[derive(Debug, Clone)]
pub enum NamespaceSource {
    /// Namespace manifests in a file, read within `limits` (re-read on SIGHUP).
    File {
        /// The manifests file (YAML or JSON, any number of documents or a List).
        path: PathBuf,
        /// Size and depth bounds for reading it.
        limits: Limits,
    },
    /// A kube-rs watch of the cluster's Namespaces (in-cluster config or KUBECONFIG).
    Cluster,
}

/// How the webhook is served: everything besides what it decides ([`AdmissionConfig`]).
#[derive(Debug, Clone)]
pub struct Serving {
    /// `host:port` to listen on.
    pub listen: String,
    /// The serving certificate and key, polled for rotation every `reload_every`.
    pub tls: TlsFiles,
    /// Where the namespace labels come from.
    pub namespaces: NamespaceSource,
    /// Connection deadlines and limits (`metrics` is replaced by the config's counters).
    pub serve_options: ServeOptions,
    /// Reload the certificate and the namespace file on SIGHUP (a process, not a test).
    pub reload_on_sighup: bool,
}

/// Why the webhook could not start or stopped serving.
#[derive(Debug, thiserror::Error)]
pub enum AdmissionServeError {
    /// The certificate or key file is missing, unreadable, or not a matching pair.
    #[error("loading the serving certificate: {0}")]
    Certificate(#[source] TlsError),
    /// The `--namespaces` file cannot be read or holds a Namespace without a name.
    #[error("reading the namespace labels: {0}")]
    NamespaceFile(#[source] NamespaceFileError),
    /// No cluster configuration, or the first list of Namespaces failed.
    #[error("connecting to the cluster for the namespace watch: {0}")]
    Cluster(#[source] kube::Error),
    /// The listen address is taken, privileged or not an address.
    #[error("listening on {addr}: {source}")]
    Bind {
        /// The `--listen` value.
        addr: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The SIGHUP handler could not be installed.
    #[error("handling SIGHUP: {0}")]
    Signal(#[source] std::io::Error),
    /// The accept loop failed.
    #[error("serving: {0}")]
    Serve(#[source] TlsError),
}

impl kubeward_report::Hint for AdmissionServeError {
    fn hint(&self) -> &str {
        match self {
            AdmissionServeError::Certificate(_) => {
                "`kubeward webhook manifests` prints a Secret with one; mount it at /etc/kubeward/tls or pass --tls-cert/--tls-key"
            }
            AdmissionServeError::NamespaceFile(_) => {
                "pass Namespace manifests (YAML or JSON) with --namespaces"
            }
            AdmissionServeError::Cluster(_) => {
                "run in a pod with the ServiceAccount from `webhook manifests`, set KUBECONFIG, or pass --namespaces FILE"
            }
            AdmissionServeError::Bind { .. } => {
                "pick a free port with --listen; ports below 1024 need privileges"
            }
            AdmissionServeError::Signal(_) | AdmissionServeError::Serve(_) => {
                "see the log above; restart the webhook"
            }
        }
    }
}

/// A bound, ready admission webhook.
pub struct AdmissionServer {
    listener: TcpListener,
    certs: Arc<CertReloader>,
    store: Arc<NamespaceStore>,
    config: AdmissionConfig,
    serving: Serving,
    /// SIGHUP, caught from `bind` on (as `AuditServer` does), so that a signal sent once the
    /// webhook is up reloads instead of killing the process.
    hangup: Option<tokio::signal::unix::Signal>,
}

impl AdmissionServer {
    /// Loads the certificate and the namespace labels (for [`NamespaceSource::Cluster`],
    /// starts the watch and waits for its first list), then binds the socket.
    pub async fn bind(
        config: AdmissionConfig,
        serving: Serving,
    ) -> Result<AdmissionServer, AdmissionServeError> {
        let certs = CertReloader::load(&serving.tls.cert, &serving.tls.key)
            .map_err(AdmissionServeError::Certificate)?;
        let store = NamespaceStore::new();
        match &serving.namespaces {
            NamespaceSource::File { path, limits } => {
                let ns = read_namespaces(path, limits)?;
                tracing::info!(namespaces = ns.len(), file = %path.display(), "namespace labels loaded");
                store.replace(ns);
            }
            NamespaceSource::Cluster => store
                .clone()
                .watch_cluster()
                .await
                .map_err(AdmissionServeError::Cluster)?,
        }
        let hangup =
            crate::task::hangup(serving.reload_on_sighup).map_err(AdmissionServeError::Signal)?;
        let listener = TcpListener::bind(&serving.listen).await.map_err(|source| {
            AdmissionServeError::Bind {
                addr: serving.listen.clone(),
                source,
            }
        })?;
        Ok(AdmissionServer {
            listener,
            certs,
            store,
            config,
            serving,
            hangup,
        })
    }

    /// The bound address (port 0 resolved).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// Serves until `shutdown` completes; returns the connection summary line.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<String, AdmissionServeError> {
        // Taken apart field by field: the certificate and the store are shared with the
        // background tasks, the rest moves into the router and the serve loop.
        let certs = self.certs;
        let _poll = AbortOnDrop(tokio::spawn(
            Arc::clone(&certs).watch(self.serving.tls.reload_every),
        ));
        let _hup = self.hangup.map(|mut hup| {
            let (certs, store, source) = (
                Arc::clone(&certs),
                Arc::clone(&self.store),
                self.serving.namespaces.clone(),
            );
            AbortOnDrop(tokio::spawn(async move {
                while hup.recv().await.is_some() {
                    reload(&certs, &store, &source);
                }
            }))
        });
        let connections = self.config.connections.clone();
        let opts = ServeOptions {
            metrics: connections.clone(),
            ..self.serving.serve_options
        };
        let app = router(self.config, self.store);
        tls::serve(self.listener, Some(certs.acceptor()), app, opts, shutdown)
            .await
            .map_err(AdmissionServeError::Serve)?;
        Ok(connections.summary())
    }
}

/// SIGHUP: the certificate now rather than at the next poll, and the namespace file again.
/// A failure keeps what is in use and is logged; the webhook keeps serving.
fn reload(certs: &CertReloader, store: &NamespaceStore, source: &NamespaceSource) {
    match certs.reload_if_changed() {
        Ok(true) => tracing::info!("SIGHUP: serving certificate reloaded"),
        Ok(false) => {}
        Err(e) => {
            tracing::warn!(error = %e, "SIGHUP: serving certificate not reloaded; keeping the previous one")
        }
    }
    if let NamespaceSource::File { path, limits } = source {
        match read_namespaces(path, limits) {
            Ok(ns) => {
                tracing::info!(namespaces = ns.len(), file = %path.display(), "SIGHUP: namespace labels reloaded");
                store.replace(ns);
            }
            Err(e) => {
                tracing::warn!(error = %e, "SIGHUP: namespace labels not reloaded; keeping the previous ones")
            }
        }
    }
}

fn read_namespaces(
    path: &std::path::Path,
    limits: &Limits,
) -> Result<HashMap<String, BTreeMap<String, String>>, AdmissionServeError> {
    load_file(path, limits).map_err(AdmissionServeError::NamespaceFile)
}
