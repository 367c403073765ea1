//! Falco's naming rules for lists and macros, checked when they are defined.

/// A list name: non-empty, with no whitespace and none of `()"'=,`.
pub(super) fn valid_list_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || "()\"'=,".contains(c))
}

/// A macro name: an ASCII letter, then ASCII letters, digits and underscores.
pub(super) fn valid_macro_name(name: &str) -> bool {
    let b = name.as_bytes();
    b.first().is_some_and(u8::is_ascii_alphabetic)
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}
