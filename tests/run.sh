#!/usr/bin/env bash
# Every test of the project: unit tests, LLB snapshots, and the end-to-end suite against a real
# Docker Engine + BuildKit (installed and started here when missing; needs root).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/engine/setup.sh
cargo test --workspace --locked -- --nocapture "$@"
