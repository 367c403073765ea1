//! JSON Patch (RFC 6902) by diffing two JSON values, and applying such a patch.
//!
//! A small hand-written diff: objects member by member, arrays element by element when
//! their lengths agree and wholesale otherwise. That is all the PSP mutations need (they
//! only add or replace fields), and it keeps the patch readable.

use serde_json::{Map, Value, json};

/// Escapes one JSON Pointer token (`~` → `~0`, `/` → `~1`).
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// The operations turning `from` into `to`.
pub fn diff(from: &Value, to: &Value) -> Vec<Value> {
    let mut ops = vec![];
    diff_at("", from, to, &mut ops);
    ops
}

fn diff_at(path: &str, from: &Value, to: &Value, ops: &mut Vec<Value>) {
    match (from, to) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, av) in a {
                let p = format!("{path}/{}", escape(k));
                match b.get(k) {
                    Some(bv) => diff_at(&p, av, bv, ops),
                    None => ops.push(json!({"op": "remove", "path": p})),
                }
            }
            for (k, bv) in b {
                if !a.contains_key(k) {
                    let p = format!("{path}/{}", escape(k));
                    ops.push(json!({"op": "add", "path": p, "value": bv}));
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (av, bv)) in a.iter().zip(b).enumerate() {
                diff_at(&format!("{path}/{i}"), av, bv, ops);
            }
        }
        _ if from != to => ops.push(json!({"op": "replace", "path": path, "value": to})),
        _ => {}
    }
}

/// Why a patch did not apply.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot apply {op} at {path}")]
pub struct PatchError {
    /// The JSON Patch operation, e.g. `add`.
    pub op: String,
    /// The JSON Pointer it targets.
    pub path: String,
}

/// Applies `add`, `remove` and `replace` operations to `doc`.
pub fn apply(doc: &mut Value, ops: &[Value]) -> Result<(), PatchError> {
    for op in ops {
        let kind = op.get("op").and_then(Value::as_str).unwrap_or("");
        let path = op.get("path").and_then(Value::as_str).unwrap_or("");
        let fail = || PatchError {
            op: kind.to_string(),
            path: path.to_string(),
        };
        if path.is_empty() {
            *doc = op.get("value").cloned().ok_or_else(fail)?;
            continue;
        }
        let (parent_path, last) = path.rsplit_once('/').ok_or_else(fail)?;
        let last = last.replace("~1", "/").replace("~0", "~");
        let parent = doc.pointer_mut(parent_path).ok_or_else(fail)?;
        match (kind, parent) {
            ("add" | "replace", Value::Object(m)) => {
                let value = op.get("value").cloned().ok_or_else(fail)?;
                m.insert(last, value);
            }
            ("remove", Value::Object(m)) => {
                m.remove(&last).ok_or_else(fail)?;
            }
            ("replace", Value::Array(a)) => {
                let i: usize = last.parse().map_err(|_| fail())?;
                let slot = a.get_mut(i).ok_or_else(fail)?;
                *slot = op.get("value").cloned().ok_or_else(fail)?;
            }
            _ => return Err(fail()),
        }
    }
    Ok(())
}

/// An empty JSON object, for building documents.
pub fn object() -> Value {
    Value::Object(Map::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_then_apply_round_trips() {
        let a =
            json!({"metadata": {"name": "x"}, "spec": {"containers": [{"name": "c"}], "v": [1]}});
        let b = json!({"metadata": {"name": "x", "annotations": {"kubernetes.io/psp": "p"}},
            "spec": {"containers": [{"name": "c", "securityContext": {"runAsNonRoot": true}}], "v": [1, 2]}});
        let ops = diff(&a, &b);
        assert_eq!(
            ops,
            vec![
                json!({"op": "add", "path": "/metadata/annotations", "value": {"kubernetes.io/psp": "p"}}),
                json!({"op": "add", "path": "/spec/containers/0/securityContext", "value": {"runAsNonRoot": true}}),
                json!({"op": "replace", "path": "/spec/v", "value": [1, 2]}),
            ]
        );
        let mut c = a.clone();
        apply(&mut c, &ops).unwrap();
        assert_eq!(c, b);
        assert_eq!(escape("a/b~c"), "a~1b~0c");
        let mut d = a.clone();
        let rm = diff(&b, &a);
        let mut e = b.clone();
        apply(&mut e, &rm).unwrap();
        assert_eq!(e, a);
        assert!(apply(&mut d, &[json!({"op": "remove", "path": "/nope/x"})]).is_err());
    }
}
