package destination

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/checkpoint"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// route is where one configured stream's records go.
type route struct {
	id         checkpoint.StreamID
	descriptor protocol.StreamDescriptor
	name       string // descriptor.String(), computed once
	pixel      string
}

// routes maps the catalog's streams to pixels.
type routes struct {
	byKey []route // indexed by StreamID
	index map[protocol.StreamDescriptor]checkpoint.StreamID
}

// lookup finds the route of a record's stream.
func (r *routes) lookup(namespace, name string) (*route, bool) {
	id, ok := r.index[protocol.StreamDescriptor{Name: name, Namespace: namespace}]
	if !ok {
		return nil, false
	}
	return &r.byKey[id], true
}

// loadCatalog reads the configured catalog file.
func loadCatalog(path string) (*protocol.ConfiguredCatalog, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the catalog file %s: %w", path, errors.Unwrap(err))
	}
	var c protocol.ConfiguredCatalog
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("the catalog file is not a configured catalog: %w", protocol.DescribeJSONError(err))
	}
	return &c, nil
}

// resolveRoutes gives each configured stream its pixel: the stream's destination_object_name
// (data activation), else its stream_pixels entry, else default_pixel_id. It refuses sync
// modes an events API cannot honour and names every stream that has no pixel.
func resolveRoutes(cfg *Config, catalog *protocol.ConfiguredCatalog) (*routes, error) {
	if len(catalog.Streams) == 0 {
		return nil, errors.New("the configured catalog names no stream, so there is nothing to write")
	}
	r := &routes{index: map[protocol.StreamDescriptor]checkpoint.StreamID{}}
	var noPixel, badMode []string
	for _, s := range catalog.Streams {
		d := s.Stream.Descriptor()
		switch s.DestinationSyncMode {
		case protocol.SyncAppend, protocol.SyncAppendDedup, "":
		case protocol.SyncOverwrite:
			badMode = append(badMode, fmt.Sprintf("stream %q uses overwrite, which an events API cannot honour: conversions sent earlier cannot be deleted. Use append or append_dedup", d.String()))
			continue
		default:
			badMode = append(badMode, fmt.Sprintf("stream %q uses sync mode %q; this destination supports append and append_dedup", d.String(), s.DestinationSyncMode))
			continue
		}
		pixel := pixelFor(cfg, s)
		if pixel == "" {
			noPixel = append(noPixel, d.String())
			continue
		}
		if _, dup := r.index[d]; dup {
			badMode = append(badMode, fmt.Sprintf("stream %q is listed twice in the catalog", d.String()))
			continue
		}
		id := checkpoint.StreamID(len(r.byKey))
		r.byKey = append(r.byKey, route{id: id, descriptor: d, name: d.String(), pixel: pixel})
		r.index[d] = id
	}
	var problems []string
	problems = append(problems, badMode...)
	if len(noPixel) > 0 {
		sort.Strings(noPixel)
		problems = append(problems, fmt.Sprintf("no pixel for stream(s) %s: set a Default Pixel ID, add the stream under Pixel per stream, or choose a pixel for it in the connection. %s",
			quoteAll(noPixel), advicePixel))
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return r, nil
}

// pixelFor picks one stream's pixel.
func pixelFor(cfg *Config, s protocol.ConfiguredStream) string {
	if p := strings.TrimSpace(s.DestinationObjectName); p != "" {
		return p
	}
	var anyNamespace string
	for _, sp := range cfg.StreamPixels {
		if sp.StreamName != s.Stream.Name {
			continue
		}
		if sp.StreamNamespace == s.Stream.Namespace {
			return sp.PixelID
		}
		if sp.StreamNamespace == "" && anyNamespace == "" {
			anyNamespace = sp.PixelID
		}
	}
	if anyNamespace != "" {
		return anyNamespace
	}
	return cfg.DefaultPixelID
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
