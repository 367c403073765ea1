//! A fake Kubernetes API server for the watcher tests: an axum router on 127.0.0.1, a
//! kube client for it, and the streaming body of a watch fed event by event by the test.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tokio::sync::mpsc;

/// Whether a request's query string asks for a watch rather than a list.
pub fn is_watch(query: &str) -> bool {
    query
        .split('&')
        .any(|kv| kv == "watch=true" || kv == "watch=1")
}

/// The WatchEvents of the first watch request, sent by the test.
#[derive(Clone)]
pub struct Feed(Arc<Mutex<Option<mpsc::Receiver<Value>>>>);

impl Feed {
    /// A feed and the sender the test writes its events (`{"type", "object"}`) to.
    pub fn new() -> (mpsc::Sender<Value>, Feed) {
        let (tx, rx) = mpsc::channel(8);
        (tx, Feed(Arc::new(Mutex::new(Some(rx)))))
    }

    /// The answer to a watch request: the test's events, one JSON line each, for the
    /// first; later watches (after a reconnect) stay open and quiet.
    pub fn response(&self) -> Response {
        let rx = self.0.lock().map(|mut e| e.take()).ok().flatten();
        let Some(rx) = rx else {
            return Body::from_stream(
                futures_util::stream::pending::<Result<Bytes, std::io::Error>>(),
            )
            .into_response();
        };
        let stream = futures_util::stream::unfold(rx, |mut rx| async move {
            let event = rx.recv().await?;
            let line = format!("{event}\n");
            Some((Ok::<_, std::io::Error>(Bytes::from(line)), rx))
        });
        Body::from_stream(stream).into_response()
    }
}

/// Serves `app` on a loopback port in the background.
pub async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// A kube client of the fake at `addr` (plain HTTP).
pub fn client(addr: SocketAddr) -> kube::Client {
    let config = kube::Config::new(format!("http://{addr}").parse().expect("url"));
    kube::Client::try_from(config).expect("client")
}

/// SubjectAccessReviews answered from a table: `(user, group, policy)` triples allowed
/// to `use`; every review received is kept (the test counts and inspects them). Users
/// named `broken` get HTTP 500, `slow` an answer after 5 s, `flaky` a denial carrying an
/// evaluationError.
#[derive(Clone, Default)]
pub struct Sar {
    allowed: Arc<Vec<(String, String, String)>>,
    received: Arc<Mutex<Vec<Value>>>,
}

impl Sar {
    /// A table allowing these `(user, group, policy)` triples.
    pub fn allowing(triples: &[(&str, &str, &str)]) -> Sar {
        let allowed = triples
            .iter()
            .map(|(u, g, p)| (u.to_string(), g.to_string(), p.to_string()))
            .collect();
        Sar {
            allowed: Arc::new(allowed),
            received: Arc::default(),
        }
    }

    /// The specs of the reviews received so far.
    pub fn received(&self) -> Vec<Value> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// How many reviews were received.
    pub fn calls(&self) -> usize {
        self.received().len()
    }

    /// The router answering `POST /apis/authorization.k8s.io/v1/subjectaccessreviews`.
    pub fn router(&self) -> Router {
        let sar = self.clone();
        Router::new().route(
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            axum::routing::post(move |axum::Json(review): axum::Json<Value>| {
                let sar = sar.clone();
                async move { sar.answer(review).await }
            }),
        )
    }

    async fn answer(&self, mut review: Value) -> Response {
        let spec = review["spec"].clone();
        if let Ok(mut r) = self.received.lock() {
            r.push(spec.clone());
        }
        let user = spec["user"].as_str().unwrap_or_default();
        let attrs = &spec["resourceAttributes"];
        let (group, policy) = (
            attrs["group"].as_str().unwrap_or_default(),
            attrs["name"].as_str().unwrap_or_default(),
        );
        match user {
            "broken" => {
                return (
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    axum::Json(serde_json::json!({"kind": "Status", "apiVersion": "v1",
                        "status": "Failure", "message": "etcd is on fire", "reason": "InternalError", "code": 500})),
                )
                    .into_response();
            }
            "slow" => tokio::time::sleep(std::time::Duration::from_secs(5)).await,
            _ => {}
        }
        let allowed = self
            .allowed
            .iter()
            .any(|(u, g, p)| u == user && g == group && p == policy);
        review["status"] = if user == "flaky" {
            serde_json::json!({"allowed": false, "evaluationError": "role not found"})
        } else {
            serde_json::json!({"allowed": allowed})
        };
        axum::Json(review).into_response()
    }
}
