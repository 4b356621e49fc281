#!/usr/bin/env bash
# Figures for issue 3, in one run: wall time of a single-platform and of a three-platform build of
# the same app (cross-compiled, BuildKit cache pruned before each), and the image size per base.
# The distroless and Debian bases are the local stand-ins from images/build-debian.sh. It runs on a
# throwaway engine (see common.sh).
#
#   tests/bench/shapes.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
source tests/bench/common.sh
bash images/build-debian.sh gofront-test

work=$(mktemp -d)
trap 'stop_bench_engine; rm -rf "$work"' EXIT
bench_engine gofront-test/frontend:bench gofront-test/golang:1.27 gofront-test/debian:12 gofront-test/distroless-static
cp -a tests/fixtures/stdlib/. "$work/"
common=(--network=host --progress=quiet -f "$work/Gofile" --build-context builder=docker-image://gofront-test/golang:1.27)
gofile() { printf '# syntax=gofront-test/frontend:bench\nmodule = "example.com/clock"\nmain = "./cmd/clock"\n%s\n' "$1" >"$work/Gofile"; }

gofile ""
docker buildx prune -af >/dev/null
one=$(timed docker buildx build "${common[@]}" --platform linux/amd64 --output "type=local,dest=$work/out1" "$work")
docker buildx prune -af >/dev/null
three=$(timed docker buildx build "${common[@]}" --platform linux/amd64,linux/arm64,linux/arm/v7 --output "type=local,dest=$work/out3" "$work")
printf '\n%-44s %8.2fs\n' "cold build, linux/amd64" "$one"
printf '%-44s %8.2fs  (%.2fx)\n' "cold build, linux/amd64,linux/arm64,linux/arm/v7" "$three" "$(echo "$three / $one" | bc -l)"

printf '\n%-44s %12s\n' "base (clock app)" "image size"
size_of() {
  local label=$1 body=$2; shift 2
  gofile "$body"
  docker buildx build "${common[@]}" "$@" -t bench/base --load "$work" >/dev/null 2>&1 || { echo "failed: $label" >&2; exit 1; }
  printf '%-44s %11dB\n' "$label" "$(docker image inspect -f '{{.Size}}' bench/base)"
}
size_of "scratch (gofront root)" ""
size_of "distroless (stand-in)" 'base = "distroless"' \
  --build-context gcr.io/distroless/static-debian12:nonroot=docker-image://gofront-test/distroless-static
size_of "debian (debootstrap stand-in)" 'base = "debian"' --build-context base=docker-image://gofront-test/debian:12
size_of "debian + packages = [\"jq\"]" $'base = "debian"\npackages = ["jq"]' \
  --build-context base=docker-image://gofront-test/debian:12
printf '%-44s %11dB\n' "(gofront-test/debian:12 itself)" "$(docker image inspect -f '{{.Size}}' gofront-test/debian:12)"
