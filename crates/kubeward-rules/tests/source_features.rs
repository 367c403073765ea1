//! Source features a syscall source relies on: ancestor fields (`proc.aname` without an
//! argument matches any ancestor, never the process itself; with an index, one level)
//! and the `evt.type` set a ruleset needs (what a live source captures).

use std::collections::BTreeSet;

use kubeward_rules::source::{
    ArgSpec, Event, FieldArg, FieldDef, FieldRef, FieldType, SourceSpec, Value,
};
use kubeward_rules::{AlertOptions, Engine, MatchMode, RulesFile, Ruleset};

/// A process (`names[0]`) and its ancestors (`names[1..]`).
struct Proc {
    ty: &'static str,
    names: Vec<&'static str>,
}

const TYPE: u32 = 0;
const NAME: u32 = 1;
const ANAME: u32 = 2;

impl Event for Proc {
    fn time_ns(&self) -> i64 {
        0
    }
    fn extract<'e>(&'e self, f: &FieldRef, out: &mut Vec<Value<'e>>) {
        match (f.id, &f.arg) {
            (TYPE, _) => out.push(Value::str(self.ty)),
            (NAME, _) => out.extend(self.names.first().map(|n| Value::str(n))),
            (ANAME, FieldArg::Index(i)) => {
                out.extend(self.names.get(*i as usize).map(|n| Value::str(n)))
            }
            (ANAME, FieldArg::None) => out.extend(self.names.iter().map(|n| Value::str(n))),
            _ => {}
        }
    }
}

fn spec() -> SourceSpec {
    SourceSpec::new(
        "syscall",
        vec![
            FieldDef::new(TYPE, "evt.type", FieldType::String, "type"),
            FieldDef::new(NAME, "proc.name", FieldType::String, "name"),
            FieldDef::new(ANAME, "proc.aname", FieldType::String, "ancestor names")
                .arg(ArgSpec::index_or_key(false))
                .ancestors(),
        ],
    )
}

fn rules(text: &str) -> Ruleset {
    let mut e = Engine::new();
    e.add_source(spec());
    let r = e.load(&[RulesFile::new("r.yaml", text)]);
    for rep in &r.reports {
        for err in &rep.errors {
            eprintln!("{}", err.to_text());
        }
    }
    r.ruleset.expect("loads")
}

fn rule(name: &str, cond: &str) -> String {
    format!(
        "- rule: {name}\n  desc: d\n  condition: {cond}\n  output: \"a=%proc.aname p=%proc.aname[1]\"\n  priority: WARNING\n  source: syscall\n"
    )
}

fn fired(rs: &Ruleset, ev: &Proc) -> Vec<String> {
    let source = rs.source_id("syscall").expect("source");
    let mut hits = Vec::new();
    rs.evaluate(source, ev, MatchMode::All, &mut hits);
    let by_index = rs.evaluate_without_index(source, ev, MatchMode::All);
    assert_eq!(
        hits, by_index,
        "the rule index agrees with plain evaluation"
    );
    hits.iter()
        .filter_map(|id| rs.rule(*id).map(|r| r.name.clone()))
        .collect()
}

#[test]
fn ancestor_fields_without_argument_match_any_ancestor_but_not_self() {
    let text = [
        rule("eq", "evt.type = execve and proc.aname = sshd"),
        rule("in", "evt.type = execve and proc.aname in (cron, sshd)"),
        rule("not_in", "evt.type = execve and not proc.aname in (cron)"),
        rule(
            "startswith",
            "evt.type = execve and proc.aname startswith ss",
        ),
        rule("exists", "evt.type = execve and proc.aname exists"),
        rule("indexed", "evt.type = execve and proc.aname[2] = sshd"),
    ]
    .concat();
    let rs = rules(&text);
    let tree = Proc {
        ty: "execve",
        names: vec!["bash", "su", "sshd", "systemd"],
    };
    assert_eq!(
        fired(&rs, &tree),
        ["eq", "in", "not_in", "startswith", "exists", "indexed"]
    );
    // The process itself is not its own ancestor.
    let own = Proc {
        ty: "execve",
        names: vec!["sshd", "systemd"],
    };
    assert_eq!(fired(&rs, &own), ["not_in", "exists"]);
    // No ancestors: every positive check is false, its negation true.
    let orphan = Proc {
        ty: "execve",
        names: vec!["sshd"],
    };
    assert_eq!(fired(&rs, &orphan), ["not_in"]);
    let under_cron = Proc {
        ty: "execve",
        names: vec!["sh", "cron"],
    };
    assert_eq!(fired(&rs, &under_cron), ["in", "exists"]);
}

#[test]
fn ancestor_fields_in_outputs_print_the_process_itself() {
    let rs = rules(&rule("r", "evt.type = execve"));
    let ev = Proc {
        ty: "execve",
        names: vec!["bash", "sshd"],
    };
    let mut hits = Vec::new();
    rs.evaluate(
        rs.source_id("syscall").expect("source"),
        &ev,
        MatchMode::All,
        &mut hits,
    );
    let alert = rs
        .alert(hits[0], &ev, &AlertOptions::default())
        .expect("alert");
    assert_eq!(alert.message, "a=bash p=sshd");
}

#[test]
fn event_types_of_a_ruleset() {
    let set = |v: &[&str]| -> BTreeSet<String> { v.iter().map(|s| s.to_string()).collect() };
    let rs = rules(
        &[
            rule("a", "evt.type in (open, openat) and proc.name = cat"),
            rule("b", "evt.type = execve"),
            rule(
                "c",
                "(evt.type = connect or evt.type = sendto) and not proc.name = x",
            ),
        ]
        .concat(),
    );
    let id = rs.source_id("syscall").expect("source");
    assert_eq!(
        rs.event_types(id),
        Some(set(&["connect", "execve", "open", "openat", "sendto"]))
    );
    // A rule that does not narrow evt.type needs every type.
    let any = rules(&[rule("a", "evt.type = execve"), rule("b", "proc.name = x")].concat());
    assert_eq!(
        any.event_types(any.source_id("syscall").expect("source")),
        None
    );
    // Disabled rules do not count.
    let mut some = rules(&[rule("a", "evt.type = execve"), rule("b", "proc.name = x")].concat());
    let b = some.find("b").expect("rule b");
    some.set_enabled(b, false);
    assert_eq!(
        some.event_types(some.source_id("syscall").expect("source")),
        Some(set(&["execve"]))
    );
}
