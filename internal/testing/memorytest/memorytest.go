// Package memorytest gives the providertest harness of a memory store, for
// the conformance tests of memory.Store and of the providers built on one.
package memorytest

import (
	"context"
	"time"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/providers/providertest"
)

// Store is a provider whose values a test puts: a *memory.Store, or a
// provider that embeds one.
type Store interface {
	providers.Provider
	Put(name, value string) string
	PutBinary(name string, value []byte) string
	SetNextRotation(name string, next time.Time) error
}

var _ Store = (*memory.Store)(nil)

// Harness returns the harness that runs the conformance suite on s, with
// hierarchical names for the listing of paths.
func Harness(s Store) providertest.Harness {
	return providertest.Harness{
		Provider: s,
		Name:     func(w string) string { return "/providertest/" + w },
		Put: func(_ context.Context, name string, v []byte) (string, error) {
			return s.Put(name, string(v)), nil
		},
		PutBinary: func(_ context.Context, name string, v []byte) (string, error) {
			return s.PutBinary(name, v), nil
		},
		Versions:         true,
		PreviousStage:    memory.StagePrevious,
		ScheduleRotation: func(_ context.Context, name string, next time.Time) error { return s.SetNextRotation(name, next) },
	}
}
