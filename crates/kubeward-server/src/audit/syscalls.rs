//! The live syscall source inside `detect serve --syscalls`: one thread drains the
//! kernel probe (kubeward-syscall) every millisecond, evaluates the syscall rules in
//! force and writes the alerts to the same outputs as the audit workers, so one
//! process watches the API server and the kernel with one alert pipeline and one
//! `/metrics` (the `kubeward_syscall_*` families below).
//!
//! A rule reload that needs other syscalls rewrites the probe's id table in place.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use kubeward_rules::engine::{RuleId, Ruleset};
use kubeward_syscall::capture::{CaptureError, Config, DRAIN_INTERVAL, KernelStats};
use kubeward_syscall::live::Live;
use kubeward_syscall::state::Limits;

use super::stats::Stats;
use super::worker::Shared;
use crate::metrics::{Counter, Family, Gauge, Registry, register};

type Label = [(&'static str, &'static str); 1];

/// How the live source captures.
#[derive(Debug, Clone, Default)]
pub struct SyscallConfig {
    /// The probe's settings; its event types are replaced by what the rules need.
    pub capture: Config,
    /// Bounds of the thread and fd tables.
    pub limits: Limits,
    /// Watch this node's pods for container and pod metadata (`--k8s-node`).
    pub node: Option<String>,
}

/// The `kubeward_syscall_*` metrics.
#[derive(Debug, Default)]
pub struct SyscallStats {
    /// Syscall events evaluated against the rules.
    pub events_evaluated: Counter,
    /// Kernel-side counts by kind: seen (syscalls that passed the id filter), sent,
    /// dropped (ring buffer full), truncated.
    pub kernel: Family<Label, Counter>,
    /// Approximations of the state by kind (see docs/syscall.md): unknown_thread_events,
    /// missing_threads, pid_reuse, unknown_fds, decode_errors.
    pub approximations: Family<Label, Counter>,
    /// Threads in the thread table now.
    pub threads: Gauge,
    /// Fds in the fd tables now.
    pub fds: Gauge,
}

impl SyscallStats {
    /// Registers the metrics in `registry` (prefixed `kubeward_syscall` by the caller).
    pub fn register(&self, registry: &mut Registry) {
        register!(registry,
            "events_evaluated" => "Syscall events evaluated against the rules", self.events_evaluated;
            "kernel_events" => "Kernel probe counts by kind (seen, sent, dropped, truncated)", self.kernel;
            "approximations" => "State approximations by kind", self.approximations;
            "threads" => "Threads in the thread table", self.threads;
            "fds" => "File descriptors in the fd tables", self.fds;
        );
    }
}

/// A started capture, not yet pumping.
pub struct SyscallSource {
    live: Live<std::io::Sink>,
}

impl SyscallSource {
    /// Attaches the probe for the syscalls `rules` need (plus the state's) and reads
    /// `/proc`; needs root, or CAP_BPF and CAP_PERFMON, and kernel BTF.
    pub fn start(cfg: &SyscallConfig, rules: &Ruleset) -> Result<SyscallSource, CaptureError> {
        let capture = Config {
            event_types: syscall_types(rules),
            ..cfg.capture.clone()
        };
        let mut live = Live::start(&capture, cfg.limits, None)?;
        live.set_dns_names(dns_names(&live, rules));
        Ok(SyscallSource { live })
    }

    /// Takes container and pod metadata from `store` from now on.
    pub fn set_containers(&mut self, store: kubeward_syscall::meta::ContainerStore) {
        self.live.set_containers(store);
    }

    /// Pumps on a thread of its own until `stop`, then drains what is left.
    pub(crate) fn spawn(
        self,
        shared: Arc<Shared>,
        stop: Arc<AtomicBool>,
    ) -> std::io::Result<JoinHandle<()>> {
        std::thread::Builder::new()
            .name("syscall-source".into())
            .spawn(move || self.pump(&shared, &stop))
    }

    fn pump(mut self, shared: &Shared, stop: &AtomicBool) {
        let mut rules = shared.rules.current();
        let mut hits: Vec<RuleId> = Vec::new();
        let mut last = Totals::default();
        // Drops are logged at most once a second, with the count since the last line.
        let (mut warned_at, mut warned_drops) = (std::time::Instant::now(), 0);
        loop {
            let current = shared.rules.current();
            if !Arc::ptr_eq(&current, &rules) {
                rules = current;
                let names = dns_names(&self.live, &rules);
                self.live.set_dns_names(names);
                if let Err(e) = self
                    .live
                    .capture_mut()
                    .set_event_types(syscall_types(&rules).as_ref())
                {
                    tracing::error!("syscall source: the reloaded rules' syscalls: {e}");
                }
            }
            let stopping = stop.load(Ordering::SeqCst);
            self.poll(&rules, shared, &mut hits);
            last = self.publish(&shared.stats, last);
            let drops = last.kernel.dropped;
            if drops > warned_drops && (stopping || warned_at.elapsed().as_secs() >= 1) {
                tracing::warn!(
                    "syscall source: the kernel dropped {} events (ring buffer full; {drops} in all): a larger --buffer-size or fewer rules helps",
                    drops - warned_drops
                );
                (warned_at, warned_drops) = (std::time::Instant::now(), drops);
            }
            if stopping {
                return;
            }
            std::thread::sleep(DRAIN_INTERVAL);
        }
    }

    /// Evaluates every waiting event and writes its alerts.
    fn poll(&mut self, rules: &Ruleset, shared: &Shared, hits: &mut Vec<RuleId>) {
        let Some(source) = rules.source_id(kubeward_syscall::SOURCE_NAME) else {
            return;
        };
        let mut alerts = Vec::new();
        let stats = shared.stats.syscalls.as_ref();
        self.live.poll(|ev| {
            hits.clear();
            rules.evaluate(source, ev, shared.mode, hits);
            if let Some(s) = stats {
                s.events_evaluated.inc();
            }
            for id in hits.iter() {
                if let Some(alert) = rules.alert(*id, ev, &shared.alert_options) {
                    Stats::inc(&shared.stats.alerts, "priority", alert.priority.name());
                    alerts.push(shared.outputs.format(&alert));
                }
            }
        });
        if !alerts.is_empty() {
            shared.outputs.write(alerts);
        }
    }

    /// Moves the kernel and state counters into the metrics; returns what was published.
    fn publish(&self, stats: &Stats, last: Totals) -> Totals {
        let now = Totals::of(&self.live);
        let Some(s) = stats.syscalls.as_ref() else {
            return now;
        };
        for (kind, new, old) in now.kernel_rows(&last) {
            s.kernel
                .get_or_create(&[("kind", kind)])
                .inc_by(new.saturating_sub(old));
        }
        for (kind, new, old) in now.approximation_rows(&last) {
            s.approximations
                .get_or_create(&[("kind", kind)])
                .inc_by(new.saturating_sub(old));
        }
        let state = &self.live.processor.state;
        s.threads
            .set(i64::try_from(state.threads.len()).unwrap_or(i64::MAX));
        s.fds
            .set(i64::try_from(state.fds.total()).unwrap_or(i64::MAX));
        now
    }
}

/// The domain names the syscall rules of `rules` compare `fd.*.name` with.
fn dns_names(live: &Live<std::io::Sink>, rules: &Ruleset) -> Vec<String> {
    let Some(source) = rules.source_id(kubeward_syscall::SOURCE_NAME) else {
        return Vec::new();
    };
    let fields = live.processor.fields.dns_field_ids();
    rules
        .compared_strings(source, &fields)
        .into_iter()
        .collect()
}

/// The event types the syscall rules of `rules` can match (`None`: all of them).
fn syscall_types(rules: &Ruleset) -> Option<std::collections::BTreeSet<String>> {
    rules
        .source_id(kubeward_syscall::SOURCE_NAME)
        .and_then(|s| rules.event_types(s))
}

/// Cumulative counts, to publish as counter increments.
#[derive(Debug, Clone, Copy, Default)]
struct Totals {
    kernel: KernelStats,
    approximations: [u64; 5],
}

impl Totals {
    fn of(live: &Live<std::io::Sink>) -> Totals {
        let c = &live.processor.state.counters;
        Totals {
            kernel: live.kernel_stats(),
            approximations: [
                c.unknown_thread_events,
                c.missing_threads,
                c.pid_reuse,
                c.unknown_fds,
                c.decode_errors,
            ],
        }
    }

    fn kernel_rows(&self, last: &Totals) -> [(&'static str, u64, u64); 4] {
        let (k, o) = (&self.kernel, &last.kernel);
        [
            ("seen", k.seen, o.seen),
            ("sent", k.sent, o.sent),
            ("dropped", k.dropped, o.dropped),
            ("truncated", k.truncated, o.truncated),
        ]
    }

    fn approximation_rows(&self, last: &Totals) -> [(&'static str, u64, u64); 5] {
        const KINDS: [&str; 5] = [
            "unknown_thread_events",
            "missing_threads",
            "pid_reuse",
            "unknown_fds",
            "decode_errors",
        ];
        std::array::from_fn(|i| (KINDS[i], self.approximations[i], last.approximations[i]))
    }
}
