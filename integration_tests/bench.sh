#!/usr/bin/env bash
# bench.sh N: measures `write` end to end on N generated events (default 1000000).
#
# It builds the connector, the fake API and the generator, generates N events of about
# 500 bytes (80% order_created with one item, 20% lead_created, plaintext emails) on two
# streams routed to two pixels, with a STREAM state every 10,000 records of a stream,
# starts the fake API on 127.0.0.1 (its own process, so its CPU and memory are not the
# connector's), runs `write` under /usr/bin/time -v, checks that the fake accepted exactly
# N events and that every state was echoed with counts summing to N, and prints the
# figures and one summary line for the README table. Everything it starts is stopped and
# its temporary directory removed, also on failure or Ctrl-C.
#
# STREAMS (more than 2) spreads the records round robin over that many streams, each routed
# to a pixel of its own by destination_object_name, with a state every STATE_EVERY records
# of a stream: the peak RSS then shows what each open pixel costs.
#
#   integration_tests/bench.sh 2000000
#   integration_tests/bench.sh 100000 1000 10    # 1,000 pixels, a state every 10 records
#
# REJECT_PCT=P makes P% of the records (spread evenly) ones that are refused, half by the
# connector's rules, half by the fake API (their ids are poisoned). Without a bucket the run
# sets continue_on_errors; with BUCKET=1 it also starts a SeaweedFS S3 server on loopback
# (internal/s3server/cmd/serve, which builds weed on the first run), configures
# object_storage_config (S3, CSV, the default layout under bucket_path "rejected") and checks
# at the end that the bucket holds exactly the rejected records, each once. In every mode the
# echoed states must add up: recordCount + rejectedRecordCount = N.
#
#   REJECT_PCT=5 integration_tests/bench.sh 200000
#   REJECT_PCT=5 BUCKET=1 integration_tests/bench.sh 200000
#
# CONNECTOR=path runs that connector binary instead of building one (to compare builds);
# KEEP_WORK=1 keeps the temporary directory (input, output, logs) for a closer look.
set -euo pipefail

N=${1:-1000000}
STREAMS=${2:-2}
STATE_EVERY=${3:-10000}
[[ $N =~ ^[0-9]+$ && $N -gt 0 && $STREAMS =~ ^[0-9]+$ && $STREAMS -ge 2 && $STATE_EVERY =~ ^[0-9]+$ && $STATE_EVERY -gt 0 ]] ||
	{ echo "usage: $0 [N>0 [STREAMS>=2 [STATE_EVERY>0]]]" >&2; exit 2; }
REJECT_PCT=${REJECT_PCT:-0}
BUCKET=${BUCKET:-0}
[[ $REJECT_PCT =~ ^[0-9]+(\.[0-9]+)?$ && $BUCKET =~ ^[01]$ ]] ||
	{ echo "bench: REJECT_PCT must be a percentage (0 to 100) and BUCKET 0 or 1" >&2; exit 2; }
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX")
FAKE_PID=""
CONN_PID=""
S3_PID=""

cleanup() {
	if [[ -n $CONN_PID ]] && kill -0 "$CONN_PID" 2>/dev/null; then
		kill -TERM "$CONN_PID" 2>/dev/null || true # timeout passes it on to the connector
		wait "$CONN_PID" 2>/dev/null || true
	fi
	if [[ -n $FAKE_PID ]] && kill -0 "$FAKE_PID" 2>/dev/null; then
		kill -TERM "$FAKE_PID" 2>/dev/null || true
		wait "$FAKE_PID" 2>/dev/null || true
	fi
	if [[ -n $S3_PID ]] && kill -0 "$S3_PID" 2>/dev/null; then
		kill -TERM "$S3_PID" 2>/dev/null || true # serve stops weed and deletes its data
		wait "$S3_PID" 2>/dev/null || true
	fi
	if [[ -n ${KEEP_WORK:-} ]]; then echo "bench: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "bench: $*" >&2; exit 1; }

# /usr/bin/time -v measures the connector's peak RSS; Debian's `time` package provides it.
if [[ ! -x /usr/bin/time ]]; then
	echo "bench: installing Debian's time package for /usr/bin/time" >&2
	SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
	$SUDO apt-get update -qq >/dev/null && $SUDO apt-get install -y -qq time >/dev/null || die "cannot install /usr/bin/time"
fi

echo "building (connector, fake API, generator)..." >&2
(cd "$REPO" && if [[ -n ${CONNECTOR:-} ]]; then cp "$CONNECTOR" "$WORK/connector"; else go build -o "$WORK/connector" .; fi &&
	go build -o "$WORK/fakeapi" ./integration_tests/cmd/fakeapi &&
	go build -o "$WORK/benchgen" ./integration_tests/cmd/benchgen &&
	go build -o "$WORK/s3serve" ./internal/s3server/cmd/serve &&
	go build -o "$WORK/s3count" ./internal/s3server/cmd/count) || die "build failed"

echo "generating $N events ($REJECT_PCT% to be refused)..." >&2
GEN=$("$WORK/benchgen" -n "$N" -streams "$STREAMS" -state-every "$STATE_EVERY" -reject-pct "$REJECT_PCT" \
	-poison-out "$WORK/poison.txt" -out "$WORK/in.jsonl") || die "benchgen failed"
field() { sed -n "s/.*[ \"]$1[\":=]*\([0-9.]*\).*/\1/p" <<<"$2" | head -1; }
STATES_IN=$(field states "$GEN")
REFUSED=$(($(field refused_ours "$GEN") + $(field refused_api "$GEN")))
BYTES=$(stat -c %s "$WORK/in.jsonl")

PIXELS=pxl_demo_web,pxl_demo_app,pxl_demo_leads
if [[ $STREAMS -gt 2 ]]; then
	PIXELS+=,$(seq -s, -f 'px%.0f' 0 $((STREAMS - 1)))
fi

# The fake API on a free loopback port; its first stdout line is its base URL.
"$WORK/fakeapi" -addr 127.0.0.1:0 -pixels "$PIXELS" -poison "$WORK/poison.txt" >"$WORK/fake.out" 2>"$WORK/fake.err" &
FAKE_PID=$!
for _ in $(seq 100); do
	URL=$(head -1 "$WORK/fake.out" 2>/dev/null || true)
	[[ $URL == http://* ]] && break
	kill -0 "$FAKE_PID" 2>/dev/null || die "the fake API exited: $(cat "$WORK/fake.err")"
	sleep 0.1
done
[[ ${URL:-} == http://* ]] || die "the fake API printed no URL"

# The S3 server, with BUCKET=1: its stdout is shell assignments, S3_READY=1 last; it serves
# until its stdin (a FIFO this script holds open) closes or it gets SIGTERM.
STORAGE='{"storage_type":"None"}'
if [[ $BUCKET -eq 1 ]]; then
	mkfifo "$WORK/s3.in"
	"$WORK/s3serve" <"$WORK/s3.in" >"$WORK/s3.env" 2>"$WORK/s3.err" &
	S3_PID=$!
	exec 3>"$WORK/s3.in"
	for _ in $(seq 3000); do # up to 5 minutes: the first run builds weed
		grep -q '^S3_READY=1' "$WORK/s3.env" 2>/dev/null && break
		kill -0 "$S3_PID" 2>/dev/null || die "the S3 server exited: $(cat "$WORK/s3.err")"
		sleep 0.1
	done
	grep -q '^S3_READY=1' "$WORK/s3.env" || die "the S3 server did not start"
	set -a; source "$WORK/s3.env"; set +a
	STORAGE="{\"storage_type\":\"S3\",\"access_key_id\":\"$S3_ACCESS_KEY\",\"secret_access_key\":\"$S3_SECRET_KEY\",
 \"s3_bucket_name\":\"$S3_BUCKET\",\"s3_bucket_region\":\"$S3_REGION\",\"s3_endpoint\":\"$S3_ENDPOINT\",\"bucket_path\":\"rejected\",
 \"format\":{\"format_type\":\"CSV\",\"flattening\":\"No flattening\"},\"compression\":{\"compression_type\":\"No Compression\"}}"
fi
CONTINUE=false
[[ $REFUSED -gt 0 && $BUCKET -eq 0 ]] && CONTINUE=true # with a bucket, rejections never fail the sync

cat >"$WORK/config.json" <<JSON
{"api_key":"sk-demo-conversions-key","continue_on_errors":$CONTINUE,"default_pixel_id":"pxl_demo_web",
 "stream_pixels":[{"stream_name":"leads","pixel_id":"pxl_demo_leads"}],
 "conversions_api_base_url":"$URL","ads_api_base_url":"$URL","object_storage_config":$STORAGE}
JSON
# stream NAME [PIXEL]: a configured stream, routed to PIXEL by destination_object_name.
stream() {
	local object=""
	[[ -n ${2:-} ]] && object=",\"destination_object_name\":\"$2\""
	echo "{\"stream\":{\"name\":\"$1\",\"json_schema\":{\"type\":\"object\"},\"supported_sync_modes\":[\"incremental\"]},\"sync_mode\":\"incremental\",\"destination_sync_mode\":\"append\"$object}"
}
if [[ $STREAMS -gt 2 ]]; then
	{
		printf '{"streams":['
		for ((i = 0; i < STREAMS; i++)); do
			[[ $i -gt 0 ]] && printf ','
			stream "s$i" "px$i"
		done
		printf ']}\n'
	} >"$WORK/catalog.json"
else
	echo "{\"streams\":[$(stream orders),$(stream leads)]}" >"$WORK/catalog.json"
fi

echo "running write on $N events ($((BYTES / 1000000)) MB)..." >&2
START=$(date +%s%N)
# In the background, so that a signal to this script is handled (and cleans up) at once.
timeout 1800 /usr/bin/time -v -o "$WORK/time.txt" "$WORK/connector" write \
	--config "$WORK/config.json" --catalog "$WORK/catalog.json" \
	<"$WORK/in.jsonl" >"$WORK/out.jsonl" 2>"$WORK/connector.err" &
CONN_PID=$!
RC=0
wait "$CONN_PID" || RC=$?
CONN_PID=""
END=$(date +%s%N)
[[ $RC -eq 0 ]] || { tail -5 "$WORK/out.jsonl" "$WORK/connector.err" >&2; die "write exited $RC"; }

# The fake's counters, and its own CPU time and peak RSS from /proc, before it stops.
STATS=$(curl -sf "$URL/_fake/stats") || die "cannot read $URL/_fake/stats"
read -r -a STAT <"/proc/$FAKE_PID/stat"
FAKE_CPU=$(awk -v t=$((STAT[13] + STAT[14])) -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.1f", t/hz}')
FAKE_RSS=$(awk '/VmHWM/{printf "%.0f", $2/1024}' "/proc/$FAKE_PID/status")
kill -TERM "$FAKE_PID"; wait "$FAKE_PID" 2>/dev/null || true; FAKE_PID=""

SECS=$(awk -v a="$START" -v b="$END" 'BEGIN{printf "%.2f", (b-a)/1e9}')
RSS=$(awk -F': ' '/Maximum resident set size/{printf "%.0f", $2/1024}' "$WORK/time.txt")
CPU=$(awk -F': ' '/User time/{u=$2} /System time/{s=$2} /Percent of CPU/{p=$2} END{printf "%.1f s user+sys, %s of a core", u+s, p}' "$WORK/time.txt")
ACCEPTED=$(field events_accepted "$STATS")
REQUESTS=$(field requests "$STATS")
BATCHES=$(field batches_accepted "$STATS")
DUPS=$(field duplicates "$STATS")
STATES_OUT=$(grep -c '"type":"STATE"' "$WORK/out.jsonl" || true)
STATE_IDS=$(grep '"type":"STATE"' "$WORK/out.jsonl" | sed -n 's/.*"id":\([0-9]*\).*/\1/p' | sort -un | wc -l)
COUNTED=$(grep '"type":"STATE"' "$WORK/out.jsonl" | sed -n 's/.*"destinationStats":{"recordCount":\([0-9]*\)\.0.*/\1/p' | awk '{s+=$1} END{print s+0}')
REJECTED=$(grep '"type":"STATE"' "$WORK/out.jsonl" | sed -n 's/.*"rejectedRecordCount":\([0-9]*\)\.0.*/\1/p' | awk '{s+=$1} END{print s+0}')
SUMMARY=$(sed -n 's/.*"message":"\(Summary: [^"]*\)".*/\1/p' "$WORK/out.jsonl")
DELIVERED=$((N - REFUSED))
if [[ $BUCKET -eq 1 ]]; then
	STORED=$("$WORK/s3count" -prefix rejected/) || die "cannot read the bucket"
	exec 3>&- # EOF on its stdin: the S3 server stops
	wait "$S3_PID" 2>/dev/null || true
	S3_PID=""
fi

awk -v n="$N" -v s="$SECS" -v b="$BYTES" -v rss="$RSS" -v req="$REQUESTS" -v acc="$ACCEPTED" -v bat="$BATCHES" \
	-v so="$STATES_OUT" -v si="$STATES_IN" -v cpu="$CPU" -v fcpu="$FAKE_CPU" -v frss="$FAKE_RSS" 'BEGIN{
	printf "events          %d (%.0f bytes each on average)\n", n, b/n
	printf "seconds         %.2f\n", s
	printf "events/s        %.0f\n", n/s
	printf "MB/s            %.1f (input bytes, 10^6)\n", b/s/1e6
	printf "connector       peak RSS %d MiB, %s\n", rss, cpu
	printf "fake API        peak RSS %d MiB, %s s CPU\n", frss, fcpu
	printf "requests        %d, mean batch %.1f events\n", req, (bat ? acc/bat : 0)
	printf "states echoed   %d of %d\n", so, si
}'
echo "connector says  $SUMMARY"
[[ $BUCKET -eq 1 ]] && echo "bucket holds    $STORED"

FAILED=0
[[ $ACCEPTED -eq $DELIVERED ]] || { echo "FAIL: the fake accepted $ACCEPTED events, want $DELIVERED" >&2; FAILED=1; }
[[ $DUPS -eq 0 ]] || { echo "FAIL: the fake saw $DUPS duplicates, want 0" >&2; FAILED=1; }
[[ $STATES_OUT -eq $STATES_IN && $STATE_IDS -eq $STATES_IN ]] || { echo "FAIL: $STATES_OUT states echoed ($STATE_IDS distinct ids), want $STATES_IN" >&2; FAILED=1; }
[[ $COUNTED -eq $DELIVERED && $REJECTED -eq $REFUSED ]] ||
	{ echo "FAIL: the echoed destinationStats count $COUNTED delivered and $REJECTED rejected, want $DELIVERED and $REFUSED" >&2; FAILED=1; }
if [[ $BUCKET -eq 1 ]]; then
	[[ $(field records "$STORED") -eq $REFUSED && $(field distinct "$STORED") -eq $REFUSED ]] ||
		{ echo "FAIL: the bucket holds $STORED, want $REFUSED records, each once" >&2; FAILED=1; }
fi
[[ $FAILED -eq 0 ]] && echo "verified        fake accepted exactly $DELIVERED events; every state echoed; destinationStats sum to $DELIVERED + $REFUSED rejected = $N$([[ $BUCKET -eq 1 ]] && echo "; the bucket holds exactly the $REFUSED rejected records")"

MODEL=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
MODE="no rejections"
[[ $REFUSED -gt 0 ]] && MODE="$REJECT_PCT% rejected, $([[ $BUCKET -eq 1 ]] && echo "S3 bucket" || echo "no bucket")"
awk -v n="$N" -v s="$SECS" -v b="$BYTES" -v rss="$RSS" -v req="$REQUESTS" -v acc="$ACCEPTED" -v bat="$BATCHES" \
	-v so="$STATES_OUT" -v cores="$(nproc)" -v model="${MODEL:-unknown CPU}" -v mode="$MODE" 'BEGIN{
	printf "| %d | %s | %.1f s | %.0f events/s | %.1f MB/s | %d MiB | %d requests | %.0f events/batch | %d states | %d × %s |\n",
		n, mode, s, n/s, b/s/1e6, rss, req, (bat ? acc/bat : 0), so, cores, model
}'
exit $FAILED
