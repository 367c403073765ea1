//! The document tree: every value keeps the position it was written at.

use std::fmt;

/// A 1-based line and column in a source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// One value of a loaded document, already resolved the way Kubernetes' YAML reader
/// (YAML 1.1, via go-yaml v2 and sigs.k8s.io/yaml) resolves it.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`, `Null`, `NULL`, `~` or an empty value.
    Null,
    /// A boolean, including YAML 1.1's `y`/`n`, `yes`/`no` and `on`/`off` spellings.
    Bool(bool),
    /// An integer that fits `i64`, read as Go's `strconv.ParseInt(s, 0, 64)` (underscores dropped).
    Int(i64),
    /// Any other number, `.inf` and `.nan` included (an integer beyond `i64` becomes the nearest float).
    Float(f64),
    /// A string: quoted, or a plain scalar that resolves to no other type.
    Str(String),
    /// A sequence, items in order.
    Seq(Vec<Node>),
    /// A mapping, entries in the order written (duplicates kept; lookups take the last).
    Map(Vec<Entry>),
}

/// A mapping entry. Keys are strings, as they are once Kubernetes converts YAML to JSON.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The key, as a string.
    pub key: String,
    /// Where the key is written: what `file:line` points at for this field.
    pub key_pos: Pos,
    /// The value under the key.
    pub value: Node,
}

/// A value and where it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Where the value starts in its file.
    pub pos: Pos,
    /// The resolved value.
    pub value: Value,
}

/// One step of a field path such as `spec.containers[0].securityContext`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step<'a> {
    /// A mapping key, e.g. `securityContext`.
    Key(&'a str),
    /// A sequence index, 0-based, e.g. the `0` of `containers[0]`.
    Index(usize),
}

/// Splits a field path into steps. `a.b[0].c` and `metadata.annotations[some.key/name]`
/// are both understood: a bracket holding anything but digits is a map key (which may
/// contain dots).
pub fn path_steps(path: &str) -> impl Iterator<Item = Step<'_>> {
    let mut rest = path;
    std::iter::from_fn(move || {
        rest = rest.strip_prefix('.').unwrap_or(rest);
        if rest.is_empty() {
            return None;
        }
        if let Some(inner) = rest.strip_prefix('[') {
            let end = inner.find(']').unwrap_or(inner.len());
            let token = &inner[..end];
            rest = inner.get(end + 1..).unwrap_or("");
            return Some(match token.parse::<usize>() {
                Ok(i) => Step::Index(i),
                Err(_) => Step::Key(token.trim_matches('"')),
            });
        }
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        let (token, tail) = rest.split_at(end);
        rest = tail;
        Some(Step::Key(token))
    })
}

impl Node {
    /// A value written at `pos`.
    pub fn new(pos: Pos, value: Value) -> Self {
        Node { pos, value }
    }

    /// The value under `key` when this is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The entry under `key` when this is a mapping (the last one, as Kubernetes keeps
    /// the last of duplicated keys).
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().rev().find(|e| e.key == key),
            _ => None,
        }
    }

    /// The `i`th item when this is a sequence.
    pub fn index(&self, i: usize) -> Option<&Node> {
        match &self.value {
            Value::Seq(items) => items.get(i),
            _ => None,
        }
    }

    /// The string when this is a string (no conversion of other scalars).
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The entries when this is a mapping.
    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(e) => Some(e),
            _ => None,
        }
    }

    /// The items when this is a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The node at `path`, if every step exists.
    pub fn at(&self, path: &str) -> Option<&Node> {
        let mut node = self;
        for step in path_steps(path) {
            node = match step {
                Step::Key(k) => node.get(k)?,
                Step::Index(i) => node.index(i)?,
            };
        }
        Some(node)
    }

    /// Where the field at `path` is written, for pointing a user at it. A path whose
    /// end does not exist (a field that should be set but is not) resolves to the
    /// deepest part that does; `exact` says which happened. Keys resolve to the key's
    /// position, so `file:line` lands on `privileged: true`, not on `true`.
    pub fn locate(&self, path: &str) -> Located {
        let mut node = self;
        let mut pos = self.pos;
        for step in path_steps(path) {
            let next = match step {
                Step::Key(k) => node.entry(k).map(|e| (e.key_pos, &e.value)),
                Step::Index(i) => node.index(i).map(|n| (n.pos, n)),
            };
            match next {
                Some((p, n)) => {
                    pos = p;
                    node = n;
                }
                None => return Located { pos, exact: false },
            }
        }
        Located { pos, exact: true }
    }

    /// The JSON form Kubernetes would decode this value from.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            // Go's JSON encoder writes an integral float below 1e21 as an integer (`1.0`
            // becomes `1`), which integer fields then accept; match that.
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 1e21 && f.abs() < i64::MAX as f64 => {
                J::from(*f as i64)
            }
            // NaN and infinities have no JSON form; Kubernetes' YAML-to-JSON step fails on
            // them too, and every Kubernetes field that takes them rejects null as well.
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_json()))
                    .collect(),
            ),
        }
    }
}

/// The answer of [`Node::locate`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Located {
    /// Where the field is written: its key, or the deepest existing ancestor's when `exact` is false.
    pub pos: Pos,
    /// Whether the whole path exists; false when `pos` is an ancestor of a missing field.
    pub exact: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: u32) -> Pos {
        Pos { line, col: 1 }
    }

    fn map(entries: Vec<(&str, u32, Node)>) -> Node {
        Node::new(
            p(entries.first().map_or(1, |e| e.1)),
            Value::Map(
                entries
                    .into_iter()
                    .map(|(k, l, v)| Entry {
                        key: k.to_string(),
                        key_pos: p(l),
                        value: v,
                    })
                    .collect(),
            ),
        )
    }

    #[test]
    fn path_steps_split_keys_indexes_and_bracketed_keys() {
        let steps: Vec<_> =
            path_steps("metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]").collect();
        assert_eq!(
            steps,
            vec![
                Step::Key("metadata"),
                Step::Key("annotations"),
                Step::Key("seccomp.security.alpha.kubernetes.io/pod"),
            ]
        );
        let steps: Vec<_> = path_steps("spec.containers[10].ports[0].hostPort").collect();
        assert_eq!(
            steps,
            vec![
                Step::Key("spec"),
                Step::Key("containers"),
                Step::Index(10),
                Step::Key("ports"),
                Step::Index(0),
                Step::Key("hostPort"),
            ]
        );
    }

    #[test]
    fn locate_points_at_the_key_or_the_deepest_existing_ancestor() {
        let sc = map(vec![("privileged", 7, Node::new(p(7), Value::Bool(true)))]);
        let container = map(vec![("securityContext", 6, sc)]);
        let spec = map(vec![(
            "containers",
            4,
            Node::new(p(5), Value::Seq(vec![container])),
        )]);
        let root = map(vec![("spec", 3, spec)]);
        assert_eq!(
            root.locate("spec.containers[0].securityContext.privileged"),
            Located {
                pos: p(7),
                exact: true
            }
        );
        assert_eq!(
            root.locate("spec.containers[0].securityContext.allowPrivilegeEscalation"),
            Located {
                pos: p(6),
                exact: false
            }
        );
        assert_eq!(
            root.locate("spec.containers[3].securityContext"),
            Located {
                pos: p(4),
                exact: false
            }
        );
        assert!(
            root.at("spec.containers[0].securityContext.privileged")
                .is_some()
        );
        assert!(root.at("spec.volumes").is_none());
    }

    #[test]
    fn duplicated_keys_resolve_to_the_last_one() {
        let root = map(vec![
            ("a", 1, Node::new(p(1), Value::Int(1))),
            ("a", 2, Node::new(p(2), Value::Int(2))),
        ]);
        assert_eq!(root.get("a").map(|n| &n.value), Some(&Value::Int(2)));
        assert_eq!(root.to_json(), serde_json::json!({"a": 2}));
    }
}
