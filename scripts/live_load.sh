#!/usr/bin/env bash
# Live capture under generated load: kubeward detect --live with Falco's stable rules
# while the `load` example makes RATE captured syscalls per second for SECONDS; prints
# the generator's achieved rate and kubeward's --stats (kernel drops, consumer CPU).
# Root (or CAP_BPF+CAP_PERFMON) and ../shared/upstream-rules are needed.
#
#   scripts/live_load.sh [RATE] [SECONDS] [THREADS]    (defaults 200000 10 1)
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-200000} secs=${2:-10} threads=${3:-1}
rules=../shared/upstream-rules/falco_rules.yaml
cargo build --release -q --bin kubeward
cargo build --release -q -p kubeward-syscall --example load
err=$(mktemp)
./target/release/kubeward detect --live --stats -r "$rules" --duration $((secs + 1))s \
    >/dev/null 2>"$err" &
kw=$!
# The capture announces itself once attached and bootstrapped.
until grep -q "Ctrl-C stops" "$err"; do sleep 0.1; done
./target/release/examples/load "$rate" "$secs" "$threads"
wait "$kw" || true
cat "$err"
rm -f "$err"
