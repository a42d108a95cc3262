package cache

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secretref/secretref/internal/testing/poll"
)

// A value read from a replica replaces a cached one only when Newer says
// it is newer: a lagging replica renews the cached value instead, and
// watchers hear no version twice, none out of order. With nothing cached,
// the replica's value is taken.
func TestReplicaValueNeverRollsBack(t *testing.T) {
	b := newBackend()
	replica := map[string]bool{}
	c, clk := newTest(t, b, func(o *Options[string, string]) {
		// Versions are "v1" < "v2" < "v3"; a replica's value ends in "@r".
		o.Newer = func(a, b string) bool { return strings.TrimSuffix(a, "@r") > strings.TrimSuffix(b, "@r") }
		o.SameVersion = func(a, b string) bool { return strings.TrimSuffix(a, "@r") == strings.TrimSuffix(b, "@r") }
	})
	load := c.load
	c.load = func(ctx context.Context, k string) Loaded[string] {
		l := load(ctx, k)
		l.FromReplica = replica[l.Value]
		return l
	}
	b.set("k", "v1@r")
	replica["v1@r"] = true
	mustGet(t, c, "k", "v1@r") // nothing cached: the replica's value is taken
	seen, stop := watchValues(c, "k")
	defer stop()
	for _, step := range []struct{ loaded, want string }{
		{"v2", "v2"},     // the source
		{"v1@r", "v2"},   // a replica lagging: the newer value stays
		{"v2@r", "v2"},   // a replica that caught up: same version
		{"v3@r", "v3@r"}, // a replica ahead of the cache: newer
		{"v1@r", "v3@r"},
	} {
		replica[step.loaded] = strings.HasSuffix(step.loaded, "@r")
		b.set("k", step.loaded)
		clk.Advance(2 * time.Minute)
		mustGet(t, c, "k", step.want)
		clk.Advance(30 * time.Second)
		mustGet(t, c, "k", step.want) // renewed: fresh, no load
	}
	poll.Until(t, "the watcher to hear v3", func() bool { return slices.Contains(seen(), "v3@r") })
	if got := seen(); !slices.Equal(got, []string{"v2", "v3@r"}) {
		t.Errorf("watcher heard %v, want [v2 v3@r]", got)
	}
	if n := b.calls.Load(); n != 6 {
		t.Errorf("%d loads, want 6: a renewed value is fresh", n)
	}
}
