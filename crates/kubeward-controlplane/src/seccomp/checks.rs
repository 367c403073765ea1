//! The seccomp findings: what a decoded profile lets through, and what a runtime would
//! reject or ignore.

use kubeward_report::RuleMeta;

use super::profile::Profile;
use super::syscalls;
use crate::audit_policy::Severity;

/// One finding of a rule below, located.
pub(super) struct Hit {
    pub rule: &'static RuleMeta,
    pub field: String,
    pub message: String,
}

fn hit(rule: &'static RuleMeta, field: impl Into<String>, message: impl Into<String>) -> Hit {
    Hit {
        rule,
        field: field.into(),
        message: message.into(),
    }
}

pub(super) const SC001: RuleMeta = RuleMeta {
    id: "SC001",
    title: "allow by default",
    severity: Severity::High,
    fix: "Deny by default (defaultAction SCMP_ACT_ERRNO, defaultErrnoRet 1) and list the calls the workload needs; start from the runtime's default profile.",
};

pub(super) const SC002: RuleMeta = RuleMeta {
    id: "SC002",
    title: "dangerous system call allowed",
    severity: Severity::High,
    fix: "Remove it from the allowed names, or return an error for it (SCMP_ACT_ERRNO).",
};

pub(super) const SC003: RuleMeta = RuleMeta {
    id: "SC003",
    title: "namespace creation through clone",
    severity: Severity::Medium,
    fix: "Allow clone only with an argument filter that rejects the CLONE_NEW* flags (SCMP_CMP_MASKED_EQ on index 0, mask 0x7E020000, value 0), and answer clone3 with SCMP_ACT_ERRNO errnoRet 38.",
};

pub(super) const SC004: RuleMeta = RuleMeta {
    id: "SC004",
    title: "unknown system call",
    severity: Severity::Medium,
    fix: "Correct the name; a misspelled name in a deny rule leaves the call allowed.",
};

pub(super) const SC005: RuleMeta = RuleMeta {
    id: "SC005",
    title: "unknown action",
    severity: Severity::High,
    fix: "Use one of SCMP_ACT_KILL, _KILL_PROCESS, _KILL_THREAD, _TRAP, _ERRNO, _TRACE, _ALLOW, _LOG, _NOTIFY; the runtime refuses the profile and the container does not start.",
};

pub(super) const SC006: RuleMeta = RuleMeta {
    id: "SC006",
    title: "unknown architecture",
    severity: Severity::High,
    fix: "Use SCMP_ARCH_* names (SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, …); in includes/excludes Docker's Go names (amd64, arm64, …).",
};

pub(super) const SC007: RuleMeta = RuleMeta {
    id: "SC007",
    title: "invalid argument filter",
    severity: Severity::High,
    fix: "Argument indexes run 0-5; ops are SCMP_CMP_NE, _LT, _LE, _EQ, _GE, _GT, _MASKED_EQ.",
};

pub(super) const SC008: RuleMeta = RuleMeta {
    id: "SC008",
    title: "unusable SCMP_ACT_NOTIFY",
    severity: Severity::High,
    fix: "Set listenerPath to the agent's socket, and never use SCMP_ACT_NOTIFY as the default action.",
};

pub(super) const SC009: RuleMeta = RuleMeta {
    id: "SC009",
    title: "unknown flag",
    severity: Severity::Medium,
    fix: "Use SECCOMP_FILTER_FLAG_TSYNC, _LOG, _SPEC_ALLOW or _WAIT_KILLABLE_RECV.",
};

pub(super) const SC010: RuleMeta = RuleMeta {
    id: "SC010",
    title: "rule without system calls",
    severity: Severity::Low,
    fix: "Add names to the rule or delete it.",
};

pub(super) const SC011: RuleMeta = RuleMeta {
    id: "SC011",
    title: "field ignored",
    severity: Severity::Low,
    fix: "Remove or correct the field; the runtime does not use it.",
};

pub(super) const ACTIONS: &[&str] = &[
    "SCMP_ACT_KILL",
    "SCMP_ACT_KILL_PROCESS",
    "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_TRAP",
    "SCMP_ACT_ERRNO",
    "SCMP_ACT_TRACE",
    "SCMP_ACT_ALLOW",
    "SCMP_ACT_LOG",
    "SCMP_ACT_NOTIFY",
];

/// Actions that let the call run.
fn allows(action: &str) -> bool {
    matches!(action, "SCMP_ACT_ALLOW" | "SCMP_ACT_LOG")
}

const ARCHES: &[&str] = &[
    "SCMP_ARCH_NATIVE",
    "SCMP_ARCH_X86",
    "SCMP_ARCH_X86_64",
    "SCMP_ARCH_X32",
    "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64",
    "SCMP_ARCH_MIPS",
    "SCMP_ARCH_MIPS64",
    "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",
    "SCMP_ARCH_MIPSEL64",
    "SCMP_ARCH_MIPSEL64N32",
    "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",
    "SCMP_ARCH_PPC64LE",
    "SCMP_ARCH_S390",
    "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",
    "SCMP_ARCH_PARISC64",
    "SCMP_ARCH_RISCV64",
    "SCMP_ARCH_LOONGARCH64",
    "SCMP_ARCH_M68K",
    "SCMP_ARCH_SH",
    "SCMP_ARCH_SHEB",
];

/// Docker's `includes.arches` use Go architecture names, not libseccomp's.
const GO_ARCHES: &[&str] = &[
    "386",
    "amd64",
    "x32",
    "arm",
    "arm64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64n32",
    "mips64len32",
    "ppc",
    "ppc64",
    "ppc64le",
    "s390",
    "s390x",
    "parisc",
    "parisc64",
    "riscv64",
    "loong64",
    "m68k",
    "sh",
    "sheb",
];

const OPS: &[&str] = &[
    "SCMP_CMP_NE",
    "SCMP_CMP_LT",
    "SCMP_CMP_LE",
    "SCMP_CMP_EQ",
    "SCMP_CMP_GE",
    "SCMP_CMP_GT",
    "SCMP_CMP_MASKED_EQ",
];

const FLAGS: &[&str] = &[
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
];

/// System calls that break out of a container or reach the kernel's most exposed parts.
const DANGEROUS: &[(&str, &str)] = &[
    ("mount", "mounts filesystems (host paths, proc, cgroups)"),
    ("umount", "unmounts filesystems"),
    (
        "umount2",
        "unmounts filesystems, uncovering what mounts hid",
    ),
    ("fsopen", "new mount API: mounts filesystems"),
    ("fsmount", "new mount API: mounts filesystems"),
    ("fsconfig", "new mount API: configures filesystems to mount"),
    ("move_mount", "new mount API: moves mounts"),
    ("open_tree", "new mount API: clones mount trees"),
    (
        "mount_setattr",
        "changes mount attributes (read-only, idmapping)",
    ),
    ("pivot_root", "changes the root filesystem"),
    (
        "ptrace",
        "reads and writes other processes' memory and registers",
    ),
    ("process_vm_readv", "reads other processes' memory"),
    ("process_vm_writev", "writes other processes' memory"),
    ("bpf", "loads eBPF programs into the kernel"),
    (
        "perf_event_open",
        "kernel performance counters; a frequent exploit vector",
    ),
    (
        "userfaultfd",
        "pauses kernel accesses to user memory; a staple of kernel exploits",
    ),
    ("kexec_load", "replaces the running kernel"),
    ("kexec_file_load", "replaces the running kernel"),
    ("init_module", "loads kernel modules"),
    ("finit_module", "loads kernel modules"),
    ("delete_module", "unloads kernel modules"),
    (
        "unshare",
        "creates namespaces (user namespaces unlock many kernel attack surfaces)",
    ),
    ("setns", "joins other namespaces"),
    (
        "keyctl",
        "the kernel keyring is not namespaced: keys of other containers",
    ),
    ("add_key", "the kernel keyring is not namespaced"),
    ("request_key", "the kernel keyring is not namespaced"),
    (
        "open_by_handle_at",
        "opens host files by handle, bypassing the mount namespace (shocker)",
    ),
    (
        "name_to_handle_at",
        "the first half of open_by_handle_at escapes",
    ),
    ("reboot", "reboots the host"),
    ("swapon", "changes host swap"),
    ("swapoff", "changes host swap"),
    (
        "settimeofday",
        "sets the host clock (time is not namespaced)",
    ),
    ("clock_settime", "sets the host clock"),
    ("clock_adjtime", "adjusts the host clock"),
    ("adjtimex", "adjusts the host clock"),
    ("stime", "sets the host clock"),
    ("acct", "switches process accounting on the host"),
    ("iopl", "raw I/O port access"),
    ("ioperm", "raw I/O port access"),
    ("lookup_dcookie", "kernel profiling internals"),
    ("quotactl", "changes filesystem quotas"),
    ("syslog", "reads the kernel log (addresses help exploits)"),
    ("uselib", "obsolete, exploit-prone loader"),
    ("create_module", "obsolete module loading"),
    ("kcmp", "compares kernel state of other processes"),
    ("vm86", "virtual 8086 mode"),
    ("vm86old", "virtual 8086 mode"),
    ("nfsservctl", "kernel NFS server control"),
];

/// `clone` may create namespaces unless its flags are filtered; `clone3` takes its flags
/// from memory, which seccomp cannot read, so it cannot be filtered at all.
const CLONES: &[&str] = &["clone", "clone3"];

/// The rule (by path) or the default action that lets `name` run unconditionally.
fn allowed_by(p: &Profile, name: &str) -> Option<String> {
    let mut blocked = false;
    for (i, r) in p.syscalls.iter().enumerate() {
        let Some(j) = r.names.iter().position(|n| n == name) else {
            continue;
        };
        let unconditional = r.args.is_empty() && !r.conditional;
        if allows(&r.action) && unconditional {
            return r
                .name_paths
                .get(j)
                .cloned()
                .or(Some(format!("syscalls[{i}]")));
        }
        if !allows(&r.action) {
            blocked = true;
        }
    }
    (!blocked && allows(&p.default_action)).then(|| "defaultAction".to_string())
}

pub(super) fn run(p: &Profile, out: &mut Vec<Hit>) {
    if allows(&p.default_action) {
        out.push(hit(
            &SC001,
            "defaultAction",
            format!(
                "defaultAction {} lets every system call the profile does not name run",
                p.default_action
            ),
        ));
    }
    for (name, why) in DANGEROUS {
        if let Some(field) = allowed_by(p, name) {
            out.push(hit(&SC002, field, format!("{name} is allowed: {why}")));
        }
    }
    for name in CLONES {
        if let Some(field) = allowed_by(p, name) {
            let how = if *name == "clone" {
                "with no argument filter, so it can create namespaces (CLONE_NEWUSER, CLONE_NEWNS…)"
            } else {
                "and its flags cannot be filtered; return ENOSYS (errnoRet 38) so libc falls back to clone"
            };
            out.push(hit(&SC003, field, format!("{name} is allowed {how}")));
        }
    }
    structure(p, out);
}

fn structure(p: &Profile, out: &mut Vec<Hit>) {
    let action = |out: &mut Vec<Hit>, field: String, a: &str| {
        if !ACTIONS.contains(&a) {
            out.push(hit(&SC005, field, format!("unknown action {a:?}")));
        }
    };
    action(out, "defaultAction".into(), &p.default_action);
    if p.default_action == "SCMP_ACT_NOTIFY" {
        out.push(hit(
            &SC008,
            "defaultAction",
            "SCMP_ACT_NOTIFY cannot be the default action",
        ));
    }
    // The listed architectures, then archMap's (architecture and subArchitectures).
    let listed = p.architectures.iter().enumerate();
    let arches = listed
        .map(|(i, a)| (format!("architectures[{i}]"), a))
        .chain(p.arch_map.iter().map(|(path, a)| (path.clone(), a)));
    for (path, a) in arches {
        if !ARCHES.contains(&a.as_str()) {
            out.push(hit(&SC006, path, format!("unknown architecture {a:?}")));
        }
    }
    for (i, f) in p.flags.iter().enumerate() {
        if !FLAGS.contains(&f.as_str()) {
            out.push(hit(
                &SC009,
                format!("flags[{i}]"),
                format!("unknown flag {f:?}"),
            ));
        }
    }
    let mut notify = false;
    for (i, r) in p.syscalls.iter().enumerate() {
        let path = format!("syscalls[{i}]");
        action(out, format!("{path}.action"), &r.action);
        notify |= r.action == "SCMP_ACT_NOTIFY";
        if r.names.is_empty() {
            out.push(hit(
                &SC010,
                path.clone(),
                "the rule names no system call, so it does nothing",
            ));
        }
        for (n, np) in r.names.iter().zip(&r.name_paths) {
            if !syscalls::is_known(n) {
                out.push(hit(
                    &SC004,
                    np.clone(),
                    format!("{n:?} is not a Linux system call; the runtime skips it"),
                ));
            }
        }
        for (j, a) in r.args.iter().enumerate() {
            let ap = format!("{path}.args[{j}]");
            if a.index > 5 {
                out.push(hit(
                    &SC007,
                    format!("{ap}.index"),
                    format!("argument index {} is out of range 0-5", a.index),
                ));
            }
            if !OPS.contains(&a.op.as_str()) {
                out.push(hit(
                    &SC007,
                    format!("{ap}.op"),
                    format!("unknown comparison {:?}", a.op),
                ));
            }
        }
        for arch in r.include_arches.iter().chain(&r.exclude_arches) {
            if !GO_ARCHES.contains(&arch.as_str()) && !ARCHES.contains(&arch.as_str()) {
                out.push(hit(
                    &SC006,
                    path.clone(),
                    format!("unknown architecture {arch:?} in includes/excludes"),
                ));
            }
        }
        if r.errno_ret.is_some()
            && !matches!(r.action.as_str(), "SCMP_ACT_ERRNO" | "SCMP_ACT_TRACE")
        {
            out.push(hit(
                &SC011,
                format!("{path}.errnoRet"),
                format!(
                    "errnoRet means nothing with action {} (some runtimes reject it)",
                    r.action
                ),
            ));
        }
    }
    if notify && p.listener_path.as_deref().is_none_or(str::is_empty) {
        out.push(hit(
            &SC008,
            "listenerPath",
            "SCMP_ACT_NOTIFY is used but listenerPath is not set",
        ));
    }
    if p.default_errno_ret.is_some()
        && !matches!(
            p.default_action.as_str(),
            "SCMP_ACT_ERRNO" | "SCMP_ACT_TRACE"
        )
    {
        out.push(hit(
            &SC011,
            "defaultErrnoRet",
            format!(
                "defaultErrnoRet means nothing with defaultAction {} (some runtimes reject it)",
                p.default_action
            ),
        ));
    }
    for path in &p.ignored {
        out.push(hit(
            &SC011,
            path.clone(),
            format!("{path} is not a profile field; the runtime ignores it"),
        ));
    }
}
