package awserr_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"

	"github.com/secretref/secretref/internal/testing/deepdump"
	"github.com/secretref/secretref/internal/testing/faultproxy"
	"github.com/secretref/secretref/internal/testing/kumotest"
	"github.com/secretref/secretref/providers"
	smprovider "github.com/secretref/secretref/providers/secretsmanager"
	ssmprovider "github.com/secretref/secretref/providers/ssm"
)

// The values of the two secrets each backend holds: "a" is read first, so
// that its response sits in the keep-alive connection's buffer when "b" is
// read and fails.
const (
	valueA = "value-a-7Rk2Wq9Xz-read-first-on-the-connection"
	valueB = "value-b-3Lp8Nv5Hc-whose-read-fails"
)

// faultClass is how each fault the proxy injects is classified.
var faultClass = map[faultproxy.Fault]error{
	faultproxy.InternalError: providers.ErrUnavailable,
	faultproxy.Unavailable:   providers.ErrUnavailable,
	faultproxy.Throttle:      providers.ErrThrottled,
	faultproxy.AccessDenied:  providers.ErrAccessDenied,
	faultproxy.MalformedBody: providers.ErrUnavailable,
	faultproxy.EmptyBody:     providers.ErrUnavailable,
	faultproxy.TruncatedBody: providers.ErrUnavailable,
	faultproxy.SlowBody:      providers.ErrUnavailable,
	faultproxy.Reset:         providers.ErrUnavailable,
	faultproxy.Hang:          providers.ErrUnavailable,
}

// faultCode is the AWS error code the service's error keeps, for the
// faults that answer with one.
var faultCode = map[faultproxy.Fault]string{
	faultproxy.InternalError: "InternalFailure",
	faultproxy.Throttle:      "ThrottlingException",
	faultproxy.AccessDenied:  "AccessDeniedException",
}

// backend is one provider over kumo behind the fault proxy.
type backend struct {
	name      string
	operation string // the call a Fetch makes
	provider  providers.Provider
	a, b      string // names of the secrets holding valueA and valueB
	missing   string // a name kumo answers "not found" for
}

func backends(t *testing.T) (*faultproxy.Proxy, []backend) {
	t.Helper()
	ctx := context.Background()
	srv := kumotest.Start(t)
	sm, ps := srv.SecretsManager(t), srv.SSM(t)
	for name, v := range map[string]string{"deep/a": valueA, "deep/b": valueB} {
		if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(v)}); err != nil {
			t.Fatal(err)
		}
		if _, err := ps.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/" + name), Value: aws.String(v), Type: ssmtypes.ParameterTypeSecureString}); err != nil {
			t.Fatal(err)
		}
	}
	p := faultproxy.New(t, srv.URL)
	cfg := srv.ConfigWithEndpoint(t, p.URL, awsconfig.WithRetryMaxAttempts(1), awsconfig.WithLogger(logging.Nop{}))
	return p, []backend{
		{"Secrets Manager", "GetSecretValue", smprovider.NewFromConfig(cfg), "deep/a", "deep/b", "deep/missing"},
		{"Parameter Store", "GetParameter", ssmprovider.NewFromConfig(cfg), "/deep/a", "/deep/b", "/deep/missing"},
	}
}

// checkDeepDump fails t when a deep dump of err shows either value or holds
// an HTTP response, request or connection buffer.
func checkDeepDump(t *testing.T, err error) {
	t.Helper()
	dump := deepdump.Dump(err)
	if typ := deepdump.Transport(dump); typ != "" {
		t.Errorf("the error's chain holds a %s", typ)
	}
	for _, v := range []string{valueA, valueB} {
		if deepdump.Shows(dump, v) {
			t.Errorf("a deep dump of the error shows a %d-byte secret", len(v))
		}
	}
}

// fetchAThenB reads a, which leaves its response in the connection's
// buffer, then b, and returns b's error.
func fetchAThenB(t *testing.T, be backend, b string, before func()) error {
	t.Helper()
	if _, err := be.provider.Fetch(context.Background(), providers.Request{Name: be.a}); err != nil {
		t.Fatalf("reading %s: %v", be.a, err)
	}
	before()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second) // a stalled body fails then
	defer cancel()
	_, err := be.provider.Fetch(ctx, providers.Request{Name: b})
	if err == nil {
		t.Fatalf("reading %s succeeded", b)
	}
	return err
}

// Errors the providers return over kumo, for every fault the proxy injects
// after a good read on the same connection, hold no HTTP response: a deep
// dump (go-spew, methods disabled) shows neither secret and no response,
// request or connection buffer. They keep their class and the service's
// error code.
func TestProviderErrorsHoldNoResponse(t *testing.T) {
	p, bes := backends(t)
	for _, be := range bes {
		for _, f := range faultproxy.Faults {
			t.Run(be.name+"/"+f.String(), func(t *testing.T) {
				err := fetchAThenB(t, be, be.b, func() { p.FailOperation(be.operation, f, 1) })
				checkDeepDump(t, err)
				if !errors.Is(err, faultClass[f]) {
					t.Errorf("error %v, want %v", err, faultClass[f])
				}
				if code, ok := faultCode[f]; ok {
					var api smithy.APIError
					if !errors.As(err, &api) || api.ErrorCode() != code {
						t.Errorf("errors.As(smithy.APIError) on %v: want code %s", err, code)
					}
				}
			})
		}
		// The service's own error answer, not the proxy's.
		t.Run(be.name+"/not found", func(t *testing.T) {
			err := fetchAThenB(t, be, be.missing, func() {})
			checkDeepDump(t, err)
			var api smithy.APIError
			if !errors.Is(err, providers.ErrNotFound) || !errors.As(err, &api) {
				t.Errorf("error %v, want ErrNotFound and a smithy.APIError", err)
			}
			var reqID interface{ ServiceRequestID() string }
			if !errors.As(err, &reqID) || reqID.ServiceRequestID() == "" {
				t.Errorf("error %v has lost kumo's request id", err)
			}
		})
	}
}
