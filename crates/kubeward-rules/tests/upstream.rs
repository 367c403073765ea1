//! The four upstream Falco rulesets load unmodified, without errors.

mod common;

use kubeward_rules::{Engine, RulesFile};
use std::path::Path;

fn read(name: &str) -> Option<String> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/upstream-rules")
        .join(name);
    std::fs::read_to_string(&p).ok()
}

const FILES: [&str; 4] = [
    "falco_rules.yaml",
    "falco-incubating_rules.yaml",
    "falco-sandbox_rules.yaml",
    "k8s_audit_rules.yaml",
];

#[test]
fn upstream_rulesets_load_without_errors() {
    let texts: Vec<(String, String)> = FILES
        .iter()
        .filter_map(|f| read(f).map(|t| (f.to_string(), t)))
        .collect();
    if texts.len() != FILES.len() {
        println!("skipped: ../shared/upstream-rules/ is absent");
        return;
    }
    let mut engine = Engine::new();
    engine.add_source(common::k8s_spec());
    let files: Vec<RulesFile<'_>> = texts
        .iter()
        .map(|(n, t)| RulesFile::new(n.clone(), t))
        .collect();
    let loaded = engine.load(&files);
    for r in &loaded.reports {
        for e in &r.errors {
            eprintln!("{}", e.to_text());
        }
        assert!(r.errors.is_empty(), "{}", r.name);
    }
    let rs = loaded.ruleset.expect("ruleset");
    let count = |src: &str| rs.rules().filter(|(_, r)| r.source == src).count();
    assert_eq!(count("k8s_audit"), 48);
    assert_eq!(count("syscall"), 93);
    let enabled_syscall = rs
        .rules()
        .filter(|(_, r)| r.source == "syscall" && r.enabled)
        .count();
    assert_eq!(enabled_syscall, 81);
    assert_eq!(rs.inactive(), vec![("syscall".to_string(), 81)]);
}

/// Runs `check` on each syscall rules file (name and text) in turn, up to the first
/// one that is absent.
fn each_syscall_file(mut check: impl FnMut(&str, &str)) {
    for f in &FILES[..3] {
        let Some(t) = read(f) else {
            println!("skipped: ../shared/upstream-rules/ is absent");
            return;
        };
        check(f, &t);
    }
}

#[test]
fn each_syscall_file_alone_loads() {
    each_syscall_file(|f, t| {
        let loaded = Engine::new().load(&[RulesFile::new(f, t)]);
        for r in &loaded.reports {
            for e in &r.errors {
                eprintln!("{}", e.to_text());
            }
        }
        assert!(loaded.ruleset.is_some(), "{f}");
    });
}

const NO_EVTTYPE: &str =
    "Rule matches too many evt.type values. This has a significant performance penalty.";

/// The rules that get LOAD_NO_EVTTYPE, with the line of the rule it points at.
fn no_evttype(files: &[(&str, &str)]) -> Vec<(String, u32)> {
    let fs: Vec<RulesFile<'_>> = files.iter().map(|(n, t)| RulesFile::new(*n, t)).collect();
    let loaded = Engine::new().load(&fs);
    assert!(loaded.ruleset.is_some(), "{:?}", loaded.reports);
    loaded
        .reports
        .iter()
        .flat_map(|r| &r.warnings)
        .filter(|w| w.code == "LOAD_NO_EVTTYPE")
        .map(|w| {
            assert_eq!(w.message, NO_EVTTYPE);
            let at = w.locations.last().expect("a location");
            assert_eq!(at.item_type, "rule");
            (at.item_name.clone(), at.pos.line)
        })
        .collect()
}

/// Falco says nothing about event types for its own syscall rules: every rule ANDs
/// a macro or check naming its event types (`spawned_process`, `open_write`,
/// `inbound_outbound`, `evt.type in (...)`), and the widest (11 names, e.g. the
/// directory-traversal and network rules) is far below 100 even counted as enter and
/// exit codes. No `not` in them reaches an `evt.type` check outside such an `and`.
#[test]
fn upstream_syscall_rules_do_not_warn_about_event_types() {
    each_syscall_file(|f, t| assert_eq!(no_evttype(&[(f, t)]), Vec::new(), "{f}"));
}

/// Upstream rules changed so that they no longer narrow the event types warn at
/// the rule, as Falco's loader does; `warn_evttypes: false` silences it.
#[test]
fn rules_without_enough_event_types_warn_at_the_rule() {
    let Some(base) = read("falco_rules.yaml") else {
        println!("skipped: ../shared/upstream-rules/ is absent");
        return;
    };
    // 101 real event names: made-up ones are `unknown event type` errors.
    let many: Vec<String> = kubeward_rules::syscall::event_names()
        .take(101)
        .map(str::to_owned)
        .collect();
    let hundred = many[..100].join(", ");
    let first = many[0].clone();
    let many = many.join(", ");
    let extra = format!(
        r#"- rule: Terminal shell in container
  condition: container and shell_procs and proc.tty != 0
  override:
    condition: replace
- rule: Not spawned
  desc: d
  condition: not spawned_process and container
  output: o
  priority: INFO
- rule: Not a not
  desc: d
  condition: not (not spawned_process or proc.name = x)
  output: o
  priority: INFO
- rule: Negated mixed
  desc: d
  condition: not (spawned_process and proc.name = x)
  output: o
  priority: INFO
- rule: Contradiction
  desc: d
  condition: evt.type = open and evt.type = close
  output: o
  priority: INFO
- rule: Not equal
  desc: d
  condition: evt.type != open
  output: o
  priority: INFO
- rule: Not not equal
  desc: d
  condition: not evt.type != open and container
  output: o
  priority: INFO
- rule: Too many
  desc: d
  condition: evt.type in ({many})
  output: o
  priority: INFO
- rule: A hundred
  desc: d
  condition: evt.type in ({hundred}) or (evt.type = {first} and proc.name = x)
  output: o
  priority: INFO
- rule: Quiet
  desc: d
  condition: proc.name = x
  output: o
  priority: INFO
  warn_evttypes: false
"#
    );
    let got = no_evttype(&[("falco_rules.yaml", &base), ("extra.yaml", &extra)]);
    let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Terminal shell in container",
            "Not spawned",
            "Negated mixed",
            "Contradiction",
            "Not equal",
            "Too many"
        ]
    );
    // At the rule's own definition (Falco keeps the first definition's context when
    // a later file overrides it), not at its condition.
    let line = base
        .lines()
        .position(|l| l == "- rule: Terminal shell in container")
        .map(|i| i as u32 + 1);
    assert_eq!(got.first().map(|(_, l)| *l), line);
    assert_eq!(got.get(1).map(|(_, l)| *l), Some(5));
}
