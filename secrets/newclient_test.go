package secrets_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/secrets"
)

// newProviderClient returns a Client whose "sm" and "ssm" schemes are both
// served by p, with opts applied after that, closed when t ends.
func newProviderClient(t testing.TB, p providers.Provider, opts ...func(*secrets.Options)) *secrets.Client {
	t.Helper()
	return newTestClient(t, append([]func(*secrets.Options){func(o *secrets.Options) {
		o.Providers = map[string]providers.Provider{secrets.SchemeSecretsManager: p, secrets.SchemeParameterStore: p}
	}}, opts...))
}

// newAWSClient returns a Client on the AWS configuration cfg, with opts
// applied after it, closed when t ends.
func newAWSClient(t testing.TB, cfg aws.Config, opts ...func(*secrets.Options)) *secrets.Client {
	t.Helper()
	return newTestClient(t, append([]func(*secrets.Options){func(o *secrets.Options) { o.AWSConfig = &cfg }}, opts...))
}

func newTestClient(t testing.TB, opts []func(*secrets.Options)) *secrets.Client {
	t.Helper()
	c, err := secrets.New(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}
