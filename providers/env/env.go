// Package env serves secrets from environment variables: for local runs and
// tests, where a variable stands in for a Secrets Manager secret. Do not use
// it in production to hold a credential in plain text: that is the practice
// this module exists to end.
package env

import (
	"context"
	"fmt"
	"os"

	"github.com/secretref/secretref/providers"
)

// Options configures a Provider.
type Options struct {
	// Lookup reads a variable. Default: os.LookupEnv.
	Lookup func(name string) (string, bool)
}

// Provider reads environment variables. It is safe for concurrent use.
// Variables have no versions; a reader detects a change by the value.
type Provider struct {
	lookup func(string) (string, bool)
}

var _ providers.Provider = (*Provider)(nil)

// New returns a Provider.
func New(optFns ...func(*Options)) *Provider {
	o := Options{Lookup: os.LookupEnv}
	for _, fn := range optFns {
		fn(&o)
	}
	return &Provider{lookup: o.Lookup}
}

// Fetch returns the variable req.Name. An unset variable is ErrNotFound; a
// set but empty one is an empty value.
func (p *Provider) Fetch(ctx context.Context, req providers.Request) (*providers.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if req.Stage != "" || req.VersionID != "" || req.SkipDecryption {
		return nil, providers.Classify(providers.ErrInvalidReference, fmt.Errorf("environment variables have no versions or encryption"))
	}
	v, ok := p.lookup(req.Name)
	if !ok {
		return nil, providers.Classify(providers.ErrNotFound, fmt.Errorf("environment variable %s is not set", req.Name))
	}
	return &providers.Result{Value: []byte(v)}, nil
}
