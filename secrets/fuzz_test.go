package secrets_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/secretref/secretref/secrets"
)

// refSeeds are references of every form in the grammar, and malformed ones
// next to each form, for the fuzzer to start from.
var refSeeds = []string{
	// Secrets Manager ARNs, with and without the ECS valueFrom suffix.
	"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf",
	"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf:password::",
	"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf:password:AWSPREVIOUS:",
	"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf::AWSPENDING:",
	"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf:username::0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
	"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf:::",
	"arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:db#key",
	"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db?stage=AWSPENDING",
	"arn:aws:secretsmanager:eu-west-1:123456789012:secret:db:a:b:c:d",
	"arn:aws:secretsmanager:moon:123456789012:secret:db",
	"arn:aws-eusc:secretsmanager:eusc-de-east-1:123456789012:secret:prod/db-AbCdEf:password::",
	"arn:aws-iso-b:ssm:us-isob-east-1:123456789012:parameter/prod/key:3",
	"arn:cloud:secretsmanager:eu-west-1:123456789012:secret:db",
	"prod/db:password::",
	"sm:prod/db::AWSPREVIOUS:",
	"arn:aws:s3:::bucket/key",
	// Scheme and name.
	"sm:prod/db",
	"sm:prod/db#password",
	"sm:prod/db?stage=AWSPENDING",
	"sm:prod/db?version-id=abc-123#user",
	"sm:a/B_9+x=y.z@w-v",
	"sm:db?stage=a%23b%20c",
	"sm:db?stage=AWSCURRENT&version-id=abc",
	"sm:db#a#b?c",
	"prod/db",
	// Parameter Store.
	"/prod/app/db/password",
	"/prod/app/db#password",
	"ssm:/prod/app/key:3",
	"ssm:/prod/app/key:blue?decrypt=false",
	"ssm:flat-name?decrypt=false",
	"/prod/key:0",
	"/prod//key",
	"arn:aws:ssm:eu-west-1:123456789012:parameter/prod/app/db/password:2",
	"ssm:arn:aws:ssm:eu-west-1:123456789012:parameter/flat:blue#k",
	"/aws/reference/secretsmanager/prod/db#password",
	"/aws/reference/secretsmanager/prod/db?decrypt=false",
	// Local.
	"env:DB_PASSWORD#password",
	"env:1X",
	"file:/run/secrets/db",
	"file:relative/db?x:y",
	// Malformed in general.
	"",
	" sm:db",
	"sm:db\x00",
	"sm:db\xff",
	"vault:secret/db",
}

// FuzzParseRef checks that ParseRef never panics, that every error is a
// *RefError wrapping ErrInvalidReference that names the input, and that a
// parsed reference's canonical text parses back to the same Ref.
func FuzzParseRef(f *testing.F) {
	for _, s := range refSeeds {
		f.Add(s)
	}
	// At the length bound, with a canonical form longer than the input.
	f.Add("/a#" + strings.Repeat("k", 4093))
	// The longest secret name, in a full ARN and one character over.
	arn := "arn:aws:secretsmanager:eu-west-1:123456789012:secret:"
	f.Add(arn + strings.Repeat("n", 512) + "-AbC123:password::")
	f.Add(arn + strings.Repeat("n", 513) + "-AbC123")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := secrets.ParseRef(s)
		if err != nil {
			checkRefError(t, s, err)
			if r != (secrets.Ref{}) {
				t.Fatalf("ParseRef(%q) failed but returned %+v, want the zero Ref", s, r)
			}
			return
		}
		if r.Scheme == "" || r.Name == "" {
			t.Fatalf("ParseRef(%q) = %+v: no scheme or no name", s, r)
		}
		canonical := r.String()
		again, err := secrets.ParseRef(canonical)
		if err != nil {
			t.Fatalf("ParseRef(%q) = %+v, whose canonical form %q does not parse: %v", s, r, canonical, err)
		}
		if again != r {
			t.Fatalf("ParseRef(%q) = %+v, whose canonical form %q parses to %+v", s, r, canonical, again)
		}
		if again.String() != canonical {
			t.Fatalf("canonical form %q is not stable: it parses to one whose form is %q", canonical, again.String())
		}
	})
}

// checkRefError checks the error of ParseRef(s).
func checkRefError(t *testing.T, s string, err error) {
	t.Helper()
	re, ok := err.(*secrets.RefError)
	if !ok {
		t.Fatalf("ParseRef(%q): error is a %T, want a *secrets.RefError", s, err)
	}
	if !errors.Is(err, secrets.ErrInvalidReference) {
		t.Fatalf("ParseRef(%q): error %q does not wrap ErrInvalidReference", s, err)
	}
	if re.Ref != s {
		t.Fatalf("ParseRef(%q): error names %q", s, re.Ref)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "secrets: ") {
		t.Fatalf("ParseRef(%q): message %q", s, msg)
	}
}

// The canonical form adds a scheme to a bare name or path ("/a" becomes
// "ssm:/a"), and escapes a stage taken from an ARN's valueFrom suffix, so it
// can be longer than the text it came from. A reference at the length limit
// must still round-trip: either the canonical form parses, or the reference
// is refused in the first place.
func TestParseRefRoundTripAtLengthLimit(t *testing.T) {
	const limit = 4096 // the longest reference ParseRef accepts
	arn := "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db"
	for _, tc := range []struct{ name, in string }{
		{"bare path with key", "/a#" + strings.Repeat("k", limit-len("/a#"))},
		{"bare name with key", "db#" + strings.Repeat("k", limit-len("db#"))},
		{"valueFrom stage that needs escaping", arn + "::" + strings.Repeat("&", 256) + ":#" +
			strings.Repeat("k", limit-len(arn)-len("::")-256-len(":#"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.in) != limit {
				t.Fatalf("test reference is %d bytes, want %d", len(tc.in), limit)
			}
			r, err := secrets.ParseRef(tc.in)
			if err != nil {
				checkRefError(t, tc.in, err)
				return // refused: nothing to round-trip
			}
			canonical := r.String()
			if again, err := secrets.ParseRef(canonical); err != nil || again != r {
				t.Fatalf("a %d-byte reference parses, but its %d-byte canonical form gives %v", len(tc.in), len(canonical), err)
			}
		})
	}
}
