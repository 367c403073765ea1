#!/usr/bin/env python3
"""Generates a corpus of realistic workload manifests for benchmarking `kubeward scan`.

Usage: gen_corpus.py COUNT OUT_DIR [--per-file N] [--seed S] [--cluster]

Writes COUNT resources into OUT_DIR as multi-document YAML files of N resources each (default
100). The mix of kinds, container counts, probes, volumes and securityContext settings is
seeded, so a given COUNT and seed always yield the same corpus. About one resource in twenty is
a non-workload kind (Service, ConfigMap) that scan counts and skips. A quarter of the containers
run a shell script written as a literal block scalar, and ConfigMaps carry a file the same way.

With --cluster, about one resource in six is instead one that the cluster checks read or
look up: Namespaces, ServiceAccounts, LimitRanges, NetworkPolicies, Roles, ClusterRoles
(some aggregated), RoleBindings, ClusterRoleBindings, Ingresses and Secrets, so that a scan
with every finding family on has all of them to do.
"""

import argparse
import os
import random

KINDS = [
    ("Deployment", "apps/v1", 40),
    ("StatefulSet", "apps/v1", 8),
    ("DaemonSet", "apps/v1", 5),
    ("ReplicaSet", "apps/v1", 2),
    ("Job", "batch/v1", 10),
    ("CronJob", "batch/v1", 10),
    ("Pod", "v1", 20),
    ("Service", "v1", 3),
    ("ConfigMap", "v1", 2),
]
CLUSTER_KINDS = [
    ("Namespace", "v1", 1),
    ("ServiceAccount", "v1", 3),
    ("LimitRange", "v1", 1),
    ("NetworkPolicy", "networking.k8s.io/v1", 2),
    ("Role", "rbac.authorization.k8s.io/v1", 3),
    ("ClusterRole", "rbac.authorization.k8s.io/v1", 1),
    ("RoleBinding", "rbac.authorization.k8s.io/v1", 4),
    ("ClusterRoleBinding", "rbac.authorization.k8s.io/v1", 1),
    ("Ingress", "networking.k8s.io/v1", 2),
    ("Secret", "v1", 2),
]
IMAGES = ["nginx:1.27", "ghcr.io/acme/api:2.4.1", "redis:7.2", "quay.io/acme/worker:0.9.3",
          "registry.k8s.io/pause:3.10", "docker.io/library/postgres:16"]


def container(rng, name, hardened):
    lines = [
        f"- name: {name}",
        f"  image: {rng.choice(IMAGES)}",
        "  imagePullPolicy: IfNotPresent",
        "  ports:",
        f"  - containerPort: {rng.choice([80, 443, 8080, 9090])}",
        "    protocol: TCP",
        "  env:",
        "  - name: LOG_LEVEL",
        f"    value: {rng.choice(['info', 'debug', 'warn'])}",
        "  - name: POD_NAME",
        "    valueFrom:",
        "      fieldRef:",
        "        fieldPath: metadata.name",
        "  resources:",
        "    requests:",
        f"      cpu: {rng.choice(['50m', '100m', '250m'])}",
        f"      memory: {rng.choice(['64Mi', '128Mi', '256Mi'])}",
        "    limits:",
        "      memory: 512Mi",
        "  livenessProbe:",
        "    httpGet:",
        "      path: /healthz",
        "      port: 8080",
        "    initialDelaySeconds: 5",
        "    periodSeconds: 10",
        "  readinessProbe:",
        "    tcpSocket:",
        "      port: 8080",
        "  volumeMounts:",
        "  - name: config",
        "    mountPath: /etc/app",
        "    readOnly: true",
        "  - name: cache",
        "    mountPath: /var/cache/app",
    ]
    if rng.random() < 0.25:
        # A shell wrapper with its script as a literal block, as many charts write it.
        lines[3:3] = ['  command: ["/bin/sh", "-c"]', "  args:", "  - |", "    set -e",
                      '    echo "starting ${POD_NAME}"', "    exec /app/server --port=8080"]
    sc = []
    if hardened:
        sc = ["allowPrivilegeEscalation: false", "readOnlyRootFilesystem: true",
              "capabilities:", "  drop: [ALL]"]
    else:
        choice = rng.randrange(6)
        if choice == 0:
            sc = ["privileged: true"]
        elif choice == 1:
            sc = ["capabilities:", "  add: [NET_ADMIN, SYS_TIME]"]
        elif choice == 2:
            sc = ["allowPrivilegeEscalation: true", "runAsUser: 0"]
        elif choice == 3:
            sc = ["seccompProfile:", "  type: Unconfined"]
        elif choice == 4:
            sc = ["capabilities:", "  drop: [NET_RAW]"]
    if sc:
        lines.append("  securityContext:")
        lines.extend("    " + s for s in sc)
    return lines


def pod_spec(rng, hardened):
    lines = []
    if hardened:
        lines += ["securityContext:", "  runAsNonRoot: true", "  runAsUser: 10001",
                  "  fsGroup: 10001", "  seccompProfile:", "    type: RuntimeDefault"]
    elif rng.random() < 0.2:
        lines += ["hostNetwork: true"]
    lines += ["serviceAccountName: app", "automountServiceAccountToken: false", "containers:"]
    for i in range(rng.choice([1, 1, 2, 3])):
        lines += container(rng, f"app{i}", hardened)
    lines += ["volumes:", "- name: config", "  configMap:", "    name: app-config",
              "- name: cache", "  emptyDir: {}"]
    if not hardened and rng.random() < 0.2:
        lines += ["- name: host", "  hostPath:", "    path: /var/log"]
    return lines


def indent(lines, n):
    return [" " * n + l for l in lines]


def cluster_resource(rng, kind, api, i, head, name, ns):
    """A resource of CLUSTER_KINDS: what the cluster checks read or look up."""
    if kind == "Namespace":
        labels = ["  labels:", "    pod-security.kubernetes.io/enforce: baseline"]
        return [f"apiVersion: {api}", f"kind: {kind}", "metadata:", f"  name: team-{i % 17}"] + (
            labels if rng.random() < 0.5 else [])
    if kind == "ServiceAccount":
        meta = [f"apiVersion: {api}", f"kind: {kind}", "metadata:", "  name: app",
                f"  namespace: {ns}"]
        return meta + (["automountServiceAccountToken: false"] if rng.random() < 0.5 else [])
    if kind == "LimitRange":
        return head + ["spec:", "  limits:", "  - type: Container", "    default:",
                       "      cpu: 500m", "      memory: 256Mi"]
    if kind == "NetworkPolicy":
        return head + ["spec:", "  podSelector:", "    matchLabels:", f"      app: deployment-{i - 1}",
                       "  policyTypes: [Ingress, Egress]", "  ingress:", "  - from:",
                       "    - namespaceSelector:", "        matchLabels:",
                       "          kubernetes.io/metadata.name: ingress"]
    verbs = rng.choice([["get", "list", "watch"], ["create", "update", "patch"], ["*"]])
    resources = rng.choice([["pods", "pods/log"], ["secrets"], ["deployments"], ["pods/exec"]])
    group = "apps" if resources == ["deployments"] else ""
    quoted = lambda items: ", ".join(f'"{x}"' for x in items)
    rules = ["rules:", f"- apiGroups: [\"{group}\"]", f"  resources: [{quoted(resources)}]",
             f"  verbs: [{quoted(verbs)}]"]
    # A few role names, reused, so that most bindings find their role in a large corpus.
    role = f"shop-{i % 5}"
    if kind == "Role":
        return [l.replace(f"name: {name}", f"name: {role}", 1) for l in head] + rules
    if kind == "ClusterRole":
        meta = [f"apiVersion: {api}", f"kind: {kind}", "metadata:", f"  name: {role}",
                "  labels:", f"    shop/aggregate-to-ops: \"{str(i % 2 == 0).lower()}\""]
        if i % 10 == 0:
            return meta + ["aggregationRule:", "  clusterRoleSelectors:", "  - matchLabels:",
                           "      shop/aggregate-to-ops: \"true\""]
        return meta + rules
    subjects = ["subjects:", "- kind: ServiceAccount", "  name: app", f"  namespace: {ns}",
                "- kind: Group", "  name: shop-developers", "  apiGroup: rbac.authorization.k8s.io"]
    if kind == "RoleBinding":
        ref = rng.choice([("Role", role), ("ClusterRole", "view"), ("ClusterRole", role)])
        return head + ["roleRef:", "  apiGroup: rbac.authorization.k8s.io", f"  kind: {ref[0]}",
                       f"  name: {ref[1]}"] + subjects
    if kind == "ClusterRoleBinding":
        return [f"apiVersion: {api}", f"kind: {kind}", "metadata:", f"  name: {name}",
                "roleRef:", "  apiGroup: rbac.authorization.k8s.io", "  kind: ClusterRole",
                f"  name: {role}"] + subjects
    if kind == "Ingress":
        tls = ["  tls:", "  - hosts: [shop.example.com]", "    secretName: shop-tls"]
        return head + ["spec:"] + (tls if rng.random() < 0.5 else []) + [
            "  rules:", "  - host: shop.example.com", "    http:", "      paths:",
            "      - path: /", "        pathType: Prefix", "        backend:", "          service:",
            f"            name: service-{i - 1}", "            port:", "              number: 80"]
    # Secret
    return head + ["type: Opaque", "stringData:", "  username: shop", "  password: placeholder"]


def resource(rng, i, cluster=False):
    kinds = KINDS + CLUSTER_KINDS if cluster else KINDS
    kind, api, _ = rng.choices(kinds, weights=[k[2] for k in kinds])[0]
    name = f"{kind.lower()}-{i}"
    ns = f"team-{i % 17}"
    head = [f"apiVersion: {api}", f"kind: {kind}", "metadata:", f"  name: {name}",
            f"  namespace: {ns}", "  labels:", f"    app.kubernetes.io/name: {name}",
            "    app.kubernetes.io/part-of: shop", "  annotations:",
            "    kubeward.dev/owner: platform-team"]
    if kind in {k[0] for k in CLUSTER_KINDS}:
        return cluster_resource(rng, kind, api, i, head, name, ns)
    if kind == "Service":
        return head + ["spec:", "  selector:", f"    app: {name}", "  ports:", "  - port: 80",
                       "    targetPort: 8080"]
    if kind == "ConfigMap":
        return head + ["data:", "  LOG_LEVEL: info", "  FEATURE_FLAGS: a,b,c", "  app.yaml: |",
                       "    server:", "      port: 8080", "    # tuned for the shop", "    cache: true"]
    hardened = rng.random() < 0.6
    spec = pod_spec(rng, hardened)
    template = ["template:", "  metadata:", "    labels:", f"      app: {name}", "  spec:"]
    template += indent(spec, 4)
    selector = ["selector:", "  matchLabels:", f"    app: {name}"]
    if kind == "Pod":
        return head + ["spec:"] + indent(spec, 2)
    if kind == "CronJob":
        job = ["schedule: '*/5 * * * *'", "jobTemplate:", "  spec:"]
        job += indent(["backoffLimit: 2"] + template, 4)
        return head + ["spec:"] + indent(job, 2)
    if kind == "Job":
        return head + ["spec:"] + indent(["backoffLimit: 4"] + template, 2)
    extra = ["replicas: 3"] if kind != "DaemonSet" else []
    if kind == "StatefulSet":
        extra.append(f"serviceName: {name}")
    return head + ["spec:"] + indent(extra + selector + template, 2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("count", type=int)
    ap.add_argument("out_dir")
    ap.add_argument("--per-file", type=int, default=100)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--cluster", action="store_true",
                    help="mix in the kinds the cluster checks read (see above)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out_dir, exist_ok=True)
    written = 0
    file_no = 0
    while written < args.count:
        n = min(args.per_file, args.count - written)
        docs = ["\n".join(resource(rng, written + k, args.cluster)) for k in range(n)]
        path = os.path.join(args.out_dir, f"manifests-{file_no:05}.yaml")
        with open(path, "w") as f:
            f.write("---\n".join(d + "\n" for d in docs))
        written += n
        file_no += 1
    print(f"wrote {written} resources in {file_no} files to {args.out_dir}")


if __name__ == "__main__":
    main()
