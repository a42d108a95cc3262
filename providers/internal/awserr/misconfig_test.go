package awserr_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/smithy-go"

	"github.com/secretref/secretref/internal/testing/freeport"
	"github.com/secretref/secretref/providers"
	smprovider "github.com/secretref/secretref/providers/secretsmanager"
	ssmprovider "github.com/secretref/secretref/providers/ssm"
)

// fakeCredentials are static fake keys: no real credential is used here.
var fakeCredentials = credentials.NewStaticCredentialsProvider("AKIAFAKEFAKEFAKEFAKE", "fake-secret-access-key", "")

// credentialsEnv lists the variables the SDK's default chain reads
// credentials and their sources from; the tests clear them, so that the
// machine's own configuration plays no part.
var credentialsEnv = []string{
	"AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_SESSION_TOKEN",
	"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
	"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
}

// loadConfig loads the SDK's default configuration from a clean
// environment plus env, without shared files and without the instance
// metadata service (whose address is not loopback), with calls going to
// endpoint.
func loadConfig(t *testing.T, endpoint string, env map[string]string, optFns ...func(*awsconfig.LoadOptions) error) aws.Config {
	t.Helper()
	for _, k := range credentialsEnv {
		t.Setenv(k, env[k])
	}
	optFns = append([]func(*awsconfig.LoadOptions) error{
		awsconfig.WithSharedConfigFiles([]string{}),
		awsconfig.WithSharedCredentialsFiles([]string{}),
		awsconfig.WithEC2IMDSClientEnableState(imds.ClientDisabled),
		awsconfig.WithRetryMaxAttempts(1),
		awsconfig.WithEndpointCredentialOptions(func(o *endpointcreds.Options) { o.Retryer = aws.NopRetryer{} }),
	}, optFns...)
	cfg, err := awsconfig.LoadDefaultConfig(context.Background(), optFns...)
	if err != nil {
		t.Fatal(err)
	}
	if endpoint != "" {
		cfg.BaseEndpoint = aws.String(endpoint)
	}
	return cfg
}

// answering returns the URL of a server that answers every request with
// status and body, as an AWS JSON endpoint does.
func answering(t *testing.T, status int, code, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if code != "" {
			w.Header().Set("X-Amzn-Errortype", code)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// unreached returns the URL of a server that fails t when it is called:
// the errors below arise before a request is sent.
func unreached(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Error("a call reached the service")
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// closedPort returns a loopback URL on which nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	return "http://" + freeport.Addr(t)
}

// Errors of a configuration that cannot work are ErrMisconfigured, not
// transient, and say what to set; a source of credentials that fails, and
// an expired session token, are transient. The errors are the SDK's own,
// from clients configured each way; each is checked through both providers.
func TestMisconfiguration(t *testing.T) {
	for _, tc := range []struct {
		name      string
		cfg       func(t *testing.T) aws.Config
		want      error
		transient bool
		says      string // in the message
	}{
		{"no region", func(t *testing.T) aws.Config {
			// No endpoint either: with one, the SDK needs no region.
			return loadConfig(t, "", nil, awsconfig.WithCredentialsProvider(fakeCredentials))
		}, providers.ErrMisconfigured, false, "set AWS_REGION or AWS_DEFAULT_REGION"},
		{"invalid region", func(t *testing.T) aws.Config {
			return loadConfig(t, "", map[string]string{"AWS_REGION": "eu west 1"}, awsconfig.WithCredentialsProvider(fakeCredentials))
		}, providers.ErrMisconfigured, false, "check AWS_REGION"},
		{"no credentials", func(t *testing.T) aws.Config {
			return loadConfig(t, unreached(t), map[string]string{"AWS_REGION": "eu-west-1"})
		}, providers.ErrMisconfigured, false, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"},
		{"empty static keys", func(t *testing.T) aws.Config {
			return loadConfig(t, unreached(t), map[string]string{"AWS_REGION": "eu-west-1"},
				awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("", "", "")))
		}, providers.ErrMisconfigured, false, "AWS_PROFILE"},
		// The ECS credentials endpoint failing is an outage of the source,
		// ridden out on stale values.
		{"credentials endpoint failing", func(t *testing.T) aws.Config {
			creds := answering(t, http.StatusInternalServerError, "", `{"code":"InternalError","message":"agent restarting"}`)
			return loadConfig(t, unreached(t), map[string]string{"AWS_REGION": "eu-west-1", "AWS_CONTAINER_CREDENTIALS_FULL_URI": creds + "/creds"})
		}, providers.ErrUnavailable, true, ""},
		{"credentials endpoint unreachable", func(t *testing.T) aws.Config {
			return loadConfig(t, unreached(t), map[string]string{"AWS_REGION": "eu-west-1", "AWS_CONTAINER_CREDENTIALS_FULL_URI": closedPort(t) + "/creds"})
		}, providers.ErrUnavailable, true, ""},
		// See the package doc: an expired token means its source failed to
		// refresh it.
		{"expired token", func(t *testing.T) aws.Config {
			url := answering(t, http.StatusBadRequest, "ExpiredTokenException",
				`{"__type":"ExpiredTokenException","message":"The security token included in the request is expired"}`)
			return loadConfig(t, url, map[string]string{"AWS_REGION": "eu-west-1"}, awsconfig.WithCredentialsProvider(fakeCredentials))
		}, providers.ErrUnavailable, true, ""},
		{"invalid key", func(t *testing.T) aws.Config {
			url := answering(t, http.StatusBadRequest, "UnrecognizedClientException",
				`{"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."}`)
			return loadConfig(t, url, map[string]string{"AWS_REGION": "eu-west-1"}, awsconfig.WithCredentialsProvider(fakeCredentials))
		}, providers.ErrAccessDenied, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg(t)
			for name, p := range map[string]providers.Provider{
				"Secrets Manager": smprovider.NewFromConfig(cfg),
				"Parameter Store": ssmprovider.NewFromConfig(cfg),
			} {
				_, err := p.Fetch(context.Background(), providers.Request{Name: "/prod/db"})
				if !errors.Is(err, tc.want) {
					t.Fatalf("%s: error %v, want %v", name, err, tc.want)
				}
				if got := providers.IsTransient(err); got != tc.transient {
					t.Errorf("%s: IsTransient = %v, want %v", name, got, tc.transient)
				}
				if !strings.Contains(err.Error(), tc.says) {
					t.Errorf("%s: message %q does not say %q", name, err, tc.says)
				}
			}
		})
	}
}

// An expired token still unwraps to the service's error and code.
func TestExpiredTokenKeepsTheCode(t *testing.T) {
	url := answering(t, http.StatusBadRequest, "ExpiredTokenException", `{"__type":"ExpiredTokenException","message":"expired"}`)
	cfg := loadConfig(t, url, map[string]string{"AWS_REGION": "eu-west-1"}, awsconfig.WithCredentialsProvider(fakeCredentials))
	_, err := smprovider.NewFromConfig(cfg).Fetch(context.Background(), providers.Request{Name: "prod/db"})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "ExpiredTokenException" {
		t.Fatalf("error %v: errors.As(smithy.APIError) does not give ExpiredTokenException", err)
	}
}
