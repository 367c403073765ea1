//! `--format json`: a stable contract. Results are written as they come; errors (bounded)
//! and the summary follow.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::{MAX_LISTED_ERRORS, Output};
use crate::scan::model::{
    Event, Finding, ModeResult, ScanError, Summary, WorkloadReport, severity_name,
};

pub struct JsonOutput<W: Write> {
    out: W,
    first: bool,
    errors: Vec<Value>,
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

fn line(l: Option<u32>) -> Value {
    l.filter(|&l| l > 0).map_or(Value::Null, Value::from)
}

fn violations(findings: &[Finding]) -> Value {
    findings
        .iter()
        .map(|v| {
            json!({
                "check": v.violation.check,
                "reason": v.violation.reason,
                "detail": v.violation.detail,
                "path": v.path,
                "line": line(v.pos.map(|p| p.line)),
            })
        })
        .collect()
}

fn mode(m: &ModeResult) -> Value {
    json!({"policy": m.policy.to_string(), "violations": violations(&m.violations)})
}

pub fn workload(w: &WorkloadReport) -> Value {
    let lints: Value = w
        .lints
        .iter()
        .map(|l| {
            json!({
                "id": l.id,
                "severity": severity_name(l.severity),
                "message": l.message,
                "path": l.path,
                "line": line(Some(l.pos.line)),
            })
        })
        .collect();
    let mut v = json!({
        "file": &*w.file,
        "line": line(Some(w.pos.line)),
        "apiVersion": w.api_version,
        "kind": w.kind,
        "namespace": w.namespace,
        "name": w.name,
        "policy": w.policy.to_string(),
        "allowed": w.allowed,
        "violations": violations(&w.violations),
        "lints": lints,
    });
    if let Some(obj) = v.as_object_mut() {
        if let Some(m) = &w.warn {
            obj.insert("warn".into(), mode(m));
        }
        if let Some(m) = &w.audit {
            obj.insert("audit".into(), mode(m));
        }
    }
    v
}

pub fn error(e: &ScanError) -> Value {
    json!({"file": &*e.file, "line": line(e.line()), "message": e.message})
}

impl<W: Write> Output for JsonOutput<W> {
    fn event(&mut self, event: &Event) -> io::Result<()> {
        match event {
            Event::Workload(w) => {
                self.out
                    .write_all(if self.first { b"\n" } else { b",\n" })?;
                self.first = false;
                serde_json::to_writer(&mut self.out, &workload(w))?;
            }
            Event::Error(e) if self.errors.len() < MAX_LISTED_ERRORS => {
                self.errors.push(error(e));
            }
            Event::Error(_) => {}
        }
        Ok(())
    }

    fn finish(&mut self, s: &Summary) -> io::Result<()> {
        let summary = json!({
            "files": s.files,
            "resources": s.resources,
            "workloads": s.workloads,
            "allowed": s.allowed,
            "denied": s.denied,
            "skipped": s.skipped,
            "lints": s.lints,
            "errors": s.errors,
        });
        let errors = std::mem::take(&mut self.errors);
        write!(self.out, "\n],\"errors\":")?;
        serde_json::to_writer(&mut self.out, &errors)?;
        write!(self.out, ",\"summary\":")?;
        serde_json::to_writer(&mut self.out, &summary)?;
        writeln!(self.out, "}}")?;
        self.out.flush()
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
