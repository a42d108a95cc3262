package ssm

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"github.com/secretref/secretref/internal/testing/kumotest"
	"github.com/secretref/secretref/internal/testing/sdkfake"
	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/providertest"
)

// The SDK's client has the methods API names, so a stand-in has the
// client's.
var _ API = (*ssm.Client)(nil)

func TestConformance(t *testing.T) {
	srv := kumotest.Start(t)
	client := srv.SSM(t)
	providertest.Run(t, providertest.Harness{
		BackendError: isAPIError,
		Provider:     NewFromConfig(srv.Config(t)),
		Name:         func(w string) string { return "/providertest/" + w },
		Put: func(ctx context.Context, name string, v []byte) (string, error) {
			out, err := client.PutParameter(ctx, &ssm.PutParameterInput{
				Name: &name, Value: aws.String(string(v)), Type: ssmtypes.ParameterTypeSecureString, Overwrite: aws.Bool(true),
			})
			if err != nil {
				return "", err
			}
			return strconv.FormatInt(out.Version, 10), nil
		},
		// kumo has no parameter selectors (name:VERSION, name:LABEL): the
		// requests they make are checked with a substituted client below.
		Versions: false,
		Decrypts: true,
	})
}

// answering returns a stand-in client that answers every GetParameter with
// out and err.
func answering(out *ssm.GetParameterOutput, err error) *sdkfake.SSM {
	return &sdkfake.SSM{OnGetParameter: func(context.Context, *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
		return out, err
	}}
}

// kumo lacks selectors and does not accept a parameter ARN as a name (AWS
// does, and requires it for a parameter shared from another account), so the
// exact requests are checked here.
func TestRequest(t *testing.T) {
	const paramARN = "arn:aws:ssm:eu-west-1:123456789012:parameter/prod/app/key"
	for _, tc := range []struct {
		name        string
		req         providers.Request
		wantName    string
		wantDecrypt bool
		wantRegion  string // "": the client's own
	}{
		{"path", providers.Request{Name: "/prod/app/key"}, "/prod/app/key", true, ""},
		{"version", providers.Request{Name: "/prod/app/key", VersionID: "3"}, "/prod/app/key:3", true, ""},
		{"label", providers.Request{Name: "/prod/app/key", Stage: "blue"}, "/prod/app/key:blue", true, ""},
		{"no decryption", providers.Request{Name: "plain", SkipDecryption: true}, "plain", false, ""},
		{"ARN", providers.Request{Name: paramARN, Region: "eu-west-1"}, paramARN, true, "eu-west-1"},
		{"ARN with version", providers.Request{Name: paramARN, Region: "eu-west-1", VersionID: "7"}, paramARN + ":7", true, "eu-west-1"},
		{"passthrough", providers.Request{Name: "/aws/reference/secretsmanager/prod/db"}, "/aws/reference/secretsmanager/prod/db", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := answering(&ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Value: aws.String("v"), Version: 4}}, nil)
			res, err := New(api).Fetch(context.Background(), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			call := sdkfake.OnlyCall(t, api.GetParameterCalls())
			if got := aws.ToString(call.Input.Name); got != tc.wantName {
				t.Errorf("Name = %q, want %q", got, tc.wantName)
			}
			if got := aws.ToBool(call.Input.WithDecryption); got != tc.wantDecrypt {
				t.Errorf("WithDecryption = %v, want %v", got, tc.wantDecrypt)
			}
			if call.Region != tc.wantRegion {
				t.Errorf("call went to region %q, want %q", call.Region, tc.wantRegion)
			}
			if string(res.Value) != "v" || res.Version != "4" {
				t.Errorf("result = %q version %q", res.Value, res.Version)
			}
		})
	}
}

func TestErrorsAreClassifiedAndUnwrap(t *testing.T) {
	fake := answering(nil, &ssmtypes.ParameterNotFound{Message: aws.String("Parameter /x not found.")})
	_, err := New(fake).Fetch(context.Background(), providers.Request{Name: "/x"})
	if !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("error %v does not match ErrNotFound", err)
	}
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "ParameterNotFound" {
		t.Errorf("errors.As(err, smithy.APIError) failed on %v", err)
	}
	var typed *ssmtypes.ParameterNotFound
	if !errors.As(err, &typed) {
		t.Errorf("errors.As(err, *types.ParameterNotFound) failed on %v", err)
	}
}

func TestNewFromConfigNeverLogsBodies(t *testing.T) {
	cfg := aws.Config{Region: "us-east-1", ClientLogMode: aws.LogRequestWithBody | aws.LogResponseWithBody}
	mode := newClient(cfg).Options().ClientLogMode
	if mode.IsResponseWithBody() || mode.IsRequestWithBody() {
		t.Errorf("ClientLogMode = %v: logs bodies", mode)
	}
}

// isAPIError reports whether err unwraps to the service's error.
func isAPIError(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api)
}
