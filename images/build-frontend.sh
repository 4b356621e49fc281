#!/usr/bin/env bash
# Builds the gofront frontend image from the working tree without registry access: the static
# binary is compiled on the host and packaged by Dockerfile.frontend's `prebuilt` path.
#
#   images/build-frontend.sh TAG        e.g. images/build-frontend.sh gofront:dev
set -euo pipefail

tag=${1:?usage: build-frontend.sh TAG}
root=$(cd "$(dirname "$0")/.." && pwd)
target=x86_64-unknown-linux-gnu

echo "[frontend] compiling a static gofront binary" >&2
(cd "$root" && RUSTFLAGS='-C target-feature=+crt-static' cargo build --quiet --release --locked -p gofront --target "$target")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$root/target/$target/release/gofront" "$work/gofront"
docker buildx build --quiet --network=host --load \
  --build-arg GOFRONT_BINARY=prebuilt \
  -f "$root/Dockerfile.frontend" -t "$tag" "$work" >/dev/null
echo "[frontend] built $tag ($(stat -c %s "$work/gofront") byte binary)" >&2
