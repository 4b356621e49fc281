#!/usr/bin/env bash
# Every test of the project, in one run:
#   1. the fast tier: unit tests, LLB snapshots, the program's printers, the gateway against a
#      fake client (no engine needed);
#   2. the whole end-to-end suite on the current engine, Docker 28.5 with buildx 0.29, then the
#      project shapes again with the CI dependency layers forced on;
#   3. a compatibility pass on Docker 26.1 with buildx 0.13 (BuildKit 0.13): the tests that
#      exercise each gateway capability gofront uses, listed below and in the README.
# Both engines are installed and started when missing (needs root); they run side by side. At the
# end, a table of test counts and seconds per engine and test binary. Extra arguments go to every
# test binary (e.g. a test name filter); with a filter, the compatibility list is not applied.
#
# GOFRONT_TEST_JOBS (default 2): how many end-to-end test binaries run at once. Each binary's
# output is printed when it ends.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=${GOFRONT_TEST_JOBS:-2}
timings=$(mktemp)
logs=$(mktemp -d)
trap 'rm -rf "$timings" "$logs"' EXIT

# timed ENGINE LABEL COMMAND...: runs a test command into its own log, prints the log when it
# ends, and records the number of tests, the seconds and the outcome.
timed() {
  local engine=$1 label=$2 started status=ok log
  shift 2
  log="$logs/$engine-$label.log"
  started=$(date +%s)
  "$@" >"$log" 2>&1 || status=FAILED
  local tests
  tests=$(sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed; \([0-9]*\) failed.*/\1 \2/p' "$log" \
    | awk '{ n += $1 + $2 } END { print n + 0 }')
  { printf '\n[run] ===== engine %s, %s: %s in %s s =====\n' "$engine" "$label" "$status" "$(( $(date +%s) - started ))"
    cat "$log"; } >&2
  printf '%s\t%s\t%s\t%s\t%s\n' "$engine" "$label" "$tests" "$(( $(date +%s) - started ))" "$status" >>"$timings"
}

# Runs `timed` in the background, at most $jobs at a time.
in_parallel() {
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  timed "$@" &
}

# The tagged images of a run, removed from the engine afterwards, and the images gofront built that
# lost their tag to a later build of the same test (untagged, they would pile up run after run).
remove_test_images() {
  timeout 120 docker image ls --format '{{.Repository}}:{{.Tag}}' | { grep '^gofront-e2e/' || true; } \
    | xargs -r timeout 300 docker image rm -f >/dev/null
  timeout 120 docker image ls -q --filter dangling=true --filter label=dev.gofront.frontend.version \
    | xargs -r timeout 300 docker image rm -f >/dev/null || true
}

# Untagged images a run leaves behind (a build that loads its result without a tag fails the run):
# listed per engine before its tests and after, so an image the engine had before is not blamed.
dangling() { timeout 120 docker image ls -q --no-trunc --filter dangling=true | sort; }
check_leftovers() { # check_leftovers ENGINE BEFORE
  local left
  left=$(comm -13 <(printf '%s\n' "$2") <(dangling))
  [ -z "$left" ] && return 0
  printf '[run] engine %s: the tests left untagged images behind:\n%s\n' "$1" "$left" >&2
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" leftovers 0 0 FAILED >>"$timings"
}

run_started=$(date +%s)
timed - fast cargo test --workspace --locked --exclude gofront-e2e -- --nocapture "$@"
# Compiled once, before binaries start at the same time.
cargo test --locked -p gofront-e2e --no-run >/dev/null 2>&1 || cargo test --locked -p gofront-e2e --no-run

# Engine 28: everything, longest first. Each binary shares the frontend and toolchain images,
# which the first one to start builds (the scripts hold a lock).
eval "$(bash tests/engine/env.sh 28)"
bash tests/engine/setup.sh
bash tests/engine/test-tools.sh
before=$(dangling)
for binary in release hostile shapes eject e2e debug gomod tools ci_cache faults checks bases errors; do
  in_parallel 28 "$binary" cargo test --locked -p gofront-e2e --test "$binary" -- --nocapture "$@"
done
# The project shapes again, with the dependency layers a CI build (--cache-from) turns on.
for binary in shapes e2e bases; do
  in_parallel 28 "$binary+layers" env GOFRONT_E2E_DEPENDENCY_LAYERS=on \
    cargo test --locked -p gofront-e2e --test "$binary" -- --nocapture "$@"
done
wait
remove_test_images
check_leftovers 28 "$before"

# Engine 26: what differs between the engines. Each test exercises a gateway capability, an
# option or a buildx 0.13 path at least once (README, "Engine support").
eval "$(bash tests/engine/env.sh 26)"
bash tests/engine/setup.sh
before=$(dangling)
declare -A compat=(
  [e2e]="stdlib_app_has_time_zones_ca_certificates_tmp_and_runs_as_nonroot unknown_key_suggests_the_right_one a_failing_compile_points_at_the_gofile_and_tags_nothing a_normal_build_shows_the_findings_as_warnings_and_still_builds"
  [shapes]="three_platforms_by_cross_compilation a_netrc_secret_and_an_ssh_agent_reach_the_go_steps_and_never_the_image add_host_names_reach_the_go_steps print_targets_and_outline_answer_from_the_gofile an_unsupported_request_is_refused_by_name"
  [ci_cache]="fresh_runner_rebuilds_from_a_registry_cache_without_the_module_proxy"
  [tools]="compose_builds_and_runs_services_whose_build_files_are_a_gofile_and_a_go_mod"
  [debug]="delve_from_the_host_stops_in_a_handler_and_reads_a_local"
  [gomod]="go_mod_with_a_syntax_line_is_the_build_file a_root_main_module_is_the_image an_untouched_go_mod_builds_with_buildkit_syntax mains_under_cmd_are_targets_and_several_need_a_target a_go_work_builds_the_one_module_with_mains"
)
for binary in shapes e2e ci_cache gomod tools debug; do
  if [ $# -gt 0 ]; then
    selection=("$@")
  else
    read -r -a selection <<<"${compat[$binary]}"
    selection+=(--exact)
  fi
  in_parallel 26 "$binary" cargo test --locked -p gofront-e2e --test "$binary" -- --nocapture "${selection[@]}"
done
wait
remove_test_images
check_leftovers 26 "$before"

failed=0
grep -q 'FAILED$' "$timings" && failed=1
printf '\n[run] tests and seconds per engine and test binary (%s at a time)\n' "$jobs" >&2
{
  printf 'engine\tbinary\ttests\tseconds\tresult\n'
  cat "$timings"
  printf 'all\t-\t%s\t%s\t%s\n' "$(awk -F'\t' '{ n += $3 } END { print n }' "$timings")" \
    "$(( $(date +%s) - run_started ))" "$([ "$failed" = 0 ] && echo ok || echo FAILED)"
} | awk -F'\t' '{ printf "%-7s %-15s %6s %8s  %s\n", $1, $2, $3, $4, $5 }' >&2
exit "$failed"
