# The best hand-written Dockerfile for a Go service, after Docker's own Go guide: go.mod/go.sum
# alone for the download step, cache mounts for the module and build caches, the source as a bind
# mount, cross-compilation on the build platform, a static binary on scratch.
ARG BUILDER=golang:1.27-alpine
FROM --platform=$BUILDPLATFORM ${BUILDER} AS build
# Explicit, so Go never misses the cache mounts whatever HOME the image has.
ENV GOCACHE=/root/.cache/go-build GOMODCACHE=/go/pkg/mod
WORKDIR /src
# Only so this benchmark can reach its loopback module proxy.
ARG GOPROXY GOSUMDB
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=bind,source=go.sum,target=go.sum \
    --mount=type=bind,source=go.mod,target=go.mod \
    go mod download
ARG TARGETOS TARGETARCH MAIN=./cmd/app
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    --mount=type=bind,target=. \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags "-s -w" -o /bin/app $MAIN

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /bin/app /app
USER 65532:65532
ENTRYPOINT ["/app"]
