//! Linux system call names, to tell a misspelled or invented name from a real one.
//!
//! Written out from the kernel's syscall tables as of Linux 6.15 — for x86_64
//! `arch/x86/entry/syscalls/syscall_64.tbl`, for aarch64 the generic table in
//! `include/uapi/asm-generic/unistd.h` that arm64 uses — and checked against the
//! `asm/unistd_64.h` and `asm-generic/unistd.h` headers of a Debian build machine (which
//! lag a few releases, so the newest names here are not in them). The third list holds
//! names that exist only on other architectures (32-bit x86 and ARM, s390, PowerPC,
//! RISC-V, MIPS and the `_time64` calls of 32-bit ABIs): profiles such as Docker's
//! default name them, and libseccomp resolves them for those architectures.

use std::collections::HashSet;
use std::sync::OnceLock;

/// x86_64 (64-bit ABI).
const X86_64: &str = "\
    _sysctl accept accept4 access acct add_key adjtimex afs_syscall alarm arch_prctl bind bpf \
    brk cachestat capget capset chdir chmod chown chroot clock_adjtime clock_getres \
    clock_gettime clock_nanosleep clock_settime clone clone3 close close_range connect \
    copy_file_range creat create_module delete_module dup dup2 dup3 epoll_create epoll_create1 \
    epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old eventfd \
    eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64 fallocate \
    fanotify_init fanotify_mark fchdir fchmod fchmodat fchmodat2 fchown fchownat fcntl \
    fdatasync fgetxattr finit_module flistxattr flock fork fremovexattr fsconfig fsetxattr \
    fsmount fsopen fspick fstat fstatfs fsync ftruncate futex futex_requeue futex_wait \
    futex_waitv futex_wake futimesat get_kernel_syms get_mempolicy get_robust_list \
    get_thread_area getcpu getcwd getdents getdents64 getegid geteuid getgid getgroups \
    getitimer getpeername getpgid getpgrp getpid getpmsg getppid getpriority getrandom \
    getresgid getresuid getrlimit getrusage getsid getsockname getsockopt gettid gettimeofday \
    getuid getxattr getxattrat init_module inotify_add_watch inotify_init inotify_init1 \
    inotify_rm_watch io_cancel io_destroy io_getevents io_pgetevents io_setup io_submit \
    io_uring_enter io_uring_register io_uring_setup ioctl ioperm iopl ioprio_get ioprio_set \
    kcmp kexec_file_load kexec_load keyctl kill landlock_add_rule landlock_create_ruleset \
    landlock_restrict_self lchown lgetxattr link linkat listen listmount listxattr listxattrat \
    llistxattr lookup_dcookie lremovexattr lseek lsetxattr lsm_get_self_attr lsm_list_modules \
    lsm_set_self_attr lstat madvise map_shadow_stack mbind membarrier memfd_create \
    memfd_secret migrate_pages mincore mkdir mkdirat mknod mknodat mlock mlock2 mlockall mmap \
    modify_ldt mount mount_setattr move_mount move_pages mprotect mq_getsetattr mq_notify \
    mq_open mq_timedreceive mq_timedsend mq_unlink mremap mseal msgctl msgget msgrcv msgsnd \
    msync munlock munlockall munmap name_to_handle_at nanosleep newfstatat nfsservctl open \
    open_by_handle_at open_tree open_tree_attr openat openat2 pause perf_event_open \
    personality pidfd_getfd pidfd_open pidfd_send_signal pipe pipe2 pivot_root pkey_alloc \
    pkey_free pkey_mprotect poll ppoll prctl pread64 preadv preadv2 prlimit64 process_madvise \
    process_mrelease process_vm_readv process_vm_writev pselect6 ptrace putpmsg pwrite64 \
    pwritev pwritev2 query_module quotactl quotactl_fd read readahead readlink readlinkat \
    readv reboot recvfrom recvmmsg recvmsg remap_file_pages removexattr removexattrat rename \
    renameat renameat2 request_key restart_syscall rmdir rseq rt_sigaction rt_sigpending \
    rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait \
    rt_tgsigqueueinfo sched_get_priority_max sched_get_priority_min sched_getaffinity \
    sched_getattr sched_getparam sched_getscheduler sched_rr_get_interval sched_setaffinity \
    sched_setattr sched_setparam sched_setscheduler sched_yield seccomp security select semctl \
    semget semop semtimedop sendfile sendmmsg sendmsg sendto set_mempolicy \
    set_mempolicy_home_node set_robust_list set_thread_area set_tid_address setdomainname \
    setfsgid setfsuid setgid setgroups sethostname setitimer setns setpgid setpriority \
    setregid setresgid setresuid setreuid setrlimit setsid setsockopt settimeofday setuid \
    setxattr setxattrat shmat shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4 \
    socket socketpair splice stat statfs statmount statx swapoff swapon symlink symlinkat sync \
    sync_file_range syncfs sysfs sysinfo syslog tee tgkill time timer_create timer_delete \
    timer_getoverrun timer_gettime timer_settime timerfd_create timerfd_gettime \
    timerfd_settime times tkill truncate tuxcall umask umount2 uname unlink unlinkat unshare \
    uretprobe uselib userfaultfd ustat utime utimensat utimes vfork vhangup vmsplice vserver \
    wait4 waitid write writev";

/// aarch64.
const AARCH64: &str = "\
    accept accept4 acct add_key adjtimex bind bpf brk cachestat capget capset chdir chroot \
    clock_adjtime clock_getres clock_gettime clock_nanosleep clock_settime clone clone3 close \
    close_range connect copy_file_range delete_module dup dup3 epoll_create1 epoll_ctl \
    epoll_pwait epoll_pwait2 eventfd2 execve execveat exit exit_group faccessat faccessat2 \
    fadvise64 fallocate fanotify_init fanotify_mark fchdir fchmod fchmodat fchmodat2 fchown \
    fchownat fcntl fdatasync fgetxattr finit_module flistxattr flock fremovexattr fsconfig \
    fsetxattr fsmount fsopen fspick fstat fstatfs fsync ftruncate futex futex_requeue \
    futex_wait futex_waitv futex_wake get_mempolicy get_robust_list getcpu getcwd getdents64 \
    getegid geteuid getgid getgroups getitimer getpeername getpgid getpid getppid getpriority \
    getrandom getresgid getresuid getrlimit getrusage getsid getsockname getsockopt gettid \
    gettimeofday getuid getxattr getxattrat init_module inotify_add_watch inotify_init1 \
    inotify_rm_watch io_cancel io_destroy io_getevents io_pgetevents io_setup io_submit \
    io_uring_enter io_uring_register io_uring_setup ioctl ioprio_get ioprio_set kcmp \
    kexec_file_load kexec_load keyctl kill landlock_add_rule landlock_create_ruleset \
    landlock_restrict_self lgetxattr linkat listen listmount listxattr listxattrat llistxattr \
    lookup_dcookie lremovexattr lseek lsetxattr lsm_get_self_attr lsm_list_modules \
    lsm_set_self_attr madvise map_shadow_stack mbind membarrier memfd_create memfd_secret \
    migrate_pages mincore mkdirat mknodat mlock mlock2 mlockall mmap mount mount_setattr \
    move_mount move_pages mprotect mq_getsetattr mq_notify mq_open mq_timedreceive \
    mq_timedsend mq_unlink mremap mseal msgctl msgget msgrcv msgsnd msync munlock munlockall \
    munmap name_to_handle_at nanosleep newfstatat nfsservctl open_by_handle_at open_tree \
    open_tree_attr openat openat2 perf_event_open personality pidfd_getfd pidfd_open \
    pidfd_send_signal pipe2 pivot_root pkey_alloc pkey_free pkey_mprotect ppoll prctl pread64 \
    preadv preadv2 prlimit64 process_madvise process_mrelease process_vm_readv \
    process_vm_writev pselect6 ptrace pwrite64 pwritev pwritev2 quotactl quotactl_fd read \
    readahead readlinkat readv reboot recvfrom recvmmsg recvmsg remap_file_pages removexattr \
    removexattrat renameat renameat2 request_key restart_syscall rseq rt_sigaction \
    rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait \
    rt_tgsigqueueinfo sched_get_priority_max sched_get_priority_min sched_getaffinity \
    sched_getattr sched_getparam sched_getscheduler sched_rr_get_interval sched_setaffinity \
    sched_setattr sched_setparam sched_setscheduler sched_yield seccomp semctl semget semop \
    semtimedop sendfile sendmmsg sendmsg sendto set_mempolicy set_mempolicy_home_node \
    set_robust_list set_tid_address setdomainname setfsgid setfsuid setgid setgroups \
    sethostname setitimer setns setpgid setpriority setregid setresgid setresuid setreuid \
    setrlimit setsid setsockopt settimeofday setuid setxattr setxattrat shmat shmctl shmdt \
    shmget shutdown sigaltstack signalfd4 socket socketpair splice statfs statmount statx \
    swapoff swapon symlinkat sync sync_file_range syncfs sysinfo syslog tee tgkill \
    timer_create timer_delete timer_getoverrun timer_gettime timer_settime timerfd_create \
    timerfd_gettime timerfd_settime times tkill truncate umask umount2 uname unlinkat unshare \
    userfaultfd utimensat vhangup vmsplice wait4 waitid write writev";

/// Only on other architectures.
const OTHER_ARCHES: &str = "\
    _llseek _newselect arm_fadvise64_64 arm_sync_file_range bdflush break breakpoint cachectl \
    cacheflush chown32 clock_adjtime64 clock_getres_time64 clock_gettime64 \
    clock_nanosleep_time64 clock_settime64 fadvise64_64 fchown32 fcntl64 fstat64 fstatat \
    fstatat64 fstatfs64 ftime ftruncate64 futex_time64 getegid32 geteuid32 getgid32 \
    getgroups32 getpagesize getresgid32 getresuid32 getuid32 gtty idle io_pgetevents_time64 \
    ipc lchown32 llseek lock lstat64 mmap2 mpx mq_timedreceive_time64 mq_timedsend_time64 \
    multiplexer nice oldfstat oldlstat oldolduname oldstat olduname pciconfig_iobase \
    pciconfig_read pciconfig_write ppoll_time64 prof profil pselect6_time64 readdir recv \
    recvmmsg_time64 riscv_flush_icache riscv_hwprobe rt_sigtimedwait_time64 rtas \
    s390_guarded_storage s390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr s390_sthyi \
    sched_rr_get_interval_time64 semtimedop_time64 send sendfile64 set_tls setfsgid32 \
    setfsuid32 setgid32 setgroups32 setregid32 setresgid32 setresuid32 setreuid32 setuid32 \
    sgetmask sigaction signal sigpending sigprocmask sigreturn sigsuspend socketcall \
    spu_create spu_run ssetmask stat64 statfs64 stime stty subpage_prot swapcontext \
    switch_endian sync_file_range2 sys_debug_setcontext sysmips timer_gettime64 \
    timer_settime64 timerfd_gettime64 timerfd_settime64 truncate64 ugetrlimit ulimit umount \
    usr26 usr32 utimensat_time64 vm86 vm86old waitpid";

fn set(
    cell: &'static OnceLock<HashSet<&'static str>>,
    names: &'static str,
) -> &'static HashSet<&'static str> {
    cell.get_or_init(|| names.split_ascii_whitespace().collect())
}

/// Whether `name` is a system call on x86_64 or aarch64.
pub fn is_native(name: &str) -> bool {
    static X: OnceLock<HashSet<&str>> = OnceLock::new();
    static A: OnceLock<HashSet<&str>> = OnceLock::new();
    set(&X, X86_64).contains(name) || set(&A, AARCH64).contains(name)
}

/// Whether `name` is a system call on some architecture libseccomp knows.
pub fn is_known(name: &str) -> bool {
    static O: OnceLock<HashSet<&str>> = OnceLock::new();
    is_native(name) || set(&O, OTHER_ARCHES).contains(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables() {
        for n in ["read", "clone3", "openat2", "io_uring_setup", "arch_prctl"] {
            assert!(is_native(n), "{n}");
        }
        // aarch64 has no open(2) but x86_64 does; both count as native.
        assert!(is_native("open"));
        assert!(is_known("socketcall") && !is_native("socketcall"));
        assert!(!is_known("opne") && !is_known("") && !is_known("READ"));
    }
}
