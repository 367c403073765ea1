//! One file: parse, then judge each workload at its effective policy.

use std::collections::BTreeMap;
use std::sync::Arc;

use kubeward_manifest::{
    Limits, LoadError, Resource, WORKLOADS, parse_piece, parse_piece_each, pod_template,
};
use kubeward_podsecurity::defaults::{Holder, apply_defaults};
use kubeward_podsecurity::lint;
use kubeward_podsecurity::psp::Policy as PspPolicy;
use kubeward_podsecurity::standards::{
    Level, PolicyVersion, Violation, evaluate, forbidden_message, warning_message,
};

use kubeward_cluster::{Inventory, Selection, is_suppressed, suppressed_ids};
use kubeward_podsecurity::standards::config::Exemptions;

use super::model::{
    ErrorKind, Event, Finding, LintFinding, ModeResult, Object, Policy, ResourceReport, ScanError,
    WorkloadReport,
};
use super::namespace::{self, NamespacePolicy, Namespaces};

/// What the command line fixed for every workload.
#[derive(Clone, Copy, Debug)]
pub struct Settings<'a> {
    /// `--level` / `--pss-version` when given: they override Namespace labels.
    pub level: Option<Level>,
    pub version: Option<PolicyVersion>,
    pub lint: bool,
    pub limits: Limits,
    /// `--psp`: the policies every workload's pod is also admitted under.
    pub psp: Option<&'a [PspPolicy]>,
    /// `--enable`/`--disable`: the rules that run.
    pub selection: &'a Selection,
    /// What the checks of one resource need to know of the others.
    pub inventory: &'a Inventory,
    /// `--admission-config`'s exemptions (namespaces and runtime classes; a manifest
    /// names no requesting user).
    pub exemptions: &'a Exemptions,
}

/// Everything one file, or one piece of a file, contributes, in document order.
#[derive(Debug, Default)]
pub struct FileOutcome {
    pub events: Vec<Event>,
    pub resources: u64,
    pub skipped: BTreeMap<String, u64>,
    /// A syntax error ended the text: the rest of its file cannot be read.
    pub stopped: bool,
}

/// Judges the text of `file` whose first line is line `first_line + 1`.
pub fn scan_text(
    file: &Arc<str>,
    text: &str,
    first_line: u32,
    settings: &Settings,
    namespaces: &Namespaces,
) -> FileOutcome {
    let mut out = FileOutcome::default();
    let parsed = parse_piece(file, text, first_line, &settings.limits);
    out.stopped = parsed.stopped;
    for doc in parsed.documents {
        scan_document(doc, settings, namespaces, &mut out);
    }
    out
}

/// [`scan_text`] for a text too large to hold all its results (a long `List`): each
/// resource's outcome goes to `emit` as soon as it is judged, until `emit` answers
/// `false`. Returns whether the text ended early (see [`FileOutcome::stopped`]).
pub fn scan_text_each(
    file: &Arc<str>,
    text: &str,
    first_line: u32,
    settings: &Settings,
    namespaces: &Namespaces,
    emit: &mut dyn FnMut(FileOutcome) -> bool,
) -> bool {
    parse_piece_each(file, text, first_line, &settings.limits, &mut |doc| {
        let mut out = FileOutcome::default();
        scan_document(doc, settings, namespaces, &mut out);
        emit(out)
    })
}

fn scan_document(
    doc: Result<Resource, LoadError>,
    settings: &Settings,
    namespaces: &Namespaces,
    out: &mut FileOutcome,
) {
    match doc {
        Ok(res) => {
            out.resources += 1;
            scan_resource(&res, settings, namespaces, out);
        }
        Err(e) => out
            .events
            .push(Event::Error(ScanError::from_load(e, ErrorKind::Parse))),
    }
}

fn scan_resource(
    res: &Resource,
    settings: &Settings,
    namespaces: &Namespaces,
    out: &mut FileOutcome,
) {
    let template = match pod_template(res) {
        None => {
            if res.kind == "Namespace" {
                // The pre-pass already used these labels; report their errors here, so they
                // come out in input order.
                let (_, errors) = namespace::resolve(res, None);
                out.events.extend(errors.into_iter().map(Event::Error));
            }
            let judged = kubeward_cluster::judges_kind(&res.kind);
            // Any kind may raise a finding (WH009 names every object in `default`); the
            // judged kinds are never counted as skipped.
            let found = if settings.lint {
                kubeward_cluster::check_resource(res, settings.inventory, settings.selection)
            } else {
                Vec::new()
            };
            if !found.is_empty() || (settings.lint && judged) {
                let (lints, suppressed) = located(res, found);
                if !lints.is_empty() || suppressed > 0 {
                    out.events.push(Event::Resource(Box::new(ResourceReport {
                        object: Object::of(res),
                        lints,
                        suppressed,
                    })));
                }
            } else if !Inventory::wants(&res.kind) && !judged {
                // A workload kind under an API group it is not served from (a typo, or
                // text pasted into apiVersion) is named with its apiVersion, so that it
                // is not mistaken for a kind kubeward does not check.
                let key = if WORKLOADS.iter().any(|w| w.kind == res.kind) {
                    format!("{} {}", res.kind, res.api_version)
                } else {
                    res.kind.clone()
                };
                *out.skipped.entry(key).or_default() += 1;
            }
            return;
        }
        Some(Err(e)) => {
            out.events
                .push(Event::Error(ScanError::from_load(e, ErrorKind::Template)));
            return;
        }
        Some(Ok(t)) => t,
    };
    // Admission judges the object as the API server decoded it: defaulted.
    let mut spec = template.spec;
    apply_defaults(&mut spec, Holder::of_kind(&res.kind));
    let meta = &template.metadata;
    let ns = res.namespace.as_deref().and_then(|n| namespaces.get(n));
    let (enforce, warn, audit) = policies(settings, ns);
    let full = |p: &str| {
        if template.prefix.is_empty() {
            p.to_owned()
        } else {
            format!("{}.{p}", template.prefix)
        }
    };
    let locate = |violation: Violation| {
        let path = violation.paths.first().map(|p| full(p));
        let pos = path.as_deref().map(|p| res.node.locate(p).pos);
        Finding {
            violation,
            path,
            pos,
        }
    };
    let name = res.name.as_deref().unwrap_or("");
    // As the plugin: an exempt namespace first, then an exempt runtime class.
    let ex = settings.exemptions;
    let exempt = if res
        .namespace
        .as_ref()
        .is_some_and(|n| ex.namespaces.contains(n))
    {
        Some("namespace")
    } else if spec
        .runtime_class_name
        .as_ref()
        .is_some_and(|rc| !rc.is_empty() && ex.runtime_classes.contains(rc))
    {
        Some("runtimeClass")
    } else {
        None
    };
    let violations = if exempt.is_some() {
        Vec::new()
    } else {
        evaluate(enforce.level, enforce.version, meta, &spec)
    };
    let message = (!violations.is_empty()).then(|| {
        let version = enforce.version.to_string();
        if res.kind == "Pod" {
            forbidden_message("pods", name, enforce.level, &version, &violations)
        } else {
            format!(
                "Warning: {}",
                warning_message(enforce.level, &version, &violations)
            )
        }
    });
    let violations: Vec<Finding> = violations.into_iter().map(locate).collect();
    let mode = |p: Option<Policy>| {
        let policy = p?;
        let found = evaluate(policy.level, policy.version, meta, &spec);
        if found.is_empty() {
            return None;
        }
        Some(ModeResult {
            policy,
            message: warning_message(policy.level, &policy.version.to_string(), &found),
            violations: found.into_iter().map(locate).collect(),
        })
    };
    // As the admission controller: warnings only when enforce allows; audit always; an
    // exempt request neither.
    let (warn, audit) = if exempt.is_some() {
        (None, None)
    } else {
        let warn = if violations.is_empty() {
            mode(warn)
        } else {
            None
        };
        (warn, mode(audit))
    };
    let mut found: Vec<kubeward_cluster::Finding> = if settings.lint {
        lint::lint(template.node, meta, &spec)
            .into_iter()
            .filter(|l| settings.selection.enabled_id(l.id))
            .map(|l| kubeward_cluster::Finding {
                id: l.id,
                severity: l.severity,
                message: l.message,
                path: full(&l.path),
            })
            .collect()
    } else {
        Vec::new()
    };
    let pod = kubeward_cluster::Template {
        prefix: template.prefix,
        metadata: meta,
        spec: &spec,
    };
    if settings.lint {
        found.extend(kubeward_cluster::check_workload(
            res,
            &pod,
            settings.inventory,
            settings.selection,
        ));
    }
    let (lints, suppressed) = located(res, found);
    out.events.push(Event::Workload(Box::new(WorkloadReport {
        object: Object::of(res),
        policy: enforce,
        allowed: violations.is_empty(),
        exempt,
        violations,
        message,
        lints,
        suppressed,
        warn,
        audit,
        psp: settings.psp.and_then(|p| super::psp::decide(p, res)),
    })));
}

/// Findings with their positions, less those the resource's `kubeward.io/ignore`
/// annotation names, and how many it named.
fn located(res: &Resource, found: Vec<kubeward_cluster::Finding>) -> (Vec<LintFinding>, u64) {
    let (ignored, _) = suppressed_ids(res.node.get("metadata"));
    let mut suppressed = 0;
    let mut lints = Vec::with_capacity(found.len());
    for f in found {
        if !ignored.is_empty() && is_suppressed(&ignored, f.id) {
            suppressed += 1;
            continue;
        }
        lints.push(LintFinding {
            id: f.id,
            severity: f.severity,
            message: f.message,
            pos: res.node.locate(&f.path).pos,
            path: f.path,
        });
    }
    (lints, suppressed)
}

/// Enforce, warn and audit policies for a workload: the command line first, then its
/// Namespace's labels, then restricted:latest. Warn and audit are evaluated only when the
/// Namespace asks for something other than its enforce policy, and not at all under
/// `--level`, which asks for one answer.
fn policies(
    settings: &Settings,
    ns: Option<&NamespacePolicy>,
) -> (Policy, Option<Policy>, Option<Policy>) {
    let enforce = Policy {
        level: settings
            .level
            .or(ns.and_then(|n| n.enforce_level))
            .unwrap_or(Level::Restricted),
        version: settings
            .version
            .or(ns.and_then(|n| n.enforce_version))
            .unwrap_or(PolicyVersion::Latest),
    };
    if settings.level.is_some() {
        return (enforce, None, None);
    }
    let other = |p: Option<Policy>| p.filter(|p| *p != enforce);
    (
        enforce,
        other(ns.and_then(|n| n.warn)),
        other(ns.and_then(|n| n.audit)),
    )
}
