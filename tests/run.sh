#!/usr/bin/env bash
# Every test of the project: unit tests, LLB snapshots, and the end-to-end suite against a real
# Docker Engine + BuildKit (installed and started here when missing; needs root).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/engine/setup.sh
cargo test --workspace --locked -- --nocapture "$@"
# The project shapes again, with the dependency layers a CI build (--cache-from) turns on.
GOFRONT_E2E_DEPENDENCY_LAYERS=on cargo test --locked -p gofront-e2e --test e2e --test shapes --test bases \
  -- --nocapture "$@"
# The images the tests tagged.
timeout 120 docker image ls --format '{{.Repository}}:{{.Tag}}' | { grep '^gofront-e2e/' || true; } \
  | xargs -r timeout 300 docker image rm -f >/dev/null
