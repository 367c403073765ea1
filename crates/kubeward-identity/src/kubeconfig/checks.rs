//! The checks behind the findings, fed by [`super::inspect`] one field at a time: one
//! submodule per theme, each rule's [`RuleMeta`] declared beside the check that raises it.

mod certs;
mod credentials;
mod files;
mod server;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use x509_parser::certificate::X509Certificate;

use super::cert::{CertInfo, Parsed};
use kubeward_report::RuleMeta;

use super::findings::{Finding, Problem};
use super::load::{Kubeconfig, Named};
use super::material::Source;
use super::model::{AuthInfo, Cluster, Context};
use crate::names::SYSTEM_MASTERS;

/// kubeadm renews at 1 year; 30 days is the window the issue asks to flag.
const EXPIRY_WARNING_SECS: i64 = 30 * 24 * 3600;

pub(crate) struct Checker {
    now: i64,
    pub findings: Vec<Finding>,
    pub problems: Vec<Problem>,
    /// (user, cluster) pairs already chain-checked: several contexts may share one.
    chained: HashSet<(String, String)>,
}

fn field_path<T>(section: &str, entry: &Named<T>, field: &str) -> String {
    format!("{section}[{}].{field}", entry.name)
}

impl Checker {
    pub fn new(now: i64) -> Self {
        Checker {
            now,
            findings: Vec::new(),
            problems: Vec::new(),
            chained: HashSet::new(),
        }
    }

    fn push<T>(
        &mut self,
        rule: RuleMeta,
        entry: &Named<T>,
        section: &str,
        field: &str,
        message: String,
    ) {
        self.findings.push(Finding::new(
            rule,
            message,
            entry.origin.to_path_buf(),
            Some(entry.line_of(field)),
            field_path(section, entry, field),
        ));
    }

    pub fn problem<T>(
        &mut self,
        entry: &Named<T>,
        section: &str,
        source: &Source,
        message: String,
    ) {
        let field = source.field();
        let hint = if field.ends_with("-data") {
            "a `*-data` field holds base64 of the PEM text: regenerate it with `base64 -w0 < file.pem`"
        } else {
            "the file must hold PEM text (a CERTIFICATE or a PRIVATE KEY block); check the path"
        };
        self.problems.push(Problem {
            file: entry.origin.to_path_buf(),
            line: Some(entry.line_of(field)),
            field: field_path(section, entry, field),
            message,
            hint,
        });
    }
}

/// Every rule, in id order.
pub fn rules() -> &'static [RuleMeta] {
    &[
        certs::SYSTEM_MASTERS_CERT,
        certs::EXPIRED,
        certs::EXPIRING,
        certs::NOT_YET_VALID,
        certs::NOT_SIGNED_BY_CA,
        certs::KEY_MISMATCH,
        server::INSECURE_SKIP_TLS_VERIFY,
        credentials::STATIC_TOKEN,
        credentials::BASIC_AUTH,
        credentials::EXEC_PLUGIN,
        files::MISSING_FILE,
        files::SECRET_READABLE,
        files::WORLD_READABLE,
        server::PLAINTEXT_SERVER,
        certs::NO_CLIENT_AUTH_EKU,
    ]
}
