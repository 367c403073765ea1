//! Settings of the audit webhook backend, with the defaults the CLI shows.

use std::net::SocketAddr;
use std::time::Duration;

use kubeward_rules::engine::{AlertOptions, MatchMode};

use crate::tls::ServeOptions;

/// Falco's documented port for the k8s_audit webhook.
pub const DEFAULT_PORT: u16 = 9765;
/// Falco's path; the API server's webhook kubeconfig points here.
pub const AUDIT_PATH: &str = "/k8s-audit";
/// The k8saudit plugin's `webhookMaxBatchSize`: the API server's batches (400 events,
/// at most 256 KiB each after truncation) fit.
pub const DEFAULT_MAX_BODY_BYTES: usize = 12 << 20;
/// Bytes of request bodies waiting for evaluation before requests get 429: room for two
/// maximal batches and many ordinary ones, so that overload costs tens of MiB, not hundreds.
pub const DEFAULT_QUEUE_BYTES: usize = 32 << 20;

/// How alerts are written to stdout, the file, the program and syslog (the HTTP output
/// sends what its [`HttpBody`] says).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertFormat {
    /// Falco's text line.
    Text,
    /// Falco's JSON object, one a line.
    Json,
}

/// The HTTP alert output: one POST per alert, JSON, retried with exponential backoff.
#[derive(Debug, Clone)]
pub struct HttpOutputConfig {
    /// `http://` or `https://host:port/path`.
    pub url: String,
    /// Attempts per alert, the first included (at least 1).
    pub max_attempts: u32,
    /// Wait before the second attempt; doubles after each failure up to `max_backoff`.
    pub initial_backoff: Duration,
    /// Longest wait between attempts: the doubling stops here.
    pub max_backoff: Duration,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Alerts waiting to be sent; when full, workers wait (backpressure reaches the
    /// intake queue, which answers 429 so the API server retries).
    pub queue: usize,
    /// For `https://`: the CA bundle (PEM) that signs the receiver's certificate;
    /// `None` trusts the system's roots (Falco's `http_output.ca_bundle`/`ca_path`).
    pub ca_bundle: Option<std::path::PathBuf>,
    /// For `https://`: a client certificate chain and key (PEM) for mutual TLS
    /// (Falco's `http_output.mtls`, `client_cert`, `client_key`).
    pub client_cert: Option<(std::path::PathBuf, std::path::PathBuf)>,
    /// Accept any server certificate (Falco's `http_output.insecure`): for tests only.
    pub insecure: bool,
    /// Extra request headers, as Falco's `http_output.custom_headers`.
    pub headers: Vec<(String, String)>,
    /// For `https://` without `ca_bundle`: a directory whose files hold the trusted CA
    /// certificates (Falco's `http_output.ca_path`); `None` trusts the system's roots.
    pub ca_path: Option<std::path::PathBuf>,
    /// The `User-Agent` of every request (Falco's `http_output.user_agent`).
    pub user_agent: String,
    /// What each request carries: the JSON alert, or the text line (Falco posts the text
    /// line as `text/plain` when `json_output` is false).
    pub body: HttpBody,
}

/// The body of the HTTP output's requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpBody {
    /// The JSON alert, `application/json` (what Falcosidekick reads).
    Json,
    /// The text alert line, `text/plain`.
    Text,
}

/// `NAME:VALUE` as a request header of the HTTP output (`--http-header`), checked as the
/// HTTP library will send it.
pub fn parse_header(s: &str) -> Result<(String, String), String> {
    let (name, value) = s
        .split_once(':')
        .ok_or_else(|| format!("{s:?} is not NAME:VALUE"))?;
    let (name, value) = (name.trim(), value.trim());
    hyper::header::HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| format!("{name:?} is not a header name"))?;
    hyper::header::HeaderValue::from_str(value)
        .map_err(|_| format!("the value of {name} has characters a header cannot hold"))?;
    Ok((name.to_owned(), value.to_owned()))
}

impl HttpOutputConfig {
    /// Settings for `url` with the defaults: 5 attempts, backoff from 200 ms to 5 s, a 10 s timeout, 10 000 queued alerts.
    pub fn new(url: impl Into<String>) -> HttpOutputConfig {
        HttpOutputConfig {
            url: url.into(),
            max_attempts: 5,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            timeout: Duration::from_secs(10),
            queue: 10_000,
            ca_bundle: None,
            client_cert: None,
            insecure: false,
            headers: Vec::new(),
            ca_path: None,
            user_agent: "kubeward".to_owned(),
            body: HttpBody::Json,
        }
    }
}

pub use crate::tls::TlsFiles;

/// Everything [`crate::audit::AuditServer`] needs besides the rules and the outputs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Address and port to listen on (Falco's default port is [`DEFAULT_PORT`]).
    pub listen: SocketAddr,
    /// HTTPS with this pair; plain HTTP without.
    pub tls: Option<TlsFiles>,
    /// Connection deadlines and limits (its `metrics` are replaced by [`crate::audit::Stats`]'s).
    pub serve_options: ServeOptions,
    /// Larger request bodies get 413.
    pub max_body_bytes: usize,
    /// Longest a whole request may take, body upload included: a client trickling its body
    /// gets 408 and its connection back (a busy connection is never shed, so without this
    /// a slow upload could hold a connection slot for good).
    pub max_request_time: Duration,
    /// Batches waiting for a worker; beyond this the handler answers 429.
    pub queue_batches: usize,
    /// Bytes of batches waiting for a worker; beyond this the handler answers 429.
    pub queue_bytes: usize,
    /// Evaluation threads.
    pub workers: usize,
    /// Falco's `rule_matching`: alert on the first matching rule or on all of them.
    pub match_mode: MatchMode,
    /// How alerts are written to stdout and the alert file.
    pub format: AlertFormat,
    /// What the alerts carry (Falco's output options).
    pub alert_options: AlertOptions,
    /// Longest wait at shutdown for in-flight requests, the queue and the outputs.
    pub shutdown_timeout: Duration,
    /// Reload the rules on SIGHUP (a process, not a test): off by default.
    pub reload_on_sighup: bool,
    /// Also run the live syscall source (root, or CAP_BPF and CAP_PERFMON): off by
    /// default.
    #[cfg(target_os = "linux")]
    pub syscalls: Option<super::syscalls::SyscallConfig>,
}

impl ServeConfig {
    /// Settings for `listen` with the defaults: plain HTTP, 12 MiB bodies, one worker per core.
    pub fn new(listen: SocketAddr) -> ServeConfig {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        ServeConfig {
            listen,
            tls: None,
            serve_options: ServeOptions::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_request_time: Duration::from_secs(60),
            queue_batches: 256,
            queue_bytes: DEFAULT_QUEUE_BYTES,
            workers: cores,
            match_mode: MatchMode::First,
            format: AlertFormat::Text,
            alert_options: AlertOptions::default(),
            shutdown_timeout: Duration::from_secs(30),
            reload_on_sighup: false,
            #[cfg(target_os = "linux")]
            syscalls: None,
        }
    }
}

#[cfg(test)]
mod header_tests {
    use super::parse_header;

    #[test]
    fn headers_are_name_colon_value() {
        assert_eq!(
            parse_header("Authorization: Bearer x"),
            Ok(("Authorization".into(), "Bearer x".into()))
        );
        assert!(parse_header("no-colon").is_err());
        assert!(parse_header("bad name: x").is_err());
        assert!(parse_header("x-a: line\nbreak").is_err());
    }
}
