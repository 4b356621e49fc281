# Shared by the benchmark scripts: a ready engine, the images they build with, and a timer.
# Source it from the repository root.
bash tests/engine/setup.sh >/dev/null
command -v bc >/dev/null || apt-get install -y -qq bc >/dev/null
# The frontend as users get it (the release profile), not the quicker-to-compile test image.
GOFRONT_PROFILE=release bash images/build-frontend.sh gofront-test/frontend:bench
bash images/build-golang.sh gofront-test/golang:1.27 1.27.3

now() { date +%s.%N; }
# Wall seconds of one command, whose output is dropped; a failure shows its output and stops the
# benchmark.
timed() {
  local t0 out
  out=$(mktemp)
  t0=$(now)
  "$@" >"$out" 2>&1 || { tail -n 40 "$out" >&2; rm -f "$out"; echo "failed: $*" >&2; exit 1; }
  echo "$(now) - $t0" | bc
  rm -f "$out"
}

# The middle of the numbers on stdin, one per line (the upper one of an even count).
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# A scratch directory, $work, and an EXIT trap that stops the servers the benchmark started
# (bench_registry's, in $bench_pids) and its throwaway engine, and removes $work.
bench_pids=()
bench_scratch() {
  work=$(mktemp -d)
  trap bench_cleanup EXIT
}
bench_cleanup() {
  local pid
  for pid in "${bench_pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  stop_bench_engine
  rm -rf "$work"
}

# A Debian docker-registry on 127.0.0.1 (tests/engine/test-tools.sh installs it), its storage in
# DIR/data: sets $registry_address (host:port) and $registry_pid once it answers, and adds it to
# $bench_pids, which bench_scratch's trap stops.
bench_registry() { # bench_registry DIR
  local dir=$1 port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$dir"
  printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:%s\n' \
    "$dir/data" "$port" >"$dir/config.yml"
  docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
  registry_pid=$!
  bench_pids+=("$registry_pid")
  for _ in $(seq 100); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/v2/')" 2>/dev/null && break
    sleep 0.1
  done
  registry_address="127.0.0.1:$port"
}

# The benchmarks prune the BuildKit cache between runs, so they build on a throwaway engine of
# their own (tests/engine/throwaway.sh: Docker 26.1, or GOFRONT_BENCH_ENGINE=28, with the
# containerd image store like the shared engines; the docker driver exports cache only with it),
# which starts with the images named here copied from the shared engine. The shared engines and their warm caches are never touched. Call
# stop_bench_engine from the EXIT trap (bench_scratch's does).
bench_engine_pid=''
bench_engine() { # bench_engine IMAGE…
  local ready host
  ready=$(mktemp)
  exec 9> >(bash tests/engine/throwaway.sh "${GOFRONT_BENCH_ENGINE:-26}" >"$ready")
  bench_engine_pid=$!
  for _ in $(seq 1800); do grep -q '^ready ' "$ready" && break; sleep 0.1; done
  host=$(sed -n 's/^ready //p' "$ready")
  rm -f "$ready"
  [ -n "$host" ] || { echo "the benchmark's throwaway engine did not start" >&2; exit 1; }
  docker save "$@" | DOCKER_HOST=$host docker load >/dev/null
  export DOCKER_HOST=$host
  echo "[bench] on a throwaway engine ${GOFRONT_BENCH_ENGINE:-26}: $host" >&2
}
stop_bench_engine() {
  [ -n "$bench_engine_pid" ] || return 0
  # TERM, not only closing its stdin: servers the benchmark started in the background inherit
  # that pipe, and the engine would wait for them.
  exec 9>&- 2>/dev/null || true
  kill -TERM "$bench_engine_pid" 2>/dev/null || true
  for _ in $(seq 300); do kill -0 "$bench_engine_pid" 2>/dev/null || break; sleep 0.2; done
  bench_engine_pid=''
}

# bench_unvendor APP: turns APP, a copy of a vendored project, into one that downloads its modules,
# as most projects do: its vendored modules are served by a loopback module proxy
# (tests/modproxy.py, which stops when the benchmark ends), vendor/ goes, and go.sum becomes the
# proxy's sums. Sets proxy_args, the build args that point Go at that proxy.
bench_unvendor() {
  local app=$1
  bash tests/bench/go-vendor-modules.sh "$app/vendor" "$work/unvendored-modules"
  rm -rf "$app/vendor"
  python3 tests/modproxy.py --src "$work/unvendored-modules" --sums >"$app/go.sum"
  # The proxy serves while its stdin is open: fd 5 closes when the benchmark ends.
  exec 5> >(python3 tests/modproxy.py --src "$work/unvendored-modules" --port 0 >"$work/unvendored-port")
  for _ in $(seq 300); do [ -s "$work/unvendored-port" ] && break; sleep 0.1; done
  [ -s "$work/unvendored-port" ] || { echo "the module proxy did not start" >&2; exit 1; }
  proxy_args=(--build-arg "GOPROXY=http://127.0.0.1:$(cat "$work/unvendored-port")" --build-arg GOSUMDB=off)
}
