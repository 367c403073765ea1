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
    Unsupported,
    // evt.*
    EvtType,
    EvtDir,
    EvtRes,
    EvtRawRes,
    EvtFailed,
    EvtArgs,
    EvtArg,
    EvtRawArg,
    EvtIsOpenRead,
    EvtIsOpenWrite,
    EvtIsOpenExec,
    EvtIsOpenCreate,
    EvtCpu,
    EvtTypeIs,
    SyscallType,
    EvtLatency,
    EvtCount,
    EvtCountError,
    EvtCountExit,
    EvtAbspath,
    EvtIsIo,
    EvtIsIoRead,
    EvtIsIoWrite,
    EvtIsWait,
    EvtIsSyslog,
    EvtCategory,
    // proc.*
    ProcExe,
    ProcPexe,
    ProcAexe,
    ProcExepath,
    ProcPexepath,
    ProcAexepath,
    ProcName,
    ProcPname,
    ProcAname,
    ProcArgs,
    ProcCmdline,
    ProcPcmdline,
    ProcAcmdline,
    ProcCmdnargs,
    ProcCmdlenargs,
    ProcExeline,
    ProcCwd,
    ProcLoginshellid,
    ProcTty,
    ProcPid,
    ProcPpid,
    ProcApid,
    ProcVpid,
    ProcPvpid,
    ProcSid,
    ProcSname,
    ProcSidExe,
    ProcSidExepath,
    ProcVpgid,
    ProcVpgidName,
    ProcVpgidExe,
    ProcVpgidExepath,
    ProcDuration,
    ProcPpidDuration,
    ProcPidTs,
    ProcPpidTs,
    ProcIsExeWritable,
    ProcIsExeUpperLayer,
    ProcIsExeLowerLayer,
    ProcIsExeFromMemfd,
    ProcIsSidLeader,
    ProcIsVpgidLeader,
    ProcExeIno,
    ProcExeInoCtime,
    ProcExeInoMtime,
    ProcExeInoCtimeDurationProcStart,
    ProcExeInoCtimeDurationPidnsStart,
    ProcPidnsInitStartTs,
    ProcFdopencount,
    ProcStdType(u8),
    ProcStdName(u8),
    // thread.*
    ThreadCapPermitted,
    ThreadCapInheritable,
    ThreadCapEffective,
    ThreadTid,
    ThreadIsmain,
    ThreadVtid,
    ThreadNametid,
    // user.* / group.*
    UserUid,
    UserName,
    UserHomedir,
    UserShell,
    UserLoginuid,
    UserLoginname,
    GroupGid,
    GroupName,
    // fd.*
    FdNum,
    FdType,
    FdTypechar,
    FdName,
    FdDirectory,
    FdFilename,
    FdNameraw,
    FdNameChanged,
    FdIp,
    FdCip,
    FdSip,
    FdLip,
    FdRip,
    FdPort,
    FdCport,
    FdSport,
    FdLport,
    FdRport,
    FdL4proto,
    FdSockfamily,
    FdIsServer,
    FdContainername,
    FdContainerdirectory,
    FdProto,
    FdCproto,
    FdSproto,
    FdLproto,
    FdRproto,
    FdNet,
    FdCnet,
    FdSnet,
    FdLnet,
    FdRnet,
    FdConnected,
    FdTypes,
    // container.* (from the cgroup path; runtime metadata not available)
    ContainerId,
    ContainerFullId,
    ContainerName,
    ContainerImage,
    ContainerImageId,
    ContainerImageRepository,
    ContainerImageTag,
    ContainerImageDigest,
    ContainerType,
    ContainerPrivileged,
    ContainerStartTs,
    ContainerDuration,
    ContainerHostPid,
    ContainerHostNetwork,
    ContainerHostIpc,
}

fn field_of(name: &str) -> Field {
    use Field::*;
    match name {
        "evt.type" => EvtType,
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

    pub fn get(&self, id: u32) -> Field {
        self.by_id
            .get(id as usize)
            .copied()
            .unwrap_or(Field::Unsupported)
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
