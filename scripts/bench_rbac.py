#!/usr/bin/env python3
"""Measures how RBAC resolution scales with the number of bindings.

Usage: bench_rbac.py [--bindings 1000,10000,100000] [--runs 3] [--bin PATH]

For each count N it writes N RoleBindings and N/10 ClusterRoleBindings over N/20 Roles and
N/50 ClusterRoles, one in ten of them aggregating about ten others (cached under target/bench-rbac/), then
times `kubeward scan --enable rbac` (every RB finding, aggregation resolved once) and
`kubeward rbac who-can get secrets` over the same files, one thread, best of the runs.
Near-linear scaling shows as a flat time per binding.
"""

import argparse
import os
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RBAC = "rbac.authorization.k8s.io/v1"


def generate(n, path):
    os.makedirs(path, exist_ok=True)
    docs = []
    roles, cluster_roles = max(n // 20, 1), max(n // 50, 1)
    verbs = ['["get", "list"]', '["create"]', '["*"]', '["get", "watch"]']
    resources = ['["pods"]', '["secrets"]', '["deployments"]', '["pods/exec"]', '["configmaps"]']
    for i in range(roles):
        docs.append(f"apiVersion: {RBAC}\nkind: Role\nmetadata: {{name: role-{i}, namespace: ns-{i % 50}}}\n"
                    f"rules:\n- apiGroups: [\"\", apps]\n  resources: {resources[i % 5]}\n  verbs: {verbs[i % 4]}\n")
    # Each aggregating role selects about ten others, however large the set.
    groups = max(cluster_roles // 10, 1)
    for i in range(cluster_roles):
        label = f"labels: {{agg: \"{i % groups}\"}}"
        if i % 10 == 0:
            docs.append(f"apiVersion: {RBAC}\nkind: ClusterRole\nmetadata: {{name: cr-{i}}}\n"
                        f"aggregationRule:\n  clusterRoleSelectors:\n  - matchLabels: {{agg: \"{i % groups}\"}}\n")
        else:
            docs.append(f"apiVersion: {RBAC}\nkind: ClusterRole\nmetadata: {{name: cr-{i}, {label}}}\n"
                        f"rules:\n- apiGroups: [\"\"]\n  resources: {resources[i % 5]}\n  verbs: {verbs[i % 4]}\n")
    subjects = ("subjects:\n- {{kind: ServiceAccount, name: sa-{i}, namespace: ns-{ns}}}\n"
                "- {{kind: User, name: user-{i}, apiGroup: rbac.authorization.k8s.io}}\n")
    for i in range(n):
        # Half bind a Role in its own namespace, half a ClusterRole.
        ns = (i % roles) % 50 if i % 2 else (i // 20) % 50
        ref = (f"{{apiGroup: rbac.authorization.k8s.io, kind: Role, name: role-{i % roles}}}" if i % 2
               else f"{{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cr-{i % cluster_roles}}}")
        docs.append(f"apiVersion: {RBAC}\nkind: RoleBinding\nmetadata: {{name: rb-{i}, namespace: ns-{ns}}}\n"
                    f"roleRef: {ref}\n" + subjects.format(i=i, ns=ns))
    for i in range(max(n // 10, 1)):
        docs.append(f"apiVersion: {RBAC}\nkind: ClusterRoleBinding\nmetadata: {{name: crb-{i}}}\n"
                    f"roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cr-{i % cluster_roles}}}\n"
                    + subjects.format(i=i, ns=i % 50))
    per_file = 500
    for f in range(0, len(docs), per_file):
        with open(os.path.join(path, f"rbac-{f // per_file:05}.yaml"), "w") as out:
            out.write("---\n".join(docs[f:f + per_file]))
    return len(docs)


def best(cmd, runs):
    env = dict(os.environ, RAYON_NUM_THREADS="1")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        code = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env=env).returncode
        times.append(time.perf_counter() - start)
        if code not in (0, 1):
            raise SystemExit(f"{cmd} exited {code}")
    return min(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bindings", default="1000,10000,100000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "kubeward"))
    args = ap.parse_args()
    print(f"{'bindings':>9} {'objects':>8} {'scan s':>8} {'us/binding':>10} {'who-can s':>9} {'us/binding':>10}")
    for n in (int(s) for s in args.bindings.split(",")):
        path = os.path.join(ROOT, "target", "bench-rbac", str(n))
        objects = generate(n, path)
        bindings = n + max(n // 10, 1)
        scan = best([args.bin, "scan", "--no-config", "--enable", "rbac", "--format", "json", path],
                    args.runs)
        who = best([args.bin, "rbac", "who-can", "get", "secrets", "-f", path], args.runs)
        print(f"{bindings:>9} {objects:>8} {scan:>8.3f} {scan / bindings * 1e6:>10.1f} "
              f"{who:>9.3f} {who / bindings * 1e6:>10.1f}")


if __name__ == "__main__":
    main()
