#!/usr/bin/env bash
# Builds the kubeward image with podman and no registry, reproducibly:
#
#   scripts/build-image.sh [--output DIR]
#
# The binary is built here by scripts/build-static.sh (what the Containerfile's build stage
# runs) and given to the Containerfile's final stage in place of that stage through
# `--build-context build=...`, so no base image is pulled. Every timestamp in the image is
# the commit's time (SOURCE_DATE_EPOCH), so the same commit and toolchain give the same
# image id.
#
# Writes to DIR (default target/image):
#   kubeward-VERSION.oci.tar  the image as an OCI archive (podman load / skopeo copy)
#   image-id                  the image id (the digest of its config)
#   ref                       the tag, kubeward/kubeward:VERSION
# and tags the image kubeward/kubeward:VERSION in podman's local storage. After
# `podman push --digestfile F`, pass `--image kubeward/kubeward@$(cat F)` to the manifests.
set -euo pipefail
cd "$(dirname "$0")/.."

out=target/image
while (($#)); do
	case $1 in
	--output) out=${2:?--output needs a directory}; shift 2 ;;
	-h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "build-image.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done

if ! command -v podman >/dev/null 2>&1; then
	echo "build-image.sh: podman is not installed (Debian: apt-get install podman)" >&2
	exit 2
fi

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
source_url=$(sed -n 's/^repository = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
if git rev-parse --git-dir >/dev/null 2>&1; then
	revision=$(git rev-parse HEAD)
	if [[ -n $(git status --porcelain --untracked-files=no) ]]; then revision+="-dirty"; fi
	epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
else
	revision=unknown
	epoch=${SOURCE_DATE_EPOCH:-0}
fi
export SOURCE_DATE_EPOCH=$epoch
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)
tag=kubeward/kubeward:$version

mkdir -p "$out"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
scripts/build-static.sh "$stage/out"

podman build --quiet \
	--file Containerfile \
	--build-context "build=$stage" \
	--timestamp "$epoch" \
	--build-arg "VERSION=$version" \
	--build-arg "REVISION=$revision" \
	--build-arg "SOURCE=$source_url" \
	--build-arg "CREATED=$created" \
	--tag "$tag" \
	"$stage" >/dev/null

archive=$out/kubeward-$version.oci.tar
rm -f "$archive"
podman save --quiet --format oci-archive --output "$archive" "$tag"
podman image inspect --format '{{.Id}}' "$tag" >"$out/image-id"
echo "$tag" >"$out/ref"
echo "built $tag (image id sha256:$(cat "$out/image-id")), saved to $archive" >&2
