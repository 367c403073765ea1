//! Process and fd state, updated by events the way libsinsp's parsers update theirs
//! (`parsers.cpp`): clone copies the parent, exec replaces the image, exit removes the
//! thread, opens/sockets/dups add fds, close removes them, chdir moves the cwd, the
//! setuid family and capset change credentials.
//!
//! The state does no I/O: what it learns from `/proc` or the passwd files arrives as
//! [`Snapshot`]s, which a live capture also writes into its recording, so that a replay
//! rebuilds exactly the same state. Removals an event causes (a closed fd, an exited
//! thread) take effect in [`State::finish`], after the event was evaluated, so its
//! fields still see what was closed.
//!
//! Approximations are counted in [`Counters`] and described in docs/syscall.md.

pub mod fds;
pub mod threads;

use foldhash::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use crate::abi::Proc;
use crate::decode::{Body, ExecData, ForkData, Record, SyscallData, strip_nul};
use crate::flags;
use crate::net::{self, SockAddr};
use crate::paths;
use crate::syscalls::{Effect, FdUse, Syscall};
use crate::users::UserDb;
use fds::{FdInfo, FdKind, FdTables, L4, Names, Role, Tuple};
use threads::{Thread, ThreadTable};

/// Bounds of the tables.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The most threads kept (least recently active ones are evicted).
    pub max_threads: usize,
    /// The most fds kept across all processes.
    pub max_fds: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_threads: 65_536,
            max_fds: 1 << 20,
        }
    }
}

/// What the state learned outside the event stream.
#[derive(Debug, Clone, PartialEq)]
pub enum Snapshot {
    /// A thread read from `/proc` (bootstrap, or an event from a thread not seen yet).
    Thread(Box<Thread>),
    /// An fd read from `/proc/<pid>/fd`.
    Fd {
        /// The process.
        pid: i64,
        /// The fd number.
        fd: i64,
        /// What the fd is.
        info: FdInfo,
    },
    /// The users and groups of a container's root (`""`: the host).
    Users {
        /// The container id.
        container: Arc<str>,
        /// Its users and groups.
        db: Arc<UserDb>,
    },
    /// What the cluster says about a container (see [`crate::meta`]).
    Container(Arc<crate::meta::ContainerMeta>),
    /// The addresses a domain name the rules compare with resolved to (see
    /// [`crate::dns`]); they replace the name's previous ones.
    Dns {
        /// The name.
        name: Arc<str>,
        /// Its addresses, at most [`crate::dns::MAX_ADDRS`].
        addrs: Vec<IpAddr>,
    },
    /// A thread `/proc` no longer had (it exited before it could be read).
    Missing {
        /// The thread id.
        tid: i64,
    },
}

/// Approximations and bounds hit, for `--stats` and metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Events whose thread was never seen and could not be read from `/proc`.
    pub unknown_thread_events: u64,
    /// Threads that had exited before `/proc` could be read.
    pub missing_threads: u64,
    /// A new thread arrived under an id still in the table (its exit was missed).
    pub pid_reuse: u64,
    /// Events on fds the table did not know (opened before the capture, or evicted).
    pub unknown_fds: u64,
    /// Records the decoder rejected.
    pub decode_errors: u64,
}

/// What an event did, for its fields.
#[derive(Debug, Clone, Copy)]
pub struct Applied {
    /// What the event is.
    pub kind: EventKind,
    /// The thread id.
    pub tid: i64,
    /// The process id.
    pub pid: i64,
    /// Epoch ns.
    pub ts: u64,
    /// The fd the event's `fd.*` fields describe (-1: none).
    pub fd: i64,
    /// Whether the event changed the fd's name (`fd.name_changed`).
    pub fd_name_changed: bool,
    /// The syscall's return value.
    pub res: i64,
}

/// What an event is, once applied to the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// A syscall exit.
    Syscall(&'static Syscall),
    /// A successful exec, reported as `execve` or `execveat`.
    Exec(&'static Syscall),
    /// A thread exited (`procexit`).
    ProcExit,
    /// State only, never evaluated (a new task).
    Fork,
}

/// The thread and fd tables and the user databases.
#[derive(Debug, Clone)]
pub struct State {
    /// The threads.
    pub threads: ThreadTable,
    /// The fd tables, one per process.
    pub fds: FdTables,
    users: HashMap<Arc<str>, Arc<UserDb>>,
    /// Cluster metadata by short container id.
    containers: HashMap<Arc<str>, Arc<crate::meta::ContainerMeta>>,
    /// Domain names by address, and each name's addresses.
    dns: HashMap<IpAddr, Arc<str>>,
    dns_addrs: HashMap<Arc<str>, Vec<IpAddr>>,
    /// Children per process, so an exit reparents only when it has some.
    children: HashMap<i64, u32>,
    /// CLOCK_BOOTTIME + this = epoch ns.
    pub boot_epoch_ns: u64,
    /// This host's addresses (`fd.lip`/`fd.lport` decide the local side with them).
    pub local_ips: Vec<IpAddr>,
    /// Approximations and bounds hit so far.
    pub counters: Counters,
    pending_fds: Vec<(i64, i64, i64)>,
    pending_exit: Option<(i64, bool)>,
    /// Reused to resolve paths.
    scratch: String,
    names: Names,
}

fn arc(b: &[u8]) -> Arc<str> {
    Arc::from(String::from_utf8_lossy(b).as_ref())
}

/// An int syscall argument (the kernel reads the low 32 bits).
pub fn int_arg(v: u64) -> i64 {
    i64::from(v as u32 as i32)
}

impl State {
    /// Empty tables bounded by `limits`; `boot_epoch_ns` turns CLOCK_BOOTTIME into epoch time.
    pub fn new(limits: Limits, boot_epoch_ns: u64) -> State {
        State {
            threads: ThreadTable::new(limits.max_threads),
            fds: FdTables::new(limits.max_fds),
            users: HashMap::default(),
            containers: HashMap::default(),
            dns: HashMap::default(),
            dns_addrs: HashMap::default(),
            children: HashMap::default(),
            boot_epoch_ns,
            local_ips: Vec::new(),
            counters: Counters::default(),
            pending_fds: Vec::new(),
            pending_exit: None,
            scratch: String::new(),
            names: Names::default(),
        }
    }

    /// `boot_ns` (CLOCK_BOOTTIME) as epoch ns.
    pub fn epoch(&self, boot_ns: u64) -> u64 {
        boot_ns.saturating_add(self.boot_epoch_ns)
    }

    /// The thread `tid`, if known.
    pub fn thread(&self, tid: i64) -> Option<&Thread> {
        self.threads.get(tid)
    }

    /// The users and groups of `container`'s root (`""`: the host), if read.
    pub fn users(&self, container: &str) -> Option<&UserDb> {
        self.users.get(container).map(|d| d.as_ref())
    }

    /// Whether the users and groups of `container` have been read.
    pub fn has_users(&self, container: &str) -> bool {
        self.users.contains_key(container)
    }

    /// Whether an event of `tid` would find its thread (else a live capture reads
    /// `/proc` first).
    pub fn knows(&self, tid: i64) -> bool {
        self.threads.get(tid).is_some()
    }

    /// The cwd of a thread's process.
    pub fn cwd<'a>(&'a self, t: &'a Thread) -> &'a str {
        self.threads.main_of(t).map_or(&t.cwd, |m| &m.cwd)
    }

    /// Applies what `/proc` or the passwd files said.
    pub fn apply_snapshot(&mut self, s: Snapshot) {
        match s {
            Snapshot::Thread(t) => {
                let t = *t;
                if t.is_main() && t.ptid > 0 && self.threads.get(t.tid).is_none() {
                    *self.children.entry(t.ptid).or_default() += 1;
                }
                self.threads.insert(t);
            }
            Snapshot::Fd { pid, fd, info } => self.fds.insert(pid, fd, info),
            Snapshot::Users { container, db } => {
                // Bounded by the number of containers with live processes; a container
                // that restarts replaces its entry.
                if self.users.len() >= 4096 && !self.users.contains_key(&container) {
                    self.users.clear();
                }
                self.users.insert(container, db);
            }
            Snapshot::Container(meta) => {
                // Container ids are never reused; a full table starts again (the
                // watcher's current view comes back with the next change).
                if self.containers.len() >= crate::meta::MAX_CONTAINERS
                    && !self.containers.contains_key(meta.id.as_str())
                {
                    self.containers.clear();
                }
                self.containers.insert(Arc::from(meta.id.as_str()), meta);
            }
            Snapshot::Dns { name, addrs } => {
                if let Some(old) = self.dns_addrs.remove(&name) {
                    for a in old {
                        if self.dns.get(&a) == Some(&name) {
                            self.dns.remove(&a);
                        }
                    }
                }
                // Names come from the rules: few, each with few addresses.
                if self.dns_addrs.len() < crate::dns::MAX_NAMES {
                    for a in addrs.iter().take(crate::dns::MAX_ADDRS) {
                        self.dns.entry(*a).or_insert_with(|| name.clone());
                    }
                    self.dns_addrs.insert(name, addrs);
                }
            }
            Snapshot::Missing { .. } => self.counters.missing_threads += 1,
        }
    }

    /// The domain name (one the rules compare with) that `ip` resolved from.
    pub fn dns_name(&self, ip: &IpAddr) -> Option<&str> {
        self.dns.get(ip).map(|n| &**n)
    }

    /// What the cluster says about container `id` (short id), if anything.
    pub fn container(&self, id: &str) -> Option<&crate::meta::ContainerMeta> {
        self.containers.get(id).map(|m| m.as_ref())
    }

    /// Applies one probe record; `None` for records that are state only.
    pub fn apply(&mut self, rec: &Record<'_>) -> Applied {
        let h = &rec.hdr;
        let tid = i64::from(h.tid);
        let pid = i64::from(h.tgid);
        let ts = self.epoch(h.ts);
        let mut a = Applied {
            kind: EventKind::Fork,
            tid,
            pid,
            ts,
            fd: -1,
            fd_name_changed: false,
            res: h.res,
        };
        match &rec.body {
            Body::Syscall(d) => {
                a.kind = EventKind::Syscall(d.syscall);
                if let Some(t) = self.threads.get_mut(tid) {
                    t.last_ts = ts;
                } else {
                    self.counters.unknown_thread_events += 1;
                }
                a.fd = match d.syscall.fd {
                    FdUse::None => -1,
                    FdUse::Creates if h.res >= 0 => h.res,
                    FdUse::Creates => -1,
                    FdUse::Uses(i) => int_arg(h.args.get(usize::from(i)).copied().unwrap_or(0)),
                };
                self.syscall(rec, d, &mut a);
            }
            Body::Exec(e) => {
                let s = crate::syscalls::by_nr(h.nr)
                    .or_else(|| crate::syscalls::by_name("execve"))
                    .unwrap_or(&crate::syscalls::SYSCALLS[0]);
                a.kind = EventKind::Exec(s);
                a.res = 0;
                self.exec(rec, e, ts);
            }
            Body::Fork(f) => self.fork(rec, f, ts),
            Body::Exit => {
                a.kind = EventKind::ProcExit;
                let group_dead = h.args.first().copied().unwrap_or(0) != 0;
                if let Some(t) = self.threads.get_mut(tid) {
                    t.exited = true;
                    t.last_ts = ts;
                }
                self.pending_exit = Some((tid, group_dead));
            }
        }
        a
    }

    /// Removals the last event caused; call after evaluating it.
    pub fn finish(&mut self) {
        for (pid, lo, hi) in std::mem::take(&mut self.pending_fds) {
            if lo == hi {
                self.fds.remove(pid, lo);
            } else {
                self.fds.remove_range(pid, lo, hi);
            }
        }
        if let Some((tid, group_dead)) = self.pending_exit.take() {
            self.remove_thread(tid, group_dead);
        }
    }

    fn remove_thread(&mut self, tid: i64, group_dead: bool) {
        let Some(t) = self.threads.remove(tid) else {
            return;
        };
        if !(group_dead || t.is_main()) {
            return;
        }
        let pid = t.pid;
        if group_dead {
            self.fds.drop_table(pid);
        }
        if t.is_main() {
            if let Some(c) = self.children.get_mut(&t.ptid) {
                *c = c.saturating_sub(1);
                if *c == 0 {
                    self.children.remove(&t.ptid);
                }
            }
            // Orphans go to init, as the kernel reparents them (approximation: a
            // subreaper or a container's init is not looked for).
            if let Some(n) = self.children.remove(&pid) {
                let _ = n;
                let mut moved = 0u32;
                for c in self.threads.iter_mut() {
                    if c.ptid == pid && c.tid != pid {
                        c.ptid = 1;
                        if c.is_main() {
                            moved += 1;
                        }
                    }
                }
                if moved > 0 {
                    *self.children.entry(1).or_default() += moved;
                }
            }
        }
    }

    fn exec(&mut self, rec: &Record<'_>, e: &ExecData<'_>, ts: u64) {
        let h = &rec.hdr;
        let tid = i64::from(h.tid);
        let pid = i64::from(h.tgid);
        let mut argv = e
            .args
            .split(|&c| c == 0)
            .map(arc)
            .collect::<Vec<Arc<str>>>();
        // The area ends with a NUL: the split leaves one empty piece after it.
        if e.args.last() == Some(&0) {
            argv.pop();
        }
        let exe = if argv.is_empty() {
            Arc::from("")
        } else {
            argv.remove(0)
        };
        let existing = self.threads.get(tid).cloned();
        let mut t = existing.unwrap_or_else(|| {
            self.counters.unknown_thread_events += 1;
            let mut t = Thread::new(tid, pid);
            t.clone_ts = self.epoch(e.proc.start_ts);
            t
        });
        t.pid = pid;
        t.exe = exe;
        t.set_cmd(arc(e.comm), argv);
        t.exepath = arc(e.exepath);
        t.filename = arc(e.filename);
        t.env = arc(e.env.strip_suffix(&[0]).unwrap_or(e.env));
        self.apply_proc(&mut t, &e.proc);
        let cgroup = String::from_utf8_lossy(e.cgroup);
        let cgroup = if cgroup.is_empty() {
            "/".into()
        } else {
            cgroup
        };
        if *t.cgroup != *cgroup {
            t.container_id = Arc::from(crate::container::container_id(&cgroup));
            t.cgroup = Arc::from(cgroup.as_ref());
        }
        t.exited = false;
        t.last_ts = ts;
        let old = int_arg(h.args.first().copied().unwrap_or(0));
        if old != tid && old > 0 {
            // A non-leader thread exec'd: it took over the leader's id.
            self.threads.remove(old);
        }
        if t.is_main() && t.ptid > 0 && self.threads.get(tid).is_none() {
            *self.children.entry(t.ptid).or_default() += 1;
        }
        self.threads.insert(t);
        self.fds.remove_cloexec(pid);
    }

    fn apply_proc(&self, t: &mut Thread, p: &Proc) {
        if p.ppid > 0 {
            t.ptid = i64::from(p.ppid);
        }
        t.uid = p.euid;
        t.gid = p.egid;
        t.loginuid = p.loginuid;
        t.tty = p.tty;
        t.exe_flags = p.exe_flags;
        t.cap_inheritable = p.cap_inheritable;
        t.cap_permitted = p.cap_permitted;
        t.cap_effective = p.cap_effective;
        t.exe_ino = p.exe_ino;
        t.exe_ctime = p.exe_ctime;
        t.exe_mtime = p.exe_mtime;
        t.vtid = i64::from(p.vtid);
        t.vpid = i64::from(p.vpid);
        t.sid = i64::from(p.sid);
        t.vpgid = i64::from(p.vpgid);
        if p.pidns_init_start > 0 {
            t.pidns_init_start = self.epoch(p.pidns_init_start);
        }
    }

    fn fork(&mut self, rec: &Record<'_>, f: &ForkData<'_>, ts: u64) {
        let h = &rec.hdr;
        let tid = i64::from(h.tid);
        let pid = i64::from(h.tgid);
        let parent_tid = int_arg(h.args.first().copied().unwrap_or(0));
        let parent_pid = int_arg(h.args.get(1).copied().unwrap_or(0));
        if let Some(old) = self.threads.get(tid)
            && !old.exited
        {
            self.counters.pid_reuse += 1;
        }
        let parent = self
            .threads
            .get(parent_tid)
            .or_else(|| self.threads.get(parent_pid))
            .cloned();
        let is_thread = pid == parent_pid;
        let mut t = match parent {
            Some(p) => {
                let mut t = p;
                t.tid = tid;
                t.pid = pid;
                t
            }
            None => {
                self.counters.unknown_thread_events += 1;
                let mut t = Thread::new(tid, pid);
                t.set_cmd(arc(f.comm), Vec::new());
                t
            }
        };
        t.ptid = if is_thread {
            self.threads.get(pid).map_or(parent_pid, |m| m.ptid)
        } else {
            parent_pid
        };
        self.apply_proc(&mut t, &f.proc);
        if !is_thread {
            t.ptid = parent_pid;
        }
        t.clone_ts = ts;
        t.exited = false;
        t.last_ts = ts;
        if !is_thread {
            *self.children.entry(parent_pid).or_default() += 1;
            self.fds.copy(parent_pid, pid);
        }
        self.threads.insert(t);
    }

    fn set_fd(&mut self, pid: i64, fd: i64, info: FdInfo) {
        if fd >= 0 {
            self.fds.insert(pid, fd, info);
        }
    }

    fn syscall(&mut self, rec: &Record<'_>, d: &SyscallData<'_>, a: &mut Applied) {
        let h = &rec.hdr;
        let res = h.res;
        let pid = a.pid;
        let tid = a.tid;
        let arg = |i: usize| h.args.get(i).copied().unwrap_or(0);
        match d.syscall.effect {
            Effect::None | Effect::Clone | Effect::Exec => {}
            Effect::Open | Effect::Creat => {
                if res < 0 {
                    return;
                }
                let (ppm, name) = match d.syscall.effect {
                    Effect::Creat => (
                        flags::open_flags(0o1 | 0o100 | 0o1000),
                        self.opened_name(tid, d.str(0), None),
                    ),
                    _ if d.syscall.name == "open" => (
                        flags::open_flags(arg(1)),
                        self.opened_name(tid, d.str(0), None),
                    ),
                    _ => {
                        let fl = if d.syscall.name == "openat2" {
                            open_how(d.blob).0
                        } else {
                            arg(2)
                        };
                        (
                            flags::open_flags(fl),
                            self.opened_name(tid, d.str(1), Some(int_arg(arg(0)))),
                        )
                    }
                };
                let kind = if ppm & flags::PPM_O_DIRECTORY != 0 {
                    FdKind::Directory
                } else {
                    FdKind::File
                };
                let mut info = FdInfo::new(kind, name);
                info.flags = ppm;
                self.set_fd(pid, res, info);
            }
            Effect::Memfd => {
                if res >= 0 {
                    let name =
                        format!("memfd:{}", String::from_utf8_lossy(d.str(0).unwrap_or(b"")));
                    self.set_fd(pid, res, FdInfo::new(FdKind::Memfd, name));
                }
            }
            Effect::Socket => {
                if res < 0 {
                    return;
                }
                let domain = arg(0) as u32;
                let ty = arg(1) as u32 & 0xf;
                let proto = arg(2) as u32;
                let kind = match domain {
                    2 => FdKind::Ipv4,
                    10 => FdKind::Ipv6,
                    1 => FdKind::Unix,
                    16 => FdKind::Netlink,
                    _ => FdKind::Unknown,
                };
                let mut info = FdInfo::new(kind, "");
                if kind.is_ip() {
                    info.l4 = match (ty, proto) {
                        (_, 1) | (_, 58) => L4::Icmp,
                        (1, _) => L4::Tcp,
                        (2, _) => L4::Udp,
                        (3, _) => L4::Raw,
                        _ => L4::Unknown,
                    };
                }
                self.set_fd(pid, res, info);
            }
            Effect::Connect => {
                if res < 0 && res != -115 {
                    return;
                }
                let fd = a.fd;
                let addr = d.addr.and_then(net::parse_sockaddr);
                self.connect(pid, fd, d, addr, res == 0);
            }
            Effect::Accept => {
                if res < 0 {
                    return;
                }
                let mut info = match d.sock.as_ref().and_then(net::sock_endpoints) {
                    Some((lip, lport, rip, rport)) => {
                        let t = Tuple {
                            cip: rip,
                            cport: rport,
                            sip: lip,
                            sport: lport,
                        };
                        let mut i = FdInfo::new(ip_kind(lip), fds::tuple_name(&t));
                        i.tuple = Some(t);
                        i.role = Role::Server;
                        i.connected = true;
                        i
                    }
                    None => FdInfo::new(FdKind::Unix, ""),
                };
                if let Some(s) = &d.sock {
                    info.l4 = l4_of(s.sock_type, s.protocol);
                }
                self.set_fd(pid, res, info);
            }
            Effect::Bind => {
                if res != 0 {
                    return;
                }
                if let Some(SockAddr::Inet(ip, port)) = d.addr.and_then(net::parse_sockaddr) {
                    let fd = a.fd;
                    let l4 = self.fds.get(pid, fd).map_or(L4::Unknown, |f| f.l4);
                    let mut info = FdInfo::server(ip, port);
                    info.l4 = l4;
                    self.set_fd(pid, fd, info);
                }
            }
            Effect::SendTo => {
                let fd = a.fd;
                let Some(SockAddr::Inet(dip, dport)) = d.addr.and_then(net::parse_sockaddr) else {
                    return;
                };
                let Some(cur) = self.fds.get(pid, fd) else {
                    self.counters.unknown_fds += 1;
                    return;
                };
                if !cur.kind.is_ip() || cur.connected {
                    return;
                }
                let (lip, lport) = match d.sock.as_ref().and_then(net::sock_endpoints) {
                    Some((lip, lport, _, _)) => (lip, lport),
                    None => (unspecified(dip), 0),
                };
                let t = Tuple {
                    cip: lip,
                    cport: lport,
                    sip: dip,
                    sport: dport,
                };
                let name = fds::tuple_name(&t);
                let changed = *cur.name != *name;
                let mut info = cur.clone();
                info.kind = ip_kind(dip);
                info.name = Arc::from(name);
                info.tuple = Some(t);
                info.role = Role::Client;
                a.fd_name_changed = changed;
                self.set_fd(pid, fd, info);
            }
            Effect::Close => {
                if res >= 0 {
                    if self.fds.get(pid, a.fd).is_none() {
                        self.counters.unknown_fds += 1;
                    }
                    self.pending_fds.push((pid, a.fd, a.fd));
                }
            }
            Effect::CloseRange => {
                if res == 0 && arg(2) & 4 == 0 {
                    let lo = i64::from(arg(0) as u32);
                    let hi = i64::from(arg(1) as u32);
                    self.pending_fds.push((pid, lo, hi.max(lo)));
                }
            }
            Effect::Dup => {
                if res < 0 || res == a.fd {
                    return;
                }
                match self.fds.get(pid, a.fd).cloned() {
                    Some(mut info) => {
                        // dup3(…, O_CLOEXEC) marks the new fd; plain dup clears it.
                        info.flags &= !flags::PPM_O_CLOEXEC_BIT;
                        if d.syscall.name == "dup3" && arg(2) & 0o2000000 != 0 {
                            info.flags |= flags::PPM_O_CLOEXEC_BIT;
                        }
                        self.set_fd(pid, res, info);
                    }
                    None => {
                        self.counters.unknown_fds += 1;
                        self.fds.remove(pid, res);
                    }
                }
            }
            Effect::Chdir => {
                if res == 0
                    && let Some(p) = d.str(0)
                {
                    let p = String::from_utf8_lossy(p);
                    let new = match self.threads.get(tid) {
                        Some(t) => paths::join(self.cwd(t), &p),
                        None => paths::join("/", &p),
                    };
                    self.set_cwd(tid, pid, new);
                }
            }
            Effect::Fchdir => {
                if res == 0 {
                    match self.fds.get(pid, a.fd).map(|f| f.name.to_string()) {
                        Some(name) => self.set_cwd(tid, pid, name),
                        None => self.counters.unknown_fds += 1,
                    }
                }
            }
            Effect::SetUid
            | Effect::SetReUid
            | Effect::SetResUid
            | Effect::SetGid
            | Effect::SetReGid
            | Effect::SetResGid => {
                if res != 0 {
                    return;
                }
                let effect = d.syscall.effect;
                // setuid/setgid take the new id first; the re/res forms the effective
                // id second. -1 leaves it unchanged.
                let id = match effect {
                    Effect::SetUid | Effect::SetGid => arg(0),
                    _ => arg(1),
                } as u32;
                if id != u32::MAX
                    && let Some(t) = self.threads.get_mut(tid)
                {
                    match effect {
                        Effect::SetUid | Effect::SetReUid | Effect::SetResUid => t.uid = id,
                        _ => t.gid = id,
                    }
                }
            }
            Effect::Capset => {
                if res != 0 {
                    return;
                }
                if let (Some(caps), Some(t)) = (capset(d.blob), self.threads.get_mut(tid)) {
                    t.cap_inheritable = caps.0;
                    t.cap_permitted = caps.1;
                    t.cap_effective = caps.2;
                }
            }
        }
    }

    fn set_cwd(&mut self, tid: i64, pid: i64, cwd: String) {
        let cwd: Arc<str> = Arc::from(cwd);
        if let Some(t) = self.threads.get_mut(tid) {
            t.cwd = cwd.clone();
        }
        if let Some(m) = self.threads.get_mut(pid) {
            m.cwd = cwd;
        }
    }

    fn connect(
        &mut self,
        pid: i64,
        fd: i64,
        d: &SyscallData<'_>,
        addr: Option<SockAddr>,
        done: bool,
    ) {
        let Some(cur) = self.fds.get(pid, fd).cloned() else {
            self.counters.unknown_fds += 1;
            return;
        };
        let mut info = cur;
        if let Some(s) = &d.sock {
            if info.l4 == L4::Unknown {
                info.l4 = l4_of(s.sock_type, s.protocol);
            }
        }
        match (d.sock.as_ref().and_then(net::sock_endpoints), addr) {
            (Some((lip, lport, rip, rport)), a) => {
                // Before the handshake completes the kernel may not hold the peer yet.
                let (rip, rport) = match a {
                    Some(SockAddr::Inet(ip, port)) if rip.is_unspecified() => (ip, port),
                    _ => (rip, rport),
                };
                set_client(
                    &mut info,
                    Tuple {
                        cip: lip,
                        cport: lport,
                        sip: rip,
                        sport: rport,
                    },
                );
            }
            (None, Some(SockAddr::Inet(ip, port))) => set_client(
                &mut info,
                Tuple {
                    cip: unspecified(ip),
                    cport: 0,
                    sip: ip,
                    sport: port,
                },
            ),
            (None, Some(SockAddr::Unix(path))) => {
                info.kind = FdKind::Unix;
                info.name = Arc::from(path);
            }
            _ => {}
        }
        info.connected = done;
        self.set_fd(pid, fd, info);
    }

    /// A path argument resolved against the dir fd or the thread's cwd.
    pub fn resolve(&self, tid: i64, path: Option<&[u8]>, dirfd: Option<i64>) -> String {
        let mut out = String::new();
        self.resolve_into(tid, path, dirfd, &mut out);
        out
    }

    /// [`State::resolve`] into `out` (cleared first).
    pub fn resolve_into(
        &self,
        tid: i64,
        path: Option<&[u8]>,
        dirfd: Option<i64>,
        out: &mut String,
    ) {
        let p = String::from_utf8_lossy(path.unwrap_or(b""));
        if p.starts_with('/') {
            return paths::join_into("/", &p, out);
        }
        let Some(t) = self.threads.get(tid) else {
            return paths::join_into("/", &p, out);
        };
        match dirfd {
            Some(fd) if fd != -100 => match self.fds.get(t.pid, fd) {
                Some(dir) => paths::join_into(&dir.name, &p, out),
                None => {
                    out.clear();
                    out.push_str("<UNKNOWN>/");
                    out.push_str(&p);
                }
            },
            _ => paths::join_into(self.cwd(t), &p, out),
        }
    }

    /// The file name an open recorded: resolved into the scratch buffer, then shared
    /// with the fds already naming the same path (most opens repeat a few paths).
    fn opened_name(&mut self, tid: i64, path: Option<&[u8]>, dirfd: Option<i64>) -> Arc<str> {
        let mut buf = std::mem::take(&mut self.scratch);
        self.resolve_into(tid, path, dirfd, &mut buf);
        let name = self.names.intern(&buf);
        self.scratch = buf;
        name
    }
}

/// Makes `info` the client end of the connection `t`.
fn set_client(info: &mut FdInfo, t: Tuple) {
    info.kind = ip_kind(t.sip);
    info.name = Arc::from(fds::tuple_name(&t));
    info.tuple = Some(t);
    info.role = Role::Client;
}

fn ip_kind(ip: IpAddr) -> FdKind {
    if ip.is_ipv4() {
        FdKind::Ipv4
    } else {
        FdKind::Ipv6
    }
}

fn unspecified(like: IpAddr) -> IpAddr {
    match like {
        IpAddr::V4(_) => IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
        IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED),
    }
}

fn l4_of(sock_type: u16, protocol: u16) -> L4 {
    match (sock_type, protocol) {
        (_, 1) | (_, 58) => L4::Icmp,
        (1, _) => L4::Tcp,
        (2, _) => L4::Udp,
        (3, _) => L4::Raw,
        _ => L4::Unknown,
    }
}

/// openat2's `struct open_how`: flags, mode, resolve.
pub fn open_how(blob: Option<&[u8]>) -> (u64, u64, u64) {
    let word = |i: usize| {
        blob.and_then(|b| b.get(i * 8..i * 8 + 8)).map_or(0, |s| {
            let mut a = [0u8; 8];
            a.copy_from_slice(s);
            u64::from_le_bytes(a)
        })
    };
    (word(0), word(1), word(2))
}

/// capset's `cap_user_data_t[2]`: (inheritable, permitted, effective) as 64-bit sets.
pub fn capset(blob: Option<&[u8]>) -> Option<(u64, u64, u64)> {
    let b = blob?;
    let w = |i: usize| -> Option<u64> {
        let s = b.get(i * 4..i * 4 + 4)?;
        Some(u64::from(u32::from_le_bytes([s[0], s[1], s[2], s[3]])))
    };
    // Each element is {effective, permitted, inheritable}; [0] low words, [1] high.
    let eff = w(0)? | (w(3)? << 32);
    let prm = w(1)? | (w(4)? << 32);
    let inh = w(2)? | (w(5)? << 32);
    Some((inh, prm, eff))
}

/// `comm` as the kernel reports it (NUL stripped), for callers holding raw bytes.
pub fn comm_of(b: &[u8]) -> Arc<str> {
    arc(strip_nul(b))
}
