//! What every check sees: the raw template, the typed spec, and the containers of all
//! three kinds with their paths.

use std::fmt;

use k8s_openapi::api::core::v1::{PodSecurityContext, PodSpec, SecurityContext, VolumeMount};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kubeward_manifest::Node;

/// A container's path in the template, `spec.<list>[<index>]`. Kept unformatted so that
/// iterating costs nothing; it is rendered only into findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContainerPath {
    /// `initContainers`, `containers` or `ephemeralContainers`.
    pub list: &'static str,
    /// 0-based index in that list.
    pub index: usize,
}

impl fmt::Display for ContainerPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "spec.{}[{}]", self.list, self.index)
    }
}

/// A securityContext location: the pod's or one container's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Site {
    /// The pod's `spec.securityContext`.
    Pod,
    /// A container's `securityContext`.
    Container(ContainerPath),
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Site::Pod => f.write_str("spec.securityContext"),
            Site::Container(c) => write!(f, "{c}.securityContext"),
        }
    }
}

/// One container of any kind, reduced to what the lints read. `Container` and
/// `EphemeralContainer` are distinct types upstream; this is their common view.
#[derive(Clone, Copy, Debug)]
pub struct ContainerRef<'a> {
    /// Where the container is in the template.
    pub at: ContainerPath,
    /// The container's `name`.
    pub name: &'a str,
    /// The raw container, for fields the typed struct drops.
    pub raw: Option<&'a Node>,
    /// The container's `securityContext`, when set.
    pub security_context: Option<&'a SecurityContext>,
    /// The container's `volumeMounts` (empty when unset).
    pub volume_mounts: &'a [VolumeMount],
}

impl ContainerRef<'_> {
    /// The container's `securityContext` location, for findings.
    pub fn site(&self) -> Site {
        Site::Container(self.at)
    }
}

/// Everything a check may read about one pod template.
#[derive(Clone, Copy, Debug)]
pub struct LintContext<'a> {
    /// The raw template (holding `metadata` and `spec`).
    pub node: &'a Node,
    /// The template's `metadata`, decoded.
    pub metadata: &'a ObjectMeta,
    /// The template's `spec`, decoded.
    pub spec: &'a PodSpec,
    /// The raw `spec`, when it is there.
    pub raw_spec: Option<&'a Node>,
}

impl<'a> LintContext<'a> {
    /// The context of the template `node` with its decoded `metadata` and `spec`.
    pub fn new(node: &'a Node, metadata: &'a ObjectMeta, spec: &'a PodSpec) -> Self {
        LintContext {
            node,
            metadata,
            spec,
            raw_spec: node.get("spec"),
        }
    }

    /// The pod's `spec.securityContext`, when set.
    pub fn pod_security_context(&self) -> Option<&'a PodSecurityContext> {
        self.spec.security_context.as_ref()
    }

    /// `spec.os.name == windows`: Linux-only fields are rejected and Linux hardening
    /// advice does not apply.
    pub fn is_windows(&self) -> bool {
        crate::visit::is_windows(self.spec)
    }

    /// Init containers, then containers, then ephemeral containers: the order the
    /// kubelet starts them and the order the API server reports them in.
    pub fn containers(&self) -> impl Iterator<Item = ContainerRef<'a>> + use<'a> {
        let raw_spec = self.raw_spec;
        crate::visit::containers(self.spec).map(move |c| {
            let at = ContainerPath {
                list: c.list(),
                index: c.index(),
            };
            ContainerRef {
                at,
                name: c.name,
                raw: raw_spec
                    .and_then(|s| s.get(at.list))
                    .and_then(|l| l.index(at.index)),
                security_context: c.sc,
                volume_mounts: c.volume_mounts,
            }
        })
    }
}
