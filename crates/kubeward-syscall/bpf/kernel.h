/* SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0) */
/*
 * The kernel types the probe reads, reduced to the fields it touches. Every struct is
 * marked preserve_access_index: clang records each field access as a CO-RE relocation
 * by name, and the loader resolves it against the running kernel's BTF, so neither
 * sizes nor offsets here need to match any kernel. Variants that moved between kernel
 * versions are spelled as `name___flavor` structs and chosen with field-exists checks.
 *
 * Written by hand instead of vendoring a 2.8 MB bpftool `vmlinux.h`: the probe reads
 * about sixty fields, a review can see every one of them, and nothing ties the build to
 * the headers of one kernel.
 */
#ifndef KW_KERNEL_H
#define KW_KERNEL_H

#include "kw_bpf.h"

#define KW_CORE_STRUCT __attribute__((preserve_access_index))

struct pt_regs {
	unsigned long r10;
	unsigned long r9;
	unsigned long r8;
	unsigned long si;
	unsigned long di;
	unsigned long dx;
	unsigned long orig_ax;
} KW_CORE_STRUCT;

typedef struct {
	__u32 val;
} kuid_t;
typedef struct {
	__u32 val;
} kgid_t;
typedef struct {
	int counter;
} atomic_t;

struct qstr {
	union {
		struct {
			__u32 hash;
			__u32 len;
		};
		__u64 hash_len;
	};
	const unsigned char *name;
} KW_CORE_STRUCT;

struct super_block {
	unsigned long s_magic;
} KW_CORE_STRUCT;

struct timespec64 {
	__s64 tv_sec;
	long tv_nsec;
} KW_CORE_STRUCT;

struct inode {
	unsigned short i_mode;
	kuid_t i_uid;
	kgid_t i_gid;
	unsigned long i_ino;
	struct super_block *i_sb;
} KW_CORE_STRUCT;

/* Kernels 6.11+: split seconds and nanoseconds. */
struct inode___split_times {
	__s64 i_ctime_sec;
	__u32 i_ctime_nsec;
	__s64 i_mtime_sec;
	__u32 i_mtime_nsec;
} KW_CORE_STRUCT;

/* Kernels 6.6 to 6.10: ctime hidden behind accessors. */
struct inode___v6_6 {
	struct timespec64 __i_ctime;
	struct timespec64 i_mtime;
} KW_CORE_STRUCT;

/* Older kernels. */
struct inode___old_times {
	struct timespec64 i_ctime;
	struct timespec64 i_mtime;
} KW_CORE_STRUCT;

struct dentry {
	struct dentry *d_parent;
	struct qstr d_name;
	struct inode *d_inode;
} KW_CORE_STRUCT;

struct vfsmount {
	struct dentry *mnt_root;
	struct super_block *mnt_sb;
} KW_CORE_STRUCT;

struct mount {
	struct mount *mnt_parent;
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
} KW_CORE_STRUCT;

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
} KW_CORE_STRUCT;

struct file {
	struct path f_path;
	struct inode *f_inode;
	void *private_data;
} KW_CORE_STRUCT;

struct ovl_inode {
	struct inode vfs_inode;
	struct dentry *__upperdentry;
} KW_CORE_STRUCT;

struct mm_struct {
	unsigned long arg_start;
	unsigned long arg_end;
	unsigned long env_start;
	unsigned long env_end;
	struct file *exe_file;
} KW_CORE_STRUCT;

typedef struct {
	__u64 val;
} kernel_cap_t;

struct cred {
	kuid_t uid;
	kgid_t gid;
	kuid_t euid;
	kgid_t egid;
	kuid_t fsuid;
	kgid_t fsgid;
	kernel_cap_t cap_inheritable;
	kernel_cap_t cap_permitted;
	kernel_cap_t cap_effective;
} KW_CORE_STRUCT;

struct tty_driver {
	int major;
	int minor_start;
} KW_CORE_STRUCT;

struct tty_struct {
	struct tty_driver *driver;
	int index;
} KW_CORE_STRUCT;

struct pid_namespace;

struct upid {
	int nr;
	struct pid_namespace *ns;
} KW_CORE_STRUCT;

struct pid {
	unsigned int level;
	struct upid numbers[1];
} KW_CORE_STRUCT;

enum pid_type {
	PIDTYPE_PID,
	PIDTYPE_TGID,
	PIDTYPE_PGID,
	PIDTYPE_SID,
	PIDTYPE_MAX,
};

struct signal_struct {
	atomic_t live;
	struct pid *pids[PIDTYPE_MAX];
	struct tty_struct *tty;
} KW_CORE_STRUCT;

struct task_struct;

struct pid_namespace {
	struct task_struct *child_reaper;
} KW_CORE_STRUCT;

struct kernfs_node {
	struct kernfs_node *parent;
	const char *name;
} KW_CORE_STRUCT;

/* Kernels 6.15+ renamed the parent pointer. */
struct kernfs_node___rcu_parent {
	struct kernfs_node *__parent;
} KW_CORE_STRUCT;

struct cgroup {
	struct kernfs_node *kn;
} KW_CORE_STRUCT;

struct cgroup_subsys_state {
	struct cgroup *cgroup;
} KW_CORE_STRUCT;

struct css_set {
	struct cgroup_subsys_state *subsys[1];
	struct cgroup *dfl_cgrp;
} KW_CORE_STRUCT;

enum cgroup_subsys_id {
	memory_cgrp_id = 4,
};

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
} KW_CORE_STRUCT;

struct files_struct {
	struct fdtable *fdt;
} KW_CORE_STRUCT;

struct thread_info {
	__u32 status;
} KW_CORE_STRUCT;

struct task_struct {
	struct thread_info thread_info;
	int pid;
	int tgid;
	struct task_struct *real_parent;
	struct task_struct *group_leader;
	struct pid *thread_pid;
	char comm[16];
	struct mm_struct *mm;
	struct files_struct *files;
	const struct cred *cred;
	struct signal_struct *signal;
	struct css_set *cgroups;
	kuid_t loginuid;
	__u64 start_boottime;
	int exit_code;
} KW_CORE_STRUCT;

struct in6_addr {
	__u8 s6_addr[16];
};

struct sock_common {
	__u32 skc_daddr;
	__u32 skc_rcv_saddr;
	__u16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
} KW_CORE_STRUCT;

struct sock {
	struct sock_common __sk_common;
	__u16 sk_type;
	__u16 sk_protocol;
} KW_CORE_STRUCT;

struct socket {
	struct sock *sk;
} KW_CORE_STRUCT;

struct linux_binprm {
	struct file *file;
	const char *filename;
} KW_CORE_STRUCT;

/* User-space layouts (stable ABI, read with bpf_probe_read_user). */
struct kw_user_msghdr {
	void *msg_name;
	int msg_namelen;
};

#endif
