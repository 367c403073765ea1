//! Every rule of every family: a manifest set that raises it and one that does not.

use std::sync::Arc;

use kubeward_cluster::{Inventory, Selection, Template, check_resource, check_workload};
use kubeward_manifest::{Limits, parse_documents, pod_template};
use kubeward_podsecurity::defaults::{Holder, apply_defaults};

/// Every finding over a manifest set with the name of its object, in document order.
fn findings(yaml: &str, sel: &Selection) -> Vec<(String, kubeward_cluster::Finding)> {
    let file: Arc<str> = "test.yaml".into();
    let docs: Vec<_> = parse_documents(&file, yaml, &Limits::default())
        .into_iter()
        .map(|d| d.expect("fixture parses"))
        .collect();
    let mut inv = Inventory::default();
    for d in &docs {
        if Inventory::wants(&d.kind) {
            inv.add(d);
        }
    }
    inv.finish();
    let mut out = Vec::new();
    for d in &docs {
        let found = match pod_template(d) {
            Some(t) => {
                let t = t.expect("template decodes");
                let mut spec = t.spec.clone();
                apply_defaults(&mut spec, Holder::of_kind(&d.kind));
                let tpl = Template {
                    prefix: t.prefix,
                    metadata: &t.metadata,
                    spec: &spec,
                };
                check_workload(d, &tpl, &inv, sel)
            }
            None => check_resource(d, &inv, sel),
        };
        let name = d.name.clone().unwrap_or_default();
        out.extend(found.into_iter().map(|f| (name.clone(), f)));
    }
    out
}

/// `(id, object name, path)` of every finding over a manifest set, in document order.
fn scan_with(yaml: &str, sel: &Selection) -> Vec<(String, String, String)> {
    findings(yaml, sel)
        .into_iter()
        .map(|(name, f)| (f.id.to_owned(), name, f.path))
        .collect()
}

/// The message of the first finding `id` over a manifest set, workloads included.
fn message_of(yaml: &str, id: &str) -> String {
    findings(yaml, &Selection::default())
        .into_iter()
        .find(|(_, f)| f.id == id)
        .map(|(_, f)| f.message)
        .unwrap_or_else(|| panic!("no {id}"))
}

fn scan(yaml: &str) -> Vec<(String, String, String)> {
    scan_with(yaml, &Selection::default())
}

#[track_caller]
fn has(found: &[(String, String, String)], id: &str, name: &str, path: &str) {
    assert!(
        found
            .iter()
            .any(|(i, n, p)| i == id && n == name && p == path),
        "no {id} on {name} at {path} in {found:#?}"
    );
}

#[track_caller]
fn lacks(found: &[(String, String, String)], id: &str, name: &str) {
    assert!(
        !found.iter().any(|(i, n, _)| i == id && n == name),
        "unexpected {id} on {name} in {found:#?}"
    );
}

const POD: &str = "
apiVersion: v1
kind: Pod
metadata: {name: NAME, namespace: app, labels: {app: web}}
spec:
  automountServiceAccountToken: false
  containers:
  - name: c
    image: registry.example/app:1.0@sha256:0000000000000000000000000000000000000000000000000000000000000000
    imagePullPolicy: Always
    resources: {limits: {cpu: 1, memory: 1Gi}}
";

/// A pod that raises no hygiene finding, with `edit` applied to its text.
fn pod(name: &str, edit: impl Fn(String) -> String) -> String {
    edit(POD.replace("NAME", name))
}

const NS_AND_POLICY: &str = "
---
apiVersion: v1
kind: Namespace
metadata: {name: app, labels: {pod-security.kubernetes.io/enforce: restricted}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: app}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
";

#[test]
fn a_clean_pod_in_a_governed_namespace_has_no_finding() {
    let found = scan(&(pod("clean", |s| s) + NS_AND_POLICY));
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn wh001_token_follows_the_pod_then_its_service_account() {
    let unset = |s: String| s.replace("  automountServiceAccountToken: false\n", "");
    let sa = |automount: &str| {
        format!(
            "\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: default, namespace: app}}\n{automount}"
        )
    };
    let found = scan(&(pod("a", unset) + NS_AND_POLICY));
    has(&found, "WH001", "a", "spec.automountServiceAccountToken");
    let found =
        scan(&(pod("b", unset) + NS_AND_POLICY + &sa("automountServiceAccountToken: false\n")));
    lacks(&found, "WH001", "b");
    let found =
        scan(&(pod("c", unset) + NS_AND_POLICY + &sa("automountServiceAccountToken: true\n")));
    has(&found, "WH001", "c", "spec.automountServiceAccountToken");
    // The pod's own true wins over its ServiceAccount's false.
    let explicit = |s: String| {
        s.replace(
            "automountServiceAccountToken: false",
            "automountServiceAccountToken: true",
        )
    };
    let found =
        scan(&(pod("d", explicit) + NS_AND_POLICY + &sa("automountServiceAccountToken: false\n")));
    has(&found, "WH001", "d", "spec.automountServiceAccountToken");
}

#[test]
fn wh002_to_wh004_images_and_pull_policy() {
    let image = |img: &'static str| {
        move |s: String| {
            s.replace(
                "registry.example/app:1.0@sha256:0000000000000000000000000000000000000000000000000000000000000000",
                img,
            )
        }
    };
    let found = scan(&(pod("untagged", image("registry.example:5000/app")) + NS_AND_POLICY));
    has(&found, "WH002", "untagged", "spec.containers[0].image");
    lacks(&found, "WH004", "untagged");
    let found = scan(&(pod("latest", image("app:latest")) + NS_AND_POLICY));
    has(&found, "WH002", "latest", "spec.containers[0].image");
    let found = scan(&(pod("tagged", image("registry.example:5000/app:1.2")) + NS_AND_POLICY));
    has(&found, "WH003", "tagged", "spec.containers[0].image");
    lacks(&found, "WH002", "tagged");
    // A tag defaults the pull policy to IfNotPresent; this pod says Always.
    lacks(&found, "WH004", "tagged");
    // Every policy but Always is reported; the message says when the pod pulls with
    // credentials, so the image is evidently private.
    let private = |s: String| {
        s.replace(
            "  containers:\n",
            "  imagePullSecrets: [{name: pull}]\n  containers:\n",
        )
    };
    let defaulted = |s: String| image("app:1.2")(s).replace("    imagePullPolicy: Always\n", "");
    let found = scan(&(pod("public", defaulted) + NS_AND_POLICY));
    has(&found, "WH004", "public", "spec.containers[0].image");
    let found = scan(&(pod("ifnotpresent", |s| private(defaulted(s))) + NS_AND_POLICY));
    has(&found, "WH004", "ifnotpresent", "spec.containers[0].image");
    // The ServiceAccount's imagePullSecrets are the pod's too.
    let sa = "\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default, namespace: app}\nimagePullSecrets: [{name: pull}]\n";
    let found = scan(&(pod("via-sa", defaulted) + NS_AND_POLICY + sa));
    has(&found, "WH004", "via-sa", "spec.containers[0].image");
    let never = |s: String| private(s.replace("imagePullPolicy: Always", "imagePullPolicy: Never"));
    let found = scan(&(pod("never", never) + NS_AND_POLICY));
    has(
        &found,
        "WH004",
        "never",
        "spec.containers[0].imagePullPolicy",
    );
    lacks(&found, "WH003", "never");
    // The API server defaults latest to Always even beside a digest, and a bare digest
    // to IfNotPresent.
    let unset = |img: &'static str| {
        move |s: String| private(image(img)(s).replace("    imagePullPolicy: Always\n", ""))
    };
    const LATEST_PINNED: &str =
        "app:latest@sha256:0000000000000000000000000000000000000000000000000000000000000000";
    const BARE_PINNED: &str =
        "app@sha256:0000000000000000000000000000000000000000000000000000000000000000";
    let found = scan(&(pod("latest-pinned", unset(LATEST_PINNED)) + NS_AND_POLICY));
    lacks(&found, "WH004", "latest-pinned");
    lacks(&found, "WH002", "latest-pinned");
    let found = scan(&(pod("bare-pinned", unset(BARE_PINNED)) + NS_AND_POLICY));
    has(&found, "WH004", "bare-pinned", "spec.containers[0].image");
    let found =
        scan(&(pod("untagged-private", unset("registry.example:5000/app")) + NS_AND_POLICY));
    lacks(&found, "WH004", "untagged-private");
}

#[test]
fn wh005_secrets_in_the_environment() {
    let env = |s: String| {
        s.replace(
            "    imagePullPolicy: Always\n",
            "    imagePullPolicy: Always\n    env: [{name: TOKEN, valueFrom: {secretKeyRef: {name: api, key: token}}}, {name: PLAIN, value: x}]\n    envFrom: [{configMapRef: {name: cfg}}, {secretRef: {name: all}}]\n",
        )
    };
    let found = scan(&(pod("env", env) + NS_AND_POLICY));
    has(
        &found,
        "WH005",
        "env",
        "spec.containers[0].env[0].valueFrom.secretKeyRef",
    );
    has(
        &found,
        "WH005",
        "env",
        "spec.containers[0].envFrom[1].secretRef",
    );
    assert_eq!(found.iter().filter(|f| f.0 == "WH005").count(), 2);
}

#[test]
fn wh006_resources_unless_a_limit_range_supplies_them() {
    let bare = |s: String| s.replace("    resources: {limits: {cpu: 1, memory: 1Gi}}\n", "");
    let found = scan(&(pod("bare", bare) + NS_AND_POLICY));
    has(&found, "WH006", "bare", "spec.containers[0].resources");
    let limits = "\n---\napiVersion: v1\nkind: LimitRange\nmetadata: {name: l, namespace: app}\nspec:\n  limits:\n  - type: Container\n    default: {cpu: 500m, memory: 256Mi}\n";
    let found = scan(&(pod("bare", bare) + NS_AND_POLICY + limits));
    lacks(&found, "WH006", "bare");
    // A LimitRange of another namespace supplies nothing here.
    let elsewhere = limits.replace("namespace: app", "namespace: other");
    let found = scan(&(pod("bare", bare) + NS_AND_POLICY + &elsewhere));
    has(&found, "WH006", "bare", "spec.containers[0].resources");
    // Limits alone are also the requests.
    let found = scan(&(pod("limits", |s| s) + NS_AND_POLICY));
    lacks(&found, "WH006", "limits");
}

#[test]
fn wh007_wh008_process_namespace_and_host_aliases() {
    let shared = |s: String| {
        s.replace("spec:\n", "spec:\n  shareProcessNamespace: true\n  hostAliases: [{ip: 10.0.0.9, hostnames: [db.example.com, kubernetes.default.svc]}]\n")
    };
    let found = scan(&(pod("p", shared) + NS_AND_POLICY));
    has(&found, "WH007", "p", "spec.shareProcessNamespace");
    has(&found, "WH008", "p", "spec.hostAliases[0].hostnames[1]");
    assert_eq!(found.iter().filter(|f| f.0 == "WH008").count(), 1);
}

#[test]
fn wh009_to_wh011_namespaces() {
    let in_default = |s: String| s.replace("namespace: app", "namespace: default");
    let found = scan(&(pod("d", in_default) + NS_AND_POLICY));
    has(&found, "WH009", "d", "metadata.namespace");
    has(&found, "WH011", "d", "metadata.namespace");
    let unlabelled = NS_AND_POLICY.replace(
        ", labels: {pod-security.kubernetes.io/enforce: restricted}",
        "",
    );
    let found = scan(&(pod("u", |s| s) + &unlabelled));
    has(&found, "WH010", "u", "metadata.namespace");
    lacks(&found, "WH011", "u");
    let found = scan(&(pod("l", |s| s) + NS_AND_POLICY));
    lacks(&found, "WH010", "l");
    lacks(&found, "WH011", "l");
}

#[test]
fn wh009_names_every_kind_in_default_but_not_a_manifest_without_a_namespace() {
    let yaml = "
apiVersion: v1
kind: ConfigMap
metadata: {name: in-default, namespace: default}
data: {mode: fast}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: pdb, namespace: default}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: unnamed-namespace}
data: {mode: fast}
";
    let found = scan(yaml);
    has(&found, "WH009", "in-default", "metadata.namespace");
    has(&found, "WH009", "pdb", "metadata.namespace");
    // checkov's CKV_K8S_21 reports this one, wrongly: without metadata.namespace the API
    // server creates the object in the namespace of the request (`kubectl apply -n`).
    lacks(&found, "WH009", "unnamed-namespace");
    let found = scan(&pod("no-namespace", |s| s.replace(", namespace: app", "")));
    lacks(&found, "WH009", "no-namespace");
    has(&found, "WH011", "no-namespace", "metadata");
}

#[test]
fn wh011_names_the_strictest_level_that_admits_the_pod() {
    let yaml = pod("priv", |s| s.replace("spec:\n", "spec:\n  hostPID: true\n"));
    let file: Arc<str> = "t.yaml".into();
    let docs: Vec<_> = parse_documents(&file, &yaml, &Limits::default())
        .into_iter()
        .map(|d| d.expect("parses"))
        .collect();
    let t = pod_template(&docs[0]).expect("workload").expect("decodes");
    let tpl = Template {
        prefix: t.prefix,
        metadata: &t.metadata,
        spec: &t.spec,
    };
    let found = check_workload(&docs[0], &tpl, &Inventory::default(), &Selection::default());
    let wh011 = found.iter().find(|f| f.id == "WH011").expect("WH011");
    assert!(
        wh011.message.contains("enforces privileged:latest"),
        "{}",
        wh011.message
    );
}

const SERVICES: &str = "
apiVersion: v1
kind: Service
metadata: {name: np}
spec: {type: NodePort, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: lb}
spec: {type: LoadBalancer, externalIPs: [203.0.113.7], ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: lb-ranged}
spec: {type: LoadBalancer, loadBalancerSourceRanges: [10.0.0.0/8], ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: internal}
spec: {ports: [{port: 80}]}
";

#[test]
fn ex001_to_ex003_services() {
    let found = scan(SERVICES);
    has(&found, "EX001", "np", "spec.type");
    has(&found, "EX002", "lb", "spec.type");
    has(&found, "EX003", "lb", "spec.externalIPs");
    lacks(&found, "EX002", "lb-ranged");
    lacks(&found, "EX001", "internal");
    assert!(!found.iter().any(|f| f.1 == "internal"), "{found:#?}");
    // The annotation counts when the field is empty; a range of every address does not.
    let lb = |name: &str, extra: &str| {
        format!(
            "---\napiVersion: v1\nkind: Service\nmetadata: {{name: {name}{extra}}}\n\
             spec: {{type: LoadBalancer, ports: [{{port: 80}}]}}\n"
        )
    };
    let annotated = lb(
        "annotated",
        ", annotations: {service.beta.kubernetes.io/load-balancer-source-ranges: '10.0.0.0/8, 192.168.0.0/16'}",
    );
    let open = lb(
        "open",
        ", annotations: {service.beta.kubernetes.io/load-balancer-source-ranges: '0.0.0.0/0'}",
    );
    let found = scan(&(annotated + &open));
    lacks(&found, "EX002", "annotated");
    has(&found, "EX002", "open", "spec.type");
}

#[test]
fn a_harmless_binding_raises_no_rbac_finding() {
    let yaml = "
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: pod-reader}
rules:
- {apiGroups: [''], resources: [pods, pods/log], verbs: [get, list, watch]}
- {apiGroups: [''], resources: [secrets], verbs: [get], resourceNames: []}
- {apiGroups: [apps], resources: [deployments], verbs: [get, list]}
- {nonResourceURLs: [/healthz], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: readers}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-reader}
subjects: [{kind: ServiceAccount, name: dashboard, namespace: ops}]
";
    let found = scan(yaml);
    // get on secrets with an empty resourceNames list is get on every secret.
    has(&found, "RB004", "readers", "roleRef.name");
    let without_secrets = yaml.replace(
        "- {apiGroups: [''], resources: [secrets], verbs: [get], resourceNames: []}\n",
        "",
    );
    let found = scan(&without_secrets);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn ex004_to_ex006_network_policy_selection() {
    let ingress_only = "
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-in, namespace: app}
spec:
  podSelector: {matchExpressions: [{key: app, operator: In, values: [web]}]}
  ingress: [{from: [{namespaceSelector: {}}]}]
---
apiVersion: v1
kind: Namespace
metadata: {name: app, labels: {pod-security.kubernetes.io/enforce: restricted}}
---
apiVersion: v1
kind: Namespace
metadata: {name: empty}
";
    let found = scan(&(pod("web", |s| s) + ingress_only));
    lacks(&found, "EX004", "web");
    // No egress rules, no policyTypes: the policy isolates ingress only.
    has(&found, "EX005", "web", "metadata.labels");
    has(&found, "EX006", "empty", "metadata.name");
    lacks(&found, "EX006", "app");
    let other = |s: String| s.replace("labels: {app: web}", "labels: {app: db}");
    let found = scan(&(pod("db", other) + ingress_only));
    has(&found, "EX004", "db", "metadata.labels");
    let elsewhere = |s: String| s.replace("namespace: app", "namespace: empty");
    let found = scan(&(pod("lone", elsewhere) + ingress_only));
    has(&found, "EX004", "lone", "metadata");
    let host = |s: String| s.replace("spec:\n", "spec:\n  hostNetwork: true\n");
    let found = scan(&pod("host", host));
    lacks(&found, "EX004", "host");
}

#[test]
fn ex007_ex008_ingress() {
    let yaml = "
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: plain
  annotations: {nginx.ingress.kubernetes.io/server-snippet: 'location /x { }', nginx.ingress.kubernetes.io/rewrite-target: /}
spec: {rules: [{host: a.example}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: tls}
spec: {tls: [{hosts: [a.example], secretName: a}], rules: [{host: a.example}]}
";
    let found = scan(yaml);
    has(&found, "EX007", "plain", "spec");
    has(
        &found,
        "EX008",
        "plain",
        "metadata.annotations[nginx.ingress.kubernetes.io/server-snippet]",
    );
    assert_eq!(found.iter().filter(|f| f.0 == "EX008").count(), 1);
    assert!(!found.iter().any(|f| f.1 == "tls"), "{found:#?}");
}

#[test]
fn se001_se002_committed_secrets() {
    let yaml = "
apiVersion: v1
kind: Secret
metadata: {name: filled}
data: {token: c2VjcmV0}
---
apiVersion: v1
kind: Secret
metadata: {name: placeholder}
stringData: {token: ''}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {DB_PASSWORD: hunter2, mode: fast, note: 'aws_access_key_id=AKIA'}
";
    let found = scan(yaml);
    has(&found, "SE001", "filled", "data");
    lacks(&found, "SE001", "placeholder");
    has(&found, "SE002", "cfg", "data[DB_PASSWORD]");
    has(&found, "SE002", "cfg", "data[note]");
    assert_eq!(found.iter().filter(|f| f.0 == "SE002").count(), 2);
}

const RBAC: &str = "
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader, labels: {agg: 'yes'}}
rules: [{apiGroups: [''], resources: [secrets], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: aggregate}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {agg: 'yes'}}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ops}
rules:
- {apiGroups: [''], resources: [pods/exec, pods], verbs: [create]}
- {apiGroups: [''], resources: [nodes/proxy], verbs: [get]}
- {apiGroups: [''], resources: [serviceaccounts/token], verbs: [create]}
- {apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind], resourceNames: [admin]}
- {apiGroups: [admissionregistration.k8s.io], resources: [validatingwebhookconfigurations], verbs: [patch]}
- {apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests/approval], verbs: [update]}
- {apiGroups: [certificates.k8s.io], resources: [signers], verbs: [approve], resourceNames: [kubernetes.io/kubelet-serving]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: wild, namespace: app}
rules: [{apiGroups: ['*'], resources: ['*'], verbs: [list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: agg-binding}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: aggregate}
subjects: [{kind: ServiceAccount, name: bot, namespace: tools}, {kind: Group, name: system:authenticated, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ops-binding, namespace: app}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ops}
subjects: [{kind: ServiceAccount, name: default}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ops-everywhere}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ops}
subjects: [{kind: User, name: erin, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: root}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dangling, namespace: app}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: gone}
subjects: [{kind: User, name: bob, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: builtin, namespace: app}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: User, name: carol, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: wild-binding, namespace: app}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: wild}
subjects: [{kind: User, name: dave, apiGroup: rbac.authorization.k8s.io}]
";

#[test]
fn rb_findings_on_each_binding() {
    let found = scan(RBAC);
    // Through aggregation: the aggregate role holds reader's rule.
    has(&found, "RB004", "agg-binding", "roleRef.name");
    has(&found, "RB011", "agg-binding", "subjects[1]");
    for id in [
        "RB003", "RB005", "RB006", "RB007", "RB008", "RB009", "RB010",
    ] {
        has(&found, id, "ops-everywhere", "roleRef.name");
    }
    lacks(&found, "RB004", "ops-everywhere");
    // A RoleBinding grants a ClusterRole's rules in its namespace only, so nothing on
    // nodes, webhook configurations or signers; bind is checked in the namespace.
    for id in ["RB003", "RB005", "RB007", "RB008"] {
        has(&found, id, "ops-binding", "roleRef.name");
    }
    for id in ["RB004", "RB006", "RB009", "RB010"] {
        lacks(&found, id, "ops-binding");
    }
    has(&found, "RB013", "ops-binding", "subjects[0]");
    has(&found, "RB001", "root", "roleRef.name");
    assert_eq!(
        found.iter().filter(|f| f.1 == "root").count(),
        1,
        "cluster-admin implies the rest: {found:#?}"
    );
    has(&found, "RB012", "dangling", "roleRef.name");
    lacks(&found, "RB012", "builtin");
    has(&found, "RB002", "wild", "rules[0].apiGroups");
    lacks(&found, "RB002", "ops");
    // list on `*` reads secrets too.
    has(&found, "RB004", "wild-binding", "roleRef.name");
    lacks(&found, "RB001", "wild-binding");
}

#[test]
fn rb_messages_name_every_subject_the_scope_and_the_role() {
    let m = message_of(RBAC, "RB004");
    assert_eq!(
        m,
        "ServiceAccount tools/bot (system:serviceaccount:tools:bot), Group system:authenticated \
         can get secrets in every namespace through ClusterRole aggregate"
    );
    let m = message_of(RBAC, "RB005");
    assert_eq!(
        m,
        "ServiceAccount app/default (system:serviceaccount:app:default) can create pods/exec \
         in namespace app through ClusterRole ops"
    );
}

#[test]
fn rb009_needs_both_approval_and_a_signer() {
    let only_approval = RBAC.replace(
        "- {apiGroups: [certificates.k8s.io], resources: [signers], verbs: [approve], resourceNames: [kubernetes.io/kubelet-serving]}\n",
        "",
    );
    let found = scan(&only_approval);
    lacks(&found, "RB009", "ops-everywhere");
}

#[test]
fn selection_turns_families_and_ids_off() {
    let yaml = SERVICES.to_owned()
        + &pod("p", |s| {
            s.replace("  automountServiceAccountToken: false\n", "")
        });
    let off = Selection::new(&[], &["exposure".into(), "WH001".into()]).expect("known names");
    let found = scan_with(&yaml, &off);
    assert!(
        !found
            .iter()
            .any(|f| f.0.starts_with("EX") || f.0 == "WH001"),
        "{found:#?}"
    );
    assert!(found.iter().any(|f| f.0 == "WH011"), "{found:#?}");
    let only = Selection::new(&["ex00".into()], &[]).expect("prefix");
    let found = scan_with(&yaml, &only);
    assert!(
        !found.is_empty() && found.iter().all(|f| f.0.starts_with("EX00")),
        "{found:#?}"
    );
    let err = Selection::new(&["RB999".into()], &[]).expect_err("unknown id");
    assert_eq!(err.to_string(), "unknown rule or family \"RB999\"");
    assert!(
        Selection::new(&["R".into()], &[]).is_err(),
        "one letter names nothing"
    );
    let lint = Selection::new(&[], &["lint".into()]).expect("lint family");
    assert!(!lint.enabled_id("KW132") && lint.enabled_id("WH001"));
}

#[test]
fn suppression_annotation_lists_ids_and_families() {
    let meta = |v: &str| {
        let text = format!(
            "metadata:\n  annotations:\n    kubeward.io/ignore: '{v}'\n    kubeward.io/ignore-reason: reviewed\n"
        );
        let file: Arc<str> = "t.yaml".into();
        let docs = parse_documents(
            &file,
            &format!("apiVersion: v1\nkind: ConfigMap\n{text}"),
            &Limits::default(),
        );
        let res = docs.into_iter().next().expect("one").expect("parses");
        kubeward_cluster::suppressed_ids(res.node.get("metadata"))
    };
    let (ids, reason) = meta(" WH001 , exposure,,");
    assert_eq!(ids, ["WH001", "exposure"]);
    assert_eq!(reason.as_deref(), Some("reviewed"));
    assert!(kubeward_cluster::is_suppressed(&ids, "WH001"));
    assert!(kubeward_cluster::is_suppressed(&ids, "EX004"));
    assert!(!kubeward_cluster::is_suppressed(&ids, "WH002"));
}

#[test]
fn every_rule_id_is_unique_sorted_in_its_family_and_prefixed() {
    let rules: Vec<_> = kubeward_cluster::rules().collect();
    for pair in rules.windows(2) {
        if pair[0].family == pair[1].family {
            assert!(
                pair[0].meta.id < pair[1].meta.id,
                "{} then {}",
                pair[0].meta.id,
                pair[1].meta.id
            );
        }
    }
    for r in &rules {
        assert!(
            r.meta.id.starts_with(r.family.prefix()) && r.meta.id.len() == 5,
            "{}",
            r.meta.id
        );
    }
}

#[test]
fn a_role_of_an_earlier_rbac_version_is_found_by_its_bindings() {
    let yaml = "
apiVersion: rbac.authorization.k8s.io/v1beta1
kind: ClusterRole
metadata: {name: secret-reader}
rules: [{apiGroups: [''], resources: [secrets], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: read}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader}
subjects: [{kind: ServiceAccount, name: app, namespace: shop}]
";
    let found = scan(yaml);
    has(&found, "RB004", "read", "roleRef.name");
    lacks(&found, "RB012", "read");
}

#[test]
fn a_later_role_of_the_same_name_replaces_the_earlier_one() {
    let role = |resource: &str| {
        format!(
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {{name: r, namespace: app}}\n\
             rules: [{{apiGroups: [''], resources: [{resource}], verbs: [get]}}]\n"
        )
    };
    let binding = "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n\
                   metadata: {name: b, namespace: app}\n\
                   roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\n\
                   subjects: [{kind: User, name: u, apiGroup: rbac.authorization.k8s.io}]\n";
    let found = scan(&(role("secrets") + &role("configmaps") + binding));
    lacks(&found, "RB004", "b");
    let found = scan(&(role("configmaps") + &role("secrets") + binding));
    has(&found, "RB004", "b", "roleRef.name");
}

#[test]
fn aggregation_by_an_empty_selector_takes_every_other_cluster_role() {
    let mut yaml = String::from(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: all}\n\
         aggregationRule: {clusterRoleSelectors: [{}]}\n---\n\
         apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\n\
         roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: all}\n\
         subjects: [{kind: User, name: u, apiGroup: rbac.authorization.k8s.io}]\n",
    );
    // Many aggregating roles over many roles: grants are ORed, no rule is copied.
    for i in 0..300 {
        yaml.push_str(&format!(
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {{name: agg-{i}}}\n\
             aggregationRule: {{clusterRoleSelectors: [{{}}]}}\n\
             rules: [{{apiGroups: [''], resources: [configmaps], verbs: [get]}}]\n"
        ));
    }
    yaml.push_str(
        "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: nodes}\n\
         rules: [{apiGroups: [''], resources: [nodes/proxy], verbs: [get]}]\n",
    );
    let found = scan(&yaml);
    has(&found, "RB006", "b", "roleRef.name");
}
