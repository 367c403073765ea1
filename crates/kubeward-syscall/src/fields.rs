//! The `syscall` source as the engine sees it: the field table of
//! `kubeward_rules::syscall` (names, types, argument rules, flags: one table for
//! validation and evaluation), made active, and for each field the extraction it gets
//! here ([`Field`]). The engine's generic `evt.*` fields (time, number, hostname,
//! source) are left to the engine. Fields this source cannot know yet (Kubernetes
//! metadata, container runtime metadata, memory and CPU counters, DNS names) have no
//! extraction: they are always missing, which Falco prints as `<NA>`.

use kubeward_rules::source::SourceSpec;

/// The engine's generic fields, which it extracts itself from [`Event::time_ns`],
/// [`Event::num`] and the ruleset's settings.
///
/// [`Event::time_ns`]: kubeward_rules::source::Event::time_ns
/// [`Event::num`]: kubeward_rules::source::Event::num
const GENERIC: &[&str] = &[
    "evt.num",
    "evt.time",
    "evt.time.s",
    "evt.time.iso8601",
    "evt.datetime",
    "evt.datetime.s",
    "evt.rawtime",
    "evt.rawtime.s",
    "evt.rawtime.ns",
    "evt.source",
    "evt.hostname",
    "evt.is_async",
];

/// How a field is extracted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// A field this source cannot extract: always missing (Falco prints `<NA>`).
    Unsupported,
    // evt.*
    /// `evt.buffer`: the data a `recvfrom` read (at most 64 bytes, as many as it returned).
    EvtBuffer,
    /// `evt.type`: the event's name, e.g. `open` or `execve`.
    EvtType,
    /// `evt.dir`: the event's direction: `>` for a syscall's enter event, `<` for its exit event.
    EvtDir,
    /// `evt.res`: the syscall's result as text: `SUCCESS`, or the errno name such as `ENOENT`.
    EvtRes,
    /// `evt.rawres`: the syscall's return value as a number.
    EvtRawRes,
    /// `evt.failed`: whether the syscall returned an error.
    EvtFailed,
    /// `evt.args`, `evt.info`: all the event's arguments as one `name=value` text (`evt.info` is the same here).
    EvtArgs,
    /// `evt.arg`: one argument of the event, by name or index, rendered as Falco prints it.
    EvtArg,
    /// `evt.rawarg`: one argument of the event, by name, with its raw typed value.
    EvtRawArg,
    /// `evt.is_open_read`: whether an open-family event opened a file for reading.
    EvtIsOpenRead,
    /// `evt.is_open_write`: whether an open-family event opened a file for writing.
    EvtIsOpenWrite,
    /// `evt.is_open_exec`: whether an open-family event created or opened a file with execute permission.
    EvtIsOpenExec,
    /// `evt.is_open_create`: whether an open-family event created the file (`O_CREAT` took effect).
    EvtIsOpenCreate,
    /// `evt.cpu`: the CPU the event was captured on.
    EvtCpu,
    /// `evt.type.is`: 1 when the event's type is the one named in the argument, else 0.
    EvtTypeIs,
    /// `syscall.type`: the syscall's name for syscall events; missing for other events.
    SyscallType,
    /// `evt.latency`: the time between the syscall's enter and exit events (and its `.s`, `.ns`, `.quantized` forms).
    EvtLatency,
    /// `evt.count`: 1 for every event, to count them.
    EvtCount,
    /// `evt.count.error`: 1 for an exit event that returned an error.
    EvtCountError,
    /// `evt.count.exit`: 1 for every exit event.
    EvtCountExit,
    /// `evt.abspath`: the absolute path an event acts on, resolving a `*at` syscall's dirfd against the process's fds and cwd.
    EvtAbspath,
    /// `evt.is_io`: whether the event reads or writes data (read, write, send, recv, …).
    EvtIsIo,
    /// `evt.is_io_read`: whether the event reads data.
    EvtIsIoRead,
    /// `evt.is_io_write`: whether the event writes data.
    EvtIsIoWrite,
    /// `evt.is_wait`: whether the event makes the thread wait (always false from this source).
    EvtIsWait,
    /// `evt.is_syslog`: whether the event writes to `/dev/log`.
    EvtIsSyslog,
    /// `evt.category`: the event's category (`file`, `net`, `process`, …); not extracted by this source, so always missing.
    EvtCategory,
    // proc.*
    /// `proc.exe`: the first command-line argument (`argv[0]`) of the process.
    ProcExe,
    /// `proc.pexe`: `proc.exe` of the parent process.
    ProcPexe,
    /// `proc.aexe`: `proc.exe` of an ancestor (`[n]`: the n-th; none: any).
    ProcAexe,
    /// `proc.exepath`: the full path of the process's executable, from the kernel.
    ProcExepath,
    /// `proc.pexepath`: `proc.exepath` of the parent process.
    ProcPexepath,
    /// `proc.aexepath`: `proc.exepath` of an ancestor (`[n]`: the n-th; none: any).
    ProcAexepath,
    /// `proc.name`: the name of the executable generating the event, without its path.
    ProcName,
    /// `proc.pname`: `proc.name` of the parent process.
    ProcPname,
    /// `proc.aname`: `proc.name` of an ancestor (`[n]`: the n-th; none: any).
    ProcAname,
    /// `proc.args`: the command-line arguments after `argv[0]`, space-separated.
    ProcArgs,
    /// `proc.env`: the environment, `NAME=value` entries space-separated; `proc.env[NAME]`
    /// one variable's value (empty when unset).
    ProcEnv,
    /// `proc.cmdline`: `proc.name` followed by `proc.args`.
    ProcCmdline,
    /// `proc.pcmdline`: `proc.cmdline` of the parent process.
    ProcPcmdline,
    /// `proc.acmdline`: `proc.cmdline` of an ancestor (`[n]`: the n-th; none: any).
    ProcAcmdline,
    /// `proc.cmdnargs`: the number of command-line arguments (after `argv[0]`).
    ProcCmdnargs,
    /// `proc.cmdlenargs`: the total length of the command-line arguments, spaces excluded.
    ProcCmdlenargs,
    /// `proc.exeline`: `proc.exe` followed by `proc.args`.
    ProcExeline,
    /// `proc.cwd`: the process's current working directory.
    ProcCwd,
    /// `proc.loginshellid`: the pid of the oldest shell among the process's ancestors (its login shell).
    ProcLoginshellid,
    /// `proc.tty`: the process's controlling terminal (0 when none).
    ProcTty,
    /// `proc.pid`: the process id (the thread group id, in the host's pid namespace).
    ProcPid,
    /// `proc.ppid`: the parent process's id.
    ProcPpid,
    /// `proc.apid`: the pid of an ancestor (`[n]`: the n-th; none: any).
    ProcApid,
    /// `proc.vpid`: the process id as seen in its own pid namespace.
    ProcVpid,
    /// `proc.pvpid`: the parent's id as seen in its pid namespace.
    ProcPvpid,
    /// `proc.sid`: the process's session id.
    ProcSid,
    /// `proc.sname`: `proc.name` of the session leader.
    ProcSname,
    /// `proc.sid.exe`: `proc.exe` of the session leader.
    ProcSidExe,
    /// `proc.sid.exepath`: `proc.exepath` of the session leader.
    ProcSidExepath,
    /// `proc.vpgid`: the process group id, as seen in the process's pid namespace.
    ProcVpgid,
    /// `proc.vpgid.name`: `proc.name` of the process group leader.
    ProcVpgidName,
    /// `proc.vpgid.exe`: `proc.exe` of the process group leader.
    ProcVpgidExe,
    /// `proc.vpgid.exepath`: `proc.exepath` of the process group leader.
    ProcVpgidExepath,
    /// `proc.duration`: nanoseconds since the process started.
    ProcDuration,
    /// `proc.ppid.duration`: nanoseconds since the parent process started.
    ProcPpidDuration,
    /// `proc.pid.ts`: the process's start time, nanoseconds since the Unix epoch.
    ProcPidTs,
    /// `proc.ppid.ts`: the parent's start time, nanoseconds since the Unix epoch.
    ProcPpidTs,
    /// `proc.is_exe_writable`: whether the executable is writable by the process's user.
    ProcIsExeWritable,
    /// `proc.is_exe_upper_layer`: whether the executable lives in an overlayfs upper layer (written after the container started).
    ProcIsExeUpperLayer,
    /// `proc.is_exe_lower_layer`: whether the executable lives in an overlayfs lower layer (the image).
    ProcIsExeLowerLayer,
    /// `proc.is_exe_from_memfd`: whether the executable is a memfd (fileless execution).
    ProcIsExeFromMemfd,
    /// `proc.is_sid_leader`: whether the process leads its session.
    ProcIsSidLeader,
    /// `proc.is_vpgid_leader`: whether the process leads its process group.
    ProcIsVpgidLeader,
    /// `proc.exe_ino`: the executable's inode number.
    ProcExeIno,
    /// `proc.exe_ino.ctime`: the executable inode's change time, nanoseconds since the Unix epoch.
    ProcExeInoCtime,
    /// `proc.exe_ino.mtime`: the executable inode's modification time, nanoseconds since the Unix epoch.
    ProcExeInoMtime,
    /// `proc.exe_ino.ctime_duration_proc_start`: nanoseconds between the executable inode's ctime and the process's start.
    ProcExeInoCtimeDurationProcStart,
    /// `proc.exe_ino.ctime_duration_pidns_start`: nanoseconds between the pid namespace's start and the executable inode's ctime.
    ProcExeInoCtimeDurationPidnsStart,
    /// `proc.pidns_init_start_ts`: the start time of the pid namespace's init process, nanoseconds since the Unix epoch.
    ProcPidnsInitStartTs,
    /// `proc.fdopencount`: the number of file descriptors the process has open.
    ProcFdopencount,
    /// `proc.stdin.type`, `proc.stdout.type`, `proc.stderr.type`: the fd type of the process's standard input, output or error (the variant holds fd 0, 1 or 2).
    ProcStdType(u8),
    /// `proc.stdin.name`, `proc.stdout.name`, `proc.stderr.name`: the fd name of the process's standard input, output or error (the variant holds fd 0, 1 or 2).
    ProcStdName(u8),
    // thread.*
    /// `thread.cap_permitted`: the thread's permitted capability set, as names.
    ThreadCapPermitted,
    /// `thread.cap_inheritable`: the thread's inheritable capability set, as names.
    ThreadCapInheritable,
    /// `thread.cap_effective`: the thread's effective capability set, as names.
    ThreadCapEffective,
    /// `thread.tid`: the thread id (in the host's pid namespace).
    ThreadTid,
    /// `thread.ismain`: whether the thread is the process's main thread (tid equals pid).
    ThreadIsmain,
    /// `thread.vtid`: the thread id as seen in its pid namespace.
    ThreadVtid,
    /// `thread.nametid`: `proc.name` and the thread id, joined.
    ThreadNametid,
    // user.* / group.*
    /// `user.uid`: the user id the thread runs as.
    UserUid,
    /// `user.name`: the user name of `user.uid`, from the host's passwd database.
    UserName,
    /// `user.homedir`: the home directory of `user.uid`.
    UserHomedir,
    /// `user.shell`: the login shell of `user.uid`.
    UserShell,
    /// `user.loginuid`: the audit login uid (`/proc/<pid>/loginuid`): the user who logged in, kept across su and sudo; -1 when unset.
    UserLoginuid,
    /// `user.loginname`: the user name of `user.loginuid`.
    UserLoginname,
    /// `group.gid`: the group id the thread runs as.
    GroupGid,
    /// `group.name`: the group name of `group.gid`.
    GroupName,
    // fd.*
    /// `fd.num`: the number of the event's file descriptor.
    FdNum,
    /// `fd.type`: the fd's type: `file`, `directory`, `ipv4`, `ipv6`, `unix`, `pipe`, `event`, `signalfd`, `eventpoll`, `inotify`, `timerfd`, `netlink`, `memfd`, ….
    FdType,
    /// `fd.typechar`: the fd's type as one character: `f` file, `4` ipv4, `6` ipv6, `u` unix socket, `p` pipe, ….
    FdTypechar,
    /// `fd.name`: the fd's full name: a file's path, or a connection's `cip:cport->sip:sport` tuple.
    FdName,
    /// `fd.directory`: the directory of a file fd's path.
    FdDirectory,
    /// `fd.filename`: the last component of a file fd's path.
    FdFilename,
    /// `fd.nameraw`: the fd's name as the syscall gave it, before path resolution.
    FdNameraw,
    /// `fd.name_changed`: whether the event changed the fd's name (e.g. a connect or a rename of its file).
    FdNameChanged,
    /// `fd.ip`: either IP address of the connection (matches client or server).
    FdIp,
    /// `fd.cip`: the client IP address of the connection.
    FdCip,
    /// `fd.sip`: the server IP address of the connection.
    FdSip,
    /// `fd.lip`: the local IP address of the connection.
    FdLip,
    /// `fd.rip`: the remote IP address of the connection.
    FdRip,
    /// `fd.cip.name`: the domain name the rules compare with that the client IP resolves
    /// from (libsinsp's DNS manager: names in conditions, resolved in the background).
    FdCipName,
    /// `fd.sip.name`: as `fd.cip.name`, for the server IP.
    FdSipName,
    /// `fd.lip.name`: as `fd.cip.name`, for the local IP.
    FdLipName,
    /// `fd.rip.name`: as `fd.cip.name`, for the remote IP.
    FdRipName,
    /// `fd.port`: either port of the connection (matches client or server).
    FdPort,
    /// `fd.cport`: the client port of the connection.
    FdCport,
    /// `fd.sport`: the server port of the connection.
    FdSport,
    /// `fd.lport`: the local port of the connection.
    FdLport,
    /// `fd.rport`: the remote port of the connection.
    FdRport,
    /// `fd.l4proto`: the connection's layer-4 protocol: `tcp`, `udp`, `icmp` or `raw`.
    FdL4proto,
    /// `fd.sockfamily`: the socket family: `ip` or `unix`.
    FdSockfamily,
    /// `fd.is_server`: whether the process is the server end of the connection.
    FdIsServer,
    /// `fd.containername`: `container.id` and `fd.name`, joined.
    FdContainername,
    /// `fd.containerdirectory`: `container.id` and `fd.directory`, joined.
    FdContainerdirectory,
    /// `fd.proto`: the protocol name of either port (from the services database).
    FdProto,
    /// `fd.cproto`: the protocol name of the client port.
    FdCproto,
    /// `fd.sproto`: the protocol name of the server port.
    FdSproto,
    /// `fd.lproto`: the protocol name of the local port.
    FdLproto,
    /// `fd.rproto`: the protocol name of the remote port.
    FdRproto,
    /// `fd.net`: either IP address of the connection, compared as a network (`fd.net = 10.0.0.0/8`).
    FdNet,
    /// `fd.cnet`: the client IP address, compared as a network.
    FdCnet,
    /// `fd.snet`: the server IP address, compared as a network.
    FdSnet,
    /// `fd.lnet`: the local IP address, compared as a network.
    FdLnet,
    /// `fd.rnet`: the remote IP address, compared as a network.
    FdRnet,
    /// `fd.connected`: whether the socket is connected.
    FdConnected,
    /// `fd.types`: the types of every fd the process has open (a list).
    FdTypes,
    // container.* (from the cgroup path; runtime metadata not available)
    /// `container.id`: the container id from the process's cgroup path, or `host` outside any container.
    ContainerId,
    /// `container.full_id`: the container's full id: `host` outside a container, from the node's pod watch inside one (missing without it).
    ContainerFullId,
    /// `container.name`: the container's name: `host` outside a container, from the node's pod watch inside one (missing without it).
    ContainerName,
    /// `container.image`: the container's image: empty outside a container, from the node's pod watch inside one (missing without it).
    ContainerImage,
    /// `container.image.id`: the container's image id: empty outside a container; from the node's pod watch inside one (missing without it).
    ContainerImageId,
    /// `container.image.repository`: the container image's repository: empty outside a container; from the node's pod watch inside one (missing without it).
    ContainerImageRepository,
    /// `container.image.tag`: the container image's tag: empty outside a container; from the node's pod watch inside one (missing without it).
    ContainerImageTag,
    /// `container.image.digest`: the container image's digest: empty outside a container; from the node's pod watch inside one (missing without it).
    ContainerImageDigest,
    /// `container.type`: the container runtime: `host` outside a container, from the node's pod watch inside one (missing without it).
    ContainerType,
    /// `container.privileged`: whether the container is privileged: false outside a container; from the node's pod watch inside one (missing without it).
    ContainerPrivileged,
    /// `container.start_ts`: when the process's pid namespace init started (the container's start), nanoseconds since the Unix epoch.
    ContainerStartTs,
    /// `container.duration`: nanoseconds since the process's pid namespace init started.
    ContainerDuration,
    /// `container.host_pid`: whether the container shares the host's pid namespace: false outside a container; from the node's pod watch inside one (missing without it).
    ContainerHostPid,
    /// `container.host_network`: whether the container shares the host's network namespace: false outside a container; from the node's pod watch inside one (missing without it).
    ContainerHostNetwork,
    /// `container.host_ipc`: whether the container shares the host's IPC namespace: false outside a container; from the node's pod watch inside one (missing without it).
    ContainerHostIpc,
    /// `container.mounts`: every mount, `source:dest:mode:rdwr:propagation`,
    /// space-separated.
    ContainerMounts,
    /// `container.mount[N or SOURCE glob]`: one mount in that form, `none` when absent.
    ContainerMount,
    /// `container.mount.source[N or DEST glob]`: a mount's source.
    ContainerMountSource,
    /// `container.mount.dest[N or SOURCE glob]`: a mount's destination.
    ContainerMountDest,
    /// `container.mount.mode[N or SOURCE glob]`: a mount's mode.
    ContainerMountMode,
    /// `container.mount.rdwr[N or SOURCE glob]`: whether a mount is writable.
    ContainerMountRdwr,
    /// `container.mount.propagation[N or SOURCE glob]`: a mount's propagation.
    ContainerMountPropagation,
    /// `k8s.ns.name`: the pod's namespace (from the node's pod watch).
    K8sNsName,
    /// `k8s.pod.name`: the pod's name.
    K8sPodName,
    /// `k8s.pod.uid` and `k8s.pod.id`: the pod's uid.
    K8sPodUid,
    /// `k8s.pod.ip`: the pod's IP.
    K8sPodIp,
    /// `k8s.pod.labels`: the pod's labels, `key:value` joined by `, `.
    K8sPodLabels,
    /// `k8s.pod.label[KEY]`: one pod label.
    K8sPodLabel,
}

fn field_of(name: &str) -> Field {
    use Field::*;
    match name {
        "evt.type" => EvtType,
        "evt.buffer" => EvtBuffer,
        "evt.dir" => EvtDir,
        "evt.res" => EvtRes,
        "evt.rawres" => EvtRawRes,
        "evt.failed" => EvtFailed,
        "evt.args" | "evt.info" => EvtArgs,
        "evt.arg" => EvtArg,
        "evt.rawarg" => EvtRawArg,
        "evt.is_open_read" => EvtIsOpenRead,
        "evt.is_open_write" => EvtIsOpenWrite,
        "evt.is_open_exec" => EvtIsOpenExec,
        "evt.is_open_create" => EvtIsOpenCreate,
        "evt.cpu" => EvtCpu,
        "evt.type.is" => EvtTypeIs,
        "syscall.type" => SyscallType,
        "evt.latency" | "evt.latency.s" | "evt.latency.ns" | "evt.latency.quantized" => EvtLatency,
        "evt.count" => EvtCount,
        "evt.count.error" => EvtCountError,
        "evt.count.exit" => EvtCountExit,
        "evt.abspath" => EvtAbspath,
        "evt.is_io" => EvtIsIo,
        "evt.is_io_read" => EvtIsIoRead,
        "evt.is_io_write" => EvtIsIoWrite,
        "evt.is_wait" => EvtIsWait,
        "evt.is_syslog" => EvtIsSyslog,
        "evt.category" => EvtCategory,
        "proc.exe" => ProcExe,
        "proc.pexe" => ProcPexe,
        "proc.aexe" => ProcAexe,
        "proc.exepath" => ProcExepath,
        "proc.pexepath" => ProcPexepath,
        "proc.aexepath" => ProcAexepath,
        "proc.name" => ProcName,
        "proc.pname" => ProcPname,
        "proc.aname" => ProcAname,
        "proc.args" => ProcArgs,
        "proc.env" => ProcEnv,
        "proc.cmdline" => ProcCmdline,
        "proc.pcmdline" => ProcPcmdline,
        "proc.acmdline" => ProcAcmdline,
        "proc.cmdnargs" => ProcCmdnargs,
        "proc.cmdlenargs" => ProcCmdlenargs,
        "proc.exeline" => ProcExeline,
        "proc.cwd" => ProcCwd,
        "proc.loginshellid" => ProcLoginshellid,
        "proc.tty" => ProcTty,
        "proc.pid" => ProcPid,
        "proc.ppid" => ProcPpid,
        "proc.apid" => ProcApid,
        "proc.vpid" => ProcVpid,
        "proc.pvpid" => ProcPvpid,
        "proc.sid" => ProcSid,
        "proc.sname" => ProcSname,
        "proc.sid.exe" => ProcSidExe,
        "proc.sid.exepath" => ProcSidExepath,
        "proc.vpgid" => ProcVpgid,
        "proc.vpgid.name" => ProcVpgidName,
        "proc.vpgid.exe" => ProcVpgidExe,
        "proc.vpgid.exepath" => ProcVpgidExepath,
        "proc.duration" => ProcDuration,
        "proc.ppid.duration" => ProcPpidDuration,
        "proc.pid.ts" => ProcPidTs,
        "proc.ppid.ts" => ProcPpidTs,
        "proc.is_exe_writable" => ProcIsExeWritable,
        "proc.is_exe_upper_layer" => ProcIsExeUpperLayer,
        "proc.is_exe_lower_layer" => ProcIsExeLowerLayer,
        "proc.is_exe_from_memfd" => ProcIsExeFromMemfd,
        "proc.is_sid_leader" => ProcIsSidLeader,
        "proc.is_vpgid_leader" => ProcIsVpgidLeader,
        "proc.exe_ino" => ProcExeIno,
        "proc.exe_ino.ctime" => ProcExeInoCtime,
        "proc.exe_ino.mtime" => ProcExeInoMtime,
        "proc.exe_ino.ctime_duration_proc_start" => ProcExeInoCtimeDurationProcStart,
        "proc.exe_ino.ctime_duration_pidns_start" => ProcExeInoCtimeDurationPidnsStart,
        "proc.pidns_init_start_ts" => ProcPidnsInitStartTs,
        "proc.fdopencount" => ProcFdopencount,
        "proc.stdin.type" => ProcStdType(0),
        "proc.stdout.type" => ProcStdType(1),
        "proc.stderr.type" => ProcStdType(2),
        "proc.stdin.name" => ProcStdName(0),
        "proc.stdout.name" => ProcStdName(1),
        "proc.stderr.name" => ProcStdName(2),
        "thread.cap_permitted" => ThreadCapPermitted,
        "thread.cap_inheritable" => ThreadCapInheritable,
        "thread.cap_effective" => ThreadCapEffective,
        "thread.tid" => ThreadTid,
        "thread.ismain" => ThreadIsmain,
        "thread.vtid" => ThreadVtid,
        "thread.nametid" => ThreadNametid,
        "user.uid" => UserUid,
        "user.name" => UserName,
        "user.homedir" => UserHomedir,
        "user.shell" => UserShell,
        "user.loginuid" => UserLoginuid,
        "user.loginname" => UserLoginname,
        "group.gid" => GroupGid,
        "group.name" => GroupName,
        "fd.num" => FdNum,
        "fd.type" => FdType,
        "fd.typechar" => FdTypechar,
        "fd.name" => FdName,
        "fd.directory" => FdDirectory,
        "fd.filename" => FdFilename,
        "fd.nameraw" => FdNameraw,
        "fd.name_changed" => FdNameChanged,
        "fd.ip" => FdIp,
        "fd.cip" => FdCip,
        "fd.sip" => FdSip,
        "fd.lip" => FdLip,
        "fd.rip" => FdRip,
        "fd.cip.name" => FdCipName,
        "fd.sip.name" => FdSipName,
        "fd.lip.name" => FdLipName,
        "fd.rip.name" => FdRipName,
        "fd.port" => FdPort,
        "fd.cport" => FdCport,
        "fd.sport" => FdSport,
        "fd.lport" => FdLport,
        "fd.rport" => FdRport,
        "fd.l4proto" => FdL4proto,
        "fd.sockfamily" => FdSockfamily,
        "fd.is_server" => FdIsServer,
        "fd.containername" => FdContainername,
        "fd.containerdirectory" => FdContainerdirectory,
        "fd.proto" => FdProto,
        "fd.cproto" => FdCproto,
        "fd.sproto" => FdSproto,
        "fd.lproto" => FdLproto,
        "fd.rproto" => FdRproto,
        "fd.net" => FdNet,
        "fd.cnet" => FdCnet,
        "fd.snet" => FdSnet,
        "fd.lnet" => FdLnet,
        "fd.rnet" => FdRnet,
        "fd.connected" => FdConnected,
        "fd.types" => FdTypes,
        "container.id" => ContainerId,
        "container.full_id" => ContainerFullId,
        "container.name" => ContainerName,
        "container.image" => ContainerImage,
        "container.image.id" => ContainerImageId,
        "container.image.repository" => ContainerImageRepository,
        "container.image.tag" => ContainerImageTag,
        "container.image.digest" => ContainerImageDigest,
        "container.type" => ContainerType,
        "container.privileged" => ContainerPrivileged,
        "container.start_ts" => ContainerStartTs,
        "container.duration" => ContainerDuration,
        "container.host_pid" => ContainerHostPid,
        "container.host_network" => ContainerHostNetwork,
        "container.host_ipc" => ContainerHostIpc,
        "container.mounts" => ContainerMounts,
        "container.mount" => ContainerMount,
        "container.mount.source" => ContainerMountSource,
        "container.mount.dest" => ContainerMountDest,
        "container.mount.mode" => ContainerMountMode,
        "container.mount.rdwr" => ContainerMountRdwr,
        "container.mount.propagation" => ContainerMountPropagation,
        "k8s.ns.name" => K8sNsName,
        "k8s.pod.name" => K8sPodName,
        "k8s.pod.uid" | "k8s.pod.id" => K8sPodUid,
        "k8s.pod.ip" => K8sPodIp,
        "k8s.pod.labels" => K8sPodLabels,
        "k8s.pod.label" => K8sPodLabel,
        _ => Unsupported,
    }
}

/// The source: its spec and the extraction of each field id.
#[derive(Debug, Clone)]
pub struct Fields {
    spec: SourceSpec,
    by_id: Vec<Field>,
}

impl Fields {
    /// The source: the rules crate's syscall field table made active, without the engine's generic fields, with each field's extraction.
    pub fn new() -> Fields {
        let mut spec = kubeward_rules::syscall::spec();
        spec.active = true;
        spec.fields.retain(|f| !GENERIC.contains(&&*f.name));
        let max = spec.fields.iter().map(|f| f.id as usize).max().unwrap_or(0);
        let mut by_id = vec![Field::Unsupported; max + 1];
        for f in &spec.fields {
            if let Some(slot) = by_id.get_mut(f.id as usize) {
                *slot = field_of(&f.name);
            }
        }
        Fields { spec, by_id }
    }

    /// The source spec to give `Engine::add_source` (it replaces the built-in,
    /// inactive syscall table).
    pub fn spec(&self) -> SourceSpec {
        self.spec.clone()
    }

    /// The extraction of field `id` (`Unsupported` for ids this source does not know).
    pub fn get(&self, id: u32) -> Field {
        self.by_id
            .get(id as usize)
            .copied()
            .unwrap_or(Field::Unsupported)
    }

    /// The ids of `fd.cip.name`, `fd.sip.name`, `fd.lip.name` and `fd.rip.name`: what a
    /// live capture asks the rules for the domain names to resolve.
    pub fn dns_field_ids(&self) -> Vec<u32> {
        self.spec
            .fields
            .iter()
            .filter(|f| {
                matches!(
                    self.get(f.id),
                    Field::FdCipName | Field::FdSipName | Field::FdLipName | Field::FdRipName
                )
            })
            .map(|f| f.id)
            .collect()
    }

    /// Names of the table's fields this source never extracts (always `<NA>`).
    pub fn unsupported(&self) -> Vec<&str> {
        self.spec
            .fields
            .iter()
            .filter(|f| self.get(f.id) == Field::Unsupported)
            .map(|f| &*f.name)
            .collect()
    }
}

impl Default for Fields {
    fn default() -> Self {
        Fields::new()
    }
}
