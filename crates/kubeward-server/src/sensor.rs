//! What deploys the live syscall source on every node (`kubeward detect manifests`): a
//! Namespace, a ServiceAccount allowed to read pods, and a DaemonSet running `kubeward
//! detect --live`, with the least privilege the probe works with. docs/syscall.md
//! justifies each grant.
//!
//! The pod cannot meet the baseline Pod Security Standard (it needs the host's PID
//! namespace and capabilities beyond baseline), so it gets a namespace of its own that
//! enforces `privileged`, leaving every other namespace's level alone.
//!
//! [`pods`] watches the node's pods for the container and pod metadata of its events.

pub mod pods;

use serde_json::{Value, json};

const NAME: &str = "kubeward-sensor";
const RULES_DIR: &str = "/etc/kubeward/rules";
const HOST_ROOT: &str = "/host";

/// What the manifests deploy.
#[derive(Clone, Debug)]
pub struct SensorOptions {
    /// Namespace the DaemonSet runs in (labelled to enforce `privileged`).
    pub namespace: String,
    /// Container image of kubeward.
    pub image: String,
    /// ConfigMap holding the Falco rules files (every `*.yaml` key is loaded).
    pub rules_configmap: String,
}

fn labels() -> Value {
    json!({"app.kubernetes.io/name": NAME, "app.kubernetes.io/part-of": "kubeward"})
}

/// All documents, in apply order.
pub fn manifests(opts: &SensorOptions) -> Vec<Value> {
    let ns = opts.namespace.as_str();
    vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {
            "name": ns,
            "labels": {"pod-security.kubernetes.io/enforce": "privileged",
                       "pod-security.kubernetes.io/enforce-version": "latest"}}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": NAME, "namespace": ns, "labels": labels()}}),
        // Reading pods is all the API access the sensor needs: each node watches its own
        // (a field selector on spec.nodeName) for container.* and k8s.* fields. RBAC
        // cannot narrow a grant by field, so the role covers every pod.
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": NAME, "labels": labels()},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": NAME, "labels": labels()},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": NAME},
            "subjects": [{"kind": "ServiceAccount", "name": NAME, "namespace": ns}]}),
        daemonset(opts),
    ]
}

fn daemonset(opts: &SensorOptions) -> Value {
    let host_path = |name: &str, path: &str| json!({"name": name, "hostPath": {"path": path, "type": "Directory"}});
    json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
    "metadata": {"name": NAME, "namespace": opts.namespace, "labels": labels()},
    "spec": {
        "selector": {"matchLabels": labels()},
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
        "template": {
            "metadata": {"labels": labels()},
            "spec": {
                "serviceAccountName": NAME,
                // Every process of the node, and /proc/<pid> for each of them.
                "hostPID": true,
                // Every node, control plane and tainted ones included.
                "tolerations": [{"operator": "Exists"}],
                "containers": [{
                    "name": "sensor",
                    "image": opts.image,
                    "imagePullPolicy": "IfNotPresent",
                    "args": ["detect", "--live", "-r", RULES_DIR, "--format", "json"],
                    "env": [
                        // Falco's alert hostname: the node, not the pod.
                        {"name": "FALCO_HOSTNAME",
                         "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
                        // Whose pods to watch for container and pod metadata.
                        {"name": "NODE_NAME",
                         "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
                        {"name": "HOST_ROOT", "value": HOST_ROOT}
                    ],
                    "securityContext": {
                        "privileged": false,
                        "runAsUser": 0,
                        "allowPrivilegeEscalation": false,
                        "readOnlyRootFilesystem": true,
                        "seccompProfile": {"type": "RuntimeDefault"},
                        "capabilities": {"drop": ["ALL"],
                                         "add": ["BPF", "PERFMON", "SYS_PTRACE", "DAC_READ_SEARCH"]}
                    },
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                                  "limits": {"cpu": "1", "memory": "512Mi"}},
                    "volumeMounts": [
                        {"name": "rules", "mountPath": RULES_DIR, "readOnly": true},
                        {"name": "host-etc", "mountPath": format!("{HOST_ROOT}/etc"), "readOnly": true},
                        {"name": "tracefs", "mountPath": "/sys/kernel/tracing", "readOnly": true}
                    ]
                }],
                "volumes": [
                    {"name": "rules", "configMap": {"name": opts.rules_configmap}},
                    host_path("host-etc", "/etc"),
                    host_path("tracefs", "/sys/kernel/tracing")
                ]
            }
        }
    }})
}
