//! The audit policy as the API server holds it once decoded.

use std::fmt;
use std::sync::Arc;

use kubeward_manifest::{Node, Pos};

use super::Dropped;

/// How much of a request is recorded. Ordered from nothing to everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Level {
    None,
    Metadata,
    Request,
    RequestResponse,
}

impl Level {
    pub const ALL: [Level; 4] = [
        Level::None,
        Level::Metadata,
        Level::Request,
        Level::RequestResponse,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "None",
            Level::Metadata => "Metadata",
            Level::Request => "Request",
            Level::RequestResponse => "RequestResponse",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A point in handling a request at which an event is emitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Stage {
    RequestReceived,
    ResponseStarted,
    ResponseComplete,
    Panic,
}

impl Stage {
    pub const ALL: [Stage; 4] = [
        Stage::RequestReceived,
        Stage::ResponseStarted,
        Stage::ResponseComplete,
        Stage::Panic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::RequestReceived => "RequestReceived",
            Stage::ResponseStarted => "ResponseStarted",
            Stage::ResponseComplete => "ResponseComplete",
            Stage::Panic => "Panic",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A decoded `Policy`. The raw tree is kept so findings can point at lines.
#[derive(Clone, Debug)]
pub struct Policy {
    pub file: Arc<str>,
    pub node: Node,
    pub omit_stages: Vec<Stage>,
    pub omit_managed_fields: bool,
    pub rules: Vec<Rule>,
    /// Fields the API server would drop with only a warning (unknown or duplicated).
    pub dropped: Vec<Dropped>,
}

impl Policy {
    /// Where the field at `path` (e.g. `rules[1].verbs[0]`) is written, or the nearest
    /// enclosing field that is.
    pub fn pos(&self, path: &str) -> Pos {
        self.node.locate(path).pos
    }
}

/// One `rules[]` entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rule {
    pub level: Option<Level>,
    pub users: Vec<String>,
    pub user_groups: Vec<String>,
    pub verbs: Vec<String>,
    pub resources: Vec<GroupResources>,
    pub namespaces: Vec<String>,
    pub non_resource_urls: Vec<String>,
    pub omit_stages: Vec<Stage>,
    pub omit_managed_fields: Option<bool>,
}

/// One `resources[]` entry of a rule.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupResources {
    pub group: String,
    pub resources: Vec<String>,
    pub resource_names: Vec<String>,
}

impl Rule {
    /// The level, `None` when unset (validation rejects that, so only partial policies see it).
    pub fn level(&self) -> Level {
        self.level.unwrap_or(Level::None)
    }

    /// Whether the rule is limited to resource requests (`namespaces` or `resources` set).
    pub fn resource_only(&self) -> bool {
        !self.namespaces.is_empty() || !self.resources.is_empty()
    }

    /// Whether the rule is limited to non-resource requests.
    pub fn non_resource_only(&self) -> bool {
        !self.resource_only() && !self.non_resource_urls.is_empty()
    }

    /// Whether the rule matches every request, authenticated or not.
    pub fn is_catch_all(&self) -> bool {
        self.users.is_empty()
            && self.user_groups.is_empty()
            && self.verbs.is_empty()
            && !self.resource_only()
            && self.non_resource_urls.is_empty()
    }

    /// A one-line description, e.g. `Metadata for users [alice] verbs [get] resources
    /// [""/secrets]`.
    pub fn summary(&self) -> String {
        let mut out = self.level().to_string();
        let mut conds = Vec::new();
        let list = |name: &str, v: &[String]| format!("{name} [{}]", v.join(", "));
        for (name, v) in [
            ("users", &self.users),
            ("userGroups", &self.user_groups),
            ("verbs", &self.verbs),
            ("namespaces", &self.namespaces),
            ("nonResourceURLs", &self.non_resource_urls),
        ] {
            if !v.is_empty() {
                conds.push(list(name, v));
            }
        }
        if !self.resources.is_empty() {
            let grs: Vec<String> = self.resources.iter().map(GroupResources::summary).collect();
            conds.push(format!("resources [{}]", grs.join(", ")));
        }
        if conds.is_empty() {
            out.push_str(" for every request");
        } else {
            out.push_str(" for ");
            out.push_str(&conds.join(" "));
        }
        if !self.omit_stages.is_empty() {
            let stages: Vec<&str> = self.omit_stages.iter().map(|s| s.as_str()).collect();
            out.push_str(&format!(" omitting [{}]", stages.join(", ")));
        }
        out
    }
}

impl GroupResources {
    /// `"group"/res1|res2` with names in braces, `"group"/*all*` for a whole group.
    pub fn summary(&self) -> String {
        let res = if self.resources.is_empty() {
            "(all)".to_string()
        } else {
            self.resources.join("|")
        };
        let mut s = format!("{:?}/{res}", self.group);
        if !self.resource_names.is_empty() {
            s.push_str(&format!(" named {{{}}}", self.resource_names.join(",")));
        }
        s
    }
}
