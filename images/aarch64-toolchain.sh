#!/usr/bin/env bash
# Makes an offline aarch64 build of gofront possible on an x86_64 Debian 12 host with no rustup
# target to add (design.md §7): Debian's aarch64 cross gcc and libc, qemu-user to run the result,
# and the Rust standard library's source from Debian's unstable `rust-src`, which the nightly
# toolchain compiles itself with -Zbuild-std.
#
#   images/aarch64-toolchain.sh      prints the library source directory on stdout
set -euo pipefail

log() { printf '[aarch64] %s\n' "$*" >&2; }
die() { printf '[aarch64] ERROR: %s\n' "$*" >&2; exit 1; }

root=$(cd "$(dirname "$0")/.." && pwd)
cache="${GOFRONT_CACHE:-/var/cache/gofront}/rust-src"

rustup toolchain list 2>/dev/null | grep -q '^nightly' \
  || die "the nightly Rust toolchain is missing (-Zbuild-std needs it)"

need=()
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || need+=(gcc-aarch64-linux-gnu)
[ -d /usr/aarch64-linux-gnu/lib ] || need+=(libc6-dev-arm64-cross)
command -v qemu-aarch64-static >/dev/null 2>&1 || need+=(qemu-user-static)
command -v file >/dev/null 2>&1 || need+=(file)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  [ "$(id -u)" = 0 ] || die "installing packages needs root"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; } \
    || die "cannot install ${need[*]}"
fi

library=$(find "$cache" -maxdepth 4 -type d -path '*/usr/src/rustc-*/library' 2>/dev/null | head -n 1 || true)
if [ -z "$library" ]; then
  log "fetching rust-src from Debian unstable"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  bash "$root/images/debian-download.sh" sid "$work" rust-src || die "cannot download rust-src"
  rm -rf "$cache" && mkdir -p "$cache"
  dpkg -x "$work"/rust-src_*.deb "$cache"
  library=$(find "$cache" -maxdepth 4 -type d -path '*/usr/src/rustc-*/library' | head -n 1)
  [ -n "$library" ] || die "rust-src holds no usr/src/rustc-*/library"
fi
echo "$library"
