//! A small block-style YAML writer for the manifests: keys and strings are written as
//! JSON-quoted scalars (valid YAML double-quoted scalars), so no value can change type.

use serde_json::Value;

fn scalar(v: &Value) -> String {
    match v {
        Value::Object(m) if m.is_empty() => "{}".into(),
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::String(s) if s.contains('\n') => serde_json::to_string(s).unwrap_or_default(),
        other => other.to_string(),
    }
}

fn is_scalar(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => true,
    }
}

fn key(k: &str) -> String {
    // Plain keys where YAML cannot misread them, quoted otherwise: Kubernetes reads YAML 1.1,
    // where `y`, `yes`, `on`, `n`, ... are booleans and `null`/`~` are null.
    const RESERVED: [&str; 11] = [
        "y", "yes", "n", "no", "true", "false", "on", "off", "null", "nan", "inf",
    ];
    let plain = k.starts_with(|c: char| c.is_ascii_alphabetic())
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        && !RESERVED.contains(&k.to_ascii_lowercase().as_str());
    if plain {
        k.to_owned()
    } else {
        serde_json::to_string(k).unwrap_or_default()
    }
}

fn write(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                if is_scalar(v) {
                    out.push_str(&format!("{pad}{}: {}\n", key(k), scalar(v)));
                } else {
                    out.push_str(&format!("{pad}{}:\n", key(k)));
                    let child = if v.is_array() { indent } else { indent + 2 };
                    write(v, child, out);
                }
            }
        }
        Value::Array(a) => {
            for item in a {
                if is_scalar(item) {
                    out.push_str(&format!("{pad}- {}\n", scalar(item)));
                } else {
                    // The first line of the item goes after the dash.
                    let mut inner = String::new();
                    write(item, indent + 2, &mut inner);
                    let trimmed = inner.get(indent + 2..).unwrap_or_default();
                    out.push_str(&format!("{pad}- {trimmed}"));
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", scalar(other))),
    }
}

/// Documents separated by `---`.
pub fn documents(docs: &[Value]) -> String {
    let mut out = String::new();
    for d in docs {
        out.push_str("---\n");
        write(d, 0, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_maps_and_lists_round_trip_through_a_yaml_reader() {
        let v = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "x", "labels": {"app.kubernetes.io/name": "kubeward"}},
            "spec": {"containers": [{"name": "a", "args": ["--mode", "pss"], "ports": [{"containerPort": 8443}]}],
                     "empty": {}, "none": [], "yes": "yes", "n": 1, "On": 2, "b": true, "~": "x", "a b": "", "8": "8"}
        });
        let text = documents(std::slice::from_ref(&v));
        let file: std::sync::Arc<str> = std::sync::Arc::from("t.yaml");
        let parsed =
            kubeward_manifest::parse_documents(&file, &text, &kubeward_manifest::Limits::default());
        let node = parsed
            .into_iter()
            .next()
            .and_then(Result::ok)
            .map(|r| r.node.to_json());
        assert_eq!(node, Some(v), "{text}");
    }
}
