//! One policy applied to one pod: defaulting (`mutate`) then validation (`validate`), in
//! upstream's order, so that error lists come out in the order the API server printed.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, PodSecurityContext, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::field::{FieldError, go_opt_bool};
use super::strategy::apparmor::AppArmor;
use super::strategy::capabilities::Capabilities;
use super::strategy::group::Group;
use super::strategy::seccomp::Seccomp;
use super::strategy::selinux::SeLinux;
use super::strategy::sysctl::Sysctls;
use super::strategy::user::RunAsUser;
use super::types::{PodSecurityPolicySpec, SECCOMP_POD};
use super::volumes;
use crate::gofmt::go_quote;

/// A pod as admission sees it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pod {
    /// The pod's `metadata`.
    pub metadata: ObjectMeta,
    /// The pod's `spec`.
    pub spec: PodSpec,
}

/// A policy with its strategies built.
#[derive(Clone, Debug)]
pub struct Provider {
    /// The policy's name.
    pub name: String,
    spec: PodSecurityPolicySpec,
    run_as_user: RunAsUser,
    run_as_group: Group,
    supplemental_groups: Group,
    fs_group: Group,
    se_linux: SeLinux,
    capabilities: Capabilities,
    sysctls: Sysctls,
    seccomp: Seccomp,
    apparmor: AppArmor,
}

impl Provider {
    /// Upstream's strategy factory. An error means the plugin skips the policy.
    pub fn new(
        name: &str,
        annotations: &BTreeMap<String, String>,
        spec: &PodSecurityPolicySpec,
    ) -> Result<Self, String> {
        let run_as_group = match &spec.run_as_group {
            Some(g) => Group::build(&g.rule, &g.ranges, "RunAsGroup")?,
            None => Group::RunAsAny,
        };
        Ok(Provider {
            name: name.to_string(),
            spec: spec.clone(),
            run_as_user: RunAsUser::build(&spec.run_as_user)?,
            run_as_group,
            supplemental_groups: Group::build(
                &spec.supplemental_groups.rule,
                &spec.supplemental_groups.ranges,
                "SupplementalGroups",
            )?,
            fs_group: Group::build(&spec.fs_group.rule, &spec.fs_group.ranges, "FSGroup")?,
            se_linux: SeLinux::build(&spec.se_linux)?,
            capabilities: Capabilities::build(spec),
            sysctls: Sysctls::build(spec),
            seccomp: Seccomp::build(annotations),
            apparmor: AppArmor::build(annotations),
        })
    }

    /// Sets the defaults the policy generates for fields the pod leaves unset.
    pub fn mutate(&self, pod: &mut Pod) {
        let psc = pod.spec.security_context.clone().unwrap_or_default();
        let mut new = psc.clone();
        if new.supplemental_groups.is_none() {
            new.supplemental_groups = self.supplemental_groups.generate();
        }
        if new.fs_group.is_none() {
            new.fs_group = self.fs_group.generate_single();
        }
        if new.se_linux_options.is_none() {
            new.se_linux_options = self.se_linux.generate();
        }
        if new != psc {
            pod.spec.security_context = Some(new);
        }
        let had_annotations = pod.metadata.annotations.is_some();
        let annotations = pod.metadata.annotations.get_or_insert_with(BTreeMap::new);
        let current = annotations.get(SECCOMP_POD).map(String::as_str);
        let field = pod
            .spec
            .security_context
            .as_ref()
            .and_then(|s| s.seccomp_profile.as_ref());
        let profile = self.seccomp.generate(current, field);
        if !profile.is_empty() {
            annotations.insert(SECCOMP_POD.to_string(), profile);
        }
        if let Some(rc) = &self.spec.runtime_class {
            if pod.spec.runtime_class_name.is_none() {
                pod.spec.runtime_class_name = rc.default_runtime_class_name.clone();
            }
        }
        let psc = pod.spec.security_context.clone().unwrap_or_default();
        let annotations = pod.metadata.annotations.get_or_insert_with(BTreeMap::new);
        for c in pod.spec.init_containers.iter_mut().flatten() {
            self.mutate_container(&psc, annotations, c);
        }
        for c in &mut pod.spec.containers {
            self.mutate_container(&psc, annotations, c);
        }
        if !had_annotations && annotations.is_empty() {
            pod.metadata.annotations = None;
        }
    }

    fn mutate_container(
        &self,
        psc: &PodSecurityContext,
        annotations: &mut BTreeMap<String, String>,
        c: &mut Container,
    ) {
        let before = c.security_context.clone().unwrap_or_default();
        let mut sc = before.clone();
        if sc.run_as_user.or(psc.run_as_user).is_none() {
            sc.run_as_user = self.run_as_user.generate();
        }
        if sc.run_as_group.or(psc.run_as_group).is_none() {
            sc.run_as_group = self.run_as_group.generate_single();
        }
        if sc.se_linux_options.is_none() && psc.se_linux_options.is_none() {
            sc.se_linux_options = self.se_linux.generate();
        }
        if let Some((k, v)) = self.apparmor.generate(annotations, &c.name) {
            annotations.insert(k, v);
        }
        let non_root = sc.run_as_non_root.or(psc.run_as_non_root);
        let user = sc.run_as_user.or(psc.run_as_user);
        if non_root.is_none() && user.is_none() && self.run_as_user == RunAsUser::MustRunAsNonRoot {
            sc.run_as_non_root = Some(true);
        }
        sc.capabilities = self.capabilities.generate(sc.capabilities.as_ref());
        if self.spec.read_only_root_filesystem && sc.read_only_root_filesystem.is_none() {
            sc.read_only_root_filesystem = Some(true);
        }
        if sc.allow_privilege_escalation.is_none() {
            sc.allow_privilege_escalation = self.spec.default_allow_privilege_escalation;
        }
        if !self.spec.allows_privilege_escalation() && sc.allow_privilege_escalation.is_none() {
            sc.allow_privilege_escalation = Some(false);
        }
        if sc != before {
            c.security_context = Some(sc);
        }
    }

    /// Validates the (defaulted) pod; errors in upstream's order.
    pub fn validate(&self, pod: &Pod) -> Vec<FieldError> {
        let mut errs = vec![];
        let psc = pod.spec.security_context.clone().unwrap_or_default();
        let empty = BTreeMap::new();
        let annotations = pod.metadata.annotations.as_ref().unwrap_or(&empty);
        let p = "spec.securityContext";
        let fs = psc.fs_group.map(|g| vec![g]);
        errs.extend(
            self.fs_group
                .validate(&format!("{p}.fsGroup"), fs.as_deref()),
        );
        errs.extend(self.supplemental_groups.validate(
            &format!("{p}.supplementalGroups"),
            psc.supplemental_groups.as_deref(),
        ));
        errs.extend(
            self.seccomp
                .validate_pod(annotations, psc.seccomp_profile.as_ref()),
        );
        errs.extend(self.se_linux.validate(
            &format!("{p}.seLinuxOptions"),
            psc.se_linux_options.as_ref(),
        ));
        let spec = &pod.spec;
        let host = [
            (
                spec.host_network,
                self.spec.host_network,
                "hostNetwork",
                "Host network",
            ),
            (spec.host_pid, self.spec.host_pid, "hostPID", "Host PID"),
            (spec.host_ipc, self.spec.host_ipc, "hostIPC", "Host IPC"),
        ];
        for (used, allowed, field, what) in host {
            if used == Some(true) && !allowed {
                errs.push(FieldError::invalid(
                    format!("{p}.{field}"),
                    "true".into(),
                    format!("{what} is not allowed to be used"),
                ));
            }
        }
        errs.extend(
            self.sysctls
                .validate(psc.sysctls.as_deref().unwrap_or_default()),
        );
        errs.extend(volumes::validate(&self.spec, spec));
        if let Some(rc) = &self.spec.runtime_class {
            if let Some(name) = &spec.runtime_class_name {
                let names = &rc.allowed_runtime_class_names;
                if !names.iter().any(|n| n == "*" || n == name) {
                    errs.push(FieldError::invalid(
                        "spec.runtimeClassName",
                        go_quote(name),
                        "",
                    ));
                }
            }
        }
        for (path, c) in volumes::containers_with_paths(spec) {
            errs.extend(self.validate_container(&psc, annotations, c, &path));
        }
        errs
    }

    fn validate_container(
        &self,
        psc: &PodSecurityContext,
        annotations: &BTreeMap<String, String>,
        c: &Container,
        path: &str,
    ) -> Vec<FieldError> {
        let sc = c.security_context.clone().unwrap_or_default();
        let scp = format!("{path}.securityContext");
        let mut errs = self.run_as_user.validate(
            &scp,
            sc.run_as_non_root.or(psc.run_as_non_root),
            sc.run_as_user.or(psc.run_as_user),
        );
        let group = sc.run_as_group.or(psc.run_as_group).map(|g| vec![g]);
        // Upstream passes the securityContext path itself, not `.runAsGroup`.
        errs.extend(self.run_as_group.validate(&scp, group.as_deref()));
        let selinux = sc
            .se_linux_options
            .as_ref()
            .or(psc.se_linux_options.as_ref());
        errs.extend(
            self.se_linux
                .validate(&format!("{scp}.seLinuxOptions"), selinux),
        );
        errs.extend(self.apparmor.validate(annotations, &c.name));
        errs.extend(self.seccomp.validate_container(
            &c.name,
            annotations,
            sc.seccomp_profile.as_ref(),
            psc.seccomp_profile.as_ref(),
        ));
        if !self.spec.privileged && sc.privileged == Some(true) {
            errs.push(FieldError::invalid(
                format!("{scp}.privileged"),
                "true".into(),
                "Privileged containers are not allowed",
            ));
        }
        let proc_mount = sc.proc_mount.as_deref().unwrap_or("Default");
        let allowed = &self.spec.allowed_proc_mount_types;
        let ok = if allowed.is_empty() {
            proc_mount == "Default"
        } else {
            allowed.iter().any(|a| a == proc_mount)
        };
        if !ok {
            errs.push(FieldError::invalid(
                format!("{scp}.procMount"),
                go_quote(proc_mount),
                "ProcMountType is not allowed",
            ));
        }
        errs.extend(
            self.capabilities
                .validate(&format!("{scp}.capabilities"), sc.capabilities.as_ref()),
        );
        for port in c.ports.iter().flatten() {
            let hp = i64::from(port.host_port.unwrap_or(0));
            let in_range = self
                .spec
                .host_ports
                .iter()
                .any(|r| hp >= r.min && hp <= r.max);
            if hp > 0 && !in_range {
                errs.push(FieldError::invalid(
                    format!("{path}.hostPort"),
                    hp.to_string(),
                    format!(
                        "Host port {hp} is not allowed to be used. Allowed ports: [{}]",
                        host_port_ranges(&self.spec)
                    ),
                ));
            }
        }
        if self.spec.read_only_root_filesystem {
            match sc.read_only_root_filesystem {
                None => errs.push(FieldError::invalid(
                    format!("{scp}.readOnlyRootFilesystem"),
                    "null".into(),
                    "ReadOnlyRootFilesystem may not be nil and must be set to true",
                )),
                Some(false) => errs.push(FieldError::invalid(
                    format!("{scp}.readOnlyRootFilesystem"),
                    "false".into(),
                    "ReadOnlyRootFilesystem must be set to true",
                )),
                Some(true) => {}
            }
        }
        let ape = sc.allow_privilege_escalation;
        if !self.spec.allows_privilege_escalation() && ape != Some(false) {
            errs.push(FieldError::invalid(
                format!("{scp}.allowPrivilegeEscalation"),
                go_opt_bool(ape),
                "Allowing privilege escalation for containers is not allowed",
            ));
        }
        errs
    }
}

/// `80,8000-8080`: single ports bare, ranges with a dash, comma-joined.
fn host_port_ranges(spec: &PodSecurityPolicySpec) -> String {
    let parts: Vec<String> = spec
        .host_ports
        .iter()
        .map(|r| {
            if r.min == r.max {
                r.min.to_string()
            } else {
                format!("{}-{}", r.min, r.max)
            }
        })
        .collect();
    parts.join(",")
}
