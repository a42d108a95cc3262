package secrets

import (
	"crypto/subtle"
	"fmt"
	"log/slog"
	"time"

	"github.com/secretref/secretref/providers"
)

// Redacted is what a Value prints, logs and marshals as.
const Redacted = "[REDACTED]"

// Value is a secret's value. It never shows its contents by accident:
// printing it with any fmt verb, logging it with log/slog, marshalling it
// as text, JSON, XML or gob, or dumping and diffing it by reflection
// (go-spew, go-cmp, testify, kr/pretty) gives [Redacted] or an address.
// Read the contents on purpose with Reveal, Bytes or Decode.
//
// Compare Values with Equal, which go-cmp calls. reflect.DeepEqual, and so
// testify's assert.Equal, finds two Values equal only when they come from
// one fetch (cache hits of one version do): it cannot see the contents.
//
// The zero Value is empty. A Value is immutable and safe for concurrent use.
type Value struct {
	// p is a pointer so that fmt, which prints the fields of a struct it
	// cannot call methods on (an unexported field), shows an address.
	p *payload
}

type payload struct {
	// reveal returns the secret. The secret is a variable the function
	// captured, where no reflection reaches: printers that read fields,
	// unexported ones too (go-spew, go-cmp's Exporter, kr/pretty), follow
	// every pointer and print every string and byte slice, but show a
	// function as its address. Calling it does not allocate.
	reveal  func() string
	version string
	binary  bool
	created time.Time
}

func newValue(b []byte, version string, binary bool) Value {
	return valueOf(string(b), version, binary)
}

// resultValue returns the Value of what a provider fetched.
func resultValue(r *providers.Result) Value {
	v := newValue(r.Value, r.Version, r.Binary)
	v.p.created = r.Created
	return v
}

// valueOf returns a Value holding s.
func valueOf(s, version string, binary bool) Value {
	return Value{&payload{reveal: func() string { return s }, version: version, binary: binary}}
}

// Reveal returns the secret as a string. Do not log it.
func (v Value) Reveal() string {
	if v.p == nil {
		return ""
	}
	return v.p.reveal()
}

// Bytes returns a copy of the secret's bytes. Do not log them.
func (v Value) Bytes() []byte {
	return []byte(v.Reveal())
}

// Len returns the length of the secret in bytes.
func (v Value) Len() int { return len(v.Reveal()) }

// Version returns the version of the secret this value came from: a Secrets
// Manager VersionId, a Parameter Store version number, or "" for a backend
// without versions.
func (v Value) Version() string {
	if v.p == nil {
		return ""
	}
	return v.p.version
}

// Created returns when the version this value came from was made (Secrets
// Manager CreatedDate, Parameter Store LastModifiedDate), or the zero time
// when the backend does not say.
func (v Value) Created() time.Time {
	if v.p == nil {
		return time.Time{}
	}
	return v.p.created
}

// IsBinary reports whether the backend stored the value as binary (Secrets
// Manager SecretBinary).
func (v Value) IsBinary() bool { return v.p != nil && v.p.binary }

// Equal reports whether v and w hold the same secret, in time that depends
// only on their lengths.
func (v Value) Equal(w Value) bool {
	return subtle.ConstantTimeCompare([]byte(v.Reveal()), []byte(w.Reveal())) == 1
}

// String returns [Redacted].
func (v Value) String() string { return Redacted }

// GoString returns [Redacted].
func (v Value) GoString() string { return Redacted }

// Format writes [Redacted] for every verb and flag.
func (v Value) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(Redacted)) }

// LogValue makes log/slog log [Redacted].
func (v Value) LogValue() slog.Value { return slog.StringValue(Redacted) }

// MarshalText returns [Redacted]; encoding/xml and other text encoders use it.
func (v Value) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// MarshalJSON returns [Redacted] as a JSON string.
func (v Value) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// GobEncode returns [Redacted].
func (v Value) GobEncode() ([]byte, error) { return []byte(Redacted), nil }
