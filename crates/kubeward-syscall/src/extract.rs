//! One evaluated syscall event ([`SyscallEvent`]) and the extraction of every field
//! with libsinsp's semantics (`sinsp_filtercheck_{event,thread,user,group,fd}.cpp`)
//! and the container plugin's (`container.*` from the cgroup path). Values borrow from
//! the state where they can; what has to be built (rendered parameters, joined names)
//! is built per extraction.

use std::borrow::Cow;
use std::net::IpAddr;

use kubeward_rules::source::{Event, FieldArg, FieldRef, Value};

use crate::decode::{Body, Record, SyscallData};
use crate::fields::{Field, Fields};
use crate::flags;
use crate::net::{self, SockAddr};
use crate::paths;
use crate::state::fds::{FdInfo, FdKind, L4, Role};
use crate::state::threads::Thread;
use crate::state::{Applied, EventKind, State, capset, int_arg, open_how};
use crate::syscalls::{FdUse, PType, Param, Src, Syscall, ThreadParam};

/// How far up the process tree ancestor fields look.
const MAX_ANCESTRY: usize = 64;

/// One event as the engine evaluates it: the decoded record, the state after it, and
/// what applying it did.
pub struct SyscallEvent<'a> {
    /// The decoded probe record.
    pub rec: &'a Record<'a>,
    /// The state after the event was applied.
    pub state: &'a State,
    /// What applying the event did (kind, ids, fd).
    pub applied: Applied,
    /// The field table, mapping field ids to extractions.
    pub fields: &'a Fields,
    /// `evt.num` (from 1).
    pub num: u64,
}

/// The fd an event's `fd.*` fields describe.
enum FdView<'a> {
    /// The event neither uses nor creates an fd: every `fd.*` field is missing.
    None,
    Known(&'a FdInfo),
    /// An fd event without a table entry (a failed open, an fd opened before the
    /// capture): libsinsp still names what a creating event asked for.
    Null,
}

fn s<'e>(v: &'e str) -> Value<'e> {
    Value::Str(Cow::Borrowed(v))
}

fn owned<'e>(v: String) -> Value<'e> {
    Value::Str(Cow::Owned(v))
}

impl<'a> SyscallEvent<'a> {
    /// The event's thread, if known.
    pub fn thread(&self) -> Option<&'a Thread> {
        self.state.thread(self.applied.tid)
    }

    fn main(&self) -> Option<&'a Thread> {
        let t = self.thread()?;
        self.state.threads.main_of(t)
    }

    fn parent(&self) -> Option<&'a Thread> {
        let t = self.thread()?;
        self.state.threads.parent_of(t)
    }

    fn ancestor(&self, n: u64) -> Option<&'a Thread> {
        let t = self.thread()?;
        self.state
            .threads
            .lineage(t, MAX_ANCESTRY)
            .nth(usize::try_from(n).ok()?)
    }

    fn lineage(&self) -> impl Iterator<Item = &'a Thread> + 'a {
        let state = self.state;
        self.thread()
            .into_iter()
            .flat_map(move |t| state.threads.lineage(t, MAX_ANCESTRY))
    }

    fn syscall(&self) -> Option<&'static Syscall> {
        match self.applied.kind {
            EventKind::Syscall(s) | EventKind::Exec(s) => Some(s),
            _ => None,
        }
    }

    fn data(&self) -> Option<&'a SyscallData<'a>> {
        match &self.rec.body {
            Body::Syscall(d) => Some(d),
            _ => None,
        }
    }

    fn type_name(&self) -> &'static str {
        match self.applied.kind {
            EventKind::Syscall(s) | EventKind::Exec(s) => s.name,
            EventKind::ProcExit => "procexit",
            EventKind::Fork => "clone",
        }
    }

    fn has_res(&self) -> bool {
        matches!(
            self.applied.kind,
            EventKind::Syscall(_) | EventKind::Exec(_)
        )
    }

    fn arg(&self, i: u8) -> u64 {
        self.rec.hdr.args.get(usize::from(i)).copied().unwrap_or(0)
    }

    fn container_id(&self) -> Option<&'a str> {
        self.thread().map(|t| &*t.container_id)
    }

    fn fd_view(&self) -> FdView<'a> {
        let Some(sc) = self.syscall() else {
            return FdView::None;
        };
        if sc.fd == FdUse::None || self.thread().is_none() {
            return FdView::None;
        }
        if self.applied.fd < 0 {
            return FdView::Null;
        }
        match self.state.fds.get(self.applied.pid, self.applied.fd) {
            Some(f) => FdView::Known(f),
            None => FdView::Null,
        }
    }

    /// The path a creating event asked for, resolved (`raw`: as passed).
    fn creator_name(&self, raw: bool) -> Option<String> {
        let d = self.data()?;
        let sc = d.syscall;
        let (path, dirfd) = match sc.name {
            "open" | "creat" => (d.str(0), None),
            "openat" | "openat2" => (d.str(1), Some(int_arg(self.arg(0)))),
            "connect" => {
                return Some(self.render(&sc.params[1]).pick().into_owned());
            }
            "accept" | "accept4" => {
                return Some(self.render(&sc.params[1]).pick().into_owned());
            }
            _ => return Some(String::new()),
        };
        if raw {
            return Some(
                paths::dedup_slashes(&String::from_utf8_lossy(path.unwrap_or(b""))).into_owned(),
            );
        }
        Some(self.state.resolve(self.applied.tid, path, dirfd))
    }

    fn null_typechar(&self) -> &'static str {
        match self.syscall().map(|s| s.name) {
            Some("open" | "openat" | "openat2" | "creat") => "f",
            Some("socket" | "accept" | "accept4") => "4",
            _ => "o",
        }
    }

    /// `fd.nameraw`: the path a creating event passed, slashes collapsed (borrowed from
    /// the record when it needs no change).
    fn nameraw(&self) -> Option<Value<'a>> {
        let d = self.data()?;
        let path = match d.syscall.name {
            "open" | "creat" => d.str(0),
            "openat" | "openat2" => d.str(1),
            _ => return self.creator_name(true).map(owned),
        };
        Some(match String::from_utf8_lossy(path.unwrap_or(b"")) {
            Cow::Borrowed(p) => Value::Str(paths::dedup_slashes(p)),
            Cow::Owned(p) => owned(paths::dedup_slashes(&p).into_owned()),
        })
    }

    fn user(&self, uid: u32) -> Option<&'a crate::users::User> {
        let c = self.container_id()?;
        self.state.users(c)?.users.get(&uid)
    }

    fn is_local(&self, ip: IpAddr) -> bool {
        ip.is_loopback() || self.state.local_ips.contains(&ip)
    }

    fn push_thread_str<'e>(
        out: &mut Vec<Value<'e>>,
        t: Option<&'e Thread>,
        get: fn(&Thread) -> &str,
    ) where
        'a: 'e,
    {
        if let Some(t) = t {
            out.push(s(get(t)));
        }
    }

    fn ancestors_str<'e>(
        &'e self,
        arg: &FieldArg,
        out: &mut Vec<Value<'e>>,
        get: fn(&Thread) -> &str,
    ) {
        match arg {
            FieldArg::Index(n) => Self::push_thread_str(out, self.ancestor(*n), get),
            FieldArg::None => {
                for t in self.lineage() {
                    out.push(s(get(t)));
                }
            }
            FieldArg::Key(_) => {}
        }
    }

    /// libsinsp's session / process group leader: the thread with that pid when the
    /// process shares /proc's pid namespace, else the eldest ancestor with the same id.
    fn leader(&self, id: fn(&Thread) -> i64) -> Option<&'a Thread> {
        let t = self.thread()?;
        let want = id(t);
        if t.vpid == t.pid
            && let Some(l) = self.state.thread(want)
        {
            return Some(l);
        }
        let mut leader = self.state.threads.main_of(t).unwrap_or(t);
        for a in self.state.threads.lineage(t, MAX_ANCESTRY).skip(1) {
            if id(a) != want {
                break;
            }
            leader = a;
        }
        Some(leader)
    }

    fn fd_table_entry(&self, fd: i64) -> Option<&'a FdInfo> {
        let t = self.thread()?;
        self.state.fds.get(t.pid, fd)
    }
}

/// A parameter rendered: the raw text and libsinsp's resolved form ("" when none).
pub struct Rendered {
    /// The raw value as `evt.rawarg` and `evt.args` show it.
    pub raw: String,
    /// libsinsp's resolved form (an fd's name, a user's name, flag names); empty when none.
    pub resolved: String,
    /// The parameter holds no value (`NULL` in `evt.args`).
    pub empty: bool,
}

impl Rendered {
    /// What `evt.arg.*` shows: the resolved form when there is one.
    pub fn pick(&self) -> Cow<'_, str> {
        if self.resolved.is_empty() {
            Cow::Borrowed(&self.raw)
        } else {
            Cow::Borrowed(&self.resolved)
        }
    }
}

enum PVal<'a> {
    Int(i64),
    Text(Cow<'a, str>),
    Bytes(&'a [u8]),
    Empty,
}

impl<'a> SyscallEvent<'a> {
    fn pval(&self, p: &Param) -> PVal<'a> {
        let h = &self.rec.hdr;
        match p.src {
            Src::Res => PVal::Int(self.applied.res),
            Src::Arg(i) => PVal::Int(match p.ty {
                PType::Fd | PType::Pid | PType::I32Dec => int_arg(self.arg(i)),
                _ => self.arg(i) as i64,
            }),
            Src::Str(i) => match self.data().and_then(|d| d.str(i)) {
                Some(b) => PVal::Text(String::from_utf8_lossy(b)),
                None => PVal::Empty,
            },
            Src::OpenFlags(i) => PVal::Int(i64::from(flags::open_flags(self.arg(i)))),
            Src::OpenMode(f, m) => PVal::Int(i64::from(flags::open_mode(self.arg(f), self.arg(m)))),
            Src::HowFlags => PVal::Int(i64::from(flags::open_flags(
                open_how(self.data().and_then(|d| d.blob)).0,
            ))),
            Src::HowMode => {
                let (fl, mode, _) = open_how(self.data().and_then(|d| d.blob));
                PVal::Int(i64::from(flags::open_mode(fl, mode)))
            }
            Src::HowResolve => PVal::Int(open_how(self.data().and_then(|d| d.blob)).2 as i64),
            Src::CreatMode => PVal::Int(i64::from(flags::open_mode(0o100, self.arg(1)))),
            Src::PtraceRequest => PVal::Int(i64::from(flags::ptrace_request(self.arg(0)))),
            Src::CloneFlags(i) => PVal::Int(i64::from(flags::clone_flags(self.arg(i)))),
            Src::MountFlags(i) => PVal::Int(i64::from(flags::mount_flags(self.arg(i)))),
            Src::UnlinkatFlags(i) => PVal::Int(i64::from(flags::unlinkat_flags(self.arg(i)))),
            Src::LinkatFlags(i) => PVal::Int(i64::from(flags::linkat_flags(self.arg(i)))),
            Src::Addr => match self.data().and_then(|d| d.addr) {
                Some(b) => PVal::Bytes(b),
                None => PVal::Empty,
            },
            Src::Tuple => PVal::Empty,
            Src::CapsetData(i) => match capset(self.data().and_then(|d| d.blob)) {
                Some((inh, prm, eff)) => PVal::Int(match i {
                    0 => inh,
                    1 => prm,
                    _ => eff,
                } as i64),
                None => PVal::Empty,
            },
            Src::Thread(tp) => {
                let Some(t) = self.thread() else {
                    return PVal::Empty;
                };
                let txt = |v: &'a str| PVal::Text(Cow::Borrowed(v));
                match tp {
                    ThreadParam::Exe => txt(&t.exe),
                    ThreadParam::Args => txt(&t.args_joined),
                    ThreadParam::Tid => PVal::Int(t.tid),
                    ThreadParam::Pid => PVal::Int(t.pid),
                    ThreadParam::Ptid => PVal::Int(t.ptid),
                    ThreadParam::Cwd => txt(self.state.cwd(t)),
                    ThreadParam::Comm => txt(&t.comm),
                    ThreadParam::Cgroups => txt(&t.cgroup),
                    ThreadParam::Tty => PVal::Int(i64::from(t.tty)),
                    ThreadParam::Vpgid => PVal::Int(t.vpgid),
                    ThreadParam::Loginuid => PVal::Int(i64::from(t.loginuid)),
                    ThreadParam::ExeFlags => PVal::Int(i64::from(t.exe_flags)),
                    ThreadParam::CapInheritable => PVal::Int(t.cap_inheritable as i64),
                    ThreadParam::CapPermitted => PVal::Int(t.cap_permitted as i64),
                    ThreadParam::CapEffective => PVal::Int(t.cap_effective as i64),
                    ThreadParam::ExeIno => PVal::Int(t.exe_ino as i64),
                    ThreadParam::ExeCtime => PVal::Int(t.exe_ctime as i64),
                    ThreadParam::ExeMtime => PVal::Int(t.exe_mtime as i64),
                    ThreadParam::Uid => PVal::Int(i64::from(t.uid)),
                    ThreadParam::Gid => PVal::Int(i64::from(t.gid)),
                    ThreadParam::TrustedExepath => txt(&t.exepath),
                    ThreadParam::Filename => txt(&t.filename),
                    ThreadParam::Vtid => PVal::Int(t.vtid),
                    ThreadParam::Vpid => PVal::Int(t.vpid),
                    ThreadParam::PidnsInitStart => PVal::Int(t.pidns_init_start as i64),
                }
            }
            Src::Empty => {
                let _ = h;
                PVal::Empty
            }
        }
    }

    fn dir_base(&self, dirfd_arg: u8) -> Option<String> {
        let t = self.thread()?;
        let dirfd = int_arg(self.arg(dirfd_arg));
        if dirfd == -100 {
            return Some(self.state.cwd(t).to_owned());
        }
        self.state.fds.get(t.pid, dirfd).map(|f| f.name.to_string())
    }

    fn tuple_text(&self) -> Option<String> {
        let d = self.data()?;
        let sock = d.sock.as_ref()?;
        match net::sock_endpoints(sock) {
            Some((lip, lport, rip, rport)) => {
                let accept = matches!(d.syscall.name, "accept" | "accept4");
                let (a, ap, b, bp) = if accept {
                    (rip, rport, lip, lport)
                } else {
                    // A datagram to an address the socket is not connected to.
                    match d.addr.and_then(net::parse_sockaddr) {
                        Some(SockAddr::Inet(ip, port)) if rip.is_unspecified() => {
                            (lip, lport, ip, port)
                        }
                        _ => (lip, lport, rip, rport),
                    }
                };
                let mut s = String::new();
                crate::state::fds::endpoint(a, ap, &mut s);
                s.push_str("->");
                crate::state::fds::endpoint(b, bp, &mut s);
                Some(s)
            }
            None if sock.family == net::AF_UNIX => {
                let path = match d.addr.and_then(net::parse_sockaddr) {
                    Some(SockAddr::Unix(p)) => p,
                    _ => String::new(),
                };
                Some(format!("0->0 {path}"))
            }
            None => Some(format!("family {}", sock.family)),
        }
    }

    /// libsinsp's `get_param_as_str` for one parameter.
    pub fn render(&self, p: &Param) -> Rendered {
        let mut r = Rendered {
            raw: String::new(),
            resolved: String::new(),
            empty: false,
        };
        if p.src == Src::Tuple {
            match self.tuple_text() {
                Some(t) => r.raw = t,
                None => {
                    r.raw.push_str("NULL");
                    r.empty = true;
                }
            }
            return r;
        }
        let v = self.pval(p);
        if matches!(v, PVal::Empty) {
            r.raw.push_str("NULL");
            r.empty = true;
            return r;
        }
        use std::fmt::Write;
        let int = match &v {
            PVal::Int(i) => *i,
            _ => 0,
        };
        match p.ty {
            PType::Errno => {
                let _ = write!(r.raw, "{int}");
                if let Some(e) = flags::errno_name(int) {
                    r.resolved.push_str(e);
                }
            }
            PType::Fd => {
                let _ = write!(r.raw, "{int}");
                if int >= 0 {
                    if let Some(f) = self.fd_table_entry(int) {
                        r.resolved.push('<');
                        r.resolved.push(f.kind.typechar());
                        if f.kind.is_ip() {
                            match f.l4 {
                                L4::Tcp => r.resolved.push('t'),
                                L4::Udp => r.resolved.push('u'),
                                L4::Icmp => r.resolved.push('i'),
                                L4::Raw => r.resolved.push('r'),
                                L4::Unknown => {}
                            }
                        }
                        r.resolved.push('>');
                        r.resolved.push_str(&f.name);
                    }
                } else if int == -100 {
                    r.resolved.push_str("AT_FDCWD");
                } else if let Some(e) = flags::errno_name(int) {
                    r.resolved.push_str(e);
                }
            }
            PType::Pid => {
                let _ = write!(r.raw, "{int}");
                if let Some(t) = self.state.thread(int) {
                    r.resolved.push_str(&t.comm);
                }
            }
            PType::FsPath | PType::FsRelPath(_) | PType::CharBuf | PType::ByteBuf => {
                let text: Cow<'_, str> = match &v {
                    PVal::Text(t) => Cow::Borrowed(t.as_ref()),
                    PVal::Bytes(b) => String::from_utf8_lossy(b),
                    PVal::Int(i) => Cow::Owned(i.to_string()),
                    PVal::Empty => Cow::Borrowed(""),
                };
                r.raw.push_str(&text);
                if self.thread().is_some() && &*text != "<NA>" {
                    match p.ty {
                        PType::FsPath => {
                            let base = self.thread().map_or("/", |t| self.state.cwd(t));
                            r.resolved = paths::join(base, &text);
                        }
                        PType::FsRelPath(d) => {
                            if let Some(base) = self.dir_base(d) {
                                r.resolved = paths::join(&base, &text);
                            }
                        }
                        _ => {}
                    }
                }
            }
            PType::Flags(table) | PType::EnumFlags(table) => {
                let val = int as u32;
                let _ = write!(r.raw, "{val}");
                flags::render(
                    table,
                    val,
                    matches!(p.ty, PType::EnumFlags(_)),
                    &mut r.resolved,
                );
            }
            PType::Mode(table) => {
                let val = int as u32;
                let _ = write!(r.raw, "{val:#o}");
                flags::render(table, val, false, &mut r.resolved);
            }
            PType::U32Dec => {
                let _ = write!(r.raw, "{}", int as u32);
            }
            PType::U32Hex => {
                let _ = write!(r.raw, "{:X}", int as u32);
            }
            PType::U32Oct => {
                let _ = write!(r.raw, "{:#o}", int as u32);
            }
            PType::U64Dec => {
                let _ = write!(r.raw, "{}", int as u64);
            }
            PType::U64Hex => {
                let _ = write!(r.raw, "{:X}", int as u64);
            }
            PType::I32Dec => {
                let _ = write!(r.raw, "{}", int as i32);
            }
            PType::Uid | PType::Gid => {
                let val = int as u32;
                if val == u32::MAX {
                    r.raw.push_str("-1");
                    r.resolved.push_str("<NONE>");
                } else {
                    let _ = write!(r.raw, "{}", val as i32);
                    let name = if p.ty == PType::Uid {
                        self.user(val).map(|u| &*u.name)
                    } else {
                        self.container_id()
                            .and_then(|c| self.state.users(c))
                            .and_then(|db| db.groups.get(&val))
                            .map(|g| &**g)
                    };
                    r.resolved.push_str(name.unwrap_or("<NA>"));
                }
            }
            PType::SockAddr => match &v {
                PVal::Bytes(b) => match net::parse_sockaddr(b) {
                    Some(SockAddr::Inet(ip, port)) => {
                        crate::state::fds::endpoint(ip, port, &mut r.raw);
                    }
                    Some(SockAddr::Unix(path)) => r.raw.push_str(&path),
                    Some(SockAddr::Other(f)) => {
                        let _ = write!(r.raw, "family {f}");
                    }
                    None => r.raw.push_str("NULL"),
                },
                _ => r.raw.push_str("NULL"),
            },
            PType::SockTuple => r.raw.push_str("NULL"),
        }
        r
    }

    fn param_by_name(&self, name: &str) -> Option<&'static Param> {
        self.syscall()?.params.iter().find(|p| p.name == name)
    }

    fn evt_args(&self) -> String {
        let Some(sc) = self.syscall() else {
            return String::new();
        };
        let mut out = String::new();
        for p in sc.params {
            let r = self.render(p);
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(p.name);
            out.push('=');
            out.push_str(&r.raw);
            if !r.resolved.is_empty() {
                out.push('(');
                out.push_str(&r.resolved);
                out.push(')');
            }
        }
        out
    }

    fn open_flags_value(&self) -> Option<u32> {
        let d = self.data()?;
        match d.syscall.name {
            "open" => Some(flags::open_flags(self.arg(1))),
            "openat" => Some(flags::open_flags(self.arg(2))),
            "openat2" => Some(flags::open_flags(open_how(d.blob).0)),
            _ => None,
        }
    }

    fn abspath(&self, which: &FieldArg) -> Option<String> {
        let d = self.data()?;
        let key = match which {
            FieldArg::Key(k) => &**k,
            _ => "",
        };
        let (dirfd_arg, path_arg) = match (d.syscall.name, key) {
            ("renameat" | "renameat2" | "linkat", "" | "src") => (0, 1),
            ("renameat" | "renameat2" | "linkat", "dst") => (2, 3),
            ("symlinkat", _) => (1, 2),
            ("openat" | "openat2" | "unlinkat" | "mkdirat" | "fchmodat", _) => (0, 1),
            _ => return None,
        };
        let path = String::from_utf8_lossy(d.str(path_arg)?);
        if path.starts_with('/') {
            return Some(paths::join("/", &path));
        }
        let base = self
            .dir_base(dirfd_arg)
            .unwrap_or_else(|| "<UNKNOWN>".into());
        Some(paths::join(&base, &path))
    }
}

fn bool_v<'e>(b: bool) -> Value<'e> {
    Value::Bool(b)
}

impl Event for SyscallEvent<'_> {
    fn time_ns(&self) -> i64 {
        self.applied.ts as i64
    }

    fn num(&self) -> u64 {
        self.num
    }

    fn extract<'e>(&'e self, fr: &FieldRef, out: &mut Vec<Value<'e>>) {
        use Field::*;
        let t = self.thread();
        let arg = &fr.arg;
        match self.fields.get(fr.id) {
            Unsupported => {}
            EvtType => out.push(s(self.type_name())),
            EvtBuffer => {
                // The probe copies a fixed 64 bytes of the buffer; what the call read is
                // the first `res` of them.
                let read = usize::try_from(self.applied.res).unwrap_or(0);
                let data = self
                    .data()
                    .filter(|d| d.syscall.name == "recvfrom")
                    .and_then(|d| d.blob);
                if let Some(bytes) = data {
                    let bytes = bytes.get(..read.min(bytes.len())).unwrap_or(bytes);
                    out.push(Value::Bytes(std::borrow::Cow::Borrowed(bytes)));
                }
            }
            SyscallType => {
                if self.syscall().is_some() {
                    out.push(s(self.type_name()));
                }
            }
            EvtDir => out.push(s(if self.applied.kind == EventKind::ProcExit {
                ">"
            } else {
                "<"
            })),
            EvtTypeIs => {
                let hit = match arg {
                    FieldArg::Key(k) => **k == *self.type_name(),
                    FieldArg::Index(n) => self.syscall().is_some_and(|s| u64::from(s.nr) == *n),
                    FieldArg::None => false,
                };
                out.push(Value::U64(u64::from(hit)));
            }
            EvtRes => {
                if self.has_res() {
                    let res = self.applied.res;
                    if res >= 0 {
                        out.push(s("SUCCESS"));
                    } else {
                        out.push(owned(
                            flags::errno_name(res).map_or_else(|| res.to_string(), str::to_owned),
                        ));
                    }
                }
            }
            EvtRawRes => {
                if self.has_res() {
                    out.push(Value::I64(self.applied.res));
                }
            }
            EvtFailed | EvtCountError => {
                if self.has_res() {
                    let failed = self.applied.res < 0;
                    out.push(if self.fields.get(fr.id) == EvtFailed {
                        bool_v(failed)
                    } else {
                        Value::U64(u64::from(failed))
                    });
                }
            }
            EvtCount => out.push(Value::U64(1)),
            EvtCountExit => {
                if self.applied.kind != EventKind::ProcExit {
                    out.push(Value::U64(1));
                }
            }
            EvtLatency => out.push(Value::U64(0)),
            EvtCpu => out.push(Value::I64(i64::from(self.rec.hdr.cpu))),
            EvtArgs => out.push(owned(self.evt_args())),
            EvtArg => {
                let p = match arg {
                    FieldArg::Key(k) => self.param_by_name(k),
                    FieldArg::Index(n) => self
                        .syscall()
                        .and_then(|s| s.params.get(usize::try_from(*n).ok()?)),
                    FieldArg::None => None,
                };
                if let Some(p) = p {
                    let r = self.render(p);
                    out.push(owned(r.pick().into_owned()));
                }
            }
            EvtRawArg => {
                if let FieldArg::Key(k) = arg
                    && let Some(p) = self.param_by_name(k)
                {
                    let r = self.render(p);
                    if !r.empty {
                        out.push(owned(r.raw));
                    }
                }
            }
            EvtIsOpenRead | EvtIsOpenWrite | EvtIsOpenExec | EvtIsOpenCreate => {
                let which = self.fields.get(fr.id);
                let mut v = false;
                if let Some(fl) = self.open_flags_value() {
                    v = match which {
                        EvtIsOpenRead => fl & flags::PPM_O_RDONLY != 0,
                        EvtIsOpenWrite => fl & flags::PPM_O_WRONLY != 0,
                        EvtIsOpenCreate => {
                            fl & flags::PPM_O_F_CREATED != 0
                                || (fl & flags::PPM_O_TMPFILE != 0 && self.applied.res >= 0)
                        }
                        _ => {
                            let mode = match self.syscall().map(|s| s.name) {
                                Some("open") => flags::open_mode(self.arg(1), self.arg(2)),
                                Some("openat") => flags::open_mode(self.arg(2), self.arg(3)),
                                _ => {
                                    let (f, m, _) = open_how(self.data().and_then(|d| d.blob));
                                    flags::open_mode(f, m)
                                }
                            };
                            fl & (flags::PPM_O_TMPFILE | flags::PPM_O_CREAT) != 0
                                && mode & 0o111 != 0
                        }
                    };
                } else if which == EvtIsOpenExec && self.type_name() == "creat" {
                    v = flags::open_mode(0o100, self.arg(1)) & 0o111 != 0;
                }
                out.push(bool_v(v));
            }
            EvtAbspath => {
                if let Some(p) = self.abspath(arg) {
                    out.push(owned(p));
                }
            }
            EvtIsIo | EvtIsIoRead | EvtIsIoWrite => {
                let name = self.type_name();
                let read = matches!(name, "recvfrom" | "recvmsg");
                let write = matches!(name, "sendto" | "sendmsg");
                out.push(bool_v(match self.fields.get(fr.id) {
                    EvtIsIo => read || write,
                    EvtIsIoRead => read,
                    _ => write,
                }));
            }
            EvtIsWait => out.push(bool_v(false)),
            EvtIsSyslog => {
                let write = matches!(self.type_name(), "sendto" | "sendmsg");
                let syslog = write
                    && matches!(self.fd_view(), FdView::Known(f) if f.kind == FdKind::Unix && f.name.contains("/dev/log"));
                out.push(bool_v(syslog));
            }
            EvtCategory => {}
            // ---- process ----
            ProcExe => Self::push_thread_str(out, t, |t| &t.exe),
            ProcPexe => Self::push_thread_str(out, self.parent(), |t| &t.exe),
            ProcAexe => self.ancestors_str(arg, out, |t| &t.exe),
            ProcExepath => Self::push_thread_str(out, t, |t| &t.exepath),
            ProcPexepath => Self::push_thread_str(out, self.parent(), |t| &t.exepath),
            ProcAexepath => self.ancestors_str(arg, out, |t| &t.exepath),
            ProcName => Self::push_thread_str(out, t, |t| &t.comm),
            ProcPname => Self::push_thread_str(out, self.parent(), |t| &t.comm),
            ProcAname => self.ancestors_str(arg, out, |t| &t.comm),
            ProcArgs => {
                if *arg == FieldArg::None {
                    Self::push_thread_str(out, t, |t| &t.args_joined);
                }
            }
            ProcEnv => {
                if let Some(t) = t {
                    match arg {
                        FieldArg::Key(name) => out.push(s(env_value(&t.env, name))),
                        FieldArg::None => out.push(owned(t.env.replace('\0', " "))),
                        FieldArg::Index(_) => {}
                    }
                }
            }
            ProcCmdline => Self::push_thread_str(out, t, |t| &t.cmdline),
            ProcPcmdline => Self::push_thread_str(out, self.parent(), |t| &t.cmdline),
            ProcAcmdline => self.ancestors_str(arg, out, |t| &t.cmdline),
            ProcCmdnargs => {
                if let Some(t) = t {
                    out.push(Value::U64(t.args.len() as u64));
                }
            }
            ProcCmdlenargs => {
                if let Some(t) = t {
                    out.push(Value::U64(t.args.iter().map(|a| a.len() as u64).sum()));
                }
            }
            ProcExeline => {
                if let Some(t) = t {
                    let mut l = String::with_capacity(t.exe.len() + 1 + t.args_joined.len());
                    l.push_str(&t.exe);
                    l.push(' ');
                    l.push_str(&t.args_joined);
                    out.push(owned(l));
                }
            }
            ProcCwd => {
                if let Some(t) = t {
                    out.push(s(self.state.cwd(t)));
                }
            }
            ProcLoginshellid => {
                let mut found = None;
                for a in self.lineage() {
                    if a.comm.ends_with("sh") && a.comm.len() >= 2 {
                        found = Some(a.pid);
                    }
                }
                if let Some(pid) = found {
                    out.push(Value::I64(pid));
                }
            }
            ProcTty => {
                if let Some(t) = t {
                    out.push(Value::U64(u64::from(t.tty)));
                }
            }
            ProcPid => {
                if let Some(t) = t {
                    out.push(Value::I64(t.pid));
                }
            }
            ProcPpid => {
                if let Some(m) = self.main() {
                    out.push(Value::I64(m.ptid));
                }
            }
            ProcApid => match arg {
                FieldArg::Index(n) => {
                    if let Some(a) = self.ancestor(*n) {
                        out.push(Value::I64(a.pid));
                    }
                }
                FieldArg::None => out.extend(self.lineage().map(|a| Value::I64(a.pid))),
                FieldArg::Key(_) => {}
            },
            ProcVpid => {
                if let Some(t) = t {
                    out.push(Value::I64(t.vpid));
                }
            }
            ProcPvpid => {
                if let Some(p) = self.parent() {
                    out.push(Value::I64(p.vpid));
                }
            }
            ProcSid => {
                if let Some(t) = t {
                    out.push(Value::I64(t.sid));
                }
            }
            ProcSname => Self::push_thread_str(out, self.leader(|t| t.sid), |t| &t.comm),
            ProcSidExe => Self::push_thread_str(out, self.leader(|t| t.sid), |t| &t.exe),
            ProcSidExepath => Self::push_thread_str(out, self.leader(|t| t.sid), |t| &t.exepath),
            ProcVpgid => {
                if let Some(t) = t {
                    out.push(Value::I64(t.vpgid));
                }
            }
            ProcVpgidName => Self::push_thread_str(out, self.leader(|t| t.vpgid), |t| &t.comm),
            ProcVpgidExe => Self::push_thread_str(out, self.leader(|t| t.vpgid), |t| &t.exe),
            ProcVpgidExepath => {
                Self::push_thread_str(out, self.leader(|t| t.vpgid), |t| &t.exepath)
            }
            ProcDuration => {
                if let Some(t) = t
                    && t.clone_ts != 0
                {
                    out.push(Value::I64(self.applied.ts as i64 - t.clone_ts as i64));
                }
            }
            ProcPpidDuration => {
                if let Some(p) = self.parent()
                    && p.clone_ts != 0
                {
                    out.push(Value::I64(self.applied.ts as i64 - p.clone_ts as i64));
                }
            }
            ProcPidTs => {
                if let Some(t) = t
                    && t.clone_ts != 0
                {
                    out.push(Value::U64(t.clone_ts));
                }
            }
            ProcPpidTs => {
                if let Some(p) = self.parent() {
                    out.push(Value::U64(p.clone_ts));
                }
            }
            ProcIsExeWritable => {
                if let Some(t) = t {
                    out.push(bool_v(t.exe_flags & crate::abi::EXE_WRITABLE != 0));
                }
            }
            ProcIsExeUpperLayer => {
                if let Some(t) = t {
                    out.push(bool_v(t.exe_flags & crate::abi::EXE_UPPER_LAYER != 0));
                }
            }
            ProcIsExeLowerLayer => {
                if let Some(t) = t {
                    out.push(bool_v(t.exe_flags & crate::abi::EXE_LOWER_LAYER != 0));
                }
            }
            ProcIsExeFromMemfd => {
                if let Some(t) = t {
                    out.push(bool_v(t.exe_flags & crate::abi::EXE_FROM_MEMFD != 0));
                }
            }
            ProcIsSidLeader => {
                if let Some(t) = t {
                    out.push(bool_v(t.sid == t.vpid));
                }
            }
            ProcIsVpgidLeader => {
                if let Some(t) = t {
                    out.push(bool_v(t.vpgid == t.vpid));
                }
            }
            ProcExeIno => {
                if let Some(t) = t
                    && t.exe_ino != 0
                {
                    out.push(Value::I64(t.exe_ino as i64));
                }
            }
            ProcExeInoCtime => {
                if let Some(t) = t
                    && t.exe_ctime != 0
                {
                    out.push(Value::U64(t.exe_ctime));
                }
            }
            ProcExeInoMtime => {
                if let Some(t) = t
                    && t.exe_mtime != 0
                {
                    out.push(Value::U64(t.exe_mtime));
                }
            }
            ProcExeInoCtimeDurationProcStart => {
                if let Some(t) = t
                    && t.exe_ctime != 0
                    && t.clone_ts > t.exe_ctime
                {
                    out.push(Value::U64(t.clone_ts - t.exe_ctime));
                }
            }
            ProcExeInoCtimeDurationPidnsStart => {
                if let Some(t) = t
                    && t.pidns_init_start != 0
                    && t.exe_ctime > t.pidns_init_start
                {
                    out.push(Value::U64(t.exe_ctime - t.pidns_init_start));
                }
            }
            ProcPidnsInitStartTs => {
                if let Some(t) = t
                    && t.pidns_init_start != 0
                {
                    out.push(Value::U64(t.pidns_init_start));
                }
            }
            ProcFdopencount => {
                if let Some(t) = t {
                    let n = self.state.fds.table(t.pid).map_or(0, |x| x.fds.len());
                    out.push(Value::U64(n as u64));
                }
            }
            ProcStdType(fd) => {
                if let Some(f) = self.fd_table_entry(i64::from(fd)) {
                    out.push(s(f.kind.typestring()));
                }
            }
            ProcStdName(fd) => {
                if let Some(f) = self.fd_table_entry(i64::from(fd)) {
                    out.push(s(&f.name));
                }
            }
            // ---- thread ----
            ThreadCapPermitted | ThreadCapInheritable | ThreadCapEffective => {
                if let Some(t) = t {
                    let mask = match self.fields.get(fr.id) {
                        ThreadCapPermitted => t.cap_permitted,
                        ThreadCapInheritable => t.cap_inheritable,
                        _ => t.cap_effective,
                    };
                    let mut v = String::new();
                    flags::caps(mask, &mut v);
                    out.push(owned(v));
                }
            }
            ThreadTid => out.push(Value::I64(self.applied.tid)),
            ThreadIsmain => {
                if let Some(t) = t {
                    out.push(bool_v(t.is_main()));
                }
            }
            ThreadVtid => {
                if let Some(t) = t {
                    out.push(Value::I64(t.vtid));
                }
            }
            ThreadNametid => {
                if let Some(t) = t {
                    out.push(owned(format!("{}{}", t.comm, self.applied.tid)));
                }
            }
            // ---- user / group ----
            UserUid => {
                if let Some(t) = t {
                    out.push(Value::U64(u64::from(t.uid)));
                }
            }
            UserName | UserHomedir | UserShell => {
                if let Some(u) = t.and_then(|t| self.user(t.uid)) {
                    out.push(s(match self.fields.get(fr.id) {
                        UserName => &u.name,
                        UserHomedir => &u.home,
                        _ => &u.shell,
                    }));
                }
            }
            UserLoginuid => {
                if let Some(t) = t {
                    out.push(Value::I64(i64::from(t.loginuid as i32)));
                }
            }
            UserLoginname => {
                if let Some(t) = t
                    && t.loginuid != u32::MAX
                    && let Some(u) = self.user(t.loginuid)
                {
                    out.push(s(&u.name));
                }
            }
            GroupGid => {
                if let Some(t) = t {
                    out.push(Value::U64(u64::from(t.gid)));
                }
            }
            GroupName => {
                if let Some(t) = t
                    && let Some(g) = self
                        .state
                        .users(&t.container_id)
                        .and_then(|db| db.groups.get(&t.gid))
                {
                    out.push(s(g));
                }
            }
            // ---- container ----
            ContainerId => {
                if let Some(t) = t {
                    out.push(s(if t.container_id.is_empty() {
                        "host"
                    } else {
                        &t.container_id
                    }));
                }
            }
            ContainerFullId => {
                if t.is_some_and(|t| t.container_id.is_empty()) {
                    out.push(s("host"));
                }
            }
            ContainerName
            | ContainerType
            | ContainerMounts
            | ContainerMount
            | ContainerMountSource
            | ContainerMountDest
            | ContainerMountMode
            | ContainerMountRdwr
            | ContainerMountPropagation
            | ContainerImage
            | ContainerImageId
            | ContainerImageRepository
            | ContainerImageTag
            | ContainerImageDigest
            | ContainerPrivileged
            | ContainerHostPid
            | ContainerHostNetwork
            | ContainerHostIpc
            | K8sNsName
            | K8sPodName
            | K8sPodUid
            | K8sPodIp
            | K8sPodLabels
            | K8sPodLabel => self.container_meta(self.fields.get(fr.id), arg, out),
            ContainerStartTs => {
                if let Some(t) = t
                    && t.pidns_init_start != 0
                {
                    out.push(Value::U64(t.pidns_init_start));
                }
            }
            ContainerDuration => {
                if let Some(t) = t
                    && t.pidns_init_start != 0
                {
                    out.push(Value::I64(
                        self.applied.ts as i64 - t.pidns_init_start as i64,
                    ));
                }
            }
            // ---- fd ----
            f => self.extract_fd(f, arg, out),
        }
    }
}

impl<'a> SyscallEvent<'a> {
    /// `container.*` metadata and `k8s.*` fields: on the host, what the container plugin
    /// says of the host (`host`, empty, false; `k8s.*` missing); in a container, what
    /// the node's pod watch said of it, missing when nothing did.
    fn container_meta(&self, field: Field, arg: &FieldArg, out: &mut Vec<Value<'a>>) {
        use Field::*;
        let Some(t) = self.thread() else { return };
        if t.container_id.is_empty() {
            match field {
                ContainerName | ContainerType => out.push(s("host")),
                ContainerImage
                | ContainerImageId
                | ContainerImageRepository
                | ContainerImageTag
                | ContainerImageDigest => out.push(s("")),
                ContainerPrivileged | ContainerHostPid | ContainerHostNetwork
                | ContainerHostIpc => out.push(bool_v(false)),
                _ => {}
            }
            return;
        }
        let Some(m) = self.state.container(&t.container_id) else {
            return;
        };
        match field {
            ContainerName => out.push(s(&m.name)),
            ContainerImage => out.push(s(&m.image)),
            ContainerImageId => out.push(s(&m.image_id)),
            ContainerImageRepository => out.push(s(m.image_repository())),
            ContainerImageTag => out.push(s(m.image_tag())),
            ContainerImageDigest => out.push(s(m.image_digest())),
            ContainerPrivileged => out.push(bool_v(m.privileged)),
            ContainerHostPid => out.push(bool_v(m.host_pid)),
            ContainerHostNetwork => out.push(bool_v(m.host_network)),
            ContainerHostIpc => out.push(bool_v(m.host_ipc)),
            ContainerType if !m.runtime.is_empty() => out.push(s(&m.runtime)),
            ContainerMounts => {
                let all: Vec<String> = m.mounts.iter().map(|x| x.to_string()).collect();
                out.push(owned(all.join(" ")));
            }
            ContainerMount => out.push(match mount(m, arg, |x| &x.source) {
                Some(x) => owned(x.to_string()),
                None => s("none"),
            }),
            ContainerMountSource => {
                if let Some(x) = mount(m, arg, |x| &x.dest) {
                    out.push(s(&x.source));
                }
            }
            ContainerMountDest => {
                if let Some(x) = mount(m, arg, |x| &x.source) {
                    out.push(s(&x.dest));
                }
            }
            ContainerMountMode => {
                if let Some(x) = mount(m, arg, |x| &x.source) {
                    out.push(s(&x.mode));
                }
            }
            ContainerMountRdwr => {
                if let Some(x) = mount(m, arg, |x| &x.source) {
                    out.push(owned(x.rdwr.to_string()));
                }
            }
            ContainerMountPropagation => {
                if let Some(x) = mount(m, arg, |x| &x.source) {
                    out.push(s(&x.propagation));
                }
            }
            K8sNsName => out.push(s(&m.pod_namespace)),
            K8sPodName => out.push(s(&m.pod_name)),
            K8sPodUid => out.push(s(&m.pod_uid)),
            K8sPodIp => out.push(s(&m.pod_ip)),
            K8sPodLabels => {
                let joined: Vec<String> = m
                    .pod_labels
                    .iter()
                    .map(|(k, v)| format!("{k}:{v}"))
                    .collect();
                out.push(owned(joined.join(", ")));
            }
            K8sPodLabel => {
                if let FieldArg::Key(k) = arg
                    && let Some(v) = m.pod_label(k)
                {
                    out.push(s(v));
                }
            }
            _ => {}
        }
    }
}

impl SyscallEvent<'_> {
    fn extract_fd<'e>(&'e self, field: Field, arg: &FieldArg, out: &mut Vec<Value<'e>>) {
        use Field::*;
        if field == FdTypes {
            if let Some(t) = self.thread()
                && let Some(table) = self.state.fds.table(t.pid)
            {
                match arg {
                    FieldArg::Index(n) => {
                        if let Some(f) = i64::try_from(*n).ok().and_then(|n| table.get(n)) {
                            out.push(s(f.kind.typestring()));
                        }
                    }
                    _ => {
                        let mut seen: Vec<&'static str> = Vec::new();
                        let mut fds: Vec<(&i64, &FdInfo)> = table.fds.iter().collect();
                        fds.sort_by_key(|(k, _)| **k);
                        for (_, f) in fds {
                            let ty = f.kind.typestring();
                            if !seen.contains(&ty) {
                                seen.push(ty);
                                out.push(s(ty));
                            }
                        }
                    }
                }
            }
            return;
        }
        let view = self.fd_view();
        if matches!(view, FdView::None) {
            return;
        }
        if field == FdNum {
            out.push(Value::I64(self.applied.fd));
            return;
        }
        if field == FdNameChanged {
            out.push(bool_v(self.applied.fd_name_changed));
            return;
        }
        let connect_failed =
            self.type_name() == "connect" && self.applied.res < 0 && self.applied.res != -115;
        let f = match view {
            FdView::Known(f) if !connect_failed => f,
            _ => {
                // libsinsp's extract_from_null_fd.
                match field {
                    FdName => {
                        if let Some(n) = self.creator_name(false) {
                            out.push(owned(n));
                        }
                    }
                    FdContainername => {
                        if let Some(n) = self.creator_name(false) {
                            out.push(owned(format!("{}:{n}", self.container_id().unwrap_or(""))));
                        }
                    }
                    FdDirectory | FdContainerdirectory => {
                        if let Some(n) = self.creator_name(false) {
                            let d = paths::dirname(&n).to_owned();
                            out.push(owned(if field == FdDirectory {
                                d
                            } else {
                                format!("{}:{d}", self.container_id().unwrap_or(""))
                            }));
                        }
                    }
                    FdTypechar => out.push(s(self.null_typechar())),
                    FdNameraw => {
                        if let Some(v) = self.nameraw() {
                            out.push(v);
                        }
                    }
                    _ => {}
                }
                return;
            }
        };
        let tuple = f.tuple;
        let ip_sock = matches!(f.kind, FdKind::Ipv4 | FdKind::Ipv6);
        let has_role = f.role != Role::None;
        match field {
            FdName => out.push(s(&f.name)),
            FdContainername => out.push(owned(format!(
                "{}:{}",
                self.container_id().unwrap_or(""),
                f.name
            ))),
            FdType => out.push(s(f.kind.typestring())),
            FdTypechar => out.push(s(f.kind.typechar_str())),
            FdDirectory | FdContainerdirectory
                if f.kind == FdKind::File || f.kind == FdKind::Directory =>
            {
                let d = if f.is_file() {
                    paths::dirname(&f.name)
                } else {
                    &f.name
                };
                out.push(if field == FdDirectory {
                    s(d)
                } else {
                    owned(format!("{}:{d}", self.container_id().unwrap_or("")))
                });
            }
            FdFilename if f.is_file() => out.push(s(paths::basename(&f.name))),
            FdNameraw => {
                if let Some(v) = self.nameraw() {
                    out.push(v);
                }
            }
            FdL4proto => {
                if f.kind.is_ip()
                    && let Some(n) = f.l4.name()
                {
                    out.push(s(n));
                }
            }
            FdSockfamily => match f.kind {
                FdKind::Ipv4 | FdKind::Ipv6 | FdKind::Ipv4Server | FdKind::Ipv6Server => {
                    out.push(s("ip"))
                }
                FdKind::Unix => out.push(s("unix")),
                _ => {}
            },
            FdIsServer if f.kind.is_ip() => out.push(bool_v(f.role == Role::Server)),
            FdConnected if f.kind.is_ip() || f.kind == FdKind::Unix => {
                out.push(bool_v(f.connected))
            }
            FdCip | FdCnet => {
                if ip_sock
                    && has_role
                    && let Some(tu) = tuple
                {
                    out.push(Value::Ip(tu.cip));
                }
            }
            FdSip | FdSnet => {
                if let Some(tu) = tuple
                    && (f.kind.is_ip() && (has_role || !ip_sock))
                {
                    out.push(Value::Ip(tu.sip));
                }
            }
            FdIp | FdNet => {
                // libsinsp matches either end; the server end is compared here (see
                // docs/syscall.md, approximations).
                if let Some(tu) = tuple
                    && f.kind.is_ip()
                {
                    out.push(Value::Ip(tu.sip));
                }
            }
            FdCport => {
                if ip_sock
                    && has_role
                    && let Some(tu) = tuple
                {
                    out.push(Value::U64(u64::from(tu.cport)));
                }
            }
            FdSport | FdPort => {
                if let Some(tu) = tuple
                    && f.kind.is_ip()
                    && (has_role || !ip_sock)
                {
                    out.push(Value::U64(u64::from(tu.sport)));
                }
            }
            FdLip | FdRip | FdLnet | FdRnet | FdLport | FdRport => {
                if !ip_sock || !has_role {
                    return;
                }
                let Some(tu) = tuple else { return };
                let local_is_client = self.is_local(tu.cip);
                let want_local = matches!(field, FdLip | FdLnet | FdLport);
                let client = local_is_client == want_local;
                let v = match field {
                    FdLip | FdRip | FdLnet | FdRnet => {
                        Value::Ip(if client { tu.cip } else { tu.sip })
                    }
                    _ => Value::U64(u64::from(if client { tu.cport } else { tu.sport })),
                };
                out.push(v);
            }
            FdCipName | FdSipName | FdLipName | FdRipName => {
                let ip_field = match field {
                    FdCipName => FdCip,
                    FdSipName => FdSip,
                    FdLipName => FdLip,
                    _ => FdRip,
                };
                let mut ip = Vec::new();
                self.extract_fd(ip_field, arg, &mut ip);
                if let Some(Value::Ip(ip)) = ip.first()
                    && let Some(name) = self.state.dns_name(ip)
                {
                    out.push(s(name));
                }
            }
            FdProto | FdCproto | FdSproto | FdLproto | FdRproto => {}
            _ => {}
        }
    }
}

/// The value of `name` in a NUL-separated environment, spaces trimmed as libsinsp's
/// `get_env` trims them; empty when unset.
fn env_value<'e>(env: &'e str, name: &str) -> &'e str {
    env.split('\0')
        .find_map(|entry| entry.strip_prefix(name)?.strip_prefix('='))
        .map_or("", |v| v.trim_matches(' '))
}

/// The mount an indexed container field names: by position, or the first whose `key`
/// (source or destination) matches the argument as a glob, as the container plugin
/// looks them up.
fn mount<'m>(
    m: &'m crate::meta::ContainerMeta,
    arg: &FieldArg,
    key: impl Fn(&crate::meta::Mount) -> &str,
) -> Option<&'m crate::meta::Mount> {
    match arg {
        FieldArg::Index(i) => m.mounts.get(usize::try_from(*i).ok()?),
        FieldArg::Key(k) => {
            let glob = kubeward_rules::glob::Glob::new(k, false);
            m.mounts.iter().find(|x| glob.matches(key(x).as_bytes()))
        }
        FieldArg::None => None,
    }
}
