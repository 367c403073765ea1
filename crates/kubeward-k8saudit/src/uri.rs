//! `ka.uri.param[k]`: Go's `url.Parse` of `requestURI`, then `url.ParseQuery` of its raw
//! query; any error from either makes the field missing, as in the plugin.

use std::borrow::Cow;

/// The first value of query parameter `key`, or `None` when absent or when Go would have
/// reported a parse error for the URI or any part of its query.
pub fn query_param<'u>(uri: &'u str, key: &str) -> Option<Cow<'u, str>> {
    let query = raw_query(uri)?;
    let mut found: Option<Cow<'u, str>> = None;
    let mut failed = false;
    // ParseQuery keeps going after an error but returns it, and the plugin then drops
    // the whole field; so any bad pair anywhere means missing.
    for pair in query.split('&') {
        if pair.contains(';') {
            failed = true;
            continue;
        }
        if pair.is_empty() {
            continue;
        }
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (Some(k), Some(v)) = (unescape(k, true), unescape(v, true)) else {
            failed = true;
            continue;
        };
        if found.is_none() && k == key {
            found = Some(v);
        }
    }
    if failed { None } else { found }
}

/// The raw query of `uri` as Go's `url.Parse` splits it, or `None` on a parse error.
fn raw_query(uri: &str) -> Option<&str> {
    if uri.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return None; // "invalid control character in URL"
    }
    let (rest, fragment) = match uri.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (uri, None),
    };
    if let Some(f) = fragment {
        unescape(f, false)?;
    }
    let rest = match scheme_len(rest)? {
        0 => rest,
        n => rest.get(n + 1..)?,
    };
    let (path, query) = if rest.ends_with('?') && rest.matches('?').count() == 1 {
        (rest.get(..rest.len() - 1)?, "")
    } else {
        rest.split_once('?').unwrap_or((rest, ""))
    };
    if !path.starts_with('/') {
        if scheme_len(uri) != Some(0) {
            return Some(query); // an opaque URI: Go stops before the path
        }
        let first_segment = path.split('/').next().unwrap_or("");
        if first_segment.contains(':') {
            return None; // "first path segment in URL cannot contain colon"
        }
    }
    unescape(path, false)?;
    Some(query)
}

/// Length of a leading `scheme:`, 0 when there is none, `None` for Go's "missing
/// protocol scheme" (a leading colon).
fn scheme_len(s: &str) -> Option<usize> {
    for (i, c) in s.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' if i > 0 => {}
            b':' if i == 0 => return None,
            b':' => return Some(i),
            _ => return Some(0),
        }
    }
    Some(0)
}

/// Percent-decoding; `query` also turns `+` into a space. `None` on a bad escape.
fn unescape(s: &str, query: bool) -> Option<Cow<'_, str>> {
    if !s.bytes().any(|b| b == b'%' || (query && b == b'+')) {
        return Some(Cow::Borrowed(s));
    }
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(c) = bytes.next() {
        match c {
            b'%' => {
                let hi = hex(bytes.next()?)?;
                let lo = hex(bytes.next()?)?;
                out.push(hi << 4 | lo);
            }
            b'+' if query => out.push(b' '),
            c => out.push(c),
        }
    }
    // Go strings hold any bytes; invalid UTF-8 is replaced here, as the engine's
    // string values are UTF-8.
    Some(Cow::Owned(String::from_utf8_lossy(&out).into_owned()))
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_value_decoded() {
        let uri = "/api/v1/namespaces/d/pods/p/exec?command=sh&command=-c&container=app&tty=true";
        assert_eq!(query_param(uri, "command").as_deref(), Some("sh"));
        assert_eq!(query_param(uri, "container").as_deref(), Some("app"));
        assert_eq!(query_param(uri, "stdin"), None);
        assert_eq!(
            query_param("/x?command=ls+-l%2Fa&e=", "command").as_deref(),
            Some("ls -l/a")
        );
        assert_eq!(query_param("/x?flag", "flag").as_deref(), Some(""));
        assert_eq!(query_param("/x?a=1#frag", "a").as_deref(), Some("1"));
    }

    #[test]
    fn go_parse_errors_make_it_missing() {
        assert_eq!(query_param("/x?a=1;b=2", "a"), None);
        assert_eq!(query_param("/x?a=1&b=%zz", "a"), None);
        assert_eq!(query_param("/x%zz?a=1", "a"), None);
        assert_eq!(query_param("/x?a=1\n", "a"), None);
        assert_eq!(query_param(":x?a=1", "a"), None);
        assert_eq!(query_param("a:b/c?a=1", "a").as_deref(), Some("1"));
        assert_eq!(query_param("1a:b?a=1", "a"), None);
        assert_eq!(query_param("/x?a=1#%zz", "a"), None);
    }
}
