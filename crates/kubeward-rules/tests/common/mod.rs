//! A test-only `k8s_audit` source: the field names of Falco's k8saudit and json
//! plugins (all strings), with extraction for the handful the tests exercise.
#![allow(dead_code)]

use kubeward_rules::source::{
    ArgSpec, Event, FieldArg, FieldDef, FieldRef, FieldType, SourceSpec, Value,
};
use serde_json::Value as Json;

const PLAIN: &[&str] = &[
    "ka.auditid",
    "ka.stage",
    "ka.verb",
    "ka.uri",
    "ka.useragent",
    "ka.auth.decision",
    "ka.auth.reason",
    "ka.auth.openshift.decision",
    "ka.auth.openshift.username",
    "ka.validations.admission.policy.failure",
    "ka.security.pod.violations",
    "ka.cluster.name",
    "ka.user.name",
    "ka.impuser.name",
    "ka.target.name",
    "ka.target.namespace",
    "ka.target.resource",
    "ka.target.subresource",
    "ka.target.pod.name",
    "ka.req.binding.role",
    "ka.req.configmap.name",
    "ka.req.configmap.obj",
    "ka.req.pod.host_ipc",
    "ka.req.pod.host_network",
    "ka.req.pod.host_pid",
    "ka.req.container.host_network",
    "ka.req.pod.run_as_user",
    "ka.req.pod.run_as_group",
    "ka.req.pod.fs_group",
    "ka.req.container.image",
    "ka.req.container.image.repository",
    "ka.req.container.privileged",
    "ka.req.service.type",
    "ka.resp.name",
    "ka.response.code",
    "ka.response.reason",
    "jevt.obj",
    "jevt.rawtime",
    "json.obj",
    "json.rawtime",
];
const LISTS: &[&str] = &[
    "ka.user.groups",
    "ka.req.binding.subjects",
    "ka.req.binding.subjects.user_names",
    "ka.req.binding.subjects.group_names",
    "ka.req.binding.subjects.serviceaccount_names",
    "ka.req.binding.subjects.serviceaccount_ns_names",
    "ka.req.pod.supplemental_groups",
    "ka.req.role.rules",
];
const INDEXED_LISTS: &[&str] = &[
    "ka.req.pod.containers.name",
    "ka.req.pod.containers.image",
    "ka.req.pod.containers.image.repository",
    "ka.req.pod.containers.privileged",
    "ka.req.pod.containers.host_port",
    "ka.req.pod.containers.add_capabilities",
    "ka.req.pod.containers.allow_privilege_escalation",
    "ka.req.pod.containers.read_only_fs",
    "ka.req.pod.containers.eff_run_as_user",
    "ka.req.pod.containers.eff_run_as_group",
    "ka.req.pod.initContainers.image",
    "ka.req.pod.initContainers.privileged",
    "ka.req.pod.ephemeralContainers.image",
    "ka.req.pod.ephemeralContainers.privileged",
    "ka.req.pod.volumes.hostpath",
    "ka.req.pod.volumes.flexvolume_driver",
    "ka.req.pod.volumes.volume_type",
    "ka.req.role.rules.apiGroups",
    "ka.req.role.rules.resources",
    "ka.req.role.rules.verbs",
    "ka.req.role.rules.nonResourceURLs",
    "ka.req.service.ports",
    "ka.sourceips",
];
const KEYED: &[&str] = &[
    "ka.uri.param",
    "ka.req.volume.hostpath",
    "ka.req.binding.subject.has_name",
    "jevt.value",
    "json.value",
];

pub fn k8s_spec() -> SourceSpec {
    let mut fields = Vec::new();
    let mut id = 0;
    let mut add = |name: &str, list: bool, arg: ArgSpec| {
        let mut f = FieldDef::new(id, name.to_owned(), FieldType::String, "test field").arg(arg);
        f.list = list;
        fields.push(f);
        id += 1;
    };
    PLAIN.iter().for_each(|n| add(n, false, ArgSpec::NONE));
    LISTS.iter().for_each(|n| add(n, true, ArgSpec::NONE));
    INDEXED_LISTS
        .iter()
        .for_each(|n| add(n, true, ArgSpec::index(false)));
    KEYED.iter().for_each(|n| add(n, false, ArgSpec::key(true)));
    SourceSpec::new("k8s_audit", fields)
        .with_plugin("k8saudit", "0.18.0")
        .with_plugin("json", "0.7.4")
}

/// A JSON audit event.
pub struct Ev {
    pub json: Json,
    pub names: Vec<String>,
}

impl Ev {
    pub fn new(json: Json) -> Ev {
        let spec = k8s_spec();
        Ev {
            json,
            names: spec.fields.iter().map(|f| f.name.to_string()).collect(),
        }
    }
}

fn text(v: &Json) -> Value<'_> {
    match v {
        Json::String(s) => Value::str(s),
        other => Value::string(other.to_string()),
    }
}

impl Event for Ev {
    fn time_ns(&self) -> i64 {
        1_700_000_000_123_456_789
    }

    fn extract<'e>(&'e self, f: &FieldRef, out: &mut Vec<Value<'e>>) {
        let Some(name) = self.names.get(f.id as usize) else {
            return;
        };
        let j = &self.json;
        let ptr = |p: &str| j.pointer(p);
        let one = |p: &str, out: &mut Vec<Value<'e>>| {
            if let Some(v) = j.pointer(p) {
                out.push(text(v));
            }
        };
        match name.as_str() {
            "ka.verb" => one("/verb", out),
            "ka.stage" => one("/stage", out),
            "ka.user.name" => one("/user/username", out),
            "ka.target.namespace" => one("/objectRef/namespace", out),
            "ka.target.resource" => one("/objectRef/resource", out),
            "ka.target.name" => one("/objectRef/name", out),
            "ka.target.subresource" => one("/objectRef/subresource", out),
            "ka.uri" => one("/requestURI", out),
            "ka.response.code" => one("/responseStatus/code", out),
            "ka.auth.decision" => one("/annotations/authorization.k8s.io~1decision", out),
            "ka.req.pod.host_network" => one("/requestObject/spec/hostNetwork", out),
            "jevt.rawtime" => out.push(Value::string(self.time_ns().to_string())),
            "ka.user.groups" => {
                if let Some(Json::Array(a)) = ptr("/user/groups") {
                    out.extend(a.iter().map(text));
                }
            }
            "ka.req.pod.containers.image" | "ka.req.pod.containers.privileged" => {
                let key = if name.ends_with("image") {
                    "/image"
                } else {
                    "/securityContext/privileged"
                };
                if let Some(Json::Array(cs)) = ptr("/requestObject/spec/containers") {
                    for (i, c) in cs.iter().enumerate() {
                        if matches!(f.arg, FieldArg::Index(n) if n as usize != i) {
                            continue;
                        }
                        if let Some(v) = c.pointer(key) {
                            out.push(text(v));
                        }
                    }
                }
            }
            "jevt.value" | "json.value" => {
                if let FieldArg::Key(k) = &f.arg {
                    let p = if k.starts_with('/') {
                        k.to_string()
                    } else {
                        format!("/{k}")
                    };
                    one(&p, out);
                }
            }
            _ => {}
        }
    }
}
