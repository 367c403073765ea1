#!/usr/bin/env python3
"""Writes the seed inputs of the fuzz targets to target/fuzz/seeds/<target>/.

The seeds are where a fuzzing campaign starts (docs/fuzzing.md). Neither they nor the
corpora the fuzzer grows in fuzz/corpus/ are committed (even minimized with `cargo fuzz
cmin`, each corpus kept thousands of files and megabytes): a campaign starts again from
these seeds, and what it crashed on is committed in fuzz/regressions/. Sources: kubeward's own fixtures (the default k8s_audit ruleset,
examples/), inputs written here, and, when ../shared/upstream-rules/ exists, the upstream
Falco rulesets (cut into pieces of a few items, and their conditions alone). The manifest
seeds serve both manifest targets.

Usage: python3 fuzz/seeds.py   (from the repository root)
"""

import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "target", "fuzz", "seeds")
UPSTREAM = os.path.join(ROOT, "..", "shared", "upstream-rules")


def write(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def items(text):
    """Top-level items of a rules file: runs of lines from one `- ` at column 0."""
    out, cur = [], []
    for line in text.splitlines(keepends=True):
        if line.startswith("- ") and cur:
            out.append("".join(cur))
            cur = []
        if line.startswith("#") and not cur:
            continue
        cur.append(line)
    if cur:
        out.append("".join(cur))
    return out


def conditions(text):
    """The conditions of a rules file, as the YAML reader gives them."""
    try:
        import yaml
    except ImportError:
        return []
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        return []
    return [i["condition"] for i in doc or [] if isinstance(i, dict) and isinstance(i.get("condition"), str)]


# --- Falco conditions -----------------------------------------------------------------

CONDITIONS = [
    "evt.type = execve and proc.name = bash",
    "evt.type in (open, openat, openat2) and fd.name startswith /etc",
    "not (proc.name in (a, b) or proc.pname = c) and not user.name exists",
    "proc.cmdline contains \"curl -s\" and proc.args icontains 'X'",
    "fd.name glob '/etc/*' or fd.name iglob \"*.SH\"",
    "proc.name regex '^(ba|z)sh$'",
    "fd.name pmatch (/etc, /usr/lib) and fd.directory bstartswith 2f",
    "proc.env[HOME] = /root and proc.aname[2] = sshd and proc.aname = init",
    "tolower(proc.name) = val(proc.pname) and len(proc.args) > 3",
    "toupper(basename(fd.name)) endswith .SO and b64(evt.buffer) bcontains 414243",
    "join(\",\", proc.args) = x and concat(proc.name, \"-\", proc.pname) != y",
    "getopt(proc.args, \"abc:\")[c] exists",
    "proc.name startswith oneof (a, b) and proc.args contains anyof (x) and proc.args contains allof (x, y)",
    "evt.arg.flags contains O_CREAT and evt.rawarg.res < 0 and evt.rawres >= 0",
    "fd.net = 10.0.0.0/8 and fd.sip = 192.168.1.1 and fd.sport in (80, 443)",
    "proc.pid = 0x10 and proc.ppid != -1 and evt.num <= 18446744073709551615",
    "((((proc.name = a))))",
    "not not not proc.name = a",
    "a_macro and (another_macro or not third)",
    "container.id != host and container.image.repository intersects (a, b)",
    "proc.name in (\"quoted, with comma\", 'single', unquoted, (nested, list))",
    "evt.type=open and evt.dir=< and fd.typechar='f'",
    "proc.name=\"esc\\\"aped\\\\\" and proc.name='it\\'s'",
    "",
    "   ",
    "proc.name =",
    "(proc.name = a",
    "proc.name = a)",
    "proc.name in (a, b",
    "unknown.field = 1",
    "proc.name exists and fd.name exists",
    "evt.type.is.open = 1",
    "proc.aexepath[1] endswith /sh",
]

K8S_CONDITIONS = [
    "ka.verb = create and ka.target.resource = pods and ka.req.pod.containers.privileged intersects (true)",
    "ka.req.pod.volumes.hostpath intersects (/etc, /var/run/docker.sock)",
    "ka.uri.param[command] exists and ka.target.subresource in (exec, attach)",
    "jevt.value[/user/username] = admin and json.value[/objectRef/namespace] = kube-system",
    "ka.req.binding.subject.has_name[system:anonymous] = true",
    "ka.req.pod.containers.image[0] startswith docker.io/ and ka.user.groups intersects (system:masters)",
    "ka.response.code startswith 2 and ka.sourceips[0] = 10.0.0.1",
    "ka.req.role.rules.verbs intersects (\"*\") and ka.req.role.rules.resources pmatch (secrets)",
]


def rules_condition():
    for c in CONDITIONS:
        write("rules_condition", c)
    for c in conditions(read(os.path.join(ROOT, "crates/kubeward-k8saudit/rules/kubeward_k8s_audit_rules.yaml"))):
        write("rules_condition", c)
    if os.path.isdir(UPSTREAM):
        for f in sorted(os.listdir(UPSTREAM)):
            if f.endswith(".yaml"):
                for c in conditions(read(os.path.join(UPSTREAM, f))):
                    write("rules_condition", c)


# --- rules files ----------------------------------------------------------------------

def rule(name, cond, extra="", source="k8s_audit"):
    return (
        f"- rule: {name}\n  desc: d\n  condition: {cond}\n"
        f"  output: \"{name} user=%ka.user.name uri=%ka.uri %ka.req.pod.containers.image[0]\"\n"
        f"  priority: WARNING\n  source: {source}\n{extra}"
    )


RULES_FILES = [
    "- required_engine_version: 15\n- required_engine_version: 0.40.0\n",
    "- required_plugin_versions:\n  - name: k8saudit\n    version: 0.18.0\n    alternatives:\n      - name: k8saudit-eks\n        version: 0.1.0\n  - name: json\n    version: 0.7.0\n",
    "- list: base_users\n  items: [bob]\n  append: true\n",
    "- list: base_users\n  items: [carol]\n  override:\n    items: append\n",
    "- macro: base_write\n  condition: or ka.verb = delete\n  append: true\n",
    "- macro: base_write\n  condition: ka.verb = delete\n  override:\n    condition: replace\n",
    "- rule: Base Rule\n  enabled: false\n",
    "- rule: Base Rule\n  condition: and ka.target.namespace != dev\n  append: true\n",
    "- rule: Base Rule\n  exceptions:\n    - name: ns\n      values: [[default]]\n  append: true\n",
    "- rule: Base Rule\n  priority: ERROR\n  tags: [x, y]\n  override:\n    priority: replace\n    tags: append\n",
    "- rule: Base Rule\n  output: \"changed %ka.verb\"\n  desc: new\n  override: {output: replace, desc: replace}\n",
    rule("Exec", "ka.target.subresource = exec and ka.uri.param[command] exists",
         "  exceptions:\n    - name: users\n      fields: [ka.user.name, ka.target.namespace]\n      comps: [=, in]\n      values:\n        - [alice, [dev, test]]\n    - name: one\n      fields: ka.user.name\n      comps: startswith\n      values: [system:, admin]\n"),
    rule("Tags", "ka.verb = get", "  tags: [k8s, T1234]\n  enabled: true\n  warn_evttypes: false\n  skip-if-unknown-filter: true\n"),
    rule("Unknown", "nosuch.field = 1", "  skip-if-unknown-filter: true\n"),
    rule("Syscall", "evt.type = execve and proc.name = sh", source="syscall"),
    rule("Capture", "evt.type = open", "  capture: true\n  capture_duration: 5000\n", source="syscall"),
    "- list: l1\n  items: [a, b]\n- list: l2\n  items: [l1, c, \"d e\"]\n- macro: m\n  condition: ka.verb in (l2)\n"
    + rule("Lists", "m and ka.user.name in (l1, l2)"),
    "- macro: loop\n  condition: loop\n" + rule("Loop", "loop"),
    "- macro: m0\n  condition: ka.verb = get\n- macro: m1\n  condition: (m0 or m0)\n- macro: m2\n  condition: (m1 or m1)\n"
    + rule("Doubling", "m2 and m2"),
    "- rule: No source\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: notice\n",
    "- rule: Bad priority\n  desc: d\n  condition: ka.verb = get\n  output: o\n  priority: LOUD\n  source: k8s_audit\n",
    "- rule: Missing\n  condition: ka.verb = get\n",
    "- nothing: here\n",
    "not a list",
    "- rule: [1, 2]\n",
    "- list: x\n  items: {a: b}\n",
    "- macro: anchors\n  condition: &c ka.verb = get\n" + rule("Alias", "*c"),
    rule("Flow", "ka.verb in (get, list)").replace("tags", "t") + "...\n---\n" + rule("Second", "ka.verb = get"),
    rule("Json", "jevt.value[/objectRef/name] = x and json.value[/verb] exists and jevt.obj contains \"a\""),
    rule("Output fields", "ka.verb exists", "").replace("output: \"", "output: \"%jevt.value[/user/username] %json.value[/sourceIPs/0] %jevt.rawtime %evt.time %evt.hostname %ka.uri.param[x] "),
]


def rules_load():
    for t in RULES_FILES:
        write("rules_load", t)
    default = read(os.path.join(ROOT, "crates/kubeward-k8saudit/rules/kubeward_k8s_audit_rules.yaml"))
    write("rules_load", default)
    pieces = items(default)
    for i in range(0, len(pieces), 4):
        write("rules_load", "".join(pieces[i:i + 4]))
    if os.path.isdir(UPSTREAM):
        for f in sorted(os.listdir(UPSTREAM)):
            if not f.endswith(".yaml"):
                continue
            pieces = items(read(os.path.join(UPSTREAM, f)))
            chunk, size = [], 0
            for p in pieces:
                chunk.append(p)
                size += len(p)
                if size > 3000:
                    write("rules_load", "".join(chunk))
                    chunk, size = [], 0
            if chunk:
                write("rules_load", "".join(chunk))


# --- audit logs -----------------------------------------------------------------------

def event(i, **over):
    ev = {
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "RequestResponse",
        "auditID": f"id-{i}", "stage": "ResponseComplete",
        "requestURI": "/api/v1/namespaces/dev/pods", "verb": "create",
        "user": {"username": "alice", "groups": ["system:authenticated"]},
        "sourceIPs": ["10.0.0.9"], "userAgent": "kubectl/v1.31.0",
        "objectRef": {"resource": "pods", "namespace": "dev", "name": "p", "apiVersion": "v1"},
        "responseStatus": {"metadata": {}, "code": 201},
        "requestObject": {"kind": "Pod", "spec": {
            "containers": [{"name": "c", "image": "nginx", "securityContext": {"privileged": True}}],
            "initContainers": [{"name": "i", "image": "busybox:1"}],
            "hostPID": True, "volumes": [{"name": "v", "hostPath": {"path": "/var/run/docker.sock"}}]}},
        "annotations": {"authorization.k8s.io/decision": "allow"},
        "requestReceivedTimestamp": "2024-06-01T12:00:00.000000Z",
        "stageTimestamp": "2024-06-01T12:00:00.250000+02:00",
    }
    ev.update(over)
    return ev


def audit_reader():
    evs = [
        event(1),
        event(2, verb="get", requestURI="/api/v1/namespaces/dev/pods/p/exec?command=id&command=-u&tty=1",
              objectRef={"resource": "pods", "subresource": "exec", "namespace": "dev", "name": "p"}),
        event(3, apiVersion="audit.k8s.io/v1beta1", verb="create", requestObject={
            "kind": "ClusterRoleBinding", "subjects": [{"kind": "User", "name": "system:anonymous"}],
            "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
            "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}),
        event(4, stageTimestamp="2024-02-29T23:59:59.999999999999Z", user={"username": "\u00e9\u0000\"x\\"}),
        event(5, stageTimestamp=7, sourceIPs="not a list"),
        {"kind": "Event", "stageTimestamp": "1970-01-01T00:00:00Z"},
    ]
    lines = [json.dumps(e, separators=(",", ":")) for e in evs]
    write("audit_reader", "\n".join(lines) + "\n")
    write("audit_reader", "\r\n".join(lines[:2]) + "\r\n\r\n")
    for line in lines:
        write("audit_reader", line)
    evlist = {"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "metadata": {}, "items": evs[:3]}
    write("audit_reader", json.dumps(evlist))
    write("audit_reader", json.dumps(evlist, indent=2) + "\n" + lines[0] + "\n")
    write("audit_reader", json.dumps({"items": evs[:2], "kind": "EventList"}, indent=1))
    write("audit_reader", json.dumps(evs[:2], indent=4))
    write("audit_reader", json.dumps(evs[0], indent=2) + json.dumps(evs[1]))
    write("audit_reader", lines[0][:200] + "\n" + lines[1] + "\n{\"broken\": [\n" + lines[2] + "\n")
    write("audit_reader", "[1, 2]\n\"str\"\nnull\n{}\n" + lines[0] + "\n\x00\n")
    write("audit_reader", "{\"kind\":\"EventList\",\"items\":[" + lines[0] + ",{bad}," + lines[1] + "]}\n")
    write("audit_reader", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n")
    write("audit_reader", "{\"kind\":\"Event\",\"stageTimestamp\":\"2024-06-01T12:00:00Z\",\"auditID\":1e400}\n")


# --- AdmissionReviews -----------------------------------------------------------------

def pod(ns, name, spec, **meta):
    m = {"name": name, "namespace": ns}
    m.update(meta)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": m, "spec": spec}


RESTRICTED = {
    "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
    "containers": [{"name": "app", "image": "nginx", "securityContext": {
        "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}}],
}
PRIVILEGED = {
    "hostNetwork": True, "hostPID": True, "runtimeClassName": "exempt-rc",
    "securityContext": {"sysctls": [{"name": "kernel.shm_rmid_forced", "value": "1"}], "fsGroup": 0},
    "containers": [{"name": "app", "image": "nginx", "ports": [{"containerPort": 80, "hostPort": 80}],
                    "securityContext": {"privileged": True, "runAsUser": 0,
                                        "capabilities": {"add": ["SYS_ADMIN", "NET_RAW"]},
                                        "seLinuxOptions": {"type": "spc_t"},
                                        "procMount": "Unmasked", "appArmorProfile": {"type": "Unconfined"}}}],
    "initContainers": [{"name": "init", "image": "busybox"}],
    "ephemeralContainers": [{"name": "debug", "image": "busybox"}],
    "volumes": [{"name": "h", "hostPath": {"path": "/var/log"}}, {"name": "c", "configMap": {"name": "x"}}],
}


def review(resource, kind, ns, name, obj, group="", version="v1", op="CREATE", old=None, api="admission.k8s.io/v1", **extra):
    req = {
        "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": group, "version": version, "resource": resource},
        "requestKind": {"group": group, "version": version, "kind": kind},
        "name": name, "operation": op,
        "userInfo": {"username": "alice", "uid": "1", "groups": ["system:authenticated"], "extra": {"k": ["v"]}},
        "object": obj, "oldObject": old, "dryRun": False,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"},
    }
    if ns:
        req["namespace"] = ns
    req.update(extra)
    return {"apiVersion": api, "kind": "AdmissionReview", "request": req}


def admission_review():
    reviews = [
        review("pods", "Pod", "restricted", "ok", pod("restricted", "ok", RESTRICTED)),
        review("pods", "Pod", "restricted", "bad", pod("restricted", "bad", PRIVILEGED, labels={"a": "b"})),
        review("pods", "Pod", "mixed", "bad", pod("mixed", "bad", PRIVILEGED), api="admission.k8s.io/v1beta1"),
        review("pods", "Pod", "default", "p", pod("default", "p", PRIVILEGED), op="UPDATE",
               old=pod("default", "p", RESTRICTED)),
        review("pods", "Pod", "restricted", "p", pod("restricted", "p", PRIVILEGED), subResource="ephemeralcontainers",
               op="UPDATE", old=pod("restricted", "p", RESTRICTED)),
        review("pods", "PodExecOptions", "restricted", "p", None, subResource="exec"),
        review("pods", "Pod", "nowhere", "p", pod("nowhere", "p", RESTRICTED)),
        review("pods", "Pod", "kube-system", "p", pod("kube-system", "p", PRIVILEGED)),
        review("pods", "Pod", "restricted", "p", pod("restricted", "p", PRIVILEGED), op="DELETE"),
        review("deployments", "Deployment", "restricted", "d", {
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "restricted"},
            "spec": {"template": {"metadata": {"labels": {"app": "x"}}, "spec": PRIVILEGED}}}, group="apps"),
        review("cronjobs", "CronJob", "mixed", "c", {
            "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
            "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": PRIVILEGED}}}}},
            group="batch"),
        review("podtemplates", "PodTemplate", "mixed", "t", {"template": {"spec": {"containers": "wrong"}}}),
        review("namespaces", "Namespace", "", "restricted", {
            "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "restricted", "labels": {
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/enforce-version": "v1.99",
                "pod-security.kubernetes.io/warn": "privileged"}}},
            op="UPDATE", old={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "restricted"}}),
        review("namespaces", "Namespace", "", "x", {"metadata": {"name": "x", "labels": {
            "pod-security.kubernetes.io/audit": "nonsense", "pod-security.kubernetes.io/warn-version": "latest"}}}),
        review("configmaps", "ConfigMap", "dev", "c", {"data": {"a": "b"}}, dryRun=True),
    ]
    for r in reviews:
        write("admission_review", json.dumps(r))
    write("admission_review", json.dumps(reviews[0], indent=2))
    write("admission_review", json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"}))
    write("admission_review", json.dumps({"apiVersion": "v1", "kind": "Pod"}))
    write("admission_review", json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                                          "response": {"uid": "x", "allowed": True}}))
    write("admission_review", "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{}}")
    write("admission_review", "not json")


# --- manifests ------------------------------------------------------------------------

MANIFESTS = [
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: dev\nspec:\n  containers:\n  - name: c\n"
    "    image: nginx\n    securityContext:\n      privileged: yes\n      runAsUser: 0777\n",
    "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: crlf\r\nspec:\r\n  containers: [{name: c, image: nginx}]\r\n",
    "\ufeffapiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n  labels:\n"
    "    pod-security.kubernetes.io/enforce: restricted\n",
    "apiVersion: v1\nkind: \"Namespac\\u0065\"\nmetadata: {name: escaped}\n",
    json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "j"}, "spec": {"containers": [
        {"name": "c", "image": "x", "securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}}]}}) + "\n",
    "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n"
    "  spec: {containers: [{name: c, image: i}]}\n- apiVersion: apps/v1\n  kind: Deployment\n"
    "  metadata: {name: d}\n  spec:\n    template:\n      spec:\n        hostNetwork: on\n"
    "        containers: [{name: c, image: i}]\n",
    "base: &base\n  image: nginx\n  imagePullPolicy: Always\n---\napiVersion: v1\nkind: Pod\n"
    "metadata: {name: merged}\nspec:\n  containers:\n  - <<: *base\n    name: c\n  - <<: [*base]\n    name: d\n",
    "apiVersion: v1\nkind: Pod\nmetadata: &m\n  name: anchors\n  labels: &l {a: b}\nspec:\n  containers:\n"
    "  - name: c\n    image: i\n    env: [{name: A, value: *l}]\n",
    "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n",
    "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: cj\nspec:\n  schedule: '*/5 * * * *'\n"
    "  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - name: c\n"
    "            image: busybox\n            command:\n            - sh\n            - -c\n            - |\n"
    "              echo hi\n              exit 0\n          restartPolicy: OnFailure\n",
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: dup\n  name: twice\nspec:\n  containers:\n  - name: c\n"
    "    image: i\n    image: j\n",
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: values}\ndata:\n  a: 0x1F\n  b: 1_000\n  c: 1e3\n"
    "  d: .inf\n  e: ~\n  f: !!binary aGVsbG8=\n  g: 2024-01-01\n  h: 'single ''quoted'''\n"
    "  i: \"double \\t \\u00e9 \\x41\"\n  j: >\n    folded\n    text\n  k: |-\n    literal\n  l: ? complex\n",
    "--- \n...\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: after-end}\n...\n",
    "apiVersion: v1\nkind: Pod\nmetadata:\n\tname: tab\n",
    "apiVersion: v1\nkind: Pod\nmetadata: {name: [unclosed\n---\napiVersion: v1\nkind: Pod\n",
    "- a\n- b\n---\nplain scalar\n---\n42\n---\n",
    "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: c\n    image: i\n    ports:\n"
    "    - containerPort: \"80\"\n      hostPort: 80.5\n    resources: {limits: {cpu: 1e3m, memory: 1Gi}}\n",
    "%YAML 1.2\n%TAG !e! tag:example.com,2000:\n---\n!e!pod {apiVersion: v1, kind: Pod}\n",
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: deep\nspec: " + "[" * 300 + "]" * 300 + "\n",
]


def manifest():
    """Seeds of both manifest targets."""
    texts = list(MANIFESTS)
    examples = os.path.join(ROOT, "examples")
    texts += [read(os.path.join(examples, f)) for f in sorted(os.listdir(examples)) if f.endswith(".yaml")]
    for t in texts:
        write("manifest", t)
        write("manifest_fast", t)


def main():
    targets = {
        "rules_condition": rules_condition,
        "rules_load": rules_load,
        "audit_reader": audit_reader,
        "admission_review": admission_review,
        "manifest": manifest,
    }
    wanted = sys.argv[1:] or list(targets)
    for t in wanted:
        targets[t]()
    for t in sorted(os.listdir(OUT)):
        print(t, len(os.listdir(os.path.join(OUT, t))), "seeds in", os.path.join(OUT, t))


if __name__ == "__main__":
    main()
