//! Field extraction with the k8saudit and json plugins' exact semantics, as plain
//! functions over a parsed event. Values are pushed into a caller-owned vector (reused
//! across events); an empty result means the field is missing.

use std::borrow::Cow;

use crate::event::AuditEvent;
use crate::fields::{FieldInfo, Group, How, Sub};
use crate::json::Json;
use kubeward_rules::source::{FieldArg, Value};

fn arg_index(arg: &FieldArg) -> Option<usize> {
    match arg {
        FieldArg::Index(i) => usize::try_from(*i).ok(),
        _ => None,
    }
}

fn arg_key(arg: &FieldArg) -> &str {
    match arg {
        FieldArg::Key(k) => k,
        _ => "",
    }
}

/// The value is not there (the plugin's "not available" and its conversion errors).
struct Missing;

type Out<'e> = Vec<Value<'e>>;

fn push<'e>(out: &mut Out<'e>, v: Cow<'e, str>) {
    out.push(Value::Str(v));
}

/// Appends the values of `field[arg]` in `ev` to `out`. Returns whether the field has a
/// value; a missing field appends nothing.
pub fn extract<'e>(
    field: &FieldInfo,
    arg: &FieldArg,
    ev: &'e AuditEvent<'_>,
    out: &mut Out<'e>,
) -> bool {
    let start = out.len();
    let root = ev.json();
    let ok = match field.how {
        How::JsonValue => json_value(root, arg_key(arg), out),
        How::JsonObj => root
            .to_indented()
            .map(|s| push(out, Cow::Owned(s)))
            .ok_or(Missing),
        How::JsonRawtime => {
            push(out, Cow::Owned(ev.time_ns().to_string()));
            Ok(())
        }
        // Every ka.* field needs a top-level auditID, whatever its value.
        _ if !ev.has_audit_id() => Err(Missing),
        how => extract_ka(how, field.is_list, arg, root, out),
    };
    if ok.is_err() {
        out.truncate(start);
    }
    out.len() > start
}

fn extract_ka<'e>(
    how: How,
    is_list: bool,
    arg: &FieldArg,
    root: &'e Json<'_>,
    out: &mut Out<'e>,
) -> Result<(), Missing> {
    let ro = || root.get("requestObject");
    match how {
        How::Keys(keys) | How::KeysList(keys) => from_keys(root, keys, is_list, out),
        How::UriParam => {
            let uri = root.get("requestURI").ok_or(Missing)?.to_text();
            let value = crate::uri::query_param(&uri, arg_key(arg)).ok_or(Missing)?;
            push(out, Cow::Owned(value.into_owned()));
            Ok(())
        }
        How::TargetPodName => {
            let obj = root.get("objectRef").ok_or(Missing)?;
            if obj.get("resource").and_then(Json::as_str) != Some("pods")
                || obj.get("subresource").is_some()
            {
                return Err(Missing);
            }
            from_keys(root, &["responseObject", "metadata", "name"], false, out)
        }
        How::SubjectsOfKind(kind) => {
            for s in subjects(root)? {
                if s.get("kind").and_then(Json::as_str) == Some(kind)
                    && let Some(name) = s.get("name")
                {
                    push(out, name.to_text());
                }
            }
            Ok(())
        }
        How::SubjectsSaNs => {
            for s in subjects(root)? {
                if s.get("kind").and_then(Json::as_str) == Some("ServiceAccount")
                    && let (Some(ns), Some(name)) = (s.get("namespace"), s.get("name"))
                {
                    push(
                        out,
                        Cow::Owned(format!("{}:{}", ns.to_text(), name.to_text())),
                    );
                }
            }
            Ok(())
        }
        How::HasName => {
            push(out, Cow::Borrowed("true"));
            Ok(())
        }
        How::Group(group, sub) => container_field(root, group, sub, arg_index(arg), out),
        How::FirstImage | How::FirstRepository => {
            let mut images = Vec::new();
            recursive(
                root,
                Some(0),
                &["requestObject", "spec", "containers", "image"],
                &mut images,
            )?;
            let image = images.first().copied().flatten().ok_or(Missing)?.to_text();
            push(
                out,
                if how == How::FirstImage {
                    image
                } else {
                    repository(image)
                },
            );
            Ok(())
        }
        How::AnyPrivileged => {
            let mut vals = Vec::new();
            recursive(
                root,
                None,
                &[
                    "requestObject",
                    "spec",
                    "containers",
                    "securityContext",
                    "privileged",
                ],
                &mut vals,
            )?;
            let any = vals.iter().any(|v| matches!(v, Some(Json::Bool(true))));
            push(out, Cow::Borrowed(if any { "true" } else { "false" }));
            Ok(())
        }
        How::SkipNil(keys) => {
            let mut vals = Vec::new();
            recursive(root, arg_index(arg), keys, &mut vals)?;
            out.extend(
                vals.into_iter()
                    .flatten()
                    .map(Json::to_text)
                    .map(Value::Str),
            );
            Ok(())
        }
        How::VolumeHostpath => {
            let mut vals = Vec::new();
            recursive(
                root,
                None,
                &["requestObject", "spec", "volumes", "hostPath", "path"],
                &mut vals,
            )?;
            let key = arg_key(arg);
            let prefix = key.strip_suffix('*');
            let hit = vals.into_iter().flatten().any(|v| {
                let v = v.to_text();
                prefix.is_some_and(|p| v.starts_with(p)) || v == key
            });
            push(out, Cow::Borrowed(if hit { "true" } else { "false" }));
            Ok(())
        }
        How::VolumeType => {
            let mut vals = Vec::new();
            recursive(
                root,
                arg_index(arg),
                &["requestObject", "spec", "volumes", ""],
                &mut vals,
            )?;
            for v in vals.into_iter().flatten() {
                if let Json::Obj(members) = v {
                    out.extend(
                        members
                            .iter()
                            .filter(|(k, _)| k != "name")
                            .map(|(k, _)| Cow::Borrowed(k.as_ref()))
                            .map(Value::Str),
                    );
                }
            }
            Ok(())
        }
        How::RulesField(key) => {
            ro().and_then(|r| r.get("rules")).ok_or(Missing)?;
            let mut vals = Vec::new();
            recursive(
                root,
                arg_index(arg),
                &["requestObject", "rules", key],
                &mut vals,
            )?;
            for v in vals.into_iter().flatten() {
                if let Json::Arr(items) = v {
                    out.extend(items.iter().map(Json::to_text).map(Value::Str));
                }
            }
            Ok(())
        }
        How::JsonValue | How::JsonObj | How::JsonRawtime => Err(Missing),
    }
}

/// The plugin's `extractFromKeys`: a scalar as text, or a list from a JSON array (any
/// other type there is a conversion error, i.e. missing).
fn from_keys<'e>(
    root: &'e Json<'_>,
    keys: &[&str],
    is_list: bool,
    out: &mut Out<'e>,
) -> Result<(), Missing> {
    let v = root.get_path(keys).ok_or(Missing)?;
    if is_list {
        out.extend(
            v.as_array()
                .ok_or(Missing)?
                .iter()
                .map(Json::to_text)
                .map(Value::Str),
        );
    } else {
        push(out, v.to_text());
    }
    Ok(())
}

fn subjects<'e, 'a>(root: &'e Json<'a>) -> Result<&'e [Json<'a>], Missing> {
    root.get_path(&["requestObject", "subjects"])
        .and_then(Json::as_array)
        .ok_or(Missing)
}

/// The plugin's `getValuesRecursive`: walks `keys`; an array met before a key is
/// either indexed (`index`) or fanned out, each element contributing its values or one
/// `None` where the path stops. An empty key means the value itself. A terminal array
/// is returned whole.
fn recursive<'e, 'a>(
    mut v: &'e Json<'a>,
    index: Option<usize>,
    keys: &[&str],
    out: &mut Vec<Option<&'e Json<'a>>>,
) -> Result<(), Missing> {
    for (i, key) in keys.iter().enumerate() {
        if let Json::Arr(items) = v {
            match index {
                None => {
                    for item in items {
                        let before = out.len();
                        if recursive(item, index, &keys[i..], out).is_err() {
                            out.truncate(before);
                            out.push(None);
                        }
                    }
                    return Ok(());
                }
                Some(n) => v = items.get(n).ok_or(Missing)?,
            }
        }
        if !key.is_empty() {
            v = v.get(key).ok_or(Missing)?;
        }
    }
    out.push(Some(v));
    Ok(())
}

fn container_field<'e>(
    root: &'e Json<'_>,
    group: Group,
    sub: Sub,
    index: Option<usize>,
    out: &mut Out<'e>,
) -> Result<(), Missing> {
    let base = ["requestObject", "spec", group.key()];
    let mut vals = Vec::new();
    let with = |k: &'static [&'static str]| -> Vec<&str> {
        base.iter().copied().chain(k.iter().copied()).collect()
    };
    match sub {
        Sub::Name | Sub::Image | Sub::Repository => {
            recursive(
                root,
                index,
                &with(if sub == Sub::Name {
                    &["name"]
                } else {
                    &["image"]
                }),
                &mut vals,
            )?;
            // Any container without the key makes the whole field missing.
            for v in vals {
                let text = v.ok_or(Missing)?.to_text();
                push(
                    out,
                    if sub == Sub::Repository {
                        repository(text)
                    } else {
                        text
                    },
                );
            }
        }
        Sub::Command | Sub::Args => {
            recursive(
                root,
                index,
                &with(if sub == Sub::Command {
                    &["command"]
                } else {
                    &["args"]
                }),
                &mut vals,
            )?;
            for v in vals.into_iter().flatten() {
                match v {
                    Json::Arr(words) => {
                        let words: Vec<_> = words.iter().map(Json::to_text).collect();
                        push(out, Cow::Owned(words.join(" ")));
                    }
                    other => push(out, other.to_text()),
                }
            }
        }
        Sub::Path(keys) => {
            recursive(root, index, &with(keys), &mut vals)?;
            out.extend(
                vals.into_iter()
                    .flatten()
                    .map(Json::to_text)
                    .map(Value::Str),
            );
        }
        Sub::Effective(key) => {
            // As coded upstream, both lookups lack `securityContext`: the container's
            // `runAsUser`, else the pod spec's, else "0".
            let pod = match root.get_path(&["requestObject", "spec", key]) {
                Some(v) => v.to_text(),
                None => Cow::Borrowed("0"),
            };
            recursive(root, index, &[base[0], base[1], base[2], key], &mut vals)?;
            out.extend(
                vals.into_iter()
                    .map(|v| v.map_or_else(|| pod.clone(), Json::to_text))
                    .map(Value::Str),
            );
        }
        Sub::HostPort => {
            recursive(root, index, &with(&["ports"]), &mut vals)?;
            for ports in vals.into_iter().flatten() {
                for port in ports.as_array().ok_or(Missing)? {
                    if let Some(p) = port.get("hostPort").or_else(|| port.get("containerPort")) {
                        push(out, p.to_text());
                    }
                }
            }
        }
    }
    Ok(())
}

/// The image cut at the first `:` and then at the first `@`, as the plugin does (so a
/// registry port ends the repository: `reg:5000/app` gives `reg`).
fn repository(image: Cow<'_, str>) -> Cow<'_, str> {
    fn cut(s: &str) -> &str {
        let s = s.split(':').next().unwrap_or(s);
        s.split('@').next().unwrap_or(s)
    }
    match image {
        Cow::Borrowed(s) => Cow::Borrowed(cut(s)),
        Cow::Owned(s) => Cow::Owned(cut(&s).to_owned()),
    }
}

/// `json.value[ptr]`: one leading `/` dropped, split on `/`, `~1` then `~0` unescaped,
/// each part looked up as fastjson does (numeric parts index arrays).
fn json_value<'e>(root: &'e Json<'_>, ptr: &str, out: &mut Out<'e>) -> Result<(), Missing> {
    let ptr = ptr.strip_prefix('/').unwrap_or(ptr);
    let mut v = root;
    for part in ptr.split('/') {
        v = if part.contains('~') {
            v.get(&part.replace("~1", "/").replace("~0", "~"))
        } else {
            v.get(part)
        }
        .ok_or(Missing)?;
    }
    push(out, v.to_text());
    Ok(())
}
