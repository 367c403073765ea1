//! Certificates: validity, identity, usage, key pairing and the chain to the cluster CA.

use kubeward_report::{RuleMeta, Severity};

use super::*;

/// KC002.
pub(crate) const EXPIRED: RuleMeta = RuleMeta {
    id: "KC002",
    title: "certificate-expired",
    severity: Severity::High,
    fix: "renew the certificate (kubeadm: `kubeadm certs renew`) and replace it in the kubeconfig",
};

/// KC003.
pub(crate) const EXPIRING: RuleMeta = RuleMeta {
    id: "KC003",
    title: "certificate-expiring-soon",
    severity: Severity::Medium,
    fix: "renew the certificate before it expires (kubeadm: `kubeadm certs check-expiration`, then `kubeadm certs renew`)",
};

/// KC004.
pub(crate) const NOT_YET_VALID: RuleMeta = RuleMeta {
    id: "KC004",
    title: "certificate-not-yet-valid",
    severity: Severity::Medium,
    fix: "check the clocks of the issuing machine and this one; reissue the certificate with a correct notBefore",
};

/// KC001.
pub(crate) const SYSTEM_MASTERS_CERT: RuleMeta = RuleMeta {
    id: "KC001",
    title: "system-masters-certificate",
    severity: Severity::Critical,
    fix: "issue a certificate without O=system:masters and grant it a revocable RBAC binding (kubeadm 1.29+: O=kubeadm:cluster-admins); keep super-admin.conf offline",
};

/// KC015.
pub(crate) const NO_CLIENT_AUTH_EKU: RuleMeta = RuleMeta {
    id: "KC015",
    title: "client-certificate-without-clientauth",
    severity: Severity::Medium,
    fix: "reissue the certificate with extended key usage clientAuth; the API server rejects it as a client certificate",
};

/// KC006.
pub(crate) const KEY_MISMATCH: RuleMeta = RuleMeta {
    id: "KC006",
    title: "key-does-not-match-certificate",
    severity: Severity::High,
    fix: "pair the certificate with the key it was issued for; `kubeward kubeconfig extract` both and compare, or reissue",
};

/// KC005.
pub(crate) const NOT_SIGNED_BY_CA: RuleMeta = RuleMeta {
    id: "KC005",
    title: "client-certificate-not-signed-by-cluster-ca",
    severity: Severity::High,
    fix: "use a client certificate issued by the cluster's CA, or correct `certificate-authority(-data)` if it names the wrong CA",
};

impl Checker {
    pub fn certificate<T>(
        &mut self,
        entry: &Named<T>,
        section: &str,
        source: &Source,
        c: &CertInfo,
        client_leaf: bool,
    ) {
        let field = source.field();
        let subject = &c.subject;
        let left = c.not_after_unix.saturating_sub(self.now);
        if left <= 0 {
            let m = format!("certificate {subject} expired on {}", c.not_after);
            self.push(EXPIRED, entry, section, field, m);
        } else if self.now < c.not_before_unix {
            let m = format!("certificate {subject} is not valid before {}", c.not_before);
            self.push(NOT_YET_VALID, entry, section, field, m);
        } else if left < EXPIRY_WARNING_SECS {
            let m = format!(
                "certificate {subject} expires on {} ({} days left)",
                c.not_after,
                left / 86_400
            );
            self.push(EXPIRING, entry, section, field, m);
        }
        if !client_leaf {
            return;
        }
        if c.identity.groups.iter().any(|g| g == SYSTEM_MASTERS) {
            let user = c.identity.user.as_deref().unwrap_or("(no CN)");
            let life = if left > 0 {
                format!(
                    "valid for {} more days, until {}",
                    left / 86_400,
                    c.not_after
                )
            } else {
                "expired".to_owned()
            };
            let m = format!(
                "client certificate of {user} is in group {SYSTEM_MASTERS}: it bypasses RBAC and cannot be revoked short of rotating the cluster CA ({life})"
            );
            self.push(SYSTEM_MASTERS_CERT, entry, section, field, m);
        }
        let eku = &c.extended_key_usage;
        if !eku.is_empty() && !eku.iter().any(|e| e == "clientAuth" || e == "any") {
            let m = format!(
                "client certificate {subject} lacks extended key usage clientAuth (has {})",
                eku.join(", ")
            );
            self.push(NO_CLIENT_AUTH_EKU, entry, section, field, m);
        }
    }

    pub fn key_mismatch(&mut self, u: &Named<AuthInfo>, source: &Source) {
        let m = format!(
            "the private key of user {} is not the key of its client certificate: TLS will fail",
            u.name
        );
        self.push(KEY_MISMATCH, u, "users", source.field(), m);
    }

    /// Whether the client certificate chains to the CA of the context's cluster.
    pub fn chain(
        &mut self,
        ctx: &Named<Context>,
        u: &Named<AuthInfo>,
        certs: &[Parsed],
        cas: &[Parsed],
    ) {
        if certs.is_empty() || cas.is_empty() {
            return;
        }
        if !self
            .chained
            .insert((ctx.value.user.clone(), ctx.value.cluster.clone()))
        {
            return;
        }
        if chains_to(certs, cas) {
            return;
        }
        let field = if u
            .value
            .client_certificate_data
            .as_deref()
            .is_some_and(|d| !d.is_empty())
        {
            "client-certificate-data"
        } else {
            "client-certificate"
        };
        let m = format!(
            "the client certificate of user {} is not signed by the CA of cluster {} (context {}); if the API server trusts that CA only, it will reject this certificate",
            u.name, ctx.value.cluster, ctx.name
        );
        self.push(NOT_SIGNED_BY_CA, u, "users", field, m);
    }
}

/// Leaf, then the extra certificates of the client field as intermediates, up to any CA of
/// the bundle; each link is an issuer-name match and a signature ring verifies.
fn chains_to(certs: &[Parsed], cas: &[Parsed]) -> bool {
    let chain = parse_all(certs);
    let anchors = parse_all(cas);
    let Some((leaf, intermediates)) = chain.split_first() else {
        return false;
    };
    let mut current = leaf;
    for _ in 0..=intermediates.len() {
        if anchors.iter().any(|a| issued(current, a)) {
            return true;
        }
        match intermediates
            .iter()
            .find(|i| i.is_ca() && issued(current, i))
        {
            Some(next) => current = next,
            None => return false,
        }
    }
    false
}

fn parse_all(p: &[Parsed]) -> Vec<X509Certificate<'_>> {
    p.iter()
        .filter_map(|c| {
            x509_parser::parse_x509_certificate(&c.der)
                .ok()
                .map(|(_, x)| x)
        })
        .collect()
}

fn issued(child: &X509Certificate, parent: &X509Certificate) -> bool {
    child.issuer().as_raw() == parent.subject().as_raw()
        && child.verify_signature(Some(parent.public_key())).is_ok()
}
