package env_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/env"
	"github.com/secretref/secretref/providers/providertest"
)

func TestConformance(t *testing.T) {
	var mu sync.Mutex
	vars := map[string]string{}
	p := env.New(func(o *env.Options) {
		o.Lookup = func(name string) (string, bool) {
			mu.Lock()
			defer mu.Unlock()
			v, ok := vars[name]
			return v, ok
		}
	})
	providertest.Run(t, providertest.Harness{
		Provider: p,
		Name:     func(w string) string { return "SECRETREF_TEST_" + strings.ToUpper(w) },
		Put: func(_ context.Context, name string, v []byte) (string, error) {
			mu.Lock()
			defer mu.Unlock()
			vars[name] = string(v)
			return "", nil
		},
		Unversioned: true,
	})
}

func TestReadsTheProcessEnvironment(t *testing.T) {
	t.Setenv("SECRETREF_TEST_REAL", "from-env")
	res, err := env.New().Fetch(context.Background(), providers.Request{Name: "SECRETREF_TEST_REAL"})
	if err != nil || string(res.Value) != "from-env" {
		t.Fatalf("Fetch = %d bytes, %v; want the variable's value", len(res.Value), err)
	}
}
