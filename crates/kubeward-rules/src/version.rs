//! Versions in rules files: the engine version this crate implements, Falco's
//! `required_engine_version` (semver or a bare minor number) and plugin versions (semver).

/// The engine version this crate implements (Falco 0.44's engine).
pub const ENGINE_VERSION: (u64, u64, u64) = (0, 62, 0);

/// `major.minor.patch`, each a decimal number; nothing else.
pub(crate) fn parse_semver(s: &str) -> Option<(u64, u64, u64)> {
    let mut it = s.split('.');
    let a = it.next()?.parse().ok()?;
    let b = it.next()?.parse().ok()?;
    let c = it.next()?.parse().ok()?;
    if it.next().is_some() {
        return None;
    }
    Some((a, b, c))
}

/// A bare integer N means `0.N.0`.
pub(crate) fn parse_engine_version(s: &str) -> Option<(u64, u64, u64)> {
    if !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()) {
        return Some((0, s.parse().ok()?, 0));
    }
    parse_semver(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_is_exactly_three_numbers() {
        assert_eq!(parse_semver("0.15.1"), Some((0, 15, 1)));
        assert_eq!(parse_semver("0.15"), None);
        assert_eq!(parse_semver("0.15.1.2"), None);
        assert_eq!(parse_semver("0.x.1"), None);
    }

    #[test]
    fn a_bare_engine_version_is_a_minor_number() {
        assert_eq!(parse_engine_version("17"), Some((0, 17, 0)));
        assert_eq!(parse_engine_version("0.31.0"), Some((0, 31, 0)));
        assert_eq!(parse_engine_version(""), None);
        assert_eq!(parse_engine_version("v17"), None);
    }
}
