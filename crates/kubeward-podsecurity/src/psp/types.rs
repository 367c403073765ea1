//! The PodSecurityPolicy (`policy/v1beta1`) spec, every field.
//!
//! Hand-declared: k8s-openapi 0.29 only carries the API versions still served, and
//! PodSecurityPolicy was removed with Kubernetes 1.25, so its types are gone from the
//! crate. Field names and shapes follow upstream `policy/v1beta1/types.go` as of 1.24.
//! Unknown fields are ignored, as the API server's decoder did (`Ignore` field
//! validation was the only behaviour while PSP existed).

use k8s_openapi::api::core::v1::SELinuxOptions;
use serde::{Deserialize, Serialize};

/// `spec` of a PodSecurityPolicy.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSecurityPolicySpec {
    /// `privileged`: whether pods may run privileged containers.
    #[serde(default)]
    pub privileged: bool,
    /// `defaultAddCapabilities`: capabilities added to every container unless it drops them (they need not be in `allowedCapabilities`).
    #[serde(default)]
    pub default_add_capabilities: Vec<String>,
    /// `requiredDropCapabilities`: capabilities every container must drop; they are added to its drop list when missing.
    #[serde(default)]
    pub required_drop_capabilities: Vec<String>,
    /// `allowedCapabilities`: capabilities containers may add; `*` allows any.
    #[serde(default)]
    pub allowed_capabilities: Vec<String>,
    /// `volumes`: volume types pods may use (`configMap`, `hostPath`, …); `*` allows all, empty allows none.
    #[serde(default)]
    pub volumes: Vec<String>,
    /// `hostNetwork`: whether pods may use the node's network namespace.
    #[serde(default)]
    pub host_network: bool,
    /// `hostPorts`: host port ranges containers may bind; empty allows none.
    #[serde(default)]
    pub host_ports: Vec<HostPortRange>,
    /// `hostPID`: whether pods may share the node's process namespace.
    #[serde(default, rename = "hostPID")]
    pub host_pid: bool,
    /// `hostIPC`: whether pods may share the node's IPC namespace.
    #[serde(default, rename = "hostIPC")]
    pub host_ipc: bool,
    /// `seLinux`: the strategy for the pod's and containers' `seLinuxOptions`.
    #[serde(default, rename = "seLinux")]
    pub se_linux: SELinuxStrategyOptions,
    /// `runAsUser`: the strategy for `runAsUser` (and `runAsNonRoot`).
    #[serde(default)]
    pub run_as_user: RunAsUserStrategyOptions,
    /// Optional: omitted means any group (upstream builds a RunAsAny strategy).
    #[serde(default)]
    pub run_as_group: Option<RunAsGroupStrategyOptions>,
    /// `supplementalGroups`: the strategy for the pod's `supplementalGroups`.
    #[serde(default)]
    pub supplemental_groups: GroupStrategyOptions,
    /// `fsGroup`: the strategy for the pod's `fsGroup`, the group owning its volumes.
    #[serde(default)]
    pub fs_group: GroupStrategyOptions,
    /// `readOnlyRootFilesystem`: when true, containers must run with a read-only root filesystem (it is defaulted to true when unset).
    #[serde(default)]
    pub read_only_root_filesystem: bool,
    /// `defaultAllowPrivilegeEscalation`: the `allowPrivilegeEscalation` given to containers that do not set it; `None` leaves it unset.
    #[serde(default)]
    pub default_allow_privilege_escalation: Option<bool>,
    /// Upstream v1beta1 defaulting turns an omitted value into `true`; see
    /// [`PodSecurityPolicySpec::allows_privilege_escalation`].
    #[serde(default)]
    pub allow_privilege_escalation: Option<bool>,
    /// `allowedHostPaths`: path prefixes `hostPath` volumes may use; empty allows any path.
    #[serde(default)]
    pub allowed_host_paths: Vec<AllowedHostPath>,
    /// `allowedFlexVolumes`: Flexvolume drivers pods may use; empty allows any driver.
    #[serde(default)]
    pub allowed_flex_volumes: Vec<AllowedFlexVolume>,
    /// `allowedCSIDrivers`: CSI drivers pods may use in inline volumes; empty allows any driver.
    #[serde(default, rename = "allowedCSIDrivers")]
    pub allowed_csi_drivers: Vec<AllowedCsiDriver>,
    /// `allowedUnsafeSysctls`: sysctls outside the safe set that pods may set, exact or with a trailing `*`.
    #[serde(default)]
    pub allowed_unsafe_sysctls: Vec<String>,
    /// `forbiddenSysctls`: sysctls pods may not set, exact or with a trailing `*` (`*` forbids all).
    #[serde(default)]
    pub forbidden_sysctls: Vec<String>,
    /// `allowedProcMountTypes`: `procMount` values containers may use; empty allows only `Default`.
    #[serde(default)]
    pub allowed_proc_mount_types: Vec<String>,
    /// `runtimeClass`: the strategy for the pod's `runtimeClassName`; `None` allows any.
    #[serde(default)]
    pub runtime_class: Option<RuntimeClassStrategyOptions>,
}

impl PodSecurityPolicySpec {
    /// `allowPrivilegeEscalation` after v1beta1 defaulting (omitted = `true`).
    pub fn allows_privilege_escalation(&self) -> bool {
        self.allow_privilege_escalation.unwrap_or(true)
    }
}

/// An inclusive host port range.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct HostPortRange {
    /// Lowest port of the range.
    #[serde(default)]
    pub min: i64,
    /// Highest port of the range (inclusive).
    #[serde(default)]
    pub max: i64,
}

/// An inclusive user or group id range.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct IdRange {
    /// Lowest id of the range.
    #[serde(default)]
    pub min: i64,
    /// Highest id of the range (inclusive).
    #[serde(default)]
    pub max: i64,
}

/// `seLinux` of a PodSecurityPolicy spec.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SELinuxStrategyOptions {
    /// `rule`: `MustRunAs` (the options below are required and defaulted) or `RunAsAny`.
    #[serde(default)]
    pub rule: String,
    /// `seLinuxOptions`: the SELinux context required with `MustRunAs`.
    #[serde(default, rename = "seLinuxOptions")]
    pub se_linux_options: Option<SELinuxOptions>,
}

/// `runAsUser` of a PodSecurityPolicy spec.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct RunAsUserStrategyOptions {
    /// `rule`: `MustRunAs`, `MustRunAsNonRoot` or `RunAsAny`.
    #[serde(default)]
    pub rule: String,
    /// `ranges`: user ids allowed with `MustRunAs` (the first range's `min` is the default).
    #[serde(default)]
    pub ranges: Vec<IdRange>,
}

/// `runAsGroup` of a PodSecurityPolicy spec.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct RunAsGroupStrategyOptions {
    /// `rule`: `MustRunAs`, `MayRunAs` or `RunAsAny`.
    #[serde(default)]
    pub rule: String,
    /// `ranges`: group ids allowed with `MustRunAs` or `MayRunAs`.
    #[serde(default)]
    pub ranges: Vec<IdRange>,
}

/// `supplementalGroups` and `fsGroup`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct GroupStrategyOptions {
    /// `rule`: `MustRunAs`, `MayRunAs` or `RunAsAny`.
    #[serde(default)]
    pub rule: String,
    /// `ranges`: group ids allowed (with `MustRunAs`, the first range's `min` is the default).
    #[serde(default)]
    pub ranges: Vec<IdRange>,
}

/// One `allowedHostPaths` entry.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AllowedHostPath {
    /// `pathPrefix`: the allowed prefix, matched by whole path components (`/foo` allows `/foo/bar`, not `/foobar`).
    #[serde(default)]
    pub path_prefix: String,
    /// `readOnly`: volumes under this prefix must be mounted read-only.
    #[serde(default)]
    pub read_only: bool,
}

/// One `allowedFlexVolumes` entry.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct AllowedFlexVolume {
    /// `driver`: the Flexvolume driver's name.
    #[serde(default)]
    pub driver: String,
}

/// One `allowedCSIDrivers` entry.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct AllowedCsiDriver {
    /// `name`: the CSI driver's name.
    #[serde(default)]
    pub name: String,
}

/// `runtimeClass` of a PodSecurityPolicy spec.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeClassStrategyOptions {
    /// `allowedRuntimeClassNames`: runtime classes pods may name; `*` allows any, empty allows only pods that name none.
    #[serde(default)]
    pub allowed_runtime_class_names: Vec<String>,
    /// `defaultRuntimeClassName`: the runtime class given to pods that set none.
    #[serde(default)]
    pub default_runtime_class_name: Option<String>,
}

/// Every volume type name PSP knows, in upstream's order (`*` is separate).
pub const VOLUME_TYPES: &[&str] = &[
    "azureFile",
    "azureDisk",
    "flocker",
    "flexVolume",
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "cinder",
    "cephFS",
    "downwardAPI",
    "fc",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
];

/// Policy annotation keys.
pub const SECCOMP_ALLOWED: &str = "seccomp.security.alpha.kubernetes.io/allowedProfileNames";
/// Policy annotation: the seccomp profile given to pods that set none.
pub const SECCOMP_DEFAULT: &str = "seccomp.security.alpha.kubernetes.io/defaultProfileName";
/// Policy annotation: AppArmor profiles containers may use (comma-separated).
pub const APPARMOR_ALLOWED: &str = "apparmor.security.beta.kubernetes.io/allowedProfileNames";
/// Policy annotation: the AppArmor profile given to containers that set none.
pub const APPARMOR_DEFAULT: &str = "apparmor.security.beta.kubernetes.io/defaultProfileName";
/// Pod annotation keys.
pub const SECCOMP_POD: &str = "seccomp.security.alpha.kubernetes.io/pod";
/// Pod annotation prefix: the seccomp profile of one container (the container's name follows).
pub const SECCOMP_CONTAINER_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";
/// Pod annotation prefix: the AppArmor profile of one container (the container's name follows).
pub const APPARMOR_CONTAINER_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";
/// The annotation recording which policy admitted a pod.
pub const VALIDATED_PSP_ANNOTATION: &str = "kubernetes.io/psp";
