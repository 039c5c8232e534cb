//go:build ignore

// Command imagecheck holds the JSON work of check-image.sh, so that the script needs neither jq
// nor python. The script builds it once with `go build -o X imagecheck.go`; the build tag keeps
// it out of `go build ./...` and `go vet ./...`.
//
//	imagecheck config   -name N -version V < inspect.json   checks the image config (buildah inspect)
//	imagecheck fixtures -catalog C -messages M -out DIR            writes catalog.json, messages.jsonl
//	imagecheck summary  FILE                                       summarizes connector output
//	imagecheck binary   FILE                                       checks the connector binary
//	imagecheck stats    BASE_URL                                   prints the fake API's counters
//
// Each prints key=value lines or check results on stdout and exits 1 on a failed check.
package main

import (
	"bufio"
	"bytes"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: imagecheck config|fixtures|summary|binary|stats ...")
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "config":
		err = runConfig(args, os.Stdin, os.Stdout)
	case "fixtures":
		err = runFixtures(args, os.Stdout, time.Now())
	case "summary":
		err = runSummary(args, os.Stdout)
	case "binary":
		err = runBinary(args, os.Stdout)
	case "stats":
		err = runStats(args, os.Stdout)
	default:
		err = fmt.Errorf("unknown command %q", cmd)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "imagecheck:", err)
		os.Exit(1)
	}
}

// imageConfig is the part of an OCI image config (buildah inspect's OCIv1.config) we check.
type imageConfig struct {
	User       string            `json:"User"`
	Env        []string          `json:"Env"`
	Entrypoint []string          `json:"Entrypoint"`
	Cmd        []string          `json:"Cmd"`
	WorkingDir string            `json:"WorkingDir"`
	Labels     map[string]string `json:"Labels"`
}

// runConfig checks the image config against the Airbyte conventions (reference §10).
func runConfig(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("config", flag.ContinueOnError)
	name := fs.String("name", "", "want io.airbyte.name")
	version := fs.String("version", "", "want io.airbyte.version")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var inspected struct {
		OCIv1 struct {
			Config imageConfig `json:"config"`
		} `json:"OCIv1"`
	}
	if err := json.NewDecoder(stdin).Decode(&inspected); err != nil {
		return fmt.Errorf("decode buildah inspect output: %w", err)
	}
	cfg := inspected.OCIv1.Config
	env := map[string]string{}
	for _, kv := range cfg.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	entry, hasEntry := env["AIRBYTE_ENTRYPOINT"]
	joined := strings.Join(cfg.Entrypoint, " ")
	var failed int
	check := func(ok bool, what string, got any) {
		mark := "ok  "
		if !ok {
			mark = "FAIL"
			failed++
		}
		fmt.Fprintf(stdout, "  %s %s (got %v)\n", mark, what, got)
	}
	check(hasEntry && strings.HasPrefix(entry, "/"), "AIRBYTE_ENTRYPOINT is set and absolute", strconv.Quote(entry))
	check(len(cfg.Entrypoint) > 0 && strings.HasPrefix(cfg.Entrypoint[0], "/"), "ENTRYPOINT is absolute", cfg.Entrypoint)
	check(entry == joined, "AIRBYTE_ENTRYPOINT equals ENTRYPOINT joined with spaces", strconv.Quote(joined))
	check(cfg.User == "1000:1000" || cfg.User == "1000", "USER is uid 1000 (gid 1000)", strconv.Quote(cfg.User))
	check(cfg.WorkingDir == "/airbyte", "WORKDIR is /airbyte", strconv.Quote(cfg.WorkingDir))
	check(cfg.Labels["io.airbyte.name"] == *name, "label io.airbyte.name = "+*name, strconv.Quote(cfg.Labels["io.airbyte.name"]))
	check(cfg.Labels["io.airbyte.version"] == *version, "label io.airbyte.version = "+*version+" (metadata.yaml dockerImageTag)", strconv.Quote(cfg.Labels["io.airbyte.version"]))
	if failed > 0 {
		return fmt.Errorf("%d image config checks failed", failed)
	}
	return nil
}

// runBinary checks that the connector binary is a static, stripped Go executable built with
// CGO_ENABLED=0 and -trimpath, as the Dockerfile asks.
func runBinary(args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: binary FILE")
	}
	f, err := elf.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := buildinfo.ReadFile(args[0])
	if err != nil {
		return err
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	interp := false
	for _, p := range f.Progs {
		interp = interp || p.Type == elf.PT_INTERP
	}
	libs, _ := f.ImportedLibraries()
	var failed int
	check := func(ok bool, what string, got any) {
		mark := "ok  "
		if !ok {
			mark = "FAIL"
			failed++
		}
		fmt.Fprintf(stdout, "  %s %s (got %v)\n", mark, what, got)
	}
	check(!interp && len(libs) == 0, "binary is statically linked", fmt.Sprintf("interpreter=%v libraries=%v", interp, libs))
	check(f.Section(".symtab") == nil, "binary is stripped (-s)", fmt.Sprintf("symtab=%v", f.Section(".symtab") != nil))
	check(settings["CGO_ENABLED"] == "0", "built with CGO_ENABLED=0", strconv.Quote(settings["CGO_ENABLED"]))
	check(settings["-trimpath"] == "true", "built with -trimpath", strconv.Quote(settings["-trimpath"]))
	check(settings["GOOS"] == "linux", "built for linux", info.GoVersion+" "+settings["GOOS"]+"/"+settings["GOARCH"])
	if failed > 0 {
		return fmt.Errorf("%d binary checks failed", failed)
	}
	return nil
}

// runFixtures writes the write command's input: the catalog (copied, or a one-stream catalog
// when absent) and the messages (rebased to now, or three records and a STATE when absent).
func runFixtures(args []string, stdout io.Writer, now time.Time) error {
	fs := flag.NewFlagSet("fixtures", flag.ContinueOnError)
	catalogPath := fs.String("catalog", "", "configured catalog to copy (may not exist)")
	messagesPath := fs.String("messages", "", "messages.jsonl to rebase (may not exist)")
	out := fs.String("out", "", "output directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	catalog, err := os.ReadFile(*catalogPath)
	switch {
	case errors.Is(err, os.ErrNotExist):
		catalog = []byte(`{"streams":[{"stream":{"name":"conversions","json_schema":{"type":"object"},"supported_sync_modes":["full_refresh","incremental"]},"sync_mode":"incremental","destination_sync_mode":"append"}]}` + "\n")
		fmt.Fprintf(stdout, "catalog=generated (no %s)\n", *catalogPath)
	case err != nil:
		return err
	default:
		fmt.Fprintf(stdout, "catalog=%s\n", *catalogPath)
	}
	stream, namespace, err := firstStream(catalog)
	if err != nil {
		return fmt.Errorf("%s: %w", *catalogPath, err)
	}
	messages, err := os.ReadFile(*messagesPath)
	switch {
	case errors.Is(err, os.ErrNotExist):
		messages = generateMessages(stream, namespace, now)
		fmt.Fprintf(stdout, "messages=generated (no %s): 3 records and 1 state for stream %q\n", *messagesPath, stream)
	case err != nil:
		return err
	default:
		var summary string
		messages, summary, err = rebase(messages, now)
		if err != nil {
			return fmt.Errorf("%s: %w", *messagesPath, err)
		}
		fmt.Fprintf(stdout, "messages=%s: %s\n", *messagesPath, summary)
	}
	if err := os.WriteFile(filepath.Join(*out, "catalog.json"), catalog, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(*out, "messages.jsonl"), messages, 0o644)
}

// firstStream returns the name and namespace of a configured catalog's first stream.
func firstStream(catalog []byte) (name, namespace string, err error) {
	var c struct {
		Streams []struct {
			Stream struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"stream"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(catalog, &c); err != nil {
		return "", "", fmt.Errorf("decode catalog: %w", err)
	}
	if len(c.Streams) == 0 || c.Streams[0].Stream.Name == "" {
		return "", "", errors.New("catalog has no named stream")
	}
	return c.Streams[0].Stream.Name, c.Streams[0].Stream.Namespace, nil
}

// generateMessages returns three minimal valid records and a STREAM state.
func generateMessages(stream, namespace string, now time.Time) []byte {
	var b bytes.Buffer
	ns := ""
	if namespace != "" {
		ns = fmt.Sprintf(`,"namespace":%q`, namespace)
	}
	for i := 1; i <= 3; i++ {
		ts := now.Add(-time.Duration(4-i) * time.Minute).UnixMilli()
		fmt.Fprintf(&b, `{"type":"RECORD","record":{"stream":%q%s,"emitted_at":%d,"data":{"id":"img-%d","type":"lead_created","timestamp_ms":%d,"action_source":"other","data":{"type":"customer_action"}}}}`+"\n",
			stream, ns, now.UnixMilli(), i, ts)
	}
	fmt.Fprintf(&b, `{"type":"STATE","state":{"type":"STREAM","stream":{"stream_descriptor":{"name":%q%s},"stream_state":{"cursor":"img-3"}},"sourceStats":{"recordCount":3.0},"id":1}}`+"\n", stream, ns)
	return b.Bytes()
}

// rebase shifts every record's data.timestamp_ms by one offset, so that the newest is a minute
// ago and the spacing between records is kept (a record meant to be too old stays too old), and
// sets emitted_at to now. Numbers stay numbers, digit strings stay digit strings, and RFC 3339
// strings stay RFC 3339. Other lines pass through byte for byte.
func rebase(messages []byte, now time.Time) ([]byte, string, error) {
	lines := bytes.SplitAfter(messages, []byte("\n"))
	type stamp struct {
		line int
		ms   int64
		kind string // "number", "digits" or "rfc3339"
	}
	var stamps []stamp
	parsed := make([]map[string]json.RawMessage, len(lines))
	records := make([]map[string]json.RawMessage, len(lines))
	datas := make([]map[string]json.RawMessage, len(lines))
	for i, line := range lines {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var msg map[string]json.RawMessage
		if err := json.Unmarshal(line, &msg); err != nil {
			return nil, "", fmt.Errorf("line %d: %w", i+1, err)
		}
		if string(msg["type"]) != `"RECORD"` {
			continue
		}
		var rec, data map[string]json.RawMessage
		if err := json.Unmarshal(msg["record"], &rec); err != nil {
			return nil, "", fmt.Errorf("line %d: record: %w", i+1, err)
		}
		parsed[i], records[i] = msg, rec
		if json.Unmarshal(rec["data"], &data) != nil || data["timestamp_ms"] == nil {
			continue
		}
		datas[i] = data
		if ms, kind, ok := readStamp(data["timestamp_ms"]); ok {
			stamps = append(stamps, stamp{line: i, ms: ms, kind: kind})
		}
	}
	var newest int64
	for _, s := range stamps {
		newest = max(newest, s.ms)
	}
	offset := now.Add(-time.Minute).UnixMilli() - newest
	for _, s := range stamps {
		datas[s.line]["timestamp_ms"] = writeStamp(s.ms+offset, s.kind)
	}
	var out bytes.Buffer
	nRecords := 0
	for i, line := range lines {
		if records[i] == nil {
			out.Write(line)
			continue
		}
		nRecords++
		if datas[i] != nil {
			records[i]["data"] = mustJSON(datas[i])
		}
		records[i]["emitted_at"] = json.RawMessage(strconv.FormatInt(now.UnixMilli(), 10))
		parsed[i]["record"] = mustJSON(records[i])
		out.Write(mustJSON(parsed[i]))
		out.WriteByte('\n')
	}
	summary := fmt.Sprintf("%d records, %d timestamps rebased by %s", nRecords, len(stamps), time.Duration(offset)*time.Millisecond)
	return out.Bytes(), summary, nil
}

func readStamp(raw json.RawMessage) (int64, string, bool) {
	if ms, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return ms, "number", true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return 0, "", false
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return ms, "digits", true
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UnixMilli(), "rfc3339", true
	}
	return 0, "", false
}

func writeStamp(ms int64, kind string) json.RawMessage {
	switch kind {
	case "digits":
		return mustJSON(strconv.FormatInt(ms, 10))
	case "rfc3339":
		return mustJSON(time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z07:00"))
	default:
		return json.RawMessage(strconv.FormatInt(ms, 10))
	}
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// runSummary checks that every line of a connector's stdout is a JSON object with a string
// "type", and prints key=value facts about it for the script to test.
func runSummary(args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: summary FILE")
	}
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	counts := map[string]int{}
	facts := map[string]string{}
	set := func(k, v string) {
		if _, ok := facts[k]; !ok {
			facts[k] = strings.ReplaceAll(v, "\n", " ")
		}
	}
	r := bufio.NewReader(f)
	var bad []string
	n := 0
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			n++
			var msg struct {
				Type             string `json:"type"`
				ConnectionStatus *struct {
					Status  string `json:"status"`
					Message string `json:"message"`
				} `json:"connectionStatus"`
				Trace *struct {
					Type  string `json:"type"`
					Error *struct {
						Message     string `json:"message"`
						FailureType string `json:"failure_type"`
					} `json:"error"`
				} `json:"trace"`
			}
			if err := json.Unmarshal(line, &msg); err != nil || msg.Type == "" {
				bad = append(bad, fmt.Sprintf("line %d is not a JSON message with a type: %.120q", n, line))
			} else {
				counts[msg.Type]++
				set("first", msg.Type)
				if msg.ConnectionStatus != nil {
					set("status", msg.ConnectionStatus.Status)
					set("status_message", msg.ConnectionStatus.Message)
				}
				if msg.Trace != nil && msg.Trace.Type == "ERROR" && msg.Trace.Error != nil {
					counts["TRACE_ERROR"]++
					set("error", msg.Trace.Error.Message)
					set("error_failure_type", msg.Trace.Error.FailureType)
				}
			}
		}
		if err == io.EOF {
			facts["lines"] = strconv.Itoa(n)
			break
		}
		if err != nil {
			return err
		}
	}
	for t, c := range counts {
		facts["count_"+t] = strconv.Itoa(c)
	}
	keys := make([]string, 0, len(facts))
	for k := range facts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(stdout, "%s=%s\n", k, facts[k])
	}
	if len(bad) > 0 {
		return errors.New(strings.Join(bad, "; "))
	}
	return nil
}

// runStats prints the fake API's counters as key=value lines.
func runStats(args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: stats BASE_URL")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(args[0], "/")+"/_fake/stats", nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /_fake/stats: %s", resp.Status)
	}
	var stats map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil {
		return fmt.Errorf("decode stats: %w", err)
	}
	keys := make([]string, 0, len(stats))
	for k := range stats {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b, _ := json.Marshal(stats[k])
		fmt.Fprintf(stdout, "%s=%s\n", k, b)
	}
	return nil
}
