//! Policy validation in the 1.24 API server's exact words
//! (`pkg/apis/policy/validation/validation.go`): sysctl patterns, host ports (which
//! upstream never checked: kubeward warns), runtimeClass, profile annotations,
//! allowedHostPaths, capabilities, volumes.

use std::sync::Arc;

use kubeward_manifest::{Limits, parse_documents};
use kubeward_podsecurity::psp::{ProblemLevel, load_policies};

/// `(severity, message)` of every problem of a permissive policy with `annotations`
/// (YAML flow entries) and extra `spec` lines. Messages omit the file prefix.
fn problems(annotations: &str, spec: &str) -> Vec<(ProblemLevel, String)> {
    let text = format!(
        "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata:\n  name: p\n  annotations: {{{annotations}}}\nspec:\n  seLinux: {{rule: RunAsAny}}\n  runAsUser: {{rule: RunAsAny}}\n  supplementalGroups: {{rule: RunAsAny}}\n  fsGroup: {{rule: RunAsAny}}\n  volumes: ['*']\n{spec}\n"
    );
    let file: Arc<str> = Arc::from("t.yaml");
    let res: Vec<_> = parse_documents(&file, &text, &Limits::default())
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("fixture parses");
    let (_, problems) = load_policies(&res);
    problems
        .into_iter()
        .map(|p| (p.severity, p.message))
        .collect()
}

#[track_caller]
fn errors(annotations: &str, spec: &str) -> Vec<String> {
    let all = problems(annotations, spec);
    all.iter()
        .filter(|(s, _)| *s == ProblemLevel::Error)
        .map(|(_, m)| m.clone())
        .collect()
}

/// The errors of a policy whose one annotation sets `key` to `value`, each checked to
/// begin `metadata.annotations[key]: Invalid value: ` and returned without that prefix.
fn annotation_errors(key: &str, value: &str) -> Vec<String> {
    let prefix = format!("metadata.annotations[{key}]: Invalid value: ");
    errors(&format!("{key}: '{value}'"), "")
        .into_iter()
        .map(|e| match e.strip_prefix(&prefix) {
            Some(rest) => rest.to_owned(),
            None => panic!("{e:?} does not begin {prefix:?}"),
        })
        .collect()
}

const REGEX: &str = r"([a-z0-9]([-_a-z0-9]*[a-z0-9])?\.)*([a-z0-9][-_a-z0-9]*)?[a-z0-9*]";

#[test]
fn sysctl_patterns() {
    assert_eq!(
        errors("", "  forbiddenSysctls: ['net/ipv4', 'Kernel.x', '']"),
        [
            format!(
                "spec.forbiddenSysctls[0]: Invalid value: \"net/ipv4\": must have at most 253 characters and match regex {REGEX}"
            ),
            format!(
                "spec.forbiddenSysctls[1]: Invalid value: \"Kernel.x\": must have at most 253 characters and match regex {REGEX}"
            ),
            "spec.forbiddenSysctls[2]: Invalid value: \"\": empty sysctl not allowed".to_string(),
        ]
    );
    assert_eq!(
        errors("", "  allowedUnsafeSysctls: ['*', 'net.core.somaxconn']"),
        [
            "spec.allowedUnsafeSysctls.items: Forbidden: if '*' is present, must not specify other sysctls"
        ]
    );
    assert!(
        errors(
            "",
            "  allowedUnsafeSysctls: ['net.*', 'kernel.msg*', 'kernel.sem']"
        )
        .is_empty()
    );
}

#[test]
fn sysctl_overlaps_blame_the_entry_upstream_blames() {
    assert_eq!(
        errors(
            "",
            "  allowedUnsafeSysctls: ['net.core.*', kernel.sem, 'kernel.*']\n  forbiddenSysctls: ['net.*', kernel.sem, kernel.msgmax]"
        ),
        [
            "spec.allowedUnsafeSysctls[0]: Invalid value: \"net.core.*\": sysctl overlaps with net.*",
            "spec.allowedUnsafeSysctls[1]: Invalid value: \"kernel.sem\": sysctl overlaps with kernel.sem",
            "spec.forbiddenSysctls[1]: Invalid value: \"kernel.sem\": sysctl overlaps with kernel.*",
            "spec.forbiddenSysctls[2]: Invalid value: \"kernel.msgmax\": sysctl overlaps with kernel.*",
        ]
    );
}

#[test]
fn host_ports_are_not_validated_upstream_so_only_warned() {
    let found = problems(
        "",
        "  hostPorts: [{min: 10, max: 5}, {min: 70000, max: 70001}]",
    );
    assert!(
        found.iter().all(|(s, _)| *s == ProblemLevel::Warning),
        "{found:?}"
    );
    let messages: Vec<&str> = found.iter().map(|(_, m)| m.as_str()).collect();
    assert!(
        messages
            .contains(&"spec.hostPorts[0].min: Invalid value: 10: min cannot be greater than max"),
        "{messages:?}"
    );
    assert!(
        messages.contains(
            &"spec.hostPorts[1].min: Invalid value: 70000: min should be between 0 and 65535"
        ),
        "{messages:?}"
    );
}

#[test]
fn runtime_class() {
    assert_eq!(
        errors(
            "",
            "  runtimeClass: {allowedRuntimeClassNames: [gvisor], defaultRuntimeClassName: kata}"
        ),
        [
            "spec.runtimeClass.allowedRuntimeClassNames: Required value: default \"kata\" must be allowed"
        ]
    );
    assert_eq!(
        errors(
            "",
            "  runtimeClass: {allowedRuntimeClassNames: ['*', gvisor, gvisor]}"
        ),
        [
            "spec.runtimeClass.allowedRuntimeClassNames[2]: Duplicate value: \"gvisor\"",
            "spec.runtimeClass.allowedRuntimeClassNames: Invalid value: []string{\"*\", \"gvisor\", \"gvisor\"}: if '*' is present, must not specify other RuntimeClass names",
        ]
    );
    assert_eq!(
        errors("", "  runtimeClass: {allowedRuntimeClassNames: [Bad_Name]}"),
        [
            "spec.runtimeClass.allowedRuntimeClassNames[0]: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        ]
    );
    assert!(
        errors(
            "",
            "  runtimeClass: {allowedRuntimeClassNames: ['*'], defaultRuntimeClassName: gvisor}"
        )
        .is_empty()
    );
}

#[test]
fn seccomp_annotations() {
    let key = "seccomp.security.alpha.kubernetes.io/allowedProfileNames";
    assert_eq!(
        annotation_errors(
            key,
            "runtime/default,,bogus,localhost//abs.json,localhost/../x.json"
        ),
        [
            "\"\": must be a valid seccomp profile",
            "\"bogus\": must be a valid seccomp profile",
            "\"/abs.json\": must be a relative path",
            "\"../x.json\": must not contain '..'",
        ]
    );
    assert!(annotation_errors(key, "*,docker/default,unconfined,localhost/a/b.json").is_empty());
    let default = "seccomp.security.alpha.kubernetes.io/defaultProfileName";
    assert_eq!(
        annotation_errors(default, "runtime/bogus"),
        ["\"runtime/bogus\": must be a valid seccomp profile"]
    );
}

#[test]
fn apparmor_annotations() {
    let key = "apparmor.security.beta.kubernetes.io/allowedProfileNames";
    assert!(annotation_errors(key, "runtime/default,unconfined,localhost/x").is_empty());
    // Upstream shows the whole list as the value and the bad entry in the detail.
    assert_eq!(
        annotation_errors(key, "runtime/default,docker-default"),
        ["\"runtime/default,docker-default\": invalid AppArmor profile name: \"docker-default\""]
    );
    let default = "apparmor.security.beta.kubernetes.io/defaultProfileName";
    assert_eq!(
        annotation_errors(default, "nginx"),
        ["\"nginx\": invalid AppArmor profile name: \"nginx\""]
    );
}

#[test]
fn allowed_host_paths() {
    assert_eq!(
        errors(
            "",
            "  allowedHostPaths: [{pathPrefix: /foo/../etc}, {pathPrefix: ''}, {pathPrefix: ''}]"
        ),
        [
            "spec.allowedHostPaths[0]: Invalid value: \"/foo/../etc\": must not contain '..'",
            // Upstream stops at the first missing prefix.
            "spec.allowedHostPaths[1]: Required value: is required",
        ]
    );
    assert!(errors("", "  allowedHostPaths: [{pathPrefix: /foo..bar/x}]").is_empty());
}

#[test]
fn capabilities_volumes_and_run_as_group() {
    assert_eq!(
        errors(
            "",
            "  requiredDropCapabilities: [NET_RAW]\n  defaultAddCapabilities: [NET_RAW]\n  allowedCapabilities: ['*']"
        ),
        [
            "requiredDropCapabilities: Invalid value: []core.Capability{\"NET_RAW\"}: must be empty when all capabilities are allowed by a wildcard",
            "defaultAddCapabilities: Invalid value: \"NET_RAW\": capability is listed in defaultAddCapabilities and requiredDropCapabilities",
        ]
    );
    let vol = errors("", "  volumes: [configMap, cephfs]");
    assert_eq!(vol.len(), 1);
    assert!(
        vol[0]
            .starts_with("spec.volumes: Unsupported value: \"cephfs\": supported values: \"*\", "),
        "{vol:?}"
    );
    assert_eq!(
        errors("", "  runAsGroup: {rule: MustRunAs}"),
        [
            "spec.runAsGroup.ranges: Invalid value: []policy.IDRange(nil): must provide at least one range"
        ]
    );
    assert_eq!(
        errors(
            "",
            "  runAsGroup: {rule: RunAsAny, ranges: [{min: 1, max: 2}]}"
        ),
        [
            "spec.runAsGroup.ranges: Invalid value: []policy.IDRange{policy.IDRange{Min:1, Max:2}}: Ranges must be empty"
        ]
    );
    assert_eq!(
        errors("", "  allowedFlexVolumes: [{driver: ''}]"),
        [
            "spec.allowedFlexVolumes.allowedFlexVolumes[0].driver: Required value: must specify a driver"
        ]
    );
}
