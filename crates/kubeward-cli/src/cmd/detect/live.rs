//! `kubeward detect --live`: the loaded syscall rules on live kernel events
//! (kubeward-syscall's probe), until `--duration` passes or SIGINT/SIGTERM; optionally
//! recorded (`--write`) for a later `kubeward detect FILE`.
//!
//! Kernel-side losses are never silent: they are reported on stderr as they happen (at
//! most once a second), counted in the summary and detailed by `--stats`.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::Args;
use kubeward_rules::engine::Ruleset;
use kubeward_syscall::capture::{Config, DRAIN_INTERVAL, KernelStats};
use kubeward_syscall::live::Live;
use kubeward_syscall::replay::Processor;
use kubeward_syscall::state::Limits;

use super::{DetectArgs, Run, Settings, Sources, exit_status};
use crate::exit::ExitStatus;

/// The options of a live capture.
#[derive(Debug, Args)]
pub struct LiveArgs {
    /// Run the loaded syscall rules on live kernel events (eBPF; needs root, or CAP_BPF
    /// and CAP_PERFMON, and a kernel with BTF). Stops on Ctrl-C, SIGTERM or --duration.
    #[arg(long, conflicts_with_all = ["follow", "idle_exit"])]
    pub live: bool,

    /// With --live: stop after this long (`90`, `90s`, `5m`, `2h`, `500ms`).
    #[arg(long, value_name = "D", requires = "live", value_parser = parse_duration)]
    pub duration: Option<Duration>,

    /// With --live: also record every event, and what was read from /proc, to FILE;
    /// `kubeward detect FILE` replays it through the same state and rules.
    #[arg(long, value_name = "FILE", requires = "live")]
    pub write: Option<PathBuf>,

    /// With --live: the kernel ring buffer's size in bytes (a power of two).
    #[arg(long, value_name = "BYTES", requires = "live", default_value_t = Config::default().ring_bytes)]
    pub buffer_size: u32,

    /// Print capture and state counters on stderr at the end: what the kernel saw,
    /// sent and dropped, and what the thread and fd tables approximated.
    #[arg(long)]
    pub stats: bool,

    #[command(flatten)]
    pub node: K8sNode,
}

/// Where container and pod metadata come from.
#[derive(Debug, Clone, Args)]
pub struct K8sNode {
    /// With --live or --syscalls: watch this node's pods (in-cluster service account or
    /// KUBECONFIG) for container.* and k8s.* fields; without it they are <NA>.
    #[arg(long = "k8s-node", value_name = "NODE", env = "NODE_NAME")]
    pub name: Option<String>,
}

/// `90`, `90s`, `5m`, `2h`, `500ms`.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let secs_per_unit = match unit {
        "" | "s" => 1.0,
        "ms" => 0.001,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return Err(format!("`{s}`: use a number with s, ms, m or h (e.g. 30s)")),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration; e.g. 30s, 5m, 500ms"))?;
    Duration::try_from_secs_f64(n * secs_per_unit)
        .map_err(|_| format!("`{s}` is not a duration; e.g. 30s, 5m, 500ms"))
}

/// Sets the returned flag on SIGINT or SIGTERM. The handlers are installed before this
/// returns, so a signal sent once the capture announced itself is never the default
/// (fatal) one, and the recording and the summary are always finished.
fn stop_on_signal() -> anyhow::Result<Arc<AtomicBool>> {
    use tokio::signal::unix::{SignalKind, signal};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the signal handler")?;
    let (mut term, mut int) = {
        let _in_runtime = rt.enter();
        (
            signal(SignalKind::terminate()).context("cannot handle SIGTERM")?,
            signal(SignalKind::interrupt()).context("cannot handle SIGINT")?,
        )
    };
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    std::thread::spawn(move || {
        rt.block_on(async {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        });
        flag.store(true, Ordering::SeqCst);
    });
    Ok(stop)
}

/// The number of enabled syscall rules; an error naming `option` when there is none.
pub fn require_syscall_rules(ruleset: &Ruleset, option: &str) -> anyhow::Result<usize> {
    let rules = super::enabled_syscall_rules(ruleset);
    if rules == 0 {
        bail!(
            "{option}: none of the enabled rules is of source syscall; load Falco's syscall \
             rules (-r falco_rules.yaml, from github.com/falcosecurity/rules) or check -t/-T/-D"
        );
    }
    Ok(rules)
}

pub fn run(args: &DetectArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let opts = &args.live;
    let mut stderr = crate::output::escape::stderr();
    let ruleset = settings
        .selection
        .build_for(Sources::AuditAndSyscall, &mut stderr)?;
    let mut run = Run::new(&ruleset, settings)?;
    run.flush_each = true;
    let Some(syscall) = run.syscall else {
        bail!("the rules engine does not know the syscall source (internal error)");
    };
    let rules = require_syscall_rules(&ruleset, "--live")?;
    let cfg = Config {
        event_types: ruleset.event_types(syscall),
        ring_bytes: opts.buffer_size,
        ..Config::default()
    };
    let out = match &opts.write {
        Some(path) => Some(BufWriter::new(std::fs::File::create(path).with_context(
            || format!("--write {}: cannot create it", path.display()),
        )?)),
        None => None,
    };
    // The cluster's configuration is checked before the probe is loaded.
    let containers = match &opts.node.name {
        Some(node) => {
            let store = kubeward_syscall::meta::ContainerStore::new();
            kubeward_server::sensor::pods::spawn_watch(node, store.clone())?;
            Some(store)
        }
        None => None,
    };
    let stop = stop_on_signal()?;
    let mut live = Live::start(&cfg, Limits::default(), out).context("--live")?;
    if let Some(store) = containers {
        live.set_containers(store);
    }
    let dns_fields = live.processor.fields.dns_field_ids();
    live.set_dns_names(
        ruleset
            .compared_strings(syscall, &dns_fields)
            .into_iter()
            .collect(),
    );
    if let Some(e) = &live.capture().enter_capture_error {
        writeln!(
            stderr,
            "note: paths are read at syscall exit only (entry capture: {e})"
        )?;
    }
    writeln!(
        stderr,
        "kubeward detect: {rules} syscall rules on {} syscalls; Ctrl-C stops",
        live.capture().enabled.len()
    )?;
    let started = Instant::now();
    let cpu_at_start = kubeward_syscall::procfs::process_cpu();
    let end = opts.duration.map(|d| started + d);
    let mut reported = 0;
    let mut last_report = Instant::now();
    loop {
        live.poll(|ev| {
            run.summary.events += 1;
            run.evaluate(syscall, ev);
        });
        if run.write_failed {
            break;
        }
        if last_report.elapsed() >= Duration::from_secs(1) {
            last_report = Instant::now();
            let drops = live.processor.stats.kernel_drops;
            if drops > reported {
                writeln!(
                    stderr,
                    "warning: the kernel dropped {} events (ring buffer full; {drops} in all): \
                     a larger --buffer-size or fewer rules helps",
                    drops - reported
                )?;
                reported = drops;
            }
        }
        if stop.load(Ordering::SeqCst) || end.is_some_and(|e| Instant::now() >= e) {
            break;
        }
        std::thread::sleep(DRAIN_INTERVAL);
    }
    live.poll(|ev| {
        run.summary.events += 1;
        run.evaluate(syscall, ev);
    });
    run.out.flush().context("cannot write the alerts")?;
    if run.write_failed {
        bail!("cannot write the alerts to standard output");
    }
    let kernel = live.kernel_stats();
    run.summary.kernel_drops = live.processor.stats.kernel_drops;
    run.summary.skipped += live.processor.state.counters.decode_errors;
    if opts.stats {
        write_stats(&mut stderr, &live.processor, Some(kernel))?;
        let cpu = kubeward_syscall::procfs::process_cpu().saturating_sub(cpu_at_start);
        let wall = started.elapsed();
        writeln!(
            stderr,
            "  cpu: {:.2} s over {:.2} s of capture ({:.1} % of one core)",
            cpu.as_secs_f64(),
            wall.as_secs_f64(),
            100.0 * cpu.as_secs_f64() / wall.as_secs_f64().max(1e-9)
        )?;
        if let Some((rss, peak)) = kubeward_syscall::procfs::own_rss() {
            writeln!(
                stderr,
                "  memory: {:.1} MiB resident, {:.1} MiB at the peak",
                rss as f64 / 1048576.0,
                peak as f64 / 1048576.0
            )?;
        }
    }
    let mut recording_failed = live.write_error.take();
    if let Some(Err(e)) = live.finish() {
        recording_failed = Some(e);
    }
    if let (Some(e), Some(path)) = (&recording_failed, &opts.write) {
        run.summary.inputs_failed += 1;
        writeln!(
            stderr,
            "error: --write {}: {e}; the recording is incomplete",
            path.display()
        )?;
    }
    run.summary.write(&mut stderr)?;
    Ok(exit_status(&run.summary, args.fail_on))
}

/// `--stats`: what the kernel saw and what the state approximated.
pub fn write_stats(
    err: &mut impl Write,
    p: &Processor,
    kernel: Option<KernelStats>,
) -> io::Result<()> {
    writeln!(err, "stats:")?;
    if let Some(k) = kernel {
        writeln!(
            err,
            "  kernel: {} syscalls seen, {} records sent, {} dropped (ring buffer full), \
             {} compat skipped, {} truncated",
            k.seen, k.sent, k.dropped, k.compat, k.truncated
        )?;
        writeln!(
            err,
            "  kernel: {} execs, {} forks, {} exits; entry capture {} hit, {} missed",
            k.exec, k.fork, k.exit, k.enter_hit, k.enter_miss
        )?;
    }
    let s = &p.stats;
    let c = &p.state.counters;
    writeln!(
        err,
        "  records: {} applied, {} events, {} read from /proc, {} lost by the kernel, \
         {} undecodable",
        s.records, s.events, s.snapshots, s.kernel_drops, c.decode_errors
    )?;
    writeln!(
        err,
        "  threads: {} in the table (at most {}), {} evicted, {} pid reuses, {} exited before \
         /proc was read, {} events of unknown threads",
        p.state.threads.len(),
        p.state.threads.max(),
        p.state.threads.evicted,
        c.pid_reuse,
        c.missing_threads,
        c.unknown_thread_events
    )?;
    writeln!(
        err,
        "  fds: {} in the tables, {} dropped at the bound, {} events on unknown fds",
        p.state.fds.total(),
        p.state.fds.dropped,
        c.unknown_fds
    )
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations() {
        let ms = Duration::from_millis;
        for (text, want) in [
            ("90", ms(90_000)),
            ("90s", ms(90_000)),
            ("5m", ms(300_000)),
            ("2h", ms(7_200_000)),
            ("500ms", ms(500)),
            ("1.5s", ms(1500)),
        ] {
            assert_eq!(parse_duration(text), Ok(want), "{text}");
        }
        for bad in ["", "s", "5d", "-1s", "1e400", "x", "1..2s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
