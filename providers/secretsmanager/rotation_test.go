package secretsmanager

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretref/secretref/providers"
)

// describer stands in for DescribeSecret: kumo reports no rotation dates.
type describer struct {
	API
	out    *secretsmanager.DescribeSecretOutput
	id     string
	region string
}

func (d *describer) DescribeSecret(_ context.Context, in *secretsmanager.DescribeSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	var o secretsmanager.Options
	for _, fn := range optFns {
		fn(&o)
	}
	d.id, d.region = aws.ToString(in.SecretId), o.Region
	return d.out, nil
}

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
			d := &describer{out: tc.out}
			got, ok, err := New(d).NextRotation(context.Background(), providers.Request{Name: "prod/db", Region: "eu-west-1"})
			if err != nil || ok != tc.wantOK || ok && !got.Equal(next) {
				t.Fatalf("NextRotation = %v, %v, %v", got, ok, err)
			}
			if d.id != "prod/db" || d.region != "eu-west-1" {
				t.Fatalf("DescribeSecret(%q) in %q", d.id, d.region)
			}
		})
	}
}
