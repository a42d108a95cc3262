package secrets_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/secretref/secretref/internal/testing/sdkfake"
	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	ssmprovider "github.com/secretref/secretref/providers/ssm"
	"github.com/secretref/secretref/secrets"
)

// TestParameterFormsKumoLacks checks the request each Parameter Store form
// sends, for the forms kumo does not serve: parameter ARNs (AWS accepts an
// ARN as the name and needs it for parameters shared from another account),
// version and label selectors, and /aws/reference/secretsmanager paths.
func TestParameterFormsKumoLacks(t *testing.T) {
	const paramARN = "arn:aws:ssm:eu-west-1:123456789012:parameter/prod/app/key"
	for _, tc := range []struct {
		ref, wantName string
		wantPlain     bool
	}{
		{paramARN, paramARN, false},
		{paramARN + ":4", paramARN + ":4", false},
		{"ssm:" + paramARN + ":blue#k", paramARN + ":blue", false},
		{"ssm:/prod/app/key:3", "/prod/app/key:3", false},
		{"/prod/app/key:green", "/prod/app/key:green", false},
		{"/aws/reference/secretsmanager/prod/db#k", "/aws/reference/secretsmanager/prod/db", false},
		{"ssm:/prod/app/key?decrypt=false", "/prod/app/key", true},
	} {
		api := &sdkfake.SSM{OnGetParameter: func(context.Context, *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
			return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Value: aws.String(`{"k":"v"}`), Version: 1}}, nil
		}}
		c, err := secrets.New(context.Background(), func(o *secrets.Options) {
			o.Providers = map[string]providers.Provider{"ssm": ssmprovider.New(api), "sm": memory.New()}
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Get(context.Background(), tc.ref); err != nil {
			t.Errorf("Get(%q): %v", tc.ref, err)
		}
		_ = c.Close()
		var names []string
		var plain []bool
		for _, call := range api.GetParameterCalls() {
			names = append(names, aws.ToString(call.Input.Name))
			plain = append(plain, !aws.ToBool(call.Input.WithDecryption))
		}
		if len(names) != 1 || names[0] != tc.wantName || plain[0] != tc.wantPlain {
			t.Errorf("Get(%q) sent names %q (skip decryption %v), want %q (%v)", tc.ref, names, plain, tc.wantName, tc.wantPlain)
		}
	}
}

// kumo strips AWSCURRENT from every version when a version is put with
// AWSPENDING, so the pending stage is read from the memory store.
func TestPendingStage(t *testing.T) {
	c, store := newMemoryClient(t)
	store.Put("prod/db", `{"password":"current"}`)
	store.PutPending("prod/db", `{"password":"pending"}`)
	for ref, want := range map[string]string{
		"sm:prod/db#password":                  "current",
		"sm:prod/db?stage=AWSPENDING#password": "pending",
	} {
		if got, err := c.GetString(context.Background(), ref); err != nil || got != want {
			t.Errorf("GetString(%q) = %d bytes, %v", ref, len(got), err)
		}
	}
}
