#!/usr/bin/env bash
# Rebuilds crates/kubeward-syscall/bpf/probe.bpf.o from its C source.
#
# The object is committed so that `cargo build` needs no C toolchain; CI runs this with
# `--check` to prove the committed bytes are what the source builds to. The output is
# deterministic for a given clang: relative paths only, DWARF stripped (the .BTF and
# .BTF.ext sections that CO-RE needs stay).
#
#   scripts/build-bpf.sh            rebuild the object in place
#   scripts/build-bpf.sh --check    rebuild into a temporary file and compare
#
# CLANG and LLVM_STRIP may name the tools (default clang-14 / llvm-strip-14 when
# present, else clang / llvm-strip).
set -euo pipefail
cd "$(dirname "$0")/../crates/kubeward-syscall/bpf"

pick() { command -v "$1" >/dev/null 2>&1 && echo "$1" || echo "$2"; }
CLANG=${CLANG:-$(pick clang-14 clang)}
LLVM_STRIP=${LLVM_STRIP:-$(pick llvm-strip-14 llvm-strip)}

out=probe.bpf.o
if [[ "${1:-}" == "--check" ]]; then
	out=$(mktemp /tmp/kubeward-probe.XXXXXX.o)
	trap 'rm -f "$out"' EXIT
fi

"$CLANG" -target bpf -D__TARGET_ARCH_x86 -O2 -g -Wall -Werror \
	-fno-ident -fdebug-prefix-map="$PWD"=. \
	-c probe.bpf.c -o "$out"
"$LLVM_STRIP" -g "$out"

if [[ "${1:-}" == "--check" ]]; then
	if ! cmp -s "$out" probe.bpf.o; then
		echo "error: crates/kubeward-syscall/bpf/probe.bpf.o is stale: it is not what probe.bpf.c builds to with $("$CLANG" --version | head -1)." >&2
		echo "fix: run scripts/build-bpf.sh and commit the object." >&2
		exit 1
	fi
	echo "probe.bpf.o matches its source ($("$CLANG" --version | head -1))"
else
	echo "wrote crates/kubeward-syscall/bpf/probe.bpf.o ($(stat -c %s probe.bpf.o) bytes)"
fi
