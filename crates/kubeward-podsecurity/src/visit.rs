//! Walks a pod's containers in upstream order (init, regular, ephemeral) as one
//! borrowed view, shared by the standards and the lints, so checks need not care that ephemeral containers are a
//! different k8s-openapi type. Allocation-free: paths are built only on demand.

use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EphemeralContainer, Lifecycle, PodSpec, Probe, SecurityContext,
    VolumeMount,
};

/// Which container list a container came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Init,
    Regular,
    Ephemeral,
}

impl Kind {
    fn field(self) -> &'static str {
        match self {
            Kind::Init => "initContainers",
            Kind::Regular => "containers",
            Kind::Ephemeral => "ephemeralContainers",
        }
    }
}

/// The fields of a container the checks read.
pub(crate) struct Ctr<'a> {
    pub name: &'a str,
    pub sc: Option<&'a SecurityContext>,
    pub ports: &'a [ContainerPort],
    pub liveness: Option<&'a Probe>,
    pub readiness: Option<&'a Probe>,
    pub startup: Option<&'a Probe>,
    pub lifecycle: Option<&'a Lifecycle>,
    pub volume_mounts: &'a [VolumeMount],
    kind: Kind,
    index: usize,
}

impl Ctr<'_> {
    /// The list it came from: `initContainers`, `containers` or `ephemeralContainers`.
    pub fn list(&self) -> &'static str {
        self.kind.field()
    }

    /// Its index in that list.
    pub fn index(&self) -> usize {
        self.index
    }

    /// `spec.<list>[<i>].<suffix>`.
    pub fn path(&self, suffix: &str) -> String {
        format!("spec.{}[{}].{}", self.kind.field(), self.index, suffix)
    }
}

/// The view of either container type: `Container` and `EphemeralContainer` name the
/// fields the checks read the same way but share no trait.
macro_rules! ctr {
    ($c:expr, $kind:expr, $index:expr) => {
        Ctr {
            name: &$c.name,
            sc: $c.security_context.as_ref(),
            ports: $c.ports.as_deref().unwrap_or_default(),
            liveness: $c.liveness_probe.as_ref(),
            readiness: $c.readiness_probe.as_ref(),
            startup: $c.startup_probe.as_ref(),
            lifecycle: $c.lifecycle.as_ref(),
            volume_mounts: $c.volume_mounts.as_deref().unwrap_or_default(),
            kind: $kind,
            index: $index,
        }
    };
}

fn regular(kind: Kind, index: usize, c: &Container) -> Ctr<'_> {
    ctr!(c, kind, index)
}

fn ephemeral(index: usize, c: &EphemeralContainer) -> Ctr<'_> {
    ctr!(c, Kind::Ephemeral, index)
}

/// Every container of the pod, in the order upstream visits them.
pub(crate) fn containers(spec: &PodSpec) -> impl Iterator<Item = Ctr<'_>> {
    let init = spec.init_containers.as_deref().unwrap_or_default();
    let eph = spec.ephemeral_containers.as_deref().unwrap_or_default();
    init.iter()
        .enumerate()
        .map(|(i, c)| regular(Kind::Init, i, c))
        .chain(
            spec.containers
                .iter()
                .enumerate()
                .map(|(i, c)| regular(Kind::Regular, i, c)),
        )
        .chain(eph.iter().enumerate().map(|(i, c)| ephemeral(i, c)))
}

/// True for `spec.os.name == "windows"`, the only way upstream recognises Windows pods.
pub(crate) fn is_windows(spec: &PodSpec) -> bool {
    spec.os.as_ref().is_some_and(|os| os.name == "windows")
}

/// True for `spec.hostUsers == false` (a user-namespaced pod).
pub(crate) fn in_user_namespace(spec: &PodSpec) -> bool {
    spec.host_users == Some(false)
}
