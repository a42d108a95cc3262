package main

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/secretref/secretref/internal/testing/exampletest"
	"github.com/secretref/secretref/internal/testing/kumotest"
)

// The program runs as a process of its own: kumo, which it embeds, has
// data races that would fail a test binary built with -race.
var quickstart = exampletest.Binary{Package: "./examples/quickstart", Name: "quickstart"}

func TestMain(m *testing.M) { os.Exit(exampletest.Main(m, &quickstart)) }

func TestEmbeddedEmulator(t *testing.T) {
	// An endpoint in the environment must not matter: the demo talks to
	// the emulator it starts. Nothing listens on port 1.
	secretValues := []string{dbPassword1, dbPassword2, apiKey}
	out, code := exampletest.Run(t, exampletest.Command{
		Path:    quickstart.Path,
		Env:     exampletest.AWSEnv(t, "http://127.0.0.1:1"),
		Secrets: secretValues,
	}, 30*time.Second)
	shown := exampletest.Redact(out, secretValues...)
	if code != 0 {
		t.Fatalf("exit code %d, want 0; output:\n%s", code, shown)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^arn:aws:secretsmanager:us-east-1:\d{12}:secret:quickstart/db-\w{6}:password:: +\[REDACTED\] +21 `),
		regexp.MustCompile(`(?m)^sm:quickstart/db#username +\[REDACTED\] +3 `),
		regexp.MustCompile(`(?m)^/quickstart/payments/api-key +\[REDACTED\] +23 +1$`),
		regexp.MustCompile(`(?m)^/quickstart/payments/timeout +\[REDACTED\] +2 +1$`),
		regexp.MustCompile(`(?m)^read again: 3 cache hits, 0 calls to AWS$`),
		regexp.MustCompile(`(?m)^cache: \{Hits:5 Misses:3 .*Refreshes:1 `),
	} {
		if !want.MatchString(out) {
			t.Errorf("no line matching %s in the output:\n%s", want, shown)
		}
	}
	// The watch and the read after it report the version the rotation made.
	rotated := regexp.MustCompile(`AWSCURRENT is now version (\w{8})`).FindStringSubmatch(out)
	if rotated == nil {
		t.Fatalf("the output does not report the rotation:\n%s", shown)
	}
	for _, want := range []string{"watch: version " + rotated[1], "read:  version " + rotated[1] + "\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, shown)
		}
	}
}

func TestAgainstEndpoint(t *testing.T) {
	const password, apiKey = "endpoint-test-password", "endpoint-test-api-key"
	srv := kumotest.Start(t)
	ctx := context.Background()
	created, err := srv.SecretsManager(t).CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name:         aws.String("app/db"),
		SecretString: aws.String(`{"username":"app","password":"` + password + `"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.SSM(t).PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String("/app/api-key"), Value: aws.String(apiKey), Type: ssmtypes.ParameterTypeSecureString,
	}); err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(created.ARN)

	for _, tc := range []struct {
		name     string
		args     []string
		wantCode int
		want     []string
	}{
		{
			name:     "several references",
			args:     []string{arn + ":password::", "sm:app/db#username", "/app/api-key"},
			want:     []string{arn + ":password::  [REDACTED]  22", "sm:app/db#username", "/app/api-key", "Misses:3"},
			wantCode: 0,
		},
		{
			name:     "references alone",
			args:     []string{"/app/api-key"},
			want:     []string{"/app/api-key  [REDACTED]  21"},
			wantCode: 0,
		},
		{
			name:     "a reference that names nothing",
			args:     []string{"sm:app/db#password", "sm:app/none"},
			want:     []string{"sm:app/db#password", `"sm:app/none": secret not found`},
			wantCode: 1,
		},
		{
			name:     "an unknown flag",
			args:     []string{"-aws"},
			want:     []string{"usage:"},
			wantCode: 2,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, code := exampletest.Run(t, exampletest.Command{
				Path:    quickstart.Path,
				Args:    tc.args,
				Env:     exampletest.AWSEnv(t, srv.URL),
				Secrets: []string{password, apiKey},
			}, 30*time.Second)
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d", code, tc.wantCode)
			}
			for _, want := range tc.want {
				if !strings.Contains(out, want) {
					t.Errorf("the output lacks %q:\n%s", want, exampletest.Redact(out, password, apiKey))
				}
			}
		})
	}
}
