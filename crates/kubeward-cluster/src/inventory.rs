//! What the checks need to know about the whole scanned set, gathered in a first pass.

use std::collections::{BTreeMap, HashMap};

use k8s_openapi::api::core::v1::LimitRange;
use k8s_openapi::api::networking::v1::NetworkPolicy;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kubeward_identity::rbac::{Rbac, selector_matches};

use crate::rbac::{Held, held};
use kubeward_manifest::{Node, Resource, Value};

/// A namespace as the manifests leave it: `None` is the one a manifest without
/// `metadata.namespace` is applied to, which is the same for every such manifest.
pub(crate) type Ns = Option<String>;

/// Which resource values a namespace's LimitRanges fill in for a container that sets none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Supplied {
    pub cpu_request: bool,
    pub cpu_limit: bool,
    pub memory_request: bool,
    pub memory_limit: bool,
}

/// One NetworkPolicy: which pods it selects and which directions it isolates them in.
#[derive(Clone, Debug)]
pub(crate) struct Isolation {
    pub selector: LabelSelector,
    pub ingress: bool,
    pub egress: bool,
}

/// What the checks need of a ServiceAccount.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Account {
    /// Its `automountServiceAccountToken`.
    pub automount: Option<bool>,
    /// Whether it names `imagePullSecrets`, which admission copies into its pods.
    pub pull_secrets: bool,
}

/// The resources of the scanned set that other resources' checks depend on.
#[derive(Clone, Debug, Default)]
pub struct Inventory {
    /// Namespaces in the set, and whether each has a `pod-security.kubernetes.io/enforce` label.
    pub(crate) namespaces: HashMap<String, bool>,
    /// ServiceAccounts by namespace and name.
    pub(crate) service_accounts: HashMap<(Ns, String), Account>,
    pub(crate) limit_ranges: HashMap<Ns, Supplied>,
    pub(crate) network_policies: HashMap<Ns, Vec<Isolation>>,
    pub(crate) rbac: Rbac,
    /// Filled by [`Inventory::finish`]: what each role grants, aggregation resolved.
    pub(crate) roles: HashMap<(String, String), Held>,
    pub(crate) cluster_roles: HashMap<String, Held>,
}

/// The kinds recorded. Bindings are not: each is judged on its own against the roles, so
/// the inventory's memory grows with the roles of a set, not with its bindings.
const KINDS: [&str; 6] = [
    "Namespace",
    "ServiceAccount",
    "LimitRange",
    "NetworkPolicy",
    "Role",
    "ClusterRole",
];

impl Inventory {
    /// Whether a text may hold a resource the inventory wants, so that a first pass
    /// parses only those texts.
    pub fn may_want(text: &str) -> bool {
        kubeward_manifest::may_contain_kind(text, &KINDS)
    }

    /// Whether the inventory records resources of this kind.
    pub fn wants(kind: &str) -> bool {
        KINDS.contains(&kind)
    }

    /// Records `res` if it is of a kind the checks look up. Objects that do not decode
    /// as their kind are left out: the API server would refuse them.
    pub fn add(&mut self, res: &Resource) {
        let ns = res.namespace.clone();
        match (res.kind.as_str(), res.api_version.as_str()) {
            ("Namespace", "v1") => {
                if let Some(name) = &res.name {
                    let labels = res.node.at("metadata.labels");
                    let enforce = labels
                        .and_then(|l| l.get("pod-security.kubernetes.io/enforce"))
                        .is_some();
                    self.namespaces.insert(name.clone(), enforce);
                }
            }
            ("ServiceAccount", "v1") => {
                if let Some(name) = &res.name {
                    let automount = match res.node.get("automountServiceAccountToken") {
                        Some(Node {
                            value: Value::Bool(b),
                            ..
                        }) => Some(*b),
                        _ => None,
                    };
                    let pull_secrets = matches!(
                        res.node.get("imagePullSecrets"),
                        Some(Node { value: Value::Seq(s), .. }) if !s.is_empty()
                    );
                    let account = Account {
                        automount,
                        pull_secrets,
                    };
                    self.service_accounts.insert((ns, name.clone()), account);
                }
            }
            ("LimitRange", "v1") => {
                if let Ok(lr) = serde_json::from_value::<LimitRange>(res.node.to_json()) {
                    let s = self.limit_ranges.entry(ns).or_default();
                    for item in lr.spec.iter().flat_map(|s| &s.limits) {
                        if item.type_ != "Container" {
                            continue;
                        }
                        let has = |m: &Option<BTreeMap<String, _>>, k: &str| {
                            m.as_ref().is_some_and(|m| m.contains_key(k))
                        };
                        // A default limit is also the default request when none is given.
                        s.cpu_limit |= has(&item.default, "cpu");
                        s.memory_limit |= has(&item.default, "memory");
                        s.cpu_request |=
                            has(&item.default_request, "cpu") || has(&item.default, "cpu");
                        s.memory_request |=
                            has(&item.default_request, "memory") || has(&item.default, "memory");
                    }
                }
            }
            ("NetworkPolicy", "networking.k8s.io/v1") => {
                if let Ok(np) = serde_json::from_value::<NetworkPolicy>(res.node.to_json()) {
                    let spec = np.spec.unwrap_or_default();
                    // The API server's default: Ingress always, Egress when egress rules are given.
                    let (ingress, egress) = match &spec.policy_types {
                        Some(types) if !types.is_empty() => (
                            types.iter().any(|t| t == "Ingress"),
                            types.iter().any(|t| t == "Egress"),
                        ),
                        _ => (true, spec.egress.as_ref().is_some_and(|e| !e.is_empty())),
                    };
                    self.network_policies
                        .entry(ns)
                        .or_default()
                        .push(Isolation {
                            selector: spec.pod_selector.unwrap_or_default(),
                            ingress,
                            egress,
                        });
                }
            }
            (kind @ ("Role" | "ClusterRole"), api)
                if api.starts_with("rbac.authorization.k8s.io/") =>
            {
                // Undecodable objects are reported where they are judged.
                let _ = self.rbac.add(kind, res.node.to_json());
            }
            _ => {}
        }
    }

    /// Adds everything `other` recorded, after this inventory's (a later Namespace or
    /// ServiceAccount of the same name replaces an earlier one, as `kubectl apply` would).
    pub fn extend(&mut self, other: Inventory) {
        self.namespaces.extend(other.namespaces);
        self.service_accounts.extend(other.service_accounts);
        for (ns, s) in other.limit_ranges {
            let mine = self.limit_ranges.entry(ns).or_default();
            mine.cpu_limit |= s.cpu_limit;
            mine.cpu_request |= s.cpu_request;
            mine.memory_limit |= s.memory_limit;
            mine.memory_request |= s.memory_request;
        }
        for (ns, list) in other.network_policies {
            self.network_policies.entry(ns).or_default().extend(list);
        }
        self.rbac.extend(other.rbac);
    }

    /// Resolves every role's rules once (ClusterRole aggregation included), so that
    /// judging each binding is a lookup. Call after the last [`Inventory::add`].
    pub fn finish(&mut self) {
        // A later role of the same name replaces an earlier one, as `kubectl apply` would.
        self.roles = self
            .rbac
            .roles()
            .iter()
            .map(|r| {
                let key = (
                    r.metadata.namespace.clone().unwrap_or_default(),
                    r.metadata.name.clone().unwrap_or_default(),
                );
                (key, held(r.rules.as_deref().unwrap_or_default()))
            })
            .collect();
        // Aggregation ORs what the matched roles grant on their own: no rule is copied, so
        // memory stays linear however many roles a selector matches.
        let all = self.rbac.cluster_roles();
        let own: Vec<Held> = all
            .iter()
            .map(|r| held(r.rules.as_deref().unwrap_or_default()))
            .collect();
        let empty = BTreeMap::new();
        let mut cluster_roles = HashMap::new();
        for (role, mine) in all.iter().zip(&own) {
            let Some(name) = role.metadata.name.as_deref() else {
                continue;
            };
            let mut grants = *mine;
            for sel in role
                .aggregation_rule
                .iter()
                .flat_map(|a| a.cluster_role_selectors.iter().flatten())
            {
                for (other, theirs) in all.iter().zip(&own) {
                    let labels = other.metadata.labels.as_ref().unwrap_or(&empty);
                    if other.metadata.name != role.metadata.name && selector_matches(sel, labels) {
                        grants = grants.union(*theirs);
                    }
                }
            }
            cluster_roles.insert(name.to_owned(), grants);
        }
        self.cluster_roles = cluster_roles;
    }

    /// What the role a binding in `binding_ns` names grants, `None` when the set does
    /// not define it.
    pub(crate) fn role_grants(&self, binding_ns: &str, kind: &str, name: &str) -> Option<Held> {
        match kind {
            "Role" => self
                .roles
                .get(&(binding_ns.to_owned(), name.to_owned()))
                .copied(),
            "ClusterRole" => self.cluster_roles.get(name).copied(),
            _ => None,
        }
    }
}
