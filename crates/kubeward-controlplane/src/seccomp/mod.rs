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

use crate::audit_policy::Severity;

/// One kind of finding.
pub struct FindingDef {
    /// The finding's stable id, e.g. `SC001`.
    pub id: &'static str,
    /// How much it matters.
    pub severity: Severity,
    /// One-line summary of the problem.
    pub title: &'static str,
    /// How to fix it.
    pub fix: &'static str,
}

/// Every finding, in id order.
pub const FINDINGS: &[FindingDef] = &[
    FindingDef {
        id: "SC001",
        severity: Severity::High,
        title: "allow by default",
        fix: "Deny by default (defaultAction SCMP_ACT_ERRNO, defaultErrnoRet 1) and list the calls the workload needs; start from the runtime's default profile.",
    },
    FindingDef {
        id: "SC002",
        severity: Severity::High,
        title: "dangerous system call allowed",
        fix: "Remove it from the allowed names, or return an error for it (SCMP_ACT_ERRNO).",
    },
    FindingDef {
        id: "SC003",
        severity: Severity::Medium,
        title: "namespace creation through clone",
        fix: "Allow clone only with an argument filter that rejects the CLONE_NEW* flags (SCMP_CMP_MASKED_EQ on index 0, mask 0x7E020000, value 0), and answer clone3 with SCMP_ACT_ERRNO errnoRet 38.",
    },
    FindingDef {
        id: "SC004",
        severity: Severity::Medium,
        title: "unknown system call",
        fix: "Correct the name; a misspelled name in a deny rule leaves the call allowed.",
    },
    FindingDef {
        id: "SC005",
        severity: Severity::High,
        title: "unknown action",
        fix: "Use one of SCMP_ACT_KILL, _KILL_PROCESS, _KILL_THREAD, _TRAP, _ERRNO, _TRACE, _ALLOW, _LOG, _NOTIFY; the runtime refuses the profile and the container does not start.",
    },
    FindingDef {
        id: "SC006",
        severity: Severity::High,
        title: "unknown architecture",
        fix: "Use SCMP_ARCH_* names (SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, …); in includes/excludes Docker's Go names (amd64, arm64, …).",
    },
    FindingDef {
        id: "SC007",
        severity: Severity::High,
        title: "invalid argument filter",
        fix: "Argument indexes run 0-5; ops are SCMP_CMP_NE, _LT, _LE, _EQ, _GE, _GT, _MASKED_EQ.",
    },
    FindingDef {
        id: "SC008",
        severity: Severity::High,
        title: "unusable SCMP_ACT_NOTIFY",
        fix: "Set listenerPath to the agent's socket, and never use SCMP_ACT_NOTIFY as the default action.",
    },
    FindingDef {
        id: "SC009",
        severity: Severity::Medium,
        title: "unknown flag",
        fix: "Use SECCOMP_FILTER_FLAG_TSYNC, _LOG, _SPEC_ALLOW or _WAIT_KILLABLE_RECV.",
    },
    FindingDef {
        id: "SC010",
        severity: Severity::Low,
        title: "rule without system calls",
        fix: "Add names to the rule or delete it.",
    },
    FindingDef {
        id: "SC011",
        severity: Severity::Low,
        title: "field ignored",
        fix: "Remove or correct the field; the runtime does not use it.",
    },
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
        .filter_map(|h| {
            let def = FINDINGS.iter().find(|d| d.id == h.id)?;
            Some(Finding {
                id: def.id,
                severity: def.severity,
                title: def.title,
                field: h.field,
                message: h.message,
                fix: def.fix,
            })
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
