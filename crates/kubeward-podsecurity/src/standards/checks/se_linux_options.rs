//! `seLinuxOptions` (baseline, v1.0+): only the container SELinux types, and no
//! custom user or role; `container_engine_t` is allowed from v1.31.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{PodSpec, SELinuxOptions};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, versions};
use crate::standards::format::{join_quote_iter, pl, setters};
use crate::standards::{Level, Violation};
use crate::visit::containers;

const ID: &str = "seLinuxOptions";

const TYPES_1_0: &[&str] = &["", "container_t", "container_init_t", "container_kvm_t"];
const TYPES_1_31: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

pub(crate) const CHECK: Check = Check::new(ID, Level::Baseline, versions![0 => v1_0, 31 => v1_31]);

fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    check(spec, TYPES_1_0)
}

fn v1_31(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    check(spec, TYPES_1_31)
}

/// What is wrong across all seLinuxOptions seen so far.
struct Findings<'a> {
    types: BTreeSet<&'a str>,
    user: bool,
    role: bool,
    paths: Vec<String>,
}

impl<'a> Findings<'a> {
    /// Records the problems of one options object; true when it has any.
    fn inspect(
        &mut self,
        o: &'a SELinuxOptions,
        allowed: &[&str],
        at: impl Fn(&str) -> String,
    ) -> bool {
        let mut bad = false;
        let t = o.type_.as_deref().unwrap_or_default();
        if !allowed.contains(&t) {
            self.types.insert(t);
            self.paths.push(at("type"));
            bad = true;
        }
        if o.user.as_deref().is_some_and(|u| !u.is_empty()) {
            self.user = true;
            self.paths.push(at("user"));
            bad = true;
        }
        if o.role.as_deref().is_some_and(|r| !r.is_empty()) {
            self.role = true;
            self.paths.push(at("role"));
            bad = true;
        }
        bad
    }
}

fn check(spec: &PodSpec, allowed: &[&str]) -> Option<Violation> {
    let mut f = Findings {
        types: BTreeSet::new(),
        user: false,
        role: false,
        paths: Vec::new(),
    };
    let pod_opts = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.se_linux_options.as_ref());
    let pod = pod_opts.is_some_and(|o| {
        f.inspect(o, allowed, |leaf| {
            format!("spec.securityContext.seLinuxOptions.{leaf}")
        })
    });
    let mut names = Vec::new();
    for c in containers(spec) {
        if let Some(o) = c.sc.and_then(|sc| sc.se_linux_options.as_ref()) {
            if f.inspect(o, allowed, |leaf| {
                c.path(&format!("securityContext.seLinuxOptions.{leaf}"))
            }) {
                names.push(c.name);
            }
        }
    }
    if !pod && names.is_empty() {
        return None;
    }
    let mut data = Vec::new();
    if !f.types.is_empty() {
        data.push(format!(
            "{} {}",
            pl("type", "types", f.types.len()),
            join_quote_iter(f.types.iter().copied())
        ));
    }
    if f.user {
        data.push("user may not be set".to_string());
    }
    if f.role {
        data.push("role may not be set".to_string());
    }
    Some(Violation::new(
        ID,
        "seLinuxOptions",
        format!(
            "{} set forbidden securityContext.seLinuxOptions: {}",
            setters(pod, &names),
            data.join("; ")
        ),
        f.paths,
    ))
}
