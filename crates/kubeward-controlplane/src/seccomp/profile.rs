//! The OCI / Docker seccomp profile format, decoded field by field from JSON so that every
//! problem names its field path.
//!
//! Runtimes read profiles with Go's `encoding/json`: keys match case-insensitively and
//! unknown keys are ignored. The same happens here, and ignored keys are remembered.

use serde_json::{Map, Value};

/// A decoded profile.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Profile {
    /// `defaultAction`: the action for syscalls no rule matches, e.g. `SCMP_ACT_ERRNO`.
    pub default_action: String,
    /// `defaultErrnoRet`: the errno returned by a default `SCMP_ACT_ERRNO`/`SCMP_ACT_TRACE` (`None`: the runtime's default, `EPERM`).
    pub default_errno_ret: Option<u64>,
    /// `architectures`: the architectures the filter is built for, e.g. `SCMP_ARCH_X86_64`.
    pub architectures: Vec<String>,
    /// `archMap[].architecture` and its `subArchitectures`, flattened, with their paths.
    pub arch_map: Vec<(String, String)>,
    /// `syscalls`: the rules, in order.
    pub syscalls: Vec<SyscallRule>,
    /// `flags`: seccomp filter flags, e.g. `SECCOMP_FILTER_FLAG_LOG`.
    pub flags: Vec<String>,
    /// `listenerPath`: the socket of a seccomp notify agent, for `SCMP_ACT_NOTIFY`.
    pub listener_path: Option<String>,
    /// Paths of keys the runtime ignores.
    pub ignored: Vec<String>,
}

/// One `syscalls[]` entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyscallRule {
    /// `names`, plus the legacy single `name`.
    pub names: Vec<String>,
    /// The path of each name, parallel to `names`.
    pub name_paths: Vec<String>,
    /// `action`: what happens when the syscall is made, e.g. `SCMP_ACT_ALLOW`.
    pub action: String,
    /// `errnoRet`: the errno returned with `SCMP_ACT_ERRNO` (`None`: `EPERM`).
    pub errno_ret: Option<u64>,
    /// `args`: argument comparisons; all must hold for the rule to apply.
    pub args: Vec<Arg>,
    /// Docker's `includes`/`excludes`: the rule applies only to containers with these
    /// capabilities, on these architectures, or from this kernel version.
    pub conditional: bool,
    /// Docker's `includes.arches`: the rule applies only on these architectures.
    pub include_arches: Vec<String>,
    /// Docker's `excludes.arches`: the rule does not apply on these architectures.
    pub exclude_arches: Vec<String>,
}

/// One argument comparison.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Arg {
    /// `index`: which argument, 0 to 5.
    pub index: u64,
    /// `value`: the value compared with.
    pub value: u64,
    /// `valueTwo`: the second value, used by `SCMP_CMP_MASKED_EQ` (the argument masked with `value` must equal it).
    pub value_two: u64,
    /// `op`: the comparison, e.g. `SCMP_CMP_EQ` or `SCMP_CMP_MASKED_EQ`.
    pub op: String,
}

/// A structural problem: the runtime cannot read the profile at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FormatError {
    /// The field's path in the profile, e.g. `syscalls[2].action`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

type R<T> = Result<T, FormatError>;

fn err<T>(field: &str, message: impl Into<String>) -> R<T> {
    Err(FormatError {
        field: field.to_string(),
        message: message.into(),
    })
}

/// Go's `encoding/json` lookup: the exact key, else a case-insensitive match.
fn get<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn ignored(obj: &Map<String, Value>, path: &str, known: &[&str], out: &mut Vec<String>) {
    for k in obj.keys() {
        if !known.iter().any(|n| n.eq_ignore_ascii_case(k)) {
            out.push(join(path, k));
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn object<'a>(v: &'a Value, path: &str) -> R<&'a Map<String, Value>> {
    match v.as_object() {
        Some(o) => Ok(o),
        None => err(path, format!("expected an object, found {}", kind(v))),
    }
}

fn string(v: Option<&Value>, path: &str) -> R<Option<String>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => err(path, format!("expected a string, found {}", kind(other))),
    }
}

fn strings(v: Option<&Value>, path: &str) -> R<Vec<String>> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                string(Some(item), &format!("{path}[{i}]"))?.map_or_else(
                    || err(&format!("{path}[{i}]"), "expected a string, found null"),
                    Ok,
                )
            })
            .collect(),
        Some(other) => err(
            path,
            format!("expected a list of strings, found {}", kind(other)),
        ),
    }
}

fn uint(v: Option<&Value>, path: &str) -> R<Option<u64>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(u) => Ok(Some(u)),
            None => err(path, format!("expected a non-negative integer, found {n}")),
        },
        Some(other) => err(path, format!("expected a number, found {}", kind(other))),
    }
}

fn list<'a>(v: Option<&'a Value>, path: &str) -> R<&'a [Value]> {
    match v {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => err(path, format!("expected a list, found {}", kind(other))),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Decodes a parsed profile.
pub fn decode(root: &Value) -> R<Profile> {
    let obj = object(root, "profile")?;
    let mut p = Profile::default();
    let known = [
        "defaultAction",
        "defaultErrnoRet",
        "architectures",
        "archMap",
        "syscalls",
        "flags",
        "listenerPath",
        "listenerMetadata",
    ];
    ignored(obj, "", &known, &mut p.ignored);
    p.default_action = match string(get(obj, "defaultAction"), "defaultAction")? {
        Some(a) if !a.is_empty() => a,
        _ => {
            return err(
                "defaultAction",
                "missing; every profile needs a default action",
            );
        }
    };
    p.default_errno_ret = uint(get(obj, "defaultErrnoRet"), "defaultErrnoRet")?;
    p.architectures = strings(get(obj, "architectures"), "architectures")?;
    for (i, m) in list(get(obj, "archMap"), "archMap")?.iter().enumerate() {
        let path = format!("archMap[{i}]");
        let o = object(m, &path)?;
        ignored(
            o,
            &path,
            &["architecture", "subArchitectures"],
            &mut p.ignored,
        );
        let arch_path = format!("{path}.architecture");
        if let Some(a) = string(get(o, "architecture"), &arch_path)? {
            p.arch_map.push((arch_path, a));
        }
        let sub_path = format!("{path}.subArchitectures");
        for (j, s) in strings(get(o, "subArchitectures"), &sub_path)?
            .into_iter()
            .enumerate()
        {
            p.arch_map.push((format!("{sub_path}[{j}]"), s));
        }
    }
    for (i, s) in list(get(obj, "syscalls"), "syscalls")?.iter().enumerate() {
        p.syscalls
            .push(rule(s, &format!("syscalls[{i}]"), &mut p.ignored)?);
    }
    p.flags = strings(get(obj, "flags"), "flags")?;
    p.listener_path = string(get(obj, "listenerPath"), "listenerPath")?;
    string(get(obj, "listenerMetadata"), "listenerMetadata")?;
    Ok(p)
}

fn rule(v: &Value, path: &str, ignored_out: &mut Vec<String>) -> R<SyscallRule> {
    let o = object(v, path)?;
    let known = [
        "names", "name", "action", "errnoRet", "args", "includes", "excludes", "comment",
    ];
    ignored(o, path, &known, ignored_out);
    let mut r = SyscallRule::default();
    let names_path = join(path, "names");
    for (j, n) in strings(get(o, "names"), &names_path)?
        .into_iter()
        .enumerate()
    {
        r.names.push(n);
        r.name_paths.push(format!("{names_path}[{j}]"));
    }
    if let Some(n) = string(get(o, "name"), &join(path, "name"))? {
        r.names.push(n);
        r.name_paths.push(join(path, "name"));
    }
    r.action = match string(get(o, "action"), &join(path, "action"))? {
        Some(a) if !a.is_empty() => a,
        _ => return err(&join(path, "action"), "missing; every rule needs an action"),
    };
    r.errno_ret = uint(get(o, "errnoRet"), &join(path, "errnoRet"))?;
    for (j, a) in list(get(o, "args"), &join(path, "args"))?
        .iter()
        .enumerate()
    {
        let ap = format!("{path}.args[{j}]");
        let ao = object(a, &ap)?;
        ignored(ao, &ap, &["index", "value", "valueTwo", "op"], ignored_out);
        r.args.push(Arg {
            index: uint(get(ao, "index"), &join(&ap, "index"))?.unwrap_or(0),
            value: uint(get(ao, "value"), &join(&ap, "value"))?.unwrap_or(0),
            value_two: uint(get(ao, "valueTwo"), &join(&ap, "valueTwo"))?.unwrap_or(0),
            op: string(get(ao, "op"), &join(&ap, "op"))?.unwrap_or_default(),
        });
    }
    for key in ["includes", "excludes"] {
        let Some(f) = get(o, key).filter(|v| !v.is_null()) else {
            continue;
        };
        let fp = join(path, key);
        let fo = object(f, &fp)?;
        ignored(fo, &fp, &["caps", "arches", "minKernel"], ignored_out);
        let caps = strings(get(fo, "caps"), &join(&fp, "caps"))?;
        let arches = strings(get(fo, "arches"), &join(&fp, "arches"))?;
        let min_kernel = string(get(fo, "minKernel"), &join(&fp, "minKernel"))?;
        if !caps.is_empty() || min_kernel.is_some() || (key == "excludes" && !arches.is_empty()) {
            r.conditional = true;
        }
        if key == "includes" {
            r.include_arches = arches;
        } else {
            r.exclude_arches = arches;
        }
    }
    Ok(r)
}
