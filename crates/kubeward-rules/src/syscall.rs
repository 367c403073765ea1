//! The syscall source's field table (libsinsp filterchecks and the container
//! plugin), so Falco's syscall rulesets load and validate. No syscall events are
//! produced here, so the source is inactive.
//!
//! Each line: name, type, flags. Types: s string, i64, u64, b bool, rel, abs, ip,
//! net, port, buf, f64, dyn. Flags: `!` argument required, `?` optional, `.` argument
//! may follow a dot, `L` list, `F` filter only, `P` print only, `D` deprecated, `A`
//! ancestor field (without argument, any ancestor matches).

use crate::source::{ArgSpec, FieldDef, FieldType, SourceSpec};

const TABLE: &str = "
evt.num u64|evt.time s|evt.time.s s|evt.time.iso8601 s|evt.datetime s|evt.datetime.s s
evt.rawtime abs|evt.rawtime.s abs|evt.rawtime.ns abs|evt.reltime rel|evt.reltime.s rel|evt.reltime.ns rel
evt.pluginname s|evt.plugininfo s|evt.source s|evt.is_async b|evt.asynctype s|evt.hostname s
evt.latency rel D|evt.latency.s rel D|evt.latency.ns rel D|evt.latency.human s D|evt.latency.quantized u64 D
evt.deltatime rel|evt.deltatime.s rel|evt.deltatime.ns rel|evt.outputtime s P|evt.dir s D|evt.type s
evt.type.is u64 !.|syscall.type s|evt.category s|evt.cpu i64|evt.args s|evt.arg s !.|evt.rawarg dyn !.
evt.info s|evt.buffer buf|evt.buflen u64|evt.res s|evt.rawres i64|evt.failed b|evt.is_io b
evt.is_io_read b|evt.is_io_write b|evt.io_dir s|evt.is_wait b|evt.wait_latency rel D|evt.is_syslog b
evt.count u64|evt.count.error u64|evt.count.error.file u64|evt.count.error.net u64
evt.count.error.memory u64|evt.count.error.other u64|evt.count.exit u64|evt.count.procinfo u64
evt.count.threadinfo u64|evt.around u64 !F|evt.abspath s ?.|evt.is_open_read b|evt.is_open_write b
evt.is_open_exec b|evt.is_open_create b|evt.buflen.in u64|evt.buflen.out u64|evt.buflen.file u64
evt.buflen.file.in u64|evt.buflen.file.out u64|evt.buflen.net u64|evt.buflen.net.in u64|evt.buflen.net.out u64
proc.exe s|proc.pexe s|proc.aexe s ?A|proc.exepath s|proc.pexepath s|proc.aexepath s ?A|proc.name s
proc.pname s|proc.aname s ?A|proc.args s ?|proc.aargs s ?|proc.cmdline s|proc.pcmdline s|proc.acmdline s ?A
proc.cmdnargs u64|proc.cmdlenargs u64|proc.exeline s|proc.env s ?|proc.aenv s ?A|proc.cwd s
proc.loginshellid i64|proc.tty u64|proc.pid i64|proc.ppid i64|proc.apid i64 ?A|proc.vpid i64|proc.pvpid i64
proc.sid i64|proc.sname s|proc.sid.exe s|proc.sid.exepath s|proc.vpgid i64|proc.pgid i64
proc.vpgid.name s|proc.vpgid.exe s|proc.vpgid.exepath s|proc.pgid.name s|proc.pgid.exe s|proc.pgid.exepath s
proc.duration rel|proc.ppid.duration rel|proc.pid.ts rel|proc.ppid.ts rel|proc.is_exe_writable b
proc.is_exe_upper_layer b|proc.is_exe_lower_layer b|proc.is_exe_from_memfd b|proc.is_sid_leader b
proc.is_vpgid_leader b|proc.is_pgid_leader b|proc.exe_ino i64|proc.exe_ino.ctime abs|proc.exe_ino.mtime abs
proc.exe_ino.ctime_duration_proc_start abs|proc.exe_ino.ctime_duration_pidns_start abs
proc.pidns_init_start_ts u64|proc.fdopencount u64|proc.fdlimit i64|proc.fdusage f64|proc.vmsize u64
proc.vmrss u64|proc.vmswap u64|proc.nthreads u64|proc.nchilds u64|proc.stdin.type s|proc.stdin.name s
proc.stdout.type s|proc.stdout.name s|proc.stderr.type s|proc.stderr.name s
thread.cap_permitted s|thread.cap_inheritable s|thread.cap_effective s|thread.pfmajor u64|thread.pfminor u64
thread.tid i64|thread.ismain b|thread.vtid i64|thread.exectime rel|thread.totexectime rel|thread.cgroups s
thread.cgroup s !.|thread.cpu f64|thread.cpu.user f64|thread.cpu.system f64|thread.vmsize u64|thread.vmrss u64
thread.nametid s|thread.vmsize.b u64|thread.vmrss.b u64
user.uid u64|user.name s|user.homedir s|user.shell s|user.loginuid i64|user.loginname s|group.gid u64|group.name s
fd.num i64|fd.type s|fd.typechar s|fd.name s|fd.directory s|fd.filename s|fd.nameraw s|fd.name_changed b
fd.ip ip F|fd.cip ip|fd.sip ip|fd.lip ip|fd.rip ip|fd.port port F|fd.cport port|fd.sport port|fd.lport port
fd.rport port|fd.l4proto s|fd.sockfamily s|fd.is_server b|fd.uid s|fd.containername s|fd.containerdirectory s
fd.proto port F|fd.cproto s|fd.sproto s|fd.lproto s|fd.rproto s|fd.net net F|fd.cnet net F|fd.snet net F
fd.lnet net F|fd.rnet net F|fd.connected b|fd.cip.name s|fd.sip.name s|fd.lip.name s|fd.rip.name s
fd.dev i64|fd.dev.major i64|fd.dev.minor i64|fd.ino i64|fd.types s ?L|fd.is_upper_layer b|fd.is_lower_layer b
fdlist.nums s|fdlist.names s|fdlist.cips s|fdlist.sips s|fdlist.cports s|fdlist.sports s
fs.path.name s|fs.path.nameraw s|fs.path.source s|fs.path.sourceraw s|fs.path.target s|fs.path.targetraw s
container.id s|container.full_id s|container.name s|container.image s|container.image.id s|container.type s
container.privileged b|container.mounts s|container.mount s !|container.mount.source s !|container.mount.dest s !
container.mount.mode s !|container.mount.rdwr s !|container.mount.propagation s !|container.image.repository s
container.image.tag s|container.image.digest s|container.healthcheck s|container.liveness_probe s
container.readiness_probe s|container.start_ts abs|container.duration rel|container.ip s|container.cni.json s
container.host_pid b|container.host_network b|container.host_ipc b|container.label s !.|container.labels s
proc.is_container_healthcheck b|proc.is_container_liveness_probe b|proc.is_container_readiness_probe b
k8s.pod.name s|k8s.pod.id s|k8s.pod.uid s|k8s.pod.sandbox_id s|k8s.pod.full_sandbox_id s|k8s.pod.labels s
k8s.pod.ip s|k8s.pod.cni.json s|k8s.pod.label s !.|k8s.ns.name s|k8s.ns.id s D|k8s.ns.label s !.D|k8s.ns.labels s D
k8s.rc.name s D|k8s.rc.id s D|k8s.rc.label s !.D|k8s.rc.labels s D|k8s.svc.name s D|k8s.svc.id s D
k8s.svc.label s !.D|k8s.svc.labels s D|k8s.rs.name s D|k8s.rs.id s D|k8s.rs.label s !.D|k8s.rs.labels s D
k8s.deployment.name s D|k8s.deployment.id s D|k8s.deployment.label s !.D|k8s.deployment.labels s D
";

/// What `evt.type` may be compared with: libsinsp's syscall codes (`ppm_sc` names,
/// tracepoints included) and the event table's own names (`procexit`, `pluginevent`,
/// `pread`, …). Anything else is `unknown event type X`.
const EVENT_NAMES: &str = "
_llseek _newselect _sysctl accept accept4 access acct add_key adjtimex alarm arch_prctl
asyncevent bdflush bind bpf brk capget capset chdir chmod chown chroot clock_adjtime
clock_getres clock_gettime clock_nanosleep clock_settime clone clone3 close close_range
connect container copy_file_range cpu_hotplug creat create_module delete_module drop dup
dup2 dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2
epoll_wait epoll_wait_old eventfd eventfd2 execve execveat exit exit_group faccessat
faccessat2 fadvise64 fallocate fanotify_init fanotify_mark fchdir fchmod fchmodat fchown
fchownat fcntl fcntl64 fdatasync fgetxattr finit_module flistxattr flock fork fremovexattr
fsconfig fsetxattr fsmount fsopen fspick fstat fstat64 fstatat64 fstatfs fstatfs64 fsync
ftruncate futex futex_waitv futimesat get_kernel_syms get_mempolicy get_robust_list
get_thread_area getcpu getcwd getdents getdents64 getegid getegid32 geteuid geteuid32 getgid
getgid32 getgroups getitimer getpeername getpgid getpgrp getpid getpmsg getppid getpriority
getrandom getresgid getresgid32 getresuid getresuid32 getrlimit getrusage getsid getsockname
getsockopt gettid gettimeofday getuid getuid32 getxattr infra init_module inotify_add_watch
inotify_init inotify_init1 inotify_rm_watch io_cancel io_destroy io_getevents io_pgetevents
io_setup io_submit io_uring_enter io_uring_register io_uring_setup ioctl ioperm iopl
ioprio_get ioprio_set ipc k8s kcmp kexec_file_load kexec_load keyctl kill landlock_add_rule
landlock_create_ruleset landlock_restrict_self lchown lgetxattr link linkat listen listxattr
llistxattr llseek lookup_dcookie lremovexattr lseek lsetxattr lstat lstat64 madvise mbind
membarrier memfd_create memfd_secret mesos migrate_pages mincore mkdir mkdirat mknod mknodat
mlock mlock2 mlockall mmap mmap2 modify_ldt mount mount_setattr move_mount move_pages
mprotect mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedsend mq_unlink mremap
msgctl msgget msgrcv msgsnd msync munlock munlockall munmap name_to_handle_at nanosleep
newfstatat nfsservctl nice notification olduname open open_by_handle_at open_tree openat
openat2 page_fault_kernel page_fault_user pagefault pause perf_event_open personality
pidfd_getfd pidfd_open pidfd_send_signal pipe pipe2 pivot_root pkey_alloc pkey_free
pkey_mprotect pluginevent poll ppoll prctl pread pread64 preadv preadv2 prlimit64
process_madvise process_mrelease process_vm_readv process_vm_writev procexit procinfo
pselect6 ptrace pwrite pwrite64 pwritev pwritev2 query_module quotactl quotactl_fd read
readahead readlink readlinkat readv reboot recv recvfrom recvmmsg recvmsg remap_file_pages
removexattr rename renameat renameat2 request_key restart_syscall rmdir rseq rt_sigaction
rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait
rt_tgsigqueueinfo scapevent sched_get_priority_max sched_get_priority_min sched_getaffinity
sched_getattr sched_getparam sched_getscheduler sched_process_exit sched_rr_get_interval
sched_setaffinity sched_setattr sched_setparam sched_setscheduler sched_switch sched_yield
seccomp select semctl semget semop semtimedop send sendfile sendfile64 sendmmsg sendmsg
sendto set_mempolicy set_mempolicy_home_node set_robust_list set_thread_area set_tid_address
setdomainname setfsgid setfsuid setgid setgid32 setgroups sethostname setitimer setns
setpgid setpriority setregid setresgid setresgid32 setresuid setresuid32 setreuid setrlimit
setsid setsockopt settimeofday setuid setuid32 setxattr sgetmask shmat shmctl shmdt shmget
shutdown sigaltstack signal signal_deliver signaldeliver signalfd signalfd4 sigpending
sigprocmask socket socketcall socketpair splice ssetmask stat stat64 statfs statfs64 statx
stime swapoff swapon switch symlink symlinkat sync sync_file_range syncfs syscall
sysdigevent sysfs sysinfo syslog tee tgkill time timer_create timer_delete timer_getoverrun
timer_gettime timer_settime timerfd_create timerfd_gettime timerfd_settime times tkill
tracer truncate ugetrlimit umask umount umount2 uname unlink unlinkat unshare uselib
userfaultfd ustat utime utimensat utimes vfork vhangup vmsplice wait4 waitid waitpid write
writev
";

/// Every name `evt.type` knows, sorted.
pub fn event_names() -> impl Iterator<Item = &'static str> {
    EVENT_NAMES.split_whitespace()
}

/// Whether `evt.type` knows the event name `name`.
pub(crate) fn is_event_name(name: &str) -> bool {
    event_names().any(|n| n == name)
}

/// The syscall source: `syscall`, inactive, standing for the container plugin.
pub fn spec() -> SourceSpec {
    let mut fields = Vec::new();
    for (id, entry) in TABLE
        .split(['|', '\n'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .enumerate()
    {
        let mut parts = entry.split_whitespace();
        let (Some(name), Some(ty)) = (parts.next(), parts.next()) else {
            continue;
        };
        let flags = parts.next().unwrap_or("");
        let ty = match ty {
            "i64" => FieldType::I64,
            "u64" => FieldType::U64,
            "b" => FieldType::Bool,
            "rel" => FieldType::RelTime,
            "abs" => FieldType::AbsTime,
            "ip" => FieldType::IpAddr,
            "net" => FieldType::IpNet,
            "port" => FieldType::Port,
            "buf" => FieldType::Bytes,
            "f64" => FieldType::F64,
            "dyn" => FieldType::Dyn,
            _ => FieldType::String,
        };
        let mut f = FieldDef::new(
            u32::try_from(id).unwrap_or(u32::MAX),
            name.to_owned(),
            ty,
            "",
        );
        let mut arg = if flags.contains('!') {
            ArgSpec::index_or_key(true)
        } else if flags.contains('?') {
            ArgSpec::index_or_key(false)
        } else {
            ArgSpec::NONE
        };
        if flags.contains('.') {
            arg = arg.dotted();
        }
        f = f.arg(arg);
        f.list = flags.contains('L');
        f.filter_only = flags.contains('F');
        f.print_only = flags.contains('P');
        f.deprecated = flags.contains('D');
        f.ancestors = flags.contains('A');
        fields.push(f);
    }
    let mut spec = SourceSpec::new("syscall", fields).with_plugin("container", "0.4.0");
    spec.active = false;
    spec
}

#[cfg(test)]
mod tests {
    #[test]
    fn event_names_are_sorted_unique_and_cover_upstream_rules() {
        let names: Vec<&str> = super::event_names().collect();
        assert!(names.windows(2).all(|w| w[0] < w[1]));
        for n in [
            "execve",
            "openat2",
            "connect",
            "ptrace",
            "userfaultfd",
            "procexit",
        ] {
            assert!(super::is_event_name(n), "{n}");
        }
        assert!(!super::is_event_name("some_invalid_event"));
    }
}
