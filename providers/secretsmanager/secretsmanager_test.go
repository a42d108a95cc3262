package secretsmanager

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"github.com/secretref/secretref/internal/testing/kumotest"
	"github.com/secretref/secretref/internal/testing/sdkfake"
	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/providertest"
)

// The SDK's client has the methods API names, so a stand-in has the
// client's.
var _ API = (*secretsmanager.Client)(nil)

func TestConformance(t *testing.T) {
	srv := kumotest.Start(t)
	sm := srv.SecretsManager(t)
	put := func(ctx context.Context, name string, str *string, bin []byte) (string, error) {
		_, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: &name})
		if err != nil {
			out, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: &name, SecretString: str, SecretBinary: bin})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.VersionId), nil
		}
		out, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: &name, SecretString: str, SecretBinary: bin})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.VersionId), nil
	}
	providertest.Run(t, providertest.Harness{
		BackendError: isAPIError,
		Provider:     NewFromConfig(srv.Config(t)),
		Name:         func(w string) string { return "providertest/" + w },
		Put: func(ctx context.Context, name string, v []byte) (string, error) {
			return put(ctx, name, aws.String(string(v)), nil)
		},
		PutBinary: func(ctx context.Context, name string, v []byte) (string, error) {
			return put(ctx, name, nil, v)
		},
		Versions: true,
		// Safe on kumo with two versions only: it piles AWSPREVIOUS onto
		// every older version instead of moving it.
		PreviousStage: "AWSPREVIOUS",
	})
}

// answering returns a stand-in client that answers every GetSecretValue
// with out and err.
func answering(out *secretsmanager.GetSecretValueOutput, err error) *sdkfake.SecretsManager {
	return &sdkfake.SecretsManager{OnGetSecretValue: func(context.Context, *secretsmanager.GetSecretValueInput) (*secretsmanager.GetSecretValueOutput, error) {
		return out, err
	}}
}

func TestRequest(t *testing.T) {
	for _, tc := range []struct {
		name       string
		req        providers.Request
		wantID     string
		wantStage  *string
		wantVerID  *string
		wantRegion string // "": the client's own
	}{
		{"by name", providers.Request{Name: "prod/db"}, "prod/db", nil, nil, ""},
		{"stage", providers.Request{Name: "prod/db", Stage: "AWSPENDING"}, "prod/db", aws.String("AWSPENDING"), nil, ""},
		{"version id", providers.Request{Name: "prod/db", VersionID: "a1b2"}, "prod/db", nil, aws.String("a1b2"), ""},
		{"cross-region ARN", providers.Request{
			Name:   "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf",
			Region: "eu-west-1",
		}, "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf", nil, nil, "eu-west-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := answering(&secretsmanager.GetSecretValueOutput{SecretString: aws.String("s"), VersionId: aws.String("v9")}, nil)
			res, err := New(api).Fetch(context.Background(), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			call := sdkfake.OnlyCall(t, api.GetSecretValueCalls())
			if got := aws.ToString(call.Input.SecretId); got != tc.wantID {
				t.Errorf("SecretId = %q, want %q", got, tc.wantID)
			}
			if aws.ToString(call.Input.VersionStage) != aws.ToString(tc.wantStage) || (call.Input.VersionStage == nil) != (tc.wantStage == nil) {
				t.Errorf("VersionStage = %v, want %v", call.Input.VersionStage, tc.wantStage)
			}
			if aws.ToString(call.Input.VersionId) != aws.ToString(tc.wantVerID) || (call.Input.VersionId == nil) != (tc.wantVerID == nil) {
				t.Errorf("VersionId = %v, want %v", call.Input.VersionId, tc.wantVerID)
			}
			if call.Region != tc.wantRegion {
				t.Errorf("call went to region %q, want %q", call.Region, tc.wantRegion)
			}
			if string(res.Value) != "s" || res.Binary || res.Version != "v9" {
				t.Errorf("result = %q binary=%v version=%q", res.Value, res.Binary, res.Version)
			}
		})
	}
}

func TestBinarySecret(t *testing.T) {
	api := answering(&secretsmanager.GetSecretValueOutput{SecretBinary: []byte{0, 1, 2}, VersionId: aws.String("v")}, nil)
	res, err := New(api).Fetch(context.Background(), providers.Request{Name: "bin"})
	if err != nil || !res.Binary || len(res.Value) != 3 {
		t.Fatalf("Fetch = %+v, %v; want a 3-byte binary result", res, err)
	}
}

func TestErrorsAreClassifiedAndUnwrap(t *testing.T) {
	fake := answering(nil, &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "no such secret"})
	_, err := New(fake).Fetch(context.Background(), providers.Request{Name: "gone"})
	if !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("error %v does not match ErrNotFound", err)
	}
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "ResourceNotFoundException" {
		t.Errorf("errors.As(err, smithy.APIError) failed on %v", err)
	}
}

func TestRejectsSkipDecryption(t *testing.T) {
	api := &sdkfake.SecretsManager{}
	_, err := New(api).Fetch(context.Background(), providers.Request{Name: "x", SkipDecryption: true})
	if !errors.Is(err, providers.ErrInvalidReference) {
		t.Fatalf("error %v, want ErrInvalidReference", err)
	}
	if n := len(api.GetSecretValueCalls()); n != 0 {
		t.Errorf("%d GetSecretValue calls, want none", n)
	}
}

// A response body holds the secret: the client the provider builds must not
// log bodies even when the configuration asks for it.
func TestNewFromConfigNeverLogsBodies(t *testing.T) {
	cfg := aws.Config{Region: "us-east-1", ClientLogMode: aws.LogRequestWithBody | aws.LogResponseWithBody | aws.LogRetries}
	client := newClient(cfg)
	mode := client.Options().ClientLogMode
	if mode.IsResponseWithBody() || mode.IsRequestWithBody() {
		t.Errorf("ClientLogMode = %v: logs bodies", mode)
	}
	if !mode.IsRetries() {
		t.Errorf("ClientLogMode = %v: dropped an unrelated flag", mode)
	}
}

// isAPIError reports whether err unwraps to the service's error.
func isAPIError(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api)
}
