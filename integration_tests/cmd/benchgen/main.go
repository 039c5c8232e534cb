// Command benchgen writes the input of the write benchmark: N realistic
// Airbyte RECORD messages of about 500 bytes on two streams, orders (mostly
// order_created contents events with one item and a plaintext email) and
// leads (lead_created), with a STREAM state every 10,000 records and
// timestamps within the last hour, as integration_tests/bench.sh expects.
//
//	go run ./integration_tests/cmd/benchgen -n 1000000 -out /tmp/bench.jsonl
//
// With -streams K (K > 2) the records go round robin to K streams named s0,
// s1, ... (every fifth record a lead, the others orders), to measure many
// pixels: bench.sh routes each to a pixel of its own.
//
// With -reject-pct P (0 to 100) P% of the records, spread evenly, are meant to
// be refused: half by the connector's own rules (an order's amount as the text
// of a decimal, a lead's opt_out as "yes"), half by the API: valid records
// whose ids -poison-out writes, one a line, for the fake API's -poison flag.
//
// It prints one line to stdout: the counts of records and states, per
// stream, and of the records meant to be refused (refused_ours and
// refused_api), as key=value pairs (for -streams K, the totals only).
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, time.Now())
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(1)
	}
}

// Streams of the benchmark; bench.sh routes them to two pixels.
const (
	ordersStream = "orders"
	leadsStream  = "leads"
	// leadEvery makes every leadEvery-th record a lead.
	leadEvery = 5
)

func run(ctx context.Context, args []string, stdout, stderr io.Writer, now time.Time) error {
	fs := flag.NewFlagSet("benchgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 1000000, "number of records")
	stateEvery := fs.Int("state-every", 10000, "records between STREAM states")
	streams := fs.Int("streams", 2, "number of streams (2: orders and leads; more: s0, s1, ...)")
	out := fs.String("out", "", "output `file` (required)")
	rejectPct := fs.Float64("reject-pct", 0, "`percent` of the records to be refused, half by the connector, half by the API")
	poisonOut := fs.String("poison-out", "", "`file` for the ids of the records the API is to refuse (required with -reject-pct)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || *n < 0 || *stateEvery < 1 || *streams < 2 || *rejectPct < 0 || *rejectPct > 100 || (*rejectPct > 0 && *poisonOut == "") {
		return errors.New("usage: benchgen -n N [-state-every K] [-streams S>=2] [-reject-pct P -poison-out FILE] -out FILE")
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	g := newGenerator(bufio.NewWriterSize(f, 1<<20), now, *streams)
	g.refusePerMille = int(*rejectPct*10 + 0.5)
	c, err := g.write(ctx, *n, *stateEvery)
	if err == nil {
		err = g.w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && *poisonOut != "" {
		err = os.WriteFile(*poisonOut, []byte(strings.Join(g.poison, "\n")+"\n"), 0o644)
	}
	if err != nil {
		return err
	}
	refused := fmt.Sprintf("refused_ours=%d refused_api=%d", g.refusedOurs, len(g.poison))
	if *streams > 2 {
		_, err = fmt.Fprintf(stdout, "records=%d states=%d streams=%d bytes=%d %s\n", c.records, c.states, *streams, g.bytes, refused)
		return err
	}
	_, err = fmt.Fprintf(stdout, "records=%d states=%d orders=%d leads=%d orders_states=%d leads_states=%d bytes=%d %s\n",
		c.records, c.states, c.perStream[0], c.perStream[1], c.statesPer[0], c.statesPer[1], g.bytes, refused)
	return err
}

// counts are what the generator wrote.
type counts struct {
	records, states int
	perStream       []int // by stream: orders, leads (or s0, s1, ...)
	statesPer       []int
}

// generator appends messages to one reusable line buffer.
type generator struct {
	w       *bufio.Writer
	line    []byte
	emitted int64
	oldest  int64 // timestamp of record 0, in ms
	span    int64 // ms between the first and the last record
	bytes   int64
	stateID int64
	names   []string // of the streams

	refusePerMille int      // records per thousand to be refused
	refusedOurs    int      // records written to be refused by the connector's rules
	poison         []string // ids of the records the API is to refuse
}

// refusal is what record i is meant to meet.
type refusal int

const (
	accepted refusal = iota
	refusedByUs
	refusedByAPI
)

// refusal spreads the refused records evenly: i*617 mod 1000 runs through every residue once
// in each thousand records (617 is prime to 1000), so exactly refusePerMille of each thousand
// are refused, alternately by the connector and by the API.
func (g *generator) refusal(i int) refusal {
	r := i * 617 % 1000
	switch {
	case r >= g.refusePerMille:
		return accepted
	case r%2 == 0:
		return refusedByUs
	default:
		return refusedByAPI
	}
}

func newGenerator(w *bufio.Writer, now time.Time, streams int) *generator {
	ms := now.UnixMilli()
	names := []string{ordersStream, leadsStream}
	if streams > 2 {
		names = make([]string, streams)
		for i := range names {
			names[i] = "s" + strconv.Itoa(i)
		}
	}
	return &generator{w: w, line: make([]byte, 0, 1024), emitted: ms,
		oldest: ms - 55*time.Minute.Milliseconds(), span: 50 * time.Minute.Milliseconds(), names: names}
}

// write writes n records with a state after every stateEvery records of a
// stream and a final state for each stream with records since its last.
func (g *generator) write(ctx context.Context, n, stateEvery int) (counts, error) {
	c := counts{perStream: make([]int, len(g.names)), statesPer: make([]int, len(g.names))}
	since := make([]int, len(g.names))
	for i := range n {
		if i%65536 == 0 && ctx.Err() != nil {
			return c, ctx.Err()
		}
		lead := i%leadEvery == leadEvery-1
		s := 0
		switch {
		case len(g.names) > 2:
			s = i % len(g.names)
		case lead:
			s = 1
		}
		g.record(i, n, s, lead)
		c.records++
		c.perStream[s]++
		since[s]++
		if since[s] == stateEvery {
			g.state(s, c.perStream[s], since[s])
			c.states++
			c.statesPer[s]++
			since[s] = 0
		}
		if err := g.flushLine(); err != nil {
			return c, err
		}
	}
	for s := range since {
		if since[s] > 0 {
			g.state(s, c.perStream[s], since[s])
			c.states++
			c.statesPer[s]++
			if err := g.flushLine(); err != nil {
				return c, err
			}
		}
	}
	return c, nil
}

func (g *generator) flushLine() error {
	g.bytes += int64(len(g.line))
	_, err := g.w.Write(g.line)
	g.line = g.line[:0]
	return err
}

var products = [...]struct {
	id, name string
	amount   int
}{
	{"sku-trail-42", "Trail Runner 42", 12999}, {"sku-jacket-s", "Rain jacket, size S", 8999},
	{"sku-sock-3pk", "Merino socks (3 pack)", 2499}, {"sku-cap", "Running cap", 2500},
	{"sku-boot-w", "Hiking boot", 15900}, {"sku-bottle", "Insulated bottle 750 ml", 3450},
}

// record appends record i of n, on stream s, a lead or an order, with a
// timestamp spread evenly over the span.
func (g *generator) record(i, n, s int, lead bool) {
	ts := g.oldest
	if n > 1 {
		ts += g.span * int64(i) / int64(n-1)
	}
	b := append(g.line, `{"type":"RECORD","record":{"stream":"`...)
	b = append(b, g.names[s]...)
	b = append(b, `","emitted_at":`...)
	b = strconv.AppendInt(b, g.emitted, 10)
	b = append(b, `,"data":{"id":"`...)
	idAt := len(b)
	refused := g.refusal(i)
	if lead {
		b = append(b, "l-"...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = g.lead(b, i, ts, refused == refusedByUs)
	} else {
		b = append(b, "o-"...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = g.order(b, i, ts, refused == refusedByUs)
	}
	switch refused {
	case refusedByUs:
		g.refusedOurs++
	case refusedByAPI:
		end := idAt + bytes.IndexByte(b[idAt:], '"')
		g.poison = append(g.poison, string(b[idAt:end]))
	}
	g.line = append(b, "}}}\n"...)
}

// order appends an order; a refused one has its amount as the text of a decimal.
func (g *generator) order(b []byte, i int, ts int64, refused bool) []byte {
	p := products[i%len(products)]
	qty := 1 + i%3
	b = append(b, `","type":"order_created","timestamp_ms":`...)
	b = strconv.AppendInt(b, ts, 10)
	b = append(b, `,"action_source":"web","source_url":"https://shop.example.com/checkout/thank-you?order=A-`...)
	b = strconv.AppendInt(b, int64(100000+i), 10)
	b = append(b, `","user":{"email":"customer`...)
	b = strconv.AppendInt(b, int64(i%250000), 10)
	b = append(b, `@example.com","user_agent":"Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) Mobile/15E148"},"data":{"type":"contents","amount":`...)
	if refused {
		b = append(b, '"')
		b = strconv.AppendFloat(b, float64(p.amount*qty)/100, 'f', 2, 64)
		b = append(b, '"')
	} else {
		b = strconv.AppendInt(b, int64(p.amount*qty), 10)
	}
	b = append(b, `,"currency":"USD","contents":[{"id":"`...)
	b = append(b, p.id...)
	b = append(b, `","name":"`...)
	b = append(b, p.name...)
	b = append(b, `","quantity":`...)
	b = strconv.AppendInt(b, int64(qty), 10)
	b = append(b, `,"amount":`...)
	b = strconv.AppendInt(b, int64(p.amount), 10)
	return append(b, `}]}`...)
}

// lead appends a lead; a refused one has opt_out "yes".
func (g *generator) lead(b []byte, i int, ts int64, refused bool) []byte {
	b = append(b, `","type":"lead_created","timestamp_ms":`...)
	b = strconv.AppendInt(b, ts, 10)
	b = append(b, `,"action_source":"web","source_url":"https://shop.example.com/contact?campaign=spring-`...)
	b = strconv.AppendInt(b, int64(i%97), 10)
	if refused {
		b = append(b, `","opt_out":"yes`...)
	}
	b = append(b, `","user":{"email":"lead`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `@example.org","external_id":"crm-`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `","country":"US","zip_code":"94110","user_agent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0"},"data":{"type":"customer_action","amount":5000,"currency":"USD"}`...)
	return b
}

// state appends a STREAM state for stream s after total records of it.
func (g *generator) state(s, total, since int) {
	g.stateID++
	b := append(g.line, `{"type":"STATE","state":{"type":"STREAM","stream":{"stream_descriptor":{"name":"`...)
	b = append(b, g.names[s]...)
	b = append(b, `"},"stream_state":{"cursor":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	b = append(b, `}},"sourceStats":{"recordCount":`...)
	b = strconv.AppendInt(b, int64(since), 10)
	b = append(b, `.0},"id":`...)
	b = strconv.AppendInt(b, g.stateID, 10)
	g.line = append(b, "}}\n"...)
}
