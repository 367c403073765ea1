//! Falco's names for flag and enum values (driver `flags_table.c`, `ppm_events_public.h`),
//! the conversions from the kernel's values to Falco's (`PPM_*`), and libsinsp's
//! rendering of a flags parameter (`sinsp_evt::get_param_as_str`): names of the table
//! entries whose bits are all set, in table order, `|`-separated, bits consumed as they
//! are named; the walk stops at an entry equal to the whole value, which is named last.

/// One table: (name, PPM value), in Falco's order.
pub type Table = &'static [(&'static str, u32)];

/// `PPM_O_*` open flags (`open`, `openat`, `openat2` `flags`).
pub const FILE_FLAGS: Table = &[
    ("O_LARGEFILE", 1 << 11),
    ("O_DIRECTORY", 1 << 10),
    ("O_DIRECT", 1 << 9),
    ("O_TRUNC", 1 << 8),
    ("O_SYNC", 1 << 7),
    ("O_NONBLOCK", 1 << 6),
    ("O_EXCL", 1 << 5),
    ("O_DSYNC", 1 << 4),
    ("O_APPEND", 1 << 3),
    ("O_CREAT", 1 << 2),
    ("O_RDWR", 3),
    ("O_WRONLY", 1 << 1),
    ("O_RDONLY", 1),
    ("O_CLOEXEC", 1 << 12),
    ("O_NONE", 0),
    ("O_TMPFILE", 1 << 13),
    ("O_F_CREATED", 1 << 14),
];

/// `PPM_O_RDONLY`: opened for reading.
pub const PPM_O_RDONLY: u32 = 1;
/// `PPM_O_WRONLY`: opened for writing (`O_RDWR` is both bits).
pub const PPM_O_WRONLY: u32 = 1 << 1;
/// `PPM_O_CREAT`: `O_CREAT` was given.
pub const PPM_O_CREAT: u32 = 1 << 2;
/// `PPM_O_TRUNC`: `O_TRUNC` was given.
pub const PPM_O_TRUNC: u32 = 1 << 8;
/// `PPM_O_TMPFILE`: `O_TMPFILE` was given.
pub const PPM_O_TMPFILE: u32 = 1 << 13;
/// `PPM_O_DIRECTORY`: `O_DIRECTORY` was given.
pub const PPM_O_DIRECTORY: u32 = 1 << 10;
/// `PPM_O_CLOEXEC`: `O_CLOEXEC` was given.
pub const PPM_O_CLOEXEC_BIT: u32 = 1 << 12;
/// `PPM_O_F_CREATED`: the open created the file.
pub const PPM_O_F_CREATED: u32 = 1 << 14;

/// Socket address families (`socket`'s `domain`), `AF_*`.
pub const SOCKET_FAMILIES: Table = &[
    ("AF_NFC", 39),
    ("AF_ALG", 38),
    ("AF_CAIF", 37),
    ("AF_IEEE802154", 36),
    ("AF_PHONET", 35),
    ("AF_ISDN", 34),
    ("AF_RXRPC", 33),
    ("AF_IUCV", 32),
    ("AF_BLUETOOTH", 31),
    ("AF_TIPC", 30),
    ("AF_CAN", 29),
    ("AF_LLC", 26),
    ("AF_WANPIPE", 25),
    ("AF_PPPOX", 24),
    ("AF_IRDA", 23),
    ("AF_SNA", 22),
    ("AF_RDS", 21),
    ("AF_ATMSVC", 20),
    ("AF_ECONET", 19),
    ("AF_ASH", 18),
    ("AF_PACKET", 17),
    ("AF_ROUTE", 16),
    ("AF_NETLINK", 16),
    ("AF_KEY", 15),
    ("AF_SECURITY", 14),
    ("AF_NETBEUI", 13),
    ("AF_DECnet", 12),
    ("AF_ROSE", 11),
    ("AF_INET6", 10),
    ("AF_X25", 9),
    ("AF_ATMPVC", 8),
    ("AF_BRIDGE", 7),
    ("AF_NETROM", 6),
    ("AF_APPLETALK", 5),
    ("AF_IPX", 4),
    ("AF_AX25", 3),
    ("AF_INET", 2),
    ("AF_LOCAL", 1),
    ("AF_UNIX", 1),
    ("AF_UNSPEC", 0),
];

/// `PPM_PTRACE_*` requests (`ptrace`'s `request`).
pub const PTRACE_REQUESTS: Table = &[
    ("PTRACE_SINGLEBLOCK", 38),
    ("PTRACE_SYSEMU_SINGLESTEP", 37),
    ("PTRACE_SYSEMU", 36),
    ("PTRACE_ARCH_PRCTL", 35),
    ("PTRACE_SET_THREAD_AREA", 34),
    ("PTRACE_GET_THREAD_AREA", 33),
    ("PTRACE_OLDSETOPTIONS", 32),
    ("PTRACE_SETFPXREGS", 31),
    ("PTRACE_GETFPXREGS", 30),
    ("PTRACE_SETFPREGS", 29),
    ("PTRACE_GETFPREGS", 28),
    ("PTRACE_SETREGS", 27),
    ("PTRACE_GETREGS", 26),
    ("PTRACE_SETSIGMASK", 25),
    ("PTRACE_GETSIGMASK", 24),
    ("PTRACE_PEEKSIGINFO", 23),
    ("PTRACE_LISTEN", 22),
    ("PTRACE_INTERRUPT", 21),
    ("PTRACE_SEIZE", 20),
    ("PTRACE_SETREGSET", 19),
    ("PTRACE_GETREGSET", 18),
    ("PTRACE_SETSIGINFO", 17),
    ("PTRACE_GETSIGINFO", 16),
    ("PTRACE_GETEVENTMSG", 15),
    ("PTRACE_SETOPTIONS", 14),
    ("PTRACE_SYSCALL", 13),
    ("PTRACE_DETACH", 12),
    ("PTRACE_ATTACH", 11),
    ("PTRACE_SINGLESTEP", 10),
    ("PTRACE_KILL", 9),
    ("PTRACE_CONT", 8),
    ("PTRACE_POKEUSR", 7),
    ("PTRACE_POKEDATA", 6),
    ("PTRACE_POKETEXT", 5),
    ("PTRACE_PEEKUSR", 4),
    ("PTRACE_PEEKDATA", 3),
    ("PTRACE_PEEKTEXT", 2),
    ("PTRACE_TRACEME", 1),
    ("PTRACE_UNKNOWN", 0),
];

/// `PPM_EXE_*` flags of execve's exit event (`flags`).
pub const EXECVE_FLAGS: Table = &[
    ("EXE_WRITABLE", 1),
    ("EXE_UPPER_LAYER", 1 << 1),
    ("EXE_FROM_MEMFD", 1 << 2),
    ("EXE_LOWER_LAYER", 1 << 3),
];

/// `PPM_CL_*` clone flags (`clone`, `fork`, `vfork` `flags`).
pub const CLONE_FLAGS: Table = &[
    ("CLONE_FILES", 1),
    ("CLONE_FS", 1 << 1),
    ("CLONE_IO", 1 << 2),
    ("CLONE_NEWIPC", 1 << 3),
    ("CLONE_NEWNET", 1 << 4),
    ("CLONE_NEWNS", 1 << 5),
    ("CLONE_NEWPID", 1 << 6),
    ("CLONE_NEWUTS", 1 << 7),
    ("CLONE_PARENT", 1 << 8),
    ("CLONE_PARENT_SETTID", 1 << 9),
    ("CLONE_PTRACE", 1 << 10),
    ("CLONE_SIGHAND", 1 << 11),
    ("CLONE_SYSVSEM", 1 << 12),
    ("CLONE_THREAD", 1 << 13),
    ("CLONE_UNTRACED", 1 << 14),
    ("CLONE_VM", 1 << 15),
    ("CLONE_INVERTED", 1 << 16),
    ("NAME_CHANGED", 1 << 17),
    ("CLOSED", 1 << 18),
    ("CLONE_NEWUSER", 1 << 20),
    ("CLONE_CHILD_CLEARTID", 1 << 23),
    ("CLONE_CHILD_SETTID", 1 << 24),
    ("CLONE_SETTLS", 1 << 25),
    ("CLONE_STOPPED", 1 << 26),
    ("CLONE_VFORK", 1 << 27),
    ("CLONE_NEWCGROUP", 1 << 28),
];

/// `PPM_MS_*` mount flags (`mount`'s `flags`).
pub const MOUNT_FLAGS: Table = &[
    ("RDONLY", 1),
    ("NOSUID", 1 << 1),
    ("NODEV", 1 << 2),
    ("NOEXEC", 1 << 3),
    ("SYNCHRONOUS", 1 << 4),
    ("REMOUNT", 1 << 5),
    ("MANDLOCK", 1 << 6),
    ("DIRSYNC", 1 << 7),
    ("NOATIME", 1 << 10),
    ("NODIRATIME", 1 << 11),
    ("BIND", 1 << 12),
    ("MOVE", 1 << 13),
    ("REC", 1 << 14),
    ("SILENT", 1 << 15),
    ("POSIXACL", 1 << 16),
    ("UNBINDABLE", 1 << 17),
    ("PRIVATE", 1 << 18),
    ("SLAVE", 1 << 19),
    ("SHARED", 1 << 20),
    ("RELATIME", 1 << 21),
    ("KERNMOUNT", 1 << 22),
    ("I_VERSION", 1 << 23),
    ("STRICTATIME", 1 << 24),
    ("LAZYTIME", 1 << 25),
    ("NOSEC", 1 << 28),
    ("BORN", 1 << 29),
    ("ACTIVE", 1 << 30),
    ("NOUSER", 1 << 31),
];

/// `S_I*` mode bits of the `chmod`-family `mode` parameters.
pub const CHMOD_MODE: Table = &[
    ("S_IXOTH", 1),
    ("S_IWOTH", 1 << 1),
    ("S_IROTH", 1 << 2),
    ("S_IXGRP", 1 << 3),
    ("S_IWGRP", 1 << 4),
    ("S_IRGRP", 1 << 5),
    ("S_IXUSR", 1 << 6),
    ("S_IWUSR", 1 << 7),
    ("S_IRUSR", 1 << 8),
    ("S_ISVTX", 1 << 9),
    ("S_ISGID", 1 << 10),
    ("S_ISUID", 1 << 11),
];

/// `unlinkat`'s `flags`.
pub const UNLINKAT_FLAGS: Table = &[("AT_REMOVEDIR", 1)];
/// `linkat`'s `flags`.
pub const LINKAT_FLAGS: Table = &[("AT_SYMLINK_FOLLOW", 1), ("AT_EMPTY_PATH", 2)];
/// `renameat2`'s `flags`.
pub const RENAMEAT2_FLAGS: Table = &[
    ("RENAME_NOREPLACE", 1),
    ("RENAME_EXCHANGE", 1 << 1),
    ("RENAME_WHITEOUT", 1 << 2),
];
/// `openat2`'s `resolve` flags (`PPM_RESOLVE_*`).
pub const OPENAT2_FLAGS: Table = &[
    ("RESOLVE_BENEATH", 1 << 3),
    ("RESOLVE_IN_ROOT", 1 << 4),
    ("RESOLVE_NO_MAGICLINKS", 1 << 1),
    ("RESOLVE_NO_SYMLINKS", 1 << 2),
    ("RESOLVE_NO_XDEV", 1),
    ("RESOLVE_CACHED", 1 << 5),
];
/// `memfd_create`'s `flags`.
pub const MEMFD_CREATE_FLAGS: Table = &[
    ("MFD_CLOEXEC", 1),
    ("MFD_ALLOW_SEALING", 1 << 1),
    ("MFD_HUGETLB", 1 << 2),
];

/// libsinsp's rendering of a flags value; `exact` for enum-like parameters
/// (`PT_ENUMFLAGS*`), which only name a value equal to an entry.
pub fn render(table: Table, value: u32, exact: bool, out: &mut String) {
    let mut val = value;
    let mut sep = "";
    let mut stopped = None;
    for &(name, v) in table {
        if v == value {
            stopped = Some(name);
            break;
        }
        if exact {
            continue;
        }
        let hit = (v == 0 && value == 0) || (v != 0 && val & v == v && val != 0);
        if hit {
            out.push_str(sep);
            out.push_str(name);
            sep = "|";
            val &= !v;
        }
    }
    if let Some(name) = stopped {
        out.push_str(sep);
        out.push_str(name);
    }
}

/// Kernel `open(2)` flags to `PPM_O_*` (the driver's `open_flags_to_scap`).
pub fn open_flags(flags: u64) -> u32 {
    let f = flags as u32;
    let mut r = match f & 3 {
        0 => PPM_O_RDONLY,
        1 => PPM_O_WRONLY,
        2 => PPM_O_RDONLY | PPM_O_WRONLY,
        _ => 0,
    };
    let map: [(u32, u32); 11] = [
        (0o100, PPM_O_CREAT),
        (0o2000, 1 << 3),
        (0o10000, 1 << 4),
        (0o200, 1 << 5),
        (0o4000, 1 << 6),
        (0o4010000, 1 << 7),
        (0o1000, PPM_O_TRUNC),
        (0o40000, 1 << 9),
        (0o100000, 1 << 11),
        (0o2000000, 1 << 12),
        (0o20000000, PPM_O_TMPFILE),
    ];
    for (k, p) in map {
        if f & k == k {
            r |= p;
        }
    }
    // O_DIRECTORY is also part of O_TMPFILE; the driver reports it only on its own.
    if f & 0o200000 != 0 && f & 0o20000000 == 0 {
        r |= 1 << 10;
    }
    r
}

/// The `mode` an open reports: the permission bits when the call can create a file,
/// else 0 (`open_modes_to_scap`; Falco's `PPM_S_*` bits equal the kernel's).
pub fn open_mode(flags: u64, mode: u64) -> u32 {
    if flags & (0o100 | 0o20000000) == 0 {
        return 0;
    }
    (mode as u32) & 0o7777
}

/// Kernel ptrace request to `PPM_PTRACE_*`.
pub fn ptrace_request(req: u64) -> u32 {
    match req {
        0 => 1,
        1 => 2,
        2 => 3,
        3 => 4,
        4 => 5,
        5 => 6,
        6 => 7,
        7 => 8,
        8 => 9,
        9 => 10,
        16 => 11,
        17 => 12,
        24 => 13,
        0x4200 => 14,
        0x4201 => 15,
        0x4202 => 16,
        0x4203 => 17,
        0x4204 => 18,
        0x4205 => 19,
        0x4206 => 20,
        0x4207 => 21,
        0x4208 => 22,
        0x4209 => 23,
        0x420a => 24,
        0x420b => 25,
        12 => 26,
        13 => 27,
        14 => 28,
        15 => 29,
        18 => 30,
        19 => 31,
        21 => 32,
        25 => 33,
        26 => 34,
        30 => 35,
        31 => 36,
        32 => 37,
        33 => 38,
        _ => 0,
    }
}

/// Kernel clone/unshare flags to `PPM_CL_*`.
pub fn clone_flags(flags: u64) -> u32 {
    let map: [(u64, u32); 21] = [
        (0x400, 1),             // CLONE_FILES
        (0x200, 1 << 1),        // CLONE_FS
        (0x8000_0000, 1 << 2),  // CLONE_IO
        (0x0800_0000, 1 << 3),  // CLONE_NEWIPC
        (0x4000_0000, 1 << 4),  // CLONE_NEWNET
        (0x0002_0000, 1 << 5),  // CLONE_NEWNS
        (0x2000_0000, 1 << 6),  // CLONE_NEWPID
        (0x0400_0000, 1 << 7),  // CLONE_NEWUTS
        (0x8000, 1 << 8),       // CLONE_PARENT
        (0x0010_0000, 1 << 9),  // CLONE_PARENT_SETTID
        (0x2000, 1 << 10),      // CLONE_PTRACE
        (0x800, 1 << 11),       // CLONE_SIGHAND
        (0x0004_0000, 1 << 12), // CLONE_SYSVSEM
        (0x0001_0000, 1 << 13), // CLONE_THREAD
        (0x0080_0000, 1 << 14), // CLONE_UNTRACED
        (0x100, 1 << 15),       // CLONE_VM
        (0x1000_0000, 1 << 20), // CLONE_NEWUSER
        (0x0020_0000, 1 << 23), // CLONE_CHILD_CLEARTID
        (0x0100_0000, 1 << 24), // CLONE_CHILD_SETTID
        (0x0008_0000, 1 << 25), // CLONE_SETTLS
        (0x4000, 1 << 27),      // CLONE_VFORK
    ];
    let mut r = 0;
    for (k, p) in map {
        if flags & k != 0 {
            r |= p;
        }
    }
    if flags & 0x0200_0000 != 0 {
        r |= 1 << 28; // CLONE_NEWCGROUP
    }
    r
}

/// Kernel mount flags to `PPM_MS_*`: identical bit positions.
pub fn mount_flags(flags: u64) -> u32 {
    flags as u32
}

/// unlinkat flags: AT_REMOVEDIR (0x200) is `PPM_AT_REMOVEDIR`.
pub fn unlinkat_flags(flags: u64) -> u32 {
    u32::from(flags & 0x200 != 0)
}

/// linkat flags: AT_SYMLINK_FOLLOW (0x400), AT_EMPTY_PATH (0x1000).
pub fn linkat_flags(flags: u64) -> u32 {
    u32::from(flags & 0x400 != 0) | (u32::from(flags & 0x1000 != 0) << 1)
}

/// The errno name libsinsp prints for a negative return value (`errno_to_str`).
pub fn errno_name(res: i64) -> Option<&'static str> {
    let e = res.checked_neg()?;
    ERRNO_NAMES
        .iter()
        .find(|(n, _)| i64::from(*n) == e)
        .map(|(_, s)| *s)
}

const ERRNO_NAMES: &[(i32, &str)] = &[
    (1, "EPERM"),
    (2, "ENOENT"),
    (3, "ESRCH"),
    (4, "EINTR"),
    (5, "EIO"),
    (6, "ENXIO"),
    (7, "E2BIG"),
    (8, "ENOEXEC"),
    (9, "EBADF"),
    (10, "ECHILD"),
    (11, "EAGAIN"),
    (12, "ENOMEM"),
    (13, "EACCES"),
    (14, "EFAULT"),
    (15, "ENOTBLK"),
    (16, "EBUSY"),
    (17, "EEXIST"),
    (18, "EXDEV"),
    (19, "ENODEV"),
    (20, "ENOTDIR"),
    (21, "EISDIR"),
    (22, "EINVAL"),
    (23, "ENFILE"),
    (24, "EMFILE"),
    (25, "ENOTTY"),
    (26, "ETXTBSY"),
    (27, "EFBIG"),
    (28, "ENOSPC"),
    (29, "ESPIPE"),
    (30, "EROFS"),
    (31, "EMLINK"),
    (32, "EPIPE"),
    (33, "EDOM"),
    (34, "ERANGE"),
    (35, "EDEADLK"),
    (36, "ENAMETOOLONG"),
    (37, "ENOLCK"),
    (38, "ENOSYS"),
    (39, "ENOTEMPTY"),
    (40, "ELOOP"),
    (42, "ENOMSG"),
    (43, "EIDRM"),
    (61, "ENODATA"),
    (62, "ETIME"),
    (71, "EPROTO"),
    (74, "EBADMSG"),
    (75, "EOVERFLOW"),
    (84, "EILSEQ"),
    (87, "EUSERS"),
    (88, "ENOTSOCK"),
    (89, "EDESTADDRREQ"),
    (90, "EMSGSIZE"),
    (91, "EPROTOTYPE"),
    (92, "ENOPROTOOPT"),
    (93, "EPROTONOSUPPORT"),
    (94, "ESOCKTNOSUPPORT"),
    (95, "EOPNOTSUPP"),
    (96, "EPFNOSUPPORT"),
    (97, "EAFNOSUPPORT"),
    (98, "EADDRINUSE"),
    (99, "EADDRNOTAVAIL"),
    (100, "ENETDOWN"),
    (101, "ENETUNREACH"),
    (102, "ENETRESET"),
    (103, "ECONNABORTED"),
    (104, "ECONNRESET"),
    (105, "ENOBUFS"),
    (106, "EISCONN"),
    (107, "ENOTCONN"),
    (108, "ESHUTDOWN"),
    (109, "ETOOMANYREFS"),
    (110, "ETIMEDOUT"),
    (111, "ECONNREFUSED"),
    (112, "EHOSTDOWN"),
    (113, "EHOSTUNREACH"),
    (114, "EALREADY"),
    (115, "EINPROGRESS"),
    (116, "ESTALE"),
    (122, "EDQUOT"),
    (125, "ECANCELED"),
    (130, "EOWNERDEAD"),
    (131, "ENOTRECOVERABLE"),
    (512, "ERESTARTSYS"),
    (513, "ERESTARTNOINTR"),
    (514, "ERESTARTNOHAND"),
    (515, "ENOIOCTLCMD"),
    (516, "ERESTART_RESTARTBLOCK"),
];

/// libsinsp's `thread.cap_*` rendering: capability names, space-separated.
pub fn caps(mask: u64, out: &mut String) {
    let mut first = true;
    for (bit, name) in CAP_NAMES.iter().enumerate() {
        if mask & (1u64 << bit) != 0 {
            if !first {
                out.push(' ');
            }
            out.push_str(name);
            first = false;
        }
    }
}

const CAP_NAMES: [&str; 41] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn r(table: Table, v: u32, exact: bool) -> String {
        let mut s = String::new();
        render(table, v, exact, &mut s);
        s
    }

    #[test]
    fn open_flags_render_in_falco_table_order() {
        // O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC
        let f = open_flags(0o1 | 0o100 | 0o1000 | 0o2000000);
        assert_eq!(
            r(FILE_FLAGS, f, false),
            "O_TRUNC|O_CREAT|O_WRONLY|O_CLOEXEC"
        );
        assert_eq!(r(FILE_FLAGS, open_flags(0), false), "O_RDONLY");
        assert_eq!(
            r(FILE_FLAGS, open_flags(0o2 | 0o2000000), false),
            "O_RDWR|O_CLOEXEC"
        );
    }

    #[test]
    fn ptrace_and_families_resolve_exactly() {
        assert_eq!(
            r(PTRACE_REQUESTS, ptrace_request(16), false),
            "PTRACE_ATTACH"
        );
        assert_eq!(
            r(PTRACE_REQUESTS, ptrace_request(0), false),
            "PTRACE_TRACEME"
        );
        assert_eq!(r(SOCKET_FAMILIES, 17, true), "AF_PACKET");
        assert_eq!(r(SOCKET_FAMILIES, 1, true), "AF_LOCAL");
        assert_eq!(r(SOCKET_FAMILIES, 99, true), "");
    }

    #[test]
    fn errno_and_caps() {
        assert_eq!(errno_name(-2), Some("ENOENT"));
        assert_eq!(errno_name(-115), Some("EINPROGRESS"));
        assert_eq!(errno_name(3), None);
        assert_eq!(errno_name(i64::MIN), None);
        let mut s = String::new();
        caps((1 << 21) | (1 << 1), &mut s);
        assert_eq!(s, "CAP_DAC_OVERRIDE CAP_SYS_ADMIN");
    }
}
