//! Baseline checks: a passing and a failing pod for each, at every version boundary
//! where behaviour changes, with the exact upstream reason, detail and paths.

#[path = "fixtures/pss/common.rs"]
mod common;

use common::*;
use serde_json::{Value, json};

#[test]
fn privileged() {
    let ok = with(
        plain(),
        &[(
            "/spec/containers/0/securityContext/privileged",
            json!(false),
        )],
    );
    passes("baseline", "v1.0", &ok);
    passes("baseline", "latest", &ok);
    let one = with(
        plain(),
        &[("/spec/containers/0/securityContext/privileged", json!(true))],
    );
    expect(
        "baseline",
        "v1.0",
        &one,
        &[(
            "privileged",
            "privileged",
            Some(r#"container "container1" must not set securityContext.privileged=true"#),
            &["spec.containers[0].securityContext.privileged"],
        )],
    );
    // Init, regular, then ephemeral containers, in that order.
    let mut all = with(
        plain(),
        &[
            ("/spec/containers/0/securityContext/privileged", json!(true)),
            (
                "/spec/initContainers/0/securityContext/privileged",
                json!(true),
            ),
        ],
    );
    set(
        &mut all,
        "/spec/ephemeralContainers",
        json!([{ "name": "debug", "securityContext": { "privileged": true } }]),
    );
    expect(
        "baseline",
        "latest",
        &all,
        &[(
            "privileged",
            "privileged",
            Some(
                r#"containers "initcontainer1", "container1", "debug" must not set securityContext.privileged=true"#,
            ),
            &[
                "spec.initContainers[0].securityContext.privileged",
                "spec.containers[0].securityContext.privileged",
                "spec.ephemeralContainers[0].securityContext.privileged",
            ],
        )],
    );
}

#[test]
fn host_namespaces() {
    let off = with(
        plain(),
        &[
            ("/spec/hostNetwork", json!(false)),
            ("/spec/hostPID", json!(false)),
            ("/spec/hostIPC", json!(false)),
        ],
    );
    passes("baseline", "v1.0", &off);
    let pid = with(plain(), &[("/spec/hostPID", json!(true))]);
    expect(
        "baseline",
        "v1.0",
        &pid,
        &[(
            "hostNamespaces",
            "host namespaces",
            Some("hostPID=true"),
            &["spec.hostPID"],
        )],
    );
    let all = with(
        plain(),
        &[
            ("/spec/hostIPC", json!(true)),
            ("/spec/hostPID", json!(true)),
            ("/spec/hostNetwork", json!(true)),
        ],
    );
    expect(
        "baseline",
        "latest",
        &all,
        &[(
            "hostNamespaces",
            "host namespaces",
            Some("hostNetwork=true, hostPID=true, hostIPC=true"),
            &["spec.hostNetwork", "spec.hostPID", "spec.hostIPC"],
        )],
    );
}

#[test]
fn host_path_volumes() {
    let ok = with(
        plain(),
        &[("/spec/volumes", json!([{ "name": "tmp", "emptyDir": {} }]))],
    );
    passes("baseline", "v1.0", &ok);
    let one = with(
        plain(),
        &[(
            "/spec/volumes",
            json!([{ "name": "tmp", "emptyDir": {} }, { "name": "data", "hostPath": { "path": "/d" } }]),
        )],
    );
    expect(
        "baseline",
        "v1.0",
        &one,
        &[(
            "hostPathVolumes",
            "hostPath volumes",
            Some(r#"volume "data""#),
            &["spec.volumes[1].hostPath"],
        )],
    );
    let two = with(
        plain(),
        &[(
            "/spec/volumes",
            json!([{ "name": "b", "hostPath": { "path": "/b" } }, { "name": "a", "hostPath": { "path": "/a" } }]),
        )],
    );
    expect(
        "baseline",
        "latest",
        &two,
        &[(
            "hostPathVolumes",
            "hostPath volumes",
            Some(r#"volumes "b", "a""#),
            &["spec.volumes[0].hostPath", "spec.volumes[1].hostPath"],
        )],
    );
}

#[test]
fn host_ports() {
    let ok = with(
        plain(),
        &[(
            "/spec/containers/0/ports",
            json!([{ "containerPort": 80, "hostPort": 0 }, { "containerPort": 81 }]),
        )],
    );
    passes("baseline", "v1.0", &ok);
    let one = with(
        plain(),
        &[(
            "/spec/containers/0/ports",
            json!([{ "containerPort": 80, "hostPort": 8080 }]),
        )],
    );
    expect(
        "baseline",
        "v1.0",
        &one,
        &[(
            "hostPorts",
            "hostPort",
            Some(r#"container "container1" uses hostPort 8080"#),
            &["spec.containers[0].ports[0].hostPort"],
        )],
    );
    // Ports are distinct and sorted as strings.
    let many = with(
        plain(),
        &[
            (
                "/spec/initContainers/0/ports",
                json!([{ "containerPort": 1, "hostPort": 80 }]),
            ),
            (
                "/spec/containers/0/ports",
                json!([{ "containerPort": 1, "hostPort": 443 }, { "containerPort": 2 }, { "containerPort": 3, "hostPort": 10000 }, { "containerPort": 4, "hostPort": 80 }]),
            ),
        ],
    );
    expect(
        "baseline",
        "latest",
        &many,
        &[(
            "hostPorts",
            "hostPort",
            Some(r#"containers "initcontainer1", "container1" use hostPorts 10000, 443, 80"#),
            &[
                "spec.initContainers[0].ports[0].hostPort",
                "spec.containers[0].ports[0].hostPort",
                "spec.containers[0].ports[2].hostPort",
                "spec.containers[0].ports[3].hostPort",
            ],
        )],
    );
}

#[test]
fn host_probes_and_host_lifecycle() {
    let probe = with(
        plain(),
        &[(
            "/spec/containers/0/livenessProbe/httpGet",
            json!({ "port": 80, "host": "example.com" }),
        )],
    );
    // The check does not exist before v1.34.
    passes("baseline", "v1.33", &probe);
    expect(
        "baseline",
        "v1.34",
        &probe,
        &[(
            "hostProbesAndHostLifecycle",
            "probe or lifecycle host",
            Some(r#"container "container1" uses probe or lifecycle host "example.com""#),
            &["spec.containers[0].livenessProbe.httpGet.host"],
        )],
    );
    let empty = with(
        plain(),
        &[(
            "/spec/containers/0/readinessProbe/tcpSocket",
            json!({ "port": 80, "host": "" }),
        )],
    );
    passes("baseline", "v1.34", &empty);
    // Names and hosts sorted and deduplicated.
    let many = with(
        plain(),
        &[
            ("/spec/containers/0/name", json!("b")),
            ("/spec/initContainers/0/name", json!("z")),
            (
                "/spec/containers/0/startupProbe/tcpSocket",
                json!({ "port": 1, "host": "example.com" }),
            ),
            (
                "/spec/containers/0/lifecycle/preStop/httpGet",
                json!({ "port": 1, "host": "1.1.1.1" }),
            ),
            (
                "/spec/initContainers/0/lifecycle/postStart/tcpSocket",
                json!({ "port": 1, "host": "example.com" }),
            ),
        ],
    );
    expect(
        "baseline",
        "latest",
        &many,
        &[(
            "hostProbesAndHostLifecycle",
            "probe or lifecycle host",
            Some(r#"containers "b", "z" use probe or lifecycle hosts "1.1.1.1", "example.com""#),
            &[
                "spec.initContainers[0].lifecycle.postStart.tcpSocket.host",
                "spec.containers[0].startupProbe.tcpSocket.host",
                "spec.containers[0].lifecycle.preStop.httpGet.host",
            ],
        )],
    );
}

#[test]
fn proc_mount() {
    let default = with(
        plain(),
        &[(
            "/spec/containers/0/securityContext/procMount",
            json!("Default"),
        )],
    );
    passes("baseline", "v1.0", &default);
    let unmasked = with(
        plain(),
        &[(
            "/spec/containers/0/securityContext/procMount",
            json!("Unmasked"),
        )],
    );
    let want: Want = (
        "procMount",
        "procMount",
        Some(r#"container "container1" must not set securityContext.procMount to "Unmasked""#),
        &["spec.containers[0].securityContext.procMount"],
    );
    expect("baseline", "v1.0", &unmasked, &[want]);
    expect("baseline", "latest", &unmasked, &[want]);
    // hostUsers: false relaxes baseline from v1.35 only.
    let userns = with(unmasked.clone(), &[("/spec/hostUsers", json!(false))]);
    expect("baseline", "v1.34", &userns, &[want]);
    passes("baseline", "v1.35", &userns);
    let host_users = with(unmasked, &[("/spec/hostUsers", json!(true))]);
    expect("baseline", "v1.35", &host_users, &[want]);
    let two = with(
        plain(),
        &[
            (
                "/spec/initContainers/0/securityContext/procMount",
                json!("Unmasked"),
            ),
            (
                "/spec/containers/0/securityContext/procMount",
                json!("Other"),
            ),
        ],
    );
    expect(
        "baseline",
        "v1.35",
        &two,
        &[(
            "procMount",
            "procMount",
            Some(
                r#"containers "initcontainer1", "container1" must not set securityContext.procMount to "Other", "Unmasked""#,
            ),
            &[
                "spec.initContainers[0].securityContext.procMount",
                "spec.containers[0].securityContext.procMount",
            ],
        )],
    );
}

#[test]
fn se_linux_options() {
    let ok = with(
        plain(),
        &[
            (
                "/spec/securityContext/seLinuxOptions",
                json!({ "type": "container_t", "level": "s0:c1,c2" }),
            ),
            (
                "/spec/containers/0/securityContext/seLinuxOptions",
                json!({ "type": "container_init_t", "user": "" }),
            ),
            (
                "/spec/initContainers/0/securityContext/seLinuxOptions",
                json!({ "type": "container_kvm_t" }),
            ),
        ],
    );
    passes("baseline", "v1.0", &ok);
    let pod_type = with(
        plain(),
        &[("/spec/securityContext/seLinuxOptions/type", json!("spc_t"))],
    );
    expect(
        "baseline",
        "v1.0",
        &pod_type,
        &[(
            "seLinuxOptions",
            "seLinuxOptions",
            Some(r#"pod set forbidden securityContext.seLinuxOptions: type "spc_t""#),
            &["spec.securityContext.seLinuxOptions.type"],
        )],
    );
    // container_engine_t is allowed from v1.31.
    let engine = with(
        plain(),
        &[(
            "/spec/containers/0/securityContext/seLinuxOptions/type",
            json!("container_engine_t"),
        )],
    );
    expect(
        "baseline",
        "v1.30",
        &engine,
        &[(
            "seLinuxOptions",
            "seLinuxOptions",
            Some(
                r#"container "container1" set forbidden securityContext.seLinuxOptions: type "container_engine_t""#,
            ),
            &["spec.containers[0].securityContext.seLinuxOptions.type"],
        )],
    );
    passes("baseline", "v1.31", &engine);
    // User and role are reported even without a bad type.
    let user = with(
        plain(),
        &[(
            "/spec/containers/0/securityContext/seLinuxOptions/user",
            json!("root"),
        )],
    );
    expect(
        "baseline",
        "latest",
        &user,
        &[(
            "seLinuxOptions",
            "seLinuxOptions",
            Some(
                r#"container "container1" set forbidden securityContext.seLinuxOptions: user may not be set"#,
            ),
            &["spec.containers[0].securityContext.seLinuxOptions.user"],
        )],
    );
    let all = with(
        plain(),
        &[
            (
                "/spec/securityContext/seLinuxOptions",
                json!({ "type": "b_t", "role": "r" }),
            ),
            (
                "/spec/initContainers/0/securityContext/seLinuxOptions",
                json!({ "type": "a_t", "user": "u" }),
            ),
            (
                "/spec/containers/0/securityContext/seLinuxOptions",
                json!({ "type": "b_t" }),
            ),
        ],
    );
    expect(
        "baseline",
        "latest",
        &all,
        &[(
            "seLinuxOptions",
            "seLinuxOptions",
            Some(
                r#"pod and containers "initcontainer1", "container1" set forbidden securityContext.seLinuxOptions: types "a_t", "b_t"; user may not be set; role may not be set"#,
            ),
            &[
                "spec.securityContext.seLinuxOptions.type",
                "spec.securityContext.seLinuxOptions.role",
                "spec.initContainers[0].securityContext.seLinuxOptions.type",
                "spec.initContainers[0].securityContext.seLinuxOptions.user",
                "spec.containers[0].securityContext.seLinuxOptions.type",
            ],
        )],
    );
}

#[test]
fn seccomp_profile_baseline_annotations_before_v1_19() {
    let ann = |pairs: serde_json::Value| with(plain(), &[("/metadata/annotations", pairs)]);
    let good = ann(json!({
        "seccomp.security.alpha.kubernetes.io/pod": "runtime/default",
        "container.seccomp.security.alpha.kubernetes.io/container1": "docker/default",
        "container.seccomp.security.alpha.kubernetes.io/initcontainer1": "localhost/p.json",
        "container.seccomp.security.alpha.kubernetes.io/absent": "unconfined"
    }));
    passes("baseline", "v1.0", &good);
    let pod = ann(json!({ "seccomp.security.alpha.kubernetes.io/pod": "unconfined" }));
    let want: Want = (
        "seccompProfile_baseline",
        "seccompProfile",
        Some(r#"forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined""#),
        &["metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]"],
    );
    expect("baseline", "v1.0", &pod, &[want]);
    expect("baseline", "v1.18", &pod, &[want]);
    // Annotations are ignored from v1.19.
    passes("baseline", "v1.19", &pod);
    // An empty value fails; items are sorted.
    let two = ann(json!({
        "seccomp.security.alpha.kubernetes.io/pod": "",
        "container.seccomp.security.alpha.kubernetes.io/container1": "unconfined"
    }));
    expect(
        "baseline",
        "v1.18",
        &two,
        &[(
            "seccompProfile_baseline",
            "seccompProfile",
            Some(
                r#"forbidden annotations container.seccomp.security.alpha.kubernetes.io/container1="unconfined", seccomp.security.alpha.kubernetes.io/pod="""#,
            ),
            &[
                "metadata.annotations[container.seccomp.security.alpha.kubernetes.io/container1]",
                "metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]",
            ],
        )],
    );
    // Fields are ignored before v1.19.
    let field = with(
        plain(),
        &[(
            "/spec/securityContext/seccompProfile/type",
            json!("Unconfined"),
        )],
    );
    passes("baseline", "v1.18", &field);
}

#[test]
fn seccomp_profile_baseline_fields_from_v1_19() {
    let ok = with(
        plain(),
        &[
            (
                "/spec/securityContext/seccompProfile/type",
                json!("RuntimeDefault"),
            ),
            (
                "/spec/containers/0/securityContext/seccompProfile",
                json!({ "type": "Localhost", "localhostProfile": "p.json" }),
            ),
        ],
    );
    passes("baseline", "v1.19", &ok);
    let pod = with(
        plain(),
        &[(
            "/spec/securityContext/seccompProfile/type",
            json!("Unconfined"),
        )],
    );
    expect(
        "baseline",
        "v1.19",
        &pod,
        &[(
            "seccompProfile_baseline",
            "seccompProfile",
            Some(r#"pod must not set securityContext.seccompProfile.type to "Unconfined""#),
            &["spec.securityContext.seccompProfile.type"],
        )],
    );
    let both = with(
        pod,
        &[
            (
                "/spec/initContainers/0/securityContext/seccompProfile/type",
                json!("Unconfined"),
            ),
            (
                "/spec/containers/0/securityContext/seccompProfile/type",
                json!("Bogus"),
            ),
        ],
    );
    expect(
        "baseline",
        "latest",
        &both,
        &[(
            "seccompProfile_baseline",
            "seccompProfile",
            Some(
                r#"pod and containers "initcontainer1", "container1" must not set securityContext.seccompProfile.type to "Bogus", "Unconfined""#,
            ),
            &[
                "spec.securityContext.seccompProfile.type",
                "spec.initContainers[0].securityContext.seccompProfile.type",
                "spec.containers[0].securityContext.seccompProfile.type",
            ],
        )],
    );
}

fn sysctl_pod(names: &[&str]) -> serde_json::Value {
    let list: Vec<_> = names
        .iter()
        .map(|n| json!({ "name": n, "value": "1" }))
        .collect();
    with(plain(), &[("/spec/securityContext/sysctls", json!(list))])
}

#[test]
fn sysctls_allow_list_grows_by_version() {
    passes(
        "baseline",
        "v1.0",
        &sysctl_pod(&[
            "kernel.shm_rmid_forced",
            "net.ipv4.ip_local_port_range",
            "net.ipv4.tcp_syncookies",
            "net.ipv4.ping_group_range",
            "net.ipv4.ip_unprivileged_port_start",
        ]),
    );
    let boundaries: &[(&str, &str, &str)] = &[
        ("net.ipv4.ip_local_reserved_ports", "v1.26", "v1.27"),
        ("net.ipv4.tcp_keepalive_time", "v1.28", "v1.29"),
        ("net.ipv4.tcp_fin_timeout", "v1.28", "v1.29"),
        ("net.ipv4.tcp_keepalive_intvl", "v1.28", "v1.29"),
        ("net.ipv4.tcp_keepalive_probes", "v1.28", "v1.29"),
        ("net.ipv4.tcp_rmem", "v1.31", "v1.32"),
        ("net.ipv4.tcp_wmem", "v1.31", "v1.32"),
        ("net.ipv4.tcp_slow_start_after_idle", "v1.36", "v1.37"),
        ("net.ipv4.tcp_notsent_lowat", "v1.36", "v1.37"),
    ];
    for (name, before, at) in boundaries {
        let p = sysctl_pod(&[name]);
        expect(
            "baseline",
            before,
            &p,
            &[(
                "sysctls",
                "forbidden sysctls",
                Some(name),
                &["spec.securityContext.sysctls[0].name"],
            )],
        );
        passes("baseline", at, &p);
        passes("baseline", "latest", &p);
    }
}

#[test]
fn sysctls_keep_pod_order_and_duplicates() {
    let p = sysctl_pod(&[
        "kernel.msgmax",
        "net.ipv4.tcp_syncookies",
        "kernel.msgmax",
        "net/ipv4/tcp_syncookies",
    ]);
    expect(
        "baseline",
        "latest",
        &p,
        &[(
            "sysctls",
            "forbidden sysctls",
            Some("kernel.msgmax, kernel.msgmax, net/ipv4/tcp_syncookies"),
            &[
                "spec.securityContext.sysctls[0].name",
                "spec.securityContext.sysctls[2].name",
                "spec.securityContext.sysctls[3].name",
            ],
        )],
    );
}

#[test]
fn windows_host_process() {
    let off = with(
        plain(),
        &[(
            "/spec/securityContext/windowsOptions/hostProcess",
            json!(false),
        )],
    );
    passes("baseline", "v1.0", &off);
    let pod = with(
        plain(),
        &[(
            "/spec/securityContext/windowsOptions/hostProcess",
            json!(true),
        )],
    );
    expect(
        "baseline",
        "v1.0",
        &pod,
        &[(
            "windowsHostProcess",
            "hostProcess",
            Some("pod must not set securityContext.windowsOptions.hostProcess=true"),
            &["spec.securityContext.windowsOptions.hostProcess"],
        )],
    );
    let all = with(
        pod,
        &[
            (
                "/spec/containers/0/securityContext/windowsOptions/hostProcess",
                json!(true),
            ),
            (
                "/spec/initContainers/0/securityContext/windowsOptions/hostProcess",
                json!(true),
            ),
        ],
    );
    expect(
        "baseline",
        "latest",
        &all,
        &[(
            "windowsHostProcess",
            "hostProcess",
            Some(
                r#"pod and containers "initcontainer1", "container1" must not set securityContext.windowsOptions.hostProcess=true"#,
            ),
            &[
                "spec.securityContext.windowsOptions.hostProcess",
                "spec.initContainers[0].securityContext.windowsOptions.hostProcess",
                "spec.containers[0].securityContext.windowsOptions.hostProcess",
            ],
        )],
    );
}

#[test]
fn app_armor_profile_fields() {
    let ok = with(
        plain(),
        &[
            (
                "/spec/securityContext/appArmorProfile/type",
                json!("RuntimeDefault"),
            ),
            (
                "/spec/containers/0/securityContext/appArmorProfile",
                json!({ "type": "Localhost", "localhostProfile": "p" }),
            ),
        ],
    );
    passes("baseline", "v1.0", &ok);
    // The field check applies at every version, v1.0 included.
    let pod = with(
        plain(),
        &[(
            "/spec/securityContext/appArmorProfile/type",
            json!("Unconfined"),
        )],
    );
    expect(
        "baseline",
        "v1.0",
        &pod,
        &[(
            "appArmorProfile",
            "forbidden AppArmor profile",
            Some(r#"pod must not set AppArmor profile type to "Unconfined""#),
            &["spec.securityContext.appArmorProfile.type"],
        )],
    );
}

#[test]
fn app_armor_profile_annotations() {
    let ann = |pairs: serde_json::Value| with(plain(), &[("/metadata/annotations", pairs)]);
    let ok = ann(json!({
        "container.apparmor.security.beta.kubernetes.io/container1": "runtime/default",
        "container.apparmor.security.beta.kubernetes.io/initcontainer1": "localhost/prof",
        "container.apparmor.security.beta.kubernetes.io/other": "",
        "apparmor.example.com/unrelated": "unconfined"
    }));
    passes("baseline", "v1.0", &ok);
    // Any container name counts, even one the pod does not have.
    let two = ann(json!({
        "container.apparmor.security.beta.kubernetes.io/ghost": "unconfined",
        "container.apparmor.security.beta.kubernetes.io/container1": "Unconfined"
    }));
    expect(
        "baseline",
        "latest",
        &two,
        &[(
            "appArmorProfile",
            "forbidden AppArmor profiles",
            Some(
                r#"annotations must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/container1="Unconfined"", "container.apparmor.security.beta.kubernetes.io/ghost="unconfined"""#,
            ),
            &[
                "metadata.annotations[container.apparmor.security.beta.kubernetes.io/container1]",
                "metadata.annotations[container.apparmor.security.beta.kubernetes.io/ghost]",
            ],
        )],
    );
    // Values print with Go %q quoting.
    let quoted =
        ann(json!({ "container.apparmor.security.beta.kubernetes.io/container1": "a\"b" }));
    expect(
        "baseline",
        "v1.0",
        &quoted,
        &[(
            "appArmorProfile",
            "forbidden AppArmor profile",
            Some(
                r#"annotation must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/container1="a\"b"""#,
            ),
            &["metadata.annotations[container.apparmor.security.beta.kubernetes.io/container1]"],
        )],
    );
}

#[test]
fn app_armor_profile_fields_and_annotations_together() {
    let p = with(
        plain(),
        &[
            (
                "/spec/securityContext/appArmorProfile/type",
                json!("Unconfined"),
            ),
            (
                "/spec/containers/0/securityContext/appArmorProfile/type",
                json!("Unconfined"),
            ),
            (
                "/metadata/annotations",
                json!({ "container.apparmor.security.beta.kubernetes.io/container1": "unconfined" }),
            ),
        ],
    );
    expect(
        "baseline",
        "latest",
        &p,
        &[(
            "appArmorProfile",
            "forbidden AppArmor profiles",
            Some(
                r#"pod and container "container1" and annotation must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/container1="unconfined"""#,
            ),
            &[
                "spec.securityContext.appArmorProfile.type",
                "spec.containers[0].securityContext.appArmorProfile.type",
                "metadata.annotations[container.apparmor.security.beta.kubernetes.io/container1]",
            ],
        )],
    );
}

#[test]
fn capabilities_baseline() {
    // Every capability the baseline allows, added at once.
    let allowed: Vec<&str> = "AUDIT_WRITE CHOWN DAC_OVERRIDE FOWNER FSETID KILL MKNOD \
                              NET_BIND_SERVICE SETFCAP SETGID SETPCAP SETUID SYS_CHROOT"
        .split_whitespace()
        .collect();
    assert_eq!(allowed.len(), 13);
    let add = |caps: Value| {
        with(
            plain(),
            &[("/spec/containers/0/securityContext/capabilities/add", caps)],
        )
    };
    let ok = add(json!(allowed));
    passes("baseline", "v1.0", &ok);
    passes("baseline", "latest", &ok);
    let one = add(json!(["NET_RAW"]));
    expect(
        "baseline",
        "v1.0",
        &one,
        &[(
            "capabilities_baseline",
            "non-default capabilities",
            Some(
                r#"container "container1" must not include "NET_RAW" in securityContext.capabilities.add"#,
            ),
            &["spec.containers[0].securityContext.capabilities.add"],
        )],
    );
    // Exact strings: CAP_ prefixes and lowercase fail; caps sorted and deduplicated.
    let mut many = add(json!([
        "SYS_TIME",
        "chown",
        "NET_ADMIN",
        "SYS_TIME",
        "KILL"
    ]));
    set(
        &mut many,
        "/spec/initContainers/0/securityContext/capabilities/add",
        json!(["CAP_CHOWN"]),
    );
    expect(
        "baseline",
        "latest",
        &many,
        &[(
            "capabilities_baseline",
            "non-default capabilities",
            Some(
                r#"containers "initcontainer1", "container1" must not include "CAP_CHOWN", "NET_ADMIN", "SYS_TIME", "chown" in securityContext.capabilities.add"#,
            ),
            &[
                "spec.initContainers[0].securityContext.capabilities.add",
                "spec.containers[0].securityContext.capabilities.add",
            ],
        )],
    );
}

#[test]
fn restricted_only_settings_pass_baseline() {
    // Nothing baseline looks at: no securityContext at all, root user, NFS volume.
    let p = with(
        plain(),
        &[
            ("/spec/securityContext/runAsUser", json!(0)),
            (
                "/spec/containers/0/securityContext/runAsNonRoot",
                json!(false),
            ),
            (
                "/spec/volumes",
                json!([{ "name": "n", "nfs": { "server": "s", "path": "/" } }]),
            ),
        ],
    );
    for minor in 0..=37 {
        passes("baseline", &format!("v1.{minor}"), &p);
    }
}
