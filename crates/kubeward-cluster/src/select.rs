//! Which rules run (`--enable`, `--disable`, `.kubeward.yaml`) and which findings one
//! resource suppresses (`kubeward.io/ignore`).

use std::collections::HashSet;

use kubeward_manifest::Node;

use crate::{Family, Rule};

/// The annotation that suppresses findings on the resource it is written on: a
/// comma-separated list of ids or family names.
pub const IGNORE_ANNOTATION: &str = "kubeward.io/ignore";
/// Why the findings are suppressed; shown beside the count, never required.
pub const IGNORE_REASON_ANNOTATION: &str = "kubeward.io/ignore-reason";

/// The family name of the securityContext lints (`KW1xx`), which a selection also covers.
const LINT_FAMILY: &str = "lint";

/// A name that is neither a rule id nor a family.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown rule or family {0:?}")]
pub struct SelectionError(pub String);

impl kubeward_report::Hint for SelectionError {
    fn hint(&self) -> &str {
        "name a family (rbac, hygiene, exposure, secrets, lint), an id prefix such as RB or \
         KW14, or an id such as RB004 (every id is in docs/)"
    }
}

/// The rules that run. The default runs every rule.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    disabled: HashSet<&'static str>,
}

/// Every id a selection knows: this crate's rules and the securityContext lints.
fn all_ids() -> impl Iterator<Item = (&'static str, &'static str)> {
    let lints = kubeward_podsecurity::lint::rules()
        .iter()
        .map(|r| (r.meta.id, LINT_FAMILY));
    crate::rules()
        .map(|r| (r.meta.id, r.family.name()))
        .chain(lints)
}

/// Whether `token` names `id` of `family`: the id, a prefix of ids, or the family.
fn names(token: &str, id: &str, family: &str) -> bool {
    token.eq_ignore_ascii_case(family)
        || (token.len() >= 2
            && id
                .get(..token.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(token)))
}

impl Selection {
    /// Only the rules `enable` names (every rule when it is empty), less those `disable`
    /// names. Each name is a family, an id prefix (`RB`, `KW14`) or an id.
    pub fn new(enable: &[String], disable: &[String]) -> Result<Selection, SelectionError> {
        for token in enable.iter().chain(disable) {
            if !all_ids().any(|(id, family)| names(token, id, family)) {
                return Err(SelectionError(token.clone()));
            }
        }
        let disabled = all_ids()
            .filter(|(id, family)| {
                let off = !enable.is_empty() && !enable.iter().any(|t| names(t, id, family));
                off || disable.iter().any(|t| names(t, id, family))
            })
            .map(|(id, _)| id)
            .collect();
        Ok(Selection { disabled })
    }

    /// Whether `rule` runs.
    pub fn enabled(&self, rule: &Rule) -> bool {
        !self.disabled.contains(rule.meta.id)
    }

    /// Whether the rule with this id runs (any family, lints included).
    pub fn enabled_id(&self, id: &str) -> bool {
        !self.disabled.contains(id)
    }

    /// Whether any rule of `family` runs.
    pub fn family_on(&self, family: Family) -> bool {
        crate::rules().any(|r| r.family == family && self.enabled(r))
    }
}

/// The ids and family names a resource's `kubeward.io/ignore` annotation lists (empty
/// entries dropped), and its `kubeward.io/ignore-reason`. `metadata` is the object's.
pub fn suppressed_ids(metadata: Option<&Node>) -> (Vec<String>, Option<String>) {
    let annotations = metadata.and_then(|m| m.get("annotations"));
    let get = |key| annotations.and_then(|a| a.get(key)).and_then(Node::as_str);
    let ids = get(IGNORE_ANNOTATION)
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    (ids, get(IGNORE_REASON_ANNOTATION).map(str::to_owned))
}

/// Whether a finding of `id` is suppressed by `ignored` (ids, prefixes or families).
pub fn is_suppressed(ignored: &[String], id: &str) -> bool {
    let family = all_ids().find(|(i, _)| *i == id).map_or("", |(_, f)| f);
    ignored.iter().any(|t| names(t, id, family))
}
