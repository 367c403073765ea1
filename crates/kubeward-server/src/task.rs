//! Background tasks tied to a server run: they stop when the run ends, however it ends;
//! and the SIGHUP stream both servers reload on.

/// Aborts its task when dropped.
pub(crate) struct AbortOnDrop(pub(crate) tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// SIGHUP, caught from now on when `enabled` (a server installs it in `bind`, so that a
/// signal sent once the address is announced reloads instead of killing the process).
pub(crate) fn hangup(enabled: bool) -> std::io::Result<Option<tokio::signal::unix::Signal>> {
    enabled
        .then(|| tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()))
        .transpose()
}
