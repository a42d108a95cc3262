// Package deepdump dumps a value as a reflective printer does — go-spew
// with methods disabled: every field, exported or not, behind every
// pointer, down to the buffers of a connection — and tells whether the
// dump shows a secret, as text or inside the hex dumps spew makes of byte
// slices.
package deepdump

import (
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"

	"github.com/davecgh/go-spew/spew"
)

var config = spew.ConfigState{Indent: " ", DisableMethods: true, DisablePointerMethods: true, SortKeys: true}

// Dump returns go-spew's dump of x with methods disabled.
func Dump(x any) string { return config.Sdump(x) }

// hexLine is a line of a spew hex dump: an offset, up to 16 bytes in hex,
// and the bytes as text between bars.
var hexLine = regexp.MustCompile(`^\s*[0-9a-f]{8}  ((?:[0-9a-f]{2}  ?)+)\s*\|`)

// Shows reports whether dump shows secret: as it is, quoted as spew quotes
// strings, or in the bytes of a hex dump, whose lines split it.
func Shows(dump, secret string) bool {
	q := strconv.Quote(secret)
	if strings.Contains(dump, secret) || strings.Contains(dump, q[1:len(q)-1]) {
		return true
	}
	for _, b := range hexDumps(dump) {
		if strings.Contains(b, secret) {
			return true
		}
	}
	return false
}

// hexDumps returns the bytes of each hex dump in dump.
func hexDumps(dump string) []string {
	var out []string
	var cur []byte
	for _, line := range strings.Split(dump, "\n") {
		m := hexLine.FindStringSubmatch(line)
		if m == nil {
			if cur != nil {
				out = append(out, string(cur))
				cur = nil
			}
			continue
		}
		b, err := hex.DecodeString(strings.ReplaceAll(m[1], " ", ""))
		if err == nil {
			cur = append(cur, b...)
		}
	}
	if cur != nil {
		out = append(out, string(cur))
	}
	return out
}

// transportType matches HTTP transport state in a dump, a pointer that is
// not nil or a value: a response or request (whose body reads from a
// connection) and the connection's buffers.
var transportType = regexp.MustCompile(`\(\*?(http\.Response|http\.Request|http\.persistConn|bufio\.Reader|bufio\.Writer)\)(\(0x| \{)`)

// Transport returns the first type of HTTP transport state that dump
// holds, "" when it holds none.
func Transport(dump string) string {
	if m := transportType.FindStringSubmatch(dump); m != nil {
		return m[1]
	}
	return ""
}
