package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRejectPctRefusesThatShareHalfByUsHalfByTheAPI(t *testing.T) {
	tests := []struct {
		name                string
		pct                 string
		wantOurs, wantByAPI int
	}{
		{"none", "0", 0, 0},
		{"five percent", "5", 100, 100},
		{"a fraction of a percent", "0.4", 8, 8},
		{"all", "100", 2000, 2000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			in, poison := filepath.Join(dir, "in.jsonl"), filepath.Join(dir, "poison.txt")
			var stdout bytes.Buffer
			require.NoError(t, run(t.Context(), []string{"-n", "4000", "-reject-pct", tt.pct, "-poison-out", poison, "-out", in},
				&stdout, io.Discard, time.Now()))
			data, err := os.ReadFile(in)
			require.NoError(t, err)
			ours := bytes.Count(data, []byte(`"opt_out":"yes"`)) + bytes.Count(data, []byte(`"type":"contents","amount":"`))
			assert.Equal(t, tt.wantOurs, ours, "records that break the connector's rules")
			ids, err := os.ReadFile(poison)
			require.NoError(t, err)
			poisoned := strings.Fields(string(ids))
			assert.Len(t, poisoned, tt.wantByAPI, "ids for the fake API to refuse")
			for _, id := range poisoned {
				assert.Contains(t, string(data), `"data":{"id":"`+id+`"`, "a poisoned id is a record's")
			}
			assert.Contains(t, stdout.String(), "records=4000 ")
			assert.Contains(t, stdout.String(), " refused_api="+strconv.Itoa(tt.wantByAPI))
		})
	}
}

func TestRejectPctNeedsAPoisonFile(t *testing.T) {
	err := run(t.Context(), []string{"-n", "10", "-reject-pct", "5", "-out", filepath.Join(t.TempDir(), "in.jsonl")}, io.Discard, io.Discard, time.Now())
	assert.ErrorContains(t, err, "-poison-out")
}
