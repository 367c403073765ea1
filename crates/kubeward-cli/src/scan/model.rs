//! What a scan reports, independent of the output format.

use std::collections::BTreeMap;
use std::sync::Arc;

use kubeward_manifest::{DuplicateKey, Pos, Resource};
use kubeward_podsecurity::standards::Violation;
use kubeward_report::Severity;

pub use kubeward_podsecurity::standards::namespace::Policy;

/// One failed Pod Security Standards check, located in the file.
#[derive(Clone, Debug)]
pub struct Finding {
    /// As the library reports it (paths relative to the pod template).
    pub violation: Violation,
    /// Full path from the object (template prefix included) of the first offender.
    pub path: Option<String>,
    pub pos: Option<Pos>,
}

/// One lint finding with its full path and position.
#[derive(Clone, Debug)]
pub struct LintFinding {
    pub id: &'static str,
    /// On the shared scale; `severity_name` gives scan's `error|warning|info`.
    pub severity: Severity,
    pub message: String,
    pub path: String,
    pub pos: Pos,
}

pub fn severity_name(s: Severity) -> &'static str {
    kubeward_podsecurity::lint::level_name(s)
}

/// A warn or audit evaluation of a Namespace that differs from its enforce policy.
#[derive(Clone, Debug)]
pub struct ModeResult {
    pub policy: Policy,
    pub violations: Vec<Finding>,
    /// `would violate PodSecurity "...": ...`
    pub message: String,
}

/// Which object a report is about, and where it starts.
#[derive(Clone, Debug)]
pub struct Object {
    pub file: Arc<str>,
    pub pos: Pos,
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

impl Object {
    pub fn of(res: &Resource) -> Object {
        Object {
            file: Arc::clone(&res.file),
            pos: res.pos,
            api_version: res.api_version.clone(),
            kind: res.kind.clone(),
            namespace: res.namespace.clone(),
            name: res.name.clone(),
        }
    }
}

/// The findings on a resource that is not a workload (RBAC objects, Services,
/// Ingresses, Namespaces, Secrets, ConfigMaps); written only when it has some.
#[derive(Clone, Debug)]
pub struct ResourceReport {
    pub object: Object,
    pub lints: Vec<LintFinding>,
    /// Findings its `kubeward.io/ignore` annotation suppressed.
    pub suppressed: u64,
}

/// The verdict on one workload.
#[derive(Clone, Debug)]
pub struct WorkloadReport {
    pub object: Object,
    pub policy: Policy,
    /// The enforce decision alone; lints never change it.
    pub allowed: bool,
    /// Why Pod Security did not evaluate it (`namespace`, `runtimeClass`), as the
    /// plugin's `exempt` audit annotation says, under `--admission-config`.
    pub exempt: Option<&'static str>,
    pub violations: Vec<Finding>,
    pub lints: Vec<LintFinding>,
    /// Findings its `kubeward.io/ignore` annotation suppressed.
    pub suppressed: u64,
    /// What the API server / kubectl prints when denied: the Forbidden error for Pods,
    /// the warning for other workloads (whose Pods are denied later, when their
    /// controller creates them).
    pub message: Option<String>,
    pub warn: Option<ModeResult>,
    pub audit: Option<ModeResult>,
    /// The PodSecurityPolicy decision, only under `--psp`.
    pub psp: Option<PspVerdict>,
}

/// One field error of one candidate PodSecurityPolicy.
#[derive(Clone, Debug)]
pub struct PspError {
    /// `None` for pod validation after admission (a hostPath with `..`).
    pub policy: Option<String>,
    pub path: String,
    pub message: String,
}

/// What the PodSecurityPolicy admission plugin decides for a workload's pod.
#[derive(Clone, Debug)]
pub struct PspVerdict {
    pub allowed: bool,
    /// The policy the `kubernetes.io/psp` annotation would name.
    pub policy: Option<String>,
    pub errors: Vec<PspError>,
    /// The API server's rejection when denied.
    pub message: Option<String>,
}

/// Which step an error came from, for the hint that tells how to fix it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    Path,
    /// Something in a directory walk that was not read (a dangling link, a symlink loop, a
    /// named pipe or device).
    Skipped,
    Read,
    Parse,
    /// A key set twice in one mapping.
    Duplicate,
    Template,
    NamespaceLevel,
    NamespaceVersion,
    /// A PodSecurityPolicy the API server would refuse (left out of the candidates).
    Policy,
    /// `--psp` files holding no usable PodSecurityPolicy.
    NoPolicy,
}

/// Something that could not be read or understood; the rest is still scanned.
#[derive(Clone, Debug)]
pub struct ScanError {
    pub file: Arc<str>,
    pub pos: Option<Pos>,
    pub message: String,
    pub kind: ErrorKind,
    /// For [`ErrorKind::Duplicate`]: the key's path and where it was first set (`pos` is
    /// where it is set again).
    pub duplicate: Option<Box<DuplicateKey>>,
}

impl ScanError {
    pub fn new(file: Arc<str>, pos: Option<Pos>, message: String, kind: ErrorKind) -> Self {
        ScanError {
            file,
            pos,
            message,
            kind,
            duplicate: None,
        }
    }

    /// A loading error as a scan error of `kind`; a duplicated key is always
    /// [`ErrorKind::Duplicate`].
    pub fn from_load(e: kubeward_manifest::LoadError, kind: ErrorKind) -> Self {
        let kind = if e.duplicate.is_some() {
            ErrorKind::Duplicate
        } else {
            kind
        };
        ScanError {
            file: e.file,
            pos: e.pos,
            message: e.message,
            kind,
            duplicate: e.duplicate,
        }
    }

    pub fn line(&self) -> Option<u32> {
        self.pos.map(|p| p.line).filter(|&l| l > 0)
    }

    pub fn hint(&self) -> &'static str {
        let too_large = self.message.contains("size") || self.message.contains("large");
        match self.kind {
            ErrorKind::Path => "check that the path exists and is readable",
            ErrorKind::Skipped => {
                "this path was not read; fix or remove the link, or name the file on the command line to read it"
            }
            ErrorKind::Read if too_large => "raise the limit with --max-file-size BYTES",
            ErrorKind::Read => "kubeward reads UTF-8 YAML or JSON text files",
            ErrorKind::Parse => "fix the YAML/JSON at this line; kubectl would reject it too",
            ErrorKind::Duplicate => {
                "keep one of the two: kubectl silently applies the last value, which is the one \
                 judged here, and the API server's strict field validation rejects the object"
            }
            ErrorKind::Template => {
                "the pod template does not match the Kubernetes API; fix the field at this line"
            }
            ErrorKind::NamespaceLevel => "use one of privileged, baseline, restricted",
            ErrorKind::NamespaceVersion => "use \"latest\" or \"v1.N\", e.g. v1.30",
            ErrorKind::Policy => {
                "fix the policy; the API server would refuse it, so it is left out"
            }
            ErrorKind::NoPolicy => {
                "pass files defining PodSecurityPolicies (policy/v1beta1) with --psp; without any, every pod is denied"
            }
        }
    }
}

/// What a scan streams to an output, in input order.
#[derive(Clone, Debug)]
pub enum Event {
    Workload(Box<WorkloadReport>),
    Resource(Box<ResourceReport>),
    Error(ScanError),
}

/// Most distinct skipped kinds tallied by name; the rest are counted under one key, so a
/// corpus of made-up kinds cannot grow the summary without bound.
const MAX_SKIPPED_KINDS: usize = 256;
pub const OTHER_KINDS: &str = "(other kinds)";

/// Totals over the whole scan.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub files: u64,
    pub resources: u64,
    pub workloads: u64,
    pub allowed: u64,
    pub denied: u64,
    pub skipped: BTreeMap<String, u64>,
    pub lints: u64,
    /// Findings suppressed by `kubeward.io/ignore` annotations.
    pub suppressed: u64,
    /// `--fail-on`: findings at or above it make the scan fail.
    pub fail_on: Option<Severity>,
    /// Findings at or above `fail_on`.
    pub failing: u64,
    pub errors: u64,
    /// Whether `--psp` asked for PodSecurityPolicy decisions.
    pub psp: bool,
    /// Workloads no PodSecurityPolicy admits.
    pub psp_denied: u64,
}

impl Summary {
    pub fn skip(&mut self, kind: &str, count: u64) {
        if let Some(n) = self.skipped.get_mut(kind) {
            *n += count;
        } else if self.skipped.len() < MAX_SKIPPED_KINDS {
            self.skipped.insert(kind.to_owned(), count);
        } else {
            *self.skipped.entry(OTHER_KINDS.to_owned()).or_default() += count;
        }
    }

    fn findings(&mut self, lints: &[LintFinding], suppressed: u64) {
        self.lints += lints.len() as u64;
        self.suppressed += suppressed;
        if let Some(threshold) = self.fail_on {
            self.failing += lints.iter().filter(|l| l.severity >= threshold).count() as u64;
        }
    }

    pub fn record(&mut self, event: &Event) {
        match event {
            Event::Resource(r) => self.findings(&r.lints, r.suppressed),
            Event::Workload(w) => {
                self.findings(&w.lints, w.suppressed);
                self.workloads += 1;
                if w.allowed {
                    self.allowed += 1;
                } else {
                    self.denied += 1;
                }
                if w.psp.as_ref().is_some_and(|p| !p.allowed) {
                    self.psp_denied += 1;
                }
            }
            Event::Error(_) => self.errors += 1,
        }
    }
}
