//! Pod-wide settings (KW151, KW152).

use k8s_openapi::api::core::v1::{PodSecurityContext, PodSpec, SecurityContext};
use kubeward_report::RuleMeta;

use super::{Findings, LintContext, RuleInfo, Severity, Site};

pub(super) const KW151: RuleInfo = RuleInfo {
    meta: RuleMeta {
        id: "KW151",
        title: "nodeName bypasses the scheduler",
        severity: Severity::Info,
        fix: "use a `nodeSelector` (for example on `kubernetes.io/hostname`) or node affinity, unless skipping the scheduler is intended.",
    },
    check: kw151,
};

fn kw151(ctx: &LintContext<'_>, out: &mut Findings<'_>) {
    if let Some(node) = ctx.spec.node_name.as_deref().filter(|n| !n.is_empty()) {
        out.report(
            "spec.nodeName".to_string(),
            format!(
                "nodeName binds the pod to node \"{node}\" without the scheduler, so no \
                 scheduling-time control applies (taints, node affinity, resource fit, \
                 scheduler plugins and policies); use a nodeSelector or node affinity \
                 unless bypassing the scheduler is the point"
            ),
        );
    }
}

pub(super) const KW152: RuleInfo = RuleInfo {
    meta: RuleMeta {
        id: "KW152",
        title: "fields the declared OS forbids",
        severity: Severity::High,
        fix: "remove the field, or correct `spec.os.name` if the pod is not meant for that OS. `runAsNonRoot` is allowed on both.",
    },
    check: kw152,
};

type SpecField = (&'static str, fn(&PodSpec) -> bool);
type PodField = (&'static str, fn(&PodSecurityContext) -> bool);
type ContainerField = (&'static str, fn(&SecurityContext) -> bool);

/// Pod spec fields a Windows pod may not set. hostPID and hostIPC are plain booleans
/// in the API server's internal type, so only `true` counts as set.
const WINDOWS_SPEC: &[SpecField] = &[
    ("hostPID", |s| s.host_pid == Some(true)),
    ("hostIPC", |s| s.host_ipc == Some(true)),
    ("hostUsers", |s| s.host_users.is_some()),
    ("shareProcessNamespace", |s| {
        s.share_process_namespace.is_some()
    }),
];

const WINDOWS_POD: &[PodField] = &[
    ("appArmorProfile", |s| s.app_armor_profile.is_some()),
    ("seLinuxOptions", |s| s.se_linux_options.is_some()),
    ("seccompProfile", |s| s.seccomp_profile.is_some()),
    ("fsGroup", |s| s.fs_group.is_some()),
    ("fsGroupChangePolicy", |s| {
        s.fs_group_change_policy.is_some()
    }),
    ("sysctls", |s| s.sysctls.is_some()),
    ("runAsUser", |s| s.run_as_user.is_some()),
    ("runAsGroup", |s| s.run_as_group.is_some()),
    ("supplementalGroups", |s| s.supplemental_groups.is_some()),
    ("supplementalGroupsPolicy", |s| {
        s.supplemental_groups_policy.is_some()
    }),
];

const WINDOWS_CONTAINER: &[ContainerField] = &[
    ("appArmorProfile", |s| s.app_armor_profile.is_some()),
    ("seLinuxOptions", |s| s.se_linux_options.is_some()),
    ("seccompProfile", |s| s.seccomp_profile.is_some()),
    ("capabilities", |s| s.capabilities.is_some()),
    ("readOnlyRootFilesystem", |s| {
        s.read_only_root_filesystem.is_some()
    }),
    ("privileged", |s| s.privileged.is_some()),
    ("allowPrivilegeEscalation", |s| {
        s.allow_privilege_escalation.is_some()
    }),
    ("procMount", |s| s.proc_mount.is_some()),
    ("runAsUser", |s| s.run_as_user.is_some()),
    ("runAsGroup", |s| s.run_as_group.is_some()),
];

fn forbidden(out: &mut Findings<'_>, path: String, field: &str, os: &str) {
    out.report(
        path,
        format!(
            "{field} cannot be set for a pod with spec.os.name: {os}, and the API server \
             rejects the pod; remove it, or fix spec.os.name if the pod is not meant for \
             {os}"
        ),
    );
}

fn kw152(ctx: &LintContext<'_>, out: &mut Findings<'_>) {
    let Some(os) = ctx.spec.os.as_ref().map(|os| os.name.as_str()) else {
        return;
    };
    let pod = ctx.pod_security_context();
    match os {
        "windows" => {
            for (field, set) in WINDOWS_SPEC {
                if set(ctx.spec) {
                    forbidden(out, format!("spec.{field}"), field, os);
                }
            }
            for (field, set) in WINDOWS_POD {
                if pod.is_some_and(set) {
                    forbidden(out, format!("{}.{field}", Site::Pod), field, os);
                }
            }
            for c in ctx.containers() {
                for (field, set) in WINDOWS_CONTAINER {
                    if c.security_context.is_some_and(set) {
                        forbidden(out, format!("{}.{field}", c.site()), field, os);
                    }
                }
            }
        }
        "linux" => {
            if pod.is_some_and(|p| p.windows_options.is_some()) {
                let path = format!("{}.windowsOptions", Site::Pod);
                forbidden(out, path, "windowsOptions", os);
            }
            for c in ctx.containers() {
                if c.security_context
                    .is_some_and(|s| s.windows_options.is_some())
                {
                    let path = format!("{}.windowsOptions", c.site());
                    forbidden(out, path, "windowsOptions", os);
                }
            }
        }
        _ => {}
    }
}
