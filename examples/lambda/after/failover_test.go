package main

import (
	"encoding/json"
	"testing"

	"github.com/secretref/secretref/examples/lambda/internal/partner"
	"github.com/secretref/secretref/examples/lambda/internal/partnertest"
	"github.com/secretref/secretref/internal/testing/exampletest"
	"github.com/secretref/secretref/internal/testing/faultproxy"
	"github.com/secretref/secretref/internal/testing/kumotest"
	"github.com/secretref/secretref/internal/testing/tworegions"
)

// A new execution environment that starts while its region's Secrets
// Manager and Parameter Store answer nothing (a blackholed network) still
// starts, and answers its first invocation: with SECRETREF_FAILOVER_REGIONS
// set, its init phase reads the credentials from the replicas. Two kumo
// servers are the two regions. kumo gives each region's copy of a secret
// six characters of its own, where AWS keeps its replica's ARN but for the
// region, so the reference is the secret's partial ARN.
func TestColdStartDuringARegionalOutage(t *testing.T) {
	const (
		apiKeyName   = "prod/orders/partner-api-key"
		apiKey       = "failover-test-api-key"
		signingParam = "/prod/orders/partner-signing-key"
		signingKey   = "failover-test-signing-key"
	)
	b := tworegions.Start(t)
	b.PutSecret(t, apiKeyName, apiKey, tworegions.Replica, tworegions.Home)
	b.PutParameter(t, signingParam, signingKey, tworegions.Replica, tworegions.Home)
	b.Faults[tworegions.Home].Fail(faultproxy.Hang, -1)
	partnerAPI := partnertest.NewServer(t, partner.Credentials{APIKey: apiKey, SigningKey: []byte(signingKey)})
	fn := startEmulator(t, append(exampletest.AWSEnv(t, b.Router.URL),
		"PARTNER_URL="+partnerAPI.URL,
		"PARTNER_API_KEY_REF="+kumotest.SecretARN(apiKeyName),
		"SIGNING_KEY_REF="+signingParam,
		"SECRETREF_FAILOVER_REGIONS="+tworegions.Replica,
		"AWS_LAMBDA_FUNCTION_TIMEOUT=10",
	), []string{apiKey, signingKey})
	order := partner.Order{ID: "o-outage", AmountCents: 990}
	var receipt partner.Receipt
	if err := json.Unmarshal(fn.invoke(t, order), &receipt); err != nil || receipt.OrderID != order.ID {
		t.Fatalf("receipt for order %q (%v), want %q", receipt.OrderID, err, order.ID)
	}
	if n := b.Faults[tworegions.Replica].Requests(); n == 0 {
		t.Error("no call to the replicas' region")
	}
	if accepted, rejected := partnerAPI.Take(); accepted != 1 || rejected != 0 {
		t.Errorf("the partner accepted %d and rejected %d requests, want 1 and 0", accepted, rejected)
	}
}
