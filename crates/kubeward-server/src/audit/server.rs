//! The HTTP side: `/k8s-audit`, `/healthz`, `/readyz`, `/metrics`; start-up and
//! graceful shutdown.
//!
//! Shutdown order matters for "nothing lost": stop accepting, let in-flight requests
//! finish, close the queue, let the workers drain it, then let the HTTP output send
//! what it holds. Every stage is bounded by `shutdown_timeout`.

use crate::task::AbortOnDrop;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::net::TcpListener;

use super::config::{AUDIT_PATH, ServeConfig};
use super::outputs::{OutputError, Outputs, OutputsConfig};
use super::queue::{self, PushError};
use super::rules::{ReloadError, RulesHandle};
use super::stats::Stats;
use super::worker::{self, Shared};
use crate::tls::{self, CertReloader, TlsError};

/// Why the server could not start or run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// An alert output could not be opened.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// The evaluation worker threads could not be spawned.
    #[error("cannot start the evaluation workers: {0}")]
    Workers(std::io::Error),
    /// The serving certificate or key could not be loaded, or the TLS server failed.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The SIGHUP handler could not be installed.
    #[error("cannot handle SIGHUP: {0}")]
    Signal(std::io::Error),
    /// The live syscall source could not start.
    #[cfg(target_os = "linux")]
    #[error("--syscalls: {0}")]
    Syscalls(#[from] kubeward_syscall::capture::CaptureError),
    /// The node's pod watch has no cluster to talk to.
    #[error(transparent)]
    PodWatch(#[from] crate::sensor::pods::PodWatchError),
}

/// What a run did, for the final log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Audit events evaluated against the rules during the run.
    pub events_evaluated: u64,
    /// Items of accepted batches that were not events the `k8s_audit` source accepts.
    pub events_failed: u64,
    /// A shutdown stage ran out of time: some queued batches or alerts may be lost.
    pub timed_out: bool,
}

/// A bound, not yet running, audit webhook backend.
pub struct AuditServer {
    listener: TcpListener,
    config: ServeConfig,
    rules: Arc<RulesHandle>,
    stats: Arc<Stats>,
    outputs: OutputsConfig,
    /// SIGHUP, caught from `bind` on, so that a signal sent once the address is announced
    /// reloads instead of killing the process.
    hangup: Option<tokio::signal::unix::Signal>,
    /// The live syscall source, attached in `bind`, pumped from `run`.
    #[cfg(target_os = "linux")]
    syscalls: Option<super::syscalls::SyscallSource>,
    /// The node's pod watch for the syscall source, started by `run`.
    pod_watch: Option<PodWatch>,
}

/// What [`crate::sensor::pods::watch`] needs.
struct PodWatch {
    client: kube::Client,
    node: String,
    store: kubeward_syscall::meta::ContainerStore,
}

#[derive(Clone)]
struct AppState {
    queue: queue::Sender,
    stats: Arc<Stats>,
    stopping: Arc<AtomicBool>,
}

impl AuditServer {
    /// Binds the listening socket (port 0 picks a free port; see
    /// [`AuditServer::local_addr`]).
    pub async fn bind(
        config: ServeConfig,
        rules: Arc<RulesHandle>,
        outputs: OutputsConfig,
    ) -> Result<AuditServer, ServeError> {
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| ServeError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let hangup = crate::task::hangup(config.reload_on_sighup).map_err(ServeError::Signal)?;
        let mut pod_watch = None;
        #[cfg(target_os = "linux")]
        let syscalls = match &config.syscalls {
            Some(cfg) => {
                let mut source = super::syscalls::SyscallSource::start(cfg, &rules.current())?;
                if let Some(node) = &cfg.node {
                    let client = crate::sensor::pods::client_for(node).await?;
                    let store = kubeward_syscall::meta::ContainerStore::new();
                    source.set_containers(store.clone());
                    pod_watch = Some(PodWatch {
                        client,
                        node: node.clone(),
                        store,
                    });
                }
                Some(source)
            }
            None => None,
        };
        #[cfg(target_os = "linux")]
        let stats = match syscalls {
            Some(_) => Stats::with_syscalls(),
            None => Stats::new(),
        };
        #[cfg(not(target_os = "linux"))]
        let stats = Stats::new();
        Ok(AuditServer {
            listener,
            config,
            rules,
            stats: Arc::new(stats),
            outputs,
            hangup,
            #[cfg(target_os = "linux")]
            syscalls,
            pod_watch,
        })
    }

    /// The address actually bound (with the port chosen when `listen` asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap_or(self.config.listen)
    }

    /// The server's metrics, shared; the same counters `/metrics` exposes.
    pub fn stats(&self) -> Arc<Stats> {
        Arc::clone(&self.stats)
    }

    /// The rules in force; [`reload`] them from a signal handler or a test.
    pub fn rules(&self) -> Arc<RulesHandle> {
        Arc::clone(&self.rules)
    }

    /// Serves until `shutdown` completes, then drains the queue and the outputs.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<ShutdownReport, ServeError> {
        let AuditServer {
            listener,
            config,
            rules,
            stats,
            outputs,
            hangup,
            #[cfg(target_os = "linux")]
            syscalls,
            pod_watch,
        } = self;
        // Dropped with the run: the watch stops when the server does.
        let _pod_watch = pod_watch.map(|w| {
            AbortOnDrop(tokio::spawn(crate::sensor::pods::watch(
                w.client, w.node, w.store,
            )))
        });
        let reloader = hangup.map(|h| sighup_reloader(h, Arc::clone(&rules), Arc::clone(&stats)));
        let (outputs, http_task) = Outputs::open(outputs, config.format, Arc::clone(&stats))?;
        let (tx, rx) = queue::bounded(config.queue_batches, config.queue_bytes, Arc::clone(&stats));
        let shared = Arc::new(Shared {
            rules,
            outputs: Arc::new(outputs),
            stats: Arc::clone(&stats),
            mode: config.match_mode,
            alert_options: config.alert_options.clone(),
        });
        let workers = worker::spawn(config.workers, &rx, &shared).map_err(ServeError::Workers)?;
        // The syscall source writes to the same outputs; it stops with the listener.
        let pump_stop = Arc::new(AtomicBool::new(false));
        #[cfg(target_os = "linux")]
        let pump = syscalls
            .map(|s| s.spawn(Arc::clone(&shared), Arc::clone(&pump_stop)))
            .transpose()
            .map_err(ServeError::Workers)?;
        #[cfg(not(target_os = "linux"))]
        let pump: Option<std::thread::JoinHandle<()>> = None;
        drop(rx);
        let mut watcher = None;

        let acceptor = match &config.tls {
            Some(files) => {
                let certs = CertReloader::load(&files.cert, &files.key)?;
                // Dropped with the run: polling stops when the server does.
                watcher = Some(AbortOnDrop(tokio::spawn(
                    Arc::clone(&certs).watch(files.reload_every),
                )));
                Some(certs.acceptor())
            }
            None => None,
        };
        let stopping = Arc::new(AtomicBool::new(false));
        let state = AppState {
            queue: tx.clone(),
            stats: Arc::clone(&stats),
            stopping: Arc::clone(&stopping),
        };
        let app = router(state, config.max_body_bytes, config.max_request_time);
        let stop_flag = Arc::clone(&stopping);
        let graceful = async move {
            shutdown.await;
            stop_flag.store(true, Ordering::SeqCst);
            tracing::info!("shutting down: finishing requests, then draining the queue");
        };
        let serve_options = tls::ServeOptions {
            metrics: stats.connections.clone(),
            ..config.serve_options.clone()
        };
        let served = tls::serve(listener, acceptor, app, serve_options, graceful).await;
        // Whatever connections linger, nothing enters the queue after this.
        tx.close();
        drop(watcher);
        drop(reloader);
        served?;

        // Workers drain what is queued and the syscall source what the kernel holds,
        // then stop.
        pump_stop.store(true, Ordering::SeqCst);
        let deadline = Instant::now() + config.shutdown_timeout;
        let joined = tokio::task::spawn_blocking(move || {
            for w in workers.into_iter().chain(pump) {
                let _ = w.join();
            }
        });
        let mut timed_out = tokio::time::timeout_at(deadline.into(), joined)
            .await
            .is_err();
        // The workers held the other references; the last one closes the HTTP output.
        drop(shared);
        if let Some(task) = http_task
            && tokio::time::timeout_at(deadline.into(), task)
                .await
                .is_err()
        {
            timed_out = true;
        }
        if timed_out {
            tracing::error!("shutdown timed out: queued batches or alerts may be lost");
        }
        Ok(ShutdownReport {
            events_evaluated: stats.events_evaluated.get(),
            events_failed: stats.events_failed.get(),
            timed_out,
        })
    }
}

/// Reloads the rules on every SIGHUP until dropped. The reload runs on a blocking thread:
/// reading and compiling rules takes milliseconds to seconds, and the workers keep the old
/// rules meanwhile.
fn sighup_reloader(
    mut hup: tokio::signal::unix::Signal,
    rules: Arc<RulesHandle>,
    stats: Arc<Stats>,
) -> AbortOnDrop {
    AbortOnDrop(tokio::spawn(async move {
        while hup.recv().await.is_some() {
            let (rules, stats) = (Arc::clone(&rules), Arc::clone(&stats));
            let _ = tokio::task::spawn_blocking(move || reload(&rules, &stats)).await;
        }
    }))
}

/// Reloads the rules, logging and counting the outcome (the SIGHUP handler's body).
pub fn reload(rules: &RulesHandle, stats: &Stats) -> Result<usize, ReloadError> {
    let result = rules.reload();
    match &result {
        Ok(n) => {
            Stats::inc(&stats.reloads, "result", "ok");
            tracing::info!("rules reloaded: {n} rules enabled");
        }
        Err(e) => {
            Stats::inc(&stats.reloads, "result", "error");
            tracing::error!("{e}");
        }
    }
    result
}

fn router(state: AppState, max_body: usize, max_request_time: Duration) -> Router {
    let stats = Arc::clone(&state.stats);
    Router::new()
        .route(AUDIT_PATH, post(ingest))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                let stats = Arc::clone(&stats);
                async move {
                    let batch = req.uri().path() == AUDIT_PATH;
                    match tokio::time::timeout(max_request_time, next.run(req)).await {
                        Ok(resp) => resp,
                        Err(_) => {
                            // Only the body upload awaits: a batch timed out here was
                            // never queued, and the API server sends it again.
                            if batch {
                                Stats::inc(&stats.batches, "result", "too_slow");
                            }
                            tracing::warn!(
                                ?max_request_time,
                                "request took too long (slow sender?)"
                            );
                            (StatusCode::REQUEST_TIMEOUT, "request took too long\n").into_response()
                        }
                    }
                }
            },
        ))
        .with_state(state)
}

async fn ingest(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if !json {
        Stats::inc(&st.stats.batches, "result", "bad_content_type");
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "audit batches must be sent as application/json\n",
        )
            .into_response();
    }
    let body = match body {
        Ok(b) => b,
        Err(rejection) => {
            let status = rejection.status();
            let result = if status == StatusCode::PAYLOAD_TOO_LARGE {
                "too_large"
            } else {
                "unreadable"
            };
            Stats::inc(&st.stats.batches, "result", result);
            tracing::warn!("audit batch refused: {}", rejection.body_text());
            return rejection.into_response();
        }
    };
    if st.stopping.load(Ordering::SeqCst) {
        Stats::inc(&st.stats.batches, "result", "shutting_down");
        return unavailable(StatusCode::SERVICE_UNAVAILABLE, "shutting down");
    }
    let len = body.len() as u64;
    match st.queue.try_push(body) {
        Ok(()) => {
            Stats::inc(&st.stats.batches, "result", "accepted");
            StatusCode::OK.into_response()
        }
        Err(PushError::Full) => {
            Stats::inc(&st.stats.batches, "result", "queue_full");
            st.stats.dropped_bytes.inc_by(len);
            unavailable(StatusCode::TOO_MANY_REQUESTS, "evaluation queue full")
        }
        Err(PushError::Closed) => {
            Stats::inc(&st.stats.batches, "result", "shutting_down");
            unavailable(StatusCode::SERVICE_UNAVAILABLE, "shutting down")
        }
    }
}

/// 429/503 with Retry-After: the API server's webhook retries with backoff anyway.
fn unavailable(status: StatusCode, why: &'static str) -> Response {
    (
        status,
        [(header::RETRY_AFTER, "1")],
        format!("{why}; retry later\n"),
    )
        .into_response()
}

async fn readyz(State(st): State<AppState>) -> Response {
    if st.stopping.load(Ordering::SeqCst) {
        (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n").into_response()
    } else {
        (StatusCode::OK, "ok\n").into_response()
    }
}

async fn metrics(State(st): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        st.stats.render(),
    )
        .into_response()
}
