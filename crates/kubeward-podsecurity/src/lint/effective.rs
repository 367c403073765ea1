//! Effective values: what a container actually runs with once its own securityContext
//! is laid over the pod's (KW113, KW114).
//!
//! For `runAsUser`, `runAsGroup` and `runAsNonRoot` the container's value wins; the
//! `seccompProfile`, `seLinuxOptions` and `appArmorProfile` objects are replaced whole,
//! never merged field by field.

use kubeward_report::RuleMeta;
use std::fmt::Debug;

use k8s_openapi::api::core::v1::{PodSecurityContext, SecurityContext};

use super::{ContainerRef, Findings, LintContext, RuleInfo, Severity, Site};

pub(super) const KW113: RuleInfo = RuleInfo {
    meta: RuleMeta {
        id: "KW113",
        title: "pod-level value overridden by a container",
        severity: Severity::Info,
        fix: "if the difference is intended, repeat every needed field in the container's value; otherwise remove the container's value.",
    },
    check: kw113,
};

fn kw113(ctx: &LintContext<'_>, out: &mut Findings<'_>) {
    let Some(pod) = ctx.pod_security_context() else {
        return;
    };
    for c in ctx.containers() {
        let Some(sc) = c.security_context else {
            continue;
        };
        scalar(&c, "runAsUser", pod.run_as_user, sc.run_as_user, out);
        scalar(&c, "runAsGroup", pod.run_as_group, sc.run_as_group, out);
        scalar(
            &c,
            "runAsNonRoot",
            pod.run_as_non_root,
            sc.run_as_non_root,
            out,
        );
        object(
            &c,
            "seccompProfile",
            &pod.seccomp_profile,
            &sc.seccomp_profile,
            out,
        );
        object(
            &c,
            "seLinuxOptions",
            &pod.se_linux_options,
            &sc.se_linux_options,
            out,
        );
        object(
            &c,
            "appArmorProfile",
            &pod.app_armor_profile,
            &sc.app_armor_profile,
            out,
        );
    }
}

/// Reports `field` of `c` when the pod and the container both set it, differently;
/// `why` words the finding from (pod, own).
fn when_both_differ<T: PartialEq>(
    c: &ContainerRef<'_>,
    field: &str,
    (pod, own): (Option<T>, Option<T>),
    out: &mut Findings<'_>,
    why: impl FnOnce(T, T) -> String,
) {
    if let (Some(pod), Some(own)) = (pod, own)
        && pod != own
    {
        out.report(format!("{}.{field}", c.site()), why(pod, own));
    }
}

fn scalar<T: PartialEq + std::fmt::Display + Copy>(
    c: &ContainerRef<'_>,
    field: &str,
    pod: Option<T>,
    own: Option<T>,
    out: &mut Findings<'_>,
) {
    when_both_differ(c, field, (pod, own), out, |pod, own| {
        format!(
            "container \"{}\" sets {field}: {own}, so the pod-level {field}: {pod} does \
             not apply to it; drop one of them if they are not meant to differ",
            c.name
        )
    });
}

fn object<T: PartialEq + Debug>(
    c: &ContainerRef<'_>,
    field: &str,
    pod: &Option<T>,
    own: &Option<T>,
    out: &mut Findings<'_>,
) {
    when_both_differ(c, field, (pod.as_ref(), own.as_ref()), out, |_, _| {
        format!(
            "container \"{}\" sets its own {field}, which replaces the pod-level \
             {field} as a whole (fields are not merged), so no part of the pod-level \
             value applies to it; repeat every field it needs in the container's \
             {field}",
            c.name
        )
    });
}

pub(super) const KW114: RuleInfo = RuleInfo {
    meta: RuleMeta {
        id: "KW114",
        title: "runAsNonRoot with runAsUser 0",
        severity: Severity::High,
        fix: "set a non-zero `runAsUser` (and make the image work as that user).",
    },
    check: kw114,
};

fn kw114(ctx: &LintContext<'_>, out: &mut Findings<'_>) {
    let pod = ctx.pod_security_context();
    for c in ctx.containers() {
        let sc = c.security_context;
        let non_root = effective(sc, pod, |s| s.run_as_non_root, |p| p.run_as_non_root);
        let user = effective(sc, pod, |s| s.run_as_user, |p| p.run_as_user);
        if let (Some((true, _)), Some((0, from_pod))) = (non_root, user) {
            let (site, origin) = if from_pod {
                (Site::Pod, " (from the pod securityContext)")
            } else {
                (c.site(), "")
            };
            out.report(
                format!("{site}.runAsUser"),
                format!(
                    "container \"{}\" has runAsNonRoot: true and runAsUser: 0{origin}; the \
                     kubelet refuses to start it (\"container's runAsUser breaks non-root \
                     policy\"); set a non-zero runAsUser",
                    c.name
                ),
            );
        }
    }
}

/// The container's value if set, else the pod's; `true` when it is the pod's.
fn effective<T>(
    sc: Option<&SecurityContext>,
    pod: Option<&PodSecurityContext>,
    own: impl Fn(&SecurityContext) -> Option<T>,
    inherited: impl Fn(&PodSecurityContext) -> Option<T>,
) -> Option<(T, bool)> {
    sc.and_then(&own)
        .map(|v| (v, false))
        .or_else(|| pod.and_then(&inherited).map(|v| (v, true)))
}
