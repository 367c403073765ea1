//! The cluster entry: how the API server is reached.

use kubeward_report::{RuleMeta, Severity};

use super::*;

/// KC007.
pub(crate) const INSECURE_SKIP_TLS_VERIFY: RuleMeta = RuleMeta {
    id: "KC007",
    title: "insecure-skip-tls-verify",
    severity: Severity::High,
    fix: "remove `insecure-skip-tls-verify` and set `certificate-authority-data` to the cluster CA (`kubectl config set-cluster NAME --certificate-authority=ca.crt --embed-certs`)",
};

/// KC014.
pub(crate) const PLAINTEXT_SERVER: RuleMeta = RuleMeta {
    id: "KC014",
    title: "plaintext-http-server",
    severity: Severity::Medium,
    fix: "use the API server's https:// endpoint; over http:// tokens and passwords travel in clear text",
};

impl Checker {
    pub fn cluster(&mut self, c: &Named<Cluster>) {
        if c.value.insecure_skip_tls_verify {
            let m = format!(
                "cluster {} does not verify the API server's certificate: anyone on the path can impersonate it and collect the credentials sent to it",
                c.name
            );
            self.push(
                INSECURE_SKIP_TLS_VERIFY,
                c,
                "clusters",
                "insecure-skip-tls-verify",
                m,
            );
        }
        if c.value.server.to_ascii_lowercase().starts_with("http://") {
            let m = format!(
                "cluster {} is reached over plain HTTP ({})",
                c.name, c.value.server
            );
            self.push(PLAINTEXT_SERVER, c, "clusters", "server", m);
        }
    }
}
