#!/usr/bin/env bash
# Builds the gofront frontend image from the working tree without registry access: the static
# binaries are compiled on the host (amd64 natively, arm64 cross with -Zbuild-std, see
# images/aarch64-toolchain.sh) and packaged by Dockerfile.frontend's `prebuilt` path as one
# multi-platform image.
#
#   images/build-frontend.sh TAG                   loads TAG into the local image store
#   images/build-frontend.sh - BUILDX-ARGS...      no tag; the arguments say where it goes
#                                                  (images/release.sh pushes this way)
#
# Environment:
#   GOFRONT_FRONTEND_PLATFORMS  default linux/amd64,linux/arm64
#   GOFRONT_VERSION, GOFRONT_REVISION  stamped into the binary and the image labels
set -euo pipefail

log() { printf '[frontend] %s\n' "$*" >&2; }
die() { printf '[frontend] ERROR: %s\n' "$*" >&2; exit 1; }

tag=${1:?usage: build-frontend.sh TAG|- [BUILDX-ARGS...]}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
platforms=${GOFRONT_FRONTEND_PLATFORMS:-linux/amd64,linux/arm64}
export GOFRONT_VERSION=${GOFRONT_VERSION:-} GOFRONT_REVISION=${GOFRONT_REVISION:-}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

IFS=, read -r -a wanted <<<"$platforms"
for platform in "${wanted[@]}"; do
  arch=${platform#linux/}
  case "$arch" in
    amd64)
      log "compiling gofront for linux/amd64"
      (cd "$root" && RUSTFLAGS='-C target-feature=+crt-static' \
        cargo build --quiet --release --locked -p gofront --target x86_64-unknown-linux-gnu)
      cp "$root/target/x86_64-unknown-linux-gnu/release/gofront" "$work/gofront-amd64"
      ;;
    arm64)
      library=$(bash "$root/images/aarch64-toolchain.sh")
      log "cross-compiling gofront for linux/arm64 (nightly, -Zbuild-std)"
      # The variable is cargo-internal: it points -Zbuild-std at Debian's rust-src, as no rustup
      # component can be added offline. Dockerfile.frontend uses a plain rustup target instead.
      (cd "$root" && __CARGO_TESTS_ONLY_SRC_ROOT="$library" \
        CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
        RUSTFLAGS='-C target-feature=+crt-static' \
        cargo +nightly build --quiet --release --locked -Zbuild-std=std,panic_abort \
          --target aarch64-unknown-linux-gnu -p gofront)
      cp "$root/target/aarch64-unknown-linux-gnu/release/gofront" "$work/gofront-arm64"
      ;;
    *) die "the frontend image is built for linux/amd64 and linux/arm64, not $platform" ;;
  esac
done

# The files' times are the image layers' times: SOURCE_DATE_EPOCH keeps a release reproducible.
touch -d "@${SOURCE_DATE_EPOCH:-0}" "$work"/gofront-*

args=(--network=host --platform "$platforms" --build-arg GOFRONT_BINARY=prebuilt
  --build-arg "GOFRONT_VERSION=${GOFRONT_VERSION:-dev}" --build-arg "GOFRONT_REVISION=${GOFRONT_REVISION:-unknown}"
  -f "$root/Dockerfile.frontend")
if [ "$tag" = - ]; then
  docker buildx build "${args[@]}" "$@" "$work"
else
  docker buildx build --quiet --load -t "$tag" "${args[@]}" "$@" "$work" >/dev/null
  log "built $tag for $platforms ($(cd "$work" && stat -c '%n %s B' gofront-* | paste -sd, | sed 's/,/, /g'))"
fi
