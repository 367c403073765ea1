//! kubeward's syscall capture format (`.kwcap`): what a live capture saw, so a replay
//! rebuilds the same state and evaluates the same events without root.
//!
//! ```text
//! file    = header record*
//! header  = "KWSYSCAP" version:u16 header_len:u16 boot_epoch_ns:u64 flags:u32
//!           n_local_ips:u16 (family:u8 addr:[u8; 4|16])*            (little endian)
//! record  = kind:u8 reserved:[u8;3] len:u32 payload:[u8; len]       (len <= 1 MiB)
//! kind    = 1 kernel: a probe record, byte for byte as the ring buffer gave it
//!           2 thread: a thread read from /proc      3 fd: an fd read from /proc
//!           4 users:  a root's passwd/group entries 5 missing: a thread /proc no longer had
//!           6 drops:  kernel-side losses since the previous drops record (u64)
//!           7 container: what the cluster says about a container (version 2 on)
//!           8 dns:    a domain name the rules use and its addresses (version 3 on)
//! ```
//!
//! Payloads other than kernel records use a small field encoding: integers little
//! endian, strings and lists as a u32 count then the items. Version 1 decodes kernel
//! records with the syscall specs of this build (`syscalls.rs`); a change to a spec or
//! to `bpf/event.h` must bump [`VERSION`]. Version 2 added container records; this
//! build reads versions 1 and 2. Readers reject other versions, oversized records and
//! truncated files with an error naming the byte offset.

use std::io::{self, BufRead, Read, Write};
use std::net::IpAddr;
use std::sync::Arc;

use crate::state::Snapshot;
use crate::state::fds::{FdInfo, FdKind, L4, Role, Tuple};
use crate::state::threads::Thread;
use crate::users::{User, UserDb};

/// The first 8 bytes of every capture file.
pub const MAGIC: &[u8; 8] = b"KWSYSCAP";
/// The capture format version this build writes (it also reads versions 1 and 2: no
/// container records in 1; `recvfrom` records of both lack the data captured since 3 and
/// are counted as undecodable).
pub const VERSION: u16 = 3;
/// Largest record a reader accepts.
pub const MAX_RECORD: usize = 1 << 20;

/// Record kind: a probe record, byte for byte as the ring buffer gave it.
pub const KIND_KERNEL: u8 = 1;
/// Record kind: a thread read from `/proc`.
pub const KIND_THREAD: u8 = 2;
/// Record kind: an fd read from `/proc/<pid>/fd`.
pub const KIND_FD: u8 = 3;
/// Record kind: a root's passwd and group entries.
pub const KIND_USERS: u8 = 4;
/// Record kind: a thread `/proc` no longer had.
pub const KIND_MISSING: u8 = 5;
/// Record kind: kernel-side losses since the previous drops record (a u64).
pub const KIND_DROPS: u8 = 6;
/// Record kind: what the cluster says about a container.
pub const KIND_CONTAINER: u8 = 7;
/// Record kind: a domain name's addresses.
pub const KIND_DNS: u8 = 8;

/// Why a capture cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The file does not start with [`MAGIC`].
    #[error("not a kubeward syscall capture (bad magic)")]
    Magic,
    /// The file is of another format version (holds it).
    #[error("capture format version {0}; this build reads versions 1 to {VERSION}")]
    Version(u16),
    /// The file ends inside the header or a record.
    #[error("truncated {what} at byte {offset}")]
    Truncated {
        /// What was being read: `header` or a record part.
        what: &'static str,
        /// The byte offset where it started.
        offset: u64,
    },
    /// A record's stated length exceeds [`MAX_RECORD`].
    #[error("record of {len} bytes at byte {offset} exceeds the {MAX_RECORD}-byte limit")]
    TooLarge {
        /// The stated length.
        len: usize,
        /// The record's byte offset.
        offset: u64,
    },
    /// A record's payload does not decode.
    #[error("malformed {what} record at byte {offset}")]
    Malformed {
        /// The record's kind, e.g. `thread`.
        what: &'static str,
        /// The record's byte offset.
        offset: u64,
    },
    /// A record has an unknown kind.
    #[error("unknown record kind {kind} at byte {offset}")]
    Kind {
        /// The kind byte.
        kind: u8,
        /// The record's byte offset.
        offset: u64,
    },
    /// Reading failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// The capture's header.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Header {
    /// CLOCK_BOOTTIME + this = epoch ns.
    pub boot_epoch_ns: u64,
    /// Reserved flags; 0.
    pub flags: u32,
    /// The capturing host's IP addresses, which decide the local side of a connection.
    pub local_ips: Vec<IpAddr>,
}

/// One record, borrowing its payload from the reader's buffer.
#[derive(Debug, Clone, PartialEq)]
pub enum Item<'a> {
    /// A probe record, to decode with [`crate::decode::decode`].
    Kernel(&'a [u8]),
    /// State read from `/proc` or a root's user database.
    Snapshot(Snapshot),
    /// Kernel-side losses since the previous drops record.
    Drops(u64),
}

/// Writes a capture.
pub struct Writer<W: Write> {
    out: W,
    scratch: Vec<u8>,
    /// Records written so far.
    pub records: u64,
    /// Bytes written so far, header excluded.
    pub bytes: u64,
}

impl<W: Write> Writer<W> {
    /// Writes the header `h` to `out` and returns a writer for the records.
    pub fn new(mut out: W, h: &Header) -> io::Result<Writer<W>> {
        let mut body = Vec::new();
        body.extend_from_slice(&h.boot_epoch_ns.to_le_bytes());
        body.extend_from_slice(&h.flags.to_le_bytes());
        let n = u16::try_from(h.local_ips.len().min(usize::from(u16::MAX))).unwrap_or(0);
        body.extend_from_slice(&n.to_le_bytes());
        for ip in h.local_ips.iter().take(usize::from(n)) {
            put_ip(&mut body, *ip);
        }
        out.write_all(MAGIC)?;
        out.write_all(&VERSION.to_le_bytes())?;
        let hl = u16::try_from(body.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "header too large"))?;
        out.write_all(&hl.to_le_bytes())?;
        out.write_all(&body)?;
        Ok(Writer {
            out,
            scratch: Vec::new(),
            records: 0,
            bytes: (12 + body.len()) as u64,
        })
    }

    fn put(&mut self, kind: u8, payload: &[u8]) -> io::Result<()> {
        if payload.len() > MAX_RECORD {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "record larger than the format allows",
            ));
        }
        let len = payload.len() as u32;
        self.out.write_all(&[kind, 0, 0, 0])?;
        self.out.write_all(&len.to_le_bytes())?;
        self.out.write_all(payload)?;
        self.records += 1;
        self.bytes += 8 + payload.len() as u64;
        Ok(())
    }

    /// A probe record, as received.
    pub fn kernel(&mut self, raw: &[u8]) -> io::Result<()> {
        self.put(KIND_KERNEL, raw)
    }

    /// Records `n` events the kernel lost since the last drops record.
    pub fn drops(&mut self, n: u64) -> io::Result<()> {
        self.put(KIND_DROPS, &n.to_le_bytes())
    }

    /// Records state read outside the event stream.
    pub fn snapshot(&mut self, s: &Snapshot) -> io::Result<()> {
        let mut buf = std::mem::take(&mut self.scratch);
        buf.clear();
        let kind = encode_snapshot(s, &mut buf);
        let r = self.put(kind, &buf);
        self.scratch = buf;
        r
    }

    /// Flushes the output.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// The output, after the last record.
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// Reads a capture record by record into one reused buffer.
pub struct Reader<R: Read> {
    input: io::BufReader<R>,
    buf: Vec<u8>,
    offset: u64,
    /// The capture's header, read by [`Reader::new`].
    pub header: Header,
}

fn read_exact_at<R: Read>(
    r: &mut R,
    buf: &mut [u8],
    what: &'static str,
    offset: u64,
) -> Result<(), RecordError> {
    r.read_exact(buf).map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            RecordError::Truncated { what, offset }
        } else {
            RecordError::Io(e)
        }
    })
}

impl<R: Read> Reader<R> {
    /// Reads and checks the header of `input`.
    pub fn new(input: R) -> Result<Reader<R>, RecordError> {
        let mut input = io::BufReader::with_capacity(1 << 16, input);
        let mut fixed = [0u8; 12];
        read_exact_at(&mut input, &mut fixed, "header", 0)?;
        if fixed.get(..8) != Some(&MAGIC[..]) {
            return Err(RecordError::Magic);
        }
        let version = u16::from_le_bytes([fixed[8], fixed[9]]);
        if !(1..=VERSION).contains(&version) {
            return Err(RecordError::Version(version));
        }
        let hl = usize::from(u16::from_le_bytes([fixed[10], fixed[11]]));
        let mut body = vec![0u8; hl];
        read_exact_at(&mut input, &mut body, "header", 12)?;
        let bad = || RecordError::Malformed {
            what: "header",
            offset: 12,
        };
        let mut d = Dec::new(&body);
        let boot_epoch_ns = d.u64().ok_or_else(bad)?;
        let flags = d.u32().ok_or_else(bad)?;
        let n = d.u16().ok_or_else(bad)?;
        let mut local_ips = Vec::new();
        for _ in 0..n {
            let ip = match d.u8().ok_or_else(bad)? {
                4 => {
                    let b = d.bytes(4).ok_or_else(bad)?;
                    IpAddr::from([b[0], b[1], b[2], b[3]])
                }
                6 => {
                    let mut a = [0u8; 16];
                    a.copy_from_slice(d.bytes(16).ok_or_else(bad)?);
                    IpAddr::from(a)
                }
                _ => return Err(bad()),
            };
            local_ips.push(ip);
        }
        Ok(Reader {
            input,
            buf: Vec::new(),
            offset: 12 + hl as u64,
            header: Header {
                boot_epoch_ns,
                flags,
                local_ips,
            },
        })
    }

    /// The next record, or `None` at a clean end of file.
    pub fn next_item(&mut self) -> Result<Option<Item<'_>>, RecordError> {
        let at = self.offset;
        if self.input.fill_buf()?.is_empty() {
            return Ok(None);
        }
        let mut head = [0u8; 8];
        read_exact_at(&mut self.input, &mut head, "record header", at)?;
        let kind = head[0];
        let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
        if len > MAX_RECORD {
            return Err(RecordError::TooLarge { len, offset: at });
        }
        self.buf.resize(len, 0);
        read_exact_at(&mut self.input, &mut self.buf, "record", at)?;
        self.offset += 8 + len as u64;
        let payload = &self.buf[..];
        Ok(Some(match kind {
            KIND_KERNEL => Item::Kernel(payload),
            KIND_DROPS => {
                let mut d = Dec::new(payload);
                Item::Drops(d.u64().ok_or(RecordError::Malformed {
                    what: "drops",
                    offset: at,
                })?)
            }
            KIND_THREAD | KIND_FD | KIND_USERS | KIND_MISSING | KIND_CONTAINER | KIND_DNS => {
                Item::Snapshot(
                    decode_snapshot(kind, payload).ok_or(RecordError::Malformed {
                        what: "snapshot",
                        offset: at,
                    })?,
                )
            }
            kind => return Err(RecordError::Kind { kind, offset: at }),
        }))
    }

    /// Byte offset of the next record.
    pub fn offset(&self) -> u64 {
        self.offset
    }
}

struct Dec<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Dec<'a> {
    fn new(b: &'a [u8]) -> Dec<'a> {
        Dec { b, pos: 0 }
    }
    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        self.bytes(1).map(|b| b[0])
    }
    fn u16(&mut self) -> Option<u16> {
        self.bytes(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Option<u32> {
        self.bytes(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Option<u64> {
        let b = self.bytes(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Some(u64::from_le_bytes(a))
    }
    fn i64(&mut self) -> Option<i64> {
        self.u64().map(|v| v as i64)
    }
    fn str(&mut self) -> Option<Arc<str>> {
        let n = self.u32()? as usize;
        let b = self.bytes(n)?;
        Some(Arc::from(String::from_utf8_lossy(b).as_ref()))
    }
    fn ip(&mut self) -> Option<IpAddr> {
        match self.u8()? {
            4 => {
                let b = self.bytes(4)?;
                Some(IpAddr::from([b[0], b[1], b[2], b[3]]))
            }
            6 => {
                let mut a = [0u8; 16];
                a.copy_from_slice(self.bytes(16)?);
                Some(IpAddr::from(a))
            }
            _ => None,
        }
    }
    fn done(&self) -> bool {
        self.pos == self.b.len()
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn put_ip(out: &mut Vec<u8>, ip: IpAddr) {
    match ip {
        IpAddr::V4(a) => {
            out.push(4);
            out.extend_from_slice(&a.octets());
        }
        IpAddr::V6(a) => {
            out.push(6);
            out.extend_from_slice(&a.octets());
        }
    }
}

const FD_KINDS: [FdKind; 20] = [
    FdKind::File,
    FdKind::Directory,
    FdKind::Ipv4,
    FdKind::Ipv6,
    FdKind::Ipv4Server,
    FdKind::Ipv6Server,
    FdKind::Unix,
    FdKind::Fifo,
    FdKind::Event,
    FdKind::Signalfd,
    FdKind::Eventpoll,
    FdKind::Inotify,
    FdKind::Timerfd,
    FdKind::Netlink,
    FdKind::Bpf,
    FdKind::Userfaultfd,
    FdKind::IoUring,
    FdKind::Memfd,
    FdKind::Pidfd,
    FdKind::Unknown,
];
const L4S: [L4; 5] = [L4::Tcp, L4::Udp, L4::Icmp, L4::Raw, L4::Unknown];
const ROLES: [Role; 3] = [Role::None, Role::Client, Role::Server];

fn encode_snapshot(s: &Snapshot, out: &mut Vec<u8>) -> u8 {
    match s {
        Snapshot::Thread(t) => {
            for v in [t.tid, t.pid, t.ptid, t.vtid, t.vpid, t.sid, t.vpgid] {
                out.extend_from_slice(&v.to_le_bytes());
            }
            for v in [t.tty, t.loginuid, t.uid, t.gid, t.exe_flags] {
                out.extend_from_slice(&v.to_le_bytes());
            }
            for v in [
                t.cap_inheritable,
                t.cap_permitted,
                t.cap_effective,
                t.exe_ino,
                t.exe_ctime,
                t.exe_mtime,
                t.clone_ts,
                t.pidns_init_start,
            ] {
                out.extend_from_slice(&v.to_le_bytes());
            }
            for s in [&t.comm, &t.exe, &t.exepath, &t.cwd, &t.cgroup, &t.filename] {
                put_str(out, s);
            }
            out.extend_from_slice(&(t.args.len() as u32).to_le_bytes());
            for a in t.args.iter() {
                put_str(out, a);
            }
            // Added in version 2; version 1 threads end before it.
            put_str(out, &t.env);
            KIND_THREAD
        }
        Snapshot::Fd { pid, fd, info } => {
            out.extend_from_slice(&pid.to_le_bytes());
            out.extend_from_slice(&fd.to_le_bytes());
            let k = FD_KINDS.iter().position(|k| *k == info.kind).unwrap_or(19) as u8;
            let l = L4S.iter().position(|l| *l == info.l4).unwrap_or(4) as u8;
            let r = ROLES.iter().position(|r| *r == info.role).unwrap_or(0) as u8;
            out.extend_from_slice(&[k, l, r, u8::from(info.connected)]);
            out.extend_from_slice(&info.flags.to_le_bytes());
            put_str(out, &info.name);
            match &info.tuple {
                Some(t) => {
                    out.push(1);
                    put_ip(out, t.cip);
                    out.extend_from_slice(&t.cport.to_le_bytes());
                    put_ip(out, t.sip);
                    out.extend_from_slice(&t.sport.to_le_bytes());
                }
                None => out.push(0),
            }
            KIND_FD
        }
        Snapshot::Users { container, db } => {
            put_str(out, container);
            let mut users: Vec<_> = db.users.iter().collect();
            users.sort_by_key(|(k, _)| **k);
            out.extend_from_slice(&(users.len() as u32).to_le_bytes());
            for (uid, u) in users {
                out.extend_from_slice(&uid.to_le_bytes());
                put_str(out, &u.name);
                put_str(out, &u.home);
                put_str(out, &u.shell);
            }
            let mut groups: Vec<_> = db.groups.iter().collect();
            groups.sort_by_key(|(k, _)| **k);
            out.extend_from_slice(&(groups.len() as u32).to_le_bytes());
            for (gid, name) in groups {
                out.extend_from_slice(&gid.to_le_bytes());
                put_str(out, name);
            }
            KIND_USERS
        }
        Snapshot::Missing { tid } => {
            out.extend_from_slice(&tid.to_le_bytes());
            KIND_MISSING
        }
        Snapshot::Container(m) => {
            let strs = [
                &m.id,
                &m.name,
                &m.image,
                &m.image_id,
                &m.pod_name,
                &m.pod_namespace,
                &m.pod_uid,
                &m.pod_ip,
            ];
            for s in strs {
                put_str(out, s);
            }
            out.push(
                u8::from(m.privileged)
                    | u8::from(m.host_pid) << 1
                    | u8::from(m.host_network) << 2
                    | u8::from(m.host_ipc) << 3,
            );
            out.extend_from_slice(&(m.pod_labels.len() as u32).to_le_bytes());
            for (k, v) in &m.pod_labels {
                put_str(out, k);
                put_str(out, v);
            }
            put_str(out, &m.runtime);
            out.extend_from_slice(&(m.mounts.len() as u32).to_le_bytes());
            for mount in &m.mounts {
                for s in [&mount.source, &mount.dest, &mount.mode, &mount.propagation] {
                    put_str(out, s);
                }
                out.push(u8::from(mount.rdwr));
            }
            KIND_CONTAINER
        }
        Snapshot::Dns { name, addrs } => {
            put_str(out, name);
            out.extend_from_slice(&(addrs.len() as u32).to_le_bytes());
            for a in addrs {
                put_ip(out, *a);
            }
            KIND_DNS
        }
    }
}

fn decode_snapshot(kind: u8, b: &[u8]) -> Option<Snapshot> {
    let mut d = Dec::new(b);
    let s = match kind {
        KIND_THREAD => {
            let ids: Vec<i64> = (0..7).map(|_| d.i64()).collect::<Option<_>>()?;
            let small: Vec<u32> = (0..5).map(|_| d.u32()).collect::<Option<_>>()?;
            let big: Vec<u64> = (0..8).map(|_| d.u64()).collect::<Option<_>>()?;
            let strs: Vec<Arc<str>> = (0..6).map(|_| d.str()).collect::<Option<_>>()?;
            let n = d.u32()? as usize;
            // Each arg takes at least its 4-byte length: a count beyond the payload is a lie.
            if n > b.len() / 4 {
                return None;
            }
            let args: Vec<Arc<str>> = (0..n).map(|_| d.str()).collect::<Option<_>>()?;
            let mut t = Thread::new(*ids.first()?, *ids.get(1)?);
            t.ptid = *ids.get(2)?;
            t.vtid = *ids.get(3)?;
            t.vpid = *ids.get(4)?;
            t.sid = *ids.get(5)?;
            t.vpgid = *ids.get(6)?;
            t.tty = *small.first()?;
            t.loginuid = *small.get(1)?;
            t.uid = *small.get(2)?;
            t.gid = *small.get(3)?;
            t.exe_flags = *small.get(4)?;
            t.cap_inheritable = *big.first()?;
            t.cap_permitted = *big.get(1)?;
            t.cap_effective = *big.get(2)?;
            t.exe_ino = *big.get(3)?;
            t.exe_ctime = *big.get(4)?;
            t.exe_mtime = *big.get(5)?;
            t.clone_ts = *big.get(6)?;
            t.pidns_init_start = *big.get(7)?;
            let comm = strs.first()?.clone();
            t.exe = strs.get(1)?.clone();
            t.exepath = strs.get(2)?.clone();
            t.cwd = strs.get(3)?.clone();
            t.cgroup = strs.get(4)?.clone();
            t.container_id = Arc::from(crate::container::container_id(&t.cgroup));
            t.filename = strs.get(5)?.clone();
            t.set_cmd(comm, args);
            if !d.done() {
                t.env = d.str()?;
            }
            Snapshot::Thread(Box::new(t))
        }
        KIND_FD => {
            let pid = d.i64()?;
            let fd = d.i64()?;
            let k = d.u8()?;
            let l = d.u8()?;
            let r = d.u8()?;
            let c = d.u8()?;
            let flags = d.u32()?;
            let name = d.str()?;
            let tuple = match d.u8()? {
                0 => None,
                1 => Some(Tuple {
                    cip: d.ip()?,
                    cport: d.u16()?,
                    sip: d.ip()?,
                    sport: d.u16()?,
                }),
                _ => return None,
            };
            let mut info = FdInfo::new(*FD_KINDS.get(usize::from(k))?, name);
            info.l4 = *L4S.get(usize::from(l))?;
            info.role = *ROLES.get(usize::from(r))?;
            info.connected = c != 0;
            info.flags = flags;
            info.tuple = tuple;
            Snapshot::Fd { pid, fd, info }
        }
        KIND_USERS => {
            let container = d.str()?;
            let mut db = UserDb::default();
            let n = d.u32()? as usize;
            if n > b.len() / 16 {
                return None;
            }
            for _ in 0..n {
                let uid = d.u32()?;
                let u = User {
                    name: d.str()?,
                    home: d.str()?,
                    shell: d.str()?,
                };
                db.users.insert(uid, u);
            }
            let n = d.u32()? as usize;
            if n > b.len() / 8 {
                return None;
            }
            for _ in 0..n {
                let gid = d.u32()?;
                db.groups.insert(gid, d.str()?);
            }
            Snapshot::Users {
                container,
                db: Arc::new(db),
            }
        }
        KIND_MISSING => Snapshot::Missing { tid: d.i64()? },
        KIND_CONTAINER => {
            let mut strs = (0..8)
                .map(|_| d.str().map(|s| s.to_string()))
                .collect::<Option<Vec<String>>>()?
                .into_iter();
            let mut next = || strs.next().unwrap_or_default();
            let (id, name, image, image_id) = (next(), next(), next(), next());
            let (pod_name, pod_namespace, pod_uid, pod_ip) = (next(), next(), next(), next());
            let flags = d.u8()?;
            let n = d.u32()? as usize;
            // Each label takes at least its two 4-byte lengths.
            if n > b.len() / 8 {
                return None;
            }
            let pod_labels = (0..n)
                .map(|_| Some((d.str()?.to_string(), d.str()?.to_string())))
                .collect::<Option<Vec<_>>>()?;
            let runtime = d.str()?.to_string();
            let n = d.u32()? as usize;
            // Each mount takes at least its four 4-byte lengths and a flag.
            if n > b.len() / 17 {
                return None;
            }
            let mounts = (0..n)
                .map(|_| {
                    let (source, dest, mode, propagation) =
                        (d.str()?, d.str()?, d.str()?, d.str()?);
                    Some(crate::meta::Mount {
                        source: source.to_string(),
                        dest: dest.to_string(),
                        mode: mode.to_string(),
                        propagation: propagation.to_string(),
                        rdwr: d.u8()? != 0,
                    })
                })
                .collect::<Option<Vec<_>>>()?;
            Snapshot::Container(Arc::new(crate::meta::ContainerMeta {
                id,
                name,
                image,
                image_id,
                privileged: flags & 1 != 0,
                host_pid: flags & 2 != 0,
                host_network: flags & 4 != 0,
                host_ipc: flags & 8 != 0,
                pod_name,
                pod_namespace,
                pod_uid,
                pod_ip,
                pod_labels,
                runtime,
                mounts,
            }))
        }
        KIND_DNS => {
            let name = d.str()?;
            let n = d.u32()? as usize;
            // Each address takes at least 5 bytes.
            if n > b.len() / 5 {
                return None;
            }
            let addrs = (0..n).map(|_| d.ip()).collect::<Option<Vec<_>>>()?;
            Snapshot::Dns { name, addrs }
        }
        _ => return None,
    };
    d.done().then_some(s)
}
