# Shared by the benchmark scripts: a ready engine, the images they build with, and a timer.
# Source it from the repository root.
bash tests/engine/setup.sh >/dev/null
command -v bc >/dev/null || apt-get install -y -qq bc >/dev/null
bash images/build-frontend.sh gofront-test/frontend:e2e
bash images/build-golang.sh gofront-test/golang:1.27 1.27.3

now() { date +%s.%N; }
# Wall seconds of one command, whose output is dropped; a failure stops the benchmark.
timed() { local t0; t0=$(now); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; echo "$(now) - $t0" | bc; }
