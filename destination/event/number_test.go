package event

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestShiftedInteger(t *testing.T) {
	for _, tc := range []struct {
		n     string
		shift int
		want  string
		ok    bool
	}{
		{"12999", 0, "12999", true},
		{"12999.0", 0, "12999", true},
		{"1.2999e4", 0, "12999", true},
		{"1.7738928e12", 0, "1773892800000", true},
		{"1773892800000.000", 0, "1773892800000", true},
		{"17738928E+5", 0, "1773892800000", true},
		{"0.0", 0, "0", true},
		{"-0", 0, "0", true},
		{"-12", 0, "-12", true},
		{"1200e-2", 0, "12", true},
		{"129.99", 0, "", false},
		{"129.99", 2, "12999", true},
		{"12.345", 3, "12345", true},
		{"1500.5", 0, "", false},
		{"1e-7", 0, "", false},
		{"123456789012345678901234567890", 0, "123456789012345678901234567890", true},
		{"1e39", 0, "1" + "000000000000000000000000000000000000000", true},
		{"1e40", 0, "", false},
		{"1e999999999999999999999", 0, "", false},
		{"0e999999999999999999999", 0, "0", true},
		{"", 0, "", false},
	} {
		got, ok := shiftedInteger(tc.n, tc.shift)
		assert.Equal(t, tc.ok, ok, "%s×10^%d", tc.n, tc.shift)
		assert.Equal(t, tc.want, got, "%s×10^%d", tc.n, tc.shift)
	}
}
