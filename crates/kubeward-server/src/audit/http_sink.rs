//! The HTTP alert output: each alert POSTed as Falco's JSON object (or its text line, as
//! Falco sends it without `json_output`), retried with
//! exponential backoff, in order, by one task.
//!
//! Bounded: the channel holds at most `queue` alerts (workers wait when it is full, so
//! backpressure reaches the intake queue), and an alert is given up after
//! `max_attempts`, counted in `alerts_failed{output="http"}` and logged.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use http_body_util::Full;
use hyper::{Method, Request, StatusCode, Uri};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::config::{HttpBody, HttpOutputConfig};
use super::stats::Stats;

/// Why the HTTP output cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// The alert URL does not parse.
    #[error("alert URL {url:?} is not a valid URL: {reason}")]
    BadUrl {
        /// The URL as given.
        url: String,
        /// The parser's reason.
        reason: String,
    },
    /// The alert URL is neither `http://` nor `https://`; holds the URL.
    #[error("alert URL {0:?}: give an http:// or https:// URL")]
    Scheme(String),
    /// The TLS settings of an `https://` URL cannot be used.
    #[error("alert output TLS: {0}")]
    Tls(String),
    /// The user agent has characters a header cannot hold; holds it.
    #[error("alert output user agent {0:?} has characters an HTTP header cannot hold")]
    UserAgent(String),
}

/// Where workers hand alerts to the output task.
#[derive(Debug, Clone)]
pub struct HttpSink {
    tx: mpsc::Sender<Bytes>,
}

impl HttpSink {
    /// Starts the output task on the current tokio runtime.
    pub fn start(
        cfg: HttpOutputConfig,
        stats: Arc<Stats>,
    ) -> Result<(HttpSink, JoinHandle<()>), SinkError> {
        let uri: Uri =
            cfg.url
                .parse()
                .map_err(|e: hyper::http::uri::InvalidUri| SinkError::BadUrl {
                    url: cfg.url.clone(),
                    reason: e.to_string(),
                })?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
            return Err(SinkError::Scheme(cfg.url.clone()));
        }
        if hyper::header::HeaderValue::from_str(&cfg.user_agent).is_err() {
            return Err(SinkError::UserAgent(cfg.user_agent.clone()));
        }
        let content_type = match cfg.body {
            HttpBody::Json => "application/json",
            HttpBody::Text => "text/plain",
        };
        let tls = if uri.scheme_str() == Some("https") {
            super::http_tls::client_config(&cfg)
        } else {
            super::http_tls::trusting_nothing()
        }
        .map_err(SinkError::Tls)?;
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build();
        let (tx, mut rx) = mpsc::channel::<Bytes>(cfg.queue.max(1));
        let client: Client<HttpsConnector<HttpConnector>, Full<Bytes>> =
            Client::builder(TokioExecutor::new()).build(connector);
        let task = tokio::spawn(async move {
            let mut out = Delivery {
                cfg,
                content_type,
                uri,
                client,
                stats,
            };
            while let Some(alert) = rx.recv().await {
                out.deliver(alert).await;
            }
        });
        Ok((HttpSink { tx }, task))
    }

    /// Hands an alert over, waiting while the channel is full. Call from a worker
    /// thread, never from async code. `false` when the task is gone.
    pub fn send_blocking(&self, alert: String) -> bool {
        self.tx.blocking_send(Bytes::from(alert)).is_ok()
    }
}

struct Delivery {
    cfg: HttpOutputConfig,
    content_type: &'static str,
    uri: Uri,
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    stats: Arc<Stats>,
}

/// What one attempt came to.
enum Attempt {
    Delivered,
    Retry(String),
    GiveUp(String),
}

impl Delivery {
    async fn deliver(&mut self, alert: Bytes) {
        let attempts = self.cfg.max_attempts.max(1);
        let mut backoff = self.cfg.initial_backoff;
        let mut last = String::new();
        for n in 1..=attempts {
            match self.attempt(alert.clone()).await {
                Attempt::Delivered => return,
                Attempt::GiveUp(why) => {
                    last = why;
                    break;
                }
                Attempt::Retry(why) => {
                    last = why;
                    if n < attempts {
                        self.stats.http_output_retries.inc();
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(self.cfg.max_backoff);
                    }
                }
            }
        }
        Stats::inc(&self.stats.alerts_failed, "output", "http");
        tracing::error!(url = %self.cfg.url, "alert not delivered to the HTTP output: {last}");
    }

    async fn attempt(&self, alert: Bytes) -> Attempt {
        let mut req = Request::builder()
            .method(Method::POST)
            .uri(self.uri.clone())
            .header(hyper::header::CONTENT_TYPE, self.content_type)
            .header(hyper::header::USER_AGENT, self.cfg.user_agent.as_str());
        for (name, value) in &self.cfg.headers {
            req = req.header(name.as_str(), value.as_str());
        }
        let req = req.body(Full::new(alert));
        let req = match req {
            Ok(r) => r,
            Err(e) => return Attempt::GiveUp(e.to_string()),
        };
        match tokio::time::timeout(self.cfg.timeout, self.client.request(req)).await {
            Err(_) => Attempt::Retry(format!("no answer within {:?}", self.cfg.timeout)),
            Ok(Err(e)) => Attempt::Retry(e.to_string()),
            Ok(Ok(resp)) => classify(resp.status()),
        }
    }
}

/// Server errors, throttling and timeouts may pass; other client errors will not.
fn classify(status: StatusCode) -> Attempt {
    if status.is_success() {
        Attempt::Delivered
    } else if status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
    {
        Attempt::Retry(format!("HTTP {status}"))
    } else {
        Attempt::GiveUp(format!("HTTP {status}"))
    }
}

/// The backoff sequence, for documentation and tests: waits before attempts 2..=n.
pub fn backoff_schedule(cfg: &HttpOutputConfig) -> Vec<Duration> {
    let mut out = Vec::new();
    let mut b = cfg.initial_backoff;
    for _ in 1..cfg.max_attempts.max(1) {
        out.push(b);
        b = (b * 2).min(cfg.max_backoff);
    }
    out
}
