#!/usr/bin/env bash
# Load test of kubeward's two servers with a real HTTP load generator (wrk), on loopback only,
# bounded in time. Prints requests/s and latency percentiles from wrk, events evaluated from
# the audit server's /metrics, and each server's resident memory before and after the run.
#
# Usage: scripts/load_servers.sh [SECONDS] [CONNECTIONS]   (defaults 10 and 32)
# With FLOOD=N in the environment, scripts/flood_idle.py holds N idle connections to each
# server (TLS handshake done then silence for the webhook, silent TCP for the audit backend,
# from 127.0.1.1-20) while wrk runs, and the servers' connection counters are printed after.
# Needs: a release build (cargo build --release), wrk (apt-get install wrk), openssl, curl.
# The audit run uses ../shared/upstream-rules/k8s_audit_rules.yaml when present, else
# kubeward's embedded ruleset.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-32}
flood=${FLOOD:-0}
bin=${KUBEWARD_BIN:-target/release/kubeward}
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 2; }
[ -x "$bin" ] || { echo "$bin not found: cargo build --release" >&2; exit 2; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$1/status"; }
# Starts the flood holder against port $1 in mode $2 and waits until its connections are open.
start_flood() {
  [ "$flood" -gt 0 ] || return 0
  python3 scripts/flood_idle.py 127.0.0.1 "$1" "$flood" "$2" $((secs + 10)) >"$work/flood.$2.log" 2>&1 &
  pids+=($!); fpid=$!
  for _ in $(seq 600); do grep -q "connections open" "$work/flood.$2.log" && break; sleep 0.1; done
  cat "$work/flood.$2.log"
}
stop_flood() {
  [ "$flood" -gt 0 ] || return 0
  kill "$fpid" 2>/dev/null || true
  wait "$fpid" 2>/dev/null || true
  tail -n1 "$work/flood.$2.log"
  curl -sk "$1" | grep -E '_(connections|requests_in_flight)[a-z_]*(\{| )' || true
}
wait_up() { for _ in $(seq 100); do curl -sk "$1" >/dev/null && return 0; sleep 0.1; done; echo "server at $1 did not start" >&2; exit 1; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$work/tls.key" -out "$work/tls.crt" 2>/dev/null

cat > "$work/ns.yaml" <<'YAML'
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    pod-security.kubernetes.io/enforce: baseline
    pod-security.kubernetes.io/warn: restricted
    pod-security.kubernetes.io/audit: restricted
YAML

python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
pod = {"apiVersion": "v1", "kind": "Pod",
       "metadata": {"name": "web", "namespace": "shop"},
       "spec": {"containers": [{"name": "app", "image": "nginx:1.27",
                                "securityContext": {"allowPrivilegeEscalation": False}},
                               {"name": "sidecar", "image": "envoy:1.30"}]}}
review = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
          "request": {"uid": "0b9c6c1f-2d0e-4f5e-9a55-1f1a1f1a1f1a",
                      "kind": {"group": "", "version": "v1", "kind": "Pod"},
                      "resource": {"group": "", "version": "v1", "resource": "pods"},
                      "namespace": "shop", "operation": "CREATE", "name": "web",
                      "userInfo": {"username": "alice", "groups": ["system:authenticated"]},
                      "object": pod, "dryRun": False}}
events = []
for i in range(400):
    verb = ["get", "list", "create", "delete", "patch"][i % 5]
    events.append({"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "RequestResponse",
                   "auditID": f"00000000-0000-0000-0000-{i:012d}", "stage": "ResponseComplete",
                   "requestURI": f"/api/v1/namespaces/shop/pods/web-{i}", "verb": verb,
                   "user": {"username": "alice", "groups": ["system:authenticated"]},
                   "sourceIPs": ["10.0.0.7"], "userAgent": "kubectl/v1.33.0",
                   "objectRef": {"resource": "pods", "namespace": "shop", "name": f"web-{i}",
                                 "apiVersion": "v1"},
                   "responseStatus": {"metadata": {}, "code": 200},
                   "requestObject": pod if verb == "create" else None,
                   "requestReceivedTimestamp": "2026-11-26T10:00:00.000000Z",
                   "stageTimestamp": "2026-11-26T10:00:00.002000Z"})
batch = {"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "metadata": {}, "items": events}
for name, body in (("review", review), ("batch", batch)):
    with open(f"{work}/{name}.json", "w") as f:
        json.dump(body, f)
    with open(f"{work}/{name}.lua", "w") as f:
        f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n')
        f.write("wrk.body = " + json.dumps(json.dumps(body)) + "\n")
PY

echo "== admission webhook: POST /validate over TLS, $conns connections, ${secs}s"
"$bin" webhook serve --listen 127.0.0.1:18443 --tls-cert "$work/tls.crt" --tls-key "$work/tls.key" \
  --namespaces "$work/ns.yaml" >"$work/admission.log" 2>&1 &
pids+=($!); apid=$!
wait_up https://127.0.0.1:18443/healthz
echo "rss before: $(rss $apid)"
start_flood 18443 tls
wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$work/review.lua" https://127.0.0.1:18443/validate
stop_flood https://127.0.0.1:18443/metrics tls
echo "rss after: $(rss $apid)"
kill "$apid"

rules=()
[ -f ../shared/upstream-rules/k8s_audit_rules.yaml ] && rules=(-r ../shared/upstream-rules/k8s_audit_rules.yaml)
echo "== audit webhook: POST /k8s-audit (400-event EventLists), 4 connections, ${secs}s, rules: ${rules[*]:-embedded}"
"$bin" detect serve "${rules[@]}" --listen 127.0.0.1:19765 --no-stdout --output-file /dev/null \
  >"$work/audit.log" 2>&1 &
pids+=($!); dpid=$!
wait_up http://127.0.0.1:19765/healthz
echo "rss before: $(rss $dpid)"
start_flood 19765 tcp
start=$(date +%s.%N)
wrk -t2 -c4 -d"${secs}s" --latency -s "$work/batch.lua" http://127.0.0.1:19765/k8s-audit
stop_flood http://127.0.0.1:19765/metrics tcp
sleep 2
end=$(date +%s.%N)
echo "rss after: $(rss $dpid)"
curl -s http://127.0.0.1:19765/metrics | grep -E '^kubeward_audit_(events|batches)[a-z_]*(\{| )' || true
evaluated=$(curl -s http://127.0.0.1:19765/metrics | awk '/^kubeward_audit_events_evaluated_total/ {s+=$2} END {print s+0}')
python3 -c "print(f'events evaluated: {int($evaluated)} in {float($end)-float($start):.1f}s = {int($evaluated)/(float($end)-float($start)):.0f} events/s (wall time includes the 2 s drain)')"
