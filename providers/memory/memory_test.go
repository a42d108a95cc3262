package memory_test

import (
	"context"
	"testing"

	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/providers/providertest"
)

func TestConformance(t *testing.T) {
	s := memory.New()
	providertest.Run(t, providertest.Harness{
		Provider: s,
		Name:     func(w string) string { return "test/" + w },
		Put: func(_ context.Context, name string, v []byte) (string, error) {
			return s.Put(name, string(v)), nil
		},
		PutBinary: func(_ context.Context, name string, v []byte) (string, error) {
			return s.PutBinary(name, v), nil
		},
		Versions:      true,
		PreviousStage: memory.StagePrevious,
	})
}
