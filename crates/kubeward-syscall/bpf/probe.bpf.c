// SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0)
/*
 * kubeward's syscall probe: the same attach points as Falco's modern_bpf driver.
 *
 *  - tp_btf/sys_exit: one dispatcher for every syscall. It drops, in the kernel, every
 *    syscall id whose entry in `kw_specs` (written by user space: the event types the
 *    loaded rules need plus those the process/fd state needs) is not enabled, and
 *    encodes the others generically from that spec: return value, the six raw args,
 *    the user strings, socket addresses and blobs the spec names, and the kernel's view
 *    of a socket fd.
 *  - syscalls:sys_enter_{open,openat,openat2,creat,connect} tracepoints: the user path
 *    or address is copied at entry, so a thread racing to rewrite it after the kernel
 *    read it cannot change what is reported (Falco's TOCTOU mitigation).
 *  - tp_btf/sched_process_exec, sched_process_fork, sched_process_exit: process
 *    lifecycle with the state libsinsp keeps (exe path walked from the dentry, args,
 *    credentials, capabilities, tty, cgroup path, exe flags).
 *
 * Records go to one ring buffer written with BPF_RB_NO_WAKEUP; user space drains it on
 * a short timer. Per-CPU counters say how many records were seen, sent and dropped.
 * The loader's own process is never traced.
 */
#include "kw_bpf.h"
#include "kernel.h"
#include "event.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the loader before load. */
const volatile __u32 kw_ignore_tgid = 0;
const volatile __u64 kw_rb_flags = BPF_RB_NO_WAKEUP;

#define KW_BUF_SIZE 32768
#define KW_HALF 16384
#define KW_OFF_MASK (KW_HALF - 1)
#define KW_TMP_SIZE 8192
#define KW_TMP_HALF 4096
#define KW_MAX_COMPONENTS 64
#define KW_MAX_CGROUP_LEVELS 16
#define KW_COMPONENT_MAX 255

#define NR_EXECVE 59
#define NR_EXECVEAT 322
#define TS_COMPAT 0x0002
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#define CAP_DAC_OVERRIDE 1

/* Masks an offset in the generated code: clang drops plain `& mask` on array indexes
 * (out-of-bounds would be undefined), but the verifier needs the bound. */
#define KW_MASK(v, m)                                                                              \
	({                                                                                         \
		__u32 __v = (v);                                                                   \
		asm volatile("%0 &= " #m : "+r"(__v));                                            \
		__v;                                                                               \
	})

struct kw_buf {
	__u8 data[KW_BUF_SIZE];
};

struct kw_tmp {
	__u8 data[KW_TMP_SIZE];
};

struct kw_enter {
	__u32 nr;
	__u32 len;
	__u8 data[KW_PATH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024 * 1024);
} kw_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KW_MAX_SYSCALLS);
	__type(key, __u32);
	__type(value, struct kw_spec);
} kw_specs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kw_stats);
} kw_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kw_buf);
} kw_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kw_tmp);
} kw_tmp SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kw_enter);
} kw_enter_scratch SEC(".maps");

/* Entry-time captures waiting for their syscall's exit, by thread id. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct kw_enter);
} kw_enter_map SEC(".maps");

/* Makes the layouts part of the object's BTF, so user space can check its mirrors. */
struct kw_hdr *kw_btf_hdr __attribute__((unused));
struct kw_proc *kw_btf_proc __attribute__((unused));
struct kw_sock *kw_btf_sock __attribute__((unused));
struct kw_spec *kw_btf_spec __attribute__((unused));
struct kw_stats *kw_btf_stats __attribute__((unused));

static __always_inline void stat_add(__u32 idx)
{
	__u32 zero = 0;
	struct kw_stats *s = bpf_map_lookup_elem(&kw_stats, &zero);
	if (s && idx < KW_STAT_COUNT)
		s->c[idx & (KW_STAT_COUNT - 1)] += 1;
}

static __always_inline void put_u16(struct kw_buf *b, __u32 off, __u16 v)
{
	b->data[KW_MASK(off, 16383)] = v & 0xff;
	b->data[KW_MASK(off + 1, 32767)] = v >> 8;
}

/* Appends a field read with `read` (user or kernel, str or raw) of at most `max`
 * bytes. Returns the new offset; a field that does not fit is left empty. */
#define KW_READ_USER_STR 0
#define KW_READ_KERNEL_STR 1
#define KW_READ_USER 2
#define KW_READ_KERNEL 3

static __always_inline __u32 put_field(struct kw_buf *b, __u32 off, const void *src, __u32 max,
					int how, struct kw_hdr *h)
{
	long n = 0;
	if (off > KW_HALF - 2) {
		h->flags |= KW_F_TRUNCATED;
		return off;
	}
	if (off + 2 + max > KW_HALF) {
		h->flags |= KW_F_TRUNCATED;
		max = 0;
	}
	__u32 at = KW_MASK(off + 2, 16383);
	if (max > KW_PATH_MAX)
		max = KW_PATH_MAX;
	/* Keep the mask in the generated code: the verifier needs the bound on this register. */
	asm volatile("%0 &= 8191" : "+r"(max));
	if (src && max > 0) {
		switch (how) {
		case KW_READ_USER_STR:
			n = bpf_probe_read_user_str(&b->data[at], max, src);
			break;
		case KW_READ_KERNEL_STR:
			n = bpf_probe_read_kernel_str(&b->data[at], max, src);
			break;
		case KW_READ_USER:
			n = bpf_probe_read_user(&b->data[at], max, src) == 0 ? max : 0;
			break;
		default:
			n = bpf_probe_read_kernel(&b->data[at], max, src) == 0 ? max : 0;
			break;
		}
	}
	if (n < 0)
		n = 0;
	put_u16(b, off, (__u16)n);
	h->nvar += 1;
	return off + 2 + (__u32)n;
}

/* Appends the user memory [start, end) of at most KW_ARGS_MAX bytes (argv, environ). */
static __always_inline __u32 put_area(struct kw_buf *b, __u32 off, unsigned long start,
				      unsigned long end, struct kw_hdr *h)
{
	unsigned long len = end > start ? end - start : 0;
	if (len > KW_ARGS_MAX) {
		len = KW_ARGS_MAX;
		h->flags |= KW_F_TRUNCATED;
	}
	return put_field(b, off, (const void *)start, (__u32)len, KW_READ_USER, h);
}

/* Walks a path back to the root of its mount namespace, crossing mount points, into
 * tmp[pos..KW_TMP_HALF). Returns pos (KW_TMP_HALF: nothing written). A dentry that is
 * its own parent without being a mount root (memfd and other pseudo files) has no path:
 * its name is written alone, as Falco's d_path approximation does. */
static __always_inline __u32 walk_path(struct kw_tmp *t, struct dentry *dentry, struct vfsmount *vfsmnt)
{
	/* Bytes written back from the end. Masked at the top of every iteration so that
	 * the verifier sees the same range on every path and prunes instead of exploring
	 * each combination of mount crossings and component lengths. */
	__u32 used = 0;
	struct mount *mnt = (void *)vfsmnt - kw_field_offset(((struct mount *)0)->mnt);
	struct mount *mnt_parent = NULL;
	struct dentry *mnt_root = NULL;
	KW_READ(mnt_parent, mnt->mnt_parent);
	KW_READ(mnt_root, vfsmnt->mnt_root);

	for (int i = 0; i < KW_MAX_COMPONENTS; i++) {
		used = KW_MASK(used, 4095);
		struct dentry *parent = NULL;
		KW_READ(parent, dentry->d_parent);
		if (dentry == mnt_root || dentry == parent) {
			if (dentry != mnt_root)
				break;
			if (mnt != mnt_parent) {
				KW_READ(dentry, mnt->mnt_mountpoint);
				KW_READ(mnt, mnt->mnt_parent);
				KW_READ(mnt_parent, mnt->mnt_parent);
				vfsmnt = (void *)mnt + kw_field_offset(((struct mount *)0)->mnt);
				KW_READ(mnt_root, vfsmnt->mnt_root);
				continue;
			}
			break;
		}
		__u32 len = 0;
		const unsigned char *name = NULL;
		KW_READ(len, dentry->d_name.len);
		KW_READ(name, dentry->d_name.name);
		if (len == 0 || len > KW_COMPONENT_MAX || used + len + 2 >= KW_TMP_HALF)
			break;
		used += len;
		bpf_probe_read_kernel(&t->data[KW_MASK(KW_TMP_HALF - used, 4095)], KW_MASK(len, 255), name);
		used += 1;
		t->data[KW_MASK(KW_TMP_HALF - used, 4095)] = '/';
		dentry = parent;
	}
	if (used == 0) {
		__u32 len = 0;
		const unsigned char *name = NULL;
		KW_READ(len, dentry->d_name.len);
		KW_READ(name, dentry->d_name.name);
		if (len > 0 && len <= KW_COMPONENT_MAX) {
			used = len;
			bpf_probe_read_kernel(&t->data[KW_MASK(KW_TMP_HALF - used, 4095)], KW_MASK(len, 255), name);
		}
	}
	return KW_TMP_HALF - used;
}

/* Appends tmp[pos..KW_TMP_HALF) as a field. */
static __always_inline __u32 put_tmp(struct kw_buf *b, __u32 off, struct kw_tmp *t, __u32 pos, struct kw_hdr *h)
{
	__u32 len = KW_TMP_HALF - pos;
	if (pos >= KW_TMP_HALF || len == 0)
		return put_field(b, off, NULL, 0, KW_READ_KERNEL, h);
	if (off > KW_HALF - 2 - KW_TMP_HALF) {
		h->flags |= KW_F_TRUNCATED;
		return put_field(b, off, NULL, 0, KW_READ_KERNEL, h);
	}
	__u32 at = KW_MASK(off + 2, 16383);
	len = KW_MASK(len, 4095);
	if (len == 0)
		len = 1;
	bpf_probe_read_kernel(&b->data[at], len, &t->data[KW_MASK(pos, 4095)]);
	put_u16(b, off, (__u16)len);
	h->nvar += 1;
	return off + 2 + len;
}

/* The cgroup path of the unified hierarchy, or on cgroup v1 of the memory controller. */
static __always_inline __u32 walk_cgroup(struct kw_tmp *t, struct task_struct *task)
{
	struct css_set *cgroups = NULL;
	struct cgroup *cgrp = NULL;
	struct kernfs_node *kn = NULL;
	KW_READ(cgroups, task->cgroups);
	KW_READ(cgrp, cgroups->dfl_cgrp);
	KW_READ(kn, cgrp->kn);

	for (int pass = 0; pass < 2; pass++) {
		__u32 used = 0;
		struct kernfs_node *node = kn;
		for (int i = 0; i < KW_MAX_CGROUP_LEVELS; i++) {
			used = KW_MASK(used, 4095);
			struct kernfs_node *parent = NULL;
			if (kw_field_exists(((struct kernfs_node___rcu_parent *)0)->__parent))
				KW_READ(parent, ((struct kernfs_node___rcu_parent *)node)->__parent);
			else
				KW_READ(parent, node->parent);
			if (!parent)
				break;
			const char *name = NULL;
			KW_READ(name, node->name);
			long n = bpf_probe_read_kernel_str(&t->data[KW_TMP_HALF], KW_COMPONENT_MAX + 1, name);
			if (n <= 1 || used + (__u32)n + 1 >= KW_TMP_HALF)
				break;
			__u32 len = (__u32)n - 1;
			used += len;
			bpf_probe_read_kernel(&t->data[KW_MASK(KW_TMP_HALF - used, 4095)], KW_MASK(len, 255),
					      &t->data[KW_TMP_HALF]);
			used += 1;
			t->data[KW_MASK(KW_TMP_HALF - used, 4095)] = '/';
			node = parent;
		}
		if (used != 0 || pass == 1)
			return KW_TMP_HALF - used;
		/* Root of the unified hierarchy: probably cgroup v1, use the memory controller. */
		struct cgroup_subsys_state *css = NULL;
		int id = __builtin_preserve_enum_value(*(typeof(enum cgroup_subsys_id) *)memory_cgrp_id, 1);
		if (id < 0 || id >= 16)
			return KW_TMP_HALF;
		bpf_probe_read_kernel(&css, sizeof(css), (void *)KW_CORE(cgroups->subsys[0]) + id * sizeof(void *));
		if (!css)
			return KW_TMP_HALF;
		KW_READ(cgrp, css->cgroup);
		KW_READ(kn, cgrp->kn);
	}
	return KW_TMP_HALF;
}

static __always_inline __u32 pid_nr(struct pid *pid, int virtual)
{
	if (!pid)
		return 0;
	unsigned int level = 0;
	int nr = 0;
	if (virtual)
		KW_READ(level, pid->level);
	bpf_probe_read_kernel(&nr, sizeof(nr),
			      (void *)KW_CORE(pid->numbers[0].nr) + (level & 63) * sizeof(struct upid));
	return (__u32)nr;
}

static __always_inline __u64 ts_epoch(__s64 sec, long nsec)
{
	return (__u64)sec * 1000000000ULL + (__u64)nsec;
}

static __always_inline void fill_exe(struct kw_proc *p, struct task_struct *task, struct file *exe,
				     const struct cred *cred)
{
	if (!exe)
		return;
	struct inode *inode = NULL;
	KW_READ(inode, exe->f_inode);
	if (!inode)
		return;
	unsigned long ino = 0;
	KW_READ(ino, inode->i_ino);
	p->exe_ino = ino;

	if (kw_field_exists(((struct inode___split_times *)0)->i_ctime_sec)) {
		struct inode___split_times *i = (void *)inode;
		__s64 s = 0;
		__u32 ns = 0;
		KW_READ(s, i->i_ctime_sec);
		KW_READ(ns, i->i_ctime_nsec);
		p->exe_ctime = ts_epoch(s, ns);
		KW_READ(s, i->i_mtime_sec);
		KW_READ(ns, i->i_mtime_nsec);
		p->exe_mtime = ts_epoch(s, ns);
	} else if (kw_field_exists(((struct inode___v6_6 *)0)->__i_ctime)) {
		struct inode___v6_6 *i = (void *)inode;
		struct timespec64 ts = {};
		KW_READ(ts, i->__i_ctime);
		p->exe_ctime = ts_epoch(ts.tv_sec, ts.tv_nsec & 0x3fffffff);
		KW_READ(ts, i->i_mtime);
		p->exe_mtime = ts_epoch(ts.tv_sec, ts.tv_nsec);
	} else {
		struct inode___old_times *i = (void *)inode;
		struct timespec64 ts = {};
		KW_READ(ts, i->i_ctime);
		p->exe_ctime = ts_epoch(ts.tv_sec, ts.tv_nsec);
		KW_READ(ts, i->i_mtime);
		p->exe_mtime = ts_epoch(ts.tv_sec, ts.tv_nsec);
	}

	/* Writable by the process: owner, group or other write bit for its fs ids, or
	 * CAP_DAC_OVERRIDE (Falco's approximation of inode_permission(MAY_WRITE)). */
	unsigned short mode = 0;
	__u32 iuid = 0, igid = 0, fsuid = 0, fsgid = 0;
	KW_READ(mode, inode->i_mode);
	KW_READ(iuid, inode->i_uid.val);
	KW_READ(igid, inode->i_gid.val);
	KW_READ(fsuid, cred->fsuid.val);
	KW_READ(fsgid, cred->fsgid.val);
	if ((iuid == fsuid && (mode & 0200)) || (igid == fsgid && (mode & 0020)) || (mode & 0002) ||
	    (p->cap_effective & (1ULL << CAP_DAC_OVERRIDE)))
		p->exe_flags |= KW_EXE_WRITABLE;

	struct super_block *sb = NULL;
	unsigned long magic = 0;
	KW_READ(sb, inode->i_sb);
	KW_READ(magic, sb->s_magic);
	if (magic == OVERLAYFS_SUPER_MAGIC && kw_type_exists(struct ovl_inode)) {
		struct ovl_inode *oi = (void *)inode - kw_field_offset(((struct ovl_inode *)0)->vfs_inode);
		struct dentry *upper = NULL;
		KW_READ(upper, oi->__upperdentry);
		p->exe_flags |= upper ? KW_EXE_UPPER_LAYER : KW_EXE_LOWER_LAYER;
	}

	/* memfd files live on the shm mount and are named "memfd:<name>". */
	struct dentry *d = NULL;
	const unsigned char *name = NULL;
	char prefix[6] = {};
	KW_READ(d, exe->f_path.dentry);
	KW_READ(name, d->d_name.name);
	bpf_probe_read_kernel(prefix, sizeof(prefix), name);
	if (prefix[0] == 'm' && prefix[1] == 'e' && prefix[2] == 'm' && prefix[3] == 'f' && prefix[4] == 'd' &&
	    prefix[5] == ':')
		p->exe_flags |= KW_EXE_FROM_MEMFD;
}

static __always_inline void fill_proc(struct kw_proc *p, struct task_struct *task)
{
	struct task_struct *parent = NULL;
	int ppid = 0;
	KW_READ(parent, task->real_parent);
	KW_READ(ppid, parent->tgid);
	p->ppid = (__u32)ppid;

	const struct cred *cred = NULL;
	KW_READ(cred, task->cred);
	KW_READ(p->uid, cred->uid.val);
	KW_READ(p->gid, cred->gid.val);
	KW_READ(p->euid, cred->euid.val);
	KW_READ(p->egid, cred->egid.val);
	KW_READ(p->cap_inheritable, cred->cap_inheritable.val);
	KW_READ(p->cap_permitted, cred->cap_permitted.val);
	KW_READ(p->cap_effective, cred->cap_effective.val);

	p->loginuid = 0xffffffff;
	if (kw_field_exists(task->loginuid))
		KW_READ(p->loginuid, task->loginuid.val);

	struct signal_struct *sig = NULL;
	struct tty_struct *tty = NULL;
	KW_READ(sig, task->signal);
	KW_READ(tty, sig->tty);
	if (tty) {
		struct tty_driver *drv = NULL;
		int index = 0, major = 0, minor_start = 0;
		KW_READ(index, tty->index);
		KW_READ(drv, tty->driver);
		KW_READ(major, drv->major);
		KW_READ(minor_start, drv->minor_start);
		__u32 minor = (__u32)(minor_start + index);
		p->tty = (minor & 0xff) | ((__u32)major << 8) | ((minor & ~0xffU) << 12);
	}

	struct pid *tpid = NULL, *lpid = NULL, *spid = NULL, *gpid = NULL;
	struct task_struct *leader = NULL;
	KW_READ(tpid, task->thread_pid);
	KW_READ(leader, task->group_leader);
	KW_READ(lpid, leader->thread_pid);
	KW_READ(spid, sig->pids[PIDTYPE_SID]);
	KW_READ(gpid, sig->pids[PIDTYPE_PGID]);
	p->vtid = pid_nr(tpid, 1);
	p->vpid = pid_nr(lpid, 1);
	p->sid = pid_nr(spid, 1);
	p->vpgid = pid_nr(gpid, 1);

	KW_READ(p->start_ts, task->start_boottime);
	if (lpid) {
		unsigned int level = 0;
		struct pid_namespace *ns = NULL;
		struct task_struct *reaper = NULL;
		KW_READ(level, lpid->level);
		bpf_probe_read_kernel(&ns, sizeof(ns),
				      (void *)KW_CORE(lpid->numbers[0].ns) + (level & 63) * sizeof(struct upid));
		if (ns) {
			KW_READ(reaper, ns->child_reaper);
			if (reaper)
				KW_READ(p->pidns_init_start, reaper->start_boottime);
		}
	}
}

static __always_inline struct kw_buf *begin(struct kw_hdr **hp, __u16 kind, __u32 tgid, __u32 tid)
{
	__u32 zero = 0;
	struct kw_buf *b = bpf_map_lookup_elem(&kw_scratch, &zero);
	if (!b)
		return NULL;
	struct kw_hdr *h = (void *)b->data;
	h->ts = bpf_ktime_get_boot_ns();
	h->len = 0;
	h->kind = kind;
	h->nr = 0;
	h->tgid = tgid;
	h->tid = tid;
	h->res = 0;
	for (int i = 0; i < 6; i++)
		h->args[i] = 0;
	h->nvar = 0;
	h->flags = 0;
	h->cpu = bpf_get_smp_processor_id();
	*hp = h;
	return b;
}

static __always_inline void submit(struct kw_buf *b, struct kw_hdr *h, __u32 off)
{
	if (off > KW_HALF)
		off = KW_HALF;
	asm volatile("%0 &= 32767" : "+r"(off));
	h->len = off;
	if (h->flags & KW_F_TRUNCATED)
		stat_add(KW_STAT_TRUNCATED);
	if (bpf_ringbuf_output(&kw_events, b, off, kw_rb_flags) == 0)
		stat_add(KW_STAT_SENT);
	else
		stat_add(KW_STAT_DROPPED);
}

/* struct socket behind `fd` of the current task, or NULL when it is not a socket. */
static __always_inline struct socket *fd_socket(struct task_struct *task, long fd)
{
	struct files_struct *files = NULL;
	struct fdtable *fdt = NULL;
	struct file **fds = NULL;
	struct file *f = NULL;
	struct inode *inode = NULL;
	unsigned int max = 0;
	unsigned short mode = 0;
	if (fd < 0)
		return NULL;
	KW_READ(files, task->files);
	KW_READ(fdt, files->fdt);
	KW_READ(max, fdt->max_fds);
	if ((unsigned long)fd >= max)
		return NULL;
	KW_READ(fds, fdt->fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	if (!f)
		return NULL;
	KW_READ(inode, f->f_inode);
	KW_READ(mode, inode->i_mode);
	if ((mode & S_IFMT) != S_IFSOCK)
		return NULL;
	struct socket *s = NULL;
	KW_READ(s, f->private_data);
	return s;
}

static __always_inline __u32 put_sock(struct kw_buf *b, __u32 off, struct task_struct *task, long fd,
				      struct kw_hdr *h)
{
	struct socket *s = fd_socket(task, fd);
	struct sock *sk = NULL;
	if (s)
		KW_READ(sk, s->sk);
	if (!sk || off > KW_HALF - 2 - sizeof(struct kw_sock))
		return put_field(b, off, NULL, 0, KW_READ_KERNEL, h);
	struct kw_sock *k = (void *)&b->data[KW_MASK(off + 2, 16383)];
	KW_READ(k->family, sk->__sk_common.skc_family);
	KW_READ(k->type, sk->sk_type);
	KW_READ(k->protocol, sk->sk_protocol);
	KW_READ(k->sport, sk->__sk_common.skc_num);
	KW_READ(k->dport, sk->__sk_common.skc_dport);
	k->pad = 0;
	if (k->family == 10) {
		KW_READ(k->saddr, sk->__sk_common.skc_v6_rcv_saddr);
		KW_READ(k->daddr, sk->__sk_common.skc_v6_daddr);
	} else {
		for (int i = 0; i < 16; i++) {
			k->saddr[i] = 0;
			k->daddr[i] = 0;
		}
		KW_READ(*(__u32 *)k->saddr, sk->__sk_common.skc_rcv_saddr);
		KW_READ(*(__u32 *)k->daddr, sk->__sk_common.skc_daddr);
	}
	put_u16(b, off, sizeof(struct kw_sock));
	h->nvar += 1;
	return off + 2 + sizeof(struct kw_sock);
}

static __always_inline __u64 arg_of(struct kw_hdr *h, __u32 i)
{
	return i < 6 ? h->args[i & 7] : 0;
}

static __always_inline int ignored(__u32 tgid)
{
	return tgid == kw_ignore_tgid;
}

SEC("tp_btf/sys_exit")
int kw_sys_exit(unsigned long long *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx[0];
	long ret = (long)ctx[1];
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	if (ignored(tgid))
		return 0;

	long id = 0;
	KW_READ(id, regs->orig_ax);
	/* Out-of-range ids (negative: restarted or no syscall) are never looked up. */
	if (id < 0 || id >= KW_MAX_SYSCALLS)
		return 0;
	__u32 nr = (__u32)id;
	struct kw_spec *spec = bpf_map_lookup_elem(&kw_specs, &nr);
	if (!spec || !(spec->flags & KW_SPEC_ENABLED))
		return 0;

	struct task_struct *task = bpf_get_current_task_btf();
	__u32 status = 0;
	KW_READ(status, task->thread_info.status);
	if (status & TS_COMPAT) {
		stat_add(KW_STAT_COMPAT);
		return 0;
	}
	if ((spec->flags & KW_SPEC_SKIP_SUCCESS) && ret == 0)
		return 0;
	stat_add(KW_STAT_SEEN);

	struct kw_hdr *h = NULL;
	struct kw_buf *b = begin(&h, KW_KIND_SYSCALL, tgid, (__u32)pid_tgid);
	if (!b)
		return 0;
	h->nr = (__u16)nr;
	h->res = ret;
	KW_READ(h->args[0], regs->di);
	KW_READ(h->args[1], regs->si);
	KW_READ(h->args[2], regs->dx);
	KW_READ(h->args[3], regs->r10);
	KW_READ(h->args[4], regs->r8);
	KW_READ(h->args[5], regs->r9);

	struct kw_spec s = *spec;
	__u32 off = sizeof(struct kw_hdr);
	struct kw_enter *e = NULL;
	__u32 tid = (__u32)pid_tgid;
	if (s.flags & KW_SPEC_ENTER) {
		e = bpf_map_lookup_elem(&kw_enter_map, &tid);
		if (e && e->nr != nr)
			e = NULL;
		stat_add(e ? KW_STAT_ENTER_HIT : KW_STAT_ENTER_MISS);
	}

	for (int i = 0; i < 6; i++) {
		if (!(s.str_mask & (1 << i)))
			continue;
		if (e && (s.flags & KW_SPEC_ENTER) && s.enter_arg == i) {
			__u32 len = e->len;
			if (len > KW_PATH_MAX)
				len = KW_PATH_MAX;
			off = put_field(b, off, e->data, len, KW_READ_KERNEL, h);
			h->flags |= KW_F_ENTER_CAPTURE;
		} else {
			off = put_field(b, off, (const void *)h->args[i], KW_PATH_MAX, KW_READ_USER_STR, h);
		}
	}

	if (s.flags & KW_SPEC_ADDR) {
		if (e && (s.flags & KW_SPEC_ENTER) && s.enter_arg == s.addr_arg) {
			__u32 len = e->len;
			if (len > KW_SOCKADDR_MAX)
				len = KW_SOCKADDR_MAX;
			off = put_field(b, off, e->data, len, KW_READ_KERNEL, h);
			h->flags |= KW_F_ENTER_CAPTURE;
		} else {
			__u64 len = arg_of(h, s.addr_len_arg);
			if (len > KW_SOCKADDR_MAX)
				len = KW_SOCKADDR_MAX;
			off = put_field(b, off, (const void *)arg_of(h, s.addr_arg), (__u32)len, KW_READ_USER, h);
		}
	}

	if (s.flags & KW_SPEC_MSGHDR) {
		struct kw_user_msghdr m = {};
		bpf_probe_read_user(&m, sizeof(m), (const void *)h->args[1]);
		__u32 len = m.msg_namelen > 0 ? (__u32)m.msg_namelen : 0;
		if (len > KW_SOCKADDR_MAX)
			len = KW_SOCKADDR_MAX;
		off = put_field(b, off, m.msg_name, len, KW_READ_USER, h);
	}

	if (s.flags & KW_SPEC_BLOB) {
		__u32 len = s.blob_len;
		if (len > KW_BLOB_MAX)
			len = KW_BLOB_MAX;
		off = put_field(b, off, (const void *)arg_of(h, s.blob_arg), len, KW_READ_USER, h);
	}

	if (s.flags & KW_SPEC_SOCK_ARG0)
		off = put_sock(b, off, task, (long)h->args[0], h);
	else if (s.flags & KW_SPEC_SOCK_RES)
		off = put_sock(b, off, task, ret, h);

	if (e)
		bpf_map_delete_elem(&kw_enter_map, &tid);
	submit(b, h, off);
	return 0;
}

/* The context of the classic syscalls:sys_enter_* tracepoints (stable layout). */
struct kw_sys_enter_ctx {
	__u64 common;
	long id;
	unsigned long args[6];
};

/* Entry capture for the TOCTOU-sensitive syscalls: string arg or sockaddr. Classic
 * per-syscall tracepoints, as Falco's toctou_mitigation: they cost nothing on other
 * syscalls (a sys_enter dispatcher would tax every one). */
static __always_inline int enter_capture(struct kw_sys_enter_ctx *ctx, __u32 nr, int arg, int is_addr)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (ignored(pid_tgid >> 32))
		return 0;
	struct kw_spec *spec = bpf_map_lookup_elem(&kw_specs, &nr);
	if (!spec || !(spec->flags & KW_SPEC_ENABLED) || !(spec->flags & KW_SPEC_ENTER))
		return 0;
	__u32 zero = 0;
	struct kw_enter *e = bpf_map_lookup_elem(&kw_enter_scratch, &zero);
	if (!e)
		return 0;
	unsigned long ptr = arg == 0 ? ctx->args[0] : ctx->args[1];
	e->nr = nr;
	e->len = 0;
	if (is_addr) {
		unsigned long len = ctx->args[2];
		if (len > KW_SOCKADDR_MAX)
			len = KW_SOCKADDR_MAX;
		len = KW_MASK(len, 255);
		if (len > 0 && bpf_probe_read_user(e->data, len, (void *)ptr) == 0)
			e->len = len;
	} else {
		long n = bpf_probe_read_user_str(e->data, KW_PATH_MAX, (void *)ptr);
		e->len = n > 0 ? (__u32)n : 0;
	}
	__u32 tid = (__u32)pid_tgid;
	bpf_map_update_elem(&kw_enter_map, &tid, e, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_open")
int kw_enter_open(struct kw_sys_enter_ctx *ctx)
{
	return enter_capture(ctx, 2, 0, 0);
}

SEC("tracepoint/syscalls/sys_enter_creat")
int kw_enter_creat(struct kw_sys_enter_ctx *ctx)
{
	return enter_capture(ctx, 85, 0, 0);
}

SEC("tracepoint/syscalls/sys_enter_openat")
int kw_enter_openat(struct kw_sys_enter_ctx *ctx)
{
	return enter_capture(ctx, 257, 1, 0);
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int kw_enter_openat2(struct kw_sys_enter_ctx *ctx)
{
	return enter_capture(ctx, 437, 1, 0);
}

SEC("tracepoint/syscalls/sys_enter_connect")
int kw_enter_connect(struct kw_sys_enter_ctx *ctx)
{
	return enter_capture(ctx, 42, 1, 1);
}

SEC("tp_btf/sched_process_exec")
int kw_exec(unsigned long long *ctx)
{
	struct task_struct *task = (struct task_struct *)ctx[0];
	struct linux_binprm *bprm = (struct linux_binprm *)ctx[2];
	int tgid = 0, pid = 0;
	KW_READ(tgid, task->tgid);
	KW_READ(pid, task->pid);
	if (ignored((__u32)tgid))
		return 0;
	stat_add(KW_STAT_EXEC);

	struct kw_hdr *h = NULL;
	struct kw_buf *b = begin(&h, KW_KIND_EXEC, (__u32)tgid, (__u32)pid);
	if (!b)
		return 0;
	__u32 zero = 0;
	struct kw_tmp *t = bpf_map_lookup_elem(&kw_tmp, &zero);
	if (!t)
		return 0;

	long sysno = -1;
	struct pt_regs *regs = bpf_task_pt_regs(task);
	if (regs)
		KW_READ(sysno, regs->orig_ax);
	if (sysno == NR_EXECVEAT) {
		h->nr = NR_EXECVEAT;
	} else {
		h->nr = NR_EXECVE;
		if (sysno != NR_EXECVE)
			h->flags |= KW_F_KERNEL_EXEC;
	}
	h->args[0] = (__u64)(long)ctx[1]; /* old pid */

	struct kw_proc *p = (void *)&b->data[sizeof(struct kw_hdr)];
	__builtin_memset(p, 0, sizeof(*p));
	fill_proc(p, task);
	const struct cred *cred = NULL;
	struct mm_struct *mm = NULL;
	struct file *exe = NULL;
	KW_READ(cred, task->cred);
	KW_READ(mm, task->mm);
	KW_READ(exe, bprm->file);
	fill_exe(p, task, exe, cred);
	__u32 off = sizeof(struct kw_hdr) + sizeof(struct kw_proc);

	/* 0: filename as passed to exec */
	const char *filename = NULL;
	KW_READ(filename, bprm->filename);
	off = put_field(b, off, filename, KW_PATH_MAX, KW_READ_KERNEL_STR, h);

	/* 1: executable path, walked from the dentry */
	__u32 pos = KW_TMP_HALF;
	if (exe) {
		struct dentry *d = NULL;
		struct vfsmount *m = NULL;
		KW_READ(d, exe->f_path.dentry);
		KW_READ(m, exe->f_path.mnt);
		pos = walk_path(t, d, m);
	}
	off = put_tmp(b, off, t, pos, h);

	/* 2: argv, NUL-separated as the kernel lays it out */
	unsigned long start = 0, end = 0;
	KW_READ(start, mm->arg_start);
	KW_READ(end, mm->arg_end);
	off = put_area(b, off, start, end, h);

	/* 3: comm after the exec */
	off = put_field(b, off, KW_CORE(task->comm), KW_COMM_LEN, KW_READ_KERNEL_STR, h);

	/* 4: cgroup path */
	pos = walk_cgroup(t, task);
	off = put_tmp(b, off, t, pos, h);

	/* 5: the environment, NUL-separated as the kernel lays it out */
	KW_READ(start, mm->env_start);
	KW_READ(end, mm->env_end);
	off = put_area(b, off, start, end, h);

	submit(b, h, off);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int kw_fork(unsigned long long *ctx)
{
	struct task_struct *parent = (struct task_struct *)ctx[0];
	struct task_struct *child = (struct task_struct *)ctx[1];
	int ptgid = 0, ppid = 0, tgid = 0, pid = 0;
	KW_READ(ptgid, parent->tgid);
	KW_READ(ppid, parent->pid);
	if (ignored((__u32)ptgid))
		return 0;
	KW_READ(tgid, child->tgid);
	KW_READ(pid, child->pid);
	stat_add(KW_STAT_FORK);

	struct kw_hdr *h = NULL;
	struct kw_buf *b = begin(&h, KW_KIND_FORK, (__u32)tgid, (__u32)pid);
	if (!b)
		return 0;
	h->args[0] = (__u64)ppid;
	h->args[1] = (__u64)ptgid;
	struct kw_proc *p = (void *)&b->data[sizeof(struct kw_hdr)];
	__builtin_memset(p, 0, sizeof(*p));
	fill_proc(p, child);
	__u32 off = sizeof(struct kw_hdr) + sizeof(struct kw_proc);
	off = put_field(b, off, KW_CORE(child->comm), KW_COMM_LEN, KW_READ_KERNEL_STR, h);
	submit(b, h, off);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int kw_exit(unsigned long long *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	int tgid = 0, pid = 0, code = 0;
	KW_READ(tgid, task->tgid);
	KW_READ(pid, task->pid);
	if (ignored((__u32)tgid))
		return 0;
	stat_add(KW_STAT_EXIT);
	struct kw_hdr *h = NULL;
	struct kw_buf *b = begin(&h, KW_KIND_EXIT, (__u32)tgid, (__u32)pid);
	if (!b)
		return 0;
	struct signal_struct *sig = NULL;
	int live = 0;
	KW_READ(code, task->exit_code);
	KW_READ(sig, task->signal);
	KW_READ(live, sig->live.counter);
	h->res = code;
	h->args[0] = live == 0; /* the whole thread group is gone */
	submit(b, h, sizeof(struct kw_hdr));
	return 0;
}
