package secrets_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/secretref/secretref/internal/testing/poll"
	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/secrets"
)

// However many distinct references are read, by however many goroutines,
// the cache holds at most MaxEntries values.
func TestMaxEntriesBoundsTheCache(t *testing.T) {
	const maxEntries, refs, readers = 100, 100_000, 4
	c, store := newMemoryClient(t, func(o *secrets.Options) { o.MaxEntries = maxEntries })
	for i := range refs {
		store.Put(fmt.Sprintf("r/%05d", i), "v")
	}
	var wg sync.WaitGroup
	for r := range readers {
		wg.Go(func() {
			for i := r; i < refs; i += readers {
				ref := fmt.Sprintf("sm:r/%05d", i)
				if _, err := c.Get(context.Background(), ref); err != nil {
					t.Errorf("Get(%q): %v", ref, err)
					return
				}
				if i%10_000 == 0 {
					if n := c.Stats().Entries; n > maxEntries {
						t.Errorf("%d entries, want at most %d", n, maxEntries)
					}
				}
			}
		})
	}
	wg.Wait()
	s := c.Stats()
	if s.Entries != maxEntries {
		t.Errorf("%d entries after %d references, want %d", s.Entries, refs, maxEntries)
	}
	// An entry the other readers evict before its reader locks it is made
	// again, and evicted again: a few more evictions than references
	// beyond MaxEntries, never fewer.
	if s.Evictions < refs-maxEntries || s.Evictions > refs-maxEntries+refs/100 {
		t.Errorf("%d evictions, want %d or a few more", s.Evictions, refs-maxEntries)
	}
}

// blockingProvider serves "v" for a name's first fetch and blocks every
// later fetch until its context ends: a refresh that is still in flight
// when the Client is closed.
type blockingProvider struct {
	mu      sync.Mutex
	fetched map[string]bool
	blocked atomic.Int32
}

func (p *blockingProvider) Fetch(ctx context.Context, req providers.Request) (*providers.Result, error) {
	p.mu.Lock()
	first := !p.fetched[req.Name]
	p.fetched[req.Name] = true
	p.mu.Unlock()
	if first {
		return &providers.Result{Value: []byte("v"), Version: "1"}, nil
	}
	p.blocked.Add(1)
	defer p.blocked.Add(-1)
	<-ctx.Done()
	return nil, ctx.Err()
}

// Close leaves no goroutine behind: not those of watches, background
// refreshes, rotation look-ups, or loads that callers are waiting for.
func TestCloseLeaksNoGoroutine(t *testing.T) {
	// Goroutines from earlier tests of this package, such as the SDK's
	// idle keep-alive connections to emulators already stopped, end on
	// their own schedule and are not this Client's: only goroutines
	// started from here on are checked.
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	blocking := &blockingProvider{fetched: map[string]bool{}}
	c, store := newMemoryClient(t, func(o *secrets.Options) {
		o.Providers["block"] = blocking
		o.TTL = 50 * time.Millisecond
		o.MinRefreshInterval = secrets.Disabled
	})
	store.Put("watched", "v1")
	ctx := context.Background()

	// A watch keeps its secret refreshed on a timer.
	var seen atomic.Int32
	stop, err := c.Watch("sm:watched", func(secrets.Value) { seen.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	poll.Until(t, "the watch's first value", func() bool { return seen.Load() > 0 })
	for i := range 3 {
		store.Put("watched", fmt.Sprintf("v%d", i+2))
	}

	// Values read once: from now on their refreshes block.
	for _, ref := range []string{"block:a", "block:b", "block:c"} {
		if _, err := c.Get(ctx, ref); err != nil {
			t.Fatal(err)
		}
	}
	// A background refresh of a watched value that blocks.
	stopBlocked, err := c.Watch("block:a", func(secrets.Value) {})
	if err != nil {
		t.Fatal(err)
	}
	defer stopBlocked()
	// Readers waiting for loads that block: expired values and a forced
	// refresh.
	var readers sync.WaitGroup
	readerErrs := make(chan error, 2)
	time.Sleep(60 * time.Millisecond) // past the TTL of the values read
	readers.Go(func() {
		_, err := c.Get(ctx, "block:b")
		readerErrs <- err
	})
	readers.Go(func() {
		_, err := c.Refresh(ctx, "block:c")
		readerErrs <- err
	})
	poll.Until(t, "three blocked loads", func() bool { return blocking.blocked.Load() == 3 })

	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	readers.Wait()
	close(readerErrs)
	for err := range readerErrs {
		if !errors.Is(err, secrets.ErrClosed) {
			t.Errorf("a read waiting when the Client closed: %v, want ErrClosed", err)
		}
	}
}
