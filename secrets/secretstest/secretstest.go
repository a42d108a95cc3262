// Package secretstest gives unit tests of code that reads secrets a
// secrets.Client over an in-memory store, in one line:
//
//	c, store := secretstest.New(t)
//	store.Put("prod/db", `{"username":"app","password":"test-only"}`)
//	// pass c to the code under test
//
// The store serves both "sm" and "ssm" references: names and ARNs alike
// (memory.SecretARN and memory.ParameterARN make ARNs for a name), paths
// (GetPath), versions and staging labels, rotation (Store.Rotate,
// Store.PutPending) and failures injected on demand (Store.Fail with
// Failure). No AWS configuration is loaded and nothing leaves the process.
package secretstest

import (
	"context"
	"errors"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
)

// T is the part of a test's *testing.T (or *testing.B, *testing.F) that
// New uses.
type T interface {
	Helper()
	Cleanup(func())
	Fatalf(format string, args ...any)
}

// New returns a Client whose "sm" and "ssm" references are served by one
// new in-memory store, and that store. The Client is closed when t ends.
// optFns configure the Client further (TTL, Logger, ...) after its
// providers are set: to add a provider, add it to Options.Providers rather
// than replacing the map.
func New(t T, optFns ...func(*secrets.Options)) (*secrets.Client, *memory.Store) {
	t.Helper()
	store := memory.New()
	optFns = append([]func(*secrets.Options){func(o *secrets.Options) {
		o.Providers = map[string]providers.Provider{
			secrets.SchemeSecretsManager: store,
			secrets.SchemeParameterStore: store,
		}
	}}, optFns...)
	c, err := secrets.New(context.Background(), optFns...)
	if err != nil {
		t.Fatalf("secretstest: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, store
}

// Failure returns an error classified as kind — secrets.ErrThrottled,
// ErrUnavailable, ErrAccessDenied, ErrNotFound, ErrMisconfigured — to make
// reads fail with:
//
//	store.Fail("prod/db", secretstest.Failure(secrets.ErrThrottled))
//	defer store.Fail("prod/db", nil)
//
// Throttling and unavailability are transient: a Client serves a value it
// holds through them. The others are not.
func Failure(kind error) error {
	return providers.Classify(kind, errInjected)
}

var errInjected = errors.New("injected by secretstest")
