//! `--format sarif`: SARIF 2.1.0 for code-scanning services. One run; results are written
//! as they come, the rules actually used and the error notifications at the end.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{Value, json};

use super::{MAX_LISTED_ERRORS, Output, end_document, object_name};
use crate::scan::model::{Event, LintFinding, ScanError, Summary};
use kubeward_manifest::Pos;
use kubeward_podsecurity::lint::Severity;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const PSS_DOCS: &str = "https://kubernetes.io/docs/concepts/security/pod-security-standards/";

/// What each Pod Security Standards check forbids, for the rule descriptions.
const CHECKS: &[(&str, &str)] = &[
    (
        "allowPrivilegeEscalation",
        "Containers must set allowPrivilegeEscalation to false",
    ),
    (
        "appArmorProfile",
        "AppArmor must not be disabled or set to a forbidden profile",
    ),
    (
        "capabilities_baseline",
        "Containers must not add capabilities beyond the default set",
    ),
    (
        "capabilities_restricted",
        "Containers must drop ALL capabilities and may add only NET_BIND_SERVICE",
    ),
    (
        "hostNamespaces",
        "Pods must not share the host's network, PID or IPC namespaces",
    ),
    ("hostPathVolumes", "Pods must not mount hostPath volumes"),
    ("hostPorts", "Containers must not use host ports"),
    (
        "hostProbesAndHostLifecycle",
        "Probes and lifecycle handlers must not target another host",
    ),
    ("privileged", "Containers must not run privileged"),
    ("procMount", "Containers must use the default /proc mask"),
    (
        "procMount_restricted",
        "Containers must use the default /proc mask",
    ),
    (
        "restrictedVolumes",
        "Pods may use only the allowed volume types",
    ),
    ("runAsNonRoot", "Containers must run as non-root users"),
    ("runAsUser", "Containers must not set runAsUser to 0"),
    (
        "seLinuxOptions",
        "SELinux options must not set a custom user, role or forbidden type",
    ),
    (
        "seccompProfile_baseline",
        "Seccomp must not be set to Unconfined",
    ),
    (
        "seccompProfile_restricted",
        "Seccomp must be set to RuntimeDefault or Localhost",
    ),
    ("sysctls", "Pods may set only safe sysctls"),
    (
        "windowsHostProcess",
        "Windows pods must not run as HostProcess containers",
    ),
];

enum Rule {
    Check,
    Lint(Severity),
    /// `--psp`: no PodSecurityPolicy admits the workload's pod.
    Psp,
}

/// The rule id of PodSecurityPolicy rejections.
pub const PSP_RULE: &str = "psp";

pub struct SarifOutput<W: Write> {
    out: W,
    first: bool,
    rules: BTreeMap<&'static str, Rule>,
    notifications: Vec<Value>,
}

impl<W: Write> SarifOutput<W> {
    pub fn new(mut out: W) -> io::Result<Self> {
        write!(
            out,
            "{{\"$schema\":\"{SCHEMA}\",\"version\":\"2.1.0\",\"runs\":[{{\"results\":["
        )?;
        Ok(SarifOutput {
            out,
            first: true,
            rules: BTreeMap::new(),
            notifications: Vec::new(),
        })
    }

    fn result(&mut self, value: &Value) -> io::Result<()> {
        self.out
            .write_all(if self.first { b"\n" } else { b",\n" })?;
        self.first = false;
        serde_json::to_writer(&mut self.out, value).map_err(io::Error::from)
    }
}

/// A relative URI reference with forward slashes for a file name as given; anything
/// outside the unreserved characters and `/` is percent-encoded.
pub fn artifact_uri(file: &str) -> String {
    let file = file.replace('\\', "/");
    let file = match std::env::current_dir() {
        Ok(cwd) if file.starts_with('/') => {
            let cwd = format!("{}/", cwd.to_string_lossy().replace('\\', "/"));
            file.strip_prefix(&cwd).map(str::to_owned).unwrap_or(file)
        }
        _ => file,
    };
    let mut uri = String::with_capacity(file.len());
    if file.starts_with('/') {
        uri.push_str("file://");
    }
    for b in file.trim_start_matches("./").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

fn location(file: &str, pos: Option<Pos>) -> Value {
    let mut physical = json!({"artifactLocation": {"uri": artifact_uri(file)}});
    if let Some(p) = pos.filter(|p| p.line > 0) {
        physical["region"] = json!({"startLine": p.line, "startColumn": p.col.max(1)});
    }
    json!({"physicalLocation": physical})
}

fn level(s: Severity) -> &'static str {
    match kubeward_podsecurity::lint::level_name(s) {
        "info" => "note",
        other => other,
    }
}

fn rule(id: &str, rule: &Rule) -> Value {
    match rule {
        Rule::Check => {
            let description = CHECKS
                .iter()
                .find(|(c, _)| *c == id)
                .map_or("Pod Security Standards check", |(_, d)| d);
            json!({
                "id": id,
                "name": id,
                "shortDescription": {"text": description},
                "helpUri": PSS_DOCS,
                "defaultConfiguration": {"level": "error"},
            })
        }
        Rule::Psp => json!({
            "id": id,
            "name": "PodSecurityPolicy",
            "shortDescription": {"text": "Pods must be admitted by a PodSecurityPolicy"},
            "helpUri": format!("{}/blob/main/docs/psp.md", env!("CARGO_PKG_REPOSITORY")),
            "defaultConfiguration": {"level": "error"},
        }),
        Rule::Lint(severity) => json!({
            "id": id,
            "name": id,
            "shortDescription": {"text": lint_title(id)},
            "helpUri": format!(
                "{}/blob/main/docs/{}#{}",
                env!("CARGO_PKG_REPOSITORY"),
                doc_page(id),
                id.to_ascii_lowercase()
            ),
            "defaultConfiguration": {"level": level(*severity)},
        }),
    }
}

/// The docs page that documents a finding's rule.
fn doc_page(id: &str) -> String {
    kubeward_cluster::rules()
        .find(|r| r.meta.id == id)
        .map_or("lints.md".to_owned(), |r| format!("{}.md", r.family.name()))
}

/// The rule's title from its table (the docs heading), capitalised as a sentence.
fn lint_title(id: &str) -> String {
    let title = kubeward_podsecurity::lint::rules()
        .iter()
        .map(|r| r.meta)
        .chain(kubeward_cluster::rules().map(|r| r.meta))
        .find(|r| r.id == id)
        .map_or("securityContext lint", |r| r.title);
    let mut chars = title.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn notification(e: &ScanError) -> Value {
    let mut locations = vec![location(&e.file, e.pos)];
    // A key set twice: where it is set again, then where it was first set.
    if let Some(d) = &e.duplicate {
        locations.push(location(&e.file, Some(d.first)));
    }
    json!({
        "level": "error",
        "message": {"text": format!("{} ({})", e.message, e.hint())},
        "locations": locations,
    })
}

impl<W: Write> SarifOutput<W> {
    fn lints(&mut self, file: &str, object: &str, lints: &[LintFinding]) -> io::Result<()> {
        for l in lints {
            self.rules.insert(l.id, Rule::Lint(l.severity));
            self.result(&json!({
                "ruleId": l.id,
                "level": level(l.severity),
                "message": {"text": format!("{}: {object}", l.message)},
                "locations": [location(file, Some(l.pos))],
            }))?;
        }
        Ok(())
    }
}

impl<W: Write> Output for SarifOutput<W> {
    fn event(&mut self, event: &Event) -> io::Result<()> {
        let w = match event {
            Event::Workload(w) => w,
            Event::Resource(r) => {
                let object = format!(
                    "{} {}",
                    r.object.kind,
                    object_name(r.object.namespace.as_deref(), r.object.name.as_deref())
                );
                return self.lints(&r.object.file, &object, &r.lints);
            }
            Event::Error(e) => {
                if self.notifications.len() < MAX_LISTED_ERRORS {
                    self.notifications.push(notification(e));
                }
                return Ok(());
            }
        };
        let object = format!(
            "{} {}",
            w.object.kind,
            object_name(w.object.namespace.as_deref(), w.object.name.as_deref())
        );
        for v in &w.violations {
            self.rules.insert(v.violation.check, Rule::Check);
            let text = format!(
                "{}: {object} violates PodSecurity \"{}\"",
                v.violation.long_form(),
                w.policy
            );
            self.result(&json!({
                "ruleId": v.violation.check,
                "level": "error",
                "message": {"text": text},
                "locations": [location(&w.object.file, v.pos.or(Some(w.object.pos)))],
            }))?;
        }
        self.lints(&w.object.file, &object, &w.lints)?;
        if let Some(psp) = w.psp.as_ref().filter(|p| !p.allowed) {
            self.rules.insert(PSP_RULE, Rule::Psp);
            // PSP paths name the API server's internal pod (`spec.securityContext.
            // hostNetwork`), not the manifest, so the workload itself is the location.
            let message = psp
                .message
                .as_deref()
                .unwrap_or("denied by PodSecurityPolicy");
            self.result(&json!({
                "ruleId": PSP_RULE,
                "level": "error",
                "message": {"text": format!("{message}: {object}")},
                "locations": [location(&w.object.file, Some(w.object.pos))],
                "properties": {"pspErrors": psp.errors.iter().map(|e| json!({
                    "policy": e.policy, "path": e.path, "message": e.message,
                })).collect::<Vec<_>>()},
            }))?;
        }
        Ok(())
    }

    fn finish(&mut self, s: &Summary) -> io::Result<()> {
        let rules: Vec<Value> = self.rules.iter().map(|(id, r)| rule(id, r)).collect();
        let tool = json!({"driver": {
            "name": "kubeward",
            "version": env!("CARGO_PKG_VERSION"),
            "informationUri": env!("CARGO_PKG_REPOSITORY"),
            "rules": rules,
        }});
        let invocation = json!({
            "executionSuccessful": s.errors == 0,
            "toolExecutionNotifications": std::mem::take(&mut self.notifications),
        });
        end_document(
            &mut self.out,
            ("tool", &tool),
            ("invocations", &[invocation]),
            "}]}",
        )
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_has_a_rule_description() {
        for info in kubeward_podsecurity::standards::all_checks() {
            assert!(
                CHECKS.iter().any(|(id, _)| *id == info.id),
                "no SARIF rule description for {}",
                info.id
            );
        }
    }

    #[test]
    fn artifact_uris_are_relative_forward_slashed_and_encoded() {
        assert_eq!(artifact_uri("examples/a b.yaml"), "examples/a%20b.yaml");
        assert_eq!(artifact_uri("./x\\y.yaml"), "x/y.yaml");
        assert_eq!(artifact_uri("<stdin>"), "%3Cstdin%3E");
        assert_eq!(
            artifact_uri("/nonexistent-root/k.yaml"),
            "file:///nonexistent-root/k.yaml"
        );
        let cwd = std::env::current_dir().expect("cwd");
        let inside = cwd.join("dir").join("k.yaml");
        assert_eq!(artifact_uri(&inside.to_string_lossy()), "dir/k.yaml");
    }
}
