//! The node's pods from a cluster: `sensor::pods::watch` against an HTTP server in the
//! test that speaks the Kubernetes list/watch protocol for Pods (127.0.0.1 only), filling
//! the live syscall source's container store.

mod fake_api;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use fake_api::{Feed, client, is_watch, serve};
use kubeward_server::sensor::pods;
use kubeward_syscall::meta::{ContainerMeta, ContainerStore};
use serde_json::{Value, json};

const NODE: &str = "node-a";

/// A full container id from the 12 hex digits `container.id` shows.
fn container_id(short: &str) -> String {
    format!("containerd://{short}{}", "0".repeat(52))
}

/// A pod of `NODE` whose containers `(name, short id, image, privileged)` have started.
fn pod(name: &str, uid: &str, rv: u32, containers: &[(&str, &str, &str, bool)]) -> Value {
    let spec: Vec<Value> = containers
        .iter()
        .map(|(name, _, image, privileged)| {
            json!({"name": name, "image": image, "securityContext": {"privileged": privileged}})
        })
        .collect();
    let statuses: Vec<Value> = containers
        .iter()
        .map(|(name, id, image, _)| {
            json!({"name": name, "containerID": container_id(id), "image": image,
                   "imageID": format!("{image}@sha256:{id}"), "ready": true, "restartCount": 0})
        })
        .collect();
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", "uid": uid,
                     "resourceVersion": rv.to_string(),
                     "labels": {"app": name, "team": "blue"}},
        "spec": {"nodeName": NODE, "hostNetwork": name == "agent", "containers": spec},
        "status": {"podIP": "10.1.0.9", "containerStatuses": statuses}})
}

/// The fake API server: one list of the node's pods, one watch stream fed by the test,
/// and every query string it was asked.
#[derive(Clone)]
struct Fake {
    events: Feed,
    queries: Arc<Mutex<Vec<String>>>,
}

async fn list_or_watch(State(fake): State<Fake>, RawQuery(q): RawQuery) -> Response {
    let q = q.unwrap_or_default();
    fake.queries
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(q.clone());
    if is_watch(&q) {
        return fake.events.response();
    }
    axum::Json(json!({
        "apiVersion": "v1", "kind": "PodList",
        "metadata": {"resourceVersion": "10"},
        "items": [
            pod("web", "uid-web", 5, &[("app", "aaaaaaaaaaaa", "nginx:1.25", false),
                                       ("proxy", "bbbbbbbbbbbb", "envoy:1", true)]),
            pod("agent", "uid-agent", 6, &[("agent", "cccccccccccc", "agent:2", true)]),
        ]
    }))
    .into_response()
}

/// Polls `store` until `done` holds of it, for at most five seconds.
async fn eventually(store: &ContainerStore, what: &str, done: impl Fn(&ContainerStore) -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !done(store) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the store never got {what}: {:?}",
            store.all()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn meta(store: &ContainerStore, id: &str) -> ContainerMeta {
    store
        .get(id)
        .map(|m| (*m).clone())
        .unwrap_or_else(|| panic!("container {id} is not in the store"))
}

#[tokio::test]
async fn the_watcher_follows_the_nodes_pods() {
    let (tx, events) = Feed::new();
    let queries = Arc::new(Mutex::new(Vec::new()));
    let fake = Fake {
        events,
        queries: queries.clone(),
    };
    let app = Router::new()
        .route("/api/v1/pods", get(list_or_watch))
        .with_state(fake);
    let api = serve(app).await;
    let store = ContainerStore::new();
    let g0 = store.generation();
    tokio::spawn(pods::watch(client(api), NODE.into(), store.clone()));

    // The initial list: every container of the node's pods, with its pod.
    eventually(&store, "the listed pods", |s| s.all().len() == 3).await;
    let g1 = store.generation();
    assert!(g1 > g0);
    let app = meta(&store, "aaaaaaaaaaaa");
    assert_eq!(
        (app.name.as_str(), app.image.as_str(), app.image_digest()),
        ("app", "nginx:1.25", "sha256:aaaaaaaaaaaa")
    );
    assert!(!app.privileged && !app.host_network);
    let pod_of = |m: &ContainerMeta| format!("{}/{} ({})", m.pod_namespace, m.pod_name, m.pod_uid);
    assert_eq!(pod_of(&app), "shop/web (uid-web)");
    assert_eq!(app.pod_ip, "10.1.0.9");
    assert_eq!(app.pod_label("app"), Some("web"));
    assert_eq!(
        app.pod_labels,
        [("app", "web"), ("team", "blue")].map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    let proxy = meta(&store, "bbbbbbbbbbbb");
    assert!(proxy.privileged);
    assert_eq!(
        (proxy.name.as_str(), proxy.pod_name.as_str()),
        ("proxy", "web")
    );
    let agent = meta(&store, "cccccccccccc");
    assert!(agent.privileged && agent.host_network);
    assert_eq!(agent.pod_uid, "uid-agent");

    // MODIFIED: web's app container restarted under a new id; the old one is gone.
    let restarted = pod(
        "web",
        "uid-web",
        11,
        &[
            ("app", "dddddddddddd", "nginx:1.26", false),
            ("proxy", "bbbbbbbbbbbb", "envoy:1", true),
        ],
    );
    tx.send(json!({"type": "MODIFIED", "object": restarted}))
        .await
        .expect("send");
    eventually(&store, "the restarted container", |s| {
        s.get("dddddddddddd").is_some()
    })
    .await;
    assert!(store.get("aaaaaaaaaaaa").is_none());
    assert_eq!(meta(&store, "dddddddddddd").image, "nginx:1.26");
    assert_eq!(store.all().len(), 3);
    let g2 = store.generation();
    assert!(g2 > g1);

    // DELETED: the agent pod's containers are forgotten, the others kept.
    let deleted = pod(
        "agent",
        "uid-agent",
        12,
        &[("agent", "cccccccccccc", "agent:2", true)],
    );
    tx.send(json!({"type": "DELETED", "object": deleted}))
        .await
        .expect("send");
    eventually(&store, "the agent pod deleted", |s| {
        s.all().iter().all(|m| m.pod_uid != "uid-agent")
    })
    .await;
    assert_eq!(store.all().len(), 2);
    assert!(store.generation() > g2);

    // Every request, the list and the watch, asked for this node's pods only.
    let queries = queries.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert!(queries.iter().any(|q| is_watch(q)), "{queries:?}");
    assert!(queries.iter().any(|q| !is_watch(q)), "{queries:?}");
    for q in &queries {
        assert!(
            q.split('&')
                .any(|kv| kv == "fieldSelector=spec.nodeName%3Dnode-a"),
            "{q}"
        );
    }
}
