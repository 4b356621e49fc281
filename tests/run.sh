#!/usr/bin/env bash
# Every test of the project: unit tests, LLB snapshots, and the end-to-end suite against two real
# engines, Docker 26.1 (buildx 0.13) and Docker 28.5 (buildx 0.29), installed and started here when
# missing (needs root). Extra arguments go to every test binary (e.g. a test name filter).
set -euo pipefail
cd "$(dirname "$0")/.."
e2e=(--test e2e --test shapes --test bases --test ci_cache --test faults --test hostile --test release --test eject --test errors)
cargo test --workspace --locked --exclude gofront-e2e -- --nocapture "$@"
for engine in 26 28; do
  eval "$(bash tests/engine/env.sh "$engine")"
  echo "[run] end-to-end against engine $engine" >&2
  started=$(date +%s)
  bash tests/engine/setup.sh
  extra=()
  # buildx's --check and --call exist from buildx 0.14 on: engine 28 only.
  [ "$engine" = 28 ] && extra=(--test checks)
  cargo test --locked -p gofront-e2e "${e2e[@]}" "${extra[@]}" -- --nocapture "$@"
  # The project shapes again, with the dependency layers a CI build (--cache-from) turns on.
  if [ "$engine" = 26 ]; then
    GOFRONT_E2E_DEPENDENCY_LAYERS=on cargo test --locked -p gofront-e2e --test e2e --test shapes --test bases \
      -- --nocapture "$@"
  fi
  # The images the tests tagged.
  timeout 120 docker image ls --format '{{.Repository}}:{{.Tag}}' | { grep '^gofront-e2e/' || true; } \
    | xargs -r timeout 300 docker image rm -f >/dev/null
  echo "[run] engine $engine: end-to-end suite passed in $(( $(date +%s) - started )) s" >&2
done
