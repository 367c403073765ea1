//! From a PodSecurityPolicy to a Pod Security Standards level.
//!
//! For each setting, kubeward builds the most permissive pod the policy lets through on
//! that setting (as stored, that is after the policy's defaulting) on top of a pod that
//! meets `restricted`, and asks the Pod Security Standards evaluator of this crate which
//! levels admit it, at which versions. The policy's level is the most permissive of its
//! settings' levels; the reasons are PSA's own words. Settings PSA cannot express (and
//! every default PSP injected, since PSA never mutates) are listed separately.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::{Value, json};

use super::load::Policy;
use super::types::{APPARMOR_ALLOWED, APPARMOR_DEFAULT, SECCOMP_ALLOWED, SECCOMP_DEFAULT};
use crate::standards::{Level, NEWEST_MINOR, PolicyVersion, evaluate};

/// Why a setting needs a level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The policy field, e.g. `spec.hostNetwork`.
    pub field: String,
    /// The strictest level admitting what the setting allows.
    pub level: Level,
    /// PSA's reasons for refusing the stricter level(s).
    pub reason: String,
}

/// A setting PSA cannot express.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The PSP field the note is about, e.g. `spec.allowedHostPaths`.
    pub field: String,
    /// What Pod Security Admission cannot express about it.
    pub message: String,
}

/// The migration of one policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Migration {
    /// The policy's name.
    pub policy: String,
    /// The level the policy maps to: the strictest level that admits what every setting allows.
    pub level: Level,
    /// The first policy version from which `level` admits every probe (through
    /// [`NEWEST_MINOR`]).
    pub min_version: u32,
    /// Settings that need a level more permissive than `restricted`.
    pub findings: Vec<Finding>,
    /// Settings Pod Security Admission cannot express at all.
    pub notes: Vec<Note>,
}

impl Migration {
    /// Namespace labels to set: enforce, plus warn and audit to roll out with.
    pub fn labels(&self) -> Vec<(String, String)> {
        let version = format!("v1.{NEWEST_MINOR}");
        ["enforce", "warn", "audit"]
            .iter()
            .flat_map(|mode| {
                [
                    (
                        format!("pod-security.kubernetes.io/{mode}"),
                        self.level.to_string(),
                    ),
                    (
                        format!("pod-security.kubernetes.io/{mode}-version"),
                        version.clone(),
                    ),
                ]
            })
            .collect()
    }
}

/// A pod that meets `restricted` at every version.
fn base() -> Value {
    json!({
        "metadata": {},
        "spec": {
            "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "c", "image": "i", "securityContext": {
                "allowPrivilegeEscalation": false,
                "capabilities": {"drop": ["ALL"]}
            }}]
        }
    })
}

struct Probe {
    field: String,
    pod: Value,
}

fn probe(field: &str, edit: impl FnOnce(&mut Value)) -> Probe {
    let mut pod = base();
    edit(&mut pod);
    Probe {
        field: field.to_string(),
        pod,
    }
}

fn container(pod: &mut Value) -> &mut Value {
    &mut pod["spec"]["containers"][0]["securityContext"]
}

/// A minimal volume source of each PSP type (unknown keys are ignored when decoding, so
/// one superset of required fields serves every source).
fn volume(kind: &str) -> Value {
    let key = if kind == "cephFS" { "cephfs" } else { kind };
    let source = json!({
        "path": "/", "server": "s", "driver": "d", "pdName": "p", "volumeID": "v",
        "diskName": "d", "diskURI": "u", "shareName": "s", "secretName": "s",
        "monitors": ["m"], "image": "i", "targetPortal": "t", "iqn": "i", "lun": 0,
        "endpoints": "e", "claimName": "c", "registry": "r", "volume": "v",
        "volumePath": "p", "repository": "r", "gateway": "g", "system": "s",
        "secretRef": {"name": "s"}, "sources": [], "datasetName": "d", "items": []
    });
    let mut v = json!({"name": "v"});
    v[key] = source;
    v
}

fn probes(p: &Policy) -> (Vec<Probe>, bool) {
    let s = &p.spec;
    let mut out = vec![];
    // Settings no probe can express fully: wildcards on open-ended name spaces.
    let mut wildcard = false;
    if s.privileged {
        out.push(probe("spec.privileged", |v| {
            container(v)["privileged"] = json!(true)
        }));
    }
    for (on, name) in [
        (s.host_network, "hostNetwork"),
        (s.host_pid, "hostPID"),
        (s.host_ipc, "hostIPC"),
    ] {
        if on {
            out.push(probe(&format!("spec.{name}"), |v| {
                v["spec"][name] = json!(true)
            }));
        }
    }
    for r in s.host_ports.iter().filter(|r| r.max > 0) {
        let port = r.min.max(1);
        out.push(probe("spec.hostPorts", |v| {
            v["spec"]["containers"][0]["ports"] =
                json!([{"containerPort": port, "hostPort": port}]);
        }));
    }
    for t in &s.volumes {
        let kind = if t == "*" { "hostPath" } else { t.as_str() };
        out.push(probe("spec.volumes", |v| {
            v["spec"]["volumes"] = json!([volume(kind)])
        }));
    }
    for (field, caps) in [
        ("spec.allowedCapabilities", &s.allowed_capabilities),
        ("spec.defaultAddCapabilities", &s.default_add_capabilities),
    ] {
        for cap in caps {
            out.push(probe(field, |v| {
                container(v)["capabilities"]["add"] = json!([cap])
            }));
        }
    }
    let drops = s.required_drop_capabilities.clone();
    out.push(probe("spec.requiredDropCapabilities", |v| {
        container(v)["capabilities"] = if drops.is_empty() {
            json!({})
        } else {
            json!({"drop": drops})
        };
    }));
    if s.allows_privilege_escalation() {
        out.push(probe("spec.allowPrivilegeEscalation", |v| {
            container(v)["allowPrivilegeEscalation"] = json!(true);
        }));
    }
    match s.run_as_user.rule.as_str() {
        "MustRunAsNonRoot" => {}
        "MustRunAs" => {
            for r in &s.run_as_user.ranges {
                out.push(probe("spec.runAsUser", |v| {
                    container(v)["runAsUser"] = json!(r.min)
                }));
            }
        }
        _ => out.push(probe("spec.runAsUser", |v| {
            v["spec"]["securityContext"]["runAsNonRoot"] = json!(false);
            container(v)["runAsUser"] = json!(0);
        })),
    }
    let selinux = match s.se_linux.rule.as_str() {
        "MustRunAs" => s
            .se_linux
            .se_linux_options
            .as_ref()
            .and_then(|o| serde_json::to_value(o).ok()),
        _ => Some(json!({"user": "system_u", "role": "system_r", "type": "spc_t"})),
    };
    if let Some(opts) = selinux {
        out.push(probe("spec.seLinux", |v| {
            v["spec"]["securityContext"]["seLinuxOptions"] = opts
        }));
    }
    for t in &s.allowed_proc_mount_types {
        out.push(probe("spec.allowedProcMountTypes", |v| {
            container(v)["procMount"] = json!(t)
        }));
    }
    for name in &s.allowed_unsafe_sysctls {
        if name.ends_with('*') {
            wildcard = true;
            continue;
        }
        out.push(probe("spec.allowedUnsafeSysctls", |v| {
            v["spec"]["securityContext"]["sysctls"] = json!([{"name": name, "value": "1"}]);
        }));
    }
    match p.annotations.get(SECCOMP_ALLOWED) {
        // Nothing may be set: pods run without a profile.
        None => out.push(probe("seccomp allowedProfileNames", |v| {
            v["spec"]["securityContext"]["seccompProfile"].take();
            strip_nulls(v);
        })),
        Some(list) => {
            for entry in list.split(',') {
                out.push(probe("seccomp allowedProfileNames", |v| {
                    seccomp_probe(v, entry)
                }));
            }
        }
    }
    let apparmor_key = "container.apparmor.security.beta.kubernetes.io/c";
    match p.annotations.get(APPARMOR_ALLOWED) {
        None => out.push(probe("apparmor allowedProfileNames", |v| {
            v["metadata"]["annotations"] = json!({apparmor_key: "unconfined"});
        })),
        Some(list) => {
            for entry in list.split(',') {
                out.push(probe("apparmor allowedProfileNames", |v| {
                    v["metadata"]["annotations"] = json!({apparmor_key: entry});
                }));
            }
        }
    }
    (out, wildcard)
}

fn seccomp_probe(v: &mut Value, entry: &str) {
    let field = match entry {
        "*" | "unconfined" => Some(json!({"type": "Unconfined"})),
        "runtime/default" | "docker/default" => Some(json!({"type": "RuntimeDefault"})),
        "" => None,
        other => other
            .strip_prefix("localhost/")
            .map(|p| json!({"type": "Localhost", "localhostProfile": p})),
    };
    match field {
        Some(f) => container(v)["seccompProfile"] = f,
        None => {
            v["spec"]["securityContext"]["seccompProfile"].take();
            strip_nulls(v);
        }
    }
}

fn strip_nulls(v: &mut Value) {
    if let Some(m) = v["spec"]["securityContext"].as_object_mut() {
        m.retain(|_, x| !x.is_null());
    }
}

fn decode(pod: &Value) -> Option<(ObjectMeta, PodSpec)> {
    let meta = serde_json::from_value(pod["metadata"].clone()).ok()?;
    let spec = serde_json::from_value(pod["spec"].clone()).ok()?;
    Some((meta, spec))
}

fn passes(level: Level, minor: u32, pod: &(ObjectMeta, PodSpec)) -> bool {
    evaluate(level, PolicyVersion::V1(minor), &pod.0, &pod.1).is_empty()
}

/// The migration of one policy.
pub fn migrate(p: &Policy) -> Migration {
    let (probes, wildcard) = probes(p);
    let decoded: Vec<(String, Option<(ObjectMeta, PodSpec)>)> = probes
        .iter()
        .map(|pr| (pr.field.clone(), decode(&pr.pod)))
        .collect();
    let mut findings = vec![];
    for (field, pod) in &decoded {
        let Some(pod) = pod else {
            findings.push(Finding {
                field: field.clone(),
                level: Level::Privileged,
                reason: "kubeward could not build a probe pod".into(),
            });
            continue;
        };
        let latest = PolicyVersion::V1(NEWEST_MINOR);
        for level in [Level::Restricted, Level::Baseline] {
            let v = evaluate(level, latest, &pod.0, &pod.1);
            if v.is_empty() {
                if level == Level::Baseline {
                    let why = evaluate(Level::Restricted, latest, &pod.0, &pod.1);
                    findings.push(finding(field, level, &why));
                }
                break;
            }
            if level == Level::Baseline {
                findings.push(finding(field, Level::Privileged, &v));
            }
        }
    }
    if wildcard {
        findings.push(Finding {
            field: "spec.allowedUnsafeSysctls".into(),
            level: Level::Privileged,
            reason: "a wildcard admits sysctls outside every level's safe list".into(),
        });
    }
    findings.dedup();
    let level = findings
        .iter()
        .map(|f| f.level)
        .min()
        .unwrap_or(Level::Restricted);
    let pods: Vec<&(ObjectMeta, PodSpec)> =
        decoded.iter().filter_map(|(_, p)| p.as_ref()).collect();
    let mut min_version = NEWEST_MINOR;
    while min_version > 0 && pods.iter().all(|pod| passes(level, min_version - 1, pod)) {
        min_version -= 1;
    }
    Migration {
        policy: p.name.clone(),
        level,
        min_version,
        findings,
        notes: notes(p),
    }
}

fn finding(field: &str, level: Level, why: &[crate::standards::Violation]) -> Finding {
    let reasons: Vec<String> = why.iter().map(|v| v.long_form()).collect();
    Finding {
        field: field.to_string(),
        level,
        reason: reasons.join(", "),
    }
}

fn notes(p: &Policy) -> Vec<Note> {
    let s = &p.spec;
    let mut n = vec![];
    let mut add = |field: &str, message: String| {
        n.push(Note {
            field: field.into(),
            message,
        })
    };
    if !s.default_add_capabilities.is_empty() {
        add(
            "spec.defaultAddCapabilities",
            format!(
                "PSA adds nothing: containers that need {:?} must add them in capabilities.add",
                s.default_add_capabilities
            ),
        );
    }
    if !s.required_drop_capabilities.is_empty() {
        add(
            "spec.requiredDropCapabilities",
            format!(
                "PSA drops nothing: every container must list {:?} in capabilities.drop itself",
                s.required_drop_capabilities
            ),
        );
    }
    match s.run_as_user.rule.as_str() {
        "MustRunAs" => add("spec.runAsUser", "PSA does not default runAsUser nor check ranges: set runAsUser (and runAsNonRoot: true) in the manifests".into()),
        "MustRunAsNonRoot" => add("spec.runAsUser", "PSA does not default runAsNonRoot: set runAsNonRoot: true in the manifests".into()),
        _ => {}
    }
    for (field, rule) in [
        (
            "spec.runAsGroup",
            s.run_as_group.as_ref().map(|g| g.rule.as_str()),
        ),
        (
            "spec.supplementalGroups",
            Some(s.supplemental_groups.rule.as_str()),
        ),
        ("spec.fsGroup", Some(s.fs_group.rule.as_str())),
    ] {
        match rule {
            Some("MustRunAs") => add(field, "no PSS equivalent: group ranges are not checked and the default group is not injected; set it in the manifests".into()),
            Some("MayRunAs") => add(field, "no PSS equivalent: group ranges are not checked".into()),
            _ => {}
        }
    }
    for (set, field, note) in [
        (
            s.se_linux.rule == "MustRunAs",
            "spec.seLinux",
            "PSA does not inject seLinuxOptions nor require a fixed context: set them in the manifests",
        ),
        (
            s.read_only_root_filesystem,
            "spec.readOnlyRootFilesystem",
            "no PSS equivalent: set readOnlyRootFilesystem: true in every container",
        ),
        (
            s.default_allow_privilege_escalation.is_some() || !s.allows_privilege_escalation(),
            "spec.defaultAllowPrivilegeEscalation",
            "PSA does not default allowPrivilegeEscalation: set it in every container",
        ),
        (
            !s.allowed_host_paths.is_empty(),
            "spec.allowedHostPaths",
            "no PSS equivalent: PSA allows any hostPath (privileged) or none",
        ),
        (
            !s.forbidden_sysctls.is_empty(),
            "spec.forbiddenSysctls",
            "no PSS equivalent: PSA allows exactly its safe list at baseline",
        ),
        (
            !s.allowed_flex_volumes.is_empty(),
            "spec.allowedFlexVolumes",
            "no PSS equivalent: driver restrictions are lost",
        ),
        (
            !s.allowed_csi_drivers.is_empty(),
            "spec.allowedCSIDrivers",
            "no PSS equivalent: driver restrictions are lost",
        ),
        (
            s.runtime_class.is_some(),
            "spec.runtimeClass",
            "no PSS equivalent: set runtimeClassName in the manifests; map runtime-class allowances to PSA runtimeClasses exemptions",
        ),
    ] {
        if set {
            add(field, note.into());
        }
    }
    for key in [SECCOMP_DEFAULT, APPARMOR_DEFAULT] {
        if let Some(d) = p.annotations.get(key) {
            add(
                &format!("metadata.annotations[{key}]"),
                format!("PSA injects no default profile: set {d} in the manifests"),
            );
        }
    }
    n
}
