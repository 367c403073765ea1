//! Replay throughput of the syscall source on one core: a generated capture (a node's
//! mix of opens, closes, sockets, renames and unlinks, with processes spawning, exec'ing
//! and exiting in and out of containers) read back and decoded alone; read, decoded and
//! applied to the process/fd state; and that plus Falco's stable ruleset
//! (../shared/upstream-rules/falco_rules.yaml; skipped when absent) evaluated on every
//! event, alerts rendered.
//!
//! `cargo bench -p kubeward-syscall --bench replay`
//!
//! Each benchmark runs twice: timed by the wall clock (`syscall_replay`) and by the
//! thread's CPU time (`syscall_replay_cpu`, what one core delivers however loaded the
//! host is).
//!
//! Figures are in docs/performance.md.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/common/cpu.rs"]
mod cpu;

use std::hint::black_box;
use std::time::Duration;

use common::*;
use cpu::thread_cpu;
use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kubeward_rules::engine::{AlertOptions, MatchMode};
use kubeward_syscall::abi::Sock;
use kubeward_syscall::decode::{self, build::sock_bytes};
use kubeward_syscall::record::{Item, Reader};
use kubeward_syscall::replay;
use kubeward_syscall::state::Limits;
use kubeward_testkit::rng::Rng;

const EVENTS: usize = 200_000;
const AT_FDCWD: u64 = -100i64 as u64;
const O_WRONLY_CREAT_TRUNC: u64 = 0o1101;
const O_CLOEXEC: u64 = 0o2000000;

const READ_PATHS: &[&str] = &[
    "/etc/ld.so.cache",
    "/lib/x86_64-linux-gnu/libc.so.6",
    "/usr/lib/x86_64-linux-gnu/libssl.so.3",
    "/proc/self/stat",
    "/sys/fs/cgroup/memory.max",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/usr/share/zoneinfo/UTC",
    "/var/lib/app/data/index.db",
    "config/app.yaml",
];
const WRITE_PATHS: &[&str] = &[
    "/tmp/app-cache.tmp",
    "/var/log/app/app.log",
    "/var/lib/app/data/wal-000001",
    "out/report.json",
];
const CHILDREN: &[(&str, &str)] = &[
    ("sh", "/usr/bin/dash"),
    ("curl", "/usr/bin/curl"),
    ("python3", "/usr/bin/python3.11"),
    ("git", "/usr/bin/git"),
    ("date", "/usr/bin/date"),
];

/// The long-running processes events are drawn from: host daemons and container
/// workloads.
fn workloads(sim: &mut Sim) -> Vec<i64> {
    sim.existing(&p(
        1,
        0,
        "systemd",
        "/usr/lib/systemd/systemd",
        &["/sbin/init"],
    ));
    let mut pids = Vec::new();
    for i in 0..40i64 {
        let pid = 1000 + i * 10;
        let (comm, exe, argv): (&'static str, &'static str, &[&'static str]) = match i % 4 {
            0 => (
                "java",
                "/usr/lib/jvm/bin/java",
                &["java", "-jar", "app.jar"],
            ),
            1 => ("nginx", "/usr/sbin/nginx", &["nginx: worker process"]),
            2 => ("node", "/usr/local/bin/node", &["node", "server.js"]),
            _ => ("containerd", "/usr/bin/containerd", &["containerd"]),
        };
        let mut pr = p(pid, 1, comm, exe, argv);
        pr.cwd = "/srv";
        if i % 4 != 3 {
            pr.cgroup = container_cgroup();
            pr.uid = 1000;
        }
        sim.existing(&pr);
        pids.push(pid);
    }
    pids
}

fn capture() -> Vec<u8> {
    let mut sim = Sim::new();
    let pids = workloads(&mut sim);
    let mut rng = Rng(7);
    let mut open: Vec<(i64, u64)> = Vec::new();
    let mut next_pid = 20_000i64;
    let mut n = 0;
    while n < EVENTS {
        let pid = pids[rng.below(pids.len())];
        let roll = rng.below(100);
        match roll {
            // openat: half of all events read a file, 8 in 100 write one.
            0..=57 => {
                let (paths, flags, mode) = if roll < 50 {
                    (READ_PATHS, O_CLOEXEC, 0)
                } else {
                    (WRITE_PATHS, O_WRONLY_CREAT_TRUNC, 0o644)
                };
                let fd = 3 + rng.below(200) as u64;
                let path = rng.pick(paths);
                sim.syscall(
                    pid,
                    257,
                    fd as i64,
                    &[AT_FDCWD, 0, flags, mode],
                    &[&cstr(path)],
                );
                open.push((pid, fd));
            }
            58..=59 => {
                // A failed open.
                sim.syscall(
                    pid,
                    257,
                    -2,
                    &[AT_FDCWD, 0, 0, 0],
                    &[&cstr("/etc/app/override.yaml")],
                );
            }
            60..=84 => {
                let (p, fd) = if open.is_empty() {
                    (pid, 3)
                } else {
                    open.swap_remove(rng.below(open.len()))
                };
                sim.syscall(p, 3, 0, &[fd], &[]);
            }
            85..=90 => {
                let fd = 210 + rng.below(40) as u64;
                let fresh = Sock {
                    family: 2,
                    sock_type: 1,
                    protocol: 6,
                    ..Sock::default()
                };
                sim.syscall(pid, 41, fd as i64, &[2, 1, 6], &[&sock_bytes(&fresh)]);
                let addr = [2u8, 0, 0x1f, 0x90, 10, 96, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0];
                let mut c = fresh;
                c.saddr[..4].copy_from_slice(&[10, 0, 0, 5]);
                c.sport = 40_000 + rng.below(20_000) as u16;
                c.daddr[..4].copy_from_slice(&[10, 96, 0, 10]);
                c.dport = 8080u16.to_be();
                sim.syscall(pid, 42, 0, &[fd, 0, 16], &[&addr, &sock_bytes(&c)]);
                open.push((pid, fd));
                n += 1;
            }
            91..=93 => {
                // rename(2) of a temporary file into place.
                sim.syscall(
                    pid,
                    82,
                    0,
                    &[],
                    &[&cstr("/tmp/app-cache.tmp"), &cstr("/tmp/app-cache")],
                );
            }
            94..=95 => {
                sim.syscall(pid, 87, 0, &[], &[&cstr("/tmp/app-cache")]);
            }
            _ => {
                // A short-lived child: fork, exec, a few opens, exit.
                let (comm, exe) = CHILDREN[rng.below(CHILDREN.len())];
                let mut child = p(next_pid, pid, comm, exe, &[comm, "-c", "true"]);
                child.cwd = "/srv";
                next_pid += 1;
                if next_pid > 32_000 {
                    next_pid = 20_000;
                }
                sim.spawn(&child);
                for _ in 0..3 {
                    sim.syscall(
                        child.pid,
                        257,
                        3,
                        &[AT_FDCWD, 0, O_CLOEXEC, 0],
                        &[&cstr(rng.pick(READ_PATHS))],
                    );
                    sim.syscall(child.pid, 3, 0, &[3], &[]);
                }
                sim.exit(child.pid);
                n += 8;
            }
        }
        n += 1;
    }
    sim.bytes()
}

/// The probe records of a capture, each in its own buffer as the ring buffer hands them.
fn records(capture: &[u8]) -> Vec<Vec<u8>> {
    let mut reader = Reader::new(capture).expect("header");
    let mut out = Vec::new();
    while let Some(item) = reader.next_item().expect("record") {
        if let Item::Kernel(raw) = item {
            out.push(raw.to_vec());
        }
    }
    out
}

/// The calling thread's CPU time, as criterion's measurement.
struct CpuTime {
    wall: WallTime,
}

impl Measurement for CpuTime {
    type Intermediate = Duration;
    type Value = Duration;
    fn start(&self) -> Duration {
        thread_cpu()
    }
    fn end(&self, start: Duration) -> Duration {
        thread_cpu().saturating_sub(start)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, v: &Duration) -> f64 {
        v.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        self.wall.formatter()
    }
}

fn wall(c: &mut Criterion) {
    bench(c, "syscall_replay");
}

fn cpu(c: &mut Criterion<CpuTime>) {
    bench(c, "syscall_replay_cpu");
}

fn bench<M: Measurement>(c: &mut Criterion<M>, group: &str) {
    let capture = capture();
    let raw = records(&capture);
    let events = raw.len() as u64;
    let mut g = c.benchmark_group(group);
    g.sample_size(10)
        .measurement_time(Duration::from_secs(8))
        .throughput(Throughput::Elements(events));

    g.bench_function("decode", |b| {
        b.iter(|| {
            let mut ok = 0usize;
            for r in &raw {
                ok += usize::from(decode::decode(black_box(r)).is_ok());
            }
            assert_eq!(ok, raw.len());
        })
    });

    g.bench_function("read_decode_state", |b| {
        b.iter(|| {
            let mut seen = 0u64;
            let p = replay::replay(capture.as_slice(), Limits::default(), |ev| {
                seen += u64::from(ev.thread().is_some());
            })
            .expect("replay");
            black_box((seen, p.stats.records));
        })
    });

    if let Some(text) = upstream("falco_rules.yaml") {
        let rules = load(&[("falco_rules.yaml", &text)]);
        let src = rules.source_id("syscall").expect("syscall source");
        let mut hits = Vec::new();
        g.bench_function("read_decode_state_stable_rules", |b| {
            b.iter(|| {
                let mut alerts = 0usize;
                replay::replay(capture.as_slice(), Limits::default(), |ev| {
                    hits.clear();
                    rules.evaluate(src, ev, MatchMode::All, &mut hits);
                    for id in &hits {
                        if rules.alert(*id, ev, &AlertOptions::default()).is_some() {
                            alerts += 1;
                        }
                    }
                })
                .expect("replay");
                black_box(alerts);
            })
        });
    }
    g.finish();
}

criterion_group!(wall_clock, wall);
criterion_group! {
    name = cpu_time;
    config = Criterion::default().with_measurement(CpuTime { wall: WallTime });
    targets = cpu
}
criterion_main!(wall_clock, cpu_time);
