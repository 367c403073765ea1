#!/usr/bin/env python3
"""Generates a corpus of realistic workload manifests for benchmarking `kubeward scan`.

Usage: gen_corpus.py COUNT OUT_DIR [--per-file N] [--seed S]

Writes COUNT resources into OUT_DIR as multi-document YAML files of N resources each (default
100). The mix of kinds, container counts, probes, volumes and securityContext settings is
seeded, so a given COUNT and seed always yield the same corpus. About one resource in twenty is
a non-workload kind (Service, ConfigMap) that scan counts and skips. A quarter of the containers
run a shell script written as a literal block scalar, and ConfigMaps carry a file the same way.
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


def resource(rng, i):
    kind, api, _ = rng.choices(KINDS, weights=[k[2] for k in KINDS])[0]
    name = f"{kind.lower()}-{i}"
    ns = f"team-{i % 17}"
    head = [f"apiVersion: {api}", f"kind: {kind}", "metadata:", f"  name: {name}",
            f"  namespace: {ns}", "  labels:", f"    app.kubernetes.io/name: {name}",
            "    app.kubernetes.io/part-of: shop", "  annotations:",
            "    kubeward.dev/owner: platform-team"]
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
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out_dir, exist_ok=True)
    written = 0
    file_no = 0
    while written < args.count:
        n = min(args.per_file, args.count - written)
        docs = ["\n".join(resource(rng, written + k)) for k in range(n)]
        path = os.path.join(args.out_dir, f"manifests-{file_no:05}.yaml")
        with open(path, "w") as f:
            f.write("---\n".join(d + "\n" for d in docs))
        written += n
        file_no += 1
    print(f"wrote {written} resources in {file_no} files to {args.out_dir}")


if __name__ == "__main__":
    main()
