//! Capability name spellings.
//!
//! Kubernetes writes capabilities bare and upper-case (`NET_ADMIN`). Pod Security
//! Admission and the API server compare the strings exactly, so `CAP_NET_ADMIN` and
//! `net_admin` are different names to them even where a runtime may accept them.

use k8s_openapi::api::core::v1::SecurityContext;

/// The bare name, without a `CAP_` prefix in any case.
fn bare(raw: &str) -> &str {
    match raw.get(..4) {
        Some(prefix) if prefix.eq_ignore_ascii_case("CAP_") => raw.get(4..).unwrap_or(""),
        _ => raw,
    }
}

/// Whether `raw` names capability `name` (given canonical) in any spelling.
pub(super) fn is(raw: &str, name: &str) -> bool {
    bare(raw).eq_ignore_ascii_case(name)
}

/// Whether `raw` is spelled the way Kubernetes expects.
pub(super) fn is_canonical(raw: &str) -> bool {
    bare(raw).len() == raw.len()
        && !raw.is_empty()
        && raw
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// The canonical spelling of `raw`.
pub(super) fn canonical(raw: &str) -> String {
    bare(raw).to_ascii_uppercase()
}

/// `capabilities.add` of a securityContext, or nothing.
pub(super) fn added(sc: Option<&SecurityContext>) -> &[String] {
    sc.and_then(|sc| sc.capabilities.as_ref())
        .and_then(|c| c.add.as_deref())
        .unwrap_or(&[])
}

/// `capabilities.drop` of a securityContext, or nothing.
pub(super) fn dropped(sc: Option<&SecurityContext>) -> &[String] {
    sc.and_then(|sc| sc.capabilities.as_ref())
        .and_then(|c| c.drop.as_deref())
        .unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        assert!(is("CAP_SYS_ADMIN", "SYS_ADMIN"));
        assert!(is("cap_sys_admin", "SYS_ADMIN"));
        assert!(is("sys_admin", "SYS_ADMIN"));
        assert!(!is("SYS_ADMINX", "SYS_ADMIN"));
        assert!(!is("CAP", "SYS_ADMIN"));
        assert!(is_canonical("NET_BIND_SERVICE"));
        assert!(!is_canonical("CAP_NET_ADMIN"));
        assert!(!is_canonical("net_admin"));
        assert!(!is_canonical(""));
        assert!(!is_canonical("é"));
        assert_eq!(canonical("cap_net_admin"), "NET_ADMIN");
        assert_eq!(canonical("ca"), "CA");
    }
}
