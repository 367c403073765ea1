//! The bounded queue between the HTTP handlers and the evaluation workers.
//!
//! Bounded twice: in batches (a channel's capacity) and in bytes (a budget reserved
//! before sending), so memory stays flat whatever the mix of small and large batches.
//! A full queue is reported to the caller, which answers 429: the API server keeps the
//! batch and retries, so nothing is lost silently.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use axum::body::Bytes;

use super::stats::Stats;

/// Why a batch was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushError {
    /// Too many batches or bytes waiting.
    Full,
    /// The workers are gone (shutdown).
    Closed,
}

/// The sending side, cloned into every handler.
#[derive(Clone)]
pub struct Sender {
    /// `None` once closed. Pushing holds the read lock, so after [`Sender::close`]
    /// returns no batch can slip in behind the workers' last look.
    tx: Arc<RwLock<Option<SyncSender<Bytes>>>>,
    bytes: Arc<AtomicUsize>,
    max_bytes: usize,
    stats: Arc<Stats>,
}

/// The receiving side, shared by the workers.
#[derive(Clone)]
pub struct Receiver {
    rx: Arc<Mutex<mpsc::Receiver<Bytes>>>,
    bytes: Arc<AtomicUsize>,
    stats: Arc<Stats>,
}

/// A queue of at most `batches` batches and `max_bytes` bytes.
pub fn bounded(batches: usize, max_bytes: usize, stats: Arc<Stats>) -> (Sender, Receiver) {
    let (tx, rx) = mpsc::sync_channel(batches.max(1));
    let bytes = Arc::new(AtomicUsize::new(0));
    (
        Sender {
            tx: Arc::new(RwLock::new(Some(tx))),
            bytes: Arc::clone(&bytes),
            max_bytes,
            stats: Arc::clone(&stats),
        },
        Receiver {
            rx: Arc::new(Mutex::new(rx)),
            bytes,
            stats,
        },
    )
}

impl Sender {
    /// Queues a batch without waiting.
    pub fn try_push(&self, body: Bytes) -> Result<(), PushError> {
        let n = body.len();
        // An empty queue takes any batch the body limit let through, so a budget
        // smaller than one body cannot starve the server.
        let reserved = self
            .bytes
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |cur| {
                (cur == 0 || cur.saturating_add(n) <= self.max_bytes).then(|| cur + n)
            });
        if reserved.is_err() {
            return Err(PushError::Full);
        }
        let tx = self.tx.read().unwrap_or_else(PoisonError::into_inner);
        let sent = match tx.as_ref() {
            Some(tx) => tx.try_send(body),
            None => Err(TrySendError::Disconnected(body)),
        };
        match sent {
            Ok(()) => {
                self.stats.queue_batches.inc();
                self.stats.queue_bytes.inc_by(gauge(n));
                Ok(())
            }
            Err(e) => {
                self.bytes.fetch_sub(n, Ordering::AcqRel);
                Err(match e {
                    TrySendError::Full(_) => PushError::Full,
                    TrySendError::Disconnected(_) => PushError::Closed,
                })
            }
        }
    }

    /// Closes the queue: later pushes fail with [`PushError::Closed`], and the workers
    /// stop once they have processed what is queued.
    pub fn close(&self) {
        self.tx
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }
}

impl Receiver {
    /// The next batch, waiting for one; `None` once every sender is gone and the queue
    /// is empty. Call [`Receiver::done`] with its length after processing it.
    pub fn pop(&self) -> Option<Bytes> {
        let rx = self.rx.lock().unwrap_or_else(PoisonError::into_inner);
        let body = rx.recv().ok()?;
        self.stats.queue_batches.dec();
        Some(body)
    }

    /// Releases a processed batch's bytes from the budget.
    pub fn done(&self, len: usize) {
        self.bytes.fetch_sub(len, Ordering::AcqRel);
        self.stats.queue_bytes.dec_by(gauge(len));
    }
}

fn gauge(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
