//! The human-readable report of `kubeward kubeconfig inspect`. Everything taken from the
//! kubeconfig or its certificates goes through [`safe`]: a control character in a name or
//! a certificate subject is shown escaped, not sent to the terminal.

use std::fmt;
use std::io::{self, Write};

use kubeward_identity::kubeconfig::{CertInfo, CertSet, Inspection, Severity, Source};
use owo_colors::OwoColorize;

use crate::output::escape::escaped;

/// A value from the input, control characters escaped.
fn safe(v: impl fmt::Display) -> String {
    escaped(&v.to_string()).to_string()
}

pub fn write(out: &mut impl Write, r: &Inspection, now: i64) -> io::Result<()> {
    for f in &r.files {
        match f.mode {
            Some(m) => writeln!(out, "file {} (mode {m:04o})", safe(f.path.display()))?,
            None => writeln!(out, "file {}", safe(f.path.display()))?,
        }
    }
    for s in &r.skipped {
        writeln!(out, "skipped {} (does not exist)", safe(s.display()))?;
    }
    writeln!(out, "\n{}", "contexts".bold())?;
    for c in &r.contexts {
        let mark = if c.current { "*" } else { " " };
        let ns = c
            .namespace
            .as_deref()
            .map(|n| format!(", namespace {}", safe(n)))
            .unwrap_or_default();
        writeln!(
            out,
            "{mark} {}: cluster {}, user {}{ns}",
            safe(&c.name),
            safe(&c.cluster),
            safe(&c.user)
        )?;
    }
    writeln!(out, "\n{}", "clusters".bold())?;
    for c in &r.clusters {
        writeln!(out, "  {}: {}", safe(&c.name), safe(&c.server))?;
        if c.insecure_skip_tls_verify {
            writeln!(out, "    insecure-skip-tls-verify: true")?;
        }
        for (k, v) in [
            ("tls-server-name", &c.tls_server_name),
            ("proxy-url", &c.proxy_url),
        ] {
            if let Some(v) = v {
                writeln!(out, "    {k}: {}", safe(v))?;
            }
        }
        match &c.certificate_authority {
            Some(set) => cert_set(out, "certificate authority", set, now)?,
            None => writeln!(out, "    certificate authority: none (system trust store)")?,
        }
    }
    writeln!(out, "\n{}", "users".bold())?;
    for u in &r.users {
        writeln!(out, "  {}:", safe(&u.name))?;
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
                safe(&k.key.algorithm),
                safe(&k.key.format),
                source(&k.source)
            )?;
        }
        if let Some(t) = &u.token {
            let who = t
                .user
                .as_deref()
                .map(|u| format!(", user {}", safe(u)))
                .unwrap_or_default();
            writeln!(
                out,
                "    token: {} token, {} characters (not shown){who}",
                safe(t.kind),
                t.length
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
            writeln!(out, "    basic auth: {}{pw}", safe(name))?;
        }
        if let Some(e) = &u.exec {
            writeln!(
                out,
                "    exec: {} {} ({})",
                safe(&e.command),
                safe(e.args.join(" ")),
                safe(&e.api_version)
            )?;
            if !e.env.is_empty() {
                writeln!(
                    out,
                    "      env: {} (values not shown)",
                    safe(e.env.join(", "))
                )?;
            }
        }
        if let Some(p) = &u.auth_provider {
            writeln!(out, "    auth-provider: {}", safe(p))?;
        }
        if let Some(who) = &u.impersonate {
            writeln!(
                out,
                "    impersonates {} groups [{}]",
                safe(who),
                safe(u.impersonate_groups.join(", "))
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
                safe(p.file.display()),
                safe(&p.field),
                safe(&p.message)
            )?;
            writeln!(out, "    hint: {}", safe(p.hint))?;
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
            safe(f.file.display()),
            safe(&f.field)
        )?;
        writeln!(out, "    {}", safe(&f.message))?;
        writeln!(out, "    fix: {}", safe(f.fix))?;
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
        Source::Embedded { field, .. } => safe(field),
        Source::File {
            path,
            mode: Some(m),
            ..
        } => format!("{} (mode {m:04o})", safe(path.display())),
        Source::File { path, .. } => safe(path.display()),
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
    writeln!(out, "      subject:   {}", safe(&c.subject))?;
    writeln!(out, "      issuer:    {}", safe(&c.issuer))?;
    writeln!(out, "      serial:    {}", safe(&c.serial))?;
    writeln!(
        out,
        "      validity:  {} to {} ({days} days left)",
        safe(&c.not_before),
        safe(&c.not_after)
    )?;
    if !c.subject_alt_names.is_empty() {
        writeln!(
            out,
            "      SANs:      {}",
            safe(c.subject_alt_names.join(", "))
        )?;
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
        safe(list(&c.key_usage)),
        safe(list(&c.extended_key_usage))
    )?;
    writeln!(
        out,
        "      key:       {} {} bits; signed with {}",
        safe(&c.public_key.algorithm),
        c.public_key.bits,
        safe(&c.signature_algorithm)
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
            "      identity:  user {}, groups [{}]",
            safe(user),
            safe(id.groups.join(", "))
        )?;
    }
    writeln!(out, "      sha256:    {}", safe(&c.sha256))
}
