//! Seccomp `*`, AppArmor allow-list rejections, and the host PID/IPC namespaces: what
//! each admits, refuses (exact API server text) and defaults.

use std::sync::Arc;

use kubeward_manifest::{Limits, Resource, parse_documents, pod_template};
use kubeward_podsecurity::psp::{
    AllowAll, Decision, Operation, Pod, Policy, Request, admit, load_policies,
};

const SECCOMP_ALLOWED: &str = "seccomp.security.alpha.kubernetes.io/allowedProfileNames";
const SECCOMP_DEFAULT: &str = "seccomp.security.alpha.kubernetes.io/defaultProfileName";
const APPARMOR_ALLOWED: &str = "apparmor.security.beta.kubernetes.io/allowedProfileNames";

fn resources(text: &str) -> Vec<Resource> {
    let file: Arc<str> = Arc::from("t.yaml");
    parse_documents(&file, text, &Limits::default())
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("fixture parses")
}

/// A permissive policy with `annotations` (YAML flow entries) and extra `spec` lines.
fn policy(annotations: &str, spec: &str) -> Vec<Policy> {
    let text = format!(
        "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata:\n  name: p\n  annotations: {{{annotations}}}\nspec:\n  seLinux: {{rule: RunAsAny}}\n  runAsUser: {{rule: RunAsAny}}\n  supplementalGroups: {{rule: RunAsAny}}\n  fsGroup: {{rule: RunAsAny}}\n  volumes: ['*']\n{spec}\n"
    );
    let (p, problems) = load_policies(&resources(&text));
    assert!(problems.is_empty(), "{problems:?}");
    p
}

/// A pod named `web` with one container `c`: `annotations` as YAML flow entries,
/// `spec` extra lines, `sc` the container's securityContext.
fn pod(annotations: &str, spec: &str, sc: &str) -> Pod {
    let text = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  annotations: {{{annotations}}}\nspec:\n  containers: [{{name: c, image: i, securityContext: {{{sc}}}}}]\n{spec}\n"
    );
    let res = resources(&text);
    let t = pod_template(&res[0])
        .expect("a pod")
        .expect("a valid template");
    Pod {
        metadata: t.metadata,
        spec: t.spec,
    }
}

fn decide(policies: &[Policy], pod: &Pod) -> Decision {
    let req = Request {
        pod,
        name: "web",
        namespace: "dev",
        operation: Operation::Create,
        user: None,
    };
    admit(policies, &req, &AllowAll)
}

fn errors(d: &Decision) -> Vec<String> {
    d.errors.iter().map(|e| e.error.to_string()).collect()
}

fn annotation<'a>(d: &'a Decision, key: &str) -> Option<&'a str> {
    d.pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(key))
        .map(String::as_str)
}

#[test]
fn seccomp_star_allows_every_profile_and_unset() {
    let star = policy(&format!("{SECCOMP_ALLOWED}: '*'"), "");
    for (annotations, sc) in [
        ("", ""),
        ("", "seccompProfile: {type: Unconfined}"),
        (
            "",
            "seccompProfile: {type: Localhost, localhostProfile: profiles/a.json}",
        ),
        ("seccomp.security.alpha.kubernetes.io/pod: unconfined", ""),
        (
            "container.seccomp.security.alpha.kubernetes.io/c: 'localhost/b.json'",
            "",
        ),
    ] {
        let d = decide(&star, &pod(annotations, "", sc));
        assert!(d.allowed, "{annotations} {sc}: {:?}", errors(&d));
        // `*` allows, it does not default.
        assert!(!d.mutated, "{annotations} {sc}");
    }
    // `*` among other entries still allows anything.
    let mixed = policy(&format!("{SECCOMP_ALLOWED}: 'runtime/default,*'"), "");
    let d = decide(&mixed, &pod("", "", "seccompProfile: {type: Unconfined}"));
    assert!(d.allowed, "{:?}", errors(&d));
}

#[test]
fn seccomp_star_with_a_default_sets_the_pod_annotation() {
    let p = policy(
        &format!("{SECCOMP_ALLOWED}: '*', {SECCOMP_DEFAULT}: 'runtime/default'"),
        "",
    );
    let d = decide(&p, &pod("", "", ""));
    assert!(d.allowed && d.mutated, "{:?}", errors(&d));
    assert_eq!(
        annotation(&d, "seccomp.security.alpha.kubernetes.io/pod"),
        Some("runtime/default")
    );
    // A pod that chose its own profile keeps it.
    let d = decide(
        &p,
        &pod(
            "seccomp.security.alpha.kubernetes.io/pod: unconfined",
            "",
            "",
        ),
    );
    assert!(d.allowed && !d.mutated, "{:?}", errors(&d));
    assert_eq!(
        annotation(&d, "seccomp.security.alpha.kubernetes.io/pod"),
        Some("unconfined")
    );
}

#[test]
fn apparmor_profile_outside_the_list_is_refused_with_the_api_text() {
    let p = policy(
        &format!("{APPARMOR_ALLOWED}: 'runtime/default,localhost/k8s-nginx'"),
        "",
    );
    let d = decide(
        &p,
        &pod(
            "container.apparmor.security.beta.kubernetes.io/c: unconfined",
            "",
            "",
        ),
    );
    assert!(!d.allowed);
    assert_eq!(
        errors(&d),
        [
            "pod.metadata.annotations[container.apparmor.security.beta.kubernetes.io/c]: Forbidden: unconfined is not an allowed profile. Allowed values: \"runtime/default,localhost/k8s-nginx\""
        ]
    );
    assert_eq!(
        d.message.as_deref(),
        Some(
            "pods \"web\" is forbidden: PodSecurityPolicy: unable to admit pod: [pod.metadata.annotations[container.apparmor.security.beta.kubernetes.io/c]: Forbidden: unconfined is not an allowed profile. Allowed values: \"runtime/default,localhost/k8s-nginx\"]"
        )
    );
    // A listed profile passes unchanged.
    let d = decide(
        &p,
        &pod(
            "container.apparmor.security.beta.kubernetes.io/c: 'localhost/k8s-nginx'",
            "",
            "",
        ),
    );
    assert!(d.allowed && !d.mutated, "{:?}", errors(&d));
}

#[test]
fn host_pid_and_ipc_are_refused_unless_allowed() {
    let none = policy("", "");
    let d = decide(&none, &pod("", "  hostPID: true\n  hostIPC: true", ""));
    assert_eq!(
        errors(&d),
        [
            "spec.securityContext.hostPID: Invalid value: true: Host PID is not allowed to be used",
            "spec.securityContext.hostIPC: Invalid value: true: Host IPC is not allowed to be used"
        ]
    );
    let only_pid = policy("", "  hostPID: true");
    let d = decide(&only_pid, &pod("", "  hostPID: true\n  hostIPC: true", ""));
    assert_eq!(
        errors(&d),
        ["spec.securityContext.hostIPC: Invalid value: true: Host IPC is not allowed to be used"]
    );
    let both = policy("", "  hostPID: true\n  hostIPC: true");
    let d = decide(&both, &pod("", "  hostPID: true\n  hostIPC: true", ""));
    assert!(d.allowed && !d.mutated, "{:?}", errors(&d));
}

#[test]
fn host_pid_and_ipc_default_to_off_and_are_never_injected() {
    // The policy omits both fields: they default to false, and a pod that does not ask
    // (or says false) passes unchanged.
    let none = policy("", "");
    for spec in ["", "  hostPID: false\n  hostIPC: false"] {
        let d = decide(&none, &pod("", spec, ""));
        assert!(d.allowed && !d.mutated, "{spec}: {:?}", errors(&d));
    }
    // Allowing them is not defaulting them: the stored pod does not share the host's.
    let both = policy("", "  hostPID: true\n  hostIPC: true");
    let d = decide(&both, &pod("", "", ""));
    assert!(d.allowed && !d.mutated);
    assert_ne!(d.pod.spec.host_pid, Some(true));
    assert_ne!(d.pod.spec.host_ipc, Some(true));
}
