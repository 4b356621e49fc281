#!/usr/bin/env bash
# Benchmarks gofront against a seed-style hand-written Dockerfile on the same engine, same app
# (tests/fixtures/shop, one third-party module from a loopback proxy), same Go toolchain image.
# Prints wall times and image sizes side by side with ratios. It prunes the BuildKit cache between
# cold runs, on a throwaway engine (see common.sh).
#
#   tests/bench/bench.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
source tests/bench/common.sh

work=$(mktemp -d)
proxy_out="$work/proxy-port"
# The proxy exits when its stdin closes: this script holds the FIFO's write end (fd 3) until it exits.
mkfifo "$work/proxy-stdin"
python3 tests/modproxy.py --src tests/fixtures/modules <"$work/proxy-stdin" >"$proxy_out" &
exec 3>"$work/proxy-stdin"
trap 'exec 3>&-; stop_bench_engine; rm -rf "$work"' EXIT
bench_engine gofront-test/frontend:bench gofront-test/golang:1.27
for _ in $(seq 50); do [ -s "$proxy_out" ] && break; sleep 0.1; done
proxy="http://127.0.0.1:$(cat "$proxy_out")"

mkdir "$work/app" && cp -a tests/fixtures/shop/. "$work/app/"
printf '# syntax=gofront-test/frontend:bench\nmodule = "example.com/shop"\nmain = "./cmd/shop"\n' >"$work/app/Gofile"
cp tests/bench/seed.Dockerfile "$work/app/seed.Dockerfile"
common=(--network=host --build-arg "GOPROXY=$proxy" --build-arg GOSUMDB=off --progress=quiet)

gofront_build() {
  docker buildx build "${common[@]}" -f "$work/app/Gofile" \
    --build-context builder=docker-image://gofront-test/golang:1.27 -t bench/gofront --load "$work/app"
}
seed_build() {
  docker buildx build "${common[@]}" -f "$work/app/seed.Dockerfile" \
    --build-arg BUILDER=gofront-test/golang:1.27 -t bench/seed --load "$work/app"
}
touch_source() { sed -i "s/\"pear\".*/\"pear\", \"x$1\"}/" "$work/app/internal/catalog/catalog.go"; }

declare -A cold warm
for tool in gofront seed; do
  docker buildx prune -af >/dev/null
  cold[$tool]=$(timed "${tool}_build")
  touch_source "$tool"
  warm[$tool]=$(timed "${tool}_build")
done
size() { docker image inspect -f '{{.Size}}' "$1"; }
gsize=$(size bench/gofront); ssize=$(size bench/seed)

printf '\n%-34s %12s %12s %8s\n' "" "gofront" "seed" "seed/gofront"
printf '%-34s %11.2fs %11.2fs %8.2fx\n' "cold build (empty BuildKit cache)" "${cold[gofront]}" "${cold[seed]}" "$(echo "${cold[seed]} / ${cold[gofront]}" | bc -l)"
printf '%-34s %11.2fs %11.2fs %8.2fx\n' "rebuild after a one-line change" "${warm[gofront]}" "${warm[seed]}" "$(echo "${warm[seed]} / ${warm[gofront]}" | bc -l)"
printf '%-34s %11dB %11dB %8.2fx\n' "image size (docker image inspect)" "$gsize" "$ssize" "$(echo "$ssize / $gsize" | bc -l)"
