#!/usr/bin/env bash
# Builds BuildKit's own Dockerfile frontend from a BuildKit source tree into a local image, the
# image a Dockerfile's `# syntax=docker/dockerfile:1` line runs. real.sh times a no-op of the
# cache-mount Dockerfile with that line (as Docker's Go guide writes it) beside the one without:
# what any external frontend costs before it does anything, on the same engine in the same run.
#
#   tests/bench/dockerfile-frontend.sh SRC TAG     SRC: a BuildKit checkout (vendored: nothing is
#                                                  downloaded), e.g. a snapshot outside the
#                                                  repository; it is only read
#
# Needs gofront-test/golang:1.27 (images/build-golang.sh). The image gets the labels upstream's
# release image carries (no network; the inputs, subrequests and named-contexts capabilities).
set -euo pipefail
[ $# = 2 ] || { sed -n '2,12p' "$0" >&2; exit 2; }
src=$(cd "$1" && pwd) tag=$2
[ -d "$src/frontend/dockerfile/cmd/dockerfile-frontend" ] && [ -f "$src/vendor/modules.txt" ] \
  || { echo "dockerfile-frontend.sh: $src is not a vendored BuildKit tree" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/Dockerfile" <<'EOF'
FROM gofront-test/golang:1.27 AS build
WORKDIR /src
RUN --network=none --mount=type=bind,target=/src --mount=type=cache,id=gofront-bench-dockerfile-frontend,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOFLAGS=-mod=vendor go build -trimpath -ldflags='-s -w' -o /out/dockerfile-frontend ./frontend/dockerfile/cmd/dockerfile-frontend
FROM scratch
COPY --from=build /out/dockerfile-frontend /bin/dockerfile-frontend
LABEL moby.buildkit.frontend.network.none="true" \
      moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts"
ENTRYPOINT ["/bin/dockerfile-frontend"]
EOF
echo "[bench] building BuildKit's Dockerfile frontend from $src as $tag" >&2
timeout 1800 docker buildx build --progress=quiet -f "$work/Dockerfile" -t "$tag" --load "$src" >/dev/null
