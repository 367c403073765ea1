//! Seccomp profiles in the OCI runtime-spec / Docker JSON format, as containerd and CRI-O
//! load them for a pod whose `seccompProfile` is `Localhost`.
//!
//! [`check`] decodes a profile (a [`FormatError`] when no runtime could read it), then
//! reports what it lets through and what a runtime would reject or ignore, each finding
//! from the [`FINDINGS`] table (documented in docs/seccomp.md). [`localhost_path`] says
//! where the kubelet looks for the file.

mod checks;
mod profile;
pub mod syscalls;

pub use profile::{Arg, FormatError, Profile, SyscallRule, decode};

use std::path::{Component, Path, PathBuf};

use kubeward_report::RuleMeta;

use crate::audit_policy::Severity;

/// Every finding, in id order (each declared beside its check in `checks.rs`).
pub const FINDINGS: &[RuleMeta] = &[
    checks::SC001,
    checks::SC002,
    checks::SC003,
    checks::SC004,
    checks::SC005,
    checks::SC006,
    checks::SC007,
    checks::SC008,
    checks::SC009,
    checks::SC010,
    checks::SC011,
];

/// A finding in one profile.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// The finding's id.
    pub id: &'static str,
    /// The finding's severity.
    pub severity: Severity,
    /// The finding's title.
    pub title: &'static str,
    /// JSON path in the profile, e.g. `syscalls[3].names[1]`.
    pub field: String,
    /// What this hit is about, naming the syscall, action or flag.
    pub message: String,
    /// How to fix it.
    pub fix: &'static str,
}

/// Why a profile cannot be checked.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The text is not valid JSON.
    #[error("line {line}, column {column}: not valid JSON: {message}")]
    Json {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// serde_json's message.
        message: String,
    },
    /// The JSON is not a profile the runtime can read.
    #[error(transparent)]
    Format(#[from] FormatError),
}

/// Parses and checks the profile text.
pub fn check(text: &str) -> Result<(Profile, Vec<Finding>), ProfileError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| ProfileError::Json {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let profile = decode(&value)?;
    let mut hits = Vec::new();
    checks::run(&profile, &mut hits);
    let mut findings: Vec<Finding> = hits
        .into_iter()
        .map(|h| Finding {
            id: h.rule.id,
            severity: h.rule.severity,
            title: h.rule.title,
            field: h.field,
            message: h.message,
            fix: h.rule.fix,
        })
        .collect();
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.id.cmp(b.id)));
    Ok((profile, findings))
}

/// The kubelet's default `--root-dir`.
pub const DEFAULT_KUBELET_ROOT: &str = "/var/lib/kubelet";

/// Why a `localhostProfile` value would be refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("localhostProfile {name:?} {reason}")]
pub struct LocalhostError {
    /// The `localhostProfile` value, as written.
    pub name: String,
    /// Why it would be refused, e.g. "must not contain '..'".
    pub reason: &'static str,
}

/// Where the kubelet reads the `Localhost` profile `name` from:
/// `<root-dir>/seccomp/<name>`. The API server accepts only a descending relative path.
pub fn localhost_path(root_dir: &Path, name: &str) -> Result<PathBuf, LocalhostError> {
    let bad = |reason| LocalhostError {
        name: name.to_string(),
        reason,
    };
    if name.is_empty() {
        return Err(bad("is empty"));
    }
    let rel = Path::new(name);
    for c in rel.components() {
        match c {
            Component::Normal(_) => {}
            Component::ParentDir => return Err(bad("must not contain '..'")),
            _ => return Err(bad("must be a relative path under <root-dir>/seccomp")),
        }
    }
    Ok(root_dir.join("seccomp").join(rel))
}

/// The pod or container `securityContext` that runs under the profile.
pub fn security_context_yaml(name: &str) -> String {
    let quoted = serde_json::Value::String(name.to_string());
    format!(
        "securityContext:\n  seccompProfile:\n    type: Localhost\n    localhostProfile: {quoted}\n"
    )
}
