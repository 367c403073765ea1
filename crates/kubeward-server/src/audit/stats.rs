//! Counters of the audit backend, exposed on `/metrics` (OpenMetrics text).
//!
//! Every batch that reaches the handler ends in exactly one `batches` result, and every
//! event read from an accepted batch is counted as evaluated or failed, so the operator
//! can see where events go: `received = evaluated + failed`.

use crate::metrics::{self, Counter, Family, Gauge, Registry};
use crate::tls::ConnMetrics;

type Label = [(&'static str, &'static str); 1];

/// The counters; cheap to update from any thread.
#[derive(Debug)]
pub struct Stats {
    registry: Registry,
    /// Batches by outcome at the handler: accepted, queue_full, too_large,
    /// bad_content_type, shutting_down, too_slow (body not in within the request deadline).
    pub batches: Family<Label, Counter>,
    /// Accepted batches that could not be read as a whole: malformed_json,
    /// not_audit_events.
    pub batches_failed: Family<Label, Counter>,
    /// Bytes of batches refused because the queue was full (the API server retries them).
    pub dropped_bytes: Counter,
    /// Audit events found in accepted batches.
    pub events_received: Counter,
    /// Audit events evaluated against the rules.
    pub events_evaluated: Counter,
    /// Items of a batch that are not events the source accepts (no stageTimestamp, too
    /// large, ...).
    pub events_failed: Counter,
    /// Alerts raised, by priority.
    pub alerts: Family<Label, Counter>,
    /// Alerts an output could not write (after the HTTP output's retries), by output.
    pub alerts_failed: Family<Label, Counter>,
    /// HTTP output attempts that failed and were retried.
    pub http_output_retries: Counter,
    /// Rule reloads by result (ok, error).
    pub reloads: Family<Label, Counter>,
    /// Batches waiting for a worker now.
    pub queue_batches: Gauge,
    /// Bytes of the batches waiting for a worker now.
    pub queue_bytes: Gauge,
    /// Connections accepted, open, and closed by the server's deadlines and limits.
    pub connections: ConnMetrics,
    /// The live syscall source's metrics (`kubeward_syscall_*`), when it runs.
    pub syscalls: Option<super::syscalls::SyscallStats>,
}

impl Default for Stats {
    fn default() -> Self {
        Stats::new()
    }
}

impl Stats {
    /// Zeroed metrics, registered under the `kubeward_audit` prefix.
    pub fn new() -> Stats {
        Stats::build(false)
    }

    /// [`Stats::new`] plus the live syscall source's metrics, prefixed `kubeward_syscall`.
    pub fn with_syscalls() -> Stats {
        Stats::build(true)
    }

    fn build(syscalls: bool) -> Stats {
        let mut root = Registry::default();
        let registry = root.sub_registry_with_prefix("kubeward_audit");
        let s = Stats {
            registry: Registry::default(),
            batches: Family::default(),
            batches_failed: Family::default(),
            dropped_bytes: Counter::default(),
            events_received: Counter::default(),
            events_evaluated: Counter::default(),
            events_failed: Counter::default(),
            alerts: Family::default(),
            alerts_failed: Family::default(),
            http_output_retries: Counter::default(),
            reloads: Family::default(),
            queue_batches: Gauge::default(),
            queue_bytes: Gauge::default(),
            connections: ConnMetrics::default(),
            syscalls: syscalls.then(super::syscalls::SyscallStats::default),
        };
        let r = registry;
        r.register(
            "batches",
            "Webhook requests to /k8s-audit by result",
            s.batches.clone(),
        );
        r.register(
            "batches_failed",
            "Accepted batches unreadable as a whole, by reason",
            s.batches_failed.clone(),
        );
        r.register(
            "dropped_bytes",
            "Bytes of batches refused with 429 because the queue was full",
            s.dropped_bytes.clone(),
        );
        r.register(
            "events_received",
            "Events read from accepted batches",
            s.events_received.clone(),
        );
        r.register(
            "events_evaluated",
            "Events evaluated against the rules",
            s.events_evaluated.clone(),
        );
        r.register(
            "events_failed",
            "Batch items that are not acceptable audit events",
            s.events_failed.clone(),
        );
        r.register("alerts", "Alerts raised, by priority", s.alerts.clone());
        r.register(
            "alerts_failed",
            "Alerts an output could not write, by output",
            s.alerts_failed.clone(),
        );
        r.register(
            "http_output_retries",
            "Failed HTTP output attempts that were retried",
            s.http_output_retries.clone(),
        );
        r.register("rule_reloads", "Rule reloads by result", s.reloads.clone());
        r.register(
            "queue_batches",
            "Batches waiting for evaluation",
            s.queue_batches.clone(),
        );
        r.register(
            "queue_bytes",
            "Bytes of batches waiting for evaluation",
            s.queue_bytes.clone(),
        );
        s.connections.register(r);
        if let Some(sys) = &s.syscalls {
            sys.register(root.sub_registry_with_prefix("kubeward_syscall"));
        }
        Stats {
            registry: root,
            ..s
        }
    }

    /// The metrics in OpenMetrics text format.
    pub fn render(&self) -> String {
        metrics::encode(&self.registry)
    }

    /// Adds one to a labelled counter.
    pub fn inc(family: &Family<Label, Counter>, key: &'static str, value: &'static str) {
        family.get_or_create(&[(key, value)]).inc();
    }

    /// The value of a labelled counter (for tests and logs).
    pub fn get(family: &Family<Label, Counter>, key: &'static str, value: &'static str) -> u64 {
        family.get_or_create(&[(key, value)]).get()
    }
}
