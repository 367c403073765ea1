/* SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0) */
/*
 * The record layout shared by the probe and user space (src/abi.rs mirrors it; a
 * test checks the mirror against this object's BTF). A record is a `struct kw_hdr`,
 * then a `struct kw_proc` for EXEC and FORK records, then `nvar` variable fields, each
 * a little-endian u16 length followed by that many bytes. Which fields follow, in which
 * order, is fixed per kind (EXEC: filename, exepath, argv, comm, cgroup, environment;
 * FORK: comm; EXIT: none) and, for SYSCALL records, by the capture spec user space wrote
 * into `kw_specs` for that syscall.
 */
#ifndef KW_EVENT_H
#define KW_EVENT_H

#define KW_KIND_SYSCALL 1
#define KW_KIND_EXEC 2
#define KW_KIND_FORK 3
#define KW_KIND_EXIT 4

/* kw_hdr.flags */
#define KW_F_ENTER_CAPTURE 0x1 /* the first string/address was read at syscall entry */
#define KW_F_KERNEL_EXEC 0x2   /* exec not started by execve/execveat (e.g. usermode helper) */
#define KW_F_TRUNCATED 0x4     /* a field did not fit and was cut or left empty */

/* kw_proc.exe_flags (Falco's PPM_EXE_* values) */
#define KW_EXE_WRITABLE 0x1
#define KW_EXE_UPPER_LAYER 0x2
#define KW_EXE_FROM_MEMFD 0x4
#define KW_EXE_LOWER_LAYER 0x8

/* kw_spec.flags */
#define KW_SPEC_ENABLED 0x1
#define KW_SPEC_SKIP_SUCCESS 0x2 /* success is reported by sched_process_exec instead */
#define KW_SPEC_ENTER 0x4        /* arg `enter_arg` is captured at entry (TOCTOU) */
#define KW_SPEC_SOCK_ARG0 0x8    /* append the socket tuple of the fd in arg 0 */
#define KW_SPEC_SOCK_RES 0x10    /* append the socket tuple of the fd returned */
#define KW_SPEC_MSGHDR 0x20      /* sendmsg: append msg_name of the msghdr in arg 1 */
#define KW_SPEC_BLOB 0x40        /* append `blob_len` bytes at the user pointer in `blob_arg` */
#define KW_SPEC_ADDR 0x80        /* append the sockaddr at `addr_arg`, length in `addr_len_arg` */

#define KW_MAX_SYSCALLS 512
#define KW_PATH_MAX 4096
#define KW_ARGS_MAX 4096
#define KW_COMM_LEN 16
#define KW_SOCKADDR_MAX 128
#define KW_BLOB_MAX 64

/* Written by user space into the `kw_specs` array, one entry per x86_64 syscall id. */
struct kw_spec {
	__u16 flags;
	__u8 str_mask;     /* bit i: arg i is a user string */
	__u8 enter_arg;    /* with KW_SPEC_ENTER: the string or sockaddr arg read at entry */
	__u8 addr_arg;     /* with KW_SPEC_ADDR */
	__u8 addr_len_arg; /* with KW_SPEC_ADDR */
	__u8 blob_arg;     /* with KW_SPEC_BLOB */
	__u8 blob_len;     /* with KW_SPEC_BLOB, at most KW_BLOB_MAX */
};

struct kw_hdr {
	__u64 ts; /* CLOCK_BOOTTIME, ns */
	__u32 len;
	__u16 kind;
	__u16 nr; /* x86_64 syscall id for SYSCALL and EXEC records */
	__u32 tgid;
	__u32 tid;
	__s64 res;
	__u64 args[6];
	__u16 nvar;
	__u16 flags;
	__u32 cpu;
};

/* Process state read from the task: EXEC (after the exec) and FORK (the child). */
struct kw_proc {
	__u32 ppid; /* real_parent's tgid */
	__u32 uid;
	__u32 gid;
	__u32 euid;
	__u32 egid;
	__u32 loginuid;
	__u32 tty;
	__u32 exe_flags;
	__u32 vpid;
	__u32 vtid;
	__u32 sid;
	__u32 vpgid;
	__u64 cap_inheritable;
	__u64 cap_permitted;
	__u64 cap_effective;
	__u64 exe_ino;
	__u64 exe_ctime; /* epoch ns */
	__u64 exe_mtime; /* epoch ns */
	__u64 start_ts;         /* task start, CLOCK_BOOTTIME ns */
	__u64 pidns_init_start; /* start of the pid namespace's init, CLOCK_BOOTTIME ns */
};

/* A socket's addresses, read from the kernel's struct sock (a variable field). */
struct kw_sock {
	__u16 family;
	__u16 type;
	__u16 protocol;
	__u16 sport; /* local port, host order */
	__u16 dport; /* remote port, network order as the kernel keeps it */
	__u16 pad;
	__u8 saddr[16];
	__u8 daddr[16];
};

/* Per-CPU counters (one array entry). */
#define KW_STAT_SEEN 0      /* syscall exits that passed the id filter */
#define KW_STAT_SENT 1      /* records written to the ring buffer */
#define KW_STAT_DROPPED 2   /* records lost: ring buffer full */
#define KW_STAT_COMPAT 3    /* ia32 syscalls skipped (not decoded) */
#define KW_STAT_ENTER_HIT 4 /* exit found its entry-time capture */
#define KW_STAT_ENTER_MISS 5
#define KW_STAT_EXEC 6
#define KW_STAT_FORK 7
#define KW_STAT_EXIT 8
#define KW_STAT_TRUNCATED 9
#define KW_STAT_COUNT 16

struct kw_stats {
	__u64 c[KW_STAT_COUNT];
};

#endif
