#!/usr/bin/env bash
# Installs (when missing) and starts a Docker Engine with its embedded BuildKit and buildx, the way
# design.md §5 describes: Debian 13 engine packages on a Debian 12 system, the containerd image
# store turned on (multi-platform builds need it), no bridge network. Fails loudly: the end-to-end
# tests must never run against "no engine".
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
  local work lists
  work=$(mktemp -d)
  lists="$work/lists"
  mkdir -p "$lists/partial" "$work/debs"
  local mirror
  mirror=$(bash "$(dirname "$0")/../../images/debian-mirror.sh") || die "no Debian mirror in this machine's apt sources"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" \
    >"$work/trixie.list"
  local aptopts=(-o "Dir::Etc::sourcelist=$work/trixie.list" -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::Lists=$lists" -o "APT::Get::List-Cleanup=0")
  apt-get "${aptopts[@]}" update -qq
  (cd "$work/debs" && apt-get "${aptopts[@]}" download docker.io docker-cli docker-buildx containerd)
  dpkg -i --force-depends "$work"/debs/*.deb >/dev/null || die "dpkg could not install the engine packages"
  rm -rf "$work"
}

start_engine() {
  mkdir -p /etc/docker
  local want='{"features":{"containerd-snapshotter":true}}'
  if [ "$(cat /etc/docker/daemon.json 2>/dev/null)" != "$want" ]; then
    echo "$want" >/etc/docker/daemon.json
  fi
  if ! pgrep -x containerd >/dev/null; then
    log "starting containerd"
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

# A registry on 127.0.0.1 for the cache-export and push tests (the tests start their own instance).
if ! command -v docker-registry >/dev/null 2>&1; then
  log "installing docker-registry (Debian's distribution registry)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-registry >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-registry >/dev/null; } \
    || die "cannot install docker-registry"
fi

if ! command -v dockerd >/dev/null 2>&1 || ! [ -x /usr/libexec/docker/cli-plugins/docker-buildx ]; then
  install_engine
fi
if ! docker info >/dev/null 2>&1; then
  start_engine
fi
engine_ready || die "docker buildx is not usable"
docker info --format '{{json .DriverStatus}}' | grep -q 'io.containerd.snapshotter' \
  || die "dockerd runs without the containerd image store; stop it and rerun this script"
log "ready: $(docker version --format 'engine {{.Server.Version}}'), $(docker buildx version)"
