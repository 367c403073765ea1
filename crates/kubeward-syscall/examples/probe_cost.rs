//! What the probe costs a traced process, in one run: ns per syscall for an
//! uninteresting one (`getppid`, dropped in the kernel by the id table) and for a
//! captured pair (`openat` + `close`, the open's path also read at entry), first with
//! no tracer, then with the probe attached, then with the probe attached but this
//! process ignored (as kubeward ignores itself), each with and without the entry-time
//! tracepoints. Root or CAP_BPF+CAP_PERFMON needed.
//!
//! `cargo run --release -p kubeward-syscall --example probe_cost`
//!
//! Each figure is the calling thread's CPU time (user + kernel, so time preempted by
//! other processes does not count), the best of several rounds.

use std::hint::black_box;
use std::time::Duration;

use kubeward_syscall::capture::{Capture, Config};

#[path = "../tests/common/cpu.rs"]
mod cpu;
use cpu::thread_cpu;

const ROUNDS: usize = 9;
const CALLS: u32 = 100_000;
/// Captured pairs per round, so one round's records fit the ring buffer.
const PAIRS: u32 = 20_000;

fn best(mut round: impl FnMut() -> Duration, per: u32) -> f64 {
    (0..ROUNDS)
        .map(|_| round().as_nanos() as f64 / f64::from(per))
        .fold(f64::INFINITY, f64::min)
}

fn getppid_ns() -> f64 {
    best(
        || {
            let t = thread_cpu();
            for _ in 0..CALLS {
                // SAFETY: getppid takes no arguments and cannot fail.
                black_box(unsafe { libc::syscall(libc::SYS_getppid) });
            }
            thread_cpu().saturating_sub(t)
        },
        CALLS,
    )
}

/// ns per syscall of an openat + close pair; `between` runs after each round (untimed).
fn open_close_ns(mut between: impl FnMut()) -> f64 {
    let path = c"/etc/hostname";
    best(
        || {
            let t = thread_cpu();
            for _ in 0..PAIRS {
                // SAFETY: a NUL-terminated path; the fd returned is closed at once.
                unsafe {
                    let fd = libc::openat(
                        libc::AT_FDCWD,
                        path.as_ptr(),
                        libc::O_RDONLY | libc::O_CLOEXEC,
                    );
                    black_box(fd);
                    if fd >= 0 {
                        libc::close(fd);
                    }
                }
            }
            let d = thread_cpu().saturating_sub(t);
            between();
            d
        },
        PAIRS * 2,
    )
}

fn row(what: &str, getppid: f64, pair: f64) {
    println!("{what:<34} {getppid:>10.0} {pair:>16.0}");
}

fn main() {
    println!(
        "{:<34} {:>10} {:>16}",
        "ns per syscall", "getppid", "openat+close"
    );
    row("no tracer", getppid_ns(), open_close_ns(|| {}));

    for (label, ignore, enter) in [
        ("probe attached, process traced", 0, true),
        ("  same, entry capture off", 0, false),
        ("probe attached, process ignored", std::process::id(), true),
        ("  same, entry capture off", std::process::id(), false),
    ] {
        let cfg = Config {
            ignore_pid: ignore,
            enter_capture: enter,
            ..Config::default()
        };
        let mut cap = match Capture::open(&cfg) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(2);
            }
        };
        if enter && let Some(e) = &cap.enter_capture_error {
            eprintln!("note: entry-time path capture is off: {e}");
        }
        let g = getppid_ns();
        let mut records = 0usize;
        let p = open_close_ns(|| records += cap.drain(usize::MAX, |_| {}));
        records += cap.drain(usize::MAX, |_| {});
        row(label, g, p);
        let ks = cap.kernel_stats();
        eprintln!(
            "  ({records} records drained; kernel: seen {} sent {} dropped {} entry reads {})",
            ks.seen, ks.sent, ks.dropped, ks.enter_hit
        );
    }
}
