#!/usr/bin/env bash
# What pulling the frontend by its `# syntax=` line costs a build, side by side in one run.
#
# The same release of gofront (images/release.sh into a Debian docker-registry on 127.0.0.1) is
# named two ways: by a tag in the local image store, and by its registry tag, which the engine
# must resolve and pull (the local copies are removed first, so every layer is downloaded). For
# each, alternating, RUNS times:
#   cold   empty BuildKit cache (docker builder prune -af), then a build of the stdlib fixture
#   no-op  right after, the same build again: everything cached, only the frontend runs
# It prints the medians and the difference.
#
#   tests/bench/syntax-pull.sh [RUNS]       (default 5)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
source tests/bench/common.sh
runs=${1:-5}

bench_scratch
bench_registry "$work/registry"

registry="$registry_address/bench"
pinned=$(bash images/release.sh 1.0.0 "$registry" 2>/dev/null | tail -n1)
echo "released $pinned" >&2
# The release is built on the shared engine; the pruned builds run on a throwaway one (common.sh).
bench_engine gofront-test/golang:1.27
local_tag=gofront-bench/frontend:local

app="$work/app"
mkdir "$app" && cp -a tests/fixtures/stdlib/. "$app/"
gofile() { printf '# syntax=%s\nmodule = "example.com/clock"\nmain = "./cmd/clock"\n' "$1" >"$app/Gofile"; }
build() {
  docker buildx build --network=host --progress=quiet -f "$app/Gofile" \
    --build-context builder=docker-image://gofront-test/golang:1.27 -t bench/syntax-pull --load "$app"
}
forget_frontend() { docker image rm -f "$local_tag" "$registry/gofront:1" "$registry/gofront:1.0" "$registry/gofront:1.0.0" >/dev/null 2>&1 || true; }

declare -A cold noop
for i in $(seq "$runs"); do
  # Local store: the release pulled once (untimed) and tagged.
  forget_frontend
  docker pull -q "$registry/gofront:1.0.0" >/dev/null && docker tag "$registry/gofront:1.0.0" "$local_tag"
  docker image rm "$registry/gofront:1.0.0" >/dev/null
  gofile "$local_tag"
  docker builder prune -af >/dev/null
  cold[local,$i]=$(timed build)
  noop[local,$i]=$(timed build)
  # Registry: nothing local; the syntax line's tag is resolved and pulled by the engine.
  forget_frontend
  gofile "$registry/gofront:1"
  docker builder prune -af >/dev/null
  cold[registry,$i]=$(timed build)
  noop[registry,$i]=$(timed build)
  echo "run $i: cold ${cold[local,$i]} / ${cold[registry,$i]} s, no-op ${noop[local,$i]} / ${noop[registry,$i]} s (local / registry)" >&2
done

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { local kind=$1 where=$2 i; for i in $(seq "$runs"); do eval "echo \${$kind[$where,$i]}"; done | median; }
printf '\n%-8s %12s %12s %12s\n' "" "local store" "registry" "difference"
for kind in cold noop; do
  l=$(col "$kind" local) r=$(col "$kind" registry)
  printf '%-8s %11.2fs %11.2fs %+11.2fs\n' "$kind" "$l" "$r" "$(echo "$r - $l" | bc)"
done
printf '(medians of %s runs; frontend image %s)\n' "$runs" "$pinned"
forget_frontend
