package cache

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/secretref/secretref/internal/testing/poll"
)

// A stalled load (a blackholed network) of an expired value that is within
// MaxStale must not fail its readers: each gets the last good value after
// at most StaleWait, or before its own deadline, while the load goes on.
func TestStalledLoadServesLastGoodValue(t *testing.T) {
	b, c, clk := newLoaded(t, "good", func(o *Options[string, string]) { o.StaleWait = 50 * time.Millisecond })
	stall := make(chan struct{})
	defer close(stall)
	b.setRelease(stall)
	clk.Advance(2 * time.Minute) // expired, within MaxStale

	// A caller with a deadline shorter than StaleWait still gets the value.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if v, err := c.Get(ctx, "k"); err != nil || v != "good" {
		t.Fatalf("read with a 20ms deadline during a stall = %q, %v; want the last good value", v, err)
	}
	// Then everyone: concurrent readers with short deadlines, none failing.
	var failed atomic.Int64
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			if v, err := c.Get(ctx, "k"); err != nil || v != "good" {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Fatalf("%d of 100 reads failed during a stall", n)
	}
	if got := b.calls.Load(); got != 2 {
		t.Fatalf("%d loads, want 2: the stalled load is shared, not repeated", got)
	}
	if s := c.Stats(); s.StaleServes < 101 {
		t.Fatalf("%d stale serves, want every read during the stall counted", s.StaleServes)
	}
}

// A refresh-ahead load that stalls until the value expires is treated the
// same way: the value is served stale, not waited for.
func TestStalledRefreshAheadThenExpiry(t *testing.T) {
	b, c, clk := newLoaded(t, "good", withRefreshAhead, func(o *Options[string, string]) { o.StaleWait = 50 * time.Millisecond })
	stall := make(chan struct{})
	defer close(stall)
	b.setRelease(stall)
	clk.Advance(50 * time.Second) // refresh ahead: the background load stalls
	mustGet(t, c, "k", "good")
	poll.Until(t, "the background load", func() bool { return b.calls.Load() == 2 })
	clk.Advance(time.Minute) // expired, and the load has run for a minute
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if v, err := c.Get(ctx, "k"); err != nil || v != "good" {
		t.Fatalf("read after the stalled refresh = %q, %v; want the last good value", v, err)
	}
}

// With nothing cached a stall is waited for until the caller's deadline.
func TestStallWithNothingCached(t *testing.T) {
	b := newBackend()
	b.set("k", "v")
	stall := make(chan struct{})
	defer close(stall)
	b.release = stall
	c, _ := newTest(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Get(ctx, "k"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("read of nothing during a stall: %v, want DeadlineExceeded", err)
	}
}

// batchBackend serves a cache whose keys form one batch group, recording
// the size of each batch call.
type batchBackend struct {
	*backend
	mu      sync.Mutex
	batches [][]string
	delay   time.Duration // each call takes this long, honouring its context
	panicOn string        // a batch holding this key panics
}

func (bb *batchBackend) loadBatch(ctx context.Context, keys []string) []Loaded[string] {
	bb.mu.Lock()
	bb.batches = append(bb.batches, slices.Clone(keys))
	bb.mu.Unlock()
	if slices.Contains(keys, bb.panicOn) {
		panic("batch loader panic holding the secret hunter2")
	}
	if bb.delay > 0 {
		select {
		case <-time.After(bb.delay):
		case <-ctx.Done():
			return failAll[string](len(keys), ctx.Err())
		}
	}
	out := make([]Loaded[string], len(keys))
	for i, k := range keys {
		out[i] = bb.load(ctx, k)
	}
	return out
}

func (bb *batchBackend) calls() [][]string {
	bb.mu.Lock()
	defer bb.mu.Unlock()
	return slices.Clone(bb.batches)
}

func newBatchTest(t *testing.T, size int, opts ...func(*Options[string, string])) (*batchBackend, *Cache[string, string]) {
	t.Helper()
	bb := &batchBackend{backend: newBackend()}
	c, _ := newTest(t, bb.backend, append([]func(*Options[string, string]){func(o *Options[string, string]) {
		o.Batch = func(string) (string, int) { return "g", size }
		o.BatchLoad = bb.loadBatch
	}}, opts...)...)
	return bb, c
}

// A batch that read an old version must not overwrite a newer one that a
// later load stored, nor tell watchers of it.
func TestSlowBatchDoesNotRollBack(t *testing.T) {
	bb, c := newBatchTest(t, 10)
	bb.set("a", "v1")
	bb.set("b", "v1")
	mustGet(t, c, "a", "v1")

	gate := make(chan struct{})
	bb.setRelease(gate)
	c.Invalidate("a")
	batch := make(chan []string, 1)
	go func() {
		vals, _ := c.GetMany(context.Background(), []string{"a", "b"})
		batch <- vals
	}()
	poll.Until(t, "the batch to start", func() bool { return len(bb.calls()) == 1 })
	seen, stop := watchValues(c, "a")
	defer stop()
	// While the batch waits, a rotation and a forced refresh store v2; the
	// batch then reads the old v1 it would have read before the rotation.
	bb.setRelease(nil)
	bb.set("a", "v2")
	if v, err := c.Refresh(context.Background(), "a"); err != nil || v != "v2" {
		t.Fatalf("Refresh = %q, %v", v, err)
	}
	bb.set("a", "v1") // what the slow batch will read
	close(gate)
	vals := <-batch
	if vals[0] != "v2" {
		t.Errorf("the slow batch's caller got %q for a, want the newer v2", vals[0])
	}
	mustGet(t, c, "a", "v2")
	poll.Until(t, "the watcher to hear v2", func() bool { return slices.Contains(seen(), "v2") })
	time.Sleep(10 * time.Millisecond)
	if got := seen(); slices.Contains(got, "v1") {
		t.Errorf("watchers heard %v: the older v1 after v2", got)
	}
}

// A value stored with Put from a fetch that began before a newer load does
// not replace that load's value.
func TestPutDoesNotRollBack(t *testing.T) {
	b := newBackend()
	b.set("k", "v2")
	c, _ := newTest(t, b)
	s := c.Stamp() // a listing begins, and reads v1
	mustGet(t, c, "k", "v2")
	if err := c.Put("k", "v1", s); err != nil {
		t.Fatal(err)
	}
	mustGet(t, c, "k", "v2")
	if err := c.Put("k", "v3", c.Stamp()); err != nil {
		t.Fatal(err)
	}
	mustGet(t, c, "k", "v3")
}

// A panicking batch loader fails its keys with ErrLoadPanicked and never
// prints the panic's value.
func TestBatchPanicIsContained(t *testing.T) {
	bb, c := newBatchTest(t, 10)
	bb.set("a", "v")
	bb.set("b", "v")
	bb.panicOn = "b"
	_, errs := c.GetMany(context.Background(), []string{"a", "b"})
	for i, err := range errs {
		if !errors.Is(err, ErrLoadPanicked) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("key %d: %v, want ErrLoadPanicked without the panic's value", i, err)
		}
	}
}

// An observer that panics on a background goroutine neither ends the
// process nor fails the refresh it was told of.
func TestObserverPanicIsContained(t *testing.T) {
	b, c, clk := newLoaded(t, "v1", withRefreshAhead, func(o *Options[string, string]) { o.Observer = panickingObserver{} })
	b.set("k", "v2")
	clk.Advance(50 * time.Second)
	mustGet(t, c, "k", "v1") // starts a background refresh; the observer panics
	poll.Until(t, "the refreshed value", func() bool {
		v, _ := c.Get(context.Background(), "k")
		return v == "v2"
	})
}

type panickingObserver struct{ noObserver[string] }

func (panickingObserver) Refreshing([]string, Refresh) { panic("observer panic") }

// LoadTimeout bounds each batch call, not a whole GetMany: 400 keys at 10 a
// call, 150 ms a call, under a 600 ms LoadTimeout, all succeed.
func TestLoadTimeoutBoundsEachBatchCall(t *testing.T) {
	bb, c := newBatchTest(t, 10, func(o *Options[string, string]) { o.LoadTimeout = 600 * time.Millisecond })
	bb.delay = 150 * time.Millisecond
	keys := make([]string, 400)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%03d", i)
		bb.set(keys[i], "v")
	}
	_, errs := c.GetMany(context.Background(), keys)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("key %d: %v", i, err)
		}
	}
	calls := bb.calls()
	if len(calls) != 40 {
		t.Fatalf("%d batch calls, want 40", len(calls))
	}
}

// The first chunk of a group runs alone, so that what it learns (a refused
// batch call) serves the others.
func TestFirstChunkRunsAlone(t *testing.T) {
	bb, c := newBatchTest(t, 2)
	keys := []string{"a", "b", "c", "d", "e", "f"}
	for _, k := range keys {
		bb.set(k, "v")
	}
	var running, most atomic.Int64
	load := bb.loadBatch
	var first sync.Once
	c.opts.BatchLoad = func(ctx context.Context, ks []string) []Loaded[string] {
		n := running.Add(1)
		defer running.Add(-1)
		first.Do(func() {
			time.Sleep(20 * time.Millisecond) // the others would start meanwhile
			if m := running.Load(); m != 1 {
				t.Errorf("%d batch calls ran beside the first", m-1)
			}
		})
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		return load(ctx, ks)
	}
	if _, errs := c.GetMany(context.Background(), keys); errors.Join(errs...) != nil {
		t.Fatal(errors.Join(errs...))
	}
	if len(bb.calls()) != 3 {
		t.Fatalf("%d calls, want 3", len(bb.calls()))
	}
}

// Close returns in bounded time even when a loader ignores its context,
// and the stuck read is answered ErrClosed.
func TestCloseWithLoaderIgnoringContext(t *testing.T) {
	stuck := make(chan struct{})
	defer close(stuck)
	started := make(chan struct{})
	c, err := New(func(context.Context, string) Loaded[string] {
		close(started)
		<-stuck // a read of a FIFO with no writer: no context reaches it
		return Loaded[string]{Value: "late"}
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.Get(context.Background(), "k")
		done <- err
	}()
	<-started
	closed := make(chan struct{})
	go func() {
		c.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return with a loader that ignores its context")
	}
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("the stuck read got %v, want ErrClosed", err)
	}
}

// LoadTimeout ends a load whose loader ignores its context: its callers are
// answered with the deadline (a transient failure) at once.
func TestLoadTimeoutWithLoaderIgnoringContext(t *testing.T) {
	stuck := make(chan struct{})
	defer close(stuck)
	c := mustNew(t, func(context.Context, string) Loaded[string] {
		<-stuck
		return Loaded[string]{Value: "late"}
	}, func(o *Options[string, string]) { o.LoadTimeout = 50 * time.Millisecond })
	if _, err := c.Get(context.Background(), "k"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Get: %v, want DeadlineExceeded", err)
	}
}

// A Refresh right after an ordinary load fetches: the password was read at
// t=0, rotated at t=0.1 and rejected at t=0.2; Refresh must not return the
// one just read. Only a second Refresh within MinRefreshInterval shares the
// first one's fetch.
func TestRefreshAfterAFreshLoadFetches(t *testing.T) {
	b, c, clk := newLoaded(t, "old")
	clk.Advance(100 * time.Millisecond)
	b.set("k", "rotated")
	clk.Advance(100 * time.Millisecond)
	if v, err := c.Refresh(context.Background(), "k"); err != nil || v != "rotated" {
		t.Fatalf("Refresh 0.2 s after a load = %q, %v; want the rotated value", v, err)
	}
	b.set("k", "newer")
	clk.Advance(100 * time.Millisecond)
	if v, _ := c.Refresh(context.Background(), "k"); v != "rotated" || b.calls.Load() != 2 {
		t.Fatalf("a second Refresh within the interval = %q after %d loads; want the first one's", v, b.calls.Load())
	}
}

// No call of a watch function begins after stop returns, and a watch
// function may stop its own watch.
func TestNoWatchCallAfterStop(t *testing.T) {
	b := newBackend()
	c, clk := newTest(t, b)
	for round := range 50 {
		clk.Advance(2 * time.Minute)
		b.set("k", fmt.Sprint("v", round))
		mustGet(t, c, "k", fmt.Sprint("v", round))
		var calls atomic.Int64
		stop := c.Watch("k", func(string) { calls.Add(1) })
		c.mu.Lock()
		w := c.watchers["k"].list[0]
		c.mu.Unlock()
		b.set("k", fmt.Sprint("w", round))
		clk.Advance(2 * time.Minute)
		mustGet(t, c, "k", fmt.Sprint("w", round)) // queues a delivery
		stop()
		// A call that began before stop returned may still be running.
		poll.Until(t, "the delivery run to end", func() bool {
			w.mu.Lock()
			defer w.mu.Unlock()
			return !w.running
		})
		n := calls.Load()
		b.set("k", fmt.Sprint("x", round))
		clk.Advance(2 * time.Minute)
		mustGet(t, c, "k", fmt.Sprint("x", round))
		time.Sleep(time.Millisecond)
		if late := calls.Load() - n; late != 0 {
			t.Fatalf("round %d: %d watch calls began after stop returned", round, late)
		}
	}
}

// stop does not wait for a call that is running: a watch function may stop
// its own watch, and a stop from elsewhere returns while a call blocks.
func TestStopDoesNotWaitForTheCall(t *testing.T) {
	b := newBackend()
	b.set("k", "old")
	c, clk := newTest(t, b)
	mustGet(t, c, "k", "old")
	self := make(chan struct{})
	var stopSelf func()
	var once sync.Once
	stopSelf = c.Watch("k", func(string) { once.Do(func() { stopSelf(); close(self) }) })
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	stopOther := c.Watch("k", func(string) {
		entered <- struct{}{}
		<-release
	})
	b.set("k", "new")
	clk.Advance(2 * time.Minute)
	mustGet(t, c, "k", "new")
	select {
	case <-self:
	case <-time.After(10 * time.Second):
		t.Fatal("a watch function stopping its own watch hung")
	}
	<-entered
	stopped := make(chan struct{})
	go func() { stopOther(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("stop waited for a running watch call")
	}
	close(release)
}

// Close leaves no goroutine behind.
func TestCloseLeaksNothing(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	bb, c := newBatchTest(t, 10, withRefreshAhead)
	for _, k := range []string{"a", "b", "c"} {
		bb.set(k, "v")
	}
	if _, errs := c.GetMany(context.Background(), []string{"a", "b", "c"}); errors.Join(errs...) != nil {
		t.Fatal(errors.Join(errs...))
	}
	stop := c.Watch("a", func(string) {})
	defer stop()
	c.Close()
}

// A Refresh that failed is shared too: Refreshes within MinRefreshInterval
// of it return its error without loading again.
func TestFailedRefreshIsShared(t *testing.T) {
	b := newBackend()
	c, clk := newTest(t, b)
	for range 3 {
		if _, err := c.Refresh(context.Background(), "missing"); !errors.Is(err, errGone) {
			t.Fatalf("Refresh of a missing key: %v, want errGone", err)
		}
	}
	if n := b.calls.Load(); n != 1 {
		t.Fatalf("%d loads for 3 Refreshes within the interval, want 1", n)
	}
	clk.Advance(2 * time.Second)
	_, _ = c.Refresh(context.Background(), "missing")
	if n := b.calls.Load(); n != 2 {
		t.Fatalf("%d loads after the interval, want 2", n)
	}
}

var errThrottled = errors.New("throttled")

// Throttling slows the whole group: once a background refresh is
// throttled, the other values of its batch group coming due are not each
// refreshed at the backend's expense but paced (served as they are, stale if
// need be), and refreshes resume as the backend recovers. The values were
// loaded a second apart, so that one comes due each second.
func TestThrottlingSlowsTheGroup(t *testing.T) {
	throttled := func(err error) bool { return errors.Is(err, errThrottled) }
	for _, tc := range []struct {
		name     string
		paced    bool
		maxSends int64
	}{{"paced", true, 8}, {"without pacing", false, 20}} {
		t.Run(tc.name, func(t *testing.T) {
			bb, c := newBatchTest(t, 1, withRefreshAhead, func(o *Options[string, string]) {
				if tc.paced {
					o.IsThrottled = throttled
				}
				o.IsTransient = func(err error) bool { return throttled(err) || errors.Is(err, errTransient) }
			})
			clk := c.opts.Clock.(interface{ Advance(time.Duration) })
			keys := make([]string, 20)
			for i := range keys {
				keys[i] = fmt.Sprintf("k%02d", i)
				bb.set(keys[i], "v1")
				mustGet(t, c, keys[i], "v1")
				clk.Advance(time.Second)
			}
			idle := func() {
				poll.Until(t, "the refreshes to end", func() bool {
					for _, k := range keys {
						if e, ok := c.index.Load(k); ok && e.loading.Load() {
							return false
						}
					}
					return true
				})
			}
			for _, k := range keys {
				bb.fail(k, errThrottled)
			}
			calls := bb.backend.calls.Load()
			clk.Advance(28 * time.Second) // k00 is due for a refresh at 48 s
			for range 30 {
				for _, k := range keys {
					mustGet(t, c, k, "v1") // served, never an error
				}
				idle()
				clk.Advance(time.Second)
			}
			sends := bb.backend.calls.Load() - calls
			t.Logf("%s: %d refreshes sent to a throttling backend as 20 values came due, one a second", tc.name, sends)
			if tc.paced && sends > tc.maxSends {
				t.Errorf("%d refreshes sent, want at most %d", sends, tc.maxSends)
			}
			for _, k := range keys {
				bb.fail(k, nil)
				bb.set(k, "v2")
			}
			poll.Until(t, "every value refreshed after the backend recovers", func() bool {
				clk.Advance(10 * time.Second)
				for _, k := range keys {
					if v, err := c.Get(context.Background(), k); err != nil || v != "v2" {
						return false
					}
				}
				return true
			})
		})
	}
}
