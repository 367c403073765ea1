//! Human-readable report: grouped by resource, colour only where the stream supports it.
//! Every value that comes from an input is written through [`escaped`], so a control
//! character in a manifest cannot act on the terminal.

use std::io::{self, BufWriter, Write};

use anstream::{AutoStream, ColorChoice};
use owo_colors::OwoColorize;

use super::escape::{escape_into, escaped};
use super::{Output, object_name};
use crate::scan::model::{
    Event, LintFinding, ResourceReport, ScanError, Summary, WorkloadReport, severity_name,
};

pub struct TextOutput {
    out: BufWriter<AutoStream<io::StdoutLock<'static>>>,
    err: AutoStream<io::StderrLock<'static>>,
    quiet: bool,
}

impl TextOutput {
    pub fn new(color: ColorChoice, quiet: bool) -> Self {
        TextOutput {
            out: BufWriter::new(AutoStream::new(io::stdout().lock(), color)),
            err: AutoStream::new(io::stderr().lock(), color),
            quiet,
        }
    }
}

fn location(file: &str, line: Option<u32>) -> String {
    match line.filter(|&l| l > 0) {
        Some(l) => format!("{}:{l}", escaped(file)),
        None => escaped(file).to_string(),
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn write_workload(out: &mut impl Write, w: &WorkloadReport) -> io::Result<()> {
    let verdict = if w.allowed {
        format!("{}", "allowed".green())
    } else {
        format!("{}", "DENIED".red().bold())
    };
    let decided = match w.exempt {
        Some(why) => format!("{verdict}, exempt by {why}"),
        None => format!("{verdict} by {}", w.policy),
    };
    writeln!(
        out,
        "{} {} {} — {decided}",
        location(&w.object.file, Some(w.object.pos.line)).bold(),
        escaped(&w.object.kind),
        escaped(&object_name(
            w.object.namespace.as_deref(),
            w.object.name.as_deref()
        ))
        .bold(),
    )?;
    for v in &w.violations {
        writeln!(
            out,
            "  {}  {}  {}",
            location(&w.object.file, v.pos.map(|p| p.line)).dimmed(),
            v.violation.check.red(),
            escaped(&v.violation.long_form())
        )?;
    }
    write_lints(out, &w.object.file, &w.lints, w.suppressed)?;
    if let Some(message) = &w.message {
        writeln!(out, "  {}", escaped(message).italic())?;
    }
    for (mode, result) in [("warn", &w.warn), ("audit", &w.audit)] {
        if let Some(m) = result {
            writeln!(out, "  {}: {}", mode.yellow(), escaped(&m.message).italic())?;
        }
    }
    if let Some(psp) = &w.psp {
        match (&psp.policy, &psp.message) {
            (Some(policy), _) if psp.allowed => writeln!(
                out,
                "  PodSecurityPolicy: {} by {}",
                "allowed".green(),
                escaped(&format!("{policy:?}"))
            )?,
            (_, message) => writeln!(
                out,
                "  PodSecurityPolicy: {}: {}",
                "DENIED".red().bold(),
                escaped(message.as_deref().unwrap_or("no policy admits the pod")).italic()
            )?,
        }
    }
    Ok(())
}

fn write_lints(
    out: &mut impl Write,
    file: &str,
    lints: &[LintFinding],
    suppressed: u64,
) -> io::Result<()> {
    for l in lints {
        let severity = match severity_name(l.severity) {
            name @ "error" => format!("{}", name.red()),
            name @ "warning" => format!("{}", name.yellow()),
            name => format!("{}", name.blue()),
        };
        writeln!(
            out,
            "  {}  {}  {severity}  {}",
            location(file, Some(l.pos.line)).dimmed(),
            l.id.yellow(),
            escaped(&l.message)
        )?;
    }
    if suppressed > 0 {
        writeln!(
            out,
            "  {}",
            format!(
                "{} suppressed by kubeward.io/ignore",
                plural(suppressed, "finding", "findings")
            )
            .dimmed()
        )?;
    }
    Ok(())
}

/// A resource that is not a workload, with its findings.
pub fn write_resource(out: &mut impl Write, r: &ResourceReport) -> io::Result<()> {
    writeln!(
        out,
        "{} {} {}",
        location(&r.object.file, Some(r.object.pos.line)).bold(),
        escaped(&r.object.kind),
        escaped(&object_name(
            r.object.namespace.as_deref(),
            r.object.name.as_deref()
        ))
        .bold(),
    )?;
    write_lints(out, &r.object.file, &r.lints, r.suppressed)
}

pub fn write_error(err: &mut impl Write, e: &ScanError) -> io::Result<()> {
    writeln!(
        err,
        "{}: {}: {}",
        "error".red().bold(),
        location(&e.file, e.line()),
        escaped(&e.message)
    )?;
    writeln!(err, "  {}: {}", "hint".cyan(), e.hint())
}

pub fn write_summary(out: &mut impl Write, s: &Summary) -> io::Result<()> {
    if !s.skipped.is_empty() {
        let kinds: Vec<String> = s
            .skipped
            .iter()
            .map(|(k, n)| format!("{n} {}", escaped(k)))
            .collect();
        let total = s.skipped.values().sum();
        writeln!(
            out,
            "skipped {}: {} (not workloads, and no RBAC, exposure, hygiene or secrets check \
             reads these kinds; a workload kind shown with its apiVersion is under a group it \
             is not served from)",
            plural(total, "resource", "resources"),
            kinds.join(", ")
        )?;
    }
    let denied = format!("{} denied", s.denied);
    let denied = if s.denied > 0 {
        format!("{}", denied.red().bold())
    } else {
        denied
    };
    let psp = if s.psp {
        format!("; {} denied by PodSecurityPolicy", s.psp_denied)
    } else {
        String::new()
    };
    let suppressed = if s.suppressed > 0 {
        format!(" ({} suppressed)", s.suppressed)
    } else {
        String::new()
    };
    let failing = match s.fail_on {
        Some(threshold) => format!(" ({} at or above {threshold})", s.failing),
        None => String::new(),
    };
    writeln!(
        out,
        "{}: {} allowed, {denied}{psp}; {}{failing}{suppressed}; {} in {}",
        plural(s.workloads, "workload", "workloads"),
        s.allowed,
        plural(s.lints, "finding", "findings"),
        plural(s.errors, "error", "errors"),
        plural(s.files, "file", "files"),
    )
}

/// An error that stopped the command: `error: ...` with its causes (and the lines of
/// hint they carry), control characters escaped.
pub fn write_fatal(err: &mut impl Write, e: &anyhow::Error) -> io::Result<()> {
    let mut text = String::new();
    // Writing into a String cannot fail.
    let _ = escape_into(&mut text, &format!("{e:#}"), true);
    writeln!(err, "{}: {text}", "error".red().bold())
}

impl Output for TextOutput {
    fn event(&mut self, event: &Event) -> io::Result<()> {
        match event {
            Event::Workload(w) if !self.quiet => write_workload(&mut self.out, w),
            Event::Resource(r) if !self.quiet => write_resource(&mut self.out, r),
            Event::Workload(_) | Event::Resource(_) => Ok(()),
            Event::Error(e) => {
                // Keep stdout and stderr in order on a shared terminal.
                self.out.flush()?;
                write_error(&mut self.err, e)
            }
        }
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        write_summary(&mut self.out, summary)?;
        self.out.flush()
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
