//! Checks of the cluster definition that Pod Security does not make: who can do what
//! through RBAC, what a Service, Ingress or missing NetworkPolicy exposes, how a
//! workload gets its service-account token, images, secrets and resources, and secrets
//! committed in Secrets and ConfigMaps.
//!
//! Several checks need the whole scanned set (a pod's ServiceAccount, a namespace's
//! LimitRanges and NetworkPolicies, the role a binding names): the caller first feeds
//! every resource to an [`Inventory`], then asks [`check_resource`] or
//! [`check_workload`] about each. Every rule is one [`Rule`] in a family table
//! (`rbac`, `hygiene`, `exposure`, `secrets`), documented in docs/<family>.md; a
//! [`Selection`] turns families and ids on and off, and the `kubeward.io/ignore`
//! annotation suppresses ids on one resource ([`suppressed_ids`]).

pub mod config;
mod exposure;
mod hygiene;
mod inventory;
mod rbac;
mod rule;
pub mod secrets;
mod select;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kubeward_manifest::Resource;

/// A workload's pod template as the checks read it.
#[derive(Clone, Copy, Debug)]
pub struct Template<'a> {
    /// Path from the object to the template (`spec.template`; `""` for a Pod), as
    /// `kubeward_manifest::PodTemplate::prefix`.
    pub prefix: &'a str,
    /// The template's metadata.
    pub metadata: &'a ObjectMeta,
    /// The template's spec after the API server's defaults.
    pub spec: &'a PodSpec,
}

pub use inventory::Inventory;
pub use rule::{Family, Finding, Rule};
pub use select::{
    IGNORE_ANNOTATION, IGNORE_REASON_ANNOTATION, Selection, SelectionError, is_suppressed,
    suppressed_ids,
};

use rule::Findings;

/// Every rule of every family, families in [`Family`] order, ids ascending in each.
pub fn rules() -> impl Iterator<Item = &'static Rule> {
    [rbac::RULES, hygiene::RULES, exposure::RULES, secrets::RULES]
        .into_iter()
        .flatten()
}

/// The findings on a resource that is not a workload (RBAC objects, Services,
/// Ingresses, Namespaces, Secrets, ConfigMaps). Paths are from the object's root.
pub fn check_resource(res: &Resource, inv: &Inventory, sel: &Selection) -> Vec<Finding> {
    let mut out = Findings::new(sel);
    hygiene::default_namespace(res, &mut out);
    match res.kind.as_str() {
        "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding"
            if res.api_version.starts_with("rbac.authorization.k8s.io/") =>
        {
            rbac::check(res, inv, &mut out)
        }
        "Service" | "Ingress" | "Namespace" => exposure::check_resource(res, inv, &mut out),
        "Secret" | "ConfigMap" if res.api_version == "v1" => secrets::check(res, &mut out),
        _ => {}
    }
    out.into_vec()
}

/// The findings on a workload's pod template; paths are from the object's root, as for
/// every finding.
pub fn check_workload(
    res: &Resource,
    template: &Template<'_>,
    inv: &Inventory,
    sel: &Selection,
) -> Vec<Finding> {
    let mut out = Findings::new(sel);
    let pod = hygiene::Pod { res, template };
    hygiene::check(&pod, inv, &mut out);
    exposure::check_workload(&pod, inv, &mut out);
    out.into_vec()
}

/// Whether a resource of this kind is judged by [`check_resource`] (and so is not
/// "skipped" in a scan's summary).
pub fn judges_kind(kind: &str) -> bool {
    matches!(
        kind,
        "Role"
            | "ClusterRole"
            | "RoleBinding"
            | "ClusterRoleBinding"
            | "Service"
            | "Ingress"
            | "Namespace"
            | "Secret"
            | "ConfigMap"
    )
}
