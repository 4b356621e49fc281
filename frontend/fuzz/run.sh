#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 60) with cargo-fuzz on the nightly toolchain, and
# prints how many inputs each one ran. New inputs go to a scratch corpus; the seed corpus in
# corpus/<target> stays as committed. A crash stops the script with the reproducer's path.
#
#   frontend/fuzz/run.sh [SECONDS] [TARGET…]
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(gofile gomod dockerignore names)
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for target in "${targets[@]}"; do
  mkdir -p "$scratch/$target"
  log="$scratch/$target.log"
  if ! cargo +nightly fuzz run "$target" "$scratch/$target" "corpus/$target" -- \
      -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "fuzz: $target crashed; the reproducer is under frontend/fuzz/artifacts/$target" >&2
    exit 1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n1)
  printf 'fuzz: %-12s %12s executions in %ss, no crash\n' "$target" "${runs:-?}" "$seconds"
done
