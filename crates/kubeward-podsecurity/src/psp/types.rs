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
    #[serde(default)]
    pub privileged: bool,
    #[serde(default)]
    pub default_add_capabilities: Vec<String>,
    #[serde(default)]
    pub required_drop_capabilities: Vec<String>,
    #[serde(default)]
    pub allowed_capabilities: Vec<String>,
    #[serde(default)]
    pub volumes: Vec<String>,
    #[serde(default)]
    pub host_network: bool,
    #[serde(default)]
    pub host_ports: Vec<HostPortRange>,
    #[serde(default, rename = "hostPID")]
    pub host_pid: bool,
    #[serde(default, rename = "hostIPC")]
    pub host_ipc: bool,
    #[serde(default, rename = "seLinux")]
    pub se_linux: SELinuxStrategyOptions,
    #[serde(default)]
    pub run_as_user: RunAsUserStrategyOptions,
    /// Optional: omitted means any group (upstream builds a RunAsAny strategy).
    #[serde(default)]
    pub run_as_group: Option<RunAsGroupStrategyOptions>,
    #[serde(default)]
    pub supplemental_groups: GroupStrategyOptions,
    #[serde(default)]
    pub fs_group: GroupStrategyOptions,
    #[serde(default)]
    pub read_only_root_filesystem: bool,
    #[serde(default)]
    pub default_allow_privilege_escalation: Option<bool>,
    /// Upstream v1beta1 defaulting turns an omitted value into `true`; see
    /// [`PodSecurityPolicySpec::allows_privilege_escalation`].
    #[serde(default)]
    pub allow_privilege_escalation: Option<bool>,
    #[serde(default)]
    pub allowed_host_paths: Vec<AllowedHostPath>,
    #[serde(default)]
    pub allowed_flex_volumes: Vec<AllowedFlexVolume>,
    #[serde(default, rename = "allowedCSIDrivers")]
    pub allowed_csi_drivers: Vec<AllowedCsiDriver>,
    #[serde(default)]
    pub allowed_unsafe_sysctls: Vec<String>,
    #[serde(default)]
    pub forbidden_sysctls: Vec<String>,
    #[serde(default)]
    pub allowed_proc_mount_types: Vec<String>,
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
    #[serde(default)]
    pub min: i64,
    #[serde(default)]
    pub max: i64,
}

/// An inclusive user or group id range.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct IdRange {
    #[serde(default)]
    pub min: i64,
    #[serde(default)]
    pub max: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SELinuxStrategyOptions {
    #[serde(default)]
    pub rule: String,
    #[serde(default, rename = "seLinuxOptions")]
    pub se_linux_options: Option<SELinuxOptions>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct RunAsUserStrategyOptions {
    #[serde(default)]
    pub rule: String,
    #[serde(default)]
    pub ranges: Vec<IdRange>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct RunAsGroupStrategyOptions {
    #[serde(default)]
    pub rule: String,
    #[serde(default)]
    pub ranges: Vec<IdRange>,
}

/// `supplementalGroups` and `fsGroup`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct GroupStrategyOptions {
    #[serde(default)]
    pub rule: String,
    #[serde(default)]
    pub ranges: Vec<IdRange>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AllowedHostPath {
    #[serde(default)]
    pub path_prefix: String,
    #[serde(default)]
    pub read_only: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct AllowedFlexVolume {
    #[serde(default)]
    pub driver: String,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct AllowedCsiDriver {
    #[serde(default)]
    pub name: String,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeClassStrategyOptions {
    #[serde(default)]
    pub allowed_runtime_class_names: Vec<String>,
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
pub const SECCOMP_DEFAULT: &str = "seccomp.security.alpha.kubernetes.io/defaultProfileName";
pub const APPARMOR_ALLOWED: &str = "apparmor.security.beta.kubernetes.io/allowedProfileNames";
pub const APPARMOR_DEFAULT: &str = "apparmor.security.beta.kubernetes.io/defaultProfileName";
/// Pod annotation keys.
pub const SECCOMP_POD: &str = "seccomp.security.alpha.kubernetes.io/pod";
pub const SECCOMP_CONTAINER_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";
pub const APPARMOR_CONTAINER_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";
/// The annotation recording which policy admitted a pod.
pub const VALIDATED_PSP_ANNOTATION: &str = "kubernetes.io/psp";
