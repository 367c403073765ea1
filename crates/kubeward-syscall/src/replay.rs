//! The one path every record takes, live or replayed: snapshots into the state, probe
//! records decoded, applied, handed to the caller as a [`SyscallEvent`] (unless they are
//! state only), then the removals they caused applied.

use std::io::Read;

use crate::decode::{self, DecodeError};
use crate::extract::SyscallEvent;
use crate::fields::Fields;
use crate::record::{Header, Item, Reader, RecordError};
use crate::state::{EventKind, Limits, Snapshot, State};

/// Counts of what went through a [`Processor`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Probe records applied.
    pub records: u64,
    /// Events handed to the caller.
    pub events: u64,
    /// State records (threads, fds, users, missing threads) applied.
    pub snapshots: u64,
    /// Kernel-side losses reported by the capture.
    pub kernel_drops: u64,
}

/// State plus the field table: turns records into events.
pub struct Processor {
    /// The thread and fd tables.
    pub state: State,
    /// The field table events are extracted with.
    pub fields: Fields,
    num: u64,
    /// What has been processed so far.
    pub stats: Stats,
}

impl Processor {
    /// A processor for a capture with `header` (its boot time and local addresses), tables bounded by `limits`.
    pub fn new(header: &Header, limits: Limits) -> Processor {
        let mut state = State::new(limits, header.boot_epoch_ns);
        state.local_ips = header.local_ips.clone();
        Processor {
            state,
            fields: Fields::new(),
            num: 0,
            stats: Stats::default(),
        }
    }

    /// Applies state read outside the event stream.
    pub fn snapshot(&mut self, s: Snapshot) {
        self.stats.snapshots += 1;
        self.state.apply_snapshot(s);
    }

    /// Adds `n` to the kernel-side losses.
    pub fn drops(&mut self, n: u64) {
        self.stats.kernel_drops = self.stats.kernel_drops.saturating_add(n);
    }

    /// Decodes and applies one probe record, calls `f` with the event (not for
    /// state-only records), then finishes the event.
    pub fn kernel(
        &mut self,
        raw: &[u8],
        f: impl FnOnce(&SyscallEvent<'_>),
    ) -> Result<(), DecodeError> {
        let rec = match decode::decode(raw) {
            Ok(r) => r,
            Err(e) => {
                self.state.counters.decode_errors += 1;
                return Err(e);
            }
        };
        self.stats.records += 1;
        let applied = self.state.apply(&rec);
        if applied.kind != EventKind::Fork {
            self.num += 1;
            self.stats.events += 1;
            let ev = SyscallEvent {
                rec: &rec,
                state: &self.state,
                applied,
                fields: &self.fields,
                num: self.num,
            };
            f(&ev);
        }
        self.state.finish();
        Ok(())
    }
}

/// Replays a capture: every event to `f`. A record the decoder rejects is counted
/// (`state.counters.decode_errors`) and skipped; a damaged file stops with an error.
pub fn replay<R: Read>(
    input: R,
    limits: Limits,
    mut f: impl FnMut(&SyscallEvent<'_>),
) -> Result<Processor, RecordError> {
    let mut reader = Reader::new(input)?;
    let mut p = Processor::new(&reader.header, limits);
    while let Some(item) = reader.next_item()? {
        match item {
            Item::Kernel(raw) => {
                let _ = p.kernel(raw, &mut f);
            }
            Item::Snapshot(s) => p.snapshot(s),
            Item::Drops(n) => p.drops(n),
        }
    }
    Ok(p)
}
