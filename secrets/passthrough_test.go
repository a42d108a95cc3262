package secrets_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/secretref/secretref/internal/testing/fakeclock"
	"github.com/secretref/secretref/internal/testing/poll"
	"github.com/secretref/secretref/internal/testing/sdkfake"
	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	ssmprovider "github.com/secretref/secretref/providers/ssm"
	"github.com/secretref/secretref/secrets"
)

// passthroughService answers GetParameter for an
// /aws/reference/secretsmanager/ name as Parameter Store does: Version 0,
// and the secret's Secrets Manager answer, version id included, as a JSON
// string in SourceResult. kumo does not serve these paths.
type passthroughService struct {
	mu      sync.Mutex
	secret  string
	version string
}

func (s *passthroughService) rotate(secret, version string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secret, s.version = secret, version
}

// api returns a stand-in Parameter Store client that answers with s.
func (s *passthroughService) api() *sdkfake.SSM {
	return &sdkfake.SSM{OnGetParameter: func(_ context.Context, in *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{
			Name: in.Name, Type: ssmtypes.ParameterTypeSecureString, Value: aws.String(s.secret), Version: 0,
			SourceResult: aws.String(`{"name":"prod/db","secretString":"` + s.secret + `","versionId":"` + s.version + `","versionStages":["AWSCURRENT"]}`),
		}}, nil
	}}
}

// A watcher of a secret read through Parameter Store is told of its
// rotation: each version has the secret's own version id, not Parameter
// Store's 0.
func TestWatchSeesPassthroughRotation(t *testing.T) {
	const ref = "/aws/reference/secretsmanager/prod/db"
	svc := &passthroughService{}
	svc.rotate("pt-first-5Kx8", "11111111-aaaa-4aaa-8aaa-000000000001")
	clock := fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	c, err := secrets.New(context.Background(), func(o *secrets.Options) {
		o.Providers = map[string]providers.Provider{
			secrets.SchemeParameterStore: ssmprovider.New(svc.api()),
			secrets.SchemeSecretsManager: memory.New(),
		}
		o.Clock = clock
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	first, err := c.Get(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []secrets.Value
	stop, err := c.Watch(ref, func(v secrets.Value) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, v)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	svc.rotate("pt-second-9Qw2", "11111111-aaaa-4aaa-8aaa-000000000002")
	clock.Advance(time.Minute) // past any minimum interval between refreshes
	second, err := c.Refresh(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if second.Version() == first.Version() {
		t.Fatalf("both versions read as version %q", first.Version())
	}
	poll.Until(t, "the watcher to see the rotation", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) == 1 && seen[0].Equal(second)
	})
}
