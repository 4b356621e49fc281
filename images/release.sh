#!/usr/bin/env bash
# Releases gofront: builds the linux/amd64 + linux/arm64 frontend image from this tree and pushes
# REGISTRY/gofront:VERSION, :MAJOR.MINOR and :MAJOR, then prints the digest to pin.
#
#   images/release.sh VERSION REGISTRY       e.g. images/release.sh 1.2.0 ghcr.io/org
#
# A pre-release (1.2.0-rc.1) is pushed under its own tag only: :1 and :1.2 keep pointing at the
# last stable release. The image is reproducible: its timestamps are the commit's, so releasing the
# same commit twice gives the same digest.
#
# Output: the last line of stdout is REGISTRY/gofront:VERSION@sha256:…; progress goes to stderr.
# Environment: GOFRONT_SOURCE overrides the source URL (default: git's origin remote).
set -euo pipefail

die() { printf '[release] ERROR: %s\n' "$*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: images/release.sh VERSION REGISTRY (e.g. images/release.sh 1.2.0 ghcr.io/org)"
version=${1#v}
registry=${2%/}
root=$(cd "$(dirname "$0")/.." && pwd)

[[ "$version" =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$ ]] \
  || die "VERSION must be MAJOR.MINOR.PATCH with an optional -prerelease, not \"$1\""
major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]} prerelease=${BASH_REMATCH[4]}
[ -n "$registry" ] && [[ "$registry" != *[[:space:]]* ]] || die "REGISTRY must be a registry and path, e.g. ghcr.io/org"

image="$registry/gofront"
tags=("$image:$version")
[ -n "$prerelease" ] || tags+=("$image:$major.$minor" "$image:$major")

# What the image says about itself: the commit, its time (also every file's mtime) and its source.
revision=unknown
epoch=0
if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
  revision=$(git -C "$root" rev-parse HEAD)
  epoch=$(git -C "$root" log -1 --format=%ct)
  if [ -n "$(git -C "$root" status --porcelain --untracked-files=no)" ]; then
    printf '[release] warning: the working tree has uncommitted changes; revision %s-dirty\n' "$revision" >&2
    revision="$revision-dirty"
  fi
fi
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)
source=${GOFRONT_SOURCE:-$(git -C "$root" config --get remote.origin.url 2>/dev/null || true)}

meta=$(mktemp)
trap 'rm -f "$meta"' EXIT
oci=(version="$version" revision="$revision" created="$created")
[ -n "$source" ] && oci+=(source="$source")
args=()
for pair in "${oci[@]}"; do
  key=org.opencontainers.image.${pair%%=*}
  args+=(--label "$key=${pair#*=}" --annotation "index:$key=${pair#*=}" --annotation "manifest:$key=${pair#*=}")
done
names=$(IFS=,; echo "${tags[*]}")

printf '[release] gofront %s (%s) -> %s\n' "$version" "$revision" "${tags[*]}" >&2
GOFRONT_VERSION=$version GOFRONT_REVISION=$revision SOURCE_DATE_EPOCH=$epoch GOFRONT_PROFILE=release \
  GOFRONT_FRONTEND_PLATFORMS=${GOFRONT_FRONTEND_PLATFORMS:-linux/amd64,linux/arm64} bash "$root/images/build-frontend.sh" - "${args[@]}" \
    --build-arg "SOURCE_DATE_EPOCH=$epoch" --provenance=false --metadata-file "$meta" \
    --output "type=image,\"name=$names\",push=true,oci-mediatypes=true" >&2

digest=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["containerimage.digest"])' "$meta") \
  || die "buildx wrote no image digest"
printf '[release] pushed %s\n' "${tags[*]}" >&2
echo "$image:$version@$digest"
