# The kind of hand-written Dockerfile gofront replaces, as blog posts show it: no cache mounts,
# the whole context copied before `go mod download`, so any change re-downloads and recompiles.
ARG BUILDER=golang:1.22-alpine
FROM ${BUILDER} AS build
# Only so this benchmark can reach its loopback module proxy.
ARG GOPROXY GOSUMDB
WORKDIR /src
COPY . .
RUN go mod download
ARG MAIN=./cmd/shop
RUN CGO_ENABLED=0 go build -ldflags "-s -w" -o /bin/app $MAIN

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /bin/app /app
ENTRYPOINT ["/app"]
