//! Prometheus metrics for kubeward's servers, in the text exposition format.
//!
//! Built on `prometheus-client` (the Prometheus project's own Rust crate): its families and
//! histograms are lock-free on the hot path and it writes the exposition format (escaping,
//! `_bucket`/`_sum`/`_count`, `# EOF`) correctly, which a hand-written writer would have to
//! get right and test again; it costs three small dependencies.
//!
//! How to use it from a server module:
//!
//! ```
//! use std::sync::Arc;
//! use kubeward_server::metrics::{self, Counter, Family, Registry};
//!
//! let mut registry = Registry::with_prefix("kubeward_audit");
//! let events: Family<Vec<(String, String)>, Counter> = Family::default();
//! registry.register("events", "Audit events by outcome", events.clone());
//! let latency = metrics::latency_histogram();
//! registry.register("request_duration_seconds", "Request latency", latency.clone());
//! events.get_or_create(&vec![("outcome".into(), "received".into())]).inc();
//! latency.observe(0.002);
//! let text = metrics::encode(&registry);
//! assert!(text.contains("kubeward_audit_events_total{outcome=\"received\"} 1"));
//! // In the router: .route("/metrics", metrics::route(Arc::new(registry)))
//! # let _: axum::Router = axum::Router::new().route("/metrics", metrics::route(Arc::new(Registry::default())));
//! ```
//!
//! Keep label values bounded (namespaces, check ids, outcomes; never user names or UIDs):
//! every distinct label set is a series held for the life of the process.

use std::sync::Arc;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, get};

pub use prometheus_client::metrics::counter::Counter;
pub use prometheus_client::metrics::family::Family;
pub use prometheus_client::metrics::gauge::Gauge;
pub use prometheus_client::metrics::histogram::Histogram;
pub use prometheus_client::registry::Registry;

/// The content type of the text exposition that [`encode`] writes.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Latency buckets in seconds, from 100 µs to 10 s: webhook answers are expected in
/// milliseconds, the API server's timeout is at most 30 s.
pub const LATENCY_BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 2.5, 10.0,
];

/// A histogram with [`LATENCY_BUCKETS`].
pub fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

/// The registry's metrics in the OpenMetrics text format (which Prometheus scrapes).
pub fn encode(registry: &Registry) -> String {
    let mut out = String::with_capacity(4096);
    // Writing into a String cannot fail; an error here would be a bug in a collector.
    if let Err(e) = prometheus_client::encoding::text::encode(&mut out, registry) {
        tracing::error!(error = %e, "metrics encoding failed");
    }
    out
}

/// Registers metrics in a registry, one `"name" => "help", metric;` line each (the
/// registry keeps a clone, which shares the metric's values):
/// `register!(registry, "events" => "Audit events by outcome", self.events;)`.
macro_rules! register {
    ($registry:expr, $($name:literal => $help:literal, $metric:expr;)+) => {
        $($registry.register($name, $help, $metric.clone());)+
    };
}
pub(crate) use register;

/// An axum `GET` route answering with [`encode`] of `registry`.
pub fn route<S: Clone + Send + Sync + 'static>(registry: Arc<Registry>) -> MethodRouter<S> {
    get(move || {
        let registry = registry.clone();
        async move { ([(header::CONTENT_TYPE, CONTENT_TYPE)], encode(&registry)).into_response() }
    })
}
