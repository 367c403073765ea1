//! How a check is judged: a few tests on flags or configuration fields, each saying what
//! an unset value means, or a function for the checks that need more (a file to read,
//! two components to compare).
//!
//! Static pod flags and kubelet configuration fields both answer through [`Lookup`], so
//! one table format serves both.

use crate::flags::{Component, Flags, parse_go_bool};
use kubeward_report::RuleMeta;

use super::{Finding, Inputs, Severity, Status};

/// Values by key: a flag name for a static pod, a field path for the kubelet.
pub(crate) trait Lookup {
    /// The effective scalar value, rendered as text.
    fn scalar(&self, key: &str) -> Option<String>;
    /// Every item of a list value (comma lists are split).
    fn list(&self, key: &str) -> Option<Vec<String>>;
    /// A feature gate after merging.
    fn gate(&self, gate: &str) -> Option<Result<bool, String>>;
    /// How the key is written in findings: `--flag` or `field.path`.
    fn show(&self, key: &str) -> String;
    /// `key=value` or `key: value`.
    fn show_value(&self, key: &str, value: &str) -> String;
    /// The line the key is written on.
    fn line(&self, key: &str) -> Option<u32>;
    /// The file the key's value was read from, when it is not the file the findings of
    /// the table point at (a kubelet flag overriding the configuration file).
    fn file(&self, _key: &str) -> Option<String> {
        None
    }
    /// How a feature gate is shown and where it is set: the name (`--feature-gates Gate`),
    /// a suffix for its value, the line and the file (see [`Lookup::file`]).
    fn gate_at(
        &self,
        key: &str,
        gate: &str,
    ) -> (String, &'static str, Option<u32>, Option<String>) {
        (
            format!("{} {gate}", self.show(key)),
            "",
            self.line(key),
            self.file(key),
        )
    }
    /// Whether unset values take the legacy flag defaults (a kubelet started without a
    /// configuration file) instead of the usual ones.
    fn legacy_defaults(&self) -> bool {
        false
    }
}

impl Lookup for Flags {
    fn scalar(&self, key: &str) -> Option<String> {
        self.value(key).map(str::to_owned)
    }
    fn list(&self, key: &str) -> Option<Vec<String>> {
        Flags::list(self, key)
    }
    fn gate(&self, gate: &str) -> Option<Result<bool, String>> {
        self.feature_gate(gate)
    }
    fn show(&self, key: &str) -> String {
        format!("--{key}")
    }
    fn show_value(&self, key: &str, value: &str) -> String {
        format!("--{key}={value}")
    }
    fn line(&self, key: &str) -> Option<u32> {
        self.pos(key).map(|p| p.line)
    }
}

/// What a rule requires of a set value.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Test {
    /// Must not be set at all.
    Absent,
    /// Set to something non-empty.
    NonEmpty,
    /// A boolean with this value (Go's ParseBool spellings).
    Bool(bool),
    /// One of these values.
    OneOf(&'static [&'static str]),
    /// A list holding this item.
    Has(&'static str),
    /// A list without this item.
    Lacks(&'static str),
    /// An integer at least this large.
    AtLeast(i64),
    /// A non-empty list whose items are all among these.
    Subset(&'static [&'static str]),
    /// A Go duration other than zero.
    NonZeroDuration,
    /// The feature gate is not set to this value (the key is ignored).
    GateNot(&'static str, bool),
}

/// What an unset value means, with the reason (usually the default).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Unset {
    Pass(&'static str),
    Fail(&'static str),
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Rule {
    pub key: &'static str,
    pub test: Test,
    pub unset: Unset,
    /// What an unset value means under legacy flag defaults, when that differs.
    pub legacy: Option<Unset>,
}

/// A value that must be set and non-empty.
pub(crate) const fn required(key: &'static str) -> Rule {
    Rule {
        key,
        test: Test::NonEmpty,
        unset: Unset::Fail("not set"),
        legacy: None,
    }
}

pub(crate) const fn rule(key: &'static str, test: Test, unset: Unset) -> Rule {
    Rule {
        key,
        test,
        unset,
        legacy: None,
    }
}

/// A rule whose unset value means something else when the kubelet runs without a
/// configuration file (`applyLegacyDefaults` in the kubelet).
pub(crate) const fn rule_legacy(
    key: &'static str,
    test: Test,
    unset: Unset,
    legacy: Unset,
) -> Rule {
    Rule {
        key,
        test,
        unset,
        legacy: Some(legacy),
    }
}

/// A verdict with what was found.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Outcome {
    pub status: Status,
    pub found: String,
    pub line: Option<u32>,
    /// The file, when not the table's (see [`Lookup::file`]).
    pub file: Option<String>,
}

impl Outcome {
    pub fn new(status: Status, found: impl Into<String>) -> Outcome {
        Outcome {
            status,
            found: found.into(),
            line: None,
            file: None,
        }
    }
}

/// What a custom judge sees.
pub(crate) struct Ctx<'a> {
    pub inputs: &'a Inputs<'a>,
    pub lookup: &'a dyn Lookup,
}

#[derive(Clone, Copy)]
pub(crate) enum Judge {
    /// Every rule must pass.
    All(&'static [Rule]),
    Custom(fn(&Ctx<'_>) -> Outcome),
}

/// One benchmark check.
#[derive(Clone, Copy)]
pub(crate) struct Check {
    /// The benchmark id, title, severity and remediation (the rule's fix).
    pub meta: RuleMeta,
    pub automated: bool,
    pub judge: Judge,
}

/// A check judged by a list of rules that must all pass (most of the benchmark).
pub(crate) const fn check(
    id: &'static str,
    title: &'static str,
    severity: Severity,
    automated: bool,
    rules: &'static [Rule],
    remediation: &'static str,
) -> Check {
    Check {
        meta: RuleMeta::new(id, title, severity, remediation),
        automated,
        judge: Judge::All(rules),
    }
}

impl Check {
    /// Judges the check and dresses the verdict as a finding.
    pub fn finding(&self, component: &'static str, ctx: &Ctx<'_>, file: &str) -> Finding {
        let outcome = match self.judge {
            Judge::All(rules) => all(rules, ctx.lookup),
            Judge::Custom(f) => f(ctx),
        };
        let file = outcome.file.as_deref().unwrap_or(file);
        let file = match outcome.line {
            Some(l) => format!("{file}:{l}"),
            None => file.to_owned(),
        };
        self.dress(component, outcome.status, outcome.found, Some(file))
    }

    /// The finding when the input is absent.
    pub fn skipped(&self, component: &'static str, why: String) -> Finding {
        self.dress(component, Status::Skip, why, None)
    }

    fn dress(
        &self,
        component: &'static str,
        status: Status,
        found: String,
        file: Option<String>,
    ) -> Finding {
        Finding {
            id: self.meta.id,
            title: self.meta.title,
            component,
            severity: self.meta.severity,
            automated: self.automated,
            status,
            found,
            remediation: self.meta.fix,
            file,
        }
    }
}

/// Runs a static pod's table, or skips it when the component has no manifest.
pub(crate) fn run_pod_checks(
    inputs: &Inputs<'_>,
    component: Component,
    table: &[Check],
) -> Vec<Finding> {
    let Some(pod) = inputs.manifests.get(component) else {
        let why = format!(
            "no {component} static pod manifest in {}",
            inputs.manifests.dir.display()
        );
        return table
            .iter()
            .map(|c| c.skipped(component.name(), why.clone()))
            .collect();
    };
    let ctx = Ctx {
        inputs,
        lookup: &pod.flags,
    };
    table
        .iter()
        .map(|c| c.finding(component.name(), &ctx, &pod.file))
        .collect()
}

/// Every rule's verdict; the worst decides, and all are shown.
pub(crate) fn all(rules: &[Rule], lk: &dyn Lookup) -> Outcome {
    let mut status = Status::Pass;
    let mut found = Vec::new();
    let mut line = None;
    let mut file = None;
    for r in rules {
        let o = one(r, lk);
        if o.status == Status::Fail || (o.status == Status::Warn && status == Status::Pass) {
            status = o.status;
        }
        // The first rule that knows where its value is written places the finding.
        if line.is_none() && file.is_none() {
            line = o.line;
            file = o.file;
        }
        found.push(o.found);
    }
    Outcome {
        status,
        found: found.join("; "),
        line,
        file,
    }
}

fn verdict(ok: bool) -> Status {
    if ok { Status::Pass } else { Status::Fail }
}

/// One rule's verdict.
pub(crate) fn one(r: &Rule, lk: &dyn Lookup) -> Outcome {
    let shown = lk.show(r.key);
    let line = lk.line(r.key);
    let file = lk.file(r.key);
    let unset_means = match r.legacy {
        Some(legacy) if lk.legacy_defaults() => legacy,
        _ => r.unset,
    };
    let unset = |what: String| {
        let (status, why) = match unset_means {
            Unset::Pass(why) => (Status::Pass, why),
            Unset::Fail(why) => (Status::Fail, why),
        };
        let found = if why == "not set" {
            format!("{what} not set")
        } else {
            format!("{what} not set ({why})")
        };
        Outcome::new(status, found)
    };
    if let Test::GateNot(gate, bad) = r.test {
        let (shown, suffix, line, file) = lk.gate_at(r.key, gate);
        return match lk.gate(gate) {
            None => unset(shown),
            Some(Ok(v)) => Outcome {
                status: verdict(v != bad),
                found: format!("{shown}={v}{suffix}"),
                line,
                file,
            },
            Some(Err(raw)) => Outcome {
                status: Status::Fail,
                found: format!("{shown}={raw} (not a boolean){suffix}"),
                line,
                file,
            },
        };
    }
    let Some(value) = lk.scalar(r.key) else {
        return match r.test {
            Test::Absent => Outcome::new(Status::Pass, format!("{shown} not set")),
            _ => unset(shown),
        };
    };
    let items = || lk.list(r.key).unwrap_or_default();
    let (ok, shown_value) = match r.test {
        Test::Absent => (false, value),
        Test::NonEmpty => (!value.is_empty(), value),
        Test::Bool(want) => (parse_go_bool(&value) == Some(want), value),
        Test::OneOf(ok) => (ok.contains(&value.as_str()), value),
        Test::Has(item) => {
            let items = items();
            (items.iter().any(|i| i == item), items.join(","))
        }
        Test::Lacks(item) => {
            let items = items();
            (!items.iter().any(|i| i == item), items.join(","))
        }
        Test::AtLeast(min) => (value.trim().parse::<i64>().is_ok_and(|v| v >= min), value),
        Test::Subset(allowed) => {
            let items = items();
            let ok = !items.is_empty() && items.iter().all(|i| allowed.contains(&i.as_str()));
            (ok, items.join(","))
        }
        Test::NonZeroDuration => (!go_duration_is_zero(&value), value),
        Test::GateNot(..) => (true, value),
    };
    Outcome {
        status: verdict(ok),
        found: lk.show_value(r.key, &shown_value),
        line,
        file,
    }
}

/// Whether a Go duration (`0`, `0s`, `0h0m0s`, `4h0m0s`) is zero. A value Go would
/// reject is not zero here; the component refuses to start with it anyway.
pub(crate) fn go_duration_is_zero(s: &str) -> bool {
    let s = s.trim().trim_start_matches(['+', '-']);
    let mut digits = s.chars().filter(char::is_ascii_digit).peekable();
    digits.peek().is_some() && digits.all(|c| c == '0')
}
