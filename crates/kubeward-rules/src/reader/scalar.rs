//! Scalar values of a rules file read as Falco's loader reads them, through yaml-cpp:
//! required keys, non-empty strings, booleans and sequences of scalars, each failing with
//! Falco's `LOAD_ERR_YAML_VALIDATE` wording.

use super::{R, YAML_VALIDATE, fail};
use crate::yaml::{Kind, Node, Pos};

/// The scalar under `key`: an error when the key is absent, empty or not a scalar.
pub(super) fn scalar(item: &Node, key: &str) -> R<(String, Pos)> {
    match item.get(key) {
        None => fail(
            item.pos,
            YAML_VALIDATE,
            format!("Item has no mapping for key '{key}'"),
        ),
        Some(Node {
            kind: Kind::Null,
            pos,
        }) => fail(
            *pos,
            YAML_VALIDATE,
            format!("Mapping for key '{key}' is empty"),
        ),
        Some(Node {
            kind: Kind::Scalar(s, _),
            pos,
        }) => Ok((s.clone(), *pos)),
        Some(n) => fail(n.pos, YAML_VALIDATE, "Value is not a scalar value"),
    }
}

/// The scalar under `key`, which must also be non-empty.
pub(super) fn nonempty(item: &Node, key: &str) -> R<(String, Pos)> {
    let (s, pos) = scalar(item, key)?;
    if s.is_empty() {
        return fail(pos, YAML_VALIDATE, "Value must be non-empty");
    }
    Ok((s, pos))
}

/// yaml-cpp's boolean spellings.
pub(super) fn boolean(n: &Node) -> R<bool> {
    let Some(s) = n.as_str() else {
        return fail(n.pos, YAML_VALIDATE, "Can't decode YAML scalar value");
    };
    match s {
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" => {
            Ok(true)
        }
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n" | "N" => {
            Ok(false)
        }
        _ => fail(n.pos, YAML_VALIDATE, "Can't decode YAML scalar value"),
    }
}

/// A sequence of scalars (`tags`, list `items`).
pub(super) fn scalar_seq(n: &Node) -> R<Vec<String>> {
    let Kind::Seq(items) = &n.kind else {
        return fail(n.pos, YAML_VALIDATE, "Value is not a sequence");
    };
    items
        .iter()
        .map(|i| match &i.kind {
            Kind::Scalar(s, _) => Ok(s.clone()),
            _ => fail(i.pos, YAML_VALIDATE, "sequence value is not scalar"),
        })
        .collect()
}
