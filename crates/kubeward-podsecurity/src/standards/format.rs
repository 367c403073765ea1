//! Message formatting shared by the checks: the upstream `pluralize` / `joinQuote`
//! conventions, reproduced exactly because the messages are compared word for word with
//! what the admission controller prints. Go's `%q` is [`crate::gofmt::go_quote`].

/// `singular` when `n == 1`, else `plural` (zero is plural, as upstream).
pub(crate) fn pl<'a>(singular: &'a str, plural: &'a str, n: usize) -> &'a str {
    if n == 1 { singular } else { plural }
}

/// Each item in double quotes, joined by `", "`; inner quotes are deliberately not
/// escaped because upstream does not escape them either.
pub(crate) fn join_quote<S: AsRef<str>>(items: &[S]) -> String {
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('"');
        out.push_str(item.as_ref());
        out.push('"');
    }
    out
}

/// Like [`join_quote`] for any iterator of strings (sets, mostly).
pub(crate) fn join_quote_iter<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let items: Vec<&str> = items.into_iter().collect();
    join_quote(&items)
}

/// `{pl(container,containers)} {q(names)}`, the usual way a check names containers.
pub(crate) fn containers_phrase<S: AsRef<str>>(names: &[S]) -> String {
    format!(
        "{} {}",
        pl("container", "containers", names.len()),
        join_quote(names)
    )
}

/// The "setters" phrase: `pod` when the pod level is bad, then the bad containers,
/// joined by `" and "`.
pub(crate) fn setters<S: AsRef<str>>(pod: bool, containers: &[S]) -> String {
    let mut out = String::new();
    if pod {
        out.push_str("pod");
    }
    if !containers.is_empty() {
        if pod {
            out.push_str(" and ");
        }
        out.push_str(&containers_phrase(containers));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pluralizes_one_as_singular_only() {
        assert_eq!(pl("a", "as", 1), "a");
        assert_eq!(pl("a", "as", 0), "as");
        assert_eq!(pl("a", "as", 2), "as");
    }

    #[test]
    fn join_quote_does_not_escape() {
        assert_eq!(join_quote::<&str>(&[]), "");
        assert_eq!(join_quote(&["a"]), r#""a""#);
        assert_eq!(join_quote(&["a", r#"b"c"#]), r#""a", "b"c""#);
    }

    #[test]
    fn setters_joins_pod_and_containers() {
        assert_eq!(setters::<&str>(true, &[]), "pod");
        assert_eq!(setters(false, &["a"]), r#"container "a""#);
        assert_eq!(setters(true, &["a", "b"]), r#"pod and containers "a", "b""#);
    }
}
