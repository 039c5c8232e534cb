package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/connectortest"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/s3server"
)

// proxyS3 serves srv through a reverse proxy whose requests go through serve first, and
// returns its URL. The proxy keeps the incoming Host header, for which the connector signed the
// request, so that the server still verifies the signature.
func proxyS3(t *testing.T, srv *s3server.Server, serve func(w http.ResponseWriter, r *http.Request, next http.Handler)) string {
	t.Helper()
	target, err := url.Parse(srv.Endpoint)
	require.NoError(t, err)
	next := httputil.NewSingleHostReverseProxy(target) // sets the URL's host, not the Host header
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serve(w, r, next) }))
	t.Cleanup(proxy.Close)
	return proxy.URL
}

// slowS3 is srv behind a proxy that holds each request for delay.
func slowS3(t *testing.T, srv *s3server.Server, delay time.Duration) string {
	t.Helper()
	return proxyS3(t, srv, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		held := time.NewTimer(delay)
		defer held.Stop()
		select {
		case <-held.C:
			next.ServeHTTP(w, r)
		case <-r.Context().Done():
		}
	})
}

// stuckS3 is srv behind a proxy that, once stick is called, holds every request until its
// client gives up; held receives a token for each request held.
func stuckS3(t *testing.T, srv *s3server.Server) (endpoint string, stick func(), held <-chan struct{}) {
	t.Helper()
	var stuck atomic.Bool
	holding, released := make(chan struct{}, 100), make(chan struct{})
	endpoint = proxyS3(t, srv, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if !stuck.Load() {
			next.ServeHTTP(w, r)
			return
		}
		// Read the body, so that the server sees the client go (it watches the connection
		// only once the body is read), and hold the request until then or the test's end.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case holding <- struct{}{}:
		default:
		}
		select {
		case <-r.Context().Done():
		case <-released:
		}
	})
	t.Cleanup(func() { close(released) }) // before the proxy's Close, which waits for its requests
	return endpoint, func() { stuck.Store(true) }, holding
}

// renumbered returns a copy of in whose records are numbered in their streams from 1, as a
// rerun of in (a slice of a longer input) numbers them.
func renumbered(in *input) *input {
	out := &input{now: in.now, numbers: map[string]int{}}
	for _, m := range in.msgs {
		if m.record != nil {
			r := *m.record
			out.numbers[r.stream.key()]++
			r.number = out.numbers[r.stream.key()]
			m.record = &r
		}
		out.msgs = append(out.msgs, m)
	}
	return out
}

// A bucket that stops taking writes mid-sync fails the sync with a config_error that names
// it, and no state past the rejections it did not store is echoed; a rerun from the last
// echoed state against a working bucket stores the rest.
func TestWriteFailsNamingTheBucketWhenItStopsAndARerunStoresTheRest(t *testing.T) {
	t.Parallel()
	dedicated := s3server.Start(t) // stopped mid-sync
	f, cfg := defaultPixelSetup(t)
	failing := storage{srv: dedicated, bucket: dedicated.CreateBucket(t)}
	cfg["object_storage_config"] = failing.config()
	in := newInput()
	in.rejections(shopOrders, 10, 0)
	first := len(in.msgs)
	in.rejections(shopOrders, 10, 0)
	in.rejections(plainLeads, 10, 0)

	p := start(t, writeArgs(t, cfg, catalogOf(shopOrders, plainLeads))...)
	require.True(t, p.Send(in.lines(0, first)...))
	require.True(t, p.WaitForLine(30*time.Second, isState(1)), "the first state is echoed")
	assert.Len(t, readRejected(t, dedicated, failing.bucket), 4, "the first state's rejections are stored")
	dedicated.Close()
	p.Send(in.lines(first, len(in.msgs))...)
	p.CloseInput()
	r := p.Wait()

	assert.Equal(t, 1, r.Exit, "exit code; stdout:\n%s", r.Stdout)
	echoed := checkWrite(t, f, in, r)
	assert.Equal(t, []int{1}, stateIDs(echoed), "no state past the rejections not stored")
	kind, msg := r.Failure(t)
	assert.Equal(t, "config_error", kind)
	assert.Contains(t, msg, failing.bucket, "the failure names the bucket")
	assert.Contains(t, msg, "cannot be reached", "the failure names the cause")
	assertNoSecret(t, r, dedicated.SecretKey)

	srv := s3Server(t)
	working := storage{srv: srv, bucket: srv.CreateBucket(t)}
	cfg["object_storage_config"] = working.config()
	rest := renumbered(in.slice(in.stateIndex(t, 1) + 1))
	rerun := run(t, rest.bytes(0), writeArgs(t, cfg, catalogOf(shopOrders, plainLeads))...)

	require.Equal(t, 0, rerun.Exit, "exit code of the rerun; stdout:\n%s", rerun.Stdout)
	assertStoredBeforeEchoed(t, rest, rerun, checkWrite(t, f, rest, rerun), assertBucketHoldsExactlyTheRejected(t, working, rest, nil))
	assertAllDelivered(t, f, in) // records delivered after state 1 are sent again, and deduplicated
	assert.Equal(t, int64(len(in.validRecords())), f.api.Stats().EventsAccepted, "every record stored once")
}

// bigInvalidRecords adds n records of s that the connector refuses (an unknown event type),
// each with size bytes of notes.
func (in *input) bigInvalidRecords(s stream, n, size int) {
	notes := strings.Repeat("n", size)
	for range n {
		in.numbers[s.key()]++
		num := in.numbers[s.key()]
		r := &inRecord{stream: s, number: num, typ: "invalid", id: fmt.Sprintf("%s-big-bad-%06d", s.name, num), refused: true}
		in.addRecord(r, fmt.Sprintf(`{"id":%q,"type":"purchase","timestamp_ms":%d,"notes":%q}`, r.id, in.now, notes))
	}
}

// A slow bucket (each request held for 300 ms) slows the sync down but does not break it:
// states wait for the objects that hold their rejections, and the memory stays bounded with
// 108 MB of rejected records, seven times the write's bound for them. During a write the store
// holds at most 16 MiB of records waiting (in open parts and uploading), and each of its 2
// uploads adds its encoded part and the S3 client's copy of it (4 to 8 MiB each): about 50 to
// 70 MiB live with the input's read-ahead, which the garbage collector lets grow to about twice
// that. Runs peak at 104 to 115 MiB (22 MiB without a bucket; 175 to 270 MiB with the store's
// own defaults of 32 MiB and 4 uploads). The bound of 200 MiB leaves room for the collector's
// timing and catches a store without a bound (which would keep the 108 MB live on top).
func TestWriteWithASlowBucketWaitsForItWithBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("long scenario: 108 MB of rejected records through a slow bucket")
	}
	if raceDetector { // the binary is built without it: only this process's reading back would slow down, 5-fold
		t.Skip("the connector is measured without -race; reading 108 MB back under -race takes minutes")
	}
	t.Parallel()
	const boundMiB = 200
	peak := slowBucketPeakMiB(t, 9)
	assert.Less(t, peak, int64(boundMiB), "peak RSS in MiB with 108 MB of rejected records")
}

// slowBucketPeakMiB runs a sync of rounds of 12 MB of rejected records, each with a few valid
// ones and a state, into a slow bucket; it checks that the states wait for their rejections
// and returns the peak RSS in MiB.
func slowBucketPeakMiB(t *testing.T, rounds int) int64 {
	t.Helper()
	const perRound, size = 4000, 3000
	srv := s3Server(t)
	f, cfg := defaultPixelSetup(t)
	st := storage{srv: srv, bucket: srv.CreateBucket(t), endpoint: slowS3(t, srv, 300*time.Millisecond)}
	cfg["object_storage_config"] = st.config()
	in := newInput()
	for range rounds {
		in.records(shopOrders, 50)
		in.bigInvalidRecords(shopOrders, perRound, size)
		in.streamState(shopOrders)
	}

	started := time.Now()
	r := runWith(t, connectortest.Options{PeakRSS: true}, in.bytes(0), writeArgs(t, cfg, catalogOf(shopOrders))...)
	took := time.Since(started)

	require.Equal(t, 0, r.Exit, "exit code; stdout:\n%s", r.Stdout)
	echoed := checkWrite(t, f, in, r)
	assertExactlyOnce(t, f, in)
	stored := assertBucketHoldsExactlyTheRejected(t, st, in, nil)
	assertStoredBeforeEchoed(t, in, r, echoed, stored)
	peak := r.MaxRSS >> 20
	t.Logf("slow bucket: %d MB of rejected records in %d objects, %v, peak RSS %d MiB", rounds*perRound*size/1_000_000, objectsOf(stored), took.Round(time.Millisecond), peak)
	return peak
}

func objectsOf(stored map[string]storedRow) int {
	objects := map[string]bool{}
	for _, row := range stored {
		objects[row.object] = true
	}
	return len(objects)
}

// SIGTERM while rejected records wait for a bucket that does not answer: the states whose
// rejections are stored are echoed, and no other (nothing is echoed that is not stored); every
// object in the bucket is whole and holds rejected records only.
func TestSIGTERMEchoesOnlyStatesWhoseRejectionsAreStored(t *testing.T) {
	t.Parallel()
	srv := s3Server(t)
	f, cfg := defaultPixelSetup(t)
	endpoint, stick, held := stuckS3(t, srv)
	st := storage{srv: srv, bucket: srv.CreateBucket(t), endpoint: endpoint}
	cfg["object_storage_config"] = st.config()
	in := newInput()
	var ends []int
	for round := range 6 {
		s := []stream{shopOrders, plainLeads}[round%2]
		in.rejections(s, 20, 0)
		ends = append(ends, len(in.msgs))
	}

	p := startWith(t, connectortest.Options{Env: []string{graceEnv + "=1s"}}, writeArgs(t, cfg, catalogOf(shopOrders, plainLeads))...)
	require.True(t, p.Send(in.lines(0, ends[1])...))
	require.True(t, p.WaitForLine(30*time.Second, isState(2)), "the first two states are echoed")
	stick()
	p.Send(in.lines(ends[1], len(in.msgs))...)
	select {
	case <-held: // a part of the later rounds is uploading
	case <-time.After(30 * time.Second):
		require.Fail(t, "no upload after the first two states")
	}
	p.Signal(sigterm)
	r := p.Wait()

	assert.Equal(t, 143, r.Exit, "exit code after SIGTERM; stdout:\n%s", r.Stdout)
	echoed := checkWrite(t, f, in, r)
	assert.Subset(t, stateIDs(echoed), []int{1, 2}, "the states stored before the bucket stuck are echoed")
	assert.Less(t, len(echoed), len(in.states()), "the states whose rejections are not stored are not echoed")
	rows := readRejected(t, srv, st.bucket) // each object is read whole
	stored := byRecord(t, rows)
	assertStoredBeforeEchoed(t, in, r, echoed, stored)
	refused := map[string]bool{}
	for _, rec := range refusedRecords(in) {
		refused[rowKey(rec.stream.key(), fmt.Sprint(rec.number))] = true
	}
	for k, row := range stored {
		assert.True(t, refused[k], "stored row %s (in %s) is a rejected record", k, row.object)
	}
	t.Logf("SIGTERM: states echoed %v, %d of %d rejected records stored", stateIDs(echoed), len(stored), len(refused))
}

// check writes a test object to the bucket and deletes it, and names the bucket and the cause
// when it cannot; the secret is never printed.
func TestCheckOfTheBucketOfRejectedRecords(t *testing.T) {
	t.Parallel()
	srv := s3Server(t)
	tests := []struct {
		name   string
		change func(c map[string]any)
		want   []string // in the message; none for SUCCEEDED
	}{
		{"a good bucket", func(map[string]any) {}, nil},
		{"a missing bucket", func(c map[string]any) { c["s3_bucket_name"] = "no-such-bucket-here" },
			[]string{"no-such-bucket-here", "does not exist"}},
		{"a wrong secret", func(c map[string]any) { c["secret_access_key"] = "wrong-secret-0123456789-ABCDEFGHIJKLMNOP" },
			[]string{"access key or the secret is wrong"}},
		{"an unreachable endpoint", func(c map[string]any) { c["s3_endpoint"] = connectortest.ClosedURL(t) },
			[]string{"cannot be reached"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, cfg := defaultPixelSetup(t)
			st := storage{srv: srv, bucket: srv.CreateBucket(t)}
			storage := st.config()
			tt.change(storage)
			cfg["object_storage_config"] = storage

			r := run(t, nil, "check", "--config", connectortest.WriteFile(t, "config.json", cfg))

			checkCommon(t, r)
			assertNoSecret(t, r, srv.SecretKey)
			assertNoSecret(t, r, "wrong-secret-0123456789-ABCDEFGHIJKLMNOP")
			statuses := r.OfType("CONNECTION_STATUS")
			require.Len(t, statuses, 1, "stdout:\n%s", r.Stdout)
			if tt.want == nil {
				assert.Equal(t, "SUCCEEDED", statuses[0].Status.Status, "stdout:\n%s", r.Stdout)
				assert.Empty(t, readObjects(t, srv, st.bucket), "the test object is deleted")
				return
			}
			assert.Equal(t, "FAILED", statuses[0].Status.Status, "stdout:\n%s", r.Stdout)
			for _, want := range append(tt.want, storage["s3_bucket_name"].(string)) {
				assert.Contains(t, statuses[0].Status.Message, want)
			}
		})
	}
}
