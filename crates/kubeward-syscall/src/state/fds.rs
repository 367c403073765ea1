//! File descriptor tables, one per thread group, as libsinsp's `sinsp_fdinfo`: the fd's
//! type, its name (resolved path, or `cip:cport->sip:sport` for sockets), open flags,
//! and for IP sockets the tuple, transport and client/server role. Bounded per process
//! ([`MAX_FDS_PER_PROCESS`], libsinsp's default) and in total.

use foldhash::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

/// The most fds kept per process (libsinsp's default); more are counted as dropped.
pub const MAX_FDS_PER_PROCESS: usize = 4096;

/// libsinsp's `scap_fd_type`, with its type character and name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FdKind {
    /// A regular file (`f`, `file`).
    File,
    /// A directory (`d`, `directory`).
    Directory,
    /// An IPv4 socket (`4`, `ipv4`).
    Ipv4,
    /// An IPv6 socket (`6`, `ipv6`).
    Ipv6,
    /// A listening IPv4 socket (shown as `ipv4`).
    Ipv4Server,
    /// A listening IPv6 socket (shown as `ipv6`).
    Ipv6Server,
    /// A unix domain socket (`u`, `unix`).
    Unix,
    /// A pipe or FIFO (`p`, `pipe`).
    Fifo,
    /// An eventfd (`e`, `event`).
    Event,
    /// A signalfd (`s`, `signalfd`).
    Signalfd,
    /// An epoll fd (`l`, `eventpoll`).
    Eventpoll,
    /// An inotify fd (`i`, `inotify`).
    Inotify,
    /// A timerfd (`t`, `timerfd`).
    Timerfd,
    /// A netlink socket (`n`, `netlink`).
    Netlink,
    /// A BPF object fd (`b`, `bpf`).
    Bpf,
    /// A userfaultfd (`u`, `userfaultfd`).
    Userfaultfd,
    /// An io_uring fd (`r`, `io_uring`).
    IoUring,
    /// A memfd (`m`, `memfd`).
    Memfd,
    /// A pidfd (`P`, `pidfd`).
    Pidfd,
    /// A type not known (`o`, `<NA>`).
    Unknown,
}

impl FdKind {
    /// `fd.typechar` as a character.
    pub fn typechar(self) -> char {
        self.typechar_str().chars().next().unwrap_or('o')
    }

    /// `fd.typechar` as text.
    pub fn typechar_str(self) -> &'static str {
        self.names().0
    }

    /// `fd.type`: the type's name (`<NA>` for `Unknown`).
    pub fn typestring(self) -> &'static str {
        self.names().1
    }

    /// The kind's `fd.typechar` and `fd.type`.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            FdKind::File => ("f", "file"),
            FdKind::Directory => ("d", "directory"),
            FdKind::Ipv4 | FdKind::Ipv4Server => ("4", "ipv4"),
            FdKind::Ipv6 | FdKind::Ipv6Server => ("6", "ipv6"),
            FdKind::Unix => ("u", "unix"),
            FdKind::Fifo => ("p", "pipe"),
            FdKind::Event => ("e", "event"),
            FdKind::Signalfd => ("s", "signalfd"),
            FdKind::Eventpoll => ("l", "eventpoll"),
            FdKind::Inotify => ("i", "inotify"),
            FdKind::Timerfd => ("t", "timerfd"),
            FdKind::Netlink => ("n", "netlink"),
            FdKind::Bpf => ("b", "bpf"),
            FdKind::Userfaultfd => ("u", "userfaultfd"),
            FdKind::IoUring => ("r", "io_uring"),
            FdKind::Memfd => ("m", "memfd"),
            FdKind::Pidfd => ("P", "pidfd"),
            FdKind::Unknown => ("o", "<NA>"),
        }
    }

    /// Whether this is an IPv4 or IPv6 socket, listening or not.
    pub fn is_ip(self) -> bool {
        matches!(
            self,
            FdKind::Ipv4 | FdKind::Ipv6 | FdKind::Ipv4Server | FdKind::Ipv6Server
        )
    }
}

/// An IP socket's transport (`fd.l4proto`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum L4 {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// ICMP.
    Icmp,
    /// A raw socket.
    Raw,
    /// Not known (yet).
    Unknown,
}

impl L4 {
    /// The `fd.l4proto` name; `None` when unknown.
    pub fn name(self) -> Option<&'static str> {
        match self {
            L4::Tcp => Some("tcp"),
            L4::Udp => Some("udp"),
            L4::Icmp => Some("icmp"),
            L4::Raw => Some("raw"),
            L4::Unknown => None,
        }
    }
}

/// Which end of a connection the process is (`fd.is_server`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Not known (not connected, or not an IP socket).
    None,
    /// The process connected (or sent) to a server.
    Client,
    /// The process accepted the connection.
    Server,
}

/// An IP socket's endpoints: `c*` the client side, `s*` the server side (libsinsp's
/// `m_sip`/`m_sport` and `m_dip`/`m_dport`). A server socket (bound, listening) keeps
/// its address in `s*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tuple {
    /// The client's IP address.
    pub cip: IpAddr,
    /// The client's port.
    pub cport: u16,
    /// The server's IP address.
    pub sip: IpAddr,
    /// The server's port.
    pub sport: u16,
}

/// One open fd, as libsinsp's `sinsp_fdinfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FdInfo {
    /// The fd's type.
    pub kind: FdKind,
    /// `fd.name`: a file's resolved path, or a socket's tuple text.
    pub name: Arc<str>,
    /// `PPM_O_*` open flags.
    pub flags: u32,
    /// The transport of an IP socket.
    pub l4: L4,
    /// Whether the process is the client or server end.
    pub role: Role,
    /// The endpoints of an IP socket, once known.
    pub tuple: Option<Tuple>,
    /// Whether the socket is connected (`fd.connected`).
    pub connected: bool,
}

impl FdInfo {
    /// An fd of `kind` named `name`, with no flags, tuple or role.
    pub fn new(kind: FdKind, name: impl Into<Arc<str>>) -> FdInfo {
        FdInfo {
            kind,
            name: name.into(),
            flags: 0,
            l4: L4::Unknown,
            role: Role::None,
            tuple: None,
            connected: false,
        }
    }

    /// A socket listening (or bound) on `ip:port`: named after that endpoint, with a
    /// tuple whose client and server address are both `ip` (client port 0).
    pub fn server(ip: IpAddr, port: u16) -> FdInfo {
        let mut name = String::new();
        endpoint(ip, port, &mut name);
        let mut info = FdInfo::new(
            if ip.is_ipv4() {
                FdKind::Ipv4Server
            } else {
                FdKind::Ipv6Server
            },
            name,
        );
        info.role = Role::Server;
        info.tuple = Some(Tuple {
            cip: ip,
            cport: 0,
            sip: ip,
            sport: port,
        });
        info
    }

    /// Whether the fd is a regular file.
    pub fn is_file(&self) -> bool {
        self.kind == FdKind::File
    }
}

/// `ip:port` as libsinsp prints an endpoint (IPv6 without brackets, as it does).
pub fn endpoint(ip: IpAddr, port: u16, out: &mut String) {
    use std::fmt::Write;
    let _ = write!(out, "{ip}:{port}");
}

/// The fd name of a socket with a tuple: `cip:cport->sip:sport`.
pub fn tuple_name(t: &Tuple) -> String {
    let mut s = String::with_capacity(48);
    endpoint(t.cip, t.cport, &mut s);
    s.push_str("->");
    endpoint(t.sip, t.sport, &mut s);
    s
}

/// One process's fds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FdTable {
    /// The fds by number.
    pub fds: HashMap<i64, FdInfo>,
}

impl FdTable {
    /// The fd numbered `fd`.
    pub fn get(&self, fd: i64) -> Option<&FdInfo> {
        self.fds.get(&fd)
    }
}

/// Every process's fd table, bounded. A forked child shares its parent's table until
/// either writes (most children exec at once, and an exec keeps only the fds without
/// `O_CLOEXEC`: a filtered copy then, never a full one).
#[derive(Debug, Clone)]
pub struct FdTables {
    tables: HashMap<i64, Arc<FdTable>>,
    total: usize,
    max_total: usize,
    /// fds not recorded because a table was full.
    pub dropped: u64,
}

impl FdTables {
    /// No tables, keeping at most `max_total` fds across all processes.
    pub fn new(max_total: usize) -> FdTables {
        FdTables {
            tables: HashMap::default(),
            total: 0,
            max_total,
            dropped: 0,
        }
    }

    /// How many fds are kept across all processes.
    pub fn total(&self) -> usize {
        self.total
    }

    /// The table of process `pid`.
    pub fn table(&self, pid: i64) -> Option<&FdTable> {
        self.tables.get(&pid).map(|t| t.as_ref())
    }

    /// Process `pid`'s fd numbered `fd`.
    pub fn get(&self, pid: i64, fd: i64) -> Option<&FdInfo> {
        self.tables.get(&pid).and_then(|t| t.fds.get(&fd))
    }

    /// Process `pid`'s fd numbered `fd`, for changing (unshares a table shared with a parent).
    pub fn get_mut(&mut self, pid: i64, fd: i64) -> Option<&mut FdInfo> {
        self.tables
            .get_mut(&pid)
            .and_then(|t| Arc::make_mut(t).fds.get_mut(&fd))
    }

    /// Adds or replaces an fd; a full table keeps what it has.
    pub fn insert(&mut self, pid: i64, fd: i64, info: FdInfo) {
        let full = self.total >= self.max_total;
        let t = Arc::make_mut(self.tables.entry(pid).or_default());
        let room = !full && t.fds.len() < MAX_FDS_PER_PROCESS;
        match t.fds.entry(fd) {
            std::collections::hash_map::Entry::Occupied(mut e) => {
                e.insert(info);
            }
            std::collections::hash_map::Entry::Vacant(e) if room => {
                e.insert(info);
                self.total += 1;
            }
            std::collections::hash_map::Entry::Vacant(_) => self.dropped += 1,
        }
    }

    /// Removes process `pid`'s fd numbered `fd` and returns it.
    pub fn remove(&mut self, pid: i64, fd: i64) -> Option<FdInfo> {
        let t = self.tables.get_mut(&pid)?;
        if !t.fds.contains_key(&fd) {
            return None;
        }
        let r = Arc::make_mut(t).fds.remove(&fd);
        if r.is_some() {
            self.total = self.total.saturating_sub(1);
        }
        r
    }

    /// Removes the fds in `lo..=hi`.
    pub fn remove_range(&mut self, pid: i64, lo: i64, hi: i64) {
        if let Some(t) = self.tables.get_mut(&pid) {
            let before = t.fds.len();
            Arc::make_mut(t).fds.retain(|fd, _| *fd < lo || *fd > hi);
            self.total = self.total.saturating_sub(before - t.fds.len());
        }
    }

    /// Removes the fds opened with `O_CLOEXEC` (an exec closes them).
    pub fn remove_cloexec(&mut self, pid: i64) {
        if let Some(t) = self.tables.get_mut(&pid) {
            let before = t.fds.len();
            let keep = |f: &FdInfo| f.flags & crate::flags::PPM_O_CLOEXEC_BIT == 0;
            match Arc::get_mut(t) {
                Some(own) => own.fds.retain(|_, f| keep(f)),
                None => {
                    let kept = t
                        .fds
                        .iter()
                        .filter(|(_, f)| keep(f))
                        .map(|(fd, f)| (*fd, f.clone()))
                        .collect();
                    *t = Arc::new(FdTable { fds: kept });
                }
            }
            self.total = self.total.saturating_sub(before - t.fds.len());
        }
    }

    /// A child process's copy of its parent's table (fork without CLONE_FILES).
    pub fn copy(&mut self, from: i64, to: i64) {
        let Some(src) = self.tables.get(&from).cloned() else {
            self.drop_table(to);
            return;
        };
        self.drop_table(to);
        let n = src.fds.len();
        if self.total + n > self.max_total {
            self.dropped += n as u64;
            return;
        }
        self.total += n;
        self.tables.insert(to, src);
    }

    /// Forgets process `pid`'s table (the process exited).
    pub fn drop_table(&mut self, pid: i64) {
        if let Some(t) = self.tables.remove(&pid) {
            self.total = self.total.saturating_sub(t.fds.len());
        }
    }

    /// How many processes have a table.
    pub fn processes(&self) -> usize {
        self.tables.len()
    }
}

/// How many distinct file names [`Names`] shares at most.
pub const MAX_SHARED_NAMES: usize = 4096;

/// File names shared between the fds that name the same path, bounded: when full it
/// starts over (the fds keep their names; only the sharing restarts).
#[derive(Debug, Clone, Default)]
pub struct Names {
    set: foldhash::HashSet<Arc<str>>,
}

impl Names {
    /// The shared copy of `name`, added when new.
    pub fn intern(&mut self, name: &str) -> Arc<str> {
        if let Some(n) = self.set.get(name) {
            return n.clone();
        }
        if self.set.len() >= MAX_SHARED_NAMES {
            self.set.clear();
        }
        let n: Arc<str> = Arc::from(name);
        self.set.insert(n.clone());
        n
    }

    /// How many names are shared now.
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// Whether no name is shared.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_per_process_and_in_total() {
        let mut t = FdTables::new(10_000);
        for fd in 0..(MAX_FDS_PER_PROCESS as i64 + 10) {
            t.insert(1, fd, FdInfo::new(FdKind::File, "/x"));
        }
        assert_eq!(t.table(1).map(|x| x.fds.len()), Some(MAX_FDS_PER_PROCESS));
        assert_eq!(t.dropped, 10);
        let mut small = FdTables::new(3);
        for fd in 0..5 {
            small.insert(fd, fd, FdInfo::new(FdKind::File, "/x"));
        }
        assert_eq!(small.total(), 3);
        small.remove(0, 0);
        assert_eq!(small.total(), 2);
        small.copy(1, 7);
        assert_eq!(small.total(), 3);
        small.remove_range(7, 0, 100);
        assert_eq!(small.total(), 2);
    }

    #[test]
    fn a_forked_table_is_the_childs_own_once_written() {
        let mut t = FdTables::new(100);
        let mut cloexec = FdInfo::new(FdKind::File, "/lib/libc.so.6");
        cloexec.flags = crate::flags::PPM_O_CLOEXEC_BIT;
        t.insert(1, 3, cloexec);
        t.insert(1, 4, FdInfo::new(FdKind::File, "/var/log/app.log"));
        t.copy(1, 2);
        t.insert(2, 5, FdInfo::new(FdKind::File, "/tmp/child"));
        assert!(
            t.get(1, 5).is_none(),
            "the parent does not see the child's fd"
        );
        t.copy(1, 6);
        t.remove_cloexec(6);
        assert!(t.get(6, 3).is_none() && t.get(6, 4).is_some());
        assert!(t.get(1, 3).is_some(), "the parent keeps its O_CLOEXEC fd");
        t.remove(1, 4);
        assert!(t.get(6, 4).is_some() && t.get(2, 4).is_some());
        assert_eq!(t.total(), 1 + 3 + 1);
    }

    #[test]
    fn names_are_shared_and_bounded() {
        let mut n = Names::default();
        let a = n.intern("/etc/hosts");
        let b = n.intern("/etc/hosts");
        assert!(Arc::ptr_eq(&a, &b));
        for i in 0..MAX_SHARED_NAMES + 10 {
            n.intern(&format!("/tmp/f{i}"));
        }
        assert!(n.len() <= MAX_SHARED_NAMES);
        assert!(!Arc::ptr_eq(&a, &n.intern("/etc/hosts")));
        assert_eq!(&*a, "/etc/hosts");
    }

    #[test]
    fn tuple_names() {
        let t = Tuple {
            cip: "10.0.0.1".parse().expect("ip"),
            cport: 40000,
            sip: "10.0.0.2".parse().expect("ip"),
            sport: 22,
        };
        assert_eq!(tuple_name(&t), "10.0.0.1:40000->10.0.0.2:22");
    }
}
