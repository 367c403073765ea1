//! The human-readable report of `kubeward kubeconfig inspect`.

use std::io::{self, Write};

use kubeward_identity::kubeconfig::{CertInfo, CertSet, Inspection, Severity, Source};
use owo_colors::OwoColorize;

pub fn write(out: &mut impl Write, r: &Inspection, now: i64) -> io::Result<()> {
    for f in &r.files {
        match f.mode {
            Some(m) => writeln!(out, "file {} (mode {m:04o})", f.path.display())?,
            None => writeln!(out, "file {}", f.path.display())?,
        }
    }
    for s in &r.skipped {
        writeln!(out, "skipped {} (does not exist)", s.display())?;
    }
    writeln!(out, "\n{}", "contexts".bold())?;
    for c in &r.contexts {
        let mark = if c.current { "*" } else { " " };
        let ns = c
            .namespace
            .as_deref()
            .map(|n| format!(", namespace {n}"))
            .unwrap_or_default();
        writeln!(
            out,
            "{mark} {}: cluster {}, user {}{ns}",
            c.name, c.cluster, c.user
        )?;
    }
    writeln!(out, "\n{}", "clusters".bold())?;
    for c in &r.clusters {
        writeln!(out, "  {}: {}", c.name, c.server)?;
        if c.insecure_skip_tls_verify {
            writeln!(out, "    insecure-skip-tls-verify: true")?;
        }
        for (k, v) in [
            ("tls-server-name", &c.tls_server_name),
            ("proxy-url", &c.proxy_url),
        ] {
            if let Some(v) = v {
                writeln!(out, "    {k}: {v}")?;
            }
        }
        match &c.certificate_authority {
            Some(set) => cert_set(out, "certificate authority", set, now)?,
            None => writeln!(out, "    certificate authority: none (system trust store)")?,
        }
    }
    writeln!(out, "\n{}", "users".bold())?;
    for u in &r.users {
        writeln!(out, "  {}:", u.name)?;
        if let Some(set) = &u.client_certificate {
            cert_set(out, "client certificate", set, now)?;
        }
        if let Some(k) = &u.client_key {
            let m = match k.matches_certificate {
                Some(true) => "matches the certificate",
                Some(false) => "does NOT match the certificate",
                None => "not checked against a certificate",
            };
            writeln!(
                out,
                "    client key: {} {} from {}; {m}",
                k.key.algorithm,
                k.key.format,
                source(&k.source)
            )?;
        }
        if let Some(t) = &u.token {
            let who = t
                .user
                .as_deref()
                .map(|u| format!(", user {u}"))
                .unwrap_or_default();
            writeln!(
                out,
                "    token: {} token, {} characters (not shown){who}",
                t.kind, t.length
            )?;
        }
        if let Some(s) = &u.token_file {
            writeln!(out, "    token file: {}", source(s))?;
        }
        if let Some(name) = &u.username {
            let pw = if u.has_password {
                " with a password (not shown)"
            } else {
                ""
            };
            writeln!(out, "    basic auth: {name}{pw}")?;
        }
        if let Some(e) = &u.exec {
            writeln!(
                out,
                "    exec: {} {} ({})",
                e.command,
                e.args.join(" "),
                e.api_version
            )?;
            if !e.env.is_empty() {
                writeln!(out, "      env: {} (values not shown)", e.env.join(", "))?;
            }
        }
        if let Some(p) = &u.auth_provider {
            writeln!(out, "    auth-provider: {p}")?;
        }
        if let Some(who) = &u.impersonate {
            writeln!(
                out,
                "    impersonates {who} groups [{}]",
                u.impersonate_groups.join(", ")
            )?;
        }
    }
    if !r.problems.is_empty() {
        writeln!(out, "\n{}", "errors".red().bold())?;
        for p in &r.problems {
            let line = p.line.map(|l| format!(":{l}")).unwrap_or_default();
            writeln!(
                out,
                "  {}{line}: {}: {}",
                p.file.display(),
                p.field,
                p.message
            )?;
            writeln!(out, "    hint: {}", p.hint)?;
        }
    }
    writeln!(out, "\n{}", "findings".bold())?;
    let mut findings: Vec<_> = r.findings.iter().collect();
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    for f in &findings {
        let line = f.line.map(|l| format!(":{l}")).unwrap_or_default();
        writeln!(
            out,
            "  {} [{}] {}{line} {}",
            f.id,
            severity(f.severity),
            f.file.display(),
            f.field
        )?;
        writeln!(out, "    {}", f.message)?;
        writeln!(out, "    fix: {}", f.fix)?;
    }
    writeln!(
        out,
        "{} findings, {} errors",
        findings.len(),
        r.problems.len()
    )
}

fn severity(s: Severity) -> String {
    match s {
        Severity::Critical | Severity::High => s.as_str().red().bold().to_string(),
        Severity::Medium => s.as_str().yellow().to_string(),
        Severity::Low | Severity::Info => s.as_str().to_string(),
    }
}

fn source(s: &Source) -> String {
    match s {
        Source::Embedded { field, .. } => field.clone(),
        Source::File {
            path,
            mode: Some(m),
            ..
        } => format!("{} (mode {m:04o})", path.display()),
        Source::File { path, .. } => path.display().to_string(),
    }
}

fn cert_set(out: &mut impl Write, what: &str, set: &CertSet, now: i64) -> io::Result<()> {
    writeln!(out, "    {what} from {}:", source(&set.source))?;
    for c in &set.certificates {
        cert(out, c, now)?;
    }
    Ok(())
}

fn cert(out: &mut impl Write, c: &CertInfo, now: i64) -> io::Result<()> {
    let days = c.not_after_unix.saturating_sub(now) / 86_400;
    writeln!(out, "      subject:   {}", c.subject)?;
    writeln!(out, "      issuer:    {}", c.issuer)?;
    writeln!(out, "      serial:    {}", c.serial)?;
    writeln!(
        out,
        "      validity:  {} to {} ({days} days left)",
        c.not_before, c.not_after
    )?;
    if !c.subject_alt_names.is_empty() {
        writeln!(out, "      SANs:      {}", c.subject_alt_names.join(", "))?;
    }
    let list = |v: &[String]| {
        if v.is_empty() {
            "-".to_owned()
        } else {
            v.join(", ")
        }
    };
    writeln!(
        out,
        "      key usage: {}; extended: {}",
        list(&c.key_usage),
        list(&c.extended_key_usage)
    )?;
    writeln!(
        out,
        "      key:       {} {} bits; signed with {}",
        c.public_key.algorithm, c.public_key.bits, c.signature_algorithm
    )?;
    if c.is_ca {
        writeln!(out, "      CA:        yes")?;
    } else {
        let id = &c.identity;
        let user = id
            .user
            .as_deref()
            .unwrap_or("(no CN: not authenticated by this certificate)");
        writeln!(
            out,
            "      identity:  user {user}, groups [{}]",
            id.groups.join(", ")
        )?;
    }
    writeln!(out, "      sha256:    {}", c.sha256)
}
