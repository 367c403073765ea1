//! Connection limits for kubeward's servers: which connections are open, which are idle, and
//! which to close when a deadline passes or a limit is reached. [`crate::tls::serve`] drives it.
//!
//! Every accepted connection gets a [`ConnState`] in the [`Registry`], in accept order. A
//! connection is *idle* while no request is in flight on it: during its TLS handshake, before
//! its first request, and between keep-alive requests (HTTP/2: no stream being answered).
//! Idle connections are what a flood holds for free, so they are what gets closed: by
//! deadline (first request, header read, keep-alive idle) and, when the server or one source
//! address is at its connection limit, oldest first (those that never sent a request before
//! those that did). A connection with a request in flight is never chosen; that request is
//! bounded by the router's own deadlines.
//!
//! The hot path (a request starting and ending, bytes read) touches only atomics of its own
//! connection; the registry's lock is taken when a connection opens or closes.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::{Request, Response};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::metrics::{Counter, Family, Gauge, Registry as MetricsRegistry};

/// Why the server closed or refused a connection: the `reason` label of
/// `connections_closed_total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseReason {
    /// The TLS handshake failed (untrusting client, plain HTTP on the TLS port).
    HandshakeFailed,
    /// The TLS handshake did not finish within its deadline.
    HandshakeTimeout,
    /// No request started within the first-request deadline after accept.
    FirstRequestTimeout,
    /// Request headers began to arrive but were not complete within the header deadline.
    HeaderTimeout,
    /// No request within the idle timeout after the previous one.
    IdleTimeout,
    /// Idle and the oldest such when a new connection came in at the connection cap.
    ShedMaxConnections,
    /// Idle and its source address's oldest when that address was at its limit.
    ShedPerSource,
    /// Its source address was at its limit with no idle connection to close: refused.
    RefusedPerSource,
}

impl CloseReason {
    /// Every reason, in the order the metrics list them.
    pub const ALL: [CloseReason; 8] = [
        CloseReason::HandshakeFailed,
        CloseReason::HandshakeTimeout,
        CloseReason::FirstRequestTimeout,
        CloseReason::HeaderTimeout,
        CloseReason::IdleTimeout,
        CloseReason::ShedMaxConnections,
        CloseReason::ShedPerSource,
        CloseReason::RefusedPerSource,
    ];

    /// The metric label value.
    pub fn label(self) -> &'static str {
        match self {
            CloseReason::HandshakeFailed => "handshake_failed",
            CloseReason::HandshakeTimeout => "handshake_timeout",
            CloseReason::FirstRequestTimeout => "first_request_timeout",
            CloseReason::HeaderTimeout => "header_timeout",
            CloseReason::IdleTimeout => "idle_timeout",
            CloseReason::ShedMaxConnections => "shed_max_connections",
            CloseReason::ShedPerSource => "shed_per_source",
            CloseReason::RefusedPerSource => "refused_per_source",
        }
    }

    /// Whether this says something about the clients (rather than ordinary keep-alive
    /// hygiene), and so belongs in the rate-limited warning.
    fn is_pressure(self) -> bool {
        !matches!(
            self,
            CloseReason::IdleTimeout | CloseReason::HandshakeFailed
        )
    }
}

type ReasonLabel = [(&'static str, &'static str); 1];

/// Connection counters, registered into a server's `/metrics` (label values bounded: the
/// [`CloseReason`]s). Clones share the counters.
#[derive(Clone, Debug, Default)]
pub struct ConnMetrics {
    accepted: Counter,
    closed: Family<ReasonLabel, Counter>,
    open: Gauge,
    in_flight: Gauge,
}

impl ConnMetrics {
    /// Registers `connections_accepted_total`, `connections_closed_total{reason}`,
    /// `connections_open` and `requests_in_flight` (under the registry's prefix).
    pub fn register(&self, registry: &mut MetricsRegistry) {
        crate::metrics::register!(
            registry,
            "connections_accepted" => "TCP connections accepted", self.accepted;
            "connections_closed" => "Connections the server closed or refused because of a deadline or a connection limit, by reason", self.closed;
            "connections_open" => "Connections open now", self.open;
            "requests_in_flight" => "Requests being answered now (their connections are busy, never shed)", self.in_flight;
        );
    }

    /// Connections accepted since start.
    pub fn accepted(&self) -> u64 {
        self.accepted.get()
    }

    /// Connections closed for `reason` since start.
    pub fn closed(&self, reason: CloseReason) -> u64 {
        self.closed
            .get_or_create(&[("reason", reason.label())])
            .get()
    }

    /// Connections open now.
    pub fn open(&self) -> i64 {
        self.open.get()
    }

    /// Requests being answered now.
    pub fn in_flight(&self) -> i64 {
        self.in_flight.get()
    }

    pub(crate) fn count(&self, reason: CloseReason) {
        self.closed
            .get_or_create(&[("reason", reason.label())])
            .inc();
    }

    /// One line for the end-of-run summary: accepted, and every non-zero close reason.
    pub fn summary(&self) -> String {
        let closed: Vec<String> = CloseReason::ALL
            .iter()
            .filter_map(|&r| {
                let n = self.closed(r);
                (n > 0).then(|| format!("{n} {}", r.label()))
            })
            .collect();
        let closed = if closed.is_empty() {
            "none".to_owned()
        } else {
            closed.join(", ")
        };
        format!(
            "{} connections accepted; closed or refused by the server: {closed}",
            self.accepted()
        )
    }
}

/// The per-connection deadlines of an idle connection.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deadlines {
    /// From accept to the first request's headers being complete.
    pub first_request: Duration,
    /// From the first byte of a request to its headers being complete.
    pub header: Duration,
    /// From the end of one request to the start of the next.
    pub idle: Duration,
}

/// What the server knows about one connection.
#[derive(Debug)]
pub(crate) struct ConnState {
    ip: IpAddr,
    epoch: Instant,
    in_flight: AtomicU32,
    served: AtomicBool,
    /// Milliseconds since `epoch` when the connection last became idle (accept, or the end
    /// of its last request).
    idle_since: AtomicU64,
    /// Milliseconds since `epoch`, plus one, when request bytes began to arrive on the idle
    /// connection; 0 when none have.
    reading_since: AtomicU64,
    /// HTTP/2 (by its preface): bytes on an idle connection are frames (pings, settings), not
    /// a request trickling in, so the header deadline does not apply.
    h2: AtomicBool,
    /// Chosen to be shed (it no longer counts toward the limits).
    shedding: AtomicBool,
    shed: Notify,
    room: Arc<Notify>,
    requests: Gauge,
}

impl ConnState {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn at(&self, ms: u64) -> Instant {
        self.epoch + Duration::from_millis(ms)
    }

    pub fn is_idle(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) == 0
    }

    /// Resolves when the registry chose this connection to be shed.
    pub async fn shed_requested(&self) {
        self.shed.notified().await
    }

    fn begin_request(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.requests.inc();
        self.served.store(true, Ordering::Relaxed);
        self.reading_since.store(0, Ordering::Relaxed);
        InFlight(Arc::clone(self))
    }

    /// At `now`: `Ok(when to look again)`, or the deadline that has passed.
    pub fn check(&self, now: Instant, d: &Deadlines) -> Result<Instant, CloseReason> {
        if !self.is_idle() {
            // The request ending resets the clocks; look again after the shortest limit.
            return Ok(now + d.header.min(d.idle).min(d.first_request));
        }
        let mut next = None;
        let reading = self.reading_since.load(Ordering::Relaxed);
        if reading != 0 {
            let at = self.at(reading - 1) + d.header;
            if now >= at {
                return Err(CloseReason::HeaderTimeout);
            }
            next = Some(at);
        }
        let (limit, reason) = if self.served.load(Ordering::Relaxed) {
            (d.idle, CloseReason::IdleTimeout)
        } else {
            (d.first_request, CloseReason::FirstRequestTimeout)
        };
        let at = self.at(self.idle_since.load(Ordering::Relaxed)) + limit;
        if now >= at {
            return Err(reason);
        }
        Ok(next.map_or(at, |n| n.min(at)))
    }

    /// Wraps the connection's byte stream so that request bytes arriving while it is idle
    /// start the header deadline.
    pub fn watch<S>(self: &Arc<Self>, io: S) -> Watched<S> {
        Watched {
            io,
            state: Arc::clone(self),
            preface: 0,
        }
    }

    fn saw_bytes(&self) {
        if self.h2.load(Ordering::Relaxed) || !self.is_idle() {
            return;
        }
        if self.reading_since.load(Ordering::Relaxed) == 0 {
            let stamp = self.now_ms().saturating_add(1);
            self.reading_since.store(stamp, Ordering::Relaxed);
        }
    }
}

/// A request in flight on a connection; dropped when its response has been sent (or the
/// request abandoned).
#[derive(Debug)]
struct InFlight(Arc<ConnState>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let state = &self.0;
        state.requests.dec();
        if state.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            state.idle_since.store(state.now_ms(), Ordering::Relaxed);
            state.reading_since.store(0, Ordering::Relaxed);
            // A server waiting at its cap may now shed this connection.
            state.room.notify_one();
        }
    }
}

/// The HTTP/2 client preface (RFC 9113 §3.4).
const H2_PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// `Watched::preface` once the bytes showed the connection is not HTTP/2.
const NOT_H2: u8 = u8::MAX;

/// The connection's byte stream, noting when request bytes arrive on an idle connection.
#[derive(Debug)]
pub(crate) struct Watched<S> {
    io: S,
    state: Arc<ConnState>,
    /// Bytes of the HTTP/2 preface matched so far (24: HTTP/2), or [`NOT_H2`].
    preface: u8,
}

impl<S> Watched<S> {
    fn saw(&mut self, bytes: &[u8]) {
        let matched = usize::from(self.preface);
        if matched < H2_PREFACE.len() {
            let want = &H2_PREFACE[matched..];
            let n = bytes.len().min(want.len());
            if bytes[..n] == want[..n] {
                self.preface += n as u8;
                if usize::from(self.preface) == H2_PREFACE.len() {
                    self.state.h2.store(true, Ordering::Relaxed);
                    self.state.reading_since.store(0, Ordering::Relaxed);
                    return;
                }
            } else {
                self.preface = NOT_H2;
            }
        }
        self.state.saw_bytes();
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.io).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled
            && buf.filled().len() > before
        {
            this.saw(&buf.filled()[before..]);
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

/// A hyper service that marks its connection busy from the request's headers to the end of
/// its response body.
#[derive(Debug, Clone)]
pub(crate) struct Tracked<S> {
    inner: S,
    state: Arc<ConnState>,
}

impl<S> Tracked<S> {
    pub fn new(inner: S, state: Arc<ConnState>) -> Self {
        Tracked { inner, state }
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, B> hyper::service::Service<Request<Incoming>> for Tracked<S>
where
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>>,
    S::Future: Send + 'static,
    S::Error: 'static,
    B: Body + Unpin,
{
    type Response = Response<Guarded<B>>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Self::Response, Self::Error>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        let in_flight = self.state.begin_request();
        let response = self.inner.call(req);
        Box::pin(async move {
            let response = response.await?;
            Ok(response.map(|body| Guarded {
                body,
                _in_flight: in_flight,
            }))
        })
    }
}

/// A response body that keeps its request in flight until it has been sent.
#[derive(Debug)]
pub(crate) struct Guarded<B> {
    body: B,
    _in_flight: InFlight,
}

impl<B: Body + Unpin> Body for Guarded<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The open connections of one server, with its limits.
#[derive(Debug)]
pub(crate) struct Registry {
    inner: Mutex<Inner>,
    room: Arc<Notify>,
    epoch: Instant,
    max: usize,
    /// 0: unlimited.
    per_source: usize,
    metrics: ConnMetrics,
    /// Milliseconds since `epoch` before which no further limits warning is logged.
    quiet_until: AtomicU64,
}

#[derive(Debug, Default)]
struct Inner {
    next_id: u64,
    /// Accept order: the first idle entry is the oldest idle connection.
    conns: BTreeMap<u64, Arc<ConnState>>,
    /// Connections not being shed.
    live: usize,
    /// Live connections by source address; an address leaves the map with its last one.
    sources: HashMap<IpAddr, usize>,
}

/// What [`Registry::admit`] decided for a new connection.
pub(crate) enum Admission {
    Admitted(Slot),
    /// Its source address is at its limit and none of that address's connections is idle.
    Refused,
    /// At the cap with nothing idle to shed: wait for room, then ask again.
    Full,
}

/// How often, at most, the limits warning is logged.
const WARN_EVERY_MS: u64 = 10_000;

impl Registry {
    pub fn new(max: usize, per_source: usize, metrics: ConnMetrics) -> Arc<Registry> {
        Arc::new(Registry {
            inner: Mutex::new(Inner::default()),
            room: Arc::new(Notify::new()),
            epoch: Instant::now(),
            max: max.max(1),
            per_source,
            metrics,
            quiet_until: AtomicU64::new(0),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    #[cfg(test)]
    fn metrics(&self) -> &ConnMetrics {
        &self.metrics
    }

    /// Whether a new connection could be admitted now (below the cap, or one to shed).
    fn has_room(&self) -> bool {
        let inner = self.lock();
        inner.live < self.max || oldest_idle(&inner.conns, None).is_some()
    }

    /// Resolves once [`Registry::has_room`] holds.
    pub async fn wait_for_room(&self) {
        loop {
            let notified = self.room.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.has_room() {
                return;
            }
            notified.await;
        }
    }

    /// Resolves once every connection has closed.
    pub async fn drained(&self) {
        loop {
            let notified = self.room.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.lock().conns.is_empty() {
                return;
            }
            notified.await;
        }
    }

    /// Takes a new connection from `ip` in, shedding the oldest idle connection of that
    /// address (at its limit) or of the server (at the cap) to make room.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Admission {
        let ip = ip.to_canonical();
        let mut inner = self.lock();
        let from_source = inner.sources.get(&ip).copied().unwrap_or(0);
        if self.per_source > 0 && from_source >= self.per_source {
            match oldest_idle(&inner.conns, Some(ip)) {
                Some(victim) => self.shed(&mut inner, &victim, CloseReason::ShedPerSource),
                None => {
                    drop(inner);
                    self.closed(CloseReason::RefusedPerSource);
                    return Admission::Refused;
                }
            }
        }
        if inner.live >= self.max {
            match oldest_idle(&inner.conns, None) {
                Some(victim) => self.shed(&mut inner, &victim, CloseReason::ShedMaxConnections),
                None => return Admission::Full,
            }
        }
        let id = inner.next_id;
        inner.next_id += 1;
        let state = Arc::new(ConnState {
            ip,
            epoch: self.epoch,
            in_flight: AtomicU32::new(0),
            served: AtomicBool::new(false),
            idle_since: AtomicU64::new(self.now_ms()),
            reading_since: AtomicU64::new(0),
            h2: AtomicBool::new(false),
            shedding: AtomicBool::new(false),
            shed: Notify::new(),
            room: Arc::clone(&self.room),
            requests: self.metrics.in_flight.clone(),
        });
        inner.conns.insert(id, Arc::clone(&state));
        inner.live += 1;
        *inner.sources.entry(ip).or_insert(0) += 1;
        drop(inner);
        self.metrics.accepted.inc();
        self.metrics.open.inc();
        Admission::Admitted(Slot {
            id,
            state,
            registry: Arc::clone(self),
        })
    }

    fn shed(&self, inner: &mut Inner, victim: &Arc<ConnState>, reason: CloseReason) {
        victim.shedding.store(true, Ordering::Relaxed);
        inner.live -= 1;
        leave(&mut inner.sources, victim.ip);
        victim.shed.notify_one();
        self.closed(reason);
    }

    /// Counts a connection closed (or refused) for `reason`, with a warning at most every
    /// 10 s while clients keep the limits busy (a flood must not flood the log too).
    pub fn closed(&self, reason: CloseReason) {
        self.metrics.count(reason);
        if !reason.is_pressure() {
            return;
        }
        let now = self.now_ms();
        let quiet_until = self.quiet_until.load(Ordering::Relaxed);
        if now < quiet_until
            || self
                .quiet_until
                .compare_exchange(
                    quiet_until,
                    now + WARN_EVERY_MS,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_err()
        {
            return;
        }
        let m = &self.metrics;
        tracing::warn!(
            open = m.open(),
            shed_max_connections = m.closed(CloseReason::ShedMaxConnections),
            shed_per_source = m.closed(CloseReason::ShedPerSource),
            refused_per_source = m.closed(CloseReason::RefusedPerSource),
            first_request_timeout = m.closed(CloseReason::FirstRequestTimeout),
            header_timeout = m.closed(CloseReason::HeaderTimeout),
            handshake_timeout = m.closed(CloseReason::HandshakeTimeout),
            "connection limits are closing idle connections (totals since start; next report in 10 s at the earliest)"
        );
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn release(&self, id: u64) {
        let mut inner = self.lock();
        if let Some(state) = inner.conns.remove(&id)
            && !state.shedding.load(Ordering::Relaxed)
        {
            inner.live -= 1;
            leave(&mut inner.sources, state.ip);
        }
        drop(inner);
        self.metrics.open.dec();
        self.room.notify_one();
    }
}

fn leave(sources: &mut HashMap<IpAddr, usize>, ip: IpAddr) {
    if let Some(n) = sources.get_mut(&ip) {
        *n -= 1;
        if *n == 0 {
            sources.remove(&ip);
        }
    }
}

/// The connection to shed (of `ip`, if given): idle and not already being shed; of those,
/// the oldest that never sent a request, else the oldest. Holding a connection that never
/// sends a request costs an attacker nothing, while a connection that has been answered is
/// most likely a real client's keep-alive one (the API server's), whose closing would cost
/// it a new handshake and, on HTTP/1.1, risk a request racing the close.
fn oldest_idle(
    conns: &BTreeMap<u64, Arc<ConnState>>,
    ip: Option<IpAddr>,
) -> Option<Arc<ConnState>> {
    let idle = |c: &&Arc<ConnState>| {
        !c.shedding.load(Ordering::Relaxed) && c.is_idle() && ip.is_none_or(|ip| c.ip == ip)
    };
    conns
        .values()
        .filter(idle)
        .find(|c| !c.served.load(Ordering::Relaxed))
        .or_else(|| conns.values().find(idle))
        .cloned()
}

/// A connection's place in the registry, given back when dropped.
#[derive(Debug)]
pub(crate) struct Slot {
    id: u64,
    state: Arc<ConnState>,
    registry: Arc<Registry>,
}

impl Slot {
    pub fn state(&self) -> &Arc<ConnState> {
        &self.state
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.registry.release(self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, last])
    }

    fn admitted(a: Admission) -> Slot {
        match a {
            Admission::Admitted(s) => s,
            Admission::Refused => panic!("refused"),
            Admission::Full => panic!("full"),
        }
    }

    #[tokio::test]
    async fn at_the_cap_the_oldest_idle_connection_is_shed_never_a_busy_one() {
        let reg = Registry::new(2, 0, ConnMetrics::default());
        let a = admitted(reg.admit(ip(1)));
        let b = admitted(reg.admit(ip(2)));
        let busy = a.state().begin_request();
        let c = admitted(reg.admit(ip(3)));
        assert!(!a.state().shedding.load(Ordering::Relaxed), "busy kept");
        assert!(
            b.state().shedding.load(Ordering::Relaxed),
            "oldest idle shed"
        );
        assert_eq!(reg.metrics().closed(CloseReason::ShedMaxConnections), 1);
        // Both remaining are busy: no room.
        let _busy_c = c.state().begin_request();
        assert!(matches!(reg.admit(ip(4)), Admission::Full));
        drop(busy);
        // `a` is idle again and is now the one to go.
        let _d = admitted(reg.admit(ip(4)));
        assert!(a.state().shedding.load(Ordering::Relaxed));
        drop(b);
        assert_eq!(reg.metrics().open(), 3, "a, c, d still hold their slots");
    }

    #[tokio::test]
    async fn connections_that_never_sent_a_request_are_shed_before_answered_ones() {
        let reg = Registry::new(2, 0, ConnMetrics::default());
        let served = admitted(reg.admit(ip(1)));
        drop(served.state().begin_request());
        let silent = admitted(reg.admit(ip(2)));
        let newer = admitted(reg.admit(ip(3)));
        assert!(
            silent.state().shedding.load(Ordering::Relaxed),
            "the silent one goes"
        );
        assert!(
            !served.state().shedding.load(Ordering::Relaxed),
            "though it is younger"
        );
        // With only answered connections idle, the oldest of them goes.
        drop(newer.state().begin_request());
        let _next = admitted(reg.admit(ip(4)));
        assert!(served.state().shedding.load(Ordering::Relaxed));
        assert!(!newer.state().shedding.load(Ordering::Relaxed));
    }

    #[tokio::test]
    async fn per_source_limit_sheds_that_sources_idle_else_refuses() {
        let reg = Registry::new(100, 2, ConnMetrics::default());
        let a = admitted(reg.admit(ip(1)));
        let b = admitted(reg.admit(ip(1)));
        let _other = admitted(reg.admit(ip(2)));
        let _c = admitted(reg.admit(ip(1)));
        assert!(a.state().shedding.load(Ordering::Relaxed));
        assert!(!b.state().shedding.load(Ordering::Relaxed));
        let _busy_b = b.state().begin_request();
        let _busy_c = _c.state().begin_request();
        assert!(matches!(reg.admit(ip(1)), Admission::Refused));
        assert_eq!(reg.metrics().closed(CloseReason::RefusedPerSource), 1);
        // Another address is unaffected; IPv4-mapped IPv6 counts as the IPv4 address.
        let _d = admitted(reg.admit(ip(3)));
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().expect("ip");
        assert!(matches!(reg.admit(mapped), Admission::Refused));
    }

    #[tokio::test]
    async fn idle_deadlines_follow_the_connections_life() {
        let d = Deadlines {
            first_request: Duration::from_secs(10),
            header: Duration::from_secs(3),
            idle: Duration::from_secs(60),
        };
        let reg = Registry::new(10, 0, ConnMetrics::default());
        let s = admitted(reg.admit(ip(1)));
        let st = s.state();
        let t0 = Instant::now();
        assert!(st.check(t0, &d).is_ok());
        assert_eq!(
            st.check(t0 + Duration::from_secs(11), &d),
            Err(CloseReason::FirstRequestTimeout)
        );
        // Bytes arrive: the header deadline runs too.
        st.saw_bytes();
        assert_eq!(
            st.check(t0 + Duration::from_secs(4), &d),
            Err(CloseReason::HeaderTimeout)
        );
        // A request in flight is never expired.
        let req = st.begin_request();
        assert!(st.check(t0 + Duration::from_secs(100), &d).is_ok());
        drop(req);
        let after = Instant::now();
        assert!(st.check(after + Duration::from_secs(59), &d).is_ok());
        assert_eq!(
            st.check(after + Duration::from_secs(61), &d),
            Err(CloseReason::IdleTimeout)
        );
    }

    #[tokio::test]
    async fn the_http2_preface_turns_off_the_header_deadline() {
        let reg = Registry::new(10, 0, ConnMetrics::default());
        let s = admitted(reg.admit(ip(1)));
        let mut w = s.state().watch(());
        w.saw(&H2_PREFACE[..10]);
        assert_ne!(s.state().reading_since.load(Ordering::Relaxed), 0);
        w.saw(&H2_PREFACE[10..]);
        assert!(s.state().h2.load(Ordering::Relaxed));
        assert_eq!(s.state().reading_since.load(Ordering::Relaxed), 0);
        w.saw(b"\0\0\x08\x06\0\0\0\0\0ping....");
        assert_eq!(s.state().reading_since.load(Ordering::Relaxed), 0);

        let s = admitted(reg.admit(ip(1)));
        let mut w = s.state().watch(());
        w.saw(b"POST /validate HTTP/1.1\r\n");
        assert!(!s.state().h2.load(Ordering::Relaxed));
        assert_ne!(s.state().reading_since.load(Ordering::Relaxed), 0);
    }
}
