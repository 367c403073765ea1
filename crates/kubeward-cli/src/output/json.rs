//! `--format json`: a stable contract. Results are written as they come; errors (bounded)
//! and the summary follow. Keys come out in the contract's order (file, line, apiVersion,
//! kind, …) because the records below are serialized field by field, borrowing from the
//! report rather than building a `serde_json::Value` per result.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::{MAX_LISTED_ERRORS, Output, end_document};
use crate::scan::model::{
    Event, Finding, LintFinding, ModeResult, Object, PspError, PspVerdict, ResourceReport,
    ScanError, Summary, WorkloadReport, severity_name,
};

pub struct JsonOutput<W: Write> {
    out: W,
    first: bool,
    errors: Vec<ScanError>,
}

impl<W: Write> JsonOutput<W> {
    pub fn new(mut out: W) -> io::Result<Self> {
        out.write_all(b"{\"results\":[")?;
        Ok(JsonOutput {
            out,
            first: true,
            errors: Vec::new(),
        })
    }
}

/// Line 0 means "unknown" inside kubeward; the contract says `null`.
fn line(l: Option<u32>) -> Option<u32> {
    l.filter(|&l| l > 0)
}

#[derive(Serialize)]
struct ViolationRecord<'a> {
    check: &'a str,
    reason: &'a str,
    detail: Option<&'a str>,
    path: Option<&'a str>,
    line: Option<u32>,
}

impl<'a> From<&'a Finding> for ViolationRecord<'a> {
    fn from(v: &'a Finding) -> Self {
        ViolationRecord {
            check: v.violation.check,
            reason: &v.violation.reason,
            detail: v.violation.detail.as_deref(),
            path: v.path.as_deref(),
            line: line(v.pos.map(|p| p.line)),
        }
    }
}

#[derive(Serialize)]
struct LintRecord<'a> {
    id: &'a str,
    severity: &'a str,
    message: &'a str,
    path: &'a str,
    line: Option<u32>,
}

impl<'a> From<&'a LintFinding> for LintRecord<'a> {
    fn from(l: &'a LintFinding) -> Self {
        LintRecord {
            id: l.id,
            severity: severity_name(l.severity),
            message: &l.message,
            path: &l.path,
            line: line(Some(l.pos.line)),
        }
    }
}

#[derive(Serialize)]
struct ModeRecord<'a> {
    policy: String,
    violations: Vec<ViolationRecord<'a>>,
}

impl<'a> From<&'a ModeResult> for ModeRecord<'a> {
    fn from(m: &'a ModeResult) -> Self {
        ModeRecord {
            policy: m.policy.to_string(),
            violations: m.violations.iter().map(Into::into).collect(),
        }
    }
}

#[derive(Serialize)]
struct PspErrorRecord<'a> {
    policy: Option<&'a str>,
    path: &'a str,
    message: &'a str,
}

/// `--psp` only: the same shape as `psp admit`'s `allowed`, `policy` and `errors`.
#[derive(Serialize)]
struct PspRecord<'a> {
    allowed: bool,
    policy: Option<&'a str>,
    errors: Vec<PspErrorRecord<'a>>,
}

impl<'a> From<&'a PspVerdict> for PspRecord<'a> {
    fn from(p: &'a PspVerdict) -> Self {
        PspRecord {
            allowed: p.allowed,
            policy: p.policy.as_deref(),
            errors: p
                .errors
                .iter()
                .map(|e: &'a PspError| PspErrorRecord {
                    policy: e.policy.as_deref(),
                    path: &e.path,
                    message: &e.message,
                })
                .collect(),
        }
    }
}

/// The keys every record opens with: the object and where it starts.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ObjectRecord<'a> {
    file: &'a str,
    line: Option<u32>,
    api_version: &'a str,
    kind: &'a str,
    namespace: Option<&'a str>,
    name: Option<&'a str>,
}

impl<'a> From<&'a Object> for ObjectRecord<'a> {
    fn from(o: &'a Object) -> Self {
        ObjectRecord {
            file: &o.file,
            line: line(Some(o.pos.line)),
            api_version: &o.api_version,
            kind: &o.kind,
            namespace: o.namespace.as_deref(),
            name: o.name.as_deref(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultRecord<'a> {
    #[serde(flatten)]
    object: ObjectRecord<'a>,
    policy: String,
    allowed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    exempt: Option<&'static str>,
    violations: Vec<ViolationRecord<'a>>,
    lints: Vec<LintRecord<'a>>,
    #[serde(skip_serializing_if = "is_zero")]
    suppressed: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    warn: Option<ModeRecord<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    audit: Option<ModeRecord<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    psp: Option<PspRecord<'a>>,
}

impl<'a> From<&'a WorkloadReport> for ResultRecord<'a> {
    fn from(w: &'a WorkloadReport) -> Self {
        ResultRecord {
            object: ObjectRecord::from(&w.object),
            policy: w.policy.to_string(),
            exempt: w.exempt,
            allowed: w.allowed,
            violations: w.violations.iter().map(Into::into).collect(),
            lints: w.lints.iter().map(Into::into).collect(),
            suppressed: w.suppressed,
            warn: w.warn.as_ref().map(Into::into),
            audit: w.audit.as_ref().map(Into::into),
            psp: w.psp.as_ref().map(Into::into),
        }
    }
}

/// A resource that is not a workload: the workload record's identity and `lints`,
/// without a Pod Security verdict.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResourceRecord<'a> {
    #[serde(flatten)]
    object: ObjectRecord<'a>,
    lints: Vec<LintRecord<'a>>,
    #[serde(skip_serializing_if = "is_zero")]
    suppressed: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl<'a> From<&'a ResourceReport> for ResourceRecord<'a> {
    fn from(r: &'a ResourceReport) -> Self {
        ResourceRecord {
            object: ObjectRecord::from(&r.object),
            lints: r.lints.iter().map(Into::into).collect(),
            suppressed: r.suppressed,
        }
    }
}

#[derive(Serialize)]
struct ErrorRecord<'a> {
    file: &'a str,
    line: Option<u32>,
    message: &'a str,
    /// A key set twice: its path and the line it was first set at (`line` is the second).
    #[serde(skip_serializing_if = "Option::is_none")]
    duplicate: Option<DuplicateRecord<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DuplicateRecord<'a> {
    path: &'a str,
    key: &'a str,
    first_line: u32,
}

impl<'a> From<&'a ScanError> for ErrorRecord<'a> {
    fn from(e: &'a ScanError) -> Self {
        ErrorRecord {
            file: &e.file,
            line: e.line(),
            message: &e.message,
            duplicate: e.duplicate.as_deref().map(|d| DuplicateRecord {
                path: &d.path,
                key: &d.key,
                first_line: d.first.line,
            }),
        }
    }
}

#[derive(Serialize)]
struct SummaryRecord<'a> {
    files: u64,
    resources: u64,
    workloads: u64,
    allowed: u64,
    denied: u64,
    skipped: &'a BTreeMap<String, u64>,
    lints: u64,
    #[serde(skip_serializing_if = "is_zero")]
    suppressed: u64,
    /// Findings at or above `--fail-on`, when it is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    failing: Option<u64>,
    errors: u64,
    #[serde(rename = "pspDenied", skip_serializing_if = "Option::is_none")]
    psp_denied: Option<u64>,
}

impl<W: Write> Output for JsonOutput<W> {
    fn event(&mut self, event: &Event) -> io::Result<()> {
        match event {
            Event::Workload(w) => {
                self.out
                    .write_all(if self.first { b"\n" } else { b",\n" })?;
                self.first = false;
                serde_json::to_writer(&mut self.out, &ResultRecord::from(&**w))?;
            }
            Event::Resource(r) => {
                self.out
                    .write_all(if self.first { b"\n" } else { b",\n" })?;
                self.first = false;
                serde_json::to_writer(&mut self.out, &ResourceRecord::from(&**r))?;
            }
            Event::Error(e) if self.errors.len() < MAX_LISTED_ERRORS => {
                self.errors.push(e.clone());
            }
            Event::Error(_) => {}
        }
        Ok(())
    }

    fn finish(&mut self, s: &Summary) -> io::Result<()> {
        let summary = SummaryRecord {
            files: s.files,
            resources: s.resources,
            workloads: s.workloads,
            allowed: s.allowed,
            denied: s.denied,
            skipped: &s.skipped,
            lints: s.lints,
            suppressed: s.suppressed,
            failing: s.fail_on.map(|_| s.failing),
            errors: s.errors,
            psp_denied: s.psp.then_some(s.psp_denied),
        };
        let errors: Vec<ErrorRecord> = self.errors.iter().map(Into::into).collect();
        end_document(
            &mut self.out,
            ("errors", &errors),
            ("summary", &summary),
            "}",
        )
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubeward_manifest::Pos;
    use kubeward_podsecurity::standards::{Level, PolicyVersion, Violation};

    #[test]
    fn result_keys_follow_the_contract_order() {
        let report = WorkloadReport {
            object: Object {
                file: "a.yaml".into(),
                pos: Pos { line: 3, col: 1 },
                api_version: "v1".into(),
                kind: "Pod".into(),
                namespace: None,
                name: Some("p".into()),
            },
            policy: crate::scan::model::Policy {
                level: Level::Baseline,
                version: PolicyVersion::Latest,
            },
            allowed: false,
            exempt: None,
            violations: vec![Finding {
                violation: Violation {
                    check: "privileged",
                    reason: "privileged".into(),
                    detail: None,
                    paths: vec![],
                },
                path: None,
                pos: None,
            }],
            lints: vec![],
            suppressed: 0,
            message: None,
            warn: None,
            audit: None,
            psp: None,
        };
        let text = serde_json::to_string(&ResultRecord::from(&report)).unwrap();
        assert_eq!(
            text,
            r#"{"file":"a.yaml","line":3,"apiVersion":"v1","kind":"Pod","namespace":null,"name":"p","policy":"baseline:latest","allowed":false,"violations":[{"check":"privileged","reason":"privileged","detail":null,"path":null,"line":null}],"lints":[]}"#
        );
    }
}
