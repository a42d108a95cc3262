// Package after is package before migrated from the AWS Secrets Manager
// caching client for Go to secretref: the same Source, with a password
// that never prints, errors that never quote the secret, and a Refresh
// that does not sleep.
package after

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretref/secretref/secrets"
)

// Credentials are what the secret holds.
type Credentials struct {
	Username string
	Password secrets.Value // prints [REDACTED]
}

// Source reads the credentials through a cache.
type Source struct {
	client *secrets.Client
	// References to the secret's two JSON fields. They share one fetch and
	// one cache entry.
	username, password string
}

// New returns a Source for the secret secretID (a name or ARN) that reads
// it again after ttl.
func New(ctx context.Context, cfg aws.Config, secretID string, ttl time.Duration) (*Source, error) {
	c, err := secrets.New(ctx, func(o *secrets.Options) { o.AWSConfig = &cfg; o.TTL = ttl })
	if err != nil {
		return nil, err
	}
	ref := "sm:" + secretID
	return &Source{client: c, username: ref + "#username", password: ref + "#password"}, nil
}

// Credentials returns the credentials, from the cache while they are fresh.
func (s *Source) Credentials(ctx context.Context) (Credentials, error) {
	user, err := s.client.GetString(ctx, s.username)
	if err != nil {
		return Credentials{}, err
	}
	password, err := s.client.Get(ctx, s.password)
	if err != nil {
		return Credentials{}, err
	}
	return Credentials{Username: user, Password: password}, nil
}

// Refresh reads the secret again, for when the database rejected the
// cached credentials. Concurrent calls share one fetch.
func (s *Source) Refresh(ctx context.Context) (Credentials, error) {
	if _, err := s.client.Refresh(ctx, s.password); err != nil {
		return Credentials{}, err
	}
	return s.Credentials(ctx)
}

// Close stops the Client's background refreshes.
func (s *Source) Close() error { return s.client.Close() }
