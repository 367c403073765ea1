//! PodSecurityPolicy simulation: each field and rule passing, failing and defaulting,
//! selection order, RBAC-style candidates, host paths, capability spellings, bad policies.

use std::sync::Arc;

use kubeward_manifest::{Limits, Resource, parse_documents, pod_template};
use kubeward_podsecurity::psp::{
    AllowAll, Authorizer, Decision, Operation, Pod, Policy, ProblemLevel, Request, UserInfo, admit,
    load_policies,
};

fn resources(text: &str) -> Vec<Resource> {
    let file: Arc<str> = Arc::from("t.yaml");
    parse_documents(&file, text, &Limits::default())
        .into_iter()
        .map(|r| r.unwrap())
        .collect()
}

/// A policy named `name` with `spec` lines (indented by the caller) on top of a
/// permissive base.
fn policy(name: &str, extra: &str) -> String {
    format!(
        "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata:\n  name: {name}\nspec:\n  seLinux: {{rule: RunAsAny}}\n  runAsUser: {{rule: RunAsAny}}\n  supplementalGroups: {{rule: RunAsAny}}\n  fsGroup: {{rule: RunAsAny}}\n  volumes: ['*']\n{extra}\n"
    )
}

fn policies(text: &str) -> Vec<Policy> {
    let (p, problems) = load_policies(&resources(text));
    assert!(problems.is_empty(), "{problems:?}");
    p
}

fn pod(yaml: &str) -> Pod {
    let res = resources(yaml);
    let t = pod_template(&res[0]).unwrap().unwrap();
    Pod {
        metadata: t.metadata,
        spec: t.spec,
    }
}

const BARE: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: c, image: i}]\n";

fn run(pols: &[Policy], p: &Pod, op: Operation, authz: &dyn Authorizer) -> Decision {
    let req = Request {
        pod: p,
        name: "web",
        namespace: "dev",
        operation: op,
        user: None,
    };
    admit(pols, &req, authz)
}

/// Admits `pod_yaml` for creation under the policies of `policy_text`, as a caller
/// every policy allows.
fn create(policy_text: &str, pod_yaml: &str) -> Decision {
    run(
        &policies(policy_text),
        &pod(pod_yaml),
        Operation::Create,
        &AllowAll,
    )
}

fn decide(extra: &str, pod_yaml: &str) -> Decision {
    create(&policy("p", extra), pod_yaml)
}

fn errors(d: &Decision) -> Vec<String> {
    d.errors.iter().map(|e| e.error.to_string()).collect()
}

fn container_sc(d: &Decision) -> serde_json::Value {
    serde_json::to_value(&d.pod.spec.containers[0].security_context).unwrap()
}

fn with_container_sc(sc: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: web}}\nspec:\n  containers: [{{name: c, image: i, securityContext: {sc}}}]\n"
    )
}

fn with_spec(spec: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: web}}\nspec:\n  containers: [{{name: c, image: i}}]\n{spec}\n"
    )
}

#[test]
fn worked_example_message() {
    let d = decide(
        "",
        &format!(
            "{}  hostNetwork: true\n",
            BARE.replace(
                "image: i}",
                "image: i, securityContext: {privileged: true}}"
            )
        ),
    );
    assert!(!d.allowed);
    assert_eq!(
        d.message.as_deref().unwrap(),
        "pods \"web\" is forbidden: PodSecurityPolicy: unable to admit pod: [spec.securityContext.hostNetwork: Invalid value: true: Host network is not allowed to be used spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed]"
    );
}

#[test]
fn privileged_and_host_namespaces() {
    assert!(
        decide(
            "  privileged: true",
            &with_container_sc("{privileged: true}")
        )
        .allowed
    );
    for (field, key) in [
        ("hostPID", "Host PID"),
        ("hostIPC", "Host IPC"),
        ("hostNetwork", "Host network"),
    ] {
        let d = decide("", &with_spec(&format!("  {field}: true")));
        assert_eq!(
            errors(&d),
            [format!(
                "spec.securityContext.{field}: Invalid value: true: {key} is not allowed to be used"
            )]
        );
        assert!(
            decide(
                &format!("  {field}: true"),
                &with_spec(&format!("  {field}: true"))
            )
            .allowed
        );
    }
}

#[test]
fn host_ports_with_ranges_and_host_network_defaulting() {
    let ports =
        "  containers: [{name: c, image: i, ports: [{containerPort: 8080, hostPort: 9000}]}]";
    let pod_yaml = format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: web}}\nspec:\n{ports}\n");
    let d = decide(
        "  hostPorts: [{min: 80, max: 80}, {min: 8000, max: 8999}]",
        &pod_yaml,
    );
    assert_eq!(
        errors(&d),
        [
            "spec.containers[0].hostPort: Invalid value: 9000: Host port 9000 is not allowed to be used. Allowed ports: [80,8000-8999]"
        ]
    );
    assert!(decide("  hostPorts: [{min: 9000, max: 9100}]", &pod_yaml).allowed);
}

#[test]
fn run_as_user_rules() {
    // MustRunAs: defaults to the first min; rejects out of range.
    let d = decide("", BARE);
    assert!(d.allowed && !d.mutated);
    let p = policy("p", "").replace(
        "runAsUser: {rule: RunAsAny}",
        "runAsUser: {rule: MustRunAs, ranges: [{min: 100, max: 200}, {min: 500, max: 600}]}",
    );
    let d = create(&p, BARE);
    assert!(d.allowed && d.mutated);
    assert_eq!(container_sc(&d)["runAsUser"], 100);
    let d = create(&p, &with_container_sc("{runAsUser: 300}"));
    assert_eq!(
        errors(&d),
        [
            "spec.containers[0].securityContext.runAsUser: Invalid value: 300: must be in the ranges: [{100 200} {500 600}]"
        ]
    );
    assert!(create(&p, &with_container_sc("{runAsUser: 550}")).allowed);
    // MustRunAsNonRoot: defaults runAsNonRoot; rejects false and uid 0.
    let p = policy("p", "").replace(
        "runAsUser: {rule: RunAsAny}",
        "runAsUser: {rule: MustRunAsNonRoot}",
    );
    let d = create(&p, BARE);
    assert_eq!(container_sc(&d)["runAsNonRoot"], true);
    let d = create(&p, &with_container_sc("{runAsNonRoot: false}"));
    assert_eq!(
        errors(&d),
        ["spec.containers[0].securityContext.runAsNonRoot: Invalid value: false: must be true"]
    );
    let d = create(&p, &with_container_sc("{runAsUser: 0}"));
    assert_eq!(
        errors(&d),
        [
            "spec.containers[0].securityContext.runAsUser: Invalid value: 0: running with the root UID is forbidden"
        ]
    );
    assert!(create(&p, &with_container_sc("{runAsUser: 1000}")).allowed);
}

#[test]
fn group_rules() {
    let must = "{rule: MustRunAs, ranges: [{min: 10, max: 20}]}";
    let may = "{rule: MayRunAs, ranges: [{min: 10, max: 20}]}";
    // fsGroup
    let p = |rule: &str| {
        policy("p", "").replace("fsGroup: {rule: RunAsAny}", &format!("fsGroup: {rule}"))
    };
    let d = create(&p(must), BARE);
    assert_eq!(
        d.pod.spec.security_context.as_ref().unwrap().fs_group,
        Some(10)
    );
    let d = create(&p(must), &with_spec("  securityContext: {fsGroup: 5}"));
    assert_eq!(
        errors(&d),
        [
            "spec.securityContext.fsGroup: Invalid value: []int64{5}: group 5 must be in the ranges: [{10 20}]"
        ]
    );
    let d = create(&p(may), BARE);
    assert!(d.allowed && !d.mutated);
    assert!(!create(&p(may), &with_spec("  securityContext: {fsGroup: 5}")).allowed);
    // supplementalGroups: an explicit empty list is not defaulted, and fails MustRunAs.
    let p = |rule: &str| {
        policy("p", "").replace(
            "supplementalGroups: {rule: RunAsAny}",
            &format!("supplementalGroups: {rule}"),
        )
    };
    let d = create(&p(must), BARE);
    assert_eq!(
        d.pod
            .spec
            .security_context
            .as_ref()
            .unwrap()
            .supplemental_groups,
        Some(vec![10])
    );
    let d = create(
        &p(must),
        &with_spec("  securityContext: {supplementalGroups: []}"),
    );
    assert_eq!(
        errors(&d),
        [
            "spec.securityContext.supplementalGroups: Invalid value: []int64{}: unable to validate empty groups against required ranges"
        ]
    );
    assert!(
        create(
            &p(may),
            &with_spec("  securityContext: {supplementalGroups: [15]}")
        )
        .allowed
    );
    // runAsGroup: the error names the securityContext itself, as upstream did.
    let p = |rule: &str| policy("p", &format!("  runAsGroup: {rule}"));
    let d = create(&p(must), BARE);
    assert_eq!(container_sc(&d)["runAsGroup"], 10);
    let d = create(&p(must), &with_container_sc("{runAsGroup: 0}"));
    assert_eq!(
        errors(&d),
        [
            "spec.containers[0].securityContext: Invalid value: []int64{0}: group 0 must be in the ranges: [{10 20}]"
        ]
    );
    assert!(create(&p(may), &with_container_sc("{runAsGroup: 12}")).allowed);
}

#[test]
fn selinux_rule() {
    let p = policy("p", "").replace(
        "seLinux: {rule: RunAsAny}",
        "seLinux: {rule: MustRunAs, seLinuxOptions: {level: 's0:c1,c2', type: container_t}}",
    );
    let d = create(&p, BARE);
    assert!(d.allowed && d.mutated);
    assert_eq!(
        d.pod
            .spec
            .security_context
            .as_ref()
            .unwrap()
            .se_linux_options
            .as_ref()
            .unwrap()
            .type_
            .as_deref(),
        Some("container_t")
    );
    assert!(
        create(
            &p,
            &with_container_sc("{seLinuxOptions: {level: 's0:c2,c1', type: container_t}}")
        )
        .allowed
    );
    let d = create(
        &p,
        &with_container_sc("{seLinuxOptions: {level: 's0:c1,c2', type: spc_t}}"),
    );
    assert_eq!(
        errors(&d),
        [
            "spec.containers[0].securityContext.seLinuxOptions.type: Invalid value: \"spc_t\": must be container_t"
        ]
    );
}

#[test]
fn capabilities_and_spellings() {
    let d = decide(
        "  defaultAddCapabilities: [NET_ADMIN]\n  requiredDropCapabilities: [NET_RAW]",
        BARE,
    );
    assert!(d.allowed);
    assert_eq!(
        container_sc(&d)["capabilities"],
        serde_json::json!({"add": ["NET_ADMIN"], "drop": ["NET_RAW"]})
    );
    let d = decide("", &with_container_sc("{capabilities: {add: [SYS_ADMIN]}}"));
    assert_eq!(
        errors(&d),
        [
            "spec.containers[0].securityContext.capabilities.add: Invalid value: \"SYS_ADMIN\": capability may not be added"
        ]
    );
    assert!(
        decide(
            "  allowedCapabilities: ['*']",
            &with_container_sc("{capabilities: {add: [SYS_ADMIN]}}")
        )
        .allowed
    );
    // Raw string comparison: CAP_ prefix and case make a different capability to PSP.
    for spelling in ["CAP_SYS_ADMIN", "sys_admin", "Sys_Admin"] {
        let d = decide(
            "  allowedCapabilities: [SYS_ADMIN]",
            &with_container_sc(&format!("{{capabilities: {{add: [{spelling}]}}}}")),
        );
        assert_eq!(
            errors(&d),
            [format!(
                "spec.containers[0].securityContext.capabilities.add: Invalid value: \"{spelling}\": capability may not be added"
            )]
        );
    }
    assert!(
        decide(
            "  allowedCapabilities: [SYS_ADMIN]",
            &with_container_sc("{capabilities: {add: [SYS_ADMIN]}}")
        )
        .allowed
    );
    // Dropping ALL does not satisfy a required NET_RAW: generation adds it (mutation).
    let d = decide(
        "  requiredDropCapabilities: [NET_RAW]",
        &with_container_sc("{capabilities: {drop: [ALL]}}"),
    );
    assert!(d.allowed && d.mutated);
    assert_eq!(
        container_sc(&d)["capabilities"]["drop"],
        serde_json::json!(["ALL", "NET_RAW"])
    );
    let d = decide(
        "  requiredDropCapabilities: [NET_RAW]",
        &with_container_sc("{capabilities: {drop: [cap_net_raw]}}"),
    );
    assert_eq!(
        container_sc(&d)["capabilities"]["drop"],
        serde_json::json!(["NET_RAW", "cap_net_raw"])
    );
}

#[test]
fn privilege_escalation_and_read_only_root() {
    let d = decide("  allowPrivilegeEscalation: false", BARE);
    assert_eq!(container_sc(&d)["allowPrivilegeEscalation"], false);
    let d = decide(
        "  allowPrivilegeEscalation: false",
        &with_container_sc("{allowPrivilegeEscalation: true}"),
    );
    assert_eq!(
        errors(&d),
        [
            "spec.containers[0].securityContext.allowPrivilegeEscalation: Invalid value: true: Allowing privilege escalation for containers is not allowed"
        ]
    );
    let d = decide("  defaultAllowPrivilegeEscalation: false", BARE);
    assert_eq!(container_sc(&d)["allowPrivilegeEscalation"], false);
    let d = decide("  readOnlyRootFilesystem: true", BARE);
    assert_eq!(container_sc(&d)["readOnlyRootFilesystem"], true);
    let d = decide(
        "  readOnlyRootFilesystem: true",
        &with_container_sc("{readOnlyRootFilesystem: false}"),
    );
    assert_eq!(
        errors(&d),
        [
            "spec.containers[0].securityContext.readOnlyRootFilesystem: Invalid value: false: ReadOnlyRootFilesystem must be set to true"
        ]
    );
}

#[test]
fn host_paths() {
    let vol = |path: &str, ro: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: web}}\nspec:\n  containers: [{{name: c, image: i, volumeMounts: [{{name: h, mountPath: /h{ro}}}]}}]\n  volumes: [{{name: h, hostPath: {{path: {path}}}}}]\n"
        )
    };
    let rw = "  allowedHostPaths: [{pathPrefix: /foo}]";
    assert!(decide(rw, &vol("/foo/bar", "")).allowed);
    assert!(decide(rw, &vol("/foo", "")).allowed);
    let d = decide(rw, &vol("/fool", ""));
    assert_eq!(
        errors(&d),
        [
            "spec.volumes[0].hostPath.pathPrefix: Invalid value: \"/fool\": is not allowed to be used"
        ]
    );
    // `..` passes PSP's prefix match but pod validation refuses it.
    let d = decide(rw, &vol("/foo/../etc", ""));
    assert!(!d.allowed);
    assert_eq!(
        d.message.as_deref().unwrap(),
        "Pod \"web\" is invalid: spec.volumes[0].hostPath.path: Invalid value: \"/foo/../etc\": must not contain '..'"
    );
    let ro = "  allowedHostPaths: [{pathPrefix: /var/log, readOnly: true}]";
    let d = decide(ro, &vol("/var/log/app", ""));
    assert_eq!(
        errors(&d),
        ["spec.containers[0].volumeMounts[0].readOnly: Invalid value: false: must be read-only"]
    );
    assert!(decide(ro, &vol("/var/log/app", ", readOnly: true")).allowed);
    let d = decide("", &vol("/x", "")).allowed;
    assert!(d);
    let p = policy("p", "").replace("volumes: ['*']", "volumes: [secret]");
    let d = create(&p, &vol("/x", ""));
    assert_eq!(
        errors(&d),
        [
            "spec.volumes[0]: Invalid value: \"hostPath\": hostPath volumes are not allowed to be used"
        ]
    );
}

#[test]
fn flex_csi_proc_mount_runtime_class() {
    let flex = with_spec("  volumes: [{name: f, flexVolume: {driver: acme/x}}]");
    let d = decide("  allowedFlexVolumes: [{driver: other}]", &flex);
    assert_eq!(
        errors(&d),
        [
            "spec.volumes[0].driver: Invalid value: \"acme/x\": Flexvolume driver is not allowed to be used"
        ]
    );
    assert!(decide("  allowedFlexVolumes: [{driver: acme/x}]", &flex).allowed);
    let csi = with_spec("  volumes: [{name: f, csi: {driver: d1}}]");
    let d = decide("  allowedCSIDrivers: [{name: d2}]", &csi);
    assert_eq!(
        errors(&d),
        [
            "spec.volumes[0].csi.driver: Invalid value: \"d1\": Inline CSI driver is not allowed to be used"
        ]
    );
    assert!(decide("  allowedCSIDrivers: [{name: d1}]", &csi).allowed);
    let d = decide("", &with_container_sc("{procMount: Unmasked}"));
    assert_eq!(
        errors(&d),
        [
            "spec.containers[0].securityContext.procMount: Invalid value: \"Unmasked\": ProcMountType is not allowed"
        ]
    );
    assert!(
        decide(
            "  allowedProcMountTypes: [Default, Unmasked]",
            &with_container_sc("{procMount: Unmasked}")
        )
        .allowed
    );
    let rc =
        "  runtimeClass: {allowedRuntimeClassNames: [gvisor], defaultRuntimeClassName: gvisor}";
    let d = decide(rc, BARE);
    assert_eq!(d.pod.spec.runtime_class_name.as_deref(), Some("gvisor"));
    let d = decide(rc, &with_spec("  runtimeClassName: kata"));
    assert_eq!(
        errors(&d),
        ["spec.runtimeClassName: Invalid value: \"kata\""]
    );
}

#[test]
fn sysctls() {
    let pod_yaml = |n: &str| {
        with_spec(&format!(
            "  securityContext: {{sysctls: [{{name: {n}, value: '1'}}]}}"
        ))
    };
    assert!(decide("", &pod_yaml("net.ipv4.tcp_syncookies")).allowed);
    let d = decide("", &pod_yaml("kernel.msgmax"));
    assert_eq!(
        errors(&d),
        [
            "pod.spec.securityContext.sysctls[0]: Forbidden: unsafe sysctl \"kernel.msgmax\" is not allowed"
        ]
    );
    assert!(
        decide(
            "  allowedUnsafeSysctls: ['kernel.msg*']",
            &pod_yaml("kernel.msgmax")
        )
        .allowed
    );
    let d = decide(
        "  forbiddenSysctls: ['net.*']",
        &pod_yaml("net.ipv4.tcp_syncookies"),
    );
    assert_eq!(
        errors(&d),
        [
            "pod.spec.securityContext.sysctls[0]: Forbidden: sysctl \"net.ipv4.tcp_syncookies\" is not allowed"
        ]
    );
}

#[test]
fn seccomp_and_apparmor_annotations() {
    let ann = |a: &str| {
        policy("p", "").replace(
            "  name: p\n",
            &format!("  name: p\n  annotations: {{{a}}}\n"),
        )
    };
    let sp = "seccomp.security.alpha.kubernetes.io/allowedProfileNames: 'runtime/default', seccomp.security.alpha.kubernetes.io/defaultProfileName: 'runtime/default'";
    let d = create(&ann(sp), BARE);
    assert!(d.mutated);
    assert_eq!(
        d.pod.metadata.annotations.as_ref().unwrap()["seccomp.security.alpha.kubernetes.io/pod"],
        "runtime/default"
    );
    let d = create(
        &ann(sp),
        &with_container_sc("{seccompProfile: {type: Unconfined}}"),
    );
    assert_eq!(
        errors(&d),
        [
            "pod.metadata.annotations[container.seccomp.security.alpha.kubernetes.io/c]: Forbidden: unconfined is not an allowed seccomp profile. Valid values are runtime/default"
        ]
    );
    // docker/default and runtime/default imply each other.
    assert!(
        create(
            &ann("seccomp.security.alpha.kubernetes.io/allowedProfileNames: 'docker/default'"),
            &with_spec("  securityContext: {seccompProfile: {type: RuntimeDefault}}")
        )
        .allowed
    );
    let d = decide(
        "",
        &with_spec("  securityContext: {seccompProfile: {type: RuntimeDefault}}"),
    );
    assert_eq!(
        errors(&d),
        [
            "pod.metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: Forbidden: seccomp may not be set",
            "pod.metadata.annotations[container.seccomp.security.alpha.kubernetes.io/c]: Forbidden: seccomp may not be set"
        ]
    );
    let aa = "apparmor.security.beta.kubernetes.io/allowedProfileNames: 'runtime/default', apparmor.security.beta.kubernetes.io/defaultProfileName: 'runtime/default'";
    let d = create(&ann(aa), BARE);
    assert_eq!(
        d.pod.metadata.annotations.as_ref().unwrap()["container.apparmor.security.beta.kubernetes.io/c"],
        "runtime/default"
    );
    let only = "apparmor.security.beta.kubernetes.io/allowedProfileNames: 'runtime/default'";
    let d = create(&ann(only), BARE);
    assert_eq!(
        errors(&d),
        [
            "pod.metadata.annotations[container.apparmor.security.beta.kubernetes.io/c]: Forbidden: AppArmor profile must be set"
        ]
    );
}

#[test]
fn ordering_non_mutating_first_then_by_name() {
    let restricted = policy(
        "a-restricted",
        "  allowPrivilegeEscalation: false\n  requiredDropCapabilities: [ALL]",
    );
    let privileged = policy(
        "b-privileged",
        "  privileged: true\n  allowedCapabilities: ['*']",
    );
    let all = policies(&format!("{restricted}---\n{privileged}"));
    let d = run(&all, &pod(BARE), Operation::Create, &AllowAll);
    assert_eq!(d.policy.as_deref(), Some("b-privileged"));
    assert!(!d.mutated);
    assert_eq!(
        d.pod.metadata.annotations.as_ref().unwrap()["kubernetes.io/psp"],
        "b-privileged"
    );
    // Already compliant: the first non-mutating by name.
    let ok = with_container_sc("{allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}");
    assert_eq!(
        run(&all, &pod(&ok), Operation::Create, &AllowAll)
            .policy
            .as_deref(),
        Some("a-restricted")
    );
    // Two mutating ones: the first by name.
    let m1 = policy("m2", "  readOnlyRootFilesystem: true");
    let m2 = policy("m1", "  allowPrivilegeEscalation: false");
    let d = create(&format!("{m1}---\n{m2}"), BARE);
    assert_eq!(d.policy.as_deref(), Some("m1"));
    // Update: no mutation allowed; the only candidate mutates, so the pod is refused.
    let d = run(&policies(&m1), &pod(BARE), Operation::Update, &AllowAll);
    assert!(!d.allowed);
    assert_eq!(
        d.message.as_deref().unwrap(),
        "pods \"web\" is forbidden: PodSecurityPolicy: unable to validate pod: []"
    );
}

struct OnlyUser(&'static str);

impl Authorizer for OnlyUser {
    fn may_use(&self, user: &UserInfo, _: &str, policy: &str) -> bool {
        user.name == "system:serviceaccount:dev:web" && policy == self.0
    }
}

#[test]
fn candidates_follow_authorization() {
    let all = policies(&format!(
        "{}---\n{}",
        policy("a", ""),
        policy("b", "  privileged: true")
    ));
    let privileged = pod(&with_container_sc("{privileged: true}")
        .replace("spec:\n", "spec:\n  serviceAccountName: web\n"));
    assert_eq!(
        run(&all, &privileged, Operation::Create, &OnlyUser("b"))
            .policy
            .as_deref(),
        Some("b")
    );
    let d = run(&all, &privileged, Operation::Create, &OnlyUser("a"));
    assert_eq!(
        errors(&d),
        [
            "spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed"
        ]
    );
    let d = run(&all, &privileged, Operation::Create, &OnlyUser("none"));
    assert_eq!(
        d.message.as_deref().unwrap(),
        "pods \"web\" is forbidden: PodSecurityPolicy: unable to admit pod: []"
    );
}

#[test]
fn bad_policies_are_placed() {
    let text = policy("bad", "  hostPorts: [{min: 10, max: 5}]").replace(
        "runAsUser: {rule: RunAsAny}",
        "runAsUser: {rule: Sometimes, ranges: [{min: -1, max: 5}, {min: 3, max: 9}]}",
    );
    let (ok, problems) = load_policies(&resources(&text));
    assert!(ok.is_empty());
    let msgs: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(msgs.contains(&"t.yaml:7:15: PodSecurityPolicy \"bad\": spec.runAsUser.rule: Unsupported value: \"Sometimes\": supported values: \"MustRunAs\", \"MustRunAsNonRoot\", \"RunAsAny\"".to_string()), "{msgs:#?}");
    assert!(msgs.iter().any(|m| {
        m.contains("spec.runAsUser.ranges[0].min: Invalid value: -1: min cannot be negative")
    }));
    assert!(msgs.iter().any(|m| m.contains(
        "spec.runAsUser.ranges[1]: Invalid value: {3 9}: overlaps spec.runAsUser.ranges[0]"
    )));
    assert!(msgs.iter().any(|m| {
        m.contains("spec.hostPorts[0].min: Invalid value: 10: min cannot be greater than max")
    }));
    assert!(problems.iter().any(|p| p.severity == ProblemLevel::Warning));
    let ann = policy("a", "").replace("  name: a\n", "  name: a\n  annotations: {seccomp.security.alpha.kubernetes.io/defaultProfileName: 'bogus'}\n");
    let (_, problems) = load_policies(&resources(&ann));
    assert_eq!(
        problems[0].to_string(),
        "t.yaml:5:17: PodSecurityPolicy \"a\": metadata.annotations[seccomp.security.alpha.kubernetes.io/defaultProfileName]: Invalid value: \"bogus\": must be a valid seccomp profile"
    );
    // Valid but unbuildable: kept, warned, skipped at admission.
    let unbuildable =
        policy("u", "").replace("fsGroup: {rule: RunAsAny}", "fsGroup: {rule: MustRunAs}");
    let (ok, problems) = load_policies(&resources(&unbuildable));
    assert_eq!(problems.len(), 1);
    let d = run(&ok, &pod(BARE), Operation::Create, &AllowAll);
    assert_eq!(
        d.message.as_deref().unwrap(),
        "pods \"web\" is forbidden: no providers available to validate pod request"
    );
}

#[test]
fn migration_levels() {
    use kubeward_podsecurity::psp::migrate::migrate;
    use kubeward_podsecurity::standards::Level;
    let restricted = policy("r", "  allowPrivilegeEscalation: false\n  requiredDropCapabilities: [ALL]").replace("volumes: ['*']", "volumes: [configMap, secret]").replace("runAsUser: {rule: RunAsAny}", "runAsUser: {rule: MustRunAsNonRoot}").replace("seLinux: {rule: RunAsAny}", "seLinux: {rule: MustRunAs, seLinuxOptions: {type: container_t}}").replace("  name: r\n", "  name: r\n  annotations: {seccomp.security.alpha.kubernetes.io/allowedProfileNames: 'runtime/default', apparmor.security.beta.kubernetes.io/allowedProfileNames: 'runtime/default'}\n");
    let m = migrate(&policies(&restricted)[0]);
    assert_eq!(m.level, Level::Restricted, "{m:#?}");
    assert!(
        m.notes
            .iter()
            .any(|n| n.field == "spec.requiredDropCapabilities")
    );
    let p = policy("p", "  privileged: true");
    assert_eq!(migrate(&policies(&p)[0]).level, Level::Privileged);
    let b = policy("b", "").replace("volumes: ['*']", "volumes: [configMap]").replace("seLinux: {rule: RunAsAny}", "seLinux: {rule: MustRunAs, seLinuxOptions: {type: container_t}}").replace("  name: b\n", "  name: b\n  annotations: {apparmor.security.beta.kubernetes.io/allowedProfileNames: 'runtime/default'}\n");
    let m = migrate(&policies(&b)[0]);
    assert_eq!(m.level, Level::Baseline, "{m:#?}");
    let s = policy("s", "  allowedUnsafeSysctls: [net.ipv4.tcp_rmem]").replace("volumes: ['*']", "volumes: [configMap]").replace("seLinux: {rule: RunAsAny}", "seLinux: {rule: MustRunAs, seLinuxOptions: {type: container_t}}").replace("  name: s\n", "  name: s\n  annotations: {apparmor.security.beta.kubernetes.io/allowedProfileNames: 'runtime/default'}\n");
    let m = migrate(&policies(&s)[0]);
    assert_eq!((m.level, m.min_version), (Level::Baseline, 32), "{m:#?}");
}
