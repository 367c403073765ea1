//! Decoding of the probe's records (`bpf/event.h`) into borrowed views. Any byte string
//! either decodes or gives a [`DecodeError`]: lengths are checked before every read, so
//! truncated, oversized or hostile records cannot panic or allocate (see the proptest in
//! `tests/decode.rs`).

use crate::abi::{
    HDR_SIZE, Hdr, KIND_EXEC, KIND_EXIT, KIND_FORK, KIND_SYSCALL, PROC_SIZE, Proc, SOCK_SIZE,
    SPEC_ADDR, SPEC_BLOB, SPEC_MSGHDR, SPEC_SOCK_ARG0, SPEC_SOCK_RES, Sock,
};
use crate::syscalls::{self, Syscall};

/// Why a record is not one the probe writes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The record is shorter than [`crate::abi::Hdr`]; holds its length.
    #[error("record of {0} bytes is shorter than its header")]
    Short(usize),
    /// The header's `len` differs from the bytes received.
    #[error("record length {stated} does not match the {actual} bytes received")]
    Length {
        /// The header's `len`.
        stated: u32,
        /// The bytes received.
        actual: usize,
    },
    /// The header's `kind` is not one of `KIND_*`; holds it.
    #[error("unknown record kind {0}")]
    Kind(u16),
    /// A SYSCALL or EXEC record names a syscall id this build does not capture; holds it.
    #[error("syscall id {0} is not one this version captures")]
    Syscall(u16),
    /// The header's `nvar` differs from the fields the kind (and spec) call for.
    #[error("record declares {declared} fields, its kind has {expected}")]
    FieldCount {
        /// The header's `nvar`.
        declared: u16,
        /// The fields the kind calls for.
        expected: usize,
    },
    /// Variable field number `.0` (0-based) runs past the end of the record.
    #[error("field {0} runs past the end of the record")]
    Field(usize),
    /// Bytes are left after the last field; holds how many.
    #[error("{0} bytes after the last field")]
    Trailing(usize),
    /// A socket field is not [`SOCK_SIZE`] bytes; holds its length.
    #[error("socket field of {0} bytes (expected {SOCK_SIZE})")]
    Sock(usize),
}

/// One decoded record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    /// The fixed header.
    pub hdr: Hdr,
    /// The kind-specific part.
    pub body: Body<'a>,
}

/// The kind-specific part of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body<'a> {
    /// A syscall exit (`KIND_SYSCALL`).
    Syscall(SyscallData<'a>),
    /// A successful exec (`KIND_EXEC`).
    Exec(ExecData<'a>),
    /// A new task (`KIND_FORK`).
    Fork(ForkData<'a>),
    /// A task exited (`KIND_EXIT`); the header says which.
    Exit,
}

/// A syscall exit: the probe's fields placed by argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyscallData<'a> {
    /// The syscall, from the header's id.
    pub syscall: &'static Syscall,
    /// The user string captured for each argument (NUL stripped).
    pub strs: [Option<&'a [u8]>; 6],
    /// The socket address (connect/bind/sendto/sendmsg).
    pub addr: Option<&'a [u8]>,
    /// Bytes read at a user pointer (`SPEC_BLOB`), when captured.
    pub blob: Option<&'a [u8]>,
    /// The socket tuple of the fd in argument 0 or returned (`SPEC_SOCK_ARG0`/`SPEC_SOCK_RES`), when captured.
    pub sock: Option<Sock>,
}

impl<'a> SyscallData<'a> {
    /// The user string captured for argument `arg`, if any.
    pub fn str(&self, arg: u8) -> Option<&'a [u8]> {
        self.strs.get(usize::from(arg)).copied().flatten()
    }
}

/// A successful exec (`sched_process_exec`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecData<'a> {
    /// The process state after the exec.
    pub proc: Proc,
    /// The path given to execve.
    pub filename: &'a [u8],
    /// The executable's full path, from the kernel.
    pub exepath: &'a [u8],
    /// argv as the kernel lays it out: NUL-terminated strings, argv[0] first.
    pub args: &'a [u8],
    /// The new `comm` (the process name).
    pub comm: &'a [u8],
    /// The process's cgroup path.
    pub cgroup: &'a [u8],
    /// The environment as the kernel lays it out: NUL-terminated `NAME=value` strings
    /// (empty in records of probes before it was captured).
    pub env: &'a [u8],
}

/// A new task (`sched_process_fork`): the header's ids are the child's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForkData<'a> {
    /// The child's process state.
    pub proc: Proc,
    /// The child's `comm`.
    pub comm: &'a [u8],
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    index: usize,
}

impl<'a> Reader<'a> {
    fn field(&mut self) -> Result<&'a [u8], DecodeError> {
        let err = DecodeError::Field(self.index);
        let len = self
            .buf
            .get(self.pos..self.pos + 2)
            .map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])))
            .ok_or(err.clone())?;
        let start = self.pos + 2;
        let f = self.buf.get(start..start + len).ok_or(err)?;
        self.pos = start + len;
        self.index += 1;
        Ok(f)
    }

    fn text(&mut self) -> Result<&'a [u8], DecodeError> {
        Ok(strip_nul(self.field()?))
    }
}

/// A C string field without its terminator (and anything after a NUL).
pub fn strip_nul(b: &[u8]) -> &[u8] {
    match b.iter().position(|&c| c == 0) {
        Some(i) => b.get(..i).unwrap_or(b),
        None => b,
    }
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2)
        .map_or(0, |s| u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8).map_or(0, |s| {
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        u64::from_le_bytes(a)
    })
}

/// Reads the fixed header (the caller has checked the length).
fn header(b: &[u8]) -> Hdr {
    let mut args = [0u64; 6];
    for (i, a) in args.iter_mut().enumerate() {
        *a = u64_at(b, 32 + 8 * i);
    }
    Hdr {
        ts: u64_at(b, 0),
        len: u32_at(b, 8),
        kind: u16_at(b, 12),
        nr: u16_at(b, 14),
        tgid: u32_at(b, 16),
        tid: u32_at(b, 20),
        res: u64_at(b, 24) as i64,
        args,
        nvar: u16_at(b, 80),
        flags: u16_at(b, 82),
        cpu: u32_at(b, 84),
    }
}

fn proc(b: &[u8]) -> Proc {
    let u = |i: usize| u32_at(b, 4 * i);
    let q = |i: usize| u64_at(b, 48 + 8 * i);
    Proc {
        ppid: u(0),
        uid: u(1),
        gid: u(2),
        euid: u(3),
        egid: u(4),
        loginuid: u(5),
        tty: u(6),
        exe_flags: u(7),
        vpid: u(8),
        vtid: u(9),
        sid: u(10),
        vpgid: u(11),
        cap_inheritable: q(0),
        cap_permitted: q(1),
        cap_effective: q(2),
        exe_ino: q(3),
        exe_ctime: q(4),
        exe_mtime: q(5),
        start_ts: q(6),
        pidns_init_start: q(7),
    }
}

fn sock(b: &[u8]) -> Result<Sock, DecodeError> {
    if b.len() != SOCK_SIZE {
        return Err(DecodeError::Sock(b.len()));
    }
    let mut saddr = [0u8; 16];
    let mut daddr = [0u8; 16];
    saddr.copy_from_slice(b.get(12..28).ok_or(DecodeError::Sock(b.len()))?);
    daddr.copy_from_slice(b.get(28..44).ok_or(DecodeError::Sock(b.len()))?);
    Ok(Sock {
        family: u16_at(b, 0),
        sock_type: u16_at(b, 2),
        protocol: u16_at(b, 4),
        sport: u16_at(b, 6),
        dport: u16_at(b, 8),
        pad: u16_at(b, 10),
        saddr,
        daddr,
    })
}

/// The number of variable fields a SYSCALL record of this syscall carries.
pub fn syscall_field_count(s: &Syscall) -> usize {
    let f = s.spec.flags;
    s.spec.str_mask.count_ones() as usize
        + usize::from(f & SPEC_ADDR != 0)
        + usize::from(f & SPEC_MSGHDR != 0)
        + usize::from(f & SPEC_BLOB != 0)
        + usize::from(f & (SPEC_SOCK_ARG0 | SPEC_SOCK_RES) != 0)
}

/// Decodes one record as the probe wrote it.
pub fn decode(buf: &[u8]) -> Result<Record<'_>, DecodeError> {
    if buf.len() < HDR_SIZE {
        return Err(DecodeError::Short(buf.len()));
    }
    let hdr = header(buf);
    if hdr.len as usize != buf.len() {
        return Err(DecodeError::Length {
            stated: hdr.len,
            actual: buf.len(),
        });
    }
    let expect = |n: usize| {
        if usize::from(hdr.nvar) == n {
            Ok(())
        } else {
            Err(DecodeError::FieldCount {
                declared: hdr.nvar,
                expected: n,
            })
        }
    };
    let proc_fields = || -> Result<(Proc, Reader<'_>), DecodeError> {
        let p = buf
            .get(HDR_SIZE..HDR_SIZE + PROC_SIZE)
            .ok_or(DecodeError::Short(buf.len()))?;
        Ok((
            proc(p),
            Reader {
                buf,
                pos: HDR_SIZE + PROC_SIZE,
                index: 0,
            },
        ))
    };
    let (body, end) = match hdr.kind {
        KIND_SYSCALL => {
            let s = syscalls::by_nr(hdr.nr).ok_or(DecodeError::Syscall(hdr.nr))?;
            expect(syscall_field_count(s))?;
            let mut r = Reader {
                buf,
                pos: HDR_SIZE,
                index: 0,
            };
            let mut d = SyscallData {
                syscall: s,
                strs: [None; 6],
                addr: None,
                blob: None,
                sock: None,
            };
            for (i, slot) in d.strs.iter_mut().enumerate() {
                if s.spec.str_mask & (1 << i) != 0 {
                    *slot = Some(r.text()?);
                }
            }
            let f = s.spec.flags;
            if f & SPEC_ADDR != 0 || f & SPEC_MSGHDR != 0 {
                d.addr = Some(r.field()?).filter(|a| !a.is_empty());
            }
            if f & SPEC_BLOB != 0 {
                d.blob = Some(r.field()?).filter(|a| !a.is_empty());
            }
            if f & (SPEC_SOCK_ARG0 | SPEC_SOCK_RES) != 0 {
                let b = r.field()?;
                if !b.is_empty() {
                    d.sock = Some(sock(b)?);
                }
            }
            (Body::Syscall(d), r.pos)
        }
        KIND_EXEC => {
            // The environment (the sixth field) came later; records without it decode.
            let with_env = hdr.nvar == 6;
            if !with_env {
                expect(5)?;
            }
            let (p, mut r) = proc_fields()?;
            let e = ExecData {
                proc: p,
                filename: r.text()?,
                exepath: r.text()?,
                args: r.field()?,
                comm: r.text()?,
                cgroup: r.text()?,
                env: if with_env { r.field()? } else { &[] },
            };
            (Body::Exec(e), r.pos)
        }
        KIND_FORK => {
            expect(1)?;
            let (p, mut r) = proc_fields()?;
            let f = ForkData {
                proc: p,
                comm: r.text()?,
            };
            (Body::Fork(f), r.pos)
        }
        KIND_EXIT => {
            expect(0)?;
            (Body::Exit, HDR_SIZE)
        }
        k => return Err(DecodeError::Kind(k)),
    };
    if end != buf.len() {
        return Err(DecodeError::Trailing(buf.len().saturating_sub(end)));
    }
    Ok(Record { hdr, body })
}

/// Builds records in the probe's layout, for tests, benches and synthetic replays.
pub mod build {
    use super::*;

    fn hdr_bytes(h: &Hdr, out: &mut Vec<u8>) {
        out.extend_from_slice(&h.ts.to_le_bytes());
        out.extend_from_slice(&h.len.to_le_bytes());
        out.extend_from_slice(&h.kind.to_le_bytes());
        out.extend_from_slice(&h.nr.to_le_bytes());
        out.extend_from_slice(&h.tgid.to_le_bytes());
        out.extend_from_slice(&h.tid.to_le_bytes());
        out.extend_from_slice(&h.res.to_le_bytes());
        for a in h.args {
            out.extend_from_slice(&a.to_le_bytes());
        }
        out.extend_from_slice(&h.nvar.to_le_bytes());
        out.extend_from_slice(&h.flags.to_le_bytes());
        out.extend_from_slice(&h.cpu.to_le_bytes());
    }

    fn proc_bytes(p: &Proc, out: &mut Vec<u8>) {
        for v in [
            p.ppid,
            p.uid,
            p.gid,
            p.euid,
            p.egid,
            p.loginuid,
            p.tty,
            p.exe_flags,
            p.vpid,
            p.vtid,
            p.sid,
            p.vpgid,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in [
            p.cap_inheritable,
            p.cap_permitted,
            p.cap_effective,
            p.exe_ino,
            p.exe_ctime,
            p.exe_mtime,
            p.start_ts,
            p.pidns_init_start,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }

    /// Serializes the socket field.
    pub fn sock_bytes(s: &Sock) -> Vec<u8> {
        let mut v = Vec::with_capacity(SOCK_SIZE);
        for x in [s.family, s.sock_type, s.protocol, s.sport, s.dport, s.pad] {
            v.extend_from_slice(&x.to_le_bytes());
        }
        v.extend_from_slice(&s.saddr);
        v.extend_from_slice(&s.daddr);
        v
    }

    fn finish(mut h: Hdr, proc: Option<&Proc>, fields: &[&[u8]]) -> Vec<u8> {
        let mut body = Vec::new();
        if let Some(p) = proc {
            proc_bytes(p, &mut body);
        }
        for f in fields {
            let n = u16::try_from(f.len()).unwrap_or(u16::MAX);
            body.extend_from_slice(&n.to_le_bytes());
            body.extend_from_slice(f.get(..usize::from(n)).unwrap_or(f));
        }
        h.nvar = u16::try_from(fields.len()).unwrap_or(u16::MAX);
        h.len = u32::try_from(HDR_SIZE + body.len()).unwrap_or(u32::MAX);
        let mut out = Vec::with_capacity(HDR_SIZE + body.len());
        hdr_bytes(&h, &mut out);
        out.extend_from_slice(&body);
        out
    }

    /// A string field as the probe writes it (with its NUL).
    pub fn cstr(s: &str) -> Vec<u8> {
        let mut v = s.as_bytes().to_vec();
        v.push(0);
        v
    }

    /// A SYSCALL record; `fields` in the order the syscall's spec defines.
    pub fn syscall(h: Hdr, fields: &[&[u8]]) -> Vec<u8> {
        finish(
            Hdr {
                kind: KIND_SYSCALL,
                ..h
            },
            None,
            fields,
        )
    }

    /// An EXEC record.
    pub fn exec(h: Hdr, p: &Proc, image: &ExecImage<'_>) -> Vec<u8> {
        let area = |strings: &[&str]| {
            let mut out = Vec::new();
            for s in strings {
                out.extend_from_slice(s.as_bytes());
                out.push(0);
            }
            out
        };
        finish(
            Hdr {
                kind: KIND_EXEC,
                ..h
            },
            Some(p),
            &[
                &cstr(image.filename),
                &cstr(image.exepath),
                &area(image.argv),
                &cstr(image.comm),
                &cstr(image.cgroup),
                &area(image.env),
            ],
        )
    }

    /// What an exec record carries besides the process state.
    #[derive(Debug, Clone, Copy, Default)]
    pub struct ExecImage<'a> {
        /// The path given to execve.
        pub filename: &'a str,
        /// The executable's full path.
        pub exepath: &'a str,
        /// argv, argv[0] first.
        pub argv: &'a [&'a str],
        /// The new comm.
        pub comm: &'a str,
        /// The cgroup path.
        pub cgroup: &'a str,
        /// `NAME=value` entries.
        pub env: &'a [&'a str],
    }

    /// A FORK record (header ids are the child's).
    pub fn fork(h: Hdr, p: &Proc, comm: &str) -> Vec<u8> {
        finish(
            Hdr {
                kind: KIND_FORK,
                ..h
            },
            Some(p),
            &[&cstr(comm)],
        )
    }

    /// An EXIT record.
    pub fn exit(h: Hdr) -> Vec<u8> {
        finish(
            Hdr {
                kind: KIND_EXIT,
                ..h
            },
            None,
            &[],
        )
    }
}
