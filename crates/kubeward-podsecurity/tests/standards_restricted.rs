//! Restricted checks: passing and failing pods at each version boundary (check
//! introduction, the v1.25 Windows exemptions, the v1.35 hostUsers relaxations and
//! the overrides of baseline checks), with exact reasons, details and paths.

#[path = "fixtures/pss/common.rs"]
mod common;

use common::*;
use kubeward_testkit::json::unset;
use serde_json::{Value, json};

fn windows(minor: u32) -> Value {
    let mut p = base(minor);
    set(&mut p, "/spec/os", json!({ "name": "windows" }));
    p
}

#[test]
fn minimal_pods_pass_at_their_versions() {
    passes("restricted", "v1.0", &base(0));
    passes("restricted", "v1.8", &base(8));
    passes("restricted", "v1.19", &base(19));
    passes("restricted", "v1.22", &base(22));
    passes("restricted", "latest", &base(37));
    // A v1.25+ Windows pod needs only runAsNonRoot.
    let win = pod(json!({
        "os": { "name": "windows" },
        "securityContext": { "runAsNonRoot": true },
        "containers": [{ "name": "container1", "image": "iis" }]
    }));
    passes("restricted", "v1.25", &win);
    passes("restricted", "latest", &win);
    expect(
        "restricted",
        "v1.24",
        &win,
        &[
            (
                "allowPrivilegeEscalation",
                "allowPrivilegeEscalation != false",
                Some(
                    r#"container "container1" must set securityContext.allowPrivilegeEscalation=false"#,
                ),
                &["spec.containers[0].securityContext.allowPrivilegeEscalation"],
            ),
            (
                "capabilities_restricted",
                "unrestricted capabilities",
                Some(
                    r#"container "container1" must set securityContext.capabilities.drop=["ALL"]"#,
                ),
                &["spec.containers[0].securityContext.capabilities.drop"],
            ),
            (
                "seccompProfile_restricted",
                "seccompProfile",
                Some(
                    r#"pod or container "container1" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost""#,
                ),
                &["spec.containers[0].securityContext.seccompProfile.type"],
            ),
        ],
    );
}

#[test]
fn allow_privilege_escalation() {
    // The check starts at v1.8.
    passes("restricted", "v1.7", &base(7));
    expect(
        "restricted",
        "v1.8",
        &base(7),
        &[(
            "allowPrivilegeEscalation",
            "allowPrivilegeEscalation != false",
            Some(
                r#"containers "initcontainer1", "container1" must set securityContext.allowPrivilegeEscalation=false"#,
            ),
            &[
                "spec.initContainers[0].securityContext.allowPrivilegeEscalation",
                "spec.containers[0].securityContext.allowPrivilegeEscalation",
            ],
        )],
    );
    let want: Want = (
        "allowPrivilegeEscalation",
        "allowPrivilegeEscalation != false",
        Some(r#"container "container1" must set securityContext.allowPrivilegeEscalation=false"#),
        &["spec.containers[0].securityContext.allowPrivilegeEscalation"],
    );
    let escalating = |p: Value| {
        with(
            p,
            &[(
                "/spec/containers/0/securityContext/allowPrivilegeEscalation",
                json!(true),
            )],
        )
    };
    let t = escalating(base(37));
    expect("restricted", "latest", &t, &[want]);
    // Windows pods are exempt from v1.25.
    let w = escalating(windows(24));
    expect("restricted", "v1.24", &w, &[want]);
    passes("restricted", "v1.25", &w);
    // Linux pods are not.
    let linux = with(t, &[("/spec/os", json!({ "name": "linux" }))]);
    expect("restricted", "v1.25", &linux, &[want]);
}

#[test]
fn capabilities_restricted() {
    // Before v1.22 there is no drop requirement.
    passes("restricted", "v1.21", &base(21));
    let no_drop = {
        let mut p = base(22);
        unset(
            &mut p,
            "/spec/initContainers/0/securityContext/capabilities",
        );
        p
    };
    expect(
        "restricted",
        "v1.22",
        &no_drop,
        &[(
            "capabilities_restricted",
            "unrestricted capabilities",
            Some(
                r#"container "initcontainer1" must set securityContext.capabilities.drop=["ALL"]"#,
            ),
            &["spec.initContainers[0].securityContext.capabilities.drop"],
        )],
    );
    let bind = with(
        base(22),
        &[(
            "/spec/containers/0/securityContext/capabilities/add",
            json!(["NET_BIND_SERVICE"]),
        )],
    );
    passes("restricted", "v1.22", &bind);
    // Both parts; "all" is not "ALL"; caps sorted and deduplicated.
    let both = with(
        no_drop,
        &[(
            "/spec/containers/0/securityContext/capabilities",
            json!({ "drop": ["all"], "add": ["SYS_TIME", "CHOWN", "NET_BIND_SERVICE", "CHOWN"] }),
        )],
    );
    expect(
        "restricted",
        "latest",
        &both,
        &[(
            "capabilities_restricted",
            "unrestricted capabilities",
            Some(
                r#"containers "initcontainer1", "container1" must set securityContext.capabilities.drop=["ALL"]; container "container1" must not include "CHOWN", "SYS_TIME" in securityContext.capabilities.add"#,
            ),
            &[
                "spec.initContainers[0].securityContext.capabilities.drop",
                "spec.containers[0].securityContext.capabilities.drop",
                "spec.containers[0].securityContext.capabilities.add",
            ],
        )],
    );
}

#[test]
fn capabilities_restricted_overrides_baseline_from_v1_22() {
    let add = |minor| {
        with(
            base(minor),
            &[(
                "/spec/containers/0/securityContext/capabilities/add",
                json!(["SYS_ADMIN"]),
            )],
        )
    };
    expect(
        "restricted",
        "v1.21",
        &add(21),
        &[(
            "capabilities_baseline",
            "non-default capabilities",
            Some(
                r#"container "container1" must not include "SYS_ADMIN" in securityContext.capabilities.add"#,
            ),
            &["spec.containers[0].securityContext.capabilities.add"],
        )],
    );
    let want: Want = (
        "capabilities_restricted",
        "unrestricted capabilities",
        Some(
            r#"container "container1" must not include "SYS_ADMIN" in securityContext.capabilities.add"#,
        ),
        &["spec.containers[0].securityContext.capabilities.add"],
    );
    expect("restricted", "v1.22", &add(22), &[want]);
    // Windows pods: restricted is exempt from v1.25 and baseline stays overridden,
    // so nothing checks capabilities at all.
    let win = with(
        windows(24),
        &[(
            "/spec/containers/0/securityContext/capabilities/add",
            json!(["SYS_ADMIN"]),
        )],
    );
    expect("restricted", "v1.24", &win, &[want]);
    passes("restricted", "v1.25", &win);
    passes("restricted", "latest", &win);
}

#[test]
fn restricted_volumes() {
    // One volume of each type restricted allows.
    let mut ok = base(0);
    set(
        &mut ok,
        "/spec/volumes",
        json!([
            { "name": "a", "configMap": { "name": "c" } },
            { "name": "b", "csi": { "driver": "d" } },
            { "name": "c", "downwardAPI": {} },
            { "name": "d", "emptyDir": {} },
            { "name": "e", "ephemeral": {} },
            { "name": "f", "image": { "reference": "r" } },
            { "name": "g", "persistentVolumeClaim": { "claimName": "p" } },
            { "name": "h", "projected": {} },
            { "name": "i", "secret": {} }
        ]),
    );
    passes("restricted", "v1.0", &ok);
    let volumes = ok["spec"]["volumes"].clone();
    passes(
        "restricted",
        "latest",
        &with(base(37), &[("/spec/volumes", volumes)]),
    );
    let one = with(
        base(37),
        &[(
            "/spec/volumes",
            json!([{ "name": "data", "hostPath": { "path": "/" } }]),
        )],
    );
    expect(
        "restricted",
        "latest",
        &one,
        &[(
            "restrictedVolumes",
            "restricted volume types",
            Some(r#"volume "data" uses restricted volume type "hostPath""#),
            &["spec.volumes[0].hostPath"],
        )],
    );
    let many = with(
        base(0),
        &[(
            "/spec/volumes",
            json!([
                { "name": "ok", "emptyDir": {} },
                { "name": "n1", "nfs": { "server": "s", "path": "/" } },
                { "name": "h", "hostPath": { "path": "/" } },
                { "name": "none" },
                { "name": "n2", "nfs": { "server": "s", "path": "/" } }
            ]),
        )],
    );
    expect(
        "restricted",
        "v1.0",
        &many,
        &[(
            "restrictedVolumes",
            "restricted volume types",
            Some(
                r#"volumes "n1", "h", "none", "n2" use restricted volume types "hostPath", "nfs", "unknown""#,
            ),
            &[
                "spec.volumes[1].nfs",
                "spec.volumes[2].hostPath",
                "spec.volumes[3]",
                "spec.volumes[4].nfs",
            ],
        )],
    );
}

#[test]
fn run_as_non_root() {
    let mut unset_pod = base(37);
    unset(&mut unset_pod, "/spec/securityContext/runAsNonRoot");
    expect(
        "restricted",
        "latest",
        &unset_pod,
        &[(
            "runAsNonRoot",
            "runAsNonRoot != true",
            Some(
                r#"pod or containers "initcontainer1", "container1" must set securityContext.runAsNonRoot=true"#,
            ),
            &[
                "spec.initContainers[0].securityContext.runAsNonRoot",
                "spec.containers[0].securityContext.runAsNonRoot",
            ],
        )],
    );
    // Containers may opt in themselves.
    let own = with(
        unset_pod.clone(),
        &[
            (
                "/spec/initContainers/0/securityContext/runAsNonRoot",
                json!(true),
            ),
            (
                "/spec/containers/0/securityContext/runAsNonRoot",
                json!(true),
            ),
        ],
    );
    let own_v1_0 = with(
        plain(),
        &[
            (
                "/spec/initContainers/0/securityContext/runAsNonRoot",
                json!(true),
            ),
            (
                "/spec/containers/0/securityContext/runAsNonRoot",
                json!(true),
            ),
        ],
    );
    passes("restricted", "v1.0", &own_v1_0);
    passes("restricted", "latest", &own);
    // Explicit false wins over the missing message and names the setters.
    let explicit = with(
        base(37),
        &[
            ("/spec/securityContext/runAsNonRoot", json!(false)),
            (
                "/spec/containers/0/securityContext/runAsNonRoot",
                json!(false),
            ),
        ],
    );
    expect(
        "restricted",
        "latest",
        &explicit,
        &[(
            "runAsNonRoot",
            "runAsNonRoot != true",
            Some(
                r#"pod and container "container1" must not set securityContext.runAsNonRoot=false"#,
            ),
            &[
                "spec.securityContext.runAsNonRoot",
                "spec.containers[0].securityContext.runAsNonRoot",
            ],
        )],
    );
    // hostUsers: false exempts from v1.35.
    let userns = with(unset_pod, &[("/spec/hostUsers", json!(false))]);
    let got = eval("restricted", "v1.34", &userns);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].check, "runAsNonRoot");
    passes("restricted", "v1.35", &userns);
    passes(
        "restricted",
        "v1.35",
        &with(explicit, &[("/spec/hostUsers", json!(false))]),
    );
}

#[test]
fn run_as_user() {
    let pod0 = with(
        base(37),
        &[
            ("/spec/securityContext/runAsUser", json!(0)),
            (
                "/spec/initContainers/0/securityContext/runAsUser",
                json!(1000),
            ),
            ("/spec/containers/0/securityContext/runAsUser", json!(1000)),
        ],
    );
    let want: Want = (
        "runAsUser",
        "runAsUser=0",
        Some("pod must not set runAsUser=0"),
        &["spec.securityContext.runAsUser"],
    );
    // The check starts at v1.23.
    passes(
        "restricted",
        "v1.22",
        &with(base(22), &[("/spec/securityContext/runAsUser", json!(0))]),
    );
    expect("restricted", "v1.23", &pod0, &[want]);
    expect("restricted", "latest", &pod0, &[want]);
    passes(
        "restricted",
        "latest",
        &with(
            pod0.clone(),
            &[("/spec/securityContext/runAsUser", json!(1))],
        ),
    );
    let both = with(
        pod0.clone(),
        &[("/spec/containers/0/securityContext/runAsUser", json!(0))],
    );
    expect(
        "restricted",
        "latest",
        &both,
        &[(
            "runAsUser",
            "runAsUser=0",
            Some(r#"pod and container "container1" must not set runAsUser=0"#),
            &[
                "spec.securityContext.runAsUser",
                "spec.containers[0].securityContext.runAsUser",
            ],
        )],
    );
    let userns = with(pod0, &[("/spec/hostUsers", json!(false))]);
    expect("restricted", "v1.34", &userns, &[want]);
    passes("restricted", "v1.35", &userns);
}

#[test]
fn seccomp_profile_restricted() {
    // Before v1.19 restricted has only the annotation-based baseline check.
    passes("restricted", "v1.18", &base(18));
    expect(
        "restricted",
        "v1.19",
        &base(18),
        &[(
            "seccompProfile_restricted",
            "seccompProfile",
            Some(
                r#"pod or containers "initcontainer1", "container1" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost""#,
            ),
            &[
                "spec.initContainers[0].securityContext.seccompProfile.type",
                "spec.containers[0].securityContext.seccompProfile.type",
            ],
        )],
    );
    // Per-container coverage.
    let mut own = base(37);
    unset(&mut own, "/spec/securityContext/seccompProfile");
    let own = with(
        own,
        &[
            (
                "/spec/initContainers/0/securityContext/seccompProfile/type",
                json!("Localhost"),
            ),
            (
                "/spec/containers/0/securityContext/seccompProfile/type",
                json!("RuntimeDefault"),
            ),
        ],
    );
    passes("restricted", "latest", &own);
    // A valid pod level does not excuse a bad container level; without the pod level,
    // explicit bad values are reported first, without the missing containers.
    let over = with(
        base(37),
        &[(
            "/spec/containers/0/securityContext/seccompProfile/type",
            json!("Unconfined"),
        )],
    );
    let mut bad = over.clone();
    unset(&mut bad, "/spec/securityContext/seccompProfile");
    for (case, p) in [
        ("bad container, valid pod", over),
        ("bad container, no pod", bad),
    ] {
        println!("case: {case}"); // shown when the expect below fails
        expect(
            "restricted",
            "latest",
            &p,
            &[(
                "seccompProfile_restricted",
                "seccompProfile",
                Some(
                    r#"container "container1" must not set securityContext.seccompProfile.type to "Unconfined""#,
                ),
                &["spec.containers[0].securityContext.seccompProfile.type"],
            )],
        );
    }
    // Windows pods are exempt from v1.25.
    let mut win = windows(24);
    unset(&mut win, "/spec/securityContext/seccompProfile");
    let got = eval("restricted", "v1.24", &win);
    assert_eq!(
        got.iter().map(|v| v.check).collect::<Vec<_>>(),
        ["seccompProfile_restricted"]
    );
    passes("restricted", "v1.25", &win);
}

#[test]
fn seccomp_restricted_overrides_baseline_from_v1_19() {
    // At v1.18 restricted still runs the annotation check.
    let ann = with(
        base(18),
        &[(
            "/metadata/annotations",
            json!({ "seccomp.security.alpha.kubernetes.io/pod": "unconfined" }),
        )],
    );
    let got = eval("restricted", "v1.18", &ann);
    assert_eq!(
        got.iter().map(|v| v.check).collect::<Vec<_>>(),
        ["seccompProfile_baseline"]
    );
    let field = with(
        base(19),
        &[(
            "/spec/securityContext/seccompProfile/type",
            json!("Unconfined"),
        )],
    );
    expect(
        "restricted",
        "v1.19",
        &field,
        &[(
            "seccompProfile_restricted",
            "seccompProfile",
            Some(r#"pod must not set securityContext.seccompProfile.type to "Unconfined""#),
            &["spec.securityContext.seccompProfile.type"],
        )],
    );
}

#[test]
fn proc_mount_restricted_ignores_host_users() {
    let unmasked = with(
        base(37),
        &[
            (
                "/spec/containers/0/securityContext/procMount",
                json!("Unmasked"),
            ),
            ("/spec/hostUsers", json!(false)),
        ],
    );
    let detail =
        Some(r#"container "container1" must not set securityContext.procMount to "Unmasked""#);
    let path: &[&str] = &["spec.containers[0].securityContext.procMount"];
    // Before v1.35 restricted runs baseline procMount (unrelaxed there).
    expect(
        "restricted",
        "v1.34",
        &unmasked,
        &[("procMount", "procMount", detail, path)],
    );
    expect(
        "restricted",
        "v1.35",
        &unmasked,
        &[("procMount_restricted", "procMount", detail, path)],
    );
    expect(
        "restricted",
        "latest",
        &unmasked,
        &[("procMount_restricted", "procMount", detail, path)],
    );
    passes(
        "restricted",
        "latest",
        &with(
            unmasked,
            &[(
                "/spec/containers/0/securityContext/procMount",
                json!("Default"),
            )],
        ),
    );
}

#[test]
fn host_path_is_reported_by_restricted_volumes_at_every_version() {
    for minor in 0..=37 {
        let p = with(
            base(minor),
            &[(
                "/spec/volumes",
                json!([{ "name": "data", "hostPath": { "path": "/" } }]),
            )],
        );
        let got = eval("restricted", &format!("v1.{minor}"), &p);
        assert_eq!(
            got.iter().map(|v| v.check).collect::<Vec<_>>(),
            ["restrictedVolumes"],
            "v1.{minor}"
        );
    }
}
