package ssm

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/secretref/secretref/internal/testing/sdkfake"
	"github.com/secretref/secretref/providers"
)

// passthroughSecret is the secret the passthrough answers below carry, both
// as the parameter's Value and inside SourceResult.
const passthroughSecret = `{"password":"pt-9Hq2Lx7Vw-never-kept"}`

// sourceResult is a Secrets Manager GetSecretValue answer as Parameter
// Store embeds it in SourceResult, with the version id under key.
func sourceResult(key, versionID string) string {
	return `{"arn":"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf",` +
		`"createdDate":"2024-05-01T12:00:00Z","name":"prod/db",` +
		`"secretString":` + quoteJSON(passthroughSecret) + `,` +
		`"` + key + `":"` + versionID + `","versionStages":["AWSCURRENT"]}`
}

func quoteJSON(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

// passthroughParameter is Parameter Store's answer for
// /aws/reference/secretsmanager/prod/db: Version 0, SourceResult as given.
func passthroughParameter(source *string) *ssmtypes.Parameter {
	return &ssmtypes.Parameter{
		Name:         aws.String("/aws/reference/secretsmanager/prod/db"),
		ARN:          aws.String("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf"),
		Type:         ssmtypes.ParameterTypeSecureString,
		Value:        aws.String(passthroughSecret),
		Version:      0,
		SourceResult: source,
	}
}

// kumo does not serve /aws/reference/secretsmanager/ paths: the answers
// are those AWS gives, from a substituted client. The version of a secret
// read through Parameter Store is its Secrets Manager version id, taken from
// SourceResult, so that a rotation shows as a new version.
func TestPassthroughVersionFromSourceResult(t *testing.T) {
	const v1, v2 = "a1b2c3d4-0000-4000-8000-000000000001", "a1b2c3d4-0000-4000-8000-000000000002"
	for _, tc := range []struct {
		name   string
		source *string
		want   string
	}{
		{"versionId, as AWS answers", aws.String(sourceResult("versionId", v1)), v1},
		{"versionId after a rotation", aws.String(sourceResult("versionId", v2)), v2},
		{"VersionId, as AWS documents", aws.String(sourceResult("VersionId", v1)), v1},
		// Without a version id the value tells a change: never "0",
		// which would make every version look alike.
		{"no version id", aws.String(`{"name":"prod/db","secretString":` + quoteJSON(passthroughSecret) + `}`), ""},
		{"malformed", aws.String(`{"secretString":` + quoteJSON(passthroughSecret)), ""},
		{"not an object", aws.String(quoteJSON(passthroughSecret)), ""},
		{"no SourceResult", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := answering(&ssm.GetParameterOutput{Parameter: passthroughParameter(tc.source)}, nil)
			res, err := New(api).Fetch(context.Background(), providers.Request{Name: "/aws/reference/secretsmanager/prod/db"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Version != tc.want {
				t.Errorf("Version = %q, want %q", res.Version, tc.want)
			}
			if string(res.Value) != passthroughSecret {
				t.Errorf("Value is %d bytes, want the parameter's %d-byte Value", len(res.Value), len(passthroughSecret))
			}
		})
	}
}

// A passthrough name in a GetParameters batch gets its version the same way.
func TestPassthroughVersionInBatch(t *testing.T) {
	const v1 = "b0b0b0b0-0000-4000-8000-000000000001"
	param := passthroughParameter(aws.String(sourceResult("versionId", v1)))
	// GetParameters answers with the passthrough secret and a plain
	// parameter at version 3.
	svc := &sdkfake.SSM{OnGetParameters: func(context.Context, *ssm.GetParametersInput) (*ssm.GetParametersOutput, error) {
		return &ssm.GetParametersOutput{Parameters: []ssmtypes.Parameter{
			*param,
			{Name: aws.String("/plain"), Value: aws.String("v"), Version: 3},
		}}, nil
	}}
	res := New(svc).FetchBatch(context.Background(), []providers.Request{
		{Name: "/aws/reference/secretsmanager/prod/db"}, {Name: "/plain"},
	})
	if r := res[0]; r.Err != nil || r.Result.Version != v1 {
		t.Errorf("passthrough in a batch: version %q, error %v; want %q", r.Result.Version, r.Err, v1)
	}
	if r := res[1]; r.Err != nil || r.Result.Version != "3" {
		t.Errorf("parameter in a batch: error %v", r.Err)
	}
}
