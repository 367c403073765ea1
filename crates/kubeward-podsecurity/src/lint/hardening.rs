//! Container hardening that admission leaves optional or misreads (KW131–KW133).
//!
//! `readOnlyRootFilesystem` and `capabilities` are Linux-only and rejected on Windows
//! pods, so KW131 and KW132 do not ask for them there.

use super::{Findings, LintContext, RuleInfo, Severity, caps};
use kubeward_report::RuleMeta;

pub(super) const KW131: RuleInfo = RuleInfo {
    meta: RuleMeta {
        id: "KW131",
        title: "writable root filesystem",
        severity: Severity::Medium,
        fix: "set `readOnlyRootFilesystem: true` and mount an `emptyDir` at the paths the application must write (such as `/tmp`).",
    },
    check: kw131,
};

fn kw131(ctx: &LintContext<'_>, out: &mut Findings<'_>) {
    if ctx.is_windows() {
        return;
    }
    for c in ctx.containers() {
        let read_only = c
            .security_context
            .and_then(|sc| sc.read_only_root_filesystem);
        if read_only != Some(true) {
            out.report(
                format!("{}.readOnlyRootFilesystem", c.site()),
                format!(
                    "container \"{}\" can write to its root filesystem, so an attacker can \
                     drop tools or alter binaries in it; set readOnlyRootFilesystem: true \
                     and mount an emptyDir where it must write",
                    c.name
                ),
            );
        }
    }
}

pub(super) const KW132: RuleInfo = RuleInfo {
    meta: RuleMeta {
        id: "KW132",
        title: "capabilities not dropping ALL",
        severity: Severity::Medium,
        fix: "`capabilities: {drop: [\"ALL\"]}`, then `add` back only what is needed (for example `NET_BIND_SERVICE`).",
    },
    check: kw132,
};

fn kw132(ctx: &LintContext<'_>, out: &mut Findings<'_>) {
    if ctx.is_windows() {
        return;
    }
    for c in ctx.containers() {
        let sc = c.security_context;
        // A privileged container gets every capability whatever it drops; that is
        // PSA's baseline `privileged` check, not a missing drop.
        if sc.and_then(|sc| sc.privileged) == Some(true) {
            continue;
        }
        // Misspelt `all` is KW133's; here any spelling counts as the intent to drop.
        if !caps::dropped(sc).iter().any(|d| caps::is(d, "ALL")) {
            out.report(
                format!("{}.capabilities.drop", c.site()),
                format!(
                    "container \"{}\" keeps the runtime's default capabilities (such as \
                     NET_RAW and CHOWN); set capabilities.drop: [\"ALL\"] and add back only \
                     what it needs",
                    c.name
                ),
            );
        }
    }
}

pub(super) const KW133: RuleInfo = RuleInfo {
    meta: RuleMeta {
        id: "KW133",
        title: "non-canonical capability names",
        severity: Severity::Medium,
        fix: "write the canonical name the finding gives (`ALL`, `NET_BIND_SERVICE`).",
    },
    check: kw133,
};

fn kw133(ctx: &LintContext<'_>, out: &mut Findings<'_>) {
    for c in ctx.containers() {
        let lists = [
            ("add", caps::added(c.security_context)),
            ("drop", caps::dropped(c.security_context)),
        ];
        for (list, names) in lists {
            for (i, name) in names.iter().enumerate() {
                if caps::is_canonical(name) {
                    continue;
                }
                let fixed = caps::canonical(name);
                let effect = match list {
                    "add" => {
                        "so it never matches the baseline allowlist, even for a \
                         capability on it"
                    }
                    _ if fixed == "ALL" => {
                        "so it does not count as dropping \"ALL\" for the restricted level"
                    }
                    _ => "and whether the container runtime recognises it depends on the runtime",
                };
                out.report(
                    format!("{}.capabilities.{list}[{i}]", c.site()),
                    format!(
                        "capability \"{name}\" in capabilities.{list} of container \"{}\" \
                         is not spelt the Kubernetes way; Pod Security Admission compares \
                         names exactly, {effect}; write \"{fixed}\"",
                        c.name
                    ),
                );
            }
        }
    }
}
