#!/usr/bin/env python3
"""Writes one large manifest file of small Pods, to measure `kubeward scan`'s memory on it.

Usage: gen_big_file.py BYTES OUT_FILE [--json-list]

Writes multi-document YAML of small Pods (about 150 to 250 bytes each; every third one runs
privileged, every fifth one is restricted) until the next Pod would pass BYTES. With
--json-list it writes the same Pods as the items of one JSON `List` (what `kubectl get -o
json` prints), which is a single document however many items it holds.
"""

import argparse
import json


def pod(i):
    privileged = i % 3 == 0
    restricted = i % 5 == 0
    container = {"name": "app", "image": f"registry.example/app:{i % 97}"}
    spec = {"containers": [container]}
    if privileged:
        container["securityContext"] = {"privileged": True}
    elif restricted:
        spec["securityContext"] = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
        container["securityContext"] = {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"pod-{i}", "namespace": f"ns-{i % 50}"},
        "spec": spec,
    }


def yaml_pod(i):
    p = pod(i)
    c = p["spec"]["containers"][0]
    lines = [
        "---",
        "apiVersion: v1",
        "kind: Pod",
        "metadata:",
        f"  name: {p['metadata']['name']}",
        f"  namespace: {p['metadata']['namespace']}",
        "spec:",
    ]
    psc = p["spec"].get("securityContext")
    if psc:
        lines += ["  securityContext:", "    runAsNonRoot: true", "    seccompProfile:",
                  "      type: RuntimeDefault"]
    lines += ["  containers:", "  - name: app", f"    image: {c['image']}"]
    sc = c.get("securityContext")
    if sc and sc.get("privileged"):
        lines += ["    securityContext:", "      privileged: true"]
    elif sc:
        lines += ["    securityContext:", "      allowPrivilegeEscalation: false",
                  "      readOnlyRootFilesystem: true", "      capabilities:",
                  "        drop: [ALL]"]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bytes", type=int)
    ap.add_argument("out")
    ap.add_argument("--json-list", action="store_true")
    args = ap.parse_args()
    written = 0
    count = 0
    with open(args.out, "w") as out:
        if args.json_list:
            head = '{"apiVersion":"v1","items":['
            tail = '],"kind":"List","metadata":{"resourceVersion":""}}\n'
            out.write(head)
            written = len(head) + len(tail)
            while True:
                item = ("," if count else "") + json.dumps(pod(count), separators=(",", ":"))
                if written + len(item) > args.bytes:
                    break
                out.write(item)
                written += len(item)
                count += 1
            out.write(tail)
        else:
            while True:
                text = yaml_pod(count)
                if written + len(text) > args.bytes:
                    break
                out.write(text)
                written += len(text)
                count += 1
    print(f"{args.out}: {count} pods, {written} bytes")


if __name__ == "__main__":
    main()
