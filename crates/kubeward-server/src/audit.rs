//! The audit webhook backend: `kubeward detect serve`.
//!
//! The API server's webhook backend POSTs `EventList` batches (audit.k8s.io/v1) to
//! `/k8s-audit` (Falco's path). The handler only checks and queues a batch; evaluation
//! workers parse it with the k8s_audit source, evaluate the current rules and write
//! Falco-format alerts to the configured outputs.
//!
//! - [`server`]: binding, the HTTP routes, graceful shutdown.
//! - [`queue`]: the bounded queue between handlers and workers (429 when full).
//! - [`worker`]: parsing, evaluation, alert formatting.
//! - [`outputs`] and [`http_sink`]: stdout (or any writer), a file, an HTTP endpoint.
//! - [`rules`]: the current ruleset, swapped atomically on reload (SIGHUP).
//! - [`stats`]: the counters behind `/metrics`.
//! - [`syscalls`]: the live syscall source beside the webhook (`--syscalls`).
//! - [`webhook_config`]: the API server's webhook kubeconfig and the recommended policy.

pub mod config;
pub mod http_sink;
pub mod http_tls;
pub mod outputs;
pub mod program_sink;
pub mod queue;
pub mod rules;
pub mod server;
pub mod stats;
#[cfg(target_os = "linux")]
pub mod syscalls;
pub mod syslog_sink;
pub mod webhook_config;
pub mod worker;

pub use config::{AlertFormat, HttpBody, HttpOutputConfig, ServeConfig, TlsFiles};
pub use outputs::OutputsConfig;
pub use program_sink::ProgramOutputConfig;
pub use rules::{ReloadError, RulesHandle};
pub use server::{AuditServer, ServeError, ShutdownReport};
pub use stats::Stats;
pub use syslog_sink::SyslogOutputConfig;
