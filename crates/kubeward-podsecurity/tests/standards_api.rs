//! The public surface around the checks: full admission messages (the reference's
//! worked example), run order, version parsing and clamping, the check listing and
//! the Pod defaulting PSA sees.

#[path = "fixtures/pss/common.rs"]
mod common;

use common::*;
use k8s_openapi::api::core::v1::PodSpec;
use kubeward_podsecurity::defaults::apply_pod_defaults;
use kubeward_podsecurity::standards::{
    Level, NEWEST_MINOR, ParseError, PolicyVersion, Violation, all_checks, evaluate,
    forbidden_message, warning_message,
};
use serde_json::{Value, json};

/// The worked example: a Pod as submitted, then defaulted like the API server does.
fn demo() -> (
    k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    PodSpec,
) {
    let p = pod(json!({
        "hostNetwork": true,
        "initContainers": [{ "name": "init", "image": "busybox", "securityContext": { "privileged": true } }],
        "containers": [{
            "name": "app",
            "image": "nginx",
            "ports": [{ "containerPort": 8080 }],
            "securityContext": { "capabilities": { "add": ["NET_ADMIN", "SYS_TIME"] } }
        }],
        "volumes": [{ "name": "data", "hostPath": { "path": "/data" } }]
    }));
    let (meta, mut spec) = decode(&p);
    apply_pod_defaults(&mut spec);
    (meta, spec)
}

/// The worked example judged at `level`:latest: the violations, and the Forbidden
/// message the API server returns for them.
fn demo_forbidden(level: Level) -> (Vec<Violation>, String) {
    let (meta, spec) = demo();
    let v = evaluate(level, PolicyVersion::Latest, &meta, &spec);
    let message = forbidden_message("pods", "demo", level, "latest", &v);
    (v, message)
}

#[test]
fn worked_example_baseline_latest() {
    let (_, message) = demo_forbidden(Level::Baseline);
    assert_eq!(
        message,
        r#"pods "demo" is forbidden: violates PodSecurity "baseline:latest": non-default capabilities (container "app" must not include "NET_ADMIN", "SYS_TIME" in securityContext.capabilities.add), host namespaces (hostNetwork=true), hostPath volumes (volume "data"), hostPort (container "app" uses hostPort 8080), privileged (container "init" must not set securityContext.privileged=true)"#
    );
}

#[test]
fn worked_example_restricted_latest() {
    let (v, message) = demo_forbidden(Level::Restricted);
    assert_eq!(
        message,
        concat!(
            r#"pods "demo" is forbidden: violates PodSecurity "restricted:latest": "#,
            r#"host namespaces (hostNetwork=true), "#,
            r#"hostPort (container "app" uses hostPort 8080), "#,
            r#"privileged (container "init" must not set securityContext.privileged=true), "#,
            r#"allowPrivilegeEscalation != false (containers "init", "app" must set securityContext.allowPrivilegeEscalation=false), "#,
            r#"unrestricted capabilities (containers "init", "app" must set securityContext.capabilities.drop=["ALL"]; container "app" must not include "NET_ADMIN", "SYS_TIME" in securityContext.capabilities.add), "#,
            r#"restricted volume types (volume "data" uses restricted volume type "hostPath"), "#,
            r#"runAsNonRoot != true (pod or containers "init", "app" must set securityContext.runAsNonRoot=true), "#,
            r#"seccompProfile (pod or containers "init", "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#
        )
    );
    assert_eq!(
        warning_message(Level::Restricted, "v1.99", &v[..1]),
        r#"would violate PodSecurity "restricted:v1.99": host namespaces (hostNetwork=true)"#
    );
}

#[test]
fn workload_templates_are_not_defaulted() {
    // Without Pod defaulting the hostPort item disappears, as for a Deployment.
    let p = pod(json!({
        "hostNetwork": true,
        "containers": [{ "name": "app", "ports": [{ "containerPort": 8080 }] }]
    }));
    let got = eval("baseline", "latest", &p);
    assert_eq!(
        got.iter().map(|v| v.check).collect::<Vec<_>>(),
        ["hostNamespaces"]
    );
}

#[test]
fn pod_defaults_set_host_ports_only_with_host_network() {
    let spec = json!({
        "hostNetwork": true,
        "initContainers": [{ "name": "i", "ports": [{ "containerPort": 53, "hostPort": 0 }] }],
        "containers": [{ "name": "c", "ports": [{ "containerPort": 80 }, { "containerPort": 81, "hostPort": 9090 }] }],
        "ephemeralContainers": [{ "name": "e", "ports": [{ "containerPort": 7 }] }]
    });
    let (_, mut s) = decode(&pod(spec.clone()));
    apply_pod_defaults(&mut s);
    let host = |ports: &Option<Vec<k8s_openapi::api::core::v1::ContainerPort>>| {
        ports
            .iter()
            .flatten()
            .map(|p| p.host_port)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        host(&s.init_containers.as_ref().unwrap()[0].ports),
        [Some(53)]
    );
    assert_eq!(host(&s.containers[0].ports), [Some(80), Some(9090)]);
    assert_eq!(
        host(&s.ephemeral_containers.as_ref().unwrap()[0].ports),
        [None]
    );

    let mut off = spec;
    off["hostNetwork"] = json!(false);
    let (_, mut s) = decode(&pod(off));
    let before = s.clone();
    apply_pod_defaults(&mut s);
    assert_eq!(s, before);
}

#[test]
fn long_form_and_unknown_reason() {
    let mut v = Violation {
        check: "hostNamespaces",
        reason: "host namespaces".into(),
        detail: Some("hostPID=true".into()),
        paths: vec![],
    };
    assert_eq!(v.long_form(), "host namespaces (hostPID=true)");
    v.detail = None;
    assert_eq!(v.long_form(), "host namespaces");
    v.reason.clear();
    assert_eq!(v.long_form(), "unknown forbidden reason");
    let two = [
        Violation {
            check: "a",
            reason: "r1".into(),
            detail: None,
            paths: vec![],
        },
        Violation {
            check: "b",
            reason: "r2".into(),
            detail: Some("d".into()),
            paths: vec![],
        },
    ];
    assert_eq!(
        forbidden_message("deployments", "web", Level::Baseline, "v1.30", &two),
        r#"deployments "web" is forbidden: violates PodSecurity "baseline:v1.30": r1, r2 (d)"#
    );
    assert_eq!(
        warning_message(Level::Baseline, "latest", &two),
        r#"would violate PodSecurity "baseline:latest": r1, r2 (d)"#
    );
}

#[test]
fn level_and_version_parsing() {
    for bad in [
        "v01.2", "v1.02", "1.2", "v2.0", "v1.", "v1", "v1.x", "Latest", "v1.-1", " v1.2", "",
    ] {
        let err = bad.parse::<PolicyVersion>().unwrap_err();
        assert_eq!(err, ParseError::Version, "{bad:?}");
        assert_eq!(err.to_string(), r#"must be "latest" or "v1.x""#);
    }
    assert_eq!("v1.0".parse(), Ok(PolicyVersion::V1(0)));
    assert_eq!("v1.10".parse(), Ok(PolicyVersion::V1(10)));
    assert_eq!("v1.99".parse(), Ok(PolicyVersion::V1(99)));
    assert_eq!("latest".parse(), Ok(PolicyVersion::Latest));
    for bad in ["Baseline", "", "restricted ", "none"] {
        let err = bad.parse::<Level>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "must be one of privileged, baseline, restricted"
        );
    }
    assert_eq!("privileged".parse(), Ok(Level::Privileged));
    assert_eq!(PolicyVersion::V1(7).to_string(), "v1.7");
    assert_eq!(Level::Restricted.to_string(), "restricted");
}

/// A pod that fails every check that exists at v1.37.
fn everything_bad() -> Value {
    let mut p = plain();
    for (ptr, val) in [
        (
            "/metadata/annotations",
            json!({
                "container.apparmor.security.beta.kubernetes.io/container1": "unconfined",
                "seccomp.security.alpha.kubernetes.io/pod": "unconfined"
            }),
        ),
        ("/spec/hostPID", json!(true)),
        (
            "/spec/volumes",
            json!([{ "name": "h", "hostPath": { "path": "/" } }]),
        ),
        ("/spec/securityContext/runAsUser", json!(0)),
        (
            "/spec/securityContext/seccompProfile/type",
            json!("Unconfined"),
        ),
        (
            "/spec/securityContext/sysctls",
            json!([{ "name": "kernel.msgmax", "value": "1" }]),
        ),
        (
            "/spec/containers/0/ports",
            json!([{ "containerPort": 80, "hostPort": 80 }]),
        ),
        (
            "/spec/containers/0/livenessProbe/httpGet",
            json!({ "port": 80, "host": "h" }),
        ),
        (
            "/spec/containers/0/securityContext/capabilities/add",
            json!(["SYS_ADMIN"]),
        ),
        ("/spec/containers/0/securityContext/privileged", json!(true)),
        (
            "/spec/containers/0/securityContext/procMount",
            json!("Unmasked"),
        ),
        (
            "/spec/containers/0/securityContext/seLinuxOptions/user",
            json!("u"),
        ),
        (
            "/spec/containers/0/securityContext/windowsOptions/hostProcess",
            json!(true),
        ),
    ] {
        set(&mut p, ptr, val);
    }
    p
}

fn ids(level: &str, version: &str, p: &Value) -> Vec<&'static str> {
    eval(level, version, p).iter().map(|v| v.check).collect()
}

#[test]
fn run_order_is_sorted_baseline_then_sorted_restricted() {
    let p = everything_bad();
    assert_eq!(
        ids("baseline", "latest", &p).join(" "),
        "appArmorProfile capabilities_baseline hostNamespaces hostPathVolumes \
         hostPorts hostProbesAndHostLifecycle privileged procMount \
         seLinuxOptions seccompProfile_baseline sysctls windowsHostProcess"
    );
    assert_eq!(
        ids("restricted", "latest", &p).join(" "),
        "appArmorProfile hostNamespaces hostPorts hostProbesAndHostLifecycle \
         privileged seLinuxOptions sysctls windowsHostProcess \
         allowPrivilegeEscalation capabilities_restricted procMount_restricted \
         restrictedVolumes runAsNonRoot runAsUser seccompProfile_restricted"
    );
    assert_eq!(
        ids("restricted", "v1.0", &p).join(" "),
        "appArmorProfile capabilities_baseline hostNamespaces hostPorts \
         privileged procMount seLinuxOptions seccompProfile_baseline sysctls \
         windowsHostProcess restrictedVolumes runAsNonRoot"
    );
    assert!(ids("privileged", "latest", &p).is_empty());
    assert!(ids("privileged", "v1.0", &p).is_empty());
}

#[test]
fn versions_clamp_to_the_newest() {
    let p = everything_bad();
    let newest = format!("v1.{NEWEST_MINOR}");
    assert_eq!(NEWEST_MINOR, 37);
    for level in ["baseline", "restricted"] {
        assert_eq!(eval(level, "v1.99", &p), eval(level, "latest", &p));
        assert_eq!(eval(level, &newest, &p), eval(level, "latest", &p));
    }
    // v1.36 lacks the v1.37 sysctls; latest and v1.99 have them.
    let s = with(
        plain(),
        &[(
            "/spec/securityContext/sysctls",
            json!([{ "name": "net.ipv4.tcp_notsent_lowat", "value": "1" }]),
        )],
    );
    assert_eq!(ids("baseline", "v1.36", &s), ["sysctls"]);
    passes("baseline", "v1.37", &s);
    passes("baseline", "v1.99", &s);
    passes("baseline", "latest", &s);
}

#[test]
fn check_listing() {
    let got: Vec<(&str, Level, Vec<u32>)> = all_checks()
        .iter()
        .map(|c| (c.id, c.level, c.minimum_versions.clone()))
        .collect();
    let b = Level::Baseline;
    let r = Level::Restricted;
    let want: Vec<(&str, Level, Vec<u32>)> = vec![
        ("appArmorProfile", b, vec![0]),
        ("capabilities_baseline", b, vec![0]),
        ("hostNamespaces", b, vec![0]),
        ("hostPathVolumes", b, vec![0]),
        ("hostPorts", b, vec![0]),
        ("hostProbesAndHostLifecycle", b, vec![34]),
        ("privileged", b, vec![0]),
        ("procMount", b, vec![0, 35]),
        ("seLinuxOptions", b, vec![0, 31]),
        ("seccompProfile_baseline", b, vec![0, 19]),
        ("sysctls", b, vec![0, 27, 29, 32, 37]),
        ("windowsHostProcess", b, vec![0]),
        ("allowPrivilegeEscalation", r, vec![8, 25]),
        ("capabilities_restricted", r, vec![22, 25]),
        ("procMount_restricted", r, vec![35]),
        ("restrictedVolumes", r, vec![0]),
        ("runAsNonRoot", r, vec![0, 35]),
        ("runAsUser", r, vec![23, 35]),
        ("seccompProfile_restricted", r, vec![19, 25]),
    ];
    assert_eq!(got, want);
    let newest = all_checks()
        .iter()
        .flat_map(|c| c.minimum_versions.iter().copied())
        .max();
    assert_eq!(newest, Some(NEWEST_MINOR));
}

#[test]
fn empty_pod_spec_is_handled() {
    let p = pod(json!({ "containers": [] }));
    assert!(eval("baseline", "latest", &p).is_empty());
    assert!(eval("restricted", "latest", &p).is_empty());
    let default = PodSpec::default();
    let meta = Default::default();
    assert!(
        evaluate(
            Level::Restricted,
            PolicyVersion::V1(u32::MAX),
            &meta,
            &default
        )
        .is_empty()
    );
}
