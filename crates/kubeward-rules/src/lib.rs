//! A Falco-compatible rules engine: loader, compiler and evaluator, independent of any
//! event source (it knows nothing of Kubernetes).
//!
//! Sources plug in through [`source`]: a [`source::SourceSpec`] (name + field table)
//! at load time and an [`source::Event`] implementation per event. The built-in
//! syscall field table lets Falco's syscall rulesets load and validate; their rules are
//! inactive because no syscall source runs. [`engine`] has the entry points and an
//! example. [`falco_config`] reads the part of Falco's `falco.yaml` that concerns rules
//! and alerts, for the programs that run the engine.

pub mod ast;
pub mod diag;
pub mod engine;
pub mod falco_config;
pub mod parser;
pub mod priority;
pub mod source;
pub mod syscall;

pub(crate) mod collector;
pub(crate) mod compile;
pub(crate) mod fields;
pub(crate) mod filter;
pub mod glob;
pub(crate) mod lists;
pub(crate) mod output;
pub(crate) mod reader;
pub(crate) mod time;
pub(crate) mod value;
pub(crate) mod version;
pub(crate) mod yaml;

pub use diag::{Diagnostic, DiagnosticLevel, FileReport};
pub use engine::{
    Alert, AlertOptions, Engine, LoadResult, MatchMode, RuleId, RuleInfo, RulesFile, Ruleset,
    Selection, SourceId,
};
pub use priority::Priority;
pub use time::rfc5424 as rfc5424_timestamp;
pub use yaml::Pos;
