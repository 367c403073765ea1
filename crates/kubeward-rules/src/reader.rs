//! Rules file → collector: YAML decoding, key validation and Falco's
//! define/append/override semantics. The first error stops the file.

mod names;
mod rule;
mod scalar;
mod syntax;

use std::sync::Arc;

use self::names::{valid_list_name, valid_macro_name};
use self::scalar::{boolean, nonempty, scalar, scalar_seq};
use crate::collector::{Collector, Ctx, ListDef, MacroDef, PluginReq};
use crate::diag::{Diagnostic, DiagnosticLevel, FileReport, Location, snippet};
use crate::version::{ENGINE_VERSION, parse_engine_version, parse_semver};
use crate::yaml::{self, Kind, Node, Pos};

const YAML_VALIDATE: &str = "LOAD_ERR_YAML_VALIDATE";
const VALIDATE: &str = "LOAD_ERR_VALIDATE";

/// An error found while decoding: where, code, message.
pub(crate) struct Fail {
    pub pos: Pos,
    pub code: &'static str,
    pub message: String,
    /// A location inside the item (Falco's context chain), e.g. `exception 'ex1'`.
    pub within: Option<Within>,
}

/// A nested location: item type, item name, position.
pub(crate) type Within = (&'static str, String, Pos);

impl Fail {
    /// The same failure, located inside `within` unless it already is deeper.
    pub fn within(mut self, w: Within) -> Fail {
        if self.within.is_none() {
            self.within = Some(w);
        }
        self
    }
}

type R<T> = Result<T, Fail>;

fn fail<T>(pos: Pos, code: &'static str, message: impl Into<String>) -> R<T> {
    Err(Fail {
        pos,
        code,
        message: message.into(),
        within: None,
    })
}

pub(crate) struct Reader<'a> {
    pub file: Arc<str>,
    pub file_index: usize,
    pub text: &'a str,
    pub report: &'a mut FileReport,
    pub col: &'a mut Collector,
}

impl Reader<'_> {
    fn ctx(&self, pos: Pos) -> Ctx {
        Ctx {
            file: self.file.clone(),
            file_index: self.file_index,
            pos,
        }
    }

    fn diag(
        &mut self,
        severity: DiagnosticLevel,
        code: &'static str,
        message: String,
        item: Option<(&str, &str, Pos)>,
        within: Option<&Within>,
        at: Pos,
    ) {
        let mut locations = vec![Location {
            item_type: "rules content".into(),
            item_name: String::new(),
            file: self.file.clone(),
            pos: Pos {
                line: 1,
                col: 1,
                offset: 0,
            },
        }];
        if let Some((ty, name, pos)) = item {
            locations.push(Location {
                item_type: ty.into(),
                item_name: name.into(),
                file: self.file.clone(),
                pos,
            });
        }
        if let Some((ty, name, pos)) = within {
            locations.push(Location {
                item_type: (*ty).into(),
                item_name: name.clone(),
                file: self.file.clone(),
                pos: *pos,
            });
        }
        if at != locations.last().map_or(at, |l| l.pos) {
            locations.push(Location {
                item_type: "value for".into(),
                item_name: String::new(),
                file: self.file.clone(),
                pos: at,
            });
        }
        self.report.push(Diagnostic {
            severity,
            code,
            message,
            locations,
            snippet: snippet(self.text, at),
        });
    }

    /// Reads the whole file; false when it had an error.
    pub fn read(&mut self) -> bool {
        let docs = match yaml::parse(self.text) {
            Ok(d) => d,
            Err(e) => {
                let msg = syntax::message(e.pos, &e.message, self.text);
                self.diag(
                    DiagnosticLevel::Error,
                    "LOAD_ERR_YAML_PARSE",
                    msg,
                    None,
                    None,
                    e.pos,
                );
                return false;
            }
        };
        for root in docs.into_iter().flatten() {
            let items = match root.kind {
                Kind::Seq(items) => items,
                Kind::Null => continue,
                Kind::Scalar(..) => {
                    self.diag(
                        DiagnosticLevel::Error,
                        YAML_VALIDATE,
                        "Rules content is not yaml".into(),
                        None,
                        None,
                        root.pos,
                    );
                    return false;
                }
                Kind::Map(_) => {
                    let m = "Rules content is not yaml array of objects".to_string();
                    self.diag(
                        DiagnosticLevel::Error,
                        YAML_VALIDATE,
                        m,
                        None,
                        None,
                        root.pos,
                    );
                    return false;
                }
            };
            for item in &items {
                if !self.item(item) {
                    return false;
                }
            }
        }
        true
    }

    fn item(&mut self, item: &Node) -> bool {
        match &item.kind {
            Kind::Null => return true,
            Kind::Map(_) => {}
            _ => {
                let m = "Unexpected element type. Each element should be a yaml associative array.";
                let at = Some(("rules content item", "", item.pos));
                self.diag(
                    DiagnosticLevel::Error,
                    YAML_VALIDATE,
                    m.into(),
                    at,
                    None,
                    item.pos,
                );
                return false;
            }
        }
        let kinds = [
            "required_engine_version",
            "required_plugin_versions",
            "list",
            "macro",
            "rule",
        ];
        let Some(kind) = kinds.into_iter().find(|k| item.get(k).is_some()) else {
            let m = "Unknown top level item".to_string();
            self.diag(
                DiagnosticLevel::Warning,
                "LOAD_UNKNOWN_ITEM",
                m,
                Some(("rules content item", "", item.pos)),
                None,
                item.pos,
            );
            return true;
        };
        let name = item
            .get(kind)
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_owned();
        let item_type = kind;
        self.unknown_keys(item, kind, item_type, &name);
        let result = match kind {
            "required_engine_version" => self.engine_version(item),
            "required_plugin_versions" => self.plugin_versions(item),
            "list" => self.list(item),
            "macro" => self.macro_(item),
            _ => self.rule(item),
        };
        match result {
            Ok(()) => true,
            Err(f) => {
                self.diag(
                    DiagnosticLevel::Error,
                    f.code,
                    f.message,
                    Some((item_type, &name, item.pos)),
                    f.within.as_ref(),
                    f.pos,
                );
                false
            }
        }
    }

    fn unknown_keys(&mut self, item: &Node, kind: &str, item_type: &str, name: &str) {
        let known: &[&str] = match kind {
            "list" => &["list", "items", "append", "override"],
            "macro" => &["macro", "condition", "append", "override"],
            "rule" => &[
                "rule",
                "condition",
                "desc",
                "output",
                "priority",
                "source",
                "enabled",
                "tags",
                "exceptions",
                "warn_evttypes",
                "skip-if-unknown-filter",
                "capture",
                "capture_duration",
                "append",
                "override",
            ],
            other => &[other][..0],
        };
        if known.is_empty() {
            return;
        }
        let Kind::Map(entries) = &item.kind else {
            return;
        };
        for (k, _) in entries {
            let key = k.as_str().unwrap_or("");
            if !known.contains(&key) {
                let m = format!("Unknown key '{key}'. The key will be ignored.");
                self.diag(
                    DiagnosticLevel::Warning,
                    "LOAD_UNKNOWN_KEY",
                    m,
                    Some((item_type, name, item.pos)),
                    None,
                    k.pos,
                );
            }
        }
    }

    fn warn(&mut self, code: &'static str, message: String, item: (&str, &str, Pos), at: Pos) {
        self.diag(
            DiagnosticLevel::Warning,
            code,
            message,
            Some(item),
            None,
            at,
        );
    }

    /// A warning located inside the item (e.g. on one exception).
    fn warn_within(
        &mut self,
        code: &'static str,
        message: String,
        item: (&str, &str, Pos),
        within: Within,
    ) {
        let at = within.2;
        self.diag(
            DiagnosticLevel::Warning,
            code,
            message,
            Some(item),
            Some(&within),
            at,
        );
    }

    fn engine_version(&mut self, item: &Node) -> R<()> {
        let (text, pos) = scalar(item, "required_engine_version")?;
        // Falco's reader decodes the version (a number, else a semver string): a bad
        // one is a decoding error, only a too-new one is the collector's.
        let v = parse_engine_version(&text).ok_or_else(|| Fail {
            within: None,
            pos,
            code: YAML_VALIDATE,
            message: format!("Unable to parse engine version '{text}' as a semver string. Expected \"x.y.z\" semver format."),
        })?;
        if v.0 != ENGINE_VERSION.0 || v > ENGINE_VERSION {
            let (a, b, c) = ENGINE_VERSION;
            return fail(
                pos,
                VALIDATE,
                format!(
                    "Rules require engine version {}.{}.{}, but engine version is {a}.{b}.{c}",
                    v.0, v.1, v.2
                ),
            );
        }
        self.col.engine_versions.push(v);
        Ok(())
    }

    fn plugin_versions(&mut self, item: &Node) -> R<()> {
        let node = item.get("required_plugin_versions").unwrap_or(item);
        let Kind::Seq(reqs) = &node.kind else {
            return fail(node.pos, YAML_VALIDATE, "Value is not a sequence");
        };
        for req in reqs {
            let (name, _) = nonempty(req, "name")?;
            let (version, vpos) = nonempty(req, "version")?;
            if parse_semver(&version).is_none() {
                return fail(
                    vpos,
                    VALIDATE,
                    format!("Invalid required version '{version}' for plugin '{name}'"),
                );
            }
            let mut options = vec![(name.clone(), version)];
            if let Some(alts) = req.get("alternatives") {
                let Kind::Seq(alts) = &alts.kind else {
                    return fail(alts.pos, YAML_VALIDATE, "Value is not a sequence");
                };
                for alt in alts {
                    let (an, apos) = nonempty(alt, "name")?;
                    let (av, avpos) = nonempty(alt, "version")?;
                    if parse_semver(&av).is_none() {
                        return fail(
                            avpos,
                            VALIDATE,
                            format!("Invalid required version '{av}' for plugin '{an}'"),
                        );
                    }
                    if options.iter().any(|(n, _)| *n == an) {
                        return fail(
                            apos,
                            VALIDATE,
                            format!(
                                "Defined multiple alternative version requirements for plugin '{an}'"
                            ),
                        );
                    }
                    options.push((an, av));
                }
            }
            let ctx = self.ctx(req.pos);
            self.col.plugin_reqs.push(PluginReq { options, ctx });
        }
        Ok(())
    }

    fn list(&mut self, item: &Node) -> R<()> {
        let (name, _) = nonempty(item, "list")?;
        if !valid_list_name(&name) {
            let m = "List has an invalid name. List names should match a regular expression: ^[^()\"'\\s=,]+$".to_string();
            self.warn(
                "LOAD_INVALID_LIST_NAME",
                m,
                ("list", &name, item.pos),
                item.pos,
            );
        }
        let ov = overrides(item, &["items"], &["items"])?;
        let append = self.legacy_append(item, &ov, &name, "list")?;
        let items_node = item.get("items").ok_or_else(|| Fail {
            within: None,
            pos: item.pos,
            code: YAML_VALIDATE,
            message: "Item has no mapping for key 'items'".into(),
        })?;
        let items = scalar_seq(items_node)?;
        let seq = self.col.next_seq();
        if append || ov.appends.iter().any(|k| k == "items") {
            let Some(l) = self.col.lists.get_mut(&name) else {
                return fail(
                    item.pos,
                    VALIDATE,
                    "List uses 'append' or 'override.items: append' but no list by that name already exists",
                );
            };
            l.items.extend(items);
            l.last_seq = seq;
            return Ok(());
        }
        let first_seq = self.col.lists.get(&name).map_or(seq, |l| l.first_seq);
        let ctx = self.ctx(item.pos);
        self.col.lists.put(
            &name,
            ListDef {
                name: name.clone(),
                items,
                ctx,
                first_seq,
                last_seq: seq,
            },
        );
        Ok(())
    }

    /// Reads `append`, rejects it with `override`, warns that it is deprecated.
    fn legacy_append(&mut self, item: &Node, ov: &Overrides, name: &str, ty: &str) -> R<bool> {
        let append = match item.get("append") {
            Some(n) => boolean(n)?,
            None => false,
        };
        if append && ov.present {
            return fail(
                item.pos,
                YAML_VALIDATE,
                "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.",
            );
        }
        if append {
            let m = "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.".to_string();
            let at = item.get("append").map_or(item.pos, |n| n.pos);
            self.warn("LOAD_DEPRECATED_ITEM", m, (ty, name, item.pos), at);
        }
        Ok(append)
    }

    fn macro_(&mut self, item: &Node) -> R<()> {
        let (name, _) = nonempty(item, "macro")?;
        if !valid_macro_name(&name) {
            let m = "Macro has an invalid name. Macro names should match a regular expression: ^[a-zA-Z]+[a-zA-Z0-9_]*$".to_string();
            self.warn(
                "LOAD_INVALID_MACRO_NAME",
                m,
                ("macro", &name, item.pos),
                item.pos,
            );
        }
        let ov = overrides(item, &["condition"], &["condition"])?;
        let append = self.legacy_append(item, &ov, &name, "macro")?;
        let (condition, cond_pos) = nonempty(item, "condition")?;
        let seq = self.col.next_seq();
        if append || ov.appends.iter().any(|k| k == "condition") {
            let Some(m) = self.col.macros.get_mut(&name) else {
                return fail(
                    item.pos,
                    VALIDATE,
                    "Macro uses 'append' or 'override.condition: append' but no macro by that name already exists",
                );
            };
            m.condition = format!("{} {}", m.condition, condition);
            m.last_seq = seq;
            return Ok(());
        }
        let first_seq = self.col.macros.get(&name).map_or(seq, |m| m.first_seq);
        let ctx = self.ctx(item.pos);
        self.col.macros.put(
            &name,
            MacroDef {
                name: name.clone(),
                condition,
                ctx,
                cond_pos,
                first_seq,
                last_seq: seq,
            },
        );
        Ok(())
    }
}

/// The keys under `override`, split by operation.
#[derive(Debug, Default)]
pub(crate) struct Overrides {
    pub present: bool,
    pub appends: Vec<String>,
    pub replaces: Vec<String>,
}

/// Reads and validates `override:` for an item whose keys `appendable`/`replaceable`.
pub(crate) fn overrides(item: &Node, appendable: &[&str], replaceable: &[&str]) -> R<Overrides> {
    let mut ov = Overrides::default();
    let Some(node) = item.get("override") else {
        return Ok(ov);
    };
    ov.present = true;
    let Kind::Map(entries) = &node.kind else {
        return fail(node.pos, YAML_VALIDATE, "Value is not a map");
    };
    for (k, v) in entries {
        let key = k.as_str().unwrap_or("").to_owned();
        let Some(op) = v.as_str() else {
            return fail(v.pos, YAML_VALIDATE, "Value is not a scalar value");
        };
        let a = appendable.contains(&key.as_str());
        let r = replaceable.contains(&key.as_str());
        match op {
            "append" if a => ov.appends.push(key),
            "replace" if r => ov.replaces.push(key),
            "append" if r => {
                return fail(
                    v.pos,
                    VALIDATE,
                    format!("Key '{key}' cannot be appended to, use 'replace' instead"),
                );
            }
            "replace" if a => {
                return fail(v.pos, VALIDATE, format!("Key '{key}' cannot be replaced"));
            }
            "append" | "replace" if !a && !r => {
                let what = if op == "append" {
                    "cannot be appended to"
                } else {
                    "cannot be replaced"
                };
                return fail(k.pos, VALIDATE, format!("Key '{key}' {what}"));
            }
            other => {
                let allowed = match (a, r) {
                    (true, true) => "append, replace",
                    (true, false) => "append",
                    _ => "replace",
                };
                return fail(
                    v.pos,
                    VALIDATE,
                    format!(
                        "Invalid override operation for key '{key}': '{other}'. Allowed values are: {allowed}"
                    ),
                );
            }
        }
    }
    // Every overridable key written must be listed, and every listed key written.
    if let Kind::Map(entries) = &item.kind {
        for (k, _) in entries {
            let key = k.as_str().unwrap_or("");
            let overridable = appendable.contains(&key) || replaceable.contains(&key);
            if overridable && !ov.appends.iter().chain(&ov.replaces).any(|x| x == key) {
                return fail(
                    k.pos,
                    YAML_VALIDATE,
                    format!(
                        "Unexpected key '{key}': no corresponding entry under 'override' is defined."
                    ),
                );
            }
        }
    }
    for (list, word) in [(&ov.appends, "append"), (&ov.replaces, "replace")] {
        if let Some(k) = list.iter().find(|k| item.get(k).is_none()) {
            let article = if word == "append" { "An" } else { "A" };
            return fail(
                node.pos,
                YAML_VALIDATE,
                format!(
                    "{article} {word} override for '{k}' was specified but '{k}' is not defined"
                ),
            );
        }
    }
    Ok(ov)
}
