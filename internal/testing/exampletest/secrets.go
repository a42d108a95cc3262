package exampletest

import (
	"strings"
	"testing"
)

// NoSecrets fails t if text contains any of values. The failure names what
// held the value and its length, never the value.
func NoSecrets(t testing.TB, what, text string, values ...string) {
	t.Helper()
	for i, v := range values {
		if v != "" && strings.Contains(text, v) {
			t.Errorf("%s contains secret #%d (a %d-byte value)", what, i+1, len(v))
		}
	}
}

// Redact returns text with each of values replaced by [SECRET], so that
// output can be logged when a test fails.
func Redact(text string, values ...string) string {
	for _, v := range values {
		if v != "" {
			text = strings.ReplaceAll(text, v, "[SECRET]")
		}
	}
	return text
}
