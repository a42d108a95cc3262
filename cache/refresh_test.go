package cache

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secretref/secretref/internal/testing/poll"
	"github.com/secretref/secretref/internal/testing/syncbuf"
)

// withRefreshAhead turns refresh ahead on for the last 20% of the TTL.
func withRefreshAhead(o *Options[string, string]) { o.RefreshAhead = 0.2 }

func TestRefreshAheadReturnsAtOnce(t *testing.T) {
	b, c, clk := newLoaded(t, "v1", withRefreshAhead)
	b.set("k", "v2")
	b.setRelease(make(chan struct{}))
	clk.Advance(50 * time.Second) // inside the last 20% of a one-minute TTL
	mustGet(t, c, "k", "v1")      // served at once while the refresh waits
	poll.Until(t, "one background refresh", func() bool { return b.calls.Load() == 2 })
	mustGet(t, c, "k", "v1") // still one refresh in flight, not a second
	close(b.release)
	poll.Until(t, "the refreshed value", func() bool {
		v, _ := c.Get(context.Background(), "k")
		return v == "v2"
	})
	if got := b.calls.Load(); got != 2 {
		t.Fatalf("%d loads, want 2", got)
	}
}

func TestStaleIfErrorServesLastGoodValue(t *testing.T) {
	b, c, clk := newLoaded(t, "good", func(o *Options[string, string]) { o.MaxStale = time.Hour })
	b.fail("k", errTransient)
	clk.Advance(2 * time.Minute) // expired
	mustGet(t, c, "k", "good")   // the load fails; the last good value is served
	calls := b.calls.Load()
	// While the backoff runs, reads do not call the backend at all.
	for range 100 {
		mustGet(t, c, "k", "good")
	}
	if got := b.calls.Load(); got != calls {
		t.Fatalf("%d loads during the backoff, want none", got-calls)
	}
	if s := c.Stats(); s.StaleServes < 101 || s.LoadErrors != 1 {
		t.Fatalf("stats %+v: want ≥101 stale serves and 1 load error", s)
	}
	// Past the backoff one read starts one retry; it recovers.
	b.fail("k", nil)
	b.set("k", "new")
	clk.Advance(2 * time.Minute)
	mustGet(t, c, "k", "good")
	poll.Until(t, "recovery", func() bool {
		v, _ := c.Get(context.Background(), "k")
		return v == "new"
	})
}

func TestStalenessIsBounded(t *testing.T) {
	b, c, clk := newLoaded(t, "good", func(o *Options[string, string]) { o.MaxStale = 10 * time.Minute })
	b.fail("k", errTransient)
	clk.Advance(2 * time.Minute)
	mustGet(t, c, "k", "good")
	clk.Advance(10 * time.Minute) // past TTL + MaxStale
	if _, err := c.Get(context.Background(), "k"); !errors.Is(err, errTransient) {
		t.Fatalf("read past MaxStale: %v, want the failure", err)
	}
}

func TestBackoffGrowsWithJitter(t *testing.T) {
	c, _ := newTest(t, newBackend(), func(o *Options[string, string]) {
		o.RetryBackoff = time.Second
		o.MaxRetryBackoff = 8 * time.Second
	})
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 9: 8 * time.Second} {
		for range 100 {
			d := time.Duration(c.backoff(n))
			if d < want/2 || d > want {
				t.Fatalf("backoff after %d failures = %v, want in [%v, %v]", n, d, want/2, want)
			}
		}
	}
}

// A deleted secret or a revoked permission must take effect: a
// non-transient failure drops the entry instead of serving it stale.
func TestPermanentFailureIsNotHidden(t *testing.T) {
	b, c, clk := newLoaded(t, "good")
	b.fail("k", errGone)
	clk.Advance(2 * time.Minute)
	if _, err := c.Get(context.Background(), "k"); !errors.Is(err, errGone) {
		t.Fatalf("read after deletion: %v, want errGone", err)
	}
	if c.Len() != 0 {
		t.Fatalf("the entry was kept")
	}
}

func TestRefreshSharesOneLoadAndIsRateLimited(t *testing.T) {
	b, c, clk := newLoaded(t, "v1")
	clk.Advance(2 * time.Second)
	b.set("k", "v2")
	b.setRelease(make(chan struct{}))
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if v, err := c.Refresh(context.Background(), "k"); err != nil || v != "v2" {
				t.Errorf("Refresh = %q, %v", v, err)
			}
		})
	}
	poll.Until(t, "the forced load", func() bool { return b.calls.Load() == 2 })
	time.Sleep(10 * time.Millisecond)
	close(b.release)
	wg.Wait()
	if got := b.calls.Load(); got != 2 {
		t.Fatalf("%d loads for 50 concurrent Refresh calls, want 1 more than the first", got)
	}
	// Within the minimum interval a Refresh returns the value just fetched.
	b.set("k", "v3")
	clk.Advance(500 * time.Millisecond)
	if v, _ := c.Refresh(context.Background(), "k"); v != "v2" || b.calls.Load() != 2 {
		t.Fatalf("Refresh within the interval = %q after %d loads", v, b.calls.Load())
	}
	clk.Advance(time.Second)
	if v, _ := c.Refresh(context.Background(), "k"); v != "v3" {
		t.Fatalf("Refresh after the interval = %q, want v3", v)
	}
}

// A Refresh must not be undone by a load that started before it.
func TestLoadBeforeRefreshIsNotStored(t *testing.T) {
	b := newBackend()
	b.set("k", "old")
	b.started = make(chan string, 4)
	gate := make(chan struct{})
	b.release = gate
	c, _ := newTest(t, b, func(o *Options[string, string]) { o.MinRefreshInterval = Disabled })
	first := make(chan string, 1)
	go func() {
		v, _ := c.Get(context.Background(), "k")
		first <- v
	}()
	<-b.started
	b.setRelease(nil) // the forced load does not wait
	b.set("k", "new")
	if v, err := c.Refresh(context.Background(), "k"); err != nil || v != "new" {
		t.Fatalf("Refresh = %q, %v", v, err)
	}
	close(gate) // the old load completes after the refresh
	<-first
	mustGet(t, c, "k", "new")
}

func TestRefreshReportsFailureButKeepsValue(t *testing.T) {
	b, c, clk := newLoaded(t, "good")
	clk.Advance(2 * time.Second)
	b.fail("k", errTransient)
	if _, err := c.Refresh(context.Background(), "k"); !errors.Is(err, errTransient) {
		t.Fatalf("Refresh during an outage: %v, want the failure", err)
	}
	mustGet(t, c, "k", "good")
}

func TestWatchOncePerVersion(t *testing.T) {
	b, c, clk := newLoaded(t, "v1")
	seen, stop := watchValues(c, "k")
	for _, v := range []string{"v1", "v2", "v2", "v3"} {
		b.set("k", v)
		clk.Advance(2 * time.Minute)
		mustGet(t, c, "k", v)
	}
	poll.Until(t, "two notifications", func() bool {
		got := seen()
		if len(got) > 2 {
			t.Fatalf("seen %v", got)
		}
		return len(got) == 2
	})
	stop()
	b.set("k", "v4")
	clk.Advance(2 * time.Minute)
	mustGet(t, c, "k", "v4")
	time.Sleep(20 * time.Millisecond)
	if got := seen(); strings.Join(got, ",") != "v2,v3" {
		t.Fatalf("watch saw %v, want [v2 v3]", got)
	}
}

// A watched key is kept loaded by a timer, without reads.
func TestWatchPollsWithoutReads(t *testing.T) {
	b := newBackend()
	b.set("k", "v1")
	c := mustNew(t, b.load, func(o *Options[string, string]) {
		o.TTL = 30 * time.Millisecond
		o.Jitter = Disabled
	})
	got := make(chan string, 8)
	stop := c.Watch("k", func(v string) { got <- v })
	defer stop()
	if v := <-got; v != "v1" {
		t.Fatalf("first notification %q, want v1 (nothing was cached)", v)
	}
	b.set("k", "v2")
	select {
	case v := <-got:
		if v != "v2" {
			t.Fatalf("notification %q, want v2", v)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no notification of the new version")
	}
}

func TestWatchPanicIsContained(t *testing.T) {
	var buf syncbuf.Buffer
	b, c, clk := newLoaded(t, "v1", func(o *Options[string, string]) { o.Logger = slog.New(slog.NewTextHandler(&buf, nil)) })
	stop := c.Watch("k", func(string) { panic("boom") })
	defer stop()
	b.set("k", "v2")
	clk.Advance(2 * time.Minute)
	mustGet(t, c, "k", "v2")
	poll.Until(t, "the panic to be logged", func() bool { return strings.Contains(buf.String(), "panicked") })
}

// A loader's ExpiresBy hint (a scheduled rotation) shortens the TTL of the
// value it comes with; a hint past the TTL, or in the past, does not.
func TestExpiresByHint(t *testing.T) {
	b := newBackend()
	b.set("k", "v1")
	var clk interface{ Now() time.Time }
	hint := 10 * time.Second
	load := func(ctx context.Context, k string) Loaded[string] {
		r := b.load(ctx, k)
		r.ExpiresBy = clk.Now().Add(hint)
		return r
	}
	c, fc := newTest(t, b)
	clk = fc
	c.load = load
	mustGet(t, c, "k", "v1")
	b.set("k", "v2")
	fc.Advance(9 * time.Second)
	mustGet(t, c, "k", "v1")
	fc.Advance(2 * time.Second)
	mustGet(t, c, "k", "v2")
	for _, h := range []time.Duration{-time.Second, 2 * time.Minute} {
		hint = h
		c.Invalidate("k")
		mustGet(t, c, "k", "v2")
		b.set("k", "v3")
		fc.Advance(59 * time.Second)
		mustGet(t, c, "k", "v2")
		fc.Advance(2 * time.Second)
		mustGet(t, c, "k", "v3")
		b.set("k", "v2")
	}
}

func TestLoggerNamesKeyNotValue(t *testing.T) {
	var buf syncbuf.Buffer
	b := newBackend()
	b.set("key-name", "the-value")
	c, clk := newTest(t, b, func(o *Options[string, string]) { o.Logger = slog.New(slog.NewTextHandler(&buf, nil)) })
	mustGet(t, c, "key-name", "the-value")
	b.fail("key-name", errTransient)
	clk.Advance(2 * time.Minute)
	mustGet(t, c, "key-name", "the-value")
	out := buf.String()
	if !strings.Contains(out, "key-name") || !strings.Contains(out, "transient failure") {
		t.Errorf("log %q does not name the key and the error", out)
	}
	if strings.Contains(out, "the-value") {
		t.Errorf("log contains the value")
	}
}
