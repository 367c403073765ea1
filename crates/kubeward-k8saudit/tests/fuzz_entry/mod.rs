//! The bodies of the `rules_load` and `audit_reader` fuzz targets
//! (fuzz/fuzz_targets/*.rs include this file), replayed over their corpora by
//! tests/fuzz_corpus.rs.
#![allow(dead_code)] // each fuzz target uses one of the entries

use std::sync::OnceLock;

use kubeward_k8saudit::fields::{self, ArgSpec};
use kubeward_k8saudit::reader::{Framer, Record, SkipKind, parse_record};
use kubeward_k8saudit::{AuditEvent, DEFAULT_RULES, DEFAULT_RULES_NAME, extract, source_spec};
use kubeward_rules::engine::{AlertOptions, Engine, MatchMode, RulesFile, Ruleset};
use kubeward_rules::source::FieldArg;

/// Rules files load after this one, so that overrides, appends and exceptions have
/// something to act on (the fuzz dictionary knows its names).
pub const BASE_RULES: &str = r#"
- list: base_users
  items: [alice, "system:anonymous"]
- macro: base_write
  condition: ka.verb in (create, update, patch)
- rule: Base Rule
  desc: a base rule
  condition: base_write and ka.user.name in (base_users)
  output: "user=%ka.user.name verb=%ka.verb uri=%ka.uri"
  priority: WARNING
  source: k8s_audit
  tags: [base]
  exceptions:
    - name: ns
      fields: [ka.target.namespace]
      comps: [=]
      values: [[kube-system]]
"#;

/// Audit events the loaded rules are evaluated on (JSON lines).
pub const EVENTS: &str = concat!(
    r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"a1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/dev/pods","verb":"create","user":{"username":"alice","groups":["system:authenticated"]},"sourceIPs":["10.0.0.9"],"userAgent":"kubectl/v1.31.0","objectRef":{"resource":"pods","namespace":"dev","apiVersion":"v1"},"responseStatus":{"code":201},"requestObject":{"kind":"Pod","metadata":{"name":"p","namespace":"dev"},"spec":{"hostNetwork":true,"containers":[{"name":"c","image":"docker.io/library/nginx:1","securityContext":{"privileged":true}}],"volumes":[{"name":"h","hostPath":{"path":"/etc"}}]}},"stageTimestamp":"2024-03-01T10:00:00.5Z"}"#,
    "\n",
    r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a2","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/dev/pods/p/exec?command=sh&command=-c&container=c&stdin=true","verb":"create","user":{"username":"system:anonymous"},"sourceIPs":["192.0.2.1","10.0.0.1"],"objectRef":{"resource":"pods","subresource":"exec","namespace":"dev","name":"p"},"responseStatus":{"code":101},"stageTimestamp":"2262-04-11T23:47:16.854775807Z"}"#,
    "\n",
    r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1beta1","auditID":"a3","verb":"delete","user":{"username":"bob"},"objectRef":{"resource":"clusterrolebindings","name":"admin","apiGroup":"rbac.authorization.k8s.io"},"requestObject":{"subjects":[{"kind":"ServiceAccount","name":"x","namespace":"kube-system"}],"roleRef":{"name":"cluster-admin"}},"stageTimestamp":"1970-01-01T00:00:00-23:59"}"#,
    "\n",
);

/// The ways alerts are stamped: local offsets either side of UTC, both time formats.
fn alert_options() -> [AlertOptions; 2] {
    [
        AlertOptions {
            hostname: "fuzz".into(),
            utc_offset_secs: 14 * 3600,
            time_format_iso_8601: false,
            ..AlertOptions::default()
        },
        AlertOptions {
            hostname: String::new(),
            utc_offset_secs: -12 * 3600,
            time_format_iso_8601: true,
            ..AlertOptions::default()
        },
    ]
}

fn engine() -> Engine {
    let mut engine = Engine::new();
    engine.add_source(source_spec());
    engine
}

/// A rules file (after [`BASE_RULES`]) loaded with the k8s_audit and syscall field
/// tables: it loads, or fails naming an error. A loaded ruleset is evaluated on
/// [`EVENTS`] with and without its rule index (which must agree), and every match
/// formatted as an alert.
pub fn rules_load(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let files = [
        RulesFile::new("base.yaml", BASE_RULES),
        RulesFile::new("fuzz.yaml", text),
    ];
    let loaded = engine().load(&files);
    for r in &loaded.reports {
        let _ = r.to_text();
        let _ = r.to_json();
    }
    let Some(ruleset) = loaded.ruleset else {
        assert!(
            loaded.reports.iter().any(|r| !r.errors.is_empty()),
            "a failed load must say why"
        );
        return;
    };
    for (_, info) in ruleset.rules() {
        let _ = (&info.condition, &info.output);
    }
    evaluate(&ruleset, EVENTS.as_bytes());
}

/// Evaluates every event of `events` (JSON lines) with `ruleset`, comparing the indexed
/// evaluation with the plain one, and formats every alert.
fn evaluate(ruleset: &Ruleset, events: &[u8]) {
    let Some(source) = ruleset.source_id(kubeward_k8saudit::SOURCE_NAME) else {
        return;
    };
    let options = alert_options();
    let mut framer = Framer::new();
    let mut sink = |r: Record<'_, '_>| {
        let Record::Event(ev) = r else { return };
        for mode in [MatchMode::All, MatchMode::First] {
            let mut indexed = Vec::new();
            ruleset.evaluate(source, ev, mode, &mut indexed);
            let plain = ruleset.evaluate_without_index(source, ev, mode);
            assert_eq!(indexed, plain, "the rule index changed the matches");
            for id in indexed {
                for opts in &options {
                    let alert = ruleset
                        .alert(id, ev, opts)
                        .expect("a matched rule has an alert");
                    let _ = (alert.text_line(), alert.to_json());
                }
            }
        }
    };
    framer.push(events, &mut sink);
    framer.finish(&mut sink);
}

/// The default ruleset, loaded once.
fn default_rules() -> &'static Ruleset {
    static RULES: OnceLock<Ruleset> = OnceLock::new();
    RULES.get_or_init(|| {
        engine()
            .load(&[RulesFile::new(DEFAULT_RULES_NAME, DEFAULT_RULES)])
            .ruleset
            .expect("the default rules load")
    })
}

/// What the reader handed out, comparable across chunkings.
#[derive(Debug, PartialEq)]
enum Seen {
    Event(String),
    Skip {
        kind: SkipKind,
        line: u64,
        column: Option<u64>,
        item: Option<usize>,
        reason: String,
    },
}

fn seen(r: &Record<'_, '_>) -> Seen {
    match r {
        Record::Event(ev) => {
            let mut compact = String::new();
            ev.json().write_compact(&mut compact);
            assert_eq!(
                ev.json().compact_len(),
                compact.len(),
                "compact_len is the length of write_compact"
            );
            Seen::Event(compact)
        }
        Record::Skip(s) => Seen::Skip {
            kind: s.kind,
            line: s.line,
            column: s.column,
            item: s.item,
            reason: s.reason.clone(),
        },
    }
}

/// Reads `data` with a [`Framer`] fed `chunk` bytes at a time.
fn frame(data: &[u8], chunk: usize) -> Vec<Seen> {
    let mut out = Vec::new();
    let mut framer = Framer::new();
    let mut sink = |r: Record<'_, '_>| out.push(seen(&r));
    for piece in data.chunks(chunk.max(1)) {
        framer.push(piece, &mut sink);
    }
    framer.finish(&mut sink);
    out
}

/// Every field of the source extracted from `ev`, with arguments of each kind.
fn extract_all(ev: &AuditEvent<'_>) {
    let keys = [
        FieldArg::Key("command".into()),
        FieldArg::Key("/user/username".into()),
        FieldArg::Key("".into()),
        FieldArg::Key("ServiceAccount:kube-system:x".into()),
    ];
    let mut out = Vec::new();
    for info in fields::fields() {
        let args: Vec<FieldArg> = match info.arg {
            ArgSpec::None => vec![FieldArg::None],
            ArgSpec::OptionalIndex => vec![FieldArg::None, FieldArg::Index(0), FieldArg::Index(1)],
            ArgSpec::RequiredKey => keys.to_vec(),
        };
        for arg in &args {
            out.clear();
            let found = extract::extract(info, arg, ev, &mut out);
            assert_eq!(found, !out.is_empty(), "{}: found means values", info.name);
        }
    }
}

/// Arbitrary bytes as an audit log: read whole and in small chunks (the records must
/// not depend on the chunking), and as one webhook request body (the audit server's
/// `parse_record`). Every event has all its fields extracted and is evaluated with the
/// default ruleset.
pub fn audit_reader(data: &[u8]) {
    let whole = frame(data, data.len());
    let chunk = 1 + usize::from(data.first().copied().unwrap_or(0) % 16);
    let chunked = frame(data, chunk);
    assert_eq!(
        whole, chunked,
        "chunks of {chunk} bytes changed the records"
    );

    let rules = default_rules();
    let source = rules
        .source_id(kubeward_k8saudit::SOURCE_NAME)
        .expect("k8s_audit");
    let options = alert_options();
    let mut hits = Vec::new();
    let _ = parse_record(data, 1, &mut |r| {
        let Record::Event(ev) = r else { return };
        extract_all(ev);
        hits.clear();
        rules.evaluate(source, ev, MatchMode::All, &mut hits);
        for &id in &hits {
            for opts in &options {
                let alert = rules
                    .alert(id, ev, opts)
                    .expect("a matched rule has an alert");
                let _ = (alert.text_line(), alert.to_json());
            }
        }
    });
}
