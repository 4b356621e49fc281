#!/usr/bin/env bash
# The gofront demo, from nothing to a running container on this machine:
#   1. a Docker Engine with BuildKit (installed and started when missing; needs root),
#   2. the gofront frontend image built from this tree (gofront:dev),
#   3. an offline Go toolchain image (no registry needed),
#   4. examples/hello built with `docker buildx build -f Gofile`, then run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# The engine and the Go toolchain image are mostly downloads, gofront's compile is all CPU: they
# run side by side.
( bash tests/engine/setup.sh && bash images/build-golang.sh gofront-demo/golang:1.27 1.27.3 ) &
engine_and_go=$!
GOFRONT_COMPILE_ONLY=1 bash images/build-frontend.sh gofront:dev
wait "$engine_and_go"
bash images/build-frontend.sh gofront:dev

echo "[demo] docker buildx build -f Gofile examples/hello" >&2
# BUILDKIT_SYNTAX points the Gofile's `# syntax=` at the local frontend image; the builder context
# stands in for golang:1.22-alpine, which needs a registry.
docker buildx build --network=host -f examples/hello/Gofile \
  --build-arg BUILDKIT_SYNTAX=gofront:dev \
  --build-context builder=docker-image://gofront-demo/golang:1.27 \
  --build-arg VERSION=1.0.0 \
  -t gofront-demo/hello:1.0.0 --load examples/hello

echo "[demo] docker run --rm gofront-demo/hello:1.0.0" >&2
docker run --rm --network=none gofront-demo/hello:1.0.0
docker image ls gofront-demo/hello:1.0.0 >&2
