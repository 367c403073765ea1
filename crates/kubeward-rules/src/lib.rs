//! A Falco-compatible rules engine: loader, compiler and evaluator, independent of any
//! event source (it knows nothing of Kubernetes).
//!
//! Sources plug in through [`source`]: a [`source::SourceSpec`] (name + field table)
//! at load time and an [`source::Event`] implementation per event. The built-in
//! syscall field table lets Falco's syscall rulesets load and validate; their rules are
//! inactive because no syscall source runs.
//!
//! Planned API (being implemented in `engine`):
//!
//! ```text
//! let mut engine = Engine::new();                  // knows the syscall table
//! engine.add_source(k8saudit::source_spec());      // SourceSpec for "k8s_audit"
//! let loaded = engine.load(&[RulesFile::new("rules.yaml", text)]);
//! // loaded.reports: per-file errors/warnings (file:line:col, snippet, Falco text/JSON)
//! let ruleset: Ruleset = loaded.ruleset?;          // None when any file failed
//! let src = ruleset.source_id("k8s_audit").unwrap();
//! let mut hits = Vec::new();
//! ruleset.evaluate(src, &event, MatchMode::All, &mut hits);  // hits: Vec<RuleId>
//! for id in &hits {
//!     let alert = ruleset.alert(*id, &event, &AlertOptions::default());
//!     println!("{}", alert.text_line());   // "<time>: <Priority> <output>"
//!     println!("{}", alert.to_json());     // Falco's JSON alert object
//! }
//! ruleset.rules()   // name, source, priority, tags, enabled, desc (for `rules list`)
//! ruleset.set_enabled(id, bool)  // -t / -T / -D selection
//! ```

pub mod priority;
pub mod source;

pub use priority::Priority;
pub mod ast;
pub(crate) mod lists;
pub mod parser;
pub(crate) mod yaml;
