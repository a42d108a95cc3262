package batchmemory_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/secretref/secretref/internal/testing/batchmemory"
	"github.com/secretref/secretref/internal/testing/memorytest"
	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/providertest"
)

func TestConformance(t *testing.T) {
	providertest.Run(t, memorytest.Harness(batchmemory.New()))
}

func TestFetchBatch(t *testing.T) {
	s := batchmemory.New()
	s.Put("/a", "1")
	s.Put("/b", "2")
	res := s.FetchBatch(context.Background(), []providers.Request{{Name: "/b"}, {Name: "/absent"}, {Name: "/a"}})
	if len(res) != 3 {
		t.Fatalf("%d results for 3 requests", len(res))
	}
	if res[0].Err != nil || string(res[0].Result.Value) != "2" || res[2].Err != nil || string(res[2].Result.Value) != "1" {
		t.Error("the results are not in the order of the requests")
	}
	if !errors.Is(res[1].Err, providers.ErrNotFound) {
		t.Errorf("an absent name: %v, want ErrNotFound", res[1].Err)
	}
}

func TestFetchPath(t *testing.T) {
	s := batchmemory.New()
	for _, n := range []string{"/app/a", "/app/b", "/app/deep/c", "/apple", "/other/d", "/app/gone"} {
		s.Put(n, "v")
	}
	s.Delete("/app/gone")
	tests := []struct {
		path      string
		recursive bool
		want      []string
	}{
		{"/app", false, []string{"/app/a", "/app/b"}},
		{"/app/", false, []string{"/app/a", "/app/b"}},
		{"/app", true, []string{"/app/a", "/app/b", "/app/deep/c"}},
		{"/none", true, []string{}},
	}
	for _, tt := range tests {
		got, err := s.FetchPath(context.Background(), tt.path, tt.recursive, "")
		if err != nil {
			t.Fatal(err)
		}
		if names := slices.Sorted(maps.Keys(got)); !slices.Equal(names, tt.want) {
			t.Errorf("FetchPath(%q, %t) = %q, want %q", tt.path, tt.recursive, names, tt.want)
		}
	}
}
