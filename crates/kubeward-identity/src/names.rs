//! Well-known users and groups, and the service-account naming scheme.

/// Prefix of every service account's user name: `system:serviceaccount:<ns>:<name>`.
pub const SERVICE_ACCOUNT_USER_PREFIX: &str = "system:serviceaccount:";
/// Group of every service account.
pub const ALL_SERVICE_ACCOUNTS: &str = "system:serviceaccounts";
/// Superusers: authorization is skipped for members, and membership cannot be revoked
/// short of rotating the CA that signed their certificates.
pub const SYSTEM_MASTERS: &str = "system:masters";
/// Group of every authenticated request.
pub const SYSTEM_AUTHENTICATED: &str = "system:authenticated";
/// Group of every request that no authenticator accepted (with anonymous auth enabled).
pub const SYSTEM_UNAUTHENTICATED: &str = "system:unauthenticated";
/// User name of unauthenticated requests (with anonymous auth enabled).
pub const ANONYMOUS_USER: &str = "system:anonymous";
/// Group of kubelets' node credentials, authorized by the Node authorizer.
pub const SYSTEM_NODES: &str = "system:nodes";
/// Prefix of a kubelet's user name: `system:node:<nodeName>`.
pub const NODE_USER_PREFIX: &str = "system:node:";
/// User name of the API server's loopback client.
pub const APISERVER_USER: &str = "system:apiserver";
/// User name of kube-controller-manager's credentials (its kubeadm `controller-manager.conf`).
pub const KUBE_CONTROLLER_MANAGER: &str = "system:kube-controller-manager";
/// User name of kube-scheduler's credentials (its kubeadm `scheduler.conf`).
pub const KUBE_SCHEDULER: &str = "system:kube-scheduler";
/// User name of kube-proxy's credentials.
pub const KUBE_PROXY: &str = "system:kube-proxy";
/// Group that kubeadm-style RBAC (the `system:monitoring` ClusterRole) lets read the health and metrics endpoints.
pub const SYSTEM_MONITORING: &str = "system:monitoring";
/// Prefix of a bootstrap token's user name: `system:bootstrap:<token id>`.
pub const BOOTSTRAP_USER_PREFIX: &str = "system:bootstrap:";
/// Group of bootstrap token users, which may request kubelet client certificates.
pub const BOOTSTRAPPERS: &str = "system:bootstrappers";
/// kubeadm's admin group from 1.29 (bound to cluster-admin, so revocable).
pub const KUBEADM_CLUSTER_ADMINS: &str = "kubeadm:cluster-admins";
/// kubeadm's `admin.conf` user: in `kubeadm:cluster-admins` from 1.29, `system:masters` before.
pub const KUBEADM_ADMIN_USER: &str = "kubernetes-admin";
/// kubeadm's `super-admin.conf` user (1.29+), in `system:masters`.
pub const KUBEADM_SUPER_ADMIN_USER: &str = "kubernetes-super-admin";

/// The user name of service account `name` in namespace `ns`.
pub fn service_account_user(ns: &str, name: &str) -> String {
    format!("{SERVICE_ACCOUNT_USER_PREFIX}{ns}:{name}")
}

/// The group of all service accounts in namespace `ns`.
pub fn service_account_namespace_group(ns: &str) -> String {
    format!("{ALL_SERVICE_ACCOUNTS}:{ns}")
}

/// The groups the API server gives a service account of namespace `ns`, besides
/// `system:authenticated`.
pub fn service_account_groups(ns: &str) -> [String; 2] {
    [
        ALL_SERVICE_ACCOUNTS.to_string(),
        service_account_namespace_group(ns),
    ]
}

/// Splits `system:serviceaccount:<ns>:<name>` into namespace and name, as the API server
/// does: the rest after the prefix must be exactly two non-empty parts.
pub fn parse_service_account_user(user: &str) -> Option<(&str, &str)> {
    let rest = user.strip_prefix(SERVICE_ACCOUNT_USER_PREFIX)?;
    let (ns, name) = rest.split_once(':')?;
    if ns.is_empty() || name.is_empty() || name.contains(':') {
        return None;
    }
    Some((ns, name))
}

/// Whether a grant to this subject reaches unauthenticated callers, or every caller.
pub fn is_public_subject(name: &str) -> bool {
    matches!(
        name,
        ANONYMOUS_USER | SYSTEM_UNAUTHENTICATED | SYSTEM_AUTHENTICATED
    )
}

/// The groups the API server's authenticators add to `user` whatever its credential
/// says: `system:authenticated` (or `system:unauthenticated` for `system:anonymous`),
/// and for a service account `system:serviceaccounts` and `system:serviceaccounts:NS`.
pub fn implicit_groups(user: &str) -> Vec<String> {
    if user == ANONYMOUS_USER {
        return vec![SYSTEM_UNAUTHENTICATED.to_owned()];
    }
    let mut groups = Vec::new();
    if let Some((ns, _)) = user
        .strip_prefix(SERVICE_ACCOUNT_USER_PREFIX)
        .and_then(|rest| rest.split_once(':'))
    {
        groups.push(ALL_SERVICE_ACCOUNTS.to_owned());
        groups.push(service_account_namespace_group(ns));
    }
    groups.push(SYSTEM_AUTHENTICATED.to_owned());
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_account_names_round_trip() {
        let user = service_account_user("kube-system", "kube-proxy");
        assert_eq!(user, "system:serviceaccount:kube-system:kube-proxy");
        assert_eq!(
            parse_service_account_user(&user),
            Some(("kube-system", "kube-proxy"))
        );
        assert_eq!(
            service_account_groups("dev"),
            [
                "system:serviceaccounts".to_string(),
                "system:serviceaccounts:dev".to_string()
            ]
        );
    }

    #[test]
    fn malformed_service_account_users_are_rejected() {
        for bad in [
            "system:serviceaccount:",
            "system:serviceaccount:ns",
            "system:serviceaccount::name",
            "system:serviceaccount:ns:",
            "system:serviceaccount:ns:a:b",
            "system:serviceaccounts:ns",
            "alice",
        ] {
            assert_eq!(parse_service_account_user(bad), None, "{bad}");
        }
    }

    #[test]
    fn public_subjects() {
        assert!(is_public_subject("system:anonymous"));
        assert!(is_public_subject("system:unauthenticated"));
        assert!(is_public_subject("system:authenticated"));
        assert!(!is_public_subject("system:masters"));
    }

    #[test]
    fn groups_added_at_authentication() {
        use super::implicit_groups;
        assert_eq!(
            implicit_groups("system:serviceaccount:dev:ci"),
            [
                "system:serviceaccounts",
                "system:serviceaccounts:dev",
                "system:authenticated"
            ]
        );
        assert_eq!(implicit_groups("alice"), ["system:authenticated"]);
        assert_eq!(
            implicit_groups("system:anonymous"),
            ["system:unauthenticated"]
        );
    }
}
