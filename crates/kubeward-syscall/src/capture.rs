//! Loading and running the probe with aya: checks what the kernel offers (BTF, the
//! capabilities), writes the capture spec of each wanted syscall into the probe's id
//! table, attaches the programs and drains the ring buffer on demand.
//!
//! Needs root, or CAP_BPF with CAP_PERFMON (CAP_SYS_ADMIN on kernels before 5.8), and
//! kernel BTF at `/sys/kernel/btf/vmlinux`; kernel 5.15 or later. The entry-time
//! tracepoints also need tracefs; without it the capture still runs and reads paths at
//! exit (counted as entry misses).

use std::collections::BTreeSet;
use std::io;
use std::path::Path;
use std::time::Duration;

use aya::maps::{Array, MapData, PerCpuArray, RingBuf};
use aya::programs::{BtfTracePoint, TracePoint};
use aya::{Btf, Ebpf, EbpfLoader};

use crate::abi::{self, SPEC_ENABLED, SPEC_ENTER, stat};
use crate::syscalls::{self, Syscall};

/// How to capture.
#[derive(Debug, Clone)]
pub struct Config {
    /// Event types to capture (`None`: every supported type). The state's own types
    /// ([`syscalls::STATE_TYPES`]) are always added.
    pub event_types: Option<BTreeSet<String>>,
    /// Ring buffer size in bytes: a power of two, at least one page.
    pub ring_bytes: u32,
    /// Wake the consumer on every record instead of draining on a timer (costly:
    /// for measurements only).
    pub wakeup: bool,
    /// The process the probe ignores (kubeward itself).
    pub ignore_pid: u32,
    /// Read open/connect paths and addresses at syscall entry too (Falco's TOCTOU
    /// mitigation). The entry tracepoints make every syscall of every process take the
    /// kernel's tracing path on entry as well as on exit; without them the arguments
    /// are read at exit, after the call, when user memory may have changed.
    pub enter_capture: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            event_types: None,
            ring_bytes: 16 << 20,
            wakeup: false,
            ignore_pid: std::process::id(),
            enter_capture: true,
        }
    }
}

/// Why the probe could not run, with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error(
        "kernel BTF is missing (/sys/kernel/btf/vmlinux): the probe needs a kernel built with CONFIG_DEBUG_INFO_BTF=y (most distributions since 2021; kernel 5.15 or later)"
    )]
    /// The kernel has no BTF, which the CO-RE probe needs.
    NoBtf,
    #[error(
        "not permitted to load eBPF programs ({0}): run as root, or grant CAP_BPF and CAP_PERFMON (and mount /sys/kernel/btf)"
    )]
    /// The process may not load eBPF programs; holds the kernel's error.
    Permission(String),
    /// The process lacks capabilities the probe needs; holds their names.
    #[error(
        "missing {}: run as root, or grant them (`setcap cap_bpf,cap_perfmon+ep kubeward`; in a pod, securityContext.capabilities.add: [BPF, PERFMON])",
        .0.join(" and ")
    )]
    Capabilities(Vec<&'static str>),
    /// The kernel is older than the probe supports; holds its release.
    #[error(
        "kernel {0} is too old: the probe needs Linux 5.15 or later (ring buffer, BTF tracepoints, bpf_task_pt_regs)"
    )]
    KernelTooOld(String),
    /// The requested ring buffer size is not a power of two of at least 4096; holds it.
    #[error("ring buffer size {0} is not a power of two of at least 4096 bytes")]
    RingSize(u32),
    /// The kernel refused the probe object; holds aya's error.
    #[error("loading the probe failed: {0}")]
    Load(String),
    /// A probe program could not be attached to its tracepoint.
    #[error("attaching {program} failed: {message}")]
    Attach {
        /// The program's name in the probe object.
        program: String,
        /// aya's error.
        message: String,
    },
}

/// Whether a kernel release (`6.1.0-18-amd64`) is before 5.15.
pub fn kernel_too_old(release: &str) -> bool {
    let mut parts = release
        .split(|c: char| !c.is_ascii_digit())
        .map(|p| p.parse::<u32>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(major), Some(minor)) => (major, minor) < (5, 15),
        // An unreadable release is left to the kernel to judge.
        _ => false,
    }
}

/// The capabilities the probe needs that `/proc/self/status` (`status`) does not show in
/// the effective set: CAP_BPF and CAP_PERFMON, both implied by CAP_SYS_ADMIN. An
/// unreadable set is left to the kernel to judge.
pub fn missing_capabilities(status: &str) -> Vec<&'static str> {
    const CAP_SYS_ADMIN: u32 = 21;
    const CAP_PERFMON: u32 = 38;
    const CAP_BPF: u32 = 39;
    let Some(eff) = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
    else {
        return Vec::new();
    };
    let has = |cap: u32| eff & (1 << cap) != 0;
    if has(CAP_SYS_ADMIN) {
        return Vec::new();
    }
    [(CAP_BPF, "CAP_BPF"), (CAP_PERFMON, "CAP_PERFMON")]
        .into_iter()
        .filter(|(cap, _)| !has(*cap))
        .map(|(_, name)| name)
        .collect()
}

fn is_perm(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let s = err.to_string();
        if s.contains("Operation not permitted") || s.contains("Permission denied") {
            return true;
        }
        if let Some(io) = err.downcast_ref::<io::Error>()
            && matches!(io.raw_os_error(), Some(libc::EPERM) | Some(libc::EACCES))
        {
            return true;
        }
        cur = err.source();
    }
    false
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(err) = cur {
        s.push_str(": ");
        s.push_str(&err.to_string());
        cur = err.source();
    }
    s
}

/// Sums of the probe's per-CPU counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KernelStats {
    /// Syscall exits that passed the id filter.
    pub seen: u64,
    /// Records written to the ring buffer.
    pub sent: u64,
    /// Records lost because the ring buffer was full.
    pub dropped: u64,
    /// ia32 (compat) syscalls skipped.
    pub compat: u64,
    /// Exits that found their entry-time capture.
    pub enter_hit: u64,
    /// Exits whose entry-time capture was missing.
    pub enter_miss: u64,
    /// Execs seen.
    pub exec: u64,
    /// Task forks seen.
    pub fork: u64,
    /// Task exits seen.
    pub exit: u64,
    /// Records sent with a truncated field.
    pub truncated: u64,
}

/// The syscalls a capture enables for these event types.
pub fn wanted(types: Option<&BTreeSet<String>>) -> Vec<&'static Syscall> {
    syscalls::SYSCALLS
        .iter()
        .filter(|s| {
            syscalls::STATE_TYPES.contains(&s.name) || types.is_none_or(|t| t.contains(s.name))
        })
        .collect()
}

/// A loaded, attached probe.
pub struct Capture {
    // Programs stay attached as long as this lives; its id table is rewritten by
    // `set_event_types`.
    ebpf: Ebpf,
    ring: RingBuf<MapData>,
    stats: PerCpuArray<MapData, [u64; abi::stat::COUNT]>,
    /// Whether the entry-time tracepoints are attached.
    pub enter_capture: bool,
    /// Why they are not, when they are not.
    pub enter_capture_error: Option<String>,
    /// The syscalls enabled in the kernel's id table.
    pub enabled: Vec<&'static Syscall>,
}

const TRACEFS: [&str; 2] = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];

fn tracefs_available() -> bool {
    TRACEFS
        .iter()
        .any(|p| Path::new(p).join("events/syscalls").is_dir())
}

/// Mounts tracefs at /sys/kernel/tracing when it is not mounted anywhere.
fn mount_tracefs() -> bool {
    if tracefs_available() {
        return true;
    }
    let target = c"/sys/kernel/tracing";
    // SAFETY: both strings are NUL-terminated; the call has no other preconditions.
    let r = unsafe {
        libc::mount(
            c"tracefs".as_ptr(),
            target.as_ptr(),
            c"tracefs".as_ptr(),
            0,
            std::ptr::null(),
        )
    };
    r == 0 && tracefs_available()
}

impl Capture {
    /// Loads the embedded probe, fills the id table and attaches every program.
    pub fn open(cfg: &Config) -> Result<Capture, CaptureError> {
        if let Ok(release) = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            && kernel_too_old(release.trim())
        {
            return Err(CaptureError::KernelTooOld(release.trim().to_owned()));
        }
        if !Path::new("/sys/kernel/btf/vmlinux").exists() {
            return Err(CaptureError::NoBtf);
        }
        // Said before the kernel refuses, so the message can name what is missing.
        if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
            let missing = missing_capabilities(&status);
            if !missing.is_empty() {
                return Err(CaptureError::Capabilities(missing));
            }
        }
        if cfg.ring_bytes < 4096 || !cfg.ring_bytes.is_power_of_two() {
            return Err(CaptureError::RingSize(cfg.ring_bytes));
        }
        let btf = Btf::from_sys_fs().map_err(|e| CaptureError::Load(chain(&e)))?;
        let rb_flags: u64 = if cfg.wakeup { 0 } else { 1 };
        let mut ebpf = EbpfLoader::new()
            .btf(Some(&btf))
            .override_global("kw_ignore_tgid", &cfg.ignore_pid, true)
            .override_global("kw_rb_flags", &rb_flags, true)
            .map_max_entries("kw_events", cfg.ring_bytes)
            .load(abi::PROBE_OBJECT)
            .map_err(|e| {
                if is_perm(&e) {
                    CaptureError::Permission(chain(&e))
                } else {
                    CaptureError::Load(chain(&e))
                }
            })?;

        let enabled = wanted(cfg.event_types.as_ref());
        let on: Vec<_> = enabled.iter().map(|s| (*s, true)).collect();
        write_specs(&mut ebpf, &on, cfg.enter_capture)?;

        // Process lifecycle first, the syscall dispatcher last: a thread forked while
        // attaching is then known before any of its syscalls arrives.
        for (prog, tp) in [
            ("kw_exec", "sched_process_exec"),
            ("kw_fork", "sched_process_fork"),
            ("kw_exit", "sched_process_exit"),
        ] {
            attach_btf(&mut ebpf, &btf, prog, tp)?;
        }

        let mut enter_capture = false;
        let mut enter_capture_error = None;
        if !cfg.enter_capture {
            enter_capture_error = Some("turned off".into());
        } else if mount_tracefs() {
            let mut ok = true;
            for (prog, tp) in [
                ("kw_enter_open", "sys_enter_open"),
                ("kw_enter_creat", "sys_enter_creat"),
                ("kw_enter_openat", "sys_enter_openat"),
                ("kw_enter_openat2", "sys_enter_openat2"),
                ("kw_enter_connect", "sys_enter_connect"),
            ] {
                let mut attach = || -> Result<(), Box<dyn std::error::Error>> {
                    let p: &mut TracePoint = ebpf
                        .program_mut(prog)
                        .ok_or("program missing")?
                        .try_into()?;
                    p.load()?;
                    p.attach("syscalls", tp)?;
                    Ok(())
                };
                if let Err(e) = attach() {
                    enter_capture_error = Some(format!("{prog}: {}", chain(e.as_ref())));
                    ok = false;
                    break;
                }
            }
            enter_capture = ok;
        } else {
            enter_capture_error = Some("tracefs is not mounted and could not be mounted".into());
        }

        attach_btf(&mut ebpf, &btf, "kw_sys_exit", "sys_exit")?;

        let ring = RingBuf::try_from(
            ebpf.take_map("kw_events")
                .ok_or_else(|| CaptureError::Load("map kw_events missing".into()))?,
        )
        .map_err(|e| CaptureError::Load(chain(&e)))?;
        let stats = PerCpuArray::try_from(
            ebpf.take_map("kw_stats")
                .ok_or_else(|| CaptureError::Load("map kw_stats missing".into()))?,
        )
        .map_err(|e| CaptureError::Load(chain(&e)))?;
        Ok(Capture {
            ebpf,
            ring,
            stats,
            enter_capture,
            enter_capture_error,
            enabled,
        })
    }

    /// Captures from now on exactly the syscalls these event types (and the state)
    /// need, e.g. after the rules were reloaded; the programs stay attached.
    pub fn set_event_types(
        &mut self,
        types: Option<&BTreeSet<String>>,
    ) -> Result<(), CaptureError> {
        let enabled = wanted(types);
        // What is no longer wanted is switched off, then what is wanted is written.
        let off = self
            .enabled
            .iter()
            .filter(|s| !enabled.iter().any(|e| e.nr == s.nr))
            .map(|s| (*s, false));
        let on = enabled.iter().map(|s| (*s, true));
        let changes: Vec<_> = off.chain(on).collect();
        write_specs(&mut self.ebpf, &changes, self.enter_capture)?;
        self.enabled = enabled;
        Ok(())
    }

    /// Hands every record waiting in the ring buffer to `f`, at most `max`; returns how
    /// many.
    pub fn drain(&mut self, max: usize, mut f: impl FnMut(&[u8])) -> usize {
        let mut n = 0;
        while n < max {
            let Some(item) = self.ring.next() else {
                break;
            };
            f(&item);
            n += 1;
        }
        n
    }

    /// The probe's counters, summed over CPUs.
    pub fn kernel_stats(&self) -> KernelStats {
        let mut sum = [0u64; stat::COUNT];
        if let Ok(per_cpu) = self.stats.get(&0, 0) {
            for cpu in per_cpu.iter() {
                for (s, v) in sum.iter_mut().zip(cpu.iter()) {
                    *s = s.saturating_add(*v);
                }
            }
        }
        KernelStats {
            seen: sum[stat::SEEN],
            sent: sum[stat::SENT],
            dropped: sum[stat::DROPPED],
            compat: sum[stat::COMPAT],
            enter_hit: sum[stat::ENTER_HIT],
            enter_miss: sum[stat::ENTER_MISS],
            exec: sum[stat::EXEC],
            fork: sum[stat::FORK],
            exit: sum[stat::EXIT],
            truncated: sum[stat::TRUNCATED],
        }
    }
}

/// The default drain period: short enough to keep the ring buffer far from full at a
/// few hundred thousand events per second, long enough to batch.
pub const DRAIN_INTERVAL: Duration = Duration::from_millis(1);

/// Writes the capture spec of each syscall into the probe's id table, enabled or not.
fn write_specs(
    ebpf: &mut Ebpf,
    syscalls: &[(&'static Syscall, bool)],
    enter_capture: bool,
) -> Result<(), CaptureError> {
    let map = ebpf
        .map_mut("kw_specs")
        .ok_or_else(|| CaptureError::Load("map kw_specs missing".into()))?;
    let mut specs: Array<&mut MapData, [u8; 8]> =
        Array::try_from(map).map_err(|e| CaptureError::Load(chain(&e)))?;
    for (s, on) in syscalls {
        let mut spec = s.spec;
        if *on {
            spec.flags |= SPEC_ENABLED;
        } else {
            spec.flags &= !SPEC_ENABLED;
        }
        if !enter_capture {
            spec.flags &= !SPEC_ENTER;
        }
        specs
            .set(u32::from(s.nr), spec.to_bytes(), 0)
            .map_err(|e| CaptureError::Load(chain(&e)))?;
    }
    Ok(())
}

/// Loads and attaches the BTF tracepoint program `prog` at `tp`.
fn attach_btf(ebpf: &mut Ebpf, btf: &Btf, prog: &str, tp: &str) -> Result<(), CaptureError> {
    let mut attach = || -> Result<(), Box<dyn std::error::Error>> {
        let p: &mut BtfTracePoint = ebpf
            .program_mut(prog)
            .ok_or("program missing")?
            .try_into()?;
        p.load(tp, btf)?;
        p.attach()?;
        Ok(())
    };
    attach().map_err(|e| {
        if is_perm(e.as_ref()) {
            CaptureError::Permission(chain(e.as_ref()))
        } else {
            CaptureError::Attach {
                program: prog.into(),
                message: chain(e.as_ref()),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::{kernel_too_old, missing_capabilities};

    #[test]
    fn kernel_release_floor_is_5_15() {
        for old in ["5.14.21-150400.24-default", "4.19.0-26-amd64"] {
            assert!(kernel_too_old(old), "{old}");
        }
        // An unreadable release is left to the kernel to judge.
        for fine in ["5.15.0-91-generic", "6.1.0-18-amd64", "10.0", "weird", ""] {
            assert!(!kernel_too_old(fine), "{fine}");
        }
    }

    #[test]
    fn capabilities_named_when_missing() {
        let status = |eff: u64| format!("Name:\tkubeward\nCapEff:\t{eff:016x}\n");
        assert_eq!(missing_capabilities(&status(0)), ["CAP_BPF", "CAP_PERFMON"]);
        assert_eq!(missing_capabilities(&status(1 << 39)), ["CAP_PERFMON"]);
        assert_eq!(missing_capabilities(&status(1 << 38)), ["CAP_BPF"]);
        assert!(missing_capabilities(&status((1 << 38) | (1 << 39))).is_empty());
        // CAP_SYS_ADMIN implies both.
        assert!(missing_capabilities(&status(1 << 21)).is_empty());
        assert!(missing_capabilities(&status(u64::MAX >> 23)).is_empty());
        // No readable set: left to the kernel.
        assert!(missing_capabilities("Name:\tx\n").is_empty());
        assert!(missing_capabilities("CapEff:\tzz\n").is_empty());
    }
}
