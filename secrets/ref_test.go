package secrets

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

const (
	smARN  = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf"
	ssmARN = "arn:aws:ssm:eu-west-1:123456789012:parameter/prod/app/db/password"
)

// TestParseRefForms covers every row of the reference table in DESIGN.md and
// the README, and checks that each canonical form parses back to itself.
func TestParseRefForms(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want Ref
	}{
		// Secrets Manager ARN.
		{"sm ARN", smARN, Ref{Scheme: "sm", Name: smARN, Region: "eu-west-1"}},
		{"sm partial ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db",
			Ref{Scheme: "sm", Name: "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db", Region: "us-east-1"}},
		{"sm ARN other partition", "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:db",
			Ref{Scheme: "sm", Name: "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:db", Region: "cn-north-1"}},
		// Every partition, with its regions.
		{"sm ARN GovCloud", "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:db-AbCdEf",
			Ref{Scheme: "sm", Name: "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:db-AbCdEf", Region: "us-gov-west-1"}},
		{"sm ARN ISO", "arn:aws-iso:secretsmanager:us-iso-east-1:123456789012:secret:db",
			Ref{Scheme: "sm", Name: "arn:aws-iso:secretsmanager:us-iso-east-1:123456789012:secret:db", Region: "us-iso-east-1"}},
		{"sm ARN ISO-B", "arn:aws-iso-b:secretsmanager:us-isob-east-1:123456789012:secret:db",
			Ref{Scheme: "sm", Name: "arn:aws-iso-b:secretsmanager:us-isob-east-1:123456789012:secret:db", Region: "us-isob-east-1"}},
		{"sm ARN ISO-E", "arn:aws-iso-e:secretsmanager:eu-isoe-west-1:123456789012:secret:db",
			Ref{Scheme: "sm", Name: "arn:aws-iso-e:secretsmanager:eu-isoe-west-1:123456789012:secret:db", Region: "eu-isoe-west-1"}},
		{"sm ARN ISO-F", "arn:aws-iso-f:secretsmanager:us-isof-south-1:123456789012:secret:db",
			Ref{Scheme: "sm", Name: "arn:aws-iso-f:secretsmanager:us-isof-south-1:123456789012:secret:db", Region: "us-isof-south-1"}},
		{"sm ARN European Sovereign Cloud", "arn:aws-eusc:secretsmanager:eusc-de-east-1:123456789012:secret:prod/db-AbCdEf:password::",
			Ref{Scheme: "sm", Name: "arn:aws-eusc:secretsmanager:eusc-de-east-1:123456789012:secret:prod/db-AbCdEf", Region: "eusc-de-east-1", Key: "password"}},
		{"ssm ARN European Sovereign Cloud", "arn:aws-eusc:ssm:eusc-de-east-1:123456789012:parameter/prod/key",
			Ref{Scheme: "ssm", Name: "arn:aws-eusc:ssm:eusc-de-east-1:123456789012:parameter/prod/key", Region: "eusc-de-east-1"}},
		{"ssm ARN GovCloud", "arn:aws-us-gov:ssm:us-gov-east-1:123456789012:parameter/prod/key:3",
			Ref{Scheme: "ssm", Name: "arn:aws-us-gov:ssm:us-gov-east-1:123456789012:parameter/prod/key", Region: "us-gov-east-1", VersionID: "3"}},
		// The longest secret name, in a full ARN (with the -XXXXXX that is
		// not part of the name) and in a partial one.
		{"full ARN of a 512-character name", longARN(512) + "-AbC123",
			Ref{Scheme: "sm", Name: longARN(512) + "-AbC123", Region: "eu-west-1"}},
		{"full ARN of a 512-character name, valueFrom", longARN(512) + "-AbC123:password::",
			Ref{Scheme: "sm", Name: longARN(512) + "-AbC123", Region: "eu-west-1", Key: "password"}},
		{"partial ARN of a 512-character name", longARN(512), Ref{Scheme: "sm", Name: longARN(512), Region: "eu-west-1"}},
		// ECS valueFrom suffix: json-key:version-stage:version-id, empty fields kept.
		{"valueFrom key", smARN + ":password::", Ref{Scheme: "sm", Name: smARN, Region: "eu-west-1", Key: "password"}},
		{"valueFrom stage", smARN + "::AWSPREVIOUS:", Ref{Scheme: "sm", Name: smARN, Region: "eu-west-1", Stage: "AWSPREVIOUS"}},
		{"valueFrom key and stage", smARN + ":password:AWSPREVIOUS:",
			Ref{Scheme: "sm", Name: smARN, Region: "eu-west-1", Key: "password", Stage: "AWSPREVIOUS"}},
		{"valueFrom version id", smARN + ":username::0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
			Ref{Scheme: "sm", Name: smARN, Region: "eu-west-1", Key: "username", VersionID: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"}},
		{"valueFrom all empty", smARN + ":::", Ref{Scheme: "sm", Name: smARN, Region: "eu-west-1"}},
		{"ARN with #key", smARN + "#password", Ref{Scheme: "sm", Name: smARN, Region: "eu-west-1", Key: "password"}},
		{"ARN with ?stage", smARN + "?stage=AWSPENDING", Ref{Scheme: "sm", Name: smARN, Region: "eu-west-1", Stage: "AWSPENDING"}},
		// Scheme and name.
		{"sm name", "sm:prod/db", Ref{Scheme: "sm", Name: "prod/db"}},
		{"sm name with key", "sm:prod/db#password", Ref{Scheme: "sm", Name: "prod/db", Key: "password"}},
		{"sm stage", "sm:prod/db?stage=AWSPENDING", Ref{Scheme: "sm", Name: "prod/db", Stage: "AWSPENDING"}},
		{"sm version id", "sm:prod/db?version-id=abc-123", Ref{Scheme: "sm", Name: "prod/db", VersionID: "abc-123"}},
		{"sm stage and key", "sm:prod/db?stage=AWSPREVIOUS#user", Ref{Scheme: "sm", Name: "prod/db", Stage: "AWSPREVIOUS", Key: "user"}},
		{"sm every name character", "sm:a/B_9+x=y.z@w-v", Ref{Scheme: "sm", Name: "a/B_9+x=y.z@w-v"}},
		{"sm ARN after scheme", "sm:" + smARN, Ref{Scheme: "sm", Name: smARN, Region: "eu-west-1"}},
		{"bare secret name", "prod/db", Ref{Scheme: "sm", Name: "prod/db"}},
		{"key with '#' and '?'", "sm:db#a#b?c", Ref{Scheme: "sm", Name: "db", Key: "a#b?c"}},
		// Parameter Store path.
		{"ssm path", "/prod/app/db/password", Ref{Scheme: "ssm", Name: "/prod/app/db/password"}},
		{"ssm path with key", "/prod/app/db#password", Ref{Scheme: "ssm", Name: "/prod/app/db", Key: "password"}},
		{"ssm scheme", "ssm:/prod/app/db/password", Ref{Scheme: "ssm", Name: "/prod/app/db/password"}},
		{"ssm version", "ssm:/prod/app/key:3", Ref{Scheme: "ssm", Name: "/prod/app/key", VersionID: "3"}},
		{"ssm label", "ssm:/prod/app/key:blue", Ref{Scheme: "ssm", Name: "/prod/app/key", Stage: "blue"}},
		{"ssm bare path version", "/prod/app/key:12", Ref{Scheme: "ssm", Name: "/prod/app/key", VersionID: "12"}},
		{"ssm no decryption", "ssm:name?decrypt=false", Ref{Scheme: "ssm", Name: "name", SkipDecryption: true}},
		{"ssm explicit decryption", "ssm:name?decrypt=true", Ref{Scheme: "ssm", Name: "name"}},
		{"ssm every name character", "/a-b/C_d/e.f/9", Ref{Scheme: "ssm", Name: "/a-b/C_d/e.f/9"}},
		{"ssm label with key", "ssm:/prod/cfg:green#host", Ref{Scheme: "ssm", Name: "/prod/cfg", Stage: "green", Key: "host"}},
		// Parameter Store ARN.
		{"ssm ARN", ssmARN, Ref{Scheme: "ssm", Name: ssmARN, Region: "eu-west-1"}},
		{"ssm ARN with version", ssmARN + ":2", Ref{Scheme: "ssm", Name: ssmARN, Region: "eu-west-1", VersionID: "2"}},
		{"ssm ARN after scheme", "ssm:" + ssmARN + ":blue", Ref{Scheme: "ssm", Name: ssmARN, Region: "eu-west-1", Stage: "blue"}},
		{"ssm ARN non-hierarchical", "arn:aws:ssm:us-east-1:123456789012:parameter/flat",
			Ref{Scheme: "ssm", Name: "arn:aws:ssm:us-east-1:123456789012:parameter/flat", Region: "us-east-1"}},
		// Passthrough.
		{"passthrough", "/aws/reference/secretsmanager/prod/db", Ref{Scheme: "ssm", Name: "/aws/reference/secretsmanager/prod/db"}},
		{"passthrough with key", "/aws/reference/secretsmanager/prod/db#password",
			Ref{Scheme: "ssm", Name: "/aws/reference/secretsmanager/prod/db", Key: "password"}},
		// Local.
		{"env", "env:DB_PASSWORD", Ref{Scheme: "env", Name: "DB_PASSWORD"}},
		{"env with key", "env:DB_JSON#password", Ref{Scheme: "env", Name: "DB_JSON", Key: "password"}},
		{"file", "file:/run/secrets/db", Ref{Scheme: "file", Name: "/run/secrets/db"}},
		{"file relative with '?'", "file:secrets/db?x", Ref{Scheme: "file", Name: "secrets/db?x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseRef(tc.in)
			if err != nil {
				t.Fatalf("ParseRef(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Fatalf("ParseRef(%q) =\n %+v, want\n %+v", tc.in, got, tc.want)
			}
			again, err := ParseRef(got.String())
			if err != nil || again != got {
				t.Fatalf("canonical form %q parses to %+v, %v; want %+v", got.String(), again, err, got)
			}
		})
	}
}

// longARN returns a partial secret ARN whose name is n characters long.
func longARN(n int) string {
	return "arn:aws:secretsmanager:eu-west-1:123456789012:secret:" + strings.Repeat("n", n)
}

// valueFromSays is how a message about a misplaced valueFrom suffix begins
// its advice.
const valueFromSays = "; the :JSON-KEY:VERSION-STAGE:VERSION-ID suffix follows a secret's full ARN, as in "

func TestParseRefMalformed(t *testing.T) {
	long := func(prefix string, n int) string { return prefix + strings.Repeat("a", n) }
	for _, tc := range []struct {
		name, in, problem string
	}{
		{"empty", "", "empty reference"},
		{"space only", " ", "white space"},
		{"leading space", " sm:db", "white space"},
		{"trailing newline", "sm:db\n", "white space"},
		{"tab inside", "sm:d\tb", "control character"},
		{"NUL inside", "/prod/\x00x", "control character"},
		{"DEL inside", "env:A\x7f", "control character"},
		{"invalid UTF-8", "sm:db\xff", "UTF-8"},
		{"unknown scheme", "vault:secret/db", "unknown scheme"},
		// ECS's valueFrom suffix without the ARN in front: the message
		// gives the ARN form that takes it, and the form by name.
		{"valueFrom suffix after a name", "prod/db:password::",
			"a secret name has no ':'" + valueFromSays + "arn:aws:secretsmanager:REGION:ACCOUNT:secret:prod/db:password::, or by name write sm:prod/db#password"},
		{"valueFrom suffix after sm:", "sm:prod/db:password:AWSPREVIOUS:",
			"a secret name has no ':'" + valueFromSays + "arn:aws:secretsmanager:REGION:ACCOUNT:secret:prod/db:password:AWSPREVIOUS:, or by name write sm:prod/db?stage=AWSPREVIOUS#password"},
		{"valueFrom version id after a name", "prod/db:::a1b2", "or by name write sm:prod/db?version-id=a1b2"},
		{"upper-case scheme", "SM:db", "unknown scheme"},
		{"ARN of another service", "arn:aws:s3:::bucket/key", "service"},
		{"sm scheme with ssm ARN", "sm:" + ssmARN, "where \"secretsmanager\" is needed"},
		{"ssm scheme with sm ARN", "ssm:" + smARN, "where \"ssm\" is needed"},
		{"truncated ARN", "arn:aws:secretsmanager:eu-west-1", "malformed ARN"},
		{"ARN without region", "arn:aws:secretsmanager::123456789012:secret:db", "region"},
		{"ARN bad region", "arn:aws:secretsmanager:moon:123456789012:secret:db", "region"},
		{"ARN bad account", "arn:aws:secretsmanager:eu-west-1:1234:secret:db", "12 digits"},
		{"ARN of no AWS partition", "arn:cloud:secretsmanager:eu-west-1:123456789012:secret:db", "not an AWS partition"},
		{"ARN upper-case partition", "arn:AWS:secretsmanager:eu-west-1:123456789012:secret:db", "not an AWS partition"},
		{"ARN region without number", "arn:aws-eusc:secretsmanager:eusc-de-east:123456789012:secret:db", "region"},
		{"ARN region with long prefix", "arn:aws:secretsmanager:europe-west-1:123456789012:secret:db", "region"},
		{"full ARN of a 513-character name", longARN(513) + "-AbC123", "longer than 512"},
		{"partial ARN of a 513-character name", longARN(513), "longer than 512"},
		{"ARN of a 513-character name, bad suffix", longARN(506) + "-AbC12+", "longer than 512"},
		{"ARN wrong resource", "arn:aws:secretsmanager:eu-west-1:123456789012:rotation:db", "secret:"},
		{"ARN empty secret name", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:", "empty secret name"},
		{"valueFrom too few fields", smARN + ":password", "exactly :JSON-KEY:VERSION-STAGE:VERSION-ID"},
		{"valueFrom too many fields", smARN + ":a:b:c:d", "exactly :JSON-KEY:VERSION-STAGE:VERSION-ID"},
		{"valueFrom stage and version id", smARN + "::AWSCURRENT:abc", "both a version stage and a version id"},
		{"valueFrom key and #key", smARN + ":password::#user", "JSON key given twice"},
		{"stage and version-id", "sm:db?stage=AWSCURRENT&version-id=abc", "both a version stage and a version id"},
		{"parameter twice", "sm:db?stage=A&stage=B", "given 2 times"},
		{"unknown parameter", "sm:db?label=x", "unknown parameter"},
		{"empty parameter", "sm:db?stage=", "is empty"},
		{"decrypt on sm", "sm:db?decrypt=false", "unknown parameter"},
		{"stage on ssm", "ssm:/a?stage=x", "unknown parameter"},
		{"bad decrypt", "ssm:/a?decrypt=no", "decrypt must be true or false"},
		{"decrypt=false on passthrough", "/aws/reference/secretsmanager/db?decrypt=false", "always decrypts"},
		{"# with empty key", "sm:db#", "followed by a JSON key"},
		{"sm empty name", "sm:", "empty secret name"},
		{"sm space inside", "sm:prod db", "Secrets Manager allows"},
		{"sm bad character inside", "sm:prod*db", "Secrets Manager allows"},
		{"sm name too long", long("sm:", 513), "longer than 512"},
		{"sm bad version id", "sm:db?version-id=a/b", "version id"},
		{"ssm bad character", "/prod/app+key", "Parameter Store allows"},
		{"ssm empty level", "/prod//key", "empty level"},
		{"ssm trailing slash", "/prod/key/", "empty level"},
		{"ssm too deep", strings.Repeat("/a", 16), "deeper than 15"},
		{"ssm too long", long("/", 1011), "longer than 1011"},
		{"ssm slash without leading slash", "ssm:prod/key", "must start with '/'"},
		{"ssm empty selector", "/prod/key:", "followed by a parameter version or label"},
		{"ssm version zero", "/prod/key:0", "not a positive number"},
		{"ssm label starting with digit", "/prod/key:1abc", "starts with a digit"},
		{"ssm label bad character", "/prod/key:bl@e", "label"},
		{"ssm label too long", long("/prod/key:a", 100), "label longer than 100"},
		{"ssm ARN wrong resource", "arn:aws:ssm:eu-west-1:123456789012:document/x", "parameter/"},
		{"ssm ARN with stage", ssmARN + "?stage=x", "stage applies to Secrets Manager"},
		{"env empty", "env:", "needs a variable name"},
		{"env bad name", "env:DB-PASSWORD", "not an environment variable name"},
		{"env leading digit", "env:1X", "not an environment variable name"},
		{"file empty", "file:", "needs a path"},
		{"whole reference too long", long("file:/", 5000), "longer than 4096"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRef(tc.in)
			if !errors.Is(err, ErrInvalidReference) {
				t.Fatalf("ParseRef(%q): error %v, want one wrapping ErrInvalidReference", tc.in, err)
			}
			var re *RefError
			if !errors.As(err, &re) || re.Ref != tc.in {
				t.Fatalf("ParseRef(%q): error %v is not a *RefError naming the reference", tc.in, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.problem) {
				t.Errorf("message %q does not say %q", msg, tc.problem)
			}
			shown := tc.in
			if len(shown) > maxRefInMessage {
				shown = shown[:maxRefInMessage] + "..."
			}
			if !strings.Contains(msg, strconv.Quote(shown)) {
				t.Errorf("message %q does not name the reference", msg)
			}
		})
	}
}
