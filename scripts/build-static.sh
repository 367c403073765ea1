#!/usr/bin/env bash
# Builds the kubeward binary statically linked (glibc, crt-static) into OUTDIR/kubeward.
# The Containerfile's build stage and scripts/build-image.sh both call this, so that the
# image built with a registry and the one built without are the same binary.
#
# Reproducible for the same toolchain and Cargo.lock: the checkout and cargo home are
# remapped out of the binary, and nothing in it reads the clock or the host name.
set -euo pipefail

out=${1:?usage: scripts/build-static.sh OUTDIR}
cd "$(dirname "$0")/.."
src=$PWD

target=$(rustc -vV | sed -n 's/^host: //p')
case $target in
*-linux-gnu) ;;
*)
	echo "build-static.sh: the host target $target is not glibc Linux; build on x86_64 or aarch64 Linux" >&2
	exit 2
	;;
esac

# crt-static only with an explicit --target, so that build scripts and proc macros, which
# run on the host, stay dynamic. The separator is the one CARGO_ENCODED_RUSTFLAGS uses, so
# paths with spaces survive.
sep=$'\x1f'
flags="-Ctarget-feature=+crt-static${sep}-Cstrip=debuginfo"
flags+="${sep}--remap-path-prefix=$src=/kubeward"
flags+="${sep}--remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=/cargo"
export CARGO_ENCODED_RUSTFLAGS=$flags
export CARGO_INCREMENTAL=0
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$src/target/static}

cargo build --release --locked --target "$target" -p kubeward-cli --bin kubeward >&2
install -D -m 0555 "$CARGO_TARGET_DIR/$target/release/kubeward" "$out/kubeward"
