package audit

import (
	"encoding/base64"
	"testing"
)

// What the package documentation says stays out of reach is not flagged:
// if one of these starts being found, move it to the labelled cases and
// the documentation with it.
func TestOutOfReach(t *testing.T) {
	for _, c := range []struct{ label, name, value string }{
		{"word-like password", "UPSTREAM", "Summer2024!"},
		{"short generated password", "UPSTREAM", "aB3$dE6&gH9*"},
		{"generated password with words", "UPSTREAM", "Xq7!correct#horse%9Zbattery"},
		{"128-bit key in hex", "CIPHER", fakeHexKey[:32]},
		{"base64 without the Basic scheme", "UPSTREAM_AUTH", base64.StdEncoding.EncodeToString([]byte("app:example-pw"))},
		{"hex key under a digest's name", "BUILD_DIGEST", fakeHexKey},
		{"base64 of JSON with a password", "CONFIG_B64", base64.StdEncoding.EncodeToString([]byte(`{"password":"example-pw"}`))},
		{"URL-encoded JSON", "CONFIG", "%7B%22password%22%3A%22example-pw%22%7D"},
		{"YAML in a variable", "CONFIG", "db:\n  password: example-pw\n"},
	} {
		if got := classify(c.name, c.value); got != nil {
			t.Errorf("%s: flagged %q; the documentation says it is out of reach", c.label, got)
		}
	}
	doc := `{"family": "orders", "containerDefinitions": [{"name": "app",
		"command": ["-p", "example-password", "serve", "example-password"],
		"logConfiguration": {"logDriver": "splunk", "options": {"splunk-token": "example-token-1"}},
		"dockerLabels": {"DB_PASSWORD": "example-password"},
		"healthCheck": {"command": ["CMD-SHELL", "curl -u app:example-pw http://localhost/health"]}}]}`
	r, err := Scan("td.json", []byte(doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range r.Findings {
		t.Errorf("%s flagged: %v; the documentation says it is out of reach", f.Location, f.Reasons)
	}
}
