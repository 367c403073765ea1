//! Helpers for the audit backend's end-to-end tests: a server on a loopback port, a
//! client that posts as the API server does, and writers the tests can read or stall.

#![allow(dead_code)]

use kubeward_testkit::audit;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use kubeward_rules::engine::{AlertOptions, Engine, RulesFile, Ruleset};
use kubeward_server::audit::{
    AuditServer, OutputsConfig, RulesHandle, ServeConfig, ShutdownReport, Stats,
};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// One audit event as the API server writes it, at level Metadata.
pub fn event(id: u64, user: &str, verb: &str, resource: &str) -> String {
    audit::event(
        &id.to_string(),
        user,
        verb,
        resource,
        r#","level":"Metadata""#,
    )
}

/// Posts `events` as one EventList to the server's audit endpoint, as the API server's
/// webhook does, and asserts that it was accepted.
pub async fn deliver(endpoint: &str, events: &[String]) {
    let (status, body) = post(endpoint, event_list(events), "application/json").await;
    assert_eq!(status, 200, "{body}");
}

pub use kubeward_testkit::audit::event_list;

/// The default rules' alert for alice reading secret prod/x.
pub const SECRET_ALERT: &str = "12:00:00.250000000: Warning Secret read by non-system user (user=alice verb=get secret=prod/x)";

pub fn default_rules() -> Ruleset {
    rules_from(kubeward_k8saudit::DEFAULT_RULES).expect("the default rules load")
}

pub fn rules_from(text: &str) -> Result<Ruleset, String> {
    let mut engine = Engine::new();
    engine.add_source(kubeward_k8saudit::source_spec());
    let loaded = engine.load(&[RulesFile::new("rules.yaml", text)]);
    loaded.ruleset.ok_or_else(|| {
        loaded
            .reports
            .iter()
            .map(|r| r.to_text())
            .collect::<String>()
    })
}

/// A writer the test reads back; with a gate, writes wait until it is opened.
#[derive(Clone, Default)]
pub struct Sink {
    buf: Arc<Mutex<Vec<u8>>>,
    gate: Option<Arc<(Mutex<bool>, Condvar)>>,
}

impl Sink {
    pub fn gated() -> Sink {
        Sink {
            buf: Arc::default(),
            gate: Some(Arc::new((Mutex::new(false), Condvar::new()))),
        }
    }
    pub fn open_gate(&self) {
        if let Some(g) = &self.gate {
            *g.0.lock().unwrap() = true;
            g.1.notify_all();
        }
    }
    pub fn text(&self) -> String {
        String::from_utf8(self.buf.lock().unwrap().clone()).unwrap()
    }
    pub fn lines(&self) -> Vec<String> {
        self.text().lines().map(str::to_owned).collect()
    }
}

impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        if let Some(g) = &self.gate {
            let mut open = g.0.lock().unwrap();
            while !*open {
                open = g.1.wait(open).unwrap();
            }
        }
        self.buf.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    pub stats: Arc<Stats>,
    pub rules: Arc<RulesHandle>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<ShutdownReport>,
}

impl Running {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
    /// Signals shutdown and waits for the drained run.
    pub async fn stop(mut self) -> ShutdownReport {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .expect("shutdown within 30 s")
            .expect("the server task")
    }
    pub fn begin_stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
    pub async fn join(self) -> ShutdownReport {
        tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .expect("shutdown within 30 s")
            .expect("the server task")
    }
}

/// A loopback config on a free port.
pub fn config() -> ServeConfig {
    let mut c = ServeConfig::new(SocketAddr::from(([127, 0, 0, 1], 0)));
    c.workers = 2;
    c.alert_options = AlertOptions {
        hostname: "h1".into(),
        ..AlertOptions::default()
    };
    c
}

/// [`config`] as `change` leaves it.
pub fn config_with(change: impl FnOnce(&mut ServeConfig)) -> ServeConfig {
    let mut c = config();
    change(&mut c);
    c
}

/// Outputs that write alerts to `sink` only.
pub fn to(sink: &Sink) -> OutputsConfig {
    OutputsConfig {
        writer: Some(Box::new(sink.clone())),
        ..OutputsConfig::default()
    }
}

/// [`start`] with the default rules, writing alerts to `sink`.
pub async fn start_default(config: ServeConfig, sink: &Sink) -> Running {
    start(config, RulesHandle::fixed(default_rules()), to(sink)).await
}

pub async fn start(config: ServeConfig, rules: RulesHandle, outputs: OutputsConfig) -> Running {
    let server = AuditServer::bind(config, Arc::new(rules), outputs)
        .await
        .expect("bind on loopback");
    let addr = server.local_addr();
    let (stats, rules) = (server.stats(), server.rules());
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        server
            .run(async {
                let _ = rx.await;
            })
            .await
            .expect("the server runs")
    });
    Running {
        addr,
        stats,
        rules,
        stop: Some(tx),
        task,
    }
}

pub fn client() -> Client<HttpConnector, Full<Bytes>> {
    Client::builder(TokioExecutor::new()).build_http()
}

/// POSTs `body` as the API server does; returns the status and the answer's text.
pub async fn post(url: &str, body: impl Into<Bytes>, content_type: &str) -> (u16, String) {
    let req = Request::builder()
        .method(Method::POST)
        .uri(url)
        .header("content-type", content_type)
        .body(Full::new(body.into()))
        .unwrap();
    send(req).await
}

pub async fn get(url: &str) -> (u16, String) {
    let req = Request::builder()
        .uri(url)
        .body(Full::new(Bytes::new()))
        .unwrap();
    send(req).await
}

/// Sends `req`; returns the status and the answer's text.
async fn send(req: Request<Full<Bytes>>) -> (u16, String) {
    let resp = client()
        .request(req)
        .await
        .expect("the request is answered");
    let status = resp.status().as_u16();
    let text = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&text).into_owned())
}

/// Waits until `cond` holds (the workers are asynchronous to the HTTP answer).
pub async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..500 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Asserts the value of each `(sample, value)` in the `/metrics` text `text`.
#[track_caller]
pub fn assert_metrics(text: &str, expected: &[(&str, u64)]) {
    for &(sample, value) in expected {
        assert_eq!(metric(text, sample), Some(value), "{sample}");
    }
}

/// The value of a sample in `/metrics` text.
pub fn metric(text: &str, sample: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        l.strip_prefix(sample)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}
