//! PSP mode authorizes `use` of each policy as the plugin did: the pod's service account
//! or the requesting user, group `policy` then `extensions`, through SubjectAccessReviews
//! answered by a fake API server on 127.0.0.1 (which counts them).

mod admission_support;
mod fake_api;

use std::sync::Arc;
use std::time::Duration;

use admission_support::*;
use fake_api::{Sar, client, serve};
use kubeward_server::admission::authz::SarAuthorizer;
use kubeward_server::admission::namespaces::NamespaceStore;
use kubeward_server::admission::{AdmissionConfig, FailurePolicy, Mode, PolicyAuthorization};
use serde_json::{Value, json};

/// Two policies that both admit a plain pod by defaulting its user: `a-low` to 1000,
/// `b-high` to 3000. `a-low` wins by name whenever both are usable.
const POLICIES: &str = r#"
apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata: {name: a-low}
spec:
  runAsUser: {rule: MustRunAs, ranges: [{min: 1000, max: 2000}]}
  seLinux: {rule: RunAsAny}
  supplementalGroups: {rule: RunAsAny}
  fsGroup: {rule: RunAsAny}
  volumes: ['*']
---
apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata: {name: b-high}
spec:
  runAsUser: {rule: MustRunAs, ranges: [{min: 3000, max: 4000}]}
  seLinux: {rule: RunAsAny}
  supplementalGroups: {rule: RunAsAny}
  fsGroup: {rule: RunAsAny}
  volumes: ['*']
"#;

struct Setup {
    server: Server,
    sar: Sar,
    authorizer: Arc<SarAuthorizer>,
}

async fn setup(table: &[(&str, &str, &str)], ttl: Duration, failure: FailurePolicy) -> Setup {
    let sar = Sar::allowing(table);
    let api = serve(sar.router()).await;
    let authorizer = Arc::new(SarAuthorizer::new(client(api), ttl, 64));
    let cfg = AdmissionConfig {
        mode: Mode::Psp(Arc::new(load_policies(POLICIES))),
        psp_authorization: PolicyAuthorization::SubjectAccessReview(authorizer.clone()),
        failure_policy: failure,
        ..AdmissionConfig::default()
    };
    let server = Server::start(cfg, NamespaceStore::fixed(Default::default())).await;
    Setup {
        server,
        sar,
        authorizer,
    }
}

/// A CREATE review of a plain pod in `ns` by `user`.
fn review(ns: &str, user: &str, service_account: Option<&str>) -> Value {
    let mut spec = plain_spec();
    if let Some(sa) = service_account {
        spec["serviceAccountName"] = json!(sa);
    }
    ReviewBuilder::pod(ns, "p", spec).user(user).build()
}

async fn mutate(s: &Server, review: &Value) -> Value {
    let (status, body) = s.post("/mutate?timeout=2s", review).await;
    assert_eq!(status, 200, "{body}");
    body["response"].clone()
}

fn chosen(resp: &Value) -> &str {
    resp["auditAnnotations"]["admit-policy"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_user_allowed_only_b_gets_b_and_asks_with_every_attribute() {
    let t = setup(
        &[("alice", "policy", "b-high")],
        Duration::from_secs(10),
        FailurePolicy::Fail,
    )
    .await;
    let mut req = review("open", "alice", None);
    req["request"]["userInfo"] = json!({"username": "alice", "uid": "u-7",
        "groups": ["devs", "system:authenticated"], "extra": {"scopes": ["pods"]}});
    let resp = mutate(&t.server, &req).await;
    assert_eq!(resp["allowed"], true, "{resp}");
    assert_eq!(chosen(&resp), "b-high");
    assert!(decode_patch(&resp).contains(&json!({"op": "add",
            "path": "/spec/containers/0/securityContext", "value": {"runAsUser": 3000}})));
    // No serviceAccountName: only the user is asked about; a-low in both groups, b-high
    // in `policy` (allowed, so `extensions` is not asked).
    let mut got = t.sar.received();
    got.sort_by_key(|s| s.to_string());
    let ask = |group: &str, name: &str| {
        json!({"user": "alice", "uid": "u-7", "groups": ["devs", "system:authenticated"],
            "extra": {"scopes": ["pods"]},
            "resourceAttributes": {"namespace": "open", "verb": "use", "group": group,
                "version": "*", "resource": "podsecuritypolicies", "name": name}})
    };
    let mut want = vec![
        ask("policy", "a-low"),
        ask("extensions", "a-low"),
        ask("policy", "b-high"),
    ];
    want.sort_by_key(|s| s.to_string());
    assert_eq!(got, want);

    // The validate phase asks the same way: a pod only b-high admits unchanged.
    let mut pod = plain_spec();
    pod["securityContext"] = json!({"runAsUser": 3500});
    let req = ReviewBuilder::pod("open", "p", pod).user("alice").build();
    let (_, body) = t.server.post("/validate", &req).await;
    assert_eq!(body["response"]["allowed"], true, "{body}");
    assert_eq!(
        body["response"]["auditAnnotations"]["validate-policy"],
        "b-high"
    );
    // And refuses one only a-low admits: a-low is not alice's to use, and its errors
    // are not reported (only usable policies' errors are).
    let mut pod = plain_spec();
    pod["securityContext"] = json!({"runAsUser": 1500});
    let req = ReviewBuilder::pod("open", "p", pod).user("alice").build();
    let (_, body) = t.server.post("/validate", &req).await;
    assert_eq!(body["response"]["allowed"], false, "{body}");
    let msg = message(&body["response"]);
    assert!(
        msg.starts_with("pods \"p\" is forbidden: PodSecurityPolicy: unable to validate pod: [")
            && msg.contains("3000"),
        "{msg}"
    );
}

#[tokio::test]
async fn the_service_account_or_the_user_authorizes() {
    let t = setup(
        &[
            ("system:serviceaccount:open:builder", "policy", "b-high"),
            ("carol", "policy", "a-low"),
        ],
        Duration::from_secs(10),
        FailurePolicy::Fail,
    )
    .await;
    // The service account may use b-high, the user nothing: b-high.
    let resp = mutate(&t.server, &review("open", "dave", Some("builder"))).await;
    assert_eq!(chosen(&resp), "b-high", "{resp}");
    let sa_ask = t
        .sar
        .received()
        .into_iter()
        .find(|s| s["user"] == "system:serviceaccount:open:builder")
        .expect("the service account was asked about");
    // The plugin's service account identity: its groups, no UID, no extra.
    assert_eq!(
        sa_ask["groups"],
        json!(["system:serviceaccounts", "system:serviceaccounts:open"])
    );
    assert!(sa_ask.get("uid").is_none() && sa_ask.get("extra").is_none());
    // The user may use a-low: a-low wins by name, whoever authorizes b-high.
    let resp = mutate(&t.server, &review("open", "carol", Some("builder"))).await;
    assert_eq!(chosen(&resp), "a-low", "{resp}");
    // In another namespace the same service account name is another account.
    let resp = mutate(&t.server, &review("other", "dave", Some("builder"))).await;
    assert_eq!(resp["allowed"], false, "{resp}");
    assert!(
        message(&resp)
            .starts_with("pods \"p\" is forbidden: PodSecurityPolicy: unable to admit pod"),
        "{resp}"
    );
}

#[tokio::test]
async fn extensions_is_asked_when_policy_says_no() {
    let t = setup(
        &[("erin", "extensions", "b-high")],
        Duration::from_secs(10),
        FailurePolicy::Fail,
    )
    .await;
    let resp = mutate(&t.server, &review("open", "erin", None)).await;
    assert_eq!(chosen(&resp), "b-high", "{resp}");
    let groups: Vec<Value> = t
        .sar
        .received()
        .iter()
        .filter(|s| s["resourceAttributes"]["name"] == "b-high")
        .map(|s| s["resourceAttributes"]["group"].clone())
        .collect();
    assert_eq!(groups, [json!("policy"), json!("extensions")]);
}

#[tokio::test]
async fn answers_are_cached_until_the_ttl_and_per_identity() {
    let t = setup(
        &[("alice", "policy", "b-high")],
        Duration::from_secs(2),
        FailurePolicy::Fail,
    )
    .await;
    let first = mutate(&t.server, &review("open", "alice", None)).await;
    assert_eq!(chosen(&first), "b-high");
    let calls = t.sar.calls();
    assert_eq!(calls, 3);
    // The same identity again: from the cache, no SubjectAccessReview.
    let again = mutate(&t.server, &review("open", "alice", None)).await;
    assert_eq!(chosen(&again), "b-high");
    assert_eq!(
        t.sar.calls(),
        calls,
        "second request answered from the cache"
    );
    assert_eq!(t.authorizer.cache().len(), 3);

    // Another user, or alice with another group set, is asked about afresh, and does not
    // get alice's answer.
    let bob = mutate(&t.server, &review("open", "bob", None)).await;
    assert_eq!(bob["allowed"], false, "{bob}");
    assert_eq!(t.sar.calls(), calls + 4);
    let mut req = review("open", "alice", None);
    req["request"]["userInfo"]["groups"] = json!(["system:authenticated", "ops"]);
    let _ = mutate(&t.server, &req).await;
    assert!(
        t.sar.calls() > calls + 4,
        "another group set is another key"
    );

    // After the TTL: asked again.
    let before = t.sar.calls();
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let late = mutate(&t.server, &review("open", "alice", None)).await;
    assert_eq!(chosen(&late), "b-high");
    assert_eq!(t.sar.calls(), before + 3, "expired answers are asked again");
}

#[tokio::test]
async fn answers_with_an_evaluation_error_are_denials_and_not_cached() {
    let t = setup(&[], Duration::from_secs(10), FailurePolicy::Fail).await;
    let resp = mutate(&t.server, &review("open", "flaky", None)).await;
    assert_eq!(resp["allowed"], false, "{resp}");
    assert_eq!(resp["status"]["code"], 403);
    let calls = t.sar.calls();
    assert_eq!(calls, 4);
    let _ = mutate(&t.server, &review("open", "flaky", None)).await;
    assert_eq!(t.sar.calls(), 2 * calls);
}

#[tokio::test]
async fn a_failed_review_follows_the_failure_policy() {
    // Fail: denied as an internal error naming the failed review.
    let t = setup(&[], Duration::from_secs(10), FailurePolicy::Fail).await;
    for path in ["/mutate", "/validate"] {
        let (_, body) = t.server.post(path, &review("open", "broken", None)).await;
        let resp = &body["response"];
        assert_eq!(resp["allowed"], false, "{resp}");
        assert_eq!(resp["status"]["code"], 500);
        assert_eq!(resp["status"]["reason"], "InternalError");
        let msg = message(resp);
        assert!(
            msg.starts_with("failed to authorize PodSecurityPolicy use: SubjectAccessReview of \"broken\" using PodSecurityPolicy"),
            "{msg}"
        );
        assert!(msg.contains("etcd is on fire"), "{msg}");
    }
    // Nothing is cached from a failure.
    assert!(t.authorizer.cache().is_empty());

    // Ignore: allowed as if the webhook had not answered (no patch), the error annotated.
    let t = setup(&[], Duration::from_secs(10), FailurePolicy::Ignore).await;
    let resp = mutate(&t.server, &review("open", "broken", None)).await;
    assert_eq!(resp["allowed"], true, "{resp}");
    assert!(resp.get("patch").is_none(), "{resp}");
    let error = resp["auditAnnotations"]["error"]
        .as_str()
        .unwrap_or_default();
    assert!(
        error.starts_with("failed to authorize PodSecurityPolicy use"),
        "{error}"
    );
}

#[tokio::test]
async fn a_slow_review_is_a_timeout_under_the_failure_policy() {
    let t = setup(&[], Duration::from_secs(10), FailurePolicy::Fail).await;
    let (_, body) = t
        .server
        .post("/mutate?timeout=1s", &review("open", "slow", None))
        .await;
    let resp = &body["response"];
    assert_eq!(resp["allowed"], false, "{resp}");
    assert_eq!(resp["status"]["code"], 500);
    let msg = message(resp);
    assert!(
        msg.contains("SubjectAccessReviews for PodSecurityPolicy use did not answer within"),
        "{msg}"
    );

    let t = setup(&[], Duration::from_secs(10), FailurePolicy::Ignore).await;
    let (_, body) = t
        .server
        .post("/validate?timeout=1s", &review("open", "slow", None))
        .await;
    assert_eq!(body["response"]["allowed"], true, "{body}");
}

#[tokio::test]
async fn without_authorization_every_policy_counts() {
    // The library default (offline, no RBAC): a-low by name, whoever asks.
    let cfg = AdmissionConfig {
        mode: Mode::Psp(Arc::new(load_policies(POLICIES))),
        ..AdmissionConfig::default()
    };
    let s = Server::start(cfg, NamespaceStore::fixed(Default::default())).await;
    let resp = mutate(&s, &review("open", "anyone", None)).await;
    assert_eq!(chosen(&resp), "a-low");
}
