package secrets

import (
	"strings"
	"testing"
)

func TestCacheKeyRoundTrip(t *testing.T) {
	for _, r := range []Ref{
		{Scheme: SchemeSecretsManager, Name: "prod/db"},
		{Scheme: SchemeSecretsManager, Name: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf", Region: "eu-west-1", Stage: "AWSPENDING"},
		{Scheme: SchemeSecretsManager, Name: "prod/db", VersionID: "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"},
		{Scheme: SchemeParameterStore, Name: "/prod/app/key", VersionID: "3", SkipDecryption: true},
		{Scheme: SchemeParameterStore, Name: "/prod/app/key", Stage: "blue", Region: "us-west-2"},
		{Scheme: SchemeEnv, Name: "DB_PASSWORD"},
		{Scheme: SchemeFile, Name: "/run/secrets/db"},
		{Scheme: "vault", Name: ""},
		{},
	} {
		k := keyOf(r)
		if got := k.ref(); got != r {
			t.Errorf("keyOf(%+v).ref() = %+v", r, got)
		}
		if got, want := k.LogValue().String(), r.String(); got != want {
			t.Errorf("keyOf(%+v) logs as %q, want %q", r, got, want)
		}
	}
	a := Ref{Scheme: SchemeSecretsManager, Name: "a", Stage: "b"}
	b := Ref{Scheme: SchemeSecretsManager, Name: "a", VersionID: "b"}
	if keyOf(a) == keyOf(b) {
		t.Errorf("%+v and %+v have one key", a, b)
	}
}

// FuzzCacheKey checks that the cache key of every reference ParseRef
// accepts stands for that reference and no other: it reads back as the
// Ref, and no parsed field holds the separator.
func FuzzCacheKey(f *testing.F) {
	for _, s := range []string{
		"sm:prod/db#password",
		"sm:prod/db?stage=AWSPENDING",
		"sm:prod/db?version-id=a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
		"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf:password:AWSPREVIOUS:",
		"/prod/app/key:3",
		"ssm:/prod/app/key:blue",
		"ssm:name?decrypt=false",
		"arn:aws:ssm:eu-west-1:123456789012:parameter/prod/app/db/password",
		"/aws/reference/secretsmanager/prod/db",
		"env:DB_PASSWORD",
		"file:/run/secrets/db",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseRef(s, func(scheme string) bool { return scheme == "vault" })
		if err != nil {
			return
		}
		r.Key = ""
		for _, field := range []string{r.Scheme, r.Name, r.Region, r.Stage, r.VersionID} {
			if strings.Contains(field, keySep) {
				t.Fatalf("ParseRef(%q) = %+v: a field holds the key separator", s, r)
			}
		}
		if got := keyOf(r).ref(); got != r {
			t.Fatalf("ParseRef(%q) = %+v, whose cache key reads back as %+v", s, r, got)
		}
	})
}
