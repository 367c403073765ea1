//! Reading `/proc`: the thread table and fd tables at start (libscap's `/proc` scan), a
//! thread an event names before it was seen, and the passwd/group files of a process's
//! root. Everything read becomes a [`Snapshot`], which the live capture records, so a
//! replay never touches `/proc`. Every file read is capped; unreadable entries are
//! skipped (a process can exit while it is read).

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::abi;
use crate::flags;
use crate::state::Snapshot;
use crate::state::fds::{self, FdInfo, FdKind, L4, Role, Tuple};
use crate::state::threads::Thread;

const MAX_READ: u64 = 64 * 1024;

/// Where `/proc` is and how to turn its times into epoch ns.
#[derive(Debug, Clone)]
pub struct Proc {
    /// The `/proc` mount to read, normally `/proc`.
    pub root: PathBuf,
    /// Clock ticks per second (`sysconf(_SC_CLK_TCK)`).
    pub clk_tck: u64,
    /// CLOCK_BOOTTIME + this = epoch ns.
    pub boot_epoch_ns: u64,
    /// Where the host's root file system is seen (its `etc/passwd` names host users):
    /// `/`, or Falco's `HOST_ROOT` when kubeward runs in a container with the host's
    /// `/etc` mounted below it.
    pub host_root: PathBuf,
}

fn read_capped(p: &Path) -> Option<String> {
    let f = fs::File::open(p).ok()?;
    let mut s = String::new();
    f.take(MAX_READ).read_to_string(&mut s).ok()?;
    Some(s)
}

fn read_bytes(p: &Path) -> Option<Vec<u8>> {
    let f = fs::File::open(p).ok()?;
    let mut v = Vec::new();
    f.take(MAX_READ).read_to_end(&mut v).ok()?;
    Some(v)
}

fn link(p: &Path) -> Option<String> {
    fs::read_link(p)
        .ok()
        .map(|l| l.to_string_lossy().into_owned())
}

fn numeric_dirs(p: &Path) -> Vec<i64> {
    let Ok(rd) = fs::read_dir(p) else {
        return Vec::new();
    };
    let mut v: Vec<i64> = rd
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    v.sort_unstable();
    v
}

/// The fields of `/proc/<pid>/stat` after the `comm` in parentheses (field 3 first).
fn stat_fields(stat: &str) -> Vec<&str> {
    match stat.rfind(')') {
        Some(i) => stat.get(i + 1..).unwrap_or("").split_whitespace().collect(),
        None => Vec::new(),
    }
}

fn status_field<'a>(status: &'a str, key: &str) -> Option<&'a str> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .map(str::trim)
}

fn hex_u64(s: Option<&str>) -> u64 {
    s.and_then(|s| u64::from_str_radix(s.trim(), 16).ok())
        .unwrap_or(0)
}

/// The cgroup path a container id is derived from: the unified hierarchy's, or on v1
/// the memory controller's (what the probe reads).
pub fn cgroup_path(cgroup_file: &str) -> String {
    let mut v1 = None;
    for l in cgroup_file.lines() {
        let mut parts = l.splitn(3, ':');
        let (Some(id), Some(ctrl), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if id == "0" && ctrl.is_empty() && path != "/" {
            return path.to_owned();
        }
        if ctrl.split(',').any(|c| c == "memory") {
            v1 = Some(path.to_owned());
        }
    }
    v1.unwrap_or_else(|| "/".to_owned())
}

impl Proc {
    /// The host's `/proc`, with this machine's clock.
    pub fn host() -> Proc {
        Proc {
            root: PathBuf::from("/proc"),
            clk_tck: clk_tck(),
            boot_epoch_ns: boot_epoch_ns(),
            host_root: std::env::var_os("HOST_ROOT")
                .filter(|r| !r.is_empty())
                .map_or_else(|| PathBuf::from("/"), PathBuf::from),
        }
    }

    fn ticks_to_epoch(&self, ticks: u64) -> u64 {
        let tck = self.clk_tck.max(1);
        let ns = ticks / tck * 1_000_000_000 + ticks % tck * 1_000_000_000 / tck;
        ns.saturating_add(self.boot_epoch_ns)
    }

    /// One thread, or `None` when it is gone.
    pub fn thread(&self, pid: i64, tid: i64) -> Option<Thread> {
        let pdir = self.root.join(pid.to_string());
        let tdir = pdir.join("task").join(tid.to_string());
        let status = read_capped(&tdir.join("status"))?;
        let stat = read_capped(&tdir.join("stat"))?;
        let f = stat_fields(&stat);
        let num = |i: usize| f.get(i).and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
        let comm = read_capped(&tdir.join("comm"))
            .map(|s| s.trim_end_matches('\n').to_owned())
            .unwrap_or_default();
        let mut t = Thread::new(tid, pid);
        t.ptid = status_field(&status, "PPid")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let ids = |key: &str| -> (u32, u32) {
            let v: Vec<u32> = status_field(&status, key)
                .unwrap_or("")
                .split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect();
            (
                v.get(1).copied().unwrap_or(0),
                v.first().copied().unwrap_or(0),
            )
        };
        t.uid = ids("Uid").0;
        t.gid = ids("Gid").0;
        let last = |key: &str, dflt: i64| -> i64 {
            status_field(&status, key)
                .and_then(|s| s.split_whitespace().last()?.parse().ok())
                .unwrap_or(dflt)
        };
        t.vpid = last("NStgid", pid);
        t.vtid = last("NSpid", tid);
        t.cap_inheritable = hex_u64(status_field(&status, "CapInh"));
        t.cap_permitted = hex_u64(status_field(&status, "CapPrm"));
        t.cap_effective = hex_u64(status_field(&status, "CapEff"));
        // stat: 3 state, 4 ppid, 5 pgrp, 6 session, 7 tty_nr, … 22 starttime
        t.vpgid = num(2);
        t.sid = num(3);
        t.tty = num(4) as u32;
        t.clone_ts = self.ticks_to_epoch(num(19).max(0) as u64);
        t.loginuid = read_capped(&pdir.join("loginuid"))
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(u32::MAX);
        let cmdline = read_bytes(&pdir.join("cmdline")).unwrap_or_default();
        let mut argv: Vec<Arc<str>> = cmdline
            .split(|&c| c == 0)
            .map(|a| Arc::from(String::from_utf8_lossy(a).as_ref()))
            .collect();
        if cmdline.last() == Some(&0) {
            argv.pop();
        }
        t.exe = if argv.is_empty() {
            Arc::from("")
        } else {
            argv.remove(0)
        };
        t.set_cmd(Arc::from(comm), argv);
        // As much of the environment as the probe captures at exec.
        let env = read_bytes(&pdir.join("environ")).unwrap_or_default();
        let env = env
            .get(..env.len().min(crate::abi::ARGS_MAX))
            .unwrap_or(&[]);
        t.env = Arc::from(String::from_utf8_lossy(env.strip_suffix(&[0]).unwrap_or(env)).as_ref());
        let exe = link(&pdir.join("exe")).unwrap_or_default();
        // The probe names a memfd executable by its dentry ("memfd:x"); /proc says
        // "/memfd:x (deleted)". Report the probe's form either way.
        let exe = match exe.strip_prefix("/memfd:") {
            Some(rest) => {
                t.exe_flags |= abi::EXE_FROM_MEMFD;
                format!("memfd:{}", rest.trim_end_matches(" (deleted)"))
            }
            None => exe,
        };
        if let Ok(m) = fs::metadata(pdir.join("exe")) {
            use std::os::unix::fs::MetadataExt;
            let mode = m.mode();
            let writable = (m.uid() == t.uid && mode & 0o200 != 0)
                || (m.gid() == t.gid && mode & 0o020 != 0)
                || mode & 0o002 != 0
                || t.cap_effective & 2 != 0;
            if writable {
                t.exe_flags |= abi::EXE_WRITABLE;
            }
            t.exe_ino = m.ino();
            t.exe_ctime = (m.ctime().max(0) as u64) * 1_000_000_000 + m.ctime_nsec().max(0) as u64;
            t.exe_mtime = (m.mtime().max(0) as u64) * 1_000_000_000 + m.mtime_nsec().max(0) as u64;
        }
        t.exepath = Arc::from(exe);
        t.cwd = Arc::from(link(&pdir.join("cwd")).unwrap_or_else(|| "/".into()));
        let cgroup = cgroup_path(&read_capped(&pdir.join("cgroup")).unwrap_or_default());
        t.container_id = Arc::from(crate::container::container_id(&cgroup));
        t.cgroup = Arc::from(cgroup);
        if t.vpid == pid {
            // Same pid namespace as /proc's reader: the namespace's init is pid 1.
            t.pidns_init_start = read_capped(&self.root.join("1").join("stat"))
                .map(|s| {
                    let f = stat_fields(&s);
                    let st = f.get(19).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0);
                    self.ticks_to_epoch(st)
                })
                .unwrap_or(0);
        }
        Some(t)
    }

    /// The thread group a thread belongs to (`Tgid` of its status).
    pub fn tgid_of(&self, tid: i64) -> Option<i64> {
        let status = read_capped(&self.root.join(tid.to_string()).join("status"))?;
        status_field(&status, "Tgid")?.parse().ok()
    }

    /// Every thread and fd, skipping `skip_pid` (kubeward itself). At most `max_threads`
    /// threads are read.
    pub fn bootstrap(&self, skip_pid: i64, max_threads: usize) -> Vec<Snapshot> {
        let mut out = Vec::new();
        let mut sockets = SocketCache::default();
        let mut n = 0usize;
        for pid in numeric_dirs(&self.root) {
            if pid == skip_pid {
                continue;
            }
            let tids = numeric_dirs(&self.root.join(pid.to_string()).join("task"));
            let mut any = false;
            for tid in tids {
                if n >= max_threads {
                    break;
                }
                if let Some(t) = self.thread(pid, tid) {
                    out.push(Snapshot::Thread(Box::new(t)));
                    n += 1;
                    any = true;
                }
            }
            if any {
                out.extend(self.fds(pid, &mut sockets));
            }
        }
        out
    }

    /// The open fds of a process.
    pub fn fds(&self, pid: i64, sockets: &mut SocketCache) -> Vec<Snapshot> {
        let pdir = self.root.join(pid.to_string());
        let mut out = Vec::new();
        for fd in numeric_dirs(&pdir.join("fd")) {
            if out.len() >= fds::MAX_FDS_PER_PROCESS {
                break;
            }
            let Some(target) = link(&pdir.join("fd").join(fd.to_string())) else {
                continue;
            };
            let flags = read_capped(&pdir.join("fdinfo").join(fd.to_string()))
                .and_then(|s| {
                    s.lines()
                        .find_map(|l| l.strip_prefix("flags:"))
                        .and_then(|v| u64::from_str_radix(v.trim(), 8).ok())
                })
                .map_or(0, flags::open_flags);
            let info = if let Some(ino) = target
                .strip_prefix("socket:[")
                .and_then(|s| s.strip_suffix(']'))
                .and_then(|s| s.parse::<u64>().ok())
            {
                sockets.lookup(&self.root, pid, ino)
            } else if target.starts_with("pipe:") {
                FdInfo::new(FdKind::Fifo, target.as_str())
            } else if let Some(anon) = target.strip_prefix("anon_inode:") {
                let kind = match anon.trim_matches(|c| c == '[' || c == ']') {
                    "eventfd" => FdKind::Event,
                    "eventpoll" => FdKind::Eventpoll,
                    "inotify" => FdKind::Inotify,
                    "signalfd" => FdKind::Signalfd,
                    "timerfd" => FdKind::Timerfd,
                    "userfaultfd" => FdKind::Userfaultfd,
                    "io_uring" => FdKind::IoUring,
                    "pidfd" => FdKind::Pidfd,
                    a if a.starts_with("bpf") => FdKind::Bpf,
                    _ => FdKind::Unknown,
                };
                FdInfo::new(kind, target.as_str())
            } else if target.starts_with("/memfd:") {
                FdInfo::new(FdKind::Memfd, target.trim_start_matches('/'))
            } else if target.starts_with('/') {
                let dir = fs::metadata(pdir.join("fd").join(fd.to_string()))
                    .map(|m| m.is_dir())
                    .unwrap_or(false);
                FdInfo::new(
                    if dir { FdKind::Directory } else { FdKind::File },
                    target.as_str(),
                )
            } else {
                FdInfo::new(FdKind::Unknown, target.as_str())
            };
            let mut info = info;
            info.flags = flags;
            out.push(Snapshot::Fd { pid, fd, info });
        }
        out
    }

    /// The users of a process's root (`/proc/<pid>/root/etc/...`).
    pub fn users(&self, pid: i64, container: &str) -> Snapshot {
        let root = if container.is_empty() {
            self.host_root.clone()
        } else {
            self.root.join(pid.to_string()).join("root")
        };
        Snapshot::Users {
            container: Arc::from(container),
            db: Arc::new(crate::users::UserDb::load(&root)),
        }
    }
}

/// Network namespaces a [`SocketCache`] holds at most.
const MAX_CACHED_NETNS: usize = 64;
/// Sockets read from one namespace's tables at most.
const MAX_SOCKETS_PER_NETNS: usize = 1 << 18;

/// IP sockets by inode, per network namespace (`/proc/<pid>/net/{tcp,tcp6,udp,udp6}`),
/// read once per namespace. A snapshot: a live capture starts a new cache for each batch
/// of `/proc` reads, so sockets created since are found.
#[derive(Debug, Default)]
pub struct SocketCache {
    by_netns: HashMap<String, HashMap<u64, FdInfo>>,
}

impl SocketCache {
    /// Forgets what was read (the next lookup in a namespace reads its tables again).
    pub fn clear(&mut self) {
        self.by_netns.clear();
    }

    fn lookup(&mut self, root: &Path, pid: i64, ino: u64) -> FdInfo {
        let pdir = root.join(pid.to_string());
        let ns = link(&pdir.join("ns").join("net")).unwrap_or_default();
        if !self.by_netns.contains_key(&ns) {
            let mut m = HashMap::new();
            for (file, l4, v6) in [
                ("tcp", L4::Tcp, false),
                ("tcp6", L4::Tcp, true),
                ("udp", L4::Udp, false),
                ("udp6", L4::Udp, true),
            ] {
                if let Some(text) = read_capped_large(&pdir.join("net").join(file)) {
                    parse_net(&text, l4, v6, &mut m);
                }
            }
            if self.by_netns.len() >= MAX_CACHED_NETNS {
                self.by_netns.clear();
            }
            self.by_netns.insert(ns.clone(), m);
        }
        self.by_netns
            .get(&ns)
            .and_then(|m| m.get(&ino))
            .cloned()
            .unwrap_or_else(|| FdInfo::new(FdKind::Unix, ""))
    }
}

fn read_capped_large(p: &Path) -> Option<String> {
    let f = fs::File::open(p).ok()?;
    let mut s = String::new();
    f.take(16 * 1024 * 1024).read_to_string(&mut s).ok()?;
    Some(s)
}

fn parse_hex_addr(s: &str, v6: bool) -> Option<(IpAddr, u16)> {
    let (a, p) = s.split_once(':')?;
    let port = u16::from_str_radix(p, 16).ok()?;
    if v6 {
        let mut b = [0u8; 16];
        for i in 0..4 {
            let w = u32::from_str_radix(a.get(i * 8..i * 8 + 8)?, 16).ok()?;
            b.get_mut(i * 4..i * 4 + 4)?
                .copy_from_slice(&w.to_le_bytes());
        }
        Some((crate::net::unmap(std::net::Ipv6Addr::from(b)), port))
    } else {
        let w = u32::from_str_radix(a, 16).ok()?;
        Some((IpAddr::from(w.to_le_bytes()), port))
    }
}

/// Lines of `/proc/net/tcp`: `sl local rem st … inode`.
fn parse_net(text: &str, l4: L4, v6: bool, out: &mut HashMap<u64, FdInfo>) {
    for line in text.lines().skip(1) {
        if out.len() >= MAX_SOCKETS_PER_NETNS {
            return;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        let (Some(local), Some(remote), Some(st), Some(ino)) =
            (f.get(1), f.get(2), f.get(3), f.get(9))
        else {
            continue;
        };
        let (Some((lip, lport)), Some((rip, rport)), Ok(ino)) = (
            parse_hex_addr(local, v6),
            parse_hex_addr(remote, v6),
            ino.parse::<u64>(),
        ) else {
            continue;
        };
        let listening = l4 == L4::Tcp && *st == "0A";
        let info = if listening || (l4 == L4::Udp && rip.is_unspecified()) {
            FdInfo::server(lip, lport)
        } else {
            // /proc does not say who connected: the local side is taken as the client.
            let t = Tuple {
                cip: lip,
                cport: lport,
                sip: rip,
                sport: rport,
            };
            let mut i = FdInfo::new(
                if lip.is_ipv4() {
                    FdKind::Ipv4
                } else {
                    FdKind::Ipv6
                },
                fds::tuple_name(&t),
            );
            i.role = Role::Client;
            i.tuple = Some(t);
            i.connected = true;
            i
        };
        let mut info = info;
        info.l4 = l4;
        out.insert(ino, info);
    }
}

/// `sysconf(_SC_CLK_TCK)`.
pub fn clk_tck() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let v = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if v > 0 { v as u64 } else { 100 }
}

fn clock_ns(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid out-pointer for the call.
    let r = unsafe { libc::clock_gettime(clock, &mut ts) };
    if r != 0 {
        return 0;
    }
    (ts.tv_sec.max(0) as u64) * 1_000_000_000 + ts.tv_nsec.max(0) as u64
}

/// The CPU time this process has used, all threads, user and kernel (for `--stats`).
pub fn process_cpu() -> std::time::Duration {
    std::time::Duration::from_nanos(clock_ns(libc::CLOCK_PROCESS_CPUTIME_ID))
}

/// This process's resident memory now and at its peak, in bytes (`VmRSS`, `VmHWM`).
pub fn own_rss() -> Option<(u64, u64)> {
    let status = read_capped(Path::new("/proc/self/status"))?;
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|k| k * 1024)
    };
    Some((kib("VmRSS:")?, kib("VmHWM:")?))
}

/// CLOCK_REALTIME - CLOCK_BOOTTIME, ns: what turns the probe's times into epoch times.
pub fn boot_epoch_ns() -> u64 {
    let real = clock_ns(libc::CLOCK_REALTIME);
    let boot = clock_ns(libc::CLOCK_BOOTTIME);
    real.saturating_sub(boot)
}

/// CLOCK_BOOTTIME now, ns.
pub fn boot_now_ns() -> u64 {
    clock_ns(libc::CLOCK_BOOTTIME)
}

/// This host's interface addresses.
pub fn local_ips() -> Vec<IpAddr> {
    let mut out = Vec::new();
    let mut ifap: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills ifap with a list we free below with freeifaddrs.
    if unsafe { libc::getifaddrs(&mut ifap) } != 0 {
        return out;
    }
    let mut cur = ifap;
    while !cur.is_null() && out.len() < 256 {
        // SAFETY: cur is a node of the list getifaddrs returned.
        let ifa = unsafe { &*cur };
        if !ifa.ifa_addr.is_null() {
            // SAFETY: ifa_addr points to a sockaddr of the family it declares.
            let fam = i32::from(unsafe { (*ifa.ifa_addr).sa_family });
            if fam == libc::AF_INET {
                // SAFETY: family AF_INET means a sockaddr_in.
                let sin = unsafe { &*(ifa.ifa_addr as *const libc::sockaddr_in) };
                out.push(IpAddr::from(
                    u32::from_be(sin.sin_addr.s_addr).to_be_bytes(),
                ));
            } else if fam == libc::AF_INET6 {
                // SAFETY: family AF_INET6 means a sockaddr_in6.
                let sin6 = unsafe { &*(ifa.ifa_addr as *const libc::sockaddr_in6) };
                out.push(IpAddr::from(sin6.sin6_addr.s6_addr));
            }
        }
        cur = ifa.ifa_next;
    }
    // SAFETY: ifap came from getifaddrs and is freed once.
    unsafe { libc::freeifaddrs(ifap) };
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cgroup_paths_v1_and_v2() {
        assert_eq!(
            cgroup_path("0::/system.slice/x.scope\n"),
            "/system.slice/x.scope"
        );
        assert_eq!(
            cgroup_path("12:pids:/a\n4:memory:/docker/abc\n1:name=systemd:/b\n"),
            "/docker/abc"
        );
        assert_eq!(cgroup_path("0::/\n"), "/");
        assert_eq!(cgroup_path(""), "/");
    }

    #[test]
    fn net_lines() {
        let text = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 1\n   1: 0100007F:9C40 0200000A:0050 01 00000000:00000000 00:00000000 00000000     0        0 5678 1\n";
        let mut m = HashMap::new();
        parse_net(text, L4::Tcp, false, &mut m);
        assert_eq!(&*m[&1234].name, "127.0.0.1:22");
        assert_eq!(m[&1234].kind, FdKind::Ipv4Server);
        assert_eq!(&*m[&5678].name, "127.0.0.1:40000->10.0.0.2:80");
        assert_eq!(m[&5678].l4, L4::Tcp);
    }

    #[test]
    fn socket_tables_are_a_snapshot_until_cleared() {
        let root = tempfile::tempdir().expect("tempdir");
        let pdir = root.path().join("100");
        std::fs::create_dir_all(pdir.join("ns")).expect("ns");
        std::fs::create_dir_all(pdir.join("net")).expect("net");
        std::os::unix::fs::symlink("net:[4026531840]", pdir.join("ns/net")).expect("link");
        let head = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
        let first = "   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 1\n";
        let later = "   1: 0100007F:9C40 0200000A:0050 01 00000000:00000000 00:00000000 00000000     0        0 5678 1\n";
        std::fs::write(pdir.join("net/tcp"), format!("{head}{first}")).expect("tcp");
        let mut cache = SocketCache::default();
        assert_eq!(
            cache.lookup(root.path(), 100, 1234).kind,
            FdKind::Ipv4Server
        );
        // A socket created after the namespace's tables were read.
        std::fs::write(pdir.join("net/tcp"), format!("{head}{first}{later}")).expect("tcp");
        assert_eq!(cache.lookup(root.path(), 100, 5678).kind, FdKind::Unix);
        cache.clear();
        let s = cache.lookup(root.path(), 100, 5678);
        assert_eq!(
            (s.kind, &*s.name),
            (FdKind::Ipv4, "127.0.0.1:40000->10.0.0.2:80")
        );
    }

    #[test]
    fn reads_this_process() {
        let p = Proc::host();
        let me = std::process::id() as i64;
        let t = p.thread(me, me).expect("own thread");
        assert_eq!(t.pid, me);
        assert!(!t.comm.is_empty());
        assert!(t.exepath.starts_with('/'));
        assert!(t.clone_ts > 1_600_000_000_000_000_000);
        assert_eq!(p.tgid_of(me), Some(me));
        assert!(p.thread(me, 1 << 30).is_none());
    }
}
