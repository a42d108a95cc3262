package secretsmanager

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretref/secretref/internal/testing/sdkfake"
	"github.com/secretref/secretref/providers"
)

func TestDescribe(t *testing.T) {
	next := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	replicated := []types.ReplicationStatusType{
		{Region: aws.String("us-west-2"), Status: types.StatusTypeInSync},
		{Region: aws.String("eu-west-1"), Status: types.StatusTypeFailed},
	}
	for _, tc := range []struct {
		name     string
		out      *secretsmanager.DescribeSecretOutput
		wantNext bool
		replicas []string
	}{
		{"enabled", &secretsmanager.DescribeSecretOutput{RotationEnabled: aws.Bool(true), NextRotationDate: &next}, true, nil},
		{"disabled", &secretsmanager.DescribeSecretOutput{RotationEnabled: aws.Bool(false), NextRotationDate: &next}, false, nil},
		{"no date", &secretsmanager.DescribeSecretOutput{RotationEnabled: aws.Bool(true)}, false, nil},
		{"replicated", &secretsmanager.DescribeSecretOutput{ReplicationStatus: replicated}, false, []string{"us-west-2", "eu-west-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// kumo reports no rotation dates and replicates nothing.
			api := &sdkfake.SecretsManager{OnDescribeSecret: func(context.Context, *secretsmanager.DescribeSecretInput) (*secretsmanager.DescribeSecretOutput, error) {
				return tc.out, nil
			}}
			got, err := New(api).Describe(context.Background(), providers.Request{Name: "prod/db", Region: "eu-west-1"})
			if err != nil || got.NextRotation.IsZero() == tc.wantNext || tc.wantNext && !got.NextRotation.Equal(next) || !slices.Equal(got.Replicas, tc.replicas) {
				t.Fatalf("Describe = %+v, %v", got, err)
			}
			if call := sdkfake.OnlyCall(t, api.DescribeSecretCalls()); aws.ToString(call.Input.SecretId) != "prod/db" || call.Region != "eu-west-1" {
				t.Fatalf("DescribeSecret(%q) in %q", aws.ToString(call.Input.SecretId), call.Region)
			}
		})
	}
}
