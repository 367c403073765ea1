//! Field errors as the API server prints them (`k8s.io/apimachinery` `field.Error`).
//!
//! The rejection message is Go's `%v` of a `field.ErrorList`, so values are rendered the
//! way Go's fmt renders them: strings `%q`, numbers and booleans bare, nil pointers as
//! `null`, slices in Go syntax (`[]int64{1, 2}`). Values are rendered once, when the
//! error is made, because each caller knows the Go type that upstream passes.

use std::fmt;

use crate::gofmt::go_quote;

/// The error types PSP produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorType {
    /// `Invalid value`: the value is not acceptable.
    Invalid,
    /// `Required value`: a value must be set.
    Required,
    /// `Forbidden`: the field may not be set or used.
    Forbidden,
    /// `Unsupported value`: the value is not one of the supported ones.
    NotSupported,
    /// `Duplicate value`: the value appears twice.
    Duplicate,
    /// `Too long`: the value exceeds its length limit.
    TooLong,
}

impl ErrorType {
    fn as_str(self) -> &'static str {
        match self {
            ErrorType::Invalid => "Invalid value",
            ErrorType::Required => "Required value",
            ErrorType::Forbidden => "Forbidden",
            ErrorType::NotSupported => "Unsupported value",
            ErrorType::Duplicate => "Duplicate value",
            ErrorType::TooLong => "Too long",
        }
    }
}

/// One field error: `{path}: {type}[: {value}][: {detail}]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The field path, e.g. `spec.containers[0].securityContext.privileged`.
    pub path: String,
    /// The kind of error.
    pub kind: ErrorType,
    /// The bad value, already in Go's rendering; `None` for Required and Forbidden.
    pub value: Option<String>,
    /// The explanation after the value (may be empty).
    pub detail: String,
}

impl FieldError {
    /// An `Invalid value` error at `path` for `value` (already in Go's rendering).
    pub fn invalid(path: impl Into<String>, value: String, detail: impl Into<String>) -> Self {
        FieldError {
            path: path.into(),
            kind: ErrorType::Invalid,
            value: Some(value),
            detail: detail.into(),
        }
    }

    /// A `Required value` error at `path`.
    pub fn required(path: impl Into<String>, detail: impl Into<String>) -> Self {
        FieldError {
            path: path.into(),
            kind: ErrorType::Required,
            value: None,
            detail: detail.into(),
        }
    }

    /// A `Forbidden` error at `path`.
    pub fn forbidden(path: impl Into<String>, detail: impl Into<String>) -> Self {
        FieldError {
            path: path.into(),
            kind: ErrorType::Forbidden,
            value: None,
            detail: detail.into(),
        }
    }

    /// `Duplicate value: "x"`.
    pub fn duplicate(path: impl Into<String>, value: &str) -> Self {
        FieldError {
            path: path.into(),
            kind: ErrorType::Duplicate,
            value: Some(go_quote(value)),
            detail: String::new(),
        }
    }

    /// `Too long: must have at most N bytes` (the value is not printed).
    pub fn too_long(path: impl Into<String>, max: usize) -> Self {
        FieldError {
            path: path.into(),
            kind: ErrorType::TooLong,
            value: None,
            detail: format!("must have at most {max} bytes"),
        }
    }

    /// `Unsupported value: "x": supported values: "a", "b"`.
    pub fn not_supported(path: impl Into<String>, value: &str, supported: &[&str]) -> Self {
        let list: Vec<String> = supported.iter().map(|s| go_quote(s)).collect();
        FieldError {
            path: path.into(),
            kind: ErrorType::NotSupported,
            value: Some(go_quote(value)),
            detail: format!("supported values: {}", list.join(", ")),
        }
    }

    /// Everything after `{path}: `, as upstream's `ErrorBody`.
    pub fn body(&self) -> String {
        let mut s = self.kind.as_str().to_string();
        if let Some(v) = &self.value {
            s.push_str(": ");
            s.push_str(v);
        }
        if !self.detail.is_empty() {
            s.push_str(": ");
            s.push_str(&self.detail);
        }
        s
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.body())
    }
}

/// Go's `%v` of a field.ErrorList: `[e1 e2 ...]`.
pub fn error_list(errors: &[FieldError]) -> String {
    let parts: Vec<String> = errors.iter().map(ToString::to_string).collect();
    format!("[{}]", parts.join(" "))
}

/// Go's `%#v` of an `[]int64` (nil and empty differ).
pub fn go_int64s(v: Option<&[i64]>) -> String {
    go_slice("int64", v, ToString::to_string)
}

/// Go's `%#v` of an internal `[]core.Capability`.
pub fn go_capabilities(v: Option<&[String]>) -> String {
    go_slice("core.Capability", v, |s| go_quote(s))
}

/// Go's `%#v` of a `[]elem` whose items `item` formats (nil and empty differ).
fn go_slice<T>(elem: &str, v: Option<&[T]>, item: impl Fn(&T) -> String) -> String {
    match v {
        None => format!("[]{elem}(nil)"),
        Some(v) => {
            let parts: Vec<String> = v.iter().map(item).collect();
            format!("[]{elem}{{{}}}", parts.join(", "))
        }
    }
}

/// Go's `%v` of a slice of `{Min Max}` structs: `[{1 10} {20 30}]`.
pub fn go_ranges<I: IntoIterator<Item = (i64, i64)>>(ranges: I) -> String {
    let parts: Vec<String> = ranges
        .into_iter()
        .map(|(min, max)| format!("{{{min} {max}}}"))
        .collect();
    format!("[{}]", parts.join(" "))
}

/// A pointer to a bool: `null` when nil.
pub fn go_opt_bool(v: Option<bool>) -> String {
    v.map_or_else(|| "null".to_string(), |b| b.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_go() {
        let e = FieldError::invalid("spec.x", "true".into(), "nope");
        assert_eq!(e.to_string(), "spec.x: Invalid value: true: nope");
        assert_eq!(
            FieldError::required("spec.y", "").to_string(),
            "spec.y: Required value"
        );
        assert_eq!(
            FieldError::forbidden("a[b]", "c").to_string(),
            "a[b]: Forbidden: c"
        );
        assert_eq!(
            FieldError::not_supported("r", "X", &["A", "B"]).to_string(),
            "r: Unsupported value: \"X\": supported values: \"A\", \"B\""
        );
        assert_eq!(go_int64s(None), "[]int64(nil)");
        assert_eq!(go_int64s(Some(&[])), "[]int64{}");
        assert_eq!(go_int64s(Some(&[1, 2])), "[]int64{1, 2}");
        assert_eq!(go_ranges([(1, 2), (5, 5)]), "[{1 2} {5 5}]");
        assert_eq!(
            go_capabilities(Some(&["ALL".into()])),
            "[]core.Capability{\"ALL\"}"
        );
        assert_eq!(error_list(&[]), "[]");
    }

    /// Regression: PSP messages had their own `%q`, which printed format and separator
    /// characters (zero-width space, no-break space) raw where Go escapes them.
    #[test]
    fn values_are_quoted_as_go_quotes_them() {
        assert_eq!(
            FieldError::duplicate("p", "Unmasked\u{200b}").to_string(),
            r#"p: Duplicate value: "Unmasked\u200b""#
        );
        assert_eq!(
            go_capabilities(Some(&["NET\u{a0}ADMIN".into()])),
            r#"[]core.Capability{"NET\u00a0ADMIN"}"#
        );
    }
}
