#!/usr/bin/env bash
# The tools the end-to-end tests use besides an engine (tests/engine/setup.sh), installed when
# missing: Debian's docker-registry, ssh-keygen, the compose plugin and Delve's dlv. The test
# harness runs it once per test binary; the demo needs none of them.
set -euo pipefail

log() { printf '[engine] %s\n' "$*" >&2; }
die() { printf '[engine] ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (installs packages)"
# One install at a time: test binaries that start together run this at once.
exec 9>/var/lock/gofront-test-tools.lock
flock 9

# A registry on 127.0.0.1 for the cache-export and push tests (the tests start their own instance).
if ! command -v docker-registry >/dev/null 2>&1; then
  log "installing docker-registry (Debian's distribution registry)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-registry >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-registry >/dev/null; } \
    || die "cannot install docker-registry"
fi

# ssh-keygen, for the test that forwards an SSH key with --ssh.
if ! command -v ssh-keygen >/dev/null 2>&1; then
  log "installing openssh-client"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-client >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-client >/dev/null; } \
    || die "cannot install openssh-client"
fi

# The compose v2 plugin (Debian trixie's docker-compose, 2.26), for the compose tests: both
# engines' clients find it in /usr/local/lib/docker/cli-plugins.
compose=/usr/local/lib/docker/cli-plugins/docker-compose
if ! [ -x "$compose" ]; then
  log "installing the docker compose plugin from Debian trixie"
  work=$(mktemp -d)
  bash "$(dirname "$0")/../../images/debian-download.sh" trixie "$work/debs" docker-compose \
    || die "cannot download docker-compose"
  dpkg -x "$work"/debs/docker-compose_*.deb "$work/root"
  mkdir -p "$(dirname "$compose")"
  cp "$work/root/usr/libexec/docker/cli-plugins/docker-compose" "$compose.partial" && mv "$compose.partial" "$compose"
  rm -rf "$work"
fi

# Delve (Debian trixie's delve, 1.24), for the debug-image tests: `dlv connect` from the host,
# and the same binary as the `dlv` named context of a glibc image.
dlv=/usr/local/bin/dlv
if ! [ -x "$dlv" ]; then
  log "installing dlv from Debian trixie's delve package"
  work=$(mktemp -d)
  bash "$(dirname "$0")/../../images/debian-download.sh" trixie "$work/debs" delve || die "cannot download delve"
  dpkg -x "$work"/debs/delve_*.deb "$work/root"
  cp "$work/root/usr/bin/dlv" "$dlv.partial" && mv "$dlv.partial" "$dlv"
  rm -rf "$work"
fi
