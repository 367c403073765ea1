//! Kubernetes audit policies (`audit.k8s.io/v1` `Policy`), read the way the API server reads
//! them.
//!
//! - [`load`] decodes and validates a policy file as `pkg/audit/policy/reader.go` and the
//!   audit API validation do: what the API server refuses at start-up is an error here too,
//!   and a field it would drop silently (unknown or duplicated) is kept as a warning.
//! - [`evaluate`] is the rule matcher of `pkg/audit/policy/checker.go`: the first matching
//!   rule decides; no match means level `None`.
//! - [`lint`] finds what a policy logs that it should not, and what it never logs.
//! - [`filter`] replays recorded audit events through a policy.

mod checker;
mod decode;
pub mod filter;
pub mod lint;
mod policy;
mod validate;

pub use checker::{Decision, Request, Target, UserInfo, evaluate, rule_matches};
pub use lint::{Finding, LINTS, LintDef, lint};
pub use policy::{GroupResources, Level, Policy, Rule, Stage};

use std::sync::Arc;

use kubeward_manifest::{Limits, Pos, parse_documents};

pub use kubeward_report::Severity;

/// One reason a policy file is unusable, with where and how to fix it.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{file}{}: {field}: {message}", pos.map(|p| format!(":{}", p.line)).unwrap_or_default())]
pub struct PolicyError {
    /// The policy file, as named on the command line.
    pub file: Arc<str>,
    /// Where the offending field is written, when it is (`None`: a field that is missing, or the file as a whole).
    pub pos: Option<Pos>,
    /// The field path, e.g. `rules[2].level`.
    pub field: String,
    /// What is wrong, in the API server's words where it has them.
    pub message: String,
    /// How to fix it, shown under the error.
    pub hint: String,
}

impl kubeward_report::Hint for PolicyError {
    fn hint(&self) -> &str {
        &self.hint
    }
}

/// Everything wrong with a policy file that the API server would refuse to start with.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}", .errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct LoadFailure {
    /// Every reason, in file order.
    pub errors: Vec<PolicyError>,
}

/// A field the API server would decode leniently and drop, with a warning.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Dropped {
    /// The field's path, e.g. `rules[0].level` or `rules[1].verb`.
    pub field: String,
    /// The line it is written on (1-based).
    pub line: u32,
    /// Whether it was dropped for being set twice (else it is unknown to `audit.k8s.io/v1`).
    pub duplicate: bool,
}

/// Reads the single `Policy` in `text` (YAML or JSON). `file` names it in errors.
pub fn load(file: &Arc<str>, text: &str) -> Result<Policy, LoadFailure> {
    let fail = |pos: Option<Pos>, field: &str, message: String, hint: &str| LoadFailure {
        errors: vec![PolicyError {
            file: file.clone(),
            pos,
            field: field.to_string(),
            message,
            hint: hint.to_string(),
        }],
    };
    let mut policies = Vec::new();
    for doc in parse_documents(file, text, &Limits::default()) {
        let res =
            doc.map_err(|e| fail(e.pos, "document", e.message, "fix the YAML/JSON syntax"))?;
        if res.kind != "Policy" {
            return Err(fail(
                Some(res.pos),
                "kind",
                format!("found kind {:?}, expected Policy", res.kind),
                "an audit policy file holds one object of kind Policy",
            ));
        }
        if res.api_version != "audit.k8s.io/v1" {
            return Err(fail(
                Some(res.pos),
                "apiVersion",
                format!("{:?} is not accepted", res.api_version),
                "use apiVersion: audit.k8s.io/v1 (v1alpha1 and v1beta1 were removed in 1.24)",
            ));
        }
        policies.push(res);
    }
    let mut docs = policies.into_iter();
    let Some(res) = docs.next() else {
        return Err(fail(
            None,
            "document",
            "no Policy found".into(),
            "write one audit.k8s.io/v1 Policy",
        ));
    };
    if let Some(extra) = docs.next() {
        return Err(fail(
            Some(extra.pos),
            "document",
            "more than one Policy in the file".into(),
            "the API server reads one Policy per --audit-policy-file; keep one",
        ));
    }
    let (policy, errors) = decode::policy(file, res.node);
    let mut errors = errors;
    if let Some(policy) = &policy {
        errors.extend(validate::policy(file, policy));
    }
    match policy {
        Some(p) if errors.is_empty() => Ok(p),
        _ => Err(LoadFailure { errors }),
    }
}
