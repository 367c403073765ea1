//! Fields written into the wrong object (KW101–KW103).
//!
//! The API server decodes a misplaced field as unknown and drops it (or, with strict
//! field validation, rejects the object), so the typed spec never holds them: these
//! checks read the raw node.

use kubeward_manifest::Node;
use kubeward_report::RuleMeta;

use super::{Findings, LintContext, RuleInfo, Severity, Site};

pub(super) const KW101: RuleInfo = RuleInfo {
    meta: RuleMeta {
        id: "KW101",
        title: "pod-level container-only fields",
        severity: Severity::High,
        fix: "move the field into each container's `securityContext`.",
    },
    check: kw101,
};

/// Container-only securityContext fields.
const CONTAINER_ONLY: &[&str] = &[
    "capabilities",
    "privileged",
    "allowPrivilegeEscalation",
    "readOnlyRootFilesystem",
    "procMount",
];

fn kw101(ctx: &LintContext<'_>, out: &mut Findings<'_>) {
    let Some(sc) = ctx.raw_spec.and_then(|s| s.get("securityContext")) else {
        return;
    };
    for &field in CONTAINER_ONLY {
        if sc.entry(field).is_some() {
            out.report(
                format!("spec.securityContext.{field}"),
                format!(
                    "`{field}` is a container field, not a pod field: the API server drops \
                     spec.securityContext.{field} as unknown, so it has no effect; set \
                     securityContext.{field} on each container instead"
                ),
            );
        }
    }
}

pub(super) const KW102: RuleInfo = RuleInfo {
    meta: RuleMeta {
        id: "KW102",
        title: "container-level pod-only fields",
        severity: Severity::High,
        fix: "set the field once in `spec.securityContext`.",
    },
    check: kw102,
};

/// Pod-only securityContext fields.
const POD_ONLY: &[&str] = &[
    "fsGroup",
    "fsGroupChangePolicy",
    "supplementalGroups",
    "supplementalGroupsPolicy",
    "sysctls",
    "seLinuxChangePolicy",
];

fn kw102(ctx: &LintContext<'_>, out: &mut Findings<'_>) {
    for c in ctx.containers() {
        let Some(sc) = c.raw.and_then(|n| n.get("securityContext")) else {
            continue;
        };
        for &field in POD_ONLY {
            if sc.entry(field).is_some() {
                out.report(
                    format!("{}.{field}", c.site()),
                    format!(
                        "`{field}` is a pod field, not a container field: the API server \
                         drops it from container \"{}\" as unknown, so it has no effect; \
                         set spec.securityContext.{field} instead",
                        c.name
                    ),
                );
            }
        }
    }
}

pub(super) const KW103: RuleInfo = RuleInfo {
    meta: RuleMeta {
        id: "KW103",
        title: "pod spec fields inside a securityContext",
        severity: Severity::High,
        fix: "move the field directly under `spec` (`spec.hostUsers: false`).",
    },
    check: kw103,
};

/// Fields of the pod spec itself that are often written into a securityContext.
const SPEC_FIELDS: &[&str] = &[
    "hostNetwork",
    "hostPID",
    "hostIPC",
    "hostUsers",
    "shareProcessNamespace",
    "runtimeClassName",
    "os",
];

fn kw103(ctx: &LintContext<'_>, out: &mut Findings<'_>) {
    let pod = ctx.raw_spec.and_then(|s| s.get("securityContext"));
    spec_fields_in(pod, Site::Pod, out);
    for c in ctx.containers() {
        let sc = c.raw.and_then(|n| n.get("securityContext"));
        spec_fields_in(sc, c.site(), out);
    }
}

fn spec_fields_in(sc: Option<&Node>, site: Site, out: &mut Findings<'_>) {
    let Some(sc) = sc else { return };
    for &field in SPEC_FIELDS {
        if sc.entry(field).is_some() {
            out.report(
                format!("{site}.{field}"),
                format!(
                    "`{field}` belongs directly under spec (spec.{field}), not in a \
                     securityContext: the API server drops {site}.{field} as unknown, so \
                     it has no effect; move it to spec.{field}"
                ),
            );
        }
    }
}
