//! The audit policy as the API server holds it once decoded.

use std::fmt;
use std::sync::Arc;

use kubeward_manifest::{Node, Pos};

use super::Dropped;

/// How much of a request is recorded. Ordered from nothing to everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Level {
    /// `None`: no event is logged for matching requests.
    None,
    /// `Metadata`: requesting user, timestamp, resource and verb, but no request or response body.
    Metadata,
    /// `Request`: metadata and the request body (no response body).
    Request,
    /// `RequestResponse`: metadata, request body and response body.
    RequestResponse,
}

impl Level {
    /// Every level, from `None` to `RequestResponse`.
    pub const ALL: [Level; 4] = [
        Level::None,
        Level::Metadata,
        Level::Request,
        Level::RequestResponse,
    ];

    /// The level as the policy writes it, e.g. `RequestResponse`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "None",
            Level::Metadata => "Metadata",
            Level::Request => "Request",
            Level::RequestResponse => "RequestResponse",
        }
    }

    /// The level written `s` (exact case), or `None` for an unknown name.
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
    /// `RequestReceived`: as soon as the request is received, before it is handled.
    RequestReceived,
    /// `ResponseStarted`: once the response headers are sent, before the body (long-running requests such as `watch` only).
    ResponseStarted,
    /// `ResponseComplete`: once the response body is complete.
    ResponseComplete,
    /// `Panic`: when a panic occurred while handling the request.
    Panic,
}

impl Stage {
    /// Every stage, in the order a request goes through them.
    pub const ALL: [Stage; 4] = [
        Stage::RequestReceived,
        Stage::ResponseStarted,
        Stage::ResponseComplete,
        Stage::Panic,
    ];

    /// The stage as the policy writes it, e.g. `RequestReceived`.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::RequestReceived => "RequestReceived",
            Stage::ResponseStarted => "ResponseStarted",
            Stage::ResponseComplete => "ResponseComplete",
            Stage::Panic => "Panic",
        }
    }

    /// The stage written `s` (exact case), or `None` for an unknown name.
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
    /// The policy file, as named on the command line.
    pub file: Arc<str>,
    /// The whole `Policy` object as loaded, for positions.
    pub node: Node,
    /// The policy's `omitStages`: stages never logged, whatever the rules say.
    pub omit_stages: Vec<Stage>,
    /// The policy's `omitManagedFields`: drop `metadata.managedFields` from logged bodies unless a rule says otherwise.
    pub omit_managed_fields: bool,
    /// The policy's `rules`, in order: the first rule that matches a request sets its level.
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
    /// The rule's `level`; `None` when not written (validation rejects that).
    pub level: Option<Level>,
    /// `users`: user names the rule applies to; empty means every user.
    pub users: Vec<String>,
    /// `userGroups`: groups the rule applies to (a user in any of them matches); empty means every group.
    pub user_groups: Vec<String>,
    /// `verbs`: request verbs (`get`, `list`, `watch`, `create`, …); empty means every verb.
    pub verbs: Vec<String>,
    /// `resources`: API groups and resources the rule applies to; empty means every resource.
    pub resources: Vec<GroupResources>,
    /// `namespaces`: namespaces the rule applies to (`""` is cluster-scoped resources); empty means all.
    pub namespaces: Vec<String>,
    /// `nonResourceURLs`: paths such as `/healthz` or `/metrics*` (a trailing `*` is a prefix match); empty means all.
    pub non_resource_urls: Vec<String>,
    /// The rule's `omitStages`, added to the policy's.
    pub omit_stages: Vec<Stage>,
    /// The rule's `omitManagedFields`; `None` follows the policy's setting.
    pub omit_managed_fields: Option<bool>,
}

/// One `resources[]` entry of a rule.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupResources {
    /// `group`: the API group, `""` for the core group.
    pub group: String,
    /// `resources`: resources of the group (`pods`, `pods/log`, `*/scale`, `*`); empty means all of the group.
    pub resources: Vec<String>,
    /// `resourceNames`: object names; empty means every object.
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
