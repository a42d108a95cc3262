package deepdump

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestShows(t *testing.T) {
	const secret = `pw-"quoted"-and-longer-than-one-hex-dump-line`
	type holder struct {
		s   string
		b   []byte
		ptr *[]byte
	}
	buf := []byte("header\x00" + secret + "\x00trailer")
	for _, tc := range []struct {
		name string
		x    any
		want bool
	}{
		{"string field", holder{s: secret}, true},
		{"byte slice across hex dump lines", holder{b: buf}, true},
		{"behind a pointer", holder{ptr: &buf}, true},
		{"elsewhere", holder{s: "other", b: []byte(strings.Repeat("x", 100))}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Shows(Dump(tc.x), secret); got != tc.want {
				t.Errorf("Shows = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTransport(t *testing.T) {
	type holder struct {
		resp *http.Response
		err  error
	}
	if got := Transport(Dump(holder{resp: &http.Response{StatusCode: 200}})); got != "http.Response" {
		t.Errorf("Transport of a response = %q", got)
	}
	if got := Transport(Dump(holder{err: errors.New("(*http.Request) failed")})); got != "" {
		t.Errorf("Transport of a nil response and a message naming a type = %q, want none", got)
	}
	if got := Transport(Dump(http.Request{Method: "GET"})); got != "http.Request" {
		t.Errorf("Transport of a request value = %q", got)
	}
}
