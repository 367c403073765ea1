//! The per-field strategies a policy is built into, one per file, as upstream's
//! `pkg/security/podsecuritypolicy/{user,group,selinux,capabilities,sysctl,seccomp,apparmor}`.
//!
//! A strategy generates defaults (the mutating half) and validates effective values. The
//! policy is validated when loaded, so building strategies only fails where upstream's
//! factory fails on a valid object (a `MustRunAs` without ranges, say); such a policy is
//! skipped at admission exactly as the plugin skipped it.

pub mod apparmor;
pub mod capabilities;
pub mod group;
pub mod seccomp;
pub mod selinux;
pub mod sysctl;
pub mod user;

use super::types::IdRange;

/// Whether `id` falls in any inclusive range.
pub(crate) fn in_ranges(id: i64, ranges: &[IdRange]) -> bool {
    ranges.iter().any(|r| id >= r.min && id <= r.max)
}

/// Go's `%v` of `[]IDRange`.
pub(crate) fn ranges_text(ranges: &[IdRange]) -> String {
    super::field::go_ranges(ranges.iter().map(|r| (r.min, r.max)))
}
