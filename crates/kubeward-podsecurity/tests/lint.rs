//! Behaviour of every lint: a failing case (exact id, severity, path and message) and a
//! passing case each, plus a fully hardened pod that yields nothing.
//!
//! Inputs are JSON pod templates turned into a raw `Node` (synthetic positions) and a
//! typed `PodSpec`, the way the loader hands them over.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kubeward_manifest::{Entry, Node, Pos, Value};
use kubeward_podsecurity::lint::{Lint, Severity, lint};
use serde_json::{Value as J, json};

fn to_node(v: &J, line: &mut u32) -> Node {
    *line += 1;
    let pos = Pos {
        line: *line,
        col: 1,
    };
    let value = match v {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap()),
        },
        J::String(s) => Value::Str(s.clone()),
        J::Array(items) => Value::Seq(items.iter().map(|i| to_node(i, line)).collect()),
        J::Object(map) => Value::Map(
            map.iter()
                .map(|(k, v)| Entry {
                    key: k.clone(),
                    key_pos: Pos {
                        line: *line + 1,
                        col: 1,
                    },
                    value: to_node(v, line),
                })
                .collect(),
        ),
    };
    Node::new(pos, value)
}

fn run(template: &J) -> Vec<Lint> {
    let node = to_node(template, &mut 0);
    let metadata: ObjectMeta = serde_json::from_value(template["metadata"].clone()).unwrap();
    let spec: PodSpec = serde_json::from_value(template["spec"].clone()).unwrap();
    lint(&node, &metadata, &spec)
}

/// The findings of one lint.
fn only(template: &J, id: &str) -> Vec<Lint> {
    run(template).into_iter().filter(|l| l.id == id).collect()
}

/// `template` with the value at JSON pointer `ptr` replaced.
fn with(template: J, ptr: &str, value: J) -> J {
    kubeward_testkit::json::with(template, &[(ptr, value)])
}

fn finding(id: &'static str, severity: Severity, path: &str, message: &str) -> Lint {
    Lint {
        id,
        severity,
        path: path.to_string(),
        message: message.to_string(),
    }
}

fn hardened_sc() -> J {
    json!({
        "allowPrivilegeEscalation": false,
        "readOnlyRootFilesystem": true,
        "capabilities": {"drop": ["ALL"]}
    })
}

/// A pod that does everything right: restricted-compliant, read-only root filesystems,
/// all capabilities dropped, no writable host paths.
fn hardened() -> J {
    json!({
        "metadata": {"name": "web", "annotations": {"team": "payments"}},
        "spec": {
            "securityContext": {
                "runAsNonRoot": true,
                "runAsUser": 10001,
                "runAsGroup": 10001,
                "fsGroup": 10001,
                "seccompProfile": {"type": "RuntimeDefault"}
            },
            "initContainers": [{
                "name": "init",
                "image": "busybox:1.36",
                "securityContext": hardened_sc(),
                "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}]
            }],
            "containers": [{
                "name": "app",
                "image": "registry.example/app:1.0",
                "securityContext": {
                    "allowPrivilegeEscalation": false,
                    "readOnlyRootFilesystem": true,
                    "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}
                },
                "volumeMounts": [
                    {"name": "tls", "mountPath": "/tls"},
                    {"name": "tmp", "mountPath": "/tmp"},
                    {"name": "logs", "mountPath": "/host-logs", "readOnly": true}
                ]
            }],
            "volumes": [
                {"name": "tls", "secret": {"secretName": "tls"}},
                {"name": "tmp", "emptyDir": {}},
                {"name": "logs", "hostPath": {"path": "/var/log"}}
            ]
        }
    })
}

#[test]
fn hardened_pod_has_no_lints() {
    assert_eq!(run(&hardened()), vec![]);
}

#[test]
fn minimal_windows_pod_has_no_lints() {
    let pod = json!({
        "metadata": {"name": "win"},
        "spec": {
            "os": {"name": "windows"},
            "securityContext": {"runAsNonRoot": true},
            "containers": [{"name": "iis", "image": "mcr.example/iis"}]
        }
    });
    assert_eq!(run(&pod), vec![]);
}

#[test]
fn malformed_raw_nodes_do_not_panic() {
    for raw in [
        json!({"spec": {"securityContext": "oops", "containers": 5}}),
        json!({"spec": {"containers": [7, {"securityContext": [1]}]}}),
        json!([]),
        json!(null),
    ] {
        let node = to_node(&raw, &mut 0);
        assert_eq!(
            lint(&node, &ObjectMeta::default(), &PodSpec::default()),
            vec![]
        );
    }
}

mod placement {
    use super::*;

    #[test]
    fn kw101_container_field_at_pod_level() {
        let pod = with(hardened(), "/spec/securityContext/privileged", json!(false));
        let pod = with(
            pod,
            "/spec/securityContext/capabilities",
            json!({"drop": ["ALL"]}),
        );
        assert_eq!(
            only(&pod, "KW101"),
            vec![
                finding(
                    "KW101",
                    Severity::High,
                    "spec.securityContext.capabilities",
                    "`capabilities` is a container field, not a pod field: the API server \
                     drops spec.securityContext.capabilities as unknown, so it has no effect; \
                     set securityContext.capabilities on each container instead",
                ),
                finding(
                    "KW101",
                    Severity::High,
                    "spec.securityContext.privileged",
                    "`privileged` is a container field, not a pod field: the API server drops \
                     spec.securityContext.privileged as unknown, so it has no effect; set \
                     securityContext.privileged on each container instead",
                ),
            ]
        );
    }

    #[test]
    fn kw101_passes_container_fields_in_containers() {
        let pod = with(
            hardened(),
            "/spec/containers/0/securityContext/privileged",
            json!(false),
        );
        assert_eq!(only(&pod, "KW101"), vec![]);
    }

    #[test]
    fn kw102_pod_field_in_a_container() {
        let pod = with(
            hardened(),
            "/spec/initContainers/0/securityContext/fsGroup",
            json!(2000),
        );
        assert_eq!(
            only(&pod, "KW102"),
            vec![finding(
                "KW102",
                Severity::High,
                "spec.initContainers[0].securityContext.fsGroup",
                "`fsGroup` is a pod field, not a container field: the API server drops it \
                 from container \"init\" as unknown, so it has no effect; set \
                 spec.securityContext.fsGroup instead",
            )]
        );
    }

    #[test]
    fn kw102_passes_pod_fields_at_pod_level() {
        let pod = with(
            hardened(),
            "/spec/securityContext/sysctls",
            json!([{"name": "net.ipv4.tcp_syncookies", "value": "1"}]),
        );
        assert_eq!(only(&pod, "KW102"), vec![]);
    }

    #[test]
    fn kw103_spec_fields_in_a_security_context() {
        let pod = with(hardened(), "/spec/securityContext/hostNetwork", json!(true));
        let pod = with(
            pod,
            "/spec/containers/0/securityContext/runtimeClassName",
            json!("gvisor"),
        );
        assert_eq!(
            only(&pod, "KW103"),
            vec![
                finding(
                    "KW103",
                    Severity::High,
                    "spec.securityContext.hostNetwork",
                    "`hostNetwork` belongs directly under spec (spec.hostNetwork), not in a \
                     securityContext: the API server drops spec.securityContext.hostNetwork \
                     as unknown, so it has no effect; move it to spec.hostNetwork",
                ),
                finding(
                    "KW103",
                    Severity::High,
                    "spec.containers[0].securityContext.runtimeClassName",
                    "`runtimeClassName` belongs directly under spec (spec.runtimeClassName), \
                     not in a securityContext: the API server drops \
                     spec.containers[0].securityContext.runtimeClassName as unknown, so it \
                     has no effect; move it to spec.runtimeClassName",
                ),
            ]
        );
    }

    #[test]
    fn kw103_passes_spec_fields_under_spec() {
        let pod = with(hardened(), "/spec/hostNetwork", json!(false));
        let pod = with(pod, "/spec/runtimeClassName", json!("gvisor"));
        assert_eq!(only(&pod, "KW103"), vec![]);
    }
}

mod escalation {
    use super::*;

    #[test]
    fn kw111_privileged_and_cap_sys_admin_with_escalation_off() {
        let pod = with(
            hardened(),
            "/spec/containers/0/securityContext/privileged",
            json!(true),
        );
        let pod = with(
            pod,
            "/spec/containers/0/securityContext/capabilities/add",
            json!(["NET_BIND_SERVICE", "CAP_SYS_ADMIN"]),
        );
        assert_eq!(
            only(&pod, "KW111"),
            vec![
                finding(
                    "KW111",
                    Severity::High,
                    "spec.containers[0].securityContext.privileged",
                    "container \"app\" sets allowPrivilegeEscalation: false and privileged: \
                     true; the API server rejects this (\"cannot set \
                     `allowPrivilegeEscalation` to false and `privileged` to true\") because \
                     a privileged container can always escalate; remove privileged: true",
                ),
                finding(
                    "KW111",
                    Severity::High,
                    "spec.containers[0].securityContext.capabilities.add[1]",
                    "container \"app\" sets allowPrivilegeEscalation: false and adds \
                     CAP_SYS_ADMIN; the API server rejects this (\"cannot set \
                     `allowPrivilegeEscalation` to false and `capabilities.Add` \
                     CAP_SYS_ADMIN\"); remove the capability",
                ),
            ]
        );
    }

    #[test]
    fn kw111_passes_when_escalation_is_not_claimed_off() {
        let pod = with(
            hardened(),
            "/spec/containers/0/securityContext/privileged",
            json!(true),
        );
        let pod = with(
            pod,
            "/spec/containers/0/securityContext/allowPrivilegeEscalation",
            json!(true),
        );
        assert_eq!(only(&pod, "KW111"), vec![]);
        // Plain SYS_ADMIN passes validation: it is KW112's, not KW111's.
        let pod = with(
            hardened(),
            "/spec/containers/0/securityContext/capabilities/add",
            json!(["SYS_ADMIN"]),
        );
        assert_eq!(only(&pod, "KW111"), vec![]);
    }

    #[test]
    fn kw112_sys_admin_spellings_the_api_server_accepts() {
        let pod = with(
            hardened(),
            "/spec/initContainers/0/securityContext/capabilities/add",
            json!(["SYS_ADMIN", "CAP_SYS_ADMIN"]),
        );
        assert_eq!(
            only(&pod, "KW112"),
            vec![finding(
                "KW112",
                Severity::Medium,
                "spec.initContainers[0].securityContext.capabilities.add[0]",
                "container \"init\" sets allowPrivilegeEscalation: false but adds SYS_ADMIN; \
                 the API server accepts this, yet a process holding CAP_SYS_ADMIN can gain \
                 privileges anyway (Kubernetes treats allowPrivilegeEscalation as always \
                 true with it), so the setting gives no protection; remove SYS_ADMIN",
            )]
        );
    }

    #[test]
    fn kw112_passes_without_the_false_claim() {
        let pod = with(
            hardened(),
            "/spec/initContainers/0/securityContext",
            json!({"capabilities": {"add": ["SYS_ADMIN"]}}),
        );
        assert_eq!(only(&pod, "KW112"), vec![]);
    }
}

mod effective {
    use super::*;

    #[test]
    fn kw113_container_overrides_pod_values() {
        let pod = with(
            hardened(),
            "/spec/containers/0/securityContext/runAsUser",
            json!(10002),
        );
        let pod = with(
            pod,
            "/spec/containers/0/securityContext/seccompProfile",
            json!({"type": "Unconfined"}),
        );
        assert_eq!(
            only(&pod, "KW113"),
            vec![
                finding(
                    "KW113",
                    Severity::Info,
                    "spec.containers[0].securityContext.runAsUser",
                    "container \"app\" sets runAsUser: 10002, so the pod-level runAsUser: \
                     10001 does not apply to it; drop one of them if they are not meant to \
                     differ",
                ),
                finding(
                    "KW113",
                    Severity::Info,
                    "spec.containers[0].securityContext.seccompProfile",
                    "container \"app\" sets its own seccompProfile, which replaces the \
                     pod-level seccompProfile as a whole (fields are not merged), so no part \
                     of the pod-level value applies to it; repeat every field it needs in the \
                     container's seccompProfile",
                ),
            ]
        );
    }

    #[test]
    fn kw113_passes_equal_values() {
        let pod = with(
            hardened(),
            "/spec/containers/0/securityContext/runAsUser",
            json!(10001),
        );
        let pod = with(
            pod,
            "/spec/containers/0/securityContext/seccompProfile",
            json!({"type": "RuntimeDefault"}),
        );
        assert_eq!(only(&pod, "KW113"), vec![]);
    }

    #[test]
    fn kw114_non_root_with_root_uid_in_a_container() {
        let pod = with(
            hardened(),
            "/spec/containers/0/securityContext/runAsUser",
            json!(0),
        );
        assert_eq!(
            only(&pod, "KW114"),
            vec![finding(
                "KW114",
                Severity::High,
                "spec.containers[0].securityContext.runAsUser",
                "container \"app\" has runAsNonRoot: true and runAsUser: 0; the kubelet \
                 refuses to start it (\"container's runAsUser breaks non-root policy\"); set \
                 a non-zero runAsUser",
            )]
        );
    }

    #[test]
    fn kw114_root_uid_inherited_from_the_pod() {
        let pod = with(hardened(), "/spec/securityContext/runAsUser", json!(0));
        let pod = with(
            pod,
            "/spec/initContainers/0/securityContext/runAsUser",
            json!(1000),
        );
        assert_eq!(
            only(&pod, "KW114"),
            vec![finding(
                "KW114",
                Severity::High,
                "spec.securityContext.runAsUser",
                "container \"app\" has runAsNonRoot: true and runAsUser: 0 (from the pod \
                 securityContext); the kubelet refuses to start it (\"container's runAsUser \
                 breaks non-root policy\"); set a non-zero runAsUser",
            )]
        );
    }

    #[test]
    fn kw114_passes_root_without_the_non_root_claim() {
        let pod = with(
            hardened(),
            "/spec/securityContext/runAsNonRoot",
            json!(false),
        );
        let pod = with(pod, "/spec/securityContext/runAsUser", json!(0));
        assert_eq!(only(&pod, "KW114"), vec![]);
    }
}

mod profiles {
    use super::*;

    #[test]
    fn kw121_localhost_without_or_with_a_bad_profile() {
        let pod = with(
            hardened(),
            "/spec/securityContext/seccompProfile",
            json!({"type": "Localhost"}),
        );
        let pod = with(
            pod,
            "/spec/containers/0/securityContext/seccompProfile",
            json!({"type": "Localhost", "localhostProfile": "../etc/profile.json"}),
        );
        assert_eq!(
            only(&pod, "KW121"),
            vec![
                finding(
                    "KW121",
                    Severity::High,
                    "spec.securityContext.seccompProfile.localhostProfile",
                    "seccompProfile type Localhost needs localhostProfile, a path relative to \
                     the kubelet's seccomp directory; it is missing; the API server rejects a \
                     Localhost profile without it; set it (e.g. profiles/app.json) or use \
                     type: RuntimeDefault",
                ),
                finding(
                    "KW121",
                    Severity::High,
                    "spec.containers[0].securityContext.seccompProfile.localhostProfile",
                    "seccompProfile type Localhost needs localhostProfile, a path relative to \
                     the kubelet's seccomp directory; it contains `..`; the API server rejects \
                     it, since it must stay inside the kubelet's seccomp directory; set it \
                     (e.g. profiles/app.json) or use type: RuntimeDefault",
                ),
            ]
        );
    }

    #[test]
    fn kw121_passes_a_relative_profile() {
        let pod = with(
            hardened(),
            "/spec/securityContext/seccompProfile",
            json!({"type": "Localhost", "localhostProfile": "profiles/audit.json"}),
        );
        assert_eq!(only(&pod, "KW121"), vec![]);
    }

    #[test]
    fn kw122_localhost_profile_location() {
        let pod = with(
            hardened(),
            "/spec/securityContext/seccompProfile",
            json!({"type": "Localhost", "localhostProfile": "profiles/audit.json"}),
        );
        assert_eq!(
            only(&pod, "KW122"),
            vec![finding(
                "KW122",
                Severity::Info,
                "spec.securityContext.seccompProfile.localhostProfile",
                "the seccomp profile is read on the node from <kubelet root-dir, default \
                 /var/lib/kubelet>/seccomp/profiles/audit.json; it must exist on every node \
                 the pod can land on, or the container fails to start",
            )]
        );
    }

    #[test]
    fn kw122_passes_runtime_default() {
        assert_eq!(only(&hardened(), "KW122"), vec![]);
    }

    #[test]
    fn kw123_localhost_profile_with_another_type() {
        let pod = with(
            hardened(),
            "/spec/containers/0/securityContext/appArmorProfile",
            json!({"type": "RuntimeDefault", "localhostProfile": "k8s-nginx"}),
        );
        let pod = with(
            pod,
            "/spec/securityContext/seccompProfile/localhostProfile",
            json!("profiles/a.json"),
        );
        assert_eq!(
            only(&pod, "KW123"),
            vec![
                finding(
                    "KW123",
                    Severity::High,
                    "spec.securityContext.seccompProfile.localhostProfile",
                    "seccompProfile.localhostProfile is only allowed with type: Localhost, \
                     and the API server rejects it with type: RuntimeDefault; remove it, or \
                     set type: Localhost if that profile is the one meant",
                ),
                finding(
                    "KW123",
                    Severity::High,
                    "spec.containers[0].securityContext.appArmorProfile.localhostProfile",
                    "appArmorProfile.localhostProfile is only allowed with type: Localhost, \
                     and the API server rejects it with type: RuntimeDefault; remove it, or \
                     set type: Localhost if that profile is the one meant",
                ),
            ]
        );
    }

    #[test]
    fn kw123_passes_localhost_with_profile() {
        let pod = with(
            hardened(),
            "/spec/containers/0/securityContext/appArmorProfile",
            json!({"type": "Localhost", "localhostProfile": "k8s-nginx"}),
        );
        assert_eq!(only(&pod, "KW123"), vec![]);
    }

    #[test]
    fn kw124_apparmor_localhost_without_profile() {
        let pod = with(
            hardened(),
            "/spec/initContainers/0/securityContext/appArmorProfile",
            json!({"type": "Localhost", "localhostProfile": ""}),
        );
        assert_eq!(
            only(&pod, "KW124"),
            vec![finding(
                "KW124",
                Severity::High,
                "spec.initContainers[0].securityContext.appArmorProfile.localhostProfile",
                "appArmorProfile type Localhost needs localhostProfile, the name of a profile \
                 loaded on the node, and the API server rejects it without one; set it or use \
                 type: RuntimeDefault",
            )]
        );
    }

    #[test]
    fn kw124_passes_named_profile() {
        let pod = with(
            hardened(),
            "/spec/securityContext/appArmorProfile",
            json!({"type": "Localhost", "localhostProfile": "k8s-nginx"}),
        );
        assert_eq!(only(&pod, "KW124"), vec![]);
    }
}

mod annotations {
    use super::*;

    #[test]
    fn kw125_legacy_seccomp_annotations() {
        let pod = with(
            hardened(),
            "/metadata/annotations",
            json!({
                "seccomp.security.alpha.kubernetes.io/pod": "runtime/default",
                "container.seccomp.security.alpha.kubernetes.io/app": "localhost/prof.json"
            }),
        );
        assert_eq!(
            only(&pod, "KW125"),
            vec![
                finding(
                    "KW125",
                    Severity::Medium,
                    "metadata.annotations[container.seccomp.security.alpha.kubernetes.io/app]",
                    "the container.seccomp.security.alpha.kubernetes.io/app annotation has \
                     been ignored since Kubernetes 1.27 (kubelets stopped reading it in 1.25), \
                     so it sets no seccomp profile; set \
                     spec.containers[0].securityContext.seccompProfile type: Localhost with \
                     localhostProfile: prof.json instead",
                ),
                finding(
                    "KW125",
                    Severity::Medium,
                    "metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]",
                    "the seccomp.security.alpha.kubernetes.io/pod annotation has been ignored \
                     since Kubernetes 1.27 (kubelets stopped reading it in 1.25), so it sets \
                     no seccomp profile; set spec.securityContext.seccompProfile type: \
                     RuntimeDefault instead",
                ),
            ]
        );
    }

    #[test]
    fn kw125_passes_other_annotations() {
        let pod = with(
            hardened(),
            "/metadata/annotations",
            json!({"seccomp.example.com/profile": "runtime/default"}),
        );
        assert_eq!(only(&pod, "KW125"), vec![]);
    }

    #[test]
    fn kw126_apparmor_annotation() {
        let pod = with(
            hardened(),
            "/metadata/annotations",
            json!({"container.apparmor.security.beta.kubernetes.io/sidecar": "unconfined"}),
        );
        assert_eq!(
            only(&pod, "KW126"),
            vec![finding(
                "KW126",
                Severity::Medium,
                "metadata.annotations[container.apparmor.security.beta.kubernetes.io/sidecar]",
                "the container.apparmor.security.beta.kubernetes.io/sidecar annotation is \
                 deprecated since Kubernetes 1.30, when the appArmorProfile fields went GA; \
                 set the securityContext.appArmorProfile of a container named \"sidecar\" \
                 (none exists) type: Unconfined instead",
            )]
        );
    }

    #[test]
    fn kw126_passes_the_field() {
        let pod = with(
            hardened(),
            "/spec/securityContext/appArmorProfile",
            json!({"type": "RuntimeDefault"}),
        );
        assert_eq!(only(&pod, "KW126"), vec![]);
    }
}

mod hardening {
    use super::*;

    #[test]
    fn kw131_writable_root_filesystem() {
        let pod = with(
            hardened(),
            "/spec/containers/0/securityContext/readOnlyRootFilesystem",
            json!(false),
        );
        assert_eq!(
            only(&pod, "KW131"),
            vec![finding(
                "KW131",
                Severity::Medium,
                "spec.containers[0].securityContext.readOnlyRootFilesystem",
                "container \"app\" can write to its root filesystem, so an attacker can drop \
                 tools or alter binaries in it; set readOnlyRootFilesystem: true and mount an \
                 emptyDir where it must write",
            )]
        );
    }

    #[test]
    fn kw131_passes_read_only_and_windows() {
        assert_eq!(only(&hardened(), "KW131"), vec![]);
        let pod = json!({
            "metadata": {},
            "spec": {"os": {"name": "windows"}, "containers": [{"name": "w", "image": "w"}]}
        });
        assert_eq!(only(&pod, "KW131"), vec![]);
    }

    #[test]
    fn kw132_capabilities_not_dropped() {
        let pod = with(
            hardened(),
            "/spec/initContainers/0/securityContext/capabilities",
            json!({"drop": ["NET_RAW"]}),
        );
        assert_eq!(
            only(&pod, "KW132"),
            vec![finding(
                "KW132",
                Severity::Medium,
                "spec.initContainers[0].securityContext.capabilities.drop",
                "container \"init\" keeps the runtime's default capabilities (such as NET_RAW \
                 and CHOWN); set capabilities.drop: [\"ALL\"] and add back only what it needs",
            )]
        );
    }

    #[test]
    fn kw132_passes_any_spelling_of_all_and_privileged() {
        let pod = with(
            hardened(),
            "/spec/initContainers/0/securityContext/capabilities/drop",
            json!(["all"]),
        );
        assert_eq!(only(&pod, "KW132"), vec![]);
        let pod = with(
            hardened(),
            "/spec/initContainers/0/securityContext",
            json!({"privileged": true, "readOnlyRootFilesystem": true}),
        );
        assert_eq!(only(&pod, "KW132"), vec![]);
    }

    #[test]
    fn kw133_non_canonical_capability_names() {
        let pod = with(
            hardened(),
            "/spec/containers/0/securityContext/capabilities",
            json!({"add": ["NET_BIND_SERVICE", "CAP_NET_ADMIN"], "drop": ["all", "cap_net_raw"]}),
        );
        assert_eq!(
            only(&pod, "KW133"),
            vec![
                finding(
                    "KW133",
                    Severity::Medium,
                    "spec.containers[0].securityContext.capabilities.add[1]",
                    "capability \"CAP_NET_ADMIN\" in capabilities.add of container \"app\" \
                     is not spelt the Kubernetes way; Pod Security Admission compares names \
                     exactly, so it never matches the baseline allowlist, even for a \
                     capability on it; write \"NET_ADMIN\"",
                ),
                finding(
                    "KW133",
                    Severity::Medium,
                    "spec.containers[0].securityContext.capabilities.drop[0]",
                    "capability \"all\" in capabilities.drop of container \"app\" is not \
                     spelt the Kubernetes way; Pod Security Admission compares names exactly, \
                     so it does not count as dropping \"ALL\" for the restricted level; write \
                     \"ALL\"",
                ),
                finding(
                    "KW133",
                    Severity::Medium,
                    "spec.containers[0].securityContext.capabilities.drop[1]",
                    "capability \"cap_net_raw\" in capabilities.drop of container \"app\" is \
                     not spelt the Kubernetes way; Pod Security Admission compares names \
                     exactly, and whether the container runtime recognises it depends on the \
                     runtime; write \"NET_RAW\"",
                ),
            ]
        );
    }

    #[test]
    fn kw133_passes_canonical_names() {
        let pod = with(
            hardened(),
            "/spec/containers/0/securityContext/capabilities/add",
            json!(["NET_ADMIN", "SYS_TIME"]),
        );
        assert_eq!(only(&pod, "KW133"), vec![]);
    }
}

mod volumes {
    use super::*;

    #[test]
    fn kw141_read_only_false_on_a_secret_volume() {
        let pod = with(
            hardened(),
            "/spec/containers/0/volumeMounts/0/readOnly",
            json!(false),
        );
        assert_eq!(
            only(&pod, "KW141"),
            vec![finding(
                "KW141",
                Severity::Medium,
                "spec.containers[0].volumeMounts[0].readOnly",
                "container \"app\" mounts secret volume \"tls\" with readOnly: false, but the \
                 kubelet always mounts secret volumes read-only, so writes fail; set \
                 readOnly: true, and copy the files to an emptyDir if the container must \
                 change them",
            )]
        );
    }

    #[test]
    fn kw141_passes_unset_or_true_and_other_volume_kinds() {
        let pod = with(
            hardened(),
            "/spec/containers/0/volumeMounts/0/readOnly",
            json!(true),
        );
        let pod = with(
            pod,
            "/spec/containers/0/volumeMounts/1/readOnly",
            json!(false),
        );
        assert_eq!(only(&pod, "KW141"), vec![]);
    }

    fn host_mount(path: &str, sub_path: Option<&str>, read_only: Option<bool>) -> J {
        let mut mount = json!({"name": "host", "mountPath": "/host"});
        if let Some(s) = sub_path {
            mount["subPath"] = json!(s);
        }
        if let Some(r) = read_only {
            mount["readOnly"] = json!(r);
        }
        let pod = with(
            hardened(),
            "/spec/volumes/3",
            json!({"name": "host", "hostPath": {"path": path}}),
        );
        with(pod, "/spec/containers/0/volumeMounts/3", mount)
    }

    #[test]
    fn kw142_writable_node_system_path() {
        let pod = host_mount("/var", Some("run/docker.sock"), None);
        assert_eq!(
            only(&pod, "KW142"),
            vec![finding(
                "KW142",
                Severity::High,
                "spec.containers[0].volumeMounts[3].readOnly",
                "container \"app\" can write to /var/run/docker.sock on the node, which is \
                 enough to take over the node (system files, kernel interfaces, or the kubelet \
                 and container runtime); mount it with readOnly: true, or mount a narrower path",
            )]
        );
        assert_eq!(only(&pod, "KW143"), vec![]);
    }

    #[test]
    fn kw142_passes_read_only() {
        let pod = host_mount("/etc", None, Some(true));
        assert_eq!(only(&pod, "KW142"), vec![]);
    }

    #[test]
    fn kw143_writable_host_path() {
        let pod = host_mount("/srv/cache/", None, Some(false));
        assert_eq!(
            only(&pod, "KW143"),
            vec![finding(
                "KW143",
                Severity::Medium,
                "spec.containers[0].volumeMounts[3].readOnly",
                "container \"app\" can write to /srv/cache on the node; what it writes \
                 outlives the pod and is visible to other pods and node processes using that \
                 path; mount it with readOnly: true if it only reads",
            )]
        );
        assert_eq!(only(&pod, "KW142"), vec![]);
    }

    #[test]
    fn kw143_passes_read_only() {
        let pod = host_mount("/srv/cache", None, Some(true));
        assert_eq!(only(&pod, "KW143"), vec![]);
    }
}

mod pod {
    use super::*;

    #[test]
    fn kw151_node_name() {
        let pod = with(hardened(), "/spec/nodeName", json!("worker-3"));
        assert_eq!(
            only(&pod, "KW151"),
            vec![finding(
                "KW151",
                Severity::Info,
                "spec.nodeName",
                "nodeName binds the pod to node \"worker-3\" without the scheduler, so no \
                 scheduling-time control applies (taints, node affinity, resource fit, \
                 scheduler plugins and policies); use a nodeSelector or node affinity unless \
                 bypassing the scheduler is the point",
            )]
        );
    }

    #[test]
    fn kw151_passes_node_selector() {
        let pod = with(
            hardened(),
            "/spec/nodeSelector",
            json!({"kubernetes.io/hostname": "worker-3"}),
        );
        assert_eq!(only(&pod, "KW151"), vec![]);
    }

    fn rejected(path: &str, field: &str, os: &str) -> Lint {
        finding(
            "KW152",
            Severity::High,
            path,
            &format!(
                "{field} cannot be set for a pod with spec.os.name: {os}, and the API server \
                 rejects the pod; remove it, or fix spec.os.name if the pod is not meant for \
                 {os}"
            ),
        )
    }

    #[test]
    fn kw152_linux_fields_on_a_windows_pod() {
        let pod = with(hardened(), "/spec/os", json!({"name": "windows"}));
        let pod = with(pod, "/spec/hostPID", json!(true));
        let pod = with(pod, "/spec/hostIPC", json!(false));
        assert_eq!(
            only(&pod, "KW152"),
            vec![
                rejected("spec.hostPID", "hostPID", "windows"),
                rejected(
                    "spec.securityContext.seccompProfile",
                    "seccompProfile",
                    "windows"
                ),
                rejected("spec.securityContext.fsGroup", "fsGroup", "windows"),
                rejected("spec.securityContext.runAsUser", "runAsUser", "windows"),
                rejected("spec.securityContext.runAsGroup", "runAsGroup", "windows"),
                rejected(
                    "spec.initContainers[0].securityContext.capabilities",
                    "capabilities",
                    "windows"
                ),
                rejected(
                    "spec.initContainers[0].securityContext.readOnlyRootFilesystem",
                    "readOnlyRootFilesystem",
                    "windows"
                ),
                rejected(
                    "spec.initContainers[0].securityContext.allowPrivilegeEscalation",
                    "allowPrivilegeEscalation",
                    "windows"
                ),
                rejected(
                    "spec.containers[0].securityContext.capabilities",
                    "capabilities",
                    "windows"
                ),
                rejected(
                    "spec.containers[0].securityContext.readOnlyRootFilesystem",
                    "readOnlyRootFilesystem",
                    "windows"
                ),
                rejected(
                    "spec.containers[0].securityContext.allowPrivilegeEscalation",
                    "allowPrivilegeEscalation",
                    "windows"
                ),
            ]
        );
    }

    #[test]
    fn kw152_windows_options_on_a_linux_pod() {
        let pod = with(hardened(), "/spec/os", json!({"name": "linux"}));
        let pod = with(
            pod,
            "/spec/containers/0/securityContext/windowsOptions",
            json!({"runAsUserName": "ContainerUser"}),
        );
        assert_eq!(
            only(&pod, "KW152"),
            vec![rejected(
                "spec.containers[0].securityContext.windowsOptions",
                "windowsOptions",
                "linux"
            )]
        );
    }

    #[test]
    fn kw152_passes_matching_fields() {
        let pod = with(hardened(), "/spec/os", json!({"name": "linux"}));
        assert_eq!(only(&pod, "KW152"), vec![]);
        let pod = json!({
            "metadata": {},
            "spec": {
                "os": {"name": "windows"},
                "securityContext": {
                    "runAsNonRoot": true,
                    "windowsOptions": {"runAsUserName": "ContainerUser"}
                },
                "containers": [{"name": "w", "image": "w"}]
            }
        });
        assert_eq!(only(&pod, "KW152"), vec![]);
    }
}

#[test]
fn findings_follow_rule_order_and_container_order() {
    let pod = with(hardened(), "/spec/securityContext/privileged", json!(true));
    let pod = with(
        pod,
        "/spec/initContainers/0/securityContext/readOnlyRootFilesystem",
        json!(false),
    );
    let pod = with(
        pod,
        "/spec/containers/0/securityContext/readOnlyRootFilesystem",
        json!(false),
    );
    let pod = with(
        pod,
        "/spec/ephemeralContainers",
        json!([{"name": "debug", "image": "busybox", "securityContext": hardened_sc()}]),
    );
    let pod = with(
        pod,
        "/spec/ephemeralContainers/0/securityContext/readOnlyRootFilesystem",
        json!(false),
    );
    let got: Vec<(&str, String)> = run(&pod).iter().map(|l| (l.id, l.path.clone())).collect();
    assert_eq!(
        got,
        vec![
            ("KW101", "spec.securityContext.privileged".to_string()),
            (
                "KW131",
                "spec.initContainers[0].securityContext.readOnlyRootFilesystem".to_string()
            ),
            (
                "KW131",
                "spec.containers[0].securityContext.readOnlyRootFilesystem".to_string()
            ),
            (
                "KW131",
                "spec.ephemeralContainers[0].securityContext.readOnlyRootFilesystem".to_string()
            ),
        ]
    );
}

#[test]
fn paths_of_written_fields_resolve_in_the_raw_node() {
    let pod = with(
        hardened(),
        "/spec/securityContext/procMount",
        json!("Default"),
    );
    let pod = with(
        pod,
        "/metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod",
        json!("runtime/default"),
    );
    let pod = with(
        pod,
        "/spec/containers/0/securityContext/capabilities/add/1",
        json!("CAP_SYS_ADMIN"),
    );
    let pod = with(
        pod,
        "/spec/containers/0/volumeMounts/2/readOnly",
        json!(false),
    );
    let node = to_node(&pod, &mut 0);
    let lints = run(&pod);
    let ids: Vec<&str> = lints.iter().map(|l| l.id).collect();
    assert_eq!(ids, ["KW101", "KW111", "KW125", "KW133", "KW143"]);
    for l in &lints {
        assert!(node.locate(&l.path).exact, "{} does not resolve", l.path);
    }
}
