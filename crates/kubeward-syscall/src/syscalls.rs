//! The syscalls this source captures (x86_64 ids): for each, its Falco event type name
//! (`evt.type`), what the probe reads ([`Spec`], written into the kernel's id table) and
//! the parameters of Falco's exit event of that type (names, types, where each value
//! comes from), which `evt.arg.*`, `evt.arg[N]`, `evt.rawarg.*` and `evt.args` render.
//!
//! The spec of a syscall is fixed per recording format version: a recorded SYSCALL
//! record is decoded with the spec of its id (see `record.rs`).

use crate::abi::{
    SPEC_ADDR, SPEC_BLOB, SPEC_ENTER, SPEC_MSGHDR, SPEC_SKIP_SUCCESS, SPEC_SOCK_ARG0,
    SPEC_SOCK_RES, Spec,
};
use crate::flags::{self, Table};

/// How a parameter is typed and rendered (libsinsp's `PT_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PType {
    /// A return value: number, resolved to the errno name when negative.
    Errno,
    /// An fd: number, resolved to `<typechar>name` from the fd table.
    Fd,
    /// A process id, resolved to its `comm`.
    Pid,
    /// A path, resolved against the thread's cwd.
    FsPath,
    /// A path, resolved against the dir fd in raw arg `.0` (or the cwd).
    FsRelPath(u8),
    /// Text, shown as is.
    CharBuf,
    /// Raw bytes (not captured: shown empty).
    ByteBuf,
    /// `PT_FLAGS32`: a bit set, rendered as the names of the table's bits that are set.
    Flags(Table),
    /// `PT_ENUMFLAGS32`: one value, rendered as the table's name for exactly that value.
    EnumFlags(Table),
    /// `PT_MODE`: file mode bits, raw in octal, rendered as the table's names.
    Mode(Table),
    /// `PT_UINT32`, decimal.
    U32Dec,
    /// `PT_UINT32` shown in hexadecimal.
    U32Hex,
    /// `PT_UINT32` shown in octal.
    U32Oct,
    /// `PT_UINT64`, decimal.
    U64Dec,
    /// `PT_UINT64` shown in hexadecimal.
    U64Hex,
    /// `PT_INT32`, decimal.
    I32Dec,
    /// `PT_UID`: a user id, resolved to its name (`-1`/`<NONE>` for an unset id).
    Uid,
    /// `PT_GID`: a group id, resolved to its name (`-1`/`<NONE>` for an unset id).
    Gid,
    /// `PT_SOCKADDR`: a socket address, `ip:port` or a unix path.
    SockAddr,
    /// `PT_SOCKTUPLE`: a connection's `cip:cport->sip:sport` tuple.
    SockTuple,
}

/// Where a parameter's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Src {
    /// The syscall's return value.
    Res,
    /// Raw syscall argument `.0` (0-based).
    Arg(u8),
    /// The user string captured for arg `.0`.
    Str(u8),
    /// Open flags from arg `.0`, converted to Falco's.
    OpenFlags(u8),
    /// Open mode from flags arg `.0` and mode arg `.1`.
    OpenMode(u8, u8),
    /// openat2's `struct open_how` fields.
    HowFlags,
    /// openat2: `open_how.mode`, converted to Falco's mode bits.
    HowMode,
    /// openat2: `open_how.resolve`, converted to Falco's `RESOLVE_*` flags.
    HowResolve,
    /// `creat`: flags are implied, mode is arg 1.
    CreatMode,
    /// `ptrace`'s request (arg 0), converted to Falco's `PPM_PTRACE_*` value.
    PtraceRequest,
    /// Clone flags from arg `.0`, converted to Falco's `PPM_CL_*` bits.
    CloneFlags(u8),
    /// Mount flags from arg `.0`, converted to Falco's.
    MountFlags(u8),
    /// `unlinkat` flags from arg `.0`, converted to Falco's.
    UnlinkatFlags(u8),
    /// `linkat` flags from arg `.0`, converted to Falco's.
    LinkatFlags(u8),
    /// The socket address captured (connect/bind/sendto/sendmsg).
    Addr,
    /// The socket tuple read from the kernel.
    Tuple,
    /// capset's user data: 0 inheritable, 1 permitted, 2 effective.
    CapsetData(u8),
    /// A value from the thread's state after the event (exec/clone events).
    Thread(ThreadParam),
    /// Not captured: the parameter exists but is empty (`NULL` in `evt.args`).
    Empty,
}

/// Exec/clone parameters taken from the thread table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadParam {
    /// `exe`: `argv[0]`.
    Exe,
    /// `args`: the arguments after `argv[0]`.
    Args,
    /// `tid`: the thread id.
    Tid,
    /// `pid`: the process id.
    Pid,
    /// `ptid`: the parent's process id.
    Ptid,
    /// `cwd`: the current working directory.
    Cwd,
    /// `comm`: the process name.
    Comm,
    /// `cgroups`: the process's cgroups.
    Cgroups,
    /// `tty`: the controlling terminal.
    Tty,
    /// `vpgid`: the process group id in the pid namespace.
    Vpgid,
    /// `loginuid`: the audit login uid.
    Loginuid,
    /// `flags`: Falco's `PPM_EXE_*` bits about the executable.
    ExeFlags,
    /// `cap_inheritable`: the inheritable capability set.
    CapInheritable,
    /// `cap_permitted`: the permitted capability set.
    CapPermitted,
    /// `cap_effective`: the effective capability set.
    CapEffective,
    /// `exe_ino`: the executable's inode number.
    ExeIno,
    /// `exe_ino_ctime`: the executable inode's change time.
    ExeCtime,
    /// `exe_ino_mtime`: the executable inode's modification time.
    ExeMtime,
    /// `uid`: the user id.
    Uid,
    /// `gid`: the group id.
    Gid,
    /// `trusted_exepath`: the executable's path, from the kernel.
    TrustedExepath,
    /// `filename`: the path given to execve.
    Filename,
    /// `vtid`: the thread id in the pid namespace.
    Vtid,
    /// `vpid`: the process id in the pid namespace.
    Vpid,
    /// `pidns_init_start_ts`: when the pid namespace's init started.
    PidnsInitStart,
}

/// One parameter of an event, as Falco's event table declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// The parameter's name, as `evt.arg.<name>` reads it.
    pub name: &'static str,
    /// How it is typed and rendered.
    pub ty: PType,
    /// Where its value comes from.
    pub src: Src,
}

const fn p(name: &'static str, ty: PType, src: Src) -> Param {
    Param { name, ty, src }
}

/// How an event relates to file descriptors (libsinsp's `EF_USES_FD`/`EF_CREATES_FD`):
/// which fd its `fd.*` fields describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FdUse {
    /// The event has no fd.
    None,
    /// The fd returned (on success).
    Creates,
    /// The fd in arg `.0`.
    Uses(u8),
}

/// What the state does with the event (libsinsp's parsers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The state is not changed.
    None,
    /// An open-family call: the fd returned is a file.
    Open,
    /// `creat`: the fd returned is a file.
    Creat,
    /// `socket`: the fd returned is a socket.
    Socket,
    /// `connect`: the socket gets its tuple.
    Connect,
    /// `accept`: the fd returned is a connected socket.
    Accept,
    /// `bind`: the socket gets its local address.
    Bind,
    /// `sendto`/`sendmsg`: a UDP socket gets its peer.
    SendTo,
    /// `close`: the fd is removed.
    Close,
    /// `close_range`: a range of fds is removed.
    CloseRange,
    /// `dup`-family: the new fd copies the old one.
    Dup,
    /// `chdir`: the cwd changes to a path.
    Chdir,
    /// `fchdir`: the cwd changes to an fd's directory.
    Fchdir,
    /// `setuid`: the user id changes.
    SetUid,
    /// `setgid`: the group id changes.
    SetGid,
    /// `setreuid`: the user ids change.
    SetReUid,
    /// `setregid`: the group ids change.
    SetReGid,
    /// `setresuid`: the user ids change.
    SetResUid,
    /// `setresgid`: the group ids change.
    SetResGid,
    /// `capset`: the capability sets change.
    Capset,
    /// `memfd_create`: the fd returned is a memfd.
    Memfd,
    /// An exec: the thread's process state is replaced.
    Exec,
    /// `clone`/`fork`/`vfork`: a new thread or process.
    Clone,
}

/// One captured syscall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Syscall {
    /// The x86_64 syscall id.
    pub nr: u16,
    /// Falco's event type name (`evt.type`).
    pub name: &'static str,
    /// What the probe captures for it.
    pub spec: Spec,
    /// The parameters of Falco's exit event, in order.
    pub params: &'static [Param],
    /// Which fd the `fd.*` fields describe.
    pub fd: FdUse,
    /// What the state does with the event.
    pub effect: Effect,
}

const fn spec(flags: u16, str_mask: u8) -> Spec {
    Spec {
        flags,
        str_mask,
        enter_arg: 0,
        addr_arg: 0,
        addr_len_arg: 0,
        blob_arg: 0,
        blob_len: 0,
    }
}

const fn spec_enter(str_mask: u8, enter_arg: u8) -> Spec {
    Spec {
        flags: SPEC_ENTER,
        str_mask,
        enter_arg,
        addr_arg: 0,
        addr_len_arg: 0,
        blob_arg: 0,
        blob_len: 0,
    }
}

const fn spec_addr(flags: u16, addr_arg: u8, addr_len_arg: u8) -> Spec {
    Spec {
        flags: flags | SPEC_ADDR,
        str_mask: 0,
        enter_arg: addr_arg,
        addr_arg,
        addr_len_arg,
        blob_arg: 0,
        blob_len: 0,
    }
}

const fn spec_blob(flags: u16, str_mask: u8, blob_arg: u8, blob_len: u8) -> Spec {
    Spec {
        flags: flags | SPEC_BLOB,
        str_mask,
        enter_arg: 1,
        addr_arg: 0,
        addr_len_arg: 0,
        blob_arg,
        blob_len,
    }
}

use PType::*;
use Src::*;
use ThreadParam as T;

const RES: Param = p("res", Errno, Res);
const FD_RES: Param = p("fd", Fd, Res);

const OPEN: &[Param] = &[
    FD_RES,
    p("name", FsPath, Str(0)),
    p("flags", Flags(flags::FILE_FLAGS), OpenFlags(1)),
    p("mode", U32Oct, OpenMode(1, 2)),
    p("dev", U32Hex, Empty),
    p("ino", U64Dec, Empty),
];
const OPENAT: &[Param] = &[
    FD_RES,
    p("dirfd", Fd, Arg(0)),
    p("name", FsRelPath(0), Str(1)),
    p("flags", Flags(flags::FILE_FLAGS), OpenFlags(2)),
    p("mode", U32Oct, OpenMode(2, 3)),
    p("dev", U32Hex, Empty),
    p("ino", U64Dec, Empty),
];
const OPENAT2: &[Param] = &[
    FD_RES,
    p("dirfd", Fd, Arg(0)),
    p("name", FsRelPath(0), Str(1)),
    p("flags", Flags(flags::FILE_FLAGS), HowFlags),
    p("mode", U32Oct, HowMode),
    p("resolve", Flags(flags::OPENAT2_FLAGS), HowResolve),
    p("dev", U32Hex, Empty),
    p("ino", U64Dec, Empty),
];
const CREAT: &[Param] = &[
    FD_RES,
    p("name", FsPath, Str(0)),
    p("mode", U32Oct, CreatMode),
    p("dev", U32Hex, Empty),
    p("ino", U64Dec, Empty),
];
const CLOSE: &[Param] = &[RES, p("fd", Fd, Arg(0))];
const CLOSE_RANGE: &[Param] = &[
    RES,
    p("fd", Fd, Arg(0)),
    p("max_fd", U32Dec, Arg(1)),
    p("flags", U32Hex, Arg(2)),
];
const SOCKET: &[Param] = &[
    FD_RES,
    p("domain", EnumFlags(flags::SOCKET_FAMILIES), Arg(0)),
    p("type", U32Dec, Arg(1)),
    p("proto", U32Dec, Arg(2)),
];
const CONNECT: &[Param] = &[
    RES,
    p("tuple", SockTuple, Tuple),
    p("fd", Fd, Arg(0)),
    p("addr", SockAddr, Addr),
];
const ACCEPT: &[Param] = &[
    FD_RES,
    p("tuple", SockTuple, Tuple),
    p("queuepct", U32Dec, Empty),
    p("queuelen", U32Dec, Empty),
    p("queuemax", U32Dec, Empty),
];
const ACCEPT4: &[Param] = &[
    FD_RES,
    p("tuple", SockTuple, Tuple),
    p("queuepct", U32Dec, Empty),
    p("queuelen", U32Dec, Empty),
    p("queuemax", U32Dec, Empty),
    p("flags", I32Dec, Arg(3)),
];
const BIND: &[Param] = &[RES, p("addr", SockAddr, Addr), p("fd", Fd, Arg(0))];
const LISTEN: &[Param] = &[RES, p("fd", Fd, Arg(0)), p("backlog", I32Dec, Arg(1))];
const SENDTO: &[Param] = &[
    RES,
    p("data", ByteBuf, Empty),
    p("fd", Fd, Arg(0)),
    p("size", U32Dec, Arg(2)),
    p("tuple", SockTuple, Tuple),
];
const RECVFROM: &[Param] = &[
    RES,
    p("data", ByteBuf, Empty),
    p("tuple", SockTuple, Tuple),
    p("fd", Fd, Arg(0)),
    p("size", U32Dec, Arg(2)),
];
const RECVMSG: &[Param] = &[
    RES,
    p("size", U32Dec, Empty),
    p("data", ByteBuf, Empty),
    p("tuple", SockTuple, Tuple),
    p("msgcontrol", ByteBuf, Empty),
    p("fd", Fd, Arg(0)),
];
const DUP: &[Param] = &[p("res", Fd, Res), p("oldfd", Fd, Arg(0))];
const DUP2: &[Param] = &[
    p("res", Fd, Res),
    p("oldfd", Fd, Arg(0)),
    p("newfd", Fd, Arg(1)),
];
const DUP3: &[Param] = &[
    p("res", Fd, Res),
    p("oldfd", Fd, Arg(0)),
    p("newfd", Fd, Arg(1)),
    p("flags", Flags(flags::FILE_FLAGS), OpenFlags(2)),
];
const CHDIR: &[Param] = &[RES, p("path", CharBuf, Str(0))];
const FCHDIR: &[Param] = &[RES, p("fd", Fd, Arg(0))];
const MKDIR: &[Param] = &[RES, p("path", FsPath, Str(0)), p("mode", U32Hex, Arg(1))];
const MKDIRAT: &[Param] = &[
    RES,
    p("dirfd", Fd, Arg(0)),
    p("path", FsRelPath(0), Str(1)),
    p("mode", U32Hex, Arg(2)),
];
const PATH1: &[Param] = &[RES, p("path", FsPath, Str(0))];
const UNLINKAT: &[Param] = &[
    RES,
    p("dirfd", Fd, Arg(0)),
    p("name", FsRelPath(0), Str(1)),
    p("flags", Flags(flags::UNLINKAT_FLAGS), UnlinkatFlags(2)),
];
const RENAME: &[Param] = &[
    RES,
    p("oldpath", FsPath, Str(0)),
    p("newpath", FsPath, Str(1)),
];
const RENAMEAT: &[Param] = &[
    RES,
    p("olddirfd", Fd, Arg(0)),
    p("oldpath", FsRelPath(0), Str(1)),
    p("newdirfd", Fd, Arg(2)),
    p("newpath", FsRelPath(2), Str(3)),
];
const RENAMEAT2: &[Param] = &[
    RES,
    p("olddirfd", Fd, Arg(0)),
    p("oldpath", FsRelPath(0), Str(1)),
    p("newdirfd", Fd, Arg(2)),
    p("newpath", FsRelPath(2), Str(3)),
    p("flags", Flags(flags::RENAMEAT2_FLAGS), Arg(4)),
];
const SYMLINK: &[Param] = &[
    RES,
    p("target", CharBuf, Str(0)),
    p("linkpath", FsPath, Str(1)),
];
const SYMLINKAT: &[Param] = &[
    RES,
    p("target", CharBuf, Str(0)),
    p("linkdirfd", Fd, Arg(1)),
    p("linkpath", FsRelPath(1), Str(2)),
];
const LINK: &[Param] = &[
    RES,
    p("oldpath", FsPath, Str(0)),
    p("newpath", FsPath, Str(1)),
];
const LINKAT: &[Param] = &[
    RES,
    p("olddir", Fd, Arg(0)),
    p("oldpath", FsRelPath(0), Str(1)),
    p("newdir", Fd, Arg(2)),
    p("newpath", FsRelPath(2), Str(3)),
    p("flags", Flags(flags::LINKAT_FLAGS), LinkatFlags(4)),
];
const CHMOD: &[Param] = &[
    RES,
    p("filename", FsPath, Str(0)),
    p("mode", Mode(flags::CHMOD_MODE), Arg(1)),
];
const FCHMOD: &[Param] = &[
    RES,
    p("fd", Fd, Arg(0)),
    p("mode", Mode(flags::CHMOD_MODE), Arg(1)),
];
const FCHMODAT: &[Param] = &[
    RES,
    p("dirfd", Fd, Arg(0)),
    p("filename", FsRelPath(0), Str(1)),
    p("mode", Mode(flags::CHMOD_MODE), Arg(2)),
];
const PTRACE: &[Param] = &[
    RES,
    p("addr", U64Hex, Arg(2)),
    p("data", U64Hex, Arg(3)),
    p("request", Flags(flags::PTRACE_REQUESTS), PtraceRequest),
    p("pid", Pid, Arg(1)),
];
const SETUID: &[Param] = &[RES, p("uid", Uid, Arg(0))];
const SETGID: &[Param] = &[RES, p("gid", Gid, Arg(0))];
const SETREUID: &[Param] = &[RES, p("ruid", Uid, Arg(0)), p("euid", Uid, Arg(1))];
const SETREGID: &[Param] = &[RES, p("rgid", Gid, Arg(0)), p("egid", Gid, Arg(1))];
const SETRESUID: &[Param] = &[
    RES,
    p("ruid", Uid, Arg(0)),
    p("euid", Uid, Arg(1)),
    p("suid", Uid, Arg(2)),
];
const SETRESGID: &[Param] = &[
    RES,
    p("rgid", Gid, Arg(0)),
    p("egid", Gid, Arg(1)),
    p("sgid", Gid, Arg(2)),
];
const CAPSET: &[Param] = &[
    RES,
    p("cap_inheritable", U64Hex, CapsetData(0)),
    p("cap_permitted", U64Hex, CapsetData(1)),
    p("cap_effective", U64Hex, CapsetData(2)),
];
const MOUNT: &[Param] = &[
    RES,
    p("dev", FsPath, Str(0)),
    p("dir", FsPath, Str(1)),
    p("type", CharBuf, Str(2)),
    p("flags", Flags(flags::MOUNT_FLAGS), MountFlags(3)),
];
const INIT_MODULE: &[Param] = &[
    RES,
    p("img", ByteBuf, Empty),
    p("length", U64Dec, Arg(1)),
    p("uargs", CharBuf, Str(2)),
];
const FINIT_MODULE: &[Param] = &[
    RES,
    p("fd", Fd, Arg(0)),
    p("uargs", CharBuf, Str(1)),
    p("flags", U32Hex, Arg(2)),
];
const MEMFD_CREATE: &[Param] = &[
    FD_RES,
    p("name", CharBuf, Str(0)),
    p("flags", Flags(flags::MEMFD_CREATE_FLAGS), Arg(1)),
];
const UNSHARE: &[Param] = &[RES, p("flags", Flags(flags::CLONE_FLAGS), CloneFlags(0))];
const SETNS: &[Param] = &[
    RES,
    p("fd", Fd, Arg(0)),
    p("nstype", Flags(flags::CLONE_FLAGS), CloneFlags(1)),
];
const BPF: &[Param] = &[p("fd", Fd, Res), p("cmd", I32Dec, Arg(0))];
const USERFAULTFD: &[Param] = &[p("res", Errno, Res), p("flags", U32Hex, Arg(0))];
/// An execve or clone exit event's parameters: its result, the new thread's identity
/// as libsinsp lays out both events (one list, so the two cannot drift apart), then
/// what is particular to each.
macro_rules! thread_params {
    ($res:expr; $($rest:expr),* $(,)?) => {
        &[
            $res,
            p("exe", CharBuf, Thread(T::Exe)), p("args", CharBuf, Thread(T::Args)),
            p("tid", Pid, Thread(T::Tid)), p("pid", Pid, Thread(T::Pid)), p("ptid", Pid, Thread(T::Ptid)),
            p("cwd", CharBuf, Thread(T::Cwd)),
            p("fdlimit", U64Dec, Empty), p("pgft_maj", U64Dec, Empty), p("pgft_min", U64Dec, Empty),
            p("vm_size", U32Dec, Empty), p("vm_rss", U32Dec, Empty), p("vm_swap", U32Dec, Empty),
            p("comm", CharBuf, Thread(T::Comm)), p("cgroups", CharBuf, Thread(T::Cgroups)),
            $($rest),*
        ]
    };
}
const EXECVE: &[Param] = thread_params![
    RES;
    p("env", CharBuf, Empty),
    p("tty", U32Dec, Thread(T::Tty)),
    p("vpgid", Pid, Thread(T::Vpgid)),
    p("loginuid", Uid, Thread(T::Loginuid)),
    p("flags", Flags(flags::EXECVE_FLAGS), Thread(T::ExeFlags)),
    p("cap_inheritable", U64Hex, Thread(T::CapInheritable)),
    p("cap_permitted", U64Hex, Thread(T::CapPermitted)),
    p("cap_effective", U64Hex, Thread(T::CapEffective)),
    p("exe_ino", U64Dec, Thread(T::ExeIno)),
    p("exe_ino_ctime", U64Dec, Thread(T::ExeCtime)),
    p("exe_ino_mtime", U64Dec, Thread(T::ExeMtime)),
    p("uid", Uid, Thread(T::Uid)),
    p("trusted_exepath", FsPath, Thread(T::TrustedExepath)),
    p("pgid", Pid, Empty),
    p("gid", Gid, Thread(T::Gid)),
    p("filename", FsPath, Thread(T::Filename)),
];
const CLONE: &[Param] = thread_params![
    p("res", Pid, Res);
    p("flags", Flags(flags::CLONE_FLAGS), CloneFlags(0)),
    p("uid", Uid, Thread(T::Uid)),
    p("gid", Gid, Thread(T::Gid)),
    p("vtid", Pid, Thread(T::Vtid)),
    p("vpid", Pid, Thread(T::Vpid)),
    p("pidns_init_start_ts", U64Dec, Thread(T::PidnsInitStart)),
];

const S0: u8 = 1;
const S1: u8 = 1 << 1;
const S2: u8 = 1 << 2;
const S3: u8 = 1 << 3;

const fn sc(
    nr: u16,
    name: &'static str,
    spec: Spec,
    params: &'static [Param],
    fd: FdUse,
    effect: Effect,
) -> Syscall {
    Syscall {
        nr,
        name,
        spec,
        params,
        fd,
        effect,
    }
}

/// Every captured syscall, by x86_64 id.
#[rustfmt::skip]
pub static SYSCALLS: &[Syscall] = &[
    // nr, evt.type, what the probe reads, exit parameters, fd use, effect on the state
    sc(2,   "open",         spec_enter(S0, 0),                            OPEN,         FdUse::Creates, Effect::Open),
    sc(3,   "close",        spec(0, 0),                                   CLOSE,        FdUse::Uses(0), Effect::Close),
    sc(32,  "dup",          spec(0, 0),                                   DUP,          FdUse::Uses(0), Effect::Dup),
    sc(33,  "dup2",         spec(0, 0),                                   DUP2,         FdUse::Uses(0), Effect::Dup),
    sc(41,  "socket",       spec(SPEC_SOCK_RES, 0),                       SOCKET,       FdUse::Creates, Effect::Socket),
    sc(42,  "connect",      spec_addr(SPEC_ENTER | SPEC_SOCK_ARG0, 1, 2), CONNECT,      FdUse::Uses(0), Effect::Connect),
    sc(43,  "accept",       spec(SPEC_SOCK_RES, 0),                       ACCEPT,       FdUse::Creates, Effect::Accept),
    sc(44,  "sendto",       spec_addr(SPEC_SOCK_ARG0, 4, 5),              SENDTO,       FdUse::Uses(0), Effect::SendTo),
    sc(45,  "recvfrom",     spec_blob(SPEC_SOCK_ARG0, 0, 1, 64), RECVFROM, FdUse::Uses(0), Effect::None),
    sc(46,  "sendmsg",      spec(SPEC_SOCK_ARG0 | SPEC_MSGHDR, 0),        SENDTO,       FdUse::Uses(0), Effect::SendTo),
    sc(47,  "recvmsg",      spec(SPEC_SOCK_ARG0, 0),                      RECVMSG,      FdUse::Uses(0), Effect::None),
    sc(49,  "bind",         spec_addr(SPEC_SOCK_ARG0, 1, 2),              BIND,         FdUse::Uses(0), Effect::Bind),
    sc(50,  "listen",       spec(0, 0),                                   LISTEN,       FdUse::Uses(0), Effect::None),
    sc(56,  "clone",        spec(0, 0),                                   CLONE,        FdUse::None,    Effect::Clone),
    sc(57,  "fork",         spec(0, 0),                                   CLONE,        FdUse::None,    Effect::Clone),
    sc(58,  "vfork",        spec(0, 0),                                   CLONE,        FdUse::None,    Effect::Clone),
    sc(59,  "execve",       spec(SPEC_SKIP_SUCCESS, S0),                  EXECVE,       FdUse::None,    Effect::Exec),
    sc(80,  "chdir",        spec(0, S0),                                  CHDIR,        FdUse::None,    Effect::Chdir),
    sc(81,  "fchdir",       spec(0, 0),                                   FCHDIR,       FdUse::Uses(0), Effect::Fchdir),
    sc(82,  "rename",       spec(0, S0 | S1),                             RENAME,       FdUse::None,    Effect::None),
    sc(83,  "mkdir",        spec(0, S0),                                  MKDIR,        FdUse::None,    Effect::None),
    sc(84,  "rmdir",        spec(0, S0),                                  PATH1,        FdUse::None,    Effect::None),
    sc(85,  "creat",        spec_enter(S0, 0),                            CREAT,        FdUse::Creates, Effect::Creat),
    sc(86,  "link",         spec(0, S0 | S1),                             LINK,         FdUse::None,    Effect::None),
    sc(87,  "unlink",       spec(0, S0),                                  PATH1,        FdUse::None,    Effect::None),
    sc(88,  "symlink",      spec(0, S0 | S1),                             SYMLINK,      FdUse::None,    Effect::None),
    sc(90,  "chmod",        spec(0, S0),                                  CHMOD,        FdUse::None,    Effect::None),
    sc(91,  "fchmod",       spec(0, 0),                                   FCHMOD,       FdUse::Uses(0), Effect::None),
    sc(101, "ptrace",       spec(0, 0),                                   PTRACE,       FdUse::None,    Effect::None),
    sc(105, "setuid",       spec(0, 0),                                   SETUID,       FdUse::None,    Effect::SetUid),
    sc(106, "setgid",       spec(0, 0),                                   SETGID,       FdUse::None,    Effect::SetGid),
    sc(113, "setreuid",     spec(0, 0),                                   SETREUID,     FdUse::None,    Effect::SetReUid),
    sc(114, "setregid",     spec(0, 0),                                   SETREGID,     FdUse::None,    Effect::SetReGid),
    sc(117, "setresuid",    spec(0, 0),                                   SETRESUID,    FdUse::None,    Effect::SetResUid),
    sc(119, "setresgid",    spec(0, 0),                                   SETRESGID,    FdUse::None,    Effect::SetResGid),
    sc(126, "capset",       spec_blob(0, 0, 1, 24),                       CAPSET,       FdUse::None,    Effect::Capset),
    sc(165, "mount",        spec(0, S0 | S1 | S2),                        MOUNT,        FdUse::None,    Effect::None),
    sc(175, "init_module",  spec(0, S2),                                  INIT_MODULE,  FdUse::None,    Effect::None),
    sc(257, "openat",       spec_enter(S1, 1),                            OPENAT,       FdUse::Creates, Effect::Open),
    sc(258, "mkdirat",      spec(0, S1),                                  MKDIRAT,      FdUse::None,    Effect::None),
    sc(263, "unlinkat",     spec(0, S1),                                  UNLINKAT,     FdUse::None,    Effect::None),
    sc(264, "renameat",     spec(0, S1 | S3),                             RENAMEAT,     FdUse::None,    Effect::None),
    sc(265, "linkat",       spec(0, S1 | S3),                             LINKAT,       FdUse::None,    Effect::None),
    sc(266, "symlinkat",    spec(0, S0 | S2),                             SYMLINKAT,    FdUse::None,    Effect::None),
    sc(268, "fchmodat",     spec(0, S1),                                  FCHMODAT,     FdUse::None,    Effect::None),
    sc(272, "unshare",      spec(0, 0),                                   UNSHARE,      FdUse::None,    Effect::None),
    sc(288, "accept4",      spec(SPEC_SOCK_RES, 0),                       ACCEPT4,      FdUse::Creates, Effect::Accept),
    sc(292, "dup3",         spec(0, 0),                                   DUP3,         FdUse::Uses(0), Effect::Dup),
    sc(308, "setns",        spec(0, 0),                                   SETNS,        FdUse::Uses(0), Effect::None),
    sc(313, "finit_module", spec(0, S1),                                  FINIT_MODULE, FdUse::Uses(0), Effect::None),
    sc(316, "renameat2",    spec(0, S1 | S3),                             RENAMEAT2,    FdUse::None,    Effect::None),
    sc(319, "memfd_create", spec(0, S0),                                  MEMFD_CREATE, FdUse::Creates, Effect::Memfd),
    sc(321, "bpf",          spec(0, 0),                                   BPF,          FdUse::None,    Effect::None),
    sc(322, "execveat",     spec(SPEC_SKIP_SUCCESS, S1),                  EXECVE,       FdUse::None,    Effect::Exec),
    sc(323, "userfaultfd",  spec(0, 0),                                   USERFAULTFD,  FdUse::None,    Effect::None),
    sc(435, "clone3",       spec(0, 0),                                   CLONE,        FdUse::None,    Effect::Clone),
    sc(436, "close_range",  spec(0, 0),                                   CLOSE_RANGE,  FdUse::None,    Effect::CloseRange),
    sc(437, "openat2",      spec_blob(SPEC_ENTER, S1, 2, 24),             OPENAT2,      FdUse::Creates, Effect::Open),
];

/// The event types kept for the state whatever the rules need (libsinsp's parsers).
pub const STATE_TYPES: &[&str] = &[
    "open",
    "openat",
    "openat2",
    "creat",
    "close",
    "close_range",
    "socket",
    "connect",
    "accept",
    "accept4",
    "bind",
    "dup",
    "dup2",
    "dup3",
    "chdir",
    "fchdir",
    "setuid",
    "setgid",
    "setreuid",
    "setregid",
    "setresuid",
    "setresgid",
    "capset",
    "memfd_create",
    "execve",
    "execveat",
];

/// The syscall with this x86_64 id.
pub fn by_nr(nr: u16) -> Option<&'static Syscall> {
    SYSCALLS.iter().find(|s| s.nr == nr)
}

/// The syscall with this event type name.
pub fn by_name(name: &str) -> Option<&'static Syscall> {
    SYSCALLS.iter().find(|s| s.name == name)
}

/// A dense id → syscall index for the hot path.
pub fn index_by_nr() -> Vec<Option<&'static Syscall>> {
    let mut v = vec![None; crate::abi::MAX_SYSCALLS];
    for s in SYSCALLS {
        if let Some(slot) = v.get_mut(usize::from(s.nr)) {
            *slot = Some(s);
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_are_unique_and_in_range() {
        for (i, a) in SYSCALLS.iter().enumerate() {
            assert!(usize::from(a.nr) < crate::abi::MAX_SYSCALLS, "{}", a.name);
            for b in &SYSCALLS[i + 1..] {
                assert_ne!(a.nr, b.nr, "{} {}", a.name, b.name);
                assert_ne!(a.name, b.name);
            }
        }
        for t in STATE_TYPES {
            assert!(by_name(t).is_some(), "{t}");
        }
    }

    #[test]
    fn string_params_name_captured_args() {
        for s in SYSCALLS {
            for prm in s.params {
                if let Src::Str(i) = prm.src {
                    assert!(s.spec.str_mask & (1 << i) != 0, "{} {}", s.name, prm.name);
                }
                if let PType::FsRelPath(d) = prm.ty {
                    assert!(
                        s.params
                            .iter()
                            .any(|q| q.src == Src::Arg(d) && q.ty == PType::Fd),
                        "{} {}",
                        s.name,
                        prm.name
                    );
                }
            }
        }
    }
}
