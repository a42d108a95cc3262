package providertest

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/secretref/secretref/providers"
)

// testPath checks FetchPath: the values directly under a path, or at any
// depth, keyed by full name; an empty path lists nothing; a cancelled
// context fails. Names under h.Name("tree") must be valid names of the
// backend.
func testPath(t *testing.T, h Harness, pf providers.PathFetcher) {
	ctx := context.Background()
	root := h.Name("tree")
	values := map[string]string{
		root + "/a":         "path-value-a",
		root + "/b":         "path-value-b",
		root + "/sub/c":     "path-value-c",
		root + "/sub/sub/d": "path-value-d",
	}
	versions := map[string]string{}
	for name, v := range values {
		versions[name] = put(t, h, name, v)
	}
	for _, tc := range []struct {
		recursive bool
		want      []string
	}{
		{false, []string{root + "/a", root + "/b"}},
		{true, []string{root + "/a", root + "/b", root + "/sub/c", root + "/sub/sub/d"}},
	} {
		got, err := pf.FetchPath(ctx, root, tc.recursive, "")
		if err != nil {
			t.Fatalf("FetchPath(%q, recursive=%v): %v", root, tc.recursive, err)
		}
		if names := slices.Sorted(maps.Keys(got)); !slices.Equal(names, tc.want) {
			t.Errorf("FetchPath(%q, recursive=%v) lists %q, want %q", root, tc.recursive, names, tc.want)
		}
		for name, r := range got {
			if r == nil {
				t.Errorf("FetchPath: a nil result for %q", name)
				continue
			}
			checkValue(t, "FetchPath value of "+name, r.Value, values[name])
			if v := versions[name]; v != "" && r.Version != v {
				t.Errorf("FetchPath: %q at version %q, want %q (from Put)", name, r.Version, v)
			}
		}
	}

	if got, err := pf.FetchPath(ctx, h.Name("emptytree"), true, ""); err != nil || len(got) != 0 {
		t.Errorf("FetchPath of a path with nothing under it: %d values, error %v; want none and no error", len(got), err)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := pf.FetchPath(cancelled, root, true, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("FetchPath with a cancelled context: error %v, want one matching context.Canceled", err)
	}
}
