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
pub(crate) fn substitute(cond: &mut String, name: &str, items: &[String]) -> bool {
    if name.is_empty() || !cond.contains(name) {
        return false;
    }
    let mut sub: Option<String> = None;
    let mut used = false;
    let mut from = 0;
    while let Some(found) = cond.get(from..).and_then(|rest| rest.find(name)) {
        let mut start = from + found;
        let mut end = start + name.len();
        let b = cond.as_bytes();
        let before_ok = start == 0 || b.get(start - 1).is_some_and(|&c| is_delim(c));
        let after_ok = end >= b.len() || b.get(end).is_some_and(|&c| is_delim(c));
        if !(before_ok && after_ok) {
            from = next_boundary(cond, start + 1);
            continue;
        }
        while start > 0 && b.get(start - 1).is_some_and(|c| BLANKS.contains(c)) {
            start -= 1;
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
            if start > 0 && b.get(start - 1) == Some(&b',') {
                start -= 1;
            } else if b.get(end) == Some(&b',') {
                end += 1;
            }
        }
        let mut replacement = String::with_capacity(sub.len() + 2);
        if start > 0 {
            replacement.push(' ');
        }
        replacement.push_str(sub);
        replacement.push(' ');
        cond.replace_range(start..end, &replacement);
        used = true;
        from = next_boundary(cond, start + replacement.len());
    }
    used
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
        let used = substitute(&mut c, name, &items);
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
    fn many_occurrences_and_unicode() {
        let (c, used) = sub("é l l é", "l", &["v"]);
        assert!(used);
        assert_eq!(c, "é v v é");
    }
}
