//! Namespace labels from a cluster: the kube-rs watcher against an HTTP server in the test
//! that speaks the Kubernetes list/watch protocol for Namespaces (127.0.0.1 only).

mod admission_support;
mod fake_api;

use std::sync::Arc;
use std::time::Duration;

use admission_support::*;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use fake_api::{Feed, client, is_watch, serve};
use kubeward_server::admission::AdmissionConfig;
use kubeward_server::admission::namespaces::NamespaceStore;
use serde_json::{Value, json};

fn namespace(name: &str, rv: u32, enforce: Option<&str>) -> Value {
    let mut labels = json!({"kubernetes.io/metadata.name": name});
    if let Some(level) = enforce {
        labels["pod-security.kubernetes.io/enforce"] = json!(level);
    }
    json!({"apiVersion": "v1", "kind": "Namespace",
           "metadata": {"name": name, "resourceVersion": rv.to_string(), "labels": labels}})
}

/// The fake API server: a list, one watch stream fed by the test, and single GETs.
#[derive(Clone)]
struct Fake {
    events: Feed,
    extra: Arc<Vec<Value>>,
}

async fn list_or_watch(State(fake): State<Fake>, RawQuery(q): RawQuery) -> Response {
    if is_watch(&q.unwrap_or_default()) {
        return fake.events.response();
    }
    axum::Json(json!({
        "apiVersion": "v1", "kind": "NamespaceList",
        "metadata": {"resourceVersion": "10"},
        "items": [namespace("base", 5, Some("baseline")), namespace("open", 6, None)]
    }))
    .into_response()
}

async fn get_one(State(fake): State<Fake>, Path(name): Path<String>) -> Response {
    match fake.extra.iter().find(|n| n["metadata"]["name"] == name.as_str()) {
        Some(ns) => axum::Json(ns.clone()).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                "message": format!("namespaces \"{name}\" not found"), "reason": "NotFound", "code": 404})),
        )
            .into_response(),
    }
}

/// Pods of a namespace: two privileged replicas of one controller and a compliant pod.
async fn pods(Path(ns): Path<String>) -> Response {
    let pod = |name: &str, privileged: bool| {
        json!({"metadata": {"name": name, "namespace": ns, "ownerReferences": [{"apiVersion": "apps/v1",
                   "kind": "ReplicaSet", "name": "web", "uid": "rs-1", "controller": privileged}]},
               "spec": {"containers": [{"name": "app", "image": "nginx",
                   "securityContext": {"privileged": privileged}}]}})
    };
    axum::Json(
        json!({"apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": "20"},
        "items": [pod("web-2", true), pod("web-1", true), pod("quiet", false)]}),
    )
    .into_response()
}

async fn fake_api_server(fake: Fake) -> std::net::SocketAddr {
    let app = Router::new()
        .route("/api/v1/namespaces", get(list_or_watch))
        .route("/api/v1/namespaces/{name}", get(get_one))
        .route("/api/v1/namespaces/{name}/pods", get(pods))
        .with_state(fake);
    serve(app).await
}

async fn allowed(s: &Server, ns: &str) -> bool {
    let req = ReviewBuilder::pod(ns, "p", privileged_spec()).build();
    s.post("/validate?timeout=5s", &req).await.1["response"]["allowed"] == true
}

/// Polls until the webhook gives `want` for a privileged pod in `ns`.
async fn eventually(s: &Server, ns: &str, want: bool) {
    for _ in 0..100 {
        if allowed(s, ns).await == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("namespace {ns}: the webhook never answered allowed={want}");
}

#[tokio::test]
async fn the_watcher_follows_list_and_watch_events() {
    let (tx, events) = Feed::new();
    let fake = Fake {
        events,
        extra: Arc::new(vec![namespace("fresh", 30, Some("restricted"))]),
    };
    let api = fake_api_server(fake).await;
    let client = client(api);
    let store = NamespaceStore::new();
    tokio::spawn(store.clone().watch(client));
    let s = Server::start(AdmissionConfig::default(), store.clone()).await;

    // Ready once the list is in.
    for _ in 0..100 {
        if s.get("/readyz").await.0 == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(s.get("/readyz").await.0, 200);
    assert!(
        !allowed(&s, "base").await,
        "base enforces baseline from the list"
    );
    assert!(allowed(&s, "open").await);

    // MODIFIED: base drops its label; ADDED: a new restricted namespace.
    tx.send(json!({"type": "MODIFIED", "object": namespace("base", 11, None)}))
        .await
        .expect("send");
    eventually(&s, "base", true).await;
    tx.send(json!({"type": "ADDED", "object": namespace("late", 12, Some("baseline"))}))
        .await
        .expect("send");
    eventually(&s, "late", false).await;
    // DELETED: the namespace is gone, and a pod in it cannot be judged.
    tx.send(json!({"type": "DELETED", "object": namespace("late", 13, Some("baseline"))}))
        .await
        .expect("send");
    for _ in 0..100 {
        if store.get("late").is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(store.get("late").is_none());
    let req = ReviewBuilder::pod("late", "p", plain_spec()).build();
    let (_, body) = s.post("/validate", &req).await;
    assert_eq!(
        body["response"]["status"]["message"],
        "failed to lookup namespace \"late\""
    );

    // Not yet delivered by the watch, but there: fetched directly, then enforced.
    let resp = s.validate_pod("fresh", "p", plain_spec()).await;
    assert_eq!(resp["allowed"], false);
    kubeward_testkit::has(message(&resp), "violates PodSecurity \"restricted:latest\"");
    assert!(
        store.get("fresh").is_some(),
        "the fetched namespace is kept"
    );

    // Tightening a namespace's enforce level dry-runs its pods: warned, not refused.
    let ns = |labels: Value| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "open", "labels": labels}});
    let tightened = ns(json!({"pod-security.kubernetes.io/enforce": "baseline"}));
    let req = ReviewBuilder::new("", "namespaces", "Namespace", "", "open", tightened)
        .update(ns(json!({})))
        .build();
    let (_, body) = s.post("/validate", &req).await;
    assert_eq!(body["response"]["allowed"], true);
    assert_eq!(
        body["response"]["warnings"],
        json!([
            "existing pods in namespace \"open\" violate the new PodSecurity enforce level \"baseline:latest\"",
            "web-1 (and 1 other pod): privileged"
        ])
    );
}
