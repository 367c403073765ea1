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
