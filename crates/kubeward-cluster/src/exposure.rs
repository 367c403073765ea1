//! `EX0xx`: what Services and Ingresses expose, and which pods no NetworkPolicy
//! isolates. A NetworkPolicy applies to the pods of its own namespace that its
//! `podSelector` selects (its `namespaceSelector`s choose peers, not targets), in the
//! directions its `policyTypes` name, defaulted as the API server does.

use std::collections::BTreeMap;

use kubeward_identity::rbac::selector_matches;
use kubeward_manifest::{Node, Resource};
use kubeward_report::Severity::{High, Low, Medium};

use crate::hygiene::Pod;
use crate::inventory::Inventory;
use crate::rule::{Family::Exposure, Findings, Rule};

pub(crate) const EX001: Rule = Rule::new(
    Exposure,
    "EX001",
    "NodePort service",
    Medium,
    "use a ClusterIP Service behind an Ingress or a LoadBalancer with source ranges; a NodePort opens the port on every node",
);
pub(crate) const EX002: Rule = Rule::new(
    Exposure,
    "EX002",
    "load balancer open to any address",
    Medium,
    "set spec.loadBalancerSourceRanges to the networks that need the service",
);
pub(crate) const EX003: Rule = Rule::new(
    Exposure,
    "EX003",
    "service with externalIPs",
    High,
    "remove spec.externalIPs, and deny the field with the DenyServiceExternalIPs admission plugin (CVE-2020-8554)",
);
pub(crate) const EX004: Rule = Rule::new(
    Exposure,
    "EX004",
    "pod not isolated for ingress",
    Medium,
    "add a NetworkPolicy that selects the pod (a default-deny policy with an empty podSelector, then the allowed peers)",
);
pub(crate) const EX005: Rule = Rule::new(
    Exposure,
    "EX005",
    "pod not isolated for egress",
    Low,
    "add Egress to the policyTypes of a NetworkPolicy that selects the pod, with the destinations it needs",
);
pub(crate) const EX006: Rule = Rule::new(
    Exposure,
    "EX006",
    "namespace without a NetworkPolicy",
    Medium,
    "add a default-deny NetworkPolicy (podSelector: {}) to the namespace, then allow what its pods need",
);
pub(crate) const EX007: Rule = Rule::new(
    Exposure,
    "EX007",
    "ingress without TLS",
    Medium,
    "add spec.tls with a certificate Secret for the ingress's hosts",
);
pub(crate) const EX008: Rule = Rule::new(
    Exposure,
    "EX008",
    "ingress-nginx snippet annotation",
    High,
    "remove the snippet annotation and set allow-snippet-annotations: false in the controller (CVE-2021-25742)",
);

pub(crate) static RULES: &[Rule] = &[EX001, EX002, EX003, EX004, EX005, EX006, EX007, EX008];

pub(crate) fn check_resource(res: &Resource, inv: &Inventory, out: &mut Findings<'_>) {
    match (res.kind.as_str(), res.api_version.as_str()) {
        ("Service", "v1") => service(&res.node, out),
        (
            "Ingress",
            "networking.k8s.io/v1" | "networking.k8s.io/v1beta1" | "extensions/v1beta1",
        ) => ingress(&res.node, out),
        ("Namespace", "v1") => {
            let name = res.name.as_deref().unwrap_or_default();
            if !inv.network_policies.contains_key(&Some(name.to_owned())) {
                out.report(
                    &EX006,
                    "metadata.name",
                    format!("no NetworkPolicy in the scanned set applies in namespace {name}: every pod there accepts traffic from anywhere"),
                );
            }
        }
        _ => {}
    }
}

fn service(node: &Node, out: &mut Findings<'_>) {
    let spec = node.get("spec");
    let field = |k: &str| spec.and_then(|s| s.get(k));
    let kind = field("type").and_then(Node::as_str).unwrap_or("ClusterIP");
    // As the service controller reads them (GetLoadBalancerSourceRanges): the field, or
    // else the annotation's comma-separated list; a range of every address is no limit.
    let mut ranges: Vec<String> = field("loadBalancerSourceRanges")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r.as_str().map(|r| r.trim().to_owned()))
        .collect();
    if ranges.is_empty() {
        let annotation = node
            .at("metadata.annotations")
            .and_then(|a| a.get("service.beta.kubernetes.io/load-balancer-source-ranges"))
            .and_then(Node::as_str)
            .unwrap_or_default();
        ranges = annotation
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .collect();
    }
    let ranges = !ranges.is_empty() && !ranges.iter().any(|r| r == "0.0.0.0/0" || r == "::/0");
    match kind {
        "NodePort" => out.report(
            &EX001,
            "spec.type",
            "type NodePort opens the service's ports on every node's addresses".into(),
        ),
        "LoadBalancer" if !ranges => out.report(
            &EX002,
            "spec.type",
            "type LoadBalancer without loadBalancerSourceRanges (or with 0.0.0.0/0) accepts any source address (and opens a node port on every node)".into(),
        ),
        _ => {}
    }
    if let Some(ips) = field("externalIPs")
        .and_then(Node::as_seq)
        .filter(|s| !s.is_empty())
    {
        let list: Vec<&str> = ips.iter().filter_map(Node::as_str).collect();
        out.report(
            &EX003,
            "spec.externalIPs",
            format!(
                "externalIPs {} make every node route traffic for those addresses to this service, whoever owns them",
                list.join(", ")
            ),
        );
    }
}

fn ingress(node: &Node, out: &mut Findings<'_>) {
    let tls = node
        .at("spec.tls")
        .and_then(Node::as_seq)
        .is_some_and(|s| !s.is_empty());
    if !tls {
        out.report(
            &EX007,
            "spec",
            "the ingress has no spec.tls: its hosts are served over plain HTTP".into(),
        );
    }
    for entry in node
        .at("metadata.annotations")
        .and_then(Node::as_map)
        .unwrap_or_default()
    {
        let key = entry.key.as_str();
        if key.starts_with("nginx.ingress.kubernetes.io/") && key.ends_with("-snippet") {
            out.report(
                &EX008,
                format!("metadata.annotations[{key}]"),
                format!("{key} injects raw nginx configuration, which can read the controller's service-account token and every Secret it serves"),
            );
        }
    }
}

pub(crate) fn check_workload(pod: &Pod<'_>, inv: &Inventory, out: &mut Findings<'_>) {
    if !out.on(&EX004) && !out.on(&EX005) {
        return;
    }
    // NetworkPolicies do not apply to pods on the host's network.
    if pod.template.spec.host_network == Some(true) {
        return;
    }
    let ns = &pod.res.namespace;
    let where_ = ns
        .as_deref()
        .map_or("the namespace it is applied to".to_owned(), |n| {
            format!("namespace {n}")
        });
    let Some(policies) = inv.network_policies.get(ns) else {
        out.report(
            &EX004,
            pod.path("metadata"),
            format!("no NetworkPolicy in the scanned set applies in {where_}: the pod accepts traffic from anywhere and reaches anything"),
        );
        return;
    };
    let empty = BTreeMap::new();
    let labels = pod.template.metadata.labels.as_ref().unwrap_or(&empty);
    let selecting = policies
        .iter()
        .filter(|p| selector_matches(&p.selector, labels));
    let (mut ingress, mut egress) = (false, false);
    for p in selecting {
        ingress |= p.ingress;
        egress |= p.egress;
    }
    if !ingress {
        out.report(
            &EX004,
            pod.path("metadata.labels"),
            format!("{} NetworkPolicies apply in {where_}, but none that isolates ingress selects this pod's labels", policies.len()),
        );
    }
    if !egress {
        out.report(
            &EX005,
            pod.path("metadata.labels"),
            format!("no NetworkPolicy with policyTypes Egress selects this pod in {where_}: it reaches any destination"),
        );
    }
}
