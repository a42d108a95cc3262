// Package secretstest gives unit tests of code that reads secrets a
// secrets.Client over an in-memory store, in one line:
//
//	c, store := secretstest.New(t)
//	store.Put("prod/db", `{"username":"app","password":"test-only"}`)
//	// pass c to the code under test
//
// Code that reads through the package-level secrets.Get and
// secrets.GetString, as a Lambda handler may, is tested with NewDefault,
// which makes the Client the default one for the test.
//
// The store serves both "sm" and "ssm" references: names and ARNs alike
// (memory.SecretARN and memory.ParameterARN make ARNs for a name), paths
// (GetPath), versions and staging labels, rotation (Store.Rotate,
// Store.PutPending) and failures injected on demand (Store.Fail with
// Failure). It is as strict as the services where a unit test would
// otherwise pass and production fail: Put fails the test for a name
// neither Secrets Manager nor Parameter Store takes, names are in one
// account and region (memory.Account, memory.Region), and an ARN of
// another account or region does not read a secret stored by name. No AWS
// configuration is loaded and nothing leaves the process.
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

// Store is the in-memory store behind a Client of New: a memory.Store
// whose Put, PutBinary, PutPending and Rotate fail the test, with what is
// wrong, for a name neither service takes (see memory.CheckName).
type Store struct {
	*memory.Store
	t T
}

// Put stores value as the new current version of name and returns its
// version id, as memory.Store.Put does.
func (s *Store) Put(name, value string) string {
	s.t.Helper()
	s.check(name)
	return s.Store.Put(name, value)
}

// PutBinary stores value as a binary secret, as memory.Store.PutBinary
// does.
func (s *Store) PutBinary(name string, value []byte) string {
	s.t.Helper()
	s.check(name)
	return s.Store.PutBinary(name, value)
}

// PutPending stores value as a version labelled AWSPENDING only, as
// memory.Store.PutPending does.
func (s *Store) PutPending(name, value string) string {
	s.t.Helper()
	s.check(name)
	return s.Store.PutPending(name, value)
}

// Rotate does a rotation function's steps at once, as memory.Store.Rotate
// does.
func (s *Store) Rotate(name, value string) string {
	s.t.Helper()
	s.check(name)
	return s.Store.Rotate(name, value)
}

func (s *Store) check(name string) {
	s.t.Helper()
	if err := memory.CheckName(name); err != nil {
		s.t.Fatalf("secretstest: %v", err)
	}
}

// New returns a Client whose "sm" and "ssm" references are served by one
// new in-memory store, and that store. The Client is closed when t ends.
// optFns configure the Client further (TTL, Logger, ...) after its
// providers are set: to add a provider, add it to Options.Providers rather
// than replacing the map.
func New(t T, optFns ...func(*secrets.Options)) (*secrets.Client, *Store) {
	t.Helper()
	store := &Store{Store: memory.New(), t: t}
	optFns = append([]func(*secrets.Options){func(o *secrets.Options) {
		o.Providers = map[string]providers.Provider{
			secrets.SchemeSecretsManager: store.Store,
			secrets.SchemeParameterStore: store.Store,
		}
	}}, optFns...)
	c, err := secrets.New(context.Background(), optFns...)
	if err != nil {
		t.Fatalf("secretstest: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, store
}

// NewDefault is New, and makes the Client the default one, behind the
// package-level secrets.Get and secrets.GetString, until t ends: then the
// previous default is put back and the Client is closed. The default is
// one for the whole process: tests that use it must not run in parallel
// with each other (t.Parallel).
func NewDefault(t T, optFns ...func(*secrets.Options)) (*secrets.Client, *Store) {
	t.Helper()
	c, store := New(t, optFns...)
	previous := secrets.SetDefault(c)
	// Cleanups run last registered first: the previous default is back
	// before the Client is closed.
	t.Cleanup(func() { secrets.SetDefault(previous) })
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
