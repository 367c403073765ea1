//! Test support for holding many connections at once: the file-descriptor limit, client
//! sockets bound to chosen loopback addresses (each a distinct source to the server), and
//! a check that the server closed a connection.
#![allow(dead_code)]
// getrlimit/setrlimit are FFI calls; the crate denies unsafe code everywhere else.
#![allow(unsafe_code)]

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use futures_util::StreamExt;
use kubeward_server::tls::ServeOptions;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::{TcpSocket, TcpStream};

/// Raises the soft open-files limit to the hard one when below `need`; `Err` says why the
/// test cannot hold its connections (the caller skips with that reason).
pub fn ensure_open_files(need: u64) -> Result<(), String> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return Err("getrlimit(RLIMIT_NOFILE) failed".into());
    }
    if lim.rlim_cur >= need {
        return Ok(());
    }
    if lim.rlim_max < need {
        return Err(format!(
            "needs {need} open files; the hard limit is {}",
            lim.rlim_max
        ));
    }
    lim.rlim_cur = lim.rlim_max;
    // SAFETY: as above.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) } != 0 {
        return Err(format!("cannot raise the open-files limit to {need}"));
    }
    Ok(())
}

/// 127.0.<third>.<n>: a loopback source address of its own.
pub fn loopback(third: u8, n: u8) -> IpAddr {
    IpAddr::from([127, 0, third, n])
}

/// A TCP connection to `server` from `source` (any free port).
pub async fn connect_from(source: IpAddr, server: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(source, 0))?;
    socket.connect(server).await
}

/// Whether the server closes `io` (end of stream or reset) within `within`; bytes the
/// server sends first are read and ignored.
pub async fn closed_within<S: AsyncRead + Unpin>(io: &mut S, within: Duration) -> bool {
    let mut buf = [0u8; 512];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, io.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

/// Reads one HTTP/1.1 answer from `io`: its status and body (as long as its
/// content-length, empty without one). Panics when the connection closes first; the
/// caller bounds the wait.
pub async fn read_answer<S: AsyncRead + Unpin>(io: &mut S) -> (u16, Vec<u8>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = io.read(&mut chunk).await.expect("read answer");
        assert!(n > 0, "connection closed before the answer");
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some(end) = text.find("\r\n\r\n") {
            let len: usize = text[..end]
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                let status = text[9..12].parse().expect("status");
                return (status, buf[end + 4..end + 4 + len].to_vec());
            }
        }
    }
}

/// Deadlines that never fire during a test, unless the test sets them.
pub fn patient() -> ServeOptions {
    ServeOptions {
        handshake_timeout: Duration::from_secs(300),
        first_request_timeout: Duration::from_secs(300),
        header_read_timeout: Duration::from_secs(300),
        idle_timeout: Duration::from_secs(300),
        ..ServeOptions::default()
    }
}

/// The value of a sample in `/metrics` text (0 when absent).
pub fn sample(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or(0)
}

/// Opens `n` connections with `open` from 20 loopback source addresses, 64 at a time,
/// and keeps those that open within a few seconds (a server that stopped accepting
/// leaves the rest pending, and they are given up).
pub async fn flood<C, E, F>(n: usize, open: impl Fn(IpAddr) -> F) -> Vec<C>
where
    F: Future<Output = Result<C, E>>,
{
    futures_util::stream::iter(0..n)
        .map(|i| {
            let opening = open(loopback(1, 1 + (i % 20) as u8));
            async move {
                tokio::time::timeout(Duration::from_secs(3), opening)
                    .await
                    .ok()
                    .and_then(Result::ok)
            }
        })
        .buffer_unordered(64)
        .filter_map(|c| async move { c })
        .collect()
        .await
}
