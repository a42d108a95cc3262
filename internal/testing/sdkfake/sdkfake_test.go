package sdkfake_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/secretref/secretref/internal/testing/sdkfake"
	smprovider "github.com/secretref/secretref/providers/secretsmanager"
	ssmprovider "github.com/secretref/secretref/providers/ssm"
)

var (
	_ smprovider.API  = (*sdkfake.SecretsManager)(nil)
	_ ssmprovider.API = (*sdkfake.SSM)(nil)
)

func TestRecordsInputAndRegion(t *testing.T) {
	f := &sdkfake.SSM{OnGetParameter: func(_ context.Context, in *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
		return &ssm.GetParameterOutput{}, nil
	}}
	ctx := context.Background()
	in := &ssm.GetParameterInput{Name: aws.String("/a")}
	if _, err := f.GetParameter(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := f.GetParameter(ctx, in, func(o *ssm.Options) { o.Region = "eu-west-1" }); err != nil {
		t.Fatal(err)
	}
	calls := f.GetParameterCalls()
	if len(calls) != 2 || calls[0].Input != in || calls[0].Region != "" || calls[1].Region != "eu-west-1" {
		t.Fatalf("calls %+v, want /a in the client's region, then in eu-west-1", calls)
	}
}

// A method without a hook fails the call, and still records it.
func TestCallWithoutHook(t *testing.T) {
	f := &sdkfake.SecretsManager{}
	_, err := f.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("x")})
	if !errors.Is(err, sdkfake.ErrUnexpectedCall) {
		t.Fatalf("error %v, want ErrUnexpectedCall", err)
	}
	if n := len(f.DescribeSecretCalls()); n != 1 {
		t.Fatalf("%d calls recorded, want 1", n)
	}
}

func TestConcurrentCalls(t *testing.T) {
	f := &sdkfake.SecretsManager{OnGetSecretValue: func(_ context.Context, in *secretsmanager.GetSecretValueInput) (*secretsmanager.GetSecretValueOutput, error) {
		return &secretsmanager.GetSecretValueOutput{SecretString: in.SecretId}, nil
	}}
	const n = 50
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, _ = f.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("s")})
			_ = f.GetSecretValueCalls()
		})
	}
	wg.Wait()
	if got := len(f.GetSecretValueCalls()); got != n {
		t.Fatalf("%d calls recorded, want %d", got, n)
	}
}
