//! Falco's textual list substitution, done on condition text before parsing.
//!
//! A list name bounded by the start or end of the text, a blank, `(`, `)`, `,` or `=`
//! is replaced, together with the blanks around it, by ` i1, i2, … `. Quotes are not
//! respected (Falco does the same), items containing a space are wrapped in plain
//! double quotes unless they already start with a quote, other items go in raw.

const BLANKS: &[u8] = b" \t\n\r";

pub(crate) fn is_delim(c: u8) -> bool {
    BLANKS.contains(&c) || matches!(c, b'(' | b')' | b',' | b'=')
}

/// Quotes an item the way Falco does before splicing it into text.
pub(crate) fn quote_item(item: &str) -> std::borrow::Cow<'_, str> {
    if item.contains(' ') && !item.starts_with('"') && !item.starts_with('\'') {
        format!("\"{item}\"").into()
    } else {
        item.into()
    }
}

/// Replaces every bounded occurrence of `name` in `cond`; returns whether any was.
///
/// One pass that copies the text into a new string (the text before the current
/// occurrence is the output so far, exactly what an in-place replacement would see),
/// so the cost is linear in the text whatever the number of occurrences. `None` (and
/// `cond` left unusable) when the result would be longer than `max` bytes.
pub(crate) fn substitute(
    cond: &mut String,
    name: &str,
    items: &[String],
    max: usize,
) -> Option<bool> {
    if name.is_empty() || !cond.contains(name) {
        return Some(false);
    }
    let src = std::mem::take(cond);
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut sub: Option<String> = None;
    let mut used = false;
    let mut from = 0;
    while let Some(found) = src.get(from..).and_then(|rest| rest.find(name)) {
        let start = from + found;
        let mut end = start + name.len();
        let before = if start > from {
            b.get(start - 1).copied()
        } else {
            out.as_bytes().last().copied()
        };
        let before_ok = before.is_none_or(is_delim);
        let after_ok = end >= b.len() || b.get(end).is_some_and(|&c| is_delim(c));
        if !(before_ok && after_ok) {
            let next = next_boundary(&src, start + 1);
            out.push_str(src.get(from..next).unwrap_or(""));
            from = next;
            continue;
        }
        out.push_str(src.get(from..start).unwrap_or(""));
        while out.as_bytes().last().is_some_and(|c| BLANKS.contains(c)) {
            out.pop();
        }
        while b.get(end).is_some_and(|c| BLANKS.contains(c)) {
            end += 1;
        }
        let sub = sub.get_or_insert_with(|| {
            let mut s = String::new();
            for item in items {
                if !s.is_empty() {
                    s.push_str(", ");
                }
                s.push_str(&quote_item(item));
            }
            s
        });
        if sub.is_empty() {
            // An empty list takes one adjacent comma with it.
            if out.as_bytes().last() == Some(&b',') {
                out.pop();
            } else if b.get(end) == Some(&b',') {
                end += 1;
            }
        }
        if out.len() + sub.len() + 2 > max {
            return None;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(sub);
        out.push(' ');
        used = true;
        from = end;
    }
    out.push_str(src.get(from..).unwrap_or(""));
    if out.len() > max {
        return None;
    }
    *cond = out;
    Some(used)
}

fn next_boundary(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i.min(s.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(cond: &str, name: &str, items: &[&str]) -> (String, bool) {
        let mut c = cond.to_string();
        let items: Vec<String> = items.iter().map(|s| s.to_string()).collect();
        let used = substitute(&mut c, name, &items, usize::MAX).unwrap();
        (c, used)
    }

    #[test]
    fn replaces_bounded_names_only() {
        assert_eq!(
            sub(
                "x in (shells) and y in (myshells)",
                "shells",
                &["sh", "bash"]
            )
            .0,
            "x in ( sh, bash ) and y in (myshells)"
        );
        assert_eq!(
            sub("x in (shells_x)", "shells", &["sh"]),
            ("x in (shells_x)".into(), false)
        );
        assert_eq!(sub("x=shells", "shells", &["sh"]).0, "x= sh ");
    }

    #[test]
    fn quotes_items_with_spaces_but_not_prequoted_ones() {
        assert_eq!(
            sub("x in (l)", "l", &["a b", "\"c d\"", "e"]).0,
            "x in ( \"a b\", \"c d\", e )"
        );
    }

    #[test]
    fn empty_list_eats_one_comma() {
        assert_eq!(sub("x in (a, l)", "l", &[]).0, "x in (a  )");
        assert_eq!(sub("x in (l, a)", "l", &[]).0, "x in (   a)");
        assert_eq!(sub("x in (l)", "l", &[]).0, "x in (  )");
    }

    #[test]
    fn names_inside_quotes_are_replaced_like_falco() {
        assert!(!sub("x = \"l\"", "l", &["v"]).1);
        assert!(sub("x contains \" l \"", "l", &["v"]).1);
    }

    #[test]
    fn adjacent_occurrences_share_their_blanks() {
        assert_eq!(sub("l l", "l", &["v"]).0, "v v ");
        assert_eq!(sub("(l,l)", "l", &[]).0, "(  )");
        assert_eq!(
            sub("x in (l , l)", "l", &["a", "b"]).0,
            "x in ( a, b , a, b )"
        );
    }

    #[test]
    fn a_result_over_the_limit_is_refused() {
        let mut c = "x in (l, l, l)".to_string();
        let items = vec!["abcdef".to_string()];
        assert_eq!(substitute(&mut c, "l", &items, 30), None);
        let mut c = "x in (l, l, l)".to_string();
        assert_eq!(substitute(&mut c, "l", &items, 40), Some(true));
    }

    #[test]
    fn many_occurrences_and_unicode() {
        let (c, used) = sub("é l l é", "l", &["v"]);
        assert!(used);
        assert_eq!(c, "é v v é");
    }
}
