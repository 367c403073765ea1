#!/usr/bin/env bash
# Runs one fuzz target for a while, one process, niced (docs/fuzzing.md).
#   fuzz/run.sh <target> <seconds> [extra libFuzzer flags]
# Run from anywhere; builds with cargo-fuzz into target/fuzz first. New inputs go to
# fuzz/corpus/<target>/, crashes to fuzz/artifacts/<target>/, the log (with
# libFuzzer's final stats) to target/fuzz/logs/.
set -euo pipefail
cd "$(dirname "$0")"
target=$1 seconds=$2
shift 2
case $target in
	rules_condition | rules_load) dict=rules ;;
	audit_reader) dict=audit ;;
	admission_review) dict=admission ;;
	manifest | manifest_fast) dict=yaml ;;
	*) echo "unknown target $target" >&2; exit 2 ;;
esac
cargo +nightly fuzz build -a -s none --target-dir ../target/fuzz "$target"
bin=../target/fuzz/x86_64-unknown-linux-gnu/release/$target
seeds=../target/fuzz/seeds/$target
mkdir -p "corpus/$target" "artifacts/$target" ../target/fuzz/logs "$seeds"
log=../target/fuzz/logs/$target-$(date -u +%Y%m%dT%H%M%SZ).log
echo "start $(date -u +%FT%TZ)" | tee "$log"
set +e
nice -n 10 "$bin" -dict="dict/$dict.dict" -timeout=2 -rss_limit_mb=1024 \
	-max_total_time="$seconds" -print_final_stats=1 \
	-artifact_prefix="artifacts/$target/" "$@" "corpus/$target" "$seeds" 2>&1 |
	grep -v '^#[0-9]*.*\(NEW\|REDUCE\)' >>"$log"
status=${PIPESTATUS[0]}
set -e
echo "end $(date -u +%FT%TZ) status $status" | tee -a "$log"
tail -n 25 "$log"
exit "$status"
