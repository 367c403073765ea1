//! The syscall event source (`syscall`) for the kubeward rules engine: Falco's syscall
//! rules on live kernel events, captured with eBPF and owned end to end in Rust.
//!
//! - Capture ([`capture`], Linux): a CO-RE probe written in C (`bpf/probe.bpf.c`,
//!   committed compiled as `bpf/probe.bpf.o` and embedded, so building needs no C
//!   toolchain) loaded with aya. A `tp_btf/sys_exit` dispatcher keeps only the syscall
//!   ids the loaded rules and the state need, `sched_process_{exec,fork,exit}` follow
//!   processes, `syscalls:sys_enter_*` tracepoints copy open/connect arguments at entry.
//!   One ring buffer, written without wakeups and drained on a timer; per-CPU counters of
//!   what was seen, sent and dropped.
//! - [`decode`]: the probe's records ([`abi`] mirrors their layout) into borrowed views,
//!   without panics on any input.
//! - [`record`]: kubeward's capture format, so a live capture replays elsewhere.
//! - [`state`]: the thread table and fd tables libsinsp keeps, bounded; [`procfs`]
//!   bootstraps them; [`users`] and [`container`] name users and containers; [`meta`]
//!   holds what the cluster says about the node's containers and pods; [`dns`] resolves
//!   the domain names the rules compare addresses with.
//! - [`fields`] and [`extract`]: Falco's syscall fields on that state, plugged into the
//!   engine as source `syscall` ([`Fields::spec`]); [`replay::Processor`] drives it all.
//!
//! ```no_run
//! use kubeward_rules::engine::{Engine, MatchMode, RulesFile};
//! use kubeward_syscall::{Fields, replay, state::Limits};
//!
//! let mut engine = Engine::new();
//! engine.add_source(Fields::new().spec());
//! let text = std::fs::read_to_string("falco_rules.yaml").unwrap();
//! let rules = engine.load(&[RulesFile::new("falco_rules.yaml", &text)]).ruleset.unwrap();
//! let syscall = rules.source_id("syscall").unwrap();
//! let capture = std::fs::File::open("node.kwcap").unwrap();
//! let mut hits = Vec::new();
//! replay::replay(capture, Limits::default(), |ev| {
//!     hits.clear();
//!     rules.evaluate(syscall, ev, MatchMode::All, &mut hits);
//! })
//! .unwrap();
//! ```

pub mod abi;
#[cfg(target_os = "linux")]
pub mod capture;
pub mod container;
pub mod decode;
pub mod dns;
pub mod extract;
pub mod fields;
pub mod flags;
#[cfg(target_os = "linux")]
pub mod live;
pub mod meta;
pub mod net;
pub mod paths;
pub mod procfs;
pub mod record;
pub mod replay;
pub mod state;
pub mod syscalls;
pub mod users;

pub use extract::SyscallEvent;
pub use fields::Fields;

/// The engine's name for this source.
pub const SOURCE_NAME: &str = "syscall";
