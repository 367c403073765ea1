//! Name and pattern checks of PodSecurityPolicy validation whose wording follows the
//! 1.24 API server (`pkg/apis/policy/validation`, `pkg/apis/core/validation`):
//! sysctl patterns, RuntimeClass and CSI driver names, profile annotations.

use std::collections::BTreeMap;

use crate::gofmt::go_quote;
use crate::psp::field::FieldError;
use crate::psp::types::{
    APPARMOR_ALLOWED, APPARMOR_DEFAULT, PodSecurityPolicySpec, SECCOMP_ALLOWED, SECCOMP_DEFAULT,
};

/// The pattern upstream prints when a sysctl entry does not match it.
pub const SYSCTL_PATTERN: &str =
    r"([a-z0-9]([-_a-z0-9]*[a-z0-9])?\.)*([a-z0-9][-_a-z0-9]*)?[a-z0-9*]";
const SYSCTL_MAX: usize = 253;

const DNS1123_SUBDOMAIN: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

fn alnum(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// [`SYSCTL_PATTERN`], anchored: dot-separated segments (no `/`, which PSP never
/// accepted), the last one may end in `*`.
pub fn sysctl_pattern_ok(s: &str) -> bool {
    if s.len() > SYSCTL_MAX {
        return false;
    }
    let (init, last) = match s.rsplit_once('.') {
        Some((init, last)) => (Some(init), last),
        None => (None, s),
    };
    let inner_ok = |seg: &str| {
        let b = seg.as_bytes();
        b.first().is_some_and(|c| alnum(*c))
            && b.last().is_some_and(|c| alnum(*c))
            && b.iter().all(|c| alnum(*c) || *c == b'-' || *c == b'_')
    };
    // The last segment: an optional `[a-z0-9][-_a-z0-9]*`, then one of `[a-z0-9*]`.
    let last_ok = match last.as_bytes().split_last() {
        None => false,
        Some((end, head)) => {
            (alnum(*end) || *end == b'*')
                && (head.is_empty()
                    || (alnum(head[0]) && head.iter().all(|c| alnum(*c) || b"-_".contains(c))))
        }
    };
    last_ok && init.is_none_or(|i| i.split('.').all(inner_ok))
}

/// `validatePodSecurityPolicySysctls` for one list.
pub fn sysctl_list(e: &mut Vec<FieldError>, path: &str, list: &[String]) {
    let mut covers_all = false;
    for (i, s) in list.iter().enumerate() {
        let at = format!("{path}[{i}]");
        if s.is_empty() {
            e.push(FieldError::invalid(
                at,
                go_quote(s),
                "empty sysctl not allowed",
            ));
        } else if !sysctl_pattern_ok(s) {
            e.push(FieldError::invalid(
                at,
                go_quote(s),
                format!(
                    "must have at most {SYSCTL_MAX} characters and match regex {SYSCTL_PATTERN}"
                ),
            ));
        } else if s.starts_with('*') {
            covers_all = true;
        }
    }
    if covers_all && list.len() > 1 {
        e.push(FieldError::forbidden(
            format!("{path}.items"),
            "if '*' is present, must not specify other sysctls",
        ));
    }
}

/// Allowed and forbidden lists may not overlap. Which entry is blamed follows upstream:
/// the more specific one of a pattern pair, the plain name against a pattern.
pub fn sysctl_overlaps(e: &mut Vec<FieldError>, spec: &PodSecurityPolicySpec) {
    let (allowed, forbidden) = (&spec.allowed_unsafe_sysctls, &spec.forbidden_sysctls);
    let at_allowed = |i: usize| format!("spec.allowedUnsafeSysctls[{i}]");
    let at_forbidden = |j: usize| format!("spec.forbiddenSysctls[{j}]");
    for (i, a) in allowed.iter().enumerate() {
        for (j, f) in forbidden.iter().enumerate() {
            let blame = match (a.strip_suffix('*'), f.strip_suffix('*')) {
                (Some(ap), Some(fp)) if ap.starts_with(fp) => Some((at_allowed(i), a, f)),
                (Some(ap), Some(fp)) if fp.starts_with(ap) => Some((at_forbidden(j), f, a)),
                (Some(ap), None) if f.starts_with(ap) => Some((at_forbidden(j), f, a)),
                (None, Some(fp)) if a.starts_with(fp) => Some((at_allowed(i), a, f)),
                (None, None) if a == f => Some((at_allowed(i), a, f)),
                _ => None,
            };
            if let Some((path, value, other)) = blame {
                e.push(FieldError::invalid(
                    path,
                    go_quote(value),
                    format!("sysctl overlaps with {other}"),
                ));
            }
        }
    }
}

/// `NameIsDNSSubdomain` messages for `name`.
fn dns_subdomain(e: &mut Vec<FieldError>, path: &str, name: &str) {
    if name.len() > 253 {
        e.push(FieldError::invalid(
            path,
            go_quote(name),
            "must be no more than 253 characters",
        ));
    }
    let label_ok = |l: &str| {
        let b = l.as_bytes();
        b.first().is_some_and(|c| alnum(*c))
            && b.last().is_some_and(|c| alnum(*c))
            && b.iter().all(|c| alnum(*c) || *c == b'-')
    };
    if !name.split('.').all(label_ok) {
        e.push(FieldError::invalid(path, go_quote(name), DNS1123_SUBDOMAIN));
    }
}

/// `ValidateCSIDriverName` (upstream's path names the list twice, `allowedCSIDriver`
/// singular the second time).
pub fn csi_drivers(e: &mut Vec<FieldError>, spec: &PodSecurityPolicySpec) {
    for (i, d) in spec.allowed_csi_drivers.iter().enumerate() {
        let path = format!("spec.allowedCSIDrivers.allowedCSIDriver[{i}].name");
        if d.name.is_empty() {
            e.push(FieldError::required(&path, ""));
        }
        if d.name.len() > 63 {
            e.push(FieldError::too_long(&path, 63));
        }
        dns_subdomain(e, &path, &d.name.to_ascii_lowercase());
    }
}

fn go_strings(v: &[String]) -> String {
    let items: Vec<String> = v.iter().map(|s| go_quote(s)).collect();
    format!("[]string{{{}}}", items.join(", "))
}

pub fn runtime_class(e: &mut Vec<FieldError>, spec: &PodSecurityPolicySpec) {
    let Some(rc) = &spec.runtime_class else {
        return;
    };
    let base = "spec.runtimeClass.allowedRuntimeClassNames";
    let names = &rc.allowed_runtime_class_names;
    for (i, n) in names.iter().enumerate() {
        let path = format!("{base}[{i}]");
        if n != "*" {
            dns_subdomain(e, &path, n);
        }
        if names[..i].contains(n) {
            e.push(FieldError::duplicate(path, n));
        }
    }
    if let Some(d) = &rc.default_runtime_class_name {
        dns_subdomain(e, "spec.runtimeClass.defaultRuntimeClassName", d);
        if !names.iter().any(|n| n == "*" || n == d) {
            e.push(FieldError::required(
                base,
                format!("default {} must be allowed", go_quote(d)),
            ));
        }
    }
    if names.iter().any(|n| n == "*") && names.len() > 1 {
        e.push(FieldError::invalid(
            base,
            go_strings(names),
            "if '*' is present, must not specify other RuntimeClass names",
        ));
    }
}

/// `ValidateSeccompProfile`: the runtime default (either spelling), `unconfined`, or
/// `localhost/` and a relative path without `..`.
fn seccomp_profile(e: &mut Vec<FieldError>, path: &str, p: &str) {
    if matches!(p, "runtime/default" | "docker/default" | "unconfined") {
        return;
    }
    let Some(local) = p.strip_prefix("localhost/") else {
        e.push(FieldError::invalid(
            path,
            go_quote(p),
            "must be a valid seccomp profile",
        ));
        return;
    };
    if local.starts_with('/') {
        e.push(FieldError::invalid(
            path,
            go_quote(local),
            "must be a relative path",
        ));
    }
    if local.split('/').any(|s| s == "..") {
        e.push(FieldError::invalid(
            path,
            go_quote(local),
            "must not contain '..'",
        ));
    }
}

/// AppArmor's `ValidateProfileFormat`: empty, `runtime/default`, `unconfined` or
/// anything under `localhost/`.
fn apparmor_ok(p: &str) -> bool {
    matches!(p, "" | "runtime/default" | "unconfined") || p.starts_with("localhost/")
}

/// The profile annotations. Empty values are not checked (upstream skips them); an
/// AppArmor list error shows the whole list as the value, as upstream's does.
pub fn annotations(a: &BTreeMap<String, String>, e: &mut Vec<FieldError>) {
    let path = |k: &str| format!("metadata.annotations[{k}]");
    let apparmor_err = |p: &str| format!("invalid AppArmor profile name: {}", go_quote(p));
    if let Some(d) = a.get(APPARMOR_DEFAULT).filter(|d| !apparmor_ok(d)) {
        e.push(FieldError::invalid(
            path(APPARMOR_DEFAULT),
            go_quote(d),
            apparmor_err(d),
        ));
    }
    if let Some(list) = a.get(APPARMOR_ALLOWED).filter(|l| !l.is_empty()) {
        for p in list.split(',').filter(|p| !apparmor_ok(p)) {
            e.push(FieldError::invalid(
                path(APPARMOR_ALLOWED),
                go_quote(list),
                apparmor_err(p),
            ));
        }
    }
    if let Some(d) = a.get(SECCOMP_DEFAULT).filter(|d| !d.is_empty()) {
        seccomp_profile(e, &path(SECCOMP_DEFAULT), d);
    }
    if let Some(list) = a.get(SECCOMP_ALLOWED).filter(|l| !l.is_empty()) {
        for p in list.split(',').filter(|p| *p != "*") {
            seccomp_profile(e, &path(SECCOMP_ALLOWED), p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sysctl_pattern_ok;

    #[test]
    fn sysctl_patterns_follow_upstreams_regex() {
        for ok in [
            "*",
            "net.*",
            "kernel.msg*",
            "net.ipv4.tcp_syncookies",
            "a",
            "net-*",
        ] {
            assert!(sysctl_pattern_ok(ok), "{ok}");
        }
        for bad in [
            "", "Net.ipv4", "net..a", ".net", "net.*.a", "a*b", "a/b", "net.", "a_.b", "a_",
        ] {
            assert!(!sysctl_pattern_ok(bad), "{bad}");
        }
        assert!(!sysctl_pattern_ok(&"a".repeat(254)));
    }
}
