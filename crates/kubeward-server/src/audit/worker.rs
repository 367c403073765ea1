//! Evaluation workers: each takes a batch from the queue, reads its events with the
//! k8s_audit source, evaluates the rules in force and writes the alerts.

use std::sync::Arc;
use std::thread::JoinHandle;

use kubeward_k8saudit::reader::{Record, parse_record};
use kubeward_rules::engine::{AlertOptions, MatchMode, RuleId};

use super::outputs::Outputs;
use super::queue::Receiver;
use super::rules::RulesHandle;
use super::stats::Stats;

/// What the workers share.
pub struct Shared {
    /// The rules in force, swapped atomically on reload.
    pub rules: Arc<RulesHandle>,
    /// Where alerts are written.
    pub outputs: Arc<Outputs>,
    /// The server's metrics.
    pub stats: Arc<Stats>,
    /// Falco's `rule_matching`: first matching rule only, or all of them.
    pub mode: MatchMode,
    /// What the alerts carry (Falco's output options).
    pub alert_options: AlertOptions,
}

/// Starts `n` worker threads; they end when the queue is closed and empty.
pub fn spawn(
    n: usize,
    queue: &Receiver,
    shared: &Arc<Shared>,
) -> std::io::Result<Vec<JoinHandle<()>>> {
    (0..n.max(1))
        .map(|i| {
            let queue = queue.clone();
            let shared = Arc::clone(shared);
            std::thread::Builder::new()
                .name(format!("audit-eval-{i}"))
                .spawn(move || {
                    let mut hits = Vec::new();
                    while let Some(body) = queue.pop() {
                        shared.process(&body, &mut hits);
                        queue.done(body.len());
                    }
                })
        })
        .collect()
}

impl Shared {
    /// Evaluates one batch and writes its alerts.
    pub fn process(&self, body: &[u8], hits: &mut Vec<RuleId>) {
        // One ruleset per batch: a reload takes effect at the next batch.
        let rules = self.rules.current();
        let Some(source) = rules.source_id(kubeward_k8saudit::SOURCE_NAME) else {
            // RulesHandle refuses such rulesets; counted in case that ever changes.
            Stats::inc(&self.stats.batches_failed, "reason", "no_source");
            return;
        };
        let mut alerts = Vec::new();
        let mut failed_items = 0u64;
        let mut whole_batch_rejected = None;
        let result = parse_record(body, 1, &mut |rec| match rec {
            Record::Event(ev) => {
                self.stats.events_received.inc();
                hits.clear();
                rules.evaluate(source, ev, self.mode, hits);
                self.stats.events_evaluated.inc();
                for id in hits.iter() {
                    if let Some(alert) = rules.alert(*id, ev, &self.alert_options) {
                        Stats::inc(&self.stats.alerts, "priority", alert.priority.name());
                        alerts.push(self.outputs.format(&alert));
                    }
                }
            }
            Record::Skip(skip) if skip.item.is_none() => whole_batch_rejected = Some(skip.reason),
            Record::Skip(skip) => {
                self.stats.events_received.inc();
                self.stats.events_failed.inc();
                failed_items += 1;
                if failed_items == 1 {
                    tracing::warn!("audit batch: {skip}; item skipped");
                }
            }
        });
        if let Err(e) = result {
            Stats::inc(&self.stats.batches_failed, "reason", "malformed_json");
            tracing::warn!("audit batch of {} bytes is not valid JSON: {e}", body.len());
        } else if let Some(reason) = whole_batch_rejected {
            Stats::inc(&self.stats.batches_failed, "reason", "not_audit_events");
            tracing::warn!("audit batch of {} bytes: {reason}", body.len());
        }
        self.outputs.write(alerts);
    }
}
