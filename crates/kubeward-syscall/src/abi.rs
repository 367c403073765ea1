//! The probe's record layout (`bpf/event.h`), mirrored field for field, and the
//! committed probe object. `tests/abi.rs` checks every mirror against the object's BTF,
//! without root, so a change on one side that is not made on the other fails the tests.

/// The compiled, DWARF-stripped probe (`bpf/probe.bpf.o`, rebuilt by
/// `scripts/build-bpf.sh`; CI checks it is what `bpf/probe.bpf.c` builds to).
pub static PROBE_OBJECT: &[u8] = include_bytes!("../bpf/probe.bpf.o");

pub const KIND_SYSCALL: u16 = 1;
pub const KIND_EXEC: u16 = 2;
pub const KIND_FORK: u16 = 3;
pub const KIND_EXIT: u16 = 4;

/// The first string or address was read at syscall entry (TOCTOU mitigation).
pub const F_ENTER_CAPTURE: u16 = 0x1;
/// An exec not started by execve/execveat (a usermode helper started by the kernel).
pub const F_KERNEL_EXEC: u16 = 0x2;
/// A field did not fit and was cut or left empty.
pub const F_TRUNCATED: u16 = 0x4;

/// Falco's `PPM_EXE_*` flags, as the probe sets them.
pub const EXE_WRITABLE: u32 = 0x1;
pub const EXE_UPPER_LAYER: u32 = 0x2;
pub const EXE_FROM_MEMFD: u32 = 0x4;
pub const EXE_LOWER_LAYER: u32 = 0x8;

pub const SPEC_ENABLED: u16 = 0x1;
pub const SPEC_SKIP_SUCCESS: u16 = 0x2;
pub const SPEC_ENTER: u16 = 0x4;
pub const SPEC_SOCK_ARG0: u16 = 0x8;
pub const SPEC_SOCK_RES: u16 = 0x10;
pub const SPEC_MSGHDR: u16 = 0x20;
pub const SPEC_BLOB: u16 = 0x40;
pub const SPEC_ADDR: u16 = 0x80;

/// Syscall ids the probe's id table covers (x86_64 ids are below this).
pub const MAX_SYSCALLS: usize = 512;
pub const PATH_MAX: usize = 4096;
pub const SOCKADDR_MAX: usize = 128;
pub const BLOB_MAX: usize = 64;

/// `struct kw_spec`: what the dispatcher captures for one syscall id.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spec {
    pub flags: u16,
    pub str_mask: u8,
    pub enter_arg: u8,
    pub addr_arg: u8,
    pub addr_len_arg: u8,
    pub blob_arg: u8,
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
    pub len: u32,
    pub kind: u16,
    pub nr: u16,
    pub tgid: u32,
    pub tid: u32,
    pub res: i64,
    pub args: [u64; 6],
    pub nvar: u16,
    pub flags: u16,
    pub cpu: u32,
}

/// `struct kw_proc`: process state, in EXEC and FORK records.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Proc {
    pub ppid: u32,
    pub uid: u32,
    pub gid: u32,
    pub euid: u32,
    pub egid: u32,
    pub loginuid: u32,
    pub tty: u32,
    pub exe_flags: u32,
    pub vpid: u32,
    pub vtid: u32,
    pub sid: u32,
    pub vpgid: u32,
    pub cap_inheritable: u64,
    pub cap_permitted: u64,
    pub cap_effective: u64,
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
    pub family: u16,
    pub sock_type: u16,
    pub protocol: u16,
    /// Local port, host order.
    pub sport: u16,
    /// Remote port, network order.
    pub dport: u16,
    pub pad: u16,
    pub saddr: [u8; 16],
    pub daddr: [u8; 16],
}

/// Counter slots of `struct kw_stats` (per CPU).
pub mod stat {
    pub const SEEN: usize = 0;
    pub const SENT: usize = 1;
    pub const DROPPED: usize = 2;
    pub const COMPAT: usize = 3;
    pub const ENTER_HIT: usize = 4;
    pub const ENTER_MISS: usize = 5;
    pub const EXEC: usize = 6;
    pub const FORK: usize = 7;
    pub const EXIT: usize = 8;
    pub const TRUNCATED: usize = 9;
    pub const COUNT: usize = 16;
}

pub const HDR_SIZE: usize = std::mem::size_of::<Hdr>();
pub const PROC_SIZE: usize = std::mem::size_of::<Proc>();
pub const SOCK_SIZE: usize = std::mem::size_of::<Sock>();

const _: () = assert!(HDR_SIZE == 88);
const _: () = assert!(PROC_SIZE == 112);
const _: () = assert!(SOCK_SIZE == 44);
