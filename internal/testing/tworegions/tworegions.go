// Package tworegions runs two emulated AWS regions for failover tests: a
// kumo server per region (kumo takes its region when it starts), a fault
// proxy in front of each, and one endpoint that routes each request to the
// region it is signed for.
package tworegions

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/secretref/secretref/internal/testing/faultproxy"
	"github.com/secretref/secretref/internal/testing/kumotest"
	"github.com/secretref/secretref/internal/testing/regionproxy"
)

// The two regions: a secret's own, and the one it is replicated to.
const (
	Home    = "us-east-1"
	Replica = "us-west-2"
)

// Backend is the two regions and the endpoint in front of them.
type Backend struct {
	Servers map[string]*kumotest.Server
	Faults  map[string]*faultproxy.Proxy // inject a region's outage here
	Router  *regionproxy.Proxy
}

// Start starts both regions, stopped when t ends.
func Start(t testing.TB) *Backend {
	t.Helper()
	b := &Backend{Servers: map[string]*kumotest.Server{}, Faults: map[string]*faultproxy.Proxy{}}
	targets := map[string]string{}
	for _, region := range []string{Home, Replica} {
		srv := kumotest.StartIn(t, region)
		b.Servers[region] = srv
		b.Faults[region] = faultproxy.New(t, srv.URL)
		targets[region] = b.Faults[region].URL
	}
	b.Router = regionproxy.New(t, targets)
	return b
}

// Config returns the configuration of a process in Home whose endpoint is
// the router, with the SDK's default retries unless optFns say otherwise.
func (b *Backend) Config(t testing.TB, optFns ...func(*config.LoadOptions) error) aws.Config {
	t.Helper()
	cfg, err := kumotest.LoadConfig(b.Router.URL, append([]func(*config.LoadOptions) error{config.WithRegion(Home)}, optFns...)...)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// PutSecret creates or updates name in each of regions (in that order, so
// that the later ones hold the newer versions) and returns the full ARN
// each region gave it.
func (b *Backend) PutSecret(t testing.TB, name, value string, regions ...string) map[string]string {
	t.Helper()
	arns := map[string]string{}
	for _, region := range regions {
		sm := b.Servers[region].SecretsManager(t)
		put, err := sm.PutSecretValue(context.Background(), &secretsmanager.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String(value)})
		if err == nil {
			arns[region] = aws.ToString(put.ARN)
			continue
		}
		created, err := sm.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)})
		if err != nil {
			t.Fatal(err)
		}
		arns[region] = aws.ToString(created.ARN)
	}
	return arns
}

// PutParameter puts name as a SecureString in each of regions.
func (b *Backend) PutParameter(t testing.TB, name, value string, regions ...string) {
	t.Helper()
	for _, region := range regions {
		if _, err := b.Servers[region].SSM(t).PutParameter(context.Background(), &ssm.PutParameterInput{
			Name: aws.String(name), Value: aws.String(value), Type: ssmtypes.ParameterTypeSecureString, Overwrite: aws.Bool(true),
		}); err != nil {
			t.Fatal(err)
		}
	}
}
