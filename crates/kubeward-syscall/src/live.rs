//! A live capture: the probe attached, the state bootstrapped from `/proc`, records
//! drained on a timer and processed, and (optionally) everything written to a
//! recording that replays to the same events.
//!
//! What the state needs from outside the event stream is read here and passed on as
//! snapshots: threads an event names before the state knew them, and the users of each
//! container root. Each snapshot is recorded before the event that needed it.

use std::io::Write;
use std::time::{Duration, Instant};

use crate::capture::{Capture, CaptureError, Config, KernelStats};
use crate::decode::{self, Body};
use crate::extract::SyscallEvent;
use crate::meta::ContainerStore;
use crate::procfs::{self, Proc, SocketCache};
use crate::record::{Header, Writer};
use crate::replay::Processor;
use crate::state::{Limits, Snapshot};

/// Record buffers a live capture keeps between batches, and the largest it keeps (most
/// records are a few hundred bytes; an exec's can reach tens of KiB).
const MAX_SPARE_BUFFERS: usize = 4096;
const MAX_SPARE_BYTES: usize = 8192;
/// Records processed per [`Live::step`] of [`Live::poll`].
const BATCH: usize = 65_536;

/// A running capture.
pub struct Live<W: Write> {
    capture: Capture,
    proc: Proc,
    /// Applies the captured records and hands out events.
    pub processor: Processor,
    writer: Option<Writer<W>>,
    sockets: SocketCache,
    /// Record buffers kept for the next batch.
    spare: Vec<Vec<u8>>,
    reported_drops: u64,
    batch: Vec<Vec<u8>>,
    /// Write errors of the recording (the capture goes on without it).
    pub write_error: Option<std::io::Error>,
    /// Cluster metadata of the node's containers, and the generation last copied.
    containers: Option<(ContainerStore, u64)>,
    /// Domain names the rules use, resolved in the background, and the generation
    /// last copied.
    dns: Option<(crate::dns::Resolved, u64)>,
}

impl<W: Write> Live<W> {
    /// Attaches the probe, then reads `/proc`.
    pub fn start(cfg: &Config, limits: Limits, out: Option<W>) -> Result<Live<W>, CaptureError> {
        let capture = Capture::open(cfg)?;
        let proc = Proc::host();
        let header = Header {
            boot_epoch_ns: proc.boot_epoch_ns,
            flags: 0,
            local_ips: procfs::local_ips(),
        };
        let mut write_error = None;
        let writer = match out.map(|o| Writer::new(o, &header)) {
            Some(Ok(w)) => Some(w),
            Some(Err(e)) => {
                write_error = Some(e);
                None
            }
            None => None,
        };
        let mut live = Live {
            capture,
            processor: Processor::new(&header, limits),
            proc,
            writer,
            sockets: SocketCache::default(),
            reported_drops: 0,
            batch: Vec::new(),
            spare: Vec::new(),
            write_error,
            containers: None,
            dns: None,
        };
        let snaps = live
            .proc
            .bootstrap(i64::from(cfg.ignore_pid), limits.max_threads);
        live.snapshot(live.proc.users(1, ""));
        // The users of every container a bootstrapped thread runs in, read through one
        // of its processes' root.
        let mut seen: std::collections::BTreeSet<std::sync::Arc<str>> =
            std::collections::BTreeSet::from([std::sync::Arc::from("")]);
        for s in snaps {
            if let Snapshot::Thread(t) = &s
                && seen.insert(t.container_id.clone())
            {
                let (pid, container) = (t.pid, t.container_id.clone());
                live.snapshot(s);
                live.snapshot(live.proc.users(pid, &container));
                continue;
            }
            live.snapshot(s);
        }
        Ok(live)
    }

    /// Takes container and pod metadata from `store` (filled by a pod watch) from now
    /// on; what it holds is copied into the state, and recorded, as it changes.
    pub fn set_containers(&mut self, store: ContainerStore) {
        self.containers = Some((store, u64::MAX));
    }

    /// Resolves `names` (the strings the rules compare `fd.*.name` with, see
    /// `Ruleset::compared_strings` and [`crate::Fields::dns_field_ids`]) now and every
    /// [`crate::dns::REFRESH`], for the `fd.*.name` fields.
    pub fn set_dns_names(&mut self, names: Vec<String>) {
        self.dns = (!names.is_empty()).then(|| (crate::dns::Resolved::start(names), 0));
    }

    /// Copies new resolutions into the state.
    fn sync_dns(&mut self) {
        let Some((resolved, seen)) = &mut self.dns else {
            return;
        };
        let (generation, all) = resolved.get();
        if generation == *seen {
            return;
        }
        *seen = generation;
        for (name, addrs) in all {
            self.snapshot(Snapshot::Dns { name, addrs });
        }
    }

    /// Copies what changed in the container store into the state.
    fn sync_containers(&mut self) {
        let Some((store, seen)) = &mut self.containers else {
            return;
        };
        let generation = store.generation();
        if generation == *seen {
            return;
        }
        *seen = generation;
        let changed: Vec<_> = store
            .all()
            .into_iter()
            .filter(|m| self.processor.state.container(&m.id) != Some(m.as_ref()))
            .collect();
        for m in changed {
            self.snapshot(Snapshot::Container(m));
        }
    }

    /// The loaded probe.
    pub fn capture(&self) -> &Capture {
        &self.capture
    }

    /// The probe's per-CPU counters, summed.
    pub fn kernel_stats(&self) -> KernelStats {
        self.capture.kernel_stats()
    }

    fn snapshot(&mut self, s: Snapshot) {
        if let Some(w) = &mut self.writer
            && let Err(e) = w.snapshot(&s)
        {
            self.write_error = Some(e);
            self.writer = None;
        }
        self.processor.snapshot(s);
    }

    /// Reads from `/proc` what an event will need and the state lacks.
    fn prepare(&mut self, raw: &[u8]) {
        let Ok(rec) = decode::decode(raw) else {
            return;
        };
        let tid = i64::from(rec.hdr.tid);
        let pid = i64::from(rec.hdr.tgid);
        let need = match &rec.body {
            Body::Syscall(_) | Body::Exit => {
                (!self.processor.state.knows(tid)).then_some((pid, tid))
            }
            Body::Fork(_) => {
                let ptid = crate::state::int_arg(rec.hdr.args.first().copied().unwrap_or(0));
                let ppid = crate::state::int_arg(rec.hdr.args.get(1).copied().unwrap_or(0));
                (!self.processor.state.knows(ptid)).then_some((ppid, ptid))
            }
            Body::Exec(e) => {
                let ppid = i64::from(e.proc.ppid);
                (ppid > 0 && !self.processor.state.knows(ppid)).then_some((ppid, ppid))
            }
        };
        if let Body::Exec(e) = &rec.body {
            // A container seen for the first time: its users, before its first event.
            let container = crate::container::container_id(&String::from_utf8_lossy(e.cgroup));
            if !self.processor.state.has_users(&container) {
                let u = self.proc.users(tid, &container);
                self.snapshot(u);
            }
        }
        if let Some((pid, tid)) = need {
            match self.proc.thread(pid, tid) {
                Some(t) => {
                    let container = t.container_id.clone();
                    self.snapshot(Snapshot::Thread(Box::new(t)));
                    for s in self.proc.fds(pid, &mut self.sockets) {
                        self.snapshot(s);
                    }
                    if !self.processor.state.has_users(&container) {
                        let u = self.proc.users(pid, &container);
                        self.snapshot(u);
                    }
                }
                None => self.snapshot(Snapshot::Missing { tid }),
            }
        }
    }

    /// Processes what the ring buffer holds now (at most `max` records); returns how
    /// many records were processed.
    pub fn step(&mut self, max: usize, mut f: impl FnMut(&SyscallEvent<'_>)) -> usize {
        // Sockets read from /proc during the previous batch may have changed since.
        self.sockets.clear();
        self.sync_containers();
        self.sync_dns();
        let mut batch = std::mem::take(&mut self.batch);
        let mut spare = std::mem::take(&mut self.spare);
        let n = self.capture.drain(max, |raw| {
            let mut v = spare.pop().unwrap_or_default();
            v.clear();
            v.extend_from_slice(raw);
            batch.push(v);
        });
        for raw in batch.drain(..) {
            self.prepare(&raw);
            if let Some(w) = &mut self.writer
                && let Err(e) = w.kernel(&raw)
            {
                self.write_error = Some(e);
                self.writer = None;
            }
            let _ = self.processor.kernel(&raw, &mut f);
            if spare.len() < MAX_SPARE_BUFFERS && raw.capacity() <= MAX_SPARE_BYTES {
                spare.push(raw);
            }
        }
        self.batch = batch;
        self.spare = spare;
        let dropped = self.capture.kernel_stats().dropped;
        if dropped > self.reported_drops {
            let d = dropped - self.reported_drops;
            self.reported_drops = dropped;
            self.processor.drops(d);
            if let Some(w) = &mut self.writer
                && let Err(e) = w.drops(d)
            {
                self.write_error = Some(e);
                self.writer = None;
            }
        }
        n
    }

    /// Processes every record the ring buffer holds now, in batches; returns how many.
    /// Callers poll every [`DRAIN_INTERVAL`](crate::capture::DRAIN_INTERVAL) and once
    /// more when they stop.
    pub fn poll(&mut self, mut f: impl FnMut(&SyscallEvent<'_>)) -> usize {
        let mut total = 0;
        loop {
            let n = self.step(BATCH, &mut f);
            total += n;
            if n < BATCH {
                return total;
            }
        }
    }

    /// Runs for `d`, polling every `interval`.
    pub fn run_for(
        &mut self,
        d: Duration,
        interval: Duration,
        mut f: impl FnMut(&SyscallEvent<'_>),
    ) {
        let end = Instant::now() + d;
        loop {
            self.poll(&mut f);
            if Instant::now() >= end {
                break;
            }
            std::thread::sleep(interval);
        }
        self.poll(&mut f);
    }

    /// The capture, to change what it captures
    /// ([`Capture::set_event_types`]).
    pub fn capture_mut(&mut self) -> &mut Capture {
        &mut self.capture
    }

    /// Flushes and returns the recording's writer.
    pub fn finish(mut self) -> Option<std::io::Result<W>> {
        let w = self.writer.take()?;
        let mut w = w;
        Some(w.flush().map(|_| w.into_inner()))
    }
}
