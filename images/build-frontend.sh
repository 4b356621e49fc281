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
# Built once per machine and input: the binaries are kept in $GOFRONT_CACHE/frontend-bin under a
# hash of what they are made of (sources, lock file, proto files, this script, the toolchain,
# version and revision), and a TAG whose label names the same hash is left as it is. Cargo's
# target directory lives in $GOFRONT_CACHE too, so a fresh clone recompiles only gofront itself.
#
# Environment:
#   GOFRONT_FRONTEND_PLATFORMS  default: this machine's own platform (release.sh: amd64 + arm64)
#   GOFRONT_VERSION, GOFRONT_REVISION  stamped into the binary and the image labels
#   GOFRONT_CACHE               default /var/cache/gofront
#   GOFRONT_PROFILE             cargo profile: `image` (default; no LTO, quicker to compile) or
#                               `release` (smallest binary; images/release.sh)
#   GOFRONT_COMPILE_ONLY=1      compile and keep the binaries, build no image (needs no engine)
set -euo pipefail

log() { printf '[frontend] %s\n' "$*" >&2; }
die() { printf '[frontend] ERROR: %s\n' "$*" >&2; exit 1; }

tag=${1:?usage: build-frontend.sh TAG|- [BUILDX-ARGS...]}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
case "$(uname -m)" in
  x86_64) native=linux/amd64 ;;
  aarch64) native=linux/arm64 ;;
  *) die "no gofront build for this machine ($(uname -m))" ;;
esac
platforms=${GOFRONT_FRONTEND_PLATFORMS:-$native}
export GOFRONT_VERSION=${GOFRONT_VERSION:-} GOFRONT_REVISION=${GOFRONT_REVISION:-}
cache=${GOFRONT_CACHE:-/var/cache/gofront}
mkdir -p "$cache/frontend-bin"
export CARGO_TARGET_DIR="$cache/target"
profile=${GOFRONT_PROFILE:-image}

# One build at a time per machine: test binaries that start together share the result.
exec 9>"$cache/frontend.lock"
flock 9

# What the binaries are made of. Tests, fuzz targets and docs are not.
inputs=$(
  cd "$root"
  {
    find Cargo.toml Cargo.lock proto Dockerfile.frontend images/build-frontend.sh images/aarch64-toolchain.sh \
      frontend -path frontend/fuzz -prune -o -path frontend/tests -prune -o -type f -print | LC_ALL=C sort \
      | xargs sha256sum
    echo "version=$GOFRONT_VERSION revision=$GOFRONT_REVISION profile=$profile"
    rustc --version
  } | sha256sum | cut -c1-16
)

if [ "$tag" != - ] && [ "${GOFRONT_COMPILE_ONLY:-0}" != 1 ] \
  && [ "$(docker image inspect -f '{{index .Config.Labels "org.gofront.inputs"}}' "$tag" 2>/dev/null)" = "$inputs $platforms" ]; then
  log "$tag is up to date (inputs $inputs, $platforms): not rebuilt"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

IFS=, read -r -a wanted <<<"$platforms"
for platform in "${wanted[@]}"; do
  arch=${platform#linux/}
  kept="$cache/frontend-bin/$arch-$inputs/gofront"
  if [ -x "$kept" ]; then
    log "gofront for $platform: compiled before (inputs $inputs)"
    cp "$kept" "$work/gofront-$arch"
    continue
  fi
  case "$arch" in
    amd64)
      log "compiling gofront for linux/amd64"
      (cd "$root" && RUSTFLAGS='-C target-feature=+crt-static' \
        cargo build --quiet --profile "$profile" --locked -p gofront --target x86_64-unknown-linux-gnu)
      cp "$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/$profile/gofront" "$work/gofront-amd64"
      ;;
    arm64)
      library=$(bash "$root/images/aarch64-toolchain.sh")
      log "cross-compiling gofront for linux/arm64 (nightly, -Zbuild-std)"
      # The variable is cargo-internal: it points -Zbuild-std at Debian's rust-src, as no rustup
      # component can be added offline. Dockerfile.frontend uses a plain rustup target instead.
      (cd "$root" && __CARGO_TESTS_ONLY_SRC_ROOT="$library" \
        CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
        RUSTFLAGS='-C target-feature=+crt-static' \
        cargo +nightly build --quiet --profile "$profile" --locked -Zbuild-std=std,panic_abort \
          --target aarch64-unknown-linux-gnu -p gofront)
      cp "$CARGO_TARGET_DIR/aarch64-unknown-linux-gnu/$profile/gofront" "$work/gofront-arm64"
      ;;
    *) die "the frontend image is built for linux/amd64 and linux/arm64, not $platform" ;;
  esac
  mkdir -p "$(dirname "$kept")"
  cp "$work/gofront-$arch" "$kept.partial" && mv "$kept.partial" "$kept"
done

if [ "${GOFRONT_COMPILE_ONLY:-0}" = 1 ]; then
  log "compiled gofront for $platforms (inputs $inputs); no image (GOFRONT_COMPILE_ONLY)"
  exit 0
fi

# The files' times are the image layers' times: SOURCE_DATE_EPOCH keeps a release reproducible.
touch -d "@${SOURCE_DATE_EPOCH:-0}" "$work"/gofront-*

args=(--network=host --platform "$platforms" --build-arg GOFRONT_BINARY=prebuilt
  --build-arg "GOFRONT_VERSION=${GOFRONT_VERSION:-dev}" --build-arg "GOFRONT_REVISION=${GOFRONT_REVISION:-unknown}"
  -f "$root/Dockerfile.frontend")
if [ "$tag" = - ]; then
  docker buildx build "${args[@]}" "$@" "$work"
else
  docker buildx build --quiet --load -t "$tag" --label "org.gofront.inputs=$inputs $platforms" \
    "${args[@]}" "$@" "$work" >/dev/null
  log "built $tag for $platforms ($(cd "$work" && stat -c '%n %s B' gofront-* | paste -sd, | sed 's/,/, /g'))"
fi
