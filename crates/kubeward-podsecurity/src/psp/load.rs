//! Turning manifest resources into policies, with every problem placed at its file and
//! line.

use std::collections::BTreeMap;
use std::sync::Arc;

use kubeward_manifest::{Pos, Resource};

use super::provider::Provider;
use super::types::PodSecurityPolicySpec;
use super::validate;

/// A loaded, valid policy.
#[derive(Clone, Debug)]
pub struct Policy {
    /// The policy's `metadata.name`.
    pub name: String,
    /// The file it was loaded from.
    pub file: Arc<str>,
    /// Where the object starts in the file.
    pub pos: Pos,
    /// `metadata.annotations`, which carry the seccomp and AppArmor settings.
    pub annotations: BTreeMap<String, String>,
    /// The policy's `spec`.
    pub spec: PodSecurityPolicySpec,
    /// The built strategies, or why upstream's factory would fail and skip the policy.
    pub provider: Result<Provider, String>,
}

/// How bad a policy problem is: whether the API server would refuse the policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemLevel {
    /// The API server would have refused the policy; it is left out.
    Error,
    /// Accepted by the API server, but certainly not meant (or never usable).
    Warning,
}

/// A problem with a policy, placed at its file and line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {}{message}", pos.map(|p| format!(":{}:{}", p.line, p.col)).unwrap_or_default(), policy.as_ref().map(|n| format!("PodSecurityPolicy {n:?}: ")).unwrap_or_default())]
pub struct PolicyError {
    /// Whether the policy is left out or only warned about.
    pub severity: ProblemLevel,
    /// The file the policy is in.
    pub file: Arc<str>,
    /// Where the problem is, when known.
    pub pos: Option<Pos>,
    /// The policy's name, when known.
    pub policy: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// Whether a resource is a PodSecurityPolicy (`policy/v1beta1` or the older
/// `extensions/v1beta1`).
pub fn is_policy(res: &Resource) -> bool {
    res.kind == "PodSecurityPolicy"
        && matches!(
            res.api_version.as_str(),
            "policy/v1beta1" | "extensions/v1beta1"
        )
}

/// Loads every PodSecurityPolicy among `resources` (others are ignored), sorted by
/// name. Invalid policies are reported and left out; duplicate names are errors (the
/// API server refuses the second create).
pub fn load_policies(resources: &[Resource]) -> (Vec<Policy>, Vec<PolicyError>) {
    let mut policies: Vec<Policy> = vec![];
    let mut problems = vec![];
    for res in resources.iter().filter(|r| is_policy(r)) {
        let err = |severity, path: &str, policy: Option<&str>, message: String| {
            // A few upstream paths leave out `spec.` (`defaultAddCapabilities`); place
            // them under the spec all the same.
            let rooted =
                path.is_empty() || path.starts_with("spec") || path.starts_with("metadata");
            let at = if rooted {
                path.to_string()
            } else {
                format!("spec.{path}")
            };
            PolicyError {
                severity,
                file: res.file.clone(),
                pos: Some(res.node.locate(&at).pos),
                policy: policy.map(String::from),
                message,
            }
        };
        let Some(name) = res.node.at("metadata.name").and_then(|n| n.as_str()) else {
            let message = "metadata.name: Required value: name is required".to_string();
            problems.push(err(ProblemLevel::Error, "metadata", None, message));
            continue;
        };
        let annotations = match res.node.at("metadata.annotations") {
            None => BTreeMap::new(),
            Some(n) => match serde_json::from_value(n.to_json()) {
                Ok(a) => a,
                Err(e) => {
                    let message = format!("metadata.annotations: {e}");
                    problems.push(err(
                        ProblemLevel::Error,
                        "metadata.annotations",
                        Some(name),
                        message,
                    ));
                    continue;
                }
            },
        };
        let Some(spec_node) = res.node.get("spec") else {
            problems.push(err(
                ProblemLevel::Error,
                "",
                Some(name),
                "spec: Required value".into(),
            ));
            continue;
        };
        let spec: PodSecurityPolicySpec = match serde_json::from_value(spec_node.to_json()) {
            Ok(s) => s,
            Err(e) => {
                problems.push(err(
                    ProblemLevel::Error,
                    "spec",
                    Some(name),
                    format!("spec: {e}"),
                ));
                continue;
            }
        };
        let findings = validate::validate(&annotations, &spec);
        for (sev, list) in [
            (ProblemLevel::Error, &findings.errors),
            (ProblemLevel::Warning, &findings.warnings),
        ] {
            for e in list {
                problems.push(err(sev, &e.path, Some(name), e.to_string()));
            }
        }
        if !findings.errors.is_empty() {
            continue;
        }
        if let Some(first) = policies.iter().find(|p| p.name == name) {
            let message = format!(
                "metadata.name: Duplicate value: {name:?}: already defined at {}:{}",
                first.file, first.pos.line
            );
            problems.push(err(
                ProblemLevel::Error,
                "metadata.name",
                Some(name),
                message,
            ));
            continue;
        }
        let provider = Provider::new(name, &annotations, &spec);
        if let Err(why) = &provider {
            let message = format!("cannot be used (the admission plugin skips it): {why}");
            problems.push(err(ProblemLevel::Warning, "spec", Some(name), message));
        }
        policies.push(Policy {
            name: name.to_string(),
            file: res.file.clone(),
            pos: res.pos,
            annotations,
            spec,
            provider,
        });
    }
    policies.sort_by(|a, b| a.name.cmp(&b.name));
    (policies, problems)
}
