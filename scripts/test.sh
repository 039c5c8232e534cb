#!/usr/bin/env bash
# Runs every check the project has, as CI does: formatting, vet, staticcheck, the whole test
# suite with the race detector (unit, end-to-end through the built binary, fake API), short
# fuzz runs, and the container image proof. Installs what it needs (Go modules through the
# module proxy, SeaweedFS's weed for the S3 tests; Debian's buildah and busybox-static for the
# image proof).
#
#   scripts/test.sh            everything
#   SKIP_IMAGE=1 scripts/test.sh   everything but the container image proof
#   FUZZTIME=30s scripts/test.sh   longer fuzz runs (default 10s per target)
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZTIME=${FUZZTIME:-10s}
STATICCHECK=honnef.co/go/tools/cmd/staticcheck@v0.8.2
started=$(date +%s)
step() { printf '\n==> %s (%ss)\n' "$*" "$(( $(date +%s) - started ))"; }

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.scratch/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...

step "staticcheck ($STATICCHECK)"
go run "$STATICCHECK" ./...

step "S3 test server (SeaweedFS from the module proxy, built once into the user cache)"
go run ./internal/s3server/cmd/ensure

step "go test -race"
go test -race -count=1 -timeout 20m ./...

step "fuzz ($FUZZTIME per target)"
fuzz() { # package target
  go test -run '^$' -fuzz "^$2\$" -fuzztime "$FUZZTIME" "$1" >/tmp/fuzz-$2.log 2>&1 \
    || { cat /tmp/fuzz-$2.log; echo "fuzz target $2 failed"; exit 1; }
  tail -n 1 /tmp/fuzz-$2.log
}
fuzz ./protocol FuzzReader
fuzz ./protocol FuzzRecordFastPath
fuzz ./destination/event FuzzPrepare
fuzz ./destination/event FuzzTimestamp
fuzz ./destination/openai FuzzAPIError

if [ "${SKIP_IMAGE:-}" != "1" ] && [ -x integration_tests/image/check-image.sh ]; then
  step "container image proof"
  integration_tests/image/check-image.sh
fi

step "all checks passed"
