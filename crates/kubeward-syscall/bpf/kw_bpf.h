/* SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0) */
/*
 * The few BPF definitions the probe needs, written here so that building the object
 * depends on nothing but clang: integer types, section and map-definition macros,
 * the helper calls used (by their stable numbers from include/uapi/linux/bpf.h) and
 * CO-RE read macros over clang's preserve_access_index builtins.
 */
#ifndef KW_BPF_H
#define KW_BPF_H

typedef unsigned char __u8;
typedef signed char __s8;
typedef unsigned short __u16;
typedef short __s16;
typedef unsigned int __u32;
typedef int __s32;
typedef unsigned long long __u64;
typedef long long __s64;
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s64 s64;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void *)0)

#define SEC(name) __attribute__((section(name), used))
#define __always_inline inline __attribute__((always_inline))

/* BTF-style map definitions (libbpf's convention, which aya understands). */
#define __uint(name, val) int(*name)[val]
#define __type(name, val) typeof(val) *name

enum {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_LRU_HASH = 9,
	BPF_MAP_TYPE_RINGBUF = 27,
};

#define BPF_ANY 0
#define BPF_RB_NO_WAKEUP 1

struct task_struct;
struct pt_regs;

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*bpf_map_update_elem)(void *map, const void *key, const void *value, __u64 flags) = (void *)2;
static long (*bpf_map_delete_elem)(void *map, const void *key) = (void *)3;
static __u32 (*bpf_get_smp_processor_id)(void) = (void *)8;
static __u64 (*bpf_get_current_pid_tgid)(void) = (void *)14;
static long (*bpf_probe_read_user)(void *dst, __u32 size, const void *unsafe_ptr) = (void *)112;
static long (*bpf_probe_read_kernel)(void *dst, __u32 size, const void *unsafe_ptr) = (void *)113;
static long (*bpf_probe_read_user_str)(void *dst, __u32 size, const void *unsafe_ptr) = (void *)114;
static long (*bpf_probe_read_kernel_str)(void *dst, __u32 size, const void *unsafe_ptr) = (void *)115;
static __u64 (*bpf_ktime_get_boot_ns)(void) = (void *)125;
static long (*bpf_ringbuf_output)(void *ringbuf, void *data, __u64 size, __u64 flags) = (void *)130;
static struct task_struct *(*bpf_get_current_task_btf)(void) = (void *)158;
static struct pt_regs *(*bpf_task_pt_regs)(struct task_struct *task) = (void *)175;

/* CO-RE: the access chain is recorded as a relocation and fixed up at load time. */
#define KW_CORE(expr) __builtin_preserve_access_index(&(expr))
#define KW_READ(dst, expr) bpf_probe_read_kernel(&(dst), sizeof(dst), KW_CORE(expr))
#define kw_field_exists(field) __builtin_preserve_field_info(field, 2)
#define kw_field_offset(field) __builtin_preserve_field_info(field, 0)
#define kw_type_exists(type) __builtin_preserve_type_info(*(typeof(type) *)0, 0)

#endif
