//! `kubeward controlplane check`: load the node's files, run the benchmark tables,
//! report as text or JSON.

use crate::exit::ExitStatus;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use kubeward_controlplane::cis::{
    self, Finding, Inputs, KubeletInputs, KubeletOptions, Paths, Severity, Status,
};
use kubeward_controlplane::flags::{Component, Manifests, load_manifests};
use serde_json::json;

use super::{CheckArgs, fatal};
use crate::cmd::io::write_json as write_document;
use crate::format::Format;
use crate::hint::hinted;
use kubeward_report::Hint as _;

const DEFAULT_KUBELET_CONFIG: &str = "/var/lib/kubelet/config.yaml";

pub fn run(args: &CheckArgs) -> anyhow::Result<ExitStatus> {
    let limits = args.limit.limits();
    let manifests = load_manifests(&args.manifests, &limits).map_err(|e| fatal(&e))?;
    let mut errors: Vec<(String, String)> = manifests
        .errors
        .iter()
        .map(|e| (e.to_string(), e.hint().to_owned()))
        .collect();

    let kubernetes_dir = args.kubernetes_dir.clone().unwrap_or_else(|| {
        args.manifests
            .parent()
            .map_or_else(|| PathBuf::from("/etc/kubernetes"), Path::to_path_buf)
    });
    let mut paths = Paths::kubeadm(kubernetes_dir);
    if let Some(pki) = &args.pki {
        paths.pki = pki.clone();
    }
    paths.kubelet_service = args.kubelet_service.clone();
    paths.proxy_kubeconfig = args.proxy_kubeconfig.clone();
    if !args.cni_dirs.is_empty() {
        paths.cni_dirs = args.cni_dirs.clone();
    }
    paths.kubelet_config = args
        .kubelet_config
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_KUBELET_CONFIG));
    paths.root = args.host_root.clone();
    paths.proc = args.proc_root.clone();
    let options = KubeletOptions {
        flags_file: args.kubelet_flags.clone(),
        config_explicit: args.kubelet_config.is_some(),
    };
    let kubelet = cis::load_kubelet(&paths, &options, &limits);
    errors.extend(
        kubelet
            .errors
            .iter()
            .map(|e| (e.to_string(), e.hint().to_owned())),
    );

    let inputs = Inputs {
        manifests: &manifests,
        limits,
        kubelet: &kubelet,
        paths: &paths,
    };
    let findings = cis::run(&inputs);
    let fail_on = args.fail_on;
    let failed = findings
        .iter()
        .any(|f| f.status == Status::Fail && f.severity >= fail_on);

    match args.format {
        Format::Json => {
            let mut out = io::stdout().lock();
            write_json(&mut out, &manifests, &kubelet, &findings, &errors, fail_on)?;
            out.flush()?;
        }
        Format::Text | Format::Sarif => {
            let mut out = crate::output::escape::stdout();
            write_text(&mut out, &manifests, &kubelet, &findings, fail_on)?;
            out.flush()?;
        }
    }
    let mut err = crate::output::escape::stderr();
    for (message, hint) in &errors {
        writeln!(err, "error: {}", hinted(message, hint))?;
    }
    Ok(ExitStatus::judge(!errors.is_empty(), failed))
}

fn counts(findings: &[Finding]) -> [(Status, usize); 4] {
    [Status::Pass, Status::Fail, Status::Warn, Status::Skip]
        .map(|s| (s, findings.iter().filter(|f| f.status == s).count()))
}

fn write_json(
    out: &mut impl Write,
    manifests: &Manifests,
    kubelet: &KubeletInputs,
    findings: &[Finding],
    errors: &[(String, String)],
    fail_on: Severity,
) -> io::Result<()> {
    let components: Vec<_> = Component::ALL
        .iter()
        .map(|&c| {
            let pod = manifests.get(c);
            json!({
                "component": c.name(),
                "file": pod.map(|p| p.file.to_string()),
                "container": pod.map(|p| p.container.clone()),
            })
        })
        .collect();
    let summary: serde_json::Map<String, serde_json::Value> = counts(findings)
        .iter()
        .map(|(s, n)| (s.as_str().to_owned(), json!(n)))
        .collect();
    let doc = json!({
        "manifests": manifests.dir.display().to_string(),
        "components": components,
        "kubeletConfig": kubelet.config.as_ref().ok().map(|k| k.file.to_string()),
        "kubeletFlags": kubelet.flags.as_ref().ok().map(|f| f.source.describe()),
        "failOn": fail_on,
        "findings": findings,
        "summary": summary,
        "errors": errors.iter().map(|(m, h)| json!({"message": m, "hint": h})).collect::<Vec<_>>(),
    });
    write_document(&mut *out, &doc)?;
    writeln!(out)
}

fn write_text(
    out: &mut impl Write,
    manifests: &Manifests,
    kubelet: &KubeletInputs,
    findings: &[Finding],
    fail_on: Severity,
) -> io::Result<()> {
    for c in Component::ALL {
        match manifests.get(c) {
            Some(p) => writeln!(out, "{:<24} {}", c.name(), p.file)?,
            None => writeln!(out, "{:<24} (no manifest)", c.name())?,
        }
    }
    match &kubelet.config {
        Ok(k) => writeln!(out, "{:<24} {}", "kubelet", k.file)?,
        Err(why) => writeln!(out, "{:<24} ({why})", "kubelet")?,
    }
    match &kubelet.flags {
        Ok(f) => writeln!(out, "{:<24} {}", "kubelet flags", f.source.describe())?,
        Err(why) => writeln!(out, "{:<24} ({why})", "kubelet flags")?,
    }
    writeln!(out)?;
    for f in findings {
        let tag = match f.status {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Warn => "WARN",
            Status::Skip => "SKIP",
        };
        writeln!(
            out,
            "[{tag}] {:<7} {:<8} {:<23} {}",
            f.id,
            f.severity.as_str(),
            f.component,
            f.title
        )?;
        writeln!(out, "       found: {}", f.found)?;
        if matches!(f.status, Status::Fail | Status::Warn) {
            if let Some(file) = &f.file {
                writeln!(out, "       at:    {file}")?;
            }
            writeln!(out, "       fix:   {}", f.remediation)?;
        }
    }
    let [pass, fail, warn, skip] = counts(findings).map(|(_, n)| n);
    let blocking = findings
        .iter()
        .filter(|f| f.status == Status::Fail && f.severity >= fail_on)
        .count();
    writeln!(
        out,
        "\n{pass} passed, {fail} failed ({blocking} at or above {fail_on}), {warn} to review, {skip} skipped"
    )
}
