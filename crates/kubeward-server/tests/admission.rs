//! End to end: the admission webhook on a loopback port over TLS, driven with
//! AdmissionReview requests as the API server sends them.

use kubeward_testkit::has;
mod admission_support;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use admission_support::*;
use kubeward_server::admission::namespaces::NamespaceStore;
use kubeward_server::admission::pss::{Exemptions, PodSecurityConfiguration};
use kubeward_server::admission::{AdmissionConfig, FailurePolicy, Mode};
use serde_json::{Value, json};

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (format!("pod-security.kubernetes.io/{k}"), v.to_string()))
        .collect()
}

fn cluster() -> Arc<NamespaceStore> {
    let mut ns = HashMap::new();
    ns.insert("open".to_string(), BTreeMap::new());
    ns.insert("base".to_string(), labels(&[("enforce", "baseline")]));
    ns.insert(
        "strict".to_string(),
        labels(&[("enforce", "restricted"), ("enforce-version", "v1.30")]),
    );
    ns.insert(
        "mixed".to_string(),
        labels(&[
            ("enforce", "baseline"),
            ("audit", "restricted"),
            ("warn", "restricted"),
        ]),
    );
    ns.insert("typo".to_string(), labels(&[("enforce", "restrcited")]));
    ns.insert("system".to_string(), labels(&[("enforce", "restricted")]));
    NamespaceStore::fixed(ns)
}

fn exemptions() -> Exemptions {
    Exemptions {
        usernames: ["system:admin".to_string()].into(),
        namespaces: ["system".to_string()].into(),
        runtime_classes: ["kata".to_string()].into(),
    }
}

async fn server() -> Server {
    let cfg = AdmissionConfig {
        pod_security: PodSecurityConfiguration {
            exemptions: exemptions(),
            ..PodSecurityConfiguration::default()
        },
        ..AdmissionConfig::default()
    };
    Server::start(cfg, cluster()).await
}

/// A server admitting by the PodSecurityPolicies in `policy` (YAML).
async fn psp_server(policy: &str) -> Server {
    let cfg = AdmissionConfig {
        mode: Mode::Psp(Arc::new(load_policies(policy))),
        ..AdmissionConfig::default()
    };
    Server::start(cfg, cluster()).await
}

#[tokio::test]
async fn privileged_pod_is_denied_with_upstreams_message() {
    let s = server().await;
    let req = ReviewBuilder::pod("base", "bad", privileged_spec()).build();
    let (status, body) = s.post("/validate", &req).await;
    assert_eq!(status, 200);
    let resp = &body["response"];
    assert_eq!(resp["uid"], "uid-1");
    assert_eq!(resp["allowed"], false);
    assert_eq!(resp["status"]["code"], 403);
    assert_eq!(resp["status"]["reason"], "Forbidden");
    assert_eq!(
        resp["status"]["message"],
        "pods \"bad\" is forbidden: violates PodSecurity \"baseline:latest\": privileged (container \"app\" must not set securityContext.privileged=true)"
    );
    assert_eq!(
        resp["auditAnnotations"]["enforce-policy"],
        "baseline:latest"
    );
    assert_eq!(body["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(body["kind"], "AdmissionReview");
}

#[tokio::test]
async fn restricted_pod_is_allowed_and_warn_audit_follow_their_labels() {
    let s = server().await;
    let resp = s.validate_pod("strict", "good", restricted_spec()).await;
    assert_eq!(resp["allowed"], true);
    assert_eq!(
        resp["auditAnnotations"]["enforce-policy"],
        "restricted:v1.30"
    );
    assert!(resp.get("warnings").is_none());

    // Baseline-compliant, not restricted: allowed, warned and audited at restricted.
    let resp = s.validate_pod("mixed", "plain", plain_spec()).await;
    assert_eq!(resp["allowed"], true);
    let warning = resp["warnings"][0].as_str().unwrap_or_default();
    assert!(
        warning.starts_with(
            "would violate PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false"
        ),
        "{warning}"
    );
    assert_eq!(resp["auditAnnotations"]["audit-violations"], warning);
}

#[tokio::test]
async fn enforce_denial_suppresses_warnings_but_not_audit() {
    let s = server().await;
    let resp = s.validate_pod("mixed", "bad", privileged_spec()).await;
    assert_eq!(resp["allowed"], false);
    assert!(resp.get("warnings").is_none());
    assert!(
        resp["auditAnnotations"]["audit-violations"]
            .as_str()
            .unwrap_or_default()
            .starts_with("would violate PodSecurity \"restricted:latest\": privileged")
    );
}

#[tokio::test]
async fn workloads_are_warned_never_denied() {
    let s = server().await;
    let deploy = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "base"},
        "spec": {"template": {"metadata": {}, "spec": privileged_spec()}}
    });
    let req =
        ReviewBuilder::new("apps", "deployments", "Deployment", "base", "web", deploy).build();
    let (_, body) = s.post("/validate", &req).await;
    let resp = &body["response"];
    assert_eq!(resp["allowed"], true);
    assert_eq!(
        resp["warnings"][0],
        "would violate PodSecurity \"baseline:latest\": privileged (container \"app\" must not set securityContext.privileged=true)"
    );
    // Workloads get no enforce-policy annotation: enforcement happens on their pods.
    assert!(resp["auditAnnotations"].get("enforce-policy").is_none());

    let cron = json!({
        "apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": "tick", "namespace": "base"},
        "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": privileged_spec()}}}}
    });
    let req = ReviewBuilder::new("batch", "cronjobs", "CronJob", "base", "tick", cron).build();
    let (_, body) = s.post("/validate", &req).await;
    assert_eq!(body["response"]["allowed"], true);
    assert_eq!(
        body["response"]["warnings"].as_array().map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn updates_are_evaluated_only_when_significant() {
    let s = server().await;
    let old = pod_object("base", "bad", privileged_spec());
    let mut relabelled = old.clone();
    relabelled["metadata"]["labels"] = json!({"tier": "web"});
    let req = ReviewBuilder::pod("base", "bad", privileged_spec())
        .object(relabelled)
        .update(old.clone())
        .build();
    let (_, body) = s.post("/validate", &req).await;
    assert_eq!(
        body["response"]["allowed"], true,
        "label-only update passes"
    );

    let mut new_image = old.clone();
    new_image["spec"]["containers"][0]["image"] = json!("nginx:2");
    let req = ReviewBuilder::pod("base", "bad", privileged_spec())
        .object(new_image)
        .update(old)
        .build();
    let (_, body) = s.post("/validate", &req).await;
    assert_eq!(
        body["response"]["allowed"], false,
        "image change is re-evaluated"
    );
}

#[tokio::test]
async fn dry_run_gets_the_real_answer() {
    let s = server().await;
    let req = ReviewBuilder::pod("base", "bad", privileged_spec())
        .dry_run()
        .build();
    let (_, body) = s.post("/validate", &req).await;
    assert_eq!(body["response"]["allowed"], false);
    let metrics = s.get("/metrics").await.1;
    has(
        &metrics,
        "kubeward_admission_decisions_total{namespace=\"base\",resource=\"pods\",outcome=\"denied\",dry_run=\"true\"} 1",
    );
}

#[tokio::test]
async fn exemptions_by_user_namespace_and_runtime_class() {
    let s = server().await;
    let mut kata = privileged_spec();
    kata["runtimeClassName"] = json!("kata");
    for (ns, user, spec, exempt) in [
        ("base", "system:admin", privileged_spec(), json!("user")),
        ("system", "alice", privileged_spec(), json!("namespace")),
        ("base", "alice", kata, json!("runtimeClass")),
        // The exemption is exact: another user is still denied.
        ("base", "system:admin2", privileged_spec(), Value::Null),
    ] {
        let req = ReviewBuilder::pod(ns, "bad", spec).user(user).build();
        let (_, body) = s.post("/validate", &req).await;
        let resp = &body["response"];
        assert_eq!(resp["allowed"], !exempt.is_null(), "{ns} {user}: {resp}");
        assert_eq!(resp["auditAnnotations"]["exempt"], exempt, "{ns} {user}");
    }
}

#[tokio::test]
async fn subresources_exec_passes_ephemeral_containers_are_evaluated() {
    let s = server().await;
    let req = ReviewBuilder::pod("base", "bad", privileged_spec())
        .subresource("exec")
        .build();
    assert_eq!(
        s.post("/validate", &req).await.1["response"]["allowed"],
        true
    );

    let old = pod_object("base", "p", plain_spec());
    let mut new = old.clone();
    new["spec"]["ephemeralContainers"] = json!([{
        "name": "debug", "image": "busybox", "securityContext": {"privileged": true}
    }]);
    let req = ReviewBuilder::pod("base", "p", plain_spec())
        .object(new)
        .update(old)
        .subresource("ephemeralcontainers")
        .build();
    let (_, body) = s.post("/validate", &req).await;
    assert_eq!(body["response"]["allowed"], false);
    has(
        message(&body["response"]),
        "container \"debug\" must not set securityContext.privileged=true",
    );
}

#[tokio::test]
async fn bad_labels_fail_closed_with_an_error_annotation() {
    let s = server().await;
    let resp = s.validate_pod("typo", "plain", plain_spec()).await;
    assert_eq!(resp["allowed"], false, "bad enforce level is restricted");
    assert_eq!(
        resp["auditAnnotations"]["error"],
        "Failed to parse policy: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"restrcited\": must be one of privileged, baseline, restricted"
    );
}

#[tokio::test]
async fn unknown_namespace_follows_the_failure_policy() {
    let s = server().await;
    let body = s.review_pod("/validate", "ghost", "p", plain_spec()).await;
    assert_eq!(body["response"]["allowed"], false);
    assert_eq!(
        body["response"]["status"]["message"],
        "failed to lookup namespace \"ghost\""
    );

    let cfg = AdmissionConfig {
        failure_policy: FailurePolicy::Ignore,
        ..AdmissionConfig::default()
    };
    let open = Server::start(cfg, cluster()).await;
    let (_, body) = open
        .post(
            "/validate",
            &ReviewBuilder::pod("ghost", "p", plain_spec()).build(),
        )
        .await;
    assert_eq!(body["response"]["allowed"], true);
    assert!(body["response"]["auditAnnotations"]["error"].is_string());

    // Workloads never block on a lookup failure, whatever the policy.
    let deploy =
        json!({"metadata": {"name": "w"}, "spec": {"template": {"spec": privileged_spec()}}});
    let req = ReviewBuilder::new("apps", "deployments", "Deployment", "ghost", "w", deploy).build();
    assert_eq!(
        s.post("/validate", &req).await.1["response"]["allowed"],
        true
    );
}

#[tokio::test]
async fn namespace_labels_are_validated() {
    let s = server().await;
    let ns = |l: Value| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n", "labels": l}});
    let bad = ns(json!({"pod-security.kubernetes.io/enforce-version": "1.30"}));
    let req = ReviewBuilder::new("", "namespaces", "Namespace", "", "n", bad.clone()).build();
    let (_, body) = s.post("/validate", &req).await;
    assert_eq!(body["response"]["allowed"], false);
    assert_eq!(body["response"]["status"]["code"], 422);
    assert_eq!(
        body["response"]["status"]["message"],
        "Namespace \"n\" is invalid: metadata.labels[pod-security.kubernetes.io/enforce-version]: Invalid value: \"1.30\": must be \"latest\" or \"v1.x\""
    );
    // An update keeping the same bad labels is let through (it was already stored).
    let req = ReviewBuilder::new("", "namespaces", "Namespace", "", "n", bad.clone())
        .update(bad)
        .build();
    assert_eq!(
        s.post("/validate", &req).await.1["response"]["allowed"],
        true
    );

    // An exempt namespace asking for a policy is told it will be ignored.
    let sys = json!({"metadata": {"name": "system", "labels": {"pod-security.kubernetes.io/enforce": "restricted"}}});
    let req = ReviewBuilder::new("", "namespaces", "Namespace", "", "system", sys).build();
    let (_, body) = s.post("/validate", &req).await;
    assert_eq!(
        body["response"]["warnings"][0],
        "namespace \"system\" is exempt from Pod Security, and the policy (enforce=restricted:latest) will be ignored"
    );
}

#[tokio::test]
async fn malformed_oversized_and_foreign_bodies_get_4xx_and_the_server_keeps_serving() {
    let cfg = AdmissionConfig {
        max_body_bytes: 64 * 1024,
        ..AdmissionConfig::default()
    };
    let s = Server::start(cfg, cluster()).await;
    let (status, _) = s.post_raw("/validate", b"{not json".to_vec()).await;
    assert_eq!(status, 400);
    let (status, _) = s.post_raw("/validate", vec![b' '; 65 * 1024]).await;
    assert_eq!(status, 413);
    let mut wrong = ReviewBuilder::pod("base", "bad", privileged_spec()).build();
    wrong["apiVersion"] = json!("admission.k8s.io/v2");
    let (status, body) = s.post("/validate", &wrong).await;
    assert_eq!(status, 400);
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("admission.k8s.io/v2")
    );
    let mut wrong = ReviewBuilder::pod("base", "bad", privileged_spec()).build();
    wrong["kind"] = json!("TokenReview");
    assert_eq!(s.post("/validate", &wrong).await.0, 400);
    let (status, _) = s
        .post(
            "/validate",
            &json!({"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1"}),
        )
        .await;
    assert_eq!(status, 400, "a review without a request");

    // v1beta1 is answered in v1beta1.
    let mut beta = ReviewBuilder::pod("base", "bad", privileged_spec()).build();
    beta["apiVersion"] = json!("admission.k8s.io/v1beta1");
    let (_, body) = s.post("/validate", &beta).await;
    assert_eq!(body["apiVersion"], "admission.k8s.io/v1beta1");
    assert_eq!(body["response"]["allowed"], false);

    // Still serving, and counted.
    let (status, _) = s.get("/healthz").await;
    assert_eq!(status, 200);
    let metrics = s.get("/metrics").await.1;
    has(
        &metrics,
        "kubeward_admission_requests_total{endpoint=\"validate\",code=\"400\"} 4",
    );
    has(
        &metrics,
        "kubeward_admission_requests_total{endpoint=\"validate\",code=\"413\"} 1",
    );
    has(
        &metrics,
        "kubeward_admission_request_duration_seconds_bucket",
    );
}

#[tokio::test]
async fn readiness_waits_for_the_namespace_list() {
    let store = NamespaceStore::new();
    let s = Server::start(AdmissionConfig::default(), store.clone()).await;
    assert_eq!(s.get("/readyz").await.0, 503);
    assert_eq!(s.get("/healthz").await.0, 200);
    // A request in the meantime waits for the deadline, then fails as configured.
    let req = ReviewBuilder::pod("base", "p", plain_spec()).build();
    let (_, body) = s.post("/validate?timeout=1s", &req).await;
    assert_eq!(body["response"]["allowed"], false);
    assert_eq!(body["response"]["status"]["code"], 500);
    store.replace(HashMap::from([("base".to_string(), BTreeMap::new())]));
    assert_eq!(s.get("/readyz").await.0, 200);
    let (_, body) = s.post("/validate?timeout=1s", &req).await;
    assert_eq!(body["response"]["allowed"], true);
}

#[tokio::test]
async fn check_failures_are_counted_by_check_namespace_and_mode() {
    let s = server().await;
    s.post(
        "/validate",
        &ReviewBuilder::pod("mixed", "plain", plain_spec()).build(),
    )
    .await;
    let metrics = s.get("/metrics").await.1;
    has(
        &metrics,
        "kubeward_admission_check_failures_total{check=\"allowPrivilegeEscalation\",namespace=\"mixed\",mode=\"warn\"} 1",
    );
    has(
        &metrics,
        "kubeward_admission_check_failures_total{check=\"allowPrivilegeEscalation\",namespace=\"mixed\",mode=\"audit\"} 1",
    );
}

#[tokio::test]
async fn psp_mode_returns_the_defaults_patch_on_mutate() {
    let policy = r#"
apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata: {name: defaulting}
spec:
  privileged: false
  runAsUser: {rule: MustRunAs, ranges: [{min: 1000, max: 2000}]}
  seLinux: {rule: RunAsAny}
  supplementalGroups: {rule: RunAsAny}
  fsGroup: {rule: RunAsAny}
  volumes: ['*']
"#;
    let s = psp_server(policy).await;
    let body = s.review_pod("/mutate", "open", "p", plain_spec()).await;
    let resp = &body["response"];
    assert_eq!(resp["allowed"], true, "{resp}");
    assert_eq!(resp["patchType"], "JSONPatch");
    assert_eq!(resp["auditAnnotations"]["admit-policy"], "defaulting");
    // The chosen policy's annotation and its runAsUser default, against the pod as sent.
    assert_eq!(
        decode_patch(resp),
        vec![
            json!({"op": "add", "path": "/metadata/annotations", "value": {"kubernetes.io/psp": "defaulting"}}),
            json!({"op": "add", "path": "/spec/containers/0/securityContext", "value": {"runAsUser": 1000}}),
        ]
    );
    // Updates are not mutated.
    let old = pod_object("open", "p", plain_spec());
    let req = ReviewBuilder::pod("open", "p", plain_spec())
        .update(old)
        .build();
    let (_, body) = s.post("/mutate", &req).await;
    assert!(body["response"].get("patch").is_none());

    let resp = s.validate_pod("open", "bad", privileged_spec()).await;
    assert_eq!(resp["allowed"], false);
    assert!(
        message(&resp).starts_with("pods \"bad\" is forbidden: PodSecurityPolicy: unable to"),
        "{resp}"
    );
}

/// `object` null, or the key left out: the API server sends neither for CREATE or UPDATE.
fn without_object(review: Value, absent: bool) -> Value {
    let mut review = review;
    if absent {
        if let Some(req) = review["request"].as_object_mut() {
            req.remove("object");
        }
    } else {
        review["request"]["object"] = Value::Null;
    }
    review
}

fn denial(body: &Value) -> (bool, i64, String) {
    let r = &body["response"];
    (
        r["allowed"].as_bool().unwrap_or(true),
        r["status"]["code"].as_i64().unwrap_or(0),
        message(r).to_owned(),
    )
}

/// The internal error for a workload review without an object.
const MISSING_OBJECT: &str = "admission request has no object to evaluate";

#[tokio::test]
async fn pod_reviews_without_an_object_fail_closed_as_upstream() {
    let fail = server().await;
    let ignore = Server::start(
        AdmissionConfig {
            pod_security: PodSecurityConfiguration {
                exemptions: exemptions(),
                ..PodSecurityConfiguration::default()
            },
            failure_policy: FailurePolicy::Ignore,
            ..AdmissionConfig::default()
        },
        cluster(),
    )
    .await;
    for absent in [false, true] {
        let create = without_object(
            ReviewBuilder::pod("base", "p", plain_spec()).build(),
            absent,
        );
        // Upstream's type check answers 400; that is a decision, not a failed call, so
        // the failure policy does not turn it into an allow.
        for s in [&fail, &ignore] {
            let (_, body) = s.post("/validate", &create).await;
            assert_eq!(
                denial(&body),
                (false, 400, "failed to decode pod".into()),
                "{body}"
            );
        }
        let update = without_object(
            ReviewBuilder::pod("base", "p", plain_spec())
                .update(pod_object("base", "p", plain_spec()))
                .build(),
            absent,
        );
        let (_, body) = fail.post("/validate", &update).await;
        assert_eq!(denial(&body), (false, 400, "failed to decode pod".into()));
    }
    // An UPDATE without the old object is refused the same way.
    let no_old = ReviewBuilder::pod("base", "p", plain_spec())
        .update(Value::Null)
        .build();
    let (_, body) = fail.post("/validate", &no_old).await;
    assert_eq!(
        denial(&body),
        (false, 400, "failed to decode old pod".into())
    );
    // Upstream looks at the object only after its short-circuits: exempt namespaces and
    // all-privileged namespaces still pass.
    for ns in ["system", "open"] {
        let req = without_object(ReviewBuilder::pod(ns, "p", plain_spec()).build(), false);
        let (_, body) = fail.post("/validate", &req).await;
        assert_eq!(body["response"]["allowed"], true, "{ns}: {body}");
    }
    // A DELETE has no object and is not the plugin's business (it handles CREATE and
    // UPDATE only).
    let mut delete = without_object(ReviewBuilder::pod("base", "p", plain_spec()).build(), false);
    delete["request"]["operation"] = json!("DELETE");
    let (_, body) = fail.post("/validate", &delete).await;
    assert_eq!(body["response"]["allowed"], true, "{body}");
}

#[tokio::test]
async fn workload_and_namespace_reviews_without_an_object_fail_closed() {
    let fail = server().await;
    let ignore = Server::start(
        AdmissionConfig {
            failure_policy: FailurePolicy::Ignore,
            ..AdmissionConfig::default()
        },
        cluster(),
    )
    .await;
    let deploy = without_object(
        ReviewBuilder::new("apps", "deployments", "Deployment", "mixed", "w", json!({})).build(),
        false,
    );
    let (_, body) = fail.post("/validate", &deploy).await;
    assert_eq!(denial(&body), (false, 500, MISSING_OBJECT.into()), "{body}");
    // An internal error follows the failure policy: allowed, with the error annotated.
    let (_, body) = ignore.post("/validate", &deploy).await;
    assert_eq!(body["response"]["allowed"], true, "{body}");
    assert_eq!(
        body["response"]["auditAnnotations"]["error"],
        MISSING_OBJECT
    );

    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}});
    let namespace = || ReviewBuilder::new("", "namespaces", "Namespace", "", "n", ns.clone());
    for (review, message) in [
        (
            without_object(namespace().build(), true),
            "failed to decode namespace",
        ),
        (
            namespace().update(Value::Null).build(),
            "failed to decode old namespace",
        ),
    ] {
        let (_, body) = fail.post("/validate", &review).await;
        assert_eq!(denial(&body), (false, 400, message.into()), "{body}");
    }
}

#[tokio::test]
async fn psp_reviews_without_an_object_are_forbidden_as_the_plugin_does() {
    let policy = r#"
apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata: {name: anything}
spec: {privileged: true, runAsUser: {rule: RunAsAny}, seLinux: {rule: RunAsAny}, supplementalGroups: {rule: RunAsAny}, fsGroup: {rule: RunAsAny}, volumes: ['*']}
"#;
    let s = psp_server(policy).await;
    // Object null on a named pod, object left out on an unnamed one.
    for path in ["/mutate", "/validate"] {
        for (name, absent, shown) in [("p", false, "p"), ("", true, "Unknown")] {
            let review = without_object(
                ReviewBuilder::pod("open", name, plain_spec()).build(),
                absent,
            );
            let (_, body) = s.post(path, &review).await;
            let message = format!("pods \"{shown}\" is forbidden: unexpected type <nil>");
            assert_eq!(denial(&body), (false, 403, message), "{path}: {body}");
        }
    }
    // With the object, the same permissive policy admits the pod.
    let resp = s.validate_pod("open", "p", privileged_spec()).await;
    assert_eq!(resp["allowed"], true, "{resp}");
}

#[tokio::test]
async fn configured_defaults_apply_to_unlabelled_namespaces_only() {
    use kubeward_podsecurity::standards::config::Defaults;
    use kubeward_podsecurity::standards::namespace::Policy;
    use kubeward_podsecurity::standards::{Level, PolicyVersion};
    let defaults = Defaults {
        enforce: Policy {
            level: Level::Baseline,
            version: PolicyVersion::V1(29),
        },
        warn: Policy {
            level: Level::Restricted,
            version: PolicyVersion::Latest,
        },
        ..Defaults::default()
    };
    let cfg = AdmissionConfig {
        pod_security: PodSecurityConfiguration {
            defaults,
            ..PodSecurityConfiguration::default()
        },
        ..AdmissionConfig::default()
    };
    let s = Server::start(cfg, cluster()).await;
    // `open` has no labels: the configured defaults decide, in every mode.
    let resp = s.validate_pod("open", "bad", privileged_spec()).await;
    assert_eq!(resp["allowed"], false);
    assert_eq!(resp["auditAnnotations"]["enforce-policy"], "baseline:v1.29");
    let resp = s.validate_pod("open", "plain", plain_spec()).await;
    assert_eq!(resp["allowed"], true);
    let warning = resp["warnings"][0].as_str().unwrap_or_default();
    assert!(
        warning.starts_with("would violate PodSecurity \"restricted:latest\""),
        "{warning}"
    );
    // A labelled namespace keeps its labels: `strict` enforces restricted:v1.30.
    let resp = s.validate_pod("strict", "good", restricted_spec()).await;
    assert_eq!(
        resp["auditAnnotations"]["enforce-policy"],
        "restricted:v1.30"
    );
}
