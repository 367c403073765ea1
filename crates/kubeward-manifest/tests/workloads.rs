//! Pod templates of every workload kind, typed, and the errors of malformed ones.

mod common;

use common::{one, pos};
use kubeward_manifest::{WORKLOADS, Workload, pod_template};

const POD_SPEC: &str = "containers:\n- name: app\n  image: nginx\n  securityContext:\n    privileged: yes\n    runAsUser: 0x10\n";

fn indent(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    text.lines().map(|l| format!("{pad}{l}\n")).collect()
}

/// A workload of `kind` whose pod template (labels plus POD_SPEC) sits at its prefix.
fn workload(api_version: &str, kind: &str) -> String {
    let template = format!(
        "metadata:\n  labels: {{app: web}}\nspec:\n{}",
        indent(POD_SPEC, 2)
    );
    let body = match kind {
        "Pod" => template,
        "PodTemplate" => format!("template:\n{}", indent(&template, 2)),
        "CronJob" => format!(
            "spec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n{}",
            indent(&template, 8)
        ),
        _ => format!("spec:\n  template:\n{}", indent(&template, 4)),
    };
    format!("apiVersion: {api_version}\nkind: {kind}\nmetadata:\n  name: w\n{body}")
}

#[test]
fn every_workload_kind_yields_its_typed_template_at_its_prefix() {
    // (apiVersion, kinds, where their pod template sits)
    let cases: [(&str, &[&str], &str); 6] = [
        ("v1", &["Pod"], ""),
        ("v1", &["PodTemplate"], "template"),
        ("v1", &["ReplicationController"], "spec.template"),
        (
            "apps/v1",
            &["ReplicaSet", "Deployment", "StatefulSet", "DaemonSet"],
            "spec.template",
        ),
        ("batch/v1", &["Job"], "spec.template"),
        ("batch/v1", &["CronJob"], "spec.jobTemplate.spec.template"),
    ];
    let kinds = cases.iter().map(|(_, kinds, _)| kinds.len()).sum::<usize>();
    assert_eq!(kinds, WORKLOADS.len());
    for (api, kinds, prefix) in cases {
        for &kind in kinds {
            let r = one(&workload(api, kind));
            let t = pod_template(&r).unwrap().unwrap();
            assert_eq!(t.prefix, prefix, "{kind}");
            let expected_node = if prefix.is_empty() {
                &r.node
            } else {
                r.node.at(prefix).unwrap()
            };
            assert!(std::ptr::eq(t.node, expected_node), "{kind}");
            let c = &t.spec.containers[0];
            assert_eq!(c.image.as_deref(), Some("nginx"), "{kind}");
            let sc = c.security_context.as_ref().unwrap();
            assert_eq!(
                (sc.privileged, sc.run_as_user),
                (Some(true), Some(16)),
                "{kind}"
            );
            let app = t.metadata.labels.as_ref().and_then(|l| l.get("app"));
            assert_eq!(app.map(String::as_str), Some("web"), "{kind}");
        }
    }
}

#[test]
fn the_workload_table_answers_by_kind_and_by_resource() {
    for w in WORKLOADS {
        // Every row's resource is the API's plural: the kind lowercased, plus "s".
        assert_eq!(w.resource, format!("{}s", w.kind.to_lowercase()));
        assert_eq!(Workload::by_resource(w.resource), Some(w));
        for group in w.groups {
            let api = if group.is_empty() {
                "v1".to_owned()
            } else {
                format!("{group}/v1")
            };
            assert_eq!(Workload::by_kind(&api, w.kind), Some(w), "{api} {}", w.kind);
        }
        assert_eq!(w.is_pod(), w.kind == "Pod");
    }
    assert_eq!(Workload::by_resource("services"), None);
    assert_eq!(Workload::by_resource("Deployment"), None);
    assert_eq!(Workload::by_kind("extensions/v1beta1", "StatefulSet"), None);
    assert_eq!(Workload::by_kind("apps/v1", "Job"), None);
    let cron = Workload::by_resource("cronjobs").unwrap();
    assert_eq!(cron.template, "spec.jobTemplate.spec.template");
}

#[test]
fn other_kinds_and_same_named_custom_resources_are_not_workloads() {
    let r = one("apiVersion: v1\nkind: Service\nspec: {}\n");
    assert!(pod_template(&r).is_none());
    let r = one(&workload("batch.volcano.sh/v1alpha1", "Job"));
    assert!(pod_template(&r).is_none());
    let r = one(&workload("extensions/v1beta1", "Deployment"));
    assert!(pod_template(&r).unwrap().is_ok());
}

#[test]
fn missing_templates_and_specs_are_errors_at_the_nearest_line() {
    let r =
        one("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: 1\n");
    let e = pod_template(&r).unwrap().unwrap_err();
    assert_eq!(e.message, "Deployment has no spec.template");
    assert_eq!(e.pos, Some(pos(4, 1)));
    let r = one("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n");
    let e = pod_template(&r).unwrap().unwrap_err();
    assert_eq!(
        (e.message.as_str(), e.pos),
        ("Pod has no spec", Some(pos(1, 1)))
    );
    let r = one(
        "apiVersion: batch/v1\nkind: CronJob\nspec:\n  jobTemplate:\n    spec:\n      template:\n        metadata: {}\n",
    );
    let e = pod_template(&r).unwrap().unwrap_err();
    assert_eq!(
        e.message,
        "CronJob has no spec.jobTemplate.spec.template.spec"
    );
    assert_eq!(e.pos, Some(pos(6, 7)));
    let r = one("apiVersion: apps/v1\nkind: Deployment\nspec:\n  template: [1]\n");
    let e = pod_template(&r).unwrap().unwrap_err();
    assert_eq!(
        e.message,
        "Deployment: spec.template is a sequence, not a mapping"
    );
    assert_eq!(e.pos, Some(pos(4, 3)));
}

#[test]
fn wrong_field_types_name_the_line_of_the_bad_value() {
    let not_a_list = "apiVersion: v1\nkind: Pod\nspec:\n  containers: \"x\"\n";
    let not_a_bool = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    securityContext:\n      privileged: maybe\n";
    // A YAML 1.1 bool in a string field fails as Kubernetes' JSON decoding does.
    let yaml11_bool = "apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    enabled: yes\nspec:\n  containers: []\n";
    // A mapping where a list belongs points at the mapping.
    let map_for_list = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    ports:\n      containerPort: 80\n";
    // (document, line and column of the bad value, how the message opens or what it says)
    let cases = [
        (
            not_a_list,
            pos(4, 15),
            Msg::StartsWith("spec: invalid type: string \"x\""),
        ),
        (not_a_bool, pos(7, 19), Msg::Contains("expected a boolean")),
        (
            yaml11_bool,
            pos(5, 14),
            Msg::StartsWith("metadata: invalid type: boolean `true`"),
        ),
        (
            map_for_list,
            pos(7, 7),
            Msg::Contains("invalid type: map, expected a sequence"),
        ),
    ];
    for (doc, at, msg) in cases {
        let e = pod_template(&one(doc)).unwrap().unwrap_err();
        assert_eq!(e.pos, Some(at), "{doc}");
        msg.check(&e.message);
        assert_eq!(
            e.to_string(),
            format!("test.yaml:{}:{}: {}", at.line, at.col, e.message)
        );
    }
}

/// What an error message must say.
enum Msg {
    StartsWith(&'static str),
    Contains(&'static str),
}

impl Msg {
    fn check(&self, message: &str) {
        let ok = match self {
            Msg::StartsWith(p) => message.starts_with(p),
            Msg::Contains(p) => message.contains(p),
        };
        assert!(ok, "{message}");
    }
}

#[test]
fn values_decode_as_their_json_forms() {
    // `1.0` reaches the API server as JSON `1`; integers and quantities take it.
    let r = one(
        "apiVersion: v1\nkind: Pod\nspec:\n  securityContext:\n    runAsUser: 1000.0\n  containers:\n  - name: a\n    resources:\n      limits: {cpu: 1, memory: 0.5}\n  - name: a\n    image: first\n",
    );
    let t = pod_template(&r).unwrap().unwrap();
    assert_eq!(t.spec.security_context.unwrap().run_as_user, Some(1000));
    let limits = t.spec.containers[0]
        .resources
        .clone()
        .unwrap()
        .limits
        .unwrap();
    assert_eq!(limits["cpu"].0, "1");
    assert_eq!(limits["memory"].0, "0.5");
    let e = pod_template(&one(
        "apiVersion: v1\nkind: Pod\nspec:\n  securityContext: {runAsUser: 1.5}\n  containers: []\n",
    ))
    .unwrap()
    .unwrap_err();
    assert_eq!(e.pos, Some(pos(4, 32)));
    let e = pod_template(&one("apiVersion: v1\nkind: Pod\nspec:\n  securityContext: {runAsUser: .nan}\n  containers: []\n")).unwrap().unwrap_err();
    assert!(e.message.contains("NaN"), "{}", e.message);
}

#[test]
fn duplicated_keys_decode_to_the_last_one() {
    let r = one(
        "apiVersion: v1\nkind: Pod\nspec:\n  hostNetwork: false\n  containers: []\n  hostNetwork: true\n",
    );
    let t = pod_template(&r).unwrap().unwrap();
    assert_eq!(t.spec.host_network, Some(true));
}
