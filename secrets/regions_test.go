package secrets_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/secretref/secretref/internal/testing/sdkfake"
	"github.com/secretref/secretref/internal/testing/syncbuf"
	"github.com/secretref/secretref/providers"
	smprovider "github.com/secretref/secretref/providers/secretsmanager"
	"github.com/secretref/secretref/secrets"
)

// A warm Client learns a secret's replicas from the DescribeSecret it makes
// for the rotation schedule, with no call of its own: when the secret's
// region fails, the configured regions are tried in order, then the
// replicas not configured. A configured region that holds no replica is
// logged once. kumo has no replication: a substituted SDK client answers
// DescribeSecret with a ReplicationStatus, and GetSecretValue by region.
func TestReplicasLearnedFromDescribeSecret(t *testing.T) {
	var mu sync.Mutex
	var regions []string
	homeDown := false
	fake := &sdkfake.SecretsManager{
		OnDescribeSecret: func(context.Context, *secretsmanager.DescribeSecretInput) (*secretsmanager.DescribeSecretOutput, error) {
			return &secretsmanager.DescribeSecretOutput{ReplicationStatus: []smtypes.ReplicationStatusType{
				{Region: aws.String("us-west-2"), Status: smtypes.StatusTypeInSync},
				{Region: aws.String("ap-south-1"), Status: smtypes.StatusTypeInSync},
			}}, nil
		},
	}
	fake.OnGetSecretValue = func(ctx context.Context, in *secretsmanager.GetSecretValueInput) (*secretsmanager.GetSecretValueOutput, error) {
		calls := fake.GetSecretValueCalls()
		region := calls[len(calls)-1].Region
		mu.Lock()
		defer mu.Unlock()
		regions = append(regions, region)
		switch {
		case region == "" && homeDown:
			return nil, &smithy.GenericAPIError{Code: "InternalFailure", Message: "down", Fault: smithy.FaultServer}
		case region == "eu-west-1":
			return nil, &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "no such secret here", Fault: smithy.FaultClient}
		}
		return &secretsmanager.GetSecretValueOutput{SecretString: aws.String("v-" + region), VersionId: aws.String("1")}, nil
	}
	var log syncbuf.Buffer
	c := newTestClient(t, []func(*secrets.Options){func(o *secrets.Options) {
		o.Providers = map[string]providers.Provider{secrets.SchemeSecretsManager: smprovider.New(fake), secrets.SchemeParameterStore: smprovider.New(fake)}
		o.FailoverRegions = []string{"eu-west-1", "us-west-2"}
		o.Logger = slog.New(slog.NewTextHandler(&log, nil))
	}})
	if _, err := c.Get(context.Background(), "sm:app/db"); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.DescribeSecretCalls()); n != 1 {
		t.Fatalf("%d DescribeSecret calls, want 1", n)
	}
	mu.Lock()
	homeDown, regions = true, nil
	mu.Unlock()
	for range 2 {
		_ = c.Invalidate("sm:app/db")
		v, err := c.Get(context.Background(), "sm:app/db")
		if err != nil || v.Reveal() != "v-us-west-2" {
			t.Fatalf("Get with the home region down: %v (a %d-byte value)", err, v.Len())
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"", "eu-west-1", "us-west-2"}; !slices.Equal(regions[:3], want) {
		t.Errorf("regions called %q, want %q first", regions, want)
	}
	if n := strings.Count(log.String(), "not replicated to a failover region"); n != 1 {
		t.Errorf("logged %d times that eu-west-1 holds no replica, want once:\n%s", n, log.String())
	}
}

// SECRETREF_FAILOVER_REGIONS sets Options.FailoverRegions, and a name that
// is not a region is refused, naming the variable.
func TestFailoverRegionsFromTheEnvironment(t *testing.T) {
	t.Setenv(secrets.EnvFailoverRegions, " us-west-2, EU-WEST-1 ")
	c, err := newWithEnv(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = c
	t.Setenv(secrets.EnvFailoverRegions, "us-west-2,mars")
	if _, err := newWithEnv(t, nil); err == nil || !strings.Contains(err.Error(), secrets.EnvFailoverRegions) {
		t.Errorf("New with a bad region: %v, want an error naming %s", err, secrets.EnvFailoverRegions)
	}
	t.Setenv(secrets.EnvFailoverRegions, "")
	if _, err := newWithEnv(t, nil, func(o *secrets.Options) { o.FailoverRegions = []string{"nowhere"} }); err == nil {
		t.Error("New with Options.FailoverRegions of a bad region: no error")
	}
}
