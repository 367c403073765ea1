//! Generated syscall load for measuring a live capture: `THREADS` threads each open and
//! close a file at a paced rate, so that together they make `RATE` captured syscalls per
//! second (an `openat` and a `close` are two) for `SECONDS`; prints the rate achieved.
//!
//! `cargo run --release -p kubeward-syscall --example load -- RATE SECONDS [THREADS]`
//!
//! With `procs N` instead, it forks N short-lived processes, one after the other, each
//! exiting at once: what churns the thread table (memory must stay flat).
//!
//! Run `kubeward detect --live --stats` beside it (scripts/live_load.sh does both) to
//! see kernel drops and the consumer's CPU at that rate.

use std::ffi::CString;
use std::time::{Duration, Instant};

/// Forks `n` children that exit at once, waiting for each.
fn procs(n: u64) {
    let start = Instant::now();
    for _ in 0..n {
        // SAFETY: the child only calls _exit; the parent reaps it.
        unsafe {
            match libc::fork() {
                0 => libc::_exit(0),
                pid if pid > 0 => {
                    libc::waitpid(pid, std::ptr::null_mut(), 0);
                }
                _ => panic!("fork failed"),
            }
        }
    }
    let wall = start.elapsed().as_secs_f64();
    println!(
        "load: {n} processes in {wall:.1} s = {:.0} processes/s",
        n as f64 / wall
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("procs") {
        let n = args
            .get(2)
            .map_or(1_000_000, |a| a.parse().expect("a whole number"));
        return procs(n);
    }
    let num = |i: usize, default: u64| {
        args.get(i)
            .map(|a| a.parse::<u64>().expect("a whole number"))
            .unwrap_or(default)
    };
    let rate = num(1, 200_000);
    let secs = num(2, 10);
    let threads = num(3, 1).max(1);
    let per_thread = (rate / 2 / threads).max(1);
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            std::thread::spawn(move || {
                let path = CString::new("/etc/hostname").expect("path");
                let mut pairs = 0u64;
                let end = start + Duration::from_secs(secs);
                // Paced in slices of 1 ms: the pairs due by now, then a nap.
                while Instant::now() < end {
                    let due = (start.elapsed().as_secs_f64() * per_thread as f64) as u64;
                    while pairs < due {
                        // SAFETY: a valid NUL-terminated path; the fd is closed at once.
                        unsafe {
                            let fd = libc::openat(libc::AT_FDCWD, path.as_ptr(), libc::O_RDONLY);
                            if fd >= 0 {
                                libc::close(fd);
                            }
                        }
                        pairs += 1;
                    }
                    std::thread::sleep(Duration::from_micros(500));
                }
                pairs
            })
        })
        .collect();
    let pairs: u64 = handles.into_iter().map(|h| h.join().expect("thread")).sum();
    let wall = start.elapsed().as_secs_f64();
    println!(
        "load: {} syscalls in {wall:.2} s = {:.0} syscalls/s ({threads} threads)",
        pairs * 2,
        (pairs * 2) as f64 / wall
    );
}
