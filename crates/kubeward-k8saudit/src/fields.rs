//! The field table of the `k8s_audit` source: every field of Falco's k8saudit plugin
//! (`ka.*`) and json plugin (`json.*`, `jevt.*`), in the plugins' order, with how each
//! is extracted. All fields are strings, as in the plugins.

/// What argument a field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgSpec {
    /// No argument allowed.
    None,
    /// An optional index (`[0]`).
    OptionalIndex,
    /// A required key (`[command]`, `[/user/username]`).
    RequiredKey,
}

/// One field of the source.
#[derive(Debug, Clone, Copy)]
pub struct FieldInfo {
    /// The field name as rules write it, e.g. `ka.user.name` or `jevt.value`.
    pub name: &'static str,
    /// A list field (`in`, `intersects`, `exists` only).
    pub is_list: bool,
    /// Whether and how the field takes an argument in brackets.
    pub arg: ArgSpec,
    /// The plugin's one-line description, as `--list` prints it.
    pub desc: &'static str,
    pub(crate) how: How,
}

/// The extraction recipe; see `extract.rs` for the semantics of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum How {
    Keys(&'static [&'static str]),
    KeysList(&'static [&'static str]),
    UriParam,
    TargetPodName,
    SubjectsOfKind(&'static str),
    SubjectsSaNs,
    HasName,
    Group(Group, Sub),
    FirstImage,
    FirstRepository,
    AnyPrivileged,
    SkipNil(&'static [&'static str]),
    VolumeHostpath,
    VolumeType,
    RulesField(&'static str),
    JsonValue,
    JsonObj,
    JsonRawtime,
}

/// Which container array of the pod spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Group {
    Containers,
    Init,
    Ephemeral,
}

impl Group {
    pub(crate) fn key(self) -> &'static str {
        match self {
            Group::Containers => "containers",
            Group::Init => "initContainers",
            Group::Ephemeral => "ephemeralContainers",
        }
    }
}

/// Per-container sub-field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sub {
    Name,
    Image,
    Repository,
    Command,
    Args,
    /// A key path under each container, values of containers lacking it skipped.
    Path(&'static [&'static str]),
    /// The plugin's effective run-as id (see `extract.rs`).
    Effective(&'static str),
    HostPort,
}

const fn f(name: &'static str, how: How, desc: &'static str) -> FieldInfo {
    FieldInfo {
        name,
        is_list: false,
        arg: ArgSpec::None,
        desc,
        how,
    }
}
const fn list(name: &'static str, how: How, desc: &'static str) -> FieldInfo {
    FieldInfo {
        name,
        is_list: true,
        arg: ArgSpec::None,
        desc,
        how,
    }
}
const fn indexed(name: &'static str, how: How, desc: &'static str) -> FieldInfo {
    FieldInfo {
        name,
        is_list: true,
        arg: ArgSpec::OptionalIndex,
        desc,
        how,
    }
}
const fn keyed(name: &'static str, how: How, desc: &'static str) -> FieldInfo {
    FieldInfo {
        name,
        is_list: false,
        arg: ArgSpec::RequiredKey,
        desc,
        how,
    }
}

const SC_PRIV: &[&str] = &["securityContext", "privileged"];
const SC_APE: &[&str] = &["securityContext", "allowPrivilegeEscalation"];
const SC_ROFS: &[&str] = &["securityContext", "readOnlyRootFilesystem"];
const SC_UID: &[&str] = &["securityContext", "runAsUser"];
const SC_GID: &[&str] = &["securityContext", "runAsGroup"];
const SC_PROC: &[&str] = &["securityContext", "procMount"];
const SC_CAPS: &[&str] = &["securityContext", "capabilities", "add"];

macro_rules! container_group {
    ($g:expr, $p:literal, $what:literal) => {
        [
            indexed(concat!($p, ".name"), How::Group($g, Sub::Name), concat!("Pod requests: the names of the ", $what, " (missing if any lacks one).")),
            indexed(concat!($p, ".image"), How::Group($g, Sub::Image), concat!("Pod requests: the images of the ", $what, " (missing if any lacks one).")),
            indexed(concat!($p, ".image.repository"), How::Group($g, Sub::Repository), concat!("Pod requests: the images of the ", $what, " cut at the first ':' and then at '@'.")),
            indexed(concat!($p, ".command"), How::Group($g, Sub::Command), concat!("Pod requests: the command of each of the ", $what, ", words joined by spaces.")),
            indexed(concat!($p, ".args"), How::Group($g, Sub::Args), concat!("Pod requests: the args of each of the ", $what, ", words joined by spaces.")),
            indexed(concat!($p, ".privileged"), How::Group($g, Sub::Path(SC_PRIV)), concat!("Pod requests: securityContext.privileged of the ", $what, " that set it.")),
            indexed(concat!($p, ".allow_privilege_escalation"), How::Group($g, Sub::Path(SC_APE)), concat!("Pod requests: securityContext.allowPrivilegeEscalation of the ", $what, " that set it.")),
            indexed(concat!($p, ".read_only_fs"), How::Group($g, Sub::Path(SC_ROFS)), concat!("Pod requests: securityContext.readOnlyRootFilesystem of the ", $what, " that set it.")),
            indexed(concat!($p, ".run_as_user"), How::Group($g, Sub::Path(SC_UID)), concat!("Pod requests: securityContext.runAsUser of the ", $what, " that set it.")),
            indexed(concat!($p, ".eff_run_as_user"), How::Group($g, Sub::Effective("runAsUser")), concat!("Pod requests: the uid each of the ", $what, " starts with, from container then pod settings, 0 when unset (as the plugin computes it).")),
            indexed(concat!($p, ".run_as_group"), How::Group($g, Sub::Path(SC_GID)), concat!("Pod requests: securityContext.runAsGroup of the ", $what, " that set it.")),
            indexed(concat!($p, ".eff_run_as_group"), How::Group($g, Sub::Effective("runAsGroup")), concat!("Pod requests: the gid each of the ", $what, " starts with, from container then pod settings, 0 when unset (as the plugin computes it).")),
            indexed(concat!($p, ".proc_mount"), How::Group($g, Sub::Path(SC_PROC)), concat!("Pod requests: securityContext.procMount of the ", $what, " that set it.")),
            indexed(concat!($p, ".add_capabilities"), How::Group($g, Sub::Path(SC_CAPS)), concat!("Pod requests: per each of the ", $what, " that adds capabilities, the whole capabilities.add array as JSON text.")),
        ]
    };
}

const CONTAINERS: [FieldInfo; 14] =
    container_group!(Group::Containers, "ka.req.pod.containers", "containers");
const INIT: [FieldInfo; 14] =
    container_group!(Group::Init, "ka.req.pod.initContainers", "init containers");
const EPHEMERAL: [FieldInfo; 14] = container_group!(
    Group::Ephemeral,
    "ka.req.pod.ephemeralContainers",
    "ephemeral containers"
);

const BASE: &[FieldInfo] = &[
    f(
        "ka.auditid",
        How::Keys(&["auditID"]),
        "The audit ID of the request, shared by all its stages.",
    ),
    f(
        "ka.stage",
        How::Keys(&["stage"]),
        "The stage the event was recorded at (RequestReceived, ResponseStarted, ResponseComplete, Panic).",
    ),
    f(
        "ka.auth.decision",
        How::Keys(&["annotations", "authorization.k8s.io/decision"]),
        "The authorizer's decision (allow or forbid).",
    ),
    f(
        "ka.auth.reason",
        How::Keys(&["annotations", "authorization.k8s.io/reason"]),
        "Why the authorizer decided so (e.g. the RBAC binding that allowed it).",
    ),
    f(
        "ka.auth.openshift.decision",
        How::Keys(&["annotations", "authentication.openshift.io/decision"]),
        "OpenShift only: the decision of its authentication extension.",
    ),
    f(
        "ka.validations.admission.policy.failure",
        How::Keys(&[
            "annotations",
            "validation.policy.admission.k8s.io/validation_failure",
        ]),
        "What a ValidatingAdmissionPolicy reported as failed.",
    ),
    f(
        "ka.security.pod.violations",
        How::Keys(&["annotations", "pod-security.kubernetes.io/audit-violations"]),
        "The Pod Security audit violations recorded for the request.",
    ),
    f(
        "ka.auth.openshift.username",
        How::Keys(&["annotations", "authentication.openshift.io/username"]),
        "OpenShift only: the user its authentication extension saw.",
    ),
    f(
        "ka.user.name",
        How::Keys(&["user", "username"]),
        "The name of the user who sent the request.",
    ),
    list(
        "ka.user.groups",
        How::KeysList(&["user", "groups"]),
        "The groups of the user who sent the request.",
    ),
    f(
        "ka.impuser.name",
        How::Keys(&["impersonatedUser", "username"]),
        "The user the request impersonated, if any.",
    ),
    f(
        "ka.verb",
        How::Keys(&["verb"]),
        "The request verb (get, list, watch, create, update, patch, delete, …).",
    ),
    f(
        "ka.uri",
        How::Keys(&["requestURI"]),
        "The request URI as the client sent it.",
    ),
    keyed(
        "ka.uri.param",
        How::UriParam,
        "The first value of query parameter K of the request URI (ka.uri.param[K]); missing if the URI or its query does not parse.",
    ),
    f(
        "ka.target.name",
        How::Keys(&["objectRef", "name"]),
        "The name of the object the request is about.",
    ),
    f(
        "ka.target.namespace",
        How::Keys(&["objectRef", "namespace"]),
        "The namespace of the object the request is about (missing for cluster-scoped ones).",
    ),
    f(
        "ka.target.resource",
        How::Keys(&["objectRef", "resource"]),
        "The resource of the object the request is about (pods, secrets, …).",
    ),
    f(
        "ka.target.subresource",
        How::Keys(&["objectRef", "subresource"]),
        "The subresource the request is about (exec, attach, status, …).",
    ),
    f(
        "ka.target.pod.name",
        How::TargetPodName,
        "For pod requests without a subresource, the name in the response object.",
    ),
    list(
        "ka.req.binding.subjects",
        How::KeysList(&["requestObject", "subjects"]),
        "Binding requests: each subject of the binding as JSON text.",
    ),
    list(
        "ka.req.binding.subjects.user_names",
        How::SubjectsOfKind("User"),
        "Binding requests: the names of the User subjects.",
    ),
    list(
        "ka.req.binding.subjects.serviceaccount_names",
        How::SubjectsOfKind("ServiceAccount"),
        "Binding requests: the names of the ServiceAccount subjects.",
    ),
    list(
        "ka.req.binding.subjects.serviceaccount_ns_names",
        How::SubjectsSaNs,
        "Binding requests: the ServiceAccount subjects as namespace:name.",
    ),
    list(
        "ka.req.binding.subjects.group_names",
        How::SubjectsOfKind("Group"),
        "Binding requests: the names of the Group subjects.",
    ),
    f(
        "ka.req.binding.role",
        How::Keys(&["requestObject", "roleRef", "name"]),
        "Binding requests: the name of the bound role.",
    ),
    keyed(
        "ka.req.binding.subject.has_name",
        How::HasName,
        "Deprecated; kept for old rules. Always \"true\", as the plugin gives.",
    ),
    f(
        "ka.req.configmap.name",
        How::Keys(&["objectRef", "name"]),
        "ConfigMap requests: the ConfigMap's name.",
    ),
    f(
        "ka.req.configmap.obj",
        How::Keys(&["requestObject", "data"]),
        "ConfigMap requests: the data of the ConfigMap as JSON text.",
    ),
];

const MIDDLE: &[FieldInfo] = &[
    f(
        "ka.req.container.image",
        How::FirstImage,
        "Deprecated (use ka.req.pod.containers.image): the image of the first container.",
    ),
    f(
        "ka.req.container.image.repository",
        How::FirstRepository,
        "Deprecated (use ka.req.pod.containers.image.repository): the repository of the first container's image.",
    ),
    f(
        "ka.req.pod.host_ipc",
        How::Keys(&["requestObject", "spec", "hostIPC"]),
        "Pod requests: spec.hostIPC.",
    ),
    f(
        "ka.req.pod.host_network",
        How::Keys(&["requestObject", "spec", "hostNetwork"]),
        "Pod requests: spec.hostNetwork.",
    ),
    f(
        "ka.req.container.host_network",
        How::Keys(&["requestObject", "spec", "hostNetwork"]),
        "Deprecated alias of ka.req.pod.host_network.",
    ),
    f(
        "ka.req.pod.host_pid",
        How::Keys(&["requestObject", "spec", "hostPID"]),
        "Pod requests: spec.hostPID.",
    ),
    indexed(
        "ka.req.pod.containers.host_port",
        How::Group(Group::Containers, Sub::HostPort),
        "Pod requests: for every container port, its hostPort, or its containerPort when no hostPort is set.",
    ),
    f(
        "ka.req.container.privileged",
        How::AnyPrivileged,
        "Deprecated (use ka.req.pod.containers.privileged): true if any container is privileged, else false.",
    ),
    f(
        "ka.req.pod.run_as_user",
        How::Keys(&["requestObject", "spec", "securityContext", "runAsUser"]),
        "Pod requests: the pod-level securityContext.runAsUser.",
    ),
    f(
        "ka.req.pod.run_as_group",
        How::Keys(&["requestObject", "spec", "securityContext", "runAsGroup"]),
        "Pod requests: the pod-level securityContext.runAsGroup.",
    ),
    list(
        "ka.req.role.rules",
        How::KeysList(&["requestObject", "rules"]),
        "Role requests: each rule of the role as JSON text.",
    ),
    indexed(
        "ka.req.role.rules.apiGroups",
        How::RulesField("apiGroups"),
        "Role requests: the apiGroups of all rules (or of rule [i]).",
    ),
    indexed(
        "ka.req.role.rules.nonResourceURLs",
        How::RulesField("nonResourceURLs"),
        "Role requests: the nonResourceURLs of all rules (or of rule [i]).",
    ),
    indexed(
        "ka.req.role.rules.verbs",
        How::RulesField("verbs"),
        "Role requests: the verbs of all rules (or of rule [i]).",
    ),
    indexed(
        "ka.req.role.rules.resources",
        How::RulesField("resources"),
        "Role requests: the resources of all rules (or of rule [i]).",
    ),
    f(
        "ka.req.pod.fs_group",
        How::Keys(&["requestObject", "spec", "securityContext", "fsGroup"]),
        "Pod requests: the pod-level securityContext.fsGroup.",
    ),
    list(
        "ka.req.pod.supplemental_groups",
        How::KeysList(&[
            "requestObject",
            "spec",
            "securityContext",
            "supplementalGroups",
        ]),
        "Pod requests: the pod-level securityContext.supplementalGroups.",
    ),
    f(
        "ka.req.service.type",
        How::Keys(&["requestObject", "spec", "type"]),
        "Service requests: spec.type.",
    ),
    indexed(
        "ka.req.service.ports",
        How::SkipNil(&["requestObject", "spec", "ports"]),
        "Service requests: the whole spec.ports array as one JSON text (the index is ignored, as in the plugin).",
    ),
    indexed(
        "ka.req.pod.volumes.hostpath",
        How::SkipNil(&["requestObject", "spec", "volumes", "hostPath", "path"]),
        "Pod requests: the hostPath paths of the volumes.",
    ),
    keyed(
        "ka.req.volume.hostpath",
        How::VolumeHostpath,
        "Deprecated (use ka.req.pod.volumes.hostpath): true if a hostPath volume has path K (or starts with K minus a trailing *), else false.",
    ),
    indexed(
        "ka.req.pod.volumes.flexvolume_driver",
        How::SkipNil(&["requestObject", "spec", "volumes", "flexVolume", "driver"]),
        "Pod requests: the flexVolume drivers of the volumes.",
    ),
    indexed(
        "ka.req.pod.volumes.volume_type",
        How::VolumeType,
        "Pod requests: for each volume, its keys other than name (its type, e.g. hostPath).",
    ),
    f(
        "ka.resp.name",
        How::Keys(&["responseObject", "metadata", "name"]),
        "The name in the response object.",
    ),
    f(
        "ka.response.code",
        How::Keys(&["responseStatus", "code"]),
        "The HTTP status code of the response (e.g. 200, 403).",
    ),
    f(
        "ka.response.reason",
        How::Keys(&["responseStatus", "reason"]),
        "The reason of the response status (mostly for failures).",
    ),
    f(
        "ka.useragent",
        How::Keys(&["userAgent"]),
        "The user agent of the client.",
    ),
    indexed(
        "ka.sourceips",
        How::RulesField("sourceIPs"),
        "As the plugin reads it: sourceIPs under requestObject.rules, so missing on real events (the client addresses are in jevt.value[/sourceIPs]).",
    ),
    f(
        "ka.cluster.name",
        How::Keys(&["annotations", "cluster_name"]),
        "The cluster name annotation, where the audit pipeline adds one.",
    ),
];

const JSON: &[FieldInfo] = &[
    keyed(
        "json.value",
        How::JsonValue,
        "The value at JSON pointer K (RFC 6901) in the event: strings as is, anything else as compact JSON.",
    ),
    f(
        "json.obj",
        How::JsonObj,
        "The whole event as JSON text, indented by two spaces.",
    ),
    f(
        "json.rawtime",
        How::JsonRawtime,
        "The event time (stageTimestamp) in nanoseconds since the epoch.",
    ),
    keyed("jevt.value", How::JsonValue, "Alias of json.value."),
    f("jevt.obj", How::JsonObj, "Alias of json.obj."),
    f("jevt.rawtime", How::JsonRawtime, "Alias of json.rawtime."),
];

/// Every field of the source, in the plugins' order: `ka.*` then `json.*`/`jevt.*`.
pub fn fields() -> &'static [FieldInfo] {
    static ALL: std::sync::OnceLock<Vec<FieldInfo>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        // The plugin lists these container fields between the binding/configmap block
        // and the host_* flags; keep that order for `rules fields`.
        let mut all = Vec::with_capacity(140);
        all.extend_from_slice(BASE);
        let c = &CONTAINERS;
        all.extend_from_slice(&[c[4], c[3], c[0], c[1]]);
        all.push(MIDDLE[0]);
        all.push(c[2]);
        all.extend_from_slice(&MIDDLE[1..7]);
        all.push(c[5]);
        all.push(MIDDLE[7]);
        all.extend_from_slice(&[c[6], c[7]]);
        all.push(MIDDLE[8]);
        all.extend_from_slice(&[c[8], c[9]]);
        all.push(MIDDLE[9]);
        all.extend_from_slice(&[c[10], c[11], c[12]]);
        all.extend_from_slice(&MIDDLE[10..17]);
        all.push(c[13]);
        all.extend_from_slice(&MIDDLE[17..]);
        all.extend_from_slice(&INIT);
        all.push(indexed(
            "ka.req.pod.initContainers.host_port",
            How::Group(Group::Init, Sub::HostPort),
            "Pod requests: for every init container port, its hostPort, or its containerPort when no hostPort is set.",
        ));
        all.extend_from_slice(&EPHEMERAL);
        all.extend_from_slice(JSON);
        all
    })
}

/// The field called `name`, if the source has it.
pub fn find(name: &str) -> Option<&'static FieldInfo> {
    fields().iter().find(|f| f.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_unique_and_complete() {
        let all = fields();
        let names: HashSet<_> = all.iter().map(|f| f.name).collect();
        assert_eq!(names.len(), all.len());
        // 28 base + 29 other ka.* + 14 per container group + init host_port + 6 json.
        assert_eq!(all.len(), 28 + 29 + 14 * 3 + 1 + 6);
        for name in [
            "ka.req.pod.containers.image.repository",
            "ka.req.pod.ephemeralContainers.add_capabilities",
            "ka.req.pod.initContainers.host_port",
            "jevt.value",
            "ka.sourceips",
        ] {
            assert!(find(name).is_some(), "{name}");
        }
        assert!(find("ka.req.pod.ephemeralContainers.host_port").is_none());
        assert!(find("evt.type").is_none());
    }

    #[test]
    fn plugin_order_at_the_seams() {
        let all: Vec<_> = fields().iter().map(|f| f.name).collect();
        let pos = |n: &str| all.iter().position(|x| *x == n).unwrap();
        assert_eq!(
            pos("ka.req.pod.containers.args") + 1,
            pos("ka.req.pod.containers.command")
        );
        assert_eq!(
            pos("ka.req.pod.containers.image") + 1,
            pos("ka.req.container.image")
        );
        assert_eq!(
            pos("ka.req.pod.containers.add_capabilities") + 1,
            pos("ka.req.service.type")
        );
        assert_eq!(
            pos("ka.cluster.name") + 1,
            pos("ka.req.pod.initContainers.name")
        );
        assert_eq!(all.last().copied(), Some("jevt.rawtime"));
    }
}
