//! Decodes the positioned tree into a [`Policy`], field by field, so that a type error
//! names its line and an unknown or duplicated field is recorded instead of dropped
//! silently (the API server decodes strictly, then leniently with only a warning).

use std::collections::HashSet;
use std::sync::Arc;

use kubeward_manifest::{Entry, Node, Value};

use super::policy::{GroupResources, Level, Policy, Rule, Stage};
use super::{Dropped, PolicyError};

struct Ctx<'a> {
    file: &'a Arc<str>,
    errors: Vec<PolicyError>,
    dropped: Vec<Dropped>,
}

impl Ctx<'_> {
    fn error(&mut self, node: &Node, field: &str, message: String, hint: &str) {
        self.errors.push(PolicyError {
            file: self.file.clone(),
            pos: Some(node.pos),
            field: field.to_string(),
            message,
            hint: hint.to_string(),
        });
    }

    /// The entries of a mapping, noting fields outside `known` and repeated keys.
    fn fields<'n>(&mut self, node: &'n Node, path: &str, known: &[&str]) -> &'n [Entry] {
        let Some(entries) = node.as_map() else {
            if !matches!(node.value, Value::Null) {
                let msg = format!("expected a mapping, found {}", describe(&node.value));
                self.error(node, path, msg, "write this field as key: value pairs");
            }
            return &[];
        };
        let mut seen = HashSet::new();
        for e in entries {
            let field = join(path, &e.key);
            let duplicate = !seen.insert(e.key.as_str());
            if duplicate || !known.contains(&e.key.as_str()) {
                self.dropped.push(Dropped {
                    field,
                    line: e.key_pos.line,
                    duplicate,
                });
            }
        }
        entries
    }

    fn strings(&mut self, node: Option<&Node>, path: &str) -> Vec<String> {
        let Some(node) = node else { return Vec::new() };
        match &node.value {
            Value::Null => Vec::new(),
            Value::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    match item.as_str() {
                        Some(s) => out.push(s.to_string()),
                        None => self.error(
                            item,
                            &format!("{path}[{i}]"),
                            format!("expected a string, found {}", describe(&item.value)),
                            "quote the value",
                        ),
                    }
                }
                out
            }
            other => {
                let msg = format!("expected a list of strings, found {}", describe(other));
                self.error(node, path, msg, "write a list, e.g. [\"a\", \"b\"]");
                Vec::new()
            }
        }
    }

    fn string(&mut self, node: Option<&Node>, path: &str) -> Option<String> {
        let node = node?;
        match &node.value {
            Value::Null => None,
            Value::Str(s) => Some(s.clone()),
            other => {
                let msg = format!("expected a string, found {}", describe(other));
                self.error(node, path, msg, "quote the value");
                None
            }
        }
    }

    fn boolean(&mut self, node: Option<&Node>, path: &str) -> Option<bool> {
        let node = node?;
        match &node.value {
            Value::Null => None,
            Value::Bool(b) => Some(*b),
            other => {
                let msg = format!("expected true or false, found {}", describe(other));
                self.error(node, path, msg, "write true or false");
                None
            }
        }
    }

    fn stages(&mut self, node: Option<&Node>, path: &str) -> Vec<Stage> {
        let names = self.strings(node, path);
        let mut out = Vec::new();
        for (i, name) in names.iter().enumerate() {
            match Stage::parse(name) {
                Some(s) => out.push(s),
                None => {
                    let at = node.and_then(|n| n.index(i)).or(node);
                    if let Some(at) = at {
                        self.error(
                            at,
                            &format!("{path}[{i}]"),
                            format!("unknown stage {name:?}"),
                            "use RequestReceived, ResponseStarted, ResponseComplete or Panic",
                        );
                    }
                }
            }
        }
        out
    }
}

/// Decodes `root`. The policy is returned whenever its shape could be read, with every
/// error found on the way.
pub(super) fn policy(file: &Arc<str>, root: Node) -> (Option<Policy>, Vec<PolicyError>) {
    let mut cx = Ctx {
        file,
        errors: Vec::new(),
        dropped: Vec::new(),
    };
    let known = [
        "apiVersion",
        "kind",
        "metadata",
        "rules",
        "omitStages",
        "omitManagedFields",
    ];
    cx.fields(&root, "", &known);
    let omit_stages = cx.stages(root.get("omitStages"), "omitStages");
    let omit_managed_fields = cx
        .boolean(root.get("omitManagedFields"), "omitManagedFields")
        .unwrap_or(false);
    let mut rules = Vec::new();
    match root.get("rules").map(|n| (n, &n.value)) {
        None | Some((_, Value::Null)) => {}
        Some((_, Value::Seq(items))) => {
            for (i, item) in items.iter().enumerate() {
                rules.push(rule(&mut cx, item, &format!("rules[{i}]")));
            }
        }
        Some((n, other)) => {
            let msg = format!("expected a list of rules, found {}", describe(other));
            cx.error(
                n,
                "rules",
                msg,
                "write rules as a list: rules: [- level: ...]",
            );
        }
    }
    let Ctx {
        errors, dropped, ..
    } = cx;
    let policy = Policy {
        file: file.clone(),
        node: root,
        omit_stages,
        omit_managed_fields,
        rules,
        dropped,
    };
    (Some(policy), errors)
}

fn rule(cx: &mut Ctx, node: &Node, path: &str) -> Rule {
    let known = [
        "level",
        "users",
        "userGroups",
        "verbs",
        "resources",
        "namespaces",
        "nonResourceURLs",
        "omitStages",
        "omitManagedFields",
    ];
    cx.fields(node, path, &known);
    let f = |k: &str| node.get(k);
    let p = |k: &str| join(path, k);
    let level = match cx.string(f("level"), &p("level")) {
        None => None,
        Some(s) => match Level::parse(&s) {
            Some(l) => Some(l),
            None => {
                if let Some(n) = f("level") {
                    cx.error(
                        n,
                        &p("level"),
                        format!("unknown level {s:?}"),
                        "use None, Metadata, Request or RequestResponse",
                    );
                }
                None
            }
        },
    };
    let mut resources = Vec::new();
    if let Some(list) = f("resources") {
        match &list.value {
            Value::Null => {}
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    resources.push(group_resources(
                        cx,
                        item,
                        &format!("{}[{i}]", p("resources")),
                    ));
                }
            }
            other => {
                let msg = format!("expected a list, found {}", describe(other));
                cx.error(
                    list,
                    &p("resources"),
                    msg,
                    "write resources: [{group: \"\", resources: [...]}]",
                );
            }
        }
    }
    Rule {
        level,
        users: cx.strings(f("users"), &p("users")),
        user_groups: cx.strings(f("userGroups"), &p("userGroups")),
        verbs: cx.strings(f("verbs"), &p("verbs")),
        resources,
        namespaces: cx.strings(f("namespaces"), &p("namespaces")),
        non_resource_urls: cx.strings(f("nonResourceURLs"), &p("nonResourceURLs")),
        omit_stages: cx.stages(f("omitStages"), &p("omitStages")),
        omit_managed_fields: cx.boolean(f("omitManagedFields"), &p("omitManagedFields")),
    }
}

fn group_resources(cx: &mut Ctx, node: &Node, path: &str) -> GroupResources {
    cx.fields(node, path, &["group", "resources", "resourceNames"]);
    GroupResources {
        group: cx
            .string(node.get("group"), &join(path, "group"))
            .unwrap_or_default(),
        resources: cx.strings(node.get("resources"), &join(path, "resources")),
        resource_names: cx.strings(node.get("resourceNames"), &join(path, "resourceNames")),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Int(_) | Value::Float(_) => "a number",
        Value::Str(_) => "a string",
        Value::Seq(_) => "a list",
        Value::Map(_) => "a mapping",
    }
}
