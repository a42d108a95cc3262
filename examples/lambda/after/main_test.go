package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/secretref/secretref/examples/lambda/internal/partner"
	"github.com/secretref/secretref/examples/lambda/internal/partnertest"
	"github.com/secretref/secretref/internal/testing/exampletest"
	"github.com/secretref/secretref/internal/testing/kumotest"
)

var (
	// bootstrap is the function, built as for the provided.al2023 runtime.
	bootstrap = exampletest.Binary{Package: "./examples/lambda/after", Name: "bootstrap", BuildFlags: []string{"-tags", "lambda.norpc"}}
	rie       = exampletest.Binary{Package: "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie", Module: "internal/testing/tools", Name: "aws-lambda-rie"}
)

func TestMain(m *testing.M) { os.Exit(exampletest.Main(m, &bootstrap, &rie)) }

// TestUnderRuntimeInterfaceEmulator runs the function as Lambda would,
// against Secrets Manager and Parameter Store emulated by kumo, and checks
// when it calls AWS: during the init phase, and after a rotation, when the
// partner rejects the cached key; never on a warm invocation.
func TestUnderRuntimeInterfaceEmulator(t *testing.T) {
	const (
		apiKeyName   = "prod/orders/partner-api-key"
		apiKeyV1     = "after-test-api-key-v1"
		apiKeyV2     = "after-test-api-key-v2"
		signingParam = "/prod/orders/partner-signing-key"
		signingKey   = "after-test-signing-key"
	)
	secretValues := []string{apiKeyV1, apiKeyV2, signingKey}
	ctx := context.Background()
	kumo := kumotest.Start(t)
	sm := kumo.SecretsManager(t)
	created, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(apiKeyName), SecretString: aws.String(apiKeyV1)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kumo.SSM(t).PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String(signingParam), Value: aws.String(signingKey), Type: ssmtypes.ParameterTypeSecureString,
	}); err != nil {
		t.Fatal(err)
	}
	calls := exampletest.NewProxy(t, kumo.URL)
	partnerAPI := partnertest.NewServer(t, partner.Credentials{APIKey: apiKeyV1, SigningKey: []byte(signingKey)})
	fn := startEmulator(t, append(exampletest.AWSEnv(t, calls.URL),
		"PARTNER_URL="+partnerAPI.URL,
		"PARTNER_API_KEY_REF="+aws.ToString(created.ARN),
		"SIGNING_KEY_REF="+signingParam,
		"AWS_LAMBDA_FUNCTION_TIMEOUT=10",
	), secretValues)

	var initDone time.Time
	for i, step := range []struct {
		name   string
		rotate bool
		// wantReads are the AWS calls the step makes: one name per
		// service at cold start, so single-value calls, which the
		// function's policy grants, and no DescribeSecret.
		wantReads              map[string]int
		wantAccepted, wantRejs int
	}{
		{
			name:         "cold start: the init phase reads both credentials",
			wantReads:    map[string]int{"GetSecretValue": 1, "GetParameter": 1},
			wantAccepted: 1,
		},
		{name: "warm: from the cache", wantAccepted: 1},
		{name: "warm again: from the cache", wantAccepted: 1},
		{
			name:         "after a rotation: rejected, refreshed, retried",
			rotate:       true,
			wantReads:    map[string]int{"GetSecretValue": 1, "GetParameter": 1},
			wantAccepted: 1,
			wantRejs:     1,
		},
		{name: "warm: the new key from the cache", wantAccepted: 1},
	} {
		if step.rotate {
			if _, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(apiKeyName), SecretString: aws.String(apiKeyV2)}); err != nil {
				t.Fatal(err)
			}
			partnerAPI.Rotate(partner.Credentials{APIKey: apiKeyV2, SigningKey: []byte(signingKey)})
			// Refresh answers with the value fetched in the last second
			// (Options.MinRefreshInterval) instead of calling AWS again.
			time.Sleep(time.Until(initDone.Add(1100 * time.Millisecond)))
		}
		order := partner.Order{ID: fmt.Sprintf("o-%d", i+1), AmountCents: 1250}
		var receipt partner.Receipt
		if err := json.Unmarshal(fn.invoke(t, order), &receipt); err != nil || receipt.OrderID != order.ID {
			t.Fatalf("%s: receipt for order %q (%v), want %q", step.name, receipt.OrderID, err, order.ID)
		}
		if i == 0 {
			initDone = time.Now()
		}

		if reads := calls.Take(); !maps.Equal(reads, step.wantReads) {
			t.Errorf("%s: AWS calls %v, want %v", step.name, reads, step.wantReads)
		}
		if accepted, rejected := partnerAPI.Take(); accepted != step.wantAccepted || rejected != step.wantRejs {
			t.Errorf("%s: the partner accepted %d and rejected %d requests, want %d and %d",
				step.name, accepted, rejected, step.wantAccepted, step.wantRejs)
		}
	}
}
