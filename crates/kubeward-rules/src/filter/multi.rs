//! Transformers over several operands, as libsinsp's multivalue transformers:
//! `join(sep, list)` and `concat(a, b, …)` give one string, `getopt(args, optstring)`
//! scans an argument vector as getopt(3) does (short options only) and gives the
//! options and their values, or with `[c]` the value of option `c`.

use super::{CField, Env, extract};
use crate::ast::MultiTransformer;
use crate::source::{Event, Value};
use crate::value::bytes_of;

/// An argument: a field (with its own transformers) or a quoted string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum CArg {
    Field(CField),
    Lit(Box<str>),
}

/// A compiled multi-operand transformer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CMulti {
    pub kind: MultiTransformer,
    pub args: Vec<CArg>,
    /// `getopt(…)[c]`: the option character selected.
    pub select: Option<u8>,
}

/// The text values of one argument; `None` when it is missing.
fn texts<E: Event + ?Sized>(a: &CArg, ev: &E, env: &Env<'_>) -> Option<Vec<Vec<u8>>> {
    match a {
        CArg::Lit(s) => Some(vec![s.as_bytes().to_vec()]),
        CArg::Field(f) => {
            let mut vals = Vec::new();
            extract(f, ev, env, &mut vals);
            let out: Vec<Vec<u8>> = vals
                .iter()
                .filter_map(|v| bytes_of(v).map(<[u8]>::to_vec))
                .collect();
            (!out.is_empty()).then_some(out)
        }
    }
}

/// Appends the transformer's values to `out` (nothing when it is missing).
pub(crate) fn extract_multi<'e, E: Event + ?Sized>(
    m: &CMulti,
    ev: &'e E,
    env: &Env<'_>,
    out: &mut Vec<Value<'e>>,
) {
    let text = |b: Vec<u8>| match String::from_utf8(b) {
        Ok(s) => Value::string(s),
        Err(e) => Value::Bytes(e.into_bytes().into()),
    };
    match m.kind {
        MultiTransformer::Join => {
            let (Some(sep), Some(list)) = (
                m.args.first().and_then(|a| texts(a, ev, env)),
                m.args.get(1).and_then(|a| texts(a, ev, env)),
            ) else {
                return;
            };
            let sep = sep.into_iter().next().unwrap_or_default();
            out.push(text(list.join(&sep[..])));
        }
        MultiTransformer::Concat => {
            let mut res = Vec::new();
            for a in &m.args {
                let Some(first) = texts(a, ev, env).and_then(|v| v.into_iter().next()) else {
                    return;
                };
                res.extend_from_slice(&first);
            }
            out.push(text(res));
        }
        MultiTransformer::Getopt => {
            let (Some(argv), Some(optstring)) = (
                m.args.first().and_then(|a| texts(a, ev, env)),
                m.args
                    .get(1)
                    .and_then(|a| texts(a, ev, env))
                    .and_then(|v| v.into_iter().next()),
            ) else {
                return;
            };
            out.extend(getopt(&argv, &optstring, m.select).into_iter().map(text));
        }
    }
}

/// Which option characters are valid and which take a value.
struct OptInfo {
    valid: [bool; 256],
    with_arg: [bool; 256],
}

fn parse_optstring(s: &[u8]) -> OptInfo {
    let mut info = OptInfo {
        valid: [false; 256],
        with_arg: [false; 256],
    };
    // A leading ':' only changes getopt(3)'s error reporting, which is not exposed.
    let body = s.strip_prefix(b":").unwrap_or(s);
    let mut i = 0;
    while let Some(&c) = body.get(i) {
        i += 1;
        if c == b':' {
            continue;
        }
        info.valid[usize::from(c)] = true;
        if body.get(i) == Some(&b':') {
            info.with_arg[usize::from(c)] = true;
            i += 1;
        }
    }
    info
}

/// getopt(3) over `argv` (no program name): stops at `--` or the first non-option,
/// skips long options, expands clusters (`-nt`), takes a value from the rest of the
/// token or the next one. List mode gives each option character, followed by its value
/// when it takes one, and `?` for an unknown option; a missing value gives an empty
/// string. With `select`, only the last value (or the character, for an option
/// without value) of that option is kept, and nothing when it never appears.
pub(crate) fn getopt(argv: &[Vec<u8>], optstring: &[u8], select: Option<u8>) -> Vec<Vec<u8>> {
    let info = parse_optstring(optstring);
    let mut results: Vec<Vec<u8>> = Vec::new();
    let mut selected: Option<Vec<u8>> = None;
    let mut emit = |name: &[u8], value: Option<&[u8]>, results: &mut Vec<Vec<u8>>| {
        if select.is_some() {
            selected = Some(value.unwrap_or(name).to_vec());
        } else {
            results.push(name.to_vec());
            if let Some(v) = value {
                results.push(v.to_vec());
            }
        }
    };
    let mut idx = 0;
    while let Some(arg) = argv.get(idx) {
        if arg.as_slice() == b"--" {
            break;
        }
        if arg.len() > 2 && arg.starts_with(b"--") {
            idx += 1;
            continue;
        }
        if arg.len() < 2 || arg.first() != Some(&b'-') {
            break;
        }
        let mut i = 1;
        while let Some(&opt) = arg.get(i) {
            let valid = opt != b':' && info.valid[usize::from(opt)];
            if !valid {
                if select.is_none() {
                    results.push(b"?".to_vec());
                }
                i += 1;
                continue;
            }
            let matches = select.is_none_or(|s| s == opt);
            let name = [opt];
            if !info.with_arg[usize::from(opt)] {
                if matches {
                    emit(&name, None, &mut results);
                }
                i += 1;
                continue;
            }
            let value: Option<&[u8]> = if i + 1 < arg.len() {
                arg.get(i + 1..)
            } else if idx + 1 < argv.len() {
                idx += 1;
                argv.get(idx).map(Vec::as_slice)
            } else {
                None
            };
            if matches {
                match value {
                    Some(v) => emit(&name, Some(v), &mut results),
                    None => emit(b"", None, &mut results),
                }
            }
            break;
        }
        idx += 1;
    }
    match select {
        Some(_) => selected.into_iter().collect(),
        None => results,
    }
}

#[cfg(test)]
mod tests {
    use super::getopt;

    fn args(a: &[&str]) -> Vec<Vec<u8>> {
        a.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    fn strs(v: Vec<Vec<u8>>) -> Vec<String> {
        v.into_iter()
            .map(|b| String::from_utf8(b).unwrap_or_default())
            .collect()
    }

    #[test]
    fn getopt_lists_options_values_and_unknowns() {
        let argv = args(&["-n", "-tnat", "-x", "--long", "-v", "rest", "-n"]);
        assert_eq!(
            strs(getopt(&argv, b"nt:v", None)),
            ["n", "t", "nat", "?", "v"]
        );
        // A cluster: `n` then `t` whose value is the next token.
        let argv = args(&["-nt", "filter", "-v"]);
        assert_eq!(
            strs(getopt(&argv, b"nt:v", None)),
            ["n", "t", "filter", "v"]
        );
        // `--` ends options; a missing value is an empty string.
        assert_eq!(strs(getopt(&args(&["-v", "--", "-n"]), b"nv", None)), ["v"]);
        assert_eq!(strs(getopt(&args(&["-t"]), b"t:", None)), [""]);
        // A leading ':' in the optstring is not an option.
        assert_eq!(strs(getopt(&args(&["-:"]), b":a", None)), ["?"]);
    }

    #[test]
    fn getopt_selector_keeps_the_last_value() {
        let argv = args(&["-t", "filter", "-n", "-tmangle"]);
        assert_eq!(strs(getopt(&argv, b"nt:", Some(b't'))), ["mangle"]);
        assert_eq!(strs(getopt(&argv, b"nt:", Some(b'n'))), ["n"]);
        assert!(getopt(&argv, b"nt:", Some(b'v')).is_empty());
        assert_eq!(strs(getopt(&args(&["-t"]), b"t:", Some(b't'))), [""]);
    }
}
