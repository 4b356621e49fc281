#!/usr/bin/env bash
# Installs (when missing) and starts a Docker Engine with its embedded BuildKit and buildx, with
# the containerd image store turned on (multi-platform builds need it) and no bridge network.
# Fails loudly: the end-to-end tests must never run against "no engine".
#
# Two engines, chosen by GOFRONT_ENGINE:
#   26 (default)  Docker 26.1.5 + buildx 0.13.1 from Debian 13 packages, as the system's engine
#                 (design.md §5);
#   28            Docker 28.5.2 + buildx 0.29.1 + containerd 2.1 from Debian unstable, unpacked into
#                 /opt/gofront-engine-28 and run beside the other with its own data root, exec root,
#                 sockets, pidfile and containerd (design.md §7). Its clients need the environment
#                 that `tests/engine/env.sh 28` prints.
set -euo pipefail

log() { printf '[engine] %s\n' "$*" >&2; }
die() { printf '[engine] ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (installs packages and starts dockerd)"

engine_ready() {
  docker info --format '{{.DriverStatus}}' >/dev/null 2>&1 && docker buildx version >/dev/null 2>&1
}

install_engine() {
  log "installing Docker Engine 26.1 + buildx from Debian trixie packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends runc tini iptables ca-certificates unzip \
    busybox-static >/dev/null
  local work
  work=$(mktemp -d)
  bash "$(dirname "$0")/../../images/debian-download.sh" trixie "$work/debs" \
    docker.io docker-cli docker-buildx containerd || die "cannot download the engine packages"
  dpkg -i --force-depends "$work"/debs/*.deb >/dev/null || die "dpkg could not install the engine packages"
  rm -rf "$work"
}

start_engine() {
  mkdir -p /etc/docker
  local want='{"features":{"containerd-snapshotter":true}}'
  if [ "$(cat /etc/docker/daemon.json 2>/dev/null)" != "$want" ]; then
    echo "$want" >/etc/docker/daemon.json
  fi
  # By its socket, not its process name: engine 28's containerd runs beside it under that name.
  if ! timeout 10 ctr --address /run/containerd/containerd.sock version >/dev/null 2>&1; then
    log "starting containerd"
    rm -f /run/containerd/containerd.sock
    nohup containerd >/var/log/gofront-containerd.log 2>&1 &
    for _ in $(seq 1 50); do [ -S /run/containerd/containerd.sock ] && break; sleep 0.2; done
  fi
  log "starting dockerd"
  nohup dockerd --iptables=false --bridge=none --containerd=/run/containerd/containerd.sock \
    >/var/log/gofront-dockerd.log 2>&1 &
  for _ in $(seq 1 150); do docker info >/dev/null 2>&1 && return 0; sleep 0.2; done
  tail -n 40 /var/log/gofront-dockerd.log >&2 || true
  die "dockerd did not come up (log: /var/log/gofront-dockerd.log)"
}

# The second engine, beside the first. Debian 12's own runc works with it (unstable's needs a newer
# glibc), so only the engine, containerd, the CLI and buildx come from unstable.
engine28=/opt/gofront-engine-28
state28=/run/gofront-28
data28=/var/lib/gofront-28
config28=/etc/gofront-28

install_engine_28() {
  log "installing Docker Engine 28 + buildx 0.29 + containerd 2.1 from Debian unstable into $engine28"
  export DEBIAN_FRONTEND=noninteractive
  { command -v runc && command -v tini; } >/dev/null \
    || apt-get install -y -qq --no-install-recommends runc tini >/dev/null || die "cannot install runc and tini"
  local work
  work=$(mktemp -d)
  bash "$(dirname "$0")/../../images/debian-download.sh" sid "$work/debs" \
    docker.io docker-cli docker-buildx containerd || die "cannot download the engine 28 packages"
  rm -rf "$engine28.partial" && mkdir -p "$engine28.partial"
  for deb in "$work"/debs/*.deb; do dpkg -x "$deb" "$engine28.partial"; done
  rm -rf "$engine28" && mv "$engine28.partial" "$engine28"
  rm -rf "$work"
}

start_engine_28() {
  mkdir -p "$config28/client" "$state28" "$data28"
  printf '%s\n' 'version = 3' "root = \"$data28/containerd\"" "state = \"$state28/containerd\"" \
    'disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.cri.v1.runtime", "io.containerd.cri.v1.images"]' \
    '[grpc]' "  address = \"$state28/containerd.sock\"" '[ttrpc]' "  address = \"$state28/containerd.sock.ttrpc\"" \
    >"$config28/containerd.toml"
  echo '{"features":{"containerd-snapshotter":true}}' >"$config28/daemon.json"
  echo "{\"cliPluginsExtraDirs\": [\"$engine28/usr/libexec/docker/cli-plugins\"]}" >"$config28/client/config.json"
  if ! pgrep -f "containerd --config $config28/containerd.toml" >/dev/null; then
    log "starting containerd 2.1"
    rm -f "$state28/containerd.sock"
    PATH="$engine28/usr/bin:$PATH" nohup "$engine28/usr/bin/containerd" --config "$config28/containerd.toml" \
      >/var/log/gofront-28-containerd.log 2>&1 &
    for _ in $(seq 1 50); do [ -S "$state28/containerd.sock" ] && break; sleep 0.2; done
  fi
  log "starting dockerd 28"
  rm -f "$state28/docker.pid"
  PATH="$engine28/usr/sbin:$engine28/usr/bin:$PATH" nohup "$engine28/usr/sbin/dockerd" \
    --config-file "$config28/daemon.json" --data-root "$data28/docker" --exec-root "$state28/docker" \
    --pidfile "$state28/docker.pid" -H "unix://$state28/docker.sock" --containerd "$state28/containerd.sock" \
    --iptables=false --bridge=none >/var/log/gofront-28-dockerd.log 2>&1 &
  for _ in $(seq 1 150); do docker info >/dev/null 2>&1 && return 0; sleep 0.2; done
  tail -n 40 /var/log/gofront-28-dockerd.log >&2 || true
  die "dockerd 28 did not come up (log: /var/log/gofront-28-dockerd.log)"
}

case "${GOFRONT_ENGINE:-26}" in
  26)
    eval "$(bash "$(dirname "$0")/env.sh" 26)"
    if ! command -v dockerd >/dev/null 2>&1 || ! [ -x /usr/libexec/docker/cli-plugins/docker-buildx ]; then
      install_engine
    fi
    if ! docker info >/dev/null 2>&1; then
      start_engine
    fi
    ;;
  28)
    eval "$(bash "$(dirname "$0")/env.sh" 28)"
    [ -x "$engine28/usr/sbin/dockerd" ] && [ -x "$engine28/usr/libexec/docker/cli-plugins/docker-buildx" ] \
      || install_engine_28
    if ! docker info >/dev/null 2>&1; then
      start_engine_28
    fi
    ;;
  *) die "GOFRONT_ENGINE is ${GOFRONT_ENGINE}; use 26 or 28" ;;
esac
engine_ready || die "docker buildx is not usable"
docker info --format '{{json .DriverStatus}}' | grep -q 'io.containerd.snapshotter' \
  || die "dockerd runs without the containerd image store; stop it and rerun this script"
log "ready: $(docker version --format 'engine {{.Server.Version}}'), $(docker buildx version)"
