//! Pod Security labels of Namespace manifests: which policy applies to the workloads in
//! them. Resolution is the library's (`standards::namespace`, PSA's `PolicyToEvaluate`);
//! this module reads labels from manifests and turns label errors into located scan errors.

use std::collections::HashMap;
use std::sync::Arc;

use kubeward_manifest::Resource;
use kubeward_podsecurity::standards::ParseError;
use kubeward_podsecurity::standards::config::Defaults;
use kubeward_podsecurity::standards::namespace::{self as ns, LabelError};

use super::model::{ErrorKind, ScanError};

pub use kubeward_podsecurity::standards::namespace::NamespacePolicy;

/// Namespaces of the scanned set, by name.
pub type Namespaces = HashMap<String, NamespacePolicy>;

fn scan_error(res: &Resource, e: &LabelError) -> ScanError {
    let field = e.field();
    ScanError::new(
        Arc::clone(&res.file),
        Some(res.node.locate(&field).pos),
        format!(
            "namespace \"{}\": {e} (evaluated as {})",
            res.name.as_deref().unwrap_or(""),
            e.fallback
        ),
        match e.error {
            ParseError::Level => ErrorKind::NamespaceLevel,
            ParseError::Version => ErrorKind::NamespaceVersion,
        },
    )
}

/// Resolves the Pod Security labels of a `Namespace` object, with one error per bad label;
/// unlabelled modes take `defaults` (`--admission-config`) when given.
pub fn resolve(res: &Resource, defaults: Option<&Defaults>) -> (NamespacePolicy, Vec<ScanError>) {
    let labels = res.node.at("metadata.labels");
    let (policy, errors) = ns::resolve_with(defaults, |key| {
        let node = labels?.get(key)?;
        // Label values are strings to Kubernetes; anything else is as wrong as a bad string.
        Some(
            node.as_str()
                .map_or_else(|| node.to_json().to_string(), str::to_owned),
        )
    });
    (policy, errors.iter().map(|e| scan_error(res, e)).collect())
}
