package secrets_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/secretref/secretref/internal/testing/kumotest"
	"github.com/secretref/secretref/secrets"
)

// smARN is the partial ARN of the JSON secret the bad-input backend holds.
var smARN = kumotest.SecretARN("bad/json")

func TestMalformedReferenceIsInvalidReference(t *testing.T) {
	b := startBadInputBackend(t)
	b.checkEachRefused(t, b.client(t), secrets.ErrInvalidReference, []namedRef{
		{"empty reference", ""},
		{"leading space", " sm:bad/json"},
		{"trailing newline", "sm:bad/json\n"},
		{"NUL inside", "sm:bad\x00json"},
		{"invalid UTF-8", "sm:bad/\xff\xfe"},
		{"unknown scheme", "vault:bad/json"},
		{"empty secret name", "sm:"},
		{"empty key", "sm:bad/json#"},
		{"space in a secret name", "sm:bad json"},
		{"secret name too long", "sm:" + strings.Repeat("n", 513)},
		{"reference too long", "file:/" + strings.Repeat("f", 5000)},
		{"stage and version id", "sm:bad/json?stage=AWSCURRENT&version-id=v1"},
		{"parameter given twice", "sm:bad/json?stage=A&stage=B"},
		{"decrypt on a secret", "sm:bad/json?decrypt=false"},
		{"stage on a parameter", "ssm:/bad/text?stage=AWSCURRENT"},
		{"bad version id", "sm:bad/json?version-id=has/slash"},
		{"ARN with a short account", "arn:aws:secretsmanager:us-east-1:12345:secret:bad/json"},
		{"ARN with a malformed region", "arn:aws:secretsmanager:moon:" + kumotest.Account + ":secret:bad/json"},
		{"ARN of another service", "arn:aws:s3:::bucket/key"},
		{"ARN with two valueFrom fields", smARN + ":password:AWSCURRENT"},
		{"key in the ARN and after #", smARN + ":password::#username"},
		{"parameter path with an empty level", "/bad//text"},
		{"parameter path ending in /", "/bad/text/"},
		{"parameter path too deep", strings.Repeat("/d", 16)},
		{"parameter name with a secret's character", "/bad/te+xt"},
		{"parameter version zero", "/bad/text:0"},
		{"parameter label starting with a digit", "/bad/text:1abc"},
		{"decrypt=false on a passthrough", "/aws/reference/secretsmanager/bad/json?decrypt=false"},
		{"environment variable name", "env:1BAD"},
	})
}

// A #key selects a field of a JSON object: on any other value it is
// ErrInvalidValue, and a field the object lacks is ErrKeyNotFound.
func TestKeyTheValueLacks(t *testing.T) {
	b := startBadInputBackend(t)
	kc := b.client(t)
	mc := emptySecretClient(t)
	for _, tc := range []struct {
		name string
		c    *secrets.Client
		ref  string
		want error
	}{
		{"on a binary secret", kc, "sm:bad/binary#password", secrets.ErrInvalidValue},
		{"on a text secret", kc, "sm:bad/text#password", secrets.ErrInvalidValue},
		{"on a text parameter", kc, "/bad/text#password", secrets.ErrInvalidValue},
		{"on a JSON array", kc, "sm:bad/array#0", secrets.ErrInvalidValue},
		{"on a JSON string", kc, "sm:bad/string#password", secrets.ErrInvalidValue},
		{"on JSON null", kc, "sm:bad/null#password", secrets.ErrInvalidValue},
		{"on an empty secret", mc, "sm:empty#password", secrets.ErrInvalidValue},
		{"missing", kc, "sm:bad/json#passwd", secrets.ErrKeyNotFound},
		{"differing in case", kc, "sm:bad/json#Password", secrets.ErrKeyNotFound},
		{"in an ARN's valueFrom, missing", kc, smARN + ":passwd::", secrets.ErrKeyNotFound},
		{"with '#' and '?' in it", kc, "sm:bad/json#pass#word?", secrets.ErrKeyNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.checkRefused(t, get(t, tc.c, tc.ref), refusal{class: tc.want, ref: tc.ref})
		})
	}
}

// A field that is not a non-empty string is still read: null and objects
// as their JSON text, an empty string as no bytes; keys need not be ASCII.
func TestKeyOfUnusualField(t *testing.T) {
	c := startBadInputBackend(t).client(t)
	for _, tc := range []struct {
		name, ref string
		want      []byte
	}{
		{"null field", "sm:bad/json#nullfield", []byte("null")},
		{"empty field", "sm:bad/json#empty", []byte{}},
		{"object field", "sm:bad/json#nested", []byte(`{"a":[1,2]}`)},
		{"key that is not ASCII", "sm:bad/json#pässwörd", []byte("ünïcode-Xx7")},
	} {
		t.Run(tc.name, func(t *testing.T) { checkValue(t, get(t, c, tc.ref), tc.want, false) })
	}
}

// Values at the edges of what the services store are read whole: empty,
// at the size limits, and binary that is not UTF-8.
func TestValueAtServiceLimits(t *testing.T) {
	b := startBadInputBackend(t)
	bc := b.retryingClient(t)
	for _, tc := range []struct {
		name   string
		c      *secrets.Client
		ref    string
		want   []byte
		binary bool
	}{
		{"empty secret", emptySecretClient(t), "sm:empty", []byte{}, false},
		{"64 KiB secret", bc, "sm:bad/big", []byte(b.bigSecret), false},
		{"field of a 64 KiB JSON secret", bc, "sm:bad/bigjson#blob", []byte(b.bigField), false},
		{"8 KiB advanced-tier parameter", bc, "/bad/big", []byte(b.bigParam), false},
		{"non-UTF-8 binary secret", b.client(t), "sm:bad/binary", badBinary, true},
	} {
		t.Run(tc.name, func(t *testing.T) { checkValue(t, get(t, tc.c, tc.ref), tc.want, tc.binary) })
	}
}

func TestNameWithEveryAllowedCharacter(t *testing.T) {
	c := startBadInputBackend(t).client(t)
	for _, tc := range []struct{ name, ref, want string }{
		{"secret name", "sm:" + everySecretChar, "every-secret-char"},
		{"bare secret name", everySecretChar, "every-secret-char"},
		{"ARN of a secret", kumotest.SecretARN(everySecretChar), "every-secret-char"},
		{"parameter path", everyParamChar, "every-param-char"},
		{"flat parameter name", "ssm:" + everyFlatParam, "every-flat-param-char"},
	} {
		t.Run(tc.name, func(t *testing.T) { checkValue(t, get(t, c, tc.ref), []byte(tc.want), false) })
	}
}

func TestAbsentSecretIsNotFound(t *testing.T) {
	b := startBadInputBackend(t)
	b.checkEachRefused(t, b.client(t), secrets.ErrNotFound, []namedRef{
		{"secret", "sm:bad/none"},
		{"parameter", "/bad/none"},
		{"version", "sm:bad/json?version-id=00000000-0000-0000-0000-000000000000"},
	})
}

func TestRegionThatDoesNotExistIsUnavailable(t *testing.T) {
	b := startBadInputBackend(t)
	nowhereARN := "arn:aws:secretsmanager:xx-nowhere-9:" + kumotest.Account + ":secret:bad/json"
	b.checkEachRefused(t, b.nowhereClient(t), secrets.ErrUnavailable, []namedRef{
		{"whole secret", nowhereARN},
		{"#key", nowhereARN + ":password::"},
	})
}

// A read that must wait for a fetch ends with the context, and a cached
// value needs no waiting.
func TestEndedContext(t *testing.T) {
	b := startBadInputBackend(t)
	c := b.client(t)
	if _, err := c.Get(context.Background(), "sm:bad/json#username"); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	t.Cleanup(cancel)
	for _, tc := range []struct {
		name string
		ctx  context.Context
		ref  string
		want error // nil: the cached value, "app"
	}{
		// References read nowhere else in this test, so that nothing is
		// cached for them.
		{"cancelled", cancelled, kumotest.SecretARN("bad/text"), context.Canceled},
		{"deadline passed", expired, kumotest.SecretARN("bad/null"), context.DeadlineExceeded},
		{"cancelled, cached value", cancelled, "sm:bad/json#username", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := callOpWith(t, tc.ctx, c, opGet, tc.ref)
			if tc.want == nil {
				checkValue(t, got, []byte("app"), false)
				return
			}
			b.checkRefused(t, got, refusal{class: tc.want, ref: tc.ref})
		})
	}
}

func TestNilContextIsInvalidArgument(t *testing.T) {
	b := startBadInputBackend(t)
	var noContext context.Context
	b.checkEachOpRefused(t, b.client(t), noContext, secrets.ErrInvalidArgument, []opCase{
		{"Get", opGet, "sm:bad/json", false},
		{"Get, malformed reference", opGet, "sm:", false},
		{"Refresh", opRefresh, "sm:bad/json", false},
		{"GetMany", opGetMany, "sm:bad/json", true}, // its error names no one reference
		{"Candidates", opCandidates, "sm:bad/json", false},
	})
}

func TestClosedClientIsErrClosed(t *testing.T) {
	b := startBadInputBackend(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*badInputLoadTimeout)
	defer cancel()
	b.checkEachOpRefused(t, b.closedClient(t), ctx, secrets.ErrClosed, []opCase{
		{"value it had cached", opGet, "sm:bad/json#username", false},
		{"new reference", opGet, "sm:bad/text", false},
		{"Refresh", opRefresh, "sm:bad/json", false},
		{"GetMany", opGetMany, "/bad/text", false},
		{"Watch", opWatch, "sm:bad/json", false},
		{"Candidates", opCandidates, "sm:bad/json", false},
	})
}
