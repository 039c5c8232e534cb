# Image of the Airbyte destination for the OpenAI Ads Conversions API.
#
#   docker build -t airbyte/destination-openai-ads-conversions:dev .
#
# Both base images are arguments, so that integration_tests/image/check-image.sh can build this
# very file offline against local stand-ins. VERSION must equal metadata.yaml's dockerImageTag
# and main.version (metadata_test.go checks it).
ARG GO_IMAGE=golang:1.26-bookworm
ARG BASE_IMAGE=alpine:3.22
ARG VERSION=0.1.0

# ---- build: a static binary ----
FROM ${GO_IMAGE} AS build
ARG VERSION
# Optional module-download settings for builds behind a proxy; empty means Go's defaults.
ARG GOPROXY
ARG GOSUMDB
ARG GOPRIVATE
ENV CGO_ENABLED=0 GOOS=linux GOFLAGS=-buildvcs=false GOTOOLCHAIN=local
WORKDIR /src
# Modules first, so that this layer is reused while only the source changes.
COPY go.mod go.sum ./
RUN go mod download && go mod verify
COPY . .
RUN go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
        -o /out/destination-openai-ads-conversions . \
    && /out/destination-openai-ads-conversions --version

# ---- runtime: a small base that has /bin/sh, since the platform starts the connector with sh -c ----
FROM ${BASE_IMAGE}
ARG VERSION
# The same CA bundle on every base (the runtime base needs neither apk nor a package manager).
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
# User airbyte (uid/gid 1000) owning a writable /airbyte, made with plain sh so that both alpine
# and a bare busybox base work.
RUN set -eu; \
    grep -q '^airbyte:' /etc/group || echo 'airbyte:x:1000:' >> /etc/group; \
    grep -q '^airbyte:' /etc/passwd || echo 'airbyte:x:1000:1000:airbyte:/airbyte:/sbin/nologin' >> /etc/passwd; \
    mkdir -p /airbyte/bin /tmp; \
    chown 1000:1000 /airbyte; \
    chmod 1777 /tmp
COPY --from=build /out/destination-openai-ads-conversions /airbyte/bin/destination-openai-ads-conversions
ENV AIRBYTE_ENTRYPOINT="/airbyte/bin/destination-openai-ads-conversions"
ENTRYPOINT ["/airbyte/bin/destination-openai-ads-conversions"]
LABEL io.airbyte.name="airbyte/destination-openai-ads-conversions" \
      io.airbyte.version="${VERSION}" \
      org.opencontainers.image.title="destination-openai-ads-conversions" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="https://github.com/openai-ads-conversions/destination-openai-ads-conversions" \
      org.opencontainers.image.licenses="MIT"
USER 1000:1000
WORKDIR /airbyte
