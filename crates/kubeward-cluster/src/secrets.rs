//! `SE0xx`: secrets committed to the repository, in Secret objects and in ConfigMaps.

use kubeward_manifest::{Node, Resource, Value};
use kubeward_report::Severity::{High, Medium};

use crate::rule::{Family::Secrets, Findings, Rule};

pub(crate) const SE001: Rule = Rule::new(
    Secrets,
    "SE001",
    "secret values in a manifest",
    High,
    "keep the values out of the repository: create the Secret from a vault or an external-secrets operator, or commit it encrypted (Sealed Secrets, SOPS)",
);
pub(crate) const SE002: Rule = Rule::new(
    Secrets,
    "SE002",
    "credential in a ConfigMap",
    Medium,
    "move the credential into a Secret (and that Secret out of the repository)",
);

pub(crate) static RULES: &[Rule] = &[SE001, SE002];

/// What marks a ConfigMap entry as a credential: the strings Falco's
/// `contains_private_credentials` macro (k8s_audit rules) looks for in a ConfigMap.
pub const CREDENTIAL_MARKERS: &[&str] = &[
    "aws_access_key_id",
    "aws-access-key-id",
    "aws_s3_access_key_id",
    "aws-s3-access-key-id",
    "password",
    "passphrase",
];

fn filled(v: &Node) -> bool {
    !matches!(&v.value, Value::Null) && !matches!(&v.value, Value::Str(s) if s.is_empty())
}

pub(crate) fn check(res: &Resource, out: &mut Findings<'_>) {
    let name = res.name.as_deref().unwrap_or_default();
    if res.kind == "Secret" {
        for field in ["data", "stringData"] {
            let keys: Vec<&str> = res
                .node
                .get(field)
                .and_then(Node::as_map)
                .unwrap_or_default()
                .iter()
                .filter(|e| filled(&e.value))
                .map(|e| e.key.as_str())
                .collect();
            if !keys.is_empty() {
                out.report(
                    &SE001,
                    field,
                    format!(
                        "Secret {name} holds {} in {field}, readable by anyone who can read the repository (base64 is not encryption)",
                        keys.join(", ")
                    ),
                );
            }
        }
        return;
    }
    for e in res
        .node
        .get("data")
        .and_then(Node::as_map)
        .unwrap_or_default()
    {
        let value = e.value.as_str().unwrap_or_default();
        let marker = CREDENTIAL_MARKERS
            .iter()
            .find(|m| contains_ignore_case(&e.key, m) || contains_ignore_case(value, m));
        if let Some(m) = marker {
            out.report(
                &SE002,
                format!("data[{}]", e.key),
                format!("ConfigMap {name} key {:?} looks like a credential (mentions {m:?}); ConfigMaps are readable by far more subjects than Secrets", e.key),
            );
        }
    }
}

fn contains_ignore_case(hay: &str, needle: &str) -> bool {
    hay.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}
