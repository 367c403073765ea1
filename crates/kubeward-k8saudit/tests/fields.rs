//! Extraction semantics of every k8saudit/json field family, on hand-written events.

use kubeward_k8saudit::extract::extract;
use kubeward_k8saudit::fields::find;
use kubeward_k8saudit::json::Json;
use kubeward_k8saudit::{AuditEvent, source_spec};
use kubeward_rules::source::{Event, FieldArg, FieldRef, Value};

fn event(text: &str) -> AuditEvent<'_> {
    let json: Json<'_> = serde_json::from_str(text).unwrap();
    AuditEvent::from_json(json, true).unwrap()
}

fn get(ev: &AuditEvent<'_>, field: &str, arg: FieldArg) -> Option<Vec<String>> {
    let info = find(field).unwrap_or_else(|| panic!("no field {field}"));
    let mut out = Vec::new();
    let present = extract(info, &arg, ev, &mut out);
    assert_eq!(present, !out.is_empty());
    present.then(|| {
        out.into_iter()
            .map(|v| match v {
                Value::Str(s) => s.into_owned(),
                other => panic!("non-string value {other:?}"),
            })
            .collect()
    })
}

fn one(ev: &AuditEvent<'_>, field: &str) -> Option<String> {
    get(ev, field, FieldArg::None).map(|v| v.join("|"))
}

fn idx(ev: &AuditEvent<'_>, field: &str, i: u64) -> Option<String> {
    get(ev, field, FieldArg::Index(i)).map(|v| v.join("|"))
}

fn key(ev: &AuditEvent<'_>, field: &str, k: &str) -> Option<String> {
    get(ev, field, FieldArg::Key(k.into())).map(|v| v.join("|"))
}

const POD: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse",
 "auditID":"a1","stage":"ResponseComplete","verb":"create",
 "requestURI":"/api/v1/namespaces/dev/pods?dryRun=All&fieldManager=kubectl",
 "user":{"username":"alice","groups":["dev","system:authenticated"]},
 "impersonatedUser":{"username":"bob"},
 "sourceIPs":["10.0.0.7"],"userAgent":"kubectl/v1.31",
 "objectRef":{"resource":"pods","namespace":"dev","name":"web","apiVersion":"v1"},
 "responseStatus":{"metadata":{},"code":201},
 "requestObject":{"kind":"Pod","spec":{
   "hostNetwork":true,"hostPID":false,"runAsUser":7,
   "securityContext":{"runAsUser":1000,"runAsGroup":3000,"fsGroup":2000,"supplementalGroups":[4,5]},
   "containers":[
     {"name":"app","image":"reg.example:5000/team/app:1.2","command":["sh","-c"],"args":["echo","hi"],
      "securityContext":{"privileged":true,"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,
        "runAsUser":0,"runAsGroup":1,"procMount":"Unmasked","capabilities":{"add":["NET_ADMIN","SYS_TIME"]}},
      "ports":[{"containerPort":80},{"containerPort":443,"hostPort":8443}]},
     {"name":"side","image":"busybox@sha256:abc","runAsUser":42,"ports":[{"name":"x"}]},
     {"name":"plain","image":"nginx"}],
   "initContainers":[{"name":"init","image":"alpine:3","securityContext":{"privileged":false},"ports":[{"hostPort":9}]}],
   "ephemeralContainers":[{"name":"dbg","image":"debug/tools:latest","securityContext":{"capabilities":{"add":["SYS_PTRACE"]}}}],
   "volumes":[{"name":"root","hostPath":{"path":"/etc/kubernetes","type":"Directory"}},
              {"name":"cfg","configMap":{"name":"c"}},
              {"name":"flex","flexVolume":{"driver":"acme/x"}}]}},
 "responseObject":{"metadata":{"name":"web"}},
 "annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by RoleBinding \"dev\"",
   "pod-security.kubernetes.io/audit-violations":"would violate baseline","cluster_name":"prod",
   "validation.policy.admission.k8s.io/validation_failure":"[{}]",
   "authentication.openshift.io/decision":"allow","authentication.openshift.io/username":"oc-user"},
 "requestReceivedTimestamp":"2024-05-01T10:00:00.000000Z","stageTimestamp":"2024-05-01T10:00:00.123456Z"}"#;

#[test]
fn scalar_fields_and_annotations() {
    let ev = event(POD);
    assert_eq!(one(&ev, "ka.auditid").as_deref(), Some("a1"));
    assert_eq!(one(&ev, "ka.stage").as_deref(), Some("ResponseComplete"));
    assert_eq!(one(&ev, "ka.verb").as_deref(), Some("create"));
    assert_eq!(one(&ev, "ka.user.name").as_deref(), Some("alice"));
    assert_eq!(
        one(&ev, "ka.user.groups").as_deref(),
        Some("dev|system:authenticated")
    );
    assert_eq!(one(&ev, "ka.impuser.name").as_deref(), Some("bob"));
    assert_eq!(one(&ev, "ka.useragent").as_deref(), Some("kubectl/v1.31"));
    assert_eq!(one(&ev, "ka.auth.decision").as_deref(), Some("allow"));
    assert_eq!(
        one(&ev, "ka.auth.reason").as_deref(),
        Some("RBAC: allowed by RoleBinding \"dev\"")
    );
    assert_eq!(
        one(&ev, "ka.auth.openshift.decision").as_deref(),
        Some("allow")
    );
    assert_eq!(
        one(&ev, "ka.auth.openshift.username").as_deref(),
        Some("oc-user")
    );
    assert_eq!(
        one(&ev, "ka.security.pod.violations").as_deref(),
        Some("would violate baseline")
    );
    assert_eq!(
        one(&ev, "ka.validations.admission.policy.failure").as_deref(),
        Some("[{}]")
    );
    assert_eq!(one(&ev, "ka.cluster.name").as_deref(), Some("prod"));
    // Numbers come out as their JSON text.
    assert_eq!(one(&ev, "ka.response.code").as_deref(), Some("201"));
    assert_eq!(one(&ev, "ka.response.reason"), None);
    assert_eq!(one(&ev, "ka.resp.name").as_deref(), Some("web"));
    assert_eq!(one(&ev, "ka.target.name").as_deref(), Some("web"));
    assert_eq!(one(&ev, "ka.target.namespace").as_deref(), Some("dev"));
    assert_eq!(one(&ev, "ka.target.resource").as_deref(), Some("pods"));
    assert_eq!(one(&ev, "ka.target.subresource"), None);
    assert_eq!(one(&ev, "ka.target.pod.name").as_deref(), Some("web"));
    assert_eq!(
        key(&ev, "ka.uri.param", "fieldManager").as_deref(),
        Some("kubectl")
    );
    assert_eq!(key(&ev, "ka.uri.param", "nope"), None);
    assert_eq!(
        key(&ev, "ka.req.binding.subject.has_name", "anything").as_deref(),
        Some("true")
    );
    assert_eq!(one(&ev, "ka.req.pod.host_network").as_deref(), Some("true"));
    assert_eq!(
        one(&ev, "ka.req.container.host_network").as_deref(),
        Some("true")
    );
    assert_eq!(one(&ev, "ka.req.pod.host_pid").as_deref(), Some("false"));
    assert_eq!(one(&ev, "ka.req.pod.host_ipc"), None);
    assert_eq!(one(&ev, "ka.req.pod.run_as_user").as_deref(), Some("1000"));
    assert_eq!(one(&ev, "ka.req.pod.run_as_group").as_deref(), Some("3000"));
    assert_eq!(one(&ev, "ka.req.pod.fs_group").as_deref(), Some("2000"));
    assert_eq!(
        one(&ev, "ka.req.pod.supplemental_groups").as_deref(),
        Some("4|5")
    );
    // The client addresses are not where the plugin looks (requestObject.rules).
    assert_eq!(one(&ev, "ka.sourceips"), None);
}

#[test]
fn container_lists() {
    let ev = event(POD);
    assert_eq!(
        one(&ev, "ka.req.pod.containers.name").as_deref(),
        Some("app|side|plain")
    );
    assert_eq!(
        one(&ev, "ka.req.pod.containers.image").as_deref(),
        Some("reg.example:5000/team/app:1.2|busybox@sha256:abc|nginx")
    );
    // Cut at the first ':' (a registry port too), then at '@'.
    assert_eq!(
        one(&ev, "ka.req.pod.containers.image.repository").as_deref(),
        Some("reg.example|busybox|nginx")
    );
    assert_eq!(
        idx(&ev, "ka.req.pod.containers.image", 1).as_deref(),
        Some("busybox@sha256:abc")
    );
    assert_eq!(idx(&ev, "ka.req.pod.containers.image", 3), None);
    assert_eq!(
        one(&ev, "ka.req.container.image").as_deref(),
        Some("reg.example:5000/team/app:1.2")
    );
    assert_eq!(
        one(&ev, "ka.req.container.image.repository").as_deref(),
        Some("reg.example")
    );
    assert_eq!(
        one(&ev, "ka.req.pod.containers.command").as_deref(),
        Some("sh -c")
    );
    assert_eq!(
        one(&ev, "ka.req.pod.containers.args").as_deref(),
        Some("echo hi")
    );
    // Containers that do not set a value are skipped.
    assert_eq!(
        one(&ev, "ka.req.pod.containers.privileged").as_deref(),
        Some("true")
    );
    assert_eq!(
        one(&ev, "ka.req.pod.containers.allow_privilege_escalation").as_deref(),
        Some("false")
    );
    assert_eq!(
        one(&ev, "ka.req.pod.containers.read_only_fs").as_deref(),
        Some("true")
    );
    assert_eq!(
        one(&ev, "ka.req.pod.containers.run_as_user").as_deref(),
        Some("0")
    );
    assert_eq!(
        one(&ev, "ka.req.pod.containers.run_as_group").as_deref(),
        Some("1")
    );
    assert_eq!(
        one(&ev, "ka.req.pod.containers.proc_mount").as_deref(),
        Some("Unmasked")
    );
    assert_eq!(idx(&ev, "ka.req.pod.containers.privileged", 1), None);
    // The whole add array as JSON text, per container.
    assert_eq!(
        one(&ev, "ka.req.pod.containers.add_capabilities").as_deref(),
        Some(r#"["NET_ADMIN","SYS_TIME"]"#)
    );
    assert_eq!(
        one(&ev, "ka.req.container.privileged").as_deref(),
        Some("true")
    );
    // hostPort, else containerPort; ports without either give nothing.
    assert_eq!(
        one(&ev, "ka.req.pod.containers.host_port").as_deref(),
        Some("80|8443")
    );
    assert_eq!(
        one(&ev, "ka.req.pod.initContainers.host_port").as_deref(),
        Some("9")
    );
    assert_eq!(
        one(&ev, "ka.req.pod.initContainers.image.repository").as_deref(),
        Some("alpine")
    );
    assert_eq!(
        one(&ev, "ka.req.pod.initContainers.privileged").as_deref(),
        Some("false")
    );
    assert_eq!(
        one(&ev, "ka.req.pod.ephemeralContainers.name").as_deref(),
        Some("dbg")
    );
    assert_eq!(
        one(&ev, "ka.req.pod.ephemeralContainers.image.repository").as_deref(),
        Some("debug/tools")
    );
    assert_eq!(
        one(&ev, "ka.req.pod.ephemeralContainers.add_capabilities").as_deref(),
        Some(r#"["SYS_PTRACE"]"#)
    );
    assert_eq!(one(&ev, "ka.req.pod.ephemeralContainers.privileged"), None);
}

#[test]
fn effective_run_as_reproduces_the_plugin_lookup() {
    let ev = event(POD);
    // Upstream reads containers[].runAsUser and spec.runAsUser (no securityContext):
    // "side" sets the former, the others fall back to spec.runAsUser (7).
    assert_eq!(
        one(&ev, "ka.req.pod.containers.eff_run_as_user").as_deref(),
        Some("7|42|7")
    );
    // No spec.runAsGroup anywhere: "0" for every container.
    assert_eq!(
        one(&ev, "ka.req.pod.containers.eff_run_as_group").as_deref(),
        Some("0|0|0")
    );
    assert_eq!(
        idx(&ev, "ka.req.pod.containers.eff_run_as_user", 1).as_deref(),
        Some("42")
    );
    assert_eq!(
        one(&ev, "ka.req.pod.initContainers.eff_run_as_user").as_deref(),
        Some("7")
    );
}

#[test]
fn missing_container_key_drops_name_and_image() {
    let ev = event(
        r#"{"kind":"Event","auditID":"x","stageTimestamp":"2024-01-01T00:00:00Z",
        "requestObject":{"spec":{"containers":[{"name":"a","image":"i"},{"name":"b"}]}}}"#,
    );
    assert_eq!(one(&ev, "ka.req.pod.containers.image"), None);
    assert_eq!(one(&ev, "ka.req.pod.containers.image.repository"), None);
    assert_eq!(
        one(&ev, "ka.req.pod.containers.name").as_deref(),
        Some("a|b")
    );
    assert_eq!(
        idx(&ev, "ka.req.pod.containers.image", 0).as_deref(),
        Some("i")
    );
    // No securityContext at all: no values, so missing; the deprecated field says false.
    assert_eq!(one(&ev, "ka.req.pod.containers.privileged"), None);
    assert_eq!(
        one(&ev, "ka.req.container.privileged").as_deref(),
        Some("false")
    );
    assert_eq!(one(&ev, "ka.req.pod.volumes.hostpath"), None);
}

#[test]
fn volumes() {
    let ev = event(POD);
    assert_eq!(
        one(&ev, "ka.req.pod.volumes.hostpath").as_deref(),
        Some("/etc/kubernetes")
    );
    assert_eq!(
        one(&ev, "ka.req.pod.volumes.flexvolume_driver").as_deref(),
        Some("acme/x")
    );
    assert_eq!(
        one(&ev, "ka.req.pod.volumes.volume_type").as_deref(),
        Some("hostPath|configMap|flexVolume")
    );
    assert_eq!(
        idx(&ev, "ka.req.pod.volumes.volume_type", 1).as_deref(),
        Some("configMap")
    );
    assert_eq!(
        key(&ev, "ka.req.volume.hostpath", "/etc/kubernetes").as_deref(),
        Some("true")
    );
    assert_eq!(
        key(&ev, "ka.req.volume.hostpath", "/etc*").as_deref(),
        Some("true")
    );
    assert_eq!(
        key(&ev, "ka.req.volume.hostpath", "/etc").as_deref(),
        Some("false")
    );
    assert_eq!(
        key(&ev, "ka.req.volume.hostpath", "/var*").as_deref(),
        Some("false")
    );
}

#[test]
fn bindings_roles_services_configmaps() {
    let ev = event(
        r#"{"kind":"Event","auditID":"b","stageTimestamp":"2024-01-01T00:00:00Z",
        "objectRef":{"resource":"clusterrolebindings","name":"crb"},
        "requestObject":{"roleRef":{"kind":"ClusterRole","name":"cluster-admin"},
          "subjects":[{"kind":"User","name":"eve"},{"kind":"Group","name":"ops"},
                      {"kind":"ServiceAccount","name":"ci","namespace":"build"},
                      {"kind":"ServiceAccount","name":"nons"}],
          "rules":[{"apiGroups":[""],"resources":["pods","secrets"],"verbs":["get","*"]},
                   {"nonResourceURLs":["/metrics"],"verbs":["get"]}],
          "data":{"k":"v"},
          "spec":{"type":"NodePort","ports":[{"port":80,"nodePort":30080}]}}}"#,
    );
    assert_eq!(
        one(&ev, "ka.req.binding.role").as_deref(),
        Some("cluster-admin")
    );
    assert_eq!(
        get(&ev, "ka.req.binding.subjects", FieldArg::None).unwrap()[0],
        r#"{"kind":"User","name":"eve"}"#
    );
    assert_eq!(
        one(&ev, "ka.req.binding.subjects.user_names").as_deref(),
        Some("eve")
    );
    assert_eq!(
        one(&ev, "ka.req.binding.subjects.group_names").as_deref(),
        Some("ops")
    );
    assert_eq!(
        one(&ev, "ka.req.binding.subjects.serviceaccount_names").as_deref(),
        Some("ci|nons")
    );
    assert_eq!(
        one(&ev, "ka.req.binding.subjects.serviceaccount_ns_names").as_deref(),
        Some("build:ci")
    );
    assert_eq!(
        one(&ev, "ka.req.role.rules.resources").as_deref(),
        Some("pods|secrets")
    );
    assert_eq!(
        one(&ev, "ka.req.role.rules.verbs").as_deref(),
        Some("get|*|get")
    );
    assert_eq!(
        idx(&ev, "ka.req.role.rules.verbs", 1).as_deref(),
        Some("get")
    );
    assert_eq!(one(&ev, "ka.req.role.rules.apiGroups").as_deref(), Some(""));
    assert_eq!(
        one(&ev, "ka.req.role.rules.nonResourceURLs").as_deref(),
        Some("/metrics")
    );
    assert_eq!(
        get(&ev, "ka.req.role.rules", FieldArg::None).map(|v| v.len()),
        Some(2)
    );
    assert_eq!(
        one(&ev, "ka.req.configmap.obj").as_deref(),
        Some(r#"{"k":"v"}"#)
    );
    assert_eq!(one(&ev, "ka.req.configmap.name").as_deref(), Some("crb"));
    assert_eq!(one(&ev, "ka.req.service.type").as_deref(), Some("NodePort"));
    // One value: the whole array, whatever the index.
    assert_eq!(
        one(&ev, "ka.req.service.ports").as_deref(),
        Some(r#"[{"port":80,"nodePort":30080}]"#)
    );
    assert_eq!(
        idx(&ev, "ka.req.service.ports", 5).as_deref(),
        Some(r#"[{"port":80,"nodePort":30080}]"#)
    );
    // Not a pod: no target pod name.
    assert_eq!(one(&ev, "ka.target.pod.name"), None);
}

#[test]
fn wrong_types_are_missing() {
    let ev = event(
        r#"{"kind":"Event","auditID":"w","stageTimestamp":"2024-01-01T00:00:00Z",
        "user":{"username":{"nested":1},"groups":"not-a-list"},
        "requestObject":{"subjects":"x","spec":{"containers":{"image":"x"}}}}"#,
    );
    assert_eq!(one(&ev, "ka.user.name").as_deref(), Some(r#"{"nested":1}"#));
    assert_eq!(one(&ev, "ka.user.groups"), None);
    assert_eq!(one(&ev, "ka.req.binding.subjects"), None);
    assert_eq!(one(&ev, "ka.req.binding.subjects.user_names"), None);
    // A non-array containers value is looked up as an object, as fastjson does.
    assert_eq!(
        one(&ev, "ka.req.pod.containers.image").as_deref(),
        Some("x")
    );
}

#[test]
fn ka_fields_need_an_audit_id_json_fields_do_not() {
    let ev = event(
        r#"{"kind":"Event","stage":"ResponseComplete","verb":"get","stageTimestamp":"2024-01-01T00:00:00.5Z"}"#,
    );
    assert_eq!(one(&ev, "ka.verb"), None);
    assert_eq!(one(&ev, "ka.req.binding.subject.has_name"), None);
    assert_eq!(key(&ev, "jevt.value", "/verb").as_deref(), Some("get"));
    assert_eq!(
        one(&ev, "jevt.rawtime").as_deref(),
        Some("1704067200500000000")
    );
}

#[test]
fn json_pointer_values() {
    let ev = event(
        r#"{"kind":"Event","auditID":"j","stageTimestamp":"2024-01-01T00:00:00Z",
        "a/b":{"c~d":[10,{"e":true}]},"sp ace":"s","user":{"username":"u"}}"#,
    );
    assert_eq!(
        key(&ev, "jevt.value", "/user/username").as_deref(),
        Some("u")
    );
    assert_eq!(
        key(&ev, "json.value", "user/username").as_deref(),
        Some("u")
    );
    assert_eq!(
        key(&ev, "json.value", "/a~1b/c~0d/0").as_deref(),
        Some("10")
    );
    assert_eq!(
        key(&ev, "json.value", "/a~1b/c~0d/1").as_deref(),
        Some(r#"{"e":true}"#)
    );
    assert_eq!(
        key(&ev, "json.value", "/a~1b/c~0d/1/e").as_deref(),
        Some("true")
    );
    assert_eq!(key(&ev, "json.value", "/a~1b/c~0d/2"), None);
    assert_eq!(key(&ev, "json.value", "/sp ace").as_deref(), Some("s"));
    assert_eq!(
        key(&ev, "json.value", "/user"),
        Some(r#"{"username":"u"}"#.into())
    );
    assert_eq!(key(&ev, "json.value", "/nope"), None);
}

#[test]
fn json_obj_is_indented_in_input_order() {
    let ev = event(r#"{"kind":"Event","stageTimestamp":"2024-01-01T00:00:00Z","b":[1,2],"a":{}}"#);
    assert_eq!(
        one(&ev, "jevt.obj").as_deref(),
        Some(
            "{\n  \"kind\": \"Event\",\n  \"stageTimestamp\": \"2024-01-01T00:00:00Z\",\n  \"b\": [\n    1,\n    2\n  ],\n  \"a\": {}\n}"
        )
    );
    assert_eq!(one(&ev, "json.obj"), one(&ev, "jevt.obj"));
}

#[test]
fn uri_param_uses_go_query_rules() {
    let ev = event(
        r#"{"kind":"Event","auditID":"u","stageTimestamp":"2024-01-01T00:00:00Z",
        "requestURI":"/api/v1/namespaces/d/pods/p/exec?command=%2Fbin%2Fsh&command=-i&container=c+1"}"#,
    );
    assert_eq!(
        key(&ev, "ka.uri.param", "command").as_deref(),
        Some("/bin/sh")
    );
    assert_eq!(
        key(&ev, "ka.uri.param", "container").as_deref(),
        Some("c 1")
    );
    let bad = event(
        r#"{"kind":"Event","auditID":"u","stageTimestamp":"2024-01-01T00:00:00Z","requestURI":"/x?a=1;b=2"}"#,
    );
    assert_eq!(key(&bad, "ka.uri.param", "a"), None);
}

#[test]
fn engine_event_impl_and_spec() {
    let spec = source_spec();
    assert_eq!(spec.name, "k8s_audit");
    assert!(
        spec.plugins
            .iter()
            .any(|p| p.name == "k8saudit" && p.version == "0.18.0")
    );
    let def = spec.field("ka.req.pod.containers.image").unwrap();
    assert!(def.list);
    let ev = event(POD);
    let mut out = vec![Value::str("keep")];
    ev.extract(
        &FieldRef {
            id: def.id,
            arg: FieldArg::None,
        },
        &mut out,
    );
    assert_eq!(out.len(), 4, "appends after existing values");
    assert_eq!(out[0], Value::str("keep"));
    ev.extract(
        &FieldRef {
            id: u32::MAX,
            arg: FieldArg::None,
        },
        &mut out,
    );
    assert_eq!(out.len(), 4, "unknown ids extract nothing");
    assert_eq!(Event::time_ns(&ev), 1_714_557_600_123_456_000);
}
