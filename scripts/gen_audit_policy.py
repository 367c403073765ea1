#!/usr/bin/env python3
"""Writes a large audit Policy for timing `kubeward audit-policy lint`.

Usage: gen_audit_policy.py RULES > policy.yaml

The rules mix what real policies hold: users, groups, verbs, resources with names,
namespaces and non-resource URLs, so that some later rules are shadowed by earlier
ones (AP001 has findings to report) and most are not.
"""
import sys


def rule(i):
    kind = i % 10
    level = ["Metadata", "Request", "RequestResponse", "None"][i % 4]
    out = [f"- level: {level}"]
    if kind < 6:
        out.append(f"  users: [user-{i % 5000}]")
    elif kind < 8:
        out.append(f"  userGroups: [group-{i % 300}]")
    if i % 3 == 0:
        out.append(f"  verbs: [verb-{i % 7}]")
    if kind == 9:
        out.append(f"  nonResourceURLs: [/path-{i % 2000}/*]")
    else:
        names = f", resourceNames: [name-{i}]" if i % 25 == 0 else ""
        out.append(f"  resources: [{{group: group-{i % 40}, resources: [res-{i % 9000}]{names}}}]")
        if kind == 8:
            out.append(f"  namespaces: [ns-{i % 100}]")
    return "\n".join(out)


def main():
    n = int(sys.argv[1])
    print("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:")
    for i in range(n):
        print(rule(i))
    print("- level: Metadata")


if __name__ == "__main__":
    main()
