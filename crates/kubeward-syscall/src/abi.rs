//! The probe's record layout (`bpf/event.h`), mirrored field for field, and the
//! committed probe object. `tests/abi.rs` checks every mirror against the object's BTF,
//! without root, so a change on one side that is not made on the other fails the tests.

/// The compiled, DWARF-stripped probe (`bpf/probe.bpf.o`, rebuilt by
/// `scripts/build-bpf.sh`; CI checks it is what `bpf/probe.bpf.c` builds to).
pub static PROBE_OBJECT: &[u8] = include_bytes!("../bpf/probe.bpf.o");

/// Record kind (`KW_KIND_SYSCALL`): a syscall's exit, with its arguments and result.
pub const KIND_SYSCALL: u16 = 1;
/// Record kind (`KW_KIND_EXEC`): a successful exec, with the process state after it.
pub const KIND_EXEC: u16 = 2;
/// Record kind (`KW_KIND_FORK`): a new task, with the child's process state.
pub const KIND_FORK: u16 = 3;
/// Record kind (`KW_KIND_EXIT`): a task exited.
pub const KIND_EXIT: u16 = 4;

/// The first string or address was read at syscall entry (TOCTOU mitigation).
pub const F_ENTER_CAPTURE: u16 = 0x1;
/// An exec not started by execve/execveat (a usermode helper started by the kernel).
pub const F_KERNEL_EXEC: u16 = 0x2;
/// A field did not fit and was cut or left empty.
pub const F_TRUNCATED: u16 = 0x4;

/// Falco's `PPM_EXE_*` flags, as the probe sets them.
pub const EXE_WRITABLE: u32 = 0x1;
/// `PPM_EXE_UPPER_LAYER`: the executable is in an overlayfs upper layer.
pub const EXE_UPPER_LAYER: u32 = 0x2;
/// `PPM_EXE_FROM_MEMFD`: the executable is a memfd.
pub const EXE_FROM_MEMFD: u32 = 0x4;
/// `PPM_EXE_LOWER_LAYER`: the executable is in an overlayfs lower layer.
pub const EXE_LOWER_LAYER: u32 = 0x8;

/// `KW_SPEC_ENABLED`: the syscall is captured at all.
pub const SPEC_ENABLED: u16 = 0x1;
/// `KW_SPEC_SKIP_SUCCESS`: success is not recorded here (`sched_process_exec` reports it instead).
pub const SPEC_SKIP_SUCCESS: u16 = 0x2;
/// `KW_SPEC_ENTER`: argument `enter_arg` is captured at syscall entry (TOCTOU mitigation).
pub const SPEC_ENTER: u16 = 0x4;
/// `KW_SPEC_SOCK_ARG0`: append the socket tuple of the fd in argument 0.
pub const SPEC_SOCK_ARG0: u16 = 0x8;
/// `KW_SPEC_SOCK_RES`: append the socket tuple of the fd returned.
pub const SPEC_SOCK_RES: u16 = 0x10;
/// `KW_SPEC_MSGHDR`: `sendmsg`: append `msg_name` of the msghdr in argument 1.
pub const SPEC_MSGHDR: u16 = 0x20;
/// `KW_SPEC_BLOB`: append `blob_len` bytes read at the user pointer in argument `blob_arg`.
pub const SPEC_BLOB: u16 = 0x40;
/// `KW_SPEC_ADDR`: append the sockaddr at argument `addr_arg`, its length in argument `addr_len_arg`.
pub const SPEC_ADDR: u16 = 0x80;

/// Syscall ids the probe's id table covers (x86_64 ids are below this).
pub const MAX_SYSCALLS: usize = 512;
/// The longest path the probe copies, in bytes (`KW_PATH_MAX`).
pub const PATH_MAX: usize = 4096;
/// The most of argv, and of the environment, the probe copies, in bytes (`KW_ARGS_MAX`).
pub const ARGS_MAX: usize = 4096;
/// The longest sockaddr the probe copies, in bytes (`KW_SOCKADDR_MAX`).
pub const SOCKADDR_MAX: usize = 128;
/// The most bytes a `KW_SPEC_BLOB` capture copies (`KW_BLOB_MAX`).
pub const BLOB_MAX: usize = 64;

/// `struct kw_spec`: what the dispatcher captures for one syscall id.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spec {
    /// `KW_SPEC_*` bits.
    pub flags: u16,
    /// Bit i set: argument i is a user-space string to copy.
    pub str_mask: u8,
    /// With `SPEC_ENTER`: the string or sockaddr argument read at entry.
    pub enter_arg: u8,
    /// With `SPEC_ADDR`: the argument holding the sockaddr pointer.
    pub addr_arg: u8,
    /// With `SPEC_ADDR`: the argument holding the sockaddr length.
    pub addr_len_arg: u8,
    /// With `SPEC_BLOB`: the argument holding the user pointer.
    pub blob_arg: u8,
    /// With `SPEC_BLOB`: how many bytes to copy, at most [`BLOB_MAX`].
    pub blob_len: u8,
}

impl Spec {
    /// The bytes the kernel map stores.
    pub fn to_bytes(self) -> [u8; 8] {
        let f = self.flags.to_le_bytes();
        [
            f[0],
            f[1],
            self.str_mask,
            self.enter_arg,
            self.addr_arg,
            self.addr_len_arg,
            self.blob_arg,
            self.blob_len,
        ]
    }
}

/// `struct kw_hdr`: every record starts with it.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hdr {
    /// CLOCK_BOOTTIME, ns.
    pub ts: u64,
    /// The record's total length in bytes, header included.
    pub len: u32,
    /// The record kind (`KIND_*`).
    pub kind: u16,
    /// The x86_64 syscall id, for SYSCALL and EXEC records.
    pub nr: u16,
    /// The thread group id (the process id, in the host's pid namespace).
    pub tgid: u32,
    /// The thread id (in the host's pid namespace).
    pub tid: u32,
    /// The syscall's return value (a negative errno on failure).
    pub res: i64,
    /// The syscall's six raw arguments.
    pub args: [u64; 6],
    /// How many variable fields follow (each a little-endian u16 length, then the bytes).
    pub nvar: u16,
    /// `F_*` bits.
    pub flags: u16,
    /// The CPU the record was written on.
    pub cpu: u32,
}

/// `struct kw_proc`: process state, in EXEC and FORK records.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Proc {
    /// The parent's process id (`real_parent`'s tgid).
    pub ppid: u32,
    /// The real user id.
    pub uid: u32,
    /// The real group id.
    pub gid: u32,
    /// The effective user id.
    pub euid: u32,
    /// The effective group id.
    pub egid: u32,
    /// The audit login uid (`u32::MAX` when unset).
    pub loginuid: u32,
    /// The controlling terminal's device number (0 when none).
    pub tty: u32,
    /// `EXE_*` bits about the executable.
    pub exe_flags: u32,
    /// The process id in its own pid namespace.
    pub vpid: u32,
    /// The thread id in its own pid namespace.
    pub vtid: u32,
    /// The session id.
    pub sid: u32,
    /// The process group id in the process's pid namespace.
    pub vpgid: u32,
    /// The inheritable capability set (bit n: capability n).
    pub cap_inheritable: u64,
    /// The permitted capability set (bit n: capability n).
    pub cap_permitted: u64,
    /// The effective capability set (bit n: capability n).
    pub cap_effective: u64,
    /// The executable's inode number.
    pub exe_ino: u64,
    /// Epoch ns.
    pub exe_ctime: u64,
    /// Epoch ns.
    pub exe_mtime: u64,
    /// CLOCK_BOOTTIME ns.
    pub start_ts: u64,
    /// CLOCK_BOOTTIME ns.
    pub pidns_init_start: u64,
}

/// `struct kw_sock`: a socket's addresses as the kernel keeps them.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sock {
    /// The address family, e.g. `AF_INET` (2) or `AF_INET6` (10).
    pub family: u16,
    /// The socket type (`SOCK_STREAM`, `SOCK_DGRAM`, …).
    pub sock_type: u16,
    /// The protocol (`IPPROTO_TCP`, `IPPROTO_UDP`, …).
    pub protocol: u16,
    /// Local port, host order.
    pub sport: u16,
    /// Remote port, network order.
    pub dport: u16,
    /// Padding; zero.
    pub pad: u16,
    /// The local address: the first 4 bytes for IPv4, all 16 for IPv6.
    pub saddr: [u8; 16],
    /// The remote address: the first 4 bytes for IPv4, all 16 for IPv6.
    pub daddr: [u8; 16],
}

/// Counter slots of `struct kw_stats` (per CPU).
pub mod stat {
    /// Syscall exits that passed the id filter.
    pub const SEEN: usize = 0;
    /// Records written to the ring buffer.
    pub const SENT: usize = 1;
    /// Records lost because the ring buffer was full.
    pub const DROPPED: usize = 2;
    /// ia32 (compat) syscalls skipped, not decoded.
    pub const COMPAT: usize = 3;
    /// Exits that found their entry-time capture.
    pub const ENTER_HIT: usize = 4;
    /// Exits whose entry-time capture was missing.
    pub const ENTER_MISS: usize = 5;
    /// Execs the probe saw.
    pub const EXEC: usize = 6;
    /// Task forks the probe saw.
    pub const FORK: usize = 7;
    /// Task exits the probe saw.
    pub const EXIT: usize = 8;
    /// Records sent with `F_TRUNCATED` set.
    pub const TRUNCATED: usize = 9;
    /// Number of counter slots in `struct kw_stats`.
    pub const COUNT: usize = 16;
}

/// Size of [`Hdr`] in bytes (88).
pub const HDR_SIZE: usize = std::mem::size_of::<Hdr>();
/// Size of [`Proc`] in bytes (112).
pub const PROC_SIZE: usize = std::mem::size_of::<Proc>();
/// Size of [`Sock`] in bytes (44).
pub const SOCK_SIZE: usize = std::mem::size_of::<Sock>();

const _: () = assert!(HDR_SIZE == 88);
const _: () = assert!(PROC_SIZE == 112);
const _: () = assert!(SOCK_SIZE == 44);
