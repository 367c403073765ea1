//! PodSecurityPolicy object validation: what the API server rejected on create, plus
//! kubeward's warnings for what it accepted but is certainly a mistake (overlapping
//! ranges are redundant, not wrong, to the API server).
//!
//! Errors are `(path, field error)` with upstream's (1.24) paths and words, odd paths
//! included (`defaultAddCapabilities` without `spec.`); the loader turns paths into file
//! positions.

mod names;

use std::collections::BTreeMap;

use super::field::FieldError;
use super::types::{IdRange, PodSecurityPolicySpec, RunAsGroupStrategyOptions, VOLUME_TYPES};
use crate::gofmt::go_quote;

/// Validation findings of one policy.
#[derive(Debug, Default)]
pub struct Findings {
    /// What the API server would reject the policy for.
    pub errors: Vec<FieldError>,
    /// What the API server would accept but is certainly not meant.
    pub warnings: Vec<FieldError>,
}

/// The API server's validation of a PodSecurityPolicy (annotations and `spec`), as of Kubernetes 1.24.
pub fn validate(annotations: &BTreeMap<String, String>, spec: &PodSecurityPolicySpec) -> Findings {
    let mut f = Findings::default();
    names::annotations(annotations, &mut f.errors);
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
        run_as_group(&mut f, g);
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
    for v in &spec.volumes {
        if v != "*" && !VOLUME_TYPES.contains(&v.as_str()) {
            let mut supported: Vec<&str> = VOLUME_TYPES.to_vec();
            supported.push("*");
            supported.sort_unstable();
            // Upstream names the list, not the entry.
            e.push(FieldError::not_supported("spec.volumes", v, &supported));
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
    let drops = &spec.required_drop_capabilities;
    if !drops.is_empty() && spec.allowed_capabilities.iter().any(|c| c == "*") {
        let list: Vec<String> = drops.iter().map(|c| go_quote(c)).collect();
        e.push(FieldError::invalid(
            "requiredDropCapabilities",
            format!("[]core.Capability{{{}}}", list.join(", ")),
            "must be empty when all capabilities are allowed by a wildcard",
        ));
    }
    for (field, caps) in [
        ("defaultAddCapabilities", &spec.default_add_capabilities),
        ("allowedCapabilities", &spec.allowed_capabilities),
    ] {
        for c in caps.iter().filter(|c| drops.contains(c)) {
            e.push(FieldError::invalid(
                field,
                go_quote(c),
                format!("capability is listed in {field} and requiredDropCapabilities"),
            ));
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
        let path = format!("spec.allowedHostPaths[{i}]");
        if hp.path_prefix.is_empty() {
            e.push(FieldError::required(path, "is required"));
            // Upstream stops at the first missing prefix.
            break;
        }
        if hp.path_prefix.split('/').any(|s| s == "..") {
            e.push(FieldError::invalid(
                path,
                go_quote(&hp.path_prefix),
                "must not contain '..'",
            ));
        }
    }
    for (i, d) in spec.allowed_flex_volumes.iter().enumerate() {
        if d.driver.is_empty() {
            // Upstream's path names the list twice.
            e.push(FieldError::required(
                format!("spec.allowedFlexVolumes.allowedFlexVolumes[{i}].driver"),
                "must specify a driver",
            ));
        }
    }
    names::csi_drivers(e, spec);
    names::sysctl_list(e, "spec.allowedUnsafeSysctls", &spec.allowed_unsafe_sysctls);
    names::sysctl_list(e, "spec.forbiddenSysctls", &spec.forbidden_sysctls);
    names::sysctl_overlaps(e, spec);
    names::runtime_class(e, spec);
    let flex_ok = spec.volumes.iter().any(|v| v == "flexVolume" || v == "*");
    if !spec.allowed_flex_volumes.is_empty() && !flex_ok {
        // Accepted upstream, but the driver list can never matter.
        f.warnings.push(FieldError::invalid(
            "spec.allowedFlexVolumes",
            format!("{} drivers", spec.allowed_flex_volumes.len()),
            "volumes does not include 'flexVolume' or '*', so no flex volumes are allowed",
        ));
    }
    f
}

fn go_id_ranges(ranges: &[IdRange]) -> String {
    if ranges.is_empty() {
        return "[]policy.IDRange(nil)".into();
    }
    let items: Vec<String> = ranges
        .iter()
        .map(|r| format!("policy.IDRange{{Min:{}, Max:{}}}", r.min, r.max))
        .collect();
    format!("[]policy.IDRange{{{}}}", items.join(", "))
}

/// runAsGroup is the one strategy whose ranges upstream checks against its rule.
fn run_as_group(f: &mut Findings, g: &RunAsGroupStrategyOptions) {
    let path = "spec.runAsGroup.ranges";
    match g.rule.as_str() {
        "RunAsAny" if !g.ranges.is_empty() => f.errors.push(FieldError::invalid(
            path,
            go_id_ranges(&g.ranges),
            "Ranges must be empty",
        )),
        "RunAsAny" => {}
        "MustRunAs" | "MayRunAs" => {
            if g.ranges.is_empty() {
                f.errors.push(FieldError::invalid(
                    path,
                    go_id_ranges(&g.ranges),
                    "must provide at least one range",
                ));
            }
            id_ranges(f, path, &g.ranges);
        }
        other => f.errors.push(FieldError::not_supported(
            "spec.runAsGroup.rule",
            other,
            &["MustRunAs", "RunAsAny", "MayRunAs"],
        )),
    }
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

/// Upstream does not validate host port ranges at all; a port outside 0-65535 or an
/// inverted range can never match, so kubeward warns (in its own words).
fn host_ports(f: &mut Findings, spec: &PodSecurityPolicySpec) {
    for (i, r) in spec.host_ports.iter().enumerate() {
        let p = format!("spec.hostPorts[{i}]");
        for (name, v) in [("min", r.min), ("max", r.max)] {
            if !(0..=65535).contains(&v) {
                f.warnings.push(FieldError::invalid(
                    format!("{p}.{name}"),
                    v.to_string(),
                    format!("{name} should be between 0 and 65535"),
                ));
            }
        }
        if r.min > r.max {
            f.warnings.push(FieldError::invalid(
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
