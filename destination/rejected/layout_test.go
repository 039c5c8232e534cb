package rejected

import (
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestObjectKeysExpandTheToolkitVariables(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 89e6, time.UTC)
	p := partName{namespace: "shop", stream: "orders", number: 3, time: at}
	base := layout{prefix: "rejected", pathFormat: DefaultPathFormat, fileFormat: DefaultFileNameFormat, extension: "csv.gz", syncID: "20260304T050000.000Z"}
	tests := []struct {
		name   string
		change func(*layout)
		part   partName
		want   string
	}{
		{"the defaults", nil, p, "rejected/20260304T050000.000Z/shop/orders/2026_03_04_1772600767089_3.csv.gz"},
		{"no namespace leaves no empty segment", nil, partName{stream: "orders", number: 0, time: at}, "rejected/20260304T050000.000Z/orders/2026_03_04_1772600767089_0.csv.gz"},
		{"no prefix, slashes around it", func(l *layout) { l.prefix = "/" }, p, "20260304T050000.000Z/shop/orders/2026_03_04_1772600767089_3.csv.gz"},
		{"time parts, two digits", func(l *layout) { l.pathFormat = "{year}/{month}/{day}/{hour}{minute}{second}.{millisecond}" }, p, "rejected/2026/03/04/050607.0089/2026_03_04_1772600767089_3.csv.gz"},
		{"the older ${NAME} form", func(l *layout) { l.pathFormat = "${NAMESPACE}/${STREAM_NAME}/${EPOCH}" }, p, "rejected/shop/orders/1772600767089/2026_03_04_1772600767089_3.csv.gz"},
		{"a date pattern", func(l *layout) { l.fileFormat = "{date:yyyy_MM}-{part_number}{format_extension}" }, p, "rejected/20260304T050000.000Z/shop/orders/2026_03-3.csv.gz"},
		{"text that is no variable stays", func(l *layout) { l.fileFormat = "part-{part_number}-{x}" }, p, "rejected/20260304T050000.000Z/shop/orders/part-3-{x}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := base
			if tt.change != nil {
				tt.change(&l)
			}
			assert.Equal(t, tt.want, l.key(tt.part))
		})
	}
	t.Run("uuid", func(t *testing.T) {
		l := base
		l.fileFormat = "{uuid}"
		assert.Regexp(t, regexp.MustCompile(`/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`), l.key(p))
	})
}

func TestCheckFormatRefusesUnknownVariables(t *testing.T) {
	tests := []struct {
		format string
		ok     bool
	}{
		{DefaultPathFormat, true},
		{DefaultFileNameFormat, true},
		{"${NAMESPACE}/${STREAM_NAME}/", true},
		{"{date:yyyy_MM}", true},
		{"{stream}/", false},
		{"{namespace", false},
		{"${STREAM}", false},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			err := CheckFormat(tt.format)
			assert.Equal(t, tt.ok, err == nil, "got %v", err)
		})
	}
}
