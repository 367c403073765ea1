//! Legacy seccomp and AppArmor annotations (KW125, KW126).
//!
//! The seccomp annotations were deprecated when the fields went GA in 1.19; kubelets
//! stopped reading them in 1.25 and from 1.27 the API server no longer copies them into
//! the fields, so they configure nothing. The AppArmor annotation still works (the API
//! server copies it into the field) but is deprecated since the fields went GA in 1.30.

use super::{Findings, LintContext, RuleInfo, Severity};
use kubeward_report::RuleMeta;

const SECCOMP_POD: &str = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER: &str = "container.seccomp.security.alpha.kubernetes.io/";
const APPARMOR_CONTAINER: &str = "container.apparmor.security.beta.kubernetes.io/";

/// The field value equivalent to an annotation value.
fn field_value(value: &str) -> String {
    match value {
        "unconfined" => "type: Unconfined".to_string(),
        _ => match value.strip_prefix("localhost/") {
            Some(profile) => format!("type: Localhost with localhostProfile: {profile}"),
            None => "type: RuntimeDefault".to_string(),
        },
    }
}

/// Where a per-container annotation's replacement goes.
fn container_field(ctx: &LintContext<'_>, name: &str, field: &str) -> String {
    match ctx.containers().find(|c| c.name == name) {
        Some(c) => format!("{}.{field}", c.site()),
        None => {
            format!("the securityContext.{field} of a container named \"{name}\" (none exists)")
        }
    }
}

pub(super) const KW125: RuleInfo = RuleInfo {
    meta: RuleMeta {
        id: "KW125",
        title: "ignored seccomp annotations",
        severity: Severity::Medium,
        fix: "use the field the finding names, e.g. `spec.securityContext.seccompProfile.type: RuntimeDefault` (`localhost/<path>` becomes `type: Localhost` with `localhostProfile: <path>`), and remove the annotation.",
    },
    check: kw125,
};

fn kw125(ctx: &LintContext<'_>, out: &mut Findings<'_>) {
    let Some(annotations) = ctx.metadata.annotations.as_ref() else {
        return;
    };
    for (key, value) in annotations {
        let instead = if key == SECCOMP_POD {
            "spec.securityContext.seccompProfile".to_string()
        } else if let Some(name) = key.strip_prefix(SECCOMP_CONTAINER) {
            container_field(ctx, name, "seccompProfile")
        } else {
            continue;
        };
        out.report(
            format!("metadata.annotations[{key}]"),
            format!(
                "the {key} annotation has been ignored since Kubernetes 1.27 (kubelets \
                 stopped reading it in 1.25), so it sets no seccomp profile; set {instead} \
                 {} instead",
                field_value(value)
            ),
        );
    }
}

pub(super) const KW126: RuleInfo = RuleInfo {
    meta: RuleMeta {
        id: "KW126",
        title: "deprecated AppArmor annotations",
        severity: Severity::Medium,
        fix: "set `securityContext.appArmorProfile.type` on the container (`runtime/default` is `RuntimeDefault`, `localhost/<name>` is `Localhost` with `localhostProfile: <name>`) and remove the annotation.",
    },
    check: kw126,
};

fn kw126(ctx: &LintContext<'_>, out: &mut Findings<'_>) {
    let Some(annotations) = ctx.metadata.annotations.as_ref() else {
        return;
    };
    for (key, value) in annotations {
        let Some(name) = key.strip_prefix(APPARMOR_CONTAINER) else {
            continue;
        };
        out.report(
            format!("metadata.annotations[{key}]"),
            format!(
                "the {key} annotation is deprecated since Kubernetes 1.30, when the \
                 appArmorProfile fields went GA; set {} {} instead",
                container_field(ctx, name, "appArmorProfile"),
                field_value(value)
            ),
        );
    }
}
