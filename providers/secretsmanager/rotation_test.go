package secretsmanager

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretref/secretref/internal/testing/sdkfake"
	"github.com/secretref/secretref/providers"
)

func TestNextRotation(t *testing.T) {
	next := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		out    *secretsmanager.DescribeSecretOutput
		wantOK bool
	}{
		{"enabled", &secretsmanager.DescribeSecretOutput{RotationEnabled: aws.Bool(true), NextRotationDate: &next}, true},
		{"disabled", &secretsmanager.DescribeSecretOutput{RotationEnabled: aws.Bool(false), NextRotationDate: &next}, false},
		{"no date", &secretsmanager.DescribeSecretOutput{RotationEnabled: aws.Bool(true)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// kumo reports no rotation dates.
			api := &sdkfake.SecretsManager{OnDescribeSecret: func(context.Context, *secretsmanager.DescribeSecretInput) (*secretsmanager.DescribeSecretOutput, error) {
				return tc.out, nil
			}}
			got, ok, err := New(api).NextRotation(context.Background(), providers.Request{Name: "prod/db", Region: "eu-west-1"})
			if err != nil || ok != tc.wantOK || ok && !got.Equal(next) {
				t.Fatalf("NextRotation = %v, %v, %v", got, ok, err)
			}
			if call := sdkfake.OnlyCall(t, api.DescribeSecretCalls()); aws.ToString(call.Input.SecretId) != "prod/db" || call.Region != "eu-west-1" {
				t.Fatalf("DescribeSecret(%q) in %q", aws.ToString(call.Input.SecretId), call.Region)
			}
		})
	}
}
