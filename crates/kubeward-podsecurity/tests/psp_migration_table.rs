//! Every row of the PSP → Pod Security Standards migration table (reference section 5):
//! a restricted-compatible base policy with one setting changed, and the level that row
//! implies.

use std::sync::Arc;

use kubeward_manifest::{Limits, parse_documents};
use kubeward_podsecurity::psp::migrate::{Migration, migrate};
use kubeward_podsecurity::psp::{Policy, load_policies};
use kubeward_podsecurity::standards::Level::{self, Baseline, Privileged, Restricted};

const SECCOMP: &str = "seccomp.security.alpha.kubernetes.io/allowedProfileNames";
const APPARMOR: &str = "apparmor.security.beta.kubernetes.io/allowedProfileNames";

/// A policy every restricted pod passes and that lets nothing else through. `spec`
/// replaces the base lines it names (by key) and adds the others; `annotations` replaces
/// the profile allow-lists (a key mapped to `None` is removed).
fn policy(spec: &[(&str, &str)], annotations: &[(&str, Option<&str>)]) -> Policy {
    let mut lines: Vec<(String, String)> = [
        ("allowPrivilegeEscalation", "false"),
        ("requiredDropCapabilities", "[ALL]"),
        ("runAsUser", "{rule: MustRunAsNonRoot}"),
        (
            "seLinux",
            "{rule: MustRunAs, seLinuxOptions: {type: container_t}}",
        ),
        ("supplementalGroups", "{rule: RunAsAny}"),
        ("fsGroup", "{rule: RunAsAny}"),
        ("volumes", "[configMap, secret]"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in spec {
        match lines.iter_mut().find(|(key, _)| key == k) {
            Some(line) => line.1 = v.to_string(),
            None => lines.push((k.to_string(), v.to_string())),
        }
    }
    let mut ann: Vec<(&str, Option<&str>)> = vec![
        (SECCOMP, Some("runtime/default")),
        (APPARMOR, Some("runtime/default")),
    ];
    for (k, v) in annotations {
        match ann.iter_mut().find(|(key, _)| key == k) {
            Some(a) => a.1 = *v,
            None => ann.push((k, *v)),
        }
    }
    let ann: Vec<String> = ann
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}: '{v}'")))
        .collect();
    let spec: String = lines.iter().map(|(k, v)| format!("  {k}: {v}\n")).collect();
    let text = format!(
        "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata:\n  name: p\n  annotations: {{{}}}\nspec:\n{spec}",
        ann.join(", ")
    );
    let file: Arc<str> = Arc::from("t.yaml");
    let resources: Vec<_> = parse_documents(&file, &text, &Limits::default())
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("policy parses");
    let (mut policies, problems) = load_policies(&resources);
    assert!(problems.is_empty(), "{text}\n{problems:?}");
    policies.pop().expect("one policy")
}

fn level_of(spec: &[(&str, &str)], annotations: &[(&str, Option<&str>)]) -> (Level, Migration) {
    let m = migrate(&policy(spec, annotations));
    (m.level, m)
}

#[track_caller]
fn assert_level(spec: &[(&str, &str)], annotations: &[(&str, Option<&str>)], want: Level) {
    let (got, m) = level_of(spec, annotations);
    assert_eq!(got, want, "{spec:?} {annotations:?}\n{m:#?}");
}

/// [`assert_level`] for a policy with one spec `field` set to `value`.
#[track_caller]
fn assert_field(field: &str, value: &str, want: Level) {
    assert_level(&[(field, value)], &[], want);
}

/// [`assert_level`] for a policy whose profile allow-list `key` is `value` (`None`:
/// removed).
#[track_caller]
fn assert_profiles(key: &str, value: Option<&str>, want: Level) {
    assert_level(&[], &[(key, value)], want);
}

#[test]
fn base_policy_is_restricted() {
    assert_level(&[], &[], Restricted);
}

/// The privileged and host-namespace rows: each a switch, privileged when on.
#[test]
fn privileged_and_host_namespaces_rows() {
    for field in ["privileged", "hostNetwork", "hostPID", "hostIPC"] {
        assert_field(field, "true", Privileged);
        assert_field(field, "false", Restricted);
    }
}

#[test]
fn host_ports_row() {
    assert_field("hostPorts", "[{min: 8080, max: 8080}]", Privileged);
    assert_field("hostPorts", "[]", Restricted);
}

#[test]
fn volumes_and_host_paths_row() {
    assert_field("volumes", "['*']", Privileged);
    assert_level(
        &[
            ("volumes", "[configMap, hostPath]"),
            (
                "allowedHostPaths",
                "[{pathPrefix: /var/log, readOnly: true}]",
            ),
        ],
        &[],
        Privileged,
    );
    assert_field("volumes", "[configMap, nfs]", Baseline);
    let restricted_types =
        "csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected";
    assert_field(
        "volumes",
        &format!("[configMap, {restricted_types}, secret]"),
        Restricted,
    );
}

#[test]
fn added_capabilities_row() {
    for field in ["allowedCapabilities", "defaultAddCapabilities"] {
        assert_field(field, "[SYS_ADMIN]", Privileged);
        assert_field(field, "[CHOWN]", Baseline);
        assert_field(field, "[NET_BIND_SERVICE]", Restricted);
    }
    assert_level(
        &[
            ("allowedCapabilities", "['*']"),
            ("requiredDropCapabilities", "[]"),
        ],
        &[],
        Privileged,
    );
}

#[test]
fn required_drop_capabilities_row() {
    // Dropping less than ALL leaves the defaults baseline allows.
    for dropped in ["[]", "[NET_RAW]"] {
        assert_field("requiredDropCapabilities", dropped, Baseline);
    }
    assert_field("requiredDropCapabilities", "[ALL]", Restricted);
}

#[test]
fn allow_privilege_escalation_row() {
    assert_field("allowPrivilegeEscalation", "true", Baseline);
    let (omitted, _) = {
        // Omitted defaults to true: drop the base line by overriding with null.
        level_of(&[("allowPrivilegeEscalation", "null")], &[])
    };
    assert_eq!(omitted, Baseline);
    assert_field("allowPrivilegeEscalation", "false", Restricted);
}

#[test]
fn run_as_user_row() {
    for (rule, want) in [
        ("{rule: RunAsAny}", Baseline),
        ("{rule: MustRunAs, ranges: [{min: 0, max: 100}]}", Baseline),
        (
            "{rule: MustRunAs, ranges: [{min: 1000, max: 2000}]}",
            Restricted,
        ),
        ("{rule: MustRunAsNonRoot}", Restricted),
    ] {
        assert_field("runAsUser", rule, want);
    }
}

#[test]
fn selinux_row() {
    assert_field("seLinux", "{rule: RunAsAny}", Privileged);
    // MustRunAs with each of these seLinuxOptions.
    for (options, want) in [
        ("{user: system_u, type: container_t}", Privileged),
        ("{role: sysadm_r}", Privileged),
        ("{type: spc_t}", Privileged),
        ("{level: 's0:c1,c2'}", Restricted),
    ] {
        let rule = format!("{{rule: MustRunAs, seLinuxOptions: {options}}}");
        assert_field("seLinux", &rule, want);
    }
}

#[test]
fn proc_mount_row() {
    assert_field("allowedProcMountTypes", "[Default, Unmasked]", Privileged);
    assert_field("allowedProcMountTypes", "[Default]", Restricted);
    assert_field("allowedProcMountTypes", "[]", Restricted);
}

#[test]
fn unsafe_sysctls_row() {
    // Any unsafe sysctl allowed, by pattern or by name, is privileged.
    for allowed in ["['net.*']", "['*']", "[kernel.msgmax]"] {
        assert_field("allowedUnsafeSysctls", allowed, Privileged);
    }
    assert_field("allowedUnsafeSysctls", "[]", Restricted);
}

#[test]
fn seccomp_row() {
    assert_profiles(SECCOMP, Some("*"), Privileged);
    assert_profiles(SECCOMP, Some("runtime/default,unconfined"), Privileged);
    // Absent: nothing may be set, so pods run unconfined-by-default yet set nothing
    // baseline forbids; restricted requires a profile.
    assert_profiles(SECCOMP, None, Baseline);
    // An empty entry (`runtime/default,`) would let pods leave the profile unset, but the
    // API server refuses such a policy (psp_validation.rs), so no row case exists.
    let audit = "docker/default,localhost/profiles/audit.json";
    assert_profiles(SECCOMP, Some(audit), Restricted);
}

#[test]
fn apparmor_row() {
    assert_profiles(APPARMOR, None, Privileged);
    assert_profiles(APPARMOR, Some("runtime/default,unconfined"), Privileged);
    let nginx = "runtime/default,localhost/k8s-nginx";
    assert_profiles(APPARMOR, Some(nginx), Restricted);
}

/// Settings PSA has no counterpart for: the level stays restricted, and each is listed
/// as not expressible so the user moves its defaults into the manifests.
#[test]
fn no_equivalent_row() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "runAsGroup",
            "{rule: MustRunAs, ranges: [{min: 1, max: 9}]}",
            "spec.runAsGroup",
        ),
        (
            "supplementalGroups",
            "{rule: MustRunAs, ranges: [{min: 1, max: 9}]}",
            "spec.supplementalGroups",
        ),
        (
            "fsGroup",
            "{rule: MustRunAs, ranges: [{min: 1, max: 9}]}",
            "spec.fsGroup",
        ),
        (
            "readOnlyRootFilesystem",
            "true",
            "spec.readOnlyRootFilesystem",
        ),
        (
            "defaultAllowPrivilegeEscalation",
            "false",
            "spec.defaultAllowPrivilegeEscalation",
        ),
        ("forbiddenSysctls", "['kernel.*']", "spec.forbiddenSysctls"),
        (
            "allowedCSIDrivers",
            "[{name: csi.example.com}]",
            "spec.allowedCSIDrivers",
        ),
        (
            "runtimeClass",
            "{allowedRuntimeClassNames: [gvisor], defaultRuntimeClassName: gvisor}",
            "spec.runtimeClass",
        ),
    ];
    for (key, value, field) in cases {
        let (level, m) = level_of(&[(key, value)], &[]);
        assert_eq!(level, Restricted, "{key}: {m:#?}");
        assert!(m.notes.iter().any(|n| n.field == *field), "{key}: {m:#?}");
    }
    let (level, m) = level_of(
        &[
            ("volumes", "[configMap, flexVolume]"),
            ("allowedFlexVolumes", "[{driver: example/lvm}]"),
        ],
        &[],
    );
    // flexVolume itself is not a restricted volume type; the driver list has no PSA
    // counterpart either way.
    assert_eq!(level, Baseline, "{m:#?}");
    assert!(m.notes.iter().any(|n| n.field == "spec.allowedFlexVolumes"));
    let default = "seccomp.security.alpha.kubernetes.io/defaultProfileName";
    let (level, m) = level_of(&[], &[(default, Some("runtime/default"))]);
    assert_eq!(level, Restricted, "{m:#?}");
    assert!(
        m.notes
            .iter()
            .any(|n| n.field == format!("metadata.annotations[{default}]")),
        "{m:#?}"
    );
}
