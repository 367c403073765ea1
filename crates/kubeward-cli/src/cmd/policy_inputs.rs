//! Reading policies, RBAC objects and workloads, with every problem reported as
//! `file:line:col: message` and a hint.

use crate::hint::hinted;
use std::path::PathBuf;

use kubeward_identity::rbac::Rbac;
use kubeward_manifest::{Decoding, Limits, Resource, collect};
use kubeward_podsecurity::psp::{Policy, ProblemLevel};

/// Resources read, and the problems met (already formatted).
#[derive(Default)]
pub(crate) struct Loaded {
    pub resources: Vec<Resource>,
    pub errors: Vec<String>,
}

pub fn load_resources(paths: &[PathBuf], limits: &Limits) -> Loaded {
    let collected = collect(paths, limits, Decoding::Strict);
    Loaded {
        errors: collected
            .errors
            .iter()
            .map(|(_, e)| e.to_string())
            .collect(),
        resources: collected.into_resources(),
    }
}

/// Policies, sorted by name; errors (and warnings, prefixed) formatted for stderr. No
/// policy at all is an error naming the files and `option`, which gives them.
pub fn load_policies(
    paths: &[PathBuf],
    limits: &Limits,
    option: &str,
) -> (Vec<Policy>, Vec<String>, Vec<String>) {
    let loaded = load_resources(paths, limits);
    let (policies, problems) = kubeward_podsecurity::psp::load_policies(&loaded.resources);
    let mut errors = loaded.errors;
    let mut warnings = vec![];
    for p in problems {
        match p.severity {
            ProblemLevel::Error => errors.push(hinted(
                p,
                "fix the policy; the API server would refuse it, so it is left out",
            )),
            ProblemLevel::Warning => warnings.push(p.to_string()),
        }
    }
    if policies.is_empty() {
        let files: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        errors.push(hinted(
            format_args!(
                "{}: no usable PodSecurityPolicy (apiVersion policy/v1beta1, kind PodSecurityPolicy)",
                files.join(", ")
            ),
            format_args!(
                "without policies the admission plugin denies every pod (\"no providers available to validate pod request\"); pass the files that define them with {option}"
            ),
        ));
    }
    (policies, errors, warnings)
}

/// RBAC objects from the given files.
pub fn load_rbac(paths: &[PathBuf], limits: &Limits) -> (Rbac, Vec<String>) {
    let loaded = load_resources(paths, limits);
    let mut rbac = Rbac::default();
    let mut errors = loaded.errors;
    for r in &loaded.resources {
        if !r.api_version.starts_with("rbac.authorization.k8s.io/") {
            continue;
        }
        if let Err(e) = rbac.add(&r.kind, r.node.to_json()) {
            errors.push(hinted(
                format_args!("{}:{}:{}: {e}", r.file, r.pos.line, r.pos.col),
                "check the object against the rbac.authorization.k8s.io/v1 schema",
            ));
        }
    }
    (rbac, errors)
}
