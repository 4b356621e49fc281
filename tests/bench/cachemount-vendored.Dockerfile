# The cache-mount Dockerfile (cachemount.Dockerfile) for a vendored module: the modules are in the
# source tree (vendor/), so there is nothing to download and no module cache; the build cache is a
# cache mount, the source a bind mount, the binary static on scratch.
ARG BUILDER=golang:1.27-alpine
FROM --platform=$BUILDPLATFORM ${BUILDER} AS build
ENV GOCACHE=/root/.cache/go-build
WORKDIR /src
ARG TARGETOS TARGETARCH MAIN=./cmd/app
RUN --mount=type=cache,target=/root/.cache/go-build \
    --mount=type=bind,target=. \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -mod=vendor -trimpath -ldflags "-s -w" -o /bin/app $MAIN

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /bin/app /app
USER 65532:65532
ENTRYPOINT ["/app"]
