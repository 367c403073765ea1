#!/usr/bin/env bash
# Live capture under generated load: kubeward detect --live with Falco's stable rules
# while the `load` example runs, then SIGINT; prints the generator's figures and
# kubeward's --stats (kernel drops, consumer CPU, memory).
# Root (or CAP_BPF+CAP_PERFMON) and ../shared/upstream-rules are needed.
#
#   scripts/live_load.sh [RATE] [SECONDS] [THREADS]   syscalls/s (defaults 200000 10 1)
#   scripts/live_load.sh procs [N]                     N short-lived processes (1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
rules=../shared/upstream-rules/falco_rules.yaml
cargo build --release -q --bin kubeward
cargo build --release -q -p kubeward-syscall --example load
err=$(mktemp)
./target/release/kubeward detect --live --stats -r "$rules" >/dev/null 2>"$err" &
kw=$!
# The capture announces itself once attached and bootstrapped.
until grep -q "Ctrl-C stops" "$err"; do sleep 0.1; done
if [ "${1:-}" = procs ]; then
    ./target/release/examples/load procs "${2:-1000000}"
else
    ./target/release/examples/load "${1:-200000}" "${2:-10}" "${3:-1}"
fi
sleep 0.5
kill -INT "$kw"
wait "$kw" || true
cat "$err"
rm -f "$err"
