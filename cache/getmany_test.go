package cache

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/secretref/secretref/internal/testing/poll"
)

// A GetMany of more keys than MaxEntries returns every value it read: the
// caller asked for values, not for cache entries. The cache keeps what
// fits.
func TestGetManyOfMoreKeysThanMaxEntries(t *testing.T) {
	for _, size := range []int{1, 20} {
		t.Run(fmt.Sprintf("batch size %d", size), func(t *testing.T) {
			bb, c := newBatchTest(t, size, func(o *Options[string, string]) { o.MaxEntries = 50 })
			keys := make([]string, 200)
			for i := range keys {
				keys[i] = fmt.Sprintf("k%03d", i)
				bb.set(keys[i], "v"+keys[i])
			}
			vals, errs := c.GetMany(context.Background(), keys)
			failed := 0
			for i := range keys {
				if errs[i] != nil || vals[i] != "v"+keys[i] {
					failed++
				}
			}
			if failed > 0 {
				t.Errorf("%d of 200 keys without their value (first error: %v)", failed, errors.Join(errs...))
			}
			if n := c.Len(); n > 50 {
				t.Errorf("%d entries, want at most MaxEntries, 50", n)
			}
			if n := c.Stats().Loads; n != 200 {
				t.Errorf("%d keys loaded, want 200", n)
			}
		})
	}
}

// Without Options.Batch, every key is in one group, "", of one key: each
// is loaded alone by the Loader, and a throttled load slows the background
// refreshes of every key, as of one backend.
func TestDefaultBatchGroupIsOneGroupOfOne(t *testing.T) {
	b := newBackend()
	c, clk := newTest(t, b, func(o *Options[string, string]) {
		o.IsThrottled = func(err error) bool { return errors.Is(err, errThrottled) }
		o.RefreshAhead = 0.5
	})
	keys := []string{"a", "b", "c"}
	for _, k := range keys {
		b.set(k, "v1")
	}
	if _, errs := c.GetMany(context.Background(), keys); errors.Join(errs...) != nil {
		t.Fatal(errors.Join(errs...))
	}
	if n := len(c.groups); n != 1 {
		t.Fatalf("%d batch groups, want 1", n)
	}
	for _, e := range c.groups[""].members {
		if !e.solo {
			t.Errorf("key %q is batched, want it loaded alone", e.key)
		}
	}
	// One throttled refresh of "a" paces the refreshes of "b" and "c".
	b.fail("a", errThrottled)
	clk.Advance(40 * time.Second) // into the refresh-ahead window
	mustGet(t, c, "a", "v1")
	poll.Until(t, "the group to slow down", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.groups[""].throttle.rate != 0
	})
}

// A key whose batch group size is 1 is loaded alone even in a group of
// batched keys, and never coalesced into their calls.
func TestSoloKeyIsLoadedAlone(t *testing.T) {
	bb := &batchBackend{backend: newBackend()}
	c, _ := newTest(t, bb.backend, func(o *Options[string, string]) {
		o.Batch = func(k string) (string, int) {
			if k == "pinned" {
				return "g", 1
			}
			return "g", 10
		}
		o.BatchLoad = bb.loadBatch
	})
	keys := []string{"a", "b", "pinned", "c"}
	for _, k := range keys {
		bb.set(k, "v")
	}
	if _, errs := c.GetMany(context.Background(), keys); errors.Join(errs...) != nil {
		t.Fatal(errors.Join(errs...))
	}
	calls := bb.calls()
	if len(calls) != 1 || len(calls[0]) != 3 {
		t.Fatalf("batch calls %v, want one of a, b and c", calls)
	}
	if n := c.Stats().Loads; n != 4 {
		t.Errorf("%d keys loaded, want 4", n)
	}
}

// A watch's poll, a GetMany or a refresh that begins a load while Close
// runs is either waited for by Close or not begun: no load is counted
// after Close began to wait (the race detector checks the count).
func TestCloseWhileLoadsBegin(t *testing.T) {
	for range 50 {
		b := newBackend()
		b.set("k", "v")
		c, err := New(b.load, func(o *Options[string, string]) { o.TTL = time.Millisecond; o.Jitter = Disabled })
		if err != nil {
			t.Fatal(err)
		}
		stop := c.Watch("k", func(string) {})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for range 20 {
				c.GetMany(context.Background(), []string{"k", "k2"})
			}
		}()
		time.Sleep(2 * time.Millisecond)
		c.Close()
		<-done
		stop()
	}
}
