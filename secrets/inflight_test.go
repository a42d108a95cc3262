package secrets_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"github.com/secretref/secretref/internal/testing/sdkfake"
	"github.com/secretref/secretref/providers"
	smprovider "github.com/secretref/secretref/providers/secretsmanager"
	ssmprovider "github.com/secretref/secretref/providers/ssm"
	"github.com/secretref/secretref/secrets"
)

// gauge counts the calls in flight and remembers the most at once.
type gauge struct{ now, most atomic.Int32 }

// call holds a call in flight for a moment, as a backend answering takes.
func (g *gauge) call() {
	n := g.now.Add(1)
	for m := g.most.Load(); n > m && !g.most.CompareAndSwap(m, n); m = g.most.Load() {
	}
	time.Sleep(2 * time.Millisecond)
	g.now.Add(-1)
}

// A Client has at most MaxCallsInFlight calls in flight to one provider in
// one region, however many references a GetMany reads and however the
// provider's batch call answers. Substituted SDK clients: each call is
// held for a moment, the batch calls are refused (so every value is a
// single call), and calls of every operation are counted together.
func TestCallsInFlightAreBounded(t *testing.T) {
	refused := func(op string) error {
		return &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform " + op}
	}
	var smCalls, ssmCalls gauge
	sm := &sdkfake.SecretsManager{
		OnBatchGetSecretValue: func(context.Context, *secretsmanager.BatchGetSecretValueInput) (*secretsmanager.BatchGetSecretValueOutput, error) {
			smCalls.call()
			return nil, refused("secretsmanager:BatchGetSecretValue")
		},
		OnGetSecretValue: func(_ context.Context, in *secretsmanager.GetSecretValueInput) (*secretsmanager.GetSecretValueOutput, error) {
			smCalls.call()
			return &secretsmanager.GetSecretValueOutput{SecretString: aws.String("v"), VersionId: aws.String("1")}, nil
		},
		OnDescribeSecret: func(context.Context, *secretsmanager.DescribeSecretInput) (*secretsmanager.DescribeSecretOutput, error) {
			smCalls.call()
			return &secretsmanager.DescribeSecretOutput{}, nil
		},
	}
	ps := &sdkfake.SSM{
		OnGetParameters: func(context.Context, *ssm.GetParametersInput) (*ssm.GetParametersOutput, error) {
			ssmCalls.call()
			return nil, refused("ssm:GetParameters")
		},
		OnGetParameter: func(_ context.Context, in *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
			ssmCalls.call()
			return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Name: in.Name, Value: aws.String("v"), Version: 1}}, nil
		},
	}
	c := newTestClient(t, []func(*secrets.Options){func(o *secrets.Options) {
		o.Providers = map[string]providers.Provider{
			secrets.SchemeSecretsManager: smprovider.New(sm),
			secrets.SchemeParameterStore: ssmprovider.New(ps),
		}
		o.MaxEntries = 4000
	}})
	var refs []string
	for i := range 1000 {
		refs = append(refs, fmt.Sprintf("sm:app/s%04d", i), fmt.Sprintf("/app/p%04d", i))
	}
	got, err := c.GetMany(context.Background(), refs...)
	if err != nil || len(got) != len(refs) {
		t.Fatalf("GetMany of %d references: %d values, %v", len(refs), len(got), err)
	}
	for _, g := range []struct {
		name string
		g    *gauge
	}{{"Secrets Manager", &smCalls}, {"Parameter Store", &ssmCalls}} {
		most := g.g.most.Load()
		t.Logf("%s: at most %d calls in flight", g.name, most)
		if most > secrets.MaxCallsInFlight {
			t.Errorf("%s: %d calls in flight at once, want at most %d", g.name, most, secrets.MaxCallsInFlight)
		}
	}
}
