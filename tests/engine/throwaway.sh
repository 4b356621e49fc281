#!/usr/bin/env bash
# A throwaway Docker Engine for one test that needs a fresh runner or an empty cache: its own
# containerd, dockerd, data root, exec root, socket and pidfile under one new directory, beside the
# shared engines (which it never touches). Same binaries as the shared engine GOFRONT_ENGINE (26 or
# 28, see setup.sh), so it behaves like the engine under test.
#
#   tests/engine/throwaway.sh [26|28]
#
# Prints `ready unix:///…/docker.sock` on stdout once the engine answers, then waits until its
# stdin closes (the test finished, or its process died) and removes everything it made: the
# processes, their mounts and the directory. Nothing is left behind, pass or fail.
set -euo pipefail

engine=${1:-${GOFRONT_ENGINE:-28}}
log() { printf '[throwaway] %s\n' "$*" >&2; }

case "$engine" in
  26) bin=/usr/bin sbin=/usr/sbin config_version=2 ;;
  28) bin=/opt/gofront-engine-28/usr/bin sbin=/opt/gofront-engine-28/usr/sbin config_version=3 ;;
  *) log "unknown engine $engine (26 or 28)"; exit 1 ;;
esac
[ -x "$sbin/dockerd" ] || { log "engine $engine is not installed (run tests/engine/setup.sh)"; exit 1; }

# Engines of runs that were killed outright (no trap runs on SIGKILL or a machine restart): their
# dockerd's pidfile names a process that is gone. Remove them before starting another.
for stale in /var/tmp/gofront-throwaway.*; do
  [ -f "$stale/run/docker.pid" ] || continue
  kill -0 "$(cat "$stale/run/docker.pid")" 2>/dev/null && continue
  pkill -KILL -f -- "$stale/" 2>/dev/null || true
  awk -v d="$stale/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$stale"
  log "removed $stale, left by a run that was killed"
done

dir=$(mktemp -d /var/tmp/gofront-throwaway.XXXXXX)
containerd_pid='' dockerd_pid=''

# Stops a process and waits for it, killing it when it does not stop in time.
stop_process() {
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

clean_up() {
  stop_process "$dockerd_pid"
  stop_process "$containerd_pid"
  # Shims and anything else still started from this engine's directory.
  pkill -KILL -f -- "$dir/" 2>/dev/null || true
  # Mounts under the directory, deepest first, before removing it.
  awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r mount; do
    umount -l "$mount" 2>/dev/null || true
  done
  rm -rf "$dir"
}
trap clean_up EXIT
trap 'exit 1' INT TERM HUP

mkdir -p "$dir/run" "$dir/data"
cat >"$dir/containerd.toml" <<TOML
version = $config_version
root = "$dir/data/containerd"
state = "$dir/run/containerd"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.cri.v1.runtime", "io.containerd.cri.v1.images"]
[grpc]
  address = "$dir/run/containerd.sock"
[ttrpc]
  address = "$dir/run/containerd.sock.ttrpc"
TOML
echo '{"features":{"containerd-snapshotter":true}}' >"$dir/daemon.json"

export PATH="$sbin:$bin:$PATH"
"$bin/containerd" --config "$dir/containerd.toml" >"$dir/containerd.log" 2>&1 &
containerd_pid=$!
for _ in $(seq 1 100); do [ -S "$dir/run/containerd.sock" ] && break; sleep 0.1; done
[ -S "$dir/run/containerd.sock" ] || { tail -n 20 "$dir/containerd.log" >&2; log "containerd did not start"; exit 1; }

"$sbin/dockerd" --config-file "$dir/daemon.json" --data-root "$dir/data/docker" --exec-root "$dir/run/docker" \
  --pidfile "$dir/run/docker.pid" -H "unix://$dir/run/docker.sock" --containerd "$dir/run/containerd.sock" \
  --iptables=false --bridge=none >"$dir/dockerd.log" 2>&1 &
dockerd_pid=$!
for _ in $(seq 1 300); do
  DOCKER_HOST="unix://$dir/run/docker.sock" "$bin/docker" info >/dev/null 2>&1 && break
  kill -0 "$dockerd_pid" 2>/dev/null || break
  sleep 0.1
done
if ! DOCKER_HOST="unix://$dir/run/docker.sock" "$bin/docker" info >/dev/null 2>&1; then
  tail -n 30 "$dir/dockerd.log" >&2
  log "dockerd $engine did not start"
  exit 1
fi

echo "ready unix://$dir/run/docker.sock"
# Until the test lets go of our stdin.
cat >/dev/null || true
