//! seccomp and AppArmor profile fields (KW121–KW124).
//!
//! API validation: a seccomp `Localhost` type needs `localhostProfile`, a relative path
//! that does not climb out with `..`; any other type must not have one. AppArmor is the
//! same except that `localhostProfile` is the name of a profile loaded on the node.

use k8s_openapi::api::core::v1::{AppArmorProfile, SeccompProfile};
use kubeward_report::RuleMeta;

use super::{Findings, LintContext, RuleInfo, Severity, Site};

/// The seccomp and AppArmor profiles set at one site.
struct Profiles<'a> {
    site: Site,
    seccomp: Option<&'a SeccompProfile>,
    apparmor: Option<&'a AppArmorProfile>,
}

/// The pod's profiles, then each container's.
fn sites<'a>(ctx: &LintContext<'a>) -> impl Iterator<Item = Profiles<'a>> + use<'a> {
    let pod = ctx.pod_security_context().map(|sc| Profiles {
        site: Site::Pod,
        seccomp: sc.seccomp_profile.as_ref(),
        apparmor: sc.app_armor_profile.as_ref(),
    });
    let containers = ctx.containers().filter_map(|c| {
        let sc = c.security_context?;
        Some(Profiles {
            site: c.site(),
            seccomp: sc.seccomp_profile.as_ref(),
            apparmor: sc.app_armor_profile.as_ref(),
        })
    });
    pod.into_iter().chain(containers)
}

/// The sites whose profile `pick` chooses (seccomp or AppArmor) has type Localhost, the
/// only type that reads `localhostProfile`.
fn localhost_sites<'a, P: 'a>(
    ctx: &LintContext<'a>,
    pick: impl Fn(&Profiles<'a>) -> Option<&'a P>,
    ty: impl Fn(&P) -> &str,
) -> impl Iterator<Item = (Site, &'a P)> {
    sites(ctx).filter_map(move |s| {
        let p = pick(&s).filter(|p| ty(p) == "Localhost")?;
        Some((s.site, p))
    })
}

/// Why a seccomp `localhostProfile` cannot work, if it cannot.
fn bad_localhost_path(profile: Option<&str>) -> Option<&'static str> {
    match profile {
        None => Some("is missing; the API server rejects a Localhost profile without it"),
        Some("") => Some("is empty, which names the seccomp directory itself, not a profile file"),
        Some(p) if p.starts_with('/') => Some(
            "is an absolute path; the API server rejects it, since it must be relative to the \
             kubelet's seccomp directory",
        ),
        Some(p) if p.split('/').any(|part| part == "..") => Some(
            "contains `..`; the API server rejects it, since it must stay inside the kubelet's \
             seccomp directory",
        ),
        Some(_) => None,
    }
}

pub(super) const KW121: RuleInfo = RuleInfo {
    meta: RuleMeta {
        id: "KW121",
        title: "seccomp Localhost without a usable localhostProfile",
        severity: Severity::High,
        fix: "set `localhostProfile` to the profile's path relative to the seccomp directory (for example `profiles/app.json`), or use `type: RuntimeDefault`.",
    },
    check: kw121,
};

fn kw121(ctx: &LintContext<'_>, out: &mut Findings<'_>) {
    for (site, sp) in localhost_sites(ctx, |s| s.seccomp, |p| &p.type_) {
        if let Some(why) = bad_localhost_path(sp.localhost_profile.as_deref()) {
            out.report(
                format!("{site}.seccompProfile.localhostProfile"),
                format!(
                    "seccompProfile type Localhost needs localhostProfile, a path relative \
                     to the kubelet's seccomp directory; it {why}; set it (e.g. \
                     profiles/app.json) or use type: RuntimeDefault"
                ),
            );
        }
    }
}

pub(super) const KW122: RuleInfo = RuleInfo {
    meta: RuleMeta {
        id: "KW122",
        title: "seccomp Localhost profile location",
        severity: Severity::Info,
        fix: "nothing to change if the profile is installed on every eligible node (for example by a DaemonSet or the Security Profiles Operator); otherwise install it or restrict the pod to nodes that have it.",
    },
    check: kw122,
};

fn kw122(ctx: &LintContext<'_>, out: &mut Findings<'_>) {
    for (site, sp) in localhost_sites(ctx, |s| s.seccomp, |p| &p.type_) {
        let Some(profile) = sp.localhost_profile.as_deref() else {
            continue;
        };
        if bad_localhost_path(Some(profile)).is_none() {
            out.report(
                format!("{site}.seccompProfile.localhostProfile"),
                format!(
                    "the seccomp profile is read on the node from <kubelet root-dir, default \
                     /var/lib/kubelet>/seccomp/{profile}; it must exist on every node the \
                     pod can land on, or the container fails to start"
                ),
            );
        }
    }
}

pub(super) const KW123: RuleInfo = RuleInfo {
    meta: RuleMeta {
        id: "KW123",
        title: "localhostProfile with a non-Localhost type",
        severity: Severity::High,
        fix: "set `type: Localhost` to use the named profile, or remove `localhostProfile`.",
    },
    check: kw123,
};

fn kw123(ctx: &LintContext<'_>, out: &mut Findings<'_>) {
    for s in sites(ctx) {
        let seccomp = s.seccomp.map(|p| (&p.type_, &p.localhost_profile));
        let apparmor = s.apparmor.map(|p| (&p.type_, &p.localhost_profile));
        for (field, profile) in [("seccompProfile", seccomp), ("appArmorProfile", apparmor)] {
            if let Some((ty, Some(_))) = profile
                && ty != "Localhost"
            {
                out.report(
                    format!("{}.{field}.localhostProfile", s.site),
                    format!(
                        "{field}.localhostProfile is only allowed with type: Localhost, \
                         and the API server rejects it with type: {ty}; remove it, or set \
                         type: Localhost if that profile is the one meant"
                    ),
                );
            }
        }
    }
}

pub(super) const KW124: RuleInfo = RuleInfo {
    meta: RuleMeta {
        id: "KW124",
        title: "AppArmor Localhost without localhostProfile",
        severity: Severity::High,
        fix: "set `localhostProfile` to the loaded profile's name, or use `type: RuntimeDefault`.",
    },
    check: kw124,
};

fn kw124(ctx: &LintContext<'_>, out: &mut Findings<'_>) {
    for (site, ap) in localhost_sites(ctx, |s| s.apparmor, |p| &p.type_) {
        if ap.localhost_profile.as_deref().is_none_or(str::is_empty) {
            out.report(
                format!("{site}.appArmorProfile.localhostProfile"),
                "appArmorProfile type Localhost needs localhostProfile, the name of a \
                 profile loaded on the node, and the API server rejects it without one; \
                 set it or use type: RuntimeDefault"
                    .to_string(),
            );
        }
    }
}
