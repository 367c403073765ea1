//! What both servers (`detect serve`, `webhook serve`) do alike as processes: log to
//! stderr, stop on the signals Kubernetes and a terminal send, and take the same connection
//! deadline and limit flags.

use std::time::Duration;

use clap::Args;
use kubeward_server::tls::{self, ServeOptions};
use tokio::signal::unix::{SignalKind, signal};

/// Connection deadlines and limits, with the same names and defaults on both servers.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Connection limits")]
pub struct ConnectionArgs {
    /// Seconds a TLS handshake may take.
    #[arg(long, value_name = "SECONDS", default_value_t = tls::DEFAULT_HANDSHAKE_TIMEOUT.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub handshake_timeout_seconds: u64,
    /// Seconds from accepting a connection until its first request's headers are in; a
    /// connection that stays silent (or trickles) is closed.
    #[arg(long, value_name = "SECONDS", default_value_t = tls::DEFAULT_FIRST_REQUEST_TIMEOUT.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub first_request_timeout_seconds: u64,
    /// Seconds from a request's first byte until its headers are in (slowloris).
    #[arg(long, value_name = "SECONDS", default_value_t = tls::DEFAULT_HEADER_READ_TIMEOUT.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout_seconds: u64,
    /// Seconds a keep-alive connection may wait for its next request (keep it above the API
    /// server's 90 s, so that the API server closes idle connections first).
    #[arg(long, value_name = "SECONDS", default_value_t = tls::DEFAULT_IDLE_TIMEOUT.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub idle_timeout_seconds: u64,
    /// Open connections at most; at the cap a new connection closes the oldest idle one
    /// (with none idle it waits).
    #[arg(long, value_name = "N", default_value_t = tls::DEFAULT_MAX_CONNECTIONS,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_000_000))]
    pub max_connections: usize,
    /// Open connections per client address at most, 0 for no limit; at the limit a new
    /// connection closes that address's oldest idle one, or is refused. Raise it (or use 0)
    /// when clients reach the server through one NAT address.
    #[arg(long, value_name = "N", default_value_t = tls::DEFAULT_MAX_CONNECTIONS_PER_SOURCE,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=1_000_000))]
    pub max_connections_per_source: usize,
}

impl ConnectionArgs {
    /// The options for `kubeward_server::tls::serve`.
    pub fn serve_options(&self) -> ServeOptions {
        ServeOptions {
            handshake_timeout: Duration::from_secs(self.handshake_timeout_seconds),
            first_request_timeout: Duration::from_secs(self.first_request_timeout_seconds),
            header_read_timeout: Duration::from_secs(self.header_timeout_seconds),
            idle_timeout: Duration::from_secs(self.idle_timeout_seconds),
            max_connections: self.max_connections,
            max_connections_per_source: self.max_connections_per_source,
            ..ServeOptions::default()
        }
    }
}

/// Resolves on SIGTERM (Kubernetes stopping the pod) or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        // Without handlers the default action still stops the process.
        _ => std::future::pending().await,
    }
}

/// Server logs on stderr; `RUST_LOG` refines the level (default info).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
