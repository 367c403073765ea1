//! PodSecurityPolicy object validation: what the API server rejected on create, plus
//! kubeward's warnings for what it accepted but is certainly a mistake (overlapping
//! ranges are redundant, not wrong, to the API server).
//!
//! Errors are `(path, field error)`; the loader turns paths into file positions.

use std::collections::BTreeMap;

use super::field::{FieldError, go_quote};
use super::types::{
    APPARMOR_ALLOWED, APPARMOR_DEFAULT, IdRange, PodSecurityPolicySpec, SECCOMP_ALLOWED,
    SECCOMP_DEFAULT, VOLUME_TYPES,
};

/// Validation findings of one policy.
#[derive(Debug, Default)]
pub struct Findings {
    pub errors: Vec<FieldError>,
    pub warnings: Vec<FieldError>,
}

pub fn validate(annotations: &BTreeMap<String, String>, spec: &PodSecurityPolicySpec) -> Findings {
    let mut f = Findings::default();
    annotations_(annotations, &mut f.errors);
    let e = &mut f.errors;
    rule(
        e,
        "spec.runAsUser.rule",
        &spec.run_as_user.rule,
        &["MustRunAs", "MustRunAsNonRoot", "RunAsAny"],
    );
    id_ranges(&mut f, "spec.runAsUser.ranges", &spec.run_as_user.ranges);
    let groups = ["MayRunAs", "MustRunAs", "RunAsAny"];
    if let Some(g) = &spec.run_as_group {
        rule(&mut f.errors, "spec.runAsGroup.rule", &g.rule, &groups);
        id_ranges(&mut f, "spec.runAsGroup.ranges", &g.ranges);
    }
    rule(
        &mut f.errors,
        "spec.fsGroup.rule",
        &spec.fs_group.rule,
        &groups,
    );
    id_ranges(&mut f, "spec.fsGroup.ranges", &spec.fs_group.ranges);
    rule(
        &mut f.errors,
        "spec.supplementalGroups.rule",
        &spec.supplemental_groups.rule,
        &groups,
    );
    id_ranges(
        &mut f,
        "spec.supplementalGroups.ranges",
        &spec.supplemental_groups.ranges,
    );
    rule(
        &mut f.errors,
        "spec.seLinux.rule",
        &spec.se_linux.rule,
        &["MustRunAs", "RunAsAny"],
    );
    let e = &mut f.errors;
    for (i, v) in spec.volumes.iter().enumerate() {
        if v != "*" && !VOLUME_TYPES.contains(&v.as_str()) {
            let mut supported: Vec<&str> = VOLUME_TYPES.to_vec();
            supported.push("*");
            supported.sort_unstable();
            e.push(FieldError::not_supported(
                format!("spec.volumes[{i}]"),
                v,
                &supported,
            ));
        }
    }
    host_ports(&mut f, spec);
    let e = &mut f.errors;
    for (i, t) in spec.allowed_proc_mount_types.iter().enumerate() {
        if t != "Default" && t != "Unmasked" {
            let path = format!("spec.allowedProcMountTypes[{i}]");
            e.push(FieldError::not_supported(path, t, &["Default", "Unmasked"]));
        }
    }
    for (field, caps) in [
        ("defaultAddCapabilities", &spec.default_add_capabilities),
        ("allowedCapabilities", &spec.allowed_capabilities),
    ] {
        for (i, c) in caps.iter().enumerate() {
            if spec.required_drop_capabilities.contains(c) {
                e.push(FieldError::invalid(
                    format!("spec.{field}[{i}]"),
                    go_quote(c),
                    format!("capability is listed in {field} and requiredDropCapabilities"),
                ));
            }
        }
    }
    if spec.default_allow_privilege_escalation == Some(true) && !spec.allows_privilege_escalation()
    {
        e.push(FieldError::invalid(
            "spec.defaultAllowPrivilegeEscalation",
            "true".into(),
            "Cannot set DefaultAllowPrivilegeEscalation to true without also setting AllowPrivilegeEscalation to true",
        ));
    }
    for (i, hp) in spec.allowed_host_paths.iter().enumerate() {
        let path = format!("spec.allowedHostPaths[{i}].pathPrefix");
        if hp.path_prefix.is_empty() {
            e.push(FieldError::required(path, ""));
        } else if hp.path_prefix.split('/').any(|s| s == "..") {
            e.push(FieldError::invalid(
                path,
                go_quote(&hp.path_prefix),
                "must not contain '..'",
            ));
        }
    }
    let flex_ok = spec.volumes.iter().any(|v| v == "flexVolume" || v == "*");
    if !spec.allowed_flex_volumes.is_empty() && !flex_ok {
        e.push(FieldError::invalid(
            "spec.allowedFlexVolumes",
            format!("{} drivers", spec.allowed_flex_volumes.len()),
            "volumes does not include 'flexVolume' or '*', so no flex volumes are allowed",
        ));
    }
    for (i, d) in spec.allowed_flex_volumes.iter().enumerate() {
        if d.driver.is_empty() {
            e.push(FieldError::required(
                format!("spec.allowedFlexVolumes[{i}].driver"),
                "",
            ));
        }
    }
    for (i, d) in spec.allowed_csi_drivers.iter().enumerate() {
        if d.name.is_empty() {
            e.push(FieldError::required(
                format!("spec.allowedCSIDrivers[{i}].name"),
                "",
            ));
        }
    }
    sysctls(e, spec);
    runtime_class(e, spec);
    f
}

fn rule(errs: &mut Vec<FieldError>, path: &str, value: &str, supported: &[&str]) {
    if !supported.contains(&value) {
        errs.push(FieldError::not_supported(path, value, supported));
    }
}

fn id_ranges(f: &mut Findings, path: &str, ranges: &[IdRange]) {
    for (i, r) in ranges.iter().enumerate() {
        let p = format!("{path}[{i}]");
        if r.min < 0 {
            f.errors.push(FieldError::invalid(
                format!("{p}.min"),
                r.min.to_string(),
                "min cannot be negative",
            ));
        }
        if r.max < 0 {
            f.errors.push(FieldError::invalid(
                format!("{p}.max"),
                r.max.to_string(),
                "max cannot be negative",
            ));
        }
        if r.min > r.max {
            f.errors.push(FieldError::invalid(
                format!("{p}.min"),
                r.min.to_string(),
                "min cannot be greater than max",
            ));
        }
    }
    overlaps(f, path, ranges.iter().map(|r| (r.min, r.max)).collect());
}

/// Ranges sharing an id: accepted upstream, but one of them is dead weight or a typo.
fn overlaps(f: &mut Findings, path: &str, ranges: Vec<(i64, i64)>) {
    for (j, b) in ranges.iter().enumerate() {
        let earlier = ranges
            .iter()
            .take(j)
            .position(|a| a.0 <= a.1 && b.0 <= b.1 && a.0 <= b.1 && b.0 <= a.1);
        if let Some(i) = earlier {
            f.warnings.push(FieldError::invalid(
                format!("{path}[{j}]"),
                format!("{{{} {}}}", b.0, b.1),
                format!("overlaps {path}[{i}]; overlapping ranges are redundant"),
            ));
        }
    }
}

fn host_ports(f: &mut Findings, spec: &PodSecurityPolicySpec) {
    for (i, r) in spec.host_ports.iter().enumerate() {
        let p = format!("spec.hostPorts[{i}]");
        for (name, v) in [("min", r.min), ("max", r.max)] {
            if !(0..=65535).contains(&v) {
                f.errors.push(FieldError::invalid(
                    format!("{p}.{name}"),
                    v.to_string(),
                    format!("{name} should be between 0 and 65535"),
                ));
            }
        }
        if r.min > r.max {
            f.errors.push(FieldError::invalid(
                format!("{p}.min"),
                r.min.to_string(),
                "min cannot be greater than max",
            ));
        }
    }
    overlaps(
        f,
        "spec.hostPorts",
        spec.host_ports.iter().map(|r| (r.min, r.max)).collect(),
    );
}

/// A sysctl name or pattern: dot- or slash-separated lowercase segments, an optional
/// trailing `*`; or `*` alone.
fn sysctl_pattern_ok(s: &str) -> bool {
    if s == "*" {
        return true;
    }
    let body = s.strip_suffix('*').unwrap_or(s);
    if s.len() > 253 || body.is_empty() {
        return false;
    }
    let segs: Vec<&str> = body.split(['.', '/']).collect();
    let (last, init) = match segs.split_last() {
        Some(x) => x,
        None => return false,
    };
    let seg_ok = |seg: &str| {
        let b = seg.as_bytes();
        let edge = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        !b.is_empty()
            && b.first().is_some_and(edge)
            && b.last().is_some_and(edge)
            && b.iter().all(|c| edge(c) || *c == b'-' || *c == b'_')
    };
    // `net.*` leaves an empty last segment before the star: that is allowed.
    init.iter().all(|s| seg_ok(s)) && (seg_ok(last) || (last.is_empty() && s.ends_with('*')))
}

fn sysctls(e: &mut Vec<FieldError>, spec: &PodSecurityPolicySpec) {
    for (field, list) in [
        ("forbiddenSysctls", &spec.forbidden_sysctls),
        ("allowedUnsafeSysctls", &spec.allowed_unsafe_sysctls),
    ] {
        for (i, s) in list.iter().enumerate() {
            let path = format!("spec.{field}[{i}]");
            if !sysctl_pattern_ok(s) {
                e.push(FieldError::invalid(
                    path,
                    go_quote(s),
                    "must have at most 253 characters and match the sysctl pattern (lowercase segments separated by '.' or '/', optionally ending in '*')",
                ));
            } else if s == "*" && list.len() > 1 {
                e.push(FieldError::forbidden(
                    path,
                    "if '*' is present, must not specify other sysctls",
                ));
            }
        }
    }
    for (i, s) in spec.allowed_unsafe_sysctls.iter().enumerate() {
        let hit = spec.forbidden_sysctls.iter().find(|f| {
            let (fp, sp) = (f.strip_suffix('*'), s.strip_suffix('*'));
            match (fp, sp) {
                (Some(fp), Some(sp)) => fp.starts_with(sp) || sp.starts_with(fp),
                (Some(fp), None) => s.starts_with(fp),
                (None, Some(sp)) => f.starts_with(sp),
                (None, None) => *f == s,
            }
        });
        if let Some(f) = hit {
            e.push(FieldError::invalid(
                format!("spec.allowedUnsafeSysctls[{i}]"),
                go_quote(s),
                format!("sysctl overlaps with {f}"),
            ));
        }
    }
}

fn runtime_class(e: &mut Vec<FieldError>, spec: &PodSecurityPolicySpec) {
    let Some(rc) = &spec.runtime_class else {
        return;
    };
    let names = &rc.allowed_runtime_class_names;
    if names.iter().any(|n| n == "*") && names.len() > 1 {
        e.push(FieldError::invalid(
            "spec.runtimeClass.allowedRuntimeClassNames",
            format!("{names:?}"),
            "if '*' is present, must not specify other RuntimeClass names",
        ));
    }
    if let Some(d) = &rc.default_runtime_class_name {
        if !names.iter().any(|n| n == "*" || n == d) {
            e.push(FieldError::invalid(
                "spec.runtimeClass.defaultRuntimeClassName",
                go_quote(d),
                "default must be allowed",
            ));
        }
    }
}

fn seccomp_ok(p: &str) -> bool {
    match p {
        "runtime/default" | "docker/default" | "unconfined" => true,
        _ => p.strip_prefix("localhost/").is_some_and(|rest| {
            !rest.is_empty() && !rest.starts_with('/') && !rest.split('/').any(|s| s == "..")
        }),
    }
}

fn apparmor_ok(p: &str) -> bool {
    p == "runtime/default"
        || p == "unconfined"
        || p.strip_prefix("localhost/").is_some_and(|r| !r.is_empty())
}

fn annotations_(a: &BTreeMap<String, String>, e: &mut Vec<FieldError>) {
    let path = |k: &str| format!("metadata.annotations[{k}]");
    if let Some(d) = a.get(SECCOMP_DEFAULT) {
        if !seccomp_ok(d) {
            e.push(FieldError::invalid(
                path(SECCOMP_DEFAULT),
                go_quote(d),
                "must be a valid seccomp profile",
            ));
        }
    }
    if let Some(list) = a.get(SECCOMP_ALLOWED) {
        for p in list.split(',') {
            if p != "*" && !p.is_empty() && !seccomp_ok(p) {
                e.push(FieldError::invalid(
                    path(SECCOMP_ALLOWED),
                    go_quote(p),
                    "must be a valid seccomp profile",
                ));
            }
        }
    }
    if let Some(d) = a.get(APPARMOR_DEFAULT) {
        if !apparmor_ok(d) {
            e.push(FieldError::invalid(
                path(APPARMOR_DEFAULT),
                go_quote(d),
                format!("invalid AppArmor profile name: {}", go_quote(d)),
            ));
        }
    }
    if let Some(list) = a.get(APPARMOR_ALLOWED) {
        for p in list.split(',') {
            if !apparmor_ok(p) {
                e.push(FieldError::invalid(
                    path(APPARMOR_ALLOWED),
                    go_quote(p),
                    format!("invalid AppArmor profile name: {}", go_quote(p)),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sysctl_pattern_ok;

    #[test]
    fn sysctl_patterns() {
        for ok in [
            "*",
            "net.*",
            "kernel.msg*",
            "net.ipv4.tcp_syncookies",
            "a/b",
        ] {
            assert!(sysctl_pattern_ok(ok), "{ok}");
        }
        for bad in ["", "Net.ipv4", "net..a", ".net", "net.*.a", "a*b"] {
            assert!(!sysctl_pattern_ok(bad), "{bad}");
        }
    }
}
