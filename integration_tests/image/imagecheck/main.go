// Command imagecheck holds the JSON work of check-image.sh, so that the script needs neither jq
// nor python. The script builds it once with `go build -o X ./integration_tests/image/imagecheck`.
//
//	imagecheck config   -name N -version V < inspect.json   checks the image config (buildah inspect)
//	imagecheck fixtures -url URL -out DIR                          writes the fixtures pointed at the fake
//	imagecheck summary  FILE                                       summarizes connector output
//	imagecheck binary   FILE                                       checks the connector binary
//	imagecheck stats    BASE_URL                                   prints the fake API's counters
//
// Each prints key=value lines or check results on stdout and exits 1 on a failed check.
package main

import (
	"bufio"
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

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fixtures"
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
	c := checklist{out: stdout}
	check := c.check
	check(hasEntry && strings.HasPrefix(entry, "/"), "AIRBYTE_ENTRYPOINT is set and absolute", strconv.Quote(entry))
	check(len(cfg.Entrypoint) > 0 && strings.HasPrefix(cfg.Entrypoint[0], "/"), "ENTRYPOINT is absolute", cfg.Entrypoint)
	check(entry == joined, "AIRBYTE_ENTRYPOINT equals ENTRYPOINT joined with spaces", strconv.Quote(joined))
	check(cfg.User == "1000:1000" || cfg.User == "1000", "USER is uid 1000 (gid 1000)", strconv.Quote(cfg.User))
	check(cfg.WorkingDir == "/airbyte", "WORKDIR is /airbyte", strconv.Quote(cfg.WorkingDir))
	check(cfg.Labels["io.airbyte.name"] == *name, "label io.airbyte.name = "+*name, strconv.Quote(cfg.Labels["io.airbyte.name"]))
	check(cfg.Labels["io.airbyte.version"] == *version, "label io.airbyte.version = "+*version+" (metadata.yaml dockerImageTag)", strconv.Quote(cfg.Labels["io.airbyte.version"]))
	return c.err("image config")
}

// checklist prints one line per check, ok or FAIL, and counts the failures.
type checklist struct {
	out    io.Writer
	failed int
}

func (c *checklist) check(ok bool, what string, got any) {
	mark := "ok  "
	if !ok {
		mark = "FAIL"
		c.failed++
	}
	fmt.Fprintf(c.out, "  %s %s (got %v)\n", mark, what, got)
}

// err says how many checks of what failed, or is nil when none did.
func (c *checklist) err(what string) error {
	if c.failed > 0 {
		return fmt.Errorf("%d %s checks failed", c.failed, what)
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
	c := checklist{out: stdout}
	check := c.check
	check(!interp && len(libs) == 0, "binary is statically linked", fmt.Sprintf("interpreter=%v libraries=%v", interp, libs))
	check(f.Section(".symtab") == nil, "binary is stripped (-s)", fmt.Sprintf("symtab=%v", f.Section(".symtab") != nil))
	check(settings["CGO_ENABLED"] == "0", "built with CGO_ENABLED=0", strconv.Quote(settings["CGO_ENABLED"]))
	check(settings["-trimpath"] == "true", "built with -trimpath", strconv.Quote(settings["-trimpath"]))
	check(settings["GOOS"] == "linux", "built for linux", info.GoVersion+" "+settings["GOOS"]+"/"+settings["GOARCH"])
	return c.err("binary")
}

// runFixtures writes the write command's input from the repository's fixtures: the
// configured catalog, messages.jsonl rebased to now, and two configs pointing at the fake API
// (sample_config.json as is, and with a key the fake does not know).
func runFixtures(args []string, stdout io.Writer, now time.Time) error {
	fs := flag.NewFlagSet("fixtures", flag.ContinueOnError)
	url := fs.String("url", "", "base URL of the fake API")
	out := fs.String("out", "", "output directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	catalog, err := os.ReadFile(fixtures.Path(fixtures.CatalogFile))
	if err != nil {
		return err
	}
	messages, err := fixtures.Messages(now)
	if err != nil {
		return err
	}
	overrides := map[string]any{"request_timeout_seconds": 10, "max_retry_seconds": 30}
	cfg, err := fixtures.Config(*url, overrides)
	if err != nil {
		return err
	}
	overrides["api_key"] = "sk-not-a-known-key-0123456789" // plausible (long enough), but unknown to the fake
	badCfg, err := fixtures.Config(*url, overrides)
	if err != nil {
		return err
	}
	files := map[string][]byte{"catalog.json": catalog, "messages.jsonl": messages, "cfg.json": cfg, "bad-cfg.json": badCfg}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(*out, name), data, 0o600); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "fixtures: %s, %s rebased to now, %s pointed at the fake\n", fixtures.CatalogFile, fixtures.MessagesFile, fixtures.SampleConfigFile)
	return nil
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
