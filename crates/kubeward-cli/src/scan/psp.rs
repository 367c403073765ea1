//! `scan --psp`: PodSecurityPolicy decisions alongside the Pod Security Standards
//! verdicts. Policies are loaded once, before the scan, and their problems become scan
//! errors, so every output format reports them in its own way.

use std::path::PathBuf;
use std::sync::Arc;

use kubeward_manifest::{Decoding, Limits, Resource, Stage, collect};
use kubeward_podsecurity::psp::{
    AllowAll, Identity, Policy, ProblemLevel, admit_workload, load_policies,
};

use super::model::{ErrorKind, PspError, PspVerdict, ScanError};

/// The loaded policies, the errors to report (files, invalid policies, none usable) and
/// warnings for policies the API server accepted but that cannot be meant.
#[derive(Debug, Default)]
pub struct Loaded {
    pub policies: Vec<Policy>,
    pub errors: Vec<ScanError>,
    pub warnings: Vec<String>,
}

pub fn load(paths: &[PathBuf], limits: &Limits) -> Loaded {
    let mut collected = collect(paths, limits, Decoding::Strict);
    let mut out = Loaded {
        errors: std::mem::take(&mut collected.errors)
            .into_iter()
            .map(|(stage, e)| {
                let kind = match stage {
                    Stage::Discover => ErrorKind::Path,
                    Stage::Read => ErrorKind::Read,
                    Stage::Parse => ErrorKind::Parse,
                };
                ScanError::from_load(e, kind)
            })
            .collect(),
        ..Loaded::default()
    };
    let resources = collected.into_resources();
    let (policies, problems) = load_policies(&resources);
    for p in problems {
        match p.severity {
            ProblemLevel::Error => out.errors.push(ScanError {
                file: Arc::clone(&p.file),
                pos: p.pos,
                message: p
                    .policy
                    .as_ref()
                    .map(|n| format!("PodSecurityPolicy {n:?}: {}", p.message))
                    .unwrap_or(p.message),
                kind: ErrorKind::Policy,
                duplicate: None,
            }),
            ProblemLevel::Warning => out.warnings.push(p.to_string()),
        }
    }
    if policies.is_empty() {
        let files: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        out.errors.push(ScanError {
            file: files.join(", ").into(),
            pos: None,
            message:
                "no usable PodSecurityPolicy (apiVersion policy/v1beta1, kind PodSecurityPolicy)"
                    .into(),
            kind: ErrorKind::NoPolicy,
            duplicate: None,
        });
    }
    out.policies = policies;
    out
}

/// The admission plugin's decision for a workload's pod, every policy a candidate (scan
/// has no identities; `psp admit --rbac` does). `None` when it has no pod template.
pub fn decide(policies: &[Policy], res: &Resource) -> Option<PspVerdict> {
    // A malformed template is already a scan error of its own.
    let admitted = admit_workload(policies, res, &AllowAll, &Identity::default())?.ok()?;
    let d = admitted.decision;
    Some(PspVerdict {
        allowed: d.allowed,
        policy: d.policy,
        errors: d
            .errors
            .into_iter()
            .map(|e| PspError {
                policy: e.policy,
                message: e.error.body(),
                path: e.error.path,
            })
            .collect(),
        message: d.message,
    })
}
