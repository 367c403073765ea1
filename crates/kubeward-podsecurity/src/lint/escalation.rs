//! `allowPrivilegeEscalation: false` that something else in the container contradicts
//! (KW111, KW112).
//!
//! The API server's securityContext validation rejects `false` together with
//! `privileged: true`, and together with an added capability spelled exactly
//! `CAP_SYS_ADMIN`; it does not look at other spellings of SYS_ADMIN, which pass
//! validation while still handing the container the capability.

use super::{ContainerRef, Findings, LintContext, RuleInfo, Severity, caps};
use k8s_openapi::api::core::v1::SecurityContext;
use kubeward_report::RuleMeta;

/// The containers that set `allowPrivilegeEscalation: false`, with their securityContext.
fn claiming_no_escalation<'a>(
    ctx: &LintContext<'a>,
) -> impl Iterator<Item = (ContainerRef<'a>, &'a SecurityContext)> + use<'a> {
    ctx.containers().filter_map(|c| {
        let sc = c.security_context?;
        (sc.allow_privilege_escalation == Some(false)).then_some((c, sc))
    })
}

pub(super) const KW111: RuleInfo = RuleInfo {
    meta: RuleMeta {
        id: "KW111",
        title: "allowPrivilegeEscalation false rejected by the API server",
        severity: Severity::High,
        fix: "decide which is true. Remove `privileged: true` (or the capability) if the container does not need it; otherwise drop the `allowPrivilegeEscalation: false` claim and run the workload only where privileged pods are allowed.",
    },
    check: kw111,
};

fn kw111(ctx: &LintContext<'_>, out: &mut Findings<'_>) {
    for (c, sc) in claiming_no_escalation(ctx) {
        if sc.privileged == Some(true) {
            out.report(
                format!("{}.privileged", c.site()),
                format!(
                    "container \"{}\" sets allowPrivilegeEscalation: false and privileged: \
                     true; the API server rejects this (\"cannot set \
                     `allowPrivilegeEscalation` to false and `privileged` to true\") because \
                     a privileged container can always escalate; remove privileged: true",
                    c.name
                ),
            );
        }
        for (i, cap) in caps::added(Some(sc)).iter().enumerate() {
            if cap == "CAP_SYS_ADMIN" {
                out.report(
                    format!("{}.capabilities.add[{i}]", c.site()),
                    format!(
                        "container \"{}\" sets allowPrivilegeEscalation: false and adds \
                         CAP_SYS_ADMIN; the API server rejects this (\"cannot set \
                         `allowPrivilegeEscalation` to false and `capabilities.Add` \
                         CAP_SYS_ADMIN\"); remove the capability",
                        c.name
                    ),
                );
            }
        }
    }
}

pub(super) const KW112: RuleInfo = RuleInfo {
    meta: RuleMeta {
        id: "KW112",
        title: "SYS_ADMIN defeats allowPrivilegeEscalation false",
        severity: Severity::Medium,
        fix: "remove `SYS_ADMIN` and add only the narrow capabilities the workload needs.",
    },
    check: kw112,
};

fn kw112(ctx: &LintContext<'_>, out: &mut Findings<'_>) {
    for (c, sc) in claiming_no_escalation(ctx) {
        for (i, cap) in caps::added(Some(sc)).iter().enumerate() {
            // The exact CAP_SYS_ADMIN spelling is KW111's: the API server rejects it.
            if cap != "CAP_SYS_ADMIN" && caps::is(cap, "SYS_ADMIN") {
                out.report(
                    format!("{}.capabilities.add[{i}]", c.site()),
                    format!(
                        "container \"{}\" sets allowPrivilegeEscalation: false but adds \
                         {cap}; the API server accepts this, yet a process holding \
                         CAP_SYS_ADMIN can gain privileges anyway (Kubernetes treats \
                         allowPrivilegeEscalation as always true with it), so the setting \
                         gives no protection; remove {cap}",
                        c.name
                    ),
                );
            }
        }
    }
}
