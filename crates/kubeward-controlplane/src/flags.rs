//! Command-line flags of control-plane components, read the way the components read them.
//!
//! The components parse their arguments with spf13/pflag: `--flag=value` and
//! `--flag value` are both accepted, a boolean flag given bare means `true` and never
//! takes the next word as its value, a scalar flag keeps its last occurrence, list flags
//! (`--enable-admission-plugins`, `--authorization-mode`, …) accumulate and comma-split,
//! and `--feature-gates` maps merge. [`Flags`] answers those questions by flag name, so
//! that checks never match one flag name as a substring of another (kube-bench's
//! `--client-ca-file` "matching" `--requestheader-client-ca-file`).
//!
//! [`manifest`] finds the static pod manifests of the components and extracts their flags;
//! [`kubelet`] finds the kubelet's command line (a given file, the running process, or its
//! systemd drop-in).

pub mod kubelet;
pub mod manifest;

pub use manifest::{Component, FlagsError, Manifests, StaticPod, load_manifests};

use kubeward_manifest::Pos;
use serde::Serialize;

/// Flags that pflag declares as booleans in the components kubeward reads: given bare,
/// they mean `true` and leave the next word alone. Other flags without `=` take the next
/// word as their value, as pflag does.
const BOOLEAN_FLAGS: &[&str] = &[
    "allocate-node-cidrs",
    "allow-privileged",
    "anonymous-auth",
    "audit-log-compress",
    "authentication-token-webhook",
    "auto-tls",
    "cgroups-per-qos",
    "client-cert-auth",
    "configure-cloud-routes",
    "contention-profiling",
    "debug",
    "enable-aggregator-routing",
    "enable-bootstrap-token-auth",
    "enable-garbage-collector",
    "enable-grpc-gateway",
    "enable-hostpath-provisioner",
    "enable-pprof",
    "enable-priority-and-fairness",
    "enable-server",
    "enable-v2",
    "exit-on-lock-contention",
    "experimental-initial-corrupt-check",
    "fail-swap-on",
    "force-new-cluster",
    "kernel-memcg-notification",
    "leader-elect",
    "local-storage-capacity-isolation",
    "make-iptables-util-chains",
    "peer-auto-tls",
    "peer-client-cert-auth",
    "profiling",
    "protect-kernel-defaults",
    "register-node",
    "register-schedulable",
    "rotate-certificates",
    "rotate-server-certificates",
    "runonce",
    "seccomp-default",
    "serialize-image-pulls",
    "service-account-extend-token-expiration",
    "service-account-lookup",
    "strict-reconfig-check",
    "use-service-account-credentials",
];

/// Where a flag's value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// The container's `command` or `args`.
    Args,
    /// An `ETCD_*` environment variable of the etcd container (etcd reads one for every
    /// flag not given on its command line).
    Env,
}

/// One occurrence of a flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlagEntry {
    /// The name without leading dashes.
    pub name: String,
    /// `None` for a bare flag (`--profiling`).
    pub value: Option<String>,
    /// Where the token is written, when known.
    pub pos: Option<Pos>,
    /// Whether it came from the command line or an `ETCD_*` variable.
    pub origin: Origin,
    /// The index, among the words given to [`Flags::parse`], of the word the flag is
    /// written in (`None` for a fallback value).
    pub word: Option<usize>,
}

/// The flags of one component, in the order given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    entries: Vec<FlagEntry>,
    /// Words that are neither flags nor flag values (after the program name); pflag
    /// keeps them as positional arguments, which the components ignore or reject.
    pub stray: Vec<String>,
}

impl Flags {
    /// Parses argument words (the program name first, as in a container `command`).
    /// Each word may carry the position it was written at.
    pub fn parse<'a>(words: impl IntoIterator<Item = (&'a str, Option<Pos>)>) -> Flags {
        let mut flags = Flags::default();
        let mut words = words.into_iter().enumerate().peekable();
        let mut seen_flag = false;
        let mut positional_only = false;
        while let Some((index, (word, pos))) = words.next() {
            if positional_only || !word.starts_with('-') || word == "-" {
                // Leading words are the program (and maybe a wrapper such as `/bin/sh`).
                if seen_flag || positional_only {
                    flags.stray.push(word.to_owned());
                }
                continue;
            }
            if word == "--" {
                positional_only = true;
                continue;
            }
            seen_flag = true;
            let body = word.trim_start_matches('-');
            let (name, value) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None if BOOLEAN_FLAGS.contains(&body) => (body, None),
                // A value may itself start with a dash (`--v -1`); only a word that looks
                // like the next flag is left alone, so an unknown boolean cannot swallow it.
                None => match words.next_if(|(_, (next, _))| !next.starts_with("--")) {
                    Some((_, (next, _))) => (body, Some(next.to_owned())),
                    None => (body, None),
                },
            };
            flags.entries.push(FlagEntry {
                name: name.to_owned(),
                value,
                pos,
                origin: Origin::Args,
                word: Some(index),
            });
        }
        flags
    }

    /// Adds a value from outside the command line unless the flag is already given there.
    pub fn add_fallback(&mut self, name: &str, value: &str, pos: Option<Pos>, origin: Origin) {
        if !self.is_set(name) {
            self.entries.push(FlagEntry {
                name: name.to_owned(),
                value: Some(value.to_owned()),
                pos,
                origin,
                word: None,
            });
        }
    }

    /// Every flag occurrence, in order (repeats kept).
    pub fn entries(&self) -> &[FlagEntry] {
        &self.entries
    }

    /// Whether the flag `name` (without dashes) is given at all, with or without a value.
    pub fn is_set(&self, name: &str) -> bool {
        self.entries.iter().any(|e| e.name == name)
    }

    /// The last occurrence of a flag (a scalar flag's effective value).
    pub fn last(&self, name: &str) -> Option<&FlagEntry> {
        self.entries.iter().rev().find(|e| e.name == name)
    }

    /// The effective value of a scalar flag; a bare flag reads as `true`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.last(name)
            .map(|e| e.value.as_deref().unwrap_or("true"))
    }

    /// The effective value of a boolean flag, by Go's `strconv.ParseBool`. `Err` holds a
    /// value the component would refuse to start with.
    pub fn bool(&self, name: &str) -> Option<Result<bool, String>> {
        self.value(name)
            .map(|v| parse_go_bool(v).ok_or_else(|| v.to_owned()))
    }

    /// Every item of a list flag: all occurrences, comma-split, trimmed, empty items
    /// dropped. `None` when the flag is not given at all.
    pub fn list(&self, name: &str) -> Option<Vec<String>> {
        let mut found = false;
        let mut items = Vec::new();
        for e in self.entries.iter().filter(|e| e.name == name) {
            found = true;
            items.extend(split_list(e.value.as_deref().unwrap_or("")));
        }
        found.then_some(items)
    }

    /// A feature gate's value after merging every `--feature-gates` occurrence (later
    /// keys win). `Err` holds an unparsable value.
    pub fn feature_gate(&self, gate: &str) -> Option<Result<bool, String>> {
        let mut result = None;
        for item in self.list("feature-gates").unwrap_or_default() {
            if let Some((k, v)) = item.split_once('=')
                && k.trim() == gate
            {
                let v = v.trim();
                result = Some(parse_go_bool(v).ok_or_else(|| v.to_owned()));
            }
        }
        result
    }

    /// Where the last occurrence of a flag is written.
    pub fn pos(&self, name: &str) -> Option<Pos> {
        self.last(name).and_then(|e| e.pos)
    }
}

/// Comma-separated items, trimmed, empty ones dropped.
pub fn split_list(value: &str) -> impl Iterator<Item = String> + '_ {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Go's `strconv.ParseBool`, which pflag uses for boolean flags.
pub fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}
