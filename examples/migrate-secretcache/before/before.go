// Package before reads a service's database credentials from AWS Secrets
// Manager through the AWS Secrets Manager caching client for Go
// (github.com/aws/aws-secretsmanager-caching-go/v2/secretcache). Package
// after is the same code migrated to secretref.
package before

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-secretsmanager-caching-go/v2/secretcache"
)

// Credentials are what the secret holds.
type Credentials struct {
	Username string `json:"username"`
	Password string `json:"password"` // a plain string: printing Credentials prints it
}

// Source reads the credentials through a cache.
type Source struct {
	cache    *secretcache.Cache
	secretID string
}

// New returns a Source for the secret secretID (a name or ARN) that reads
// it again after ttl.
func New(cfg aws.Config, secretID string, ttl time.Duration) (*Source, error) {
	cache, err := secretcache.New(func(c *secretcache.Cache) {
		c.Client = secretsmanager.NewFromConfig(cfg)
		c.CacheItemTTL = ttl.Nanoseconds()
	})
	if err != nil {
		return nil, err
	}
	return &Source{cache: cache, secretID: secretID}, nil
}

// Credentials returns the credentials, from the cache while they are fresh.
func (s *Source) Credentials(ctx context.Context) (Credentials, error) {
	secret, err := s.cache.GetSecretStringWithContext(ctx, s.secretID)
	if err != nil {
		return Credentials{}, err
	}
	var c Credentials
	if err := json.Unmarshal([]byte(secret), &c); err != nil {
		// encoding/json's messages can quote the input, so not err.
		return Credentials{}, fmt.Errorf("secret %s does not hold the credentials' JSON", s.secretID)
	}
	return c, nil
}

// Refresh reads the secret again, for when the database rejected the
// cached credentials.
func (s *Source) Refresh(ctx context.Context) (Credentials, error) {
	s.cache.RefreshNowWithContext(ctx, s.secretID) // sleeps 2.5 to 5 seconds first
	return s.Credentials(ctx)
}
